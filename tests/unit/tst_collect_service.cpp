#include "TestDatabase.h"
#include "TestVault.h"

#include "collect/CollectJson.h"
#include "collect/CollectService.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "collect/WebhookSigner.h"
#include "ssh/SshPublicKey.h"
#include "store/Sql.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::TestDatabase;

namespace {

// One store, its outbox, the seal of webhook credentials and the service under test.
struct Fixture
{
    std::unique_ptr<TestDatabase> store;
    std::unique_ptr<WebhookOutbox> outbox;
    std::unique_ptr<keystead::test::TestVault> vault;
    std::unique_ptr<WebhookSigner> signer;
    std::unique_ptr<WebhookHeaderSeal> seal;
    std::unique_ptr<CollectService> service;

    Database &database() { return store->database(); }
};

int countRows(Database &database, const QString &statement, const QVariantList &bindings = {})
{
    Result<QSqlQuery> count = sql::exec(database.connection(), statement, bindings);
    return count && count.value().next() ? count.value().value(0).toInt() : -1;
}

QString storedStatus(Database &database, const QString &id)
{
    Result<QSqlQuery> row
        = sql::exec(database.connection(), u"SELECT status FROM collect_sessions WHERE id = ?"_s, {id});
    return row && row.value().next() ? row.value().value(0).toString() : QString();
}

QStringList errorLocations(const Error &error)
{
    QStringList locations;
    const QVariantList items = error.details.value(u"errors"_s).toList();
    for (const QVariant &item : items)
        locations.append(item.toMap().value(u"location"_s).toString());
    if (locations.isEmpty() && !error.location.isEmpty())
        locations.append(error.location);
    return locations;
}

} // namespace

// The collect sessions' service on every store backend: the fields and defaults
// of seed 000, expiry with a clock that only moves when told, PATCH semantics,
// and the flow the SSH collect server drives through CollectGate.
class TestCollectService final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void createsWithSeedDefaults_data() { backends(); }
    void createsWithSeedDefaults();
    void generatedIdentifiersAreTypeableAndDistinct();
    void chosenIdentifiers_data();
    void chosenIdentifiers();
    void takenIdentifierIsAConflict_data() { backends(); }
    void takenIdentifierIsAConflict();
    void timeoutWithExpiredAtIsRefused_data() { backends(); }
    void timeoutWithExpiredAtIsRefused();
    void expiresByTimeout_data() { backends(); }
    void expiresByTimeout();
    void expiresByExpiredAt_data() { backends(); }
    void expiresByExpiredAt();
    void patchChangesOnlyGivenFields_data() { backends(); }
    void patchChangesOnlyGivenFields();
    void patchExpiry_data() { backends(); }
    void patchExpiry();
    void gateFlowCompletesOnKeptConnection_data() { backends(); }
    void gateFlowCompletesOnKeptConnection();
    void multiConnectionStaysPendingUntilComplete_data() { backends(); }
    void multiConnectionStaysPendingUntilComplete();
    void singleKeySessionRefusesSecondKey_data() { backends(); }
    void singleKeySessionRefusesSecondKey();
    void declinedAndAbandonedDiscardKeys_data() { backends(); }
    void declinedAndAbandonedDiscardKeys();
    void deletedSessionRefusesKeys_data() { backends(); }
    void deletedSessionRefusesKeys();
    void badInputChangesNothing_data();
    void badInputChangesNothing();
    void webhooksAreStoredAndEventsQueued_data() { backends(); }
    void webhooksAreStoredAndEventsQueued();
    void webhookCredentialsAreRedacted();
    void sealedValuesOpenOnlyWhereTheyWereSealed();
    void plainCredentialsAreSealedByTheNextUpdate_data() { backends(); }
    void plainCredentialsAreSealedByTheNextUpdate();
    void credentialsAreRefusedWithoutAUsableKey();
    void listPagesAndFilters_data() { backends(); }
    void listPagesAndFilters();
    void gateFromAnotherThreadIsQueuedAndSerialised_data() { backends(); }
    void gateFromAnotherThreadIsQueuedAndSerialised();
    void typedChangeEventsNameEachObjectOnce_data() { backends(); }
    void typedChangeEventsNameEachObjectOnce();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }
    Fixture make(const QString &backend = u"sqlite"_s)
    {
        Fixture fixture;
        fixture.store = TestDatabase::create(backend, m_clock);
        if (!fixture.store)
            return fixture;
        fixture.outbox = std::make_unique<WebhookOutbox>(fixture.store->database(), m_clock);
        fixture.vault
            = std::make_unique<keystead::test::TestVault>(fixture.store->database(), m_clock, fixture.store->dataDir());
        fixture.signer = std::make_unique<WebhookSigner>(fixture.store->dataDir(), fixture.store->database(),
                                                         fixture.vault->vault());
        fixture.seal = std::make_unique<WebhookHeaderSeal>(*fixture.signer);
        fixture.service
            = std::make_unique<CollectService>(fixture.store->database(), m_clock, *fixture.outbox, *fixture.seal);
        return fixture;
    }
    // A proven key from a .pub file made by ssh-keygen in initTestCase.
    SshPublicKey key(const QString &name) const
    {
        QFile file(m_keys.filePath(name + u".pub"_s));
        if (!file.open(QIODevice::ReadOnly))
            return {};
        Result<SshPublicKey> parsed = SshPublicKey::fromOpenSshLine(QString::fromLatin1(file.readAll()).trimmed());
        return parsed ? parsed.value() : SshPublicKey();
    }

    ManualClock m_clock;
    QTemporaryDir m_keys;
};

void TestCollectService::initTestCase()
{
    QVERIFY(m_keys.isValid());
    const QList<QStringList> kinds{{u"ed25519"_s, u"-t"_s, u"ed25519"_s},
                                   {u"ecdsa"_s, u"-t"_s, u"ecdsa"_s, u"-b"_s, u"256"_s},
                                   {u"rsa"_s, u"-t"_s, u"rsa"_s, u"-b"_s, u"2048"_s},
                                   {u"ed25519-b"_s, u"-t"_s, u"ed25519"_s}};
    for (const QStringList &kind : kinds) {
        QProcess keygen;
        keygen.start(u"ssh-keygen"_s,
                     QStringList{u"-q"_s, u"-N"_s, QString(), u"-C"_s, u"test "_s + kind.first(), u"-f"_s,
                                 m_keys.filePath(kind.first())}
                         + kind.mid(1));
        QVERIFY(keygen.waitForFinished(60'000));
        QCOMPARE(keygen.exitCode(), 0);
        QVERIFY2(!key(kind.first()).isNull(), qPrintable(kind.first()));
    }
}

void TestCollectService::createsWithSeedDefaults()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    QSignalSpy changed(f.service.get(), &CollectService::sessionChanged);

    const Result<CollectSession> created = f.service->create({});
    KEYSTEAD_VERIFY_OK(created);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().first().toString(), created->id);
    QCOMPARE(created->status, CollectStatus::Pending);
    QVERIFY(!created->multiKey);
    QVERIFY(!created->multiConnection);
    QVERIFY(!created->mustConfirm);
    QVERIFY(!created->externalId.has_value());
    QVERIFY(!created->sshBanner.has_value());
    QVERIFY(!created->sshMessage.has_value());
    QVERIFY(!created->timeout.has_value());
    QVERIFY(!created->expiredAt.isValid());
    QVERIFY(!created->completedAt.isValid());
    QCOMPARE(created->createdAt, m_clock.now());
    QCOMPARE(created->updatedAt, m_clock.now());
    QVERIFY(created->connections.isEmpty());
    QVERIFY(created->webhooks.isEmpty());
    QVERIFY(QRegularExpression(u"^[a-z0-9]{12}$"_s).match(created->connectionIdentifier).hasMatch());

    const Result<CollectSession> read = f.service->get(created->id);
    KEYSTEAD_VERIFY_OK(read);
    QCOMPARE(read->connectionIdentifier, created->connectionIdentifier);
    QCOMPARE(collectjson::sessionToJson(read.value()), collectjson::sessionToJson(created.value()));
    const Result<CollectSession> byName = f.service->findByConnectionIdentifier(created->connectionIdentifier);
    KEYSTEAD_VERIFY_OK(byName);
    QCOMPARE(byName->id, created->id);

    // Every field given, and kept as given.
    CollectSessionInput input;
    input.connectionIdentifier = u"alice.laptop_2"_s;
    input.externalId = u"ticket-42"_s;
    input.multiKey = true;
    input.multiConnection = true;
    input.mustConfirm = true;
    input.sshBanner = u"Welcome\nto the key collection"_s;
    input.sshMessage = QString(u""_s);
    input.timeout = 3600;
    const Result<CollectSession> full = f.service->create(input);
    KEYSTEAD_VERIFY_OK(full);
    QCOMPARE(full->connectionIdentifier, u"alice.laptop_2"_s);
    QCOMPARE(full->externalId.value_or(QString()), u"ticket-42"_s);
    QVERIFY(full->multiKey && full->multiConnection && full->mustConfirm);
    QCOMPARE(full->sshBanner.value_or(QString()), u"Welcome\nto the key collection"_s);
    QVERIFY(full->sshMessage.has_value()); // empty, not absent
    QVERIFY(full->sshMessage->isEmpty());
    QCOMPARE(full->timeout.value_or(0), 3600);
    QCOMPARE(full->expiredAt, m_clock.now().addSecs(3600));
}

void TestCollectService::generatedIdentifiersAreTypeableAndDistinct()
{
    QSet<QString> seen;
    QSet<QChar> letters;
    for (int i = 0; i < 500; ++i) {
        const Result<QString> identifier = CollectService::generateConnectionIdentifier();
        KEYSTEAD_VERIFY_OK(identifier);
        QVERIFY(QRegularExpression(u"^[a-z0-9]{12}$"_s).match(identifier.value()).hasMatch());
        QVERIFY(CollectService::isValidConnectionIdentifier(identifier.value()));
        seen.insert(identifier.value());
        for (QChar c : identifier.value())
            letters.insert(c);
    }
    QCOMPARE(seen.size(), 500);
    // 6000 draws from 36 characters: every one appears (a skewed or short alphabet would not).
    QCOMPARE(letters.size(), 36);

    Fixture f = make();
    QVERIFY(f.store);
    QSet<QString> stored;
    for (int i = 0; i < 20; ++i) {
        const Result<CollectSession> created = f.service->create({});
        KEYSTEAD_VERIFY_OK(created);
        stored.insert(created->connectionIdentifier);
    }
    QCOMPARE(stored.size(), 20);
}

void TestCollectService::chosenIdentifiers_data()
{
    QTest::addColumn<QString>("identifier");
    QTest::addColumn<bool>("valid");
    QTest::newRow("letters") << u"alice"_s << true;
    QTest::newRow("with dot, dash, underscore") << u"a.b-c_d"_s << true;
    QTest::newRow("three characters") << u"abc"_s << true;
    QTest::newRow("64 characters") << QString(64, u'x') << true;
    QTest::newRow("digits first") << u"42team"_s << true;
    QTest::newRow("two characters") << u"ab"_s << false;
    QTest::newRow("65 characters") << QString(65, u'x') << false;
    QTest::newRow("upper case") << u"Alice"_s << false;
    QTest::newRow("space") << u"al ice"_s << false;
    QTest::newRow("at sign") << u"alice@host"_s << false;
    QTest::newRow("leading dash (an ssh option)") << u"-oProxyCommand"_s << false;
    QTest::newRow("non-ASCII") << u"al\u00efce"_s << false;
}

void TestCollectService::chosenIdentifiers()
{
    QFETCH(QString, identifier);
    QFETCH(bool, valid);
    Fixture f = make();
    QVERIFY(f.store);
    CollectSessionInput input;
    input.connectionIdentifier = identifier;
    const Result<CollectSession> created = f.service->create(input);
    QCOMPARE(created.ok(), valid);
    if (valid) {
        QCOMPARE(created->connectionIdentifier, identifier);
        QVERIFY(f.service->openSession(identifier).has_value());
    } else {
        QCOMPARE(created.error().kind, Error::Kind::InvalidInput);
        QCOMPARE(created.error().location, u"connection_identifier"_s);
        QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM collect_sessions"_s), 0);
    }
}

void TestCollectService::takenIdentifierIsAConflict()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.connectionIdentifier = u"bob-desktop"_s;
    KEYSTEAD_VERIFY_OK(f.service->create(input));
    // Taken even once the first session has completed: the identifier names one session forever.
    const Result<CollectSession> again = f.service->create(input);
    QVERIFY(!again.ok());
    QCOMPARE(again.error().kind, Error::Kind::Conflict);
    QCOMPARE(again.error().location, u"connection_identifier"_s);
    QCOMPARE(again.error().details.value(u"value"_s).toString(), u"bob-desktop"_s);
    QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM collect_sessions"_s), 1);
}

void TestCollectService::timeoutWithExpiredAtIsRefused()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    QSignalSpy changed(f.service.get(), &CollectService::sessionChanged);
    CollectSessionInput input;
    input.timeout = 60;
    input.expiredAt = m_clock.now().addSecs(600);
    const Result<CollectSession> created = f.service->create(input);
    QVERIFY(!created.ok());
    QCOMPARE(created.error().kind, Error::Kind::InvalidInput);
    QCOMPARE(created.error().location, u"timeout"_s);
    QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM collect_sessions"_s), 0);
    QCOMPARE(changed.count(), 0);

    // Each alone is fine.
    input.expiredAt.reset();
    KEYSTEAD_VERIFY_OK(f.service->create(input));
    input.timeout.reset();
    input.expiredAt = m_clock.now().addSecs(600);
    KEYSTEAD_VERIFY_OK(f.service->create(input));
}

void TestCollectService::expiresByTimeout()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.connectionIdentifier = u"carol"_s;
    input.timeout = 60;
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);
    QCOMPARE(created->expiredAt, m_clock.now().addSecs(60));
    QVERIFY(f.service->openSession(u"carol"_s).has_value());

    m_clock.advanceSeconds(59);
    QVERIFY(f.service->openSession(u"carol"_s).has_value());
    QCOMPARE(f.service->get(created->id)->status, CollectStatus::Pending);

    QSignalSpy changed(f.service.get(), &CollectService::sessionChanged);
    m_clock.advanceSeconds(1);
    QVERIFY(!f.service->openSession(u"carol"_s).has_value());
    QCOMPARE(changed.count(), 1);
    // The transition is stored, so filters see it.
    QCOMPARE(storedStatus(f.database(), created->id), u"expired"_s);
    QCOMPARE(f.service->get(created->id)->status, CollectStatus::Expired);
    CollectSessionQuery expired;
    expired.status = CollectStatus::Expired;
    QCOMPARE(f.service->list(expired)->total, 1);
    CollectSessionQuery pending;
    pending.status = CollectStatus::Pending;
    QCOMPARE(f.service->list(pending)->total, 0);
    // Noticed once: no further change announced.
    QCOMPARE(f.service->expireDue().value(), 0);
    QCOMPARE(changed.count(), 1);
    // An expired session takes no connection.
    const Result<QString> connection = f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-test"_s);
    QVERIFY(!connection.ok());
    QCOMPARE(connection.error().kind, Error::Kind::Conflict);
}

void TestCollectService::expiresByExpiredAt()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput past;
    past.expiredAt = m_clock.now();
    const Result<CollectSession> refused = f.service->create(past);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().location, u"expired_at"_s);

    CollectSessionInput input;
    input.connectionIdentifier = u"dave"_s;
    input.expiredAt = m_clock.now().addSecs(120);
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);
    QVERIFY(!created->timeout.has_value());
    const Result<QString> connection = f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-test"_s);
    KEYSTEAD_VERIFY_OK(connection);

    m_clock.advanceSeconds(120);
    // A key proven after the expiry is not recorded, even on a connection opened before it.
    const Status late = f.service->keyProven(connection.value(), key(u"ed25519"_s));
    QVERIFY(!late.ok());
    QCOMPARE(late.error().kind, Error::Kind::Conflict);
    QVERIFY(!f.service->openSession(u"dave"_s).has_value());
    QCOMPARE(storedStatus(f.database(), created->id), u"expired"_s);
    QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM collect_keys"_s), 0);

    // The sweep alone notices too.
    input.connectionIdentifier = u"erin"_s;
    input.expiredAt = m_clock.now().addSecs(5);
    const Result<CollectSession> second = f.service->create(input);
    KEYSTEAD_VERIFY_OK(second);
    m_clock.advanceSeconds(5);
    QCOMPARE(f.service->expireDue().value(), 1);
    QCOMPARE(storedStatus(f.database(), second->id), u"expired"_s);
}

void TestCollectService::patchChangesOnlyGivenFields()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.externalId = u"ext-1"_s;
    input.sshBanner = u"banner"_s;
    input.sshMessage = u"message"_s;
    input.multiKey = true;
    input.timeout = 600;
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);

    m_clock.advanceSeconds(10);
    QSignalSpy changed(f.service.get(), &CollectService::sessionChanged);
    CollectSessionPatch banner;
    banner.sshBanner = u"new banner"_s;
    const Result<CollectSession> patched = f.service->update(created->id, banner);
    KEYSTEAD_VERIFY_OK(patched);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(patched->sshBanner.value_or(QString()), u"new banner"_s);
    QCOMPARE(patched->sshMessage.value_or(QString()), u"message"_s);
    QCOMPARE(patched->externalId.value_or(QString()), u"ext-1"_s);
    QVERIFY(patched->multiKey);
    QCOMPARE(patched->timeout.value_or(0), 600);
    QCOMPARE(patched->expiredAt, created->expiredAt);
    QCOMPARE(patched->createdAt, created->createdAt);
    QCOMPARE(patched->updatedAt, m_clock.now());

    // Null clears a nullable field; booleans take a value.
    CollectSessionPatch clear;
    clear.externalId.emplace();
    clear.sshMessage.emplace();
    clear.multiKey = false;
    clear.mustConfirm = true;
    const Result<CollectSession> cleared = f.service->update(created->id, clear);
    KEYSTEAD_VERIFY_OK(cleared);
    QVERIFY(!cleared->externalId.has_value());
    QVERIFY(!cleared->sshMessage.has_value());
    QCOMPARE(cleared->sshBanner.value_or(QString()), u"new banner"_s);
    QVERIFY(!cleared->multiKey);
    QVERIFY(cleared->mustConfirm);
    QVERIFY(!cleared->multiConnection);

    // An empty patch changes nothing, not even updated_at.
    m_clock.advanceSeconds(10);
    const Result<CollectSession> same = f.service->update(created->id, {});
    KEYSTEAD_VERIFY_OK(same);
    QCOMPARE(same->updatedAt, cleared->updatedAt);

    // Unknown session.
    const Result<CollectSession> unknown = f.service->update(u"no-such-id"_s, banner);
    QVERIFY(!unknown.ok());
    QCOMPARE(unknown.error().kind, Error::Kind::NotFound);

    // A refused patch leaves everything as it was.
    CollectSessionPatch bad;
    bad.sshBanner = u"fine"_s;
    bad.timeout = std::optional<qint64>(30);
    bad.expiredAt = std::optional<QDateTime>(m_clock.now().addSecs(100));
    const Result<CollectSession> refused = f.service->update(created->id, bad);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().kind, Error::Kind::InvalidInput);
    QCOMPARE(refused.error().location, u"timeout"_s);
    QCOMPARE(collectjson::sessionToJson(f.service->get(created->id).value()), collectjson::sessionToJson(same.value()));
}

void TestCollectService::patchExpiry()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.timeout = 100;
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);
    const QDateTime createdAt = created->createdAt;

    // expired_at replaces the timeout.
    CollectSessionPatch at;
    at.expiredAt = std::optional<QDateTime>(createdAt.addSecs(500));
    Result<CollectSession> patched = f.service->update(created->id, at);
    KEYSTEAD_VERIFY_OK(patched);
    QCOMPARE(patched->expiredAt, createdAt.addSecs(500));
    QVERIFY(!patched->timeout.has_value());

    // A null timeout leaves an expiry that was given as a date.
    CollectSessionPatch noTimeout;
    noTimeout.timeout.emplace();
    patched = f.service->update(created->id, noTimeout);
    KEYSTEAD_VERIFY_OK(patched);
    QCOMPARE(patched->expiredAt, createdAt.addSecs(500));

    // A timeout counts from creation.
    m_clock.advanceSeconds(50);
    CollectSessionPatch timeout;
    timeout.timeout = std::optional<qint64>(300);
    patched = f.service->update(created->id, timeout);
    KEYSTEAD_VERIFY_OK(patched);
    QCOMPARE(patched->expiredAt, createdAt.addSecs(300));
    QCOMPARE(patched->timeout.value_or(0), 300);

    // ... and one that would end in the past is refused.
    CollectSessionPatch tooShort;
    tooShort.timeout = std::optional<qint64>(40);
    const Result<CollectSession> refused = f.service->update(created->id, tooShort);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().location, u"timeout"_s);
    QCOMPARE(f.service->get(created->id)->expiredAt, createdAt.addSecs(300));

    // A null timeout clears an expiry that came from a timeout.
    patched = f.service->update(created->id, noTimeout);
    KEYSTEAD_VERIFY_OK(patched);
    QVERIFY(!patched->expiredAt.isValid());
    QVERIFY(!patched->timeout.has_value());

    // Null expired_at clears any expiry.
    patched = f.service->update(created->id, timeout);
    KEYSTEAD_VERIFY_OK(patched);
    CollectSessionPatch noExpiry;
    noExpiry.expiredAt.emplace();
    patched = f.service->update(created->id, noExpiry);
    KEYSTEAD_VERIFY_OK(patched);
    QVERIFY(!patched->expiredAt.isValid());
    QVERIFY(!patched->timeout.has_value());

    // An expired session given a later expiry is pending again.
    patched = f.service->update(created->id, timeout);
    KEYSTEAD_VERIFY_OK(patched);
    m_clock.advanceSeconds(300);
    QCOMPARE(f.service->get(created->id)->status, CollectStatus::Expired);
    CollectSessionPatch later;
    later.expiredAt = std::optional<QDateTime>(m_clock.now().addSecs(60));
    patched = f.service->update(created->id, later);
    KEYSTEAD_VERIFY_OK(patched);
    QCOMPARE(patched->status, CollectStatus::Pending);
    QCOMPARE(storedStatus(f.database(), created->id), u"pending"_s);
}

void TestCollectService::gateFlowCompletesOnKeptConnection()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.connectionIdentifier = u"frank"_s;
    input.multiKey = true;
    input.sshBanner = u"hello"_s;
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);

    const std::optional<OpenCollectSession> open = f.service->openSession(u"frank"_s);
    QVERIFY(open.has_value());
    QCOMPARE(open->id, created->id);
    QCOMPARE(open->connectionIdentifier, u"frank"_s);
    QVERIFY(open->multiKey);
    QVERIFY(!open->mustConfirm);
    QCOMPARE(open->sshBanner, u"hello"_s);
    QVERIFY(open->sshMessage.isEmpty());
    QVERIFY(!f.service->openSession(u"nobody"_s).has_value());

    QSignalSpy connections(f.service.get(), &CollectService::connectionChanged);
    QSignalSpy keys(f.service.get(), &CollectService::keyCollected);
    QSignalSpy sessions(f.service.get(), &CollectService::sessionChanged);
    const Result<QString> connection
        = f.service->connectionOpened(open->id, u"127.0.0.1"_s, u"SSH-2.0-OpenSSH_9.2p1 Debian-2"_s);
    KEYSTEAD_VERIFY_OK(connection);
    QCOMPARE(connections.count(), 1);
    QCOMPARE(connections.first().at(0).toString(), created->id);
    QCOMPARE(connections.first().at(1).toString(), connection.value());

    const QStringList names{u"ed25519"_s, u"ecdsa"_s, u"rsa"_s};
    for (const QString &name : names) {
        m_clock.advanceMs(5);
        KEYSTEAD_VERIFY_OK(f.service->keyProven(connection.value(), key(name)));
    }
    // The same key proven again on this connection is recorded once.
    KEYSTEAD_VERIFY_OK(f.service->keyProven(connection.value(), key(u"ed25519"_s)));
    QCOMPARE(keys.count(), 3);
    QCOMPARE(keys.first().at(0).toString(), created->id);
    QCOMPARE(f.service->get(created->id)->status, CollectStatus::Pending);

    m_clock.advanceSeconds(1);
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(connection.value(), ConnectionOutcome::Kept));
    const Result<CollectSession> done = f.service->get(created->id);
    KEYSTEAD_VERIFY_OK(done);
    QCOMPARE(done->status, CollectStatus::Completed);
    QCOMPARE(done->completedAt, m_clock.now());
    QCOMPARE(done->connections.size(), 1);
    const CollectSessionConnection &recorded = done->connections.first();
    QCOMPARE(recorded.id, connection.value());
    QCOMPARE(recorded.ipAddress, u"127.0.0.1"_s);
    QCOMPARE(recorded.clientVersion, u"SSH-2.0-OpenSSH_9.2p1 Debian-2"_s);
    QCOMPARE(recorded.state, CollectConnectionState::Kept);
    QCOMPARE(recorded.keys.size(), 3);
    for (qsizetype i = 0; i < names.size(); ++i) {
        QCOMPARE(recorded.keys.at(i).key, key(names.at(i)));
        QCOMPARE(recorded.keys.at(i).state, CollectKeyState::Collected);
        QCOMPARE(recorded.keys.at(i).id, keys.at(i).at(1).toString());
    }
    QCOMPARE(done->collectedKeyCount(), 3);
    QVERIFY(sessions.count() >= 5);

    // A completed session takes nothing more.
    QVERIFY(!f.service->openSession(u"frank"_s).has_value());
    QVERIFY(!f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s).ok());
    QCOMPARE(f.service->connectionClosed(connection.value(), ConnectionOutcome::Kept).error().kind,
             Error::Kind::Conflict);

    // A connection that yields no key leaves the session pending.
    input.connectionIdentifier = u"grace"_s;
    const Result<CollectSession> empty = f.service->create(input);
    KEYSTEAD_VERIFY_OK(empty);
    const Result<QString> nothing = f.service->connectionOpened(empty->id, u"::1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(nothing);
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(nothing.value(), ConnectionOutcome::Kept));
    QCOMPARE(f.service->get(empty->id)->status, CollectStatus::Pending);
}

void TestCollectService::multiConnectionStaysPendingUntilComplete()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.connectionIdentifier = u"team"_s;
    input.multiKey = true;
    input.multiConnection = true;
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);

    for (const QString &name : {u"ed25519"_s, u"ecdsa"_s}) {
        const Result<QString> connection = f.service->connectionOpened(created->id, u"10.0.0.1"_s, u"SSH-2.0-x"_s);
        KEYSTEAD_VERIFY_OK(connection);
        KEYSTEAD_VERIFY_OK(f.service->keyProven(connection.value(), key(name)));
        KEYSTEAD_VERIFY_OK(f.service->connectionClosed(connection.value(), ConnectionOutcome::Kept));
        QCOMPARE(f.service->get(created->id)->status, CollectStatus::Pending);
        QVERIFY(f.service->openSession(u"team"_s).has_value());
    }
    QCOMPARE(f.service->get(created->id)->connections.size(), 2);
    QCOMPARE(f.service->get(created->id)->collectedKeyCount(), 2);

    QSignalSpy changed(f.service.get(), &CollectService::sessionChanged);
    m_clock.advanceSeconds(3);
    const Result<CollectSession> completed = f.service->complete(created->id);
    KEYSTEAD_VERIFY_OK(completed);
    QCOMPARE(completed->status, CollectStatus::Completed);
    QCOMPARE(completed->completedAt, m_clock.now());
    QCOMPARE(changed.count(), 1);
    QVERIFY(!f.service->openSession(u"team"_s).has_value());
    // Completing again changes nothing.
    m_clock.advanceSeconds(3);
    const Result<CollectSession> again = f.service->complete(created->id);
    KEYSTEAD_VERIFY_OK(again);
    QCOMPARE(again->completedAt, completed->completedAt);
    QCOMPARE(changed.count(), 1);

    // An expired session cannot be completed; an unknown one is not found.
    CollectSessionInput shortLived;
    shortLived.timeout = 1;
    const Result<CollectSession> expiring = f.service->create(shortLived);
    KEYSTEAD_VERIFY_OK(expiring);
    m_clock.advanceSeconds(1);
    QCOMPARE(f.service->complete(expiring->id).error().kind, Error::Kind::Conflict);
    QCOMPARE(f.service->complete(u"nope"_s).error().kind, Error::Kind::NotFound);
}

void TestCollectService::singleKeySessionRefusesSecondKey()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.multiConnection = true; // so a second connection could try too
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);
    QVERIFY(!created->multiKey);

    const Result<QString> connection = f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(connection);
    KEYSTEAD_VERIFY_OK(f.service->keyProven(connection.value(), key(u"ecdsa"_s)));
    QSignalSpy keys(f.service.get(), &CollectService::keyCollected);
    const Status second = f.service->keyProven(connection.value(), key(u"rsa"_s));
    QVERIFY(!second.ok());
    QCOMPARE(second.error().kind, Error::Kind::Conflict);
    QCOMPARE(keys.count(), 0);
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(connection.value(), ConnectionOutcome::Kept));

    const Result<QString> other = f.service->connectionOpened(created->id, u"127.0.0.2"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(other);
    QVERIFY(!f.service->keyProven(other.value(), key(u"ed25519"_s)).ok());
    const Result<CollectSession> read = f.service->get(created->id);
    QCOMPARE(read->collectedKeyCount(), 1);
    QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM collect_keys"_s), 1);
    QCOMPARE(read->connections.first().keys.first().key, key(u"ecdsa"_s));
}

void TestCollectService::declinedAndAbandonedDiscardKeys()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.mustConfirm = true; // multi_key false: discarded keys must not count
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);
    QVERIFY(f.service->openSession(created->connectionIdentifier)->mustConfirm);

    // Declined: the key stays on record, marked discarded; the session stays pending.
    const Result<QString> declined = f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(declined);
    KEYSTEAD_VERIFY_OK(f.service->keyProven(declined.value(), key(u"ed25519"_s)));
    QSignalSpy connections(f.service.get(), &CollectService::connectionChanged);
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(declined.value(), ConnectionOutcome::Declined));
    QCOMPARE(connections.count(), 1);
    Result<CollectSession> read = f.service->get(created->id);
    QCOMPARE(read->status, CollectStatus::Pending);
    QCOMPARE(read->connections.first().state, CollectConnectionState::Declined);
    QCOMPARE(read->connections.first().keys.size(), 1);
    QCOMPARE(read->connections.first().keys.first().state, CollectKeyState::Discarded);
    QCOMPARE(read->collectedKeyCount(), 0);

    // Abandoned, in a must_confirm session: discarded too.
    const Result<QString> abandoned = f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(abandoned);
    KEYSTEAD_VERIFY_OK(f.service->keyProven(abandoned.value(), key(u"ecdsa"_s)));
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(abandoned.value(), ConnectionOutcome::Abandoned));
    read = f.service->get(created->id);
    QCOMPARE(read->status, CollectStatus::Pending);
    QCOMPARE(read->connections.at(1).keys.first().state, CollectKeyState::Discarded);

    // Confirmed: one key may still be collected, and the session completes.
    const Result<QString> kept = f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(kept);
    KEYSTEAD_VERIFY_OK(f.service->keyProven(kept.value(), key(u"rsa"_s)));
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(kept.value(), ConnectionOutcome::Kept));
    read = f.service->get(created->id);
    QCOMPARE(read->status, CollectStatus::Completed);
    QCOMPARE(read->collectedKeyCount(), 1);
    QCOMPARE(read->connections.size(), 3);
    QCOMPARE(collectjson::sessionToJson(read.value())
                 .value(u"connections"_s)
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(u"keys"_s)
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(u"state"_s)
                 .toString(),
             u"discarded"_s);

    // Without must_confirm, a client that went away keeps its proven keys.
    const Result<CollectSession> plain = f.service->create({});
    KEYSTEAD_VERIFY_OK(plain);
    const Result<QString> gone = f.service->connectionOpened(plain->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(gone);
    KEYSTEAD_VERIFY_OK(f.service->keyProven(gone.value(), key(u"ed25519-b"_s)));
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(gone.value(), ConnectionOutcome::Abandoned));
    read = f.service->get(plain->id);
    QCOMPARE(read->collectedKeyCount(), 1);
    QCOMPARE(read->status, CollectStatus::Completed);
}

void TestCollectService::deletedSessionRefusesKeys()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.multiKey = true;
    input.webhooks.append(CollectWebhook{});
    input.webhooks.first().url = u"http://127.0.0.1:9/hook"_s;
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);
    const Result<QString> connection = f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(connection);
    KEYSTEAD_VERIFY_OK(f.service->keyProven(connection.value(), key(u"ed25519"_s)));

    QSignalSpy removed(f.service.get(), &CollectService::sessionRemoved);
    KEYSTEAD_VERIFY_OK(f.service->remove(created->id));
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.first().first().toString(), created->id);

    const Status late = f.service->keyProven(connection.value(), key(u"ecdsa"_s));
    QVERIFY(!late.ok());
    QCOMPARE(late.error().kind, Error::Kind::NotFound);
    QVERIFY(!f.service->openSession(created->connectionIdentifier).has_value());
    QCOMPARE(f.service->get(created->id).error().kind, Error::Kind::NotFound);
    QCOMPARE(f.service->remove(created->id).error().kind, Error::Kind::NotFound);
    QCOMPARE(f.service->connectionClosed(connection.value(), ConnectionOutcome::Kept).error().kind,
             Error::Kind::NotFound);
    // Its connections, keys and webhooks went with it.
    for (const QString &table : {u"collect_connections"_s, u"collect_keys"_s, u"collect_webhooks"_s})
        QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM "_s + table), 0);
    QCOMPARE(removed.count(), 1);
}

void TestCollectService::badInputChangesNothing_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("location");
    QTest::newRow("timeout 0") << u"timeout0"_s << u"timeout"_s;
    QTest::newRow("timeout negative") << u"timeout-5"_s << u"timeout"_s;
    QTest::newRow("timeout beyond ten years") << u"timeoutHuge"_s << u"timeout"_s;
    QTest::newRow("expired_at in the past") << u"pastExpiry"_s << u"expired_at"_s;
    QTest::newRow("external_id too long") << u"longExternal"_s << u"external_id"_s;
    QTest::newRow("banner with an escape sequence") << u"escapeBanner"_s << u"ssh_banner"_s;
    QTest::newRow("webhook relative URL") << u"relativeUrl"_s << u"webhooks[0].url"_s;
    QTest::newRow("webhook ftp URL") << u"ftpUrl"_s << u"webhooks[0].url"_s;
    QTest::newRow("webhook URL with password") << u"passwordUrl"_s << u"webhooks[0].url"_s;
    QTest::newRow("webhook method get") << u"methodGet"_s << u"webhooks[0].method"_s;
    QTest::newRow("webhook unknown event") << u"event"_s << u"webhooks[0].events[1]"_s;
    QTest::newRow("webhook retries negative") << u"retries"_s << u"webhooks[0].retries"_s;
    QTest::newRow("webhook initial_backoff 0") << u"backoff"_s << u"webhooks[0].initial_backoff"_s;
    QTest::newRow("webhook multiplier below 1") << u"multiplier"_s << u"webhooks[0].backoff_multiplier"_s;
    QTest::newRow("webhook header name") << u"headerName"_s << u"webhooks[0].headers.bad header"_s;
    QTest::newRow("webhook header value with a line break") << u"headerValue"_s << u"webhooks[0].headers.X-A[0]"_s;
}

void TestCollectService::badInputChangesNothing()
{
    QFETCH(QString, field);
    QFETCH(QString, location);
    Fixture f = make();
    QVERIFY(f.store);
    QSignalSpy changed(f.service.get(), &CollectService::sessionChanged);

    CollectSessionInput input;
    CollectWebhook webhook;
    webhook.url = u"https://hooks.example/collect"_s;
    if (field == u"timeout0"_s)
        input.timeout = 0;
    else if (field == u"timeout-5"_s)
        input.timeout = -5;
    else if (field == u"timeoutHuge"_s)
        input.timeout = CollectService::kMaxTimeoutSeconds + 1;
    else if (field == u"pastExpiry"_s)
        input.expiredAt = m_clock.now().addSecs(-1);
    else if (field == u"longExternal"_s)
        input.externalId = QString(CollectService::kMaxExternalIdLength + 1, u'e');
    else if (field == u"escapeBanner"_s)
        input.sshBanner = u"hi \x1b]0;owned\x07"_s;
    else if (field == u"relativeUrl"_s)
        webhook.url = u"/hook"_s;
    else if (field == u"ftpUrl"_s)
        webhook.url = u"ftp://example.org/hook"_s;
    else if (field == u"passwordUrl"_s)
        webhook.url = u"https://user:secret@example.org/hook"_s;
    else if (field == u"methodGet"_s)
        webhook.method = u"get"_s;
    else if (field == u"event"_s)
        webhook.events = QStringList{u"key_collected"_s, u"session_deleted"_s};
    else if (field == u"retries"_s)
        webhook.retries = -1;
    else if (field == u"backoff"_s)
        webhook.initialBackoff = 0;
    else if (field == u"multiplier"_s)
        webhook.backoffMultiplier = 0.5;
    else if (field == u"headerName"_s)
        webhook.headers.insert(u"bad header"_s, {u"x"_s});
    else if (field == u"headerValue"_s)
        webhook.headers.insert(u"X-A"_s, {u"a\r\nInjected: yes"_s});
    input.webhooks.append(webhook);

    const Result<CollectSession> created = f.service->create(input);
    QVERIFY(!created.ok());
    QCOMPARE(created.error().kind, Error::Kind::InvalidInput);
    QCOMPARE(errorLocations(created.error()), QStringList{location});
    for (const QString &table : {u"collect_sessions"_s, u"collect_webhooks"_s})
        QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM "_s + table), 0);
    QCOMPARE(changed.count(), 0);

    // The same through PATCH leaves the session as it was.
    const Result<CollectSession> session = f.service->create({});
    KEYSTEAD_VERIFY_OK(session);
    const QJsonObject before = collectjson::sessionToJson(session.value());
    CollectSessionPatch patch;
    if (input.timeout)
        patch.timeout = input.timeout;
    if (input.expiredAt)
        patch.expiredAt = input.expiredAt;
    if (input.externalId)
        patch.externalId = input.externalId;
    if (input.sshBanner)
        patch.sshBanner = input.sshBanner;
    patch.webhooks = input.webhooks;
    m_clock.advanceSeconds(1);
    const Result<CollectSession> patched = f.service->update(session->id, patch);
    QVERIFY(!patched.ok());
    QCOMPARE(errorLocations(patched.error()), QStringList{location});
    QCOMPARE(collectjson::sessionToJson(f.service->get(session->id).value()), before);
}

void TestCollectService::webhooksAreStoredAndEventsQueued()
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

void TestCollectService::webhookCredentialsAreRedacted()
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

void TestCollectService::sealedValuesOpenOnlyWhereTheyWereSealed()
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

void TestCollectService::plainCredentialsAreSealedByTheNextUpdate()
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

void TestCollectService::credentialsAreRefusedWithoutAUsableKey()
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

void TestCollectService::listPagesAndFilters()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    QStringList ids;
    for (int i = 0; i < 5; ++i) {
        CollectSessionInput input;
        input.connectionIdentifier = u"user-%1"_s.arg(i);
        input.externalId = i % 2 == 0 ? u"Even_%1"_s.arg(i) : u"odd"_s;
        const Result<CollectSession> created = f.service->create(input);
        KEYSTEAD_VERIFY_OK(created);
        ids.prepend(created->id); // newest first
        m_clock.advanceSeconds(1);
    }
    CollectSessionQuery query;
    query.limit = 2;
    Result<CollectSessionPage> page = f.service->list(query);
    KEYSTEAD_VERIFY_OK(page);
    QCOMPARE(page->total, 5);
    QCOMPARE(page->sessions.size(), 2);
    QCOMPARE(page->sessions.at(0).id, ids.at(0));
    QCOMPARE(page->sessions.at(1).id, ids.at(1));
    query.offset = 4;
    page = f.service->list(query);
    QCOMPARE(page->sessions.size(), 1);
    QCOMPARE(page->sessions.first().id, ids.at(4));

    CollectSessionQuery external;
    external.externalId = u"odd"_s;
    QCOMPARE(f.service->list(external)->total, 2);
    CollectSessionQuery search;
    search.search = u"even_"_s; // any case; "_" is no wildcard
    QCOMPARE(f.service->list(search)->total, 3);
    search.search = u"USER-3"_s;
    QCOMPARE(f.service->list(search)->total, 1);
    search.search = u"%"_s;
    QCOMPARE(f.service->list(search)->total, 0);

    KEYSTEAD_VERIFY_OK(f.service->complete(ids.at(2)));
    CollectSessionQuery completed;
    completed.status = CollectStatus::Completed;
    page = f.service->list(completed);
    QCOMPARE(page->total, 1);
    QCOMPARE(page->sessions.first().id, ids.at(2));

    CollectSessionQuery tooMany;
    tooMany.limit = CollectSessionQuery::kMaxLimit + 1;
    QCOMPARE(f.service->list(tooMany).error().kind, Error::Kind::InvalidInput);
}

void TestCollectService::gateFromAnotherThreadIsQueuedAndSerialised()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.multiConnection = true; // multi_key false: of the keys raced in, one wins
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);

    QObject receiver; // lives in this (the "GUI") thread
    QList<QThread *> deliveredIn;
    connect(f.service.get(), &CollectService::keyCollected, &receiver,
            [&deliveredIn](const QString &, const QString &) { deliveredIn.append(QThread::currentThread()); });

    const QStringList names{u"ed25519"_s, u"ecdsa"_s, u"rsa"_s, u"ed25519-b"_s};
    QList<SshPublicKey> keys;
    for (const QString &name : names)
        keys.append(key(name));
    QAtomicInt accepted = 0;
    QAtomicInt refused = 0;
    QList<QThread *> threads;
    Database &database = f.database();
    CollectService &service = *f.service;
    const QString sessionId = created->id;
    for (const SshPublicKey &offered : keys) {
        threads.append(QThread::create([&, offered] {
            const Result<QString> connection = service.connectionOpened(sessionId, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
            if (connection) {
                const Status proven = service.keyProven(connection.value(), offered);
                (proven.ok() ? accepted : refused).fetchAndAddOrdered(1);
                (void)service.connectionClosed(connection.value(), ConnectionOutcome::Kept);
            }
            database.releaseThreadConnection();
        }));
    }
    for (QThread *thread : threads)
        thread->start();
    for (QThread *thread : threads) {
        QVERIFY(thread->wait(60'000));
        delete thread;
    }
    QCOMPARE(accepted.loadRelaxed(), 1);
    QCOMPARE(refused.loadRelaxed(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(deliveredIn.size(), 1, 10'000);
    QCOMPARE(deliveredIn.first(), QThread::currentThread());
    const Result<CollectSession> read = f.service->get(created->id);
    QCOMPARE(read->connections.size(), 4);
    QCOMPARE(read->collectedKeyCount(), 1);
    QCOMPARE(read->status, CollectStatus::Pending); // multi_connection
}

// changed(): one ChangeSet per topic and write; a collected key names neither its
// connection nor its session, and the key and the connection read alone.
void TestCollectService::typedChangeEventsNameEachObjectOnce()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    QSignalSpy changed(f.service.get(), &CollectService::changed);
    const auto take = [&changed] {
        QList<ChangeSet> sets;
        for (const QList<QVariant> &arguments : std::as_const(changed))
            sets.append(arguments.at(0).value<ChangeSet>());
        changed.clear();
        return sets;
    };
    const QString sessionTopic(CollectService::kSessionTopic);
    const QString connectionTopic(CollectService::kConnectionTopic);
    const QString keyTopic(CollectService::kKeyTopic);

    CollectSessionInput input;
    input.connectionIdentifier = u"events"_s;
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);
    QCOMPARE(take(), QList<ChangeSet>{ChangeSet::addedOne(sessionTopic, created->id)});

    const Result<QString> connection = f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(connection);
    QCOMPARE(take(), QList<ChangeSet>{ChangeSet::addedOne(connectionTopic, connection.value())});

    QSignalSpy collected(f.service.get(), &CollectService::keyCollected);
    KEYSTEAD_VERIFY_OK(f.service->keyProven(connection.value(), key(u"ed25519"_s)));
    QCOMPARE(collected.count(), 1);
    const QString keyId = collected.first().at(1).toString();
    QCOMPARE(take(), QList<ChangeSet>{ChangeSet::addedOne(keyTopic, keyId)});

    const Result<CollectSessionKey> readKey = f.service->key(keyId);
    KEYSTEAD_VERIFY_OK(readKey);
    QCOMPARE(readKey->sessionId, created->id);
    QCOMPARE(readKey->connectionId, connection.value());
    QCOMPARE(readKey->key, key(u"ed25519"_s));
    const Result<CollectSessionConnection> readConnection = f.service->connection(connection.value());
    KEYSTEAD_VERIFY_OK(readConnection);
    QCOMPARE(readConnection->sessionId, created->id);
    QCOMPARE(readConnection->keys.size(), 1);
    QCOMPARE(readConnection->keys.first().id, keyId);
    QCOMPARE(f.service->key(u"nothing"_s).error().kind, Error::Kind::NotFound);
    QCOMPARE(f.service->connection(u"nothing"_s).error().kind, Error::Kind::NotFound);

    // Kept with a key: the connection closes and the session completes.
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(connection.value(), ConnectionOutcome::Kept));
    QCOMPARE(take(),
             (QList<ChangeSet>{ChangeSet::changedOne(connectionTopic, connection.value()),
                               ChangeSet::changedOne(sessionTopic, created->id)}));

    KEYSTEAD_VERIFY_OK(f.service->remove(created->id));
    QCOMPARE(take(), QList<ChangeSet>{ChangeSet::removedOne(sessionTopic, created->id)});
}

QTEST_GUILESS_MAIN(TestCollectService)
#include "tst_collect_service.moc"
