#pragma once

#include "api/AuthThrottle.h"
#include "api/ErrorShape.h"
#include "api/HttpMessage.h"

#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

namespace keystead {

class ApiSessions;
class Clock;
class TokenService;

enum class RouteBody {
    None, // any body is ignored
    JsonRequired, // a JSON object or array, else 400
    JsonOptional, // empty, or a JSON object or array
};

struct RouteOptions
{
    RouteBody body = RouteBody::None;
    bool requiresToken = true;
    // The scope the token needs; unset: read for GET and HEAD, write for every other method.
    std::optional<TokenScope> scope;
};

// The route table and the rules every route shares: authentication, 404 and
// 405 with Allow, body limits and JSON checks, and errors in the shape of the
// family a path belongs to. Knows nothing of Qt HttpServer, so it is tested directly.
class ApiRouter final
{
public:
    using Handler = std::function<HttpResponse(const HttpRequest &)>;

    using Body = RouteBody;

    ApiRouter(TokenService &tokens, const Clock &clock);

    // Routes whose path starts with `pathPrefix` answer errors in `shape`;
    // the longest matching prefix wins, the default is problem+json.
    void setErrorShape(const QString &pathPrefix, std::shared_ptr<const ErrorShape> shape);

    // Requests under `pathPrefix` (the path itself or below it) that carry no
    // token header may authenticate with the session_id cookie of `sessions`
    // (seed 004's family); everywhere else the cookie is ignored.
    void acceptSessionCookies(const QString &pathPrefix, ApiSessions &sessions);
    bool acceptsSessionCookies(const QString &path) const;

    // `pattern`: literal segments and `{name}` arguments, e.g. "/api/pam/key/{id}".
    // A trailing slash is optional on both sides.
    void addRoute(const QByteArray &method, const QString &pattern, Handler handler, RouteOptions options = {});

    HttpResponse dispatch(HttpRequest request);

    // An error in the shape of the family `request.path` belongs to.
    HttpResponse error(int status, const Error &error, const HttpRequest &request) const;
    HttpResponse error(const Error &error, const HttpRequest &request) const;

    qint64 maxBodyBytes() const { return m_maxBodyBytes; }
    void setMaxBodyBytes(qint64 bytes) { m_maxBodyBytes = bytes; }
    AuthThrottle &throttle() { return m_throttle; }

    static constexpr qint64 kDefaultMaxBodyBytes = 1024 * 1024;

private:
    struct Route
    {
        QByteArray method;
        QStringList segments;
        Handler handler;
        RouteOptions options;
    };
    static QStringList splitPattern(const QString &path);
    static bool matches(const Route &route, const QStringList &segments, QHash<QString, QString> *arguments);
    const ErrorShape &shapeFor(const QString &path) const;
    std::optional<HttpResponse> authenticate(HttpRequest &request);

    TokenService &m_tokens;
    AuthThrottle m_throttle;
    std::vector<Route> m_routes;
    std::vector<std::pair<QString, std::shared_ptr<const ErrorShape>>> m_shapes;
    std::shared_ptr<const ErrorShape> m_defaultShape;
    qint64 m_maxBodyBytes = kDefaultMaxBodyBytes;
    ApiSessions *m_sessions = nullptr;
    QStringList m_sessionPrefixes;
};

} // namespace keystead
