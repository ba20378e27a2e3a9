#include "ui/hostkeys/TrustedHostKeysModel.h"

#include "hostkeys/HostKeyStore.h"

#include <QColor>
#include <QFontDatabase>
#include <QHash>
#include <QLocale>

#include <optional>
#include <utility>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

// The fingerprint the newest unacknowledged drift of each key saw.
QHash<QString, QString> seenFingerprints(const QList<HostKeyDrift> &drifts)
{
    QHash<QString, QString> seen;
    // Newest first: the first drift of a key is the one to show.
    for (const HostKeyDrift &drift : drifts) {
        if (!drift.acknowledgedAt && !seen.contains(drift.hostKey))
            seen.insert(drift.hostKey, drift.seenFingerprint);
    }
    return seen;
}

} // namespace

TrustedHostKeysModel::TrustedHostKeysModel(HostKeyStore &store, QObject *parent)
    : ChangeTableModel<TrustedHostKeyRow>(parent)
    , m_store(store)
{
    connect(&m_store, &HostKeyStore::changed, this, &TrustedHostKeysModel::applyChanges);
    refresh();
}

int TrustedHostKeysModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TrustedHostKeysModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TrustedHostKey &key = rowAt(index.row()).key;
    const QString &seen = rowAt(index.row()).seenFingerprint;
    const auto column = static_cast<Column>(index.column());
    const bool changed = !seen.isEmpty();

    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Address: return key.address;
        case Port: return key.port;
        case Type: return key.type;
        case Fingerprint: return key.fingerprint;
        case Origin: return key.origin;
        case Added: return QLocale().toString(key.addedAt.toLocalTime(), QLocale::ShortFormat);
        case State: return changed ? tr("CHANGED, seen %1").arg(seen) : tr("trusted");
        case ColumnCount: break;
        }
        break;
    case Qt::ToolTipRole:
        if (column == Fingerprint || column == State)
            return changed ? tr("Trusted: %1\nSeen by a scan: %2").arg(key.fingerprint, seen)
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

QString TrustedHostKeysModel::seenFingerprint(const QString &key) const
{
    const int row = rowOf(key);
    return row < 0 ? QString() : rowAt(row).seenFingerprint;
}

void TrustedHostKeysModel::refresh()
{
    Result<QList<TrustedHostKey>> listed = m_store.list();
    Result<QList<HostKeyDrift>> drifts = m_store.drifts();
    if (!listed || !drifts) {
        setLastError(!listed ? listed.error().message : drifts.error().message);
        return;
    }
    const QHash<QString, QString> seen = seenFingerprints(drifts.value());
    QList<TrustedHostKeyRow> rows;
    rows.reserve(listed->size());
    for (TrustedHostKey &key : listed.value()) {
        const QString fingerprint = seen.value(key.key);
        rows.append(TrustedHostKeyRow{std::move(key), fingerprint});
    }
    resetRows(std::move(rows));
    setLastError({});
}

void TrustedHostKeysModel::applyChanges(const ChangeSet &changes)
{
    if (changes.topic != HostKeyStore::kTopic)
        return;
    // The drifts are read once per event, only when a row is to be fetched.
    std::optional<QHash<QString, QString>> seen;
    QString problem;
    apply(changes, [&](const QString &id) -> std::optional<TrustedHostKeyRow> {
        const int current = rowOf(id);
        const auto keep = [&](const Error &error) -> std::optional<TrustedHostKeyRow> {
            // The store does not answer: the row stays as last read.
            problem = error.message;
            return current < 0 ? std::nullopt : std::optional<TrustedHostKeyRow>(rowAt(current));
        };
        Result<TrustedHostKey> key = m_store.find(id);
        if (!key)
            return key.error().kind == Error::Kind::NotFound ? std::nullopt : keep(key.error());
        if (!seen) {
            Result<QList<HostKeyDrift>> drifts = m_store.drifts();
            if (!drifts)
                return keep(drifts.error());
            seen = seenFingerprints(drifts.value());
        }
        return TrustedHostKeyRow{std::move(key).value(), seen->value(id)};
    });
    setLastError(problem);
}

} // namespace keystead::ui
