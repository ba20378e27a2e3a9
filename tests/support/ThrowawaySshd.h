#pragma once

#include "common/Result.h"

#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace keystead::test {

// A real OpenSSH sshd for one test, on a free port of 127.0.0.1 (or ::1),
// with its own host keys and config in a temporary folder. As root it runs
// under `unshare -m` with a private tmpfs on /run, so its privilege separation
// gets /run/sshd without touching the machine. It ends with the test (stop(),
// the destructor, or the test process dying: PR_SET_PDEATHSIG).
class ThrowawaySshd final
{
public:
    struct Options
    {
        // Host keys made with ssh-keygen in the folder: "ed25519", "ecdsa" (P-256),
        // "ecdsa384", "ecdsa521", "rsa" (3072).
        QStringList hostKeyTypes{QStringLiteral("ed25519")};
        // Extra sshd_config lines, e.g. "TrustedUserCAKeys /path", "HostCertificate /path".
        QStringList configLines;
        QString listenAddress = QStringLiteral("127.0.0.1"); // or "::1"
    };

    ThrowawaySshd();
    ~ThrowawaySshd();

    // Why sshd cannot run here (not root, no sshd, no unshare); empty when it can.
    static QString unavailableReason();

    // Writes keys and config, starts sshd and waits (bounded) until it accepts connections.
    Status start(const Options &options);
    void stop();
    // Stops, replaces every host key with a new one of the same type, starts again on the same port.
    Status regenerateHostKeys();

    quint16 port() const { return m_port; }
    QString address() const { return m_options.listenAddress; }
    QString directory() const; // the temporary folder: put CA keys, KRLs, certificates here
    QString hostKeyPath(const QString &type) const; // private key file; ".pub" beside it
    QString hostPublicKeyLine(const QString &type) const; // contents of the .pub file
    QString loginUser() const; // the user a client logs in as (this process's user)
    QString log() const; // what sshd wrote (-E log file)

    // Runs the OpenSSH client against this sshd with BatchMode=yes, no agent, no
    // config files, UserKnownHostsFile /dev/null unless `options` say otherwise,
    // and `command` as the remote command. Bounded by `timeoutMs`.
    struct ClientResult
    {
        int exitCode = -1;
        QByteArray out;
        QByteArray err;
    };
    ClientResult runClient(const QStringList &options, const QString &command = QStringLiteral("true"),
                           int timeoutMs = 20'000) const;

private:
    Status makeHostKey(const QString &type) const;
    Status launch();

    Options m_options;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
};

} // namespace keystead::test
