#pragma once

#include "common/Result.h"
#include "ssh/SshPublicKey.h"
#include "sshserver/CollectGate.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <algorithm>
#include <optional>

namespace keystead {

// pending -> completed (first connection that yields keys, or complete/), or
// pending -> expired (timeout / expired_at passed, judged with the Clock).
// An expired session whose expiry is moved into the future again is pending.
enum class CollectStatus { Pending, Completed, Expired };

inline QString collectStatusName(CollectStatus status)
{
    switch (status) {
    case CollectStatus::Pending: return QStringLiteral("pending");
    case CollectStatus::Completed: return QStringLiteral("completed");
    case CollectStatus::Expired: return QStringLiteral("expired");
    }
    return {};
}

inline std::optional<CollectStatus> collectStatusFromName(const QString &name)
{
    for (CollectStatus status : {CollectStatus::Pending, CollectStatus::Completed, CollectStatus::Expired}) {
        if (collectStatusName(status) == name)
            return status;
    }
    return std::nullopt;
}

enum class CollectKeyState {
    Collected, // proven and kept
    Discarded, // proven, but the user declined (or left) a must_confirm session: no longer counts
};

inline QString collectKeyStateName(CollectKeyState state)
{
    return state == CollectKeyState::Collected ? QStringLiteral("collected") : QStringLiteral("discarded");
}

enum class CollectConnectionState { Open, Kept, Declined, Abandoned };

inline QString collectConnectionStateName(CollectConnectionState state)
{
    switch (state) {
    case CollectConnectionState::Open: return QStringLiteral("open");
    case CollectConnectionState::Kept: return QStringLiteral("kept");
    case CollectConnectionState::Declined: return QStringLiteral("declined");
    case CollectConnectionState::Abandoned: return QStringLiteral("abandoned");
    }
    return {};
}

struct CollectSessionKey
{
    QString id;
    QString connectionId;
    QString sessionId;
    QDateTime createdAt;
    SshPublicKey key;
    CollectKeyState state = CollectKeyState::Collected;
};

struct CollectSessionConnection
{
    QString id;
    QString sessionId;
    QDateTime createdAt;
    QString ipAddress;
    QString clientVersion;
    CollectConnectionState state = CollectConnectionState::Open;
    QDateTime closedAt; // null while open
    QList<CollectSessionKey> keys;

    int collectedKeyCount() const
    {
        int count = 0;
        for (const CollectSessionKey &key : keys)
            count += key.state == CollectKeyState::Collected ? 1 : 0;
        return count;
    }
};

// What collect sessions accept (CollectService repeats these for its callers).
struct CollectLimits
{
    static constexpr int kGeneratedIdentifierLength = 12;
    static constexpr int kMaxExternalIdLength = 255;
    static constexpr int kMaxTextLength = 4096; // ssh_banner, ssh_message
    static constexpr qint64 kMaxTimeoutSeconds = 10LL * 366 * 24 * 3600;
    static constexpr int kMaxWebhooks = 20;
    static constexpr int kMaxWebhookHeaders = 50;
    static constexpr qint64 kMaxRetries = 100;
    static constexpr qint64 kMaxInitialBackoff = 86'400;
    static constexpr double kMaxBackoffMultiplier = 100.0;
};

// One webhook of a session, as stored in collect_webhooks.
struct CollectWebhook
{
    static constexpr qint64 kDefaultInitialBackoff = 10; // seconds
    static constexpr double kDefaultBackoffMultiplier = 2.0;
    static constexpr qint64 kDefaultRetries = 0;

    QString id; // empty in an input: a new webhook
    QString url;
    QString method = QStringLiteral("post"); // post, put, patch
    QStringList events; // empty: every event
    QMap<QString, QStringList> headers;
    qint64 retries = kDefaultRetries;
    qint64 initialBackoff = kDefaultInitialBackoff;
    double backoffMultiplier = kDefaultBackoffMultiplier;
};

struct CollectSession
{
    QString id;
    QString connectionIdentifier;
    std::optional<QString> externalId;
    CollectStatus status = CollectStatus::Pending;
    bool multiKey = false;
    bool multiConnection = false;
    bool mustConfirm = false;
    std::optional<QString> sshBanner;
    std::optional<QString> sshMessage;
    std::optional<qint64> timeout; // seconds from creation, when the expiry was given that way
    QDateTime expiredAt; // when it expires (or expired); null: never
    QDateTime createdAt;
    QDateTime updatedAt;
    QDateTime completedAt; // null unless completed
    QList<CollectSessionConnection> connections;
    QList<CollectWebhook> webhooks;

    int collectedKeyCount() const
    {
        int count = 0;
        for (const CollectSessionConnection &connection : connections)
            count += connection.collectedKeyCount();
        return count;
    }
    // "ssh -p PORT IDENTIFIER@HOST": the line a user runs (no -p for port 22).
    QString sshCommand(const QString &host, quint16 port) const
    {
        // An IPv6 literal needs no brackets in user@host form, ssh takes it as is.
        const QString target = connectionIdentifier + QLatin1Char('@') + host;
        if (port == 22)
            return QStringLiteral("ssh ") + target;
        return QStringLiteral("ssh -p %1 ").arg(port) + target;
    }
};

// What a new session is made of. Defaults are the seed's.
struct CollectSessionInput
{
    QString connectionIdentifier; // empty: one is generated
    std::optional<QString> externalId;
    bool multiKey = false;
    bool multiConnection = false;
    bool mustConfirm = false;
    std::optional<QString> sshBanner;
    std::optional<QString> sshMessage;
    std::optional<qint64> timeout; // > 0; not together with expiredAt
    std::optional<QDateTime> expiredAt; // in the future; not together with timeout
    QList<CollectWebhook> webhooks;
};

// A field of an update: std::nullopt leaves it as it is; an empty inner optional
// (`field.emplace()`) clears it; a value sets it.
template <typename T>
using FieldUpdate = std::optional<std::optional<T>>;

// What an edit of a session changes (the panel's dialog fills it; core/api's
// CollectSessionPatch reads it from seed 000's PATCH body). Only the fields given change.
struct CollectSessionUpdate
{
    FieldUpdate<QString> externalId;
    std::optional<bool> multiKey;
    std::optional<bool> multiConnection;
    std::optional<bool> mustConfirm;
    FieldUpdate<QString> sshBanner;
    FieldUpdate<QString> sshMessage;
    // Either sets the one expiry: timeout counts from the session's creation.
    // Clearing expiredAt clears the expiry; clearing timeout clears an expiry that came from a timeout.
    FieldUpdate<qint64> timeout;
    FieldUpdate<QDateTime> expiredAt;
    // Replaces the list. An item with the `id` of one of the session's webhooks updates
    // that webhook (it keeps its id and signing secret); a credential header value sent
    // back as collectjson::kRedacted keeps the stored value.
    std::optional<QList<CollectWebhook>> webhooks;

    bool isEmpty() const
    {
        return !externalId && !multiKey && !multiConnection && !mustConfirm && !sshBanner && !sshMessage && !timeout
            && !expiredAt && !webhooks;
    }
};

// The name this update had when it was shaped after the PATCH body.
using CollectSessionPatch = CollectSessionUpdate;

struct CollectSessionQuery
{
    static constexpr int kDefaultLimit = 50;
    static constexpr int kMaxLimit = 200;

    std::optional<CollectStatus> status;
    QString externalId; // exact match; empty: any
    QString search; // part of the connection identifier or external id, any case; empty: any
    int offset = 0;
    int limit = kDefaultLimit;
};

// Newest first.
struct CollectSessionPage
{
    QList<CollectSession> sessions;
    int total = 0; // matching sessions, over all pages
};

// Several bad fields at once, for one Error: each item names a field
// ("timeout", "webhooks[0].url"), says what is wrong and echoes the value.
class FieldErrors final
{
public:
    // An invalid `value` (QVariant()) means there is no value to echo (a missing field).
    void add(const QString &location, const QString &message, const QVariant &value = {})
    {
        QVariantMap item{{QStringLiteral("location"), location}, {QStringLiteral("message"), message}};
        if (value.isValid())
            item.insert(QStringLiteral("value"), value);
        m_items.append(item);
    }
    bool isEmpty() const { return m_items.isEmpty(); }
    qsizetype size() const { return m_items.size(); }
    // One error per field: a field already reported (say, with a wrong type) is not reported again.
    void append(const FieldErrors &other)
    {
        for (const QVariant &item : other.m_items) {
            const QString location = item.toMap().value(QStringLiteral("location")).toString();
            const bool known = std::any_of(m_items.cbegin(), m_items.cend(), [&location](const QVariant &mine) {
                return mine.toMap().value(QStringLiteral("location")).toString() == location;
            });
            if (!known)
                m_items.append(item);
        }
    }
    const QVariantList &items() const { return m_items; }

    // Error::Kind::InvalidInput with the first item as message and location and every
    // item in details["errors"] (a list of {location, message, value}), which the
    // problem+json shape renders as errors[].
    Error toError() const
    {
        if (m_items.isEmpty())
            return Error::invalid(QStringLiteral("invalid input"));
        const QVariantMap first = m_items.first().toMap();
        QString message = first.value(QStringLiteral("message")).toString();
        if (m_items.size() > 1)
            message += QStringLiteral(" (and %1 more)").arg(m_items.size() - 1);
        Error error = Error::invalid(message, first.value(QStringLiteral("location")).toString());
        if (first.contains(QStringLiteral("value")))
            error.details.insert(QStringLiteral("value"), first.value(QStringLiteral("value")));
        error.details.insert(QStringLiteral("errors"), m_items);
        return error;
    }

private:
    QVariantList m_items;
};

// The keys a session has kept (proven and, where asked, confirmed), in the order they arrived.
inline QList<SshPublicKey> collectedPublicKeys(const CollectSession &session)
{
    QList<SshPublicKey> keys;
    for (const CollectSessionConnection &connection : session.connections)
        for (const CollectSessionKey &collected : connection.keys)
            if (collected.state == CollectKeyState::Collected && !collected.key.isNull())
                keys.append(collected.key);
    return keys;
}

} // namespace keystead
