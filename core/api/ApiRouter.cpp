#include "ApiRouter.h"

#include "api/ApiSessions.h"
#include "api/TokenService.h"

#include <QJsonParseError>
#include <QUrl>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead {

ApiRouter::ApiRouter(TokenService &tokens, const Clock &clock)
    : m_tokens(tokens)
    , m_throttle(clock)
    , m_defaultShape(std::make_shared<ProblemJsonShape>())
{
}

void ApiRouter::setErrorShape(const QString &pathPrefix, std::shared_ptr<const ErrorShape> shape)
{
    m_shapes.emplace_back(pathPrefix, std::move(shape));
    std::sort(m_shapes.begin(), m_shapes.end(),
              [](const auto &a, const auto &b) { return a.first.size() > b.first.size(); });
}

void ApiRouter::acceptSessionCookies(const QString &pathPrefix, ApiSessions &sessions)
{
    m_sessions = &sessions;
    m_sessionPrefixes.append(pathPrefix);
}

bool ApiRouter::acceptsSessionCookies(const QString &path) const
{
    if (!m_sessions)
        return false;
    return std::any_of(m_sessionPrefixes.begin(), m_sessionPrefixes.end(), [&](const QString &prefix) {
        return path == prefix || path.startsWith(prefix + u'/') || path.startsWith(prefix + u'?');
    });
}

void ApiRouter::addRoute(const QByteArray &method, const QString &pattern, Handler handler, RouteOptions options)
{
    m_routes.push_back(Route{method.toUpper(), splitPattern(pattern), std::move(handler), options});
}

QStringList ApiRouter::splitPattern(const QString &path)
{
    // Split first, decode after: an encoded slash (%2F) stays inside its segment.
    QStringList segments = path.split(u'/', Qt::SkipEmptyParts);
    for (QString &segment : segments)
        segment = QUrl::fromPercentEncoding(segment.toUtf8());
    return segments;
}

bool ApiRouter::matches(const Route &route, const QStringList &segments, QHash<QString, QString> *arguments)
{
    if (route.segments.size() != segments.size())
        return false;
    QHash<QString, QString> found;
    for (qsizetype i = 0; i < segments.size(); ++i) {
        const QString &expected = route.segments.at(i);
        if (expected.startsWith(u'{') && expected.endsWith(u'}'))
            found.insert(expected.mid(1, expected.size() - 2), segments.at(i));
        else if (expected != segments.at(i))
            return false;
    }
    if (arguments)
        *arguments = std::move(found);
    return true;
}

const ErrorShape &ApiRouter::shapeFor(const QString &path) const
{
    for (const auto &[prefix, shape] : m_shapes) {
        if (path.startsWith(prefix))
            return *shape;
    }
    return *m_defaultShape;
}

HttpResponse ApiRouter::error(int status, const Error &error, const HttpRequest &request) const
{
    return shapeFor(request.path).render(status, error, request);
}

HttpResponse ApiRouter::error(const Error &error, const HttpRequest &request) const
{
    return this->error(ErrorShape::defaultStatus(error.kind), error, request);
}

std::optional<HttpResponse> ApiRouter::authenticate(HttpRequest &request)
{
    if (const qint64 wait = m_throttle.retryAfterSeconds(request.peer); wait > 0) {
        return error(429,
                     Error{Error::Kind::Unauthorized,
                           u"too many failed authentications from this address; try again in %1 s"_s.arg(wait),
                           {},
                           {}},
                     request)
            .withHeader("Retry-After", QByteArray::number(wait));
    }
    QByteArray secret;
    const QByteArray authorization = request.header("authorization").trimmed();
    if (authorization.size() > 7 && authorization.first(7).compare("bearer ", Qt::CaseInsensitive) == 0)
        secret = authorization.mid(7).trimmed();
    else
        secret = request.header("x-api-key").trimmed();

    if (!secret.isEmpty()) {
        if (std::optional<ApiToken> token = m_tokens.verify(secret)) {
            m_throttle.recordSuccess(request.peer);
            request.token = std::move(token);
            return std::nullopt;
        }
        m_throttle.recordFailure(request.peer);
    }
    const bool cookiesAccepted = secret.isEmpty() && acceptsSessionCookies(request.path);
    QByteArray cookie;
    if (cookiesAccepted) {
        cookie = ApiSessions::sessionCookie(request);
        // A stale cookie is not counted as a failure: session ids are 160
        // random bits, so there is nothing to guess, and a script whose
        // session expired must still be able to authenticate again.
        if (!cookie.isEmpty()) {
            if (std::optional<ApiToken> token = m_sessions->verify(cookie)) {
                request.token = std::move(token);
                return std::nullopt;
            }
        }
    }
    QString message;
    if (!secret.isEmpty())
        message = u"the token is not valid"_s;
    else if (!cookie.isEmpty())
        message
            = u"the session_id cookie is not valid or has expired: authenticate again with POST /api/authentication"_s;
    else if (cookiesAccepted)
        message = u"authentication required: send Authorization: Bearer <token>, x-api-key: <token>, or the "
                  "session_id cookie that POST /api/authentication returns"_s;
    else
        message = u"authentication required: send Authorization: Bearer <token> or x-api-key: <token>"_s;
    return error(401, Error{Error::Kind::Unauthorized, message, {}, {}}, request)
        .withHeader("WWW-Authenticate", "Bearer realm=\"keystead\"");
}

HttpResponse ApiRouter::dispatch(HttpRequest request)
{
    const QStringList segments = splitPattern(request.path);
    const Route *chosen = nullptr;
    QStringList allowed;
    QHash<QString, QString> arguments;
    for (const Route &route : m_routes) {
        QHash<QString, QString> found;
        if (!matches(route, segments, &found))
            continue;
        if (!allowed.contains(QString::fromLatin1(route.method)))
            allowed.append(QString::fromLatin1(route.method));
        if (!chosen && route.method == request.method) {
            chosen = &route;
            arguments = std::move(found);
        }
    }

    // Authenticate before telling anything about the path, so unknown paths
    // and methods reveal nothing to a caller without a token.
    if (!chosen || chosen->options.requiresToken) {
        if (std::optional<HttpResponse> refused = authenticate(request))
            return *refused;
    }
    if (!chosen && allowed.isEmpty())
        return error(404, Error::notFound(u"no such resource: %1"_s.arg(request.path)), request);
    if (!chosen) {
        allowed.sort();
        return error(405,
                     Error::invalid(u"%1 is not allowed here; allowed: %2"_s.arg(QString::fromLatin1(request.method),
                                                                                 allowed.join(u", "_s))),
                     request)
            .withHeader("Allow", allowed.join(u", "_s).toLatin1());
    }
    if (chosen->options.requiresToken && request.token) {
        const bool reads = request.method == "GET" || request.method == "HEAD";
        const TokenScope needed = chosen->options.scope.value_or(reads ? TokenScope::Read : TokenScope::Write);
        if (!request.token->allows(needed)) {
            Error refused{Error::Kind::Forbidden,
                          u"this token may not %1; it has the scopes: %2"_s.arg(needed == TokenScope::Read ? u"read"_s
                                                                                    : needed == TokenScope::Write
                                                                                    ? u"write"_s
                                                                                    : u"reveal secrets"_s,
                                                                                tokenScopeNames(request.token->scopes)),
                          {},
                          {{u"required_scope"_s, tokenScopeName(needed)}}};
            return error(403, refused, request);
        }
    }
    if (request.body.size() > m_maxBodyBytes) {
        return error(413, Error::invalid(u"the request body is larger than %1 bytes"_s.arg(m_maxBodyBytes)), request);
    }
    const bool bodyPresent = !request.body.trimmed().isEmpty();
    if (chosen->options.body == Body::JsonRequired || (chosen->options.body == Body::JsonOptional && bodyPresent)) {
        if (!bodyPresent)
            return error(400, Error::invalid(u"a JSON body is required"_s, u"body"_s), request);
        QJsonParseError parseError{};
        const QJsonDocument document = QJsonDocument::fromJson(request.body, &parseError);
        if (parseError.error != QJsonParseError::NoError)
            return error(
                400,
                Error::invalid(u"the request body is not valid JSON: %1 at offset %2"_s.arg(parseError.errorString())
                                   .arg(parseError.offset),
                               u"body"_s),
                request);
        if (document.isNull())
            return error(400, Error::invalid(u"the request body must be a JSON object or array"_s, u"body"_s), request);
    }
    request.pathArguments = std::move(arguments);
    return chosen->handler(request);
}

} // namespace keystead
