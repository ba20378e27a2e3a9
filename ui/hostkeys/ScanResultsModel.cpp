#include "ui/hostkeys/ScanResultsModel.h"

#include "ui/hostkeys/HostKeyTexts.h"

#include <QColor>
#include <QFontDatabase>

#include <algorithm>

namespace keystead::ui {

ScanResultsModel::ScanResultsModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int ScanResultsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int ScanResultsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ScanResultsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const auto column = static_cast<Column>(index.column());

    switch (role) {
    case Qt::DisplayRole:
    case SortRole:
        if (column == Host)
            return HostKeyTexts::hostPort(row.address, row.port);
        if (!row.key)
            return column == Type ? QVariant(tr("not scanned: %1").arg(row.error)) : QVariant();
        switch (column) {
        case Type: return row.key->type;
        case Fingerprint: return row.key->fingerprint;
        case Bits: return row.key->bits;
        case Trust:
            return role == SortRole ? QVariant(static_cast<int>(row.key->trust))
                                    : QVariant(HostKeyTexts::trust(row.key->trust));
        case TrustedFingerprint: return row.key->trustedFingerprint;
        case Host:
        case ColumnCount: break;
        }
        break;
    case Qt::ToolTipRole:
        if (!row.key)
            return row.error;
        if (row.key->trust == ScannedHostKey::Trust::Changed)
            return tr("Trusted: %1\nOffered now: %2").arg(row.key->trustedFingerprint, row.key->fingerprint);
        break;
    case Qt::FontRole:
        if (column == Fingerprint || column == TrustedFingerprint)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        break;
    case Qt::BackgroundRole:
        if (!row.key)
            return QColor(0xee, 0xee, 0xee);
        // The colours of a traffic light, pale so the text stays readable.
        switch (row.key->trust) {
        case ScannedHostKey::Trust::New: return QColor(0xfe, 0xf9, 0xc3);
        case ScannedHostKey::Trust::Trusted: return QColor(0xdc, 0xf5, 0xdc);
        case ScannedHostKey::Trust::Changed: return QColor(0xff, 0xcd, 0xd2);
        }
        break;
    case TrustRole: return row.key ? QVariant(static_cast<int>(row.key->trust)) : QVariant();
    default: break;
    }
    return {};
}

QVariant ScanResultsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Host: return tr("Host");
    case Type: return tr("Type");
    case Fingerprint: return tr("Fingerprint offered");
    case Bits: return tr("Bits");
    case Trust: return tr("Trust");
    case TrustedFingerprint: return tr("Trusted fingerprint");
    default: return {};
    }
}

void ScanResultsModel::addResult(const ScanResult &result)
{
    QList<Row> added;
    for (const ScannedHostKey &key : result.keys)
        added.append(Row{result.address, result.port, key, {}});
    // A cancelled or failed scan may still have found some keys: both are shown.
    if (!result.error.isEmpty())
        added.append(Row{result.address, result.port, std::nullopt, result.error});
    if (added.isEmpty())
        return;
    const int first = static_cast<int>(m_rows.size());
    beginInsertRows({}, first, first + static_cast<int>(added.size()) - 1);
    m_rows.append(std::move(added));
    endInsertRows();
}

void ScanResultsModel::markTrusted(int row)
{
    if (row < 0 || row >= m_rows.size() || !m_rows.at(row).key)
        return;
    ScannedHostKey &key = *m_rows[row].key;
    key.trust = ScannedHostKey::Trust::Trusted;
    key.trustedFingerprint = key.fingerprint;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void ScanResultsModel::clear()
{
    if (m_rows.isEmpty())
        return;
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

int ScanResultsModel::count(ScannedHostKey::Trust trust) const
{
    return static_cast<int>(std::count_if(m_rows.cbegin(), m_rows.cend(),
                                          [trust](const Row &row) { return row.key && row.key->trust == trust; }));
}

} // namespace keystead::ui
