// Load generator for the collect server. Many SSH clients in this one process
// (libssh's client API, non-blocking, one poll loop per client thread) run
// the collect path -- key exchange, a key probe, a signed offer, disconnect --
// against Keystead's collect server and against an OpenSSH sshd set up to do
// the same work, at several concurrency levels. Then connections are held at
// the confirmation prompt to weigh the collect server's memory per waiting
// connection. See README.md beside this file.

#include "BenchReport.h"
#include "BenchSshd.h"
#include "CollectLoadLoop.h"
#include "TestDatabase.h"
#include "TestVault.h"

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

using namespace keystead::bench;

// Handshakes in flight while connections are being brought to the prompt.
constexpr int kHoldHandshakes = 128;
// Keystead's caps on unauthenticated connections, raised like sshd's MaxStartups below.
constexpr int kUnauthenticatedCap = 4096;

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
        m_vault = std::make_unique<keystead::test::TestVault>(m_store->database(), m_clock, m_store->dataDir());
        m_signer = std::make_unique<WebhookSigner>(m_store->dataDir(), m_store->database(), m_vault->vault());
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
        m_server = std::make_unique<CollectServer>(*m_service, m_vault->vault(), m_store->database());
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
        m_vault.reset();
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
    std::unique_ptr<keystead::test::TestVault> m_vault;
    std::unique_ptr<WebhookSigner> m_signer;
    std::unique_ptr<WebhookHeaderSeal> m_seal;
    std::unique_ptr<CollectService> m_service;
    std::unique_ptr<CollectServer> m_server;
    CollectSession m_session;
    QString m_threadDir;
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
