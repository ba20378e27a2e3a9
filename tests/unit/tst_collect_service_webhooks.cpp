#include "CollectServiceTest.h"

#include "collect/CollectJson.h"
#include "ssh/SshPublicKey.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// A collect session's webhooks: stored with their events queued, credentials
// redacted and sealed where they were sealed, refused without a usable key.
class TestCollectServiceWebhooks final : public CollectServiceTest
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { makeKeys(); }
    void webhooksAreStoredAndEventsQueued_data() { backendRows(); }
    void webhooksAreStoredAndEventsQueued();
    void webhookCredentialsAreRedacted();
    void sealedValuesOpenOnlyWhereTheyWereSealed();
    void plainCredentialsAreSealedByTheNextUpdate_data() { backendRows(); }
    void plainCredentialsAreSealedByTheNextUpdate();
    void credentialsAreRefusedWithoutAUsableKey();
};

void TestCollectServiceWebhooks::webhooksAreStoredAndEventsQueued()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.multiKey = true;
    CollectWebhook all;
    all.url = u"https://hooks.example/all"_s;
    CollectWebhook keysOnly;
    keysOnly.url = u"http://127.0.0.1:8080/keys"_s;
    keysOnly.method = u"put"_s;
    keysOnly.events = QStringList{u"key_collected"_s, u"key_collected"_s};
    keysOnly.headers.insert(u"X-Team"_s, {u"blue"_s, u"green"_s});
    keysOnly.retries = 3;
    keysOnly.initialBackoff = 5;
    keysOnly.backoffMultiplier = 1.5;
    input.webhooks = {all, keysOnly};
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);
    QCOMPARE(created->webhooks.size(), 2);
    QCOMPARE(created->webhooks.at(0).method, u"post"_s);
    QCOMPARE(created->webhooks.at(0).retries, CollectWebhook::kDefaultRetries);
    QCOMPARE(created->webhooks.at(0).initialBackoff, 10);
    QCOMPARE(created->webhooks.at(0).backoffMultiplier, 2.0);
    QVERIFY(!created->webhooks.at(0).id.isEmpty());

    // The columns the webhook dispatcher reads.
    Result<QSqlQuery> row
        = sql::exec(f.database().connection(),
                    u"SELECT position, url, method, events, headers, retries, initial_backoff, backoff_multiplier "
                    "FROM collect_webhooks WHERE session_id = ? ORDER BY position"_s,
                    {created->id});
    KEYSTEAD_VERIFY_OK(row);
    QVERIFY(row->next());
    QCOMPARE(row->value(3).toString(), u"[]"_s);
    QCOMPARE(row->value(4).toString(), u"{}"_s);
    QVERIFY(row->next());
    QCOMPARE(row->value(0).toInt(), 1);
    QCOMPARE(row->value(1).toString(), u"http://127.0.0.1:8080/keys"_s);
    QCOMPARE(row->value(2).toString(), u"put"_s);
    QCOMPARE(QJsonDocument::fromJson(row->value(3).toString().toUtf8()).array(), QJsonArray{u"key_collected"_s});
    QCOMPARE(QJsonDocument::fromJson(row->value(4).toString().toUtf8()).object(),
             (QJsonObject{{u"X-Team"_s, QJsonArray{u"blue"_s, u"green"_s}}}));
    QCOMPARE(row->value(5).toInt(), 3);
    QCOMPARE(row->value(6).toInt(), 5);
    QCOMPARE(row->value(7).toDouble(), 1.5);

    // Each change queues its deliveries in its own transaction.
    const QString deliveries = u"SELECT COUNT(*) FROM webhook_deliveries WHERE session_id = ? AND event = ?"_s;
    const Result<QString> connection = f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(connection);
    QCOMPARE(countRows(f.database(), deliveries, {created->id, u"new_connection"_s}), 1);
    KEYSTEAD_VERIFY_OK(f.service->keyProven(connection.value(), key(u"ed25519"_s)));
    QCOMPARE(countRows(f.database(), deliveries, {created->id, u"key_collected"_s}), 2);
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(connection.value(), ConnectionOutcome::Kept));
    QCOMPARE(countRows(f.database(), deliveries, {created->id, u"status_changed"_s}), 1);

    // The payload is the session as the API shows it, after the change.
    Result<QSqlQuery> payload = sql::exec(
        f.database().connection(),
        u"SELECT payload FROM webhook_deliveries WHERE session_id = ? AND event = 'status_changed'"_s, {created->id});
    KEYSTEAD_VERIFY_OK(payload);
    QVERIFY(payload->next());
    const QJsonObject session = QJsonDocument::fromJson(payload->value(0).toString().toUtf8()).object();
    QCOMPARE(session.value(u"id"_s).toString(), created->id);
    QCOMPARE(session.value(u"status"_s).toString(), u"completed"_s);
    QCOMPARE(session.value(u"connections"_s).toArray().first().toObject().value(u"keys"_s).toArray().size(), 1);

    // Replacing the list through PATCH keeps an existing webhook's id.
    CollectSessionPatch patch;
    CollectWebhook kept = created->webhooks.at(1);
    kept.retries = 7;
    patch.webhooks = QList<CollectWebhook>{kept};
    const Result<CollectSession> patched = f.service->update(created->id, patch);
    KEYSTEAD_VERIFY_OK(patched);
    QCOMPARE(patched->webhooks.size(), 1);
    QCOMPARE(patched->webhooks.first().id, created->webhooks.at(1).id);
    QCOMPARE(patched->webhooks.first().retries, 7);
    CollectWebhook foreign = kept;
    foreign.id = u"not-a-webhook-of-this-session"_s;
    patch.webhooks = QList<CollectWebhook>{foreign};
    const Result<CollectSession> refused = f.service->update(created->id, patch);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().location, u"webhooks[0].id"_s);
    QCOMPARE(f.service->get(created->id)->webhooks.first().retries, 7);
}

void TestCollectServiceWebhooks::webhookCredentialsAreRedacted()
{
    Fixture f = make();
    QVERIFY(f.store);
    CollectSessionInput input;
    CollectWebhook webhook;
    webhook.url = u"https://hooks.example/a"_s;
    webhook.headers.insert(u"Authorization"_s, {u"Bearer very-secret"_s});
    webhook.headers.insert(u"X-Team"_s, {u"blue"_s});
    input.webhooks = {webhook};
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);

    // The JSON (API answers and every receiver's payload) never shows the credential.
    const QJsonObject json = collectjson::sessionToJson(created.value());
    const QByteArray text = QJsonDocument(json).toJson();
    QVERIFY(!text.contains("very-secret"));
    const QJsonObject headers = json.value(u"webhooks"_s).toArray().first().toObject().value(u"headers"_s).toObject();
    QCOMPARE(headers.value(u"Authorization"_s).toArray().first().toString(), QString(collectjson::kRedacted));
    QCOMPARE(headers.value(u"X-Team"_s).toArray().first().toString(), u"blue"_s);
    // Nor does the service: the store holds the value sealed, and only the dispatcher opens it.
    const QString webhookId = created->webhooks.first().id;
    QCOMPARE(created->webhooks.first().headers.value(u"Authorization"_s), QStringList{QString(collectjson::kRedacted)});
    QCOMPARE(created->webhooks.first().headers.value(u"X-Team"_s), QStringList{u"blue"_s});
    const auto storedHeaders = [&f, &webhookId] {
        Result<QSqlQuery> row
            = sql::exec(f.database().connection(), u"SELECT headers FROM collect_webhooks WHERE id = ?"_s, {webhookId});
        return row && row->next() ? QJsonDocument::fromJson(row->value(0).toString().toUtf8()).object() : QJsonObject();
    };
    QJsonObject stored = storedHeaders();
    const QString sealed = stored.value(u"Authorization"_s).toArray().first().toString();
    QVERIFY2(sealed.startsWith(u"sealed:v1:"_s), qPrintable(sealed));
    QCOMPARE(stored.value(u"X-Team"_s).toArray(), QJsonArray{u"blue"_s});
    QCOMPARE(f.seal->open(webhookId, u"Authorization"_s, sealed).value(), u"Bearer very-secret"_s);

    // Sending the redacted form back (GET, edit, PATCH) keeps the stored value.
    CollectSessionPatch patch;
    CollectWebhook roundTrip = created->webhooks.first();
    roundTrip.retries = 2;
    patch.webhooks = QList<CollectWebhook>{roundTrip};
    const Result<CollectSession> patched = f.service->update(created->id, patch);
    KEYSTEAD_VERIFY_OK(patched);
    QCOMPARE(patched->webhooks.first().headers.value(u"Authorization"_s), QStringList{QString(collectjson::kRedacted)});
    QCOMPARE(patched->webhooks.first().retries, 2);
    stored = storedHeaders();
    QCOMPARE(stored.value(u"Authorization"_s).toArray().first().toString(), sealed);

    // A new value replaces it, sealed afresh.
    roundTrip.headers.insert(u"Authorization"_s, {u"Bearer rotated"_s});
    patch.webhooks = QList<CollectWebhook>{roundTrip};
    KEYSTEAD_VERIFY_OK(f.service->update(created->id, patch));
    const QString resealed = storedHeaders().value(u"Authorization"_s).toArray().first().toString();
    QVERIFY(WebhookHeaderSeal::isSealed(resealed));
    QCOMPARE(f.seal->open(webhookId, u"Authorization"_s, resealed).value(), u"Bearer rotated"_s);

    // A value that merely looks sealed is sealed too, whatever its header: whatever the
    // store holds with the prefix is a value to open, never one to send as it is.
    roundTrip.headers.insert(u"X-Team"_s, {u"sealed:v1:AAAA"_s});
    patch.webhooks = QList<CollectWebhook>{roundTrip};
    KEYSTEAD_VERIFY_OK(f.service->update(created->id, patch));
    const QString lookalike = storedHeaders().value(u"X-Team"_s).toArray().first().toString();
    QVERIFY(lookalike != u"sealed:v1:AAAA"_s);
    QCOMPARE(f.seal->open(webhookId, u"X-Team"_s, lookalike).value(), u"sealed:v1:AAAA"_s);
}

void TestCollectServiceWebhooks::sealedValuesOpenOnlyWhereTheyWereSealed()
{
    Fixture f = make();
    QVERIFY(f.store);
    WebhookHeaderSeal &seal = *f.seal;
    const QString webhook = u"5b0f3c1e-0000-4000-8000-000000000001"_s;
    const QString other = u"5b0f3c1e-0000-4000-8000-000000000002"_s;
    const QString value = u"Bearer abc"_s;

    const Result<QString> sealed = seal.seal(webhook, u"Authorization"_s, value);
    KEYSTEAD_VERIFY_OK(sealed);
    QVERIFY(sealed->startsWith(WebhookHeaderSeal::kPrefix));
    QVERIFY(!sealed->contains(u"abc"_s));
    // 12 bytes of nonce, the ciphertext, 16 bytes of tag.
    const QByteArray raw = QByteArray::fromBase64(sealed->sliced(WebhookHeaderSeal::kPrefix.size()).toLatin1());
    QCOMPARE(raw.size(), 12 + value.toUtf8().size() + 16);
    // A fresh nonce each time: the same value never seals to the same text.
    QVERIFY(seal.seal(webhook, u"Authorization"_s, value).value() != sealed.value());

    QCOMPARE(seal.open(webhook, u"Authorization"_s, sealed.value()).value(), value);
    QCOMPARE(seal.open(webhook, u"authorization"_s, sealed.value()).value(), value); // HTTP names ignore case
    // Copied onto another webhook, or another header of the same webhook: it does not open.
    const Result<QString> elsewhere = seal.open(other, u"Authorization"_s, sealed.value());
    QVERIFY(!elsewhere.ok());
    QCOMPARE(elsewhere.error().kind, Error::Kind::Conflict);
    QVERIFY2(elsewhere.error().message.contains(u"Authorization"_s), qPrintable(elsewhere.error().message));
    QVERIFY(!elsewhere.error().message.contains(u"abc"_s));
    QVERIFY(!seal.open(webhook, u"Proxy-Authorization"_s, sealed.value()).ok());
    // Any changed byte, a cut-off value or one that is not base64 does not open either.
    for (qsizetype i = 0; i < raw.size(); ++i) {
        QByteArray tampered = raw;
        tampered[i] = static_cast<char>(tampered.at(i) ^ 0x01);
        const QString text = QString(WebhookHeaderSeal::kPrefix) + QString::fromLatin1(tampered.toBase64());
        QVERIFY2(!seal.open(webhook, u"Authorization"_s, text).ok(), qPrintable(QString::number(i)));
    }
    QVERIFY(!seal.open(webhook, u"Authorization"_s, QString(WebhookHeaderSeal::kPrefix) + u"AAAA"_s).ok());
    QVERIFY(!seal.open(webhook, u"Authorization"_s, QString(WebhookHeaderSeal::kPrefix) + u"not base64!"_s).ok());
    // An empty value round-trips; a plain (never sealed) one comes back as it is.
    QCOMPARE(seal.open(webhook, u"Cookie"_s, seal.seal(webhook, u"Cookie"_s, QString()).value()).value(), QString());
    QCOMPARE(seal.open(webhook, u"Authorization"_s, u"Bearer plain"_s).value(), u"Bearer plain"_s);
    QCOMPARE(seal.seal(QString(), u"Authorization"_s, value).error().kind, Error::Kind::InvalidInput);

    // The seal's key is HKDF-SHA256 (RFC 5869, no salt) of the signing key, worked out here by hand.
    const Result<QByteArray> signingKey = f.vault->vault().get(WebhookSigner::secretRef());
    KEYSTEAD_VERIFY_OK(signingKey);
    const QByteArray prk
        = QMessageAuthenticationCode::hash(signingKey.value(), QByteArray(32, '\0'), QCryptographicHash::Sha256);
    const QByteArray info = "keystead webhook header seal v1";
    QCOMPARE(f.signer->derivedKey(info).value(),
             QMessageAuthenticationCode::hash(info + '\x01', prk, QCryptographicHash::Sha256));
    QVERIFY(f.signer->derivedKey("another purpose").value() != f.signer->derivedKey(info).value());

    // A replaced signing key leaves the old sealed values unreadable; new ones open.
    KEYSTEAD_VERIFY_OK(f.signer->replaceKey());
    QCOMPARE(seal.open(webhook, u"Authorization"_s, sealed.value()).error().kind, Error::Kind::Conflict);
    QCOMPARE(seal.open(webhook, u"Authorization"_s, seal.seal(webhook, u"Authorization"_s, value).value()).value(),
             value);
}

void TestCollectServiceWebhooks::plainCredentialsAreSealedByTheNextUpdate()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    CollectWebhook webhook;
    webhook.url = u"https://hooks.example/a"_s;
    input.webhooks = {webhook};
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);
    const QString webhookId = created->webhooks.first().id;
    // As a store written before values were sealed holds it.
    KEYSTEAD_VERIFY_OK(sql::exec(f.database().connection(), u"UPDATE collect_webhooks SET headers = ? WHERE id = ?"_s,
                                 {u"{\"Authorization\":[\"Bearer legacy\"],\"X-Team\":[\"blue\"]}"_s, webhookId}));

    // Read as plain, shown redacted like any credential.
    const Result<CollectSession> read = f.service->get(created->id);
    KEYSTEAD_VERIFY_OK(read);
    QCOMPARE(read->webhooks.first().headers.value(u"Authorization"_s), QStringList{QString(collectjson::kRedacted)});

    // An update that leaves the webhooks alone still seals what it finds in plain text.
    CollectSessionPatch patch;
    patch.sshBanner = std::optional<QString>(u"Hello"_s);
    KEYSTEAD_VERIFY_OK(f.service->update(created->id, patch));
    Result<QSqlQuery> row
        = sql::exec(f.database().connection(), u"SELECT headers FROM collect_webhooks WHERE id = ?"_s, {webhookId});
    KEYSTEAD_VERIFY_OK(row);
    QVERIFY(row->next());
    QVERIFY(!row->value(0).toString().contains(u"legacy"_s));
    const QJsonObject stored = QJsonDocument::fromJson(row->value(0).toString().toUtf8()).object();
    QCOMPARE(stored.value(u"X-Team"_s).toArray(), QJsonArray{u"blue"_s});
    const QString sealed = stored.value(u"Authorization"_s).toArray().first().toString();
    QVERIFY(WebhookHeaderSeal::isSealed(sealed));
    QCOMPARE(f.seal->open(webhookId, u"Authorization"_s, sealed).value(), u"Bearer legacy"_s);
}

void TestCollectServiceWebhooks::credentialsAreRefusedWithoutAUsableKey()
{
    Fixture f = make();
    QVERIFY(f.store);
    // An older version's signing key file others may read is not sealed: no credential is stored, sealed or not.
    QFile keyFile(f.signer->legacyKeyFilePath());
    QVERIFY(keyFile.open(QIODevice::WriteOnly));
    QCOMPARE(keyFile.write(QByteArray(WebhookSigner::kKeyBytes, 'k')), qint64{WebhookSigner::kKeyBytes});
    keyFile.close();
    QVERIFY(keyFile.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther));

    CollectSessionInput input;
    CollectWebhook webhook;
    webhook.url = u"https://hooks.example/a"_s;
    webhook.headers.insert(u"X-Auth-Token"_s, {u"tok-123"_s});
    input.webhooks = {webhook};
    const Result<CollectSession> refused = f.service->create(input);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().kind, Error::Kind::Unavailable);
    QVERIFY2(refused.error().message.contains(u"chmod 600"_s), qPrintable(refused.error().message));
    QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM collect_sessions"_s), 0);

    // Headers that are no credentials need no key.
    input.webhooks.first().headers = {{u"X-Team"_s, {u"blue"_s}}};
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);

    // Nor does a change that leaves the webhooks alone; one that adds a credential is refused.
    CollectSessionPatch patch;
    patch.sshMessage = std::optional<QString>(u"Thanks"_s);
    KEYSTEAD_VERIFY_OK(f.service->update(created->id, patch));
    CollectWebhook withToken = created->webhooks.first();
    withToken.headers.insert(u"Authorization"_s, {u"Bearer abc"_s});
    patch.webhooks = QList<CollectWebhook>{withToken};
    QCOMPARE(f.service->update(created->id, patch).error().kind, Error::Kind::Unavailable);
    QCOMPARE(f.service->get(created->id)->webhooks.first().headers.size(), 1);
}

QTEST_GUILESS_MAIN(TestCollectServiceWebhooks)
#include "tst_collect_service_webhooks.moc"
