// The webhook signing key, sealed in the vault, and the webhook credentials sealed with it.
#include "WebhookWorld.h"

#include "common/Crypto.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QUuid>
#include <QtTest>

#include <memory>
#include <thread>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

class TestWebhookSecrets final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void signingKeyIsSealedInTheVault_data() { backends(); }
    void signingKeyIsSealedInTheVault();
    void instancesOnOneStoreShareTheKey_data() { backends(); }
    void instancesOnOneStoreShareTheKey();
    void legacyKeyFileIsSealedAndRemoved_data() { backends(); }
    void legacyKeyFileIsSealedAndRemoved();
    void legacyKeyFileOfAnotherKeyIsRefused_data() { backends(); }
    void legacyKeyFileOfAnotherKeyIsRefused();
    void lockedVaultRefusesToSign_data() { backends(); }
    void lockedVaultRefusesToSign();
    void credentialsAreSentButNeverStored_data() { backends(); }
    void credentialsAreSentButNeverStored();
    void sealedValueCopiedToAnotherWebhookFailsTheAttempt_data() { backends(); }
    void sealedValueCopiedToAnotherWebhookFailsTheAttempt();
    void replacedSigningKeyFailsTheAttemptCleanly_data() { backends(); }
    void replacedSigningKeyFailsTheAttemptCleanly();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }
};

namespace {

// The check older versions recorded of the key file's key (webhook_signing_key.key_check).
QString legacyKeyCheck(const QByteArray &key)
{
    static constexpr char kText[] = "\0keystead webhook signing key check";
    const QByteArray text(kText, sizeof kText - 1);
    return QString::fromLatin1(QMessageAuthenticationCode::hash(text, key, QCryptographicHash::Sha256).toHex());
}

QByteArray webhookSecret(const QByteArray &key, const QString &webhookId)
{
    return QMessageAuthenticationCode::hash(webhookId.toUtf8(), key, QCryptographicHash::Sha256).toHex();
}

// Writes a key file as versions before the vault kept it: 32 bytes, owner-only.
bool writeLegacyKeyFile(const QString &path, const QByteArray &key)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::NewOnly, QFile::ReadOwner | QFile::WriteOwner)
        && file.write(key) == key.size();
}

int sealedKeyRows(Database &database)
{
    Result<QSqlQuery> rows = sql::exec(database.connection(),
                                       u"SELECT COUNT(*) FROM vault_secrets WHERE owner_kind = ? AND owner_id = ?"_s,
                                       {QString(WebhookSigner::kOwnerKind), QString(WebhookSigner::kOwnerId)});
    return rows && rows->next() ? rows->value(0).toInt() : -1;
}

} // namespace

void TestWebhookSecrets::signingKeyIsSealedInTheVault()
{
    QFETCH(QString, backend);
    World world;
    Result<Session> session = world.openWithOneWebhook(backend);
    KEYSTEAD_VERIFY_OK(session);
    const QString webhookId = session->webhookIds.constFirst();

    // Made on first use, sealed in the vault; no key file in the data folder.
    QCOMPARE(sealedKeyRows(world.database()), 0);
    const QByteArray secret = world.dispatcher->secretFor(webhookId);
    QCOMPARE(secret.size(), 64);
    QCOMPARE(sealedKeyRows(world.database()), 1);
    QVERIFY(!QFileInfo::exists(world.signer->legacyKeyFilePath()));
    QCOMPARE(QDir(world.store->dataDir()).entryList({u"*.key"_s}, QDir::Files | QDir::Hidden),
             QStringList{u"master.key"_s}); // the test vault's master key, nothing else
    const Result<QByteArray> key = world.vault->vault().get(WebhookSigner::secretRef());
    KEYSTEAD_VERIFY_OK(key);
    QCOMPARE(key->size(), WebhookSigner::kKeyBytes);
    QCOMPARE(secret, webhookSecret(key.value(), webhookId));
    // Each webhook has its own secret.
    QVERIFY(world.dispatcher->secretFor(QUuid::createUuid().toString(QUuid::WithoutBraces)) != secret);

    // Nothing in the store holds the secret or the key in the clear.
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::KeyCollected, {}));
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(world.deliveries(session->id).constFirst().id, 1));
    for (const QByteArray &needle : {secret, key->toHex(), key->toBase64(), key.value()})
        QVERIFY2(cellsContaining(world.database(), needle).isEmpty(), needle.toHex().constData());

    // A restarted instance uses the same key.
    QVERIFY(world.restart());
    QCOMPARE(world.dispatcher->secretFor(webhookId), secret);

    // A key that may have leaked is replaced: new secrets, sealed too, kept across a restart.
    KEYSTEAD_VERIFY_OK(world.signer->replaceKey());
    const QByteArray replaced = world.dispatcher->secretFor(webhookId);
    QCOMPARE(replaced.size(), 64);
    QVERIFY(replaced != secret);
    QCOMPARE(sealedKeyRows(world.database()), 1);
    QVERIFY(!QFileInfo::exists(world.signer->legacyKeyFilePath()));
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::NewConnection, {}));
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForRequests(2));
    QVERIFY(signatureMatches(world.receiver.requests().constLast(), replaced));
    QVERIFY(world.restart());
    QCOMPARE(world.dispatcher->secretFor(webhookId), replaced);
}

void TestWebhookSecrets::instancesOnOneStoreShareTheKey()
{
    QFETCH(QString, backend);
    World world;
    Result<Session> session = world.openWithOneWebhook(backend);
    KEYSTEAD_VERIFY_OK(session);
    const QString webhookId = session->webhookIds.constFirst();
    KEYSTEAD_VERIFY_OK(world.vault->vault().unlock()); // the master key exists; no signing key yet

    // Two more instances on the same store, each with a data folder and a vault of its own
    // (the same master key, as from one keychain), start at the same moment.
    QTemporaryDir firstFolder;
    QTemporaryDir secondFolder;
    Result<std::unique_ptr<Database>> firstStore = world.store->openAgain(world.clock);
    Result<std::unique_ptr<Database>> secondStore = world.store->openAgain(world.clock);
    KEYSTEAD_VERIFY_OK(firstStore);
    KEYSTEAD_VERIFY_OK(secondStore);
    TestVault firstVault(*firstStore.value(), world.clock, world.store->dataDir());
    TestVault secondVault(*secondStore.value(), world.clock, world.store->dataDir());
    WebhookSigner first(firstFolder.path(), *firstStore.value(), firstVault.vault());
    WebhookSigner second(secondFolder.path(), *secondStore.value(), secondVault.vault());
    Result<QByteArray> fromFirst = Error::internal(u"not run"_s);
    Result<QByteArray> fromSecond = Error::internal(u"not run"_s);
    {
        std::thread one([&] {
            fromFirst = first.secretFor(webhookId);
            firstStore.value()->releaseThreadConnection();
        });
        std::thread two([&] {
            fromSecond = second.secretFor(webhookId);
            secondStore.value()->releaseThreadConnection();
        });
        one.join();
        two.join();
    }
    KEYSTEAD_VERIFY_OK(fromFirst);
    KEYSTEAD_VERIFY_OK(fromSecond);
    QCOMPARE(fromFirst.value(), fromSecond.value());
    QCOMPARE(sealedKeyRows(world.database()), 1);
    // ... and the first instance, started before them, signs with the same key.
    QCOMPARE(world.dispatcher->secretFor(webhookId), fromFirst.value());
    QVERIFY(!QFileInfo::exists(first.legacyKeyFilePath()));
    QVERIFY(!QFileInfo::exists(second.legacyKeyFilePath()));
}

void TestWebhookSecrets::legacyKeyFileIsSealedAndRemoved()
{
    QFETCH(QString, backend);
    World world;
    Result<Session> session = world.openWithOneWebhook(backend);
    KEYSTEAD_VERIFY_OK(session);
    const QString webhookId = session->webhookIds.constFirst();

    // An older version's key file and its check in the store, as an upgrade finds them.
    const QByteArray oldKey = crypto::randomBytes(WebhookSigner::kKeyBytes).value();
    QVERIFY(writeLegacyKeyFile(world.signer->legacyKeyFilePath(), oldKey));
    KEYSTEAD_VERIFY_OK(sql::exec(world.database().connection(),
                                 u"INSERT INTO webhook_signing_key (id, key_check, created_at) VALUES (1, ?, ?)"_s,
                                 {legacyKeyCheck(oldKey), u"2026-01-01T00:00:00.000Z"_s}));
    // A second instance's copy of that file, as older versions asked for.
    QTemporaryDir otherFolder;
    const QString otherCopy = QDir(otherFolder.path()).filePath(WebhookSigner::kLegacyKeyFileName.toString());
    QVERIFY(writeLegacyKeyFile(otherCopy, oldKey));

    // Receivers keep their secrets: the file's key is sealed, and the file goes.
    QCOMPARE(world.dispatcher->secretFor(webhookId), webhookSecret(oldKey, webhookId));
    QVERIFY(!QFileInfo::exists(world.signer->legacyKeyFilePath()));
    QCOMPARE(world.vault->vault().get(WebhookSigner::secretRef()).value(), oldKey);
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::KeyCollected, {}));
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForRequests(1));
    QVERIFY(signatureMatches(world.receiver.requests().constLast(), webhookSecret(oldKey, webhookId)));

    // The other instance's copy goes too once it finds the same key sealed.
    TestVault otherVault(world.database(), world.clock, world.store->dataDir());
    WebhookSigner other(otherFolder.path(), world.database(), otherVault.vault());
    QCOMPARE(other.secretFor(webhookId).value(), webhookSecret(oldKey, webhookId));
    QVERIFY(!QFileInfo::exists(otherCopy));
}

void TestWebhookSecrets::legacyKeyFileOfAnotherKeyIsRefused()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    // The store's instances signed with one key; this instance's file holds another.
    const QByteArray storeKey(WebhookSigner::kKeyBytes, 's');
    KEYSTEAD_VERIFY_OK(sql::exec(world.database().connection(),
                                 u"INSERT INTO webhook_signing_key (id, key_check, created_at) VALUES (1, ?, ?)"_s,
                                 {legacyKeyCheck(storeKey), u"2026-01-01T00:00:00.000Z"_s}));
    QVERIFY(writeLegacyKeyFile(world.signer->legacyKeyFilePath(), QByteArray(WebhookSigner::kKeyBytes, 'x')));

    const Result<QByteArray> refused = world.signer->secretFor(u"webhook-1"_s);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().kind, Error::Kind::Conflict);
    QVERIFY2(refused.error().message.contains(world.signer->legacyKeyFilePath()), qPrintable(refused.error().message));
    QCOMPARE(sealedKeyRows(world.database()), 0);
    QVERIFY(QFileInfo::exists(world.signer->legacyKeyFilePath()));
}

void TestWebhookSecrets::lockedVaultRefusesToSign()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    QCOMPARE(world.signer->secretFor(u"webhook-1"_s)->size(), 64); // sealed under the store's master key

    // An instance whose key store lacks that master key, with a key file of an older version at hand.
    QTemporaryDir elsewhere;
    TestVault lockedVault(world.database(), world.clock, elsewhere.path());
    QVERIFY(lockedVault.vault().state() != VaultState::Ready);
    const QString legacyFile = QDir(elsewhere.path()).filePath(WebhookSigner::kLegacyKeyFileName.toString());
    QVERIFY(writeLegacyKeyFile(legacyFile, QByteArray(WebhookSigner::kKeyBytes, 'k')));
    WebhookSigner locked(elsewhere.path(), world.database(), lockedVault.vault());
    const Result<QByteArray> refused = locked.signatureFor(u"webhook-1"_s, "{}");
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().kind, Error::Kind::Unavailable);
    QCOMPARE(refused.error().details.value(u"vault_state"_s).toString(), u"key_missing"_s);
    const QString message = refused.error().message;
    QVERIFY2(message.startsWith(u"the webhook signing key is sealed in the vault, which cannot be opened: "_s),
             qPrintable(message));
    QVERIFY2(message.contains(u"master key"_s), qPrintable(message));
    QCOMPARE(locked.derivedKey("purpose").error().kind, Error::Kind::Unavailable);
    QCOMPARE(locked.replaceKey().error().details.value(u"vault_state"_s).toString(), u"key_missing"_s);
    // No fallback to the file: it is neither used nor removed, and the sealed key stays.
    QVERIFY(QFileInfo::exists(legacyFile));
    QCOMPARE(sealedKeyRows(world.database()), 1);
    QCOMPARE(world.signer->secretFor(u"webhook-1"_s)->size(), 64);
}

void TestWebhookSecrets::credentialsAreSentButNeverStored()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    const QList<QByteArray> credentials{"Bearer abc", "kst-9f2c71d4e8", "session=c00k1e-7b3e", "tok-5a8e0c2d",
                                        "pa55-w0rd-41c9"};
    WebhookSpec spec;
    spec.url = world.receiver.url();
    spec.retries = 1;
    spec.initialBackoff = 1;
    spec.headers = QJsonObject{{u"Authorization"_s, QJsonArray{QString::fromLatin1(credentials.at(0))}},
                               {u"x-api-key"_s, QJsonArray{QString::fromLatin1(credentials.at(1))}},
                               {u"Cookie"_s, QJsonArray{QString::fromLatin1(credentials.at(2))}},
                               {u"X-Auth-Token"_s, QJsonArray{QString::fromLatin1(credentials.at(3))}},
                               {u"X-Password"_s, QJsonArray{QString::fromLatin1(credentials.at(4))}},
                               {u"X-Team"_s, QJsonArray{u"blue"_s}}};
    Result<Session> session = world.createSession({spec});
    KEYSTEAD_VERIFY_OK(session);

    // Real changes queue real payloads (the session as the API shows it); the receiver fails once.
    world.receiver.setScript({{Receiver::Action::Answer, 503}});
    Result<QString> connection = world.sessions->connectionOpened(session->id, u"192.0.2.9"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(connection);
    const QString deliveryId = world.deliveries(session->id).constFirst().id;
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(deliveryId, 1));
    world.clock.advanceSeconds(1);
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(deliveryId, 2));
    QCOMPARE(world.delivery(deliveryId).status, WebhookDeliveryStatus::Delivered);

    // The receiver gets the real values, every time.
    QCOMPARE(world.receiver.requests().size(), 2);
    for (const Receiver::Request &request : world.receiver.requests()) {
        QCOMPARE(request.headers.value("authorization"), QByteArray("Bearer abc"));
        QCOMPARE(request.headers.value("x-api-key"), credentials.at(1));
        QCOMPARE(request.headers.value("cookie"), credentials.at(2));
        QCOMPARE(request.headers.value("x-auth-token"), credentials.at(3));
        QCOMPARE(request.headers.value("x-password"), credentials.at(4));
        QCOMPARE(request.headers.value("x-team"), QByteArray("blue"));
        // The payload shows the webhook, its credentials redacted.
        QVERIFY(request.body.contains("[redacted]"));
        for (const QByteArray &credential : credentials)
            QVERIFY2(!request.body.contains(credential), credential.constData());
    }

    // The store, though, holds none of them in plain text, in any column of any table.
    for (const QByteArray &credential : credentials) {
        const QStringList cells = cellsContaining(world.database(), credential);
        QVERIFY2(cells.isEmpty(), qPrintable(QString::fromLatin1(credential) + u": "_s + cells.join(u", "_s)));
    }
    // The scan does see the webhook's row: the sealed values are there.
    QCOMPARE(cellsContaining(world.database(), "sealed:v1:"), QStringList{u"collect_webhooks.headers"_s});
    QCOMPARE(cellsContaining(world.database(), "blue").size(), 2); // the column, and the payload's copy
}

void TestWebhookSecrets::sealedValueCopiedToAnotherWebhookFailsTheAttempt()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    WebhookSpec first;
    first.url = world.receiver.url(u"/first"_s);
    first.headers = QJsonObject{{u"Authorization"_s, QJsonArray{u"Bearer abc"_s}}};
    WebhookSpec second;
    second.url = world.receiver.url(u"/second"_s);
    second.headers = QJsonObject{{u"Authorization"_s, QJsonArray{u"Bearer other"_s}}};
    Result<Session> session = world.createSession({first, second});
    KEYSTEAD_VERIFY_OK(session);

    // Someone with write access to the store copies the first webhook's sealed header onto the second.
    QSqlDatabase db = world.database().connection();
    KEYSTEAD_VERIFY_OK(sql::exec(db,
                                 u"UPDATE collect_webhooks SET headers = (SELECT headers FROM collect_webhooks"
                                 " WHERE id = ?) WHERE id = ?"_s,
                                 {session->webhookIds.at(0), session->webhookIds.at(1)}));
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::KeyCollected, {}));
    QString firstDelivery;
    QString secondDelivery;
    for (const WebhookDelivery &delivery : world.deliveries(session->id))
        (delivery.webhookId == session->webhookIds.at(0) ? firstDelivery : secondDelivery) = delivery.id;

    QCOMPARE(world.dispatcher->processDue(), 2);
    QVERIFY(world.waitForAttempt(firstDelivery, 1));
    QVERIFY(world.waitForAttempt(secondDelivery, 1));
    QCOMPARE(world.delivery(firstDelivery).status, WebhookDeliveryStatus::Delivered);
    // The copy does not open for the second webhook: its attempt fails, and says why.
    const WebhookDelivery failed = world.delivery(secondDelivery);
    QCOMPARE(failed.status, WebhookDeliveryStatus::Failed);
    QCOMPARE(failed.attemptLog.size(), 1);
    QCOMPARE(failed.attemptLog.constFirst().outcome, WebhookAttempt::Outcome::Failed);
    QCOMPARE(failed.attemptLog.constFirst().statusCode, 0);
    QVERIFY2(failed.lastError.contains(u"Authorization header cannot be opened"_s), qPrintable(failed.lastError));
    // Only the first webhook was called; nothing sealed (or copied) left the building.
    QCOMPARE(world.receiver.requests().size(), 1);
    QCOMPARE(world.receiver.requests().constFirst().path, QByteArray("/first"));
    QCOMPARE(world.receiver.requests().constFirst().headers.value("authorization"), QByteArray("Bearer abc"));
}

void TestWebhookSecrets::replacedSigningKeyFailsTheAttemptCleanly()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    WebhookSpec spec;
    spec.url = world.receiver.url();
    spec.retries = 1;
    spec.initialBackoff = 5;
    spec.headers = QJsonObject{{u"Authorization"_s, QJsonArray{u"Bearer abc"_s}}, {u"X-Team"_s, QJsonArray{u"blue"_s}}};
    Result<Session> session = world.createSession({spec});
    KEYSTEAD_VERIFY_OK(session);
    const QString webhookId = session->webhookIds.constFirst();

    // The key may have leaked and is replaced: the sealed header no longer opens.
    KEYSTEAD_VERIFY_OK(world.signer->replaceKey());
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::StatusChanged, {}));
    const QString deliveryId = world.deliveries(session->id).constFirst().id;
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(deliveryId, 1));
    WebhookDelivery state = world.delivery(deliveryId);
    QCOMPARE(state.status, WebhookDeliveryStatus::Pending); // one retry left
    QCOMPARE(state.attemptLog.constFirst().outcome, WebhookAttempt::Outcome::Failed);
    QVERIFY2(state.lastError.contains(u"signing key was replaced"_s), qPrintable(state.lastError));
    QVERIFY(!state.lastError.contains(u"sealed:"_s));
    // Nothing was sent: not the sealed text, and not a request without the credential.
    QTest::qWait(100);
    QCOMPARE(world.receiver.requests().size(), 0);

    // The operator enters the value again; the retry goes out with it, signed with the new key.
    CollectSessionPatch patch;
    CollectWebhook webhook = world.sessions->get(session->id)->webhooks.constFirst();
    webhook.headers.insert(u"Authorization"_s, {u"Bearer abc"_s});
    patch.webhooks = QList<CollectWebhook>{webhook};
    KEYSTEAD_VERIFY_OK(world.sessions->update(session->id, patch));
    world.clock.advanceSeconds(5);
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(deliveryId, 2));
    QCOMPARE(world.delivery(deliveryId).status, WebhookDeliveryStatus::Delivered);
    QCOMPARE(world.receiver.requests().size(), 1);
    const Receiver::Request &request = world.receiver.requests().constFirst();
    QCOMPARE(request.headers.value("authorization"), QByteArray("Bearer abc"));
    QCOMPARE(request.headers.value("x-team"), QByteArray("blue"));
    QVERIFY(signatureMatches(request, world.signer->secretFor(webhookId).value()));
}

QTEST_GUILESS_MAIN(TestWebhookSecrets)
#include "tst_webhook_secrets.moc"
