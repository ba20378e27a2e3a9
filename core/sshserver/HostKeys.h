#pragma once

#include "common/Result.h"
#include "ssh/NativeHandles.h"

#include <QList>
#include <QString>

#include <vector>

namespace keystead {

// One host key as a user checks it against what the client prints.
struct HostKeyFingerprint
{
    QString algorithm; // "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"
    QString typeLabel; // "ED25519", "ECDSA", "RSA": as ssh and ssh-keygen -l name them
    int bits = 0;
    QString sha256; // "SHA256:...", exactly as ssh-keygen -l -E sha256 prints it

    // "ED25519 SHA256:...": the words the OpenSSH client shows for an unknown host.
    QString toString() const { return typeLabel + u' ' + sha256; }
    friend bool operator==(const HostKeyFingerprint &, const HostKeyFingerprint &) = default;
};

// The collect server's host keys (Ed25519, ECDSA P-256, RSA 3072), kept as
// sshd keeps its own: one private key file per type (ssh_host_ed25519_key,
// ssh_host_ecdsa_key, ssh_host_rsa_key), readable by the owner only, with the
// public half beside it (.pub). Made on first use, reused afterwards, so
// clients that remembered the server keep trusting it.
class HostKeys final
{
public:
    // Loads the keys from `directory`, creating the directory (owner only)
    // and any missing key. Refuses a key file that group or others can read.
    static Result<HostKeys> loadOrCreate(const QString &directory);

    const QList<HostKeyFingerprint> &fingerprints() const { return m_fingerprints; }

    // Hands the private keys to a libssh bind, which owns them afterwards;
    // this object holds only the fingerprints then.
    Status installInto(ssh_bind bind);

    static QString fileName(const QString &typeName); // "ssh_host_<type>_key"

private:
    std::vector<libssh::KeyPtr> m_keys;
    QList<HostKeyFingerprint> m_fingerprints;
};

} // namespace keystead
