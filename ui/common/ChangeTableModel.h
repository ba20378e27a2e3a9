#pragma once

#include "common/ChangeSet.h"
#include "common/Result.h"

#include <QAbstractTableModel>
#include <QList>

#include <functional>
#include <optional>

namespace keystead::ui {

// The part of ChangeTableModel a template cannot hold: its signal. A model that
// follows a service says here when a read failed and when reads work again.
class ChangeTableModelBase : public QAbstractTableModel
{
    Q_OBJECT

public:
    using QAbstractTableModel::QAbstractTableModel;

    // Empty while the last read worked.
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    // A read failed (the message), or works again after failing (empty).
    void lastErrorChanged(const QString &message);

protected:
    void setLastError(const QString &message)
    {
        if (message.isEmpty() && m_lastError.isEmpty())
            return;
        m_lastError = message;
        Q_EMIT lastErrorChanged(m_lastError);
    }

private:
    QString m_lastError;
};

// The one way a table of core objects follows its service: load once with
// reset(), then apply each ChangeSet in place. Removed ids leave their row,
// changed ids are fetched again and their row repainted, added ids are fetched
// and inserted where sortsBefore() puts them (at the end unless a model orders
// its rows). Never a reset or a full diff after the first load, so selections
// and scroll positions survive.
//
// Row must be copyable; idOf gives a row's id as the ChangeSet names it.
template <typename Row>
class ChangeTableModel : public ChangeTableModelBase
{
public:
    using Fetch = std::function<std::optional<Row>(const QString &id)>;
    using Read = std::function<Result<Row>(const QString &id)>;

    explicit ChangeTableModel(QObject *parent = nullptr)
        : ChangeTableModelBase(parent)
    {
    }
    // A table of `columns` columns.
    explicit ChangeTableModel(int columns, QObject *parent)
        : ChangeTableModelBase(parent)
        , m_columns(columns)
    {
    }

    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
    }
    int columnCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : m_columns; }

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
    int rowOf(const QString &id) const { return indexOfId(id); }
    QModelIndex indexOf(const QString &id, int column = 0) const
    {
        const int row = indexOfId(id);
        return row < 0 ? QModelIndex() : index(row, column);
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

    // apply() with a service's read of one object: NotFound takes the row out,
    // any other failure keeps the row as it was and sets lastError(). False
    // (nothing applied) until load() has worked once: the caller loads instead.
    bool applyReads(const ChangeSet &changes, const Read &read)
    {
        if (!m_loaded)
            return false;
        QString failure;
        apply(changes, [this, &read, &failure](const QString &id) -> std::optional<Row> {
            Result<Row> object = read(id);
            if (object)
                return std::move(object).value();
            if (object.error().kind == Error::Kind::NotFound)
                return std::nullopt;
            // Not read: the row stays as it was, the panel shows why.
            failure = errorText(object.error());
            const int row = indexOfId(id);
            return row < 0 ? std::nullopt : std::optional<Row>(m_rows.at(row));
        });
        setLastError(failure);
        return true;
    }

protected:
    virtual QString idOf(const Row &row) const = 0;

    // Follows `service`'s changed(ChangeSet) signal with `applyChanges` (queued when
    // the service writes on another thread), after the first load with `refresh`.
    template <typename Service, typename Model>
    void follow(Service &service, void (Model::*refresh)(), void (Model::*applyChanges)(const ChangeSet &))
    {
        auto *model = static_cast<Model *>(this);
        QObject::connect(&service, &Service::changed, model, applyChanges);
        (model->*refresh)();
    }
    // Whether `a` belongs above `b`; a model that keeps its rows in an order says so.
    virtual bool sortsBefore(const Row &, const Row &) const { return false; }
    // What lastError() says for a failed read.
    virtual QString errorText(const Error &error) const { return error.message; }

    // The first load (or a reload when the whole set changed meaning, e.g. a new filter).
    void resetRows(QList<Row> rows)
    {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
    }

    // resetRows() with a service's list; on failure the rows stay and lastError() says why.
    void load(Result<QList<Row>> listed)
    {
        if (!listed) {
            setLastError(errorText(listed.error()));
            return;
        }
        m_loaded = true;
        resetRows(std::move(listed).value());
        setLastError(QString());
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
            replaceRow(at, *row);
            return;
        }
        const int place = placeOf(*row);
        beginInsertRows({}, place, place);
        m_rows.insert(place, *row);
        endInsertRows();
    }

    // Puts `row` in place of row `at` and repaints it; moves it when its order changed.
    void replaceRow(int at, const Row &row)
    {
        m_rows[at] = row;
        const bool afterPrevious = at == 0 || !sortsBefore(row, m_rows.at(at - 1));
        const bool beforeNext = at + 1 == m_rows.size() || !sortsBefore(m_rows.at(at + 1), row);
        if (!afterPrevious || !beforeNext) {
            const Row moved = m_rows.takeAt(at);
            const int place = placeOf(moved);
            m_rows.insert(at, moved);
            // Qt names the destination as the row before which the moved row lands, before the move.
            const int destination = place >= at ? place + 1 : place;
            if (destination != at && destination != at + 1 && beginMoveRows({}, at, at, {}, destination)) {
                m_rows.move(at, place);
                endMoveRows();
                at = place;
            }
        }
        Q_EMIT dataChanged(index(at, 0), index(at, columnCount() - 1));
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
    // Where `row` goes: before the first row it sorts before, else at the end.
    int placeOf(const Row &row) const
    {
        for (qsizetype i = 0; i < m_rows.size(); ++i)
            if (sortsBefore(row, m_rows.at(i)))
                return static_cast<int>(i);
        return static_cast<int>(m_rows.size());
    }

    QList<Row> m_rows;
    int m_columns = 0;
    bool m_loaded = false;
};

} // namespace keystead::ui
