#pragma once

// Admin: what operators change on connections — tags, access roles (named
// records and their grants) and terminating a live connection. Owns
// connection_tags, access_roles and connection_access_roles; every change is in
// the audit log and announced as a changed connection.

#include "audit/AuditLog.h"
#include "common/Result.h"
#include "connections/ConnectionRecord.h"

#include <functional>

namespace keystead {

class Clock;
class Database;
class TrailRecorder;

class ConnectionAdmin final
{
public:
    // `announce` emits the connections the recorder marked changed.
    ConnectionAdmin(Database &database, const Clock &clock, AuditLog &audit, TrailRecorder &recorder,
                    std::function<void()> announce);

    Result<QStringList> tags(const QString &prefix, qint64 offset, int limit, bool descending, qint64 *count) const;
    Status setTags(const QString &connectionId, const QStringList &tags, const Actor &actor);

    Result<QList<AccessRole>> roles() const;
    Result<AccessRole> createRole(const QString &name);
    Result<QList<AccessRoleGrant>> accessRoles(const QString &connectionId) const;
    Status grantRole(const QString &connectionId, const QString &roleId, const Actor &actor);
    Status revokeRole(const QString &connectionId, const QString &roleId, const Actor &actor);
    Status revokeRoleEverywhere(const QString &roleId, const Actor &actor);

    Status terminate(const QString &connectionId, const Actor &actor);

private:
    // Grants the role (granting twice keeps the first grant and its time) or revokes it, audited.
    Status changeRole(const QString &connectionId, const QString &roleId, const Actor &actor, bool grant);

    Database &m_database;
    const Clock &m_clock;
    AuditLog &m_audit;
    TrailRecorder &m_recorder;
    std::function<void()> m_announce;
};

} // namespace keystead
