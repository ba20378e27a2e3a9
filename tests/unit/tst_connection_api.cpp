#include "HttpTestClient.h"
#include "TestDatabase.h"
#include "TestVault.h"

#include "api/ApiEndpoint.h"
#include "api/ApiRouter.h"
#include "api/ConnectionController.h"
#include "api/SystemController.h"
#include "api/TokenService.h"
#include "audit/AuditLog.h"
#include "collect/CollectService.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "collect/WebhookSigner.h"
#include "connections/ConnectionService.h"
#include "connections/TrailTimestamper.h"
#include "secrets/MasterKeyStore.h"
#include "secrets/Vault.h"
#include "sshserver/CollectServer.h"
#include "store/SettingsStore.h"
#include "store/Sql.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QUuid>
#include <QtTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

namespace {

// What one generated connection looks like; the recorder is told exactly this.
struct Generated
{
    QString address;
    QString user;
    QString collectSessionId;
    QStringList methods{u"PUBLICKEY"_s};
    QByteArray typed = "y";
    qint64 bytesIn = 100;
    qint64 bytesOut = 1000;
    qint64 seconds = 60; // how long it lasts
    bool close = true;
};

QStringList idsOf(const QJsonObject &page)
{
    QStringList ids;
    for (const QJsonValue &item : page.value(u"items"_s).toArray())
        ids.append(item.toObject().value(u"id"_s).toString());
    return ids;
}

QStringList jsonlTypes(const QByteArray &body)
{
    QStringList types;
    for (const QByteArray &line : body.split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        types.append(QJsonDocument::fromJson(line).object().value(u"type"_s).toString());
    }
    return types;
}

} // namespace

// Seed 003's connections over real HTTP: a listener on 127.0.0.1 in its own
// thread, a real client, records made through the recorder calls the SSH
// server makes (so trails and their hash chain are real), on every store backend.
class TestConnectionApi final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();
    void listCarriesTheSeedsFields_data() { backends(); }
    void listCarriesTheSeedsFields();
    void listPagesAndSorts_data() { backends(); }
    void listPagesAndSorts();
    void searchFilters_data() { backends(); }
    void searchFilters();
    void badParametersAre400_data();
    void badParametersAre400();
    void literalPathsAreNotConnectionIds();
    void tagsAreListedAndReplaced_data() { backends(); }
    void tagsAreListedAndReplaced();
    void accessRolesAreGrantedAndRevoked_data() { backends(); }
    void accessRolesAreGrantedAndRevoked();
    void logDownloadsInBothFormats_data() { backends(); }
    void logDownloadsInBothFormats();
    void trailFilesAreNotFound();
    void unknownIdsAre404_data();
    void unknownIdsAre404();
    void terminateOfAFinishedConnectionIs409_data() { backends(); }
    void terminateOfAFinishedConnectionIs409();
    void terminateEndsALiveClient_data() { backends(); }
    void terminateEndsALiveClient();
    void trailVerifies_data() { backends(); }
    void trailVerifies();
    void verifyCarriesSignedCheckpoints_data() { backends(); }
    void verifyCarriesSignedCheckpoints();
    void readOnlyTokenMayReadButNotWrite();
    void frameErrorsHaveTheFamilysShape();
    void openApiDescribesTheRoutes();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }
    bool start(const QString &backend = u"sqlite"_s);
    QUrl url(const QString &path) const { return QUrl(m_endpoint->url() + path); }
    HttpReply call(const QByteArray &method, const QString &path, const QByteArray &body = {},
                   const QByteArray &token = {})
    {
        return httpRequest(method, url(path), body,
                           {{"Authorization", "Bearer " + (token.isEmpty() ? m_writer : token)},
                            {"Content-Type", "application/json"}});
    }
    HttpReply call(const QByteArray &method, const QString &path, const QJsonValue &body, const QByteArray &token = {})
    {
        const QJsonDocument document = body.isArray() ? QJsonDocument(body.toArray()) : QJsonDocument(body.toObject());
        return call(method, path, document.toJson(QJsonDocument::Compact), token);
    }
    // A connection as Keystead's SSH server reports one; the clock moves by its duration.
    QString generate(const Generated &spec);
    // The family's error body, checked for its shape; returns details.parameter.
    static QString errorParameter(const HttpReply &reply, int status);

    inline static const QString kConnections = u"/connection-manager/api/v1/connections"_s;
    inline static const QString kTimestampingKey = u"/connection-manager/api/v1/timestamping/public_key"_s;
    ManualClock m_clock;
    std::unique_ptr<TestDatabase> m_store;
    std::unique_ptr<TokenService> m_tokens;
    std::unique_ptr<ApiRouter> m_router;
    std::unique_ptr<SystemController> m_system;
    std::unique_ptr<SettingsStore> m_settings;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<ConnectionService> m_service;
    std::unique_ptr<ConnectionController> m_controller;
    std::unique_ptr<ApiEndpoint> m_endpoint;
    QByteArray m_writer; // read, write (the default)
    QByteArray m_reader; // read only
    QString m_writerId;
};

bool TestConnectionApi::start(const QString &backend)
{
    m_store = TestDatabase::create(backend, m_clock);
    if (!m_store)
        return false;
    Database &database = m_store->database();
    m_tokens = std::make_unique<TokenService>(database);
    m_router = std::make_unique<ApiRouter>(*m_tokens, m_clock);
    m_system = std::make_unique<SystemController>(*m_router);
    m_settings = std::make_unique<SettingsStore>(database);
    m_audit = std::make_unique<AuditLog>(database, m_clock);
    m_service = std::make_unique<ConnectionService>(database, m_clock, *m_settings, *m_audit);
    m_controller = std::make_unique<ConnectionController>(*m_router, *m_service, m_clock);
    m_endpoint = std::make_unique<ApiEndpoint>(*m_router, database);
    const Result<NewApiToken> writer = m_tokens->create(u"writer"_s);
    const Result<NewApiToken> reader = m_tokens->create(u"reader"_s, TokenScope::Read);
    if (!writer || !reader)
        return false;
    m_writer = writer->secret.toLatin1();
    m_writerId = writer->token.id;
    m_reader = reader->secret.toLatin1();
    EndpointConfig config;
    config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    return m_endpoint->start(config).ok();
}

void TestConnectionApi::cleanup()
{
    m_endpoint.reset();
    m_controller.reset();
    m_service.reset();
    m_audit.reset();
    m_settings.reset();
    m_system.reset();
    m_router.reset();
    m_tokens.reset();
    m_store.reset();
}

QString TestConnectionApi::generate(const Generated &spec)
{
    const QString id = m_service->opened(spec.address);
    m_service->event(id, u"connection"_s, u"client-version"_s, "SSH-2.0-OpenSSH_9.2p1 Debian-2");
    m_service->event(id, u"connection"_s, u"key-offered"_s, "ssh-ed25519",
                     QJsonObject{{u"fingerprint"_s, u"SHA256:abc"_s}, {u"proven"_s, true}});
    m_service->authenticated(id, spec.user, spec.collectSessionId, spec.methods);
    m_service->event(id, u"0"_s, u"channel-open"_s, "session");
    m_service->event(id, u"0"_s, u"banner"_s, "Welcome to Keystead");
    m_service->event(id, u"0"_s, u"stdout"_s, "Send your keys? [y/N] ");
    m_clock.advanceSeconds(spec.seconds / 2);
    m_service->event(id, u"0"_s, u"stdin"_s, spec.typed);
    m_service->channelTraffic(id, u"0"_s, u"session"_s, spec.typed.size(), 22);
    m_service->traffic(id, spec.bytesIn, spec.bytesOut);
    m_clock.advanceSeconds(spec.seconds - spec.seconds / 2);
    if (spec.close) {
        m_service->event(id, u"0"_s, u"channel-close"_s, {});
        m_service->event(id, u"connection"_s, u"disconnect"_s, "client disconnected");
        m_service->closed(id, u"client disconnected"_s);
    }
    if (Status flushed = m_service->flush(); !flushed)
        qWarning("flush failed: %s", qPrintable(flushed.error().message));
    m_clock.advanceSeconds(1);
    return id;
}

QString TestConnectionApi::errorParameter(const HttpReply &reply, int status)
{
    if (reply.status != status) {
        qWarning("expected %d, got %d: %s", status, reply.status, reply.body.constData());
        return u"<status %1>"_s.arg(reply.status);
    }
    if (reply.header("content-type") != "application/json")
        return u"<content type %1>"_s.arg(QString::fromLatin1(reply.header("content-type")));
    const QJsonObject body = reply.json().object();
    if (body.value(u"code"_s).toInt() != status || body.value(u"message"_s).toString().isEmpty()
        || body.value(u"error"_s).toString().isEmpty() || !body.value(u"details"_s).isObject())
        return u"<shape %1>"_s.arg(QString::fromUtf8(reply.body));
    return body.value(u"details"_s).toObject().value(u"parameter"_s).toString();
}

void TestConnectionApi::listCarriesTheSeedsFields()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const QDateTime connectedAt = m_clock.now();
    const QString sessionId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString id = generate({.address = u"127.0.0.1"_s,
                                 .user = u"alice-laptop"_s,
                                 .collectSessionId = sessionId,
                                 .bytesIn = 2345,
                                 .bytesOut = 67890,
                                 .seconds = 938});

    const HttpReply reply = call("GET", kConnections);
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.header("content-type"), QByteArray("application/json"));
    const QJsonObject page = reply.json().object();
    QCOMPARE(page.value(u"count"_s).toInt(), 1);
    const QJsonObject item = page.value(u"items"_s).toArray().at(0).toObject();

    QCOMPARE(item.value(u"id"_s).toString(), id);
    QCOMPARE(item.value(u"proxy_id"_s).toString(), m_service->proxyId());
    QCOMPARE(item.value(u"type"_s).toString(), u"SSH"_s);
    QCOMPARE(item.value(u"authentication_method"_s).toArray(), QJsonArray{u"PUBLICKEY"_s});
    QCOMPARE(item.value(u"user_data"_s).toObject(),
             (QJsonObject{{u"id"_s, sessionId}, {u"display_name"_s, u"alice-laptop"_s}}));
    QCOMPARE(item.value(u"remote_address"_s).toString(), u"127.0.0.1"_s);
    // The seed's forms: whole seconds in UTC, and PT00:15:38.
    QCOMPARE(item.value(u"connected"_s).toString(), connectedAt.toString(Qt::ISODate));
    QVERIFY(item.value(u"connected"_s).toString().endsWith(u'Z'));
    QCOMPARE(item.value(u"disconnected"_s).toString(), connectedAt.addSecs(938).toString(Qt::ISODate));
    QCOMPARE(item.value(u"duration"_s).toString(), u"PT00:15:38"_s);
    QCOMPARE(item.value(u"status"_s).toString(), u"DISCONNECTED"_s);
    QVERIFY(!item.value(u"last_activity"_s).toString().isEmpty());
    QCOMPARE(item.value(u"bytes_in"_s).toInteger(), 2345);
    QCOMPARE(item.value(u"bytes_out"_s).toInteger(), 67890);
    QVERIFY(item.value(u"force_disconnect"_s).isNull());
    QVERIFY(!item.value(u"created"_s).toString().isEmpty());
    QVERIFY(!item.value(u"updated"_s).toString().isEmpty());
    QCOMPARE(item.value(u"audit_enabled"_s), QJsonValue(true));
    QCOMPARE(item.value(u"index_status"_s).toString(), u"NOT_INDEXED"_s);
    QCOMPARE(item.value(u"access_roles"_s).toArray(), QJsonArray());
    QCOMPARE(item.value(u"tags"_s).toArray(), QJsonArray());
    // What connections to Keystead's own server do not have keeps its key, empty.
    for (const QString &none :
         {u"target_host_data"_s, u"target_host_address"_s, u"target_host_account"_s, u"access_group_id"_s})
        QVERIFY2(item.contains(none) && item.value(none).isNull(), qPrintable(none));
    for (const QString &empty : {u"user_roles"_s, u"target_host_roles"_s})
        QVERIFY2(item.value(empty).isArray() && item.value(empty).toArray().isEmpty(), qPrintable(empty));

    const QJsonObject trail = item.value(u"trail"_s).toObject();
    QCOMPARE(trail.value(u"connection_id"_s).toString(), id);
    QCOMPARE(trail.value(u"protocol"_s).toString(), u"SSH"_s);
    QJsonObject session;
    for (const QJsonValue &channel : trail.value(u"channels"_s).toArray()) {
        if (channel.toObject().value(u"id"_s).toString() == u"0"_s)
            session = channel.toObject();
    }
    QCOMPARE(session.value(u"type"_s).toString(), u"session"_s);
    QCOMPARE(session.value(u"bytes_client_to_server"_s).toInteger(), 1);
    QCOMPARE(session.value(u"bytes_server_to_client"_s).toInteger(), 22);
    QCOMPARE(session.value(u"transferred_files"_s).toArray(), QJsonArray());

    // One connection answers the same object as the list.
    const HttpReply one = call("GET", kConnections + u'/' + id);
    QCOMPARE(one.status, 200);
    QCOMPARE(one.json().object(), item);

    // A live connection's duration runs to now.
    const QString live = generate({.address = u"127.0.0.2"_s, .user = u"bob"_s, .seconds = 10, .close = false});
    m_clock.advanceSeconds(3600);
    const QJsonObject running = call("GET", kConnections + u'/' + live).json().object();
    QCOMPARE(running.value(u"status"_s).toString(), u"CONNECTED"_s);
    QVERIFY(running.value(u"disconnected"_s).isNull());
    QCOMPARE(running.value(u"duration"_s).toString(), u"PT01:00:11"_s);
}

void TestConnectionApi::listPagesAndSorts()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QStringList byTime;
    for (int i = 0; i < 7; ++i) {
        byTime.append(generate({.address = u"10.0.0.%1"_s.arg(i + 1),
                                .user = u"user-%1"_s.arg(i),
                                .bytesIn = 1000 - i * 100,
                                .seconds = 10}));
    }

    const QJsonObject first = call("GET", kConnections + u"?sortkey=connected&limit=3"_s).json().object();
    QCOMPARE(first.value(u"count"_s).toInt(), 7);
    QCOMPARE(idsOf(first), byTime.mid(0, 3));
    const QJsonObject last
        = call("GET", kConnections + u"?sortkey=connected&sortdir=asc&offset=6&limit=3&fuzzycount=true"_s)
              .json()
              .object();
    QCOMPARE(last.value(u"count"_s).toInt(), 7);
    QCOMPARE(idsOf(last), byTime.mid(6));
    QCOMPARE(idsOf(call("GET", kConnections + u"?sortkey=connected&offset=20"_s).json().object()), QStringList());

    // sortdir is case-insensitive.
    QStringList reversed = byTime;
    std::reverse(reversed.begin(), reversed.end());
    QCOMPARE(idsOf(call("GET", kConnections + u"?sortkey=connected&sortdir=Desc"_s).json().object()), reversed);
    // bytes_in falls as the connections were made: ascending is newest first.
    QCOMPARE(idsOf(call("GET", kConnections + u"?sortkey=bytes_in&sortdir=ASC"_s).json().object()), reversed);

    // The default order is by id, ascending.
    QStringList sortedIds = byTime;
    sortedIds.sort();
    QCOMPARE(idsOf(call("GET", kConnections).json().object()), sortedIds);
    QCOMPARE(idsOf(call("POST", kConnections + u"/search"_s).json().object()), sortedIds);

    // The search takes the list's parameters too.
    const QJsonObject searched
        = call("POST", kConnections + u"/search?sortkey=connected&sortdir=DESC&limit=2&offset=1"_s, QJsonObject{})
              .json()
              .object();
    QCOMPARE(searched.value(u"count"_s).toInt(), 7);
    QCOMPARE(idsOf(searched), reversed.mid(1, 2));
}

void TestConnectionApi::searchFilters()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const QDateTime t0 = m_clock.now();
    const QString sessionA = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString alice = generate(
        {.address = u"192.0.2.10"_s, .user = u"alice-laptop"_s, .collectSessionId = sessionA, .seconds = 100});
    m_clock.advanceSeconds(1000);
    const QDateTime t1 = m_clock.now();
    const QString bob = generate({.address = u"198.51.100.7"_s,
                                  .user = u"bob-desktop"_s,
                                  .methods = {u"KEYBOARD_INTERACTIVE"_s},
                                  .seconds = 100});
    m_clock.advanceSeconds(1000);
    const QDateTime t2 = m_clock.now();
    const QString carol = generate({.address = u"192.0.2.99"_s, .user = u"carol"_s, .seconds = 10, .close = false});
    QVERIFY(call("PUT", kConnections + u'/' + bob + u"/tags"_s, QJsonArray{u"incident-7"_s}).status == 200);

    const auto found = [this](const QJsonObject &body) {
        const HttpReply reply = call("POST", kConnections + u"/search?sortkey=connected"_s, body);
        if (reply.status != 200)
            qWarning("search answered %d: %s", reply.status, reply.body.constData());
        return idsOf(reply.json().object());
    };
    QCOMPARE(found({}), (QStringList{alice, bob, carol}));
    QCOMPARE(found({{u"keywords"_s, u"alice"_s}}), QStringList{alice});
    QCOMPARE(found({{u"keywords"_s, u"LAPTOP"_s}}), QStringList{alice});
    QCOMPARE(found({{u"keywords"_s, u"192.0.2"_s}}), (QStringList{alice, carol}));
    QCOMPARE(found({{u"keywords"_s, u"192.0.2, carol"_s}}), QStringList{carol});
    QCOMPARE(found({{u"id"_s, QJsonArray{bob, carol}}}), (QStringList{bob, carol}));
    QCOMPARE(found({{u"user_display_name"_s, QJsonArray{u"bob-desktop"_s}}}), QStringList{bob});
    QCOMPARE(found({{u"user_id"_s, QJsonArray{sessionA}}}), QStringList{alice});
    QCOMPARE(found({{u"remote_address"_s, QJsonArray{u"192.0.2.99"_s}}}), QStringList{carol});
    QCOMPARE(found({{u"authentication_method"_s, QJsonArray{u"KEYBOARD_INTERACTIVE"_s}}}), QStringList{bob});
    QCOMPARE(found({{u"status"_s, QJsonArray{u"connected"_s}}}), QStringList{carol});
    QCOMPARE(found({{u"status"_s, QJsonArray{u"DISCONNECTED"_s}}}), (QStringList{alice, bob}));
    QCOMPARE(found({{u"type"_s, QJsonArray{u"SSH"_s}}}), (QStringList{alice, bob, carol}));
    QCOMPARE(found({{u"proxy_id"_s, QJsonArray{m_service->proxyId()}}}), (QStringList{alice, bob, carol}));
    QCOMPARE(found({{u"proxy_id"_s, QJsonArray{QUuid::createUuid().toString(QUuid::WithoutBraces)}}}), QStringList());
    QCOMPARE(found({{u"tags"_s, QJsonArray{u"incident-7"_s}}}), QStringList{bob});
    // Time ranges are {"from", "to"}, either end open.
    QCOMPARE(found({{u"connected"_s, QJsonObject{{u"from"_s, t1.addSecs(-5).toString(Qt::ISODate)}}}}),
             (QStringList{bob, carol}));
    QCOMPARE(found({{u"connected"_s,
                     QJsonObject{{u"from"_s, t1.addSecs(-5).toString(Qt::ISODate)},
                                 {u"to"_s, t2.addSecs(-5).toString(Qt::ISODate)}}}}),
             QStringList{bob});
    // An offset other than Z names the same instant.
    QCOMPARE(
        found({{u"connected"_s, QJsonObject{{u"to"_s, t0.addSecs(5).toOffsetFromUtc(3600).toString(Qt::ISODate)}}}}),
        QStringList{alice});
    QCOMPARE(found({{u"disconnected"_s, QJsonObject{{u"from"_s, t0.toString(Qt::ISODate)}, {u"to"_s, QJsonValue()}}}}),
             (QStringList{alice, bob}));
    QCOMPARE(found({{u"last_activity"_s, QJsonObject{{u"from"_s, t2.toString(Qt::ISODate)}}}}), QStringList{carol});
    // Several filters narrow together.
    QCOMPARE(found({{u"keywords"_s, u"192.0.2"_s}, {u"status"_s, QJsonArray{u"DISCONNECTED"_s}}}), QStringList{alice});
    // Fields with no meaning here match nothing when they list anything, and nothing is refused.
    QCOMPARE(found({{u"target_host_id"_s, QJsonArray{QUuid::createUuid().toString(QUuid::WithoutBraces)}}}),
             QStringList());
    QCOMPARE(found({{u"mode"_s, QJsonArray()}, {u"user_roles"_s, QJsonArray()}}), (QStringList{alice, bob, carol}));

    const HttpReply counted
        = call("POST", kConnections + u"/search?limit=1"_s, QJsonObject{{u"status"_s, QJsonArray{u"DISCONNECTED"_s}}});
    QCOMPARE(counted.json().object().value(u"count"_s).toInt(), 2);
    QCOMPARE(counted.json().object().value(u"items"_s).toArray().size(), 1);
}

void TestConnectionApi::badParametersAre400_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("parameter");
    const QString all = kConnections;
    const QString search = kConnections + u"/search"_s;
    QTest::newRow("unknown sortkey") << QByteArray("GET") << all + u"?sortkey=colour"_s << QByteArray() << u"sortkey"_s;
    QTest::newRow("sortkey injection") << QByteArray("GET") << all + u"?sortkey=id%3BDROP%20TABLE%20x"_s << QByteArray()
                                       << u"sortkey"_s;
    QTest::newRow("empty sortkey") << QByteArray("GET") << all + u"?sortkey="_s << QByteArray() << u"sortkey"_s;
    QTest::newRow("negative offset") << QByteArray("GET") << all + u"?offset=-1"_s << QByteArray() << u"offset"_s;
    QTest::newRow("offset not a number") << QByteArray("GET") << all + u"?offset=ten"_s << QByteArray() << u"offset"_s;
    QTest::newRow("huge limit") << QByteArray("GET") << all + u"?limit=1000000"_s << QByteArray() << u"limit"_s;
    QTest::newRow("limit over 1000") << QByteArray("GET") << all + u"?limit=1001"_s << QByteArray() << u"limit"_s;
    QTest::newRow("limit 0") << QByteArray("GET") << all + u"?limit=0"_s << QByteArray() << u"limit"_s;
    QTest::newRow("limit beyond int") << QByteArray("GET") << all + u"?limit=99999999999999999999"_s << QByteArray()
                                      << u"limit"_s;
    QTest::newRow("bad sortdir") << QByteArray("GET") << all + u"?sortdir=up"_s << QByteArray() << u"sortdir"_s;
    QTest::newRow("bad fuzzycount") << QByteArray("GET") << all + u"?fuzzycount=maybe"_s << QByteArray()
                                    << u"fuzzycount"_s;
    QTest::newRow("search: bad sortkey") << QByteArray("POST") << search + u"?sortkey=nope"_s << QByteArray("{}")
                                         << u"sortkey"_s;
    QTest::newRow("search: huge limit") << QByteArray("POST") << search + u"?limit=5000"_s << QByteArray("{}")
                                        << u"limit"_s;
    QTest::newRow("search: malformed JSON")
        << QByteArray("POST") << search << QByteArray("{\"keywords\": ") << u"body"_s;
    QTest::newRow("search: body an array") << QByteArray("POST") << search << QByteArray("[]") << u"body"_s;
    QTest::newRow("search: unknown field")
        << QByteArray("POST") << search << QByteArray(R"({"colour": "blue"})") << u"colour"_s;
    QTest::newRow("search: keywords a number")
        << QByteArray("POST") << search << QByteArray(R"({"keywords": 5})") << u"keywords"_s;
    QTest::newRow("search: id not an array") << QByteArray("POST") << search << QByteArray(R"({"id": "x"})") << u"id"_s;
    QTest::newRow("search: tag not a string")
        << QByteArray("POST") << search << QByteArray(R"({"tags": ["a", 1]})") << u"tags[1]"_s;
    QTest::newRow("search: unknown status")
        << QByteArray("POST") << search << QByteArray(R"({"status": ["CONNECTED", "ASLEEP"]})") << u"status[1]"_s;
    QTest::newRow("search: malformed time")
        << QByteArray("POST") << search << QByteArray(R"({"connected": {"from": "yesterday"}})") << u"connected.from"_s;
    QTest::newRow("search: time without zone")
        << QByteArray("POST") << search << QByteArray(R"({"disconnected": {"to": "2026-01-01T10:00:00"}})")
        << u"disconnected.to"_s;
    QTest::newRow("search: impossible date")
        << QByteArray("POST") << search << QByteArray(R"({"connected": {"from": "2026-02-30T10:00:00Z"}})")
        << u"connected.from"_s;
    QTest::newRow("search: time a number")
        << QByteArray("POST") << search << QByteArray(R"({"last_activity": {"from": 5}})") << u"last_activity.from"_s;
    QTest::newRow("search: range not an object")
        << QByteArray("POST") << search << QByteArray(R"({"connected": "2026-01-01T00:00:00Z"})") << u"connected"_s;
    QTest::newRow("search: start instead of from")
        << QByteArray("POST") << search << QByteArray(R"({"connected": {"start": "2026-01-01T00:00:00Z"}})")
        << u"connected.start"_s;
    QTest::newRow("search: reversed range")
        << QByteArray("POST") << search
        << QByteArray(R"({"connected": {"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}})")
        << u"connected"_s;
    QTest::newRow("search: has_access_roles a string")
        << QByteArray("POST") << search << QByteArray(R"({"has_access_roles": "yes"})") << u"has_access_roles"_s;
    QTest::newRow("search: force_disconnect a number")
        << QByteArray("POST") << search << QByteArray(R"({"force_disconnect": 1})") << u"force_disconnect"_s;
    QTest::newRow("search: mode not strings")
        << QByteArray("POST") << search << QByteArray(R"({"mode": [1]})") << u"mode[0]"_s;
    QTest::newRow("tags: negative offset")
        << QByteArray("GET") << all + u"/tags?offset=-5"_s << QByteArray() << u"offset"_s;
    QTest::newRow("tags: huge limit") << QByteArray("GET") << all + u"/tags?limit=100000"_s << QByteArray()
                                      << u"limit"_s;
    QTest::newRow("tags: bad sortdir") << QByteArray("GET") << all + u"/tags?sortdir=sideways"_s << QByteArray()
                                       << u"sortdir"_s;
}

void TestConnectionApi::badParametersAre400()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(QString, parameter);
    QVERIFY(start());
    generate({.address = u"127.0.0.1"_s, .user = u"alice"_s});
    const HttpReply reply = call(method, path, body);
    QCOMPARE(errorParameter(reply, 400), parameter);
    QCOMPARE(reply.json().object().value(u"error"_s).toString(), u"INVALID_PARAMETER"_s);
}

void TestConnectionApi::literalPathsAreNotConnectionIds()
{
    QVERIFY(start());
    const QString id = generate({.address = u"127.0.0.1"_s, .user = u"alice"_s});
    QCOMPARE(call("PUT", kConnections + u'/' + id + u"/tags"_s, QJsonArray{u"x"_s}).status, 200);
    const HttpReply tags = call("GET", kConnections + u"/tags"_s);
    QCOMPARE(tags.status, 200);
    QCOMPARE(tags.json().object().value(u"items"_s).toArray(), QJsonArray{u"x"_s});
    QCOMPARE(call("GET", kConnections + u"/tags/"_s).status, 200);
    QCOMPARE(call("POST", kConnections + u"/search/"_s).status, 200);
    // Only POST searches; GET .../search asks for a connection named "search".
    QCOMPARE(errorParameter(call("GET", kConnections + u"/search"_s), 404), u"connection_id"_s);
    QCOMPARE(call("DELETE", kConnections + u"/tags"_s).status, 405);
}

void TestConnectionApi::tagsAreListedAndReplaced()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const QString a = generate({.address = u"127.0.0.1"_s, .user = u"alice"_s});
    const QString b = generate({.address = u"127.0.0.2"_s, .user = u"bob"_s});

    const HttpReply put
        = call("PUT", kConnections + u'/' + a + u"/tags"_s, QJsonArray{u"prod"_s, u"incident-7"_s, u"audit"_s});
    QCOMPARE(put.status, 200);
    QVERIFY(put.body.isEmpty());
    QCOMPARE(call("PUT", kConnections + u'/' + b + u"/tags/"_s, QJsonArray{u"prod"_s, u"preview"_s}).status, 200);

    QJsonObject listed = call("GET", kConnections + u"/tags"_s).json().object();
    QCOMPARE(listed.value(u"count"_s).toInt(), 4);
    QCOMPARE(listed.value(u"items"_s).toArray(), (QJsonArray{u"audit"_s, u"incident-7"_s, u"preview"_s, u"prod"_s}));
    listed = call("GET", kConnections + u"/tags?query=pr&sortdir=DESC"_s).json().object();
    QCOMPARE(listed.value(u"count"_s).toInt(), 2);
    QCOMPARE(listed.value(u"items"_s).toArray(), (QJsonArray{u"prod"_s, u"preview"_s}));
    listed = call("GET", kConnections + u"/tags?offset=1&limit=2"_s).json().object();
    QCOMPARE(listed.value(u"count"_s).toInt(), 4);
    QCOMPARE(listed.value(u"items"_s).toArray(), (QJsonArray{u"incident-7"_s, u"preview"_s}));

    // PUT replaces: the old tags go, the connection shows the new ones.
    QCOMPARE(call("PUT", kConnections + u'/' + a + u"/tags"_s, QJsonArray{u"audit"_s}).status, 200);
    QJsonArray shown = call("GET", kConnections + u'/' + a).json().object().value(u"tags"_s).toArray();
    QCOMPARE(shown, QJsonArray{u"audit"_s});
    listed = call("GET", kConnections + u"/tags"_s).json().object();
    QCOMPARE(listed.value(u"items"_s).toArray(), (QJsonArray{u"audit"_s, u"preview"_s, u"prod"_s}));
    QCOMPARE(call("PUT", kConnections + u'/' + a + u"/tags"_s, QJsonArray()).status, 200);
    shown = call("GET", kConnections + u'/' + a).json().object().value(u"tags"_s).toArray();
    QCOMPARE(shown, QJsonArray());

    // The change is audited with the token that made it.
    const Result<QList<AuditEvent>> events = m_audit->list();
    KEYSTEAD_VERIFY_OK(events);
    bool audited = false;
    for (const AuditEvent &event : events.value()) {
        if (event.subjectId == a && event.actor.kind == u"token"_s && event.actor.id == m_writerId
            && event.actor.name == u"writer"_s && event.actor.address == u"127.0.0.1"_s)
            audited = true;
    }
    QVERIFY(audited);

    // The body is an array of strings.
    QCOMPARE(errorParameter(call("PUT", kConnections + u'/' + a + u"/tags"_s, QJsonObject{{u"tags"_s, u"x"_s}}), 400),
             u"body"_s);
    QCOMPARE(errorParameter(call("PUT", kConnections + u'/' + a + u"/tags"_s, QJsonArray{u"ok"_s, 3}), 400),
             u"body[1]"_s);
    QCOMPARE(errorParameter(call("PUT", kConnections + u'/' + a + u"/tags"_s, QByteArray()), 400), u"body"_s);
    QCOMPARE(errorParameter(call("PUT", kConnections + u'/' + a + u"/tags"_s, QByteArray("[\"x\"")), 400), u"body"_s);
}

void TestConnectionApi::accessRolesAreGrantedAndRevoked()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const QString a = generate({.address = u"127.0.0.1"_s, .user = u"alice"_s});
    const QString b = generate({.address = u"127.0.0.2"_s, .user = u"bob"_s});
    const Result<AccessRole> auditors = m_service->createRole(u"auditors"_s);
    const Result<AccessRole> admins = m_service->createRole(u"admins"_s);
    KEYSTEAD_VERIFY_OK(auditors);
    KEYSTEAD_VERIFY_OK(admins);
    const QString rolesOfA = kConnections + u'/' + a + u"/access_roles"_s;
    const QString rolesOfB = kConnections + u'/' + b + u"/access_roles"_s;

    QCOMPARE(call("GET", rolesOfA).json().array(), QJsonArray());
    const QDateTime grantedAt = m_clock.now();
    const HttpReply granted = call("POST", rolesOfA + u'/' + auditors->id);
    QCOMPARE(granted.status, 200);
    QVERIFY(granted.body.isEmpty());
    QCOMPARE(call("POST", rolesOfA + u'/' + admins->id).status, 200);
    QCOMPARE(call("POST", rolesOfB + u'/' + auditors->id).status, 200);

    const HttpReply listed = call("GET", rolesOfA);
    QCOMPARE(listed.status, 200);
    QJsonArray roles = listed.json().array();
    QCOMPARE(roles.size(), 2);
    QStringList names;
    for (const QJsonValue &role : roles) {
        const QJsonObject object = role.toObject();
        names.append(object.value(u"name"_s).toString());
        QCOMPARE(object.value(u"added"_s).toString(), grantedAt.toString(Qt::ISODate));
        QVERIFY(object.value(u"id"_s).toString() == auditors->id || object.value(u"id"_s).toString() == admins->id);
    }
    names.sort();
    QCOMPARE(names, (QStringList{u"admins"_s, u"auditors"_s}));
    // The connection shows them, and the search finds by them.
    QCOMPARE(call("GET", kConnections + u'/' + a).json().object().value(u"access_roles"_s).toArray().size(), 2);
    const auto found = [this](const QJsonObject &body) {
        return idsOf(call("POST", kConnections + u"/search?sortkey=connected"_s, body).json().object());
    };
    QCOMPARE(found({{u"access_roles"_s, QJsonArray{admins->id}}}), QStringList{a});
    QCOMPARE(found({{u"has_access_roles"_s, true}}), (QStringList{a, b}));

    // Revoke on one connection.
    QCOMPARE(call("DELETE", rolesOfA + u'/' + admins->id).status, 200);
    roles = call("GET", rolesOfA).json().array();
    QCOMPARE(roles.size(), 1);
    QCOMPARE(roles.at(0).toObject().value(u"id"_s).toString(), auditors->id);

    // Revoke from every connection.
    const HttpReply everywhere = call("DELETE", kConnections + u"/access_roles/"_s + auditors->id);
    QCOMPARE(everywhere.status, 200);
    QVERIFY(everywhere.body.isEmpty());
    QCOMPARE(call("GET", rolesOfA).json().array(), QJsonArray());
    QCOMPARE(call("GET", rolesOfB).json().array(), QJsonArray());
    QCOMPARE(found({{u"has_access_roles"_s, false}}), (QStringList{a, b}));

    // Unknown roles and connections are 404.
    const QString nobody = QUuid::createUuid().toString(QUuid::WithoutBraces);
    QCOMPARE(call("POST", rolesOfA + u'/' + nobody).status, 404);
    QCOMPARE(call("DELETE", kConnections + u"/access_roles/"_s + nobody).status, 404);
    QCOMPARE(errorParameter(call("POST", kConnections + u'/' + nobody + u"/access_roles/"_s + auditors->id), 404),
             u"connection_id"_s);
}

void TestConnectionApi::logDownloadsInBothFormats()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const QString id = generate({.address = u"127.0.0.1"_s, .user = u"alice"_s, .typed = "y"});
    const QString channel = kConnections + u'/' + id + u"/channel/0"_s;

    const HttpReply created = call("POST", channel + u"/log"_s);
    QCOMPARE(created.status, 201);
    const QString session = created.json().object().value(u"session_id"_s).toString();
    QVERIFY(!QUuid::fromString(session).isNull());

    // jsonl: one event per line, in order, every type of the channel's trail.
    const HttpReply jsonl = call("GET", channel + u"/log/"_s + session + u"?format=jsonl"_s);
    QCOMPARE(jsonl.status, 200);
    QCOMPARE(jsonl.header("content-type"), QByteArray("application/x-ndjson"));
    QCOMPARE(jsonl.header("cache-control"), QByteArray("no-store"));
    QVERIFY(jsonl.header("content-disposition").startsWith("attachment"));
    const QStringList types = jsonlTypes(jsonl.body);
    QVERIFY2(types.contains(u"stdout"_s) && types.contains(u"stdin"_s) && types.contains(u"banner"_s),
             jsonl.body.constData());
    QVERIFY(types.indexOf(u"stdout"_s) < types.indexOf(u"stdin"_s));

    // The filter keeps only the named types (any case, spaces allowed).
    const HttpReply typed = call("GET", channel + u"/log/"_s + session + u"?format=JSONL&filter=stdin,%20STDOUT"_s);
    QCOMPARE(typed.status, 200);
    QCOMPARE(jsonlTypes(typed.body), (QStringList{u"stdout"_s, u"stdin"_s}));

    // hex is the default, as plain text, and holds the same bytes.
    const HttpReply hex = call("GET", channel + u"/log/"_s + session + u"?filter=stdin"_s);
    QCOMPARE(hex.status, 200);
    QCOMPARE(hex.header("content-type"), QByteArray("text/plain; charset=utf-8"));
    // One line per event: time, type, the data in hex.
    const QList<QByteArray> hexLines = hex.body.trimmed().split('\n');
    QCOMPARE(hexLines.size(), 1);
    QVERIFY2(hexLines.first().endsWith(QByteArray(QByteArray(" stdin ") + QByteArray("y").toHex())),
             hex.body.constData());
    const HttpReply allHex = call("GET", channel + u"/log/"_s + session + u"?format=hex"_s);
    QCOMPARE(allHex.status, 200);
    QVERIFY2(allHex.body.toLower().contains(QByteArray("Send your keys").toHex()), allHex.body.constData());

    // Bad format, unknown filter types and unknown sessions.
    QCOMPARE(errorParameter(call("GET", channel + u"/log/"_s + session + u"?format=pdf"_s), 400), u"format"_s);
    const HttpReply unknownType = call("GET", channel + u"/log/"_s + session + u"?filter=stdin,keystrokes"_s);
    QCOMPARE(errorParameter(unknownType, 400), u"filter"_s);
    QCOMPARE(unknownType.json().object().value(u"details"_s).toObject().value(u"value"_s).toString(), u"keystrokes"_s);
    QCOMPARE(call("GET", channel + u"/log/not-a-session"_s).status, 404);
    QCOMPARE(
        errorParameter(call("GET", channel + u"/log/"_s + QUuid::createUuid().toString(QUuid::WithoutBraces)), 404),
        u"session_id"_s);
    QCOMPARE(errorParameter(call("POST", kConnections + u'/' + id + u"/channel/77/log"_s), 404), u"channel_id"_s);
    // A session belongs to its channel.
    QCOMPARE(call("GET", kConnections + u'/' + id + u"/channel/connection/log/"_s + session).status, 404);
    const HttpReply outside = call("POST", kConnections + u'/' + id + u"/channel/connection/log"_s);
    QCOMPARE(outside.status, 201);
    const QStringList outsideTypes
        = jsonlTypes(call("GET",
                          kConnections + u'/' + id + u"/channel/connection/log/"_s
                              + outside.json().object().value(u"session_id"_s).toString() + u"?format=jsonl"_s)
                         .body);
    QVERIFY(outsideTypes.contains(u"client-version"_s));
    QVERIFY(!outsideTypes.contains(u"stdin"_s));

    // A session serves for five minutes.
    m_clock.advanceSeconds(4 * 60 + 59);
    QCOMPARE(call("GET", channel + u"/log/"_s + session).status, 200);
    m_clock.advanceSeconds(2);
    QCOMPARE(errorParameter(call("GET", channel + u"/log/"_s + session), 404), u"session_id"_s);
}

void TestConnectionApi::trailFilesAreNotFound()
{
    QVERIFY(start());
    const QString id = generate({.address = u"127.0.0.1"_s, .user = u"alice"_s});
    const QString file = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString channel = kConnections + u'/' + id + u"/channel/0/file/"_s + file;
    QCOMPARE(errorParameter(call("POST", channel), 404), u"file_id"_s);
    QCOMPARE(errorParameter(call("GET", channel + u'/' + QUuid::createUuid().toString(QUuid::WithoutBraces)), 404),
             u"file_id"_s);
    // The connection shows no files in any channel.
    for (const QJsonValue &value : call("GET", kConnections + u'/' + id)
                                       .json()
                                       .object()
                                       .value(u"trail"_s)
                                       .toObject()
                                       .value(u"channels"_s)
                                       .toArray())
        QCOMPARE(value.toObject().value(u"transferred_files"_s).toArray(), QJsonArray());
}

void TestConnectionApi::unknownIdsAre404_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("suffix");
    QTest::addColumn<QByteArray>("body");
    const QString session = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString role = QUuid::createUuid().toString(QUuid::WithoutBraces);
    QTest::newRow("get") << QByteArray("GET") << QString() << QByteArray();
    QTest::newRow("tags") << QByteArray("PUT") << u"/tags"_s << QByteArray("[\"a\"]");
    QTest::newRow("roles") << QByteArray("GET") << u"/access_roles"_s << QByteArray();
    QTest::newRow("grant") << QByteArray("POST") << u"/access_roles/"_s + role << QByteArray();
    QTest::newRow("revoke") << QByteArray("DELETE") << u"/access_roles/"_s + role << QByteArray();
    QTest::newRow("log session") << QByteArray("POST") << u"/channel/0/log"_s << QByteArray();
    QTest::newRow("log") << QByteArray("GET") << u"/channel/0/log/"_s + session << QByteArray();
    QTest::newRow("file session") << QByteArray("POST") << u"/channel/0/file/"_s + session << QByteArray();
    QTest::newRow("file") << QByteArray("GET") << u"/channel/0/file/"_s + session + u'/' + session << QByteArray();
    QTest::newRow("terminate") << QByteArray("POST") << u"/terminate"_s << QByteArray();
    QTest::newRow("verify") << QByteArray("GET") << u"/trail/verify"_s << QByteArray();
}

void TestConnectionApi::unknownIdsAre404()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, suffix);
    QFETCH(QByteArray, body);
    QVERIFY(start());
    generate({.address = u"127.0.0.1"_s, .user = u"alice"_s});
    // A well-formed id of no connection, and ids that are no UUID at all: never a 500.
    for (const QString &id : {QUuid::createUuid().toString(QUuid::WithoutBraces), u"nope"_s, u"1%20OR%201=1"_s,
                              u"00000000-0000-0000-0000-00000000000g"_s}) {
        const HttpReply reply = call(method, kConnections + u'/' + id + suffix, body);
        QCOMPARE(errorParameter(reply, 404), u"connection_id"_s);
        QCOMPARE(reply.json().object().value(u"error"_s).toString(), u"NOT_FOUND"_s);
    }
}

void TestConnectionApi::terminateOfAFinishedConnectionIs409()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const QString id = generate({.address = u"127.0.0.1"_s, .user = u"alice"_s});
    const HttpReply reply = call("POST", kConnections + u'/' + id + u"/terminate"_s);
    QCOMPARE(errorParameter(reply, 409), QString());
    QCOMPARE(reply.json().object().value(u"error"_s).toString(), u"CONFLICT"_s);
    // Nothing changed: it was not marked as forced.
    QVERIFY(call("GET", kConnections + u'/' + id).json().object().value(u"force_disconnect"_s).isNull());
}

// The real thing: OpenSSH's client at the collect server's confirmation prompt,
// ended over HTTP by a token; the client sees it, the record and trail say who.
void TestConnectionApi::terminateEndsALiveClient()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QTemporaryDir home;
    QTemporaryDir hostKeys;
    QVERIFY(home.isValid() && hostKeys.isValid());
    const QString keyPath = home.filePath(u"id_ed25519"_s);
    QProcess keygen;
    keygen.start(u"ssh-keygen"_s, {u"-q"_s, u"-t"_s, u"ed25519"_s, u"-N"_s, QString(), u"-f"_s, keyPath});
    QVERIFY(keygen.waitForFinished(60'000) && keygen.exitStatus() == QProcess::NormalExit && keygen.exitCode() == 0);

    Database &database = m_store->database();
    WebhookOutbox outbox(database, m_clock);
    keystead::test::TestVault vault(database, m_clock, m_store->dataDir());
    WebhookSigner signer(m_store->dataDir(), database, vault.vault());
    WebhookHeaderSeal seal(signer);
    CollectService collect(database, m_clock, outbox, seal);
    CollectServer server(collect, vault.vault(), database);
    server.setRecorder(m_service.get());
    m_service->setTerminator(&server);
    auto unwire = qScopeGuard([this, &server] {
        server.stop();
        m_service->setTerminator(nullptr);
    });
    CollectSessionInput input;
    input.mustConfirm = true;
    const Result<CollectSession> session = collect.create(input);
    KEYSTEAD_VERIFY_OK(session);
    CollectServerConfig config;
    config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    config.dataDir = hostKeys.path();
    KEYSTEAD_VERIFY_OK(server.start(config));

    QProcess client;
    auto stopClient = qScopeGuard([&client] {
        client.kill();
        client.waitForFinished(10'000);
    });
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"HOME"_s, home.path());
    environment.remove(u"SSH_AUTH_SOCK"_s);
    client.setProcessEnvironment(environment);
    client.start(u"ssh"_s,
                 {u"-F"_s, u"none"_s, u"-p"_s, QString::number(server.boundPort()), u"-o"_s,
                  u"StrictHostKeyChecking=no"_s, u"-o"_s, u"UserKnownHostsFile=/dev/null"_s, u"-o"_s,
                  u"BatchMode=yes"_s, u"-o"_s, u"IdentitiesOnly=yes"_s, u"-i"_s, keyPath,
                  session->connectionIdentifier + u"@127.0.0.1"_s});
    QVERIFY(client.waitForStarted(10'000));
    QByteArray shown;
    const QDeadlineTimer deadline(30'000);
    while (!shown.contains("Type y and press Enter") && !deadline.hasExpired()) {
        client.waitForReadyRead(100);
        shown += client.readAllStandardOutput();
    }
    QVERIFY2(shown.contains("Type y and press Enter"), shown.constData());

    KEYSTEAD_VERIFY_OK(m_service->flush());
    const QJsonObject live
        = call("POST", kConnections + u"/search"_s, QJsonObject{{u"status"_s, QJsonArray{u"CONNECTED"_s}}})
              .json()
              .object();
    QCOMPARE(live.value(u"count"_s).toInt(), 1);
    const QString id = idsOf(live).constFirst();

    const HttpReply ended = call("POST", kConnections + u'/' + id + u"/terminate"_s);
    QCOMPARE(ended.status, 204);
    QVERIFY(ended.body.isEmpty());
    // The HTTP call ran an event loop: the client may have been seen ending already.
    QVERIFY(client.state() == QProcess::NotRunning || client.waitForFinished(30'000));
    QCOMPARE(client.exitStatus(), QProcess::NormalExit);
    QCOMPARE(client.exitCode(), 255);
    stopClient.dismiss();
    QTRY_VERIFY_WITH_TIMEOUT(server.connectionCount() == 0, 30'000);
    KEYSTEAD_VERIFY_OK(m_service->flush());

    const QJsonObject record = call("GET", kConnections + u'/' + id).json().object();
    QCOMPARE(record.value(u"status"_s).toString(), u"DISCONNECTED"_s);
    QCOMPARE(record.value(u"force_disconnect"_s).toString(), m_clock.now().toString(Qt::ISODate));
    QCOMPARE(record.value(u"updated_by"_s).toString(), m_writerId);
    // Searchable by it: "true" finds the terminated connection, "false" does not.
    const auto forced = [&](const QString &value) {
        return idsOf(
            call("POST", kConnections + u"/search"_s, QJsonObject{{u"force_disconnect"_s, value}}).json().object());
    };
    QCOMPARE(forced(u"true"_s), QStringList{id});
    QVERIFY(!forced(u"false"_s).contains(id));
    // Ended already: nothing left to terminate.
    QCOMPARE(errorParameter(call("POST", kConnections + u'/' + id + u"/terminate"_s), 409), QString());

    // The trail names the token that asked.
    const QString outside = kConnections + u'/' + id + u"/channel/connection/log"_s;
    const QString logSession = call("POST", outside).json().object().value(u"session_id"_s).toString();
    const HttpReply log = call("GET", outside + u'/' + logSession + u"?format=jsonl&filter=terminate"_s);
    QCOMPARE(log.status, 200);
    const QList<QByteArray> lines = log.body.trimmed().split('\n');
    QCOMPARE(lines.size(), 1);
    const QJsonObject event = QJsonDocument::fromJson(lines.first()).object();
    QVERIFY2(event.value(u"data"_s).toString().contains(u"writer"_s), lines.first().constData());
    QCOMPARE(event.value(u"detail"_s).toObject().value(u"actor"_s).toObject().value(u"id"_s).toString(), m_writerId);
    QCOMPARE(call("GET", kConnections + u'/' + id + u"/trail/verify"_s).json().object().value(u"intact"_s),
             QJsonValue(true));
}

void TestConnectionApi::trailVerifies()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const QString id = generate({.address = u"127.0.0.1"_s, .user = u"alice"_s});
    const HttpReply reply = call("GET", kConnections + u'/' + id + u"/trail/verify"_s);
    QCOMPARE(reply.status, 200);
    const QJsonObject verified = reply.json().object();
    QCOMPARE(verified.value(u"connection_id"_s).toString(), id);
    QCOMPARE(verified.value(u"intact"_s), QJsonValue(true));
    // client-version, key-offered, channel-open, banner, stdout, stdin, channel-close, disconnect.
    QCOMPARE(verified.value(u"event_count"_s).toInteger(), 8);
    QVERIFY(verified.value(u"broken_at_sequence"_s).isNull());

    // What was typed, changed by hand in the store: found at that event.
    KEYSTEAD_VERIFY_OK(sql::exec(m_store->database().connection(),
                                 u"UPDATE trail_events SET data = ? WHERE connection_id = ? AND type = 'stdin'"_s,
                                 {QByteArray("n"), id}));
    const QJsonObject broken = call("GET", kConnections + u'/' + id + u"/trail/verify"_s).json().object();
    QCOMPARE(broken.value(u"intact"_s), QJsonValue(false));
    QCOMPARE(broken.value(u"broken_at_sequence"_s).toInteger(), 6);
    QVERIFY(!broken.value(u"message"_s).toString().isEmpty());
}

void TestConnectionApi::verifyCarriesSignedCheckpoints()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const QString id = generate({.address = u"127.0.0.1"_s, .user = u"alice"_s});
    const QString verifyPath = kConnections + u'/' + id + u"/trail/verify"_s;
    // No checkpoint yet: the answer says so.
    QJsonObject checkpoints = call("GET", verifyPath).json().object().value(u"checkpoints"_s).toObject();
    QCOMPARE(checkpoints.value(u"count"_s).toInteger(), 0);
    QCOMPARE(checkpoints.value(u"verified"_s).toInteger(), 0);
    QVERIFY(checkpoints.value(u"last_signed_at"_s).isNull());
    QVERIFY(checkpoints.value(u"first_failure"_s).isNull());
    // No timestamper on this instance: the key route says so in the family's shape.
    QCOMPARE(errorParameter(call("GET", kTimestampingKey), 503), QString());

    QTemporaryDir keyDir;
    QVERIFY(keyDir.isValid());
    FileMasterKeyStore masterKeys(keyDir.filePath(u"master.key"_s));
    Vault vault(m_store->database(), m_clock, masterKeys);
    TrailTimestamper timestamper(m_store->database(), m_clock, vault, *m_service);
    m_controller->setTimestamper(&timestamper);
    auto unwire = qScopeGuard([this] { m_controller->setTimestamper(nullptr); });

    // The public key, readable with a read-only token, fingerprinted as ssh-keygen does.
    const HttpReply keyReply = call("GET", kTimestampingKey, QByteArray(), m_reader);
    QCOMPARE(keyReply.status, 200);
    const QJsonObject key = keyReply.json().object();
    const QString publicKey = key.value(u"public_key"_s).toString();
    const QString fingerprint = key.value(u"fingerprint"_s).toString();
    QVERIFY2(publicKey.startsWith(u"ssh-ed25519 AAAA"_s), qPrintable(publicKey));
    QFile keyFile(keyDir.filePath(u"timestamping.pub"_s));
    QVERIFY(keyFile.open(QIODevice::WriteOnly));
    keyFile.write(publicKey.toUtf8() + '\n');
    keyFile.close();
    QProcess keygen;
    keygen.start(u"ssh-keygen"_s, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, keyFile.fileName()});
    QVERIFY(keygen.waitForFinished(60'000) && keygen.exitStatus() == QProcess::NormalExit && keygen.exitCode() == 0);
    QCOMPARE(QString::fromUtf8(keygen.readAllStandardOutput()).split(u' ').value(1), fingerprint);

    m_clock.advanceSeconds(5);
    const Result<int> made = timestamper.signNow();
    KEYSTEAD_VERIFY_OK(made);
    QCOMPARE(made.value(), 1);
    QJsonObject verified = call("GET", verifyPath).json().object();
    QCOMPARE(verified.value(u"intact"_s), QJsonValue(true));
    checkpoints = verified.value(u"checkpoints"_s).toObject();
    QCOMPARE(checkpoints.value(u"count"_s).toInteger(), 1);
    QCOMPARE(checkpoints.value(u"verified"_s).toInteger(), 1);
    QCOMPARE(checkpoints.value(u"last_signed_at"_s).toString(), m_clock.now().toString(Qt::ISODate));
    QVERIFY(checkpoints.value(u"first_failure"_s).isNull());
    QCOMPARE(checkpoints.value(u"key_fingerprints"_s).toArray(), QJsonArray{fingerprint});

    // A checkpoint whose signature was tampered with fails, named by its sequence.
    Database &database = m_store->database();
    qint64 sequence = 0;
    QString head, signedAt, signature;
    {
        Result<QSqlQuery> row = sql::exec(database.connection(),
                                          u"SELECT sequence, trail_head, signed_at, signature FROM trail_checkpoints"
                                          " WHERE connection_id = ?"_s,
                                          {id});
        KEYSTEAD_VERIFY_OK(row);
        QVERIFY(row->next());
        sequence = row->value(0).toLongLong();
        head = row->value(1).toString();
        signedAt = row->value(2).toString();
        signature = row->value(3).toString();
    }
    QByteArray forged = QByteArray::fromBase64(signature.toLatin1());
    forged[0] = static_cast<char>(forged.at(0) ^ 0x80);
    KEYSTEAD_VERIFY_OK(
        sql::exec(database.connection(), u"DELETE FROM trail_checkpoints WHERE connection_id = ?"_s, {id}));
    KEYSTEAD_VERIFY_OK(sql::exec(database.connection(),
                                 u"INSERT INTO trail_checkpoints (connection_id, sequence, trail_head, signed_at,"
                                 " key_fingerprint, signature) VALUES (?, ?, ?, ?, ?, ?)"_s,
                                 {id, sequence, head, signedAt, fingerprint, QString::fromLatin1(forged.toBase64())}));
    verified = call("GET", verifyPath).json().object();
    QCOMPARE(verified.value(u"intact"_s), QJsonValue(false));
    QCOMPARE(verified.value(u"broken_at_sequence"_s).toInteger(), sequence);
    checkpoints = verified.value(u"checkpoints"_s).toObject();
    QCOMPARE(checkpoints.value(u"count"_s).toInteger(), 1);
    QCOMPARE(checkpoints.value(u"verified"_s).toInteger(), 0);
    const QJsonObject failure = checkpoints.value(u"first_failure"_s).toObject();
    QCOMPARE(failure.value(u"sequence"_s).toInteger(), sequence);
    QVERIFY2(failure.value(u"message"_s).toString().contains(u"does not verify"_s),
             qPrintable(failure.value(u"message"_s).toString()));
}

void TestConnectionApi::readOnlyTokenMayReadButNotWrite()
{
    QVERIFY(start());
    const QString id = generate({.address = u"127.0.0.1"_s, .user = u"alice"_s});
    const QString one = kConnections + u'/' + id;
    QCOMPARE(call("GET", kConnections, QByteArray(), m_reader).status, 200);
    QCOMPARE(call("GET", one, QByteArray(), m_reader).status, 200);
    QCOMPARE(call("GET", kConnections + u"/tags"_s, QByteArray(), m_reader).status, 200);
    QCOMPARE(call("GET", one + u"/access_roles"_s, QByteArray(), m_reader).status, 200);
    const HttpReply searched
        = call("POST", kConnections + u"/search"_s, QByteArray(R"({"keywords": "alice"})"), m_reader);
    QCOMPARE(searched.status, 200);
    QCOMPARE(idsOf(searched.json().object()), QStringList{id});
    const HttpReply logSession = call("POST", one + u"/channel/0/log"_s, QByteArray(), m_reader);
    QCOMPARE(logSession.status, 201);
    const QString session = logSession.json().object().value(u"session_id"_s).toString();
    QCOMPARE(call("GET", one + u"/channel/0/log/"_s + session, QByteArray(), m_reader).status, 200);

    const HttpReply put = call("PUT", one + u"/tags"_s, QByteArray(R"(["mine"])"), m_reader);
    QCOMPARE(errorParameter(put, 403), QString());
    QCOMPARE(put.json().object().value(u"error"_s).toString(), u"FORBIDDEN"_s);
    QCOMPARE(put.json().object().value(u"details"_s).toObject().value(u"required_scope"_s).toString(), u"write"_s);
    QCOMPARE(call("GET", one, QByteArray(), m_reader).json().object().value(u"tags"_s).toArray(), QJsonArray());
    const Result<AccessRole> role = m_service->createRole(u"auditors"_s);
    KEYSTEAD_VERIFY_OK(role);
    QCOMPARE(call("POST", one + u"/access_roles/"_s + role->id, QByteArray(), m_reader).status, 403);
    QCOMPARE(call("DELETE", kConnections + u"/access_roles/"_s + role->id, QByteArray(), m_reader).status, 403);
    QCOMPARE(call("POST", one + u"/terminate"_s, QByteArray(), m_reader).status, 403);
}

void TestConnectionApi::frameErrorsHaveTheFamilysShape()
{
    QVERIFY(start());
    // No token, a bad token, a wrong method, an unknown path under the family.
    const HttpReply anonymous = httpRequest("GET", url(kConnections));
    QCOMPARE(errorParameter(anonymous, 401), QString());
    QCOMPARE(anonymous.json().object().value(u"error"_s).toString(), u"UNAUTHORIZED"_s);
    QVERIFY(!anonymous.header("www-authenticate").isEmpty());
    QCOMPARE(errorParameter(call("GET", kConnections, QByteArray(), "kst_wrong"), 401), QString());
    const HttpReply wrongMethod = call("PATCH", kConnections);
    QCOMPARE(errorParameter(wrongMethod, 405), QString());
    QCOMPARE(wrongMethod.header("allow"), QByteArray("GET"));
    QCOMPARE(errorParameter(call("GET", u"/connection-manager/api/v1/nothing"_s), 404), QString());
    // Other families keep their own shape.
    QCOMPARE(call("GET", u"/api/nothing"_s).header("content-type"), QByteArray("application/problem+json"));
}

void TestConnectionApi::openApiDescribesTheRoutes()
{
    QVERIFY(start());
    const HttpReply reply = call("GET", u"/api/openapi.json"_s);
    QCOMPARE(reply.status, 200);
    const QJsonObject document = reply.json().object();
    QVERIFY(!document.isEmpty());
    const QJsonObject paths = document.value(u"paths"_s).toObject();
    const QString one = kConnections + u"/{connection_id}"_s;
    const QString channel = one + u"/channel/{channel_id}"_s;
    const QList<std::pair<QString, QStringList>> expected{
        {kConnections, {u"get"_s}},
        {kConnections + u"/search"_s, {u"post"_s}},
        {kConnections + u"/tags"_s, {u"get"_s}},
        {kConnections + u"/access_roles/{role_id}"_s, {u"delete"_s}},
        {one, {u"get"_s}},
        {one + u"/tags"_s, {u"put"_s}},
        {one + u"/access_roles"_s, {u"get"_s}},
        {one + u"/access_roles/{role_id}"_s, {u"post"_s, u"delete"_s}},
        {one + u"/terminate"_s, {u"post"_s}},
        {one + u"/trail/verify"_s, {u"get"_s}},
        {kTimestampingKey, {u"get"_s}},
        {channel + u"/log"_s, {u"post"_s}},
        {channel + u"/log/{session_id}"_s, {u"get"_s}},
        {channel + u"/file/{file_id}"_s, {u"post"_s}},
        {channel + u"/file/{file_id}/{session_id}"_s, {u"get"_s}},
    };
    for (const auto &[path, methods] : expected) {
        const QJsonObject item = paths.value(path).toObject();
        for (const QString &method : methods)
            QVERIFY2(item.contains(method), qPrintable(method + u' ' + path));
    }
    // The schema names every field the API answers with.
    const QJsonObject schemas = document.value(u"components"_s).toObject().value(u"schemas"_s).toObject();
    const QJsonObject connectionSchema = schemas.value(u"Connection"_s).toObject().value(u"properties"_s).toObject();
    const QString id = generate({.address = u"127.0.0.1"_s, .user = u"alice"_s});
    const QJsonObject shown = call("GET", kConnections + u'/' + id).json().object();
    QVERIFY(!shown.isEmpty());
    for (auto it = shown.constBegin(); it != shown.constEnd(); ++it)
        QVERIFY2(connectionSchema.contains(it.key()), qPrintable(it.key()));
    const QJsonObject errorSchema = schemas.value(u"ConnectionError"_s).toObject().value(u"properties"_s).toObject();
    for (const QString &field : {u"code"_s, u"error"_s, u"message"_s, u"details"_s})
        QVERIFY2(errorSchema.contains(field), qPrintable(field));
}

QTEST_GUILESS_MAIN(TestConnectionApi)
#include "tst_connection_api.moc"
