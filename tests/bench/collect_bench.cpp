// Load generator for the collect server. Many SSH clients in this one process
// (libssh's client API, non-blocking, one poll loop per client thread) run
// the collect path -- key exchange, a key probe, a signed offer, disconnect --
// against Keystead's collect server and against an OpenSSH sshd set up to do
// the same work, at several concurrency levels. Then connections are held at
// the confirmation prompt to weigh the collect server's memory per waiting
// connection. See README.md beside this file.

#include "TestDatabase.h"

#include "collect/CollectService.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "collect/WebhookSigner.h"
#include "common/Clock.h"
#include "ssh/NativeHandles.h"
#include "sshserver/CollectServer.h"

#include <libssh/libssh.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace keystead;

namespace {

using SteadyClock = std::chrono::steady_clock;

// A connection that has not reached its goal by then counts as failed.
constexpr int kAttemptTimeoutMs = 60'000;
// The longest a poll loop sleeps; on a quiet poll every unfinished attempt is
// stepped once more, a safety net should libssh hold data the socket no longer signals.
constexpr int kPollMs = 100;
// What Keystead writes when it waits for the user's answer on a terminal.
constexpr const char *kPrompt = "Press y";
// Handshakes in flight while connections are being brought to the prompt.
constexpr int kHoldHandshakes = 128;
// Keystead's caps on unauthenticated connections, raised like sshd's MaxStartups below.
constexpr int kUnauthenticatedCap = 4096;
// How long the servers get to close what the clients left, between runs.
constexpr int kSettleMs = 30'000;

double msSince(SteadyClock::time_point start)
{
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

void print(const QString &text)
{
    std::fputs(text.toUtf8().constData(), stdout);
    std::fflush(stdout);
}

void sleepMs(int ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// --- what the machine says ------------------------------------------------

double threadCpuMs()
{
    timespec spent = {};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spent);
    return double(spent.tv_sec) * 1e3 + double(spent.tv_nsec) / 1e6;
}

double clockTickMs()
{
    const long ticks = ::sysconf(_SC_CLK_TCK);
    return ticks > 0 ? 1000.0 / double(ticks) : 10.0;
}

struct ProcStat
{
    qint64 parent = 0;
    qint64 ownTicks = 0; // utime + stime
    qint64 childTicks = 0; // cutime + cstime: children that were waited for
};

std::optional<ProcStat> readProcStat(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray line = file.readAll();
    // The command name may hold spaces and parentheses: the fields follow its last ')'.
    const qsizetype nameEnd = line.lastIndexOf(')');
    if (nameEnd < 0)
        return std::nullopt;
    const QList<QByteArray> fields = line.mid(nameEnd + 2).split(' ');
    // From field 3 (state) on: ppid is 4, utime 14, stime 15, cutime 16, cstime 17.
    if (fields.size() < 15)
        return std::nullopt;
    ProcStat stat;
    stat.parent = fields.at(1).toLongLong();
    stat.ownTicks = fields.at(11).toLongLong() + fields.at(12).toLongLong();
    stat.childTicks = fields.at(13).toLongLong() + fields.at(14).toLongLong();
    return stat;
}

// A field of /proc/PID/status in kB ("VmRSS", "RssAnon"); -1 when unreadable.
qint64 statusKb(const QString &statusPath, const QByteArray &field)
{
    QFile file(statusPath);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith(QByteArray(field + ':')))
            return line.mid(field.size() + 1).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

// The /proc folder of this process's thread with that name (Linux keeps the first 15 bytes).
QString threadDir(const QString &name)
{
    const QDir tasks(u"/proc/self/task"_s);
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks.filePath(tid + u"/comm"_s));
        if (comm.open(QIODevice::ReadOnly) && QString::fromUtf8(comm.readAll().trimmed()) == name.left(15))
            return tasks.filePath(tid);
    }
    return {};
}

int childCount(qint64 pid)
{
    int children = 0;
    const QDir proc(u"/proc"_s);
    for (const QString &entry : proc.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool numeric = false;
        entry.toLongLong(&numeric);
        if (!numeric)
            continue;
        const std::optional<ProcStat> stat = readProcStat(proc.filePath(entry + u"/stat"_s));
        if (stat && stat->parent == pid)
            ++children;
    }
    return children;
}

QJsonArray loadAverage()
{
    double loads[3] = {};
    QJsonArray array;
    if (::getloadavg(loads, 3) == 3) {
        for (const double load : loads)
            array.append(std::round(load * 100.0) / 100.0);
    }
    return array;
}

QString filesystemOf(const QString &path)
{
    struct statfs info = {};
    if (::statfs(QFile::encodeName(path).constData(), &info) != 0)
        return u"unknown"_s;
    switch (static_cast<unsigned long>(info.f_type)) {
    case 0xEF53UL: return u"ext4"_s;
    case 0x01021994UL: return u"tmpfs"_s;
    case 0x794C7630UL: return u"overlay"_s;
    case 0x9123683EUL: return u"btrfs"_s;
    case 0x58465342UL: return u"xfs"_s;
    default: return u"0x%1"_s.arg(static_cast<unsigned long>(info.f_type), 0, 16);
    }
}

// Thousands of sockets need more descriptors than the usual soft limit.
void raiseFileLimit()
{
    rlimit limit = {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

rlim_t fileLimit()
{
    rlimit limit = {};
    return ::getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 0;
}

// A port nobody listens on right now (sshd cannot be told to take port 0).
quint16 freePort()
{
    const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    if (probe < 0)
        return 0;
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    quint16 port = 0;
    if (::bind(probe, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0
        && ::getsockname(probe, reinterpret_cast<sockaddr *>(&address), &length) == 0)
        port = ntohs(address.sin_port);
    ::close(probe);
    return port;
}

bool acceptsConnections(quint16 port)
{
    const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    if (probe < 0)
        return false;
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    const bool connected = ::connect(probe, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
    ::close(probe);
    return connected;
}

// --- the client key -------------------------------------------------------

// A throwaway Ed25519 key made for this run: each client thread imports its own copy.
struct ClientKey
{
    QByteArray privateBase64; // in memory only
    QByteArray authorizedLine; // "ssh-ed25519 AAAA... bench_collect"
};

std::optional<ClientKey> makeClientKey()
{
    ssh_key made = nullptr;
    if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &made) != SSH_OK)
        return std::nullopt;
    const libssh::KeyPtr key(made);
    // ssh_pki_export_privkey_base64 reads past its buffer in libssh 0.10.6
    // (ASan with strict_string_checks): go through a file in a private folder.
    QTemporaryDir folder;
    const QString file = folder.filePath(QStringLiteral("client_key"));
    if (!folder.isValid()
        || ssh_pki_export_privkey_file(key.get(), nullptr, nullptr, nullptr, qPrintable(file)) != SSH_OK)
        return std::nullopt;
    QFile privateFile(file);
    if (!privateFile.open(QIODevice::ReadOnly))
        return std::nullopt;
    char *publicText = nullptr;
    if (ssh_pki_export_pubkey_base64(key.get(), &publicText) != SSH_OK)
        return std::nullopt;
    const libssh::CharPtr publicOwned(publicText);
    ClientKey client;
    client.privateBase64 = privateFile.readAll();
    client.authorizedLine = "ssh-ed25519 " + QByteArray(publicOwned.get()) + " bench_collect\n";
    return client;
}

libssh::KeyPtr importKey(const ClientKey &key)
{
    ssh_key imported = nullptr;
    if (ssh_pki_import_privkey_base64(key.privateBase64.constData(), nullptr, nullptr, nullptr, &imported) != SSH_OK)
        return nullptr;
    return libssh::KeyPtr(imported);
}

// --- the load loop --------------------------------------------------------

struct Target
{
    QString name; // "keystead", "sshd"
    quint16 port = 0;
    QByteArray user;
};

struct Negotiated
{
    QString kex;
    QString cipher;
    QString hostKey;
    QString serverVersion;
};

struct LoopResult
{
    std::vector<double> latenciesMs; // one per completed collect path
    int failed = 0;
    QStringList errors; // the first few, for the report
    double clientCpuMs = 0;
    Negotiated negotiated;

    void merge(const LoopResult &other)
    {
        latenciesMs.insert(latenciesMs.end(), other.latenciesMs.begin(), other.latenciesMs.end());
        failed += other.failed;
        for (const QString &error : other.errors) {
            if (errors.size() < 5)
                errors.append(error);
        }
        clientCpuMs += other.clientCpuMs;
        if (negotiated.kex.isEmpty())
            negotiated = other.negotiated;
    }
};

// One client connection, as a state machine over libssh's non-blocking calls.
struct Attempt
{
    enum class Step {
        Connect, // TCP connect, version lines, key exchange
        Probe, // the key offered without signature: the server should answer PK_OK
        Sign, // the signed offer: partial success on both servers
        Reoffer, // (hold) the proven key again: Keystead lets the client in
        OpenChannel,
        RequestPty,
        RequestShell,
        ReadPrompt, // until the confirmation prompt shows
        Waiting, // (hold) at the prompt, never answering
        Done,
        Failed,
    };

    // Declared so that the channel is freed before its session.
    libssh::SessionPtr ssh;
    libssh::ChannelPtr channel;
    Step step = Step::Connect;
    SteadyClock::time_point started;
    double latencyMs = 0;
    QByteArray output;
    QString error;
};

// Many client connections driven from one thread: one poll() over their
// sockets, each ready one stepped with libssh's non-blocking calls.
class LoadLoop final
{
public:
    enum class Path {
        Collect, // key exchange, probe, signed offer, disconnect
        Hold, // ... then in, a pty and a shell, and wait at the confirmation prompt
    };

    LoadLoop(const Target &target, ssh_key key, Path path)
        : m_target(target)
        , m_key(key)
        , m_path(path)
    {
    }
    ~LoadLoop() { releaseAll(); }
    LoadLoop(const LoadLoop &) = delete;
    LoadLoop &operator=(const LoadLoop &) = delete;

    // `total` collect paths, `concurrency` at a time; unfinished ones count as failed at `deadline`.
    LoopResult runCollect(int total, int concurrency, SteadyClock::time_point deadline)
    {
        const double cpuBefore = threadCpuMs();
        for (;;) {
            while (int(m_attempts.size()) < concurrency && m_started < total) {
                start();
                reap();
            }
            if (m_attempts.empty() && m_started >= total)
                break;
            if (SteadyClock::now() >= deadline) {
                failAll(u"the run's time ran out"_s);
                m_result.failed += total - m_started;
                break;
            }
            pump(kPollMs);
            reap();
        }
        m_result.clientCpuMs = threadCpuMs() - cpuBefore;
        return std::exchange(m_result, {});
    }

    // Brings `count` more connections to the confirmation prompt, at most
    // `handshakes` of them on their way at a time. Returns how many wait there.
    int holdAtPrompt(int count, int handshakes, SteadyClock::time_point deadline)
    {
        const int goal = m_started + count;
        for (;;) {
            reap();
            int onTheirWay = 0;
            for (const std::unique_ptr<Attempt> &attempt : m_attempts)
                onTheirWay += attempt->step == Attempt::Step::Waiting ? 0 : 1;
            while (onTheirWay < handshakes && m_started < goal) {
                start();
                ++onTheirWay;
            }
            if (onTheirWay == 0 && m_started >= goal)
                break;
            if (SteadyClock::now() >= deadline) {
                for (const std::unique_ptr<Attempt> &attempt : m_attempts) {
                    if (attempt->step != Attempt::Step::Waiting)
                        fail(*attempt, u"did not reach the prompt in time"_s);
                }
                m_result.failed += goal - m_started;
                reap();
                break;
            }
            pump(kPollMs);
        }
        return waiting();
    }

    // Looks at every held connection once more (without waiting); how many still wait.
    int stillHeld()
    {
        pump(0);
        reap();
        return waiting();
    }

    void releaseAll()
    {
        for (const std::unique_ptr<Attempt> &attempt : m_attempts)
            close(*attempt);
        m_attempts.clear();
    }

    const LoopResult &result() const { return m_result; }

private:
    int waiting() const
    {
        int count = 0;
        for (const std::unique_ptr<Attempt> &attempt : m_attempts)
            count += attempt->step == Attempt::Step::Waiting ? 1 : 0;
        return count;
    }

    void start()
    {
        ++m_started;
        auto attempt = std::make_unique<Attempt>();
        attempt->started = SteadyClock::now();
        attempt->ssh.reset(ssh_new());
        if (!attempt->ssh) {
            fail(*attempt, u"ssh_new failed"_s);
        } else if (!configure(attempt->ssh.get())) {
            fail(*attempt, u"cannot set the client's options"_s);
        } else {
            ssh_set_blocking(attempt->ssh.get(), 0);
            advance(*attempt);
        }
        m_attempts.push_back(std::move(attempt));
    }

    bool configure(ssh_session session) const
    {
        const unsigned int port = m_target.port;
        const int verbosity = SSH_LOG_NOLOG;
        const int noDelay = 1; // else delayed ACKs cost ~40 ms per login
        const bool processConfig = false; // no ~/.ssh/config or /etc/ssh/ssh_config per connection
        return ssh_options_set(session, SSH_OPTIONS_HOST, "127.0.0.1") == SSH_OK
            && ssh_options_set(session, SSH_OPTIONS_PORT, &port) == SSH_OK
            && ssh_options_set(session, SSH_OPTIONS_USER, m_target.user.constData()) == SSH_OK
            && ssh_options_set(session, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) == SSH_OK
            && ssh_options_set(session, SSH_OPTIONS_NODELAY, &noDelay) == SSH_OK
            && ssh_options_set(session, SSH_OPTIONS_PROCESS_CONFIG, &processConfig) == SSH_OK
            && ssh_options_set(session, SSH_OPTIONS_KNOWNHOSTS, "/dev/null") == SSH_OK
            && ssh_options_set(session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") == SSH_OK
            // Both servers sign the exchange with an Ed25519 host key.
            && ssh_options_set(session, SSH_OPTIONS_HOSTKEYS, "ssh-ed25519") == SSH_OK;
    }

    void advance(Attempt &attempt)
    {
        // A step that completes goes straight on to the next; a bound keeps a confused one from spinning.
        for (int steps = 0; steps < 16 && step(attempt); ++steps) { }
    }

    // One libssh call for the attempt's step; true when it moved on.
    bool step(Attempt &attempt)
    {
        ssh_session session = attempt.ssh.get();
        switch (attempt.step) {
        case Attempt::Step::Connect: {
            const int connected = ssh_connect(session);
            if (connected == SSH_AGAIN)
                return false;
            if (connected != SSH_OK)
                return fail(attempt, u"connect: "_s + QString::fromUtf8(ssh_get_error(session)));
            noteNegotiated(session);
            attempt.step = Attempt::Step::Probe;
            return true;
        }
        case Attempt::Step::Probe: {
            const int probed = ssh_userauth_try_publickey(session, nullptr, m_key);
            if (probed == SSH_AUTH_AGAIN)
                return false;
            if (probed != SSH_AUTH_SUCCESS)
                return fail(attempt, u"the key probe was not accepted (%1)"_s.arg(probed));
            attempt.step = Attempt::Step::Sign;
            return true;
        }
        case Attempt::Step::Sign: {
            const int signedOffer = ssh_userauth_publickey(session, nullptr, m_key);
            if (signedOffer == SSH_AUTH_AGAIN)
                return false;
            if (signedOffer != SSH_AUTH_PARTIAL)
                return fail(attempt, u"the signed offer got %1, not partial success"_s.arg(signedOffer));
            attempt.latencyMs = msSince(attempt.started);
            if (m_path == Path::Collect) {
                close(attempt);
                attempt.step = Attempt::Step::Done;
                return false;
            }
            attempt.step = Attempt::Step::Reoffer;
            return true;
        }
        case Attempt::Step::Reoffer: {
            const int again = ssh_userauth_publickey(session, nullptr, m_key);
            if (again == SSH_AUTH_AGAIN)
                return false;
            if (again != SSH_AUTH_SUCCESS)
                return fail(attempt, u"the key offered again got %1, not success"_s.arg(again));
            attempt.channel.reset(ssh_channel_new(session));
            if (!attempt.channel)
                return fail(attempt, u"ssh_channel_new failed"_s);
            attempt.step = Attempt::Step::OpenChannel;
            return true;
        }
        case Attempt::Step::OpenChannel:
            return channelCall(attempt, ssh_channel_open_session(attempt.channel.get()), Attempt::Step::RequestPty,
                               u"channel open"_s);
        case Attempt::Step::RequestPty:
            return channelCall(attempt, ssh_channel_request_pty(attempt.channel.get()), Attempt::Step::RequestShell,
                               u"pty request"_s);
        case Attempt::Step::RequestShell:
            return channelCall(attempt, ssh_channel_request_shell(attempt.channel.get()), Attempt::Step::ReadPrompt,
                               u"shell request"_s);
        case Attempt::Step::ReadPrompt: {
            char buffer[1024];
            const int got = ssh_channel_read_nonblocking(attempt.channel.get(), buffer, sizeof buffer, 0);
            if (got < 0)
                return fail(attempt,
                            u"the dialog ended before the prompt: %1"_s.arg(QString::fromUtf8(attempt.output)));
            if (got == 0)
                return false;
            attempt.output.append(buffer, got);
            if (attempt.output.contains(kPrompt)) {
                attempt.output = QByteArray();
                attempt.step = Attempt::Step::Waiting;
                return false;
            }
            return true;
        }
        case Attempt::Step::Waiting: {
            // Nothing more comes until the user answers: anything else means the server let go.
            char buffer[256];
            const int got = ssh_channel_read_nonblocking(attempt.channel.get(), buffer, sizeof buffer, 0);
            if (got < 0 || ssh_channel_is_closed(attempt.channel.get()) || !ssh_is_connected(session))
                return fail(attempt, u"dropped while waiting at the prompt"_s);
            return false;
        }
        case Attempt::Step::Done:
        case Attempt::Step::Failed: return false;
        }
        return false;
    }

    bool channelCall(Attempt &attempt, int outcome, Attempt::Step next, const QString &what)
    {
        if (outcome == SSH_AGAIN)
            return false;
        if (outcome != SSH_OK)
            return fail(attempt, what + u" failed: "_s + QString::fromUtf8(ssh_get_error(attempt.ssh.get())));
        attempt.step = next;
        return true;
    }

    void noteNegotiated(ssh_session session)
    {
        if (!m_result.negotiated.kex.isEmpty())
            return;
        const auto text = [](const char *value) { return QString::fromUtf8(value ? value : "?"); };
        m_result.negotiated.kex = text(ssh_get_kex_algo(session));
        m_result.negotiated.cipher = text(ssh_get_cipher_out(session));
        m_result.negotiated.serverVersion = text(ssh_get_serverbanner(session));
        ssh_key hostKey = nullptr;
        if (ssh_get_server_publickey(session, &hostKey) == SSH_OK) {
            const libssh::KeyPtr owned(hostKey);
            m_result.negotiated.hostKey = text(ssh_key_type_to_char(ssh_key_type(owned.get())));
        }
    }

    bool fail(Attempt &attempt, const QString &why)
    {
        if (attempt.step == Attempt::Step::Failed)
            return false;
        attempt.step = Attempt::Step::Failed;
        attempt.error = why;
        close(attempt);
        return false;
    }

    void failAll(const QString &why)
    {
        for (const std::unique_ptr<Attempt> &attempt : m_attempts)
            fail(*attempt, why);
        reap();
    }

    static void close(Attempt &attempt)
    {
        // ssh_disconnect frees the session's channels: ours goes first.
        attempt.channel.reset();
        if (attempt.ssh) {
            ssh_disconnect(attempt.ssh.get());
            attempt.ssh.reset();
        }
    }

    // Records and drops the attempts that ended.
    void reap()
    {
        const auto ended = std::remove_if(m_attempts.begin(), m_attempts.end(), [this](const auto &attempt) {
            if (attempt->step == Attempt::Step::Done) {
                m_result.latenciesMs.push_back(attempt->latencyMs);
                return true;
            }
            if (attempt->step == Attempt::Step::Failed) {
                ++m_result.failed;
                if (m_result.errors.size() < 5)
                    m_result.errors.append(attempt->error);
                return true;
            }
            return false;
        });
        m_attempts.erase(ended, m_attempts.end());
    }

    void pump(int timeoutMs)
    {
        m_pollFds.clear();
        m_polled.clear();
        for (const std::unique_ptr<Attempt> &attempt : m_attempts) {
            if (attempt->step == Attempt::Step::Done || attempt->step == Attempt::Step::Failed)
                continue;
            if (attempt->step != Attempt::Step::Waiting && msSince(attempt->started) > kAttemptTimeoutMs) {
                fail(*attempt, u"no progress for %1 s"_s.arg(kAttemptTimeoutMs / 1000));
                continue;
            }
            const int fd = ssh_get_fd(attempt->ssh.get());
            if (fd < 0) {
                fail(*attempt, u"the connection has no socket"_s);
                continue;
            }
            short events = POLLIN;
            if ((ssh_get_poll_flags(attempt->ssh.get()) & SSH_WRITE_PENDING) != 0)
                events |= POLLOUT;
            m_pollFds.push_back(pollfd{fd, events, 0});
            m_polled.push_back(attempt.get());
        }
        if (m_pollFds.empty())
            return;
        const int ready = ::poll(m_pollFds.data(), nfds_t(m_pollFds.size()), timeoutMs);
        if (ready < 0)
            return; // EINTR: the caller's loop comes back
        for (size_t i = 0; i < m_pollFds.size(); ++i) {
            Attempt &attempt = *m_polled[i];
            // A quiet poll steps every unfinished handshake (not the held ones: nothing is due there).
            const bool due = ready == 0 ? attempt.step != Attempt::Step::Waiting : m_pollFds[i].revents != 0;
            if (due)
                advance(attempt);
        }
    }

    const Target m_target;
    ssh_key m_key;
    const Path m_path;
    std::vector<std::unique_ptr<Attempt>> m_attempts;
    std::vector<pollfd> m_pollFds;
    std::vector<Attempt *> m_polled;
    int m_started = 0;
    LoopResult m_result;
};

// Runs one concurrency level: `threads` client threads, each with its own loop and copy of the key.
LoopResult runCollect(const Target &target, const ClientKey &key, int total, int concurrency, int threads,
                      SteadyClock::time_point deadline)
{
    threads = std::clamp(threads, 1, concurrency);
    std::vector<LoopResult> results(size_t(threads), LoopResult{});
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) {
        const int share = total / threads + (i < total % threads ? 1 : 0);
        const int parallel = concurrency / threads + (i < concurrency % threads ? 1 : 0);
        workers.emplace_back([&target, &key, &results, i, share, parallel, deadline] {
            LoopResult &result = results[size_t(i)];
            const libssh::KeyPtr ownKey = importKey(key);
            if (!ownKey) {
                result.failed = share;
                result.errors.append(u"cannot import the client key"_s);
                return;
            }
            LoadLoop loop(target, ownKey.get(), LoadLoop::Path::Collect);
            result = loop.runCollect(share, parallel, deadline);
        });
    }
    for (std::thread &worker : workers)
        worker.join();
    LoopResult merged;
    for (const LoopResult &result : results)
        merged.merge(result);
    return merged;
}

// --- the servers ----------------------------------------------------------

// Keystead's collect server on a temporary SQLite store, with a real
// CollectService and one collect session every connection reaches.
class KeysteadServer final
{
public:
    KeysteadServer() = default;
    ~KeysteadServer() { stop(); }
    KeysteadServer(const KeysteadServer &) = delete;
    KeysteadServer &operator=(const KeysteadServer &) = delete;

    Status start(bool mustConfirm)
    {
        m_store = test::TestDatabase::create(m_clock);
        if (!m_store)
            return Error::internal(u"cannot create the temporary store"_s);
        if (!m_dataDir.isValid())
            return Error::internal(u"cannot create a temporary data folder"_s);
        m_outbox = std::make_unique<WebhookOutbox>(m_store->database(), m_clock);
        m_signer = std::make_unique<WebhookSigner>(m_store->dataDir(), m_store->database(), m_clock);
        m_seal = std::make_unique<WebhookHeaderSeal>(*m_signer);
        m_service = std::make_unique<CollectService>(m_store->database(), m_clock, *m_outbox, *m_seal);
        CollectSessionInput input;
        // Every connection records its key, and the session stays open for the next.
        input.multiKey = true;
        input.multiConnection = true;
        input.mustConfirm = mustConfirm;
        Result<CollectSession> created = m_service->create(input);
        if (!created)
            return created.error();
        m_session = created.value();

        CollectServerConfig config;
        config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
        config.dataDir = m_dataDir.path();
        config.maxUnauthenticated = kUnauthenticatedCap;
        config.maxUnauthenticatedPerAddress = kUnauthenticatedCap;
        m_server = std::make_unique<CollectServer>(*m_service, &m_store->database());
        if (Status started = m_server->start(config); !started)
            return started;
        // QThread names the thread after its object name.
        m_threadDir = threadDir(u"keystead-collect"_s);
        return {};
    }

    void stop()
    {
        m_server.reset(); // before the store goes
        m_service.reset();
        m_seal.reset();
        m_signer.reset();
        m_outbox.reset();
        if (m_store)
            m_store->database().releaseThreadConnection();
        m_store.reset();
    }

    Target target() const
    {
        return Target{u"keystead"_s, m_server->boundPort(), m_session.connectionIdentifier.toUtf8()};
    }
    int connectionCount() const { return m_server ? m_server->connectionCount() : 0; }
    // CPU time of the server's thread, in ms (the scheduler's count, to the
    // nanosecond); -1 when it cannot be read.
    double cpuMs() const { return schedstatMs(0); }
    // Time the server's thread was ready to run but waited for a CPU: what
    // other load on the machine cost it.
    double runQueueWaitMs() const { return schedstatMs(1); }
    bool settle() const
    {
        const SteadyClock::time_point start = SteadyClock::now();
        while (connectionCount() != 0 && msSince(start) < kSettleMs)
            sleepMs(10);
        return connectionCount() == 0;
    }
    QString storeFilesystem() const { return filesystemOf(m_store ? m_store->dataDir() : QString()); }
    Result<CollectSession> session() const { return m_service->get(m_session.id); }
    quint16 port() const { return m_server ? m_server->boundPort() : 0; }
    QString identifier() const { return m_session.connectionIdentifier; }

private:
    // /proc/.../schedstat: time on a CPU, time waiting for one (ns), time slices.
    double schedstatMs(int field) const
    {
        QFile file(m_threadDir + u"/schedstat"_s);
        if (m_threadDir.isEmpty() || !file.open(QIODevice::ReadOnly))
            return -1;
        const QList<QByteArray> fields = file.readAll().trimmed().split(' ');
        bool ok = false;
        const qint64 ns = fields.value(field).toLongLong(&ok);
        return ok ? double(ns) / 1e6 : -1;
    }

    SystemClock m_clock;
    std::unique_ptr<test::TestDatabase> m_store;
    QTemporaryDir m_dataDir;
    std::unique_ptr<WebhookOutbox> m_outbox;
    std::unique_ptr<WebhookSigner> m_signer;
    std::unique_ptr<WebhookHeaderSeal> m_seal;
    std::unique_ptr<CollectService> m_service;
    std::unique_ptr<CollectServer> m_server;
    CollectSession m_session;
    QString m_threadDir;
};

// A throwaway OpenSSH sshd on 127.0.0.1 doing the same work as the collect
// path: the client's key is authorized, so sshd answers the probe with PK_OK
// and verifies the signature; `AuthenticationMethods publickey,password`
// then answers the proven key with partial success, as Keystead does.
class Sshd final
{
public:
    Sshd() = default;
    ~Sshd() { stop(); }
    Sshd(const Sshd &) = delete;
    Sshd &operator=(const Sshd &) = delete;

    // Why sshd cannot run here; empty when it can.
    static QString unavailable()
    {
        if (::geteuid() != 0)
            return u"not root: sshd's privilege separation needs root (and a private /run/sshd), so the sshd "
                   "comparison is skipped"_s;
        if (sshdPath().isEmpty())
            return u"no sshd found (install openssh-server)"_s;
        if (QStandardPaths::findExecutable(u"unshare"_s).isEmpty())
            return u"no unshare found (util-linux): sshd needs a private /run/sshd"_s;
        if (QStandardPaths::findExecutable(u"ssh-keygen"_s).isEmpty())
            return u"no ssh-keygen found"_s;
        return {};
    }

    static QString version()
    {
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(sshdPath(), {u"-V"_s});
        if (!process.waitForFinished(10'000))
            return u"?"_s;
        return QString::fromUtf8(process.readAll().split('\n').value(0).trimmed());
    }

    Status start(const QByteArray &authorizedKey)
    {
        if (!m_dir.isValid())
            return Error::internal(u"cannot create a temporary folder for sshd"_s);
        const QDir dir(m_dir.path());
        QProcess keygen;
        keygen.setProcessChannelMode(QProcess::MergedChannels);
        keygen.start(u"ssh-keygen"_s,
                     {u"-q"_s, u"-t"_s, u"ed25519"_s, u"-N"_s, QString(), u"-C"_s, u"bench-sshd"_s, u"-f"_s,
                      dir.filePath(u"ssh_host_ed25519_key"_s)});
        if (!keygen.waitForFinished(30'000) || keygen.exitCode() != 0)
            return Error::internal(u"ssh-keygen failed: "_s + QString::fromUtf8(keygen.readAll()));
        QFile authorized(dir.filePath(u"authorized_keys"_s));
        if (!authorized.open(QIODevice::WriteOnly) || authorized.write(authorizedKey) != authorizedKey.size())
            return Error::internal(u"cannot write authorized_keys"_s);
        authorized.close();

        QString lastProblem;
        // The free port may be taken before sshd binds it: try another.
        for (int tries = 0; tries < 3; ++tries) {
            m_port = freePort();
            if (m_port == 0)
                return Error::unavailable(u"no free port"_s);
            if (Status launched = launch(); launched)
                return {};
            else
                lastProblem = launched.error().message;
        }
        return Error::unavailable(lastProblem);
    }

    void stop()
    {
        if (!m_process)
            return;
        m_process->terminate();
        if (!m_process->waitForFinished(5'000)) {
            m_process->kill();
            m_process->waitForFinished(5'000);
        }
        m_process.reset();
    }

    Target target() const
    {
        const passwd *user = ::getpwuid(::geteuid());
        return Target{u"sshd"_s, m_port, QByteArray(user ? user->pw_name : "root")};
    }
    QString configText() const { return m_config; }
    qint64 pid() const { return m_pid; }
    // CPU time of sshd and every process it forked for a connection (once reaped), in ms.
    double cpuMs() const
    {
        const std::optional<ProcStat> stat = readProcStat(u"/proc/%1/stat"_s.arg(m_pid));
        return stat ? double(stat->ownTicks + stat->childTicks) * clockTickMs() : -1;
    }
    // Not measurable: the per-connection processes are gone when the run ends.
    double runQueueWaitMs() const { return -1; }
    // Waits until every per-connection process has ended and was reaped.
    bool settle() const
    {
        const SteadyClock::time_point start = SteadyClock::now();
        while (childCount(m_pid) != 0 && msSince(start) < kSettleMs)
            sleepMs(20);
        return childCount(m_pid) == 0;
    }

private:
    static QString sshdPath()
    {
        return QStandardPaths::findExecutable(u"sshd"_s, {u"/usr/sbin"_s, u"/usr/local/sbin"_s, u"/sbin"_s});
    }

    Status launch()
    {
        const QDir dir(m_dir.path());
        m_config = QStringList{
            u"# bench_collect: a throwaway sshd doing the collect path's work"_s,
            u"ListenAddress 127.0.0.1:%1"_s.arg(m_port),
            u"HostKey %1"_s.arg(dir.filePath(u"ssh_host_ed25519_key"_s)),
            // The key is authorized, so sshd answers the probe and verifies the signature...
            u"AuthorizedKeysFile %1"_s.arg(dir.filePath(u"authorized_keys"_s)),
            // ...and then answers "partial success, password next", as Keystead answers PARTIAL.
            u"AuthenticationMethods publickey,password"_s,
            u"PubkeyAuthentication yes"_s,
            u"PasswordAuthentication yes"_s,
            u"KbdInteractiveAuthentication no"_s,
            u"PermitRootLogin yes"_s,
            u"UsePAM no"_s,
            u"StrictModes no"_s,
            u"PidFile none"_s,
            u"LogLevel ERROR"_s,
            u"MaxStartups 1000:30:2000"_s,
            u"MaxSessions 2000"_s,
            u"UseDNS no"_s,
            u"PrintMotd no"_s,
            u"DisableForwarding yes"_s,
            u"GSSAPIAuthentication no"_s,
            u"HostbasedAuthentication no"_s,
            u"LoginGraceTime 60"_s,
        }.join(u'\n')
            + u'\n';
        QFile configFile(dir.filePath(u"sshd_config"_s));
        if (!configFile.open(QIODevice::WriteOnly | QIODevice::Truncate)
            || configFile.write(m_config.toUtf8()) != m_config.toUtf8().size())
            return Error::internal(u"cannot write sshd_config"_s);
        configFile.close();

        const QString log = dir.filePath(u"sshd.log"_s);
        m_process = std::make_unique<QProcess>();
        m_process->setStandardOutputFile(QProcess::nullDevice());
        m_process->setStandardErrorFile(log, QIODevice::Append);
        // sshd ends with this process, even if the benchmark dies. unshare and
        // sh exec, so the child is sshd itself; exec keeps the setting.
        m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
        // As root sshd wants /run/sshd (privilege separation): a private mount
        // namespace with its own tmpfs on /run gives it one without touching the machine.
        m_process->start(u"unshare"_s,
                         {u"--mount"_s, u"--propagation"_s, u"private"_s, u"/bin/sh"_s, u"-c"_s,
                          u"mount -t tmpfs -o mode=0755,size=1m tmpfs /run && mkdir -m 0755 "
                          "/run/sshd && exec \"$0\" -D -e -f \"$1\""_s,
                          sshdPath(), dir.filePath(u"sshd_config"_s)});
        if (!m_process->waitForStarted(10'000))
            return Error::unavailable(u"cannot start unshare: "_s + m_process->errorString());
        m_pid = m_process->processId();
        const SteadyClock::time_point start = SteadyClock::now();
        while (msSince(start) < 10'000) {
            if (m_process->waitForFinished(50)) {
                QFile written(log);
                written.open(QIODevice::ReadOnly);
                m_process.reset();
                return Error::unavailable(u"sshd ended at once: "_s + QString::fromUtf8(written.readAll()).trimmed());
            }
            if (acceptsConnections(m_port))
                return {};
        }
        stop();
        return Error::unavailable(u"sshd did not listen within 10 s"_s);
    }

    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    qint64 m_pid = 0;
    quint16 m_port = 0;
    QString m_config;
};

// --- measuring ------------------------------------------------------------

struct LatencySummary
{
    double p50 = 0;
    double p99 = 0;
    double mean = 0;
    double min = 0;
    double max = 0;
};

double percentile(const std::vector<double> &sorted, double p)
{
    if (sorted.empty())
        return 0;
    // Nearest rank.
    const auto rank = size_t(std::ceil(p / 100.0 * double(sorted.size())));
    return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

LatencySummary summarize(std::vector<double> latencies)
{
    LatencySummary summary;
    if (latencies.empty())
        return summary;
    std::sort(latencies.begin(), latencies.end());
    summary.p50 = percentile(latencies, 50);
    summary.p99 = percentile(latencies, 99);
    double sum = 0;
    for (const double latency : latencies)
        sum += latency;
    summary.mean = sum / double(latencies.size());
    summary.min = latencies.front();
    summary.max = latencies.back();
    return summary;
}

double rounded(double value, int digits = 2)
{
    const double scale = std::pow(10.0, digits);
    return std::round(value * scale) / scale;
}

struct RunReport
{
    QString server;
    int concurrency = 0;
    int connections = 0;
    int completed = 0;
    int failed = 0;
    double wallSeconds = 0;
    double perSecond = 0;
    LatencySummary latency;
    double serverCpuMsPerConnection = -1;
    double serverWaitMsPerConnection = -1; // Keystead's thread only
    double clientCpuMsPerConnection = 0;
    bool settled = true;
    QStringList errors;
    Negotiated negotiated;

    QJsonObject toJson() const
    {
        return QJsonObject{
            {u"server"_s, server},
            {u"concurrency"_s, concurrency},
            {u"connections"_s, connections},
            {u"completed"_s, completed},
            {u"failed"_s, failed},
            {u"wall_seconds"_s, rounded(wallSeconds, 3)},
            {u"handshakes_per_second"_s, rounded(perSecond, 1)},
            {u"latency_ms"_s,
             QJsonObject{{u"p50"_s, rounded(latency.p50)},
                         {u"p99"_s, rounded(latency.p99)},
                         {u"mean"_s, rounded(latency.mean)},
                         {u"min"_s, rounded(latency.min)},
                         {u"max"_s, rounded(latency.max)}}},
            {u"server_cpu_ms_per_connection"_s, rounded(serverCpuMsPerConnection)},
            {u"server_runqueue_wait_ms_per_connection"_s, rounded(serverWaitMsPerConnection)},
            {u"client_cpu_ms_per_connection"_s, rounded(clientCpuMsPerConnection)},
            {u"server_settled"_s, settled},
            {u"errors"_s, QJsonArray::fromStringList(errors)},
        };
    }
};

template <typename Server>
RunReport measure(Server &server, const ClientKey &key, int total, int concurrency, int threads, int runLimitMs)
{
    RunReport report;
    const Target target = server.target();
    report.server = target.name;
    report.concurrency = concurrency;
    report.connections = total;
    const double cpuBefore = server.cpuMs();
    const double waitBefore = server.runQueueWaitMs();
    const SteadyClock::time_point start = SteadyClock::now();
    const LoopResult result
        = runCollect(target, key, total, concurrency, threads, start + std::chrono::milliseconds(runLimitMs));
    report.wallSeconds = msSince(start) / 1000.0;
    // The server's CPU includes closing what the clients left.
    report.settled = server.settle();
    const double cpuAfter = server.cpuMs();
    const double waitAfter = server.runQueueWaitMs();
    report.completed = int(result.latenciesMs.size());
    report.failed = result.failed;
    report.perSecond = report.wallSeconds > 0 ? double(report.completed) / report.wallSeconds : 0;
    report.latency = summarize(result.latenciesMs);
    if (cpuBefore >= 0 && cpuAfter >= 0 && report.completed > 0)
        report.serverCpuMsPerConnection = (cpuAfter - cpuBefore) / double(report.completed);
    if (waitBefore >= 0 && waitAfter >= 0 && report.completed > 0)
        report.serverWaitMsPerConnection = (waitAfter - waitBefore) / double(report.completed);
    if (report.completed > 0)
        report.clientCpuMsPerConnection = result.clientCpuMs / double(report.completed);
    report.errors = result.errors;
    report.negotiated = result.negotiated;
    return report;
}

// --- holding connections at the prompt ------------------------------------

// The collect server of the memory measurement runs in a child process (this
// program with --hold-server), so its RSS holds none of the clients' memory.
// It answers lines on stdin: "count" -> "count N" (connections open), "quit".
int holdServerMain()
{
    KeysteadServer server;
    if (Status started = server.start(true); !started) {
        std::cerr << "hold server: " << started.error().message.toStdString() << std::endl;
        return 1;
    }
    std::cout << "ready " << server.port() << ' ' << server.identifier().toStdString() << std::endl;
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line == "count")
            std::cout << "count " << server.connectionCount() << std::endl;
        else if (line == "quit")
            break;
    }
    server.stop();
    return 0;
}

class HoldServerProcess final
{
public:
    HoldServerProcess() = default;
    ~HoldServerProcess() { stop(); }
    HoldServerProcess(const HoldServerProcess &) = delete;
    HoldServerProcess &operator=(const HoldServerProcess &) = delete;

    Status start()
    {
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
        m_process.start(QCoreApplication::applicationFilePath(), {u"--hold-server"_s});
        if (!m_process.waitForStarted(10'000))
            return Error::unavailable(u"cannot start the hold server: "_s + m_process.errorString());
        const QList<QByteArray> ready = readLine(60'000).split(' ');
        if (ready.size() != 3 || ready.at(0) != "ready")
            return Error::unavailable(u"the hold server did not start"_s);
        m_port = quint16(ready.at(1).toUInt());
        m_identifier = ready.at(2);
        return {};
    }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.write("quit\n");
        if (!m_process.waitForFinished(30'000)) {
            m_process.kill();
            m_process.waitForFinished(5'000);
        }
    }

    int connectionCount()
    {
        m_process.write("count\n");
        const QList<QByteArray> answer = readLine(10'000).split(' ');
        return answer.size() == 2 && answer.at(0) == "count" ? answer.at(1).toInt() : -1;
    }
    bool waitForCount(int expected, int timeoutMs)
    {
        const SteadyClock::time_point start = SteadyClock::now();
        while (connectionCount() != expected) {
            if (msSince(start) > timeoutMs)
                return false;
            sleepMs(50);
        }
        return true;
    }
    qint64 serverKb(const QByteArray &field) const
    {
        return statusKb(u"/proc/%1/status"_s.arg(m_process.processId()), field);
    }
    Target target() const { return Target{u"keystead"_s, m_port, m_identifier}; }

private:
    QByteArray readLine(int timeoutMs)
    {
        const SteadyClock::time_point start = SteadyClock::now();
        while (!m_process.canReadLine()) {
            if (msSince(start) > timeoutMs || !m_process.waitForReadyRead(100)) {
                if (m_process.state() == QProcess::NotRunning || msSince(start) > timeoutMs)
                    return {};
            }
        }
        return m_process.readLine().trimmed();
    }

    QProcess m_process;
    quint16 m_port = 0;
    QByteArray m_identifier;
};

struct HoldReport
{
    int requested = 0;
    int held = 0;
    int stillHeldAtEnd = 0;
    int serverCountHeld = -1;
    qint64 baselineRssKb = -1;
    qint64 heldRssKb = -1;
    qint64 afterRssKb = -1;
    qint64 baselineAnonKb = -1;
    qint64 heldAnonKb = -1;
    qint64 clientDeltaKb = -1;
    bool released = false;
    QStringList errors;
    QString problem; // when the measurement could not run

    double perConnectionKb() const { return held > 0 ? double(heldRssKb - baselineRssKb) / double(held) : 0; }
    double anonPerConnectionKb() const { return held > 0 ? double(heldAnonKb - baselineAnonKb) / double(held) : 0; }
    bool ok() const { return problem.isEmpty() && held == requested && stillHeldAtEnd == held && released; }

    QJsonObject toJson() const
    {
        return QJsonObject{
            {u"requested"_s, requested},
            {u"held"_s, held},
            {u"still_held_after_measuring"_s, stillHeldAtEnd},
            {u"server_connection_count"_s, serverCountHeld},
            {u"server_vmrss_kb"_s,
             QJsonObject{{u"baseline"_s, baselineRssKb}, {u"holding"_s, heldRssKb}, {u"after_release"_s, afterRssKb}}},
            {u"server_vmrss_delta_kb"_s, heldRssKb - baselineRssKb},
            {u"server_vmrss_per_connection_kb"_s, rounded(perConnectionKb(), 1)},
            {u"server_rssanon_delta_kb"_s, heldAnonKb - baselineAnonKb},
            {u"server_rssanon_per_connection_kb"_s, rounded(anonPerConnectionKb(), 1)},
            {u"client_vmrss_delta_kb"_s, clientDeltaKb},
            {u"client_vmrss_per_connection_kb"_s, held > 0 ? rounded(double(clientDeltaKb) / double(held), 1) : 0.0},
            {u"released"_s, released},
            {u"errors"_s, QJsonArray::fromStringList(errors)},
            {u"problem"_s, problem},
        };
    }
};

HoldReport holdAtPrompt(const ClientKey &key, int count)
{
    HoldReport report;
    report.requested = count;
    HoldServerProcess server;
    if (Status started = server.start(); !started) {
        report.problem = started.error().message;
        return report;
    }
    const libssh::KeyPtr ownKey = importKey(key);
    if (!ownKey) {
        report.problem = u"cannot import the client key"_s;
        return report;
    }
    const QString self = u"/proc/self/status"_s;
    const SteadyClock::time_point deadline = SteadyClock::now() + std::chrono::minutes(5);
    {
        // A few connections first, so one-time costs (the first handshake,
        // the store's first pages, allocator pools) are not counted per connection.
        LoadLoop warmUp(server.target(), ownKey.get(), LoadLoop::Path::Hold);
        const int warm = std::min(count, 20);
        if (warmUp.holdAtPrompt(warm, kHoldHandshakes, deadline) != warm) {
            report.problem
                = u"the warm-up connections did not reach the prompt: "_s + warmUp.result().errors.join(u"; "_s);
            return report;
        }
    }
    if (!server.waitForCount(0, kSettleMs)) {
        report.problem = u"the server did not close the warm-up connections"_s;
        return report;
    }
    sleepMs(500);
    report.baselineRssKb = server.serverKb("VmRSS");
    report.baselineAnonKb = server.serverKb("RssAnon");
    const qint64 clientBaseline = statusKb(self, "VmRSS");

    LoadLoop clients(server.target(), ownKey.get(), LoadLoop::Path::Hold);
    report.held = clients.holdAtPrompt(count, kHoldHandshakes, deadline);
    report.errors = clients.result().errors;
    // Every held client saw the prompt, so the server has answered all of them; let it go idle.
    server.waitForCount(report.held, 10'000);
    sleepMs(1000);
    report.serverCountHeld = server.connectionCount();
    report.heldRssKb = server.serverKb("VmRSS");
    report.heldAnonKb = server.serverKb("RssAnon");
    report.clientDeltaKb = statusKb(self, "VmRSS") - clientBaseline;
    report.stillHeldAtEnd = clients.stillHeld();

    clients.releaseAll();
    report.released = server.waitForCount(0, kSettleMs);
    sleepMs(500);
    report.afterRssKb = server.serverKb("VmRSS");
    server.stop();
    return report;
}

// --- reporting ------------------------------------------------------------

QString fixed(double value, int width, int digits)
{
    return u"%1"_s.arg(value, width, 'f', digits);
}

QString tableLine(const QString &concurrency, const QString &server, const QString &connections, const QString &failed,
                  const QString &perSecond, const QString &p50, const QString &p99, const QString &serverCpu,
                  const QString &clientCpu)
{
    return u"%1  %2  %3  %4  %5  %6  %7  %8  %9\n"_s.arg(concurrency, 5)
        .arg(server, -9)
        .arg(connections, 6)
        .arg(failed, 6)
        .arg(perSecond, 12)
        .arg(p50, 8)
        .arg(p99, 8)
        .arg(serverCpu, 11)
        .arg(clientCpu, 11);
}

QString tableHeader()
{
    return tableLine(u"conc"_s, u"server"_s, u"conns"_s, u"failed"_s, u"handshakes/s"_s, u"p50 ms"_s, u"p99 ms"_s,
                     u"server CPU"_s, u"client CPU"_s)
        + tableLine({}, {}, {}, {}, {}, {}, {}, u"ms/conn"_s, u"ms/conn"_s);
}

QString tableRow(const RunReport &run)
{
    return tableLine(QString::number(run.concurrency), run.server, QString::number(run.connections),
                     QString::number(run.failed), fixed(run.perSecond, 0, 1), fixed(run.latency.p50, 0, 2),
                     fixed(run.latency.p99, 0, 2),
                     run.serverCpuMsPerConnection < 0 ? u"?"_s : fixed(run.serverCpuMsPerConnection, 0, 2),
                     fixed(run.clientCpuMsPerConnection, 0, 2));
}

struct Options
{
    QList<int> levels{1, 32, 128};
    std::optional<int> total;
    int hold = 2000;
    QString jsonFile;
    bool sshd = true;
    bool quick = false;
    int clientThreads = 1;
    int warmUp = 10;
    int runLimitMs = 600'000;

    int totalFor(int level) const
    {
        if (total)
            return *total;
        return level <= 1 ? 200 : level <= 32 ? 1000 : 2000;
    }
};

std::optional<Options> parseOptions(const QCoreApplication &app, QString *problem)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Load generator for Keystead's SSH collect server, compared with OpenSSH sshd."_s);
    parser.addHelpOption();
    parser.addOptions({
        {u"quick"_s, u"Tiny counts (levels 1,4; 20 connections; hold 50): a smoke run."_s},
        {u"levels"_s, u"Connections at once, comma-separated (default 1,32,128)."_s, u"list"_s},
        {u"total"_s, u"Connections per level (default 200 at 1, 1000 up to 32, 2000 above)."_s, u"N"_s},
        {u"hold"_s, u"Connections held at the confirmation prompt (default 2000; 0 skips)."_s, u"N"_s},
        {u"json"_s, u"Also write the results as JSON to FILE."_s, u"FILE"_s},
        {u"no-sshd"_s, u"Skip the OpenSSH sshd comparison."_s},
        {u"client-threads"_s, u"Client threads, each with its own poll loop (default 1)."_s, u"N"_s},
    });
    parser.process(app);

    Options options;
    const auto number = [problem](const QString &text, const QString &name, int min, int max) -> std::optional<int> {
        bool ok = false;
        const int value = text.toInt(&ok);
        if (!ok || value < min || value > max) {
            *problem = u"--%1 wants a number from %2 to %3, not \"%4\""_s.arg(name).arg(min).arg(max).arg(text);
            return std::nullopt;
        }
        return value;
    };
    if (parser.isSet(u"quick"_s)) {
        options.quick = true;
        options.levels = {1, 4};
        options.total = 20;
        options.hold = 50;
        options.warmUp = 2;
        options.runLimitMs = 120'000;
    }
    if (parser.isSet(u"levels"_s)) {
        options.levels.clear();
        for (const QString &level : parser.value(u"levels"_s).split(u',', Qt::SkipEmptyParts)) {
            const std::optional<int> value = number(level.trimmed(), u"levels"_s, 1, 4096);
            if (!value)
                return std::nullopt;
            options.levels.append(*value);
        }
        if (options.levels.isEmpty()) {
            *problem = u"--levels names no level"_s;
            return std::nullopt;
        }
    }
    if (parser.isSet(u"total"_s)) {
        options.total = number(parser.value(u"total"_s), u"total"_s, 1, 1'000'000);
        if (!options.total)
            return std::nullopt;
    }
    if (parser.isSet(u"hold"_s)) {
        const std::optional<int> hold = number(parser.value(u"hold"_s), u"hold"_s, 0, 100'000);
        if (!hold)
            return std::nullopt;
        options.hold = *hold;
    }
    if (parser.isSet(u"client-threads"_s)) {
        const std::optional<int> threads = number(parser.value(u"client-threads"_s), u"client-threads"_s, 1, 16);
        if (!threads)
            return std::nullopt;
        options.clientThreads = *threads;
    }
    options.jsonFile = parser.value(u"json"_s);
    options.sshd = !parser.isSet(u"no-sshd"_s);
    return options;
}

int benchMain(const Options &options)
{
    bool allOk = true;
    QJsonObject json;
    const QJsonArray loadBefore = loadAverage();
    print(u"bench_collect: the collect path (key exchange, key probe, signed offer, disconnect) from libssh %1 "
          "clients in one process (%2 client thread(s), one poll loop each, Ed25519 client key)\n"_s
              .arg(QString::fromLatin1(ssh_version(0)))
              .arg(options.clientThreads));
    print(u"machine: %1 cores, load average %2 %3 %4, file descriptor limit %5\n"_s
              .arg(std::thread::hardware_concurrency())
              .arg(loadBefore.at(0).toDouble())
              .arg(loadBefore.at(1).toDouble())
              .arg(loadBefore.at(2).toDouble())
              .arg(qulonglong(fileLimit())));

    const std::optional<ClientKey> key = makeClientKey();
    if (!key) {
        print(u"cannot make the client's Ed25519 key\n"_s);
        return 1;
    }

    KeysteadServer keystead;
    if (Status started = keystead.start(false); !started) {
        print(u"cannot start the collect server: %1\n"_s.arg(started.error().message));
        return 1;
    }
    print(u"keystead: collect server %1 in this process (its own thread), CollectService on a temporary SQLite "
          "store (%2), session multi_key + multi_connection, unauthenticated caps raised to %3\n"_s
              .arg(QStringLiteral(KEYSTEAD_VERSION), keystead.storeFilesystem())
              .arg(kUnauthenticatedCap));

    Sshd sshd;
    bool withSshd = options.sshd;
    QString sshdSkipped;
    if (!withSshd) {
        sshdSkipped = u"--no-sshd"_s;
    } else if (const QString reason = Sshd::unavailable(); !reason.isEmpty()) {
        sshdSkipped = reason;
        withSshd = false;
    } else if (Status started = sshd.start(key->authorizedLine); !started) {
        sshdSkipped = u"sshd did not start: "_s + started.error().message;
        withSshd = false;
        allOk = false;
    }
    if (withSshd) {
        print(u"sshd: %1 on 127.0.0.1:%2 under unshare -m (private tmpfs on /run for /run/sshd), pid %3.\n"
              "  The client key is authorized and AuthenticationMethods is publickey,password: sshd answers the\n"
              "  probe with PK_OK, verifies the signature, and answers partial success, as Keystead answers\n"
              "  PARTIAL to a proven key. A fork and re-exec per connection plus its privilege-separated child.\n"_s
                  .arg(Sshd::version())
                  .arg(sshd.target().port)
                  .arg(sshd.pid()));
    } else {
        print(u"sshd: skipped (%1)\n"_s.arg(sshdSkipped));
    }

    const SteadyClock::time_point runStart = SteadyClock::now();
    // Warm-up, not counted: first handshakes, page cache, the store's first pages.
    {
        const auto warmDeadline = SteadyClock::now() + std::chrono::seconds(60);
        LoopResult warm = runCollect(keystead.target(), *key, options.warmUp, 1, 1, warmDeadline);
        keystead.settle();
        if (warm.failed != 0) {
            print(u"keystead warm-up failed: %1\n"_s.arg(warm.errors.join(u"; "_s)));
            allOk = false;
        }
        if (withSshd) {
            warm = runCollect(sshd.target(), *key, options.warmUp, 1, 1, warmDeadline);
            sshd.settle();
            if (warm.failed != 0) {
                print(u"sshd warm-up failed: %1\n"_s.arg(warm.errors.join(u"; "_s)));
                allOk = false;
            }
        }
    }

    print(u"\n"_s + tableHeader());
    QJsonArray levels;
    int keysteadCompleted = options.warmUp;
    QMap<QString, Negotiated> negotiated;
    for (const int level : options.levels) {
        const int total = options.totalFor(level);
        QJsonObject levelJson{{u"concurrency"_s, level}, {u"connections"_s, total}};
        const RunReport ours = measure(keystead, *key, total, level, options.clientThreads, options.runLimitMs);
        keysteadCompleted += ours.completed;
        print(tableRow(ours));
        levelJson.insert(u"keystead"_s, ours.toJson());
        allOk = allOk && ours.failed == 0 && ours.settled;
        if (!ours.negotiated.kex.isEmpty())
            negotiated.insert(u"keystead"_s, ours.negotiated);
        if (ours.serverWaitMsPerConnection >= 0)
            print(u"        keystead's server thread waited %1 ms per connection for a CPU (other load)\n"_s.arg(
                fixed(ours.serverWaitMsPerConnection, 0, 2)));
        for (const QString &error : ours.errors)
            print(u"        keystead error: %1\n"_s.arg(error));
        if (withSshd) {
            const RunReport theirs = measure(sshd, *key, total, level, options.clientThreads, options.runLimitMs);
            print(tableRow(theirs));
            levelJson.insert(u"sshd"_s, theirs.toJson());
            allOk = allOk && theirs.failed == 0 && theirs.settled;
            if (!theirs.negotiated.kex.isEmpty())
                negotiated.insert(u"sshd"_s, theirs.negotiated);
            for (const QString &error : theirs.errors)
                print(u"        sshd error: %1\n"_s.arg(error));
            if (theirs.perSecond > 0 && theirs.latency.p50 > 0 && theirs.latency.p99 > 0) {
                const double throughput = ours.perSecond / theirs.perSecond;
                const double p50 = ours.latency.p50 / theirs.latency.p50;
                const double p99 = ours.latency.p99 / theirs.latency.p99;
                const double cpu = theirs.serverCpuMsPerConnection > 0
                    ? ours.serverCpuMsPerConnection / theirs.serverCpuMsPerConnection
                    : 0;
                print(
                    u"        keystead/sshd: throughput x%1, p50 latency x%2, p99 latency x%3, server CPU x%4\n"_s.arg(
                        fixed(throughput, 0, 2), fixed(p50, 0, 2), fixed(p99, 0, 2), fixed(cpu, 0, 2)));
                levelJson.insert(u"ratio_keystead_over_sshd"_s,
                                 QJsonObject{{u"throughput"_s, rounded(throughput, 3)},
                                             {u"latency_p50"_s, rounded(p50, 3)},
                                             {u"latency_p99"_s, rounded(p99, 3)},
                                             {u"server_cpu_per_connection"_s, rounded(cpu, 3)}});
            }
        }
        levels.append(levelJson);
    }
    const double runSeconds = msSince(runStart) / 1000.0;
    sshd.stop();

    print(u"\nnegotiated:"_s);
    for (auto it = negotiated.cbegin(); it != negotiated.cend(); ++it)
        print(u" %1 %2 (kex %3, host key %4, cipher %5);"_s.arg(it.key(), it->serverVersion, it->kex, it->hostKey,
                                                                it->cipher));
    print(u"\n"_s);

    // Every completed collect path left one connection with one key in the store.
    QJsonObject storeJson;
    if (const Result<CollectSession> stored = keystead.session(); stored) {
        int withOneKey = 0;
        int stillOpen = 0;
        for (const CollectSessionConnection &connection : stored->connections) {
            withOneKey += connection.collectedKeyCount() == 1 ? 1 : 0;
            stillOpen += connection.state == CollectConnectionState::Open ? 1 : 0;
        }
        const bool storeOk
            = int(stored->connections.size()) == keysteadCompleted && withOneKey == keysteadCompleted && stillOpen == 0;
        print(u"store: %1 connections recorded with %2 keys (%3 with exactly one), %4 still open; %5 collect paths "
              "completed (warm-up included): %6\n"_s.arg(stored->connections.size())
                  .arg(stored->collectedKeyCount())
                  .arg(withOneKey)
                  .arg(stillOpen)
                  .arg(keysteadCompleted)
                  .arg(storeOk ? u"ok"_s : u"MISMATCH"_s));
        storeJson = QJsonObject{{u"connections"_s, int(stored->connections.size())},
                                {u"keys"_s, stored->collectedKeyCount()},
                                {u"expected"_s, keysteadCompleted},
                                {u"ok"_s, storeOk}};
        allOk = allOk && storeOk;
    } else {
        print(u"store: cannot read the session: %1\n"_s.arg(stored.error().message));
        allOk = false;
    }
    const QString storeFilesystem = keystead.storeFilesystem();
    keystead.stop();

    QJsonObject holdJson;
    if (options.hold > 0) {
        print(u"\nholding %1 connections at the confirmation prompt (must_confirm session; each client proved its key, "
              "was let in, opened a session channel with a pty and a shell, and read the prompt)...\n"_s.arg(
                  options.hold));
        const HoldReport hold = holdAtPrompt(*key, options.hold);
        if (!hold.problem.isEmpty()) {
            print(u"  hold failed: %1\n"_s.arg(hold.problem));
        } else {
            print(u"  held %1 of %2 (server counted %3, %4 still waiting after the measurement)\n"_s.arg(hold.held)
                      .arg(hold.requested)
                      .arg(hold.serverCountHeld)
                      .arg(hold.stillHeldAtEnd));
            print(u"  collect server (a child process, so no client memory is in it): VmRSS %1 MB before, %2 MB "
                  "holding, %3 MB after release\n"
                  "  => %4 MB for %5 waiting connections, %6 kB each (RssAnon %7 kB each)\n"
                  "  clients (this process, libssh client sessions): %8 kB each\n"_s
                      .arg(fixed(double(hold.baselineRssKb) / 1024.0, 0, 1))
                      .arg(fixed(double(hold.heldRssKb) / 1024.0, 0, 1))
                      .arg(fixed(double(hold.afterRssKb) / 1024.0, 0, 1))
                      .arg(fixed(double(hold.heldRssKb - hold.baselineRssKb) / 1024.0, 0, 1))
                      .arg(hold.held)
                      .arg(fixed(hold.perConnectionKb(), 0, 1))
                      .arg(fixed(hold.anonPerConnectionKb(), 0, 1))
                      .arg(fixed(hold.held > 0 ? double(hold.clientDeltaKb) / double(hold.held) : 0, 0, 1)));
        }
        for (const QString &error : hold.errors)
            print(u"  hold error: %1\n"_s.arg(error));
        holdJson = hold.toJson();
        allOk = allOk && hold.ok();
    }

    const QJsonArray loadAfter = loadAverage();
    print(u"\nload average after: %1 %2 %3; %4\n"_s.arg(loadAfter.at(0).toDouble())
              .arg(loadAfter.at(1).toDouble())
              .arg(loadAfter.at(2).toDouble())
              .arg(allOk ? u"every connection completed"_s : u"SOME CONNECTIONS FAILED"_s));

    if (!options.jsonFile.isEmpty()) {
        QJsonObject negotiatedJson;
        for (auto it = negotiated.cbegin(); it != negotiated.cend(); ++it)
            negotiatedJson.insert(it.key(),
                                  QJsonObject{{u"server_version"_s, it->serverVersion},
                                              {u"kex"_s, it->kex},
                                              {u"host_key"_s, it->hostKey},
                                              {u"cipher"_s, it->cipher}});
        json = QJsonObject{
            {u"benchmark"_s, u"bench_collect"_s},
            {u"path"_s, u"key exchange, key probe, signed offer (partial success), disconnect"_s},
            {u"ok"_s, allOk},
            {u"quick"_s, options.quick},
            {u"machine"_s,
             QJsonObject{{u"cores"_s, int(std::thread::hardware_concurrency())},
                         {u"load_before"_s, loadBefore},
                         {u"load_after"_s, loadAfter}}},
            {u"client"_s,
             QJsonObject{{u"library"_s, QString(u"libssh "_s + QString::fromLatin1(ssh_version(0)))},
                         {u"threads"_s, options.clientThreads},
                         {u"key"_s, u"ssh-ed25519"_s}}},
            {u"keystead"_s,
             QJsonObject{{u"version"_s, QStringLiteral(KEYSTEAD_VERSION)},
                         {u"store"_s, u"sqlite"_s},
                         {u"store_filesystem"_s, storeFilesystem},
                         {u"store_check"_s, storeJson}}},
            {u"sshd"_s,
             withSshd ? QJsonObject{{u"version"_s, Sshd::version()}, {u"config"_s, sshd.configText()}}
                      : QJsonObject{{u"skipped"_s, sshdSkipped}}},
            {u"negotiated"_s, negotiatedJson},
            {u"levels"_s, levels},
            {u"run_seconds"_s, rounded(runSeconds, 1)},
            {u"hold"_s, holdJson},
        };
        QFile file(options.jsonFile);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
            || file.write(QJsonDocument(json).toJson(QJsonDocument::Indented)) < 0) {
            print(u"cannot write %1\n"_s.arg(options.jsonFile));
            allOk = false;
        } else {
            print(u"results written to %1\n"_s.arg(options.jsonFile));
        }
    }
    return allOk ? 0 : 1;
}

} // namespace

int main(int argc, char *argv[])
{
    // A client that vanished must not kill the writer of its socket.
    std::signal(SIGPIPE, SIG_IGN);
    raiseFileLimit();
    QCoreApplication app(argc, argv);
    if (app.arguments().contains(u"--hold-server"_s))
        return holdServerMain();
    QString problem;
    const std::optional<Options> options = parseOptions(app, &problem);
    if (!options) {
        std::fprintf(stderr, "bench_collect: %s\n", problem.toUtf8().constData());
        return 2;
    }
    return benchMain(*options);
}
