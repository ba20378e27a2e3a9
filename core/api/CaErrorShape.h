#pragma once

#include "api/ErrorShape.h"

namespace keystead {

// Errors of seed 002's family (/ssh_certificate_authorities, /ssh_user_certificates,
// /ssh_host_certificates, /ssh_certificate_revocations), as ngrok writes them:
//   {"error_code": "ERR_KEYSTEAD_5131", "status_code": 400, "msg": "...",
//    "details": {"operation_id": "op_...", "field": "principals"}}
// Every error has a number (CaError in ca/CaRecords.h); the frame's own errors
// (401, 404, 405, 413, 429, a malformed body) get theirs from the status.
class CaErrorShape final : public ErrorShape
{
public:
    HttpResponse render(int status, const Error &error, const HttpRequest &request) const override;

    // The status an error of this family answers with: its number's, else the kind's.
    static int statusFor(const Error &error);
    // The number the family prints for an error answered with `status`.
    static int codeFor(int status, const Error &error);
};

} // namespace keystead
