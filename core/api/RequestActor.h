#pragma once

#include "api/HttpMessage.h"
#include "audit/AuditLog.h"

namespace keystead {

// Who the audit log names for an HTTP request: the token that authenticated it
// (id and name) and the peer's address.
Actor requestActor(const HttpRequest &request);

} // namespace keystead
