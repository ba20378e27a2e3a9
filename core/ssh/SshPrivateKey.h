#pragma once

#include "common/Result.h"
#include "ssh/SshPublicKey.h"

#include <QByteArray>
#include <QString>

namespace keystead {

// The text forms of a private key Keystead accepts.
enum class PrivateKeyFormat {
    OpenSsh, // "-----BEGIN OPENSSH PRIVATE KEY-----" (openssh-key-v1)
    PemPkcs1, // "-----BEGIN RSA/EC PRIVATE KEY-----", optionally Proc-Type: 4,ENCRYPTED
    Pkcs8, // "-----BEGIN PRIVATE KEY-----" or "-----BEGIN ENCRYPTED PRIVATE KEY-----"
};

QString privateKeyFormatName(PrivateKeyFormat format); // "openssh", "pkcs1", "pkcs8"

// Why a private key was refused; carried in Error::details["reason"] (as the
// name below) so each HTTP family can give it its own number.
enum class PrivateKeyProblem {
    Unreadable, // not a private key in an accepted form, or damaged
    Unsupported, // a form or algorithm Keystead does not take (DSA, -sk, ...)
    PasswordRequired, // encrypted, and no password was given
    WrongPassword, // encrypted, and the password does not open it
    PasswordNotNeeded, // a password was given for a key that is not encrypted
};

QString privateKeyProblemName(PrivateKeyProblem problem); // "unreadable", "unsupported", "password_required", ...

// Key types the console can generate.
enum class GeneratedKeyType { Ed25519, EcdsaP256, EcdsaP384, EcdsaP521, Rsa3072, Rsa4096 };

// What was learned from a private key: its public half and how it was stored.
// Holds no private material: the text is read, checked and let go.
class SshPrivateKey final
{
public:
    // Largest private key text read at all (an encrypted 16384-bit RSA key is ~13 KiB).
    static constexpr qsizetype MaxTextSize = 64 * 1024;

    // Reads `text` in any accepted form (line ends \n, \r\n or a bare \r, as the
    // seed's examples have them) and opens it with `password` when it is encrypted.
    // Errors are InvalidInput with details["reason"] = privateKeyProblemName(...).
    // Opening an encrypted openssh-key-v1 key runs its bcrypt rounds (16 take ~0.2 s, the
    // 1024 accepted at most ~7 s): call it off the GUI thread.
    static Result<SshPrivateKey> parse(const QByteArray &text, const QByteArray &password = {});

    const SshPublicKey &publicKey() const { return m_publicKey; }
    PrivateKeyFormat format() const { return m_format; }
    bool isEncrypted() const { return m_encrypted; }
    // The comment an unencrypted openssh-key-v1 key carries; empty for the PEM forms and for
    // encrypted openssh-key-v1 (libssh 0.10 opens those and does not hand the comment out).
    QString comment() const { return m_comment; }

private:
    SshPublicKey m_publicKey;
    PrivateKeyFormat m_format = PrivateKeyFormat::OpenSsh;
    bool m_encrypted = false;
    QString m_comment;
};

// A key pair made in the console. `privateKeyText` is openssh-key-v1 carrying the comment,
// as `ssh-keygen -C` writes it. With a passphrase: Ed25519 stays openssh-key-v1 (encrypted by
// libssh, without the comment); RSA and ECDSA become encrypted PKCS#8 ("BEGIN ENCRYPTED PRIVATE
// KEY", AES-256-CBC, PBKDF2-SHA256), because libssh 0.10 writes openssh-key-v1 only for Ed25519
// and OpenSSL has no bcrypt_pbkdf. OpenSSH and parse() read every one of them.
struct GeneratedKeyPair
{
    QByteArray privateKeyText;
    SshPublicKey publicKey;
};

Result<GeneratedKeyPair> generateKeyPair(GeneratedKeyType type, const QByteArray &passphrase, const QString &comment);

} // namespace keystead
