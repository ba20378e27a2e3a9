#include "ui/certificates/CertificatesFilter.h"

#include "ui/certificates/CertificatesModel.h"

namespace keystead::ui {

CertificatesFilter::CertificatesFilter(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(CertificatesModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    // A certificate revoked or expired while filtered by state leaves (or joins) the rows.
    setDynamicSortFilter(true);
}

void CertificatesFilter::setKindFilter(std::optional<CertificateKind> kind)
{
    if (m_kind == kind)
        return;
    m_kind = kind;
    invalidateRowsFilter();
}

void CertificatesFilter::setAuthorityFilter(const QString &authorityId)
{
    if (m_authorityId == authorityId)
        return;
    m_authorityId = authorityId;
    invalidateRowsFilter();
}

void CertificatesFilter::setStateFilter(std::optional<CertificateState> state)
{
    if (m_state == state)
        return;
    m_state = state;
    invalidateRowsFilter();
}

void CertificatesFilter::setExpiringOnly(bool expiringOnly)
{
    if (m_expiringOnly == expiringOnly)
        return;
    m_expiringOnly = expiringOnly;
    invalidateRowsFilter();
}

void CertificatesFilter::setTextFilter(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (m_text == trimmed)
        return;
    m_text = trimmed;
    invalidateRowsFilter();
}

bool CertificatesFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *source = sourceModel();
    if (!source)
        return false;
    const QModelIndex first = source->index(sourceRow, 0, sourceParent);
    if (m_kind && first.data(CertificatesModel::KindRole).toInt() != static_cast<int>(*m_kind))
        return false;
    if (!m_authorityId.isEmpty() && first.data(CertificatesModel::AuthorityIdRole).toString() != m_authorityId)
        return false;
    if (m_state && first.data(CertificatesModel::StateRole).toInt() != static_cast<int>(*m_state))
        return false;
    if (m_expiringOnly && !first.data(CertificatesModel::ExpiringRole).toBool())
        return false;
    if (m_text.isEmpty())
        return true;
    for (int column = 0; column < source->columnCount(sourceParent); ++column) {
        if (source->index(sourceRow, column, sourceParent).data().toString().contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return first.data(CertificatesModel::MoreTextRole).toString().contains(m_text, Qt::CaseInsensitive);
}

} // namespace keystead::ui
