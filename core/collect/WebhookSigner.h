#pragma once

#include "common/Result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QMutex>
#include <QString>

namespace keystead {

class Database;
class Clock;

// Signs webhook bodies so receivers can trust them.
//
// Each webhook has its own secret, derived as HMAC-SHA256(signing key, webhook id)
// and written as 64 lowercase hex characters; receivers use that text as their
// HMAC key. Only the signing key is kept, in an owner-only file of the data
// folder (created on first use), so no secret ever reaches the database.
//
// Instances sharing one PostgreSQL store each have their own data folder: they
// must share the key file too, or one webhook would have a different secret on
// each. The first instance to use its key records a check value in the store
// (an HMAC of a fixed text, which reveals nothing of the key); an instance with
// another key refuses to sign or to show secrets until its key file is replaced.
//
// Thread-safe: the dispatcher signs in its thread while the panel or the API ask for secrets.
class WebhookSigner final
{
public:
    static constexpr QStringView kKeyFileName = u"webhook-signing.key";
    static constexpr qsizetype kKeyBytes = 32;
    static constexpr QByteArrayView kSignatureHeader = "X-Keystead-Signature";

    WebhookSigner(QString dataDir, Database &database, const Clock &clock);

    QString keyFilePath() const;
    // Loads the signing key, making it on first use, and checks it against the
    // store. Refuses a key file that others may read or write.
    Status ensureReady();
    // The webhook's secret, as an operator copies it into the receiver.
    Result<QByteArray> secretFor(const QString &webhookId);
    // The value of the signature header for `body`: "sha256=" and the hex HMAC-SHA256 of
    // exactly these bytes keyed with the webhook's secret.
    Result<QByteArray> signatureFor(const QString &webhookId, QByteArrayView body);
    static QByteArray signatureWithSecret(QByteArrayView secret, QByteArrayView body);
    // A 32-byte key for another purpose, named by `info`, derived from the signing key
    // with HKDF-SHA256: it needs no file of its own and changes whenever replaceKey() runs.
    Result<QByteArray> derivedKey(QByteArrayView info);

    // Makes a new signing key (when the old one may have leaked) and records it as the
    // store's key. Every webhook's secret changes: receivers need the new ones, and
    // other instances sharing the store need a copy of the new file.
    Status replaceKey();

private:
    Result<QByteArray> loadOrCreateKey() const;
    // Writes `key` to a new owner-only file beside the key file and returns its name.
    Result<QString> writeKeyFile(const QByteArray &key, const QString &path) const;
    Status checkAgainstStore(const QByteArray &key);

    QString m_dataDir;
    Database &m_database;
    const Clock &m_clock;
    QMutex m_mutex;
    QByteArray m_key; // set once the key is loaded and matches the store
};

} // namespace keystead
