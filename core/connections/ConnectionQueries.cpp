#include "connections/ConnectionQueries.h"

#include "connections/ConnectionRows.h"
#include "connections/TrailRecorder.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QHash>
#include <QMutexLocker>
#include <QRegularExpression>

#include <algorithm>
#include <map>
#include <optional>

using namespace Qt::StringLiterals;

namespace keystead {

using namespace connection_rows;

namespace {

constexpr int kMaxKeywords = 16;
constexpr int kMaxKeywordLength = 256;
constexpr int kMaxBuckets = 1000;

// The keys a page may be sorted by: each has an index ending in id (ConnectionSchema.cpp).
// "created" is the moment the record was made, which is the moment it connected.
const std::map<QString, QString> &sortColumns()
{
    static const std::map<QString, QString> columns{
        {u"id"_s, u"c.id"_s},
        {u"connected"_s, u"c.connected"_s},
        {u"created"_s, u"c.connected"_s},
        {u"disconnected"_s, u"c.disconnected"_s},
        {u"duration"_s, u"c.duration_ms"_s},
        {u"status"_s, u"c.status"_s},
        {u"last_activity"_s, u"c.last_activity"_s},
        {u"bytes_in"_s, u"c.bytes_in"_s},
        {u"bytes_out"_s, u"c.bytes_out"_s},
        {u"remote_address"_s, u"c.remote_address"_s},
        {u"user_display_name"_s, u"c.user_display_name"_s},
    };
    return columns;
}

QString sortKeyList()
{
    QStringList keys;
    for (const auto &entry : sortColumns())
        keys.append(entry.first);
    return keys.join(u", "_s);
}

QStringList splitKeywords(const QString &keywords)
{
    static const QRegularExpression separators(u"[,\\s]+"_s);
    QStringList list;
    for (const QString &part : keywords.split(separators, Qt::SkipEmptyParts)) {
        const QString keyword = part.toLower();
        if (!list.contains(keyword))
            list.append(keyword);
    }
    return list;
}
struct Filter
{
    QStringList clauses;
    QVariantList bindings;

    void add(const QString &clause, const QVariantList &values = {})
    {
        clauses.append(clause);
        bindings.append(values);
    }
    void addIn(const QString &column, const QStringList &values)
    {
        if (!values.isEmpty())
            add(u"%1 IN (%2)"_s.arg(column, placeholders(values.size())), variants(values));
    }
    void addRange(const QString &column, const TimeRange &range)
    {
        if (range.from.isValid())
            add(column + u" >= ?"_s, {sql::toStoreTime(range.from)});
        if (range.to.isValid())
            add(column + u" <= ?"_s, {sql::toStoreTime(range.to)});
    }
    QString where() const { return clauses.isEmpty() ? QString() : u" WHERE "_s + clauses.join(u" AND "_s); }
};

Result<QStringList> upperValues(const QStringList &values, const QStringList &allowed, const QString &location)
{
    QStringList list;
    for (const QString &value : values) {
        const QString upper = value.trimmed().toUpper();
        if (!allowed.isEmpty() && !allowed.contains(upper))
            return Error::invalid(u"unknown value '%1'; use any of: %2"_s.arg(value, allowed.join(u", "_s)), location);
        if (!list.contains(upper))
            list.append(upper);
    }
    return list;
}

// The rows the full-text index finds for a keyword, up to `cap` of them:
// cheap for a rare keyword, bounded for a common one. Sorted.
Result<QList<qint64>> probeKeyword(const QSqlDatabase &db, const QString &keyword, qint64 cap)
{
    Result<QSqlQuery> rows = select(db, u"SELECT rowid FROM connections_fts WHERE search_text LIKE ? LIMIT ?"_s,
                                    {QString(u"%"_s + keyword + u"%"_s), cap});
    if (!rows)
        return rows.error();
    QList<qint64> found;
    while (rows.value().next())
        found.append(rows.value().value(0).toLongLong());
    std::sort(found.begin(), found.end());
    return found;
}

// Keywords: every one must match (AND), each as a case-insensitive substring
// of the search text or of the status name.
//
// PostgreSQL: LIKE on search_text, which the pg_trgm index answers; its planner
// weighs the index against reading the table by its own statistics.
// SQLite: the trigram index (FTS5) finds the rows of a rare keyword at once but
// is slower than reading every row for a keyword that most rows hold. So each
// keyword is looked up in the index, taking no more than a bound of rows; the
// smallest complete set of rows found then drives the query (the page and the
// count read only those rows). When every keyword reaches the bound, the page
// walks its sort index until it has its rows (quick: matches are many) and the
// count reads the search text index. Either way the LIKE on the row decides,
// so the trigram index only ever narrows. Keywords shorter than a trigram, or
// holding a LIKE wildcard, cannot use it.
Status addKeywords(Filter &filter, const QStringList &keywords, const QSqlDatabase &db, bool postgres)
{
    const QString escape = postgres ? QString() : u" ESCAPE '\\'"_s;
    std::optional<QList<qint64>> narrowest;
    qint64 cap = 0;
    for (const QString &keyword : keywords) {
        QStringList statuses;
        for (ConnectionStatus status : {ConnectionStatus::Connected, ConnectionStatus::Disconnected}) {
            if (connectionStatusName(status).toLower().contains(keyword))
                statuses.append(connectionStatusName(status));
        }
        if (statuses.size() == 2)
            continue; // matches every row
        const QString pattern = u"%"_s + escapeLike(keyword) + u"%"_s;
        if (statuses.isEmpty())
            filter.add(u"c.search_text LIKE ?"_s + escape, {pattern});
        else
            filter.add(u"(c.search_text LIKE ?%1 OR c.status = ?)"_s.arg(escape), {pattern, statuses.first()});

        if (postgres || !statuses.isEmpty() || keyword.size() < 3 || keyword.contains(u'%') || keyword.contains(u'_'))
            continue;
        if (narrowest && narrowest->size() < 100)
            continue; // narrow enough: more lookups would cost more than they save
        if (cap == 0) {
            // The bound grows with the table: reading every search text costs
            // about as much as fetching a fiftieth of the rows one by one.
            Result<qint64> rows = scalar(db, u"SELECT COALESCE(MAX(seq), 0) FROM connections"_s);
            if (!rows)
                return rows.error();
            cap = std::clamp<qint64>(rows.value() / 50, 1000, 20000);
        }
        Result<QList<qint64>> found = probeKeyword(db, keyword, cap);
        if (!found)
            return found.error();
        if (found->size() < cap && (!narrowest || found->size() < narrowest->size()))
            narrowest = std::move(found.value());
    }
    if (narrowest) {
        if (narrowest->isEmpty()) {
            filter.add(u"0 = 1"_s);
        } else {
            // Numbers from the store, written into the statement: SQLite looks
            // up bound parameters by name, one by one, which thousands of them make slow.
            QStringList list;
            list.reserve(narrowest->size());
            for (const qint64 seq : std::as_const(*narrowest))
                list.append(QString::number(seq));
            filter.add(u"c.seq IN (%1)"_s.arg(list.join(u',')));
        }
    }
    return {};
}

} // namespace

ConnectionQueries::ConnectionQueries(Database &database, TrailRecorder &recorder)
    : m_database(database)
    , m_recorder(recorder)
{
}

Result<ConnectionPage> ConnectionQueries::search(const ConnectionQuery &query) const
{
    if (Status page = validatePage(query.offset, query.limit); !page)
        return page.error();
    const QString sortKey = query.sortKey.isEmpty() ? u"id"_s : query.sortKey.toLower();
    const auto sort = sortColumns().find(sortKey);
    if (sort == sortColumns().end())
        return Error::invalid(u"cannot sort by '%1'; use one of: %2"_s.arg(query.sortKey, sortKeyList()), u"sortkey"_s);
    const QStringList keywords = splitKeywords(query.keywords);
    if (keywords.size() > kMaxKeywords)
        return Error::invalid(u"at most %1 keywords"_s.arg(kMaxKeywords), u"keywords"_s);
    for (const QString &keyword : keywords) {
        if (keyword.size() > kMaxKeywordLength)
            return Error::invalid(u"a keyword is longer than %1 characters"_s.arg(kMaxKeywordLength), u"keywords"_s);
    }
    Result<QStringList> statuses = upperValues(query.statuses, {u"CONNECTED"_s, u"DISCONNECTED"_s}, u"status"_s);
    if (!statuses)
        return statuses.error();
    Result<QStringList> types = upperValues(query.types, {}, u"type"_s);
    Result<QStringList> methods = upperValues(query.authenticationMethods, {}, u"authentication_method"_s);

    const bool postgres = m_database.isPostgres();
    QSqlDatabase db = m_database.connection();
    Filter filter;
    filter.addIn(u"c.id"_s, query.ids);
    filter.addIn(u"c.proxy_id"_s, query.proxyIds);
    filter.addIn(u"c.type"_s, types.value());
    filter.addIn(u"c.user_id"_s, query.userIds);
    filter.addIn(u"c.user_display_name"_s, query.userDisplayNames);
    filter.addIn(u"c.remote_address"_s, query.remoteAddresses);
    filter.addIn(u"c.status"_s, statuses.value());
    if (!methods->isEmpty()) {
        QStringList any;
        QVariantList patterns;
        for (const QString &method : methods.value()) {
            any.append(u"c.authentication_methods LIKE ?"_s);
            patterns.append(QString(u"%,"_s + method + u",%"_s));
        }
        filter.add(u"("_s + any.join(u" OR "_s) + u")"_s, patterns);
    }
    if (!query.accessRoles.isEmpty())
        filter.add(
            u"EXISTS (SELECT 1 FROM connection_access_roles g WHERE g.connection_id = c.id AND g.role_id IN (%1))"_s
                .arg(placeholders(query.accessRoles.size())),
            variants(query.accessRoles));
    if (!query.tags.isEmpty())
        filter.add(u"EXISTS (SELECT 1 FROM connection_tags t WHERE t.connection_id = c.id AND t.tag IN (%1))"_s.arg(
                       placeholders(query.tags.size())),
                   variants(query.tags));
    if (query.hasAccessRoles.has_value())
        filter.add(u"%1 EXISTS (SELECT 1 FROM connection_access_roles g WHERE g.connection_id = c.id)"_s.arg(
            *query.hasAccessRoles ? QString() : u"NOT"_s));
    if (query.forceDisconnected.has_value())
        filter.add(*query.forceDisconnected ? u"c.force_disconnect IS NOT NULL"_s : u"c.force_disconnect IS NULL"_s);
    filter.addRange(u"c.connected"_s, query.connected);
    filter.addRange(u"c.disconnected"_s, query.disconnected);
    filter.addRange(u"c.last_activity"_s, query.lastActivity);
    if (Status added = addKeywords(filter, keywords, db, postgres); !added)
        return added.error();

    const QString direction = query.descending ? u"DESC"_s : u"ASC"_s;
    QString nulls;
    if (postgres && sort->second == u"c.disconnected"_s)
        nulls = query.descending ? u" NULLS LAST"_s : u" NULLS FIRST"_s;
    QString order = u" ORDER BY %1 %2%3"_s.arg(sort->second, direction, nulls);
    if (sort->second != u"c.id"_s)
        order += u", c.id "_s + direction;

    // The page's ids first, by the index alone; then the rows of those ids.
    QVariantList pageBindings = filter.bindings;
    pageBindings << query.limit << query.offset;
    Result<QSqlQuery> ids = select(
        db, u"SELECT c.id FROM connections c"_s + filter.where() + order + u" LIMIT ? OFFSET ?"_s, pageBindings);
    if (!ids)
        return ids.error();
    QStringList pageIds;
    while (ids.value().next())
        pageIds.append(ids.value().value(0).toString());

    ConnectionPage page;
    if (!pageIds.isEmpty() && pageIds.size() < query.limit) {
        page.count = query.offset + pageIds.size(); // the last page: nothing to count
    } else {
        Result<qint64> count = filter.clauses.isEmpty()
            ? scalar(db, u"SELECT value FROM connection_totals WHERE name = 'connections'"_s)
            : scalar(db, u"SELECT COUNT(*) FROM connections c"_s + filter.where(), filter.bindings);
        if (!count)
            return count.error();
        page.count = count.value();
    }
    if (pageIds.isEmpty())
        return page;

    Result<QSqlQuery> rows
        = select(db, u"SELECT %1 FROM connections WHERE id IN (%2)"_s.arg(kRecordColumns, placeholders(pageIds.size())),
                 variants(pageIds));
    if (!rows)
        return rows.error();
    QHash<QString, ConnectionRecord> byId;
    while (rows.value().next()) {
        ConnectionRecord record = recordFromRow(rows.value());
        byId.insert(record.id, std::move(record));
    }
    const QVariantList idValues = variants(pageIds);
    const QString in = placeholders(pageIds.size());
    Result<QSqlQuery> tags = select(
        db, u"SELECT connection_id, tag FROM connection_tags WHERE connection_id IN (%1) ORDER BY tag"_s.arg(in),
        idValues);
    if (!tags)
        return tags.error();
    while (tags.value().next()) {
        if (auto it = byId.find(tags.value().value(0).toString()); it != byId.end())
            it->tags.append(tags.value().value(1).toString());
    }
    Result<QSqlQuery> roles = select(db,
                                     u"SELECT g.connection_id, r.id, r.name, g.added FROM connection_access_roles g"
                                     " JOIN access_roles r ON r.id = g.role_id WHERE g.connection_id IN (%1)"
                                     " ORDER BY g.added, r.name"_s.arg(in),
                                     idValues);
    if (!roles)
        return roles.error();
    while (roles.value().next()) {
        if (auto it = byId.find(roles.value().value(0).toString()); it != byId.end())
            it->accessRoles.append(
                AccessRoleGrant{{roles.value().value(1).toString(), roles.value().value(2).toString()},
                                sql::fromStoreTime(roles.value().value(3))});
    }
    if (query.withTrail) {
        Result<QSqlQuery> channels
            = select(db,
                     u"SELECT connection_id, channel_id, type, bytes_client_to_server, bytes_server_to_client"
                     " FROM connection_channels WHERE connection_id IN (%1) ORDER BY connection_id, position"_s.arg(in),
                     idValues);
        if (!channels)
            return channels.error();
        while (channels.value().next()) {
            const QSqlQuery &row = channels.value();
            if (auto it = byId.find(row.value(0).toString()); it != byId.end())
                it->channels.append(TrailChannel{row.value(1).toString(), row.value(2).toString(),
                                                 row.value(3).toLongLong(), row.value(4).toLongLong()});
        }
    }
    for (const QString &id : std::as_const(pageIds)) {
        if (auto it = byId.find(id); it != byId.end())
            page.items.append(std::move(*it));
    }
    m_recorder.overlayLive(page.items);
    return page;
}

Result<ConnectionRecord> ConnectionQueries::get(const QString &id) const
{
    if (Status flushed = m_recorder.writePending(); !flushed)
        return flushed.error();
    ConnectionQuery query;
    query.ids = {id};
    query.limit = 1;
    Result<ConnectionPage> page = search(query);
    if (!page)
        return page.error();
    if (page->items.isEmpty())
        return Error::notFound(u"no connection has the id %1"_s.arg(id));
    return page->items.first();
}
void ConnectionQueries::setCollectedKeyActivity(CollectedKeyActivity source)
{
    QMutexLocker lock(&m_sourceMutex);
    m_keys = std::move(source);
}

Result<QList<ConnectionActivityBucket>> ConnectionQueries::activity(const QDateTime &from, const QDateTime &to,
                                                                    int buckets) const
{
    if (!from.isValid())
        return Error::invalid(u"the chart needs a start"_s, u"from"_s);
    if (!to.isValid() || to <= from)
        return Error::invalid(u"the chart's end must come after its start"_s, u"to"_s);
    if (buckets < 1 || buckets > kMaxBuckets)
        return Error::invalid(u"buckets must be between 1 and %1, not %2"_s.arg(kMaxBuckets).arg(buckets),
                              u"buckets"_s);
    const qint64 span = from.msecsTo(to);
    QList<ConnectionActivityBucket> list;
    list.reserve(buckets);
    QStringList bounds;
    QList<QDateTime> edges;
    for (int i = 0; i <= buckets; ++i) {
        const QDateTime start = from.addMSecs(span * i / buckets);
        bounds.append(sql::toStoreTime(start));
        edges.append(start);
        if (i < buckets)
            list.append(ConnectionActivityBucket{start.toUTC(), 0, 0});
    }
    QSqlDatabase db = m_database.connection();
    // One index range count per bucket: the cost follows the rows in the chart, not the table.
    for (int i = 0; i < buckets; ++i) {
        Result<qint64> count = scalar(db, u"SELECT COUNT(*) FROM connections WHERE connected >= ? AND connected < ?"_s,
                                      {bounds.at(i), bounds.at(i + 1)});
        if (!count)
            return count.error();
        list[i].connections = static_cast<int>(count.value());
    }
    CollectedKeyActivity keys;
    {
        QMutexLocker lock(&m_sourceMutex);
        keys = m_keys;
    }
    if (!keys)
        return list;
    Result<QList<int>> collected = keys(edges);
    if (!collected)
        return collected.error();
    for (qsizetype i = 0; i < std::min<qsizetype>(buckets, collected->size()); ++i)
        list[i].keysCollected = collected->at(i);
    return list;
}

} // namespace keystead
