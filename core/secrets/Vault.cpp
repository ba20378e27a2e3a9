#include "secrets/Vault.h"

#include "common/Clock.h"
#include "common/Crypto.h"
#include "secrets/MasterKeyStore.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QUuid>

#include <openssl/crypto.h>

#include <cstring>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

namespace keystead {

struct Vault::KeyRecord
{
    QString keyId;
    QString checkValue;
};

namespace {

constexpr qsizetype kKeyBytes = 32; // AES-256
constexpr qsizetype kNonceBytes = 12; // the GCM nonce size that needs no extra hashing
constexpr qsizetype kTagBytes = 16;
constexpr qsizetype kMaxSecretBytes = 1024 * 1024;
// Long enough for a rotation of many secrets or a slow keychain; short enough that a
// call re-entering from the keychain's event loop gives up instead of hanging.
constexpr int kLockWaitMs = 20'000;

constexpr QStringView kSealVersion = u"v1";
// Each purpose heads its associated data, so a check value never opens as a secret.
constexpr QByteArrayView kSecretPurpose = "keystead vault secret";
constexpr QByteArrayView kCheckPurpose = "keystead vault key check";
constexpr QByteArrayView kCheckText = "keystead vault master key check v1";

void wipe(QByteArray &bytes)
{
    // In place, even when the buffer is shared: every copy of a key or plaintext goes with it.
    if (!bytes.isEmpty())
        OPENSSL_cleanse(const_cast<char *>(bytes.constData()), static_cast<size_t>(bytes.size()));
    bytes.clear();
}

template <typename Function>
class ScopeExit final
{
public:
    explicit ScopeExit(Function function)
        : m_function(std::move(function))
    {
    }
    ~ScopeExit() { m_function(); }
    ScopeExit(const ScopeExit &) = delete;
    ScopeExit &operator=(const ScopeExit &) = delete;

private:
    Function m_function;
};

class BoundedLock final
{
public:
    explicit BoundedLock(QMutex &mutex)
        : m_mutex(mutex)
        , m_locked(mutex.tryLock(kLockWaitMs))
    {
    }
    ~BoundedLock()
    {
        if (m_locked)
            m_mutex.unlock();
    }
    BoundedLock(const BoundedLock &) = delete;
    BoundedLock &operator=(const BoundedLock &) = delete;
    bool locked() const { return m_locked; }

private:
    QMutex &m_mutex;
    bool m_locked;
};

Error busyError()
{
    return Error::unavailable(u"the vault is busy with another operation (a key rotation, or a keychain that "
                              "does not answer); try again"_s);
}

QString stateName(VaultState state)
{
    switch (state) {
    case VaultState::Ready: return u"ready"_s;
    case VaultState::Empty: return u"empty"_s;
    case VaultState::KeyMissing: return u"key_missing"_s;
    case VaultState::WrongKey: return u"wrong_key"_s;
    case VaultState::Unavailable: break;
    }
    return u"unavailable"_s;
}

Error vaultError(VaultState state, QString message, const QString &keyId = {}, const QString &keyStore = {})
{
    Error error = Error::unavailable(std::move(message));
    error.details.insert(u"vault_state"_s, stateName(state));
    if (!keyId.isEmpty())
        error.details.insert(u"key_id"_s, keyId);
    if (!keyStore.isEmpty())
        error.details.insert(u"key_store"_s, keyStore);
    return error;
}

void appendField(QByteArray &out, QByteArrayView field)
{
    const auto length = static_cast<quint32>(field.size());
    const char prefix[4] = {static_cast<char>((length >> 24) & 0xff), static_cast<char>((length >> 16) & 0xff),
                            static_cast<char>((length >> 8) & 0xff), static_cast<char>(length & 0xff)};
    out.append(prefix, 4);
    out.append(field);
}

// Every part length-prefixed: ("a|bc", "d") and ("a", "bc|d") differ.
QByteArray associatedData(QByteArrayView purpose, const SecretRef &ref, const QString &keyId)
{
    QByteArray data;
    appendField(data, purpose);
    appendField(data, ref.ownerKind.toUtf8());
    appendField(data, ref.ownerId.toUtf8());
    appendField(data, ref.field.toUtf8());
    appendField(data, keyId.toUtf8());
    return data;
}

QByteArray checkAssociatedData(const QString &keyId)
{
    return associatedData(kCheckPurpose, {}, keyId);
}

// "v1:<key id>:<base64(nonce | ciphertext | tag)>"
Result<QString> sealBytes(const QByteArray &key, const QString &keyId, QByteArrayView aad, QByteArrayView plaintext)
{
    if (key.size() != kKeyBytes)
        return Error::internal(u"the vault's master key has the wrong length"_s);
    Result<QByteArray> payload = crypto::aes256GcmSeal(key, aad, plaintext);
    if (!payload)
        return payload.error();
    return QString(kSealVersion.toString() + u':' + keyId + u':' + QString::fromLatin1(payload->toBase64()));
}

struct SealedText
{
    QString keyId;
    QByteArray payload;
};

std::optional<SealedText> parseSealed(const QString &text)
{
    const QStringList parts = text.split(u':');
    if (parts.size() != 3 || parts.at(0) != kSealVersion || parts.at(1).isEmpty())
        return std::nullopt;
    auto decoded = QByteArray::fromBase64Encoding(parts.at(2).toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.size() < kNonceBytes + kTagBytes)
        return std::nullopt;
    return SealedText{parts.at(1), std::move(decoded.decoded)};
}

Result<QByteArray> openSealed(const QByteArray &key, const QString &keyId, QByteArrayView aad, const QString &text)
{
    const std::optional<SealedText> sealed = parseSealed(text);
    if (!sealed || sealed->keyId != keyId)
        return Error::internal(u"the sealed value is damaged"_s);
    return crypto::aes256GcmOpen(key, aad, sealed->payload);
}

QString describe(const SecretRef &ref)
{
    return u"the %1 of %2 %3"_s.arg(ref.field, ref.ownerKind, ref.ownerId);
}

Status checkRef(const SecretRef &ref)
{
    if (ref.ownerKind.isEmpty() || ref.ownerId.isEmpty() || ref.field.isEmpty())
        return Error::invalid(u"a secret is named by its owner's kind, its owner's id and a field"_s);
    return {};
}

// A date helps an operator who sees several keys in a keyring; the random part never repeats.
QString newKeyIdFor(const Clock &clock)
{
    return clock.now().toUTC().toString(u"yyyyMMdd"_s) + u'-' + QUuid::createUuid().toString(QUuid::Id128).left(16);
}

Error doesNotOpen(const SecretRef &ref)
{
    return Error::internal(u"%1 does not open: the sealed value was altered, or copied from another record or "
                           "field"_s.arg(describe(ref)));
}

} // namespace

Vault::Vault(Database &database, const Clock &clock, MasterKeyStore &keys, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_clock(clock)
    , m_keys(keys)
{
}

Vault::~Vault()
{
    forgetKey();
}

VaultState Vault::state()
{
    Error why;
    return probe(&why);
}

QString Vault::stateMessage()
{
    Error why;
    switch (probe(&why)) {
    case VaultState::Ready: return u"the vault is open; its master key is kept in %1"_s.arg(m_keys.description());
    case VaultState::Empty:
        return u"the vault holds no secrets yet; when the first one is stored, a new master key is made and "
               "kept in %1"_s.arg(m_keys.description());
    case VaultState::WrongKey:
        return u"the vault cannot be opened with this key: the key \"%1\" in %2 does not open this store's "
               "secrets; put back the master key this store was sealed with"_s.arg(
                   why.details.value(u"key_id"_s).toString(), m_keys.description());
    case VaultState::KeyMissing:
    case VaultState::Unavailable: break;
    }
    return why.message;
}

QString Vault::keyStoreDescription() const
{
    return m_keys.description();
}

VaultState Vault::probe(Error *why)
{
    const ScopeExit signal([this] { emitPendingStateChange(); });
    const BoundedLock lock(m_mutex);
    if (!lock.locked()) {
        *why = busyError();
        return VaultState::Unavailable;
    }
    const VaultState now = refresh(m_database.connection(), why);
    noteState(now);
    return now;
}

Status Vault::unlock()
{
    const ScopeExit signal([this] { emitPendingStateChange(); });
    const BoundedLock lock(m_mutex);
    if (!lock.locked())
        return busyError();
    const QSqlDatabase db = m_database.connection();
    Error why;
    VaultState now = refresh(db, &why);
    if (now == VaultState::Empty) {
        Status made = createFirstKey();
        if (made) {
            now = VaultState::Ready;
        } else {
            // Another instance may have made the first key meanwhile: its key serves when this key store has it.
            Error again;
            now = refresh(db, &again);
            why = now == VaultState::Empty ? made.error() : again;
        }
    }
    noteState(now);
    if (now != VaultState::Ready)
        return why;
    return {};
}

Status Vault::put(QSqlDatabase &db, const SecretRef &ref, QByteArrayView plaintext)
{
    if (Status valid = checkRef(ref); !valid)
        return valid;
    if (plaintext.size() > kMaxSecretBytes)
        return Error::invalid(u"a secret may hold at most %1 bytes"_s.arg(kMaxSecretBytes));

    const ScopeExit signal([this] { emitPendingStateChange(); });
    const BoundedLock lock(m_mutex);
    if (!lock.locked())
        return busyError();
    if (m_key.isEmpty())
        return vaultError(VaultState::Unavailable,
                          u"the vault is locked: unlock it before storing a secret; nothing was written"_s);

    Result<std::optional<KeyRecord>> current = currentKey(db, true);
    // On PostgreSQL a rotation that committed while we waited for its row leaves no
    // current row in this statement's snapshot; the next statement sees the new one.
    if (current && !current->has_value() && m_database.isPostgres())
        current = currentKey(db, true);
    if (!current)
        return current.error();
    if (!current->has_value())
        return vaultError(VaultState::KeyMissing, u"the store has no current vault master key; nothing was written"_s);
    if (current->value().keyId != m_keyId) {
        // Another instance rotated the key: seal under the new one, or not at all.
        Error why;
        const VaultState now = loadKey(current->value(), &why);
        noteState(now);
        if (now != VaultState::Ready)
            return why;
    }

    Result<QString> sealed = sealBytes(m_key, m_keyId, associatedData(kSecretPurpose, ref, m_keyId), plaintext);
    if (!sealed)
        return sealed.error();
    Result<QSqlQuery> stored
        = sql::exec(db,
                    u"INSERT INTO vault_secrets (owner_kind, owner_id, field, sealed, key_id, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (owner_kind, owner_id, field) DO UPDATE SET "
                    "sealed = excluded.sealed, key_id = excluded.key_id, "
                    "updated_at = excluded.updated_at"_s,
                    {ref.ownerKind, ref.ownerId, ref.field, sealed.value(), m_keyId, sql::toStoreTime(m_clock.now())});
    if (!stored)
        return stored.error();
    return {};
}

Result<QByteArray> Vault::get(const SecretRef &ref)
{
    QSqlDatabase db = m_database.connection();
    return get(db, ref);
}

Result<QByteArray> Vault::get(QSqlDatabase &db, const SecretRef &ref)
{
    if (Status valid = checkRef(ref); !valid)
        return valid.error();
    const ScopeExit signal([this] { emitPendingStateChange(); });
    // Twice at most: a rotation may commit between reading the row and reading the key.
    for (int attempt = 0; attempt < 2; ++attempt) {
        Result<QSqlQuery> row
            = sql::exec(db, u"SELECT sealed FROM vault_secrets WHERE owner_kind = ? AND owner_id = ? AND field = ?"_s,
                        {ref.ownerKind, ref.ownerId, ref.field});
        if (!row)
            return row.error();
        if (!row->next())
            return Error::notFound(u"the vault holds no %1"_s.arg(describe(ref).mid(4)));
        const QString text = row->value(0).toString();
        const std::optional<SealedText> sealed = parseSealed(text);
        if (!sealed)
            return doesNotOpen(ref);

        const BoundedLock lock(m_mutex);
        if (!lock.locked())
            return busyError();
        if (sealed->keyId != m_keyId || m_key.isEmpty()) {
            Error why;
            const VaultState now = refresh(db, &why);
            noteState(now);
            if (now != VaultState::Ready)
                return why;
        }
        if (sealed->keyId != m_keyId) {
            if (attempt == 0)
                continue;
            return Error::internal(
                u"%1 is sealed under the master key \"%2\", which is not the vault's current key"_s.arg(describe(ref),
                                                                                                        sealed->keyId));
        }
        Result<QByteArray> opened
            = crypto::aes256GcmOpen(m_key, associatedData(kSecretPurpose, ref, m_keyId), sealed->payload);
        if (!opened)
            return doesNotOpen(ref);
        return opened;
    }
    return doesNotOpen(ref);
}

bool Vault::contains(QSqlDatabase &db, const SecretRef &ref)
{
    Result<QSqlQuery> row
        = sql::exec(db, u"SELECT 1 FROM vault_secrets WHERE owner_kind = ? AND owner_id = ? AND field = ?"_s,
                    {ref.ownerKind, ref.ownerId, ref.field});
    return row && row->next();
}

Status Vault::remove(QSqlDatabase &db, const QString &ownerKind, const QString &ownerId, const QString &field)
{
    if (ownerKind.isEmpty() || ownerId.isEmpty())
        return Error::invalid(u"removing secrets needs their owner's kind and id"_s);
    Result<QSqlQuery> removed = field.isEmpty()
        ? sql::exec(db, u"DELETE FROM vault_secrets WHERE owner_kind = ? AND owner_id = ?"_s, {ownerKind, ownerId})
        : sql::exec(db, u"DELETE FROM vault_secrets WHERE owner_kind = ? AND owner_id = ? AND field = ?"_s,
                    {ownerKind, ownerId, field});
    if (!removed)
        return removed.error();
    return {};
}

Status Vault::rotate()
{
    const ScopeExit signal([this] { emitPendingStateChange(); });
    const BoundedLock lock(m_mutex);
    if (!lock.locked())
        return busyError();
    const QSqlDatabase db = m_database.connection();
    Error why;
    const VaultState now = refresh(db, &why);
    if (now == VaultState::Empty) {
        // Nothing sealed yet: a first key is all a rotation could make.
        Status made = createFirstKey();
        noteState(made ? VaultState::Ready : VaultState::Empty);
        return made;
    }
    noteState(now);
    if (now != VaultState::Ready)
        return why;

    Result<QByteArray> fresh = crypto::randomBytes(static_cast<int>(kKeyBytes));
    if (!fresh)
        return fresh.error();
    QByteArray newKey = std::move(fresh).value();
    const QString newKeyId = newKeyIdFor(m_clock);
    // The new key is safe in the key store before any secret depends on it.
    if (Status written = m_keys.write(newKeyId, newKey); !written) {
        wipe(newKey);
        return written;
    }
    Status resealed = sql::inTransaction(db, [&]() -> Status { return reseal(db, newKeyId, newKey); });
    if (!resealed) {
        if (Status removed = m_keys.remove(newKeyId); !removed)
            qWarning("vault: the unused master key %s stays in %s: %s", qPrintable(newKeyId),
                     qPrintable(m_keys.description()), qPrintable(removed.error().message));
        wipe(newKey);
        return resealed;
    }
    const QString oldKeyId = m_keyId;
    installKey(newKeyId, newKey);
    // Only now: until the commit the old key was the one that opened the store.
    if (Status removed = m_keys.remove(oldKeyId); !removed)
        qWarning("vault: the retired master key %s stays in %s: %s", qPrintable(oldKeyId),
                 qPrintable(m_keys.description()), qPrintable(removed.error().message));
    return {};
}

Status Vault::reseal(const QSqlDatabase &db, const QString &newKeyId, const QByteArray &newKey)
{
    const QString now = sql::toStoreTime(m_clock.now());
    // Also takes the current key's row: a put() on another connection waits for this
    // transaction, and a concurrent rotation finds no current row to retire.
    Result<QSqlQuery> retired = sql::exec(
        db, u"UPDATE vault_keys SET retired_at = ? WHERE key_id = ? AND retired_at IS NULL"_s, {now, m_keyId});
    if (!retired)
        return retired.error();
    if (retired->numRowsAffected() != 1)
        return Error::conflict(u"another Keystead changed the vault's master key meanwhile; try again"_s);
    Result<QString> check = sealBytes(newKey, newKeyId, checkAssociatedData(newKeyId), kCheckText);
    if (!check)
        return check.error();
    Result<QSqlQuery> added
        = sql::exec(db, u"INSERT INTO vault_keys (key_id, check_value, created_at) VALUES (?, ?, ?)"_s,
                    {newKeyId, check.value(), now});
    if (!added)
        return added.error();

    struct Row
    {
        SecretRef ref;
        QString sealed;
    };
    std::vector<Row> rows;
    {
        Result<QSqlQuery> all = sql::exec(
            db,
            u"SELECT owner_kind, owner_id, field, sealed FROM vault_secrets ORDER BY owner_kind, owner_id, field"_s);
        if (!all)
            return all.error();
        while (all->next())
            rows.push_back(Row{{all->value(0).toString(), all->value(1).toString(), all->value(2).toString()},
                               all->value(3).toString()});
    }
    for (const Row &row : rows) {
        Result<QByteArray> opened
            = openSealed(m_key, m_keyId, associatedData(kSecretPurpose, row.ref, m_keyId), row.sealed);
        if (!opened)
            return Error::internal(doesNotOpen(row.ref).message
                                   + u"; the rotation stopped and the vault is as it was"_s);
        QByteArray plaintext = std::move(opened).value();
        Result<QString> sealed
            = sealBytes(newKey, newKeyId, associatedData(kSecretPurpose, row.ref, newKeyId), plaintext);
        wipe(plaintext);
        if (!sealed)
            return sealed.error();
        Result<QSqlQuery> updated
            = sql::exec(db,
                        u"UPDATE vault_secrets SET sealed = ?, key_id = ?, updated_at = ? "
                        "WHERE owner_kind = ? AND owner_id = ? AND field = ?"_s,
                        {sealed.value(), newKeyId, now, row.ref.ownerKind, row.ref.ownerId, row.ref.field});
        if (!updated)
            return updated.error();
    }
    return {};
}

Result<std::optional<Vault::KeyRecord>> Vault::currentKey(const QSqlDatabase &db, bool forShare) const
{
    const QString statement = forShare && m_database.isPostgres()
        ? u"SELECT key_id, check_value FROM vault_keys WHERE retired_at IS NULL FOR SHARE"_s
        : u"SELECT key_id, check_value FROM vault_keys WHERE retired_at IS NULL"_s;
    Result<QSqlQuery> row = sql::exec(db, statement);
    if (!row)
        return row.error();
    if (!row->next())
        return std::optional<KeyRecord>{};
    return std::optional<KeyRecord>{KeyRecord{row->value(0).toString(), row->value(1).toString()}};
}

VaultState Vault::refresh(const QSqlDatabase &db, Error *why)
{
    Result<std::optional<KeyRecord>> record = currentKey(db, false);
    if (!record) {
        *why = vaultError(VaultState::Unavailable, record.error().message);
        return VaultState::Unavailable;
    }
    if (!record->has_value()) {
        Result<QSqlQuery> count = sql::exec(db, u"SELECT COUNT(*) FROM vault_secrets"_s);
        if (!count || !count->next()) {
            *why = vaultError(VaultState::Unavailable,
                              count ? u"cannot count the vault's secrets"_s : count.error().message);
            return VaultState::Unavailable;
        }
        forgetKey();
        if (count->value(0).toLongLong() == 0)
            return VaultState::Empty;
        *why = vaultError(VaultState::KeyMissing,
                          u"the store holds sealed secrets but no record of the master key that sealed them "
                          "(the table vault_keys); restore it from a backup"_s);
        return VaultState::KeyMissing;
    }
    if (record->value().keyId == m_keyId && !m_key.isEmpty())
        return VaultState::Ready;
    return loadKey(record->value(), why);
}

VaultState Vault::loadKey(const KeyRecord &record, Error *why)
{
    Result<QByteArray> read = m_keys.read(record.keyId);
    if (!read) {
        forgetKey();
        if (read.error().kind == Error::Kind::NotFound) {
            *why = vaultError(VaultState::KeyMissing,
                              u"the vault's master key \"%1\" is not in %2; put it back there (a locked keyring "
                              "hides it too)"_s.arg(record.keyId, m_keys.description()),
                              record.keyId, m_keys.description());
            return VaultState::KeyMissing;
        }
        *why = vaultError(VaultState::Unavailable, read.error().message, record.keyId, m_keys.description());
        return VaultState::Unavailable;
    }
    QByteArray key = std::move(read).value();
    Result<QByteArray> check = openSealed(key, record.keyId, checkAssociatedData(record.keyId), record.checkValue);
    if (!check || check.value() != kCheckText) {
        wipe(key);
        forgetKey();
        *why = vaultError(VaultState::WrongKey, u"the vault cannot be opened with this key"_s, record.keyId,
                          m_keys.description());
        return VaultState::WrongKey;
    }
    installKey(record.keyId, key);
    return VaultState::Ready;
}

Status Vault::createFirstKey()
{
    Result<QByteArray> fresh = crypto::randomBytes(static_cast<int>(kKeyBytes));
    if (!fresh)
        return fresh.error();
    QByteArray key = std::move(fresh).value();
    const QString keyId = newKeyIdFor(m_clock);
    Result<QString> check = sealBytes(key, keyId, checkAssociatedData(keyId), kCheckText);
    if (!check) {
        wipe(key);
        return check.error();
    }
    // The key store first: a check value in the store with no key behind it would lock the vault for good.
    if (Status written = m_keys.write(keyId, key); !written) {
        wipe(key);
        return vaultError(VaultState::Unavailable, written.error().message, keyId, m_keys.description());
    }
    QSqlDatabase db = m_database.connection();
    Status recorded = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<QSqlQuery> count = sql::exec(db, u"SELECT COUNT(*) FROM vault_secrets"_s);
        if (!count)
            return count.error();
        if (!count->next() || count->value(0).toLongLong() != 0)
            return Error::conflict(u"the vault's store changed while its first master key was made"_s);
        // The unique index on the current key fails this when another instance made its key first.
        Result<QSqlQuery> added
            = sql::exec(db, u"INSERT INTO vault_keys (key_id, check_value, created_at) VALUES (?, ?, ?)"_s,
                        {keyId, check.value(), sql::toStoreTime(m_clock.now())});
        if (!added)
            return added.error();
        return {};
    });
    if (!recorded) {
        if (Status removed = m_keys.remove(keyId); !removed)
            qWarning("vault: the unused master key %s stays in %s: %s", qPrintable(keyId),
                     qPrintable(m_keys.description()), qPrintable(removed.error().message));
        wipe(key);
        return recorded;
    }
    installKey(keyId, key);
    return {};
}

void Vault::installKey(const QString &keyId, QByteArray &key)
{
    forgetKey();
    m_key = std::move(key);
    key = QByteArray();
    m_keyId = keyId;
}

void Vault::forgetKey()
{
    wipe(m_key);
    m_keyId.clear();
}

void Vault::noteState(VaultState state)
{
    if (m_lastState.has_value() && *m_lastState != state)
        m_stateChangePending = true;
    m_lastState = state;
}

void Vault::emitPendingStateChange()
{
    if (m_stateChangePending.exchange(false))
        Q_EMIT stateChanged();
}

} // namespace keystead
