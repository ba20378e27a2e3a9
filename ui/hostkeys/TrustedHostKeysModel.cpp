#include "ui/hostkeys/TrustedHostKeysModel.h"

#include "hostkeys/HostKeyStore.h"

#include <QColor>
#include <QFontDatabase>
#include <QLocale>
#include <QSet>

#include <algorithm>
#include <utility>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

bool sameKey(const TrustedHostKey &a, const TrustedHostKey &b)
{
    return a.address == b.address && a.port == b.port && a.type == b.type && a.value == b.value
        && a.fingerprint == b.fingerprint && a.addedAt == b.addedAt && a.origin == b.origin;
}

} // namespace

TrustedHostKeysModel::TrustedHostKeysModel(HostKeyStore &store, QObject *parent)
    : QAbstractTableModel(parent)
    , m_store(store)
{
    connect(&m_store, &HostKeyStore::hostKeysChanged, this, &TrustedHostKeysModel::refresh);
    connect(&m_store, &HostKeyStore::driftDetected, this, &TrustedHostKeysModel::refresh);
    refresh();
}

int TrustedHostKeysModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int TrustedHostKeysModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TrustedHostKeysModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TrustedHostKey &key = m_rows.at(index.row());
    const auto column = static_cast<Column>(index.column());
    const auto seen = m_seen.constFind(key.key);
    const bool changed = seen != m_seen.cend();

    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Address: return key.address;
        case Port: return key.port;
        case Type: return key.type;
        case Fingerprint: return key.fingerprint;
        case Origin: return key.origin;
        case Added: return QLocale().toString(key.addedAt.toLocalTime(), QLocale::ShortFormat);
        case State: return changed ? tr("CHANGED, seen %1").arg(seen.value()) : tr("trusted");
        case ColumnCount: break;
        }
        break;
    case Qt::ToolTipRole:
        if (column == Fingerprint || column == State)
            return changed ? tr("Trusted: %1\nSeen by a scan: %2").arg(key.fingerprint, seen.value())
                           : QVariant(key.fingerprint);
        if (column == Type)
            return key.key;
        break;
    case Qt::FontRole:
        if (column == Fingerprint)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        break;
    case Qt::BackgroundRole:
        if (changed)
            return QColor(0xff, 0xe0, 0xb2);
        break;
    case Qt::ForegroundRole:
        if (changed && column == State)
            return QColor(0xb0, 0x1c, 0x1c);
        break;
    case SortRole:
        switch (column) {
        case Port: return key.port;
        case Added: return key.addedAt;
        case State: return changed ? 1 : 0;
        case Address:
        case Type:
        case Fingerprint:
        case Origin: return data(index, Qt::DisplayRole);
        case ColumnCount: break;
        }
        break;
    case KeyRole: return key.key;
    case ChangedRole: return changed;
    default: break;
    }
    return {};
}

QVariant TrustedHostKeysModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Address: return tr("Address");
    case Port: return tr("Port");
    case Type: return tr("Type");
    case Fingerprint: return tr("Fingerprint");
    case Origin: return tr("Origin");
    case Added: return tr("Added");
    case State: return tr("State");
    default: return {};
    }
}

int TrustedHostKeysModel::rowOf(const QString &key) const
{
    const auto found
        = std::find_if(m_rows.cbegin(), m_rows.cend(), [&key](const TrustedHostKey &row) { return row.key == key; });
    return found == m_rows.cend() ? -1 : static_cast<int>(found - m_rows.cbegin());
}

QModelIndex TrustedHostKeysModel::indexOf(const QString &key, int column) const
{
    const int row = rowOf(key);
    return row < 0 ? QModelIndex() : index(row, column);
}

QString TrustedHostKeysModel::seenFingerprint(const QString &key) const
{
    const auto found = m_seen.constFind(key);
    return found == m_seen.cend() ? QString() : found.value();
}

void TrustedHostKeysModel::refresh()
{
    Result<QList<TrustedHostKey>> listed = m_store.list();
    Result<QList<HostKeyDrift>> drifts = m_store.drifts();
    if (!listed || !drifts) {
        m_lastError = !listed ? listed.error().message : drifts.error().message;
        Q_EMIT lastErrorChanged(m_lastError);
        return;
    }
    const bool hadError = !m_lastError.isEmpty();
    m_lastError.clear();

    QHash<QString, QString> seen;
    // Newest first: the first drift of a key is the one to show.
    for (const HostKeyDrift &drift : drifts.value()) {
        if (!drift.acknowledgedAt && !seen.contains(drift.hostKey))
            seen.insert(drift.hostKey, drift.seenFingerprint);
    }
    const QHash<QString, QString> oldSeen = std::exchange(m_seen, seen);

    QList<TrustedHostKey> fresh = std::move(listed).value();
    QHash<QString, qsizetype> freshRows;
    for (qsizetype row = 0; row < fresh.size(); ++row)
        freshRows.insert(fresh.at(row).key, row);

    for (int row = static_cast<int>(m_rows.size()) - 1; row >= 0; --row) {
        if (freshRows.contains(m_rows.at(row).key))
            continue;
        beginRemoveRows({}, row, row);
        m_rows.removeAt(row);
        endRemoveRows();
    }
    QSet<QString> known;
    for (int row = 0; row < m_rows.size(); ++row) {
        const TrustedHostKey &now = fresh.at(freshRows.value(m_rows.at(row).key));
        known.insert(now.key);
        if (sameKey(m_rows.at(row), now) && oldSeen.value(now.key) == m_seen.value(now.key))
            continue;
        m_rows[row] = now;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    QList<TrustedHostKey> added;
    for (TrustedHostKey &key : fresh) {
        if (!known.contains(key.key))
            added.append(std::move(key));
    }
    if (!added.isEmpty()) {
        const int first = static_cast<int>(m_rows.size());
        beginInsertRows({}, first, first + static_cast<int>(added.size()) - 1);
        m_rows.append(std::move(added));
        endInsertRows();
    }
    if (hadError)
        Q_EMIT lastErrorChanged(QString());
}

} // namespace keystead::ui
