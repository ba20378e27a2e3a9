// SshCertificateSigner (the CA keys: made, read, signing) and SshCertificate::sign,
// the encoder. Parsing and verifying are in SshCertificate.cpp.
#include "ssh/SshCertificate.h"

#include "common/Crypto.h"
#include "ssh/CertificateWire.h"
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

using namespace sshcert;

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

} // namespace keystead
