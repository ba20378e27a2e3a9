#include "ssh/SshCertificate.h"

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

namespace keystead {

namespace {

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

// --- wire encoding (RFC 4251 section 5) -------------------------------------

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

// --- key types ---------------------------------------------------------------

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

} // namespace

// --- SshCertificateSigner ----------------------------------------------------------

struct SshCertificateSigner::Impl
{
    OpenSslPtr<EVP_PKEY> key;
    CaKeyType type = CaKeyType::Ed25519;
    SshPublicKey publicKey;
};

SshCertificateSigner::SshCertificateSigner(std::shared_ptr<const Impl> impl)
    : m_impl(std::move(impl))
{
}

SshCertificateSigner::SshCertificateSigner(const SshCertificateSigner &) = default;
SshCertificateSigner &SshCertificateSigner::operator=(const SshCertificateSigner &) = default;
SshCertificateSigner::SshCertificateSigner(SshCertificateSigner &&) noexcept = default;
SshCertificateSigner &SshCertificateSigner::operator=(SshCertificateSigner &&) noexcept = default;
SshCertificateSigner::~SshCertificateSigner() = default;

namespace {

Result<SshPublicKey> publicKeyOf(EVP_PKEY *key, CaKeyType type)
{
    Result<QByteArray> blob = sshBlobOf(key, caAlgorithm(type));
    if (!blob)
        return blob.error();
    return SshPublicKey::fromBlob(blob.value());
}

} // namespace

Result<SshCertificateSigner> SshCertificateSigner::generate(CaKeyType type)
{
    const CaAlgorithm &algorithm = caAlgorithm(type);
    EVP_PKEY *made = nullptr;
    if (algorithm.group)
        made = EVP_PKEY_Q_keygen(nullptr, nullptr, algorithm.keyName, algorithm.group);
    else if (algorithm.rsaBits != 0)
        made = EVP_PKEY_Q_keygen(nullptr, nullptr, algorithm.keyName, algorithm.rsaBits);
    else
        made = EVP_PKEY_Q_keygen(nullptr, nullptr, algorithm.keyName);
    if (!made)
        return Error::internal(u"OpenSSL could not generate the CA key"_s);
    auto impl = std::make_shared<Impl>();
    impl->key.reset(made);
    impl->type = type;
    Result<SshPublicKey> publicKey = publicKeyOf(made, type);
    if (!publicKey)
        return publicKey.error();
    impl->publicKey = std::move(publicKey).value();
    return SshCertificateSigner(std::move(impl));
}

Result<SshCertificateSigner> SshCertificateSigner::fromPrivateKeyPem(const QByteArray &pem)
{
    Result<OpenSslPtr<EVP_PKEY>> key = evpFromPem(pem, true);
    if (!key)
        return key.error();
    Result<CaKeyType> type = caTypeOf(key->get());
    if (!type)
        return type.error();
    auto impl = std::make_shared<Impl>();
    impl->type = type.value();
    Result<SshPublicKey> publicKey = publicKeyOf(key->get(), impl->type);
    if (!publicKey)
        return publicKey.error();
    impl->publicKey = std::move(publicKey).value();
    impl->key = std::move(key).value();
    return SshCertificateSigner(std::move(impl));
}

const SshPublicKey &SshCertificateSigner::publicKey() const
{
    return m_impl->publicKey;
}

CaKeyType SshCertificateSigner::keyType() const
{
    return m_impl->type;
}

QString SshCertificateSigner::signatureAlgorithm() const
{
    return signatureNameOf(m_impl->type);
}

QByteArray SshCertificateSigner::privateKeyPem() const
{
    // A secure-memory BIO: OpenSSL wipes its copy of the PEM when it is freed.
    const OpenSslPtr<BIO> bio(BIO_new(BIO_s_secmem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), m_impl->key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return {};
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, qsizetype(length));
}

Result<QByteArray> SshCertificateSigner::sign(QByteArrayView data) const
{
    const CaAlgorithm &algorithm = caAlgorithm(m_impl->type);
    const EVP_MD *digest = nullptr;
    if (algorithm.group)
        digest = ecdsaDigest(algorithm.sshName);
    else if (algorithm.rsaBits != 0)
        digest = EVP_sha512();
    const OpenSslPtr<EVP_MD_CTX> context(EVP_MD_CTX_new());
    size_t length = 0;
    const auto *input = reinterpret_cast<const unsigned char *>(data.data());
    if (!context || EVP_DigestSignInit(context.get(), nullptr, digest, nullptr, m_impl->key.get()) != 1
        || EVP_DigestSign(context.get(), nullptr, &length, input, size_t(data.size())) != 1)
        return Error::internal(u"OpenSSL could not start signing"_s);
    QByteArray raw(qsizetype(length), '\0');
    if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char *>(raw.data()), &length, input,
                       size_t(data.size()))
        != 1)
        return Error::internal(u"OpenSSL could not sign"_s);
    raw.truncate(qsizetype(length));

    QByteArray signature;
    if (algorithm.group) {
        const auto *der = reinterpret_cast<const unsigned char *>(raw.constData());
        const OpenSslPtr<ECDSA_SIG> parsed(d2i_ECDSA_SIG(nullptr, &der, long(raw.size())));
        if (!parsed)
            return Error::internal(u"OpenSSL gave an unreadable ECDSA signature"_s);
        QByteArray pair;
        putMpint(pair, bignumBytes(ECDSA_SIG_get0_r(parsed.get())));
        putMpint(pair, bignumBytes(ECDSA_SIG_get0_s(parsed.get())));
        signature = pair;
    } else {
        signature = raw;
    }
    QByteArray blob;
    putString(blob, signatureAlgorithm().toLatin1());
    putString(blob, signature);
    return blob;
}

// --- SshCertificate ------------------------------------------------------------------

Result<SshCertificate> SshCertificate::sign(const CertificateRequest &request, const SshCertificateSigner &ca)
{
    if (request.subject.isNull())
        return Error::invalid(u"the certificate has no subject key"_s, u"public_key"_s);
    const SubjectType *type = subjectByPlain(request.subject.algorithm().toLatin1());
    if (!type)
        return Error::invalid(u"no certificate type exists for a %1 key"_s.arg(request.subject.algorithm()),
                              u"public_key"_s);
    if (request.kind != CertificateKind::User && request.kind != CertificateKind::Host)
        return Error::invalid(u"a certificate is for a user or a host"_s);
    if (request.principals.size() > MaxPrincipals)
        return Error::invalid(u"OpenSSH accepts at most %1 principals"_s.arg(MaxPrincipals), u"principals"_s);
    const quint64 validAfter = encodeTime(request.validAfter, 0);
    const quint64 validBefore = encodeTime(request.validBefore, Forever);
    if (validBefore <= validAfter)
        return Error::invalid(u"the certificate would never be valid: it ends before it starts"_s, u"valid_until"_s);
    for (auto it = request.criticalOptions.cbegin(); it != request.criticalOptions.cend(); ++it) {
        if (it.key().isEmpty())
            return Error::invalid(u"a critical option has no name"_s, u"critical_options"_s);
    }
    for (auto it = request.extensions.cbegin(); it != request.extensions.cend(); ++it) {
        if (it.key().isEmpty())
            return Error::invalid(u"an extension has no name"_s, u"extensions"_s);
    }
    Result<QByteArray> nonce = crypto::randomBytes(int(NonceSize));
    if (!nonce)
        return nonce.error();

    QByteArray body;
    putString(body, type->certificate);
    putString(body, nonce.value());
    // The plain key's fields follow its name unchanged in the certificate.
    WireReader subject(request.subject.blob());
    if (!subject.string())
        return Error::invalid(u"the subject key is malformed"_s, u"public_key"_s);
    body.append(request.subject.blob().sliced(subject.position()));
    putUint64(body, request.serial);
    putUint32(body, static_cast<quint32>(request.kind));
    putString(body, request.keyId.toUtf8());
    QByteArray principals;
    for (const QString &principal : request.principals)
        putString(principals, principal.toUtf8());
    putString(body, principals);
    putUint64(body, validAfter);
    putUint64(body, validBefore);
    putString(body, encodeOptions(request.criticalOptions));
    putString(body, encodeOptions(request.extensions));
    putString(body, QByteArrayView()); // reserved
    putString(body, ca.publicKey().blob());
    Result<QByteArray> signature = ca.sign(body);
    if (!signature)
        return signature.error();
    putString(body, signature.value());
    return fromBlob(body);
}

Result<SshCertificate> SshCertificate::fromOpenSshLine(const QString &line)
{
    if (line.size() > MaxCertificateSize * 2)
        return Error::invalid(u"the certificate text is too long"_s);
    const QStringList parts = line.trimmed().split(QRegularExpression(u"[ \\t]+"_s), Qt::SkipEmptyParts);
    if (parts.isEmpty())
        return Error::invalid(u"the certificate is empty"_s);
    const bool typed = parts.size() >= 2 && subjectByCertificate(parts[0].toLatin1());
    const QString encoded = typed ? parts[1] : parts[0];
    const QByteArray::FromBase64Result decoded
        = QByteArray::fromBase64Encoding(encoded.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return Error::invalid(u"the certificate is not valid base64"_s);
    Result<SshCertificate> certificate = fromBlob(decoded.decoded);
    if (!certificate)
        return certificate;
    if (typed && parts[0] != certificate->algorithm())
        return Error::invalid(u"the line says %1 but the certificate is %2"_s.arg(parts[0], certificate->algorithm()));
    return certificate;
}

Result<SshCertificate> SshCertificate::fromBlob(const QByteArray &blob)
{
    if (blob.isEmpty())
        return Error::invalid(u"the certificate is empty"_s);
    if (blob.size() > MaxCertificateSize)
        return Error::invalid(u"the certificate is too large (%1 bytes)"_s.arg(blob.size()));
    const auto truncated
        = [](const QString &where) { return Error::invalid(u"the certificate is truncated in its "_s + where); };
    WireReader reader(blob);
    const std::optional<QByteArrayView> name = reader.string();
    if (!name)
        return truncated(u"type"_s);
    const SubjectType *type = subjectByCertificate(*name);
    if (!type)
        return Error::invalid(u"not an OpenSSH v01 certificate type"_s);
    const std::optional<QByteArrayView> nonce = reader.string();
    if (!nonce)
        return truncated(u"nonce"_s);

    SshCertificate certificate;
    certificate.m_algorithm = QString::fromLatin1(type->certificate);
    QByteArray subjectBlob;
    putString(subjectBlob, type->plain);
    for (int i = 0; i < type->publicFields; ++i) {
        const std::optional<QByteArrayView> field = reader.string();
        if (!field)
            return truncated(u"public key"_s);
        putString(subjectBlob, *field);
    }
    Result<SshPublicKey> subject = SshPublicKey::fromBlob(subjectBlob);
    if (!subject)
        return Error::invalid(u"the certified key is invalid: "_s + subject.error().message);
    certificate.m_subject = std::move(subject).value();

    const std::optional<quint64> serial = reader.uint64();
    const std::optional<quint32> kind = reader.uint32();
    if (!serial || !kind)
        return truncated(u"serial or type"_s);
    if (*kind != quint32(CertificateKind::User) && *kind != quint32(CertificateKind::Host))
        return Error::invalid(u"the certificate is neither a user nor a host certificate (type %1)"_s.arg(*kind));
    certificate.m_serial = *serial;
    certificate.m_kind = CertificateKind(*kind);
    const std::optional<QByteArrayView> keyId = reader.string();
    const std::optional<QByteArrayView> principals = reader.string();
    if (!keyId || !principals)
        return truncated(u"key id or principals"_s);
    certificate.m_keyId = QString::fromUtf8(*keyId);
    WireReader principalReader(*principals);
    while (!principalReader.atEnd()) {
        const std::optional<QByteArrayView> principal = principalReader.string();
        if (!principal)
            return truncated(u"principals"_s);
        if (certificate.m_principals.size() >= MaxPrincipals)
            return Error::invalid(u"the certificate has more than %1 principals"_s.arg(MaxPrincipals));
        certificate.m_principals.append(QString::fromUtf8(*principal));
    }
    const std::optional<quint64> validAfter = reader.uint64();
    const std::optional<quint64> validBefore = reader.uint64();
    if (!validAfter || !validBefore)
        return truncated(u"validity"_s);
    certificate.m_validAfter = decodeTime(*validAfter);
    certificate.m_validBefore = decodeTime(*validBefore);
    const std::optional<QByteArrayView> critical = reader.string();
    const std::optional<QByteArrayView> extensions = reader.string();
    const std::optional<QByteArrayView> reserved = reader.string();
    if (!critical || !extensions || !reserved)
        return truncated(u"options"_s);
    std::optional<QMap<QString, QString>> criticalOptions = decodeOptions(*critical);
    std::optional<QMap<QString, QString>> extensionMap = decodeOptions(*extensions);
    if (!criticalOptions || !extensionMap)
        return Error::invalid(u"the certificate's options or extensions are malformed"_s);
    certificate.m_criticalOptions = std::move(*criticalOptions);
    certificate.m_extensions = std::move(*extensionMap);
    const std::optional<QByteArrayView> signatureKey = reader.string();
    if (!signatureKey)
        return truncated(u"signature key"_s);
    Result<SshPublicKey> ca = SshPublicKey::fromBlob(signatureKey->toByteArray());
    if (!ca)
        return Error::invalid(u"the certificate's CA key is invalid: "_s + ca.error().message);
    certificate.m_signatureKey = std::move(ca).value();
    const qsizetype signedLength = reader.position();
    const std::optional<QByteArrayView> signature = reader.string();
    if (!signature)
        return truncated(u"signature"_s);
    if (!reader.atEnd())
        return Error::invalid(u"the certificate has %1 unexpected bytes after its end"_s.arg(reader.remaining()));
    WireReader signatureReader(*signature);
    const std::optional<QByteArrayView> signatureName = signatureReader.string();
    const std::optional<QByteArrayView> signatureBytes = signatureReader.string();
    if (!signatureName || !signatureBytes || !signatureReader.atEnd())
        return Error::invalid(u"the certificate's signature is malformed"_s);
    certificate.m_signatureAlgorithm = QString::fromLatin1(*signatureName);
    certificate.m_signedLength = signedLength;
    certificate.m_blob = blob;
    return certificate;
}

QString SshCertificate::openSshLine(const QString &comment) const
{
    QString line = m_algorithm + u' ' + QString::fromLatin1(m_blob.toBase64());
    if (!comment.isEmpty())
        line += u' ' + comment;
    return line;
}

bool SshCertificate::verifySignature() const
{
    if (m_blob.isEmpty() || m_signedLength <= 0 || m_signedLength > m_blob.size())
        return false;
    WireReader outer(QByteArrayView(m_blob).sliced(m_signedLength));
    const std::optional<QByteArrayView> signature = outer.string();
    if (!signature)
        return false;
    WireReader reader(*signature);
    const std::optional<QByteArrayView> name = reader.string();
    const std::optional<QByteArrayView> bytes = reader.string();
    if (!name || !bytes || !reader.atEnd())
        return false;
    const QByteArray caName = m_signatureKey.algorithm().toLatin1();
    const EVP_MD *digest = nullptr;
    if (caName == "ssh-ed25519") {
        if (*name != "ssh-ed25519")
            return false;
    } else if (caName.startsWith("ecdsa-sha2-")) {
        if (*name != caName)
            return false;
        digest = ecdsaDigest(caName);
    } else if (caName == "ssh-rsa") {
        if (*name == "rsa-sha2-512")
            digest = EVP_sha512();
        else if (*name == "rsa-sha2-256")
            digest = EVP_sha256();
        else if (*name == "ssh-rsa")
            digest = EVP_sha1();
        else
            return false;
    } else {
        // DSA and security-key CAs: not ones Keystead makes or can check here.
        return false;
    }
    Result<QString> pem = m_signatureKey.pem();
    if (!pem)
        return false;
    Result<OpenSslPtr<EVP_PKEY>> key = evpFromPem(pem->toLatin1(), false);
    if (!key)
        return false;
    const QByteArrayView signedData = QByteArrayView(m_blob).first(m_signedLength);
    if (digest && caName.startsWith("ecdsa-sha2-")) {
        const std::optional<QByteArray> der = ecdsaDer(*bytes);
        return der && verifyWith(key->get(), digest, *der, signedData);
    }
    return verifyWith(key->get(), digest, *bytes, signedData);
}

QStringList knownCriticalOptions()
{
    return {u"force-command"_s, u"source-address"_s, u"verify-required"_s};
}

QStringList knownExtensions()
{
    return {
        u"no-touch-required"_s, u"permit-X11-forwarding"_s, u"permit-agent-forwarding"_s, u"permit-port-forwarding"_s,
        u"permit-pty"_s,        u"permit-user-rc"_s};
}

Status validateSourceAddress(const QString &value)
{
    if (value.isEmpty())
        return Error::invalid(u"source-address is empty: give one or more CIDR blocks, comma-separated"_s,
                              u"critical_options.source-address"_s);
    static const QRegularExpression ipv4(u"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|"
                                         "1[0-9][0-9]|[1-9]?[0-9])){3}$"_s);
    static const QRegularExpression ipv6(u"^[0-9A-Fa-f:.]+$"_s);
    for (const QString &entry : value.split(u',')) {
        const auto bad = [&entry](const QString &why) {
            return Error::invalid(u"source-address entry \"%1\" %2"_s.arg(entry.left(64), why),
                                  u"critical_options.source-address"_s);
        };
        if (entry.isEmpty() || entry.size() > 64)
            return bad(u"is empty or too long"_s);
        const qsizetype slash = entry.indexOf(u'/');
        const QString address = slash < 0 ? entry : entry.left(slash);
        const bool isV4 = ipv4.match(address).hasMatch();
        const bool isV6 = !isV4 && address.contains(u':') && ipv6.match(address).hasMatch();
        QHostAddress parsed;
        if ((!isV4 && !isV6) || !parsed.setAddress(address))
            return bad(u"is not an IPv4 or IPv6 address (no names, wildcards or negation here)"_s);
        const int maxBits = isV4 ? 32 : 128;
        int bits = maxBits;
        if (slash >= 0) {
            bool ok = false;
            const QString mask = entry.mid(slash + 1);
            bits = mask.toInt(&ok);
            const bool digits = !mask.isEmpty() && mask.size() <= 3
                && std::all_of(mask.cbegin(), mask.cend(), [](QChar c) { return c >= u'0' && c <= u'9'; });
            if (!digits || !ok || bits < 0 || bits > maxBits)
                return bad(u"has a mask length outside 0..%1"_s.arg(maxBits));
        }
        // sshd refuses a block whose address has bits set past the mask.
        if (slash >= 0 && QHostAddress::parseSubnet(entry).first != parsed)
            return bad(u"has host bits set past its mask"_s);
    }
    return {};
}

} // namespace keystead
