#include "WebhookHeaderSeal.h"

#include "collect/WebhookSigner.h"
#include "common/Crypto.h"

#include <QtEndian>

#include <openssl/crypto.h>

#include <memory>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

constexpr QByteArrayView kKeyInfo = "keystead webhook header seal v1";
constexpr QByteArrayView kAssociatedLabel = "keystead webhook header v1";
constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;

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
    QByteArrayView bytes() const { return m_bytes; }

private:
    QByteArray m_bytes;
};

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
    Result<QByteArray> sealed
        = crypto::aes256GcmSeal(sealKey.bytes(), associatedData(webhookId, headerName), value.toUtf8());
    if (!sealed)
        return Error::internal(u"OpenSSL could not seal the webhook's %1 header"_s.arg(headerName));
    return QString(QString(kPrefix) + QString::fromLatin1(sealed->toBase64()));
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
    Result<QByteArray> plain
        = crypto::aes256GcmOpen(sealKey.bytes(), associatedData(webhookId, headerName), decoded.decoded);
    if (!plain)
        return Error::conflict(cannotOpen(headerName));
    const QString value = QString::fromUtf8(plain.value());
    OPENSSL_cleanse(plain->data(), static_cast<size_t>(plain->size()));
    return value;
}

} // namespace keystead
