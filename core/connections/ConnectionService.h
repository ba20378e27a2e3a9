#pragma once

#include "audit/AuditLog.h"
#include "common/ChangeSet.h"
#include "common/Result.h"
#include "connections/CollectedKeyActivity.h"
#include "connections/ConnectionQueries.h"
#include "connections/ConnectionRecord.h"
#include "connections/TrailAudit.h"
#include "sshserver/ConnectionRecorder.h"
#include "store/SettingKeys.h"

#include <QDateTime>
#include <QObject>
#include <QStringList>

#include <atomic>
#include <memory>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace keystead {

class Clock;
class Database;
class ConnectionAdmin;
class ConnectionRetention;
class SettingsStore;
class SshSettingsService;
class TrailRecorder;

// Every SSH connection to Keystead's server, live and past, with its trail.
// Implements ConnectionRecorder for the server (buffered: events are appended
// in order, chained, and written in batches from the caller's thread with its own
// store connection; flush() forces a write). Safe to call from any thread.
//
// A facade: it only delegates, to the recorder (TrailRecorder), the query side
// (ConnectionQueries), admin (ConnectionAdmin), trail audit (TrailAudit) and
// retention (ConnectionRetention), and announces what they changed.
class ConnectionService final
    : public QObject
    , public ConnectionRecorder
{
    Q_OBJECT

public:
    ConnectionService(Database &database, const Clock &clock, SettingsStore &settings, AuditLog &audit,
                      QObject *parent = nullptr);
    ~ConnectionService() override;

    // The instance id written as proxy_id (kept in Settings, made on first use).
    QString proxyId() const;
    // The server that can end live connections; null while none runs.
    void setTerminator(ConnectionTerminator *terminator);

    // ConnectionRecorder
    QString opened(const QString &remoteAddress) override;
    void event(const QString &connectionId, const QString &channelId, const QString &type, const QByteArray &data,
               const QJsonObject &detail = {}) override;
    void authenticated(const QString &connectionId, const QString &userDisplayName, const QString &collectSessionId,
                       const QStringList &methods) override;
    void traffic(const QString &connectionId, qint64 bytesIn, qint64 bytesOut) override;
    void channelTraffic(const QString &connectionId, const QString &channelId, const QString &channelType,
                        qint64 clientToServer, qint64 serverToClient) override;
    void closed(const QString &connectionId, const QString &reason) override;
    // Writes what is buffered now.
    Status flush();

    // List and search (seed 003). Bad sort keys, negative offsets and limits out
    // of 1..1000 are InvalidInput errors naming the parameter.
    Result<ConnectionPage> search(const ConnectionQuery &query) const;
    Result<ConnectionRecord> get(const QString &id) const;

    // Tags: every tag in use starting with `prefix` (seed's GET .../tags), and a connection's tags replaced.
    Result<QStringList> tags(const QString &prefix, qint64 offset, int limit, bool descending, qint64 *count) const;
    Status setTags(const QString &connectionId, const QStringList &tags, const Actor &actor);

    // Access roles: named records kept in Settings; grants per connection.
    Result<QList<AccessRole>> roles() const;
    Result<AccessRole> createRole(const QString &name);
    Result<QList<AccessRoleGrant>> accessRoles(const QString &connectionId) const;
    Status grantRole(const QString &connectionId, const QString &roleId, const Actor &actor);
    Status revokeRole(const QString &connectionId, const QString &roleId, const Actor &actor);
    Status revokeRoleEverywhere(const QString &roleId, const Actor &actor);

    // Ends a live connection through the terminator; recorded in its trail
    // ("terminate" with who asked) and as force_disconnect. Conflict when it is
    // not live, NotFound when unknown.
    Status terminate(const QString &connectionId, const Actor &actor);

    // The trail: events of one channel (empty: all), filtered by type (empty: all), in order.
    Result<QList<TrailEvent>> trail(const QString &connectionId, const QString &channelId = {},
                                    const QStringList &types = {}) const;
    // Every hash and link of the trail, its recorded length and head, and every
    // signed checkpoint: each signature must verify under the key it names and
    // the trail's hash at the checkpoint's sequence must be the one signed, so a
    // trail rewritten and re-chained consistently fails where a checkpoint covers it.
    Result<TrailCheck> checkTrail(const QString &connectionId) const;
    // checkTrail()'s trail part.
    Result<TrailVerification> verifyTrail(const QString &connectionId) const;
    // NotFound unless the connection exists and has the channel ("connection": always).
    Status checkChannel(const QString &connectionId, const QString &channelId) const;
    // One channel's events (empty: all), filtered by type (empty: all), as a log file.
    Result<QByteArray> trailLog(const QString &connectionId, const QString &channelId, TrailLogFormat format,
                                const QStringList &types = {}) const;

    // Removes disconnected connections (and their trails and checkpoints) older than `days`; returns how many.
    Result<int> removeOlderThan(int days);
    // Retention follows seed 004's SSH options, audit.cleanup: with cleanup
    // disabled everything is kept, else disconnected connections whose trails are
    // older than channel_database_cleanup_days are removed. Without an options
    // source (tests, tools) the Settings value `connections.retention_days` is
    // used (0 keeps them all; default 600), the value the options started from.
    void setOptionsSource(SshSettingsService *settings);
    SshSettingsService *optionsSource() const;
    // The days trails are kept now; 0 keeps them for ever. When the options
    // cannot be read, 0: nothing is removed on a guess.
    int retentionDays() const;
    // Writes the Settings value; Conflict when the SSH options govern retention.
    Status setRetentionDays(int days);
    // Runs the cleanup once with the stored value; how many connections went.
    Result<int> sweepExpiredTrails();
    // Runs sweepExpiredTrails() now and then every `intervalMs` in this object's thread.
    void startRetentionSweep(int intervalMs);
    static constexpr QLatin1StringView kRetentionDaysSetting = setting::kConnectionsRetentionDays.name;
    static constexpr int kDefaultRetentionDays = setting::kConnectionsRetentionDays.fallback;
    static constexpr int kMaxRetentionDays = setting::kConnectionsRetentionDays.maximum;

    // Connections and collected keys per bucket, for the panel's chart.
    using ActivityBucket = ConnectionActivityBucket;
    Result<QList<ActivityBucket>> activity(const QDateTime &from, const QDateTime &to, int buckets) const;
    // Where the chart's collected-key counts come from (collect/CollectActivitySource);
    // without one every bucket counts 0 keys.
    void setCollectedKeyActivity(CollectedKeyActivity source);

    static constexpr int kMaxLimit = 1000;

    // Writes finished records as they are (with their tags and channels, no
    // trail) in one transaction: generated data for tests and benchmarks, or
    // records brought over from another store. Ids must be new.
    Status insertRecords(const QList<ConnectionRecord> &records);

Q_SIGNALS:
    // A record was added or changed (batched: at most a few times a second).
    void connectionsChanged(const QStringList &ids);
    // The same, typed (topic "connections.connection"): records first written
    // are added, records removed by retention removed, the rest changed.
    void changed(const keystead::ChangeSet &changes);

private:
    void scheduleFlush();
    // Emits what changed, in this object's thread; elsewhere leaves it to the timer.
    void announceSoon();
    void onFlushTimer();
    QTimer *m_timer = nullptr;
    std::atomic<bool> m_flushScheduled = false;
    std::unique_ptr<TrailRecorder> m_recorder;
    std::unique_ptr<ConnectionQueries> m_queries;
    std::unique_ptr<ConnectionAdmin> m_admin;
    std::unique_ptr<TrailAudit> m_audit;
    std::unique_ptr<ConnectionRetention> m_retention;
};

} // namespace keystead
