#include "HttpTestClient.h"
#include "TestDatabase.h"
#include "TestVault.h"

#include "api/ApiEndpoint.h"
#include "api/ApiRouter.h"
#include "api/CollectController.h"
#include "api/SystemController.h"
#include "api/TokenService.h"
#include "collect/CollectJson.h"
#include "collect/CollectService.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "collect/WebhookSigner.h"
#include "ssh/SshPublicKey.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

namespace {

// ssh-keygen's output; nothing when it failed.
std::optional<QByteArray> keygen(const QStringList &arguments)
{
    QProcess process;
    process.start(u"ssh-keygen"_s, arguments);
    if (!process.waitForFinished(60'000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return std::nullopt;
    return process.readAllStandardOutput();
}

QByteArray runKeygen(const QStringList &arguments)
{
    return keygen(arguments).value_or(QByteArray());
}

QStringList locationsOf(const QJsonObject &problem)
{
    QStringList locations;
    for (const QJsonValue &item : problem.value(u"errors"_s).toArray())
        locations.append(item.toObject().value(u"location"_s).toString());
    return locations;
}

} // namespace

// Seed 000's collect sessions over real HTTP: a listener on 127.0.0.1 in its
// own thread, a real client, the seed's paths, fields and error shape.
class TestCollectApi final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void createsWithDefaults();
    void createsWithEveryField();
    void takenIdentifierIs409();
    void invalidInputIs422_data();
    void invalidInputIs422();
    void malformedJsonIs400();
    void getPatchDelete();
    void patchReportsEveryBadField();
    void listIsPaged();
    void completeEndsAMultiConnectionSession();
    void keysShowEveryForm();
    void webhookCredentialsAreNotShown();
    void everyRouteNeedsAToken_data();
    void everyRouteNeedsAToken();
    void openApiDescribesTheRoutes();

private:
    QUrl url(const QString &path) const { return QUrl(m_endpoint->url() + path); }
    // The clock's time `seconds` from now, as the API writes times.
    QString at(qint64 seconds) const { return collectjson::timeToJson(m_clock.now().addSecs(seconds)); }
    HeaderList auth() const { return {{"Authorization", "Bearer " + m_secret}, {"Content-Type", "application/json"}}; }
    HttpReply call(const QByteArray &method, const QString &path, const QJsonObject &body)
    {
        return httpRequest(method, url(path), QJsonDocument(body).toJson(QJsonDocument::Compact), auth());
    }
    HttpReply call(const QByteArray &method, const QString &path, const QByteArray &body = {})
    {
        return httpRequest(method, url(path), body, auth());
    }
    QJsonObject createSession(const QJsonObject &body = {})
    {
        const HttpReply reply = call("POST", kSessions, body);
        if (reply.status != 201)
            qWarning("create answered %d: %s", reply.status, reply.body.constData());
        return reply.json().object();
    }

    inline static const QString kSessions = u"/api/v1/ssh/collect/sessions"_s;
    ManualClock m_clock;
    QTemporaryDir m_keys;
    std::unique_ptr<TestDatabase> m_store;
    std::unique_ptr<TokenService> m_tokens;
    std::unique_ptr<ApiRouter> m_router;
    std::unique_ptr<SystemController> m_system;
    std::unique_ptr<WebhookOutbox> m_outbox;
    std::unique_ptr<keystead::test::TestVault> m_vault;
    std::unique_ptr<WebhookSigner> m_signer;
    std::unique_ptr<WebhookHeaderSeal> m_seal;
    std::unique_ptr<CollectService> m_service;
    std::unique_ptr<CollectController> m_controller;
    std::unique_ptr<ApiEndpoint> m_endpoint;
    QByteArray m_secret;
};

void TestCollectApi::initTestCase()
{
    QVERIFY(m_keys.isValid());
    for (const QString &type : {u"ed25519"_s, u"ecdsa"_s}) {
        QVERIFY(keygen(
            {u"-q"_s, u"-t"_s, type, u"-N"_s, QString(), u"-C"_s, u"user@laptop"_s, u"-f"_s, m_keys.filePath(type)}));
    }
}

void TestCollectApi::init()
{
    m_store = TestDatabase::create(m_clock);
    QVERIFY(m_store);
    m_tokens = std::make_unique<TokenService>(m_store->database());
    m_router = std::make_unique<ApiRouter>(*m_tokens, m_clock);
    m_system = std::make_unique<SystemController>(*m_router);
    m_outbox = std::make_unique<WebhookOutbox>(m_store->database(), m_clock);
    m_vault = std::make_unique<keystead::test::TestVault>(m_store->database(), m_clock, m_store->dataDir());
    m_signer = std::make_unique<WebhookSigner>(m_store->dataDir(), m_store->database(), m_vault->vault());
    m_seal = std::make_unique<WebhookHeaderSeal>(*m_signer);
    m_service = std::make_unique<CollectService>(m_store->database(), m_clock, *m_outbox, *m_seal);
    m_controller = std::make_unique<CollectController>(*m_router, *m_service);
    m_endpoint = std::make_unique<ApiEndpoint>(*m_router, m_store->database());
    const Result<NewApiToken> made = m_tokens->create(u"tester"_s);
    KEYSTEAD_VERIFY_OK(made);
    m_secret = made->secret.toLatin1();
    EndpointConfig config;
    config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    KEYSTEAD_VERIFY_OK(m_endpoint->start(config));
}

void TestCollectApi::cleanup()
{
    m_endpoint.reset();
    m_controller.reset();
    m_service.reset();
    m_seal.reset();
    m_signer.reset();
    m_vault.reset();
    m_outbox.reset();
    m_system.reset();
    m_router.reset();
    m_tokens.reset();
    m_store.reset();
}

void TestCollectApi::createsWithDefaults()
{
    const HttpReply reply = call("POST", kSessions, QJsonObject{});
    QCOMPARE(reply.status, 201);
    QCOMPARE(reply.header("content-type"), QByteArray("application/json"));
    const QJsonObject session = reply.json().object();
    const QString id = session.value(u"id"_s).toString();
    QVERIFY(!id.isEmpty());
    QCOMPARE(reply.header("location"), (kSessions + u'/' + id + u'/').toUtf8());
    QVERIFY(
        QRegularExpression(u"^[a-z0-9]{12}$"_s).match(session.value(u"connection_identifier"_s).toString()).hasMatch());
    QCOMPARE(session.value(u"status"_s).toString(), u"pending"_s);
    QCOMPARE(session.value(u"multi_key"_s), QJsonValue(false));
    QCOMPARE(session.value(u"multi_connection"_s), QJsonValue(false));
    QCOMPARE(session.value(u"must_confirm"_s), QJsonValue(false));
    for (const QString &nullable : {u"external_id"_s, u"ssh_banner"_s, u"ssh_message"_s, u"expired_at"_s}) {
        QVERIFY2(session.contains(nullable), qPrintable(nullable));
        QVERIFY2(session.value(nullable).isNull(), qPrintable(nullable));
    }
    QCOMPARE(session.value(u"created_at"_s).toString(), at(0));
    QCOMPARE(session.value(u"updated_at"_s).toString(), at(0));
    QCOMPARE(session.value(u"connections"_s).toArray(), QJsonArray());
    QCOMPARE(session.value(u"webhooks"_s).toArray(), QJsonArray());

    // No body at all is the same as {}.
    const HttpReply empty = call("POST", kSessions + u'/');
    QCOMPARE(empty.status, 201);
    QVERIFY(empty.json().object().value(u"connection_identifier"_s) != session.value(u"connection_identifier"_s));
}

void TestCollectApi::createsWithEveryField()
{
    const QJsonObject session = createSession(QJsonObject{
        {u"$schema"_s, u"https://example.org/schemas/CreateSession.json"_s},
        {u"connection_identifier"_s, u"alice-laptop"_s},
        {u"external_id"_s, u"crm-17"_s},
        {u"multi_key"_s, true},
        {u"multi_connection"_s, true},
        {u"must_confirm"_s, true},
        {u"ssh_banner"_s, u"Hello Alice"_s},
        {u"ssh_message"_s, u"Thanks"_s},
        {u"timeout"_s, 3600},
        {u"webhooks"_s,
         QJsonArray{QJsonObject{{u"url"_s, u"https://hooks.example/collect"_s}},
                    QJsonObject{{u"url"_s, u"http://127.0.0.1:9000/x"_s},
                                {u"method"_s, u"patch"_s},
                                {u"events"_s, QJsonArray{u"status_changed"_s}},
                                {u"headers"_s, QJsonObject{{u"X-Team"_s, QJsonArray{u"blue"_s}}}},
                                {u"retries"_s, 4},
                                {u"initial_backoff"_s, 3},
                                {u"backoff_multiplier"_s, 1.5}}}},
    });
    QCOMPARE(session.value(u"connection_identifier"_s).toString(), u"alice-laptop"_s);
    QCOMPARE(session.value(u"external_id"_s).toString(), u"crm-17"_s);
    QCOMPARE(session.value(u"multi_key"_s), QJsonValue(true));
    QCOMPARE(session.value(u"multi_connection"_s), QJsonValue(true));
    QCOMPARE(session.value(u"must_confirm"_s), QJsonValue(true));
    QCOMPARE(session.value(u"ssh_banner"_s).toString(), u"Hello Alice"_s);
    QCOMPARE(session.value(u"ssh_message"_s).toString(), u"Thanks"_s);
    QCOMPARE(session.value(u"expired_at"_s).toString(), at(3600));
    const QJsonArray webhooks = session.value(u"webhooks"_s).toArray();
    QCOMPARE(webhooks.size(), 2);
    const QJsonObject defaults = webhooks.at(0).toObject();
    QVERIFY(!defaults.value(u"id"_s).toString().isEmpty());
    QCOMPARE(defaults.value(u"url"_s).toString(), u"https://hooks.example/collect"_s);
    QCOMPARE(defaults.value(u"method"_s).toString(), u"post"_s);
    QCOMPARE(defaults.value(u"events"_s).toArray(), QJsonArray());
    QCOMPARE(defaults.value(u"headers"_s).toObject(), QJsonObject());
    QCOMPARE(defaults.value(u"retries"_s).toInt(), 0);
    QCOMPARE(defaults.value(u"initial_backoff"_s).toInt(), 10);
    QCOMPARE(defaults.value(u"backoff_multiplier"_s).toDouble(), 2.0);
    const QJsonObject given = webhooks.at(1).toObject();
    QCOMPARE(given.value(u"method"_s).toString(), u"patch"_s);
    QCOMPARE(given.value(u"events"_s).toArray(), QJsonArray{u"status_changed"_s});
    QCOMPARE(given.value(u"headers"_s).toObject(), (QJsonObject{{u"X-Team"_s, QJsonArray{u"blue"_s}}}));
    QCOMPARE(given.value(u"retries"_s).toInt(), 4);
    QCOMPARE(given.value(u"initial_backoff"_s).toInt(), 3);
    QCOMPARE(given.value(u"backoff_multiplier"_s).toDouble(), 1.5);

    // An expiry as a date-time with an offset is stored in UTC.
    const QDateTime tomorrow = m_clock.now().addDays(1);
    const QString withOffset = tomorrow.toOffsetFromUtc(2 * 3600).toString(Qt::ISODate);
    QVERIFY(withOffset.endsWith(u"+02:00"_s));
    const QJsonObject dated = createSession(QJsonObject{{u"expired_at"_s, withOffset}});
    QCOMPARE(dated.value(u"expired_at"_s).toString(), at(24 * 3600));
}

void TestCollectApi::takenIdentifierIs409()
{
    const QJsonObject body{{u"connection_identifier"_s, u"bob"_s}};
    QCOMPARE(call("POST", kSessions, body).status, 201);
    const HttpReply again = call("POST", kSessions, body);
    QCOMPARE(again.status, 409);
    QCOMPARE(again.header("content-type"), QByteArray("application/problem+json"));
    const QJsonObject problem = again.json().object();
    QCOMPARE(problem.value(u"status"_s).toInt(), 409);
    QCOMPARE(locationsOf(problem), QStringList{u"body.connection_identifier"_s});
    QCOMPARE(problem.value(u"errors"_s).toArray().first().toObject().value(u"value"_s).toString(), u"bob"_s);
}

void TestCollectApi::invalidInputIs422_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QStringList>("locations");
    QTest::newRow("timeout with expired_at")
        << QByteArray(R"({"timeout": 60, "expired_at": "2030-01-01T00:00:00Z"})") << QStringList{u"body.timeout"_s};
    QTest::newRow("timeout 0") << QByteArray(R"({"timeout": 0})") << QStringList{u"body.timeout"_s};
    QTest::newRow("timeout as a string") << QByteArray(R"({"timeout": "60"})") << QStringList{u"body.timeout"_s};
    QTest::newRow("timeout with a fraction") << QByteArray(R"({"timeout": 1.5})") << QStringList{u"body.timeout"_s};
    QTest::newRow("expired_at in the past")
        << QByteArray(R"({"expired_at": "2025-12-31T23:59:59Z"})") << QStringList{u"body.expired_at"_s};
    QTest::newRow("expired_at without a zone")
        << QByteArray(R"({"expired_at": "2030-01-01T00:00:00"})") << QStringList{u"body.expired_at"_s};
    QTest::newRow("multi_key not a boolean")
        << QByteArray(R"({"multi_key": "yes"})") << QStringList{u"body.multi_key"_s};
    QTest::newRow("identifier with capitals")
        << QByteArray(R"({"connection_identifier": "Alice"})") << QStringList{u"body.connection_identifier"_s};
    QTest::newRow("unknown property") << QByteArray(R"({"colour": "blue"})") << QStringList{u"body.colour"_s};
    QTest::newRow("read-only property") << QByteArray(R"({"status": "completed"})") << QStringList{u"body.status"_s};
    QTest::newRow("body is an array") << QByteArray(R"([])") << QStringList{u"body"_s};
    QTest::newRow("webhook bad URL") << QByteArray(R"({"webhooks": [{"url": "not a url"}]})")
                                     << QStringList{u"body.webhooks[0].url"_s};
    QTest::newRow("webhook without URL") << QByteArray(R"({"webhooks": [{}]})")
                                         << QStringList{u"body.webhooks[0].url"_s};
    QTest::newRow("webhook bad method") << QByteArray(
        R"({"webhooks": [{"url": "https://h.example/", "method": "get"}]})")
                                        << QStringList{u"body.webhooks[0].method"_s};
    QTest::newRow("webhook bad event") << QByteArray(
        R"({"webhooks": [{"url": "https://h.example/", "events": ["deleted"]}]})")
                                       << QStringList{u"body.webhooks[0].events[0]"_s};
    QTest::newRow("webhook headers not string arrays")
        << QByteArray(R"({"webhooks": [{"url": "https://h.example/", "headers": {"X-A": [1]}}]})")
        << QStringList{u"body.webhooks[0].headers.X-A[0]"_s};
    QTest::newRow("webhook multiplier below 1")
        << QByteArray(R"({"webhooks": [{"url": "https://h.example/", "backoff_multiplier": 0.5}]})")
        << QStringList{u"body.webhooks[0].backoff_multiplier"_s};
    QTest::newRow("several at once") << QByteArray(
        R"({"timeout": -1, "multi_key": 1, "webhooks": [{"url": "ftp://x/", "method": "GET"}]})")
                                     << QStringList{u"body.multi_key"_s, u"body.timeout"_s, u"body.webhooks[0].url"_s,
                                                    u"body.webhooks[0].method"_s};
}

void TestCollectApi::invalidInputIs422()
{
    QFETCH(QByteArray, body);
    QFETCH(QStringList, locations);
    const HttpReply reply = call("POST", kSessions, body);
    QCOMPARE(reply.status, 422);
    QCOMPARE(reply.header("content-type"), QByteArray("application/problem+json"));
    const QJsonObject problem = reply.json().object();
    QCOMPARE(problem.value(u"status"_s).toInt(), 422);
    QCOMPARE(problem.value(u"title"_s).toString(), u"Unprocessable Content"_s);
    QCOMPARE(problem.value(u"type"_s).toString(), u"about:blank"_s);
    QVERIFY(!problem.value(u"detail"_s).toString().isEmpty());
    QStringList actual = locationsOf(problem);
    actual.sort();
    locations.sort();
    QCOMPARE(actual, locations);
    for (const QJsonValue &item : problem.value(u"errors"_s).toArray())
        QVERIFY(!item.toObject().value(u"message"_s).toString().isEmpty());
    // Nothing was made.
    QCOMPARE(call("GET", kSessions).header("x-total-count"), QByteArray("0"));
}

void TestCollectApi::malformedJsonIs400()
{
    const HttpReply reply = call("POST", kSessions, QByteArray("{\"timeout\": "));
    QCOMPARE(reply.status, 400);
    QCOMPARE(reply.header("content-type"), QByteArray("application/problem+json"));
    const QJsonObject session = createSession();
    const HttpReply patch = call("PATCH", kSessions + u'/' + session.value(u"id"_s).toString(), QByteArray("{nope"));
    QCOMPARE(patch.status, 400);
}

void TestCollectApi::getPatchDelete()
{
    const QJsonObject created = createSession(
        QJsonObject{{u"external_id"_s, u"e-1"_s}, {u"ssh_banner"_s, u"old"_s}, {u"ssh_message"_s, u"bye"_s}});
    const QString path = kSessions + u'/' + created.value(u"id"_s).toString();
    const QString createdAt = at(0);

    const HttpReply got = call("GET", path);
    QCOMPARE(got.status, 200);
    QCOMPARE(got.json().object(), created);
    QCOMPARE(call("GET", path + u'/').json().object(), created);

    m_clock.advanceSeconds(30);
    const HttpReply patched = call(
        "PATCH", path + u'/',
        QJsonObject{{u"ssh_banner"_s, u"new"_s}, {u"external_id"_s, QJsonValue::Null}, {u"must_confirm"_s, true}});
    QCOMPARE(patched.status, 200);
    const QJsonObject session = patched.json().object();
    QCOMPARE(session.value(u"ssh_banner"_s).toString(), u"new"_s);
    QVERIFY(session.value(u"external_id"_s).isNull());
    QCOMPARE(session.value(u"must_confirm"_s), QJsonValue(true));
    QCOMPARE(session.value(u"ssh_message"_s).toString(), u"bye"_s);
    QCOMPARE(session.value(u"connection_identifier"_s), created.value(u"connection_identifier"_s));
    QCOMPARE(session.value(u"created_at"_s), created.value(u"created_at"_s));
    QCOMPARE(session.value(u"updated_at"_s).toString(), at(0));

    // PATCH sets an expiry, then clears it.
    const HttpReply timed = call("PATCH", path, QJsonObject{{u"timeout"_s, 120}});
    QCOMPARE(timed.status, 200);
    // Counted from the creation, not from now.
    QCOMPARE(timed.json().object().value(u"expired_at"_s).toString(),
             collectjson::timeToJson(QDateTime::fromString(createdAt, Qt::ISODateWithMs).addSecs(120)));
    const HttpReply untimed = call("PATCH", path, QJsonObject{{u"expired_at"_s, QJsonValue::Null}});
    QVERIFY(untimed.json().object().value(u"expired_at"_s).isNull());

    const HttpReply deleted = call("DELETE", path + u'/');
    QCOMPARE(deleted.status, 204);
    QVERIFY(deleted.body.isEmpty());
    for (const QByteArray &method : {QByteArray("GET"), QByteArray("DELETE")}) {
        const HttpReply gone = call(method, path);
        QCOMPARE(gone.status, 404);
        QCOMPARE(gone.header("content-type"), QByteArray("application/problem+json"));
        QCOMPARE(gone.json().object().value(u"status"_s).toInt(), 404);
    }
    QCOMPARE(call("PATCH", path, QJsonObject{{u"ssh_banner"_s, u"x"_s}}).status, 404);
    QCOMPARE(call("POST", path + u"/complete"_s).status, 404);
}

void TestCollectApi::patchReportsEveryBadField()
{
    const QJsonObject created = createSession(QJsonObject{{u"ssh_banner"_s, u"keep"_s}});
    const QString path = kSessions + u'/' + created.value(u"id"_s).toString();
    const HttpReply reply = call("PATCH", path,
                                 QJsonObject{{u"timeout"_s, 60},
                                             {u"expired_at"_s, u"2030-01-01T00:00:00Z"_s},
                                             {u"multi_key"_s, QJsonValue::Null},
                                             {u"connection_identifier"_s, u"other"_s},
                                             {u"ssh_banner"_s, u"changed"_s}});
    QCOMPARE(reply.status, 422);
    QStringList locations = locationsOf(reply.json().object());
    locations.sort();
    QCOMPARE(locations, (QStringList{u"body.connection_identifier"_s, u"body.multi_key"_s, u"body.timeout"_s}));
    QCOMPARE(call("GET", path).json().object(), created);
}

void TestCollectApi::listIsPaged()
{
    QStringList ids;
    for (int i = 0; i < 5; ++i) {
        ids.prepend(
            createSession(QJsonObject{{u"external_id"_s, i < 2 ? u"two"_s : u"three"_s}}).value(u"id"_s).toString());
        m_clock.advanceSeconds(1);
    }
    HttpReply first = call("GET", kSessions + u"?page=1&page_size=2"_s);
    QCOMPARE(first.status, 200);
    QCOMPARE(first.header("x-total-count"), QByteArray("5"));
    QJsonArray items = first.json().array();
    QCOMPARE(items.size(), 2);
    QCOMPARE(items.at(0).toObject().value(u"id"_s).toString(), ids.at(0));
    QCOMPARE(items.at(1).toObject().value(u"id"_s).toString(), ids.at(1));
    QVERIFY(first.header("link").contains("page=2&page_size=2>; rel=\"next\""));
    QVERIFY(!first.header("link").contains("rel=\"prev\""));

    const HttpReply last = call("GET", kSessions + u"/?page=3&page_size=2"_s);
    items = last.json().array();
    QCOMPARE(items.size(), 1);
    QCOMPARE(items.at(0).toObject().value(u"id"_s).toString(), ids.at(4));
    QVERIFY(!last.header("link").contains("rel=\"next\""));
    QVERIFY(last.header("link").contains("page=2&page_size=2>; rel=\"prev\""));
    QCOMPARE(call("GET", kSessions + u"?page=4&page_size=2"_s).json().array().size(), 0);

    // Defaults: page 1 of 50.
    QCOMPARE(call("GET", kSessions).json().array().size(), 5);
    const HttpReply filtered = call("GET", kSessions + u"?external_id=two&status=pending"_s);
    QCOMPARE(filtered.json().array().size(), 2);
    QCOMPARE(filtered.header("x-total-count"), QByteArray("2"));

    struct Bad
    {
        QString query;
        QString location;
    };
    for (const Bad &bad : {Bad{u"page=0"_s, u"query.page"_s}, Bad{u"page=x"_s, u"query.page"_s},
                           Bad{u"page_size=0"_s, u"query.page_size"_s}, Bad{u"page_size=201"_s, u"query.page_size"_s},
                           Bad{u"status=done"_s, u"query.status"_s}}) {
        const HttpReply reply = call("GET", kSessions + u'?' + bad.query);
        QCOMPARE(reply.status, 422);
        QCOMPARE(locationsOf(reply.json().object()), QStringList{bad.location});
    }
    QCOMPARE(call("GET", kSessions + u"?page_size=200"_s).status, 200);
}

void TestCollectApi::completeEndsAMultiConnectionSession()
{
    const QJsonObject created = createSession(QJsonObject{{u"multi_connection"_s, true}});
    const QString path = kSessions + u'/' + created.value(u"id"_s).toString();
    const HttpReply completed = call("POST", path + u"/complete/"_s);
    QCOMPARE(completed.status, 200);
    QCOMPARE(completed.json().object().value(u"status"_s).toString(), u"completed"_s);
    QCOMPARE(call("GET", path).json().object().value(u"status"_s).toString(), u"completed"_s);
    QCOMPARE(call("POST", path + u"/complete"_s).status, 200);

    const QJsonObject expiring = createSession(QJsonObject{{u"timeout"_s, 5}});
    m_clock.advanceSeconds(5);
    const QString expiredPath = kSessions + u'/' + expiring.value(u"id"_s).toString();
    QCOMPARE(call("GET", expiredPath).json().object().value(u"status"_s).toString(), u"expired"_s);
    const HttpReply refused = call("POST", expiredPath + u"/complete"_s);
    QCOMPARE(refused.status, 409);
    QCOMPARE(refused.header("content-type"), QByteArray("application/problem+json"));
    const HttpReply expiredOnly = call("GET", kSessions + u"?status=expired"_s);
    QCOMPARE(expiredOnly.json().array().size(), 1);
}

void TestCollectApi::keysShowEveryForm()
{
    const QJsonObject created = createSession(QJsonObject{{u"multi_key"_s, true}});
    const QString id = created.value(u"id"_s).toString();
    const Result<QString> connection
        = m_service->connectionOpened(id, u"127.0.0.1"_s, u"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"_s);
    KEYSTEAD_VERIFY_OK(connection);
    for (const QString &type : {u"ed25519"_s, u"ecdsa"_s}) {
        QFile file(m_keys.filePath(type + u".pub"_s));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const Result<SshPublicKey> key = SshPublicKey::fromOpenSshLine(QString::fromLatin1(file.readAll()));
        KEYSTEAD_VERIFY_OK(key);
        KEYSTEAD_VERIFY_OK(m_service->keyProven(connection.value(), key.value()));
    }

    const QJsonObject session = call("GET", kSessions + u'/' + id).json().object();
    const QJsonArray connections = session.value(u"connections"_s).toArray();
    QCOMPARE(connections.size(), 1);
    const QJsonObject first = connections.first().toObject();
    QCOMPARE(first.value(u"id"_s).toString(), connection.value());
    QCOMPARE(first.value(u"ip_address"_s).toString(), u"127.0.0.1"_s);
    QCOMPARE(first.value(u"client_version"_s).toString(), u"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"_s);
    QCOMPARE(first.value(u"created_at"_s).toString(), at(0));
    const QJsonArray keys = first.value(u"keys"_s).toArray();
    QCOMPARE(keys.size(), 2);

    const QStringList types{u"ed25519"_s, u"ecdsa"_s};
    for (qsizetype i = 0; i < types.size(); ++i) {
        const QString pub = m_keys.filePath(types.at(i) + u".pub"_s);
        const QJsonObject key = keys.at(i).toObject();
        QVERIFY(!key.value(u"id"_s).toString().isEmpty());
        QCOMPARE(key.value(u"created_at"_s).toString(), at(0));
        QCOMPARE(key.value(u"state"_s).toString(), u"collected"_s);
        // Exactly what ssh-keygen -l prints: "256 SHA256:... user@laptop (ED25519)".
        const QList<QByteArray> sha = runKeygen({u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, pub}).split(' ');
        const QList<QByteArray> md5 = runKeygen({u"-l"_s, u"-E"_s, u"md5"_s, u"-f"_s, pub}).split(' ');
        QVERIFY(sha.size() > 2 && md5.size() > 2);
        QCOMPARE(key.value(u"public_key_sha256"_s).toString().toLatin1(), sha.at(1));
        QCOMPARE(key.value(u"public_key_md5"_s).toString().toLatin1(), md5.at(1));
        QFile file(pub);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> line = file.readAll().trimmed().split(' ');
        QCOMPARE(key.value(u"public_key_algorithm"_s).toString().toLatin1(), line.at(0));
        QCOMPARE(key.value(u"public_key_openssh"_s).toString().toLatin1(), line.at(0) + ' ' + line.at(1));
        const QString rfc4716 = key.value(u"public_key_ssh"_s).toString();
        QVERIFY(rfc4716.startsWith(u"---- BEGIN SSH2 PUBLIC KEY ----"_s));
        QVERIFY(rfc4716.trimmed().endsWith(u"---- END SSH2 PUBLIC KEY ----"_s));
        QVERIFY(key.value(u"public_key_pem"_s).toString().startsWith(u"-----BEGIN PUBLIC KEY-----"_s));
    }
    // ssh-keygen writes PKCS#8 PEM for ECDSA keys (not for Ed25519): byte for byte the same.
    const QByteArray pem = runKeygen({u"-e"_s, u"-m"_s, u"PKCS8"_s, u"-f"_s, m_keys.filePath(u"ecdsa.pub"_s)});
    QVERIFY(!pem.isEmpty());
    QCOMPARE(keys.at(1).toObject().value(u"public_key_pem"_s).toString().trimmed().toLatin1(), pem.trimmed());
    // So does its RFC 4716 export, apart from the comment header it adds.
    const QByteArray rfc = runKeygen({u"-e"_s, u"-f"_s, m_keys.filePath(u"ed25519.pub"_s)});
    QByteArrayList rfcLines = rfc.trimmed().split('\n');
    rfcLines.removeIf([](const QByteArray &l) { return l.startsWith("Comment:"); });
    QCOMPARE(keys.at(0).toObject().value(u"public_key_ssh"_s).toString().trimmed().toLatin1(), rfcLines.join('\n'));
}

void TestCollectApi::webhookCredentialsAreNotShown()
{
    const HttpReply created
        = call("POST", kSessions,
               QJsonObject{{u"webhooks"_s,
                            QJsonArray{QJsonObject{
                                {u"url"_s, u"https://hooks.example/x"_s},
                                {u"headers"_s, QJsonObject{{u"Authorization"_s, QJsonArray{u"Bearer s3cr3t"_s}}}}}}}});
    QCOMPARE(created.status, 201);
    QVERIFY(!created.body.contains("s3cr3t"));
    const QString id = created.json().object().value(u"id"_s).toString();
    QVERIFY(!call("GET", kSessions + u'/' + id).body.contains("s3cr3t"));
    QVERIFY(!call("GET", kSessions).body.contains("s3cr3t"));
    // Nor does the service: only the webhook dispatcher opens the sealed value (tst_webhooks).
    QCOMPARE(m_service->get(id)->webhooks.first().headers.value(u"Authorization"_s),
             QStringList{QString(collectjson::kRedacted)});
}

void TestCollectApi::everyRouteNeedsAToken_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::newRow("create") << QByteArray("POST") << kSessions;
    QTest::newRow("list") << QByteArray("GET") << kSessions;
    QTest::newRow("get") << QByteArray("GET") << kSessions + u"/ID"_s;
    QTest::newRow("patch") << QByteArray("PATCH") << kSessions + u"/ID"_s;
    QTest::newRow("delete") << QByteArray("DELETE") << kSessions + u"/ID"_s;
    QTest::newRow("complete") << QByteArray("POST") << kSessions + u"/ID/complete"_s;
}

void TestCollectApi::everyRouteNeedsAToken()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    const QString id = createSession().value(u"id"_s).toString();
    const HttpReply reply
        = httpRequest(method, url(QString(path).replace(u"ID"_s, id)), "{}", {{"Content-Type", "application/json"}});
    QCOMPARE(reply.status, 401);
    QCOMPARE(reply.header("content-type"), QByteArray("application/problem+json"));
    // Nothing happened.
    const QJsonObject session = call("GET", kSessions + u'/' + id).json().object();
    QCOMPARE(session.value(u"status"_s).toString(), u"pending"_s);
    QCOMPARE(call("GET", kSessions).header("x-total-count"), QByteArray("1"));
}

void TestCollectApi::openApiDescribesTheRoutes()
{
    const HttpReply reply = call("GET", u"/api/openapi.json"_s);
    QCOMPARE(reply.status, 200);
    const QJsonObject document = reply.json().object();
    const QJsonObject paths = document.value(u"paths"_s).toObject();
    const QJsonObject sessions = paths.value(kSessions).toObject();
    QVERIFY(sessions.contains(u"get"_s));
    QVERIFY(sessions.contains(u"post"_s));
    const QJsonObject one = paths.value(kSessions + u"/{session}"_s).toObject();
    for (const QString &method : {u"get"_s, u"patch"_s, u"delete"_s})
        QVERIFY2(one.contains(method), qPrintable(method));
    QVERIFY(paths.value(kSessions + u"/{session}/complete"_s).toObject().contains(u"post"_s));
    const QJsonObject schemas = document.value(u"components"_s).toObject().value(u"schemas"_s).toObject();
    // The schema names every field the API answers with.
    const QJsonObject sessionSchema = schemas.value(u"CollectSession"_s).toObject().value(u"properties"_s).toObject();
    const QJsonObject created = createSession();
    for (auto it = created.constBegin(); it != created.constEnd(); ++it)
        QVERIFY2(sessionSchema.contains(it.key()), qPrintable(it.key()));
    const QJsonObject keySchema = schemas.value(u"CollectKey"_s).toObject().value(u"properties"_s).toObject();
    for (const QString &field : {u"public_key_sha256"_s, u"public_key_md5"_s, u"public_key_ssh"_s, u"public_key_pem"_s,
                                 u"public_key_openssh"_s, u"state"_s})
        QVERIFY2(keySchema.contains(field), qPrintable(field));
}

QTEST_GUILESS_MAIN(TestCollectApi)
#include "tst_collect_api.moc"
