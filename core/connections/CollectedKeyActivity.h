#pragma once

// What the activity chart asks of the area that collects keys: how many keys
// were collected in each time bucket. collect/ owns those rows and answers
// (collect/CollectActivitySource); the composition wires the two, since peers
// never include each other, so this is a callable rather than a base class.

#include "common/Result.h"

#include <QDateTime>
#include <QList>

#include <functional>

namespace keystead {

// `bounds` are the buckets' edges, ascending: buckets + 1 of them. The answer
// has one count per bucket: keys collected at or after bounds[i] and before bounds[i + 1].
using CollectedKeyActivity = std::function<Result<QList<int>>(const QList<QDateTime> &bounds)>;

} // namespace keystead
