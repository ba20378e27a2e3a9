#include "PamErrorShape.h"

#include "inventory/InventoryErrors.h"

#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// The router refuses a token lacking a scope with Forbidden and names the scope;
// seed 001 numbers a missing write permission 1039, Keystead's reveal scope is 1040.
std::optional<std::pair<InventoryError, QString>> scopeRefusal(const Error &error)
{
    if (error.kind != Error::Kind::Forbidden || !error.details.contains(u"required_scope"_s))
        return std::nullopt;
    if (error.details.value(u"required_scope"_s).toString() == u"reveal"_s)
        return std::pair{InventoryError::NoRevealPermission, u"Without permission to reveal PAM secrets"_s};
    return std::pair{InventoryError::NoWritePermission, u"Without PAM Configuration Access permission"_s};
}

} // namespace

HttpResponse PamErrorShape::render(int status, const Error &error, const HttpRequest &) const
{
    int code = inventoryErrorCode(error);
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
