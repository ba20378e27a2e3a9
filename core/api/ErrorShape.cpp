#include "ErrorShape.h"

#include <QJsonArray>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace keystead {

int ErrorShape::defaultStatus(Error::Kind kind)
{
    switch (kind) {
    case Error::Kind::InvalidInput: return 400;
    case Error::Kind::NotFound: return 404;
    case Error::Kind::Conflict: return 409;
    case Error::Kind::Unauthorized: return 401;
    case Error::Kind::Forbidden: return 403;
    case Error::Kind::Unavailable: return 503;
    case Error::Kind::Internal: return 500;
    }
    return 500;
}

HttpResponse ProblemJsonShape::render(int status, const Error &error, const HttpRequest &request) const
{
    QJsonObject problem{
        {u"type"_s, u"about:blank"_s}, {u"title"_s, QString::fromLatin1(reasonPhrase(status))},
        {u"status"_s, status},         {u"detail"_s, error.message},
        {u"instance"_s, request.path},
    };
    if (error.details.contains(u"errors"_s)) {
        // Several bad fields at once: details["errors"] lists {location, message, value}.
        QJsonArray items;
        const QVariantList list = error.details.value(u"errors"_s).toList();
        for (const QVariant &entry : list) {
            const QVariantMap map = entry.toMap();
            QJsonObject item{{u"location"_s, map.value(u"location"_s).toString()},
                             {u"message"_s, map.value(u"message"_s).toString()}};
            if (map.contains(u"value"_s))
                item.insert(u"value"_s, QJsonValue::fromVariant(map.value(u"value"_s)));
            items.append(item);
        }
        problem.insert(u"errors"_s, items);
    } else if (!error.location.isEmpty()) {
        QJsonObject item{{u"location"_s, error.location}, {u"message"_s, error.message}};
        if (error.details.contains(u"value"_s))
            item.insert(u"value"_s, QJsonValue::fromVariant(error.details.value(u"value"_s)));
        problem.insert(u"errors"_s, QJsonArray{item});
    }
    return HttpResponse::json(status, QJsonDocument(problem), QByteArrayLiteral("application/problem+json"));
}

} // namespace keystead
