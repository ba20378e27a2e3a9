#pragma once

#include "common/Result.h"
#include "ssh/SshPublicKey.h"

#include <QString>

#include <optional>

namespace keystead {

// What the SSH collect server needs to know of a collect session.
struct OpenCollectSession
{
    QString id;
    QString connectionIdentifier;
    bool multiKey = true;
    bool mustConfirm = false;
    QString sshBanner; // shown before authentication; empty for none
    QString sshMessage; // shown at the end; empty for none
};

enum class ConnectionOutcome {
    Kept, // the keys stay collected (confirmed, or no confirmation asked)
    Declined, // the user declined (or input ended): the keys are discarded and marked so
    Abandoned, // the client went away before the end: keys of a must_confirm session are discarded
};

// The collect sessions as the SSH server sees them. Implemented by the
// session service; called from the server's thread, so implementations must
// be thread-safe (each thread has its own database connection).
class CollectGate
{
public:
    virtual ~CollectGate() = default;

    // The pending, unexpired session with this connection identifier, if any.
    virtual std::optional<OpenCollectSession> openSession(const QString &connectionIdentifier) = 0;
    // A client reached an open session: recorded at once, so the panel shows it live.
    // Returns the connection's id.
    virtual Result<QString> connectionOpened(const QString &sessionId, const QString &ipAddress,
                                             const QString &clientVersion)
        = 0;
    // A key whose signature verified (proof of possession). Fails when the
    // session no longer accepts keys (completed, expired, deleted meanwhile).
    virtual Status keyProven(const QString &connectionId, const SshPublicKey &key) = 0;
    // The connection ended. With Kept and at least one key, a session without
    // multi_connection becomes completed.
    virtual Status connectionClosed(const QString &connectionId, ConnectionOutcome outcome) = 0;
};

} // namespace keystead
