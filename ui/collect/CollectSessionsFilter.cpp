#include "ui/collect/CollectSessionsFilter.h"

#include "ui/collect/CollectSessionsModel.h"

namespace keystead::ui {

CollectSessionsFilter::CollectSessionsFilter(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(CollectSessionsModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    // A session that changes may stop (or start) matching: judge it again.
    setDynamicSortFilter(true);
}

void CollectSessionsFilter::setStatusFilter(std::optional<CollectStatus> status)
{
    if (m_status == status)
        return;
    m_status = status;
    invalidateRowsFilter();
}

void CollectSessionsFilter::setTextFilter(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (m_text == trimmed)
        return;
    m_text = trimmed;
    invalidateRowsFilter();
}

bool CollectSessionsFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *source = sourceModel();
    if (!source)
        return false;
    const auto raw = [&](int column) {
        return source->index(sourceRow, column, sourceParent).data(CollectSessionsModel::SortRole);
    };
    if (m_status && raw(CollectSessionsModel::Status).toInt() != static_cast<int>(*m_status))
        return false;
    if (m_text.isEmpty())
        return true;
    return raw(CollectSessionsModel::Identifier).toString().contains(m_text, Qt::CaseInsensitive)
        || raw(CollectSessionsModel::ExternalId).toString().contains(m_text, Qt::CaseInsensitive);
}

} // namespace keystead::ui
