#include "connections/TrailAudit.h"

#include "connections/ConnectionRows.h"
#include "connections/TrailRecorder.h"
#include "connections/TrailTimestamper.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace keystead {

using namespace connection_rows;

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

TrailAudit::TrailAudit(Database &database, TrailRecorder &recorder)
    : m_database(database)
    , m_recorder(recorder)
{
}

Result<QStringList> TrailAudit::eventTypes(const QStringList &types, const QString &location)
{
    QStringList wanted = normalizedTypes(types);
    if (Status valid = validateTypes(wanted, location); !valid)
        return valid.error();
    return wanted;
}

Result<QList<TrailEvent>> TrailAudit::trail(const QString &connectionId, const QString &channelId,
                                            const QStringList &types) const
{
    Result<QStringList> wanted = eventTypes(types, u"types"_s);
    if (!wanted)
        return wanted.error();
    if (Status flushed = m_recorder.writePending(); !flushed)
        return flushed.error();
    QSqlDatabase db = m_database.connection();
    if (Status known = requireConnection(db, connectionId); !known)
        return known.error();
    Result<QSqlQuery> rows = trailRows(db, connectionId, channelId, wanted.value());
    if (!rows)
        return rows.error();
    QList<TrailEvent> events;
    while (rows.value().next())
        events.append(eventFromRow(rows.value()));
    return events;
}

Result<TrailCheck> TrailAudit::checkTrail(const QString &connectionId) const
{
    if (Status flushed = m_recorder.writePending(); !flushed)
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
Status TrailAudit::checkChannel(const QString &connectionId, const QString &channelId) const
{
    if (Status flushed = m_recorder.writePending(); !flushed)
        return flushed;
    QSqlDatabase db = m_database.connection();
    if (Status known = requireConnection(db, connectionId); !known)
        return known;
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
    return {};
}

Result<QByteArray> TrailAudit::trailLog(const QString &connectionId, const QString &channelId, TrailLogFormat format,
                                        const QStringList &types) const
{
    Result<QList<TrailEvent>> events = trail(connectionId, channelId, types);
    if (!events)
        return events.error();
    QByteArray out;
    for (const TrailEvent &event : std::as_const(events.value())) {
        const QString time = sql::toStoreTime(event.at);
        if (format == TrailLogFormat::Hex) {
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

} // namespace keystead
