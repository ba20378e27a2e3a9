#pragma once

#include "hostkeys/HostKeyRecords.h"

#include <QAbstractTableModel>

#include <optional>

namespace keystead::ui {

// What a scan found: one row per key a server offered (with its trust state:
// new, trusted, changed) and one row per host the scan could not reach.
class ScanResultsModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Host, Type, Fingerprint, Bits, Trust, TrustedFingerprint, ColumnCount };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole + 1,
        TrustRole, // int of ScannedHostKey::Trust; invalid for an error row
    };

    struct Row
    {
        QString address;
        int port = 22;
        std::optional<ScannedHostKey> key; // nullopt: the host could not be scanned
        QString error;
    };

    explicit ScanResultsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const Row &rowAt(int row) const { return m_rows.at(row); }
    // A host's result (compared with the trusted keys): its keys, and its error if any.
    void addResult(const ScanResult &result);
    // After trusting or replacing: the row reads trusted.
    void markTrusted(int row);
    void clear();
    int count(ScannedHostKey::Trust trust) const;

private:
    QList<Row> m_rows;
};

} // namespace keystead::ui
