#include "WebhookSigner.h"

#include "common/Crypto.h"
#include "secrets/SealedSecret.h"
#include "secrets/Vault.h"
#include "ssh/NativeHandles.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMessageAuthenticationCode>
#include <QMutexLocker>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <memory>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// A NUL byte keeps this input apart from any webhook id, whose secret uses the same key.
constexpr char kKeyCheckText[] = "\0keystead webhook signing key check";
constexpr QByteArrayView kKeyCheckInput{kKeyCheckText, sizeof(kKeyCheckText) - 1};

QByteArray hmacSha256(QByteArrayView key, QByteArrayView message)
{
    return QMessageAuthenticationCode::hash(message.toByteArray(), key.toByteArray(), QCryptographicHash::Sha256);
}

QString keyCheckOf(QByteArrayView key)
{
    return QString::fromLatin1(hmacSha256(key, kKeyCheckInput).toHex());
}

// HKDF-SHA256 (RFC 5869) without salt: the input is a uniformly random key already.
Result<QByteArray> hkdfSha256(QByteArrayView key, QByteArrayView info, qsizetype length)
{
    const openssl::OpenSslPtr<EVP_KDF> kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
    const openssl::OpenSslPtr<EVP_KDF_CTX> context(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
    if (!context)
        return Error::internal(u"OpenSSL offers no HKDF"_s);
    char digest[] = "SHA256";
    QByteArray keyBytes = key.toByteArray();
    QByteArray infoBytes = info.toByteArray();
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, keyBytes.data(), static_cast<size_t>(keyBytes.size())),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, infoBytes.data(), static_cast<size_t>(infoBytes.size())),
        OSSL_PARAM_construct_end(),
    };
    QByteArray derived(length, Qt::Uninitialized);
    const int done = EVP_KDF_derive(context.get(), reinterpret_cast<unsigned char *>(derived.data()),
                                    static_cast<size_t>(derived.size()), params);
    OPENSSL_cleanse(keyBytes.data(), static_cast<size_t>(keyBytes.size()));
    if (done != 1)
        return Error::internal(u"cannot derive a key with HKDF"_s);
    return derived;
}

constexpr QFileDevice::Permissions kOthersMayTouch = QFileDevice::ReadGroup | QFileDevice::WriteGroup
    | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther;

// The vault's own error, said of the signing key; other errors (a legacy key file's) stay as they are.
Error vaultRefused(const Error &vaultError)
{
    Error error = vaultError;
    if (vaultError.details.contains(u"vault_state"_s))
        error.message = u"the webhook signing key is sealed in the vault, which cannot be opened: "_s + error.message;
    return error;
}

} // namespace

SecretRef WebhookSigner::secretRef()
{
    return SecretRef{QString(kOwnerKind), QString(kOwnerId), QString(kField)};
}

WebhookSigner::WebhookSigner(QString dataDir, Database &database, Vault &vault)
    : m_dataDir(std::move(dataDir))
    , m_database(database)
    , m_vault(vault)
{
}

QString WebhookSigner::legacyKeyFilePath() const
{
    return QDir(m_dataDir).filePath(kLegacyKeyFileName.toString());
}

Status WebhookSigner::ensureReady()
{
    QMutexLocker lock(&m_mutex);
    if (!m_key.isEmpty())
        return {};
    Result<QByteArray> key = sealedSecretOrMake(m_vault, m_database, secretRef(), [this] { return firstKey(); });
    if (!key)
        return vaultRefused(key.error());
    if (key->size() != kKeyBytes)
        return Error::internal(
            u"the webhook signing key in the vault is damaged: it must hold exactly %1 bytes"_s.arg(kKeyBytes));
    retireLegacyKeyFile(key.value());
    m_key = std::move(key).value();
    return {};
}

Result<QByteArray> WebhookSigner::secretFor(const QString &webhookId)
{
    if (webhookId.isEmpty())
        return Error::invalid(u"a webhook secret needs the webhook's id"_s);
    if (Status ready = ensureReady(); !ready)
        return ready.error();
    QMutexLocker lock(&m_mutex);
    return hmacSha256(m_key, webhookId.toUtf8()).toHex();
}

Result<QByteArray> WebhookSigner::signatureFor(const QString &webhookId, QByteArrayView body)
{
    Result<QByteArray> secret = secretFor(webhookId);
    if (!secret)
        return secret.error();
    return signatureWithSecret(secret.value(), body);
}

QByteArray WebhookSigner::signatureWithSecret(QByteArrayView secret, QByteArrayView body)
{
    return "sha256=" + hmacSha256(secret, body).toHex();
}

Result<QByteArray> WebhookSigner::derivedKey(QByteArrayView info)
{
    if (Status ready = ensureReady(); !ready)
        return ready.error();
    QMutexLocker lock(&m_mutex);
    return hkdfSha256(m_key, info, kKeyBytes);
}

Result<QByteArray> WebhookSigner::firstKey() const
{
    Result<std::optional<QByteArray>> legacy = readLegacyKeyFile();
    if (!legacy)
        return legacy.error();
    if (legacy->has_value())
        return legacy->value();
    return crypto::randomBytes(kKeyBytes);
}

Result<std::optional<QByteArray>> WebhookSigner::readLegacyKeyFile() const
{
    const QString path = legacyKeyFilePath();
    const QFileInfo existing(path);
    if (!existing.exists() && !existing.isSymLink())
        return std::optional<QByteArray>{};
    if (existing.isSymLink() || !existing.isFile())
        return Error::unavailable(u"the webhook signing key %1 must be a plain file, not a link"_s.arg(path));
    if (existing.ownerId() != ::geteuid())
        return Error::unavailable(u"the webhook signing key %1 belongs to another user"_s.arg(path));
    if (existing.permissions() & kOthersMayTouch)
        return Error::unavailable(
            u"the webhook signing key %1 is open to other users; allow only its owner (chmod 600) "
            "and, if others may have read it, remove it (a new key is made; receivers then need the new "
            "secrets)"_s.arg(path));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error::unavailable(u"cannot read the webhook signing key %1: %2"_s.arg(path, file.errorString()));
    QByteArray key = file.read(kKeyBytes + 1);
    if (key.size() != kKeyBytes)
        return Error::unavailable(
            u"the webhook signing key %1 is damaged: it must hold exactly %2 bytes"_s.arg(path).arg(kKeyBytes));

    // Older versions recorded a check of the key the store's instances signed with:
    // a file that does not match it never signed anything receivers accept.
    Result<QSqlQuery> recorded
        = sql::exec(m_database.connection(), u"SELECT key_check FROM webhook_signing_key WHERE id = 1"_s);
    if (!recorded)
        return recorded.error();
    if (recorded->next()
        && !crypto::constantTimeEquals(recorded->value(0).toString().toLatin1(), keyCheckOf(key).toLatin1()))
        return Error::conflict(
            u"the webhook signing key %1 differs from the one other Keystead instances on this database "
            "signed with: start one of them first (it seals its key in the vault), or remove %1"_s.arg(path));
    return std::optional<QByteArray>{std::move(key)};
}

void WebhookSigner::retireLegacyKeyFile(const QByteArray &sealedKey) const
{
    const QString path = legacyKeyFilePath();
    if (!QFileInfo::exists(path))
        return;
    Result<std::optional<QByteArray>> legacy = readLegacyKeyFile();
    if (legacy && !legacy->has_value())
        return;
    if (!legacy || !crypto::constantTimeEquals(legacy->value(), sealedKey)) {
        const QString why = legacy ? u"it holds another key"_s : legacy.error().message;
        qWarning("webhooks: %s is no longer used (the signing key is sealed in the vault) and was left in place: %s",
                 qPrintable(path), qPrintable(why));
        return;
    }
    // The vault holds this very key now: a copy in the data folder is one more place to steal it from.
    if (!QFile::remove(path))
        qWarning("webhooks: cannot remove %s, whose key is sealed in the vault now", qPrintable(path));
    else
        qInfo("webhooks: sealed the signing key of %s in the vault and removed the file", qPrintable(path));
}

Status WebhookSigner::replaceKey()
{
    QMutexLocker lock(&m_mutex);
    Result<QByteArray> key = crypto::randomBytes(kKeyBytes);
    if (!key)
        return key.error();
    if (Status sealed = resealSecret(m_vault, m_database, secretRef(), key.value()); !sealed)
        return vaultRefused(sealed.error());
    m_key = std::move(key).value();
    return {};
}

} // namespace keystead
