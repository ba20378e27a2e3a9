#include "CollectSessionEditor.h"

#include "collect/CollectExpirySweep.h"
#include "collect/CollectJson.h"
#include "collect/CollectSessionRepository.h"
#include "collect/CollectSessionRules.h"
#include "collect/CollectWebhookRules.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "common/Clock.h"
#include "common/Identifiers.h"

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

bool expiredBy(const QDateTime &expiredAt, const QDateTime &now)
{
    return expiredAt.isValid() && expiredAt <= now;
}

// `current` with `update` applied (not its webhooks), or why it cannot be.
Result<CollectSession> applied(const CollectSession &current, const CollectSessionUpdate &update, const QDateTime &now)
{
    CollectSession next = current;
    if (update.externalId)
        next.externalId = *update.externalId;
    if (update.sshBanner)
        next.sshBanner = *update.sshBanner;
    if (update.sshMessage)
        next.sshMessage = *update.sshMessage;
    next.multiKey = update.multiKey.value_or(current.multiKey);
    next.multiConnection = update.multiConnection.value_or(current.multiConnection);
    next.mustConfirm = update.mustConfirm.value_or(current.mustConfirm);

    if (update.expiredAt && update.expiredAt->has_value()) {
        next.expiredAt = **update.expiredAt;
        next.timeout.reset();
    } else if (update.timeout && update.timeout->has_value()) {
        next.timeout = **update.timeout;
        next.expiredAt = current.createdAt.addSecs(**update.timeout);
        if (next.expiredAt <= now) {
            FieldErrors errors;
            errors.add(u"timeout"_s,
                       u"counts from the session's creation (%1) and would end in the past"_s.arg(
                           collectjson::timeToJson(current.createdAt)),
                       **update.timeout);
            return errors.toError();
        }
    } else if (update.expiredAt) {
        next.expiredAt = {};
        next.timeout.reset();
    } else if (update.timeout && current.timeout) {
        next.expiredAt = {};
        next.timeout.reset();
    }

    // Completed stays completed; an expired session given a later expiry is pending again.
    if (current.status == CollectStatus::Expired && !expiredBy(next.expiredAt, now))
        next.status = CollectStatus::Pending;
    return next;
}

} // namespace

CollectSessionEditor::CollectSessionEditor(CollectSessionRepository &repository, CollectExpirySweep &sweep,
                                           const Clock &clock, WebhookHeaderSeal &headerSeal, CollectAnnouncer announce)
    : m_repository(repository)
    , m_sweep(sweep)
    , m_clock(clock)
    , m_headerSeal(headerSeal)
    , m_announce(std::move(announce))
{
}

Status CollectSessionEditor::prepareSeal(const QList<CollectWebhook> &webhooks)
{
    return collectwebhook::anyToSeal(webhooks) ? m_headerSeal.ensureReady() : Status();
}

Result<CollectSession> CollectSessionEditor::read(const QString &id)
{
    if (Result<int> swept = m_sweep.expireDue(); !swept)
        return swept.error();
    return m_repository.session(m_repository.connection(), id, m_clock.now());
}

Result<CollectSession> CollectSessionEditor::create(const CollectSessionInput &input)
{
    if (FieldErrors errors = collectrules::validate(input, m_clock.now()); !errors.isEmpty())
        return errors.toError();
    if (Status ready = prepareSeal(input.webhooks); !ready)
        return ready.error();

    const QDateTime now = m_clock.now();
    CollectSession session;
    session.id = identifiers::newUuid();
    session.createdAt = now;
    session.updatedAt = now;
    session.timeout = input.timeout;
    if (input.timeout)
        session.expiredAt = now.addSecs(*input.timeout);
    else if (input.expiredAt)
        session.expiredAt = *input.expiredAt;

    QSqlDatabase db = m_repository.connection();
    CollectChanges changes;
    const Status stored = m_repository.transaction(db, [&]() -> Status {
        QString identifier = input.connectionIdentifier;
        for (int attempt = 0;; ++attempt) {
            if (input.connectionIdentifier.isEmpty()) {
                Result<QString> generated = identifiers::randomLowercase(CollectLimits::kGeneratedIdentifierLength);
                if (!generated)
                    return generated.error();
                identifier = generated.value();
            }
            Result<bool> taken = m_repository.identifierTaken(db, identifier);
            if (!taken)
                return taken.error();
            if (!taken.value())
                break;
            if (!input.connectionIdentifier.isEmpty()) {
                Error error = Error::conflict(u"the connection identifier %1 is taken"_s.arg(identifier));
                error.location = u"connection_identifier"_s;
                error.details.insert(u"value"_s, identifier);
                return error;
            }
            if (attempt + 1 >= kIdentifierAttempts)
                return Error::internal(u"cannot find a free connection identifier"_s);
        }
        session.connectionIdentifier = identifier;
        if (Status inserted = m_repository.insertSession(db, session, input); !inserted)
            return inserted;
        if (Status webhooks = m_repository.insertWebhooks(db, session.id, input.webhooks); !webhooks)
            return webhooks;
        changes.addedSessions.append(session.id);
        changes.session(session.id);
        return {};
    });
    if (!stored)
        return stored.error();
    m_announce(changes);
    return read(session.id);
}

Result<CollectSession> CollectSessionEditor::update(const QString &id, const CollectSessionUpdate &update)
{
    if (FieldErrors errors = collectrules::validate(update, m_clock.now()); !errors.isEmpty())
        return errors.toError();
    if (Result<int> swept = m_sweep.expireDue(); !swept)
        return swept.error();
    if (update.webhooks) {
        if (Status ready = prepareSeal(*update.webhooks); !ready)
            return ready.error();
    }

    QSqlDatabase db = m_repository.connection();
    // Credentials stored before values were sealed are sealed by the next update, when the key is at hand.
    Result<bool> plain = m_repository.hasPlainCredentials(db, id);
    if (!plain)
        return plain.error();
    const bool reseal = plain.value() && m_headerSeal.ensureReady().ok();
    CollectChanges changes;
    const Status stored = m_repository.transaction(db, [&]() -> Status {
        const QDateTime now = m_clock.now();
        Result<CollectSession> locked = m_repository.lockSession(db, id, now);
        if (!locked)
            return locked.error();
        if (update.isEmpty())
            return {};
        const CollectSession current = std::move(locked).value();
        Result<CollectSession> next = applied(current, update, now);
        if (!next)
            return next.error();
        if (Status updated = m_repository.updateSession(db, next.value(), now); !updated)
            return updated;

        if (update.webhooks) {
            Result<QList<CollectWebhook>> existing = m_repository.storedWebhooks(db, id);
            if (!existing)
                return existing.error();
            QList<CollectWebhook> replacement = *update.webhooks;
            QHash<qsizetype, QSet<QString>> carried;
            if (FieldErrors errors = collectwebhook::carryRedacted(replacement, existing.value(), carried);
                !errors.isEmpty())
                return errors.toError();
            if (Status cleared = m_repository.deleteWebhooks(db, id); !cleared)
                return cleared;
            if (Status inserted = m_repository.insertWebhooks(db, id, replacement, carried); !inserted)
                return inserted;
        } else if (reseal) {
            if (Status resealed = m_repository.resealPlainCredentials(db, id); !resealed)
                return resealed;
        }
        if (next->status != current.status) {
            if (Status queued = m_repository.queueEvent(db, id, WebhookEvent::StatusChanged, m_clock.now()); !queued)
                return queued;
        }
        changes.sessionRow(id);
        return {};
    });
    if (!stored)
        return stored.error();
    m_announce(changes);
    return read(id);
}

Status CollectSessionEditor::remove(const QString &id)
{
    QSqlDatabase db = m_repository.connection();
    CollectChanges changes;
    const Status removed = m_repository.transaction(db, [&]() -> Status {
        Result<bool> deleted = m_repository.deleteSession(db, id);
        if (!deleted)
            return deleted.error();
        if (!deleted.value())
            return Error::notFound(u"no collect session with id %1"_s.arg(id));
        changes.removedSessions.append(id);
        return {};
    });
    if (!removed)
        return removed;
    m_announce(changes);
    return {};
}

Result<CollectSession> CollectSessionEditor::complete(const QString &id)
{
    if (Result<int> swept = m_sweep.expireDue(); !swept)
        return swept.error();
    QSqlDatabase db = m_repository.connection();
    CollectChanges changes;
    const Status done = m_repository.transaction(db, [&]() -> Status {
        const QDateTime now = m_clock.now();
        Result<CollectSession> session = m_repository.lockSession(db, id, now);
        if (!session)
            return session.error();
        if (session->status == CollectStatus::Completed)
            return {};
        if (session->status == CollectStatus::Expired)
            return Error::conflict(u"the collect session %1 has expired; it cannot be completed"_s.arg(id));
        if (Status completed = m_repository.markCompleted(db, id, now); !completed)
            return completed;
        if (Status queued = m_repository.queueEvent(db, id, WebhookEvent::StatusChanged, m_clock.now()); !queued)
            return queued;
        changes.sessionRow(id);
        return {};
    });
    if (!done)
        return done.error();
    m_announce(changes);
    return read(id);
}

} // namespace keystead
