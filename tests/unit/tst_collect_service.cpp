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

// The collect sessions' service on every store backend: the fields and defaults
// of seed 000, identifiers, expiry with a clock that only moves when told, PATCH
// semantics, refused input, paging and the typed change events.
class TestCollectService final : public CollectServiceTest
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { makeKeys(); }
    void createsWithSeedDefaults_data() { backendRows(); }
    void createsWithSeedDefaults();
    void generatedIdentifiersAreTypeableAndDistinct();
    void chosenIdentifiers_data();
    void chosenIdentifiers();
    void takenIdentifierIsAConflict_data() { backendRows(); }
    void takenIdentifierIsAConflict();
    void timeoutWithExpiredAtIsRefused_data() { backendRows(); }
    void timeoutWithExpiredAtIsRefused();
    void expiresByTimeout_data() { backendRows(); }
    void expiresByTimeout();
    void expiresByExpiredAt_data() { backendRows(); }
    void expiresByExpiredAt();
    void patchChangesOnlyGivenFields_data() { backendRows(); }
    void patchChangesOnlyGivenFields();
    void patchExpiry_data() { backendRows(); }
    void patchExpiry();
    void badInputChangesNothing_data();
    void badInputChangesNothing();
    void listPagesAndFilters_data() { backendRows(); }
    void listPagesAndFilters();
    void typedChangeEventsNameEachObjectOnce_data() { backendRows(); }
    void typedChangeEventsNameEachObjectOnce();
};

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
