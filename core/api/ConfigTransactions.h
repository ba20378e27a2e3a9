#pragma once

#include "audit/AuditLog.h"
#include "common/Result.h"
#include "settings/SshSettings.h"

#include <QDateTime>
#include <QHash>
#include <QMap>
#include <QMutex>

#include <map>
#include <optional>

namespace keystead {

class Clock;
class SshSettingsService;

// Seed 004's configuration transactions for HTTP callers. Each owner (an API
// session or an API token) has at most one; changes wait in it, visible only
// to that owner, until commit applies them all in one store transaction or a
// rollback drops them. Each object remembers its revision when first touched:
// a commit over an object changed since (another commit, the panel) fails with
// Conflict (details["reason"] SshSettingsService::kRevisionConflict, details["id"] the
// object), applies nothing and closes the transaction. A transaction idle for
// kIdleTimeoutMs is dropped. Changes are validated when made and again at commit.
// Without an open transaction a change fails with Conflict, details["reason"]
// kNoTransaction. SpsErrorShape names both reasons' SPS codes.
// Safe to call from any thread.
class ConfigTransactions final
{
public:
    ConfigTransactions(SshSettingsService &settings, const Clock &clock);

    static constexpr qint64 kIdleTimeoutMs = 10 * 60 * 1000;
    static constexpr QLatin1StringView kNoTransaction{"no_transaction"};

    struct State
    {
        bool open = false;
        QDateTime openedAt; // null when closed
        int pendingChanges = 0; // objects changed so far
    };

    // Opening again keeps the open transaction and its changes.
    State open(const QString &owner);
    State state(const QString &owner);
    Status commit(const QString &owner, const Actor &actor);
    // Dropping a closed transaction is no error.
    void rollback(const QString &owner);

    // What `owner` sees: the committed state with its pending changes on top.
    Result<QList<SettingsPolicy>> policies(const QString &owner);
    Result<SettingsPolicy> policy(const QString &owner, const QString &key);
    Result<SshOptions> options(const QString &owner);

    Result<SettingsPolicy> createPolicy(const QString &owner, SettingsPolicy policy);
    Result<SettingsPolicy> updatePolicy(const QString &owner, const QString &key, SettingsPolicy policy);
    Status deletePolicy(const QString &owner, const QString &key);
    Status setOptions(const QString &owner, const SshOptions &options);

private:
    struct Pending
    {
        QMap<QString, std::optional<SettingsPolicy>> policies; // key -> new content; nullopt: deleted
        std::optional<SshOptions> options;
        QHash<QString, qint64> baseRevisions; // object -> revision when first touched; 0: did not exist
        QDateTime openedAt;
        qint64 lastUsedMs = 0;
    };
    void dropIdle();
    Pending *find(const QString &owner);
    Result<Pending *> openTransaction(const QString &owner);
    Status touch(Pending &pending, const QString &object);
    Result<QList<SettingsPolicy>> policiesIn(const Pending *pending) const;
    Result<SshOptions> optionsIn(const Pending *pending) const;
    Status checkPolicyIn(const Pending *pending, const SettingsPolicy &policy) const;

    SshSettingsService &m_settings;
    const Clock &m_clock;
    QMutex m_mutex;
    std::map<QString, Pending> m_transactions;
};

} // namespace keystead
