#pragma once

#include "audit/AuditLog.h"
#include "common/ChangeSet.h"
#include "common/Result.h"
#include "inventory/SshKeyRecord.h"

#include <QMutex>
#include <QObject>

namespace keystead {

class Clock;
class Database;
class Vault;

// The key inventory: SSH key pairs with the devices they open. Private keys and
// passwords go into the Vault (sealed; AAD = "ssh_key", the key's id, the field);
// the ssh_keys table never holds them. Every write is one transaction: a refused
// request leaves the store as it was. Safe to call from any thread.
class InventoryService final : public QObject
{
    Q_OBJECT

public:
    InventoryService(Database &database, const Clock &clock, Vault &vault, AuditLog &audit, QObject *parent = nullptr);

    // Creates, or updates the key whose identifier is given (seed 001's POST).
    // Create needs ip, hostname, public_key, private_key; an update keeps absent fields.
    // The public key must match the private key; the password must open it.
    // Unknown device hostnames are reported in deviceProblems, the key is saved anyway.
    Result<SshKeySaved> save(const SshKeyInput &input, const Actor &actor);
    Result<QList<SshKeyRecord>> list(const SshKeyQuery &query = {}) const;
    // By id (all digits) or identifier.
    Result<SshKeyRecord> find(const QString &idOrIdentifier) const;
    // DELETE in the seed's sense: the key stays, disabled.
    Result<SshKeyRecord> inactivate(const QString &id, const Actor &actor);
    // The private key and password; needs the vault; written to the audit log.
    Result<SshKeySecrets> reveal(const QString &idOrIdentifier, const Actor &actor);

    // Adds keys proven in a collect session as public-key-only entries (origin
    // "collected"), skipping keys the inventory already has. Returns the new records.
    // The caller reads them from the session (collect/ knows sessions; the inventory does not).
    Result<QList<SshKeyRecord>> importCollected(const QString &collectSessionId, const QList<SshPublicKey> &keys,
                                                const Actor &actor);

    // Known devices (every main device a key names), by hostname.
    Result<QList<InventoryDevice>> devices() const;
    // authorized_keys lines for every enabled key that opens `hostname` (main or additional device).
    Result<QString> authorizedKeys(const QString &hostname) const;
    // Every tag in use, sorted.
    Result<QStringList> tags() const;

    static constexpr auto kDefaultUsername = "usr";
    // The topic of this service's change events; ids are the keys' ids.
    static constexpr QLatin1StringView kChangeTopic{"inventory.key"};

Q_SIGNALS:
    // After every committed write: the keys added (save of a new key, importCollected)
    // or changed (save of an existing key, inactivate). Keys are never removed.
    void changed(const keystead::ChangeSet &changes);

private:
    Database &m_database;
    const Clock &m_clock;
    Vault &m_vault;
    AuditLog &m_audit;
    // Serialises this process's writes, so a save's look-up of its identifier still holds at its commit.
    QMutex m_writeMutex;
};

} // namespace keystead
