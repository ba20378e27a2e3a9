#pragma once

#include "common/Result.h"
#include "ssh/NativeHandles.h"

#include <QLatin1StringView>
#include <QList>
#include <QString>

#include <vector>

namespace keystead {

class Database;
class Vault;
struct SecretRef;

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

// The collect server's host keys (Ed25519, ECDSA P-256, RSA 3072), sealed in
// the vault as openssh-key-v1 text, one secret per type. Made on first use and
// shared by every instance on the store, so clients that remembered the server
// keep trusting it, whichever instance answers.
//
// Versions before the vault kept them as sshd keeps its own, one owner-only file
// per type (ssh_host_ed25519_key, ssh_host_ecdsa_key, ssh_host_rsa_key, with a
// .pub beside it) in <data folder>/collect/: when the vault holds no key of a
// type, that file's key is sealed and the file removed.
class HostKeys final
{
public:
    static constexpr QLatin1StringView kOwnerKind{"collect_host_key"};
    static constexpr QLatin1StringView kField{"private_key"};
    // Where the key of a type ("ed25519", "ecdsa", "rsa") is sealed in the vault.
    static SecretRef secretRef(const QString &typeName);

    // Loads the keys from the vault, sealing any missing one: an older version's
    // file in `legacyDirectory` when there is one (refused when group or others
    // can read it), else a new key. Fails with the vault's own words when the
    // vault cannot be opened.
    static Result<HostKeys> loadOrCreate(Vault &vault, Database &database, const QString &legacyDirectory);

    const QList<HostKeyFingerprint> &fingerprints() const { return m_fingerprints; }

    // Hands the private keys to a libssh bind, which owns them afterwards;
    // this object holds only the fingerprints then.
    Status installInto(ssh_bind bind);

    static QString fileName(const QString &typeName); // "ssh_host_<type>_key", as older versions named the files

private:
    std::vector<libssh::KeyPtr> m_keys;
    QList<HostKeyFingerprint> m_fingerprints;
};

} // namespace keystead
