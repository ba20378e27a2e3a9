#include "ui/keys/SshKeysFilter.h"

#include "ui/keys/SshKeysModel.h"

namespace keystead::ui {

SshKeysFilter::SshKeysFilter(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(SshKeysModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    // A key that changes may stop (or start) matching: judge it again.
    setDynamicSortFilter(true);
}

void SshKeysFilter::setTextFilter(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (m_text == trimmed)
        return;
    m_text = trimmed;
    invalidateRowsFilter();
}

void SshKeysFilter::setTagFilter(const QString &tag)
{
    if (m_tag == tag)
        return;
    m_tag = tag;
    invalidateRowsFilter();
}

bool SshKeysFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *source = sourceModel();
    if (!source)
        return false;
    if (!m_tag.isEmpty()
        && !source->index(sourceRow, 0, sourceParent).data(SshKeysModel::TagsRole).toStringList().contains(m_tag))
        return false;
    if (m_text.isEmpty())
        return true;
    // What the operator sees in any column, and what the tooltips add (comment, MD5 fingerprint).
    for (int column = 0; column < source->columnCount(sourceParent); ++column) {
        const QModelIndex cell = source->index(sourceRow, column, sourceParent);
        if (cell.data(Qt::DisplayRole).toString().contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return source->index(sourceRow, 0, sourceParent)
        .data(SshKeysModel::MoreTextRole)
        .toString()
        .contains(m_text, Qt::CaseInsensitive);
}

} // namespace keystead::ui
