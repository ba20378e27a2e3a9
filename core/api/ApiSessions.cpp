#include "api/ApiSessions.h"

#include "api/HttpMessage.h"
#include "common/Clock.h"
#include "common/Crypto.h"

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

constexpr int kSessionBytes = 20; // 40 hex digits, as the seed's examples show

QByteArray keyOf(QByteArrayView sessionId)
{
    return crypto::sha256(sessionId);
}

bool isSessionId(QByteArrayView value)
{
    return value.size() == 2 * kSessionBytes && std::all_of(value.begin(), value.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

} // namespace

ApiSessions::ApiSessions(TokenService &tokens, const Clock &clock)
    : m_tokens(tokens)
    , m_clock(clock)
{
}

void ApiSessions::dropExpired(qint64 nowMs)
{
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        if (nowMs - it->second.lastUsedMs >= kIdleMs || nowMs - it->second.startedMs >= kLifetimeMs)
            it = m_sessions.erase(it);
        else
            ++it;
    }
}

Result<QByteArray> ApiSessions::create(const ApiToken &token)
{
    Result<QByteArray> random = crypto::randomBytes(kSessionBytes);
    if (!random)
        return random.error();
    const QByteArray sessionId = random.value().toHex();
    const qint64 now = m_clock.monotonicMs();
    QMutexLocker lock(&m_mutex);
    dropExpired(now);
    m_sessions.insert_or_assign(keyOf(sessionId), Session{token.id, now, now});
    return sessionId;
}

std::optional<ApiToken> ApiSessions::verify(QByteArrayView sessionId)
{
    if (!isSessionId(sessionId))
        return std::nullopt;
    const QByteArray key = keyOf(sessionId);
    QString tokenId;
    {
        QMutexLocker lock(&m_mutex);
        dropExpired(m_clock.monotonicMs());
        const auto it = m_sessions.find(key);
        if (it == m_sessions.end())
            return std::nullopt;
        tokenId = it->second.tokenId;
    }
    // The token is read again on every use: its scopes and its revocation
    // (from this process or another instance on the same database) count at once.
    std::optional<ApiToken> token;
    if (Result<QList<ApiToken>> tokens = m_tokens.list()) {
        for (const ApiToken &candidate : tokens.value()) {
            if (candidate.id == tokenId && candidate.isActive())
                token = candidate;
        }
    } else {
        return std::nullopt;
    }
    QMutexLocker lock(&m_mutex);
    if (!token) {
        // A revoked token ends every session made with it.
        for (auto it = m_sessions.begin(); it != m_sessions.end();) {
            if (it->second.tokenId == tokenId)
                it = m_sessions.erase(it);
            else
                ++it;
        }
        return std::nullopt;
    }
    const auto it = m_sessions.find(key);
    if (it == m_sessions.end())
        return std::nullopt;
    it->second.lastUsedMs = m_clock.monotonicMs();
    return token;
}

void ApiSessions::remove(QByteArrayView sessionId)
{
    QMutexLocker lock(&m_mutex);
    m_sessions.erase(keyOf(sessionId));
}

int ApiSessions::count()
{
    QMutexLocker lock(&m_mutex);
    dropExpired(m_clock.monotonicMs());
    return static_cast<int>(m_sessions.size());
}

QByteArray ApiSessions::setCookieHeader(const QByteArray &sessionId) const
{
    // Path=/api: the cookie goes only where the endpoint is; HttpOnly and
    // SameSite=Strict keep page scripts and other sites from using it.
    QByteArray header = QByteArray(kCookieName.data(), kCookieName.size()) + '=' + sessionId
        + "; Path=/api; HttpOnly; SameSite=Strict";
    if (m_secureCookies)
        header += "; Secure";
    return header;
}

QByteArray ApiSessions::clearCookieHeader() const
{
    QByteArray header
        = QByteArray(kCookieName.data(), kCookieName.size()) + "=; Path=/api; HttpOnly; SameSite=Strict; Max-Age=0";
    if (m_secureCookies)
        header += "; Secure";
    return header;
}

QByteArray ApiSessions::sessionCookie(const HttpRequest &request)
{
    // Several Cookie headers arrive joined; cookies are separated by ';'.
    const QByteArray name = QByteArray(kCookieName.data(), kCookieName.size());
    const QList<QByteArray> lines = request.header("cookie").split(',');
    for (const QByteArray &line : lines) {
        for (const QByteArray &pair : line.split(';')) {
            const QByteArray trimmed = pair.trimmed();
            const qsizetype equals = trimmed.indexOf('=');
            if (equals > 0 && trimmed.first(equals).trimmed() == name) {
                QByteArray value = trimmed.mid(equals + 1).trimmed();
                if (value.size() >= 2 && value.startsWith('"') && value.endsWith('"'))
                    value = value.mid(1, value.size() - 2);
                return value;
            }
        }
    }
    return {};
}

bool ApiSessions::hasTokenHeader(const HttpRequest &request)
{
    const QByteArray authorization = request.header("authorization").trimmed();
    if (authorization.size() > 7 && authorization.first(7).compare("bearer ", Qt::CaseInsensitive) == 0)
        return true;
    return !request.header("x-api-key").trimmed().isEmpty();
}

QString ApiSessions::ownerOf(const HttpRequest &request)
{
    if (!hasTokenHeader(request)) {
        const QByteArray cookie = sessionCookie(request);
        if (!cookie.isEmpty())
            return u"session:"_s + QString::fromLatin1(keyOf(cookie).toHex());
    }
    return u"token:"_s + (request.token ? request.token->id : QString());
}

} // namespace keystead
