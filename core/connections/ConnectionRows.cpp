#include "connections/ConnectionRows.h"

#include "common/Crypto.h"
#include "store/Sql.h"

#include <QJsonDocument>
#include <QSqlError>
#include <QStringDecoder>
#include <QtEndian>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::connection_rows {

using sql::text;

const QString kConnectionChannel = u"connection"_s;

QByteArray zeroHash()
{
    return QByteArray(32, '\0');
}

// Every column of a connection row in the order recordFromRow() reads them.
const QString kRecordColumns = u"id, proxy_id, type, authentication_methods, user_id, user_display_name,"
                               " remote_address, client_version, connected, disconnected, status, last_activity,"
                               " bytes_in, bytes_out, force_disconnect, disconnect_reason, created, updated,"
                               " updated_by, audit_enabled"_s;

QVariant timeOrNull(const QDateTime &time)
{
    return time.isValid() ? QVariant(sql::toStoreTime(time)) : QVariant(QMetaType::fromType<QString>());
}

QString placeholders(qsizetype count)
{
    QString list;
    list.reserve(count * 3);
    for (qsizetype i = 0; i < count; ++i)
        list += i == 0 ? u"?"_s : u", ?"_s;
    return list;
}

QVariantList variants(const QStringList &values)
{
    QVariantList list;
    list.reserve(values.size());
    for (const QString &value : values)
        list.append(value);
    return list;
}

// ",PUBLICKEY,KEYBOARD_INTERACTIVE,": a method filter is then one LIKE per method.
QString methodsColumn(const QStringList &methods)
{
    return methods.isEmpty() ? QString(u""_s) : u","_s + methods.join(u',') + u","_s;
}

QStringList methodsFromColumn(const QString &column)
{
    return column.split(u',', Qt::SkipEmptyParts);
}

QString escapeLike(const QString &value)
{
    QString escaped;
    escaped.reserve(value.size());
    for (const QChar ch : value) {
        if (ch == u'\\' || ch == u'%' || ch == u'_')
            escaped += u'\\';
        escaped += ch;
    }
    return escaped;
}

// The haystack of a keyword search; statuses are matched on their own column (see keywordClause).
QString searchTextOf(const ConnectionRecord &record, const QStringList &tags)
{
    QStringList parts{record.id, record.userDisplayName, record.remoteAddress, record.clientVersion};
    parts += tags;
    parts.removeAll(QString());
    // Keywords never hold a space, so no keyword can match across two fields.
    return parts.join(u' ').toLower();
}

namespace {

void appendField(QByteArray &buffer, QByteArrayView bytes)
{
    const quint64 length = qToBigEndian(static_cast<quint64>(bytes.size()));
    buffer.append(reinterpret_cast<const char *>(&length), sizeof(length));
    buffer.append(bytes);
}

} // namespace

// SHA-256 over the previous hash and the event's fields as stored, each
// preceded by its length (8 bytes, big endian), so no two different events
// hash the same bytes. Times and details are hashed as the text the row holds.
QByteArray chainHash(const QByteArray &previousHash, const QString &connectionId, qint64 sequence,
                     const QString &channelId, const QString &at, const QString &type, const QByteArray &data,
                     const QByteArray &detail)
{
    QByteArray buffer;
    buffer.reserve(160 + data.size() + detail.size());
    appendField(buffer, previousHash);
    appendField(buffer, connectionId.toUtf8());
    appendField(buffer, QByteArray::number(sequence));
    appendField(buffer, channelId.toUtf8());
    appendField(buffer, at.toUtf8());
    appendField(buffer, type.toUtf8());
    appendField(buffer, data);
    appendField(buffer, detail);
    return crypto::sha256(buffer);
}

bool isUtf8(const QByteArray &data)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString decoded = decoder.decode(data);
    return !decoder.hasError();
}

Result<QSqlQuery> select(const QSqlDatabase &db, const QString &statement, const QVariantList &bindings)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.prepare(statement))
        return Error::internal(u"cannot prepare a statement: "_s + query.lastError().text());
    for (const QVariant &value : bindings)
        query.addBindValue(value);
    if (!query.exec())
        return Error::unavailable(u"the database refused a statement: "_s + query.lastError().text());
    return query;
}

Result<qint64> scalar(const QSqlDatabase &db, const QString &statement, const QVariantList &bindings)
{
    Result<QSqlQuery> query = select(db, statement, bindings);
    if (!query)
        return query.error();
    return query.value().next() ? query.value().value(0).toLongLong() : 0;
}

Result<bool> exists(const QSqlDatabase &db, const QString &id)
{
    Result<qint64> found = scalar(db, u"SELECT COUNT(*) FROM connections WHERE id = ?"_s, {id});
    if (!found)
        return found.error();
    return found.value() > 0;
}

Status requireConnection(const QSqlDatabase &db, const QString &id)
{
    Result<bool> found = exists(db, id);
    if (!found)
        return found.error();
    if (!found.value())
        return Error::notFound(u"no connection has the id %1"_s.arg(id));
    return {};
}

Prepared::Prepared(const QSqlDatabase &db, QString statement)
    : m_query(db)
    , m_statement(std::move(statement))
{
}

Status Prepared::run(const QVariantList &bindings)
{
    if (!m_prepared) {
        if (!m_query.prepare(m_statement))
            return Error::internal(u"cannot prepare a statement: "_s + m_query.lastError().text());
        m_prepared = true;
    }
    for (qsizetype i = 0; i < bindings.size(); ++i)
        m_query.bindValue(static_cast<int>(i), bindings.at(i));
    if (!m_query.exec())
        return Error::unavailable(u"the database refused a statement: "_s + m_query.lastError().text());
    return {};
}

ConnectionRecord recordFromRow(const QSqlQuery &row)
{
    ConnectionRecord record;
    record.id = row.value(0).toString();
    record.proxyId = row.value(1).toString();
    record.type = row.value(2).toString();
    record.authenticationMethods = methodsFromColumn(row.value(3).toString());
    record.userId = row.value(4).toString();
    record.userDisplayName = row.value(5).toString();
    record.remoteAddress = row.value(6).toString();
    record.clientVersion = row.value(7).toString();
    record.connected = sql::fromStoreTime(row.value(8));
    record.disconnected = sql::fromStoreTime(row.value(9));
    record.status = connectionStatusFromName(row.value(10).toString()).value_or(ConnectionStatus::Disconnected);
    record.lastActivity = sql::fromStoreTime(row.value(11));
    record.bytesIn = row.value(12).toLongLong();
    record.bytesOut = row.value(13).toLongLong();
    record.forceDisconnect = sql::fromStoreTime(row.value(14));
    record.disconnectReason = row.value(15).toString();
    record.created = sql::fromStoreTime(row.value(16));
    record.updated = sql::fromStoreTime(row.value(17));
    record.updatedBy = row.value(18).toString();
    record.auditEnabled = row.value(19).toInt() != 0;
    return record;
}

qint64 durationMs(const ConnectionRecord &record, const QDateTime &now)
{
    const QDateTime end = record.disconnected.isValid() ? record.disconnected : now;
    return std::max<qint64>(0, record.connected.msecsTo(end));
}

const QString kInsertColumns = u"id, proxy_id, type, authentication_methods, user_id, user_display_name,"
                               " remote_address, client_version, connected, disconnected, duration_ms, status,"
                               " last_activity, bytes_in, bytes_out, force_disconnect, disconnect_reason, created,"
                               " updated, updated_by, audit_enabled, trail_length, trail_head, search_text"_s;

QVariantList insertValues(const ConnectionRecord &record, const QStringList &tags, qint64 duration, qint64 trailLength,
                          const QString &trailHead)
{
    return {text(record.id),
            text(record.proxyId),
            text(record.type),
            methodsColumn(record.authenticationMethods),
            text(record.userId),
            text(record.userDisplayName),
            text(record.remoteAddress),
            text(record.clientVersion),
            sql::toStoreTime(record.connected),
            timeOrNull(record.disconnected),
            duration,
            connectionStatusName(record.status),
            sql::toStoreTime(record.lastActivity.isValid() ? record.lastActivity : record.connected),
            record.bytesIn,
            record.bytesOut,
            timeOrNull(record.forceDisconnect),
            text(record.disconnectReason),
            sql::toStoreTime(record.created.isValid() ? record.created : record.connected),
            sql::toStoreTime(record.updated.isValid() ? record.updated : record.connected),
            text(record.updatedBy),
            record.auditEnabled ? 1 : 0,
            trailLength,
            text(trailHead),
            searchTextOf(record, tags)};
}

QString actorName(const Actor &actor)
{
    return actor.name.isEmpty() ? actor.kind : actor.name;
}

QJsonObject actorJson(const Actor &actor)
{
    QJsonObject json{{u"kind"_s, actor.kind}, {u"name"_s, actor.name}};
    if (!actor.id.isEmpty())
        json.insert(u"id"_s, actor.id);
    if (!actor.address.isEmpty())
        json.insert(u"address"_s, actor.address);
    return json;
}

Status validatePage(qint64 offset, int limit)
{
    if (offset < 0)
        return Error::invalid(u"offset must be 0 or more, not %1"_s.arg(offset), u"offset"_s);
    if (limit < 1 || limit > kMaxLimit)
        return Error::invalid(u"limit must be between 1 and %1, not %2"_s.arg(kMaxLimit).arg(limit), u"limit"_s);
    return {};
}

Status validateTypes(const QStringList &types, const QString &location)
{
    for (const QString &type : types) {
        if (!trailEventTypes().contains(type))
            return Error::invalid(
                u"unknown event type '%1'; use any of: %2"_s.arg(type, trailEventTypes().join(u", "_s)), location);
    }
    return {};
}

QStringList normalizedTypes(const QStringList &types)
{
    QStringList list;
    for (const QString &type : types) {
        const QString trimmed = type.trimmed().toLower();
        if (!trimmed.isEmpty() && !list.contains(trimmed))
            list.append(trimmed);
    }
    return list;
}

} // namespace keystead::connection_rows
