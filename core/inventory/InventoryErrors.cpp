#include "inventory/InventoryErrors.h"

#include "common/ReasonNames.h"

#include <utility>

namespace keystead {

namespace {

constexpr ReasonNames<InventoryReason, static_cast<std::size_t>(InventoryReason::PrivateKeyNotHeld) + 1> kReasons{
    "inventory.",
    "device_hostname_missing device_ip_missing public_key_missing private_key_missing private_key_unreadable "
    "public_key_unreadable key_pair_mismatch password_required password_wrong password_not_needed "
    "private_key_unsupported identifier_invalid field_invalid vault_unavailable private_key_not_held"};
static_assert(kReasons.complete(), "every InventoryReason needs its name, in the enum's order");

} // namespace

QString inventoryReasonName(InventoryReason reason)
{
    return kReasons.name(reason);
}

Error inventoryError(InventoryReason reason, QString message, Error::Kind kind, QString location)
{
    return kReasons.error(reason, std::move(message), kind, std::move(location));
}

std::optional<InventoryReason> inventoryReason(const Error &error)
{
    return kReasons.of(error);
}

} // namespace keystead
