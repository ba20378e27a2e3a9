#pragma once

#include "common/Result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QLatin1StringView>
#include <QMutex>
#include <QString>

#include <optional>

namespace keystead {

class Database;
class Vault;
struct SecretRef;

// Signs webhook bodies so receivers can trust them.
//
// Each webhook has its own secret, derived as HMAC-SHA256(signing key, webhook id)
// and written as 64 lowercase hex characters; receivers use that text as their
// HMAC key. Only the 32-byte signing key is kept, sealed in the vault (made on
// first use), so no secret reaches the database in the clear and every instance
// sharing the store signs with the same key.
//
// Versions before the vault kept the key in <data folder>/webhook-signing.key:
// on first use, when the vault holds no key yet, that file's key is sealed (so
// receivers keep their secrets) and the file removed.
//
// Thread-safe: the dispatcher signs in its thread while the panel or the API ask for secrets.
class WebhookSigner final
{
public:
    static constexpr QStringView kLegacyKeyFileName = u"webhook-signing.key";
    static constexpr qsizetype kKeyBytes = 32;
    static constexpr QByteArrayView kSignatureHeader = "X-Keystead-Signature";
    // Where the key is sealed in the vault.
    static constexpr QLatin1StringView kOwnerKind{"webhook_signing_key"};
    static constexpr QLatin1StringView kOwnerId{"local"};
    static constexpr QLatin1StringView kField{"key"};
    static SecretRef secretRef();

    // `dataDir` is only looked into for an older version's key file.
    WebhookSigner(QString dataDir, Database &database, Vault &vault);

    QString legacyKeyFilePath() const;
    // Loads the signing key from the vault, sealing one on first use. Fails with
    // the vault's own words when the vault cannot be opened.
    Status ensureReady();
    // The webhook's secret, as an operator copies it into the receiver.
    Result<QByteArray> secretFor(const QString &webhookId);
    // The value of the signature header for `body`: "sha256=" and the hex HMAC-SHA256 of
    // exactly these bytes keyed with the webhook's secret.
    Result<QByteArray> signatureFor(const QString &webhookId, QByteArrayView body);
    static QByteArray signatureWithSecret(QByteArrayView secret, QByteArrayView body);
    // A 32-byte key for another purpose, named by `info`, derived from the signing key
    // with HKDF-SHA256: it needs no secret of its own and changes whenever replaceKey() runs.
    Result<QByteArray> derivedKey(QByteArrayView info);

    // Seals a new signing key (when the old one may have leaked). Every webhook's
    // secret changes: receivers need the new ones. Other instances sharing the
    // store pick the new key up when they next start.
    Status replaceKey();

private:
    // The key of an older version's file, when there is one and it is safe to take.
    Result<std::optional<QByteArray>> readLegacyKeyFile() const;
    // The key to seal when the vault holds none: the legacy file's, or a fresh one.
    Result<QByteArray> firstKey() const;
    // The legacy file goes once the vault holds the same key.
    void retireLegacyKeyFile(const QByteArray &sealedKey) const;

    QString m_dataDir;
    Database &m_database;
    Vault &m_vault;
    QMutex m_mutex;
    QByteArray m_key; // set once the key is loaded from the vault
};

} // namespace keystead
