#pragma once

#include <QDateTime>
#include <QHash>
#include <QMutex>
#include <QString>

namespace keystead {

class Clock;

// Seed 003's two-step trail download: POST .../channel/{id}/log hands out a
// session id, GET .../log/{session_id} serves the log while it lives. The
// sessions are HTTP state, so they live here and not in the connections area:
// each names one connection and one channel and lasts kLifetimeSeconds on the
// clock. Safe to call from any thread.
class ConnectionLogSessions final
{
public:
    explicit ConnectionLogSessions(const Clock &clock);

    static constexpr qint64 kLifetimeSeconds = 5 * 60;

    // A new session for one channel's log (expired ones are dropped on the way).
    QString create(const QString &connectionId, const QString &channelId);
    // Whether `sessionId` is live and was made for this connection and channel.
    bool allows(const QString &sessionId, const QString &connectionId, const QString &channelId) const;

private:
    struct Session
    {
        QString connectionId;
        QString channelId;
        QDateTime expiresAt;
    };
    const Clock &m_clock;
    mutable QMutex m_mutex;
    QHash<QString, Session> m_sessions;
};

} // namespace keystead
