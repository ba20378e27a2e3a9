#pragma once

#include "common/ChangeSet.h"

#include <QAbstractTableModel>
#include <QList>

#include <functional>
#include <optional>

namespace keystead::ui {

// The one way a table of core objects follows its service: load once with
// reset(), then apply each ChangeSet in place. Removed ids leave their row,
// changed ids are fetched again and their row repainted, added ids are fetched
// and appended (a sort proxy orders them). Never a reset or a full diff after
// the first load, so selections and scroll positions survive.
//
// Row must be copyable; idOf gives a row's id as the ChangeSet names it.
template <typename Row>
class ChangeTableModel : public QAbstractTableModel
{
public:
    using Fetch = std::function<std::optional<Row>(const QString &id)>;

    explicit ChangeTableModel(QObject *parent = nullptr)
        : QAbstractTableModel(parent)
    {
    }

    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
    }

    const Row &rowAt(int row) const { return m_rows.at(row); }
    const QList<Row> &rows() const { return m_rows; }

    // The row index of `id`, or -1.
    int indexOfId(const QString &id) const
    {
        for (qsizetype i = 0; i < m_rows.size(); ++i)
            if (idOf(m_rows.at(i)) == id)
                return static_cast<int>(i);
        return -1;
    }

    // Applies one service announcement: `fetch` reads one object (nullopt: it
    // is gone, or no longer belongs in this table).
    void apply(const ChangeSet &changes, const Fetch &fetch)
    {
        for (const QString &id : changes.removed)
            removeId(id);
        for (const QString &id : changes.changed)
            upsert(id, fetch(id));
        for (const QString &id : changes.added)
            upsert(id, fetch(id));
    }

protected:
    virtual QString idOf(const Row &row) const = 0;

    // The first load (or a reload when the whole set changed meaning, e.g. a new filter).
    void resetRows(QList<Row> rows)
    {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
    }

    void upsert(const QString &id, const std::optional<Row> &row)
    {
        const int at = indexOfId(id);
        if (!row) {
            if (at >= 0)
                removeId(id);
            return;
        }
        if (at >= 0) {
            m_rows[at] = *row;
            Q_EMIT dataChanged(index(at, 0), index(at, columnCount() - 1));
            return;
        }
        const int end = static_cast<int>(m_rows.size());
        beginInsertRows({}, end, end);
        m_rows.append(*row);
        endInsertRows();
    }

    void removeId(const QString &id)
    {
        const int at = indexOfId(id);
        if (at < 0)
            return;
        beginRemoveRows({}, at, at);
        m_rows.removeAt(at);
        endRemoveRows();
    }

private:
    QList<Row> m_rows;
};

} // namespace keystead::ui
