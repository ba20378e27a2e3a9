#pragma once

#include "common/ChangeSet.h"
#include "common/Result.h"

#include <QDateTime>
#include <QList>
#include <QObject>

#include <optional>

namespace keystead {

class Database;

// What a token may do. Reading lists and shows; writing creates, changes and
// deletes; revealing returns sealed secrets (private keys, passwords) in plain text.
enum class TokenScope : unsigned {
    Read = 0x1,
    Write = 0x2,
    RevealSecrets = 0x4,
};
Q_DECLARE_FLAGS(TokenScopes, TokenScope)
Q_DECLARE_OPERATORS_FOR_FLAGS(TokenScopes)

inline constexpr TokenScopes kDefaultTokenScopes{TokenScope::Read, TokenScope::Write};

// "read", "write", "reveal"
QString tokenScopeName(TokenScope scope);
// "read,write" (in that order); what `token list` and the Settings panel show.
QString tokenScopeNames(TokenScopes scopes);
// "read,write,reveal" (commas, any order, no repeats): the scopes, or an error naming the bad word.
Result<TokenScopes> parseTokenScopes(const QString &text);

struct ApiToken
{
    QString id;
    QString name;
    QDateTime createdAt;
    QDateTime lastUsedAt; // null when never used
    QDateTime revokedAt; // null while active
    TokenScopes scopes = kDefaultTokenScopes;
    bool isActive() const { return revokedAt.isNull(); }
    bool allows(TokenScope scope) const { return scopes.testFlag(scope); }
};

// A token as made: the secret is in `secret` this once and nowhere else.
struct NewApiToken
{
    ApiToken token;
    QString secret;
};

// API tokens: 32 random bytes shown once, stored only as a SHA-256 hash,
// checked in constant time. Safe to call from any thread.
class TokenService final : public QObject
{
    Q_OBJECT

public:
    explicit TokenService(Database &database, QObject *parent = nullptr);

    Result<NewApiToken> create(const QString &name, TokenScopes scopes = kDefaultTokenScopes);
    Result<QList<ApiToken>> list() const;
    Status revoke(const QString &id);
    // The active token this secret belongs to, if any.
    std::optional<ApiToken> verify(QByteArrayView secret);

    static constexpr int kMaxNameLength = 100;
    static constexpr QLatin1StringView kSecretPrefix{"kst_"};

    // One token by id, revoked or not; nullopt when there is none.
    Result<std::optional<ApiToken>> find(const QString &id) const;

    // Topic of this service's ChangeSets: a new token is added, a revoked one changed.
    static constexpr QLatin1StringView kTopic{"api.token"};

Q_SIGNALS:
    void tokensChanged();
    void changed(const keystead::ChangeSet &changes);

private:
    Database &m_database;
};

} // namespace keystead
