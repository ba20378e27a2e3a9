#include "ui/hostkeys/TrustedHostKeysFilter.h"

#include "ui/hostkeys/TrustedHostKeysModel.h"

namespace keystead::ui {

TrustedHostKeysFilter::TrustedHostKeysFilter(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(TrustedHostKeysModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setDynamicSortFilter(true);
}

void TrustedHostKeysFilter::setTypeFilter(const QString &type)
{
    if (m_type == type)
        return;
    m_type = type;
    invalidateRowsFilter();
}

void TrustedHostKeysFilter::setPortFilter(std::optional<int> port)
{
    if (m_port == port)
        return;
    m_port = port;
    invalidateRowsFilter();
}

void TrustedHostKeysFilter::setAddressFilter(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (m_address == trimmed)
        return;
    m_address = trimmed;
    invalidateRowsFilter();
}

bool TrustedHostKeysFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *source = sourceModel();
    if (!source)
        return false;
    const auto cell = [&](int column) {
        return source->index(sourceRow, column, sourceParent).data(TrustedHostKeysModel::SortRole);
    };
    if (!m_type.isEmpty() && cell(TrustedHostKeysModel::Type).toString() != m_type)
        return false;
    if (m_port && cell(TrustedHostKeysModel::Port).toInt() != *m_port)
        return false;
    return m_address.isEmpty()
        || cell(TrustedHostKeysModel::Address).toString().contains(m_address, Qt::CaseInsensitive);
}

} // namespace keystead::ui
