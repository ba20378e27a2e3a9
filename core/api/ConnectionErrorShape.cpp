#include "ConnectionErrorShape.h"

#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace keystead {

QString ConnectionErrorShape::errorName(int status)
{
    switch (status) {
    case 400: return u"INVALID_PARAMETER"_s;
    case 401: return u"UNAUTHORIZED"_s;
    case 403: return u"FORBIDDEN"_s;
    case 404: return u"NOT_FOUND"_s;
    case 405: return u"METHOD_NOT_ALLOWED"_s;
    case 408: return u"REQUEST_TIMEOUT"_s;
    case 409: return u"CONFLICT"_s;
    case 413: return u"PAYLOAD_TOO_LARGE"_s;
    case 429: return u"TOO_MANY_REQUESTS"_s;
    case 431: return u"HEADERS_TOO_LARGE"_s;
    case 503: return u"UNAVAILABLE"_s;
    default: break;
    }
    return status >= 500 ? u"INTERNAL_ERROR"_s : u"REQUEST_FAILED"_s;
}

HttpResponse ConnectionErrorShape::render(int status, const Error &error, const HttpRequest &) const
{
    QJsonObject details;
    if (!error.location.isEmpty())
        details.insert(u"parameter"_s, error.location);
    // Only the keys the family documents: other details are internal to the core.
    for (const QString &key : {u"value"_s, u"required_scope"_s, u"allowed"_s}) {
        if (error.details.contains(key))
            details.insert(key, QJsonValue::fromVariant(error.details.value(key)));
    }
    const QJsonObject body{
        {u"code"_s, status},
        {u"error"_s, errorName(status)},
        {u"message"_s, error.message},
        {u"details"_s, details},
    };
    return HttpResponse::json(status, QJsonDocument(body));
}

} // namespace keystead
