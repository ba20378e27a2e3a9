#include "CollectController.h"

#include "api/ApiRouter.h"
#include "api/CollectSessionPatch.h"
#include "collect/CollectJson.h"
#include "collect/CollectService.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// Seed 000 answers invalid input with 422; the frame's own 400 is for malformed JSON.
HttpResponse failure(const ApiRouter &router, const Error &error, const HttpRequest &request)
{
    const int status = error.kind == Error::Kind::InvalidInput ? 422 : ErrorShape::defaultStatus(error.kind);
    return router.error(status, error, request);
}

// `error` with `prefix` (e.g. "body.") in front of its location and its items' locations.
// An empty location (the whole body) becomes the prefix without its dot.
Error withLocationPrefix(Error error, const QString &prefix)
{
    const auto prefixed = [&prefix](const QString &location) {
        return location.isEmpty() && prefix.endsWith(u'.') ? prefix.chopped(1) : prefix + location;
    };
    if (!error.location.isEmpty() || error.details.contains(u"errors"_s))
        error.location = prefixed(error.location);
    if (error.details.contains(u"errors"_s)) {
        QVariantList items = error.details.value(u"errors"_s).toList();
        for (QVariant &item : items) {
            QVariantMap map = item.toMap();
            map.insert(u"location"_s, prefixed(map.value(u"location"_s).toString()));
            item = map;
        }
        error.details.insert(u"errors"_s, items);
    }
    return error;
}

// Errors about the body's fields carry the domain's field names ("timeout"); the seed names them "body.timeout".
HttpResponse bodyFailure(const ApiRouter &router, const Error &error, const HttpRequest &request)
{
    return failure(router, withLocationPrefix(error, u"body."_s), request);
}

HttpResponse sessionResponse(int status, const CollectSession &session)
{
    return HttpResponse::json(status, QJsonDocument(collectjson::sessionToJson(session)));
}

QString sessionPath(const QString &id)
{
    return QString(CollectController::kSessionsPath) + u'/' + QString::fromLatin1(QUrl::toPercentEncoding(id)) + u'/';
}

// The body as an object: an empty body (allowed for create) is {}.
std::optional<QJsonObject> bodyObject(const HttpRequest &request, FieldErrors &errors)
{
    if (request.body.trimmed().isEmpty())
        return QJsonObject();
    const QJsonDocument document = request.json();
    if (!document.isObject()) {
        errors.add(QString(), u"expected a JSON object"_s, document.toVariant());
        return std::nullopt;
    }
    return document.object();
}

// A positive integer query parameter, or an error at query.NAME.
std::optional<int> queryInteger(const HttpRequest &request, const QString &name, int fallback, int minimum, int maximum,
                                FieldErrors &errors)
{
    if (!request.query.hasQueryItem(name))
        return fallback;
    const QString text = request.query.queryItemValue(name, QUrl::FullyDecoded);
    bool ok = false;
    const int value = text.toInt(&ok);
    if (!ok || value < minimum || value > maximum) {
        errors.add(u"query."_s + name, u"must be an integer from %1 to %2"_s.arg(minimum).arg(maximum), text);
        return std::nullopt;
    }
    return value;
}

QByteArray pageLink(const CollectSessionQuery &query, int page, int pageSize, const QString &rel,
                    const HttpRequest &request)
{
    QUrlQuery linkQuery;
    linkQuery.addQueryItem(u"page"_s, QString::number(page));
    linkQuery.addQueryItem(u"page_size"_s, QString::number(pageSize));
    if (query.status)
        linkQuery.addQueryItem(u"status"_s, collectStatusName(*query.status));
    if (request.query.hasQueryItem(u"external_id"_s))
        linkQuery.addQueryItem(u"external_id"_s, QString::fromLatin1(QUrl::toPercentEncoding(query.externalId)));
    return (u"<"_s + QString(CollectController::kSessionsPath) + u"?"_s + linkQuery.query(QUrl::FullyEncoded)
            + u">; rel=\""_s + rel + u"\""_s)
        .toUtf8();
}

} // namespace

CollectController::CollectController(ApiRouter &router, CollectService &service)
{
    const QString sessions(kSessionsPath);
    const QString one = sessions + u"/{session}"_s;

    router.addRoute(
        "POST", sessions,
        [&router, &service](const HttpRequest &request) {
            FieldErrors errors;
            const std::optional<QJsonObject> body = bodyObject(request, errors);
            if (!body)
                return bodyFailure(router, errors.toError(), request);
            const CollectSessionInput input = collectapi::sessionInputFromJson(*body, errors);
            errors.append(service.validate(input));
            if (!errors.isEmpty())
                return bodyFailure(router, errors.toError(), request);
            Result<CollectSession> created = service.create(input);
            if (!created)
                return bodyFailure(router, created.error(), request);
            return sessionResponse(201, created.value()).withHeader("Location", sessionPath(created->id).toUtf8());
        },
        {.body = RouteBody::JsonOptional});

    router.addRoute("GET", sessions, [&router, &service](const HttpRequest &request) {
        FieldErrors errors;
        const std::optional<int> page = queryInteger(request, u"page"_s, 1, 1, 1'000'000, errors);
        const std::optional<int> pageSize
            = queryInteger(request, u"page_size"_s, kDefaultPageSize, 1, CollectSessionQuery::kMaxLimit, errors);
        CollectSessionQuery query;
        if (request.query.hasQueryItem(u"status"_s)) {
            const QString status = request.query.queryItemValue(u"status"_s, QUrl::FullyDecoded);
            query.status = collectStatusFromName(status);
            if (!query.status)
                errors.add(u"query.status"_s, u"must be one of pending, completed, expired"_s, status);
        }
        query.externalId = request.query.queryItemValue(u"external_id"_s, QUrl::FullyDecoded);
        if (!errors.isEmpty())
            return failure(router, errors.toError(), request);
        query.limit = *pageSize;
        query.offset = (*page - 1) * *pageSize;
        Result<CollectSessionPage> found = service.list(query);
        if (!found)
            return failure(router, found.error(), request);

        QJsonArray items;
        for (const CollectSession &session : std::as_const(found->sessions))
            items.append(collectjson::sessionToJson(session));
        HttpResponse response = HttpResponse::json(200, QJsonDocument(items));
        response.withHeader("X-Total-Count", QByteArray::number(found->total));
        QList<QByteArray> links;
        if (query.offset + query.limit < found->total)
            links.append(pageLink(query, *page + 1, *pageSize, u"next"_s, request));
        if (*page > 1)
            links.append(pageLink(query, *page - 1, *pageSize, u"prev"_s, request));
        if (!links.isEmpty())
            response.withHeader("Link", links.join(", "));
        return response;
    });

    router.addRoute("GET", one, [&router, &service](const HttpRequest &request) {
        Result<CollectSession> session = service.get(request.argument(u"session"_s));
        if (!session)
            return failure(router, session.error(), request);
        return sessionResponse(200, session.value());
    });

    router.addRoute("PATCH", one,
                    [&router, &service](const HttpRequest &request) {
                        FieldErrors errors;
                        const std::optional<QJsonObject> body = bodyObject(request, errors);
                        if (!body)
                            return bodyFailure(router, errors.toError(), request);
                        const CollectSessionUpdate patch = collectapi::sessionUpdateFromJson(*body, errors);
                        errors.append(service.validate(patch));
                        if (!errors.isEmpty())
                            return bodyFailure(router, errors.toError(), request);
                        Result<CollectSession> updated = service.update(request.argument(u"session"_s), patch);
                        if (!updated)
                            return bodyFailure(router, updated.error(), request);
                        return sessionResponse(200, updated.value());
                    },
                    {.body = RouteBody::JsonRequired});

    router.addRoute("DELETE", one, [&router, &service](const HttpRequest &request) {
        if (Status removed = service.remove(request.argument(u"session"_s)); !removed)
            return failure(router, removed.error(), request);
        return HttpResponse::empty(204);
    });

    router.addRoute("POST", one + u"/complete"_s, [&router, &service](const HttpRequest &request) {
        Result<CollectSession> completed = service.complete(request.argument(u"session"_s));
        if (!completed)
            return failure(router, completed.error(), request);
        return sessionResponse(200, completed.value());
    });
}

} // namespace keystead
