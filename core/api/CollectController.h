#pragma once

#include <QLatin1StringView>

namespace keystead {

class ApiRouter;
class CollectService;

// Seed 000's collect sessions over HTTP, under /api/v1/ssh/collect/sessions:
// POST (create, 201), GET (list: ?page=1&page_size=50, at most 200, optional
// status and external_id filters; a JSON array with X-Total-Count and Link
// headers), GET/PATCH/DELETE /{session}, POST /{session}/complete.
// Errors are RFC 9457 problem+json with errors[] naming each bad field
// (body.timeout, query.page, ...): 422 for invalid input, 404 for an unknown
// session, 409 for a taken connection_identifier or completing an expired session.
class CollectController final
{
public:
    CollectController(ApiRouter &router, CollectService &service);

    static constexpr QLatin1StringView kSessionsPath{"/api/v1/ssh/collect/sessions"};
    static constexpr int kDefaultPageSize = 50;
};

} // namespace keystead
