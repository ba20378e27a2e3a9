#pragma once

#include "common/ChangeSet.h"
#include "connections/ConnectionRecord.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QIcon>
#include <QSet>
#include <QTimer>

#include <map>
#include <optional>

namespace keystead {
class Clock;
class ConnectionService;
} // namespace keystead

namespace keystead::ui {

// Every connection record matching a search, in the service's order, read
// lazily: the row count is the service's count, and a row's page (kPageSize
// records from its offset) is read the first time a view asks for it. At most
// kMaxCachedPages pages stay in memory, the least recently used going first,
// so a million records cost one page query per screenful, never the whole table.
//
// Sorting and filtering are the service's: sort() and the filter setters run a
// new query (a reset). The service's ChangeSets are applied in place, reading
// only the ids they name with the current filter: a changed row held in memory
// is repainted (or leaves when it no longer matches), a removed one leaves, and
// a new connection that matches enters at its sorted place among the rows held
// (in a gap between pages it is counted there and read when scrolled to).
class ConnectionsModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Status, User, RemoteAddress, Connected, Duration, BytesIn, BytesOut, Tags, ColumnCount };
    Q_ENUM(Column)

    enum Role {
        // The raw value: status as int, text, UTC date-time, seconds, byte counts, tag list.
        SortRole = Qt::UserRole + 1,
        IdRole,
    };

    enum class StatusFilter { All, Connected, Disconnected };
    Q_ENUM(StatusFilter)

    static constexpr int kPageSize = 100;
    static constexpr int kMaxCachedPages = 20;

    ConnectionsModel(ConnectionService &service, const Clock &clock, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    // A new query in the service's order; columns the service cannot sort by (tags) are ignored.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    // The service's sort key for a column; empty when it cannot sort by it.
    static QString sortKeyOf(int column);
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }

    // Keywords as ConnectionService::search takes them (comma or space separated).
    void setKeywords(const QString &keywords);
    QString keywords() const { return m_keywords; }
    void setStatusFilter(StatusFilter filter);
    StatusFilter statusFilter() const { return m_statusFilter; }

    // The record at `row`, reading its page when it is not in memory; null when that failed.
    const ConnectionRecord *recordAt(int row) const;
    // The row of `id` among the rows in memory; -1 when it is not there (which does not mean it does not match).
    int rowOf(const QString &id) const;
    // How much is in memory: what the lazy reading is measured by.
    int loadedRowCount() const;
    int loadedPageCount() const { return static_cast<int>(m_pages.size()); }
    bool isLoaded(int row) const;
    // Pages read since the last reset (reload, sort, filter).
    int pagesRead() const { return m_pagesRead; }

    // Empty while the last query worked.
    QString lastError() const { return m_lastError; }

    static QString statusText(ConnectionStatus status);
    static QIcon statusIcon(ConnectionStatus status);
    // "0:04:09", "2 d 3:04:09": to `disconnected`, or to `now` while connected.
    static QString durationText(const ConnectionRecord &record, const QDateTime &now);
    static qint64 durationSeconds(const ConnectionRecord &record, const QDateTime &now);
    static QString bytesText(qint64 bytes);

public Q_SLOTS:
    // Runs the query again from the top: a reset.
    void reload();
    // One ConnectionService::changed() event.
    void applyChanges(const keystead::ChangeSet &changes);
    // The durations of live rows move on; called every second by the model's timer.
    void tick();

Q_SIGNALS:
    void queryFailed(const QString &message);
    // Every row held was dropped to be read again: the rows a view shows may be other connections now.
    void rowsReread();

private:
    struct Page
    {
        QList<ConnectionRecord> rows;
        mutable quint64 lastUsed = 0;
    };
    using Pages = std::map<int, Page>; // by first row

    ConnectionQuery baseQuery() const;
    // The page holding `row`, or end().
    Pages::const_iterator pageOf(int row) const;
    // Reads the page around `row` (aligned to kPageSize, clipped to its neighbours); false on failure.
    bool loadPageFor(int row) const;
    void evictPages() const;
    void shiftPages(int from, int delta);
    // The records of `ids` that match the current search; false when the read failed.
    bool readMatching(const QStringList &ids, QHash<QString, ConnectionRecord> &found);
    void refreshLoaded(const QStringList &ids);
    void addNew(const QStringList &ids);
    // Whether `a` comes before `b` in the current order; nullopt when the
    // model cannot tell (durations of live connections move on).
    std::optional<bool> sortsBefore(const ConnectionRecord &a, const ConnectionRecord &b) const;
    void insertRecord(ConnectionRecord record);
    void removeLoadedRow(int row);
    // The rows held are no longer where the service puts them: drop them all, keep the view where it is.
    void invalidate(qint64 newCount);
    void reconcileCount();
    void updateTicker();
    void fail(const QString &message) const;

    ConnectionService &m_service;
    const Clock &m_clock;

    QString m_keywords;
    StatusFilter m_statusFilter = StatusFilter::All;
    int m_sortColumn = Connected;
    Qt::SortOrder m_sortOrder = Qt::DescendingOrder;

    int m_count = 0;
    mutable Pages m_pages;
    mutable quint64 m_useCounter = 0;
    mutable int m_pagesRead = 0;
    // A page read inside data() saw another count; the rows are fixed up after the paint.
    mutable qint64 m_seenCount = -1;
    mutable bool m_reconcileQueued = false;
    // A page that failed is not read again at every paint; the next reset tries again.
    mutable bool m_readFailed = false;
    mutable QString m_lastError;

    // When the current query ran: a connection made later is new to it.
    QDateTime m_queriedAt;
    QSet<QString> m_added;

    mutable QTimer m_ticker;
    QIcon m_connectedIcon;
    QIcon m_disconnectedIcon;
};

} // namespace keystead::ui
