#include "collect/CollectActivitySource.h"

#include "store/Database.h"
#include "store/Sql.h"

#include <QStringList>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead {

CollectActivitySource::CollectActivitySource(Database &database)
    : m_database(&database)
{
}

Result<QList<int>> CollectActivitySource::operator()(const QList<QDateTime> &bounds) const
{
    const qsizetype buckets = std::max<qsizetype>(0, bounds.size() - 1);
    QList<int> counts(buckets, 0);
    if (buckets == 0)
        return counts;
    // Compared as the store writes times: text that sorts as the time does.
    QStringList edges;
    edges.reserve(bounds.size());
    for (const QDateTime &bound : bounds)
        edges.append(sql::toStoreTime(bound));
    Result<QSqlQuery> keys = sql::exec(m_database->connection(),
                                       u"SELECT created_at FROM collect_keys WHERE state = 'collected'"
                                       " AND created_at >= ? AND created_at < ?"_s,
                                       {edges.first(), edges.last()});
    if (!keys)
        return keys.error();
    while (keys.value().next()) {
        const QString at = keys.value().value(0).toString();
        const auto upper = std::upper_bound(edges.cbegin(), edges.cend(), at);
        const qsizetype index = std::distance(edges.cbegin(), upper) - 1;
        if (index >= 0 && index < buckets)
            ++counts[index];
    }
    return counts;
}

} // namespace keystead
