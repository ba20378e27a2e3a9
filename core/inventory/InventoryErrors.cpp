#include "inventory/InventoryErrors.h"

using namespace Qt::StringLiterals;

namespace keystead {

Error inventoryError(InventoryError code, QString message, Error::Kind kind, QString location)
{
    Error error{kind, std::move(message), std::move(location), {}};
    error.details.insert(u"error_code"_s, static_cast<int>(code));
    return error;
}

int inventoryErrorCode(const Error &error)
{
    bool ok = false;
    const int code = error.details.value(u"error_code"_s).toInt(&ok);
    return ok ? code : 0;
}

} // namespace keystead
