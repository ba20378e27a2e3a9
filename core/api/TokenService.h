#pragma once

#include "common/Result.h"

#include <QDateTime>
#include <QList>
#include <QObject>

#include <optional>

namespace keystead {

class Database;

struct ApiToken
{
    QString id;
    QString name;
    QDateTime createdAt;
    QDateTime lastUsedAt; // null when never used
    QDateTime revokedAt; // null while active
    bool isActive() const { return revokedAt.isNull(); }
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

    Result<NewApiToken> create(const QString &name);
    Result<QList<ApiToken>> list() const;
    Status revoke(const QString &id);
    // The active token this secret belongs to, if any.
    std::optional<ApiToken> verify(QByteArrayView secret);

    static constexpr int kMaxNameLength = 100;
    static constexpr QLatin1StringView kSecretPrefix{"kst_"};

Q_SIGNALS:
    void tokensChanged();

private:
    Database &m_database;
};

} // namespace keystead
