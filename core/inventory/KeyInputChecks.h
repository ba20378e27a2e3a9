#pragma once

#include "common/Result.h"
#include "inventory/InventoryErrors.h"
#include "inventory/SshKeyRecord.h"

#include <optional>

namespace keystead::keychecks {

// The inventory's checks of a save's fields (no store needed) and the errors
// it answers with, each naming its InventoryReason.

// Seed 001's messages for the fields a key cannot go without.
Error missing(InventoryReason reason);
// The parser names why it refused a key; each reason has its own here.
Error privateKeyRefused(const Error &parsed);
Error vaultRefused(const Error &vault);
Error mismatch();

// Trimmed, without empty entries or repeats, in the order given.
QStringList cleanList(const QStringList &values);

// Checks the fields given, each on its own (no store needed).
std::optional<Error> checkFields(const SshKeyInput &input);

} // namespace keystead::keychecks
