#pragma once

#include "collect/CollectSession.h"
#include "common/ChangeSet.h"
#include "common/Result.h"
#include "sshserver/CollectGate.h"

#include <QObject>

#include <memory>

namespace keystead {

class Clock;
class CollectExpirySweep;
class CollectSessionEditor;
class CollectSessionGate;
class CollectSessionRepository;
class Database;
class WebhookHeaderSeal;
class WebhookOutbox;
struct CollectChanges;

// Collect sessions: what the panel and the HTTP API manage, and what the SSH
// collect server asks through CollectGate. Safe to call from any thread: each
// thread uses its own database connection, and changes are serialised so a
// check and the write it allows happen in one transaction. Each change queues
// its webhook deliveries in that same transaction.
//
// A facade over the pieces that do the work: CollectSessionRepository (the SQL),
// CollectSessionEditor (create / update / remove / complete), CollectSessionGate
// (the SSH server's calls), CollectExpirySweep, and collectrules / collectwebhook
// (validation, header sealing).
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
    // One connection (with its keys) and one key, as a changed() event names them:
    // what a view reads instead of the whole session.
    Result<CollectSessionConnection> connection(const QString &connectionId);
    Result<CollectSessionKey> key(const QString &keyId);
    // Only the fields the update names change; see CollectSessionUpdate.
    Result<CollectSession> update(const QString &id, const CollectSessionUpdate &update);
    // With its connections, keys and webhooks.
    Status remove(const QString &id);
    // Ends a pending session (one with multi_connection stays pending until this).
    // Completing a completed session changes nothing; an expired one is a Conflict.
    Result<CollectSession> complete(const QString &id);

    // Every bad field of `input` / `update` (field names as in the JSON: "timeout",
    // "webhooks[1].url"), without touching the store. create() and update() check
    // the same; the controller adds these to the JSON type errors it found.
    FieldErrors validate(const CollectSessionInput &input) const;
    FieldErrors validate(const CollectSessionUpdate &update) const;

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

    static constexpr int kGeneratedIdentifierLength = CollectLimits::kGeneratedIdentifierLength;
    static constexpr int kMaxExternalIdLength = CollectLimits::kMaxExternalIdLength;
    static constexpr int kMaxTextLength = CollectLimits::kMaxTextLength;
    static constexpr qint64 kMaxTimeoutSeconds = CollectLimits::kMaxTimeoutSeconds;
    static constexpr int kMaxWebhooks = CollectLimits::kMaxWebhooks;
    static constexpr int kMaxWebhookHeaders = CollectLimits::kMaxWebhookHeaders;
    static constexpr qint64 kMaxRetries = CollectLimits::kMaxRetries;
    static constexpr qint64 kMaxInitialBackoff = CollectLimits::kMaxInitialBackoff;
    static constexpr double kMaxBackoffMultiplier = CollectLimits::kMaxBackoffMultiplier;

    // CollectGate, called from the SSH server's thread.
    std::optional<OpenCollectSession> openSession(const QString &connectionIdentifier) override;
    Result<QString> connectionOpened(const QString &sessionId, const QString &ipAddress,
                                     const QString &clientVersion) override;
    Status keyProven(const QString &connectionId, const SshPublicKey &key) override;
    Status connectionClosed(const QString &connectionId, ConnectionOutcome outcome) override;

    // ChangeSet topics of changed(). Sessions: added, changed (their own fields or
    // status), removed (with their connections and keys). Connections: added when
    // opened, changed when closed (closing may discard its keys: read it again with
    // them). Keys: added when collected. Each object is named once, under its own
    // topic: a collected key names neither its connection nor its session.
    static constexpr QLatin1StringView kSessionTopic{"collect.session"};
    static constexpr QLatin1StringView kConnectionTopic{"collect.connection"};
    static constexpr QLatin1StringView kKeyTopic{"collect.key"};

Q_SIGNALS:
    // Every committed write, as typed change events: at most one ChangeSet per topic
    // and write, in the order keys, connections, sessions.
    void changed(const keystead::ChangeSet &changes);

    // Created, or anything about it changed (fields, status, its connections or keys).
    void sessionChanged(const QString &sessionId);
    void sessionRemoved(const QString &sessionId);
    // A proven key was recorded.
    void keyCollected(const QString &sessionId, const QString &keyId);
    // A connection opened or closed, or its keys changed.
    void connectionChanged(const QString &sessionId, const QString &connectionId);

private:
    void announce(const CollectChanges &changes);

    const Clock &m_clock;
    std::unique_ptr<CollectSessionRepository> m_repository;
    CollectExpirySweep *m_sweep; // a child
    std::unique_ptr<CollectSessionEditor> m_editor;
    std::unique_ptr<CollectSessionGate> m_gate;
};

} // namespace keystead
