#pragma once

// The world of the collect server tests: the real OpenSSH client (ssh, ssh-keygen,
// ssh-agent, ssh-keyscan) against CollectServer on 127.0.0.1, a gate that records
// what the server reports, and a store whose vault seals the host keys.

#include "TestDatabase.h"
#include "TestProcess.h"
#include "TestVault.h"

#include "sshserver/CollectGate.h"
#include "sshserver/CollectServer.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QMutex>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace keystead::test {

using namespace Qt::StringLiterals;

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

inline QString keyFingerprint(const QString &publicKeyPath)
{
    const Finished listed = runProcess(u"ssh-keygen"_s, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, publicKeyPath});
    return QString::fromLatin1(listed.out.split(' ').value(1));
}

inline std::optional<KeyFile> makeKey(const QString &directory, const QString &name, const QStringList &typeArguments,
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

inline QByteArray outcomeName(ConnectionOutcome outcome)
{
    switch (outcome) {
    case ConnectionOutcome::Kept: return "Kept";
    case ConnectionOutcome::Declined: return "Declined";
    case ConnectionOutcome::Abandoned: return "Abandoned";
    }
    return "?";
}

inline QSet<QByteArray> blobsOf(const QList<SshPublicKey> &keys)
{
    QSet<QByteArray> blobs;
    for (const SshPublicKey &key : keys)
        blobs.insert(key.blob());
    return blobs;
}

// What both collect server test classes share: their clients' keys, the server and its helpers.
class CollectSshFixture : public QObject
{
protected:
    // initTestCase: the clients' keys, made once.
    void makeClientKeys()
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
    // init: a data folder, a store with its vault, a gate and a config listening on any free port.
    void makeServerWorld()
    {
        m_dataDir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dataDir->isValid());
        m_store = TestDatabase::create(m_clock);
        QVERIFY(m_store);
        m_vault = std::make_unique<TestVault>(m_store->database(), m_clock, m_store->dataDir());
        m_gate = std::make_unique<RecordingGate>();
        m_config = CollectServerConfig();
        m_config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
        m_config.dataDir = m_dataDir->path();
    }
    // cleanup: the server first, then what it used.
    void dropServerWorld()
    {
        m_server.reset();
        m_gate.reset();
        m_vault.reset();
        m_store.reset();
        m_dataDir.reset();
    }

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
        m_server = std::make_unique<CollectServer>(*m_gate, m_vault->vault(), m_store->database());
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

    ManualClock m_clock;
    QTemporaryDir m_home;
    QTemporaryDir m_keysDir;
    QList<KeyFile> m_keys; // ed25519, ecdsa, rsa
    QList<KeyFile> m_manyKeys;
    std::unique_ptr<QTemporaryDir> m_dataDir;
    // The store the host keys are sealed in (SQLite), and its vault.
    std::unique_ptr<TestDatabase> m_store;
    std::unique_ptr<TestVault> m_vault;
    std::unique_ptr<RecordingGate> m_gate;
    CollectServerConfig m_config;
    std::unique_ptr<CollectServer> m_server;
};

} // namespace keystead::test
