#pragma once

#include "collect/CollectSession.h"
#include "common/ChangeSet.h"
#include "common/Result.h"

#include <QAbstractItemModel>
#include <QIcon>

namespace keystead {
class CollectService;
}

namespace keystead::ui {

// The connections of one collect session, each with the keys it proved:
// a tree of two levels. It follows CollectService's ChangeSets itself: a
// connection or key the service names is read alone (never the whole session)
// and its row inserted or repainted in place, so a view keeps its selection
// and expansion while keys arrive. A tree, so not a ChangeTableModel; the rule
// is the same.
class CollectKeysModel final : public QAbstractItemModel
{
    Q_OBJECT

public:
    // Connection rows: address, client version, state, when it opened.
    // Key rows: type and size, SHA256 fingerprint, state, when it was proven.
    enum Column { Item, Fingerprint, State, Time, ColumnCount };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole + 1,
        IdRole, // the connection's or the key's id
        IsKeyRole, // bool
        AuthorizedKeysLineRole, // keys only: "ssh-ed25519 AAAA... comment"
    };

    explicit CollectKeysModel(CollectService &service, QObject *parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Shows `session`'s connections: a reset. The same session again takes only
    // its own fields (its identifier names the keys); its connections and keys
    // follow the service's ChangeSets.
    void setSession(const CollectSession &session);
    void clear() { setSession(CollectSession()); }
    QString sessionId() const { return m_session.id; }

    // The key at `index` (a key row); nullptr for a connection row or an invalid index.
    const CollectSessionKey *keyAt(const QModelIndex &index) const;
    const CollectSessionConnection *connectionAt(const QModelIndex &index) const;
    QModelIndex indexOfKey(const QString &keyId, int column = Item) const;
    // One authorized_keys line: the key and a comment naming the session.
    QString authorizedKeysLine(const CollectSessionKey &key) const;
    // Every collected (not discarded) key of the session, one authorized_keys line each.
    QString authorizedKeysFile() const;
    int collectedKeyCount() const { return m_session.collectedKeyCount(); }

public Q_SLOTS:
    // One CollectService::changed() event: connections and keys of the session shown.
    void applyChanges(const keystead::ChangeSet &changes);

Q_SIGNALS:
    // A connection or key the service named could not be read.
    void readFailed(const QString &message);

private:
    // Key rows carry their connection's row + 1 as internal id; connection rows carry 0.
    static constexpr quintptr kConnectionRow = 0;
    QVariant connectionData(const CollectSessionConnection &connection, int column, int role) const;
    QVariant keyData(const CollectSessionKey &key, int column, int role) const;
    void applyConnection(const QString &connectionId);
    void applyKey(const QString &keyId);
    // Adds `fresh` (read with its keys) as the last connection, or brings its row and keys up to date.
    void putConnection(const CollectSessionConnection &fresh);
    void putKey(int connectionRow, const CollectSessionKey &key);
    int connectionRowOf(const QString &connectionId) const;
    // Says why a read failed, unless the object is gone (NotFound).
    void failed(const Error &error);

    CollectService &m_service;
    CollectSession m_session;
    QIcon m_connectionIcon;
    QIcon m_keyIcon;
};

} // namespace keystead::ui
