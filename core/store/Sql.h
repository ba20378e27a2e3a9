#pragma once

#include "common/Result.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariantList>

#include <functional>

namespace keystead::sql {

// Times are stored as ISO 8601 UTC text with milliseconds: they sort as text
// on both backends and read back without a time zone surprise.
QString toStoreTime(const QDateTime &time);

// Qt's SQL drivers bind a null QString as NULL: NOT NULL text columns get an empty string instead.
QVariant text(const QString &value);
QDateTime fromStoreTime(const QVariant &value);

// Prepares and runs one statement with positional bindings.
Result<QSqlQuery> exec(const QSqlDatabase &db, const QString &statement, const QVariantList &bindings = {});

// Runs `body` in a transaction: committed when it returns ok, rolled back otherwise.
template <typename Body>
Status inTransaction(QSqlDatabase db, Body &&body)
{
    if (!db.transaction())
        return Error::unavailable(QStringLiteral("cannot begin a transaction: ") + db.lastError().text());
    Status status = body();
    if (!status.ok()) {
        db.rollback();
        return status;
    }
    if (!db.commit()) {
        const QString reason = db.lastError().text();
        db.rollback();
        return Error::unavailable(QStringLiteral("cannot commit: ") + reason);
    }
    return {};
}

// Runs `body` in one write transaction. On SQLite it begins with BEGIN IMMEDIATE,
// which takes the write lock first, so a transaction that reads and then writes
// cannot fail half-way (or be overtaken by another connection between its check and its write).
Status inWriteTransaction(bool postgres, QSqlDatabase &db, const std::function<Status()> &body);

} // namespace keystead::sql
