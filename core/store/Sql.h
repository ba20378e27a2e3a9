#pragma once

#include "common/Result.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariantList>

#include <functional>
#include <optional>
#include <type_traits>

namespace keystead::sql {

// Times are stored as ISO 8601 UTC text with milliseconds: they sort as text
// on both backends and read back without a time zone surprise.
QString toStoreTime(const QDateTime &time);

// Qt's SQL drivers bind a null QString as NULL: NOT NULL text columns get an empty string instead.
QVariant text(const QString &value);
QDateTime fromStoreTime(const QVariant &value);

// One column of a row into a field of its type: text, whole numbers, 0/1 flags
// and store times; an optional time is empty for NULL or empty text.
void readColumn(const QVariant &value, QString &field);
void readColumn(const QVariant &value, int &field);
void readColumn(const QVariant &value, qint64 &field);
void readColumn(const QVariant &value, bool &field);
void readColumn(const QVariant &value, QDateTime &field);
void readColumn(const QVariant &value, std::optional<QDateTime> &field);

// Reads the row's columns, from the first, into `fields` in order:
// sql::readRow(row, key.id, key.name, key.addedAt).
template <typename... Fields>
void readRow(const QSqlQuery &row, Fields &...fields)
{
    int column = 0;
    (readColumn(row.value(column++), fields), ...);
}

// Prepares and runs one statement with positional bindings.
Result<QSqlQuery> exec(const QSqlDatabase &db, const QString &statement, const QVariantList &bindings = {});

// Runs a query and reads each of its rows with `read` (a function of the row).
template <typename Read>
auto selectRows(const QSqlDatabase &db, const QString &statement, const QVariantList &bindings, Read &&read)
    -> Result<QList<std::invoke_result_t<Read &, const QSqlQuery &>>>
{
    Result<QSqlQuery> rows = exec(db, statement, bindings);
    if (!rows)
        return rows.error();
    QList<std::invoke_result_t<Read &, const QSqlQuery &>> all;
    while (rows->next())
        all.append(read(rows.value()));
    return all;
}

// Runs a query and reads its first row with `read`; nullopt when there is none.
template <typename Read>
auto selectFirst(const QSqlDatabase &db, const QString &statement, const QVariantList &bindings, Read &&read)
    -> Result<std::optional<std::invoke_result_t<Read &, const QSqlQuery &>>>
{
    using Row = std::invoke_result_t<Read &, const QSqlQuery &>;
    Result<QSqlQuery> rows = exec(db, statement, bindings);
    if (!rows)
        return rows.error();
    if (!rows->next())
        return std::optional<Row>();
    return std::optional<Row>(read(rows.value()));
}

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
