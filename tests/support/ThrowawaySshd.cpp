#include "ThrowawaySshd.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QThread>

#include <csignal>
#include <optional>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace keystead::test {

namespace {

constexpr int kStartTimeoutMs = 10'000;
constexpr int kKeygenTimeoutMs = 60'000;
// sshd cannot be told to take port 0, so a port found free may be taken before it binds.
constexpr int kPortTries = 4;

QString sshdPath()
{
    return QStandardPaths::findExecutable(u"sshd"_s, {u"/usr/sbin"_s, u"/usr/local/sbin"_s, u"/sbin"_s});
}

// Fills `address` for `host` ("127.0.0.1" or "::1") and `port`; false for anything else.
bool loopbackAddress(const QString &host, quint16 port, sockaddr_storage &address, socklen_t &length)
{
    address = {};
    if (host == u"::1") {
        auto *v6 = reinterpret_cast<sockaddr_in6 *>(&address);
        v6->sin6_family = AF_INET6;
        v6->sin6_addr = in6addr_loopback;
        v6->sin6_port = htons(port);
        length = sizeof(sockaddr_in6);
        return true;
    }
    if (host == u"127.0.0.1") {
        auto *v4 = reinterpret_cast<sockaddr_in *>(&address);
        v4->sin_family = AF_INET;
        v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        v4->sin_port = htons(port);
        length = sizeof(sockaddr_in);
        return true;
    }
    return false;
}

quint16 freePort(const QString &host)
{
    sockaddr_storage address;
    socklen_t length = 0;
    if (!loopbackAddress(host, 0, address, length))
        return 0;
    const int probe = ::socket(address.ss_family, SOCK_STREAM, 0);
    if (probe < 0)
        return 0;
    quint16 port = 0;
    if (::bind(probe, reinterpret_cast<sockaddr *>(&address), length) == 0
        && ::getsockname(probe, reinterpret_cast<sockaddr *>(&address), &length) == 0) {
        port = address.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6 *>(&address)->sin6_port)
                                             : ntohs(reinterpret_cast<sockaddr_in *>(&address)->sin_port);
    }
    ::close(probe);
    return port;
}

bool acceptsConnections(const QString &host, quint16 port)
{
    sockaddr_storage address;
    socklen_t length = 0;
    if (!loopbackAddress(host, port, address, length))
        return false;
    const int probe = ::socket(address.ss_family, SOCK_STREAM, 0);
    if (probe < 0)
        return false;
    const bool connected = ::connect(probe, reinterpret_cast<sockaddr *>(&address), length) == 0;
    ::close(probe);
    return connected;
}

// ssh-keygen's arguments for one of the fixture's host key type names.
std::optional<QStringList> keygenTypeArguments(const QString &type)
{
    if (type == u"ed25519")
        return QStringList{u"-t"_s, u"ed25519"_s};
    if (type == u"ecdsa")
        return QStringList{u"-t"_s, u"ecdsa"_s, u"-b"_s, u"256"_s};
    if (type == u"ecdsa384")
        return QStringList{u"-t"_s, u"ecdsa"_s, u"-b"_s, u"384"_s};
    if (type == u"ecdsa521")
        return QStringList{u"-t"_s, u"ecdsa"_s, u"-b"_s, u"521"_s};
    if (type == u"rsa")
        return QStringList{u"-t"_s, u"rsa"_s, u"-b"_s, u"3072"_s};
    return std::nullopt;
}

QString readText(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

} // namespace

ThrowawaySshd::ThrowawaySshd() = default;

ThrowawaySshd::~ThrowawaySshd()
{
    stop();
}

QString ThrowawaySshd::unavailableReason()
{
    // Asked once per test process: trying unshare costs a fork.
    static const QString reason = []() -> QString {
        if (::geteuid() != 0)
            return u"not root: sshd's privilege separation needs root and a private /run/sshd"_s;
        if (sshdPath().isEmpty())
            return u"no sshd found (install openssh-server)"_s;
        for (const QString &tool : {u"ssh"_s, u"ssh-keygen"_s, u"unshare"_s}) {
            if (QStandardPaths::findExecutable(tool).isEmpty())
                return u"no %1 found"_s.arg(tool);
        }
        // A container may forbid new mount namespaces even to root.
        QProcess probe;
        probe.setProcessChannelMode(QProcess::MergedChannels);
        probe.start(u"unshare"_s, {u"--mount"_s, u"--propagation"_s, u"private"_s, u"/bin/true"_s});
        if (!probe.waitForFinished(kStartTimeoutMs) || probe.exitStatus() != QProcess::NormalExit
            || probe.exitCode() != 0)
            return QString(u"unshare --mount does not work here: "_s + QString::fromUtf8(probe.readAll()).trimmed());
        return QString();
    }();
    return reason;
}

QString ThrowawaySshd::directory() const
{
    return m_dir ? m_dir->path() : QString();
}

QString ThrowawaySshd::hostKeyPath(const QString &type) const
{
    return m_dir ? QDir(m_dir->path()).filePath(u"ssh_host_%1_key"_s.arg(type)) : QString();
}

QString ThrowawaySshd::hostPublicKeyLine(const QString &type) const
{
    return readText(hostKeyPath(type) + u".pub"_s).trimmed();
}

QString ThrowawaySshd::loginUser() const
{
    const passwd *user = ::getpwuid(::geteuid());
    return user ? QString::fromLocal8Bit(user->pw_name) : u"root"_s;
}

QString ThrowawaySshd::log() const
{
    return m_dir ? readText(QDir(m_dir->path()).filePath(u"sshd.log"_s)) : QString();
}

Status ThrowawaySshd::start(const Options &options)
{
    if (const QString reason = unavailableReason(); !reason.isEmpty())
        return Error::unavailable(reason);
    stop();
    m_options = options;
    m_port = 0;
    m_dir = std::make_unique<QTemporaryDir>();
    if (!m_dir->isValid())
        return Error::internal(u"cannot create a temporary folder for sshd"_s);
    for (const QString &type : std::as_const(m_options.hostKeyTypes)) {
        if (Status made = makeHostKey(type); !made)
            return made;
    }
    QString lastProblem;
    for (int tries = 0; tries < kPortTries; ++tries) {
        m_port = freePort(m_options.listenAddress);
        if (m_port == 0)
            return Error::unavailable(u"no free port on "_s + m_options.listenAddress);
        Status launched = launch();
        if (launched)
            return {};
        lastProblem = launched.error().message;
    }
    m_port = 0;
    return Error::unavailable(lastProblem);
}

void ThrowawaySshd::stop()
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

Status ThrowawaySshd::regenerateHostKeys()
{
    if (!m_dir || m_port == 0)
        return Error::conflict(u"sshd was not started"_s);
    stop();
    for (const QString &type : std::as_const(m_options.hostKeyTypes)) {
        QFile::remove(hostKeyPath(type));
        QFile::remove(hostKeyPath(type) + u".pub"_s);
        if (Status made = makeHostKey(type); !made)
            return made;
    }
    // The same port: a scanner must see the same address with new keys. sshd
    // binds with SO_REUSEADDR, so the old listener's TIME_WAIT does not stop it;
    // another process taking the port meanwhile is reported, not hidden.
    return launch();
}

Status ThrowawaySshd::makeHostKey(const QString &type) const
{
    const std::optional<QStringList> typeArguments = keygenTypeArguments(type);
    if (!typeArguments)
        return Error::invalid(u"unknown host key type \"%1\" (ed25519, ecdsa, ecdsa384, ecdsa521, rsa)"_s.arg(type));
    QProcess keygen;
    keygen.setProcessChannelMode(QProcess::MergedChannels);
    keygen.start(
        u"ssh-keygen"_s,
        QStringList{u"-q"_s} + *typeArguments
            + QStringList{u"-N"_s, QString(), u"-C"_s, u"throwaway-sshd-"_s + type, u"-f"_s, hostKeyPath(type)});
    if (!keygen.waitForFinished(kKeygenTimeoutMs) || keygen.exitStatus() != QProcess::NormalExit
        || keygen.exitCode() != 0)
        return Error::internal(
            u"ssh-keygen failed for a %1 host key: %2"_s.arg(type, QString::fromUtf8(keygen.readAll())));
    return {};
}

Status ThrowawaySshd::launch()
{
    const QDir dir(m_dir->path());
    const QString listen = m_options.listenAddress == u"::1" ? u"[::1]:%1"_s.arg(m_port)
                                                             : u"%1:%2"_s.arg(m_options.listenAddress).arg(m_port);
    // sshd takes the first value it reads for a keyword: the test's lines come
    // first so they win over the defaults below; Match blocks must come last.
    QStringList lines{u"# ThrowawaySshd: one test's sshd"_s};
    QStringList matchBlocks;
    bool inMatch = false;
    for (const QString &line : m_options.configLines) {
        inMatch = inMatch || line.trimmed().startsWith(u"Match"_s, Qt::CaseInsensitive);
        (inMatch ? matchBlocks : lines).append(line);
    }
    lines << u"ListenAddress "_s + listen;
    for (const QString &type : std::as_const(m_options.hostKeyTypes))
        lines << u"HostKey "_s + hostKeyPath(type);
    lines << u"AuthorizedKeysFile none"_s << u"AuthorizedPrincipalsFile none"_s << u"PubkeyAuthentication yes"_s
          << u"PasswordAuthentication no"_s << u"KbdInteractiveAuthentication no"_s << u"HostbasedAuthentication no"_s
          << u"GSSAPIAuthentication no"_s << u"PermitRootLogin yes"_s << u"UsePAM no"_s << u"StrictModes no"_s
          << u"PidFile none"_s << u"LogLevel VERBOSE"_s << u"UseDNS no"_s << u"PrintMotd no"_s << u"PrintLastLog no"_s
          << u"DisableForwarding yes"_s << u"MaxStartups 100:30:200"_s << u"MaxAuthTries 10"_s
          << u"LoginGraceTime 30"_s;
    lines += matchBlocks;
    const QByteArray config = (lines.join(u'\n') + u'\n').toUtf8();
    const QString configPath = dir.filePath(u"sshd_config"_s);
    QFile configFile(configPath);
    if (!configFile.open(QIODevice::WriteOnly | QIODevice::Truncate) || configFile.write(config) != config.size())
        return Error::internal(u"cannot write sshd_config"_s);
    configFile.close();

    const QString logPath = dir.filePath(u"sshd.log"_s);
    m_process = std::make_unique<QProcess>();
    m_process->setStandardOutputFile(QProcess::nullDevice());
    m_process->setStandardErrorFile(logPath, QIODevice::Append);
    // sshd ends with the test process even if the test crashes: unshare and sh
    // exec, so the child becomes sshd itself and keeps the setting.
    m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
    // As root sshd wants /run/sshd for privilege separation: a private mount
    // namespace with its own tmpfs on /run gives it one without touching the machine.
    m_process->start(u"unshare"_s,
                     {u"--mount"_s, u"--propagation"_s, u"private"_s, u"/bin/sh"_s, u"-c"_s,
                      u"mount -t tmpfs -o mode=0755,size=1m tmpfs /run && mkdir -m 0755 /run/sshd "
                      "&& exec \"$0\" -D -E \"$1\" -f \"$2\""_s,
                      sshdPath(), logPath, configPath});
    if (!m_process->waitForStarted(kStartTimeoutMs)) {
        const QString problem = m_process->errorString();
        m_process.reset();
        return Error::unavailable(u"cannot start unshare: "_s + problem);
    }
    const QDeadlineTimer deadline(kStartTimeoutMs);
    while (!deadline.hasExpired()) {
        if (m_process->waitForFinished(50)) {
            m_process.reset();
            return Error::unavailable(u"sshd ended at once: "_s + log().trimmed());
        }
        if (acceptsConnections(m_options.listenAddress, m_port))
            return {};
    }
    stop();
    return Error::unavailable(u"sshd did not listen within 10 s: "_s + log().trimmed());
}

ThrowawaySshd::ClientResult ThrowawaySshd::runClient(const QStringList &options, const QString &command,
                                                     int timeoutMs) const
{
    ClientResult result;
    // ssh keeps the first value it reads for an option: the caller's come first.
    QStringList arguments = options;
    arguments << u"-F"_s << u"/dev/null"_s << u"-o"_s << u"BatchMode=yes"_s << u"-o"_s << u"IdentityAgent=none"_s
              << u"-o"_s << u"IdentitiesOnly=yes"_s << u"-o"_s << u"UserKnownHostsFile=/dev/null"_s << u"-o"_s
              << u"GlobalKnownHostsFile=/dev/null"_s << u"-o"_s << u"StrictHostKeyChecking=no"_s << u"-o"_s
              << u"ConnectTimeout=10"_s << u"-o"_s << u"ConnectionAttempts=1"_s << u"-p"_s << QString::number(m_port)
              << u"-l"_s << loginUser() << m_options.listenAddress << command;
    QProcess client;
    client.setProgram(u"ssh"_s);
    client.setArguments(arguments);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(u"SSH_AUTH_SOCK"_s);
    client.setProcessEnvironment(environment);
    client.setStandardInputFile(QProcess::nullDevice());
    client.start();
    if (!client.waitForStarted(kStartTimeoutMs)) {
        result.err = client.errorString().toUtf8();
        return result;
    }
    if (!client.waitForFinished(timeoutMs)) {
        client.kill();
        client.waitForFinished(5'000);
        result.err = client.readAllStandardError() + "\n[ThrowawaySshd: ssh timed out]";
        result.out = client.readAllStandardOutput();
        return result;
    }
    result.out = client.readAllStandardOutput();
    result.err = client.readAllStandardError();
    result.exitCode = client.exitStatus() == QProcess::NormalExit ? client.exitCode() : -1;
    return result;
}

} // namespace keystead::test
