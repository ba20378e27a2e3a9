#include "CollectSessionGate.h"

#include "collect/CollectExpirySweep.h"
#include "collect/CollectSessionRepository.h"
#include "collect/CollectSessionRules.h"
#include "collect/WebhookOutbox.h"
#include "common/Clock.h"
#include "common/Identifiers.h"

using namespace Qt::StringLiterals;

namespace keystead {

CollectSessionGate::CollectSessionGate(CollectSessionRepository &repository, CollectExpirySweep &sweep,
                                       const Clock &clock, CollectAnnouncer announce)
    : m_repository(repository)
    , m_sweep(sweep)
    , m_clock(clock)
    , m_announce(std::move(announce))
{
}

std::optional<OpenCollectSession> CollectSessionGate::openSession(const QString &connectionIdentifier)
{
    // Identifiers are lower case; a user who typed capitals still means this one.
    const QString identifier = connectionIdentifier.toLower();
    if (!collectrules::isValidConnectionIdentifier(identifier))
        return std::nullopt;
    if (Result<int> swept = m_sweep.expireDue(); !swept) {
        qWarning("collect: %s", qPrintable(swept.error().message));
        return std::nullopt;
    }
    Result<std::optional<CollectSession>> found
        = m_repository.sessionRowByIdentifier(m_repository.connection(), identifier, m_clock.now());
    if (!found) {
        qWarning("collect: %s", qPrintable(found.error().message));
        return std::nullopt;
    }
    if (!found->has_value())
        return std::nullopt;
    const CollectSession &session = **found;
    if (session.status != CollectStatus::Pending)
        return std::nullopt;
    OpenCollectSession open;
    open.id = session.id;
    open.connectionIdentifier = session.connectionIdentifier;
    open.multiKey = session.multiKey;
    open.mustConfirm = session.mustConfirm;
    open.sshBanner = session.sshBanner.value_or(QString());
    open.sshMessage = session.sshMessage.value_or(QString());
    return open;
}

Result<QString> CollectSessionGate::connectionOpened(const QString &sessionId, const QString &ipAddress,
                                                     const QString &clientVersion)
{
    if (Result<int> swept = m_sweep.expireDue(); !swept)
        return swept.error();
    // What a client says of itself is untrusted: keep it short and printable.
    QString version = clientVersion.left(kMaxClientVersionLength);
    for (QChar &c : version) {
        if (c.category() == QChar::Other_Control)
            c = u'?';
    }
    const QString connectionId = identifiers::newUuid();
    QSqlDatabase db = m_repository.connection();
    CollectChanges changes;
    const Status stored = m_repository.transaction(db, [&]() -> Status {
        const QDateTime now = m_clock.now();
        Result<CollectSession> session = m_repository.lockSession(db, sessionId, now);
        if (!session)
            return session.error();
        if (session->status != CollectStatus::Pending)
            return Error::conflict(u"the collect session %1 no longer accepts connections"_s.arg(sessionId));
        if (Status inserted = m_repository.insertConnection(db, connectionId, sessionId, now, ipAddress, version);
            !inserted)
            return inserted;
        if (Status queued = m_repository.queueEvent(db, sessionId, WebhookEvent::NewConnection, m_clock.now()); !queued)
            return queued;
        changes.connections.append({sessionId, connectionId});
        changes.openedConnections.append(connectionId);
        changes.session(sessionId);
        return {};
    });
    if (!stored)
        return stored.error();
    m_announce(changes);
    return connectionId;
}

Status CollectSessionGate::keyProven(const QString &connectionId, const SshPublicKey &key)
{
    if (key.isNull())
        return Error::invalid(u"no key"_s);
    if (Result<int> swept = m_sweep.expireDue(); !swept)
        return swept.error();
    const QString keyId = identifiers::newUuid();
    const QString blob = QString::fromLatin1(key.blob().toBase64());
    QSqlDatabase db = m_repository.connection();
    CollectChanges changes;
    const Status stored = m_repository.transaction(db, [&]() -> Status {
        const QDateTime now = m_clock.now();
        Result<CollectSessionRepository::ConnectionRow> connection = m_repository.findConnection(db, connectionId);
        if (!connection)
            return connection.error();
        const QString sessionId = connection->sessionId;
        const bool open = connection->open;

        Result<CollectSession> session = m_repository.lockSession(db, sessionId, now);
        if (!session)
            return session.error();
        if (session->status != CollectStatus::Pending)
            return Error::conflict(u"the collect session %1 no longer accepts keys"_s.arg(sessionId));
        if (!open)
            return Error::conflict(u"the connection %1 has ended"_s.arg(connectionId));

        Result<bool> seen = m_repository.keyRecorded(db, connectionId, blob);
        if (!seen)
            return seen.error();
        if (seen.value())
            return {}; // offered and proven again on the same connection: recorded once
        if (!session->multiKey) {
            Result<int> count = m_repository.collectedKeysOfSession(db, sessionId);
            if (!count)
                return count.error();
            if (count.value() > 0)
                return Error::conflict(u"the collect session %1 takes one key only"_s.arg(sessionId));
        }
        if (Status inserted = m_repository.insertKey(db, keyId, connectionId, sessionId, now, key, blob); !inserted)
            return inserted;
        if (Status queued = m_repository.queueEvent(db, sessionId, WebhookEvent::KeyCollected, m_clock.now()); !queued)
            return queued;
        changes.keys.append({sessionId, keyId});
        changes.connections.append({sessionId, connectionId});
        changes.session(sessionId);
        return {};
    });
    if (!stored)
        return stored;
    m_announce(changes);
    return {};
}

Status CollectSessionGate::connectionClosed(const QString &connectionId, ConnectionOutcome outcome)
{
    if (Result<int> swept = m_sweep.expireDue(); !swept)
        return swept.error();
    QSqlDatabase db = m_repository.connection();
    CollectChanges changes;
    const Status stored = m_repository.transaction(db, [&]() -> Status {
        const QDateTime now = m_clock.now();
        Result<CollectSessionRepository::ConnectionRow> connection = m_repository.findConnection(db, connectionId);
        if (!connection)
            return connection.error();
        const QString sessionId = connection->sessionId;
        if (!connection->open)
            return Error::conflict(u"the connection %1 has ended already"_s.arg(connectionId));

        Result<CollectSession> session = m_repository.lockSession(db, sessionId, now);
        if (!session)
            return session.error();

        const CollectConnectionState state = outcome == ConnectionOutcome::Kept ? CollectConnectionState::Kept
            : outcome == ConnectionOutcome::Declined                            ? CollectConnectionState::Declined
                                                                                : CollectConnectionState::Abandoned;
        if (Status closed = m_repository.closeConnection(db, connectionId, state, now); !closed)
            return closed;

        // Keys of an unconfirmed connection were never agreed to: they stay on record, marked.
        const bool discard = outcome == ConnectionOutcome::Declined
            || (outcome == ConnectionOutcome::Abandoned && session->mustConfirm);
        if (discard) {
            if (Status discarded = m_repository.discardKeys(db, connectionId); !discarded)
                return discarded;
        } else if (!session->multiConnection && session->status == CollectStatus::Pending) {
            Result<int> kept = m_repository.collectedKeysOfConnection(db, connectionId);
            if (!kept)
                return kept.error();
            if (kept.value() > 0) {
                if (Status completed = m_repository.markCompleted(db, sessionId, now); !completed)
                    return completed;
                changes.sessionRow(sessionId);
                if (Status queued = m_repository.queueEvent(db, sessionId, WebhookEvent::StatusChanged, m_clock.now());
                    !queued)
                    return queued;
            }
        }
        changes.connections.append({sessionId, connectionId});
        changes.closedConnections.append(connectionId);
        changes.session(sessionId);
        return {};
    });
    if (!stored)
        return stored;
    m_announce(changes);
    return {};
}

} // namespace keystead
