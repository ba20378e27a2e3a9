#pragma once

#include "common/Result.h"

namespace keystead {

// The numbered errors of the key inventory (seed 001's style: "1013: The public
// key was not informed"). The service puts the number in Error::details["error_code"];
// the HTTP family prints it, the panel shows the message.
enum class InventoryError {
    DeviceHostnameMissing = 1004,
    DeviceIpMissing = 1005,
    PublicKeyMissing = 1013,
    PrivateKeyMissing = 1014,
    NoWritePermission = 1039,
    // Keystead's own, after the seed's:
    NoRevealPermission = 1040,
    PrivateKeyUnreadable = 1041,
    PublicKeyUnreadable = 1042,
    KeyPairMismatch = 1043,
    PasswordRequired = 1044,
    PasswordWrong = 1045,
    PasswordNotNeeded = 1046,
    PrivateKeyUnsupported = 1047,
    IdentifierInvalid = 1048,
    FieldInvalid = 1049, // a field of the wrong type or beyond its limit
    VaultUnavailable = 1050, // no master key store answers, or the key does not open the vault
    PrivateKeyNotHeld = 1051, // reveal asked of a key that has no private key (a collected public key)
};

// An InvalidInput error (or `kind`) carrying the number. Further facts ride in
// details: "detail" (why, in more words, never a secret) and, for NotFound, "resource".
Error inventoryError(InventoryError code, QString message, Error::Kind kind = Error::Kind::InvalidInput,
                     QString location = {});
// The number an error carries; 0 when none.
int inventoryErrorCode(const Error &error);

} // namespace keystead
