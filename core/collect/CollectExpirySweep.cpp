#include "CollectExpirySweep.h"

#include "collect/CollectSessionRepository.h"
#include "collect/WebhookOutbox.h"
#include "common/Clock.h"

#include <QTimer>

namespace keystead {

CollectExpirySweep::CollectExpirySweep(CollectSessionRepository &repository, const Clock &clock,
                                       CollectAnnouncer announce, QObject *parent)
    : QObject(parent)
    , m_repository(repository)
    , m_clock(clock)
    , m_announce(std::move(announce))
{
}

Result<int> CollectExpirySweep::expireDue()
{
    QSqlDatabase db = m_repository.connection();
    const QDateTime now = m_clock.now();
    Result<QStringList> due = m_repository.dueForExpiry(db, now);
    if (!due)
        return due.error();
    if (due->isEmpty())
        return 0;

    CollectChanges changes;
    const Status done = m_repository.transaction(db, [&]() -> Status {
        for (const QString &id : std::as_const(due.value())) {
            // Checked again under the lock: another thread may have swept it, or moved its expiry.
            Result<bool> expired = m_repository.markExpired(db, id, now);
            if (!expired)
                return expired.error();
            if (!expired.value())
                continue;
            if (Status queued = m_repository.queueEvent(db, id, WebhookEvent::StatusChanged, m_clock.now()); !queued)
                return queued;
            changes.sessionRow(id);
        }
        return {};
    });
    if (!done)
        return done.error();
    m_announce(changes);
    return static_cast<int>(changes.sessions.size());
}

void CollectExpirySweep::start(int intervalMs)
{
    if (intervalMs <= 0) {
        if (m_timer)
            m_timer->stop();
        return;
    }
    if (!m_timer) {
        m_timer = new QTimer(this);
        connect(m_timer, &QTimer::timeout, this, [this] {
            if (Result<int> swept = expireDue(); !swept)
                qWarning("collect: cannot mark expired sessions: %s", qPrintable(swept.error().message));
        });
    }
    m_timer->start(intervalMs);
}

} // namespace keystead
