#include "CollectService.h"

#include "collect/CollectExpirySweep.h"
#include "collect/CollectSessionEditor.h"
#include "collect/CollectSessionGate.h"
#include "collect/CollectSessionRepository.h"
#include "collect/CollectSessionRules.h"
#include "common/Clock.h"
#include "common/Identifiers.h"

using namespace Qt::StringLiterals;

namespace keystead {

CollectService::CollectService(Database &database, const Clock &clock, WebhookOutbox &outbox,
                               WebhookHeaderSeal &headerSeal, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
    , m_repository(std::make_unique<CollectSessionRepository>(database, outbox, headerSeal))
{
    const CollectAnnouncer announcer = [this](const CollectChanges &changes) { announce(changes); };
    m_sweep = new CollectExpirySweep(*m_repository, clock, announcer, this);
    m_editor = std::make_unique<CollectSessionEditor>(*m_repository, *m_sweep, clock, headerSeal, announcer);
    m_gate = std::make_unique<CollectSessionGate>(*m_repository, *m_sweep, clock, announcer);
}

CollectService::~CollectService() = default;

bool CollectService::isValidConnectionIdentifier(const QString &identifier)
{
    return collectrules::isValidConnectionIdentifier(identifier);
}

Result<QString> CollectService::generateConnectionIdentifier()
{
    return identifiers::randomLowercase(kGeneratedIdentifierLength);
}

FieldErrors CollectService::validate(const CollectSessionInput &input) const
{
    return collectrules::validate(input, m_clock.now());
}

FieldErrors CollectService::validate(const CollectSessionUpdate &update) const
{
    return collectrules::validate(update, m_clock.now());
}

void CollectService::announce(const CollectChanges &changes)
{
    // The typed events name each object once, under its own topic: a collected key
    // does not name its connection or session again (the key says where it belongs).
    const auto once = [](const QStringList &ids) {
        QStringList unique;
        for (const QString &id : ids)
            if (!unique.contains(id))
                unique.append(id);
        return unique;
    };
    QStringList keyIds;
    for (const auto &[sessionId, keyId] : changes.keys)
        keyIds.append(keyId);
    QStringList changedConnections;
    for (const QString &id : changes.closedConnections)
        if (!changes.openedConnections.contains(id))
            changedConnections.append(id);
    QStringList changedSessions;
    for (const QString &id : changes.changedSessionRows)
        if (!changes.addedSessions.contains(id))
            changedSessions.append(id);
    const ChangeSet sets[] = {
        {QString(kKeyTopic), once(keyIds), {}, {}},
        {QString(kConnectionTopic), once(changes.openedConnections), once(changedConnections), {}},
        {QString(kSessionTopic), once(changes.addedSessions), changedSessions, changes.removedSessions},
    };
    for (const ChangeSet &set : sets) {
        if (!set.isEmpty())
            Q_EMIT changed(set);
    }

    for (const auto &[sessionId, connectionId] : changes.connections)
        Q_EMIT connectionChanged(sessionId, connectionId);
    for (const auto &[sessionId, keyId] : changes.keys)
        Q_EMIT keyCollected(sessionId, keyId);
    for (const QString &id : changes.sessions)
        Q_EMIT sessionChanged(id);
    for (const QString &id : changes.removedSessions)
        Q_EMIT sessionRemoved(id);
}

Result<int> CollectService::expireDue()
{
    return m_sweep->expireDue();
}

void CollectService::startExpirySweep(int intervalMs)
{
    m_sweep->start(intervalMs);
}

Result<CollectSession> CollectService::get(const QString &id)
{
    return m_editor->read(id);
}

Result<CollectSession> CollectService::findByConnectionIdentifier(const QString &connectionIdentifier)
{
    if (Result<int> swept = expireDue(); !swept)
        return swept.error();
    Result<std::optional<CollectSession>> found
        = m_repository->sessionByIdentifier(m_repository->connection(), connectionIdentifier, m_clock.now());
    if (!found)
        return found.error();
    if (!found->has_value())
        return Error::notFound(u"no collect session with the connection identifier %1"_s.arg(connectionIdentifier));
    return **found;
}

Result<CollectSessionConnection> CollectService::connection(const QString &connectionId)
{
    return m_repository->connectionById(m_repository->connection(), connectionId);
}

Result<CollectSessionKey> CollectService::key(const QString &keyId)
{
    return m_repository->keyById(m_repository->connection(), keyId);
}

Result<CollectSessionPage> CollectService::list(const CollectSessionQuery &query)
{
    if (query.offset < 0)
        return Error::invalid(u"the offset must not be negative"_s, u"offset"_s);
    if (query.limit < 1 || query.limit > CollectSessionQuery::kMaxLimit)
        return Error::invalid(u"the page size must be between 1 and %1"_s.arg(CollectSessionQuery::kMaxLimit),
                              u"limit"_s);
    if (Result<int> swept = expireDue(); !swept)
        return swept.error();
    return m_repository->page(m_repository->connection(), query, m_clock.now());
}

Result<CollectSession> CollectService::create(const CollectSessionInput &input)
{
    return m_editor->create(input);
}

Result<CollectSession> CollectService::update(const QString &id, const CollectSessionUpdate &update)
{
    return m_editor->update(id, update);
}

Status CollectService::remove(const QString &id)
{
    return m_editor->remove(id);
}

Result<CollectSession> CollectService::complete(const QString &id)
{
    return m_editor->complete(id);
}

std::optional<OpenCollectSession> CollectService::openSession(const QString &connectionIdentifier)
{
    return m_gate->openSession(connectionIdentifier);
}

Result<QString> CollectService::connectionOpened(const QString &sessionId, const QString &ipAddress,
                                                 const QString &clientVersion)
{
    return m_gate->connectionOpened(sessionId, ipAddress, clientVersion);
}

Status CollectService::keyProven(const QString &connectionId, const SshPublicKey &key)
{
    return m_gate->keyProven(connectionId, key);
}

Status CollectService::connectionClosed(const QString &connectionId, ConnectionOutcome outcome)
{
    return m_gate->connectionClosed(connectionId, outcome);
}

} // namespace keystead
