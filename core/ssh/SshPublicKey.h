#pragma once

#include "common/Result.h"

#include <QByteArray>
#include <QString>

namespace keystead {

// An SSH public key and the forms operators and tools need: fingerprints as
// `ssh-keygen -l` prints them, the authorized_keys line, RFC 4716 and PEM.
// A value type: holds the key's wire blob (RFC 4253 encoding), nothing else.
class SshPublicKey final
{
public:
    SshPublicKey() = default;

    // From the wire encoding ("string type, ..."), as a client offers it.
    static Result<SshPublicKey> fromBlob(const QByteArray &blob);
    // From an OpenSSH one-line public key ("ssh-ed25519 AAAA... comment").
    static Result<SshPublicKey> fromOpenSshLine(const QString &line);
    // From an RFC 4716 "---- BEGIN SSH2 PUBLIC KEY ----" block.
    static Result<SshPublicKey> fromRfc4716(const QString &text);
    // Either of the two text forms above.
    static Result<SshPublicKey> parse(const QString &text);

    bool isNull() const { return m_blob.isEmpty(); }
    const QByteArray &blob() const { return m_blob; }

    // The key's algorithm name: ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa,
    // sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com (ssh-dss parsed but flagged weak).
    QString algorithm() const { return m_algorithm; }
    // Size in bits, as ssh-keygen -l prints it (256 for Ed25519, modulus bits for RSA).
    int bits() const { return m_bits; }
    // "ED25519", "ECDSA", "RSA", "ECDSA-SK", "ED25519-SK", "DSA": ssh-keygen -l's last column.
    QString typeLabel() const;

    // "SHA256:" + unpadded base64 of SHA-256 over the blob, exactly as ssh-keygen -l -E sha256.
    QString fingerprintSha256() const;
    // "MD5:" + colon-separated hex, exactly as ssh-keygen -l -E md5.
    QString fingerprintMd5() const;
    // "ssh-ed25519 AAAA..." (+ " comment" when given): one authorized_keys line.
    QString openSshLine(const QString &comment = {}) const;
    // RFC 4716 block with lines of at most 70 characters (what ssh-keygen -e writes).
    QString rfc4716(const QString &comment = {}) const;
    // PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----"), as openssl pkey -pubout
    // writes; an error for key types OpenSSL has no public key form for (the -sk kinds).
    Result<QString> pem() const;

    friend bool operator==(const SshPublicKey &a, const SshPublicKey &b) { return a.m_blob == b.m_blob; }

private:
    QByteArray m_blob;
    QString m_algorithm;
    int m_bits = 0;
};

} // namespace keystead
