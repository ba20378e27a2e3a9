#pragma once

#include "audit/AuditLog.h"
#include "common/Result.h"
#include "hostkeys/SshSettings.h"

#include <QObject>

namespace keystead {

class Clock;
class Database;

// Seed 004's SSH settings policies and global options, kept in the store.
// The built-in policy "-300" always exists (the server's defaults) and cannot
// be deleted; the policy named by options().settingsPolicy is the active one.
// Every write is one transaction and audited. Safe to call from any thread;
// signals are emitted from the writing thread (connect queued across threads).
//
// Errors: InvalidInput with `location` naming the field
// ("server_side_algorithms.cipher[1]", "timeout", "audit.cleanup.channel_database_cleanup_days"),
// details["value"] for an algorithm the server cannot do; NotFound; Conflict
// (deleting the active or built-in policy).
class SshSettingsService final : public QObject
{
    Q_OBJECT

public:
    SshSettingsService(Database &database, const Clock &clock, AuditLog &audit, QObject *parent = nullptr);

    Result<QList<SettingsPolicy>> policies() const; // "-300" first, then by name
    Result<SettingsPolicy> policy(const QString &key) const;
    Result<SettingsPolicy> createPolicy(SettingsPolicy policy, const Actor &actor); // key made here
    Result<SettingsPolicy> updatePolicy(const QString &key, SettingsPolicy policy, const Actor &actor);
    Status deletePolicy(const QString &key, const Actor &actor);
    // The checks create and update make, without writing.
    Status validatePolicy(const SettingsPolicy &policy) const;

    Result<SshOptions> options() const;
    Status setOptions(const SshOptions &options, const Actor &actor);
    Status validateOptions(const SshOptions &options) const;

    // The active policy (the default when the store cannot be read).
    SettingsPolicy activePolicy() const;
    // The built-in policy: the collect server's own defaults.
    static SettingsPolicy defaultPolicy();
    static constexpr QLatin1StringView kDefaultPolicyKey{"-300"};

Q_SIGNALS:
    void policiesChanged();
    void optionsChanged();
    // The active policy's content or choice changed: servers apply it to new connections.
    void activePolicyChanged();

private:
    Database &m_database;
    const Clock &m_clock;
    AuditLog &m_audit;
};

} // namespace keystead
