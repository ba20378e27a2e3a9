#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <utility>

namespace keystead {

// What one write to the collect tables changed, announced once it is committed
// (CollectService turns it into its signals and ChangeSets).
struct CollectChanges
{
    // Sessions anything about changed (their row, connections or keys): sessionChanged().
    QStringList sessions;
    // Of those, the ones created, and the ones whose own row changed (fields, status).
    QStringList addedSessions;
    QStringList changedSessionRows;
    QStringList removedSessions;
    // Connections that opened, closed or whose keys changed: connectionChanged().
    QList<std::pair<QString, QString>> connections; // session, connection
    // Of those, the ones opened, and the ones closed (their keys may have been discarded).
    QStringList openedConnections;
    QStringList closedConnections;
    QList<std::pair<QString, QString>> keys; // session, key (collected)

    void session(const QString &id)
    {
        if (!sessions.contains(id))
            sessions.append(id);
    }
    // The session's own row changed (and so the session).
    void sessionRow(const QString &id)
    {
        session(id);
        if (!changedSessionRows.contains(id))
            changedSessionRows.append(id);
    }
};

using CollectAnnouncer = std::function<void(const CollectChanges &)>;

} // namespace keystead
