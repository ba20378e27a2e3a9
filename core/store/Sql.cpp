#include "Sql.h"

#include <QSqlError>

using namespace Qt::StringLiterals;

namespace keystead::sql {

QString toStoreTime(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

QVariant text(const QString &value)
{
    return value.isNull() ? QVariant(QString(u""_s)) : QVariant(value);
}

QDateTime fromStoreTime(const QVariant &value)
{
    if (value.isNull())
        return {};
    QDateTime time = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    time.setTimeSpec(Qt::UTC);
    return time;
}

Result<QSqlQuery> exec(const QSqlDatabase &db, const QString &statement, const QVariantList &bindings)
{
    QSqlQuery query(db);
    if (bindings.isEmpty()) {
        // PostgreSQL cannot prepare DDL: statements without values run directly.
        if (!query.exec(statement))
            return Error::unavailable(u"the database refused a statement: "_s + query.lastError().text());
        return query;
    }
    if (!query.prepare(statement))
        return Error::internal(u"cannot prepare a statement: "_s + query.lastError().text());
    for (const QVariant &value : bindings)
        query.addBindValue(value);
    if (!query.exec())
        return Error::unavailable(u"the database refused a statement: "_s + query.lastError().text());
    return query;
}

void readColumn(const QVariant &value, QString &field)
{
    field = value.toString();
}

void readColumn(const QVariant &value, int &field)
{
    field = value.toInt();
}

void readColumn(const QVariant &value, qint64 &field)
{
    field = value.toLongLong();
}

void readColumn(const QVariant &value, bool &field)
{
    field = value.toInt() != 0;
}

void readColumn(const QVariant &value, QDateTime &field)
{
    field = fromStoreTime(value);
}

void readColumn(const QVariant &value, std::optional<QDateTime> &field)
{
    if (value.isNull() || value.toString().isEmpty())
        field.reset();
    else
        field = fromStoreTime(value);
}

Status inWriteTransaction(bool postgres, QSqlDatabase &db, const std::function<Status()> &body)
{
    if (postgres) {
        if (!db.transaction())
            return Error::unavailable(u"cannot begin a transaction: "_s + db.lastError().text());
    } else if (Result<QSqlQuery> begun = exec(db, u"BEGIN IMMEDIATE"_s); !begun) {
        return begun.error();
    }
    Status status = body();
    if (!status.ok()) {
        if (postgres)
            db.rollback();
        else
            (void)exec(db, u"ROLLBACK"_s);
        return status;
    }
    if (postgres) {
        if (!db.commit()) {
            const QString reason = db.lastError().text();
            db.rollback();
            return Error::unavailable(u"cannot commit: "_s + reason);
        }
    } else if (Result<QSqlQuery> committed = exec(db, u"COMMIT"_s); !committed) {
        (void)exec(db, u"ROLLBACK"_s);
        return committed.error();
    }
    return {};
}

} // namespace keystead::sql
