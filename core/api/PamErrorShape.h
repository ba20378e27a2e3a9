#pragma once

#include "api/ErrorShape.h"

namespace keystead {

// Seed 001's envelope for errors: {code, response{status, message, error,
// error_code, detail, mensagem, erro, cod_erro}}, the message led by its number
// ("1013: The public key was not informed").
class PamErrorShape final : public ErrorShape
{
public:
    HttpResponse render(int status, const Error &error, const HttpRequest &request) const override;

    // Seed 001's number for an inventory reason (InventoryErrors.h); 0 when the error names none.
    static int codeFor(const Error &error);
};

} // namespace keystead
