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
    ChangeSet keys{QString(kKeyTopic), {}, {}, {}};
    ChangeSet connections{QString(kConnectionTopic), {}, {}, {}};
    ChangeSet sessions{QString(kSessionTopic), {}, {}, {}};
    for (const auto &[sessionId, keyId] : changes.keys)
        keys.added.append(keyId);
    for (const auto &[sessionId, connectionId] : changes.connections) {
        QStringList &list = changes.openedConnections.contains(connectionId) ? connections.added : connections.changed;
        if (!list.contains(connectionId))
            list.append(connectionId);
    }
    for (const QString &id : changes.sessions)
        (changes.addedSessions.contains(id) ? sessions.added : sessions.changed).append(id);
    sessions.removed = changes.removedSessions;

    for (const ChangeSet &set : {keys, connections, sessions}) {
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
