#pragma once

// The reference server of the collect benchmark: a throwaway OpenSSH sshd.

#include "BenchMachine.h"

#include "common/Result.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <memory>

#include <csignal>
#include <pwd.h>
#include <sys/prctl.h>

namespace keystead::bench {

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

} // namespace keystead::bench
