#pragma once

#include "audit/AuditLog.h"
#include "common/ChangeSet.h"
#include "common/Result.h"
#include "settings/SshSettings.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QSqlDatabase>

#include <optional>

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
// Several changes applied together, as a committed HTTP transaction makes
// them. expectedRevisions holds, per object ("options" or a policy key), the
// revision the change was based on (0: the object did not exist); an object
// changed since makes the whole set fail with Conflict (details["reason"]
// kRevisionConflict, details["id"] the object) and nothing is applied.
struct SshSettingsChangeSet
{
    QList<SettingsPolicy> upserts; // created (expected revision 0) or replaced
    QStringList deletions;
    std::optional<SshOptions> options;
    QHash<QString, qint64> expectedRevisions;
};

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
    static constexpr QLatin1StringView kOptionsObject{"options"};
    // details["reason"] of the Conflict applyChanges returns when an object
    // changed since the revision the change was based on.
    static constexpr QLatin1StringView kRevisionConflict{"revision_conflict"};

    // The option checks that need no store: ranges, "local", gssapi off.
    Status validateOptionFields(const SshOptions &options) const;
    // Applies every change in one store transaction, or none (see SshSettingsChangeSet).
    Status applyChanges(const SshSettingsChangeSet &changes, const Actor &actor);
    // The revision of "options" or of a policy key; 0 when the policy does not exist.
    Result<qint64> revision(const QString &object) const;
    static QString newPolicyKey();

    // Seed 004's JSON forms (the "body" of the API answers), shared by the store and the API.
    static QJsonObject policyToJson(const SettingsPolicy &policy);
    // Absent optional fields take SettingsPolicy's defaults; a wrong type is InvalidInput naming the field.
    static Result<SettingsPolicy> policyFromJson(const QJsonObject &body);
    static QJsonObject optionsToJson(const SshOptions &options);
    // Fields absent from `body` keep their value in `current`.
    static Result<SshOptions> optionsFromJson(const QJsonObject &body, const SshOptions &current);

    // The topic of changed(): ids are policy keys.
    static constexpr QLatin1StringView kPolicyTopic{"settings.policy"};

Q_SIGNALS:
    // Which policies a write added, changed or removed (options are not in it:
    // optionsChanged tells those).
    void changed(const keystead::ChangeSet &changes);
    // Argument-less form of changed(), for whoever re-reads every policy.
    void policiesChanged();
    void optionsChanged();
    // The active policy's content or choice changed: servers apply it to new connections.
    void activePolicyChanged();

private:
    Status validatePolicyIn(QSqlDatabase &db, const SettingsPolicy &policy) const;
    Status writePolicy(QSqlDatabase &db, const SettingsPolicy &policy, qint64 expectedRevision, const Actor &actor);
    Status removePolicy(QSqlDatabase &db, const QString &key, std::optional<qint64> expectedRevision,
                        const Actor &actor);
    Status writeOptions(QSqlDatabase &db, const SshOptions &options, std::optional<qint64> expectedRevision,
                        const Actor &actor);
    void announce(const ChangeSet &policies, bool options, const SettingsPolicy &activeBefore);

    Database &m_database;
    const Clock &m_clock;
    AuditLog &m_audit;
};

} // namespace keystead
