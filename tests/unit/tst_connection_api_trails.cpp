#include "ConnectionApiTest.h"
#include "TestTools.h"

#include "collect/CollectService.h"
#include "connections/ConnectionService.h"
#include "connections/TrailTimestamper.h"
#include "sshserver/CollectServer.h"
#include "store/Sql.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QUuid>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// Seed 003's connections over real HTTP, on every store backend: trails and
// their logs, terminating a live OpenSSH client, and the verification of the
// hash chain and its signed checkpoints.
class TestConnectionApiTrails final : public ConnectionApiTest
{
    Q_OBJECT

private Q_SLOTS:
    void logDownloadsInBothFormats_data() { backends(); }
    void logDownloadsInBothFormats();
    void trailFilesAreNotFound();
    void terminateOfAFinishedConnectionIs409_data() { backends(); }
    void terminateOfAFinishedConnectionIs409();
    void terminateEndsALiveClient_data() { backends(); }
    void terminateEndsALiveClient();
    void trailVerifies_data() { backends(); }
    void trailVerifies();
    void verifyCarriesSignedCheckpoints_data() { backends(); }
    void verifyCarriesSignedCheckpoints();
};

void TestConnectionApiTrails::logDownloadsInBothFormats()
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
    m_core->clock.advanceSeconds(4 * 60 + 59);
    QCOMPARE(call("GET", channel + u"/log/"_s + session).status, 200);
    m_core->clock.advanceSeconds(2);
    QCOMPARE(errorParameter(call("GET", channel + u"/log/"_s + session), 404), u"session_id"_s);
}

void TestConnectionApiTrails::trailFilesAreNotFound()
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

void TestConnectionApiTrails::terminateOfAFinishedConnectionIs409()
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
void TestConnectionApiTrails::terminateEndsALiveClient()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QTemporaryDir home;
    QTemporaryDir hostKeys;
    QVERIFY(home.isValid() && hostKeys.isValid());
    const QString keyPath = home.filePath(u"id_ed25519"_s);
    QVERIFY(runOk(u"ssh-keygen"_s, {u"-q"_s, u"-t"_s, u"ed25519"_s, u"-N"_s, QString(), u"-f"_s, keyPath}));

    // The composition's collect server reports to the connections and is ended through them.
    CollectService &collect = *m_core->collect;
    CollectServer &server = *m_core->collectServer;
    auto stopServer = qScopeGuard([&server] { server.stop(); });
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

    KEYSTEAD_VERIFY_OK(m_core->connections->flush());
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
    KEYSTEAD_VERIFY_OK(m_core->connections->flush());

    const QJsonObject record = call("GET", kConnections + u'/' + id).json().object();
    QCOMPARE(record.value(u"status"_s).toString(), u"DISCONNECTED"_s);
    QCOMPARE(record.value(u"force_disconnect"_s).toString(), m_core->clock.now().toString(Qt::ISODate));
    QCOMPARE(record.value(u"updated_by"_s).toString(), m_core->writerId);
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
    QCOMPARE(event.value(u"detail"_s).toObject().value(u"actor"_s).toObject().value(u"id"_s).toString(),
             m_core->writerId);
    QCOMPARE(call("GET", kConnections + u'/' + id + u"/trail/verify"_s).json().object().value(u"intact"_s),
             QJsonValue(true));
}

void TestConnectionApiTrails::trailVerifies()
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
    KEYSTEAD_VERIFY_OK(sql::exec(m_core->store->database().connection(),
                                 u"UPDATE trail_events SET data = ? WHERE connection_id = ? AND type = 'stdin'"_s,
                                 {QByteArray("n"), id}));
    const QJsonObject broken = call("GET", kConnections + u'/' + id + u"/trail/verify"_s).json().object();
    QCOMPARE(broken.value(u"intact"_s), QJsonValue(false));
    QCOMPARE(broken.value(u"broken_at_sequence"_s).toInteger(), 6);
    QVERIFY(!broken.value(u"message"_s).toString().isEmpty());
}

void TestConnectionApiTrails::verifyCarriesSignedCheckpoints()
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
    // Without a timestamper the key route says so in the family's shape.
    m_core->connectionController->setTimestamper(nullptr);
    QCOMPARE(errorParameter(call("GET", kTimestampingKey), 503), QString());
    m_core->connectionController->setTimestamper(m_core->trailTimestamper.get());
    TrailTimestamper &timestamper = *m_core->trailTimestamper;
    QTemporaryDir keyDir;
    QVERIFY(keyDir.isValid());

    // The public key, readable with a read-only token, fingerprinted as ssh-keygen does.
    const HttpReply keyReply = call("GET", kTimestampingKey, QByteArray(), m_core->reader);
    QCOMPARE(keyReply.status, 200);
    const QJsonObject key = keyReply.json().object();
    const QString publicKey = key.value(u"public_key"_s).toString();
    const QString fingerprint = key.value(u"fingerprint"_s).toString();
    QVERIFY2(publicKey.startsWith(u"ssh-ed25519 AAAA"_s), qPrintable(publicKey));
    const QString keyFile = keyDir.filePath(u"timestamping.pub"_s);
    QVERIFY(writeFile(keyFile, publicKey.toUtf8() + '\n'));
    const std::optional<QByteArray> listed = runOk(u"ssh-keygen"_s, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, keyFile});
    QVERIFY(listed);
    QCOMPARE(QString::fromUtf8(*listed).split(u' ').value(1), fingerprint);

    m_core->clock.advanceSeconds(5);
    const Result<int> made = timestamper.signNow();
    KEYSTEAD_VERIFY_OK(made);
    QCOMPARE(made.value(), 1);
    QJsonObject verified = call("GET", verifyPath).json().object();
    QCOMPARE(verified.value(u"intact"_s), QJsonValue(true));
    checkpoints = verified.value(u"checkpoints"_s).toObject();
    QCOMPARE(checkpoints.value(u"count"_s).toInteger(), 1);
    QCOMPARE(checkpoints.value(u"verified"_s).toInteger(), 1);
    QCOMPARE(checkpoints.value(u"last_signed_at"_s).toString(), m_core->clock.now().toString(Qt::ISODate));
    QVERIFY(checkpoints.value(u"first_failure"_s).isNull());
    QCOMPARE(checkpoints.value(u"key_fingerprints"_s).toArray(), QJsonArray{fingerprint});

    // A checkpoint whose signature was tampered with fails, named by its sequence.
    Database &database = m_core->store->database();
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

QTEST_GUILESS_MAIN(TestConnectionApiTrails)
#include "tst_connection_api_trails.moc"
