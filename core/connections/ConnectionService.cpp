#include "connections/ConnectionService.h"

#include "common/Clock.h"
#include "common/Crypto.h"
#include "connections/TrailTimestamper.h"
#include "settings/SshSettingsService.h"
#include "store/Database.h"
#include "store/SettingsStore.h"
#include "store/Sql.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>
#include <QMutexLocker>
#include <QRegularExpression>
#include <QSet>
#include <QSqlError>
#include <QStringDecoder>
#include <QSysInfo>
#include <QThread>
#include <QTimer>
#include <QUuid>
#include <QtEndian>

#include <algorithm>
#include <map>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// The recorder's buffer is written at the latest this long after its first entry.
constexpr int kFlushIntervalMs = 250;
// Past either size the recorder call that crosses it writes the buffer itself,
// so a burst of terminal output cannot grow memory without bound.
constexpr int kFlushEvents = 2000;
constexpr qint64 kFlushBytes = qint64(4) << 20;
constexpr qint64 kLogSessionSeconds = 5 * 60;
constexpr int kMaxTags = 32;
constexpr int kMaxTagLength = 64;
constexpr int kMaxRoleNameLength = 128;
constexpr int kMaxKeywords = 16;
constexpr int kMaxKeywordLength = 256;
constexpr int kMaxBuckets = 1000;
// Rows per statement when records are inserted in bulk (PostgreSQL takes at most 65535 parameters).
constexpr int kBulkRows = 400;
// Rows removed per transaction by retention: a long cleanup never holds the write lock for long.
constexpr int kRetentionChunk = 500;

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

// The keys a page may be sorted by: each has an index ending in id (ConnectionSchema.cpp).
// "created" is the moment the record was made, which is the moment it connected.
const std::map<QString, QString> &sortColumns()
{
    static const std::map<QString, QString> columns{
        {u"id"_s, u"c.id"_s},
        {u"connected"_s, u"c.connected"_s},
        {u"created"_s, u"c.connected"_s},
        {u"disconnected"_s, u"c.disconnected"_s},
        {u"duration"_s, u"c.duration_ms"_s},
        {u"status"_s, u"c.status"_s},
        {u"last_activity"_s, u"c.last_activity"_s},
        {u"bytes_in"_s, u"c.bytes_in"_s},
        {u"bytes_out"_s, u"c.bytes_out"_s},
        {u"remote_address"_s, u"c.remote_address"_s},
        {u"user_display_name"_s, u"c.user_display_name"_s},
    };
    return columns;
}

QString sortKeyList()
{
    QStringList keys;
    for (const auto &entry : sortColumns())
        keys.append(entry.first);
    return keys.join(u", "_s);
}

using sql::text;

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

QStringList splitKeywords(const QString &keywords)
{
    static const QRegularExpression separators(u"[,\\s]+"_s);
    QStringList list;
    for (const QString &part : keywords.split(separators, Qt::SkipEmptyParts)) {
        const QString keyword = part.toLower();
        if (!list.contains(keyword))
            list.append(keyword);
    }
    return list;
}

void appendField(QByteArray &buffer, QByteArrayView bytes)
{
    const quint64 length = qToBigEndian(static_cast<quint64>(bytes.size()));
    buffer.append(reinterpret_cast<const char *>(&length), sizeof(length));
    buffer.append(bytes);
}

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

Result<QSqlQuery> select(const QSqlDatabase &db, const QString &statement, const QVariantList &bindings = {})
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

Result<qint64> scalar(const QSqlDatabase &db, const QString &statement, const QVariantList &bindings = {})
{
    Result<QSqlQuery> query = select(db, statement, bindings);
    if (!query)
        return query.error();
    return query.value().next() ? query.value().value(0).toLongLong() : 0;
}

// One statement prepared once and run for many rows (a flush's inserts and updates).
class Prepared final
{
public:
    Prepared(const QSqlDatabase &db, QString statement)
        : m_query(db)
        , m_statement(std::move(statement))
    {
    }
    Status run(const QVariantList &bindings)
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

private:
    QSqlQuery m_query;
    QString m_statement;
    bool m_prepared = false;
};

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

// The values of an INSERT of every column, in insertColumns() order.
const QString kInsertColumns = u"id, proxy_id, type, authentication_methods, user_id, user_display_name,"
                               " remote_address, client_version, connected, disconnected, duration_ms, status,"
                               " last_activity, bytes_in, bytes_out, force_disconnect, disconnect_reason, created,"
                               " updated, updated_by, audit_enabled, trail_length, trail_head, search_text"_s;
constexpr int kInsertColumnCount = 24;

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
    if (limit < 1 || limit > ConnectionService::kMaxLimit)
        return Error::invalid(u"limit must be between 1 and %1, not %2"_s.arg(ConnectionService::kMaxLimit).arg(limit),
                              u"limit"_s);
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

struct PendingEvent
{
    QString connectionId;
    qint64 sequence = 0;
    QString channelId;
    QString at;
    QString type;
    QByteArray data;
    QByteArray detail;
    QByteArray previousHash;
    QByteArray hash;
};

struct ChannelState
{
    TrailChannel channel;
    int position = 0;
    bool dirty = true;
};

// What this instance knows of a connection its server holds, newer than the
// store until the next flush.
struct LiveConnection
{
    ConnectionRecord record;
    QStringList tags; // as stored: the search text of a full update includes them
    qint64 nextSequence = 1;
    QByteArray lastHash = zeroHash();
    QString lastType;
    bool inserted = false;
    bool identityDirty = false; // fields of the search text or the status changed
    bool trafficDirty = false; // bytes, activity, trail head
    bool closed = false;
    QHash<QString, ChannelState> channels;
    int nextChannelPosition = 0;
};

// A copy of one connection's state taken for a flush.
struct ConnectionWrite
{
    ConnectionRecord record;
    QStringList tags;
    bool insert = false;
    bool identity = false;
    bool traffic = false;
    qint64 trailLength = 0;
    QString trailHead;
    QList<ChannelState> channels;
};

} // namespace

class ConnectionService::Private
{
public:
    Private(Database &database, const Clock &clock)
        : m_database(database)
        , m_clock(clock)
    {
    }

    Status writePending();
    // Under `mutex`: appends one event to a live connection's chain.
    void appendLocked(LiveConnection &connection, const QString &channelId, const QString &type, const QByteArray &data,
                      const QJsonObject &detail);
    bool bufferIsFullLocked() const { return events.size() >= kFlushEvents || pendingBytes >= kFlushBytes; }
    // Copies what memory knows of live connections over rows read from the store.
    void overlayLive(QList<ConnectionRecord> &records) const;
    Result<bool> exists(const QSqlDatabase &db, const QString &id) const;

    Database &m_database;
    const Clock &m_clock;
    QString proxyId;
    QTimer *timer = nullptr;

    mutable QMutex mutex; // guards everything below
    QHash<QString, LiveConnection> live;
    QList<PendingEvent> events;
    qint64 pendingBytes = 0;
    QSet<QString> changed;
    bool flushScheduled = false;
    ConnectionTerminator *terminator = nullptr;

    // Serialises writes of connection rows: flushes among themselves (their
    // batches land in order) and with operator changes to the same rows.
    QMutex writeMutex;
};

void ConnectionService::Private::appendLocked(LiveConnection &connection, const QString &channelId, const QString &type,
                                              const QByteArray &data, const QJsonObject &detail)
{
    const QDateTime now = m_clock.now();
    PendingEvent event;
    event.connectionId = connection.record.id;
    event.sequence = connection.nextSequence++;
    event.channelId = channelId.isEmpty() ? kConnectionChannel : channelId;
    event.at = sql::toStoreTime(now);
    event.type = type;
    event.data = data.isNull() ? QByteArray("") : data;
    event.detail = QJsonDocument(detail).toJson(QJsonDocument::Compact);
    event.previousHash = connection.lastHash;
    event.hash = chainHash(event.previousHash, event.connectionId, event.sequence, event.channelId, event.at,
                           event.type, event.data, event.detail);
    connection.lastHash = event.hash;
    connection.lastType = type;
    connection.record.lastActivity = now;
    connection.trafficDirty = true;
    pendingBytes += event.data.size() + event.detail.size();
    events.append(std::move(event));
}

void ConnectionService::Private::overlayLive(QList<ConnectionRecord> &records) const
{
    QMutexLocker lock(&mutex);
    for (ConnectionRecord &record : records) {
        const auto it = live.constFind(record.id);
        if (it == live.cend())
            continue;
        ConnectionRecord fresh = it->record;
        fresh.tags = record.tags;
        fresh.accessRoles = record.accessRoles;
        fresh.channels = record.channels;
        if (!record.channels.isEmpty()) {
            for (TrailChannel &channel : fresh.channels) {
                if (const auto state = it->channels.constFind(channel.id); state != it->channels.cend())
                    channel = state->channel;
            }
        }
        record = std::move(fresh);
    }
}

Result<bool> ConnectionService::Private::exists(const QSqlDatabase &db, const QString &id) const
{
    Result<qint64> found = scalar(db, u"SELECT COUNT(*) FROM connections WHERE id = ?"_s, {id});
    if (!found)
        return found.error();
    return found.value() > 0;
}

Status ConnectionService::Private::writePending()
{
    QMutexLocker writeLock(&writeMutex);
    QList<PendingEvent> batch;
    QList<ConnectionWrite> writes;
    const QDateTime now = m_clock.now();
    {
        QMutexLocker lock(&mutex);
        batch.swap(events);
        pendingBytes = 0;
        for (LiveConnection &connection : live) {
            QList<ChannelState> channels;
            for (ChannelState &channel : connection.channels) {
                if (channel.dirty) {
                    channels.append(channel);
                    channel.dirty = false;
                }
            }
            if (connection.inserted && !connection.identityDirty && !connection.trafficDirty && channels.isEmpty())
                continue;
            ConnectionWrite write;
            write.record = connection.record;
            write.tags = connection.tags;
            write.insert = !connection.inserted;
            write.identity = connection.identityDirty;
            write.traffic = connection.trafficDirty;
            write.trailLength = connection.nextSequence - 1;
            write.trailHead = connection.nextSequence > 1 ? QString::fromLatin1(connection.lastHash.toHex()) : u""_s;
            write.channels = std::move(channels);
            connection.identityDirty = false;
            connection.trafficDirty = false;
            writes.append(std::move(write));
        }
    }
    if (batch.isEmpty() && writes.isEmpty())
        return {};

    QSqlDatabase db = m_database.connection();
    const Status written = sql::inTransaction(db, [&]() -> Status {
        Prepared insert(
            db, u"INSERT INTO connections (%1) VALUES (%2)"_s.arg(kInsertColumns, placeholders(kInsertColumnCount)));
        Prepared identity(db,
                          u"UPDATE connections SET authentication_methods = ?, user_id = ?, user_display_name = ?,"
                          " client_version = ?, disconnected = ?, duration_ms = ?, status = ?, last_activity = ?,"
                          " bytes_in = ?, bytes_out = ?, force_disconnect = ?, disconnect_reason = ?, updated = ?,"
                          " updated_by = ?, trail_length = ?, trail_head = ?, search_text = ? WHERE id = ?"_s);
        // The frequent update leaves the search text alone: its index is not touched.
        Prepared traffic(db,
                         u"UPDATE connections SET duration_ms = ?, last_activity = ?, bytes_in = ?, bytes_out = ?,"
                         " trail_length = ?, trail_head = ? WHERE id = ?"_s);
        Prepared channel(db,
                         u"INSERT INTO connection_channels (connection_id, channel_id, position, type,"
                         " bytes_client_to_server, bytes_server_to_client) VALUES (?, ?, ?, ?, ?, ?)"
                         " ON CONFLICT (connection_id, channel_id) DO UPDATE SET type = excluded.type,"
                         " bytes_client_to_server = excluded.bytes_client_to_server,"
                         " bytes_server_to_client = excluded.bytes_server_to_client"_s);
        Prepared event(db,
                       u"INSERT INTO trail_events (connection_id, sequence, channel_id, at, type, data, detail,"
                       " previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"_s);
        for (const ConnectionWrite &write : std::as_const(writes)) {
            const ConnectionRecord &r = write.record;
            const qint64 duration = durationMs(r, now);
            Status done;
            if (write.insert) {
                done = insert.run(insertValues(r, write.tags, duration, write.trailLength, write.trailHead));
            } else if (write.identity) {
                done = identity.run({methodsColumn(r.authenticationMethods), text(r.userId), text(r.userDisplayName),
                                     text(r.clientVersion), timeOrNull(r.disconnected), duration,
                                     connectionStatusName(r.status), sql::toStoreTime(r.lastActivity), r.bytesIn,
                                     r.bytesOut, timeOrNull(r.forceDisconnect), text(r.disconnectReason),
                                     sql::toStoreTime(r.updated), text(r.updatedBy), write.trailLength,
                                     text(write.trailHead), searchTextOf(r, write.tags), r.id});
            } else if (write.traffic) {
                done = traffic.run({duration, sql::toStoreTime(r.lastActivity), r.bytesIn, r.bytesOut,
                                    write.trailLength, text(write.trailHead), r.id});
            }
            if (!done)
                return done;
            for (const ChannelState &state : write.channels) {
                if (Status stored = channel.run({r.id, state.channel.id, state.position, text(state.channel.type),
                                                 state.channel.bytesClientToServer, state.channel.bytesServerToClient});
                    !stored)
                    return stored;
            }
        }
        for (const PendingEvent &e : std::as_const(batch)) {
            if (Status stored
                = event.run({e.connectionId, e.sequence, e.channelId, e.at, e.type, e.data, QString::fromUtf8(e.detail),
                             QString::fromLatin1(e.previousHash.toHex()), QString::fromLatin1(e.hash.toHex())});
                !stored)
                return stored;
        }
        return {};
    });

    QMutexLocker lock(&mutex);
    if (!written) {
        // Kept for the next attempt, in front of what arrived meanwhile: the chain stays in order.
        for (const PendingEvent &e : std::as_const(batch))
            pendingBytes += e.data.size() + e.detail.size();
        batch.append(events);
        events.swap(batch);
        for (const ConnectionWrite &write : std::as_const(writes)) {
            const auto it = live.find(write.record.id);
            if (it == live.end())
                continue;
            it->identityDirty = it->identityDirty || write.identity || write.insert;
            it->trafficDirty = it->trafficDirty || write.traffic;
            for (const ChannelState &state : write.channels) {
                if (auto channel = it->channels.find(state.channel.id); channel != it->channels.end())
                    channel->dirty = true;
            }
        }
        return written;
    }
    QSet<QString> touched;
    for (const ConnectionWrite &write : std::as_const(writes))
        touched.insert(write.record.id);
    for (const PendingEvent &e : std::as_const(batch))
        touched.insert(e.connectionId);
    for (const QString &id : std::as_const(touched)) {
        changed.insert(id);
        const auto it = live.find(id);
        if (it == live.end())
            continue;
        it->inserted = true;
        const bool settled = !it->identityDirty && !it->trafficDirty
            && std::none_of(it->channels.cbegin(), it->channels.cend(), [](const ChannelState &c) { return c.dirty; });
        if (it->closed && settled)
            live.erase(it);
    }
    return {};
}

ConnectionService::ConnectionService(Database &database, const Clock &clock, SettingsStore &settings, AuditLog &audit,
                                     QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>(database, clock))
    , m_database(database)
    , m_clock(clock)
    , m_settings(settings)
    , m_audit(audit)
{
    d->timer = new QTimer(this);
    d->timer->setSingleShot(true);
    d->timer->setInterval(kFlushIntervalMs);
    connect(d->timer, &QTimer::timeout, this, &ConnectionService::onFlushTimer);

    // One id per machine: instances sharing a PostgreSQL database share their Settings too.
    const QString key = QString(setting::kConnectionsProxyIdPrefix) + QSysInfo::machineHostName();
    d->proxyId = m_settings.value(key);
    if (d->proxyId.isEmpty()) {
        d->proxyId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        if (Status saved = m_settings.setValue(key, d->proxyId); !saved)
            qWarning("connections: cannot keep the instance id: %s", qPrintable(saved.error().message));
    }
    // Connections this instance held when it last stopped without closing them are over.
    Result<QSqlQuery> ended = sql::exec(
        m_database.connection(),
        u"UPDATE connections SET status = 'DISCONNECTED', disconnected = last_activity, disconnect_reason = ?"
        " WHERE status = 'CONNECTED' AND proxy_id = ?"_s,
        {u"Keystead stopped before the connection ended"_s, d->proxyId});
    if (!ended)
        qWarning("connections: cannot close connections left open: %s", qPrintable(ended.error().message));
}

ConnectionService::~ConnectionService()
{
    if (Status flushed = d->writePending(); !flushed)
        qWarning("connections: the last trail events could not be written: %s", qPrintable(flushed.error().message));
}

QString ConnectionService::proxyId() const
{
    return d->proxyId;
}

void ConnectionService::setTerminator(ConnectionTerminator *terminator)
{
    QMutexLocker lock(&d->mutex);
    d->terminator = terminator;
}

void ConnectionService::scheduleFlush() const
{
    {
        QMutexLocker lock(&d->mutex);
        if (d->flushScheduled)
            return;
        d->flushScheduled = true;
    }
    if (QThread::currentThread() == d->timer->thread())
        d->timer->start();
    else
        QMetaObject::invokeMethod(
            d->timer, [timer = d->timer] { timer->start(); }, Qt::QueuedConnection);
}

void ConnectionService::announceSoon()
{
    if (QThread::currentThread() != thread()) {
        scheduleFlush();
        return;
    }
    QStringList ids;
    {
        QMutexLocker lock(&d->mutex);
        ids = QStringList(d->changed.cbegin(), d->changed.cend());
        d->changed.clear();
    }
    if (ids.isEmpty())
        return;
    ids.sort();
    Q_EMIT connectionsChanged(ids);
}

void ConnectionService::onFlushTimer()
{
    {
        QMutexLocker lock(&d->mutex);
        d->flushScheduled = false;
    }
    if (Status flushed = d->writePending(); !flushed) {
        qWarning("connections: cannot write the trail buffer, will retry: %s", qPrintable(flushed.error().message));
        scheduleFlush();
    }
    announceSoon();
}

Status ConnectionService::flush()
{
    Status flushed = d->writePending();
    announceSoon();
    return flushed;
}

// --- the recorder -------------------------------------------------------

QString ConnectionService::opened(const QString &remoteAddress)
{
    const QDateTime now = m_clock.now();
    LiveConnection connection;
    connection.record.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    connection.record.proxyId = d->proxyId;
    connection.record.remoteAddress = remoteAddress;
    connection.record.connected = now;
    connection.record.lastActivity = now;
    connection.record.created = now;
    connection.record.updated = now;
    connection.record.status = ConnectionStatus::Connected;
    const QString id = connection.record.id;
    {
        QMutexLocker lock(&d->mutex);
        d->live.insert(id, std::move(connection));
    }
    scheduleFlush();
    return id;
}

void ConnectionService::event(const QString &connectionId, const QString &channelId, const QString &type,
                              const QByteArray &data, const QJsonObject &detail)
{
    bool full = false;
    {
        QMutexLocker lock(&d->mutex);
        const auto it = d->live.find(connectionId);
        if (it == d->live.end() || it->closed)
            return;
        LiveConnection &connection = *it;
        d->appendLocked(connection, channelId, type, data, detail);
        if (type == u"client-version"_s) {
            connection.record.clientVersion = QString::fromUtf8(data).trimmed();
            connection.identityDirty = true;
        }
        if (type == u"channel-open"_s && !channelId.isEmpty() && channelId != kConnectionChannel
            && !connection.channels.contains(channelId)) {
            ChannelState state;
            state.channel.id = channelId;
            state.channel.type = detail.value(u"type"_s).toString(u"session"_s);
            state.position = connection.nextChannelPosition++;
            connection.channels.insert(channelId, state);
        }
        full = d->bufferIsFullLocked();
    }
    if (full) {
        if (Status flushed = d->writePending(); !flushed)
            qWarning("connections: cannot write the trail buffer: %s", qPrintable(flushed.error().message));
    }
    scheduleFlush();
}

void ConnectionService::authenticated(const QString &connectionId, const QString &userDisplayName,
                                      const QString &collectSessionId, const QStringList &methods)
{
    {
        QMutexLocker lock(&d->mutex);
        const auto it = d->live.find(connectionId);
        if (it == d->live.end() || it->closed)
            return;
        it->record.userDisplayName = userDisplayName;
        it->record.userId = collectSessionId;
        QStringList upper;
        for (const QString &method : methods) {
            if (!upper.contains(method.toUpper()))
                upper.append(method.toUpper());
        }
        it->record.authenticationMethods = upper;
        it->record.lastActivity = m_clock.now();
        it->identityDirty = true;
    }
    scheduleFlush();
}

void ConnectionService::traffic(const QString &connectionId, qint64 bytesIn, qint64 bytesOut)
{
    {
        QMutexLocker lock(&d->mutex);
        const auto it = d->live.find(connectionId);
        if (it == d->live.end() || it->closed)
            return;
        if (it->record.bytesIn == bytesIn && it->record.bytesOut == bytesOut)
            return;
        it->record.bytesIn = bytesIn;
        it->record.bytesOut = bytesOut;
        it->record.lastActivity = m_clock.now();
        it->trafficDirty = true;
    }
    scheduleFlush();
}

void ConnectionService::channelTraffic(const QString &connectionId, const QString &channelId,
                                       const QString &channelType, qint64 clientToServer, qint64 serverToClient)
{
    {
        QMutexLocker lock(&d->mutex);
        const auto it = d->live.find(connectionId);
        if (it == d->live.end() || it->closed)
            return;
        auto channel = it->channels.find(channelId);
        if (channel == it->channels.end()) {
            ChannelState state;
            state.channel.id = channelId;
            state.position = it->nextChannelPosition++;
            channel = it->channels.insert(channelId, state);
        }
        if (!channelType.isEmpty())
            channel->channel.type = channelType;
        channel->channel.bytesClientToServer = clientToServer;
        channel->channel.bytesServerToClient = serverToClient;
        channel->dirty = true;
    }
    scheduleFlush();
}

void ConnectionService::closed(const QString &connectionId, const QString &reason)
{
    {
        QMutexLocker lock(&d->mutex);
        const auto it = d->live.find(connectionId);
        if (it == d->live.end() || it->closed)
            return;
        // The server may have recorded the disconnect itself; the trail holds it once.
        if (it->lastType != u"disconnect"_s)
            d->appendLocked(*it, kConnectionChannel, u"disconnect"_s, reason.toUtf8(), {{u"reason"_s, reason}});
        const QDateTime now = m_clock.now();
        it->record.status = ConnectionStatus::Disconnected;
        it->record.disconnected = now;
        it->record.disconnectReason = reason;
        it->record.lastActivity = now;
        it->record.updated = now;
        it->identityDirty = true;
        it->closed = true;
    }
    // Written before the server moves on: a finished connection is in the store at once.
    if (Status flushed = d->writePending(); !flushed)
        qWarning("connections: cannot write a closed connection: %s", qPrintable(flushed.error().message));
    scheduleFlush();
}

// --- list and search ------------------------------------------------------

namespace {

struct Filter
{
    QStringList clauses;
    QVariantList bindings;

    void add(const QString &clause, const QVariantList &values = {})
    {
        clauses.append(clause);
        bindings.append(values);
    }
    void addIn(const QString &column, const QStringList &values)
    {
        if (!values.isEmpty())
            add(u"%1 IN (%2)"_s.arg(column, placeholders(values.size())), variants(values));
    }
    void addRange(const QString &column, const TimeRange &range)
    {
        if (range.from.isValid())
            add(column + u" >= ?"_s, {sql::toStoreTime(range.from)});
        if (range.to.isValid())
            add(column + u" <= ?"_s, {sql::toStoreTime(range.to)});
    }
    QString where() const { return clauses.isEmpty() ? QString() : u" WHERE "_s + clauses.join(u" AND "_s); }
};

Result<QStringList> upperValues(const QStringList &values, const QStringList &allowed, const QString &location)
{
    QStringList list;
    for (const QString &value : values) {
        const QString upper = value.trimmed().toUpper();
        if (!allowed.isEmpty() && !allowed.contains(upper))
            return Error::invalid(u"unknown value '%1'; use any of: %2"_s.arg(value, allowed.join(u", "_s)), location);
        if (!list.contains(upper))
            list.append(upper);
    }
    return list;
}

// The rows the full-text index finds for a keyword, up to `cap` of them:
// cheap for a rare keyword, bounded for a common one. Sorted.
Result<QList<qint64>> probeKeyword(const QSqlDatabase &db, const QString &keyword, qint64 cap)
{
    Result<QSqlQuery> rows = select(db, u"SELECT rowid FROM connections_fts WHERE search_text LIKE ? LIMIT ?"_s,
                                    {QString(u"%"_s + keyword + u"%"_s), cap});
    if (!rows)
        return rows.error();
    QList<qint64> found;
    while (rows.value().next())
        found.append(rows.value().value(0).toLongLong());
    std::sort(found.begin(), found.end());
    return found;
}

// Keywords: every one must match (AND), each as a case-insensitive substring
// of the search text or of the status name.
//
// PostgreSQL: LIKE on search_text, which the pg_trgm index answers; its planner
// weighs the index against reading the table by its own statistics.
// SQLite: the trigram index (FTS5) finds the rows of a rare keyword at once but
// is slower than reading every row for a keyword that most rows hold. So each
// keyword is looked up in the index, taking no more than a bound of rows; the
// smallest complete set of rows found then drives the query (the page and the
// count read only those rows). When every keyword reaches the bound, the page
// walks its sort index until it has its rows (quick: matches are many) and the
// count reads the search text index. Either way the LIKE on the row decides,
// so the trigram index only ever narrows. Keywords shorter than a trigram, or
// holding a LIKE wildcard, cannot use it.
Status addKeywords(Filter &filter, const QStringList &keywords, const QSqlDatabase &db, bool postgres)
{
    const QString escape = postgres ? QString() : u" ESCAPE '\\'"_s;
    std::optional<QList<qint64>> narrowest;
    qint64 cap = 0;
    for (const QString &keyword : keywords) {
        QStringList statuses;
        for (ConnectionStatus status : {ConnectionStatus::Connected, ConnectionStatus::Disconnected}) {
            if (connectionStatusName(status).toLower().contains(keyword))
                statuses.append(connectionStatusName(status));
        }
        if (statuses.size() == 2)
            continue; // matches every row
        const QString pattern = u"%"_s + escapeLike(keyword) + u"%"_s;
        if (statuses.isEmpty())
            filter.add(u"c.search_text LIKE ?"_s + escape, {pattern});
        else
            filter.add(u"(c.search_text LIKE ?%1 OR c.status = ?)"_s.arg(escape), {pattern, statuses.first()});

        if (postgres || !statuses.isEmpty() || keyword.size() < 3 || keyword.contains(u'%') || keyword.contains(u'_'))
            continue;
        if (narrowest && narrowest->size() < 100)
            continue; // narrow enough: more lookups would cost more than they save
        if (cap == 0) {
            // The bound grows with the table: reading every search text costs
            // about as much as fetching a fiftieth of the rows one by one.
            Result<qint64> rows = scalar(db, u"SELECT COALESCE(MAX(seq), 0) FROM connections"_s);
            if (!rows)
                return rows.error();
            cap = std::clamp<qint64>(rows.value() / 50, 1000, 20000);
        }
        Result<QList<qint64>> found = probeKeyword(db, keyword, cap);
        if (!found)
            return found.error();
        if (found->size() < cap && (!narrowest || found->size() < narrowest->size()))
            narrowest = std::move(found.value());
    }
    if (narrowest) {
        if (narrowest->isEmpty()) {
            filter.add(u"0 = 1"_s);
        } else {
            // Numbers from the store, written into the statement: SQLite looks
            // up bound parameters by name, one by one, which thousands of them make slow.
            QStringList list;
            list.reserve(narrowest->size());
            for (const qint64 seq : std::as_const(*narrowest))
                list.append(QString::number(seq));
            filter.add(u"c.seq IN (%1)"_s.arg(list.join(u',')));
        }
    }
    return {};
}

} // namespace

Result<ConnectionPage> ConnectionService::search(const ConnectionQuery &query) const
{
    if (Status page = validatePage(query.offset, query.limit); !page)
        return page.error();
    const QString sortKey = query.sortKey.isEmpty() ? u"id"_s : query.sortKey.toLower();
    const auto sort = sortColumns().find(sortKey);
    if (sort == sortColumns().end())
        return Error::invalid(u"cannot sort by '%1'; use one of: %2"_s.arg(query.sortKey, sortKeyList()), u"sortkey"_s);
    const QStringList keywords = splitKeywords(query.keywords);
    if (keywords.size() > kMaxKeywords)
        return Error::invalid(u"at most %1 keywords"_s.arg(kMaxKeywords), u"keywords"_s);
    for (const QString &keyword : keywords) {
        if (keyword.size() > kMaxKeywordLength)
            return Error::invalid(u"a keyword is longer than %1 characters"_s.arg(kMaxKeywordLength), u"keywords"_s);
    }
    Result<QStringList> statuses = upperValues(query.statuses, {u"CONNECTED"_s, u"DISCONNECTED"_s}, u"status"_s);
    if (!statuses)
        return statuses.error();
    Result<QStringList> types = upperValues(query.types, {}, u"type"_s);
    Result<QStringList> methods = upperValues(query.authenticationMethods, {}, u"authentication_method"_s);

    const bool postgres = m_database.isPostgres();
    QSqlDatabase db = m_database.connection();
    Filter filter;
    filter.addIn(u"c.id"_s, query.ids);
    filter.addIn(u"c.proxy_id"_s, query.proxyIds);
    filter.addIn(u"c.type"_s, types.value());
    filter.addIn(u"c.user_id"_s, query.userIds);
    filter.addIn(u"c.user_display_name"_s, query.userDisplayNames);
    filter.addIn(u"c.remote_address"_s, query.remoteAddresses);
    filter.addIn(u"c.status"_s, statuses.value());
    if (!methods->isEmpty()) {
        QStringList any;
        QVariantList patterns;
        for (const QString &method : methods.value()) {
            any.append(u"c.authentication_methods LIKE ?"_s);
            patterns.append(QString(u"%,"_s + method + u",%"_s));
        }
        filter.add(u"("_s + any.join(u" OR "_s) + u")"_s, patterns);
    }
    if (!query.accessRoles.isEmpty())
        filter.add(
            u"EXISTS (SELECT 1 FROM connection_access_roles g WHERE g.connection_id = c.id AND g.role_id IN (%1))"_s
                .arg(placeholders(query.accessRoles.size())),
            variants(query.accessRoles));
    if (!query.tags.isEmpty())
        filter.add(u"EXISTS (SELECT 1 FROM connection_tags t WHERE t.connection_id = c.id AND t.tag IN (%1))"_s.arg(
                       placeholders(query.tags.size())),
                   variants(query.tags));
    if (query.hasAccessRoles.has_value())
        filter.add(u"%1 EXISTS (SELECT 1 FROM connection_access_roles g WHERE g.connection_id = c.id)"_s.arg(
            *query.hasAccessRoles ? QString() : u"NOT"_s));
    if (query.forceDisconnected.has_value())
        filter.add(*query.forceDisconnected ? u"c.force_disconnect IS NOT NULL"_s : u"c.force_disconnect IS NULL"_s);
    filter.addRange(u"c.connected"_s, query.connected);
    filter.addRange(u"c.disconnected"_s, query.disconnected);
    filter.addRange(u"c.last_activity"_s, query.lastActivity);
    if (Status added = addKeywords(filter, keywords, db, postgres); !added)
        return added.error();

    const QString direction = query.descending ? u"DESC"_s : u"ASC"_s;
    QString nulls;
    if (postgres && sort->second == u"c.disconnected"_s)
        nulls = query.descending ? u" NULLS LAST"_s : u" NULLS FIRST"_s;
    QString order = u" ORDER BY %1 %2%3"_s.arg(sort->second, direction, nulls);
    if (sort->second != u"c.id"_s)
        order += u", c.id "_s + direction;

    // The page's ids first, by the index alone; then the rows of those ids.
    QVariantList pageBindings = filter.bindings;
    pageBindings << query.limit << query.offset;
    Result<QSqlQuery> ids = select(
        db, u"SELECT c.id FROM connections c"_s + filter.where() + order + u" LIMIT ? OFFSET ?"_s, pageBindings);
    if (!ids)
        return ids.error();
    QStringList pageIds;
    while (ids.value().next())
        pageIds.append(ids.value().value(0).toString());

    ConnectionPage page;
    if (!pageIds.isEmpty() && pageIds.size() < query.limit) {
        page.count = query.offset + pageIds.size(); // the last page: nothing to count
    } else {
        Result<qint64> count = filter.clauses.isEmpty()
            ? scalar(db, u"SELECT value FROM connection_totals WHERE name = 'connections'"_s)
            : scalar(db, u"SELECT COUNT(*) FROM connections c"_s + filter.where(), filter.bindings);
        if (!count)
            return count.error();
        page.count = count.value();
    }
    if (pageIds.isEmpty())
        return page;

    Result<QSqlQuery> rows
        = select(db, u"SELECT %1 FROM connections WHERE id IN (%2)"_s.arg(kRecordColumns, placeholders(pageIds.size())),
                 variants(pageIds));
    if (!rows)
        return rows.error();
    QHash<QString, ConnectionRecord> byId;
    while (rows.value().next()) {
        ConnectionRecord record = recordFromRow(rows.value());
        byId.insert(record.id, std::move(record));
    }
    const QVariantList idValues = variants(pageIds);
    const QString in = placeholders(pageIds.size());
    Result<QSqlQuery> tags = select(
        db, u"SELECT connection_id, tag FROM connection_tags WHERE connection_id IN (%1) ORDER BY tag"_s.arg(in),
        idValues);
    if (!tags)
        return tags.error();
    while (tags.value().next()) {
        if (auto it = byId.find(tags.value().value(0).toString()); it != byId.end())
            it->tags.append(tags.value().value(1).toString());
    }
    Result<QSqlQuery> roles = select(db,
                                     u"SELECT g.connection_id, r.id, r.name, g.added FROM connection_access_roles g"
                                     " JOIN access_roles r ON r.id = g.role_id WHERE g.connection_id IN (%1)"
                                     " ORDER BY g.added, r.name"_s.arg(in),
                                     idValues);
    if (!roles)
        return roles.error();
    while (roles.value().next()) {
        if (auto it = byId.find(roles.value().value(0).toString()); it != byId.end())
            it->accessRoles.append(
                AccessRoleGrant{{roles.value().value(1).toString(), roles.value().value(2).toString()},
                                sql::fromStoreTime(roles.value().value(3))});
    }
    if (query.withTrail) {
        Result<QSqlQuery> channels
            = select(db,
                     u"SELECT connection_id, channel_id, type, bytes_client_to_server, bytes_server_to_client"
                     " FROM connection_channels WHERE connection_id IN (%1) ORDER BY connection_id, position"_s.arg(in),
                     idValues);
        if (!channels)
            return channels.error();
        while (channels.value().next()) {
            const QSqlQuery &row = channels.value();
            if (auto it = byId.find(row.value(0).toString()); it != byId.end())
                it->channels.append(TrailChannel{row.value(1).toString(), row.value(2).toString(),
                                                 row.value(3).toLongLong(), row.value(4).toLongLong()});
        }
    }
    for (const QString &id : std::as_const(pageIds)) {
        if (auto it = byId.find(id); it != byId.end())
            page.items.append(std::move(*it));
    }
    d->overlayLive(page.items);
    return page;
}

Result<ConnectionRecord> ConnectionService::get(const QString &id) const
{
    if (Status flushed = d->writePending(); !flushed)
        return flushed.error();
    ConnectionQuery query;
    query.ids = {id};
    query.limit = 1;
    Result<ConnectionPage> page = search(query);
    if (!page)
        return page.error();
    if (page->items.isEmpty())
        return Error::notFound(u"no connection has the id %1"_s.arg(id));
    return page->items.first();
}

// --- tags -----------------------------------------------------------------

Result<QStringList> ConnectionService::tags(const QString &prefix, qint64 offset, int limit, bool descending,
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

Status ConnectionService::setTags(const QString &connectionId, const QStringList &tags, const Actor &actor)
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
    if (Status flushed = d->writePending(); !flushed)
        return flushed;

    const QDateTime now = m_clock.now();
    const QString by = actor.id.isEmpty() ? actorName(actor) : actor.id;
    QMutexLocker writeLock(&d->writeMutex);
    QSqlDatabase db = m_database.connection();
    Status done = sql::inTransaction(db, [&]() -> Status {
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
    {
        QMutexLocker lock(&d->mutex);
        if (auto it = d->live.find(connectionId); it != d->live.end()) {
            it->tags = normalized;
            it->record.updated = now;
            it->record.updatedBy = by;
        }
        d->changed.insert(connectionId);
    }
    writeLock.unlock();
    announceSoon();
    return {};
}

// --- access roles -----------------------------------------------------------

Result<QList<AccessRole>> ConnectionService::roles() const
{
    Result<QSqlQuery> rows = select(m_database.connection(), u"SELECT id, name FROM access_roles ORDER BY name, id"_s);
    if (!rows)
        return rows.error();
    QList<AccessRole> list;
    while (rows.value().next())
        list.append(AccessRole{rows.value().value(0).toString(), rows.value().value(1).toString()});
    return list;
}

Result<AccessRole> ConnectionService::createRole(const QString &name)
{
    const QString trimmed = name.trimmed();
    if (trimmed.isEmpty())
        return Error::invalid(u"a role needs a name"_s, u"name"_s);
    if (trimmed.size() > kMaxRoleNameLength)
        return Error::invalid(u"a role name is at most %1 characters"_s.arg(kMaxRoleNameLength), u"name"_s);
    QSqlDatabase db = m_database.connection();
    const AccessRole role{QUuid::createUuid().toString(QUuid::WithoutBraces), trimmed};
    Status done = sql::inTransaction(db, [&]() -> Status {
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

namespace {

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

Result<QList<AccessRoleGrant>> ConnectionService::accessRoles(const QString &connectionId) const
{
    if (Status flushed = d->writePending(); !flushed)
        return flushed.error();
    QSqlDatabase db = m_database.connection();
    Result<bool> found = d->exists(db, connectionId);
    if (!found)
        return found.error();
    if (!found.value())
        return Error::notFound(u"no connection has the id %1"_s.arg(connectionId));
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

Status ConnectionService::grantRole(const QString &connectionId, const QString &roleId, const Actor &actor)
{
    if (Status flushed = d->writePending(); !flushed)
        return flushed;
    QSqlDatabase db = m_database.connection();
    Status done = sql::inTransaction(db, [&]() -> Status {
        Result<bool> found = d->exists(db, connectionId);
        if (!found)
            return found.error();
        if (!found.value())
            return Error::notFound(u"no connection has the id %1"_s.arg(connectionId));
        Result<AccessRole> role = findRole(db, roleId);
        if (!role)
            return role.error();
        // Granting twice keeps the first grant and its time.
        Result<QSqlQuery> granted
            = sql::exec(db,
                        u"INSERT INTO connection_access_roles (connection_id, role_id, added, added_by)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (connection_id, role_id) DO NOTHING"_s,
                        {connectionId, roleId, sql::toStoreTime(m_clock.now()), actorName(actor)});
        if (!granted)
            return granted.error();
        return m_audit.record(db, actor, u"connection.role.grant"_s, u"connection"_s, connectionId,
                              {{u"role_id"_s, roleId}, {u"role"_s, role->name}});
    });
    if (!done)
        return done;
    {
        QMutexLocker lock(&d->mutex);
        d->changed.insert(connectionId);
    }
    announceSoon();
    return {};
}

Status ConnectionService::revokeRole(const QString &connectionId, const QString &roleId, const Actor &actor)
{
    if (Status flushed = d->writePending(); !flushed)
        return flushed;
    QSqlDatabase db = m_database.connection();
    Status done = sql::inTransaction(db, [&]() -> Status {
        Result<bool> found = d->exists(db, connectionId);
        if (!found)
            return found.error();
        if (!found.value())
            return Error::notFound(u"no connection has the id %1"_s.arg(connectionId));
        Result<AccessRole> role = findRole(db, roleId);
        if (!role)
            return role.error();
        Result<QSqlQuery> revoked
            = sql::exec(db, u"DELETE FROM connection_access_roles WHERE connection_id = ? AND role_id = ?"_s,
                        {connectionId, roleId});
        if (!revoked)
            return revoked.error();
        return m_audit.record(db, actor, u"connection.role.revoke"_s, u"connection"_s, connectionId,
                              {{u"role_id"_s, roleId}, {u"role"_s, role->name}});
    });
    if (!done)
        return done;
    {
        QMutexLocker lock(&d->mutex);
        d->changed.insert(connectionId);
    }
    announceSoon();
    return {};
}

Status ConnectionService::revokeRoleEverywhere(const QString &roleId, const Actor &actor)
{
    QSqlDatabase db = m_database.connection();
    QStringList affected;
    Status done = sql::inTransaction(db, [&]() -> Status {
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
    {
        QMutexLocker lock(&d->mutex);
        for (const QString &id : std::as_const(affected))
            d->changed.insert(id);
    }
    announceSoon();
    return {};
}

// --- terminate --------------------------------------------------------------

Status ConnectionService::terminate(const QString &connectionId, const Actor &actor)
{
    const QString reason = u"terminated by %1"_s.arg(actorName(actor));
    ConnectionTerminator *terminator = nullptr;
    bool live = false;
    {
        QMutexLocker lock(&d->mutex);
        const auto it = d->live.find(connectionId);
        live = it != d->live.end() && !it->closed;
        terminator = d->terminator;
        if (live && terminator) {
            // In the trail before the connection ends, so it reads in the order things happened.
            QJsonObject detail{{u"reason"_s, reason}, {u"actor"_s, actorJson(actor)}};
            d->appendLocked(*it, kConnectionChannel, u"terminate"_s, reason.toUtf8(), detail);
            const QDateTime now = m_clock.now();
            it->record.forceDisconnect = now;
            it->record.updated = now;
            it->record.updatedBy = actor.id.isEmpty() ? actorName(actor) : actor.id;
            it->identityDirty = true;
        }
    }
    if (!live) {
        Result<bool> found = d->exists(m_database.connection(), connectionId);
        if (!found)
            return found.error();
        if (!found.value())
            return Error::notFound(u"no connection has the id %1"_s.arg(connectionId));
        return Error::conflict(u"the connection %1 is not live on this Keystead instance"_s.arg(connectionId));
    }
    if (!terminator)
        return Error::conflict(u"no SSH server runs on this Keystead instance to end the connection"_s);
    if (Status flushed = d->writePending(); !flushed)
        return flushed;
    if (Status audited
        = m_audit.record(actor, u"connection.terminate"_s, u"connection"_s, connectionId, {{u"reason"_s, reason}});
        !audited)
        qWarning("connections: cannot record the termination in the audit log: %s",
                 qPrintable(audited.error().message));
    {
        QMutexLocker lock(&d->mutex);
        d->changed.insert(connectionId);
    }
    announceSoon();
    // No lock is held here: the server may report closed() before this returns.
    if (!terminator->terminate(connectionId, reason))
        return Error::conflict(u"the connection %1 ended before it could be terminated"_s.arg(connectionId));
    return {};
}

// --- trails -----------------------------------------------------------------

namespace {

const QString kTrailColumns = u"connection_id, sequence, channel_id, at, type, data, detail, previous_hash, hash"_s;

TrailEvent eventFromRow(const QSqlQuery &row)
{
    TrailEvent event;
    event.connectionId = row.value(0).toString();
    event.sequence = row.value(1).toLongLong();
    event.channelId = row.value(2).toString();
    event.at = sql::fromStoreTime(row.value(3));
    event.type = row.value(4).toString();
    event.data = row.value(5).toByteArray();
    event.detail = QJsonDocument::fromJson(row.value(6).toString().toUtf8()).object();
    event.previousHash = QByteArray::fromHex(row.value(7).toString().toLatin1());
    event.hash = QByteArray::fromHex(row.value(8).toString().toLatin1());
    return event;
}

Result<QSqlQuery> trailRows(const QSqlDatabase &db, const QString &connectionId, const QString &channelId,
                            const QStringList &types)
{
    QString statement = u"SELECT %1 FROM trail_events WHERE connection_id = ?"_s.arg(kTrailColumns);
    QVariantList bindings{connectionId};
    if (!channelId.isEmpty()) {
        statement += u" AND channel_id = ?"_s;
        bindings.append(channelId);
    }
    if (!types.isEmpty()) {
        statement += u" AND type IN (%1)"_s.arg(placeholders(types.size()));
        bindings.append(variants(types));
    }
    return select(db, statement + u" ORDER BY sequence"_s, bindings);
}

} // namespace

Result<QList<TrailEvent>> ConnectionService::trail(const QString &connectionId, const QString &channelId,
                                                   const QStringList &types) const
{
    const QStringList wanted = normalizedTypes(types);
    if (Status valid = validateTypes(wanted, u"types"_s); !valid)
        return valid.error();
    if (Status flushed = d->writePending(); !flushed)
        return flushed.error();
    QSqlDatabase db = m_database.connection();
    Result<bool> found = d->exists(db, connectionId);
    if (!found)
        return found.error();
    if (!found.value())
        return Error::notFound(u"no connection has the id %1"_s.arg(connectionId));
    Result<QSqlQuery> rows = trailRows(db, connectionId, channelId, wanted);
    if (!rows)
        return rows.error();
    QList<TrailEvent> events;
    while (rows.value().next())
        events.append(eventFromRow(rows.value()));
    return events;
}

namespace {

// Checks each checkpoint on its own: its signature under the key it names, and
// the trail's stored hash at its sequence against the hash it signed. The chain
// walk has already checked every stored hash against its event.
Result<CheckpointVerification> verifyCheckpoints(const QSqlDatabase &db, const QString &connectionId)
{
    Result<QSqlQuery> rows
        = select(db,
                 u"SELECT k.sequence, k.trail_head, k.signed_at, k.key_fingerprint, k.signature, p.public_key, t.hash"
                 " FROM trail_checkpoints k"
                 " LEFT JOIN trail_timestamp_keys p ON p.fingerprint = k.key_fingerprint"
                 " LEFT JOIN trail_events t ON t.connection_id = k.connection_id AND t.sequence = k.sequence"
                 " WHERE k.connection_id = ? ORDER BY k.sequence"_s,
                 {connectionId});
    if (!rows)
        return rows.error();
    CheckpointVerification result;
    QSqlQuery &row = rows.value();
    while (row.next()) {
        const qint64 sequence = row.value(0).toLongLong();
        const QString signedHead = row.value(1).toString();
        const QDateTime signedAt = sql::fromStoreTime(row.value(2));
        const QString fingerprint = row.value(3).toString();
        const QByteArray signature = QByteArray::fromBase64(row.value(4).toString().toLatin1());
        const QString publicKey = row.value(5).toString();
        const bool eventPresent = !row.value(6).isNull();
        const QString trailHash = row.value(6).toString();
        ++result.count;
        if (signedAt.isValid() && (!result.lastSignedAt.isValid() || signedAt > result.lastSignedAt))
            result.lastSignedAt = signedAt;
        if (!fingerprint.isEmpty() && !result.keyFingerprints.contains(fingerprint))
            result.keyFingerprints.append(fingerprint);
        QString failure;
        if (publicKey.isEmpty()) {
            failure = u"the checkpoint at event %1 names the key %2, which is not on record"_s.arg(sequence).arg(
                fingerprint);
        } else if (!signedAt.isValid()
                   || !TrailTimestamper::verifySignature(
                       publicKey,
                       TrailTimestamper::checkpointMessage(connectionId, sequence, signedHead,
                                                           signedAt.toMSecsSinceEpoch()),
                       signature)) {
            failure = u"the checkpoint at event %1 does not verify under the key %2: it was forged or changed"_s
                          .arg(sequence)
                          .arg(fingerprint);
        } else if (!eventPresent) {
            failure = u"event %1, signed at %2, is missing: the trail was cut after it was signed"_s.arg(sequence).arg(
                signedAt.toString(Qt::ISODate));
        } else if (trailHash != signedHead) {
            failure
                = u"event %1 is not the one signed at %2: the trail was rewritten after it was signed"_s.arg(sequence)
                      .arg(signedAt.toString(Qt::ISODate));
        }
        if (failure.isEmpty()) {
            ++result.verified;
        } else if (result.firstFailureSequence == 0) {
            result.firstFailureSequence = sequence;
            result.firstFailure = failure;
        }
    }
    return result;
}

} // namespace

Result<TrailVerification> ConnectionService::verifyTrail(const QString &connectionId) const
{
    Result<TrailCheck> checked = checkTrail(connectionId);
    if (!checked)
        return checked.error();
    return checked->trail;
}

Result<TrailCheck> ConnectionService::checkTrail(const QString &connectionId) const
{
    if (Status flushed = d->writePending(); !flushed)
        return flushed.error();
    QSqlDatabase db = m_database.connection();
    Result<QSqlQuery> head
        = select(db, u"SELECT trail_length, trail_head FROM connections WHERE id = ?"_s, {connectionId});
    if (!head)
        return head.error();
    if (!head.value().next())
        return Error::notFound(u"no connection has the id %1"_s.arg(connectionId));
    const qint64 recordedLength = head.value().value(0).toLongLong();
    const QString recordedHead = head.value().value(1).toString();
    head.value().finish();

    // Read as stored, never through eventFromRow: the hash covers the stored text.
    Result<QSqlQuery> rows = select(db,
                                    u"SELECT sequence, channel_id, at, type, data, detail, previous_hash, hash"
                                    " FROM trail_events WHERE connection_id = ? ORDER BY sequence"_s,
                                    {connectionId});
    if (!rows)
        return rows.error();
    TrailVerification result;
    QString previous = QString::fromLatin1(zeroHash().toHex());
    qint64 expected = 1;
    auto broken = [&result](qint64 sequence, const QString &message) {
        result.intact = false;
        result.brokenAtSequence = sequence;
        result.message = message;
    };
    QSqlQuery &row = rows.value();
    while (row.next()) {
        const qint64 sequence = row.value(0).toLongLong();
        const QString previousHash = row.value(6).toString();
        const QString hash = row.value(7).toString();
        if (sequence != expected) {
            broken(sequence,
                   u"event %1 follows event %2: the events between are missing"_s.arg(sequence).arg(expected - 1));
            break;
        }
        if (previousHash != previous) {
            broken(sequence,
                   u"event %1 does not link to the event before it: an event was removed or moved"_s.arg(sequence));
            break;
        }
        const QByteArray computed = chainHash(QByteArray::fromHex(previousHash.toLatin1()), connectionId, sequence,
                                              row.value(1).toString(), row.value(2).toString(), row.value(3).toString(),
                                              row.value(4).toByteArray(), row.value(5).toString().toUtf8());
        if (QString::fromLatin1(computed.toHex()) != hash) {
            broken(sequence, u"event %1 was changed: its content does not match its hash"_s.arg(sequence));
            break;
        }
        previous = hash;
        ++result.eventCount;
        ++expected;
    }
    if (result.intact && result.eventCount < recordedLength)
        broken(result.eventCount + 1,
               u"the trail ends at event %1 but %2 were recorded: the last events are missing"_s.arg(result.eventCount)
                   .arg(recordedLength));
    else if (result.intact && result.eventCount > 0 && result.eventCount == recordedLength && previous != recordedHead)
        broken(result.eventCount, u"the last event differs from the one recorded: the trail was rewritten"_s);
    row.finish();

    Result<CheckpointVerification> checkpoints = verifyCheckpoints(db, connectionId);
    if (!checkpoints)
        return checkpoints.error();
    const CheckpointVerification &signedPart = checkpoints.value();
    if (result.intact && signedPart.firstFailureSequence > 0)
        broken(signedPart.firstFailureSequence, signedPart.firstFailure);
    if (result.intact) {
        result.message = u"the trail is intact: %1 events, each linked to the one before"_s.arg(result.eventCount);
        if (signedPart.count > 0)
            result.message += u"; %1 signed checkpoint(s) verified, the last signed at %2"_s.arg(signedPart.verified)
                                  .arg(signedPart.lastSignedAt.toString(Qt::ISODate));
    }
    return TrailCheck{result, signedPart};
}

Result<QString> ConnectionService::createLogSession(const QString &connectionId, const QString &channelId)
{
    if (Status flushed = d->writePending(); !flushed)
        return flushed.error();
    QSqlDatabase db = m_database.connection();
    Result<bool> found = d->exists(db, connectionId);
    if (!found)
        return found.error();
    if (!found.value())
        return Error::notFound(u"no connection has the id %1"_s.arg(connectionId));
    if (channelId != kConnectionChannel) {
        Result<qint64> channel
            = scalar(db, u"SELECT COUNT(*) FROM connection_channels WHERE connection_id = ? AND channel_id = ?"_s,
                     {connectionId, channelId});
        if (!channel)
            return channel.error();
        Result<qint64> events = channel.value() > 0
            ? Result<qint64>(1)
            : scalar(db, u"SELECT COUNT(*) FROM trail_events WHERE connection_id = ? AND channel_id = ?"_s,
                     {connectionId, channelId});
        if (!events)
            return events.error();
        if (events.value() == 0)
            return Error::notFound(u"the connection %1 has no channel %2"_s.arg(connectionId, channelId));
    }
    const QDateTime now = m_clock.now();
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    Status done = sql::inTransaction(db, [&]() -> Status {
        if (Result<QSqlQuery> expired
            = sql::exec(db, u"DELETE FROM connection_log_sessions WHERE expires_at <= ?"_s, {sql::toStoreTime(now)});
            !expired)
            return expired.error();
        Result<QSqlQuery> inserted = sql::exec(
            db,
            u"INSERT INTO connection_log_sessions (id, connection_id, channel_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)"_s,
            {id, connectionId, channelId, sql::toStoreTime(now), sql::toStoreTime(now.addSecs(kLogSessionSeconds))});
        if (!inserted)
            return inserted.error();
        return {};
    });
    if (!done)
        return done.error();
    return id;
}

Result<QByteArray> ConnectionService::downloadLog(const QString &connectionId, const QString &channelId,
                                                  const QString &sessionId, const QString &format,
                                                  const QStringList &types) const
{
    const QString wantedFormat = format.isEmpty() ? u"hex"_s : format.trimmed().toLower();
    if (wantedFormat != u"jsonl"_s && wantedFormat != u"hex"_s)
        return Error::invalid(u"unknown format '%1'; use jsonl or hex"_s.arg(format), u"format"_s);
    const QStringList wanted = normalizedTypes(types);
    if (Status valid = validateTypes(wanted, u"filter"_s); !valid)
        return valid.error();
    if (Status flushed = d->writePending(); !flushed)
        return flushed.error();
    QSqlDatabase db = m_database.connection();
    Result<qint64> session = scalar(db,
                                    u"SELECT COUNT(*) FROM connection_log_sessions WHERE id = ? AND connection_id = ?"
                                    " AND channel_id = ? AND expires_at > ?"_s,
                                    {sessionId, connectionId, channelId, sql::toStoreTime(m_clock.now())});
    if (!session)
        return session.error();
    if (session.value() == 0)
        return Error::notFound(u"no log download session %1 for this channel, or it has expired"_s.arg(sessionId));
    Result<QSqlQuery> rows = trailRows(db, connectionId, channelId, wanted);
    if (!rows)
        return rows.error();
    QByteArray out;
    while (rows.value().next()) {
        const TrailEvent event = eventFromRow(rows.value());
        const QString time = sql::toStoreTime(event.at);
        if (wantedFormat == u"hex"_s) {
            out += time.toUtf8() + ' ' + event.type.toUtf8();
            if (!event.data.isEmpty())
                out += ' ' + event.data.toHex();
            out += '\n';
            continue;
        }
        QJsonObject line{{u"time"_s, time},
                         {u"sequence"_s, event.sequence},
                         {u"channel"_s, event.channelId},
                         {u"type"_s, event.type},
                         {u"detail"_s, event.detail}};
        if (isUtf8(event.data)) {
            line.insert(u"data"_s, QString::fromUtf8(event.data));
        } else {
            line.insert(u"data"_s, QString::fromLatin1(event.data.toBase64()));
            line.insert(u"encoding"_s, u"base64"_s);
        }
        out += QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n';
    }
    return out;
}

// --- retention and activity ---------------------------------------------------

void ConnectionService::setOptionsSource(SshSettingsService *settings)
{
    m_options = settings;
}

SshSettingsService *ConnectionService::optionsSource() const
{
    return m_options;
}

int ConnectionService::retentionDays() const
{
    if (SshSettingsService *options = m_options) {
        Result<SshOptions> read = options->options();
        if (!read) {
            qWarning("connections: the SSH options cannot be read, so no trail is removed: %s",
                     qPrintable(read.error().message));
            return 0;
        }
        if (!read->cleanupEnabled)
            return 0;
        return std::clamp(read->cleanupDays, 1, kMaxRetentionDays);
    }
    bool ok = false;
    const int days = m_settings.value(QString(kRetentionDaysSetting)).toInt(&ok);
    return ok && days >= 0 && days <= kMaxRetentionDays ? days : kDefaultRetentionDays;
}

Status ConnectionService::setRetentionDays(int days)
{
    if (m_options)
        return Error::conflict(u"trail retention follows the SSH options (audit.cleanup): change them there"_s);
    if (days < 0 || days > kMaxRetentionDays)
        return Error::invalid(u"trails are kept 0 (for ever) to %1 days, not %2"_s.arg(kMaxRetentionDays).arg(days),
                              u"days"_s);
    return m_settings.setValue(QString(kRetentionDaysSetting), QString::number(days));
}

Result<int> ConnectionService::sweepExpiredTrails()
{
    const int days = retentionDays();
    if (days == 0)
        return 0;
    Result<int> removed = removeOlderThan(days);
    if (removed && removed.value() > 0)
        qInfo("connections: removed %d connection(s) older than %d days", removed.value(), days);
    return removed;
}

void ConnectionService::startRetentionSweep(int intervalMs)
{
    auto *sweep = new QTimer(this);
    sweep->setInterval(intervalMs);
    const auto run = [this] {
        Result<int> removed = sweepExpiredTrails();
        if (!removed)
            qWarning("connections: trail cleanup failed: %s", qPrintable(removed.error().message));
    };
    connect(sweep, &QTimer::timeout, this, run);
    sweep->start();
    QTimer::singleShot(0, this, run);
}

Result<int> ConnectionService::removeOlderThan(int days)
{
    if (days < 1)
        return Error::invalid(u"trails are kept at least one day, not %1"_s.arg(days), u"days"_s);
    const QString cutoff = sql::toStoreTime(m_clock.now().addDays(-days));
    QSqlDatabase db = m_database.connection();
    int removed = 0;
    QStringList removedIds;
    for (;;) {
        QStringList ids;
        Status done = sql::inTransaction(db, [&]() -> Status {
            Result<QSqlQuery> rows = select(db,
                                            u"SELECT id FROM connections WHERE status = 'DISCONNECTED'"
                                            " AND disconnected < ? LIMIT ?"_s,
                                            {cutoff, kRetentionChunk});
            if (!rows)
                return rows.error();
            while (rows.value().next())
                ids.append(rows.value().value(0).toString());
            rows.value().finish();
            if (ids.isEmpty())
                return {};
            // The children go with their connection (ON DELETE CASCADE).
            Result<QSqlQuery> deleted = sql::exec(
                db, u"DELETE FROM connections WHERE id IN (%1)"_s.arg(placeholders(ids.size())), variants(ids));
            if (!deleted)
                return deleted.error();
            return {};
        });
        if (!done)
            return done.error();
        if (ids.isEmpty())
            break;
        removed += static_cast<int>(ids.size());
        removedIds += ids;
    }
    if (removed > 0) {
        {
            QMutexLocker lock(&d->mutex);
            for (const QString &id : std::as_const(removedIds))
                d->changed.insert(id);
        }
        announceSoon();
    }
    return removed;
}

Result<QList<ConnectionService::ActivityBucket>> ConnectionService::activity(const QDateTime &from, const QDateTime &to,
                                                                             int buckets) const
{
    if (!from.isValid())
        return Error::invalid(u"the chart needs a start"_s, u"from"_s);
    if (!to.isValid() || to <= from)
        return Error::invalid(u"the chart's end must come after its start"_s, u"to"_s);
    if (buckets < 1 || buckets > kMaxBuckets)
        return Error::invalid(u"buckets must be between 1 and %1, not %2"_s.arg(kMaxBuckets).arg(buckets),
                              u"buckets"_s);
    const qint64 span = from.msecsTo(to);
    QList<ActivityBucket> list;
    list.reserve(buckets);
    QStringList bounds;
    for (int i = 0; i <= buckets; ++i) {
        const QDateTime start = from.addMSecs(span * i / buckets);
        bounds.append(sql::toStoreTime(start));
        if (i < buckets)
            list.append(ActivityBucket{start.toUTC(), 0, 0});
    }
    QSqlDatabase db = m_database.connection();
    // One index range count per bucket: the cost follows the rows in the chart, not the table.
    for (int i = 0; i < buckets; ++i) {
        Result<qint64> count = scalar(db, u"SELECT COUNT(*) FROM connections WHERE connected >= ? AND connected < ?"_s,
                                      {bounds.at(i), bounds.at(i + 1)});
        if (!count)
            return count.error();
        list[i].connections = static_cast<int>(count.value());
    }
    Result<QSqlQuery> keys = select(db,
                                    u"SELECT created_at FROM collect_keys WHERE state = 'collected'"
                                    " AND created_at >= ? AND created_at < ?"_s,
                                    {bounds.first(), bounds.last()});
    if (!keys)
        return keys.error();
    while (keys.value().next()) {
        const QString at = keys.value().value(0).toString();
        const auto upper = std::upper_bound(bounds.cbegin(), bounds.cend(), at);
        const qsizetype index = std::distance(bounds.cbegin(), upper) - 1;
        if (index >= 0 && index < buckets)
            ++list[index].keysCollected;
    }
    return list;
}

// --- bulk -------------------------------------------------------------------

Status ConnectionService::insertRecords(const QList<ConnectionRecord> &records)
{
    const QDateTime now = m_clock.now();
    QSqlDatabase db = m_database.connection();
    // PostgreSQL: many rows per statement saves a round trip per row. SQLite:
    // one prepared row, run again and again; Qt hands SQLite positional
    // parameters as names, which SQLite looks up one by one, so a statement
    // with thousands of them costs more to prepare than the rows to insert.
    const qsizetype rowsPerStatement = m_database.isPostgres() ? kBulkRows : 1;
    QMutexLocker writeLock(&d->writeMutex);
    return sql::inTransaction(db, [&]() -> Status {
        const QString tuple = u"("_s + placeholders(kInsertColumnCount) + u")"_s;
        Prepared single(db, u"INSERT INTO connections (%1) VALUES %2"_s.arg(kInsertColumns, tuple));
        Prepared singleTag(db, u"INSERT INTO connection_tags (connection_id, tag) VALUES (?, ?)"_s);
        Prepared singleChannel(db,
                               u"INSERT INTO connection_channels (connection_id, channel_id, position, type,"
                               " bytes_client_to_server, bytes_server_to_client) VALUES (?, ?, ?, ?, ?, ?)"_s);
        for (qsizetype start = 0; start < records.size(); start += rowsPerStatement) {
            const qsizetype rows = std::min<qsizetype>(rowsPerStatement, records.size() - start);
            QStringList tuples;
            QVariantList values;
            values.reserve(rows * kInsertColumnCount);
            QList<QVariantList> tagRows;
            QList<QVariantList> channelRows;
            for (qsizetype i = start; i < start + rows; ++i) {
                const ConnectionRecord &record = records.at(i);
                tuples.append(tuple);
                values.append(insertValues(record, record.tags, durationMs(record, now), 0, {}));
                for (const QString &tag : record.tags)
                    tagRows.append({record.id, tag});
                for (qsizetype c = 0; c < record.channels.size(); ++c) {
                    const TrailChannel &channel = record.channels.at(c);
                    channelRows.append({record.id, channel.id, static_cast<int>(c), text(channel.type),
                                        channel.bytesClientToServer, channel.bytesServerToClient});
                }
            }
            if (rows == 1) {
                if (Status inserted = single.run(values); !inserted)
                    return inserted;
                for (const QVariantList &tag : std::as_const(tagRows)) {
                    if (Status inserted = singleTag.run(tag); !inserted)
                        return inserted;
                }
                for (const QVariantList &channel : std::as_const(channelRows)) {
                    if (Status inserted = singleChannel.run(channel); !inserted)
                        return inserted;
                }
                continue;
            }
            Result<QSqlQuery> inserted = sql::exec(
                db, u"INSERT INTO connections (%1) VALUES %2"_s.arg(kInsertColumns, tuples.join(u", "_s)), values);
            if (!inserted)
                return inserted.error();
            if (!tagRows.isEmpty()) {
                QVariantList flat;
                for (const QVariantList &tag : std::as_const(tagRows))
                    flat += tag;
                Result<QSqlQuery> tagged = sql::exec(db,
                                                     u"INSERT INTO connection_tags (connection_id, tag) VALUES "_s
                                                         + QStringList(tagRows.size(), u"(?, ?)"_s).join(u", "_s),
                                                     flat);
                if (!tagged)
                    return tagged.error();
            }
            if (!channelRows.isEmpty()) {
                QVariantList flat;
                for (const QVariantList &channel : std::as_const(channelRows))
                    flat += channel;
                Result<QSqlQuery> channels
                    = sql::exec(db,
                                u"INSERT INTO connection_channels (connection_id, channel_id, position, type,"
                                " bytes_client_to_server, bytes_server_to_client) VALUES "_s
                                    + QStringList(channelRows.size(), u"(?, ?, ?, ?, ?, ?)"_s).join(u", "_s),
                                flat);
                if (!channels)
                    return channels.error();
            }
        }
        return {};
    });
}

} // namespace keystead
