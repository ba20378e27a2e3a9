#pragma once

#include "collect/CollectChanges.h"
#include "collect/CollectSession.h"
#include "common/Result.h"

namespace keystead {

class Clock;
class CollectExpirySweep;
class CollectSessionRepository;
class WebhookHeaderSeal;

// The writes the panel and the HTTP API make to collect sessions. Each is one
// transaction that queues its webhook deliveries with it; the changes are
// announced once committed. The results are the sessions as written, read back.
class CollectSessionEditor final
{
public:
    CollectSessionEditor(CollectSessionRepository &repository, CollectExpirySweep &sweep, const Clock &clock,
                         WebhookHeaderSeal &headerSeal, CollectAnnouncer announce);

    Result<CollectSession> create(const CollectSessionInput &input);
    Result<CollectSession> update(const QString &id, const CollectSessionUpdate &update);
    Status remove(const QString &id);
    Result<CollectSession> complete(const QString &id);

    // With its connections, keys and webhooks, after the sweep.
    Result<CollectSession> read(const QString &id);

    static constexpr int kIdentifierAttempts = 8;

private:
    // Loaded before the transaction: on first use the signer checks its key against the store.
    Status prepareSeal(const QList<CollectWebhook> &webhooks);

    CollectSessionRepository &m_repository;
    CollectExpirySweep &m_sweep;
    const Clock &m_clock;
    WebhookHeaderSeal &m_headerSeal;
    CollectAnnouncer m_announce;
};

} // namespace keystead
