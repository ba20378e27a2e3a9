#pragma once

#include "api/HttpMessage.h"

namespace keystead {

class ApiRouter;
class InventoryService;

// Seed 001's routes: /api/pam/key (POST create-or-update, GET list),
// /api/pam/key/{id} (GET by id or identifier, DELETE inactivates), and
// /api/pam/key/{id}/secret (GET, needs a token with the reveal scope; audited).
class KeyController final
{
public:
    KeyController(ApiRouter &router, InventoryService &inventory);

private:
    HttpResponse save(const HttpRequest &request);
    HttpResponse list(const HttpRequest &request);
    HttpResponse show(const HttpRequest &request);
    HttpResponse inactivate(const HttpRequest &request);
    HttpResponse reveal(const HttpRequest &request);

    ApiRouter &m_router;
    InventoryService &m_inventory;
};

} // namespace keystead
