#include "audit/AuditLog.h"

#include "common/Clock.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QJsonDocument>
#include <QUuid>

#include <pwd.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

QString operatingSystemUser()
{
    if (const passwd *entry = getpwuid(geteuid()); entry && entry->pw_name)
        return QString::fromLocal8Bit(entry->pw_name);
    return QString::number(geteuid());
}

AuditEvent eventFromRow(const QSqlQuery &row)
{
    AuditEvent event;
    event.id = row.value(0).toString();
    event.at = sql::fromStoreTime(row.value(1));
    event.actor.kind = row.value(2).toString();
    event.actor.id = row.value(3).toString();
    event.actor.name = row.value(4).toString();
    event.actor.address = row.value(5).toString();
    event.action = row.value(6).toString();
    event.subjectKind = row.value(7).toString();
    event.subjectId = row.value(8).toString();
    event.detail = QJsonDocument::fromJson(row.value(9).toString().toUtf8()).object();
    return event;
}

} // namespace

Actor Actor::console()
{
    return Actor{u"console"_s, {}, operatingSystemUser(), {}};
}

Actor Actor::commandLine()
{
    return Actor{u"cli"_s, {}, operatingSystemUser(), {}};
}

AuditLog::AuditLog(Database &database, const Clock &clock, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_clock(clock)
{
}

Status AuditLog::record(QSqlDatabase &db, const Actor &actor, const QString &action, const QString &subjectKind,
                        const QString &subjectId, const QJsonObject &detail)
{
    AuditEvent event{QUuid::createUuid().toString(QUuid::WithoutBraces),
                     m_clock.now(),
                     actor,
                     action,
                     subjectKind,
                     subjectId,
                     detail};
    // `position` orders events that share a millisecond (or a clock that stands still in tests).
    Result<QSqlQuery> inserted
        = sql::exec(db,
                    u"INSERT INTO audit_log (id, at, position, actor_kind, actor_id, actor_name, actor_address, action,"
                    " subject_kind, subject_id, detail)"
                    " SELECT ?, ?, COALESCE(MAX(position), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ? FROM audit_log"_s,
                    {event.id, sql::toStoreTime(event.at), actor.kind, actor.id, actor.name, actor.address, action,
                     subjectKind, subjectId, QString::fromUtf8(QJsonDocument(detail).toJson(QJsonDocument::Compact))});
    if (!inserted)
        return inserted.error();
    // Announced after the caller commits would be exact; announcing now is harmless:
    // listeners only re-read the log, and a rolled-back event is simply not there.
    QMetaObject::invokeMethod(
        this, [this, event] { Q_EMIT recorded(event); }, Qt::QueuedConnection);
    return {};
}

Status AuditLog::record(const Actor &actor, const QString &action, const QString &subjectKind, const QString &subjectId,
                        const QJsonObject &detail)
{
    QSqlDatabase db = m_database.connection();
    return sql::inTransaction(db, [&] { return record(db, actor, action, subjectKind, subjectId, detail); });
}

Result<QList<AuditEvent>> AuditLog::list(const AuditQuery &query) const
{
    QString statement = u"SELECT id, at, actor_kind, actor_id, actor_name, actor_address, action, subject_kind,"
                        " subject_id, detail FROM audit_log WHERE 1 = 1"_s;
    QVariantList bindings;
    if (!query.action.isEmpty()) {
        statement += u" AND action = ?"_s;
        bindings.append(query.action);
    }
    if (!query.subjectId.isEmpty()) {
        statement += u" AND subject_id = ?"_s;
        bindings.append(query.subjectId);
    }
    statement += u" ORDER BY position DESC LIMIT ?"_s;
    bindings.append(std::clamp(query.limit, 1, 10'000));
    Result<QSqlQuery> rows = sql::exec(m_database.connection(), statement, bindings);
    if (!rows)
        return rows.error();
    QList<AuditEvent> events;
    while (rows.value().next())
        events.append(eventFromRow(rows.value()));
    return events;
}

} // namespace keystead
