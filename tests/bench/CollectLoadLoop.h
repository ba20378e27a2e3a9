#pragma once

// The load generator of the collect benchmark: many libssh client connections
// driven from one thread (non-blocking calls, one poll() over their sockets).

#include "BenchMachine.h"

#include "ssh/NativeHandles.h"

#include <libssh/libssh.h>

#include <QList>
#include <QStringList>
#include <QTemporaryDir>

#include <algorithm>
#include <memory>
#include <vector>

#include <poll.h>

namespace keystead::bench {

// A connection that has not reached its goal by then counts as failed.
constexpr int kAttemptTimeoutMs = 60'000;
// The longest a poll loop sleeps; on a quiet poll every unfinished attempt is
// stepped once more, a safety net should libssh hold data the socket no longer signals.
constexpr int kPollMs = 100;
// What Keystead writes when it waits for the user's answer on a terminal.
constexpr const char *kPrompt = "Press y";

// A throwaway Ed25519 key made for this run: each client thread imports its own copy.
struct ClientKey
{
    QByteArray privateBase64; // in memory only
    QByteArray authorizedLine; // "ssh-ed25519 AAAA... bench_collect"
};

inline std::optional<ClientKey> makeClientKey()
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

inline libssh::KeyPtr importKey(const ClientKey &key)
{
    ssh_key imported = nullptr;
    if (ssh_pki_import_privkey_base64(key.privateBase64.constData(), nullptr, nullptr, nullptr, &imported) != SSH_OK)
        return nullptr;
    return libssh::KeyPtr(imported);
}

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
inline LoopResult runCollect(const Target &target, const ClientKey &key, int total, int concurrency, int threads,
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

} // namespace keystead::bench
