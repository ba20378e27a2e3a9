#pragma once

// The recorder: what the SSH server reports (sshserver/ConnectionRecorder.h)
// kept in memory for live connections, each trail event hash-chained to the one
// before, and written in batches to connections, connection_channels and
// trail_events. It owns the live state: every other piece asks it to flush
// first (writePending) and to overlay what only memory knows (overlayLive).

#include "audit/AuditLog.h"
#include "common/ChangeSet.h"
#include "common/Result.h"
#include "connections/ConnectionRecord.h"
#include "sshserver/ConnectionRecorder.h"

#include <QDateTime>
#include <QMutex>
#include <QStringList>

#include <functional>
#include <memory>

namespace keystead {

class Clock;
class Database;
class SettingsStore;

class TrailRecorder final : public ConnectionRecorder
{
public:
    // `wake` is called (from any thread) whenever buffered work wants a flush soon.
    // Connections this instance left open when it last stopped are closed here.
    TrailRecorder(Database &database, const Clock &clock, SettingsStore &settings, std::function<void()> wake);
    ~TrailRecorder() override;

    // ConnectionRecorder: a connection's life, then what happens on it.
    QString opened(const QString &remoteAddress) override;
    void authenticated(const QString &connectionId, const QString &userDisplayName, const QString &collectSessionId,
                       const QStringList &methods) override;
    void closed(const QString &connectionId, const QString &reason) override;
    void event(const QString &connectionId, const QString &channelId, const QString &type, const QByteArray &data,
               const QJsonObject &detail = {}) override;
    void channelTraffic(const QString &connectionId, const QString &channelId, const QString &channelType,
                        qint64 clientToServer, qint64 serverToClient) override;
    void traffic(const QString &connectionId, qint64 bytesIn, qint64 bytesOut) override;

    // The instance id written as proxy_id (kept in Settings, made on first use).
    QString proxyId() const;
    void setTerminator(ConnectionTerminator *terminator);

    // Writes what is buffered now.
    Status writePending();
    // Copies what memory knows of live connections over rows read from the store.
    void overlayLive(QList<ConnectionRecord> &records) const;

    // For terminate: when the connection is live here and a terminator is set,
    // appends the "terminate" event and marks the record force-disconnected.
    // `live` tells whether it is live here; returns the terminator (null: none).
    ConnectionTerminator *markTerminated(const QString &connectionId, const QString &reason, const Actor &actor,
                                         bool *live);
    // A live connection's tags changed in the store (its next full write keeps them).
    void tagsChanged(const QString &connectionId, const QStringList &tags, const QDateTime &updated,
                     const QString &updatedBy);
    // Ids to announce: changed ones, removed ones (records first written are
    // added by the recorder itself); takeChanges() hands them over and forgets them.
    void markChanged(const QStringList &ids);
    void markRemoved(const QStringList &ids);
    ChangeSet takeChanges();
    static constexpr QLatin1StringView kChangeTopic{"connections.connection"};

    // Serialises writes of connection rows: flushes among themselves (their
    // batches land in order) and with operator changes to the same rows.
    QMutex &writeMutex();

    // Writes finished records as they are (with their tags and channels, no trail) in one transaction.
    Status insertRecords(const QList<ConnectionRecord> &records);

private:
    class Private;
    std::unique_ptr<Private> d;
    std::function<void()> m_wake;
};

} // namespace keystead
