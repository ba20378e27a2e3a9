#pragma once

// What the connections pieces (recorder, queries, admin, trail audit,
// retention) share about the connection tables: the row <-> record mapping,
// the trail's hash chain, statement helpers and the checks several requests
// make. Internal to core/connections: nothing outside includes it.

#include "audit/AuditLog.h"
#include "common/Result.h"
#include "connections/ConnectionRecord.h"

#include <QByteArray>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QStringList>
#include <QVariantList>

namespace keystead::connection_rows {

// The channel id of events outside any channel.
extern const QString kConnectionChannel;
// Every column of a connection row in the order recordFromRow() reads them.
extern const QString kRecordColumns;
// The columns of an INSERT of every column, in insertValues() order.
extern const QString kInsertColumns;
constexpr int kInsertColumnCount = 24;
// A page holds at most this many records (ConnectionService::kMaxLimit).
constexpr int kMaxLimit = 1000;

QByteArray zeroHash();
QVariant timeOrNull(const QDateTime &time);
// "?, ?, ?" for `count` parameters.
QString placeholders(qsizetype count);
QVariantList variants(const QStringList &values);
// ",PUBLICKEY,KEYBOARD_INTERACTIVE,": a method filter is then one LIKE per method.
QString methodsColumn(const QStringList &methods);
QStringList methodsFromColumn(const QString &column);
QString escapeLike(const QString &value);
// The haystack of a keyword search.
QString searchTextOf(const ConnectionRecord &record, const QStringList &tags);
// SHA-256 over the previous hash and the event's fields as stored (see the .cpp).
QByteArray chainHash(const QByteArray &previousHash, const QString &connectionId, qint64 sequence,
                     const QString &channelId, const QString &at, const QString &type, const QByteArray &data,
                     const QByteArray &detail);
bool isUtf8(const QByteArray &data);

Result<QSqlQuery> select(const QSqlDatabase &db, const QString &statement, const QVariantList &bindings = {});
Result<qint64> scalar(const QSqlDatabase &db, const QString &statement, const QVariantList &bindings = {});
// Whether a connection row has this id.
Result<bool> exists(const QSqlDatabase &db, const QString &id);
// NotFound ("no connection has the id ...") unless a connection row has this id.
Status requireConnection(const QSqlDatabase &db, const QString &id);

// One statement prepared once and run for many rows (a flush's inserts and updates).
class Prepared final
{
public:
    Prepared(const QSqlDatabase &db, QString statement);
    Status run(const QVariantList &bindings);

private:
    QSqlQuery m_query;
    QString m_statement;
    bool m_prepared = false;
};

ConnectionRecord recordFromRow(const QSqlQuery &row);
qint64 durationMs(const ConnectionRecord &record, const QDateTime &now);
QVariantList insertValues(const ConnectionRecord &record, const QStringList &tags, qint64 duration, qint64 trailLength,
                          const QString &trailHead);

QString actorName(const Actor &actor);
QJsonObject actorJson(const Actor &actor);

Status validatePage(qint64 offset, int limit);
Status validateTypes(const QStringList &types, const QString &location);
QStringList normalizedTypes(const QStringList &types);

} // namespace keystead::connection_rows
