#include "WebhookSigner.h"

#include "common/Clock.h"
#include "common/Crypto.h"
#include "ssh/NativeHandles.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMessageAuthenticationCode>
#include <QMutexLocker>
#include <QUuid>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cstdio>
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

} // namespace

WebhookSigner::WebhookSigner(QString dataDir, Database &database, const Clock &clock)
    : m_dataDir(std::move(dataDir))
    , m_database(database)
    , m_clock(clock)
{
}

QString WebhookSigner::keyFilePath() const
{
    return QDir(m_dataDir).filePath(kKeyFileName.toString());
}

Status WebhookSigner::ensureReady()
{
    QMutexLocker lock(&m_mutex);
    if (!m_key.isEmpty())
        return {};
    Result<QByteArray> key = loadOrCreateKey();
    if (!key)
        return key.error();
    if (Status matches = checkAgainstStore(key.value()); !matches)
        return matches;
    m_key = key.value();
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

Result<QByteArray> WebhookSigner::loadOrCreateKey() const
{
    const QString path = keyFilePath();
    const QFileInfo info(path);
    if (!info.exists() && !info.isSymLink()) {
        if (!QDir().mkpath(m_dataDir))
            return Error::unavailable(u"cannot create the folder %1"_s.arg(m_dataDir));
        Result<QByteArray> key = crypto::randomBytes(kKeyBytes);
        if (!key)
            return key.error();
        Result<QString> written = writeKeyFile(key.value(), path);
        if (written)
            return key;
        // Another process made it meanwhile: use theirs.
        if (!QFileInfo::exists(path))
            return written.error();
    }

    const QFileInfo existing(path);
    if (existing.isSymLink() || !existing.isFile())
        return Error::unavailable(u"the webhook signing key %1 must be a plain file, not a link"_s.arg(path));
    if (existing.ownerId() != ::geteuid())
        return Error::unavailable(u"the webhook signing key %1 belongs to another user"_s.arg(path));
    if (existing.permissions() & kOthersMayTouch)
        return Error::unavailable(
            u"the webhook signing key %1 is open to other users; allow only its owner (chmod 600) "
            "and, if others may have read it, replace the key (receivers then need the new secrets)"_s.arg(path));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error::unavailable(u"cannot read the webhook signing key %1: %2"_s.arg(path, file.errorString()));
    QByteArray key = file.read(kKeyBytes + 1);
    if (key.size() != kKeyBytes)
        return Error::unavailable(
            u"the webhook signing key %1 is damaged: it must hold exactly %2 bytes"_s.arg(path).arg(kKeyBytes));
    return key;
}

Result<QString> WebhookSigner::writeKeyFile(const QByteArray &key, const QString &path) const
{
    // Made with owner-only permissions from the start: no moment where others could read it.
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return Error::unavailable(u"cannot create the webhook signing key %1: %2"_s.arg(path, file.errorString()));
    const bool written = file.write(key) == key.size() && file.flush() && ::fsync(file.handle()) == 0;
    file.close();
    if (!written) {
        QFile::remove(path);
        return Error::unavailable(u"cannot write the webhook signing key %1"_s.arg(path));
    }
    return path;
}

Status WebhookSigner::replaceKey()
{
    QMutexLocker lock(&m_mutex);
    Result<QByteArray> key = crypto::randomBytes(kKeyBytes);
    if (!key)
        return key.error();
    const QString path = keyFilePath();
    const QString fresh = path + u".new-"_s + QUuid::createUuid().toString(QUuid::Id128);
    if (Result<QString> written = writeKeyFile(key.value(), fresh); !written)
        return written.error();
    // rename(2) swaps the file in one step: there is never a moment without a key file.
    if (::rename(QFile::encodeName(fresh).constData(), QFile::encodeName(path).constData()) != 0) {
        QFile::remove(fresh);
        return Error::unavailable(u"cannot replace the webhook signing key %1"_s.arg(path));
    }
    QSqlDatabase db = m_database.connection();
    const QString now = sql::toStoreTime(m_clock.now());
    const Status recorded = sql::inTransaction(db, [&]() -> Status {
        Result<QSqlQuery> removed = sql::exec(db, u"DELETE FROM webhook_signing_key WHERE id = 1"_s);
        if (!removed)
            return removed.error();
        Result<QSqlQuery> inserted
            = sql::exec(db, u"INSERT INTO webhook_signing_key (id, key_check, created_at) VALUES (1, ?, ?)"_s,
                        {keyCheckOf(key.value()), now});
        if (!inserted)
            return inserted.error();
        return {};
    });
    if (!recorded)
        return recorded;
    m_key = key.value();
    return {};
}

Status WebhookSigner::checkAgainstStore(const QByteArray &key)
{
    const QString check = keyCheckOf(key);
    QSqlDatabase db = m_database.connection();
    Result<QSqlQuery> recorded = sql::exec(
        db,
        u"INSERT INTO webhook_signing_key (id, key_check, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING"_s,
        {check, sql::toStoreTime(m_clock.now())});
    if (!recorded)
        return recorded.error();
    Result<QSqlQuery> stored = sql::exec(db, u"SELECT key_check FROM webhook_signing_key WHERE id = 1"_s);
    if (!stored)
        return stored.error();
    if (!stored.value().first())
        return Error::internal(u"the store kept no webhook signing key check"_s);
    if (!crypto::constantTimeEquals(stored.value().value(0).toString().toLatin1(), check.toLatin1())) {
        return Error::conflict(
            u"the webhook signing key %1 differs from the one other Keystead instances on this database "
            "use: copy their %2 into %3 (owner-only, mode 600), or webhook receivers would reject this "
            "instance's signatures"_s.arg(keyFilePath(), kKeyFileName.toString(), m_dataDir));
    }
    return {};
}

} // namespace keystead
