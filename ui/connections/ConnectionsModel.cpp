#include "ui/connections/ConnectionsModel.h"

#include "common/Clock.h"
#include "connections/ConnectionService.h"
#include "connections/TrailRecorder.h"

#include "ui/common/Icons.h"

#include <QGuiApplication>
#include <QLocale>
#include <QPainter>
#include <QPalette>
#include <QPixmap>

#include <algorithm>
#include <limits>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

constexpr int kTickMs = 1000;

int clampCount(qint64 count)
{
    return static_cast<int>(std::clamp<qint64>(count, 0, std::numeric_limits<int>::max()));
}

QString timeText(const QDateTime &time)
{
    return time.isValid() ? time.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s) : QString();
}

} // namespace

ConnectionsModel::ConnectionsModel(ConnectionService &service, const Clock &clock, QObject *parent)
    : QAbstractTableModel(parent)
    , m_service(service)
    , m_clock(clock)
    , m_connectedIcon(statusDot(QColor(0x2e, 0x8b, 0x57)))
    , m_disconnectedIcon(statusDot(QColor(0x9a, 0x9a, 0x9a)))
{
    m_ticker.setInterval(kTickMs);
    connect(&m_ticker, &QTimer::timeout, this, &ConnectionsModel::tick);
    // Queued when the recorder's batches are written on the SSH server's thread.
    connect(&m_service, &ConnectionService::changed, this, &ConnectionsModel::applyChanges);
    reload();
}

int ConnectionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_count;
}

int ConnectionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConnectionsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto column = static_cast<Column>(index.column());
    if (role == Qt::TextAlignmentRole) {
        if (column == BytesIn || column == BytesOut || column == Duration)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    // Only what is shown reads a page: a view asking for fonts or sizes must not.
    switch (role) {
    case Qt::DisplayRole:
    case Qt::DecorationRole:
    case Qt::ToolTipRole:
    case Qt::ForegroundRole:
    case SortRole:
    case IdRole: break;
    default: return {};
    }
    const ConnectionRecord *record = recordAt(index.row());
    if (!record)
        return {};

    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Status: return statusText(record->status);
        case User: return record->userDisplayName;
        case RemoteAddress: return record->remoteAddress;
        case Connected: return timeText(record->connected);
        case Duration: return durationText(*record, m_clock.now());
        case BytesIn: return bytesText(record->bytesIn);
        case BytesOut: return bytesText(record->bytesOut);
        case Tags: return record->tags.join(u", "_s);
        case ColumnCount: break;
        }
        break;
    case Qt::DecorationRole:
        if (column == Status)
            return record->status == ConnectionStatus::Connected ? m_connectedIcon : m_disconnectedIcon;
        break;
    case Qt::ToolTipRole:
        switch (column) {
        case Status:
            if (record->status == ConnectionStatus::Disconnected && !record->disconnectReason.isEmpty())
                return tr("Disconnected %1: %2").arg(timeText(record->disconnected), record->disconnectReason);
            break;
        case User:
            if (record->userDisplayName.isEmpty())
                return tr("The client has not authenticated");
            return record->userId.isEmpty() ? tr("No collect session matched")
                                            : tr("Collect session %1").arg(record->userId);
        case RemoteAddress: return record->clientVersion;
        case Connected: return QLocale().toString(record->connected.toLocalTime(), QLocale::LongFormat);
        case Duration:
            if (record->lastActivity.isValid())
                return tr("Last activity %1").arg(timeText(record->lastActivity));
            break;
        case BytesIn: return tr("%L1 bytes from the client").arg(record->bytesIn);
        case BytesOut: return tr("%L1 bytes to the client").arg(record->bytesOut);
        case Tags:
        case ColumnCount: break;
        }
        break;
    case Qt::ForegroundRole:
        // A past connection stays listed as a record; greyed, it does not read as live.
        if (record->status == ConnectionStatus::Disconnected && column == Duration)
            return QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text);
        break;
    case SortRole:
        switch (column) {
        case Status: return static_cast<int>(record->status);
        case User: return record->userDisplayName;
        case RemoteAddress: return record->remoteAddress;
        case Connected: return record->connected;
        case Duration: return durationSeconds(*record, m_clock.now());
        case BytesIn: return record->bytesIn;
        case BytesOut: return record->bytesOut;
        case Tags: return record->tags;
        case ColumnCount: break;
        }
        break;
    case IdRole: return record->id;
    default: break;
    }
    return {};
}

QVariant ConnectionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole && sortKeyOf(section).isEmpty())
        return tr("The list cannot be sorted by this column");
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Status: return tr("Status");
    case User: return tr("User");
    case RemoteAddress: return tr("Remote address");
    case Connected: return tr("Connected");
    case Duration: return tr("Duration");
    case BytesIn: return tr("Bytes in");
    case BytesOut: return tr("Bytes out");
    case Tags: return tr("Tags");
    default: return {};
    }
}

QString ConnectionsModel::sortKeyOf(int column)
{
    // Seed 003's field names, as the HTTP list takes them in `sortkey`.
    switch (column) {
    case Status: return u"status"_s;
    case User: return u"user_display_name"_s;
    case RemoteAddress: return u"remote_address"_s;
    case Connected: return u"connected"_s;
    case Duration: return u"duration"_s;
    case BytesIn: return u"bytes_in"_s;
    case BytesOut: return u"bytes_out"_s;
    default: return {};
    }
}

void ConnectionsModel::sort(int column, Qt::SortOrder order)
{
    if (sortKeyOf(column).isEmpty() || (column == m_sortColumn && order == m_sortOrder))
        return;
    m_sortColumn = column;
    m_sortOrder = order;
    reload();
}

void ConnectionsModel::setKeywords(const QString &keywords)
{
    const QString simplified = keywords.simplified();
    if (simplified == m_keywords)
        return;
    m_keywords = simplified;
    reload();
}

void ConnectionsModel::setStatusFilter(StatusFilter filter)
{
    if (filter == m_statusFilter)
        return;
    m_statusFilter = filter;
    reload();
}

ConnectionQuery ConnectionsModel::baseQuery() const
{
    ConnectionQuery query;
    query.sortKey = sortKeyOf(m_sortColumn);
    query.descending = m_sortOrder == Qt::DescendingOrder;
    query.keywords = m_keywords;
    switch (m_statusFilter) {
    case StatusFilter::All: break;
    case StatusFilter::Connected: query.statuses = {connectionStatusName(ConnectionStatus::Connected)}; break;
    case StatusFilter::Disconnected: query.statuses = {connectionStatusName(ConnectionStatus::Disconnected)}; break;
    }
    // The table shows no channels; the detail reads them for the one selected.
    query.withTrail = false;
    return query;
}

void ConnectionsModel::reload()
{
    ConnectionQuery query = baseQuery();
    query.offset = 0;
    query.limit = kPageSize;
    const QDateTime queriedAt = m_clock.now();
    Result<ConnectionPage> page = m_service.search(query);

    beginResetModel();
    m_pages.clear();
    m_added.clear();
    m_pagesRead = 0;
    m_seenCount = -1;
    m_readFailed = false;
    m_queriedAt = queriedAt;
    if (page) {
        m_count = clampCount(page->count);
        if (!page->items.isEmpty()) {
            m_pages[0] = Page{std::move(page.value().items), ++m_useCounter};
            ++m_pagesRead;
        }
        m_lastError.clear();
    } else {
        m_count = 0;
    }
    endResetModel();
    if (!page)
        fail(page.error().message);
    updateTicker();
}

ConnectionsModel::Pages::const_iterator ConnectionsModel::pageOf(int row) const
{
    auto after = m_pages.upper_bound(row);
    if (after == m_pages.begin())
        return m_pages.cend();
    const auto page = std::prev(after);
    return row < page->first + static_cast<int>(page->second.rows.size()) ? Pages::const_iterator(page)
                                                                          : m_pages.cend();
}

const ConnectionRecord *ConnectionsModel::recordAt(int row) const
{
    if (row < 0 || row >= m_count)
        return nullptr;
    auto page = pageOf(row);
    if (page == m_pages.cend()) {
        if (m_readFailed || !loadPageFor(row))
            return nullptr;
        page = pageOf(row);
        if (page == m_pages.cend())
            return nullptr; // the service has fewer rows now; reconcileCount() follows
    }
    page->second.lastUsed = ++m_useCounter;
    return &page->second.rows.at(row - page->first);
}

bool ConnectionsModel::loadPageFor(int row) const
{
    // Aligned, so that scrolling reads whole pages; clipped, so that pages never overlap.
    int offset = row - row % kPageSize;
    int end = std::min(offset + kPageSize, m_count);
    const auto after = m_pages.upper_bound(row);
    if (after != m_pages.end())
        end = std::min(end, after->first);
    if (after != m_pages.begin()) {
        const auto before = std::prev(after);
        offset = std::max(offset, before->first + static_cast<int>(before->second.rows.size()));
    }
    if (offset > row || end <= row)
        return false;

    ConnectionQuery query = baseQuery();
    query.offset = offset;
    query.limit = end - offset;
    Result<ConnectionPage> page = m_service.search(query);
    if (!page) {
        m_readFailed = true;
        fail(page.error().message);
        return false;
    }
    ++m_pagesRead;
    if (page->count != m_count) {
        // Rows cannot come or go inside data(): after the paint.
        m_seenCount = page->count;
        if (!m_reconcileQueued) {
            m_reconcileQueued = true;
            auto *self = const_cast<ConnectionsModel *>(this);
            QMetaObject::invokeMethod(
                self, [self] { self->reconcileCount(); }, Qt::QueuedConnection);
        }
    }
    QList<ConnectionRecord> rows = std::move(page.value().items);
    if (rows.size() > end - offset)
        rows.resize(end - offset);
    if (rows.isEmpty())
        return true;
    // A page scrolled to may hold live connections: their durations tick too.
    if (!m_ticker.isActive() && std::any_of(rows.cbegin(), rows.cend(), [](const ConnectionRecord &record) {
            return record.status == ConnectionStatus::Connected;
        }))
        m_ticker.start();
    m_pages[offset] = Page{std::move(rows), ++m_useCounter};
    evictPages();
    return true;
}

void ConnectionsModel::evictPages() const
{
    while (static_cast<int>(m_pages.size()) > kMaxCachedPages) {
        const auto oldest = std::min_element(m_pages.begin(), m_pages.end(), [](const auto &a, const auto &b) {
            return a.second.lastUsed < b.second.lastUsed;
        });
        m_pages.erase(oldest);
    }
}

void ConnectionsModel::shiftPages(int from, int delta)
{
    Pages shifted;
    for (auto &[first, page] : m_pages)
        shifted.emplace(first >= from ? first + delta : first, std::move(page));
    m_pages = std::move(shifted);
}

int ConnectionsModel::rowOf(const QString &id) const
{
    for (const auto &[first, page] : m_pages) {
        for (int at = 0; at < page.rows.size(); ++at) {
            if (page.rows.at(at).id == id)
                return first + at;
        }
    }
    return -1;
}

int ConnectionsModel::loadedRowCount() const
{
    int rows = 0;
    for (const auto &entry : m_pages)
        rows += static_cast<int>(entry.second.rows.size());
    return rows;
}

bool ConnectionsModel::isLoaded(int row) const
{
    return pageOf(row) != m_pages.cend();
}

void ConnectionsModel::applyChanges(const ChangeSet &changes)
{
    if (changes.topic != TrailRecorder::kChangeTopic)
        return;
    for (const QString &id : changes.removed) {
        // Removed where no view looks (retention): the next page read sees the new count.
        if (const int row = rowOf(id); row >= 0)
            removeLoadedRow(row);
    }
    // A changed record not held merely changed where no view looks.
    QStringList held;
    QStringList fresh;
    for (const QString &id : changes.changed) {
        if (rowOf(id) >= 0)
            held.append(id);
    }
    for (const QString &id : changes.added)
        (rowOf(id) >= 0 ? held : fresh).append(id);
    if (!held.isEmpty())
        refreshLoaded(held);
    if (!fresh.isEmpty())
        addNew(fresh);
    updateTicker();
}

bool ConnectionsModel::readMatching(const QStringList &ids, QHash<QString, ConnectionRecord> &found)
{
    for (qsizetype start = 0; start < ids.size(); start += ConnectionService::kMaxLimit) {
        ConnectionQuery query = baseQuery();
        query.ids = ids.mid(start, ConnectionService::kMaxLimit);
        query.limit = static_cast<int>(query.ids.size());
        Result<ConnectionPage> page = m_service.search(query);
        if (!page) {
            fail(page.error().message);
            return false;
        }
        for (ConnectionRecord &record : page.value().items)
            found.insert(record.id, std::move(record));
    }
    return true;
}

void ConnectionsModel::refreshLoaded(const QStringList &ids)
{
    QHash<QString, ConnectionRecord> found;
    if (!readMatching(ids, found))
        return;
    for (const QString &id : ids) {
        const int row = rowOf(id);
        if (row < 0)
            continue;
        const auto record = found.find(id);
        if (record == found.end()) {
            // It no longer matches the search (a live connection ended under "Connected").
            removeLoadedRow(row);
            continue;
        }
        const auto holder = m_pages.find(pageOf(row)->first);
        holder->second.rows[row - holder->first] = std::move(record.value());
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
}

void ConnectionsModel::addNew(const QStringList &ids)
{
    // Only connections made after the query ran are new to it; the others were
    // counted then and merely changed where no view looks.
    QHash<QString, ConnectionRecord> found;
    if (!readMatching(ids, found))
        return;
    QList<ConnectionRecord> fresh;
    for (const QString &id : ids) {
        const auto record = found.find(id);
        if (record != found.end() && record->connected > m_queriedAt && !m_added.contains(id)) {
            m_added.insert(id);
            fresh.append(std::move(record.value()));
        }
    }
    if (fresh.isEmpty())
        return;
    if (!sortsBefore(fresh.constFirst(), fresh.constFirst()).has_value()) {
        // An order the model cannot place a row in: the rows held are read again.
        invalidate(static_cast<qint64>(m_count) + fresh.size());
        return;
    }
    for (ConnectionRecord &record : fresh)
        insertRecord(std::move(record));
    evictPages();
}

std::optional<bool> ConnectionsModel::sortsBefore(const ConnectionRecord &a, const ConnectionRecord &b) const
{
    const auto compareNumbers = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
    int order = 0;
    switch (m_sortColumn) {
    case Status: order = connectionStatusName(a.status).compare(connectionStatusName(b.status)); break;
    case User: order = a.userDisplayName.compare(b.userDisplayName); break;
    case RemoteAddress: order = a.remoteAddress.compare(b.remoteAddress); break;
    case Connected: order = compareNumbers(a.connected, b.connected); break;
    case BytesIn: order = compareNumbers(a.bytesIn, b.bytesIn); break;
    case BytesOut: order = compareNumbers(a.bytesOut, b.bytesOut); break;
    default: return std::nullopt;
    }
    // The service breaks ties by id, in the same direction.
    if (order == 0)
        order = a.id.compare(b.id);
    return m_sortOrder == Qt::DescendingOrder ? order > 0 : order < 0;
}

void ConnectionsModel::insertRecord(ConnectionRecord record)
{
    // Among the rows held, the record goes before the first it sorts before. Where
    // the rows just above that place are not held, its place is somewhere in the
    // gap: it is counted there, unread, and read with its page when scrolled to.
    int heldEnd = 0; // where the held rows before the current page end (0: the top)
    for (auto page = m_pages.begin(); page != m_pages.end(); ++page) {
        const int first = page->first;
        QList<ConnectionRecord> &rows = page->second.rows;
        const auto at = std::find_if(rows.cbegin(), rows.cend(), [this, &record](const ConnectionRecord &row) {
            return *sortsBefore(record, row);
        });
        if (at == rows.cend()) {
            heldEnd = first + static_cast<int>(rows.size());
            continue;
        }
        const int offset = static_cast<int>(at - rows.cbegin());
        const int row = first + offset;
        beginInsertRows({}, row, row);
        if (offset > 0 || first == heldEnd)
            rows.insert(offset, std::move(record));
        shiftPages(offset > 0 || first == heldEnd ? first + 1 : first, 1);
        ++m_count;
        endInsertRows();
        return;
    }
    // After every row held: at the very end when that is held too, else in the gap below.
    const int row = m_count;
    beginInsertRows({}, row, row);
    if (m_pages.empty() && m_count == 0)
        m_pages[0] = Page{{std::move(record)}, ++m_useCounter};
    else if (!m_pages.empty() && heldEnd == m_count)
        std::prev(m_pages.end())->second.rows.append(std::move(record));
    ++m_count;
    endInsertRows();
}

void ConnectionsModel::removeLoadedRow(int row)
{
    const auto holder = m_pages.find(pageOf(row)->first);
    beginRemoveRows({}, row, row);
    holder->second.rows.removeAt(row - holder->first);
    if (holder->second.rows.isEmpty())
        m_pages.erase(holder);
    shiftPages(row + 1, -1);
    --m_count;
    endRemoveRows();
}

void ConnectionsModel::invalidate(qint64 newCount)
{
    const int count = clampCount(newCount);
    if (count > m_count) {
        beginInsertRows({}, m_count, count - 1);
        m_count = count;
        endInsertRows();
    } else if (count < m_count) {
        beginRemoveRows({}, count, m_count - 1);
        m_count = count;
        endRemoveRows();
    }
    m_pages.clear();
    m_readFailed = false;
    if (m_count > 0)
        Q_EMIT dataChanged(index(0, 0), index(m_count - 1, ColumnCount - 1));
    Q_EMIT rowsReread();
}

void ConnectionsModel::reconcileCount()
{
    m_reconcileQueued = false;
    if (m_seenCount < 0 || m_seenCount == m_count)
        return;
    const qint64 seen = m_seenCount;
    m_seenCount = -1;
    invalidate(seen);
}

void ConnectionsModel::tick()
{
    for (const auto &[first, page] : m_pages) {
        int runStart = -1;
        for (int at = 0; at <= page.rows.size(); ++at) {
            const bool live = at < page.rows.size() && page.rows.at(at).status == ConnectionStatus::Connected;
            if (live && runStart < 0)
                runStart = at;
            if (!live && runStart >= 0) {
                Q_EMIT dataChanged(index(first + runStart, Duration), index(first + at - 1, Duration),
                                   {Qt::DisplayRole, SortRole});
                runStart = -1;
            }
        }
    }
    updateTicker();
}

void ConnectionsModel::updateTicker()
{
    bool live = false;
    for (const auto &entry : m_pages) {
        live = std::any_of(entry.second.rows.cbegin(), entry.second.rows.cend(),
                           [](const ConnectionRecord &record) { return record.status == ConnectionStatus::Connected; });
        if (live)
            break;
    }
    if (live && !m_ticker.isActive())
        m_ticker.start();
    else if (!live && m_ticker.isActive())
        m_ticker.stop();
}

void ConnectionsModel::fail(const QString &message) const
{
    m_lastError = message;
    // Queued: this may run inside data(), where a view is painting.
    auto *self = const_cast<ConnectionsModel *>(this);
    QMetaObject::invokeMethod(
        self, [self, message] { Q_EMIT self->queryFailed(message); }, Qt::QueuedConnection);
}

QString ConnectionsModel::statusText(ConnectionStatus status)
{
    switch (status) {
    case ConnectionStatus::Connected: return tr("connected");
    case ConnectionStatus::Disconnected: return tr("disconnected");
    }
    return {};
}

QIcon ConnectionsModel::statusIcon(ConnectionStatus status)
{
    return statusDot(status == ConnectionStatus::Connected ? QColor(0x2e, 0x8b, 0x57) : QColor(0x9a, 0x9a, 0x9a));
}

qint64 ConnectionsModel::durationSeconds(const ConnectionRecord &record, const QDateTime &now)
{
    if (!record.connected.isValid())
        return 0;
    const QDateTime end
        = record.status == ConnectionStatus::Connected || !record.disconnected.isValid() ? now : record.disconnected;
    return std::max<qint64>(0, record.connected.secsTo(end));
}

QString ConnectionsModel::durationText(const ConnectionRecord &record, const QDateTime &now)
{
    const qint64 total = durationSeconds(record, now);
    const qint64 days = total / 86400;
    const QString clock = u"%1:%2:%3"_s.arg((total % 86400) / 3600)
                              .arg((total % 3600) / 60, 2, 10, QLatin1Char('0'))
                              .arg(total % 60, 2, 10, QLatin1Char('0'));
    return days > 0 ? tr("%1 d %2").arg(days).arg(clock) : clock;
}

QString ConnectionsModel::bytesText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeIecFormat);
}

} // namespace keystead::ui
