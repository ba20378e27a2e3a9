#include "connections/ConnectionService.h"

#include "connections/ConnectionAdmin.h"
#include "connections/ConnectionRetention.h"
#include "connections/ConnectionRows.h"
#include "connections/TrailRecorder.h"

#include <QThread>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// The recorder's buffer is written at the latest this long after its first entry.
constexpr int kFlushIntervalMs = 250;

} // namespace

static_assert(ConnectionService::kMaxLimit == connection_rows::kMaxLimit);

ConnectionService::ConnectionService(Database &database, const Clock &clock, SettingsStore &settings, AuditLog &audit,
                                     QObject *parent)
    : QObject(parent)
{
    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    m_timer->setInterval(kFlushIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &ConnectionService::onFlushTimer);

    const auto announce = [this] { announceSoon(); };
    m_recorder = std::make_unique<TrailRecorder>(database, clock, settings, [this] { scheduleFlush(); });
    m_queries = std::make_unique<ConnectionQueries>(database, *m_recorder);
    m_admin = std::make_unique<ConnectionAdmin>(database, clock, audit, *m_recorder, announce);
    m_audit = std::make_unique<TrailAudit>(database, *m_recorder);
    m_retention = std::make_unique<ConnectionRetention>(database, clock, settings, *m_recorder, announce);
}

ConnectionService::~ConnectionService()
{
    if (Status flushed = m_recorder->writePending(); !flushed)
        qWarning("connections: the last trail events could not be written: %s", qPrintable(flushed.error().message));
}

QString ConnectionService::proxyId() const
{
    return m_recorder->proxyId();
}

void ConnectionService::setTerminator(ConnectionTerminator *terminator)
{
    m_recorder->setTerminator(terminator);
}

void ConnectionService::scheduleFlush()
{
    if (m_flushScheduled.exchange(true))
        return;
    if (QThread::currentThread() == m_timer->thread())
        m_timer->start();
    else
        QMetaObject::invokeMethod(
            m_timer, [timer = m_timer] { timer->start(); }, Qt::QueuedConnection);
}

void ConnectionService::announceSoon()
{
    if (QThread::currentThread() != thread()) {
        scheduleFlush();
        return;
    }
    const ChangeSet changes = m_recorder->takeChanges();
    if (changes.isEmpty())
        return;
    QStringList ids = changes.added + changes.changed + changes.removed;
    ids.sort();
    Q_EMIT connectionsChanged(ids);
    Q_EMIT changed(changes);
}

void ConnectionService::onFlushTimer()
{
    m_flushScheduled = false;
    if (Status flushed = m_recorder->writePending(); !flushed) {
        qWarning("connections: cannot write the trail buffer, will retry: %s", qPrintable(flushed.error().message));
        scheduleFlush();
    }
    announceSoon();
}

Status ConnectionService::flush()
{
    Status flushed = m_recorder->writePending();
    announceSoon();
    return flushed;
}

// --- the recorder ----------------------------------------------------------

QString ConnectionService::opened(const QString &remoteAddress)
{
    return m_recorder->opened(remoteAddress);
}

void ConnectionService::event(const QString &connectionId, const QString &channelId, const QString &type,
                              const QByteArray &data, const QJsonObject &detail)
{
    m_recorder->event(connectionId, channelId, type, data, detail);
}

void ConnectionService::authenticated(const QString &connectionId, const QString &userDisplayName,
                                      const QString &collectSessionId, const QStringList &methods)
{
    m_recorder->authenticated(connectionId, userDisplayName, collectSessionId, methods);
}

void ConnectionService::traffic(const QString &connectionId, qint64 bytesIn, qint64 bytesOut)
{
    m_recorder->traffic(connectionId, bytesIn, bytesOut);
}

void ConnectionService::channelTraffic(const QString &connectionId, const QString &channelId,
                                       const QString &channelType, qint64 clientToServer, qint64 serverToClient)
{
    m_recorder->channelTraffic(connectionId, channelId, channelType, clientToServer, serverToClient);
}

void ConnectionService::closed(const QString &connectionId, const QString &reason)
{
    m_recorder->closed(connectionId, reason);
}

Status ConnectionService::insertRecords(const QList<ConnectionRecord> &records)
{
    return m_recorder->insertRecords(records);
}

// --- queries ----------------------------------------------------------------

Result<ConnectionPage> ConnectionService::search(const ConnectionQuery &query) const
{
    return m_queries->search(query);
}

Result<ConnectionRecord> ConnectionService::get(const QString &id) const
{
    return m_queries->get(id);
}

Result<QList<ConnectionService::ActivityBucket>> ConnectionService::activity(const QDateTime &from, const QDateTime &to,
                                                                             int buckets) const
{
    return m_queries->activity(from, to, buckets);
}

void ConnectionService::setCollectedKeyActivity(CollectedKeyActivity source)
{
    m_queries->setCollectedKeyActivity(std::move(source));
}

// --- admin ------------------------------------------------------------------

Result<QStringList> ConnectionService::tags(const QString &prefix, qint64 offset, int limit, bool descending,
                                            qint64 *count) const
{
    return m_admin->tags(prefix, offset, limit, descending, count);
}

Status ConnectionService::setTags(const QString &connectionId, const QStringList &tags, const Actor &actor)
{
    return m_admin->setTags(connectionId, tags, actor);
}

Result<QList<AccessRole>> ConnectionService::roles() const
{
    return m_admin->roles();
}

Result<AccessRole> ConnectionService::createRole(const QString &name)
{
    return m_admin->createRole(name);
}

Result<QList<AccessRoleGrant>> ConnectionService::accessRoles(const QString &connectionId) const
{
    return m_admin->accessRoles(connectionId);
}

Status ConnectionService::grantRole(const QString &connectionId, const QString &roleId, const Actor &actor)
{
    return m_admin->grantRole(connectionId, roleId, actor);
}

Status ConnectionService::revokeRole(const QString &connectionId, const QString &roleId, const Actor &actor)
{
    return m_admin->revokeRole(connectionId, roleId, actor);
}

Status ConnectionService::revokeRoleEverywhere(const QString &roleId, const Actor &actor)
{
    return m_admin->revokeRoleEverywhere(roleId, actor);
}

Status ConnectionService::terminate(const QString &connectionId, const Actor &actor)
{
    return m_admin->terminate(connectionId, actor);
}

// --- trail audit --------------------------------------------------------------

Result<QList<TrailEvent>> ConnectionService::trail(const QString &connectionId, const QString &channelId,
                                                   const QStringList &types) const
{
    return m_audit->trail(connectionId, channelId, types);
}

Result<TrailCheck> ConnectionService::checkTrail(const QString &connectionId) const
{
    return m_audit->checkTrail(connectionId);
}

Result<TrailVerification> ConnectionService::verifyTrail(const QString &connectionId) const
{
    Result<TrailCheck> checked = m_audit->checkTrail(connectionId);
    if (!checked)
        return checked.error();
    return checked->trail;
}

Status ConnectionService::checkChannel(const QString &connectionId, const QString &channelId) const
{
    return m_audit->checkChannel(connectionId, channelId);
}

Result<QByteArray> ConnectionService::trailLog(const QString &connectionId, const QString &channelId,
                                               TrailLogFormat format, const QStringList &types) const
{
    return m_audit->trailLog(connectionId, channelId, format, types);
}

// --- retention ----------------------------------------------------------------

void ConnectionService::setOptionsSource(SshSettingsService *settings)
{
    m_retention->setOptionsSource(settings);
}

SshSettingsService *ConnectionService::optionsSource() const
{
    return m_retention->optionsSource();
}

int ConnectionService::retentionDays() const
{
    return m_retention->retentionDays();
}

Status ConnectionService::setRetentionDays(int days)
{
    return m_retention->setRetentionDays(days);
}

Result<int> ConnectionService::sweepExpiredTrails()
{
    return m_retention->sweepExpiredTrails();
}

void ConnectionService::startRetentionSweep(int intervalMs)
{
    m_retention->startSweep(this, intervalMs);
}

Result<int> ConnectionService::removeOlderThan(int days)
{
    return m_retention->removeOlderThan(days);
}

} // namespace keystead
