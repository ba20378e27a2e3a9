#include "connections/TrailTimestamper.h"

#include "common/Clock.h"
#include "connections/ConnectionService.h"
#include "secrets/Vault.h"
#include "settings/SshSettingsService.h"
#include "ssh/NativeHandles.h"
#include "ssh/SshPublicKey.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QMutexLocker>
#include <QScopeGuard>
#include <QTimer>
#include <QtEndian>

#include <openssl/crypto.h>
#include <openssl/evp.h>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

constexpr int kEd25519KeyBytes = 32;
constexpr int kEd25519SignatureBytes = 64;
// After the first round only connections active since the previous round (less
// this margin, for events written a little after they happened) are candidates:
// a round then reads the recent rows through the last_activity index, not the table.
constexpr qint64 kActivityMarginMs = 10 * 60 * 1000;
const QString kKeyComment = u"keystead-trail-timestamping"_s;

using PkeyPtr = openssl::OpenSslPtr<EVP_PKEY>;
using MdContextPtr = openssl::OpenSslPtr<EVP_MD_CTX>;

// Wiped when it goes out of scope: the raw private key passes through one of these.
class SecretBytes final
{
public:
    explicit SecretBytes(QByteArray bytes)
        : m_bytes(std::move(bytes))
    {
    }
    ~SecretBytes()
    {
        if (!m_bytes.isEmpty())
            OPENSSL_cleanse(m_bytes.data(), static_cast<size_t>(m_bytes.size()));
    }
    SecretBytes(const SecretBytes &) = delete;
    SecretBytes &operator=(const SecretBytes &) = delete;
    const QByteArray &bytes() const { return m_bytes; }

private:
    QByteArray m_bytes;
};

SecretRef signingKeyRef()
{
    return SecretRef{QString(TrailTimestamper::kOwnerKind), QString(TrailTimestamper::kOwnerId),
                     QString(TrailTimestamper::kField)};
}

void appendSshString(QByteArray &blob, QByteArrayView bytes)
{
    const quint32 length = qToBigEndian(static_cast<quint32>(bytes.size()));
    blob.append(reinterpret_cast<const char *>(&length), sizeof(length));
    blob.append(bytes);
}

Result<PkeyPtr> generateKey()
{
    PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    if (!key)
        return Error::internal(u"OpenSSL could not make an Ed25519 key"_s);
    return key;
}

Status rawPrivate(const EVP_PKEY *key, QByteArray &out)
{
    out.resize(kEd25519KeyBytes);
    size_t length = static_cast<size_t>(out.size());
    if (EVP_PKEY_get_raw_private_key(key, reinterpret_cast<unsigned char *>(out.data()), &length) != 1
        || length != kEd25519KeyBytes)
        return Error::internal(u"OpenSSL could not export the timestamping key"_s);
    return {};
}

Result<PkeyPtr> keyFromRawPrivate(const QByteArray &raw)
{
    if (raw.size() != kEd25519KeyBytes)
        return Error::internal(
            u"the sealed timestamping key has %1 bytes, not %2"_s.arg(raw.size()).arg(kEd25519KeyBytes));
    PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                             reinterpret_cast<const unsigned char *>(raw.constData()),
                                             static_cast<size_t>(raw.size())));
    if (!key)
        return Error::internal(u"OpenSSL refused the sealed timestamping key"_s);
    return key;
}

Result<TimestampingKey> publicHalf(const EVP_PKEY *key)
{
    QByteArray raw(kEd25519KeyBytes, '\0');
    size_t length = static_cast<size_t>(raw.size());
    if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char *>(raw.data()), &length) != 1
        || length != kEd25519KeyBytes)
        return Error::internal(u"OpenSSL could not export the timestamping public key"_s);
    QByteArray blob;
    appendSshString(blob, "ssh-ed25519");
    appendSshString(blob, raw);
    Result<SshPublicKey> parsed = SshPublicKey::fromBlob(blob);
    if (!parsed)
        return parsed.error();
    return TimestampingKey{parsed->openSshLine(kKeyComment), parsed->fingerprintSha256()};
}

Result<QByteArray> sign(EVP_PKEY *key, QByteArrayView message)
{
    MdContextPtr context(EVP_MD_CTX_new());
    QByteArray signature(kEd25519SignatureBytes, '\0');
    size_t length = static_cast<size_t>(signature.size());
    // Ed25519 hashes the message itself: no digest, one shot.
    if (!context || EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key) != 1
        || EVP_DigestSign(context.get(), reinterpret_cast<unsigned char *>(signature.data()), &length,
                          reinterpret_cast<const unsigned char *>(message.data()), static_cast<size_t>(message.size()))
            != 1
        || length != kEd25519SignatureBytes)
        return Error::internal(u"OpenSSL could not sign a trail checkpoint"_s);
    return signature;
}

} // namespace

struct TrailTimestamper::SigningKey
{
    PkeyPtr key;
    TimestampingKey publicKey;
};

TrailTimestamper::TrailTimestamper(Database &database, const Clock &clock, Vault &vault, ConnectionService &connections,
                                   QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_clock(clock)
    , m_vault(vault)
    , m_connections(connections)
{
}

TrailTimestamper::~TrailTimestamper() = default;

void TrailTimestamper::setOptionsSource(SshSettingsService *settings)
{
    if (SshSettingsService *previous = m_options.exchange(settings))
        disconnect(previous, nullptr, this, nullptr);
    m_cachedIntervalSeconds = 0;
    if (settings)
        connect(settings, &SshSettingsService::optionsChanged, this, [this] { m_cachedIntervalSeconds = 0; });
}

int TrailTimestamper::signingIntervalSeconds() const
{
    SshSettingsService *options = m_options.load();
    if (!options)
        return kDefaultIntervalSeconds;
    const qint64 nowMs = m_clock.monotonicMs();
    if (const int cached = m_cachedIntervalSeconds.load(); cached > 0 && nowMs - m_cachedIntervalAtMs < 60'000)
        return cached;
    Result<SshOptions> read = options->options();
    const int seconds = (!read || read->signingInterval < 1) ? kDefaultIntervalSeconds : read->signingInterval;
    m_cachedIntervalAtMs = nowMs;
    m_cachedIntervalSeconds = seconds;
    return seconds;
}

QByteArray TrailTimestamper::checkpointMessage(const QString &connectionId, qint64 sequence, const QString &headHex,
                                               qint64 signedAtMs)
{
    QByteArray message("keystead-trail-checkpoint-v1");
    message += '\0' + connectionId.toUtf8();
    message += '\0' + QByteArray::number(sequence);
    message += '\0' + headHex.toLatin1();
    message += '\0' + QByteArray::number(signedAtMs);
    return message;
}

bool TrailTimestamper::verifySignature(const QString &publicKeyLine, QByteArrayView message, QByteArrayView signature)
{
    Result<SshPublicKey> parsed = SshPublicKey::fromOpenSshLine(publicKeyLine);
    if (!parsed || parsed->algorithm() != u"ssh-ed25519"_s || signature.size() != kEd25519SignatureBytes)
        return false;
    // The blob ends with the 32 raw public key bytes.
    const QByteArray raw = parsed->blob().right(kEd25519KeyBytes);
    PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                            reinterpret_cast<const unsigned char *>(raw.constData()),
                                            static_cast<size_t>(raw.size())));
    MdContextPtr context(EVP_MD_CTX_new());
    if (!key || !context || EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key.get()) != 1)
        return false;
    return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char *>(signature.data()),
                            static_cast<size_t>(signature.size()),
                            reinterpret_cast<const unsigned char *>(message.data()),
                            static_cast<size_t>(message.size()))
        == 1;
}

Status TrailTimestamper::ensureKeyLocked()
{
    if (m_key)
        return {};
    if (Status unlocked = m_vault.unlock(); !unlocked)
        return Error::unavailable(u"the vault cannot be opened, so no trail checkpoint is signed: "_s
                                  + unlocked.error().message);
    const SecretRef ref = signingKeyRef();
    Result<QByteArray> sealed = m_vault.get(ref);
    if (!sealed && sealed.error().kind != Error::Kind::NotFound)
        return Error::unavailable(u"the timestamping key cannot be read from the vault: "_s + sealed.error().message);
    if (!sealed) {
        Result<PkeyPtr> made = generateKey();
        if (!made)
            return made.error();
        QByteArray rawBytes;
        const Status exported = rawPrivate(made->get(), rawBytes);
        const SecretBytes raw(std::move(rawBytes));
        if (!exported)
            return exported.error();
        Result<TimestampingKey> pub = publicHalf(made->get());
        if (!pub)
            return pub.error();
        QSqlDatabase db = m_database.connection();
        Status stored = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
            if (Status put = m_vault.put(db, ref, raw.bytes()); !put)
                return put;
            Result<QSqlQuery> row = sql::exec(db,
                                              u"INSERT INTO trail_timestamp_keys (fingerprint, public_key, created_at)"
                                              " VALUES (?, ?, ?) ON CONFLICT (fingerprint) DO NOTHING"_s,
                                              {pub->fingerprint, pub->publicKey, sql::toStoreTime(m_clock.now())});
            if (!row)
                return row.error();
            return {};
        });
        if (!stored)
            return Error::unavailable(u"the timestamping key cannot be sealed in the vault: "_s
                                      + stored.error().message);
        qInfo("timestamping: made the trail signing key %s", qPrintable(pub->fingerprint));
        // Another instance sharing the store may have sealed its key at the same
        // moment: whichever the vault holds now is the one every instance uses.
        sealed = m_vault.get(ref);
        if (!sealed)
            return Error::unavailable(u"the timestamping key cannot be read from the vault: "_s
                                      + sealed.error().message);
    }
    const SecretBytes raw(std::move(sealed.value()));
    Result<PkeyPtr> key = keyFromRawPrivate(raw.bytes());
    if (!key)
        return key.error();
    Result<TimestampingKey> pub = publicHalf(key->get());
    if (!pub)
        return pub.error();
    // Its public half must be on record before it signs anything, or no checkpoint would verify.
    Result<QSqlQuery> row = sql::exec(m_database.connection(),
                                      u"INSERT INTO trail_timestamp_keys (fingerprint, public_key, created_at)"
                                      " VALUES (?, ?, ?) ON CONFLICT (fingerprint) DO NOTHING"_s,
                                      {pub->fingerprint, pub->publicKey, sql::toStoreTime(m_clock.now())});
    if (!row)
        return row.error();
    m_key = std::make_unique<SigningKey>(SigningKey{std::move(key.value()), pub.value()});
    return {};
}

void TrailTimestamper::warnOnce(const QString &message)
{
    if (message == m_lastWarning)
        return;
    m_lastWarning = message;
    if (!message.isEmpty())
        qWarning("timestamping: %s", qPrintable(message));
}

Result<TimestampingKey> TrailTimestamper::publicKey()
{
    QMutexLocker lock(&m_mutex);
    if (Status ready = ensureKeyLocked(); !ready) {
        warnOnce(ready.error().message);
        return ready.error();
    }
    return m_key->publicKey;
}

Result<int> TrailTimestamper::signNow()
{
    QMutexLocker lock(&m_mutex);
    if (Status ready = ensureKeyLocked(); !ready) {
        warnOnce(ready.error().message);
        return ready.error();
    }
    if (Status flushed = m_connections.flush(); !flushed)
        qWarning("timestamping: the newest trail events are not written yet: %s", qPrintable(flushed.error().message));

    const QDateTime now = m_clock.now();
    QSqlDatabase db = m_database.connection();
    QString statement = u"SELECT c.id, c.trail_length, c.trail_head FROM connections c WHERE c.trail_length > 0"
                        " AND NOT EXISTS (SELECT 1 FROM trail_checkpoints k"
                        " WHERE k.connection_id = c.id AND k.sequence = c.trail_length)"_s;
    QVariantList bindings;
    if (m_lastScanAt.isValid()) {
        statement += u" AND c.last_activity >= ?"_s;
        bindings.append(sql::toStoreTime(m_lastScanAt.addMSecs(-kActivityMarginMs)));
    }
    struct Head
    {
        QString connectionId;
        qint64 sequence = 0;
        QString hash;
    };
    QList<Head> heads;
    {
        Result<QSqlQuery> rows = sql::exec(db, statement, bindings);
        if (!rows)
            return rows.error();
        while (rows.value().next())
            heads.append(Head{rows.value().value(0).toString(), rows.value().value(1).toLongLong(),
                              rows.value().value(2).toString()});
    }

    const QString signedAt = sql::toStoreTime(now);
    // Signed over the time as stored, so the check reads back the very milliseconds signed.
    const qint64 signedAtMs = sql::fromStoreTime(signedAt).toMSecsSinceEpoch();
    QStringList signedIds;
    Status written = sql::inTransaction(db, [&]() -> Status {
        for (const Head &head : std::as_const(heads)) {
            Result<QByteArray> signature
                = sign(m_key->key.get(), checkpointMessage(head.connectionId, head.sequence, head.hash, signedAtMs));
            if (!signature)
                return signature.error();
            Result<QSqlQuery> row = sql::exec(
                db,
                u"INSERT INTO trail_checkpoints (connection_id, sequence, trail_head, signed_at, key_fingerprint,"
                " signature) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (connection_id, sequence) DO NOTHING"_s,
                {head.connectionId, head.sequence, head.hash, signedAt, m_key->publicKey.fingerprint,
                 QString::fromLatin1(signature->toBase64())});
            if (!row)
                return row.error();
            if (row->numRowsAffected() > 0)
                signedIds.append(head.connectionId);
        }
        return {};
    });
    if (!written) {
        warnOnce(u"trail checkpoints could not be written: "_s + written.error().message);
        return written.error();
    }
    if (!m_lastWarning.isEmpty()) {
        qInfo("timestamping: trail checkpoints are signed again");
        m_lastWarning.clear();
    }
    m_lastScanAt = now;
    lock.unlock();
    if (!signedIds.isEmpty())
        Q_EMIT checkpointsSigned(signedIds);
    return static_cast<int>(signedIds.size());
}

Result<int> TrailTimestamper::poll()
{
    if (m_roundRunning.exchange(true))
        return 0;
    const auto roundDone = qScopeGuard([this] { m_roundRunning = false; });
    const qint64 intervalMs = qint64(signingIntervalSeconds()) * 1000;
    const qint64 nowMs = m_clock.monotonicMs();
    {
        QMutexLocker lock(&m_mutex);
        if (m_lastRunMs && nowMs - *m_lastRunMs < intervalMs)
            return 0;
        // A failed round waits for the next interval too: a missing vault is not asked every second.
        m_lastRunMs = nowMs;
    }
    return signNow();
}

void TrailTimestamper::start(int tickMs)
{
    if (!m_timer) {
        m_timer = new QTimer(this);
        connect(m_timer, &QTimer::timeout, this, [this] { (void)poll(); });
    }
    m_timer->start(tickMs);
    QTimer::singleShot(0, this, [this] { (void)poll(); });
}

} // namespace keystead
