#pragma once

#include "api/TokenService.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QJsonDocument>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

#include <optional>

namespace keystead {

// A request as the controllers see it: no Qt HttpServer type leaks past the adapter.
struct HttpRequest
{
    QByteArray method; // upper case: GET, POST, ...
    QString path; // as sent, percent-encoded; the router decodes per segment
    QUrlQuery query;
    QHash<QByteArray, QByteArray> headers; // names in lower case
    QByteArray body;
    QHostAddress peer;
    QHash<QString, QString> pathArguments; // from `{name}` in the route's pattern
    std::optional<ApiToken> token; // set once authenticated

    QByteArray header(const QByteArray &lowerCaseName) const { return headers.value(lowerCaseName); }
    QString argument(const QString &name) const { return pathArguments.value(name); }
    // The body parsed as JSON; the router has already refused a malformed body
    // for routes that expect one.
    QJsonDocument json() const { return QJsonDocument::fromJson(body); }
};

struct HttpResponse
{
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    static HttpResponse json(int status, const QJsonDocument &document,
                             const QByteArray &contentType = QByteArrayLiteral("application/json"));
    static HttpResponse text(int status, const QByteArray &body,
                             const QByteArray &contentType = QByteArrayLiteral("text/plain; charset=utf-8"));
    static HttpResponse empty(int status);

    HttpResponse &withHeader(const QByteArray &name, const QByteArray &value)
    {
        headers.append({name, value});
        return *this;
    }
    QByteArray header(const QByteArray &name) const;
};

// The standard reason phrase of a status code ("Not Found").
QByteArray reasonPhrase(int status);

} // namespace keystead
