#pragma once

#include <QDateTime>
#include <QString>

namespace keystead {

// A time as JSON answers and webhook bodies write it: RFC 3339 in UTC with
// milliseconds ("2026-12-07T23:59:27.123Z"). Seed 002 writes whole seconds
// and keeps its own format in api/CaController.
inline QString timeToJson(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

} // namespace keystead
