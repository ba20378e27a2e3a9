#include "PamErrorShape.h"

#include "inventory/InventoryErrors.h"

#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// Seed 001's numbers (and Keystead's own after them, from 1040).
enum class PamCode {
    DeviceHostnameMissing = 1004,
    DeviceIpMissing = 1005,
    PublicKeyMissing = 1013,
    PrivateKeyMissing = 1014,
    NoWritePermission = 1039,
    NoRevealPermission = 1040,
    PrivateKeyUnreadable = 1041,
    PublicKeyUnreadable = 1042,
    KeyPairMismatch = 1043,
    PasswordRequired = 1044,
    PasswordWrong = 1045,
    PasswordNotNeeded = 1046,
    PrivateKeyUnsupported = 1047,
    IdentifierInvalid = 1048,
    FieldInvalid = 1049,
    VaultUnavailable = 1050,
    PrivateKeyNotHeld = 1051,
};

PamCode codeOf(InventoryReason reason)
{
    switch (reason) {
    case InventoryReason::DeviceHostnameMissing: return PamCode::DeviceHostnameMissing;
    case InventoryReason::DeviceIpMissing: return PamCode::DeviceIpMissing;
    case InventoryReason::PublicKeyMissing: return PamCode::PublicKeyMissing;
    case InventoryReason::PrivateKeyMissing: return PamCode::PrivateKeyMissing;
    case InventoryReason::PrivateKeyUnreadable: return PamCode::PrivateKeyUnreadable;
    case InventoryReason::PublicKeyUnreadable: return PamCode::PublicKeyUnreadable;
    case InventoryReason::KeyPairMismatch: return PamCode::KeyPairMismatch;
    case InventoryReason::PasswordRequired: return PamCode::PasswordRequired;
    case InventoryReason::PasswordWrong: return PamCode::PasswordWrong;
    case InventoryReason::PasswordNotNeeded: return PamCode::PasswordNotNeeded;
    case InventoryReason::PrivateKeyUnsupported: return PamCode::PrivateKeyUnsupported;
    case InventoryReason::IdentifierInvalid: return PamCode::IdentifierInvalid;
    case InventoryReason::FieldInvalid: return PamCode::FieldInvalid;
    case InventoryReason::VaultUnavailable: return PamCode::VaultUnavailable;
    case InventoryReason::PrivateKeyNotHeld: return PamCode::PrivateKeyNotHeld;
    }
    return PamCode::FieldInvalid;
}

// The router refuses a token lacking a scope with Forbidden and names the scope;
// seed 001 numbers a missing write permission 1039, Keystead's reveal scope is 1040.
std::optional<std::pair<PamCode, QString>> scopeRefusal(const Error &error)
{
    if (error.kind != Error::Kind::Forbidden || !error.details.contains(u"required_scope"_s))
        return std::nullopt;
    if (error.details.value(u"required_scope"_s).toString() == u"reveal"_s)
        return std::pair{PamCode::NoRevealPermission, u"Without permission to reveal PAM secrets"_s};
    return std::pair{PamCode::NoWritePermission, u"Without PAM Configuration Access permission"_s};
}

} // namespace

int PamErrorShape::codeFor(const Error &error)
{
    const std::optional<InventoryReason> reason = inventoryReason(error);
    return reason ? static_cast<int>(codeOf(*reason)) : 0;
}

HttpResponse PamErrorShape::render(int status, const Error &error, const HttpRequest &) const
{
    int code = codeFor(error);
    QString message = error.message;
    QString detail = error.details.value(u"detail"_s).toString();
    if (detail.isEmpty())
        detail = error.location;
    if (const auto refusal = scopeRefusal(error)) {
        code = static_cast<int>(refusal->first);
        message = refusal->second;
        detail = error.message;
    }
    if (code != 0)
        message = u"%1: %2"_s.arg(code).arg(message);
    else if (status == 404 && error.details.contains(u"resource"_s))
        message = u"Resource %1 not found"_s.arg(error.details.value(u"resource"_s).toString());

    // The seed answers in English and Portuguese field names at once; both carry the same values.
    const QJsonObject response{
        {u"status"_s, status}, {u"message"_s, message},  {u"error"_s, true}, {u"error_code"_s, code},
        {u"detail"_s, detail}, {u"mensagem"_s, message}, {u"erro"_s, true},  {u"cod_erro"_s, code},
    };
    return HttpResponse::json(status, QJsonDocument(QJsonObject{{u"code"_s, status}, {u"response"_s, response}}));
}

} // namespace keystead
