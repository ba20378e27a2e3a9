#pragma once

#include "collect/CollectChanges.h"
#include "sshserver/CollectGate.h"

namespace keystead {

class Clock;
class CollectExpirySweep;
class CollectSessionRepository;

// The collect sessions as the SSH collect server asks for them (CollectGate):
// called from the server's thread, each call one transaction.
class CollectSessionGate final : public CollectGate
{
public:
    CollectSessionGate(CollectSessionRepository &repository, CollectExpirySweep &sweep, const Clock &clock,
                       CollectAnnouncer announce);

    std::optional<OpenCollectSession> openSession(const QString &connectionIdentifier) override;
    Result<QString> connectionOpened(const QString &sessionId, const QString &ipAddress,
                                     const QString &clientVersion) override;
    Status keyProven(const QString &connectionId, const SshPublicKey &key) override;
    Status connectionClosed(const QString &connectionId, ConnectionOutcome outcome) override;

    static constexpr int kMaxClientVersionLength = 255;

private:
    CollectSessionRepository &m_repository;
    CollectExpirySweep &m_sweep;
    const Clock &m_clock;
    CollectAnnouncer m_announce;
};

} // namespace keystead
