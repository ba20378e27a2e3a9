#pragma once

#include "hostkeys/HostKeyRecords.h"

#include <QAbstractTableModel>
#include <QHash>

namespace keystead {
class HostKeyStore;
}

namespace keystead::ui {

// Every trusted host key, as HostKeyStore lists them, with the unacknowledged
// drift a re-scan found flagged on its row. Follows hostKeysChanged and
// driftDetected (queued when another thread writes); rows merge by key id, so
// the selection survives a change elsewhere.
class TrustedHostKeysModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Address, Port, Type, Fingerprint, Origin, Added, State, ColumnCount };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole + 1, // the raw value: port as a number, added as a date
        KeyRole, // the key id, "<type>-<address>:<port>"
        ChangedRole, // bool: an unacknowledged drift exists
    };

    explicit TrustedHostKeysModel(HostKeyStore &store, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const TrustedHostKey &keyAt(int row) const { return m_rows.at(row); }
    int rowOf(const QString &key) const;
    QModelIndex indexOf(const QString &key, int column = Address) const;
    // The fingerprint a scan saw instead of the trusted one; empty when none.
    QString seenFingerprint(const QString &key) const;
    QString lastError() const { return m_lastError; }

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void lastErrorChanged(const QString &message);

private:
    HostKeyStore &m_store;
    QList<TrustedHostKey> m_rows;
    QHash<QString, QString> m_seen; // key id -> fingerprint seen by the newest unacknowledged drift
    QString m_lastError;
};

} // namespace keystead::ui
