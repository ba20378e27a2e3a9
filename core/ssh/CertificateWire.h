#pragma once

// The pieces SshCertificate's parts share (internal to core/ssh): the SSH wire
// encoding, the subject and CA key types, options and times as certificates
// carry them. SshCertificateSigner.cpp signs, SshCertificate.cpp parses and verifies.

#include "common/Result.h"
#include "ssh/NativeHandles.h"
#include "ssh/SshCertificate.h"

#include <QByteArrayView>
#include <QDateTime>
#include <QMap>

#include <openssl/bn.h>
#include <openssl/evp.h>

#include <limits>
#include <optional>

namespace keystead::sshcert {

// OpenSSH refuses a certificate with more principals (SSHKEY_CERT_MAX_PRINCIPALS).
constexpr qsizetype MaxPrincipals = 256;

// Far above any real certificate (256 long principals and every option fit in a few KiB).
constexpr qsizetype MaxCertificateSize = 256 * 1024;

constexpr qsizetype NonceSize = 32;

// "forever" in valid_before, as ssh-keygen writes it.
constexpr quint64 Forever = std::numeric_limits<quint64>::max();

// QDateTime holds far more, but nothing past 9999-12-31T23:59:59Z is a real date for an operator.
constexpr quint64 LastRepresentableSecond = 253402300799ULL;

using openssl::OpenSslPtr;

// Reader over bytes nobody vouches for: every read is bounds-checked.
class WireReader final
{
public:
    explicit WireReader(QByteArrayView data)
        : m_data(data)
    {
    }

    bool atEnd() const { return m_position == m_data.size(); }
    qsizetype position() const { return m_position; }
    qsizetype remaining() const { return m_data.size() - m_position; }

    std::optional<quint32> uint32()
    {
        if (remaining() < 4)
            return std::nullopt;
        quint32 value = 0;
        for (int i = 0; i < 4; ++i)
            value = (value << 8) | static_cast<unsigned char>(m_data[m_position + i]);
        m_position += 4;
        return value;
    }
    std::optional<quint64> uint64()
    {
        if (remaining() < 8)
            return std::nullopt;
        quint64 value = 0;
        for (int i = 0; i < 8; ++i)
            value = (value << 8) | static_cast<unsigned char>(m_data[m_position + i]);
        m_position += 8;
        return value;
    }
    std::optional<QByteArrayView> string()
    {
        const qsizetype start = m_position;
        const std::optional<quint32> length = uint32();
        if (!length || quint64{*length} > quint64(remaining())) {
            m_position = start;
            return std::nullopt;
        }
        const QByteArrayView value = m_data.sliced(m_position, qsizetype(*length));
        m_position += qsizetype(*length);
        return value;
    }

private:
    QByteArrayView m_data;
    qsizetype m_position = 0;
};

struct SubjectType
{
    QByteArrayView plain;
    QByteArrayView certificate;
    int publicFields; // strings after the name in the plain blob (mpints are strings on the wire)
};

constexpr SubjectType SubjectTypes[] = {
    {"ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", 1},
    {"sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com", 2},
    {"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256-cert-v01@openssh.com", 2},
    {"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384-cert-v01@openssh.com", 2},
    {"ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521-cert-v01@openssh.com", 2},
    {"sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", 3},
    {"ssh-rsa", "ssh-rsa-cert-v01@openssh.com", 2},
    {"ssh-dss", "ssh-dss-cert-v01@openssh.com", 4},
};

// What a CA's algorithm needs to sign and to verify.
struct CaAlgorithm
{
    CaKeyType type;
    const char *keyName; // EVP_PKEY_Q_keygen's type
    const char *group; // EC group, or nullptr
    size_t rsaBits;
    QByteArrayView sshName; // the CA key's name in its blob
    const char *groupAlias; // the name OpenSSL reports for a key read from PEM
};

constexpr CaAlgorithm CaAlgorithms[] = {
    {CaKeyType::Ed25519, "ED25519", nullptr, 0, "ssh-ed25519", nullptr},
    {CaKeyType::EcdsaP256, "EC", "P-256", 0, "ecdsa-sha2-nistp256", "prime256v1"},
    {CaKeyType::EcdsaP384, "EC", "P-384", 0, "ecdsa-sha2-nistp384", "secp384r1"},
    {CaKeyType::EcdsaP521, "EC", "P-521", 0, "ecdsa-sha2-nistp521", "secp521r1"},
    {CaKeyType::Rsa2048, "RSA", nullptr, 2048, "ssh-rsa", nullptr},
    {CaKeyType::Rsa3072, "RSA", nullptr, 3072, "ssh-rsa", nullptr},
    {CaKeyType::Rsa4096, "RSA", nullptr, 4096, "ssh-rsa", nullptr},
};

void putUint32(QByteArray &out, quint32 value);

void putUint64(QByteArray &out, quint64 value);

void putString(QByteArray &out, QByteArrayView value);

// An unsigned magnitude (big-endian, maybe with leading zeros) as a positive mpint.
void putMpint(QByteArray &out, QByteArrayView magnitude);

QByteArray bignumBytes(const BIGNUM *number);

const SubjectType *subjectByPlain(QByteArrayView name);

const SubjectType *subjectByCertificate(QByteArrayView name);

const CaAlgorithm &caAlgorithm(CaKeyType type);

// The digest an ECDSA key of this curve signs with (RFC 5656 section 6.2.1).
const EVP_MD *ecdsaDigest(QByteArrayView sshName);

// The public key in SSH wire form, built from what OpenSSL holds.
Result<QByteArray> sshBlobOf(EVP_PKEY *key, const CaAlgorithm &algorithm);

// Which CaKeyType an OpenSSL key is, or an error for keys a CA here cannot have.
Result<CaKeyType> caTypeOf(EVP_PKEY *key);

QString signatureNameOf(CaKeyType type);

// name -> data, sorted by the bytes of the name as PROTOCOL.certkeys asks.
QByteArray encodeOptions(const QMap<QString, QString> &options);

std::optional<QMap<QString, QString>> decodeOptions(QByteArrayView encoded);

quint64 encodeTime(const QDateTime &time, quint64 whenInvalid);

QDateTime decodeTime(quint64 seconds);

Result<OpenSslPtr<EVP_PKEY>> evpFromPem(const QByteArray &pem, bool privateKey);

bool verifyWith(EVP_PKEY *key, const EVP_MD *digest, QByteArrayView signature, QByteArrayView data);

// (mpint r, mpint s) -> the DER OpenSSL verifies; nullopt when malformed.
std::optional<QByteArray> ecdsaDer(QByteArrayView sshSignature);

} // namespace keystead::sshcert
