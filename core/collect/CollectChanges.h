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
    QStringList addedSessions;
    QStringList sessions; // added or changed
    QStringList removedSessions;
    QList<std::pair<QString, QString>> connections; // session, connection (opened or changed)
    QStringList openedConnections; // of `connections`, the ones this write added
    QList<std::pair<QString, QString>> keys; // session, key (added)

    void session(const QString &id)
    {
        if (!sessions.contains(id))
            sessions.append(id);
    }
    bool isEmpty() const
    {
        return sessions.isEmpty() && removedSessions.isEmpty() && connections.isEmpty() && keys.isEmpty();
    }
};

using CollectAnnouncer = std::function<void(const CollectChanges &)>;

} // namespace keystead
