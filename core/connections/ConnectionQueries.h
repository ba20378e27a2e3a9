#pragma once

// The query side: connections listed and searched (the search SQL built from a
// ConnectionQuery's filters), one connection read, and the activity chart.
// Reads connections, connection_tags, connection_access_roles and
// connection_channels; live records come from the recorder's memory.

#include "common/Result.h"
#include "connections/CollectedKeyActivity.h"
#include "connections/ConnectionRecord.h"

#include <QDateTime>
#include <QList>
#include <QMutex>

namespace keystead {

class Database;
class TrailRecorder;

// Connections and collected keys in one bucket of the panel's chart.
struct ConnectionActivityBucket
{
    QDateTime start;
    int connections = 0;
    int keysCollected = 0;
};

class ConnectionQueries final
{
public:
    ConnectionQueries(Database &database, TrailRecorder &recorder);

    Result<ConnectionPage> search(const ConnectionQuery &query) const;
    Result<ConnectionRecord> get(const QString &id) const;

    // Where collected-key counts come from; without one every bucket counts 0 keys.
    void setCollectedKeyActivity(CollectedKeyActivity source);
    Result<QList<ConnectionActivityBucket>> activity(const QDateTime &from, const QDateTime &to, int buckets) const;

private:
    Database &m_database;
    TrailRecorder &m_recorder;
    mutable QMutex m_sourceMutex;
    CollectedKeyActivity m_keys;
};

} // namespace keystead
