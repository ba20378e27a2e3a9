#pragma once

#include "common/Result.h"

#include <QByteArray>
#include <QMutex>
#include <QObject>
#include <QString>

#include <atomic>
#include <optional>

class QSqlDatabase;

namespace keystead {

class Clock;
class Database;
class MasterKeyStore;

// Names one secret: the record it belongs to and the field. All three are the
// AES-GCM associated data, so a sealed value copied to another record or field
// does not open.
struct SecretRef
{
    QString ownerKind; // "ssh_key", "ca", ...
    QString ownerId;
    QString field; // "private_key", "password", ...
};

enum class VaultState {
    Ready, // the master key is loaded and opens this store's secrets
    Empty, // nothing sealed yet; a key is made on first use
    KeyMissing, // the store has secrets but the master key store has no key for them
    WrongKey, // a key was found but it does not open this store's secrets
    Unavailable, // the master key store does not answer
};

// The secret vault: every secret of every area in one table (vault_secrets),
// sealed with AES-256-GCM under a 256-bit master key kept in a MasterKeyStore,
// never in the database. A check value in the store tells a wrong key from a
// missing one. Thread-safe; the master key is cached in memory once loaded and
// cleansed when the vault goes.
class Vault final : public QObject
{
    Q_OBJECT

public:
    Vault(Database &database, const Clock &clock, MasterKeyStore &keys, QObject *parent = nullptr);
    ~Vault() override;

    VaultState state();
    // An operator's sentence for state(): what is wrong and what to do.
    QString stateMessage();
    QString keyStoreDescription() const;

    // Loads the master key, or makes one (and records its check value) when the
    // store has never sealed anything. Talks to the keychain and writes the store
    // in its own transaction: call it BEFORE starting a transaction that seals.
    // Cheap once loaded. Errors: Unavailable with "the vault cannot be opened
    // with this key" (WrongKey) or a message naming the missing key / key store;
    // details: "vault_state" ("wrong_key", "key_missing", "unavailable"), and
    // "key_id" and "key_store" when known. get() and put() report the same way.
    Status unlock();

    // Seals `plaintext` into the record's row of vault_secrets (insert or replace)
    // through `db`, inside the caller's transaction. Fails, writing nothing, unless unlocked.
    // When another instance rotated the key meanwhile, seals under the new key (loaded first).
    // Stored as "v1:<key id>:<base64(nonce | ciphertext | tag)>".
    Status put(QSqlDatabase &db, const SecretRef &ref, QByteArrayView plaintext);
    // Opens a sealed value; unlocks first when needed. NotFound when there is none.
    Result<QByteArray> get(const SecretRef &ref);
    Result<QByteArray> get(QSqlDatabase &db, const SecretRef &ref);
    bool contains(QSqlDatabase &db, const SecretRef &ref);
    // Removes every secret of one record (or one field when `field` is given).
    Status remove(QSqlDatabase &db, const QString &ownerKind, const QString &ownerId, const QString &field = {});

    // A new master key: written to the key store under a new id, every secret
    // re-sealed in one transaction, then the old key removed. On any failure the
    // store is as it was and the old key still opens it.
    Status rotate();

Q_SIGNALS:
    void stateChanged();

private:
    struct KeyRecord;
    // The store's current key, when it has one. `forShare` (PostgreSQL) holds the row
    // until the caller's transaction ends, so a rotation waits for a seal under the old key.
    Result<std::optional<KeyRecord>> currentKey(const QSqlDatabase &db, bool forShare) const;
    // Brings the cached key to the store's current one; talks to the key store only when
    // the store's key id differs from the cached one. Writes nothing. m_mutex held.
    VaultState refresh(const QSqlDatabase &db, Error *why);
    VaultState loadKey(const KeyRecord &record, Error *why);
    // The first key of a store that never had one: the key store first, then the check value.
    Status createFirstKey();
    Status reseal(const QSqlDatabase &db, const QString &newKeyId, const QByteArray &newKey);
    void installKey(const QString &keyId, QByteArray &key);
    void forgetKey();
    VaultState probe(Error *why);
    // Remembers the state; stateChanged() follows once m_mutex is released.
    void noteState(VaultState state);
    void emitPendingStateChange();

    Database &m_database;
    const Clock &m_clock;
    MasterKeyStore &m_keys;
    // Guards the members below and serialises every talk with the key store.
    mutable QMutex m_mutex;
    QString m_keyId; // empty until unlocked
    QByteArray m_key;
    std::optional<VaultState> m_lastState;
    std::atomic<bool> m_stateChangePending = false;
};

} // namespace keystead
