#include "connections/TrailRecorder.h"

#include "common/Clock.h"
#include "connections/ConnectionRows.h"
#include "store/Database.h"
#include "store/SettingKeys.h"
#include "store/SettingsStore.h"
#include "store/Sql.h"

#include <QHash>
#include <QJsonDocument>
#include <QMutexLocker>
#include <QSet>
#include <QSysInfo>
#include <QUuid>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead {

using namespace connection_rows;
using sql::text;

namespace {

// Past either size the recorder call that crosses it writes the buffer itself,
// so a burst of terminal output cannot grow memory without bound.
constexpr int kFlushEvents = 2000;
constexpr qint64 kFlushBytes = qint64(4) << 20;
// Rows per statement when records are inserted in bulk (PostgreSQL takes at most 65535 parameters).
constexpr int kBulkRows = 400;

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

class TrailRecorder::Private
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

    Database &m_database;
    const Clock &m_clock;
    QString proxyId;

    mutable QMutex mutex; // guards everything below
    QHash<QString, LiveConnection> live;
    QList<PendingEvent> events;
    qint64 pendingBytes = 0;
    QSet<QString> changed; // every id to announce
    QSet<QString> added; // of those, the ones first written since the last announcement
    QSet<QString> removed; // and the ones removed
    ConnectionTerminator *terminator = nullptr;

    QMutex writeMutex;
};

void TrailRecorder::Private::appendLocked(LiveConnection &connection, const QString &channelId, const QString &type,
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

Status TrailRecorder::Private::writePending()
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
    for (const ConnectionWrite &write : std::as_const(writes)) {
        touched.insert(write.record.id);
        if (write.insert)
            added.insert(write.record.id);
    }
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

TrailRecorder::TrailRecorder(Database &database, const Clock &clock, SettingsStore &settings,
                             std::function<void()> wake)
    : d(std::make_unique<Private>(database, clock))
    , m_wake(std::move(wake))
{
    // One id per machine: instances sharing a PostgreSQL database share their Settings too.
    const QString key = QString(setting::kConnectionsProxyIdPrefix) + QSysInfo::machineHostName();
    d->proxyId = settings.value(key);
    if (d->proxyId.isEmpty()) {
        d->proxyId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        if (Status saved = settings.setValue(key, d->proxyId); !saved)
            qWarning("connections: cannot keep the instance id: %s", qPrintable(saved.error().message));
    }
    // Connections this instance held when it last stopped without closing them are over.
    Result<QSqlQuery> ended = sql::exec(
        database.connection(),
        u"UPDATE connections SET status = 'DISCONNECTED', disconnected = last_activity, disconnect_reason = ?"
        " WHERE status = 'CONNECTED' AND proxy_id = ?"_s,
        {u"Keystead stopped before the connection ended"_s, d->proxyId});
    if (!ended)
        qWarning("connections: cannot close connections left open: %s", qPrintable(ended.error().message));
}

TrailRecorder::~TrailRecorder() = default;

QString TrailRecorder::proxyId() const
{
    return d->proxyId;
}

void TrailRecorder::setTerminator(ConnectionTerminator *terminator)
{
    QMutexLocker lock(&d->mutex);
    d->terminator = terminator;
}

Status TrailRecorder::writePending()
{
    return d->writePending();
}

void TrailRecorder::overlayLive(QList<ConnectionRecord> &records) const
{
    QMutexLocker lock(&d->mutex);
    for (ConnectionRecord &record : records) {
        const auto it = d->live.constFind(record.id);
        if (it == d->live.cend())
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

QString TrailRecorder::opened(const QString &remoteAddress)
{
    const QDateTime now = d->m_clock.now();
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
    m_wake();
    return id;
}

void TrailRecorder::event(const QString &connectionId, const QString &channelId, const QString &type,
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
    m_wake();
}

void TrailRecorder::authenticated(const QString &connectionId, const QString &userDisplayName,
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
        it->record.lastActivity = d->m_clock.now();
        it->identityDirty = true;
    }
    m_wake();
}

void TrailRecorder::traffic(const QString &connectionId, qint64 bytesIn, qint64 bytesOut)
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
        it->record.lastActivity = d->m_clock.now();
        it->trafficDirty = true;
    }
    m_wake();
}

void TrailRecorder::channelTraffic(const QString &connectionId, const QString &channelId, const QString &channelType,
                                   qint64 clientToServer, qint64 serverToClient)
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
    m_wake();
}

void TrailRecorder::closed(const QString &connectionId, const QString &reason)
{
    {
        QMutexLocker lock(&d->mutex);
        const auto it = d->live.find(connectionId);
        if (it == d->live.end() || it->closed)
            return;
        // The server may have recorded the disconnect itself; the trail holds it once.
        if (it->lastType != u"disconnect"_s)
            d->appendLocked(*it, kConnectionChannel, u"disconnect"_s, reason.toUtf8(), {{u"reason"_s, reason}});
        const QDateTime now = d->m_clock.now();
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
    m_wake();
}

ConnectionTerminator *TrailRecorder::markTerminated(const QString &connectionId, const QString &reason,
                                                    const Actor &actor, bool *live)
{
    QMutexLocker lock(&d->mutex);
    const auto it = d->live.find(connectionId);
    *live = it != d->live.end() && !it->closed;
    if (*live && d->terminator) {
        // In the trail before the connection ends, so it reads in the order things happened.
        QJsonObject detail{{u"reason"_s, reason}, {u"actor"_s, actorJson(actor)}};
        d->appendLocked(*it, kConnectionChannel, u"terminate"_s, reason.toUtf8(), detail);
        const QDateTime now = d->m_clock.now();
        it->record.forceDisconnect = now;
        it->record.updated = now;
        it->record.updatedBy = actor.id.isEmpty() ? actorName(actor) : actor.id;
        it->identityDirty = true;
    }
    return d->terminator;
}

void TrailRecorder::tagsChanged(const QString &connectionId, const QStringList &tags, const QDateTime &updated,
                                const QString &updatedBy)
{
    QMutexLocker lock(&d->mutex);
    if (auto it = d->live.find(connectionId); it != d->live.end()) {
        it->tags = tags;
        it->record.updated = updated;
        it->record.updatedBy = updatedBy;
    }
    d->changed.insert(connectionId);
}

void TrailRecorder::markChanged(const QStringList &ids)
{
    QMutexLocker lock(&d->mutex);
    for (const QString &id : ids)
        d->changed.insert(id);
}

void TrailRecorder::markRemoved(const QStringList &ids)
{
    QMutexLocker lock(&d->mutex);
    for (const QString &id : ids) {
        d->changed.insert(id);
        d->removed.insert(id);
    }
}

ChangeSet TrailRecorder::takeChanges()
{
    QSet<QString> all;
    QSet<QString> added;
    QSet<QString> removed;
    {
        QMutexLocker lock(&d->mutex);
        all.swap(d->changed);
        added.swap(d->added);
        removed.swap(d->removed);
    }
    const auto sorted = [](const QSet<QString> &ids) {
        QStringList list(ids.cbegin(), ids.cend());
        list.sort();
        return list;
    };
    ChangeSet changes{QString(kChangeTopic), {}, {}, sorted(removed)};
    for (const QString &id : std::as_const(removed)) {
        all.remove(id);
        added.remove(id);
    }
    changes.added = sorted(added);
    for (const QString &id : std::as_const(added))
        all.remove(id);
    changes.changed = sorted(all);
    return changes;
}

QMutex &TrailRecorder::writeMutex()
{
    return d->writeMutex;
}

Status TrailRecorder::insertRecords(const QList<ConnectionRecord> &records)
{
    const QDateTime now = d->m_clock.now();
    QSqlDatabase db = d->m_database.connection();
    // PostgreSQL: many rows per statement saves a round trip per row. SQLite:
    // one prepared row, run again and again; Qt hands SQLite positional
    // parameters as names, which SQLite looks up one by one, so a statement
    // with thousands of them costs more to prepare than the rows to insert.
    const qsizetype rowsPerStatement = d->m_database.isPostgres() ? kBulkRows : 1;
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
