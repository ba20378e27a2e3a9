#include "TestDatabase.h"

#include "store/Sql.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <algorithm>
#include <csignal>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::TestDatabase;

namespace {

struct Finished
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

QString binary()
{
    return qEnvironmentVariable("KEYSTEAD_BINARY");
}

// The environment of a server with no desktop: no display, no Qt platform chosen.
QProcessEnvironment headlessEnvironment()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(u"DISPLAY"_s);
    environment.remove(u"WAYLAND_DISPLAY"_s);
    environment.remove(u"QT_QPA_PLATFORM"_s);
    environment.remove(u"KEYSTEAD_DATA_DIR"_s);
    return environment;
}

Finished run(const QStringList &arguments, const QProcessEnvironment &environment = headlessEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(binary(), arguments);
    Finished finished;
    if (!process.waitForFinished(60'000)) {
        process.kill();
        process.waitForFinished();
        return finished;
    }
    finished.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    finished.out = process.readAllStandardOutput();
    finished.err = process.readAllStandardError();
    return finished;
}

// curl is the client an operator's script would use.
struct CurlReply
{
    int status = 0;
    QByteArray contentType;
    QByteArray body;
    QByteArray headers;
};

CurlReply curl(const QStringList &arguments)
{
    QTemporaryDir dir;
    QProcess process;
    process.start(u"curl"_s,
                  QStringList{u"-sk"_s, u"--max-time"_s, u"20"_s, u"-o"_s, dir.filePath(u"body"_s), u"-D"_s,
                              dir.filePath(u"headers"_s), u"-w"_s, u"%{http_code} %{content_type}"_s}
                      + arguments);
    CurlReply reply;
    if (!process.waitForFinished(30'000))
        return reply;
    const QList<QByteArray> written = process.readAllStandardOutput().split(' ');
    reply.status = written.value(0).toInt();
    reply.contentType = written.value(1);
    QFile body(dir.filePath(u"body"_s));
    if (body.open(QIODevice::ReadOnly))
        reply.body = body.readAll();
    QFile headers(dir.filePath(u"headers"_s));
    if (headers.open(QIODevice::ReadOnly))
        reply.headers = headers.readAll();
    return reply;
}

// A running `keystead serve`, stopped with SIGTERM at the end.
class Server
{
public:
    explicit Server(const QStringList &arguments, const QProcessEnvironment &environment = headlessEnvironment())
    {
        m_process.setProcessEnvironment(environment);
        m_process.setReadChannel(QProcess::StandardError);
        m_process.start(binary(), QStringList{u"serve"_s, u"--api-listen"_s, u"127.0.0.1:0"_s} + arguments);
        QDeadlineTimer deadline(30'000);
        static const QRegularExpression listening(u"API listening on (https?://[0-9.]+:[0-9]+)"_s);
        while (!deadline.hasExpired() && m_process.state() != QProcess::NotRunning) {
            m_process.waitForReadyRead(200);
            m_log += m_process.readAllStandardError();
            const QRegularExpressionMatch match = listening.match(QString::fromUtf8(m_log));
            if (match.hasMatch()) {
                m_url = match.captured(1);
                return;
            }
        }
    }
    ~Server()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(10'000);
        }
    }
    QString url() const { return m_url; }
    quint16 port() const { return static_cast<quint16>(m_url.section(u':', -1).toUInt()); }
    // Sends the signal and waits; the exit code, or -1 when it did not stop in time.
    int stop(int signalNumber)
    {
        // Never kill(0, ...): with no process that would signal our own process group.
        const qint64 pid = m_process.processId();
        if (m_process.state() != QProcess::NotRunning && pid > 0)
            ::kill(static_cast<pid_t>(pid), signalNumber);
        if (m_process.state() != QProcess::NotRunning && !m_process.waitForFinished(15'000))
            return -1;
        m_log += m_process.readAllStandardError();
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }
    QByteArray log() const { return m_log; }
    // Reads the log until `needle` appears, `count` times; false when the time runs out.
    bool waitForLog(const QByteArray &needle, int count = 1, int timeoutMs = 15'000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (m_log.count(needle) < count && !deadline.hasExpired() && m_process.state() != QProcess::NotRunning) {
            m_process.waitForReadyRead(100);
            m_log += m_process.readAllStandardError();
        }
        return m_log.count(needle) >= count;
    }

private:
    QProcess m_process;
    QByteArray m_log;
    QString m_url;
};

} // namespace

class TestServe final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void versionAndHelp();
    void badUsageExitsTwo_data();
    void badUsageExitsTwo();
    void tokenCreatePrintsOnceAndStoresNoSecret();
    void servesAuthenticatedRequests_data();
    void servesAuthenticatedRequests();
    void stopsCleanlyOnSignals_data();
    void stopsCleanlyOnSignals();
    void refusesNewerDatabase();
    void busyPortFailsWithOneLine();
    void servesHttps();
    void dataDirFromEnvironment();
    void collectsKeysEndToEnd();
    void keyInventoryEndToEnd();
    void noVaultMeansNothingStored();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }
    QString makeToken(const QString &dataDir, const QString &database = {})
    {
        QStringList arguments{u"token"_s, u"create"_s, u"--name"_s, u"test"_s, u"--data-dir"_s, dataDir};
        if (!database.isEmpty())
            arguments << u"--database"_s << database;
        const Finished made = run(arguments);
        if (made.exitCode != 0)
            qWarning("token create failed: %s", made.err.constData());
        return QString::fromLatin1(made.out.trimmed());
    }
    ManualClock m_clock;
};

void TestServe::initTestCase()
{
    QVERIFY2(QFileInfo(binary()).isExecutable(), "KEYSTEAD_BINARY must name the built keystead");
    QVERIFY2(!QStandardPaths::findExecutable(u"curl"_s).isEmpty(), "curl is needed");
}

void TestServe::versionAndHelp()
{
    const Finished version = run({u"--version"_s});
    QCOMPARE(version.exitCode, 0);
    QCOMPARE(version.out.trimmed(), QByteArray("keystead " KEYSTEAD_VERSION));
    const Finished help = run({u"--help"_s});
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.contains("keystead serve"));
    QVERIFY(help.out.contains("keystead token create --name NAME"));
    const Finished serveHelp = run({u"serve"_s, u"--help"_s});
    QCOMPARE(serveHelp.exitCode, 0);
    for (const char *option :
         {"--data-dir", "--database", "--api-listen", "--collect-listen", "--tls-cert", "--tls-key"})
        QVERIFY2(serveHelp.out.contains(option), option);
}

void TestServe::badUsageExitsTwo_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("mentions");
    QTest::newRow("unknown serve flag") << QStringList{u"serve"_s, u"--bogus"_s} << QByteArray("bogus");
    QTest::newRow("bad api address") << QStringList{u"serve"_s, u"--api-listen"_s, u"nowhere"_s}
                                     << QByteArray("--api-listen");
    QTest::newRow("bad api port") << QStringList{u"serve"_s, u"--api-listen"_s, u"127.0.0.1:99999"_s}
                                  << QByteArray("port");
    QTest::newRow("bad collect address") << QStringList{u"serve"_s, u"--collect-listen"_s, u"x:y"_s}
                                         << QByteArray("--collect-listen");
    QTest::newRow("tls cert without key")
        << QStringList{u"serve"_s, u"--tls-cert"_s, u"/tmp/c.pem"_s} << QByteArray("--tls-key");
    QTest::newRow("serve argument") << QStringList{u"serve"_s, u"extra"_s} << QByteArray("extra");
    QTest::newRow("missing option value") << QStringList{u"serve"_s, u"--data-dir"_s} << QByteArray("data-dir");
    QTest::newRow("token without action") << QStringList{u"token"_s} << QByteArray("create");
    QTest::newRow("token create without name") << QStringList{u"token"_s, u"create"_s} << QByteArray("--name");
    QTest::newRow("token bad action") << QStringList{u"token"_s, u"steal"_s} << QByteArray("create");
    QTest::newRow("token unknown scope") << QStringList{u"token"_s, u"create"_s,  u"--name"_s,
                                                        u"x"_s,     u"--scope"_s, u"read,admin"_s}
                                         << QByteArray("admin");
    QTest::newRow("token list with scope")
        << QStringList{u"token"_s, u"list"_s, u"--scope"_s, u"read"_s} << QByteArray("--scope");
    QTest::newRow("window unknown flag") << QStringList{u"--bogus"_s} << QByteArray("bogus");
    QTest::newRow("window stray argument") << QStringList{u"frobnicate"_s} << QByteArray("frobnicate");
}

void TestServe::badUsageExitsTwo()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, mentions);
    QTemporaryDir dir;
    const Finished finished = run(arguments + QStringList{});
    QCOMPARE(finished.exitCode, 2);
    const QByteArray line = finished.err.trimmed();
    QVERIFY2(!line.isEmpty() && !line.contains('\n'), finished.err.constData());
    QVERIFY2(line.startsWith("keystead: "), line.constData());
    QVERIFY2(line.contains(mentions), line.constData());
}

void TestServe::tokenCreatePrintsOnceAndStoresNoSecret()
{
    QTemporaryDir dir;
    const Finished made = run({u"token"_s, u"create"_s, u"--name"_s, u"ci bot"_s, u"--data-dir"_s, dir.path()});
    QCOMPARE(made.exitCode, 0);
    const QByteArray secret = made.out.trimmed();
    QVERIFY2(QRegularExpression(u"^kst_[A-Za-z0-9_-]{43}$"_s).match(QString::fromLatin1(secret)).hasMatch(),
             secret.constData());
    QCOMPARE(made.out.count('\n'), 1); // the token and nothing else on stdout
    QVERIFY(!made.err.contains(secret));

    const Finished listed = run({u"token"_s, u"list"_s, u"--data-dir"_s, dir.path()});
    QCOMPARE(listed.exitCode, 0);
    QVERIFY(listed.out.contains("ci bot"));
    QVERIFY(!listed.out.contains(secret.mid(4)));

    // Nothing in the data folder holds the token in plain text.
    QDirIterator files(dir.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    int checked = 0;
    while (files.hasNext()) {
        QFile file(files.next());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY2(!file.readAll().contains(secret.mid(4)), qPrintable(file.fileName()));
        ++checked;
    }
    QVERIFY(checked >= 1);
    // The data folder is its owner's alone.
    QCOMPARE(QFileInfo(dir.path()).permissions() & (QFile::ReadGroup | QFile::ReadOther), QFileDevice::Permissions());
}

void TestServe::servesAuthenticatedRequests_data()
{
    backends();
}

void TestServe::servesAuthenticatedRequests()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    const QString database = store->url();
    store->closeConnections(); // the server owns the store now; it is dropped at the end of the test
    QTemporaryDir dir;
    const QString token = makeToken(dir.path(), database);
    QVERIFY(!token.isEmpty());

    Server server({u"--data-dir"_s, dir.path(), u"--database"_s, database});
    QVERIFY2(!server.url().isEmpty(), server.log().constData());
    const QString openApi = server.url() + u"/api/openapi.json"_s;

    const CurlReply withToken = curl({u"-H"_s, u"Authorization: Bearer "_s + token, openApi});
    QCOMPARE(withToken.status, 200);
    QVERIFY(QJsonDocument::fromJson(withToken.body).object().value(u"openapi"_s).toString().startsWith(u"3."_s));
    QCOMPARE(curl({u"-H"_s, u"x-api-key: "_s + token, openApi}).status, 200);

    const CurlReply without = curl({openApi});
    QCOMPARE(without.status, 401);
    QCOMPARE(without.contentType, QByteArray("application/problem+json"));
    QCOMPARE(QJsonDocument::fromJson(without.body).object().value(u"status"_s).toInt(), 401);

    const CurlReply wrongMethod = curl({u"-X"_s, u"DELETE"_s, u"-H"_s, u"Authorization: Bearer "_s + token, openApi});
    QCOMPARE(wrongMethod.status, 405);
    QVERIFY2(wrongMethod.headers.contains("Allow: GET"), wrongMethod.headers.constData());

    QTemporaryFile big;
    QVERIFY(big.open());
    big.write(QByteArray(2 * 1000 * 1000, 'a'));
    big.flush();
    const CurlReply tooLarge = curl({u"-X"_s, u"POST"_s, u"-H"_s, u"Authorization: Bearer "_s + token,
                                     u"--data-binary"_s, u"@"_s + big.fileName(), openApi});
    QCOMPARE(tooLarge.status, 413);
    QCOMPARE(tooLarge.contentType, QByteArray("application/problem+json"));

    const CurlReply health = curl({server.url() + u"/api/health"_s});
    QCOMPARE(health.status, 200);
    QCOMPARE(server.stop(SIGTERM), 0);
}

void TestServe::stopsCleanlyOnSignals_data()
{
    QTest::addColumn<int>("signalNumber");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT") << int(SIGINT);
}

void TestServe::stopsCleanlyOnSignals()
{
    QFETCH(int, signalNumber);
    QTemporaryDir dir;
    const QString token = makeToken(dir.path());
    Server server({u"--data-dir"_s, dir.path()});
    QVERIFY2(!server.url().isEmpty(), server.log().constData());
    QCOMPARE(curl({u"-H"_s, u"x-api-key: "_s + token, server.url() + u"/api/openapi.json"_s}).status, 200);
    QCOMPARE(server.stop(signalNumber), 0);
    QVERIFY2(server.log().contains("stopped"), server.log().constData());
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY2(!socket.waitForConnected(2000), "the listener must be closed");
    // The store was closed properly: SQLite folded its journal back and removed it.
    QVERIFY(!QFile::exists(dir.filePath(u"keystead.sqlite-wal"_s)));
    QVERIFY(!server.log().contains(token.toLatin1()));
}

void TestServe::refusesNewerDatabase()
{
    QTemporaryDir dir;
    QVERIFY(!makeToken(dir.path()).isEmpty());
    {
        DatabaseConfig config;
        config.sqliteFile = dir.filePath(u"keystead.sqlite"_s);
        Result<std::unique_ptr<Database>> database = Database::open(config, m_clock);
        KEYSTEAD_VERIFY_OK(database);
        KEYSTEAD_VERIFY_OK(
            sql::exec(database.value()->connection(),
                      u"INSERT INTO schema_version (version, description, applied_at) VALUES (999, 'future', 'x')"_s));
    }
    Server server({u"--data-dir"_s, dir.path()});
    QVERIFY(server.url().isEmpty());
    QCOMPARE(server.stop(SIGTERM), 1);
    QVERIFY2(server.log().contains("schema version 999, newer than this Keystead knows"), server.log().constData());
}

void TestServe::busyPortFailsWithOneLine()
{
    QTcpServer occupier;
    QVERIFY(occupier.listen(QHostAddress::LocalHost, 0));
    QTemporaryDir dir;
    const Finished finished = run(
        {u"serve"_s, u"--data-dir"_s, dir.path(), u"--api-listen"_s, u"127.0.0.1:%1"_s.arg(occupier.serverPort())});
    QCOMPARE(finished.exitCode, 1);
    QVERIFY2(finished.err.contains("cannot listen on 127.0.0.1:"), finished.err.constData());
}

void TestServe::servesHttps()
{
    QTemporaryDir dir;
    QProcess openssl;
    openssl.start(u"openssl"_s,
                  {u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s, u"-days"_s, u"2"_s, u"-subj"_s,
                   u"/CN=127.0.0.1"_s, u"-keyout"_s, dir.filePath(u"key.pem"_s), u"-out"_s,
                   dir.filePath(u"cert.pem"_s)});
    QVERIFY(openssl.waitForFinished(60'000));
    QCOMPARE(openssl.exitCode(), 0);
    const QString token = makeToken(dir.path());
    Server server({u"--data-dir"_s, dir.path(), u"--tls-cert"_s, dir.filePath(u"cert.pem"_s), u"--tls-key"_s,
                   dir.filePath(u"key.pem"_s)});
    QVERIFY2(server.url().startsWith(u"https://"_s), server.log().constData());
    const CurlReply reply = curl({u"--cacert"_s, dir.filePath(u"cert.pem"_s), u"-H"_s, u"x-api-key: "_s + token,
                                  server.url() + u"/api/openapi.json"_s});
    QCOMPARE(reply.status, 200);
    QCOMPARE(server.stop(SIGTERM), 0);
}

void TestServe::dataDirFromEnvironment()
{
    QTemporaryDir dir;
    QProcessEnvironment environment = headlessEnvironment();
    environment.insert(u"KEYSTEAD_DATA_DIR"_s, dir.filePath(u"from-env"_s));
    const Finished made = run({u"token"_s, u"create"_s, u"--name"_s, u"env"_s}, environment);
    QCOMPARE(made.exitCode, 0);
    QVERIFY(QFile::exists(dir.filePath(u"from-env/keystead.sqlite"_s)));
}

void TestServe::collectsKeysEndToEnd()
{
    // The operator's whole flow with real tools only: curl creates a session,
    // OpenSSH's ssh hands over two keys, curl reads them back.
    QTemporaryDir dir;
    const QString token = makeToken(dir.path());
    Server server({u"--data-dir"_s, dir.path(), u"--collect-listen"_s, u"127.0.0.1:0"_s});
    QVERIFY2(!server.url().isEmpty(), server.log().constData());
    QVERIFY2(server.waitForLog("collect server host key ", 3), server.log().constData());
    static const QRegularExpression collectLine(u"collect server listening on 127.0.0.1:([0-9]+)"_s);
    QRegularExpressionMatch listening = collectLine.match(QString::fromUtf8(server.log()));
    QVERIFY2(listening.hasMatch(), server.log().constData());
    const QString sshPort = listening.captured(1);
    QCOMPARE(server.log().count("collect server host key "), 3);

    const CurlReply created
        = curl({u"-H"_s, u"x-api-key: "_s + token, u"-H"_s, u"Content-Type: application/json"_s, u"-d"_s,
                uR"({"multi_key":true,"ssh_message":"all done"})"_s, server.url() + u"/api/v1/ssh/collect/sessions"_s});
    QCOMPARE(created.status, 201);
    const QJsonObject session = QJsonDocument::fromJson(created.body).object();
    const QString identifier = session.value(u"connection_identifier"_s).toString();
    QVERIFY(!identifier.isEmpty());

    QStringList fingerprints;
    QStringList identities;
    for (const QString &type : {u"ed25519"_s, u"ecdsa"_s}) {
        const QString file = dir.filePath(u"id_"_s + type);
        QCOMPARE(QProcess::execute(u"ssh-keygen"_s, {u"-q"_s, u"-t"_s, type, u"-N"_s, QString(), u"-f"_s, file}), 0);
        QProcess print;
        print.start(u"ssh-keygen"_s, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, file + u".pub"_s});
        QVERIFY(print.waitForFinished(10'000));
        fingerprints << QString::fromLatin1(print.readAllStandardOutput().split(' ').value(1));
        identities << u"-i"_s << file;
    }
    QProcess ssh;
    QProcessEnvironment environment = headlessEnvironment();
    environment.insert(u"HOME"_s, dir.path());
    ssh.setProcessEnvironment(environment);
    ssh.start(u"ssh"_s,
              QStringList{u"-F"_s, u"none"_s, u"-o"_s, u"StrictHostKeyChecking=no"_s, u"-o"_s,
                          u"UserKnownHostsFile=/dev/null"_s, u"-o"_s, u"IdentitiesOnly=yes"_s, u"-o"_s,
                          u"BatchMode=yes"_s, u"-p"_s, sshPort}
                  + identities + QStringList{identifier + u"@127.0.0.1"_s});
    QVERIFY(ssh.waitForFinished(30'000));
    const QByteArray output = ssh.readAllStandardOutput();
    QCOMPARE(ssh.exitCode(), 0);
    QVERIFY2(output.contains("all done"), output.constData());

    const CurlReply read
        = curl({u"-H"_s, u"x-api-key: "_s + token,
                server.url() + u"/api/v1/ssh/collect/sessions/"_s + session.value(u"id"_s).toString()});
    QCOMPARE(read.status, 200);
    const QJsonObject after = QJsonDocument::fromJson(read.body).object();
    QCOMPARE(after.value(u"status"_s).toString(), u"completed"_s);
    QStringList collected;
    for (const QJsonValue &connection : after.value(u"connections"_s).toArray()) {
        for (const QJsonValue &key : connection.toObject().value(u"keys"_s).toArray())
            collected << key.toObject().value(u"public_key_sha256"_s).toString();
    }
    collected.sort();
    fingerprints.sort();
    QCOMPARE(collected, fingerprints);
    QCOMPARE(server.stop(SIGTERM), 0);
}

namespace {

// A token made by the command line with the given scopes; empty when that failed.
QString scopedToken(const QString &dataDir, const QString &name, const QString &scopes,
                    const QProcessEnvironment &environment)
{
    const Finished made = run(
        {u"token"_s, u"create"_s, u"--name"_s, name, u"--scope"_s, scopes, u"--data-dir"_s, dataDir}, environment);
    if (made.exitCode != 0)
        qWarning("token create failed: %s", made.err.constData());
    return QString::fromLatin1(made.out.trimmed());
}

QStringList jsonPost(const QString &token, const QJsonObject &body)
{
    return {u"-H"_s, u"Authorization: Bearer "_s + token,
            u"-H"_s, u"Content-Type: application/json"_s,
            u"-d"_s, QString::fromUtf8(QJsonDocument(body).toJson(QJsonDocument::Compact))};
}

} // namespace

void TestServe::keyInventoryEndToEnd()
{
    // An operator's script with real tools only: tokens with scopes from the
    // command line, a key pair from ssh-keygen, curl against `keystead serve`,
    // and the vault's master key in KEYSTEAD_MASTER_KEY_FILE.
    QTemporaryDir dir;
    QProcessEnvironment environment = headlessEnvironment();
    environment.insert(u"KEYSTEAD_MASTER_KEY_FILE"_s, dir.filePath(u"master.key"_s));
    const QString writer = scopedToken(dir.path(), u"writer"_s, u"read,write"_s, environment);
    const QString reader = scopedToken(dir.path(), u"reader"_s, u"read"_s, environment);
    const QString auditor = scopedToken(dir.path(), u"auditor"_s, u"read,reveal"_s, environment);
    QVERIFY(!writer.isEmpty() && !reader.isEmpty() && !auditor.isEmpty());
    const Finished listed = run({u"token"_s, u"list"_s, u"--data-dir"_s, dir.path()}, environment);
    QCOMPARE(listed.exitCode, 0);
    QVERIFY2(listed.out.contains("auditor") && listed.out.contains("read,reveal"), listed.out.constData());

    const QByteArray password = "correct horse battery";
    const QString keyFile = dir.filePath(u"deploy"_s);
    QCOMPARE(QProcess::execute(u"ssh-keygen"_s,
                               {u"-q"_s, u"-t"_s, u"ecdsa"_s, u"-b"_s, u"384"_s, u"-N"_s, QString::fromLatin1(password),
                                u"-C"_s, u"deploy@ci"_s, u"-f"_s, keyFile}),
             0);
    QFile privateFile(keyFile);
    QVERIFY(privateFile.open(QIODevice::ReadOnly));
    const QByteArray privateKey = privateFile.readAll();
    QFile publicFile(keyFile + u".pub"_s);
    QVERIFY(publicFile.open(QIODevice::ReadOnly));
    const QString publicKey = QString::fromLatin1(publicFile.readAll()).trimmed();
    QProcess print;
    print.start(u"ssh-keygen"_s, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, keyFile + u".pub"_s});
    QVERIFY(print.waitForFinished(10'000));
    const QString fingerprint = QString::fromLatin1(print.readAllStandardOutput().split(' ').value(1));

    Server server({u"--data-dir"_s, dir.path()}, environment);
    QVERIFY2(!server.url().isEmpty(), server.log().constData());
    const QString keys = server.url() + u"/api/pam/key"_s;
    const QJsonObject body{{u"identifier"_s, u"deploy-key"_s},
                           {u"ip"_s, u"10.0.0.5"_s},
                           {u"hostname"_s, u"web1"_s},
                           {u"private_key"_s, QString::fromLatin1(privateKey)},
                           {u"public_key"_s, publicKey},
                           {u"password"_s, QString::fromLatin1(password)},
                           {u"devices"_s, QJsonArray{QJsonObject{{u"hostname"_s, u"nowhere"_s}}}}};

    // A read-only token may not write: the seed's 1039, nothing stored.
    const CurlReply refused = curl(jsonPost(reader, body) + QStringList{keys});
    QCOMPARE(refused.status, 403);
    QCOMPARE(
        QJsonDocument::fromJson(refused.body).object().value(u"response"_s).toObject().value(u"error_code"_s).toInt(),
        1039);

    const CurlReply created = curl(jsonPost(writer, body) + QStringList{keys});
    QCOMPARE(created.status, 201);
    const QJsonObject createdKey = QJsonDocument::fromJson(created.body).object().value(u"key"_s).toObject();
    QCOMPARE(createdKey.value(u"identifier"_s).toString(), u"deploy-key"_s);
    QCOMPARE(createdKey.value(u"devices_error"_s).toArray().size(), 1);

    const CurlReply shown = curl({u"-H"_s, u"x-api-key: "_s + reader, keys + u"/deploy-key"_s});
    QCOMPARE(shown.status, 200);
    const QJsonObject key = QJsonDocument::fromJson(shown.body).object().value(u"key"_s).toObject();
    QCOMPARE(key.value(u"fingerprint_sha256"_s).toString(), fingerprint);
    QVERIFY(key.value(u"has_private_key"_s).toBool());
    QVERIFY(!shown.body.contains("PRIVATE KEY"));
    QVERIFY(!shown.body.contains(password));

    // Revealing needs the reveal scope.
    QCOMPARE(curl({u"-H"_s, u"x-api-key: "_s + writer, keys + u"/deploy-key/secret"_s}).status, 403);
    const CurlReply revealed = curl({u"-H"_s, u"x-api-key: "_s + auditor, keys + u"/deploy-key/secret"_s});
    QCOMPARE(revealed.status, 200);
    const QJsonObject secrets = QJsonDocument::fromJson(revealed.body).object().value(u"key"_s).toObject();
    QCOMPARE(secrets.value(u"private_key"_s).toString().toLatin1(), privateKey);
    QCOMPARE(secrets.value(u"password"_s).toString().toLatin1(), password);
    QCOMPARE(server.stop(SIGTERM), 0);

    // Neither the log nor any file of the data folder holds the private key's body or the password.
    // openssh-key-v1 carries the public key in clear near its start: lines that
    // are only public key material may be stored (the public key is), the rest may not.
    const QByteArray publicBase64 = publicKey.section(u' ', 1, 1).toLatin1();
    QList<QByteArray> bodyLines;
    for (const QByteArray &line : privateKey.split('\n')) {
        if (line.size() > 20 && !line.startsWith("-----") && !publicBase64.contains(line.mid(4, line.size() - 8)))
            bodyLines.append(line);
    }
    QVERIFY(bodyLines.size() >= 3);
    const auto holdsSecret = [&](const QByteArray &bytes) {
        return bytes.contains(password) || std::any_of(bodyLines.cbegin(), bodyLines.cend(), [&](const QByteArray &l) {
                   return bytes.contains(l);
               });
    };
    QVERIFY(!holdsSecret(server.log()));
    QDirIterator files(dir.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    int checked = 0;
    while (files.hasNext()) {
        const QString path = files.next();
        if (path == keyFile)
            continue; // ssh-keygen's own file
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY2(!holdsSecret(file.readAll()), qPrintable(path));
        ++checked;
    }
    QVERIFY(checked >= 2);
    // The master key file is its owner's alone.
    QCOMPARE(QFileInfo(dir.filePath(u"master.key"_s)).permissions()
                 & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
             QFileDevice::Permissions());
}

void TestServe::noVaultMeansNothingStored()
{
    // No keychain (no session bus) and no KEYSTEAD_MASTER_KEY_FILE: storing a
    // private key fails with a clear error and writes nothing; there is no plain-text fallback.
    QTemporaryDir dir;
    QProcessEnvironment environment = headlessEnvironment();
    environment.remove(u"KEYSTEAD_MASTER_KEY_FILE"_s);
    environment.remove(u"DBUS_SESSION_BUS_ADDRESS"_s);
    environment.insert(u"DBUS_SESSION_BUS_ADDRESS"_s, u"unix:path=/nonexistent/keystead-test-bus"_s);
    const QString writer = scopedToken(dir.path(), u"writer"_s, u"read,write"_s, environment);
    QVERIFY(!writer.isEmpty());
    const QString keyFile = dir.filePath(u"k"_s);
    QCOMPARE(QProcess::execute(u"ssh-keygen"_s, {u"-q"_s, u"-t"_s, u"ed25519"_s, u"-N"_s, QString(), u"-f"_s, keyFile}),
             0);
    QFile privateFile(keyFile);
    QVERIFY(privateFile.open(QIODevice::ReadOnly));
    QFile publicFile(keyFile + u".pub"_s);
    QVERIFY(publicFile.open(QIODevice::ReadOnly));

    Server server({u"--data-dir"_s, dir.path()}, environment);
    QVERIFY2(!server.url().isEmpty(), server.log().constData());
    const QString keys = server.url() + u"/api/pam/key"_s;
    const QJsonObject body{{u"ip"_s, u"10.0.0.9"_s},
                           {u"hostname"_s, u"db1"_s},
                           {u"private_key"_s, QString::fromLatin1(privateFile.readAll())},
                           {u"public_key"_s, QString::fromLatin1(publicFile.readAll()).trimmed()}};
    const CurlReply refused = curl(jsonPost(writer, body) + QStringList{keys});
    QCOMPARE(refused.status, 503);
    const QJsonObject response = QJsonDocument::fromJson(refused.body).object().value(u"response"_s).toObject();
    QCOMPARE(response.value(u"error_code"_s).toInt(), 1050);
    QVERIFY2(response.value(u"message"_s).toString().contains(u"KEYSTEAD_MASTER_KEY_FILE"_s)
                 || response.value(u"detail"_s).toString().contains(u"KEYSTEAD_MASTER_KEY_FILE"_s),
             refused.body.constData());
    const CurlReply listed = curl({u"-H"_s, u"x-api-key: "_s + writer, keys});
    QCOMPARE(listed.status, 200);
    QCOMPARE(QJsonDocument::fromJson(listed.body).object().value(u"keys"_s).toArray().size(), 0);
    QCOMPARE(server.stop(SIGTERM), 0);
}

QTEST_GUILESS_MAIN(TestServe)
#include "tst_serve.moc"
