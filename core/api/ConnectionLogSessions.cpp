#include "api/ConnectionLogSessions.h"

#include "common/Clock.h"

#include <QMutexLocker>
#include <QUuid>

namespace keystead {

ConnectionLogSessions::ConnectionLogSessions(const Clock &clock)
    : m_clock(clock)
{
}

QString ConnectionLogSessions::create(const QString &connectionId, const QString &channelId)
{
    const QDateTime now = m_clock.now();
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    QMutexLocker lock(&m_mutex);
    m_sessions.removeIf([&now](const auto &entry) { return entry.value().expiresAt <= now; });
    m_sessions.insert(id, Session{connectionId, channelId, now.addSecs(kLifetimeSeconds)});
    return id;
}

bool ConnectionLogSessions::allows(const QString &sessionId, const QString &connectionId,
                                   const QString &channelId) const
{
    const QDateTime now = m_clock.now();
    QMutexLocker lock(&m_mutex);
    const auto it = m_sessions.constFind(sessionId);
    return it != m_sessions.cend() && it->connectionId == connectionId && it->channelId == channelId
        && it->expiresAt > now;
}

} // namespace keystead
