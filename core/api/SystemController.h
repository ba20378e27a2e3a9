#pragma once

namespace keystead {

class ApiRouter;

// Routes every family shares: liveness and the OpenAPI document.
class SystemController final
{
public:
    explicit SystemController(ApiRouter &router);
};

} // namespace keystead
