#pragma once

// The pieces SshPrivateKey.cpp is built from, shared by its parts (internal to
// core/ssh): PrivateKeyCommon.cpp (errors, the SSH wire encoding, key types,
// the PEM-style armor), PrivateKeyOpenSsh.cpp (openssh-key-v1, read and
// written) and PrivateKeyPem.cpp (PEM PKCS#1 and PKCS#8).

#include "common/Result.h"
#include "ssh/NativeHandles.h"
#include "ssh/SshPrivateKey.h"

#include <QByteArrayView>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <array>
#include <optional>
#include <utility>

namespace keystead::sshkey {

// OpenSSH refuses shorter RSA keys (SSH_RSA_MINIMUM_MODULUS_SIZE), and so does SshPublicKey.
// Existing 1024-bit keys are still taken into the inventory; the console only makes 3072 and up.
constexpr int MinRsaBits = 1024;

// libssh runs bcrypt_pbkdf with whatever round count the file names, about 7 ms a round here:
// a pasted key must not hold a thread for minutes. ssh-keygen's default is 16, "-a 100" is common.
constexpr quint32 MaxBcryptRounds = 1024;

// PBKDF2-HMAC-SHA256 for the encrypted PKCS#8 keys the console makes (about 0.1 s here);
// ssh-keygen and OpenSSL write 2048, which guesses through too quickly.
constexpr int GeneratedPkcs8Iterations = 600000;

constexpr qsizetype OpenSshBase64Width = 70;

constexpr QByteArrayView OpenSshMagic("openssh-key-v1\0", 15);

constexpr QByteArrayView OpenSshLabel = "OPENSSH PRIVATE KEY";

using openssl::OpenSslPtr;

using LibsshKeyPtr = libssh::KeyPtr;

using LibsshCharPtr = libssh::CharPtr;

// Leaves no OpenSSL error behind for the next caller on this thread to trip over.
struct OpenSslErrorsCleared
{
    ~OpenSslErrorsCleared() { ERR_clear_error(); }
};

// Bytes that held private material: wiped when they go. Never copied, so no second
// buffer escapes the wipe; every buffer is reserved once so it does not move while growing.
class SecretBytes final
{
public:
    SecretBytes() = default;
    explicit SecretBytes(QByteArray bytes)
        : m_bytes(std::move(bytes))
    {
    }
    SecretBytes(const SecretBytes &) = delete;
    SecretBytes &operator=(const SecretBytes &) = delete;
    SecretBytes(SecretBytes &&other) noexcept
        : m_bytes(std::exchange(other.m_bytes, QByteArray()))
    {
    }
    SecretBytes &operator=(SecretBytes &&other) noexcept
    {
        if (this != &other) {
            wipe();
            m_bytes = std::exchange(other.m_bytes, QByteArray());
        }
        return *this;
    }
    ~SecretBytes() { wipe(); }

    QByteArray &bytes() { return m_bytes; }
    const QByteArray &bytes() const { return m_bytes; }
    QByteArrayView view() const { return m_bytes; }
    const unsigned char *data() const { return reinterpret_cast<const unsigned char *>(m_bytes.constData()); }
    qsizetype size() const { return m_bytes.size(); }

    void wipe()
    {
        if (!m_bytes.isEmpty())
            OPENSSL_cleanse(m_bytes.data(), static_cast<size_t>(m_bytes.size()));
        m_bytes.clear();
    }

private:
    QByteArray m_bytes;
};

// Every read is bounds-checked: the bytes come from whoever pasted the key.
class WireReader final
{
public:
    explicit WireReader(QByteArrayView data)
        : m_data(data)
    {
    }

    bool atEnd() const { return m_position == m_data.size(); }
    QByteArrayView rest() const { return m_data.sliced(m_position); }

    std::optional<QByteArrayView> bytes(qsizetype count)
    {
        if (count < 0 || count > m_data.size() - m_position)
            return std::nullopt;
        const QByteArrayView value = m_data.sliced(m_position, count);
        m_position += count;
        return value;
    }

    std::optional<quint32> uint32()
    {
        const std::optional<QByteArrayView> raw = bytes(4);
        if (!raw)
            return std::nullopt;
        const auto *b = reinterpret_cast<const unsigned char *>(raw->data());
        return (quint32{b[0]} << 24) | (quint32{b[1]} << 16) | (quint32{b[2]} << 8) | quint32{b[3]};
    }

    std::optional<QByteArrayView> string()
    {
        const qsizetype start = m_position;
        const std::optional<quint32> length = uint32();
        if (!length)
            return std::nullopt;
        std::optional<QByteArrayView> value = bytes(static_cast<qsizetype>(*length));
        if (!value)
            m_position = start;
        return value;
    }

private:
    QByteArrayView m_data;
    qsizetype m_position = 0;
};

struct Curve
{
    QByteArrayView sshName; // in the key blob, after "ecdsa-sha2-"
    const char *openSslGroup; // OSSL_PKEY_PARAM_GROUP_NAME
    QByteArrayView openSslAlias; // what EVP_PKEY_get_group_name answers
    int fieldBytes;
};

constexpr std::array<Curve, 3> Curves{{
    {"nistp256", "P-256", "prime256v1", 32},
    {"nistp384", "P-384", "secp384r1", 48},
    {"nistp521", "P-521", "secp521r1", 66},
}};

// One PEM-style block: its label, its headers ("Proc-Type: ..."), its decoded body.
struct Armor
{
    QByteArray label;
    QList<std::pair<QByteArray, QByteArray>> headers;
    SecretBytes body;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &[key, value] : headers) {
            if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
};

struct OpenSshCipher
{
    QByteArrayView name;
    qsizetype blockSize;
};

// The ciphers libssh 0.10 opens. It crashes on the AEAD ones (aes*-gcm, chacha20-poly1305):
// they are refused before libssh sees them.
constexpr std::array<OpenSshCipher, 7> OpenSshCiphers{{
    {"aes256-ctr", 16},
    {"aes192-ctr", 16},
    {"aes128-ctr", 16},
    {"aes256-cbc", 16},
    {"aes192-cbc", 16},
    {"aes128-cbc", 16},
    {"3des-cbc", 8},
}};

struct OpenSshContainer
{
    QByteArray cipherName;
    const OpenSshCipher *cipher = nullptr; // null when not encrypted
    QByteArray publicBlob;
    QByteArrayView privateSection; // into the armor's body
};

// The key in an unencrypted private section, as OpenSSL holds it.
struct OpenSshPrivate
{
    OpenSslPtr<EVP_PKEY> key;
    QString comment;
};

Error keyProblem(PrivateKeyProblem problem, QString message);

Error unreadable(const QString &why);

Error unsupported(const QString &why);

Error passwordRequired();

Error wrongPassword();

Error passwordNotNeeded();

Error dsaRefused();

// A name read from untrusted bytes goes into a message only when short and printable.
QString quoted(QByteArrayView name);

void appendUint32(QByteArray &out, quint32 value);

void appendString(QByteArray &out, QByteArrayView value);

// BN_bn2mpi writes exactly RFC 4251's mpint: a 4-byte length, then big-endian two's complement.
bool appendMpint(QByteArray &out, const BIGNUM *number);

// A positive mpint as a BIGNUM; private numbers go to OpenSSL's secure heap.
OpenSslPtr<BIGNUM> readMpint(WireReader &reader, bool secret);

const Curve *curveBySshName(QByteArrayView name);

const Curve *curveByGroup(QByteArrayView group);

QByteArray ecdsaAlgorithm(const Curve &curve);

// Refuses, before anything is decrypted, the algorithms Keystead does not store.
Status checkAlgorithmName(QByteArrayView name);

Status checkRsaBits(int bits);

Result<OpenSslPtr<BIGNUM>> bnParam(const EVP_PKEY *key, const char *name);

const Curve *curveOf(const EVP_PKEY *key);

// The uncompressed point, whatever form the file stored it in.
Result<QByteArray> ecPoint(const EVP_PKEY *key, const Curve &curve);

// The OpenSSH wire blob of a key OpenSSL holds; refuses what Keystead does not store.
Result<QByteArray> publicBlobOf(const EVP_PKEY *key);

// Proves the private half belongs to the public half (for RSA: the primes, d and the CRT
// values agree), so a damaged key is refused now rather than at the first login.
Status checkPair(EVP_PKEY *key);

// What parse() learns from a key OpenSSL holds.
Result<SshPublicKey> publicKeyOf(EVP_PKEY *key);

// Line ends become \n, wherever they came from: \r\n, a bare \r (the seed's examples), or the
// two characters "\r" / "\n" left by a copy from JSON or documentation. A backslash never
// occurs in base64 or a PEM label, so reading it as an escape cannot change a key.
SecretBytes normalizedText(const QByteArray &text);

QByteArrayView firstLine(QByteArrayView text);

Error notAPrivateKey(QByteArrayView text);

// Reads "-----BEGIN label-----" at the start of `text`; the rest follows in `after`.
std::optional<QByteArray> beginLabel(QByteArrayView text, QByteArrayView *after);

Result<Armor> readArmor(QByteArrayView text);

const OpenSshCipher *openSshCipher(QByteArrayView name);

Result<OpenSshContainer> readOpenSshContainer(const Armor &armor);

Result<OpenSslPtr<EVP_PKEY>> keyFromParams(const char *type, OSSL_PARAM_BLD *builder);

Result<OpenSslPtr<EVP_PKEY>> ed25519FromSection(WireReader &reader);

Result<OpenSslPtr<EVP_PKEY>> ecdsaFromSection(WireReader &reader, QByteArrayView algorithm);

Result<OpenSslPtr<EVP_PKEY>> rsaFromSection(WireReader &reader);

Result<OpenSshPrivate> readPrivateSection(QByteArrayView section, QByteArrayView algorithm);

// Encrypted keys are opened by libssh: it holds bcrypt_pbkdf, which OpenSSL does not.
Result<QByteArray> openWithLibssh(const Armor &armor, const QByteArray &password);

// OpenSSL asks for the password through this; it never prompts on a terminal.
int passwordCallback(char *buffer, int size, int /*writing*/, void *userData);

bool fullyRead(const unsigned char *start, const unsigned char *end, const SecretBytes &body);

Result<OpenSslPtr<EVP_PKEY>> readPkcs8Info(const PKCS8_PRIV_KEY_INFO *info);

Result<OpenSslPtr<EVP_PKEY>> readPkcs8(Armor &armor, bool encrypted, const QByteArray &password);

Result<OpenSslPtr<EVP_PKEY>> readPkcs1(Armor &armor, bool encrypted, const QByteArray &password);

// The private section of PROTOCOL.key for a key OpenSSL holds, comment and padding included.
Result<SecretBytes> privateSectionOf(const EVP_PKEY *key, const QByteArray &publicBlob, const QString &comment);

Result<SecretBytes> openSshText(const EVP_PKEY *key, const QByteArray &publicBlob, const QString &comment);

QByteArray readBio(BIO *bio);

// libssh 0.10 writes openssh-key-v1 with a password only for Ed25519, and only to a file
// (ssh_pki_export_privkey_base64 reads past its buffer). The file is made 0600 in a private
// folder first, and only ever holds the encrypted key. The comment is lost: libssh writes none.
Result<QByteArray> encryptedEd25519(const SecretBytes &plainText, const QByteArray &passphrase);

// RSA and ECDSA with a passphrase: PKCS#8, AES-256-CBC under PBKDF2-HMAC-SHA256, which OpenSSH reads.
Result<QByteArray> encryptedPkcs8(const EVP_PKEY *key, const QByteArray &passphrase);

} // namespace keystead::sshkey
