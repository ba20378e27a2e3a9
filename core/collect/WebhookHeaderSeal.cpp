#include "WebhookHeaderSeal.h"

#include "collect/WebhookSigner.h"
#include "common/Crypto.h"

#include <QtEndian>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

constexpr QByteArrayView kKeyInfo = "keystead webhook header seal v1";
constexpr QByteArrayView kAssociatedLabel = "keystead webhook header v1";
constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;
constexpr int kKeyBytes = 32;

struct CipherContextFree
{
    void operator()(EVP_CIPHER_CTX *context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextFree>;

// Wipes a derived key when it goes out of scope, whichever way that happens.
class KeyBytes final
{
public:
    explicit KeyBytes(QByteArray bytes)
        : m_bytes(std::move(bytes))
    {
    }
    ~KeyBytes() { OPENSSL_cleanse(m_bytes.data(), static_cast<size_t>(m_bytes.size())); }
    KeyBytes(const KeyBytes &) = delete;
    KeyBytes &operator=(const KeyBytes &) = delete;
    const unsigned char *data() const { return reinterpret_cast<const unsigned char *>(m_bytes.constData()); }
    bool valid() const { return m_bytes.size() == kKeyBytes; }

private:
    QByteArray m_bytes;
};

const unsigned char *bytes(const QByteArray &data)
{
    return reinterpret_cast<const unsigned char *>(data.constData());
}

unsigned char *bytes(QByteArray &data)
{
    return reinterpret_cast<unsigned char *>(data.data());
}

// The webhook's id with its length in front, so no id and name can pass for another
// pair. Header names compare without case in HTTP, so the name is bound in lower case.
QByteArray associatedData(const QString &webhookId, const QString &headerName)
{
    const QByteArray id = webhookId.toUtf8();
    QByteArray length(4, Qt::Uninitialized);
    qToBigEndian(static_cast<quint32>(id.size()), length.data());
    return kAssociatedLabel.toByteArray() + '\0' + length + id + headerName.toLower().toUtf8();
}

QString cannotOpen(const QString &headerName)
{
    return u"the stored value of the webhook's %1 header cannot be opened: the webhook signing key was "
           "replaced, or the value was altered or copied from another webhook or header; enter the value again"_s.arg(
               headerName);
}

} // namespace

WebhookHeaderSeal::WebhookHeaderSeal(WebhookSigner &signer)
    : m_signer(signer)
{
}

bool WebhookHeaderSeal::isSealed(const QString &stored)
{
    return stored.startsWith(kPrefix);
}

Status WebhookHeaderSeal::ensureReady()
{
    if (Status ready = m_signer.ensureReady(); !ready)
        return Error::unavailable(u"webhook header values cannot be sealed or opened: "_s + ready.error().message);
    return {};
}

Result<QByteArray> WebhookHeaderSeal::key()
{
    if (Status ready = ensureReady(); !ready)
        return ready.error();
    Result<QByteArray> derived = m_signer.derivedKey(kKeyInfo);
    if (!derived)
        return Error::unavailable(u"webhook header values cannot be sealed or opened: "_s + derived.error().message);
    return derived;
}

Result<QString> WebhookHeaderSeal::seal(const QString &webhookId, const QString &headerName, const QString &value)
{
    if (webhookId.isEmpty())
        return Error::invalid(u"a header value is sealed for one webhook: its id is missing"_s);
    Result<QByteArray> derived = key();
    if (!derived)
        return derived.error();
    const KeyBytes sealKey(std::move(derived).value());
    Result<QByteArray> nonce = crypto::randomBytes(kNonceBytes);
    if (!nonce)
        return nonce.error();
    const QByteArray associated = associatedData(webhookId, headerName);
    const QByteArray plain = value.toUtf8();

    const CipherContext context(EVP_CIPHER_CTX_new());
    QByteArray sealed = nonce.value() + QByteArray(plain.size() + kTagBytes, Qt::Uninitialized);
    unsigned char *out = bytes(sealed) + kNonceBytes;
    int length = 0;
    bool ok = context && sealKey.valid()
        && EVP_EncryptInit_ex2(context.get(), EVP_aes_256_gcm(), sealKey.data(), bytes(nonce.value()), nullptr) == 1
        && EVP_EncryptUpdate(context.get(), nullptr, &length, bytes(associated), static_cast<int>(associated.size()))
            == 1;
    int written = 0;
    if (ok && !plain.isEmpty()) {
        ok = EVP_EncryptUpdate(context.get(), out, &length, bytes(plain), static_cast<int>(plain.size())) == 1;
        written = length;
    }
    if (ok) {
        ok = EVP_EncryptFinal_ex(context.get(), out + written, &length) == 1;
        written += length;
    }
    ok = ok && written == plain.size()
        && EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, out + written) == 1;
    if (!ok)
        return Error::internal(u"OpenSSL could not seal the webhook's %1 header"_s.arg(headerName));
    return QString(QString(kPrefix) + QString::fromLatin1(sealed.toBase64()));
}

Result<QString> WebhookHeaderSeal::open(const QString &webhookId, const QString &headerName, const QString &stored)
{
    if (!isSealed(stored))
        return stored;
    const QByteArray::FromBase64Result decoded = QByteArray::fromBase64Encoding(
        stored.sliced(kPrefix.size()).toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.size() < kNonceBytes + kTagBytes)
        return Error::conflict(cannotOpen(headerName));
    Result<QByteArray> derived = key();
    if (!derived)
        return derived.error();
    const KeyBytes sealKey(std::move(derived).value());
    const QByteArray &sealed = decoded.decoded;
    const qsizetype cipherLength = sealed.size() - kNonceBytes - kTagBytes;
    const QByteArray nonce = sealed.first(kNonceBytes);
    const QByteArray cipher = sealed.sliced(kNonceBytes, cipherLength);
    QByteArray tag = sealed.last(kTagBytes);
    const QByteArray associated = associatedData(webhookId, headerName);

    const CipherContext context(EVP_CIPHER_CTX_new());
    QByteArray plain(cipherLength, Qt::Uninitialized);
    int length = 0;
    bool ok = context && sealKey.valid()
        && EVP_DecryptInit_ex2(context.get(), EVP_aes_256_gcm(), sealKey.data(), bytes(nonce), nullptr) == 1
        && EVP_DecryptUpdate(context.get(), nullptr, &length, bytes(associated), static_cast<int>(associated.size()))
            == 1;
    int written = 0;
    if (ok && cipherLength > 0) {
        ok = EVP_DecryptUpdate(context.get(), bytes(plain), &length, bytes(cipher), static_cast<int>(cipherLength))
            == 1;
        written = length;
    }
    ok = ok && EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1;
    // The tag is checked here: a wrong key, nonce, associated data or any changed byte fails.
    ok = ok && EVP_DecryptFinal_ex(context.get(), bytes(plain) + written, &length) == 1;
    if (!ok) {
        OPENSSL_cleanse(plain.data(), static_cast<size_t>(plain.size()));
        return Error::conflict(cannotOpen(headerName));
    }
    return QString::fromUtf8(plain);
}

} // namespace keystead
