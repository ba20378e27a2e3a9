#pragma once

#include "hostkeys/HostKeyRecords.h"
#include "ui/common/ChangeTableModel.h"

namespace keystead {
class HostKeyStore;
}

namespace keystead::ui {

// One row: a trusted key and the fingerprint the newest unacknowledged drift
// saw instead (empty when none).
struct TrustedHostKeyRow
{
    TrustedHostKey key;
    QString seenFingerprint;
};

// Every trusted host key, as HostKeyStore lists them, with the unacknowledged
// drift a re-scan found flagged on its row. Loads once, then applies the
// store's changed() events in place (queued when another thread writes), so
// the selection survives a change elsewhere.
class TrustedHostKeysModel final : public ChangeTableModel<TrustedHostKeyRow>
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

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const TrustedHostKey &keyAt(int row) const { return rowAt(row).key; }
    // The fingerprint a scan saw instead of the trusted one; empty when none.
    QString seenFingerprint(const QString &key) const;

public Q_SLOTS:
    // Reads every key again (the first load).
    void refresh();

protected:
    QString idOf(const TrustedHostKeyRow &row) const override { return row.key.key; }

private:
    void applyChanges(const keystead::ChangeSet &changes);

    HostKeyStore &m_store;
};

} // namespace keystead::ui
