#pragma once

#include "common/Result.h"
#include "ssh/SshPublicKey.h"

#include <QByteArray>
#include <QDateTime>
#include <QMap>
#include <QString>
#include <QStringList>

#include <memory>

namespace keystead {

// The two kinds PROTOCOL.certkeys defines (its `type` field).
enum class CertificateKind { User = 1, Host = 2 };

// The key types a certificate authority can have.
enum class CaKeyType { Ed25519, EcdsaP256, EcdsaP384, EcdsaP521, Rsa2048, Rsa3072, Rsa4096 };

// The private key of a certificate authority, held in memory to sign. Made
// with OpenSSL; serialised only to be sealed in the vault. RSA signs with
// rsa-sha2-512; ECDSA with the curve's digest; Ed25519 one-shot.
// Thread-safe for concurrent sign() calls.
class SshCertificateSigner final
{
public:
    static Result<SshCertificateSigner> generate(CaKeyType type);
    // From the text privateKeyPem() wrote (unencrypted PKCS#8 PEM).
    static Result<SshCertificateSigner> fromPrivateKeyPem(const QByteArray &pem);

    SshCertificateSigner(const SshCertificateSigner &);
    SshCertificateSigner &operator=(const SshCertificateSigner &);
    SshCertificateSigner(SshCertificateSigner &&) noexcept;
    SshCertificateSigner &operator=(SshCertificateSigner &&) noexcept;
    ~SshCertificateSigner();

    const SshPublicKey &publicKey() const;
    CaKeyType keyType() const;
    // "ssh-ed25519", "ecdsa-sha2-nistp256", ..., "rsa-sha2-512": the name in the signature blob.
    QString signatureAlgorithm() const;
    // Unencrypted PKCS#8 PEM: to be sealed in the vault, never stored as it is.
    QByteArray privateKeyPem() const;
    // An SSH signature blob (string algorithm, string signature) over `data`.
    Result<QByteArray> sign(QByteArrayView data) const;

private:
    struct Impl;
    explicit SshCertificateSigner(std::shared_ptr<const Impl> impl);
    std::shared_ptr<const Impl> m_impl;
};

// What to put in a certificate. Times are whole seconds, UTC. An invalid validAfter
// means from 1970; an invalid validBefore means forever (and reads back invalid).
struct CertificateRequest
{
    SshPublicKey subject; // any plain key type SshPublicKey reads (not a certificate)
    CertificateKind kind = CertificateKind::User;
    quint64 serial = 0;
    QString keyId;
    QStringList principals; // empty: any (user) / any host: dangerous, the caller decides
    QDateTime validAfter;
    QDateTime validBefore;
    // name -> value; encoded sorted by name, values as a string inside a string.
    QMap<QString, QString> criticalOptions;
    // name -> value; usually empty values; sorted by name.
    QMap<QString, QString> extensions;
};

// An OpenSSH certificate (PROTOCOL.certkeys): made by sign(), or read from a
// "-cert.pub" line. Parsing takes untrusted input and never crashes.
class SshCertificate final
{
public:
    // Encodes the request and signs it with the CA: the blob `ssh-keygen -L` reads.
    // A random 32-byte nonce each time.
    static Result<SshCertificate> sign(const CertificateRequest &request, const SshCertificateSigner &ca);
    // "ssh-ed25519-cert-v01@openssh.com AAAA... comment" or the bare blob.
    static Result<SshCertificate> fromOpenSshLine(const QString &line);
    static Result<SshCertificate> fromBlob(const QByteArray &blob);

    const QByteArray &blob() const { return m_blob; }
    // "ssh-ed25519-cert-v01@openssh.com", ...
    QString algorithm() const { return m_algorithm; }
    // The one line for a -cert.pub file: "<algorithm> <base64> [comment]".
    QString openSshLine(const QString &comment = {}) const;

    const SshPublicKey &subject() const { return m_subject; }
    const SshPublicKey &signatureKey() const { return m_signatureKey; }
    CertificateKind kind() const { return m_kind; }
    quint64 serial() const { return m_serial; }
    QString keyId() const { return m_keyId; }
    QStringList principals() const { return m_principals; }
    QDateTime validAfter() const { return m_validAfter; }
    QDateTime validBefore() const { return m_validBefore; }
    QMap<QString, QString> criticalOptions() const { return m_criticalOptions; }
    QMap<QString, QString> extensions() const { return m_extensions; }
    QString signatureAlgorithm() const { return m_signatureAlgorithm; }
    // Checks the CA signature over the blob.
    bool verifySignature() const;

private:
    QByteArray m_blob;
    QString m_algorithm;
    SshPublicKey m_subject;
    SshPublicKey m_signatureKey;
    CertificateKind m_kind = CertificateKind::User;
    quint64 m_serial = 0;
    QString m_keyId;
    QStringList m_principals;
    QDateTime m_validAfter;
    QDateTime m_validBefore;
    QMap<QString, QString> m_criticalOptions;
    QMap<QString, QString> m_extensions;
    QString m_signatureAlgorithm;
    qsizetype m_signedLength = 0; // the blob's bytes the signature covers
};

// The critical options OpenSSH defines; anything else is refused by the CA.
QStringList knownCriticalOptions(); // force-command, source-address, verify-required
// The extensions OpenSSH defines (permit-X11-forwarding, permit-agent-forwarding,
// permit-port-forwarding, permit-pty, permit-user-rc, no-touch-required).
QStringList knownExtensions();
// Checks a source-address value as sshd would (comma-separated CIDR list).
Status validateSourceAddress(const QString &value);

} // namespace keystead
