#include "inventory/InventoryErrors.h"

#include <array>
#include <utility>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

const QString kReasonKey = u"reason"_s;

constexpr std::array kReasons{
    std::pair{InventoryReason::DeviceHostnameMissing, "inventory.device_hostname_missing"},
    std::pair{InventoryReason::DeviceIpMissing, "inventory.device_ip_missing"},
    std::pair{InventoryReason::PublicKeyMissing, "inventory.public_key_missing"},
    std::pair{InventoryReason::PrivateKeyMissing, "inventory.private_key_missing"},
    std::pair{InventoryReason::PrivateKeyUnreadable, "inventory.private_key_unreadable"},
    std::pair{InventoryReason::PublicKeyUnreadable, "inventory.public_key_unreadable"},
    std::pair{InventoryReason::KeyPairMismatch, "inventory.key_pair_mismatch"},
    std::pair{InventoryReason::PasswordRequired, "inventory.password_required"},
    std::pair{InventoryReason::PasswordWrong, "inventory.password_wrong"},
    std::pair{InventoryReason::PasswordNotNeeded, "inventory.password_not_needed"},
    std::pair{InventoryReason::PrivateKeyUnsupported, "inventory.private_key_unsupported"},
    std::pair{InventoryReason::IdentifierInvalid, "inventory.identifier_invalid"},
    std::pair{InventoryReason::FieldInvalid, "inventory.field_invalid"},
    std::pair{InventoryReason::VaultUnavailable, "inventory.vault_unavailable"},
    std::pair{InventoryReason::PrivateKeyNotHeld, "inventory.private_key_not_held"},
};

} // namespace

QString inventoryReasonName(InventoryReason reason)
{
    for (const auto &[known, name] : kReasons) {
        if (known == reason)
            return QString::fromLatin1(name);
    }
    return {};
}

Error inventoryError(InventoryReason reason, QString message, Error::Kind kind, QString location)
{
    Error error{kind, std::move(message), std::move(location), {}};
    error.details.insert(kReasonKey, inventoryReasonName(reason));
    return error;
}

std::optional<InventoryReason> inventoryReason(const Error &error)
{
    const QString name = error.details.value(kReasonKey).toString();
    if (name.isEmpty())
        return std::nullopt;
    for (const auto &[known, knownName] : kReasons) {
        if (name == QLatin1StringView(knownName))
            return known;
    }
    return std::nullopt;
}

} // namespace keystead
