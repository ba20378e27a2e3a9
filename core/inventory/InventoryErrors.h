#pragma once

#include "common/Result.h"

#include <optional>

namespace keystead {

// Why the key inventory refused a request, in domain terms. The service puts
// the reason's name in Error::details["reason"]; the HTTP family (core/api's
// PamErrorShape) gives each reason seed 001's number, the panel shows the message.
// Named in this order by kReasons in InventoryErrors.cpp: add a value there too.
enum class InventoryReason {
    DeviceHostnameMissing,
    DeviceIpMissing,
    PublicKeyMissing,
    PrivateKeyMissing,
    PrivateKeyUnreadable,
    PublicKeyUnreadable,
    KeyPairMismatch,
    PasswordRequired,
    PasswordWrong,
    PasswordNotNeeded,
    PrivateKeyUnsupported,
    IdentifierInvalid,
    FieldInvalid, // a field of the wrong type or beyond its limit
    VaultUnavailable, // no master key store answers, or the key does not open the vault
    PrivateKeyNotHeld, // reveal asked of a key that has no private key (a collected public key)
};

// The stable name of a reason: "inventory.device_hostname_missing", ...
QString inventoryReasonName(InventoryReason reason);

// An InvalidInput error (or `kind`) carrying the reason. Further facts ride in
// details: "detail" (why, in more words, never a secret) and, for NotFound, "resource".
Error inventoryError(InventoryReason reason, QString message, Error::Kind kind = Error::Kind::InvalidInput,
                     QString location = {});
// The reason an error carries; none for errors the inventory did not name.
std::optional<InventoryReason> inventoryReason(const Error &error);

} // namespace keystead
