#pragma once

#include "api/ErrorShape.h"

namespace keystead {

// Errors of seed 003's family (/connection-manager/): the seed shows no error
// body, so every answer of the family has one shape a script can rely on:
//   {"code": 400, "error": "INVALID_PARAMETER", "message": "...",
//    "details": {"parameter": "sortkey", "value": "nope"}}
// `code` repeats the HTTP status, `error` is a stable name per status,
// `details.parameter` names the query parameter, path argument or body field
// ("connected.from", "tags[2]", "body") a 400 is about.
class ConnectionErrorShape final : public ErrorShape
{
public:
    HttpResponse render(int status, const Error &error, const HttpRequest &request) const override;

    // "INVALID_PARAMETER", "NOT_FOUND", ...: what `error` holds for a status.
    static QString errorName(int status);
};

} // namespace keystead
