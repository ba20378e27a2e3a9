#include "CollectServer.h"

#include "ssh/NativeHandles.h"
#include "sshserver/CollectConnection.h"
#include "store/Database.h"

#include <QHash>
#include <QLoggingCategory>
#include <QSemaphore>
#include <QTcpServer>
#include <QThread>
#include <QTimer>

#include <functional>
#include <memory>

#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// After a failed accept() for want of resources (no file descriptor left),
// how long the listener rests before it tries again.
constexpr int kAcceptRetryMs = 250;
// How long terminate() waits for the server's thread; only a stuck thread takes this long.
constexpr int kTerminateWaitMs = 10'000;

// Hands over the raw socket of each accepted connection: libssh takes it, and
// a connection over the caps is closed before any object is made for it.
class Listener final : public QTcpServer
{
public:
    explicit Listener(std::function<void(qintptr)> accepted, QObject *parent)
        : QTcpServer(parent)
        , m_accepted(std::move(accepted))
    {
    }

protected:
    void incomingConnection(qintptr socket) override { m_accepted(socket); }

private:
    std::function<void(qintptr)> m_accepted;
};

std::optional<QHostAddress> peerAddress(int socket)
{
    sockaddr_storage storage = {};
    socklen_t length = sizeof storage;
    if (::getpeername(socket, reinterpret_cast<sockaddr *>(&storage), &length) != 0)
        return std::nullopt;
    QHostAddress address(reinterpret_cast<const sockaddr *>(&storage));
    // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d.
    bool isIpv4 = false;
    const quint32 ipv4 = address.toIPv4Address(&isIpv4);
    if (isIpv4)
        address = QHostAddress(ipv4);
    return address;
}

Q_LOGGING_CATEGORY(lcLibssh, "keystead.libssh")

// Seed 004's log levels 0..7 on libssh's five. The default 4 keeps libssh to
// its warnings: protocol traces are for an operator who asks for them (5 and up).
int libsshLogLevel(int level)
{
    if (level <= 3)
        return SSH_LOG_NOLOG;
    if (level == 4)
        return SSH_LOG_WARNING;
    if (level == 5)
        return SSH_LOG_PROTOCOL;
    if (level == 6)
        return SSH_LOG_PACKET;
    return SSH_LOG_FUNCTIONS;
}

// libssh's messages name functions, states and algorithms; it logs no
// passwords or key material in this build (no DEBUG_CRYPTO). The length cap
// keeps a hostile client's long strings (a user name, a version line) short.
void forwardLibsshLog(int priority, const char *, const char *message, void *)
{
    constexpr qsizetype kMaxLogLine = 400;
    QString text = QString::fromUtf8(message ? message : "");
    if (text.size() > kMaxLogLine)
        text = text.left(kMaxLogLine) + u"..."_s;
    for (QChar &c : text) {
        if (!c.isPrint())
            c = u'?';
    }
    // The message starts with the function's name already. libssh's
    // "warnings" include every client that disconnects: information, not a problem.
    if (priority <= SSH_LOG_PROTOCOL)
        qCInfo(lcLibssh, "%s", qPrintable(text));
    else
        qCDebug(lcLibssh, "%s", qPrintable(text));
}

// libssh's log level and callback are per thread: set in the server's thread.
void applyLogLevel(ssh_bind bind, int level)
{
    const int verbosity = libsshLogLevel(level);
    ssh_set_log_callback(&forwardLibsshLog);
    ssh_set_log_level(verbosity);
    // Sessions take the bind's verbosity when accepted.
    ssh_bind_options_set(bind, SSH_BIND_OPTIONS_LOG_VERBOSITY, &verbosity);
}

// RFC 4253: printable US-ASCII, no spaces or minus signs; a line break would
// end the identification line early and let a policy inject protocol text.
QByteArray identification(const QString &softwareVersion)
{
    constexpr qsizetype kMaxVersion = 200; // the whole line is at most 255 bytes
    if (softwareVersion.isEmpty())
        return QByteArrayLiteral("Keystead_" KEYSTEAD_VERSION);
    QByteArray version = softwareVersion.left(kMaxVersion).toLatin1();
    for (char &c : version) {
        if (c <= ' ' || c > '~' || c == '-')
            c = '_';
    }
    return version;
}

struct Started
{
    quint16 port = 0;
    QList<HostKeyFingerprint> fingerprints;
};

} // namespace

// Lives in the server's thread and owns the listener, the libssh bind and every connection.
class CollectServer::Worker final : public QObject
{
public:
    Worker(CollectGate &gate, Database *database, ConnectionRecorder *recorder, std::atomic<int> &connectionCount,
           std::function<CollectServerConfig()> connectionConfig)
        : m_gate(gate)
        , m_database(database)
        , m_recorder(recorder)
        , m_connectionCount(connectionCount)
        , m_connectionConfig(std::move(connectionConfig))
    {
    }
    ~Worker() override { shutdown(); }
    Worker(const Worker &) = delete;
    Worker &operator=(const Worker &) = delete;

    Result<Started> listen(const CollectServerConfig &config, HostKeys &keys)
    {
        m_bind.reset(ssh_bind_new());
        if (!m_bind)
            return Error::internal(u"libssh: cannot create the server"_s);
        applyLogLevel(m_bind.get(), config.logLevel);
        // The settings policy governs this server, not a system-wide
        // /etc/ssh/libssh_server_config (which libssh would otherwise read at each accept).
        const bool processConfig = false;
        ssh_bind_options_set(m_bind.get(), SSH_BIND_OPTIONS_PROCESS_CONFIG, &processConfig);
        if (Status installed = keys.installInto(m_bind.get()); !installed)
            return installed.error();

        m_listener = new Listener([this](qintptr socket) { accept(int(socket)); }, this);
        // QTcpServer stops accepting after any failed accept(), even a client
        // that reset its connection early or a moment without free file
        // descriptors: the listener must not stay paused.
        connect(m_listener, &QTcpServer::acceptError, this, [this](QAbstractSocket::SocketError error) {
            const int delayMs = error == QAbstractSocket::SocketResourceError ? kAcceptRetryMs : 0;
            QTimer::singleShot(delayMs, this, [this] {
                if (m_listener)
                    m_listener->resumeAccepting();
            });
        });
        // Many clients may connect at once; a short backlog turns a burst into SYN retries.
        m_listener->setListenBacklogSize(1024);
        if (!m_listener->listen(config.listen.address, config.listen.port)) {
            const QString reason = m_listener->errorString();
            delete m_listener;
            m_listener = nullptr;
            m_bind.reset();
            return Error::unavailable(u"cannot listen on %1: %2"_s.arg(config.listen.toString(), reason));
        }
        return Started{m_listener->serverPort(), keys.fingerprints()};
    }

    void shutdown()
    {
        delete m_listener;
        m_listener = nullptr;
        const QList<CollectConnection *> open = m_connections.keys();
        for (CollectConnection *connection : open) {
            disconnect(connection, nullptr, this, nullptr);
            connection->abort();
            delete connection;
        }
        m_connections.clear();
        m_connectionCount.store(0);
        m_unauthenticated = 0;
        m_unauthenticatedByAddress.clear();
        m_bind.reset();
        if (m_database)
            m_database->releaseThreadConnection();
    }

    bool terminate(const QString &connectionId, const QString &reason)
    {
        if (connectionId.isEmpty())
            return false;
        CollectConnection *found = nullptr;
        for (auto it = m_connections.keyBegin(); it != m_connections.keyEnd(); ++it) {
            if ((*it)->recordId() == connectionId) {
                found = *it;
                break;
            }
        }
        // Ending it removes it from m_connections: not while iterating.
        if (found)
            found->terminate(reason);
        return found != nullptr;
    }

private:
    void accept(int socket)
    {
        // The policy as it is now: later changes reach later connections only.
        const CollectServerConfig config = m_connectionConfig();
        const std::optional<QHostAddress> peer = peerAddress(socket);
        if (!peer || m_unauthenticated >= config.maxUnauthenticated
            || m_unauthenticatedByAddress.value(*peer) >= config.maxUnauthenticatedPerAddress) {
            // Refused before any SSH work: an attacker's connection costs an accept and a close.
            ::close(socket);
            return;
        }
        ++m_unauthenticated;
        ++m_unauthenticatedByAddress[*peer];

        applyLogLevel(m_bind.get(), config.logLevel);
        // The bind hands its identification line to the session it accepts;
        // libssh 0.10 has no session option for it.
        ssh_bind_options_set(m_bind.get(), SSH_BIND_OPTIONS_BANNER, identification(config.softwareVersion).constData());
        auto *connection = new CollectConnection(m_gate, config, m_bind.get(), socket, *peer, m_recorder, this);
        m_connections.insert(connection, true);
        m_connectionCount.fetch_add(1);
        connect(connection, &CollectConnection::authenticated, this,
                [this, connection] { leaveUnauthenticated(connection); });
        connect(connection, &CollectConnection::finished, this, [this, connection] {
            leaveUnauthenticated(connection);
            if (m_connections.remove(connection))
                m_connectionCount.fetch_sub(1);
            connection->deleteLater();
        });
        connection->start();
    }

    void leaveUnauthenticated(CollectConnection *connection)
    {
        auto counted = m_connections.find(connection);
        if (counted == m_connections.end() || !counted.value())
            return;
        counted.value() = false;
        --m_unauthenticated;
        auto perAddress = m_unauthenticatedByAddress.find(connection->peer());
        if (perAddress != m_unauthenticatedByAddress.end() && --perAddress.value() <= 0)
            m_unauthenticatedByAddress.erase(perAddress);
    }

    CollectGate &m_gate;
    Database *m_database;
    ConnectionRecorder *m_recorder;
    std::atomic<int> &m_connectionCount;
    std::function<CollectServerConfig()> m_connectionConfig;
    libssh::BindPtr m_bind;
    Listener *m_listener = nullptr; // child of this
    // Each connection, and whether it still counts as unauthenticated.
    QHash<CollectConnection *, bool> m_connections;
    int m_unauthenticated = 0;
    QHash<QHostAddress, int> m_unauthenticatedByAddress;
};

CollectServer::CollectServer(CollectGate &gate, Vault &vault, Database &database, QObject *parent)
    : QObject(parent)
    , m_gate(gate)
    , m_vault(vault)
    , m_database(&database)
    , m_workerThread(u"keystead-collect"_s)
{
}

CollectServer::~CollectServer()
{
    stop();
}

Status CollectServer::start(const CollectServerConfig &config)
{
    stop();
    // In this thread, not the server's: the vault may ask the keychain, whose
    // jobs run in the application's thread, which waits for the listener below.
    Result<HostKeys> keys = HostKeys::loadOrCreate(m_vault, *m_database, config.legacyHostKeyDir());
    if (!keys) {
        m_lastError = keys.error().message;
        setState(State::Failed);
        return keys.error();
    }
    {
        QMutexLocker lock(&m_configMutex);
        m_config = config;
    }
    {
        QMutexLocker lock(&m_workerMutex);
        m_worker = new Worker(m_gate, m_database, m_recorder, m_connectionCount, [this] { return connectionConfig(); });
        m_workerThread.start(m_worker);
    }

    std::optional<Result<Started>> started;
    m_workerThread.run(
        [this, &started, &keys, applied = connectionConfig()] { started = m_worker->listen(applied, keys.value()); });
    if (!started->ok()) {
        m_lastError = started->error().message;
        stop();
        setState(State::Failed);
        return started->error();
    }
    m_port = started->value().port;
    m_fingerprints = started->value().fingerprints;
    m_lastError.clear();
    setState(State::Running);
    return {};
}

void CollectServer::stop()
{
    if (!m_workerThread.isRunning())
        return;
    {
        // From here terminate() finds nothing; one under way has finished.
        QMutexLocker lock(&m_workerMutex);
        m_worker = nullptr;
    }
    m_workerThread.stop(); // the worker's destructor closes every connection
    m_port = 0;
    if (m_state == State::Running)
        setState(State::Stopped);
}

bool CollectServer::terminate(const QString &connectionId, const QString &reason)
{
    QMutexLocker lock(&m_workerMutex);
    if (!m_worker)
        return false;
    if (QThread::currentThread() == m_worker->thread())
        return m_worker->terminate(connectionId, reason);
    // Not a blocking invoke: a caller holding a lock the recorder needs would
    // wait forever for a server thread that waits for that lock. A bounded
    // wait turns such a mistake into a late answer instead of a hang.
    struct Outcome
    {
        QSemaphore done;
        std::atomic<bool> found = false;
    };
    const auto outcome = std::make_shared<Outcome>();
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, outcome, connectionId, reason] {
            outcome->found = worker->terminate(connectionId, reason);
            outcome->done.release();
        },
        Qt::QueuedConnection);
    if (!outcome->done.tryAcquire(1, kTerminateWaitMs)) {
        qWarning("collect: terminating connection %s: the server did not answer in time", qPrintable(connectionId));
        return false;
    }
    return outcome->found.load();
}

void CollectServer::setPolicy(const SettingsPolicy &policy)
{
    QMutexLocker lock(&m_configMutex);
    m_policy = policy;
}

void CollectServer::setLogLevel(int level)
{
    QMutexLocker lock(&m_configMutex);
    m_logLevel = level;
}

CollectServerConfig CollectServer::connectionConfig() const
{
    QMutexLocker lock(&m_configMutex);
    CollectServerConfig config = m_policy ? m_config.withPolicy(*m_policy) : m_config;
    if (m_logLevel)
        config.logLevel = *m_logLevel;
    return config;
}

QString CollectServer::listenAddress() const
{
    if (m_state != State::Running)
        return {};
    QMutexLocker lock(&m_configMutex);
    ListenAddress bound = m_config.listen;
    bound.port = m_port;
    return bound.toString();
}

void CollectServer::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

} // namespace keystead
