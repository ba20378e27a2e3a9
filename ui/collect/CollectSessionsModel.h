#pragma once

#include "collect/CollectSession.h"
#include "ui/common/ChangeTableModel.h"

#include <QIcon>

#include <array>
#include <functional>

namespace keystead {
class CollectService;
}

namespace keystead::ui {

// Every collect session, newest first, as CollectService lists them. Follows the
// service's typed change events (queued when they come from the SSH server's
// thread), in place: a session named is read again and its row changed, added
// or removed (ChangeTableModel); an opened or closed connection and a collected
// key are read alone and put into their session's row, which is never read
// again for them.
class CollectSessionsModel final : public ChangeTableModel<CollectSession>
{
    Q_OBJECT

public:
    enum Column { Status, Identifier, ExternalId, Created, Expires, Keys, Connections, ColumnCount };
    Q_ENUM(Column)

    enum Role {
        // The raw value: CollectStatus as int, text, UTC date-time (invalid: never), counts.
        SortRole = Qt::UserRole + 1,
        IdRole,
    };

    explicit CollectSessionsModel(CollectService &service, QObject *parent = nullptr);

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const CollectSession &sessionAt(int row) const { return rowAt(row); }

public Q_SLOTS:
    // Reads every session again: a reset. The signals keep the model current without it.
    void refresh();
    // One CollectService::changed() event.
    void applyChanges(const keystead::ChangeSet &changes);

protected:
    QString idOf(const CollectSession &session) const override { return session.id; }
    // Newest first.
    bool sortsBefore(const CollectSession &a, const CollectSession &b) const override;

private:
    void applyConnection(const QString &connectionId);
    void applyKey(const QString &keyId);
    // Makes `change` to the connections of `sessionId`'s row; a session without one is read whole.
    void changeConnections(const QString &sessionId,
                           const std::function<void(QList<CollectSessionConnection> &)> &change);
    void readFailed(const Error &error);

    CollectService &m_service;
    std::array<QIcon, 3> m_statusIcons;
};

} // namespace keystead::ui
