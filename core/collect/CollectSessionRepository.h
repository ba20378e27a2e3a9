#pragma once

#include "collect/CollectSession.h"
#include "common/Result.h"

#include <QDateTime>
#include <QHash>
#include <QMutex>
#include <QSet>
#include <QSqlDatabase>
#include <QString>

#include <functional>
#include <optional>

namespace keystead {

class Database;
class WebhookHeaderSeal;
class WebhookOutbox;
enum class WebhookEvent;

// Every SQL statement on collect_sessions, collect_connections, collect_keys and
// collect_webhooks, and the mapping of their rows. Each call runs on `db`, the
// calling thread's connection (connection()), inside the caller's transaction
// when there is one (transaction()). Header values read back are masked unless
// a call says otherwise (storedWebhooks).
class CollectSessionRepository final
{
public:
    CollectSessionRepository(Database &database, WebhookOutbox &outbox, WebhookHeaderSeal &headerSeal);

    QSqlDatabase connection();

    // Runs `body` in one write transaction, serialised with every other writer of
    // this repository; rolled back when `body` fails.
    Status transaction(QSqlDatabase &db, const std::function<Status()> &body);

    // --- sessions
    // With connections, keys and webhooks. Sessions whose expiry has passed read as expired.
    Result<CollectSession> session(const QSqlDatabase &db, const QString &id, const QDateTime &now);
    Result<std::optional<CollectSession>> sessionByIdentifier(const QSqlDatabase &db, const QString &identifier,
                                                              const QDateTime &now);
    // Only the session's row (no details), for the SSH server's look-up.
    Result<std::optional<CollectSession>> sessionRowByIdentifier(const QSqlDatabase &db, const QString &identifier,
                                                                 const QDateTime &now);
    // Newest first; query.offset and query.limit already checked.
    Result<CollectSessionPage> page(const QSqlDatabase &db, const CollectSessionQuery &query, const QDateTime &now);
    // The session's row without its details, locked for the rest of the transaction on
    // PostgreSQL (SQLite's BEGIN IMMEDIATE has locked the whole store already).
    Result<CollectSession> lockSession(const QSqlDatabase &db, const QString &id, const QDateTime &now);
    Result<bool> identifierTaken(const QSqlDatabase &db, const QString &identifier);
    // `session` as given (id, identifier, times, expiry) with the fields of `input`.
    Status insertSession(const QSqlDatabase &db, const CollectSession &session, const CollectSessionInput &input);
    // Every field of the row but the identifier and creation time.
    Status updateSession(const QSqlDatabase &db, const CollectSession &next, const QDateTime &now);
    // False when there was no such session.
    Result<bool> deleteSession(const QSqlDatabase &db, const QString &id);
    Status markCompleted(const QSqlDatabase &db, const QString &id, const QDateTime &now);
    // Pending sessions whose expiry has passed.
    Result<QStringList> dueForExpiry(const QSqlDatabase &db, const QDateTime &now);
    // False when it no longer was due (another thread swept it, or moved its expiry).
    Result<bool> markExpired(const QSqlDatabase &db, const QString &id, const QDateTime &now);

    // --- connections and keys
    struct ConnectionRow
    {
        QString sessionId;
        bool open = false; // no outcome recorded yet
    };
    Result<ConnectionRow> findConnection(const QSqlDatabase &db, const QString &connectionId);
    // One connection with its keys; one key.
    Result<CollectSessionConnection> connectionById(const QSqlDatabase &db, const QString &connectionId);
    Result<CollectSessionKey> keyById(const QSqlDatabase &db, const QString &keyId);
    Status insertConnection(const QSqlDatabase &db, const QString &connectionId, const QString &sessionId,
                            const QDateTime &now, const QString &ipAddress, const QString &clientVersion);
    Status closeConnection(const QSqlDatabase &db, const QString &connectionId, CollectConnectionState state,
                           const QDateTime &now);
    Result<bool> keyRecorded(const QSqlDatabase &db, const QString &connectionId, const QString &blob);
    Result<int> collectedKeysOfSession(const QSqlDatabase &db, const QString &sessionId);
    Result<int> collectedKeysOfConnection(const QSqlDatabase &db, const QString &connectionId);
    Status insertKey(const QSqlDatabase &db, const QString &keyId, const QString &connectionId,
                     const QString &sessionId, const QDateTime &now, const SshPublicKey &key, const QString &blob);
    Status discardKeys(const QSqlDatabase &db, const QString &connectionId);

    // --- webhooks
    // The session's webhooks with header values as stored (sealed ones sealed).
    Result<QList<CollectWebhook>> storedWebhooks(const QSqlDatabase &db, const QString &sessionId);
    // `carried[i]`: the headers of webhooks[i] whose values were read from the store
    // (see collectwebhook::headersToColumn).
    Status insertWebhooks(const QSqlDatabase &db, const QString &sessionId, const QList<CollectWebhook> &webhooks,
                          const QHash<qsizetype, QSet<QString>> &carried = {});
    Status deleteWebhooks(const QSqlDatabase &db, const QString &sessionId);
    // Whether the session has webhooks still holding a credential in plain text,
    // written before values were sealed; resealPlainCredentials seals them.
    Result<bool> hasPlainCredentials(const QSqlDatabase &db, const QString &sessionId);
    Status resealPlainCredentials(const QSqlDatabase &db, const QString &sessionId);
    // Queues `event` for the session's webhooks, with the session as the API shows it.
    Status queueEvent(QSqlDatabase &db, const QString &sessionId, WebhookEvent event, const QDateTime &now);

private:
    Database &m_database;
    WebhookOutbox &m_outbox;
    WebhookHeaderSeal &m_headerSeal;
    QMutex m_writeMutex;
};

} // namespace keystead
