#include "ConnectionApiTest.h"

#include "connections/ConnectionService.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QUuid>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// Seed 003's connections over real HTTP: a listener on 127.0.0.1 in its own
// thread, a real client, records made through the recorder calls the SSH
// server makes, on every store backend. Lists, search, tags, access roles,
// tokens and the family's errors; trails, logs and terminate are in
// tst_connection_api_trails.
class TestConnectionApi final : public ConnectionApiTest
{
    Q_OBJECT

private Q_SLOTS:
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
    void unknownIdsAre404_data();
    void unknownIdsAre404();
    void readOnlyTokenMayReadButNotWrite();
    void frameErrorsHaveTheFamilysShape();
    void openApiDescribesTheRoutes();
};

void TestConnectionApi::listCarriesTheSeedsFields()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const QDateTime connectedAt = m_core->clock.now();
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
    QCOMPARE(item.value(u"proxy_id"_s).toString(), m_core->connections->proxyId());
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
    m_core->clock.advanceSeconds(3600);
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
    const QDateTime t0 = m_core->clock.now();
    const QString sessionA = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString alice = generate(
        {.address = u"192.0.2.10"_s, .user = u"alice-laptop"_s, .collectSessionId = sessionA, .seconds = 100});
    m_core->clock.advanceSeconds(1000);
    const QDateTime t1 = m_core->clock.now();
    const QString bob = generate({.address = u"198.51.100.7"_s,
                                  .user = u"bob-desktop"_s,
                                  .methods = {u"KEYBOARD_INTERACTIVE"_s},
                                  .seconds = 100});
    m_core->clock.advanceSeconds(1000);
    const QDateTime t2 = m_core->clock.now();
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
    QCOMPARE(found({{u"proxy_id"_s, QJsonArray{m_core->connections->proxyId()}}}), (QStringList{alice, bob, carol}));
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
    const Result<QList<AuditEvent>> events = m_core->audit->list();
    KEYSTEAD_VERIFY_OK(events);
    bool audited = false;
    for (const AuditEvent &event : events.value()) {
        if (event.subjectId == a && event.actor.kind == u"token"_s && event.actor.id == m_core->writerId
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
    const Result<AccessRole> auditors = m_core->connections->createRole(u"auditors"_s);
    const Result<AccessRole> admins = m_core->connections->createRole(u"admins"_s);
    KEYSTEAD_VERIFY_OK(auditors);
    KEYSTEAD_VERIFY_OK(admins);
    const QString rolesOfA = kConnections + u'/' + a + u"/access_roles"_s;
    const QString rolesOfB = kConnections + u'/' + b + u"/access_roles"_s;

    QCOMPARE(call("GET", rolesOfA).json().array(), QJsonArray());
    const QDateTime grantedAt = m_core->clock.now();
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

void TestConnectionApi::readOnlyTokenMayReadButNotWrite()
{
    QVERIFY(start());
    const QString id = generate({.address = u"127.0.0.1"_s, .user = u"alice"_s});
    const QString one = kConnections + u'/' + id;
    QCOMPARE(call("GET", kConnections, QByteArray(), m_core->reader).status, 200);
    QCOMPARE(call("GET", one, QByteArray(), m_core->reader).status, 200);
    QCOMPARE(call("GET", kConnections + u"/tags"_s, QByteArray(), m_core->reader).status, 200);
    QCOMPARE(call("GET", one + u"/access_roles"_s, QByteArray(), m_core->reader).status, 200);
    const HttpReply searched
        = call("POST", kConnections + u"/search"_s, QByteArray(R"({"keywords": "alice"})"), m_core->reader);
    QCOMPARE(searched.status, 200);
    QCOMPARE(idsOf(searched.json().object()), QStringList{id});
    const HttpReply logSession = call("POST", one + u"/channel/0/log"_s, QByteArray(), m_core->reader);
    QCOMPARE(logSession.status, 201);
    const QString session = logSession.json().object().value(u"session_id"_s).toString();
    QCOMPARE(call("GET", one + u"/channel/0/log/"_s + session, QByteArray(), m_core->reader).status, 200);

    const HttpReply put = call("PUT", one + u"/tags"_s, QByteArray(R"(["mine"])"), m_core->reader);
    QCOMPARE(errorParameter(put, 403), QString());
    QCOMPARE(put.json().object().value(u"error"_s).toString(), u"FORBIDDEN"_s);
    QCOMPARE(put.json().object().value(u"details"_s).toObject().value(u"required_scope"_s).toString(), u"write"_s);
    QCOMPARE(call("GET", one, QByteArray(), m_core->reader).json().object().value(u"tags"_s).toArray(), QJsonArray());
    const Result<AccessRole> role = m_core->connections->createRole(u"auditors"_s);
    KEYSTEAD_VERIFY_OK(role);
    QCOMPARE(call("POST", one + u"/access_roles/"_s + role->id, QByteArray(), m_core->reader).status, 403);
    QCOMPARE(call("DELETE", kConnections + u"/access_roles/"_s + role->id, QByteArray(), m_core->reader).status, 403);
    QCOMPARE(call("POST", one + u"/terminate"_s, QByteArray(), m_core->reader).status, 403);
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
    const QJsonObject document = openApi();
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
