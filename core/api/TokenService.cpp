#include "TokenService.h"

#include "common/Clock.h"
#include "common/Crypto.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QUuid>

#include <algorithm>
#include <array>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

constexpr int kSecretBytes = 32;
// last_used_at is a hint for operators: writing it on every request would cost a write per call.
constexpr qint64 kLastUsedResolutionSeconds = 60;

QString hashOf(QByteArrayView secret)
{
    return QString::fromLatin1(crypto::sha256(secret).toHex());
}

ApiToken tokenFromRow(const QSqlQuery &row)
{
    ApiToken token;
    token.id = row.value(0).toString();
    token.name = row.value(1).toString();
    token.createdAt = sql::fromStoreTime(row.value(2));
    token.lastUsedAt = sql::fromStoreTime(row.value(3));
    token.revokedAt = sql::fromStoreTime(row.value(4));
    token.scopes = TokenScopes::fromInt(row.value(5).toUInt());
    return token;
}

constexpr std::array kScopeOrder{TokenScope::Read, TokenScope::Write, TokenScope::RevealSecrets};

} // namespace

QString tokenScopeName(TokenScope scope)
{
    switch (scope) {
    case TokenScope::Read: return u"read"_s;
    case TokenScope::Write: return u"write"_s;
    case TokenScope::RevealSecrets: return u"reveal"_s;
    }
    return {};
}

QString tokenScopeNames(TokenScopes scopes)
{
    QStringList names;
    for (TokenScope scope : kScopeOrder) {
        if (scopes.testFlag(scope))
            names.append(tokenScopeName(scope));
    }
    return names.join(u',');
}

Result<TokenScopes> parseTokenScopes(const QString &text)
{
    TokenScopes scopes;
    for (const QString &word : text.split(u',')) {
        const QString name = word.trimmed();
        const auto known = std::find_if(kScopeOrder.begin(), kScopeOrder.end(),
                                        [&](TokenScope scope) { return tokenScopeName(scope) == name; });
        if (known == kScopeOrder.end())
            return Error::invalid(u"unknown scope \"%1\"; scopes are read, write and reveal"_s.arg(name), u"scope"_s);
        if (scopes.testFlag(*known))
            return Error::invalid(u"the scope \"%1\" is named twice"_s.arg(name), u"scope"_s);
        scopes |= *known;
    }
    return scopes;
}

TokenService::TokenService(Database &database, QObject *parent)
    : QObject(parent)
    , m_database(database)
{
}

Result<NewApiToken> TokenService::create(const QString &name, TokenScopes scopes)
{
    const QString trimmed = name.trimmed();
    if (trimmed.isEmpty())
        return Error::invalid(u"a token needs a name"_s, u"name"_s);
    if (trimmed.size() > kMaxNameLength)
        return Error::invalid(u"a token name has at most %1 characters"_s.arg(kMaxNameLength), u"name"_s);
    if (std::any_of(trimmed.begin(), trimmed.end(), [](QChar c) { return c.category() == QChar::Other_Control; }))
        return Error::invalid(u"a token name cannot contain control characters"_s, u"name"_s);
    if (!scopes)
        return Error::invalid(u"a token needs at least one scope"_s, u"scope"_s);

    Result<QByteArray> random = crypto::randomBytes(kSecretBytes);
    if (!random)
        return random.error();
    const QString secret = kSecretPrefix
        + QString::fromLatin1(random.value().toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));

    NewApiToken made;
    made.token.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    made.token.name = trimmed;
    made.token.createdAt = m_database.clock().now();
    made.token.scopes = scopes;
    made.secret = secret;

    QSqlDatabase db = m_database.connection();
    const Status stored = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<QSqlQuery> clash
            = sql::exec(db, u"SELECT 1 FROM api_tokens WHERE name = ? AND revoked_at IS NULL"_s, {trimmed});
        if (!clash)
            return clash.error();
        if (clash.value().first())
            return Error::conflict(u"an active token named \"%1\" exists already"_s.arg(trimmed));
        Result<QSqlQuery> inserted = sql::exec(
            db, u"INSERT INTO api_tokens (id, name, token_hash, created_at, scopes) VALUES (?, ?, ?, ?, ?)"_s,
            {made.token.id, trimmed, hashOf(secret.toLatin1()), sql::toStoreTime(made.token.createdAt),
             scopes.toInt()});
        if (!inserted)
            return inserted.error();
        return {};
    });
    if (!stored)
        return stored.error();
    Q_EMIT tokensChanged();
    Q_EMIT changed(ChangeSet::addedOne(QString(kTopic), made.token.id));
    return made;
}

Result<QList<ApiToken>> TokenService::list() const
{
    Result<QSqlQuery> query = sql::exec(
        m_database.connection(),
        u"SELECT id, name, created_at, last_used_at, revoked_at, scopes FROM api_tokens ORDER BY created_at, id"_s);
    if (!query)
        return query.error();
    QList<ApiToken> tokens;
    while (query.value().next())
        tokens.append(tokenFromRow(query.value()));
    return tokens;
}

Status TokenService::revoke(const QString &id)
{
    Result<QSqlQuery> updated = sql::exec(m_database.connection(),
                                          u"UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"_s,
                                          {sql::toStoreTime(m_database.clock().now()), id});
    if (!updated)
        return updated.error();
    if (updated.value().numRowsAffected() != 1)
        return Error::notFound(u"no active token with id %1"_s.arg(id));
    Q_EMIT tokensChanged();
    Q_EMIT changed(ChangeSet::changedOne(QString(kTopic), id));
    return {};
}

Result<std::optional<ApiToken>> TokenService::find(const QString &id) const
{
    Result<QSqlQuery> query = sql::exec(
        m_database.connection(),
        u"SELECT id, name, created_at, last_used_at, revoked_at, scopes FROM api_tokens WHERE id = ?"_s, {id});
    if (!query)
        return query.error();
    if (!query.value().next())
        return std::optional<ApiToken>();
    return std::optional<ApiToken>(tokenFromRow(query.value()));
}

std::optional<ApiToken> TokenService::verify(QByteArrayView secret)
{
    if (secret.isEmpty() || secret.size() > 256)
        return std::nullopt;
    const QByteArray presented = hashOf(secret).toLatin1();
    Result<QSqlQuery> query
        = sql::exec(m_database.connection(),
                    u"SELECT id, name, created_at, last_used_at, revoked_at, scopes, token_hash FROM api_tokens "
                    "WHERE revoked_at IS NULL"_s);
    if (!query)
        return std::nullopt;
    std::optional<ApiToken> match;
    // Every active hash is compared, each in constant time, so the answer's timing tells nothing.
    while (query.value().next()) {
        const QByteArray stored = query.value().value(6).toString().toLatin1();
        if (crypto::constantTimeEquals(stored, presented))
            match = tokenFromRow(query.value());
    }
    if (match) {
        const QDateTime now = m_database.clock().now();
        if (match->lastUsedAt.isNull() || match->lastUsedAt.secsTo(now) >= kLastUsedResolutionSeconds) {
            (void)sql::exec(m_database.connection(), u"UPDATE api_tokens SET last_used_at = ? WHERE id = ?"_s,
                            {sql::toStoreTime(now), match->id});
            match->lastUsedAt = now;
        }
    }
    return match;
}

} // namespace keystead
