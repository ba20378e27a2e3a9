#pragma once

#include "inventory/SshKeyRecord.h"
#include "ui/common/ChangeTableModel.h"

namespace keystead {
class InventoryService;
}

namespace keystead::ui {

// Every key of the inventory, as InventoryService lists them (never a secret:
// only whether one is held). Follows InventoryService::changed, queued when
// the HTTP endpoint's thread changes a key: each key named is read again and
// its row changed or added in place, so the selection survives a change elsewhere.
class SshKeysModel final : public ChangeTableModel<SshKeyRecord>
{
    Q_OBJECT

public:
    enum Column {
        Identifier,
        Name,
        Algorithm,
        Fingerprint,
        Username,
        Host,
        Devices,
        Tags,
        PrivateKey,
        Enabled,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        // The raw value: texts, bits for Algorithm, bool for Enabled, 0/1/2 for PrivateKey.
        SortRole = Qt::UserRole + 1,
        IdRole,
        TagsRole, // QStringList
        MoreTextRole, // what a text filter also matches: the main device's ip, the comment, the MD5 fingerprint
    };

    explicit SshKeysModel(InventoryService &service, QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const SshKeyRecord &keyAt(int row) const { return rowAt(row); }

public Q_SLOTS:
    // Reads every key (the first load, or again after a failed read).
    void refresh();
    // Reads the keys the service named and changes, adds or removes their rows.
    void applyChanges(const keystead::ChangeSet &changes);

protected:
    QString idOf(const SshKeyRecord &row) const override { return row.id; }

private:
    InventoryService &m_service;
};

} // namespace keystead::ui
