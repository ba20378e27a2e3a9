#pragma once

#include "inventory/SshKeyRecord.h"

#include <QAbstractTableModel>

namespace keystead {
class InventoryService;
}

namespace keystead::ui {

// Every key of the inventory, as InventoryService lists them (never a secret:
// only whether one is held). Follows InventoryService::keysChanged, queued when
// the HTTP endpoint's thread changes a key: rows are merged by id, so the
// selection survives a change elsewhere.
class SshKeysModel final : public QAbstractTableModel
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

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const SshKeyRecord &keyAt(int row) const { return m_rows.at(row); }
    int rowOf(const QString &id) const;
    QModelIndex indexOf(const QString &id, int column = Identifier) const;
    // Empty while the last read worked.
    QString lastError() const { return m_lastError; }

public Q_SLOTS:
    // Reads every key again and merges: changed rows change, new ones are added, gone ones removed.
    void refresh();

Q_SIGNALS:
    // A read failed (the message), or works again after failing (empty).
    void lastErrorChanged(const QString &message);

private:
    InventoryService &m_service;
    QList<SshKeyRecord> m_rows;
    QString m_lastError;
};

} // namespace keystead::ui
