#pragma once

#include "collect/CollectSession.h"
#include "common/ChangeSet.h"

#include <QAbstractTableModel>
#include <QIcon>

#include <array>

namespace keystead {
class CollectService;
}

namespace keystead::ui {

// Every collect session, newest first, as CollectService lists them. Follows the
// service's typed change events (queued when they come from the SSH server's
// thread), in place: a changed session reloads its own row; an opened or closed
// connection and a collected key are read alone and put into their session's row,
// which is never read again for them.
class CollectSessionsModel final : public QAbstractTableModel
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

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const CollectSession &sessionAt(int row) const { return m_rows.at(row); }
    int rowOf(const QString &id) const;
    QModelIndex indexOf(const QString &id, int column = Identifier) const;
    // Empty while the last read worked.
    QString lastError() const { return m_lastError; }

public Q_SLOTS:
    // Reads every session again: a reset. The signals keep the model current without it.
    void refresh();
    // Reads one session again and changes, adds or removes its row.
    void reloadSession(const QString &id);
    void removeSession(const QString &id);
    // One CollectService::changed() event.
    void apply(const keystead::ChangeSet &changes);

Q_SIGNALS:
    void refreshFailed(const QString &message);

private:
    // Where a session created at `createdAt` belongs, newest first.
    int insertionRow(const CollectSession &session) const;
    void applyConnection(const QString &connectionId);
    void applyKey(const QString &keyId);
    // The session's row changed in place: repaint it.
    void rowChanged(int row);
    void fail(const QString &message);

    CollectService &m_service;
    QList<CollectSession> m_rows;
    QString m_lastError;
    std::array<QIcon, 3> m_statusIcons;
};

} // namespace keystead::ui
