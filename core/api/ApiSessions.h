#pragma once

#include "api/TokenService.h"
#include "common/Result.h"

#include <QByteArray>
#include <QMutex>

#include <atomic>
#include <map>
#include <optional>

namespace keystead {

class Clock;
struct HttpRequest;

// The session_id cookies of seed 004's family: POST /api/authentication with
// an API token makes one; a request that carries it acts as that token, with
// the token's current scopes. Sessions live in memory only, keyed by the
// SHA-256 of the cookie value, and end after kIdleMs without use, kLifetimeMs
// after they began, when logged out, or when their token is revoked.
// Safe to call from any thread.
class ApiSessions final
{
public:
    ApiSessions(TokenService &tokens, const Clock &clock);

    static constexpr qint64 kIdleMs = 60 * 60 * 1000;
    static constexpr qint64 kLifetimeMs = 8 * 60 * 60 * 1000;
    static constexpr QLatin1StringView kCookieName{"session_id"};
    // details["reason"] of an Unauthorized error when no valid token was presented to log in.
    static constexpr QLatin1StringView kTokenRefused{"token_refused"};

    // A new session for `token`; the value (40 hex digits) is returned this once.
    Result<QByteArray> create(const ApiToken &token);
    // The token a session acts as, or nullopt when the value is unknown,
    // expired, or its token is no longer active (such a session is ended).
    std::optional<ApiToken> verify(QByteArrayView sessionId);
    void remove(QByteArrayView sessionId);
    int count();

    // Whether Set-Cookie carries Secure: on when the endpoint serves TLS.
    void setSecureCookies(bool secure) { m_secureCookies = secure; }
    // The Set-Cookie value for a new session, and the one that ends it in the browser.
    QByteArray setCookieHeader(const QByteArray &sessionId) const;
    QByteArray clearCookieHeader() const;

    // The session_id cookie a request carries; empty when none.
    static QByteArray sessionCookie(const HttpRequest &request);
    // Whether the request names a token itself (Authorization: Bearer or x-api-key):
    // a token in a header wins over a cookie.
    static bool hasTokenHeader(const HttpRequest &request);
    // Who owns per-caller state such as a configuration transaction: the
    // session when the request came by cookie, else the token.
    static QString ownerOf(const HttpRequest &request);

private:
    struct Session
    {
        QString tokenId;
        qint64 startedMs = 0;
        qint64 lastUsedMs = 0;
    };
    void dropExpired(qint64 nowMs);

    TokenService &m_tokens;
    const Clock &m_clock;
    QMutex m_mutex;
    std::map<QByteArray, Session> m_sessions; // by SHA-256 of the cookie value
    // Set from the owner's thread when the endpoint (re)starts, read by the HTTP thread.
    std::atomic<bool> m_secureCookies = false;
};

} // namespace keystead
