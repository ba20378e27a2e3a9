#pragma once

#include "common/Result.h"

#include <QDateTime>
#include <QList>

namespace keystead {

class Database;

// Collected keys per time bucket, read from collect_keys (which collect/ owns)
// for the connections panel's activity chart. It is what connections/
// CollectedKeyActivity calls: hand it over as is,
// connections.setCollectedKeyActivity(CollectActivitySource(database)).
class CollectActivitySource final
{
public:
    explicit CollectActivitySource(Database &database);

    // `bounds`: the buckets' edges, ascending. One count per bucket: keys
    // collected at or after bounds[i] and before bounds[i + 1].
    Result<QList<int>> operator()(const QList<QDateTime> &bounds) const;

private:
    Database *m_database;
};

} // namespace keystead
