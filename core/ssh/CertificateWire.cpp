#include "ssh/CertificateWire.h"

#include "common/Crypto.h"
#include "ssh/NativeHandles.h"

#include <QByteArrayView>
#include <QHostAddress>
#include <QRegularExpression>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

using namespace Qt::StringLiterals;

namespace keystead::sshcert {

void putUint32(QByteArray &out, quint32 value)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        out.append(static_cast<char>((value >> shift) & 0xff));
}

void putUint64(QByteArray &out, quint64 value)
{
    for (int shift = 56; shift >= 0; shift -= 8)
        out.append(static_cast<char>((value >> shift) & 0xff));
}

void putString(QByteArray &out, QByteArrayView value)
{
    putUint32(out, static_cast<quint32>(value.size()));
    out.append(value.data(), value.size());
}

// An unsigned magnitude (big-endian, maybe with leading zeros) as a positive mpint.
void putMpint(QByteArray &out, QByteArrayView magnitude)
{
    while (!magnitude.isEmpty() && magnitude.front() == 0)
        magnitude = magnitude.sliced(1);
    QByteArray encoded;
    if (!magnitude.isEmpty() && (static_cast<unsigned char>(magnitude.front()) & 0x80))
        encoded.append('\0');
    encoded.append(magnitude.data(), magnitude.size());
    putString(out, encoded);
}

QByteArray bignumBytes(const BIGNUM *number)
{
    QByteArray bytes(BN_num_bytes(number), '\0');
    BN_bn2bin(number, reinterpret_cast<unsigned char *>(bytes.data()));
    return bytes;
}

const SubjectType *subjectByPlain(QByteArrayView name)
{
    for (const SubjectType &type : SubjectTypes) {
        if (type.plain == name)
            return &type;
    }
    return nullptr;
}

const SubjectType *subjectByCertificate(QByteArrayView name)
{
    for (const SubjectType &type : SubjectTypes) {
        if (type.certificate == name)
            return &type;
    }
    return nullptr;
}

const CaAlgorithm &caAlgorithm(CaKeyType type)
{
    for (const CaAlgorithm &algorithm : CaAlgorithms) {
        if (algorithm.type == type)
            return algorithm;
    }
    return CaAlgorithms[0];
}

// The digest an ECDSA key of this curve signs with (RFC 5656 section 6.2.1).
const EVP_MD *ecdsaDigest(QByteArrayView sshName)
{
    if (sshName == "ecdsa-sha2-nistp256")
        return EVP_sha256();
    if (sshName == "ecdsa-sha2-nistp384")
        return EVP_sha384();
    if (sshName == "ecdsa-sha2-nistp521")
        return EVP_sha512();
    return nullptr;
}

// The public key in SSH wire form, built from what OpenSSL holds.
Result<QByteArray> sshBlobOf(EVP_PKEY *key, const CaAlgorithm &algorithm)
{
    QByteArray blob;
    putString(blob, algorithm.sshName);
    if (algorithm.type == CaKeyType::Ed25519) {
        QByteArray raw(32, '\0');
        size_t length = 32;
        if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char *>(raw.data()), &length) != 1
            || length != 32)
            return Error::internal(u"OpenSSL did not give the Ed25519 public key"_s);
        putString(blob, raw);
        return blob;
    }
    if (algorithm.group) {
        BIGNUM *x = nullptr;
        BIGNUM *y = nullptr;
        const bool got = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1
            && EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1;
        const OpenSslPtr<BIGNUM> ownX(x);
        const OpenSslPtr<BIGNUM> ownY(y);
        if (!got)
            return Error::internal(u"OpenSSL did not give the EC public point"_s);
        const int fieldBytes = (EVP_PKEY_get_bits(key) + 7) / 8;
        QByteArray point(1 + 2 * fieldBytes, '\0');
        point[0] = 0x04;
        auto *bytes = reinterpret_cast<unsigned char *>(point.data());
        if (BN_bn2binpad(x, bytes + 1, fieldBytes) != fieldBytes
            || BN_bn2binpad(y, bytes + 1 + fieldBytes, fieldBytes) != fieldBytes)
            return Error::internal(u"the EC public point does not fit its curve"_s);
        putString(blob, algorithm.sshName.sliced(qsizetype(sizeof("ecdsa-sha2-") - 1)));
        putString(blob, point);
        return blob;
    }
    BIGNUM *e = nullptr;
    BIGNUM *n = nullptr;
    const bool got = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) == 1
        && EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) == 1;
    const OpenSslPtr<BIGNUM> ownE(e);
    const OpenSslPtr<BIGNUM> ownN(n);
    if (!got)
        return Error::internal(u"OpenSSL did not give the RSA public numbers"_s);
    putMpint(blob, bignumBytes(e));
    putMpint(blob, bignumBytes(n));
    return blob;
}

// Which CaKeyType an OpenSSL key is, or an error for keys a CA here cannot have.
Result<CaKeyType> caTypeOf(EVP_PKEY *key)
{
    if (EVP_PKEY_is_a(key, "ED25519"))
        return CaKeyType::Ed25519;
    if (EVP_PKEY_is_a(key, "EC")) {
        char group[64] = {};
        size_t length = 0;
        if (EVP_PKEY_get_group_name(key, group, sizeof group, &length) != 1)
            return Error::invalid(u"the EC key names no curve"_s);
        const QByteArrayView name(group, qsizetype(length));
        for (const CaAlgorithm &algorithm : CaAlgorithms) {
            if (algorithm.group && (name == algorithm.group || name == algorithm.groupAlias))
                return algorithm.type;
        }
        return Error::invalid(u"a CA key is on P-256, P-384 or P-521, not "_s + QString::fromLatin1(name));
    }
    if (EVP_PKEY_is_a(key, "RSA")) {
        const int bits = EVP_PKEY_get_bits(key);
        for (const CaAlgorithm &algorithm : CaAlgorithms) {
            if (algorithm.rsaBits != 0 && algorithm.rsaBits == size_t(bits))
                return algorithm.type;
        }
        return Error::invalid(u"an RSA CA key has 2048, 3072 or 4096 bits, not %1"_s.arg(bits));
    }
    return Error::invalid(u"a CA key is Ed25519, ECDSA or RSA"_s);
}

QString signatureNameOf(CaKeyType type)
{
    switch (type) {
    case CaKeyType::Ed25519: return u"ssh-ed25519"_s;
    case CaKeyType::EcdsaP256: return u"ecdsa-sha2-nistp256"_s;
    case CaKeyType::EcdsaP384: return u"ecdsa-sha2-nistp384"_s;
    case CaKeyType::EcdsaP521: return u"ecdsa-sha2-nistp521"_s;
    case CaKeyType::Rsa2048:
    case CaKeyType::Rsa3072:
    case CaKeyType::Rsa4096:
        // sshd refuses SHA-1 ("ssh-rsa") signatures on certificates.
        return u"rsa-sha2-512"_s;
    }
    return {};
}

// name -> data, sorted by the bytes of the name as PROTOCOL.certkeys asks.
QByteArray encodeOptions(const QMap<QString, QString> &options)
{
    std::vector<std::pair<QByteArray, QByteArray>> sorted;
    sorted.reserve(size_t(options.size()));
    for (auto it = options.cbegin(); it != options.cend(); ++it)
        sorted.emplace_back(it.key().toUtf8(), it.value().toUtf8());
    std::sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    QByteArray out;
    for (const auto &[name, value] : sorted) {
        putString(out, name);
        QByteArray data;
        if (!value.isEmpty())
            putString(data, value);
        putString(out, data);
    }
    return out;
}

std::optional<QMap<QString, QString>> decodeOptions(QByteArrayView encoded)
{
    QMap<QString, QString> options;
    WireReader reader(encoded);
    while (!reader.atEnd()) {
        const std::optional<QByteArrayView> name = reader.string();
        const std::optional<QByteArrayView> data = reader.string();
        if (!name || !data || name->isEmpty())
            return std::nullopt;
        QString value;
        if (!data->isEmpty()) {
            WireReader inner(*data);
            const std::optional<QByteArrayView> text = inner.string();
            // A value that is not a string inside the data is shown as it is.
            value = text && inner.atEnd() ? QString::fromUtf8(*text) : QString::fromUtf8(*data);
        }
        const QString key = QString::fromUtf8(*name);
        if (options.contains(key))
            return std::nullopt;
        options.insert(key, value);
    }
    return options;
}

quint64 encodeTime(const QDateTime &time, quint64 whenInvalid)
{
    if (!time.isValid())
        return whenInvalid;
    const qint64 seconds = time.toSecsSinceEpoch();
    return seconds < 0 ? 0 : quint64(seconds);
}

QDateTime decodeTime(quint64 seconds)
{
    if (seconds > LastRepresentableSecond)
        return {};
    return QDateTime::fromSecsSinceEpoch(qint64(seconds), Qt::UTC);
}

Result<OpenSslPtr<EVP_PKEY>> evpFromPem(const QByteArray &pem, bool privateKey)
{
    const OpenSslPtr<BIO> bio(BIO_new_mem_buf(pem.constData(), static_cast<int>(pem.size())));
    if (!bio)
        return Error::internal(u"OpenSSL could not read memory"_s);
    EVP_PKEY *key = privateKey ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                               : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (!key)
        return Error::invalid(privateKey ? u"not an unencrypted PKCS#8 private key"_s
                                         : u"OpenSSL cannot read the public key"_s);
    return OpenSslPtr<EVP_PKEY>(key);
}

bool verifyWith(EVP_PKEY *key, const EVP_MD *digest, QByteArrayView signature, QByteArrayView data)
{
    const OpenSslPtr<EVP_MD_CTX> context(EVP_MD_CTX_new());
    return context && EVP_DigestVerifyInit(context.get(), nullptr, digest, nullptr, key) == 1
        && EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char *>(signature.data()),
                            size_t(signature.size()), reinterpret_cast<const unsigned char *>(data.data()),
                            size_t(data.size()))
        == 1;
}

// (mpint r, mpint s) -> the DER OpenSSL verifies; nullopt when malformed.
std::optional<QByteArray> ecdsaDer(QByteArrayView sshSignature)
{
    WireReader reader(sshSignature);
    const std::optional<QByteArrayView> r = reader.string();
    const std::optional<QByteArrayView> s = reader.string();
    if (!r || !s || !reader.atEnd() || r->size() > 67 || s->size() > 67)
        return std::nullopt;
    OpenSslPtr<ECDSA_SIG> signature(ECDSA_SIG_new());
    BIGNUM *rn = BN_bin2bn(reinterpret_cast<const unsigned char *>(r->data()), int(r->size()), nullptr);
    BIGNUM *sn = BN_bin2bn(reinterpret_cast<const unsigned char *>(s->data()), int(s->size()), nullptr);
    if (!signature || !rn || !sn || ECDSA_SIG_set0(signature.get(), rn, sn) != 1) {
        BN_free(rn);
        BN_free(sn);
        return std::nullopt;
    }
    const int length = i2d_ECDSA_SIG(signature.get(), nullptr);
    if (length <= 0)
        return std::nullopt;
    QByteArray der(length, '\0');
    auto *out = reinterpret_cast<unsigned char *>(der.data());
    if (i2d_ECDSA_SIG(signature.get(), &out) != length)
        return std::nullopt;
    return der;
}

} // namespace keystead::sshcert
