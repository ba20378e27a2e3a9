#pragma once

#include "collect/CollectSession.h"
#include "common/Result.h"
#include "sshserver/CollectGate.h"

#include <QMutex>
#include <QObject>
#include <QSqlDatabase>

#include <functional>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace keystead {

class Clock;
class Database;
class WebhookHeaderSeal;
class WebhookOutbox;
enum class WebhookEvent;

// Collect sessions: what the panel and the HTTP API manage, and what the SSH
// collect server asks through CollectGate. Safe to call from any thread: each
// thread uses its own database connection, and changes are serialised so a
// check and the write it allows happen in one transaction. Each change queues
// its webhook deliveries in that same transaction.
//
// Values of credential headers (collectjson::isCredentialHeader) are stored sealed
// by `headerSeal` and read back as collectjson::kRedacted: only the webhook
// dispatcher, which reads the store itself, ever opens them. Sending kRedacted back
// in update() keeps the stored value.
//
// Signals are emitted from the thread that made the change; receivers in
// other threads get them queued (Qt's automatic connection).
class CollectService final
    : public QObject
    , public CollectGate
{
    Q_OBJECT

public:
    CollectService(Database &database, const Clock &clock, WebhookOutbox &outbox, WebhookHeaderSeal &headerSeal,
                   QObject *parent = nullptr);
    ~CollectService() override;

    Result<CollectSession> create(const CollectSessionInput &input);
    // Newest first. Sessions whose expiry has passed read (and are stored) as expired.
    Result<CollectSessionPage> list(const CollectSessionQuery &query);
    Result<CollectSession> get(const QString &id);
    Result<CollectSession> findByConnectionIdentifier(const QString &connectionIdentifier);
    // Only the fields the patch names change; see CollectSessionPatch.
    Result<CollectSession> update(const QString &id, const CollectSessionPatch &patch);
    // With its connections, keys and webhooks.
    Status remove(const QString &id);
    // Ends a pending session (one with multi_connection stays pending until this).
    // Completing a completed session changes nothing; an expired one is a Conflict.
    Result<CollectSession> complete(const QString &id);

    // Every bad field of `input` / `patch` (field names as in the JSON: "timeout",
    // "webhooks[1].url"), without touching the store. create() and update() check
    // the same; the controller adds these to the JSON type errors it found.
    FieldErrors validate(const CollectSessionInput &input) const;
    FieldErrors validate(const CollectSessionPatch &patch) const;

    // Marks every pending session whose expiry has passed as expired (with its
    // status_changed webhooks). Reads do this on their way; call it now and then
    // (startExpirySweep) so the panel and webhooks learn of expiry without a read.
    Result<int> expireDue();
    // Runs expireDue() every `intervalMs` on this object's thread; 0 stops it.
    void startExpirySweep(int intervalMs);

    // "[a-z0-9][a-z0-9._-]{2,63}": what a caller-chosen identifier must look like.
    static bool isValidConnectionIdentifier(const QString &identifier);
    // 12 characters of [a-z0-9] from the system's strong random source.
    static Result<QString> generateConnectionIdentifier();

    static constexpr int kGeneratedIdentifierLength = 12;
    static constexpr int kMaxExternalIdLength = 255;
    static constexpr int kMaxTextLength = 4096; // ssh_banner, ssh_message
    static constexpr qint64 kMaxTimeoutSeconds = 10LL * 366 * 24 * 3600;
    static constexpr int kMaxWebhooks = 20;
    static constexpr int kMaxWebhookHeaders = 50;
    static constexpr qint64 kMaxRetries = 100;
    static constexpr qint64 kMaxInitialBackoff = 86'400;
    static constexpr double kMaxBackoffMultiplier = 100.0;

    // CollectGate, called from the SSH server's thread.
    std::optional<OpenCollectSession> openSession(const QString &connectionIdentifier) override;
    Result<QString> connectionOpened(const QString &sessionId, const QString &ipAddress,
                                     const QString &clientVersion) override;
    Status keyProven(const QString &connectionId, const SshPublicKey &key) override;
    Status connectionClosed(const QString &connectionId, ConnectionOutcome outcome) override;

Q_SIGNALS:
    // Created, or anything about it changed (fields, status, its connections or keys).
    void sessionChanged(const QString &sessionId);
    void sessionRemoved(const QString &sessionId);
    // A proven key was recorded.
    void keyCollected(const QString &sessionId, const QString &keyId);
    // A connection opened or closed, or its keys changed.
    void connectionChanged(const QString &sessionId, const QString &connectionId);

private:
    struct Changes;
    Status write(QSqlDatabase &db, const std::function<Status(Changes &)> &body, Changes &changes);
    void announce(const Changes &changes);
    Status queueEvent(QSqlDatabase &db, const QString &sessionId, WebhookEvent event);
    Result<CollectSession> readOne(const QString &id);
    Status prepareSeal(const QList<CollectWebhook> &webhooks);

    Database &m_database;
    const Clock &m_clock;
    WebhookOutbox &m_outbox;
    WebhookHeaderSeal &m_headerSeal;
    QMutex m_writeMutex;
    QTimer *m_sweepTimer = nullptr;
};

} // namespace keystead
