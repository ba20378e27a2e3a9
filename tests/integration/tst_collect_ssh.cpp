// The SSH collect server against the real OpenSSH client (ssh, ssh-keygen,
// ssh-agent, ssh-keyscan) on 127.0.0.1, and against hostile raw sockets.

#include "TestDatabase.h"
#include "TestProcess.h"

#include "collect/CollectService.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "collect/WebhookSigner.h"
#include "sshserver/CollectGate.h"
#include "sshserver/CollectServer.h"

#include <QDeadlineTimer>
#include <QMutex>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QtTest>

#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::TestDatabase;

namespace {

constexpr int kProcessTimeoutMs = 60'000;

// The collect sessions, in memory: what the server reports, as it reports it.
class RecordingGate final : public CollectGate
{
public:
    struct Connection
    {
        QString id;
        QString sessionId;
        QString ipAddress;
        QString clientVersion;
        QList<SshPublicKey> keys;
        QList<ConnectionOutcome> outcomes; // each connectionClosed call
    };

    void addSession(const OpenCollectSession &session)
    {
        QMutexLocker lock(&m_mutex);
        m_sessions.insert(session.connectionIdentifier, session);
    }
    void setRejectKeys(bool reject)
    {
        QMutexLocker lock(&m_mutex);
        m_rejectKeys = reject;
    }
    QList<Connection> connections() const
    {
        QMutexLocker lock(&m_mutex);
        return m_connections;
    }
    QStringList lookups() const
    {
        QMutexLocker lock(&m_mutex);
        return m_lookups;
    }
    // Whether the newest connection was reported closed.
    bool hasClosedConnection() const
    {
        QMutexLocker lock(&m_mutex);
        return !m_connections.isEmpty() && !m_connections.constLast().outcomes.isEmpty();
    }

    std::optional<OpenCollectSession> openSession(const QString &connectionIdentifier) override
    {
        QMutexLocker lock(&m_mutex);
        m_lookups.append(connectionIdentifier);
        const auto found = m_sessions.constFind(connectionIdentifier);
        if (found == m_sessions.constEnd())
            return std::nullopt;
        return found.value();
    }
    Result<QString> connectionOpened(const QString &sessionId, const QString &ipAddress,
                                     const QString &clientVersion) override
    {
        QMutexLocker lock(&m_mutex);
        Connection connection;
        connection.id = u"connection-%1"_s.arg(m_connections.size() + 1);
        connection.sessionId = sessionId;
        connection.ipAddress = ipAddress;
        connection.clientVersion = clientVersion;
        m_connections.append(connection);
        return connection.id;
    }
    Status keyProven(const QString &connectionId, const SshPublicKey &key) override
    {
        QMutexLocker lock(&m_mutex);
        if (m_rejectKeys)
            return Error::conflict(u"the session is completed"_s);
        Connection *connection = find(connectionId);
        if (!connection)
            return Error::notFound(u"no such connection"_s);
        connection->keys.append(key);
        return {};
    }
    Status connectionClosed(const QString &connectionId, ConnectionOutcome outcome) override
    {
        QMutexLocker lock(&m_mutex);
        Connection *connection = find(connectionId);
        if (!connection)
            return Error::notFound(u"no such connection"_s);
        connection->outcomes.append(outcome);
        return {};
    }

private:
    Connection *find(const QString &id)
    {
        for (Connection &connection : m_connections) {
            if (connection.id == id)
                return &connection;
        }
        return nullptr;
    }

    mutable QMutex m_mutex;
    QHash<QString, OpenCollectSession> m_sessions;
    QList<Connection> m_connections;
    QStringList m_lookups;
    bool m_rejectKeys = false;
};

using keystead::test::Finished;
using keystead::test::runProcess;

// A child on a pseudo-terminal, driven like a person at a keyboard.
class PtyProcess
{
public:
    PtyProcess() = default;
    PtyProcess(const PtyProcess &) = delete;
    PtyProcess &operator=(const PtyProcess &) = delete;
    ~PtyProcess()
    {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
        if (m_master >= 0)
            ::close(m_master);
    }

    bool start(const QString &program, const QStringList &arguments, const QProcessEnvironment &environment)
    {
        // Everything the child needs is built before fork: after it, only exec.
        std::vector<QByteArray> store;
        store.push_back(QFile::encodeName(QStandardPaths::findExecutable(program)));
        for (const QString &argument : arguments)
            store.push_back(argument.toLocal8Bit());
        const qsizetype argumentCount = qsizetype(store.size());
        for (const QString &variable : environment.toStringList())
            store.push_back(variable.toLocal8Bit());
        std::vector<char *> argv;
        std::vector<char *> envp;
        for (qsizetype i = 0; i < qsizetype(store.size()); ++i)
            (i < argumentCount ? argv : envp).push_back(store[size_t(i)].data());
        argv.push_back(nullptr);
        envp.push_back(nullptr);

        winsize size = {};
        size.ws_row = 24;
        size.ws_col = 100;
        m_pid = ::forkpty(&m_master, nullptr, nullptr, &size);
        if (m_pid < 0)
            return false;
        if (m_pid == 0) {
            ::execve(argv[0], argv.data(), envp.data());
            ::_exit(127);
        }
        ::fcntl(m_master, F_SETFL, ::fcntl(m_master, F_GETFL) | O_NONBLOCK);
        return true;
    }

    // Reads until `needle` shows up; false if the deadline passes or the output ends first.
    bool waitFor(const QByteArray &needle, QDeadlineTimer deadline)
    {
        while (!m_output.contains(needle)) {
            if (!readSome(deadline))
                return m_output.contains(needle);
        }
        return true;
    }

    bool write(const QByteArray &bytes)
    {
        return ::write(m_master, bytes.constData(), size_t(bytes.size())) == ssize_t(bytes.size());
    }

    // The exit code, or -1 if it did not end by the deadline.
    int waitForExit(QDeadlineTimer deadline)
    {
        while (!deadline.hasExpired()) {
            readSome(QDeadlineTimer(50));
            int status = 0;
            const pid_t ended = ::waitpid(m_pid, &status, WNOHANG);
            if (ended == m_pid) {
                m_pid = -1;
                while (readSome(QDeadlineTimer(50))) { }
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
        }
        return -1;
    }

    QByteArray output() const { return m_output; }

private:
    bool readSome(QDeadlineTimer deadline)
    {
        do {
            pollfd watched = {m_master, POLLIN, 0};
            const int ready = ::poll(&watched, 1, int(qBound(qint64(0), deadline.remainingTime(), qint64(100))));
            if (ready > 0) {
                char buffer[4096];
                const ssize_t got = ::read(m_master, buffer, sizeof buffer);
                if (got > 0) {
                    m_output.append(buffer, qsizetype(got));
                    return true;
                }
                return false; // EIO: the child closed the terminal
            }
        } while (!deadline.hasExpired());
        return false;
    }

    pid_t m_pid = -1;
    int m_master = -1;
    QByteArray m_output;
};

struct KeyFile
{
    QString path; // private key; the public one is path + ".pub"
    QString label;
    QByteArray blob; // from the .pub file
    QString fingerprint; // from ssh-keygen -l -E sha256
};

QString keyFingerprint(const QString &publicKeyPath)
{
    const Finished listed = runProcess(u"ssh-keygen"_s, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, publicKeyPath});
    return QString::fromLatin1(listed.out.split(' ').value(1));
}

std::optional<KeyFile> makeKey(const QString &directory, const QString &name, const QStringList &typeArguments,
                               const QString &label)
{
    KeyFile key;
    key.path = QDir(directory).filePath(name);
    key.label = label;
    const Finished made = runProcess(
        u"ssh-keygen"_s, QStringList{u"-q"_s, u"-N"_s, QString(), u"-C"_s, name, u"-f"_s, key.path} + typeArguments);
    if (made.exitCode != 0)
        return std::nullopt;
    QFile publicFile(key.path + u".pub"_s);
    if (!publicFile.open(QIODevice::ReadOnly))
        return std::nullopt;
    key.blob = QByteArray::fromBase64(publicFile.readAll().split(' ').value(1));
    key.fingerprint = keyFingerprint(key.path + u".pub"_s);
    if (key.blob.isEmpty() || !key.fingerprint.startsWith(u"SHA256:"_s))
        return std::nullopt;
    return key;
}

QByteArray outcomeName(ConnectionOutcome outcome)
{
    switch (outcome) {
    case ConnectionOutcome::Kept: return "Kept";
    case ConnectionOutcome::Declined: return "Declined";
    case ConnectionOutcome::Abandoned: return "Abandoned";
    }
    return "?";
}

QSet<QByteArray> blobsOf(const QList<SshPublicKey> &keys)
{
    QSet<QByteArray> blobs;
    for (const SshPublicKey &key : keys)
        blobs.insert(key.blob());
    return blobs;
}

} // namespace

class TestCollectSsh final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void hostKeysAreMadeOnceAndKept();
    void refusesHostKeyReadableByOthers();
    void collectsEveryKeyWithProof_data();
    void collectsEveryKeyWithProof();
    void multiKeyFalseKeepsTheFirst();
    void manyClientsAtOnce();
    void confirmsThroughARealTerminal_data();
    void confirmsThroughARealTerminal();
    void confirmsWithoutTerminal_data();
    void confirmsWithoutTerminal();
    void clientGoingAwayAtThePromptIsAbandoned();
    void stoppingTheServerAbandonsOpenDialogs();
    void unknownIdentifierRecordsNothing();
    void connectionWithoutKeysRecordsNoKey_data();
    void connectionWithoutKeysRecordsNoKey();
    void unsignedOfferIsNeverRecorded();
    void idleTimeoutEndsAWaitingDialog();
    void tooManyAttemptsAreCutOff();
    void sessionClosingMeanwhileIsToldToTheUser();
    void commandsAreNeverRun();
    void forwardingAndSubsystemsAreRefused_data();
    void forwardingAndSubsystemsAreRefused();
    void hundredKeysStayUnderTheCap();
    void garbageInsteadOfVersionLine();
    void silentClientIsCutOffByLoginGrace();
    void malformedPacketsAreSurvived();
    void unauthenticatedConnectionsAreCapped();
    void acceptingResumesAfterRunningOutOfDescriptors();

    // With the real session service and store.
    void collectsIntoTheStore_data() { backends(); }
    void collectsIntoTheStore();
    void declinedAndExpiredSessionsInTheStore_data() { backends(); }
    void declinedAndExpiredSessionsInTheStore();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }
    OpenCollectSession session(const QString &identifier, bool multiKey = true, bool mustConfirm = false) const
    {
        OpenCollectSession open;
        open.id = u"session-"_s + identifier;
        open.connectionIdentifier = identifier;
        open.multiKey = multiKey;
        open.mustConfirm = mustConfirm;
        open.sshBanner = u"Welcome to the Keystead key collection"_s;
        open.sshMessage = u"All done, thank you"_s;
        return open;
    }
    Status startServer()
    {
        m_server = std::make_unique<CollectServer>(*m_gate);
        return m_server->start(m_config);
    }
    QProcessEnvironment clientEnvironment(const QString &agentSocket = {}) const
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(u"HOME"_s, m_home.path());
        environment.remove(u"SSH_AUTH_SOCK"_s);
        environment.remove(u"SSH_AGENT_PID"_s);
        environment.remove(u"DISPLAY"_s);
        environment.remove(u"SSH_ASKPASS"_s);
        if (!agentSocket.isEmpty())
            environment.insert(u"SSH_AUTH_SOCK"_s, agentSocket);
        return environment;
    }
    QStringList sshArguments(const QString &user, const QList<KeyFile> &keys, const QStringList &extra = {},
                             const QStringList &command = {}) const
    {
        QStringList arguments{u"-F"_s, u"none"_s,
                              u"-p"_s, QString::number(m_server->boundPort()),
                              u"-o"_s, u"StrictHostKeyChecking=no"_s,
                              u"-o"_s, u"UserKnownHostsFile=/dev/null"_s,
                              u"-o"_s, u"ConnectTimeout=20"_s};
        if (!keys.isEmpty())
            arguments << u"-o"_s << u"IdentitiesOnly=yes"_s;
        for (const KeyFile &key : keys)
            arguments << u"-i"_s << key.path;
        return arguments + extra + QStringList{user + u"@127.0.0.1"_s} + command;
    }
    Finished ssh(const QString &user, const QList<KeyFile> &keys, const QStringList &extra = {},
                 const QByteArray &input = {}, const QStringList &command = {}) const
    {
        return runProcess(u"ssh"_s, sshArguments(user, keys, extra, command), clientEnvironment(), input);
    }
    // Waits until the server closed the (single) connection the test made.
    bool waitForClosedConnection() const
    {
        const QDeadlineTimer deadline(30'000);
        while (!deadline.hasExpired()) {
            if (m_gate->hasClosedConnection() && m_server->connectionCount() == 0)
                return true;
            QTest::qWait(20);
        }
        return false;
    }
    bool waitForNoConnection() const
    {
        const QDeadlineTimer deadline(30'000);
        while (!deadline.hasExpired() && m_server->connectionCount() != 0)
            QTest::qWait(20);
        return m_server->connectionCount() == 0;
    }
    // 100 Ed25519 keys (OpenSSH's limit of identity files), made once.
    QList<KeyFile> manyKeys()
    {
        if (m_manyKeys.isEmpty()) {
            for (int i = 0; i < 100; ++i) {
                const std::optional<KeyFile> key
                    = makeKey(m_keysDir.path(), u"many%1"_s.arg(i), {u"-t"_s, u"ed25519"_s}, u"ED25519"_s);
                if (!key)
                    return {};
                m_manyKeys.append(*key);
            }
        }
        return m_manyKeys;
    }
    // A real collection after a hostile client: the server still serves.
    void verifyStillServes()
    {
        const QList<RecordingGate::Connection> before = m_gate->connections();
        m_gate->addSession(session(u"afterwards"_s));
        const Finished done = ssh(u"afterwards"_s, {m_keys.at(0)}, {u"-o"_s, u"BatchMode=yes"_s});
        QVERIFY2(done.exitCode == 0, done.err.constData());
        QVERIFY(waitForClosedConnection());
        const QList<RecordingGate::Connection> after = m_gate->connections();
        QCOMPARE(after.size(), before.size() + 1);
        QCOMPARE(after.constLast().keys.size(), 1);
    }

    QTemporaryDir m_home;
    QTemporaryDir m_keysDir;
    QList<KeyFile> m_keys; // ed25519, ecdsa, rsa
    QList<KeyFile> m_manyKeys;
    std::unique_ptr<QTemporaryDir> m_dataDir;
    std::unique_ptr<RecordingGate> m_gate;
    CollectServerConfig m_config;
    std::unique_ptr<CollectServer> m_server;
    ManualClock m_clock;
};

void TestCollectSsh::initTestCase()
{
    for (const QString &tool : {u"ssh"_s, u"ssh-keygen"_s, u"ssh-agent"_s, u"ssh-add"_s, u"ssh-keyscan"_s})
        QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(), qPrintable(tool + u" is needed"_s));
    QVERIFY(m_home.isValid() && m_keysDir.isValid());
    const std::optional<KeyFile> ed25519
        = makeKey(m_keysDir.path(), u"ed25519"_s, {u"-t"_s, u"ed25519"_s}, u"ED25519"_s);
    const std::optional<KeyFile> ecdsa
        = makeKey(m_keysDir.path(), u"ecdsa"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"256"_s}, u"ECDSA"_s);
    const std::optional<KeyFile> rsa
        = makeKey(m_keysDir.path(), u"rsa"_s, {u"-t"_s, u"rsa"_s, u"-b"_s, u"3072"_s}, u"RSA"_s);
    QVERIFY(ed25519 && ecdsa && rsa);
    m_keys = {*ed25519, *ecdsa, *rsa};
}

void TestCollectSsh::init()
{
    m_dataDir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dataDir->isValid());
    m_gate = std::make_unique<RecordingGate>();
    m_config = CollectServerConfig();
    m_config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    m_config.dataDir = m_dataDir->path();
}

void TestCollectSsh::cleanup()
{
    m_server.reset();
    m_gate.reset();
    m_dataDir.reset();
}

void TestCollectSsh::hostKeysAreMadeOnceAndKept()
{
    KEYSTEAD_VERIFY_OK(startServer());
    QCOMPARE(m_server->state(), CollectServer::State::Running);
    QVERIFY(m_server->boundPort() != 0);
    const QList<HostKeyFingerprint> first = m_server->hostKeyFingerprints();
    QCOMPARE(first.size(), 3);
    QCOMPARE(first.at(0).typeLabel, u"ED25519"_s);
    QCOMPARE(first.at(1).typeLabel, u"ECDSA"_s);
    QCOMPARE(first.at(2).typeLabel, u"RSA"_s);
    QCOMPARE(first.at(2).bits, 3072);

    const QDir keyDir(m_config.hostKeyDir());
    for (const QString &type : {u"ed25519"_s, u"ecdsa"_s, u"rsa"_s}) {
        const QString path = keyDir.filePath(u"ssh_host_%1_key"_s.arg(type));
        struct stat info = {};
        QCOMPARE(::stat(QFile::encodeName(path).constData(), &info), 0);
        QCOMPARE(info.st_mode & 0777, 0600u);
        QVERIFY(QFileInfo::exists(path + u".pub"_s));
    }
    // What ssh-keygen reads from the files and what a client sees on the wire.
    QStringList fromFiles;
    for (const QString &type : {u"ed25519"_s, u"ecdsa"_s, u"rsa"_s})
        fromFiles << keyFingerprint(keyDir.filePath(u"ssh_host_%1_key.pub"_s.arg(type)));
    QStringList advertised;
    for (const HostKeyFingerprint &fingerprint : first)
        advertised << fingerprint.sha256;
    QCOMPARE(advertised, fromFiles);

    const Finished scanned = runProcess(
        u"ssh-keyscan"_s,
        {u"-p"_s, QString::number(m_server->boundPort()), u"-t"_s, u"ed25519,ecdsa,rsa"_s, u"127.0.0.1"_s});
    QCOMPARE(scanned.exitCode, 0);
    QTemporaryFile scannedFile;
    QVERIFY(scannedFile.open());
    scannedFile.write(scanned.out);
    scannedFile.close();
    const Finished listed
        = runProcess(u"ssh-keygen"_s, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, scannedFile.fileName()});
    QCOMPARE(listed.exitCode, 0);
    for (const QString &fingerprint : std::as_const(advertised))
        QVERIFY2(listed.out.contains(fingerprint.toLatin1()), listed.out.constData());

    // A restart keeps them.
    QSignalSpy stateChanges(m_server.get(), &CollectServer::stateChanged);
    m_server->stop();
    QCOMPARE(m_server->state(), CollectServer::State::Stopped);
    QCOMPARE(stateChanges.count(), 1);
    KEYSTEAD_VERIFY_OK(m_server->start(m_config));
    QCOMPARE(m_server->hostKeyFingerprints(), first);
    KEYSTEAD_VERIFY_OK(startServer()); // a new server object on the same folder, too
    QCOMPARE(m_server->hostKeyFingerprints(), first);
}

void TestCollectSsh::refusesHostKeyReadableByOthers()
{
    KEYSTEAD_VERIFY_OK(startServer());
    m_server->stop();
    const QString path = QDir(m_config.hostKeyDir()).filePath(u"ssh_host_ed25519_key"_s);
    QVERIFY(QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup));

    const Status started = m_server->start(m_config);
    QVERIFY(!started);
    QVERIFY2(started.error().message.contains(path), qPrintable(started.error().message));
    QVERIFY2(started.error().message.contains(u"owner only"_s), qPrintable(started.error().message));
    QCOMPARE(m_server->state(), CollectServer::State::Failed);
    QCOMPARE(m_server->lastError(), started.error().message);
}

void TestCollectSsh::collectsEveryKeyWithProof_data()
{
    QTest::addColumn<bool>("fromAgent");
    QTest::addColumn<bool>("batchMode");
    QTest::newRow("files") << false << false;
    QTest::newRow("files, BatchMode") << false << true;
    QTest::newRow("agent") << true << false;
    QTest::newRow("agent, BatchMode") << true << true;
}

void TestCollectSsh::collectsEveryKeyWithProof()
{
    QFETCH(bool, fromAgent);
    QFETCH(bool, batchMode);
    m_gate->addSession(session(u"alice"_s));
    KEYSTEAD_VERIFY_OK(startServer());

    QStringList extra;
    if (batchMode)
        extra << u"-o"_s << u"BatchMode=yes"_s;
    Finished done;
    if (fromAgent) {
        QTemporaryDir agentDir;
        const QString socket = agentDir.filePath(u"agent.sock"_s);
        QProcess agent;
        agent.start(u"ssh-agent"_s, {u"-D"_s, u"-a"_s, socket});
        QVERIFY(agent.waitForStarted(10'000));
        auto stopAgent = qScopeGuard([&agent] {
            agent.kill();
            agent.waitForFinished(10'000);
        });
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(socket), 10'000);
        for (const KeyFile &key : std::as_const(m_keys)) {
            const Finished added = runProcess(u"ssh-add"_s, {u"-q"_s, key.path}, clientEnvironment(socket));
            QVERIFY2(added.exitCode == 0, added.err.constData());
        }
        // Only the agent's keys: no identity file is named, and HOME has none.
        done = runProcess(u"ssh"_s, sshArguments(u"alice"_s, {}, extra << u"-o"_s << u"IdentitiesOnly=no"_s),
                          clientEnvironment(socket));
    } else {
        done = ssh(u"alice"_s, m_keys, extra);
    }

    QVERIFY2(done.exitCode == 0, done.err.constData());
    QVERIFY2(done.err.contains("Welcome to the Keystead key collection"), done.err.constData());
    for (const KeyFile &key : std::as_const(m_keys)) {
        const QByteArray line = "Collected " + key.label.toLatin1() + " key " + key.fingerprint.toLatin1();
        QVERIFY2(done.out.contains(line), done.out.constData());
    }
    QVERIFY2(done.out.contains("All done, thank you"), done.out.constData());
    QVERIFY(done.out.indexOf("All done") > done.out.lastIndexOf("Collected "));

    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    const RecordingGate::Connection &connection = connections.constFirst();
    QCOMPARE(connection.sessionId, u"session-alice"_s);
    QCOMPARE(connection.ipAddress, u"127.0.0.1"_s);
    QVERIFY2(connection.clientVersion.startsWith(u"SSH-2.0-OpenSSH_"_s), qPrintable(connection.clientVersion));
    QCOMPARE(connection.keys.size(), 3);
    QSet<QByteArray> expected;
    QStringList expectedFingerprints;
    QStringList recordedFingerprints;
    for (const KeyFile &key : std::as_const(m_keys)) {
        expected.insert(key.blob);
        expectedFingerprints << key.fingerprint;
    }
    for (const SshPublicKey &key : connection.keys)
        recordedFingerprints << key.fingerprintSha256();
    QCOMPARE(blobsOf(connection.keys), expected);
    expectedFingerprints.sort();
    recordedFingerprints.sort();
    QCOMPARE(recordedFingerprints, expectedFingerprints);
    QCOMPARE(connection.outcomes, QList<ConnectionOutcome>{ConnectionOutcome::Kept});
}

void TestCollectSsh::multiKeyFalseKeepsTheFirst()
{
    m_gate->addSession(session(u"single"_s, false));
    KEYSTEAD_VERIFY_OK(startServer());
    const Finished done = ssh(u"single"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s});
    QVERIFY2(done.exitCode == 0, done.err.constData());
    QCOMPARE(done.out.count("Collected "), 1);
    QVERIFY(done.out.contains(QByteArray("Collected ED25519 key " + m_keys.at(0).fingerprint.toLatin1())));

    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QCOMPARE(connections.constFirst().keys.size(), 1);
    QCOMPARE(connections.constFirst().keys.constFirst().blob(), m_keys.at(0).blob);
    QCOMPARE(connections.constFirst().outcomes, QList<ConnectionOutcome>{ConnectionOutcome::Kept});
}

void TestCollectSsh::manyClientsAtOnce()
{
    // One thread serves them all: each connection has its own event, so none waits for another.
    constexpr int kClients = 16;
    m_gate->addSession(session(u"crowd"_s));
    KEYSTEAD_VERIFY_OK(startServer());
    std::vector<std::unique_ptr<QProcess>> clients;
    for (int i = 0; i < kClients; ++i) {
        auto client = std::make_unique<QProcess>();
        client->setProcessEnvironment(clientEnvironment());
        client->start(u"ssh"_s, sshArguments(u"crowd"_s, {m_keys.at(i % 3)}, {u"-o"_s, u"BatchMode=yes"_s}));
        client->closeWriteChannel();
        clients.push_back(std::move(client));
    }
    for (const std::unique_ptr<QProcess> &client : clients) {
        QVERIFY(client->waitForFinished(kProcessTimeoutMs));
        QVERIFY2(client->exitCode() == 0, client->readAllStandardError().constData());
        QVERIFY(client->readAllStandardOutput().contains("Collected "));
    }
    QVERIFY(waitForNoConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), kClients);
    for (const RecordingGate::Connection &connection : connections) {
        QCOMPARE(connection.keys.size(), 1);
        QCOMPARE(connection.outcomes, QList<ConnectionOutcome>{ConnectionOutcome::Kept});
    }
}

void TestCollectSsh::confirmsThroughARealTerminal_data()
{
    QTest::addColumn<QByteArray>("keyPress");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("outcome");
    QTest::newRow("y keeps") << QByteArray("y") << 0 << QByteArray("Kept");
    QTest::newRow("n discards") << QByteArray("n") << 0 << QByteArray("Declined");
    QTest::newRow("Enter discards") << QByteArray("\r") << 0 << QByteArray("Declined");
    QTest::newRow("Ctrl-D discards") << QByteArray("\x04") << 0 << QByteArray("Declined");
}

void TestCollectSsh::confirmsThroughARealTerminal()
{
    QFETCH(QByteArray, keyPress);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, outcome);
    m_gate->addSession(session(u"confirm"_s, true, true));
    KEYSTEAD_VERIFY_OK(startServer());

    PtyProcess terminal;
    QVERIFY(terminal.start(u"ssh"_s, sshArguments(u"confirm"_s, m_keys, {u"-tt"_s}), clientEnvironment()));
    QVERIFY2(terminal.waitFor("Press y to keep these keys", QDeadlineTimer(30'000)), terminal.output().constData());
    // Nothing is decided before the answer.
    const QList<RecordingGate::Connection> waiting = m_gate->connections();
    QCOMPARE(waiting.size(), 1);
    QCOMPARE(waiting.constFirst().keys.size(), 3);
    QVERIFY(waiting.constFirst().outcomes.isEmpty());

    QVERIFY(terminal.write(keyPress));
    QCOMPARE(terminal.waitForExit(QDeadlineTimer(30'000)), exitCode);
    const QByteArray shown = terminal.output();
    QVERIFY2(shown.contains(QByteArray("Collected ED25519 key " + m_keys.at(0).fingerprint.toLatin1() + "\r\n")),
             shown.constData());
    QVERIFY2(shown.contains("All done, thank you"), shown.constData());
    QVERIFY2(shown.contains(outcome == "Kept" ? "the keys were kept" : "The keys were discarded"), shown.constData());

    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QCOMPARE(connections.constFirst().outcomes.size(), 1);
    QCOMPARE(outcomeName(connections.constFirst().outcomes.constFirst()), outcome);
}

void TestCollectSsh::confirmsWithoutTerminal_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("outcome");
    QTest::newRow("y and Enter keeps") << QByteArray("y\n") << 0 << QByteArray("Kept");
    QTest::newRow("yes and Enter keeps") << QByteArray("yes\n") << 0 << QByteArray("Kept");
    QTest::newRow("n and Enter discards") << QByteArray("n\n") << 0 << QByteArray("Declined");
    QTest::newRow("y without Enter, then end of input, discards") << QByteArray("y") << 0 << QByteArray("Declined");
    QTest::newRow("end of input discards") << QByteArray() << 0 << QByteArray("Declined");
}

void TestCollectSsh::confirmsWithoutTerminal()
{
    QFETCH(QByteArray, input);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, outcome);
    m_gate->addSession(session(u"pipe"_s, true, true));
    KEYSTEAD_VERIFY_OK(startServer());
    // stdin is a pipe: no terminal is asked for; the input ends after `input`.
    const Finished done = ssh(u"pipe"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s}, input);
    QCOMPARE(done.exitCode, exitCode);
    QVERIFY2(done.out.contains("Type y and press Enter"), done.out.constData());
    QVERIFY2(done.out.contains("All done, thank you"), done.out.constData());

    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QCOMPARE(connections.constFirst().keys.size(), 3);
    QCOMPARE(connections.constFirst().outcomes.size(), 1);
    QCOMPARE(outcomeName(connections.constFirst().outcomes.constFirst()), outcome);
}

void TestCollectSsh::clientGoingAwayAtThePromptIsAbandoned()
{
    m_gate->addSession(session(u"leaver"_s, true, true));
    KEYSTEAD_VERIFY_OK(startServer());
    QProcess client;
    client.setProcessEnvironment(clientEnvironment());
    client.start(u"ssh"_s, sshArguments(u"leaver"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s}));
    QVERIFY(client.waitForStarted(10'000));
    QByteArray shown;
    const QDeadlineTimer deadline(30'000);
    while (!shown.contains("Type y and press Enter") && !deadline.hasExpired()) {
        client.waitForReadyRead(100);
        shown += client.readAllStandardOutput();
    }
    QVERIFY2(shown.contains("Type y and press Enter"), shown.constData());
    client.kill(); // SIGKILL: the client vanishes mid-dialog
    client.waitForFinished(10'000);

    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QCOMPARE(connections.constFirst().outcomes, QList<ConnectionOutcome>{ConnectionOutcome::Abandoned});
}

void TestCollectSsh::stoppingTheServerAbandonsOpenDialogs()
{
    m_gate->addSession(session(u"stopped"_s, true, true));
    KEYSTEAD_VERIFY_OK(startServer());
    QProcess client;
    client.setProcessEnvironment(clientEnvironment());
    client.start(u"ssh"_s, sshArguments(u"stopped"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s}));
    QVERIFY(client.waitForStarted(10'000));
    auto stopClient = qScopeGuard([&client] {
        client.kill();
        client.waitForFinished(10'000);
    });
    QByteArray shown;
    const QDeadlineTimer deadline(30'000);
    while (!shown.contains("Type y and press Enter") && !deadline.hasExpired()) {
        client.waitForReadyRead(100);
        shown += client.readAllStandardOutput();
    }
    QVERIFY2(shown.contains("Type y and press Enter"), shown.constData());
    QCOMPARE(m_server->connectionCount(), 1);

    m_server->stop();
    QCOMPARE(m_server->connectionCount(), 0);
    QCOMPARE(m_gate->connections().constFirst().outcomes, QList<ConnectionOutcome>{ConnectionOutcome::Abandoned});
    QVERIFY(client.waitForFinished(30'000));
    QVERIFY(client.exitCode() != 0);
    // Host keys stay; the server starts again on them.
    const QList<HostKeyFingerprint> fingerprints = m_server->hostKeyFingerprints();
    KEYSTEAD_VERIFY_OK(m_server->start(m_config));
    QCOMPARE(m_server->hostKeyFingerprints(), fingerprints);
}

void TestCollectSsh::unknownIdentifierRecordsNothing()
{
    m_gate->addSession(session(u"known"_s));
    KEYSTEAD_VERIFY_OK(startServer());
    const Finished done = ssh(u"nosuchsession"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s});
    QCOMPARE(done.exitCode, 255);
    QVERIFY2(done.err.contains("no open collect session by that name"), done.err.constData());
    QCOMPARE(done.err.count("no open collect session by that name"), 1);
    QVERIFY(!done.out.contains("Collected"));
    QVERIFY(waitForNoConnection());
    QVERIFY(m_gate->connections().isEmpty());
    QCOMPARE(m_gate->lookups(), QStringList{u"nosuchsession"_s});
}

void TestCollectSsh::connectionWithoutKeysRecordsNoKey_data()
{
    QTest::addColumn<bool>("batchMode");
    QTest::newRow("interactive") << false;
    QTest::newRow("BatchMode") << true;
}

void TestCollectSsh::connectionWithoutKeysRecordsNoKey()
{
    QFETCH(bool, batchMode);
    m_gate->addSession(session(u"keyless"_s));
    KEYSTEAD_VERIFY_OK(startServer());
    const Finished done
        = ssh(u"keyless"_s, {},
              {u"-o"_s, u"PubkeyAuthentication=no"_s, u"-o"_s, batchMode ? u"BatchMode=yes"_s : u"BatchMode=no"_s});
    QVERIFY2(done.err.contains("Welcome to the Keystead key collection"), done.err.constData());
    if (batchMode) {
        // BatchMode skips keyboard-interactive: with no key to offer, the
        // client never gets in and never offered anything to record.
        QCOMPARE(done.exitCode, 255);
        QVERIFY2(done.err.contains("Permission denied"), done.err.constData());
        QVERIFY(waitForNoConnection());
        QVERIFY(m_gate->connections().isEmpty());
        return;
    }
    QCOMPARE(done.exitCode, 1);
    QVERIFY2(done.out.contains("No key was offered with proof of possession"), done.out.constData());
    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QVERIFY(connections.constFirst().keys.isEmpty());
}

void TestCollectSsh::unsignedOfferIsNeverRecorded()
{
    // A public key whose private half the client does not have: offered, never signed.
    QTemporaryDir dir;
    const std::optional<KeyFile> lost = makeKey(dir.path(), u"lost"_s, {u"-t"_s, u"ed25519"_s}, u"ED25519"_s);
    QVERIFY(lost);
    QVERIFY(QFile::remove(lost->path));
    m_gate->addSession(session(u"unsigned"_s));
    KEYSTEAD_VERIFY_OK(startServer());
    const Finished done = ssh(u"unsigned"_s, {*lost, m_keys.at(0)}, {u"-o"_s, u"BatchMode=yes"_s});
    QVERIFY2(done.exitCode == 0, done.err.constData());
    QVERIFY(!done.out.contains(lost->fingerprint.toLatin1()));
    QVERIFY(done.out.contains(m_keys.at(0).fingerprint.toLatin1()));
    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QCOMPARE(blobsOf(connections.constFirst().keys), QSet<QByteArray>{m_keys.at(0).blob});
}

void TestCollectSsh::idleTimeoutEndsAWaitingDialog()
{
    m_config.idleTimeoutMs = 500;
    m_gate->addSession(session(u"sleepy"_s, true, true));
    KEYSTEAD_VERIFY_OK(startServer());
    // stdin stays open and silent: the user never answers.
    QProcess client;
    client.setProcessEnvironment(clientEnvironment());
    client.start(u"ssh"_s, sshArguments(u"sleepy"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s}));
    QVERIFY(client.waitForStarted(10'000));
    auto stopClient = qScopeGuard([&client] {
        client.kill();
        client.waitForFinished(10'000);
    });
    QVERIFY(client.waitForFinished(30'000));
    QCOMPARE(client.exitCode(), 1);
    const QByteArray shown = client.readAllStandardOutput();
    QVERIFY2(shown.contains("No answer in time"), shown.constData());
    QVERIFY(waitForClosedConnection());
    QCOMPARE(m_gate->connections().constFirst().outcomes, QList<ConnectionOutcome>{ConnectionOutcome::Abandoned});
}

void TestCollectSsh::tooManyAttemptsAreCutOff()
{
    // 100 keys offered for no session: each refused, until the cap ends the connection.
    m_config.maxAuthAttempts = 10;
    KEYSTEAD_VERIFY_OK(startServer());
    const Finished done = ssh(u"nobody"_s, manyKeys(), {u"-o"_s, u"BatchMode=yes"_s});
    QCOMPARE(done.exitCode, 255);
    QVERIFY2(!done.err.contains("Permission denied"), done.err.constData());
    QVERIFY2(done.err.contains("isconnect") || done.err.contains("closed") || done.err.contains("reset"),
             done.err.constData());
    QVERIFY(waitForNoConnection());
    QVERIFY(m_gate->connections().isEmpty());
}

void TestCollectSsh::sessionClosingMeanwhileIsToldToTheUser()
{
    m_gate->addSession(session(u"closing"_s));
    m_gate->setRejectKeys(true);
    KEYSTEAD_VERIFY_OK(startServer());
    const Finished done = ssh(u"closing"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s});
    QCOMPARE(done.exitCode, 1);
    QVERIFY2(done.out.contains("no longer accepts keys"), done.out.constData());
    QVERIFY(!done.out.contains("Collected"));
    QVERIFY(waitForClosedConnection());
    QVERIFY(m_gate->connections().constFirst().keys.isEmpty());
}

void TestCollectSsh::commandsAreNeverRun()
{
    m_gate->addSession(session(u"command"_s));
    KEYSTEAD_VERIFY_OK(startServer());
    const QString marker = QDir(m_home.path()).filePath(u"ran"_s);
    const Finished done = ssh(u"command"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s}, {},
                              {u"touch"_s, marker, u"&&"_s, u"echo"_s, u"RAN"_s});
    QVERIFY2(done.exitCode == 0, done.err.constData());
    QVERIFY(done.out.contains("Collected "));
    QVERIFY(!done.out.contains("RAN"));
    QVERIFY(!QFileInfo::exists(marker));
}

void TestCollectSsh::forwardingAndSubsystemsAreRefused_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QStringList>("command");
    QTest::addColumn<QByteArray>("complaint");
    QTest::newRow("subsystem") << QStringList{u"-s"_s} << QStringList{u"sftp"_s}
                               << QByteArray("subsystem request failed");
    QTest::newRow("remote forwarding") << QStringList{u"-o"_s, u"ExitOnForwardFailure=yes"_s, u"-R"_s,
                                                      u"0:127.0.0.1:9"_s, u"-N"_s}
                                       << QStringList() << QByteArray("forwarding failed");
    QTest::newRow("direct-tcpip") << QStringList{u"-W"_s, u"127.0.0.1:9"_s} << QStringList()
                                  << QByteArray("open failed");
}

void TestCollectSsh::forwardingAndSubsystemsAreRefused()
{
    QFETCH(QStringList, options);
    QFETCH(QStringList, command);
    QFETCH(QByteArray, complaint);
    m_gate->addSession(session(u"forward"_s));
    KEYSTEAD_VERIFY_OK(startServer());
    const Finished done = ssh(u"forward"_s, m_keys, QStringList{u"-o"_s, u"BatchMode=yes"_s} + options, {}, command);
    QVERIFY2(done.exitCode != 0 && done.exitCode != -1, done.err.constData());
    QVERIFY2(done.err.contains(complaint), done.err.constData());
    // The keys were proven before; the dialog never ended, so the connection is abandoned.
    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QCOMPARE(connections.constFirst().outcomes, QList<ConnectionOutcome>{ConnectionOutcome::Abandoned});
}

void TestCollectSsh::hundredKeysStayUnderTheCap()
{
    const QList<KeyFile> many = manyKeys();
    QCOMPARE(many.size(), 100);
    m_gate->addSession(session(u"many"_s));
    KEYSTEAD_VERIFY_OK(startServer());
    QCOMPARE(m_config.maxAuthAttempts, 64);
    const Finished done = ssh(u"many"_s, many, {u"-o"_s, u"BatchMode=yes"_s});
    QVERIFY2(done.exitCode == 0, done.err.constData());
    QCOMPARE(done.out.count("Collected ED25519 key"), 64);
    QVERIFY2(done.out.contains("Only the first 64 keys were collected"), done.out.constData());
    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QCOMPARE(connections.constFirst().keys.size(), 64);
    QSet<QByteArray> offered;
    for (const KeyFile &key : std::as_const(many))
        offered.insert(key.blob);
    QVERIFY(offered.contains(blobsOf(connections.constFirst().keys)));
}

void TestCollectSsh::garbageInsteadOfVersionLine()
{
    KEYSTEAD_VERIFY_OK(startServer());
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_server->boundPort());
    QVERIFY(socket.waitForConnected(10'000));
    socket.write("GET / HTTP/1.1\r\nHost: example\r\n\r\n" + QByteArray(300, 'A') + "\r\n");
    QVERIFY(socket.state() == QAbstractSocket::UnconnectedState || socket.waitForDisconnected(20'000));
    QVERIFY(waitForNoConnection());
    verifyStillServes();
}

void TestCollectSsh::silentClientIsCutOffByLoginGrace()
{
    m_config.loginGraceMs = 300;
    KEYSTEAD_VERIFY_OK(startServer());
    QTcpSocket versionOnly;
    versionOnly.connectToHost(QHostAddress::LocalHost, m_server->boundPort());
    QVERIFY(versionOnly.waitForConnected(10'000));
    versionOnly.write("SSH-2.0-Stalling_1.0\r\n");
    QTcpSocket mute;
    mute.connectToHost(QHostAddress::LocalHost, m_server->boundPort());
    QVERIFY(mute.waitForConnected(10'000));

    QVERIFY(versionOnly.state() == QAbstractSocket::UnconnectedState || versionOnly.waitForDisconnected(20'000));
    QVERIFY(mute.state() == QAbstractSocket::UnconnectedState || mute.waitForDisconnected(20'000));
    QVERIFY(versionOnly.readAll().startsWith("SSH-2.0-Keystead_"));
    QVERIFY(waitForNoConnection());
    m_config.loginGraceMs = CollectServerConfig().loginGraceMs;
    KEYSTEAD_VERIFY_OK(startServer());
    verifyStillServes();
}

void TestCollectSsh::malformedPacketsAreSurvived()
{
    KEYSTEAD_VERIFY_OK(startServer());
    QRandomGenerator random(20260101);
    QList<QByteArray> payloads;
    // Packet lengths that lie, padding that lies, and plain noise.
    payloads << QByteArray::fromHex("ffffffff") + QByteArray(64, 'x');
    payloads << QByteArray::fromHex("0000000c0a14") + QByteArray(10, '\0');
    payloads << QByteArray::fromHex("00000005ff14000000");
    payloads << QByteArray::fromHex("0000000000");
    for (int i = 0; i < 16; ++i) {
        QByteArray noise(int(random.bounded(1, 3000)), Qt::Uninitialized);
        for (char &byte : noise)
            byte = char(random.bounded(256));
        payloads << noise;
    }
    for (const QByteArray &payload : std::as_const(payloads)) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_server->boundPort());
        QVERIFY(socket.waitForConnected(10'000));
        socket.write("SSH-2.0-Fuzzer_1.0\r\n" + payload);
        QVERIFY(socket.waitForBytesWritten(10'000) || socket.state() == QAbstractSocket::UnconnectedState);
        // Either the server cuts it off, or it waits for more: the grace timer
        // ends those; here the client leaves.
        socket.waitForDisconnected(500);
        socket.abort();
    }
    QVERIFY(waitForNoConnection());
    verifyStillServes();
}

void TestCollectSsh::unauthenticatedConnectionsAreCapped()
{
    m_config.maxUnauthenticated = 3;
    m_config.maxUnauthenticatedPerAddress = 2;
    KEYSTEAD_VERIFY_OK(startServer());
    const quint16 port = m_server->boundPort();

    // Accepted: the server's version line arrives. Refused: closed with nothing said.
    auto connectFrom = [port](QTcpSocket &socket, const QString &source) {
        QVERIFY(socket.bind(QHostAddress(source), 0));
        socket.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(socket.waitForConnected(10'000));
    };
    auto accepted = [](QTcpSocket &socket) {
        const QDeadlineTimer deadline(20'000);
        while (!socket.canReadLine() && socket.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired())
            socket.waitForReadyRead(100);
        return socket.readLine().startsWith("SSH-2.0-Keystead_");
    };
    auto refused = [](QTcpSocket &socket) {
        const bool closed = socket.state() == QAbstractSocket::UnconnectedState || socket.waitForDisconnected(20'000);
        return closed && socket.readAll().isEmpty();
    };

    QTcpSocket first, second, thirdSameAddress, otherAddress, overTotal;
    connectFrom(first, u"127.0.0.1"_s);
    QVERIFY(accepted(first));
    connectFrom(second, u"127.0.0.1"_s);
    QVERIFY(accepted(second));
    connectFrom(thirdSameAddress, u"127.0.0.1"_s);
    QVERIFY(refused(thirdSameAddress));
    connectFrom(otherAddress, u"127.0.0.2"_s);
    QVERIFY(accepted(otherAddress));
    connectFrom(overTotal, u"127.0.0.3"_s);
    QVERIFY(refused(overTotal));
    QCOMPARE(m_server->connectionCount(), 3);

    // A slot frees when its connection ends.
    first.abort();
    const QDeadlineTimer deadline(20'000);
    while (m_server->connectionCount() != 2 && !deadline.hasExpired())
        QTest::qWait(20);
    QCOMPARE(m_server->connectionCount(), 2);
    QTcpSocket again;
    connectFrom(again, u"127.0.0.1"_s);
    QVERIFY(accepted(again));

    second.abort();
    otherAddress.abort();
    again.abort();
    QVERIFY(waitForNoConnection());

    // An authenticated connection no longer counts: with a client at the
    // prompt, its address still has both unauthenticated slots.
    m_gate->addSession(session(u"waiting"_s, true, true));
    QProcess client;
    client.setProcessEnvironment(clientEnvironment());
    client.start(u"ssh"_s, sshArguments(u"waiting"_s, {m_keys.at(0)}, {u"-o"_s, u"BatchMode=yes"_s}));
    QVERIFY(client.waitForStarted(10'000));
    auto stopClient = qScopeGuard([&client] {
        client.kill();
        client.waitForFinished(10'000);
    });
    QByteArray shown;
    const QDeadlineTimer promptDeadline(30'000);
    while (!shown.contains("Type y and press Enter") && !promptDeadline.hasExpired()) {
        client.waitForReadyRead(100);
        shown += client.readAllStandardOutput();
    }
    QVERIFY2(shown.contains("Type y and press Enter"), shown.constData());
    QTcpSocket fourth, fifth;
    connectFrom(fourth, u"127.0.0.1"_s);
    QVERIFY(accepted(fourth));
    connectFrom(fifth, u"127.0.0.1"_s);
    QVERIFY(accepted(fifth));
    QCOMPARE(m_server->connectionCount(), 3);
}

void TestCollectSsh::acceptingResumesAfterRunningOutOfDescriptors()
{
    KEYSTEAD_VERIFY_OK(startServer());
    rlimit original = {};
    QCOMPARE(::getrlimit(RLIMIT_NOFILE, &original), 0);
    rlimit lowered = original;
    lowered.rlim_cur = qMin<rlim_t>(original.rlim_cur, 512);
    QCOMPARE(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
    std::vector<int> fillers;
    auto release = qScopeGuard([&] {
        for (int filler : fillers)
            ::close(filler);
        ::setrlimit(RLIMIT_NOFILE, &original);
    });
    // Every descriptor but one in use: the client's socket takes the last,
    // so the server's accept() fails.
    for (int filler = ::open("/dev/null", O_RDONLY); filler >= 0; filler = ::open("/dev/null", O_RDONLY))
        fillers.push_back(filler);
    QVERIFY(!fillers.empty());
    ::close(fillers.back());
    fillers.pop_back();
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_server->boundPort());
    QVERIFY(socket.waitForConnected(10'000));
    QTest::qWait(300); // let the server try, and fail, to accept it
    release.dismiss();
    for (int filler : fillers)
        ::close(filler);
    ::setrlimit(RLIMIT_NOFILE, &original);

    const QDeadlineTimer deadline(20'000);
    while (!socket.canReadLine() && socket.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired())
        socket.waitForReadyRead(100);
    QVERIFY(socket.readLine().startsWith("SSH-2.0-Keystead_"));
}

void TestCollectSsh::collectsIntoTheStore()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    WebhookOutbox outbox(store->database(), m_clock);
    WebhookSigner signer(store->dataDir(), store->database(), m_clock);
    WebhookHeaderSeal seal(signer);
    CollectService service(store->database(), m_clock, outbox, seal);
    CollectSessionInput input;
    input.multiKey = true;
    input.sshBanner = u"Welcome to the Keystead key collection"_s;
    input.sshMessage = u"All done, thank you"_s;
    const Result<CollectSession> created = service.create(input);
    KEYSTEAD_VERIFY_OK(created);
    QSignalSpy collected(&service, &CollectService::keyCollected);

    m_server = std::make_unique<CollectServer>(service, &store->database());
    // The server calls into `service`: it must stop before the locals go, also when a check fails.
    const auto stopServer = qScopeGuard([this] { m_server.reset(); });
    KEYSTEAD_VERIFY_OK(m_server->start(m_config));
    const Finished done = ssh(created->connectionIdentifier, m_keys, {u"-o"_s, u"BatchMode=yes"_s});
    QVERIFY2(done.exitCode == 0, done.err.constData());
    QVERIFY2(done.err.contains("Welcome to the Keystead key collection"), done.err.constData());
    QVERIFY2(done.out.contains("All done, thank you"), done.out.constData());
    QVERIFY(waitForNoConnection());
    QTRY_COMPARE_WITH_TIMEOUT(collected.count(), 3, 10'000);

    const Result<CollectSession> stored = service.get(created->id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->status, CollectStatus::Completed);
    QCOMPARE(stored->connections.size(), 1);
    const CollectSessionConnection &connection = stored->connections.constFirst();
    QCOMPARE(connection.state, CollectConnectionState::Kept);
    QCOMPARE(connection.ipAddress, u"127.0.0.1"_s);
    QVERIFY2(connection.clientVersion.startsWith(u"SSH-2.0-OpenSSH_"_s), qPrintable(connection.clientVersion));
    QCOMPARE(connection.collectedKeyCount(), 3);
    QStringList expected;
    QStringList recorded;
    for (const KeyFile &key : std::as_const(m_keys))
        expected << key.fingerprint;
    for (const CollectSessionKey &key : connection.keys)
        recorded << key.key.fingerprintSha256();
    expected.sort();
    recorded.sort();
    QCOMPARE(recorded, expected);

    // Completed: the identifier no longer opens anything.
    const Finished again = ssh(created->connectionIdentifier, m_keys, {u"-o"_s, u"BatchMode=yes"_s});
    QCOMPARE(again.exitCode, 255);
    QVERIFY2(again.err.contains("no open collect session by that name"), again.err.constData());
    QVERIFY(waitForNoConnection());
    QCOMPARE(service.get(created->id)->connections.size(), 1);
    m_server.reset(); // before the store goes
}

void TestCollectSsh::declinedAndExpiredSessionsInTheStore()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    WebhookOutbox outbox(store->database(), m_clock);
    WebhookSigner signer(store->dataDir(), store->database(), m_clock);
    WebhookHeaderSeal seal(signer);
    CollectService service(store->database(), m_clock, outbox, seal);
    CollectSessionInput confirmInput;
    confirmInput.multiKey = true;
    confirmInput.mustConfirm = true;
    const Result<CollectSession> confirm = service.create(confirmInput);
    KEYSTEAD_VERIFY_OK(confirm);
    CollectSessionInput expiringInput;
    expiringInput.timeout = 60;
    const Result<CollectSession> expiring = service.create(expiringInput);
    KEYSTEAD_VERIFY_OK(expiring);

    m_server = std::make_unique<CollectServer>(service, &store->database());
    // The server calls into `service`: it must stop before the locals go, also when a check fails.
    const auto stopServer = qScopeGuard([this] { m_server.reset(); });
    KEYSTEAD_VERIFY_OK(m_server->start(m_config));

    // Declined: the keys are discarded and the session stays pending; the dialog itself ended normally.
    const Finished declined = ssh(confirm->connectionIdentifier, m_keys, {u"-o"_s, u"BatchMode=yes"_s}, "n\n");
    QCOMPARE(declined.exitCode, 0);
    QVERIFY(waitForNoConnection());
    Result<CollectSession> stored = service.get(confirm->id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->status, CollectStatus::Pending);
    QCOMPARE(stored->connections.size(), 1);
    QCOMPARE(stored->connections.constFirst().state, CollectConnectionState::Declined);
    QCOMPARE(stored->connections.constFirst().keys.size(), 3);
    QCOMPARE(stored->collectedKeyCount(), 0);

    // Confirmed on a second connection: kept, and the session completes.
    const Finished kept = ssh(confirm->connectionIdentifier, m_keys, {u"-o"_s, u"BatchMode=yes"_s}, "y\n");
    QVERIFY2(kept.exitCode == 0, kept.err.constData());
    QVERIFY(waitForNoConnection());
    stored = service.get(confirm->id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->status, CollectStatus::Completed);
    QCOMPARE(stored->collectedKeyCount(), 3);

    // Expired by the clock: refused like an unknown name, nothing recorded.
    m_clock.advanceSeconds(120);
    const Finished late = ssh(expiring->connectionIdentifier, m_keys, {u"-o"_s, u"BatchMode=yes"_s});
    QCOMPARE(late.exitCode, 255);
    QVERIFY2(late.err.contains("no open collect session by that name"), late.err.constData());
    QVERIFY(waitForNoConnection());
    stored = service.get(expiring->id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->status, CollectStatus::Expired);
    QVERIFY(stored->connections.isEmpty());
    m_server.reset();
}

QTEST_GUILESS_MAIN(TestCollectSsh)
#include "tst_collect_ssh.moc"
