#pragma once

// Trail audit: reads trails back (events, and the log file made of them) and
// verifies them, link by link and against their signed checkpoints. Together
// with TrailTimestamper (which writes checkpoints and keys) it owns the trail
// tables: trail_events (as written by the recorder), trail_checkpoints and
// trail_timestamp_keys. Nothing else reads them.

#include "common/Result.h"
#include "connections/ConnectionRecord.h"

#include <QByteArray>
#include <QDateTime>
#include <QStringList>

namespace keystead {

class Clock;
class Database;
class TrailRecorder;

// What a trail's signed checkpoints say (TrailTimestamper makes them).
struct CheckpointVerification
{
    qint64 count = 0; // checkpoints of the trail
    qint64 verified = 0; // those whose signature verifies and whose hash is the trail's at their sequence
    QDateTime lastSignedAt; // the newest checkpoint's time; invalid when none
    qint64 firstFailureSequence = 0; // the sequence of the first checkpoint that fails (0: none)
    QString firstFailure; // why it fails, in words; empty when none fails
    QStringList keyFingerprints; // the keys that signed them, in order of first use
};

// A trail checked link by link and against its signed checkpoints. trail.intact
// is false when either check fails.
struct TrailCheck
{
    TrailVerification trail;
    CheckpointVerification checkpoints;
};

// A trail written as a file: one event per line.
enum class TrailLogFormat {
    // "<time> <type>[ <data as hex>]"
    Hex,
    // {"time", "sequence", "channel", "type", "detail", "data"[, "encoding": "base64"]}
    Jsonl,
};

class TrailAudit final
{
public:
    TrailAudit(Database &database, TrailRecorder &recorder);

    // Event types lower-cased, trimmed and without repeats; an unknown one is an
    // InvalidInput error at `location`.
    static Result<QStringList> eventTypes(const QStringList &types, const QString &location);

    Result<QList<TrailEvent>> trail(const QString &connectionId, const QString &channelId,
                                    const QStringList &types) const;
    Result<TrailCheck> checkTrail(const QString &connectionId) const;

    // NotFound unless the connection exists and has the channel ("connection": always).
    Status checkChannel(const QString &connectionId, const QString &channelId) const;
    // One channel's events (empty: all), filtered by type, as a log file.
    Result<QByteArray> trailLog(const QString &connectionId, const QString &channelId, TrailLogFormat format,
                                const QStringList &types) const;

private:
    Database &m_database;
    TrailRecorder &m_recorder;
};

} // namespace keystead
