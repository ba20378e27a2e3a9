#pragma once

#include "api/ErrorShape.h"

#include <QJsonObject>

namespace keystead {

// Errors of seed 004's family (/api/configuration/, /api/ssh-host-keys,
// /api/transaction, /api/authentication), as SPS writes them:
//   {"error": {"code": "InvalidQuery", "message": "...", "details": {...}},
//    "meta": {"href": "<path>", "parent": "<parent path>"}}
// code by status: 400 InvalidQuery, 401 Unauthenticated (details.path) or
// AuthenticationFailure, 403 Forbidden, 404 NotFound, 405 MethodNotAllowed,
// 409 TransactionConflict / Conflict, 413 PayloadTooLarge, 5xx InternalError.
class SpsErrorShape final : public ErrorShape
{
public:
    HttpResponse render(int status, const Error &error, const HttpRequest &request) const override;
};

// The `meta` object every SPS answer carries: href is the path without a
// trailing slash, parent the path one segment up; transaction links the
// transaction endpoint for /api/configuration paths.
QJsonObject spsMeta(const QString &href);

} // namespace keystead
