#include "connections/ConnectionAdmin.h"

#include "common/Clock.h"
#include "connections/ConnectionRows.h"
#include "connections/TrailRecorder.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QJsonArray>
#include <QMutexLocker>
#include <QUuid>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead {

using namespace connection_rows;

namespace {

constexpr int kMaxTags = 32;
constexpr int kMaxTagLength = 64;
constexpr int kMaxRoleNameLength = 128;

Result<AccessRole> findRole(const QSqlDatabase &db, const QString &roleId)
{
    Result<QSqlQuery> row = select(db, u"SELECT id, name FROM access_roles WHERE id = ?"_s, {roleId});
    if (!row)
        return row.error();
    if (!row.value().next())
        return Error::notFound(u"no access role has the id %1"_s.arg(roleId));
    return AccessRole{row.value().value(0).toString(), row.value().value(1).toString()};
}

} // namespace

ConnectionAdmin::ConnectionAdmin(Database &database, const Clock &clock, AuditLog &audit, TrailRecorder &recorder,
                                 std::function<void()> announce)
    : m_database(database)
    , m_clock(clock)
    , m_audit(audit)
    , m_recorder(recorder)
    , m_announce(std::move(announce))
{
}

Result<QStringList> ConnectionAdmin::tags(const QString &prefix, qint64 offset, int limit, bool descending,
                                          qint64 *count) const
{
    if (Status page = validatePage(offset, limit); !page)
        return page.error();
    QSqlDatabase db = m_database.connection();
    const QString match = m_database.isPostgres() ? u"tag ILIKE ?"_s : u"tag LIKE ? ESCAPE '\\'"_s;
    const QString pattern = escapeLike(prefix.trimmed()) + u"%"_s;
    if (count) {
        Result<qint64> total = scalar(
            db, u"SELECT COUNT(*) FROM (SELECT DISTINCT tag FROM connection_tags WHERE %1) t"_s.arg(match), {pattern});
        if (!total)
            return total.error();
        *count = total.value();
    }
    Result<QSqlQuery> rows
        = select(db,
                 u"SELECT DISTINCT tag FROM connection_tags WHERE %1 ORDER BY tag %2 LIMIT ? OFFSET ?"_s.arg(
                     match, descending ? u"DESC"_s : u"ASC"_s),
                 {pattern, limit, offset});
    if (!rows)
        return rows.error();
    QStringList list;
    while (rows.value().next())
        list.append(rows.value().value(0).toString());
    return list;
}

Status ConnectionAdmin::setTags(const QString &connectionId, const QStringList &tags, const Actor &actor)
{
    QStringList normalized;
    for (const QString &tag : tags) {
        const QString trimmed = tag.trimmed();
        if (trimmed.isEmpty())
            continue;
        if (trimmed.size() > kMaxTagLength)
            return Error::invalid(u"a tag is at most %1 characters: '%2'"_s.arg(kMaxTagLength).arg(trimmed), u"tags"_s);
        const bool seen = std::any_of(normalized.cbegin(), normalized.cend(), [&trimmed](const QString &kept) {
            return kept.compare(trimmed, Qt::CaseInsensitive) == 0;
        });
        if (!seen)
            normalized.append(trimmed);
    }
    if (normalized.size() > kMaxTags)
        return Error::invalid(u"a connection has at most %1 tags, not %2"_s.arg(kMaxTags).arg(normalized.size()),
                              u"tags"_s);
    if (Status flushed = m_recorder.writePending(); !flushed)
        return flushed;

    const QDateTime now = m_clock.now();
    const QString by = actor.id.isEmpty() ? actorName(actor) : actor.id;
    QMutexLocker writeLock(&m_recorder.writeMutex());
    QSqlDatabase db = m_database.connection();
    Status done = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<QSqlQuery> row
            = select(db, u"SELECT %1 FROM connections WHERE id = ?"_s.arg(kRecordColumns), {connectionId});
        if (!row)
            return row.error();
        if (!row.value().next())
            return Error::notFound(u"no connection has the id %1"_s.arg(connectionId));
        const ConnectionRecord record = recordFromRow(row.value());
        row.value().finish();
        if (Result<QSqlQuery> cleared
            = sql::exec(db, u"DELETE FROM connection_tags WHERE connection_id = ?"_s, {connectionId});
            !cleared)
            return cleared.error();
        for (const QString &tag : std::as_const(normalized)) {
            if (Result<QSqlQuery> added = sql::exec(
                    db, u"INSERT INTO connection_tags (connection_id, tag) VALUES (?, ?)"_s, {connectionId, tag});
                !added)
                return added.error();
        }
        if (Result<QSqlQuery> updated
            = sql::exec(db, u"UPDATE connections SET search_text = ?, updated = ?, updated_by = ? WHERE id = ?"_s,
                        {searchTextOf(record, normalized), sql::toStoreTime(now), by, connectionId});
            !updated)
            return updated.error();
        return m_audit.record(db, actor, u"connection.tags"_s, u"connection"_s, connectionId,
                              {{u"tags"_s, QJsonArray::fromStringList(normalized)}});
    });
    if (!done)
        return done;
    m_recorder.tagsChanged(connectionId, normalized, now, by);
    writeLock.unlock();
    m_announce();
    return {};
}

// --- access roles -----------------------------------------------------------

Result<QList<AccessRole>> ConnectionAdmin::roles() const
{
    Result<QSqlQuery> rows = select(m_database.connection(), u"SELECT id, name FROM access_roles ORDER BY name, id"_s);
    if (!rows)
        return rows.error();
    QList<AccessRole> list;
    while (rows.value().next())
        list.append(AccessRole{rows.value().value(0).toString(), rows.value().value(1).toString()});
    return list;
}

Result<AccessRole> ConnectionAdmin::createRole(const QString &name)
{
    const QString trimmed = name.trimmed();
    if (trimmed.isEmpty())
        return Error::invalid(u"a role needs a name"_s, u"name"_s);
    if (trimmed.size() > kMaxRoleNameLength)
        return Error::invalid(u"a role name is at most %1 characters"_s.arg(kMaxRoleNameLength), u"name"_s);
    QSqlDatabase db = m_database.connection();
    const AccessRole role{QUuid::createUuid().toString(QUuid::WithoutBraces), trimmed};
    Status done = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<qint64> taken
            = scalar(db, u"SELECT COUNT(*) FROM access_roles WHERE LOWER(name) = LOWER(?)"_s, {trimmed});
        if (!taken)
            return taken.error();
        if (taken.value() > 0)
            return Error::conflict(u"a role named '%1' exists already"_s.arg(trimmed));
        Result<QSqlQuery> inserted
            = sql::exec(db, u"INSERT INTO access_roles (id, name, created_at) VALUES (?, ?, ?)"_s,
                        {role.id, role.name, sql::toStoreTime(m_clock.now())});
        if (!inserted)
            return inserted.error();
        return {};
    });
    if (!done)
        return done.error();
    return role;
}

Result<QList<AccessRoleGrant>> ConnectionAdmin::accessRoles(const QString &connectionId) const
{
    if (Status flushed = m_recorder.writePending(); !flushed)
        return flushed.error();
    QSqlDatabase db = m_database.connection();
    if (Status known = requireConnection(db, connectionId); !known)
        return known.error();
    Result<QSqlQuery> rows = select(db,
                                    u"SELECT r.id, r.name, g.added FROM connection_access_roles g"
                                    " JOIN access_roles r ON r.id = g.role_id WHERE g.connection_id = ?"
                                    " ORDER BY g.added, r.name"_s,
                                    {connectionId});
    if (!rows)
        return rows.error();
    QList<AccessRoleGrant> list;
    while (rows.value().next())
        list.append(AccessRoleGrant{{rows.value().value(0).toString(), rows.value().value(1).toString()},
                                    sql::fromStoreTime(rows.value().value(2))});
    return list;
}

Status ConnectionAdmin::grantRole(const QString &connectionId, const QString &roleId, const Actor &actor)
{
    return changeRole(connectionId, roleId, actor, true);
}

Status ConnectionAdmin::revokeRole(const QString &connectionId, const QString &roleId, const Actor &actor)
{
    return changeRole(connectionId, roleId, actor, false);
}

Status ConnectionAdmin::changeRole(const QString &connectionId, const QString &roleId, const Actor &actor, bool grant)
{
    if (Status flushed = m_recorder.writePending(); !flushed)
        return flushed;
    QSqlDatabase db = m_database.connection();
    Status done = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        if (Status known = requireConnection(db, connectionId); !known)
            return known;
        Result<AccessRole> role = findRole(db, roleId);
        if (!role)
            return role.error();
        Result<QSqlQuery> changed = grant
            ? sql::exec(db,
                        u"INSERT INTO connection_access_roles (connection_id, role_id, added, added_by)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (connection_id, role_id) DO NOTHING"_s,
                        {connectionId, roleId, sql::toStoreTime(m_clock.now()), actorName(actor)})
            : sql::exec(db, u"DELETE FROM connection_access_roles WHERE connection_id = ? AND role_id = ?"_s,
                        {connectionId, roleId});
        if (!changed)
            return changed.error();
        return m_audit.record(db, actor, grant ? u"connection.role.grant"_s : u"connection.role.revoke"_s,
                              u"connection"_s, connectionId, {{u"role_id"_s, roleId}, {u"role"_s, role->name}});
    });
    if (!done)
        return done;
    m_recorder.markChanged({connectionId});
    m_announce();
    return {};
}

Status ConnectionAdmin::revokeRoleEverywhere(const QString &roleId, const Actor &actor)
{
    QSqlDatabase db = m_database.connection();
    QStringList affected;
    Status done = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<AccessRole> role = findRole(db, roleId);
        if (!role)
            return role.error();
        Result<QSqlQuery> rows
            = select(db, u"SELECT connection_id FROM connection_access_roles WHERE role_id = ?"_s, {roleId});
        if (!rows)
            return rows.error();
        while (rows.value().next())
            affected.append(rows.value().value(0).toString());
        rows.value().finish();
        Result<QSqlQuery> revoked = sql::exec(db, u"DELETE FROM connection_access_roles WHERE role_id = ?"_s, {roleId});
        if (!revoked)
            return revoked.error();
        return m_audit.record(db, actor, u"connection.role.revoke_all"_s, u"access_role"_s, roleId,
                              {{u"role"_s, role->name}, {u"connections"_s, affected.size()}});
    });
    if (!done)
        return done;
    m_recorder.markChanged(affected);
    m_announce();
    return {};
}

// --- terminate --------------------------------------------------------------

Status ConnectionAdmin::terminate(const QString &connectionId, const Actor &actor)
{
    const QString reason = u"terminated by %1"_s.arg(actorName(actor));
    bool live = false;
    ConnectionTerminator *terminator = m_recorder.markTerminated(connectionId, reason, actor, &live);
    if (!live) {
        if (Status known = requireConnection(m_database.connection(), connectionId); !known)
            return known;
        return Error::conflict(u"the connection %1 is not live on this Keystead instance"_s.arg(connectionId));
    }
    if (!terminator)
        return Error::conflict(u"no SSH server runs on this Keystead instance to end the connection"_s);
    if (Status flushed = m_recorder.writePending(); !flushed)
        return flushed;
    if (Status audited
        = m_audit.record(actor, u"connection.terminate"_s, u"connection"_s, connectionId, {{u"reason"_s, reason}});
        !audited)
        qWarning("connections: cannot record the termination in the audit log: %s",
                 qPrintable(audited.error().message));
    m_recorder.markChanged({connectionId});
    m_announce();
    // No lock is held here: the server may report closed() before this returns.
    if (!terminator->terminate(connectionId, reason))
        return Error::conflict(u"the connection %1 ended before it could be terminated"_s.arg(connectionId));
    return {};
}

} // namespace keystead
