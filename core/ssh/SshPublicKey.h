#pragma once

#include "common/Result.h"

#include <QByteArray>
#include <QString>

namespace keystead {

// An SSH public key and the forms operators and tools need: fingerprints as
// `ssh-keygen -l` prints them, the authorized_keys line, RFC 4716 and PEM.
// A value type: holds the key's wire blob (RFC 4253 encoding) and what was read from it.
// Every parser here takes untrusted input: a malformed key is an Error, never a crash.
class SshPublicKey final
{
public:
    // Larger than any real key (a 16384-bit RSA blob is about 2 KiB); anything bigger is refused unread.
    static constexpr qsizetype MaxBlobSize = 16 * 1024;

    SshPublicKey() = default;

    // From the wire encoding ("string type, ..."), as a client offers it. Refuses
    // certificates, unknown algorithms, trailing bytes and points off the curve.
    static Result<SshPublicKey> fromBlob(const QByteArray &blob);
    // From an OpenSSH one-line public key ("ssh-ed25519 AAAA... comment"), also an
    // authorized_keys line with leading options (`from="..." ssh-ed25519 AAAA...`).
    // The type written in the text must be the blob's. `comment`, when given, receives the comment.
    static Result<SshPublicKey> fromOpenSshLine(const QString &line, QString *comment = nullptr);
    // From an RFC 4716 "---- BEGIN SSH2 PUBLIC KEY ----" block; `comment` receives
    // its Comment header (unquoted, continuation lines joined).
    static Result<SshPublicKey> fromRfc4716(const QString &text, QString *comment = nullptr);
    // Either of the two text forms above.
    static Result<SshPublicKey> parse(const QString &text, QString *comment = nullptr);

    bool isNull() const { return m_blob.isEmpty(); }
    const QByteArray &blob() const { return m_blob; }

    // The key's algorithm name: ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa,
    // sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com (ssh-dss parsed but flagged weak).
    QString algorithm() const { return m_algorithm; }
    // Size in bits, as ssh-keygen -l prints it (256 for Ed25519, modulus bits for RSA, p bits for DSA).
    int bits() const { return m_bits; }
    // "ED25519", "ECDSA", "RSA", "ECDSA-SK", "ED25519-SK", "DSA": ssh-keygen -l's last column.
    QString typeLabel() const;
    // The FIDO application ("ssh:" usually) of the -sk kinds; empty for the others.
    QString application() const { return m_application; }
    // DSA is deprecated by OpenSSH and refused by its defaults.
    bool isWeak() const { return m_algorithm == QLatin1StringView("ssh-dss"); }

    // "SHA256:" + unpadded base64 of SHA-256 over the blob, exactly as ssh-keygen -l -E sha256.
    QString fingerprintSha256() const;
    // "MD5:" + colon-separated hex, exactly as ssh-keygen -l -E md5.
    QString fingerprintMd5() const;
    // "ssh-ed25519 AAAA..." (+ " comment" when given): one authorized_keys line.
    QString openSshLine(const QString &comment = {}) const;
    // RFC 4716 block with base64 lines of 70 characters, as ssh-keygen -e writes it.
    // A non-empty comment becomes a quoted Comment header, continued with a backslash
    // where it would pass the RFC's 72-byte line limit. Ends with a newline.
    QString rfc4716(const QString &comment = {}) const;
    // PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----"), byte for byte what
    // ssh-keygen -e -m PKCS8 and openssl pkey -pubout write; an error for key types
    // OpenSSL has no public key form for (the -sk kinds).
    Result<QString> pem() const;

    friend bool operator==(const SshPublicKey &a, const SshPublicKey &b) { return a.m_blob == b.m_blob; }

private:
    QByteArray m_blob;
    QString m_algorithm;
    QString m_application;
    int m_bits = 0;
};

} // namespace keystead
