#include "CollectSessionRepository.h"

#include "collect/CollectJson.h"
#include "collect/CollectWebhookRules.h"
#include "collect/WebhookOutbox.h"
#include "common/Identifiers.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutexLocker>
#include <QSqlError>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

using collectwebhook::HeaderValues;
using sql::text;

const QString kSessionColumns = u"id, connection_identifier, external_id, status, multi_key, multi_connection, "
                                "must_confirm, ssh_banner, ssh_message, timeout, expired_at, created_at, "
                                "updated_at, completed_at"_s;

QVariant optionalText(const std::optional<QString> &value)
{
    return value ? text(*value) : QVariant(QMetaType::fromType<QString>());
}

QVariant optionalTime(const QDateTime &time)
{
    return time.isValid() ? QVariant(sql::toStoreTime(time)) : QVariant(QMetaType::fromType<QString>());
}

QVariant optionalInteger(const std::optional<qint64> &value)
{
    return value ? QVariant(*value) : QVariant(QMetaType::fromType<qlonglong>());
}

std::optional<QString> textColumn(const QVariant &value)
{
    if (value.isNull())
        return std::nullopt;
    return value.toString();
}

bool expiredBy(const QDateTime &expiredAt, const QDateTime &now)
{
    return expiredAt.isValid() && expiredAt <= now;
}

CollectSession sessionFromRow(const QSqlQuery &row, const QDateTime &now)
{
    CollectSession session;
    session.id = row.value(0).toString();
    session.connectionIdentifier = row.value(1).toString();
    session.externalId = textColumn(row.value(2));
    session.status = collectStatusFromName(row.value(3).toString()).value_or(CollectStatus::Pending);
    session.multiKey = row.value(4).toInt() != 0;
    session.multiConnection = row.value(5).toInt() != 0;
    session.mustConfirm = row.value(6).toInt() != 0;
    session.sshBanner = textColumn(row.value(7));
    session.sshMessage = textColumn(row.value(8));
    if (!row.value(9).isNull())
        session.timeout = row.value(9).toLongLong();
    session.expiredAt = sql::fromStoreTime(row.value(10));
    session.createdAt = sql::fromStoreTime(row.value(11));
    session.updatedAt = sql::fromStoreTime(row.value(12));
    session.completedAt = sql::fromStoreTime(row.value(13));
    // The stored status catches up at the next sweep; readers see the truth already.
    if (session.status == CollectStatus::Pending && expiredBy(session.expiredAt, now))
        session.status = CollectStatus::Expired;
    return session;
}

std::optional<CollectConnectionState> connectionStateFromName(const QString &name)
{
    for (CollectConnectionState state : {CollectConnectionState::Open, CollectConnectionState::Kept,
                                         CollectConnectionState::Declined, CollectConnectionState::Abandoned}) {
        if (collectConnectionStateName(state) == name)
            return state;
    }
    return std::nullopt;
}

QString placeholders(qsizetype count)
{
    QStringList marks;
    for (qsizetype i = 0; i < count; ++i)
        marks.append(u"?"_s);
    return marks.join(u", "_s);
}

QVariantList toVariants(const QStringList &values)
{
    QVariantList list;
    for (const QString &value : values)
        list.append(value);
    return list;
}

QString compactJson(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

Status done(const Result<QSqlQuery> &query)
{
    if (!query)
        return query.error();
    return {};
}

CollectWebhook webhookFromRow(const QSqlQuery &row, HeaderValues form)
{
    CollectWebhook webhook;
    webhook.id = row.value(0).toString();
    webhook.url = row.value(2).toString();
    webhook.method = row.value(3).toString();
    for (const QJsonValue &event : QJsonDocument::fromJson(row.value(4).toString().toUtf8()).array())
        webhook.events.append(event.toString());
    webhook.headers = collectwebhook::headersFromColumn(row.value(5).toString(), form);
    webhook.retries = row.value(6).toLongLong();
    webhook.initialBackoff = row.value(7).toLongLong();
    webhook.backoffMultiplier = row.value(8).toDouble();
    return webhook;
}

const QString kWebhookColumns
    = u"id, session_id, url, method, events, headers, retries, initial_backoff, backoff_multiplier"_s;

const QString kConnectionColumns = u"id, session_id, created_at, ip_address, client_version, outcome, closed_at"_s;
const QString kKeyColumns = u"id, connection_id, session_id, created_at, public_key_blob, state"_s;

CollectSessionConnection connectionFromRow(const QSqlQuery &row)
{
    CollectSessionConnection connection;
    connection.id = row.value(0).toString();
    connection.sessionId = row.value(1).toString();
    connection.createdAt = sql::fromStoreTime(row.value(2));
    connection.ipAddress = row.value(3).toString();
    connection.clientVersion = row.value(4).toString();
    connection.state = connectionStateFromName(row.value(5).toString()).value_or(CollectConnectionState::Open);
    connection.closedAt = sql::fromStoreTime(row.value(6));
    return connection;
}

// Nothing when the stored key cannot be read back (logged).
std::optional<CollectSessionKey> keyFromRow(const QSqlQuery &row)
{
    CollectSessionKey key;
    key.id = row.value(0).toString();
    key.connectionId = row.value(1).toString();
    key.sessionId = row.value(2).toString();
    key.createdAt = sql::fromStoreTime(row.value(3));
    Result<SshPublicKey> parsed = SshPublicKey::fromBlob(QByteArray::fromBase64(row.value(4).toString().toLatin1()));
    if (!parsed) {
        qWarning("collect: key %s cannot be read back: %s", qPrintable(key.id), qPrintable(parsed.error().message));
        return std::nullopt;
    }
    key.key = std::move(parsed).value();
    key.state = row.value(5).toString() == u"discarded"_s ? CollectKeyState::Discarded : CollectKeyState::Collected;
    return key;
}

// Fills in the connections (with their keys) and webhooks of `sessions`, three queries in all.
Status attachDetails(const QSqlDatabase &db, QList<CollectSession> &sessions, HeaderValues form)
{
    if (sessions.isEmpty())
        return {};
    QHash<QString, qsizetype> sessionIndex;
    QStringList ids;
    for (qsizetype i = 0; i < sessions.size(); ++i) {
        sessionIndex.insert(sessions.at(i).id, i);
        ids.append(sessions.at(i).id);
    }
    const QString in = placeholders(ids.size());
    const QVariantList bindings = toVariants(ids);

    Result<QSqlQuery> connections
        = sql::exec(db,
                    u"SELECT "_s + kConnectionColumns
                        + u" FROM collect_connections WHERE session_id IN (%1) ORDER BY position"_s.arg(in),
                    bindings);
    if (!connections)
        return connections.error();
    // Where each connection sits: (session index, connection index).
    QHash<QString, std::pair<qsizetype, qsizetype>> connectionIndex;
    while (connections->next()) {
        const CollectSessionConnection connection = connectionFromRow(connections.value());
        const qsizetype owner = sessionIndex.value(connection.sessionId, -1);
        if (owner < 0)
            continue;
        connectionIndex.insert(connection.id, {owner, sessions[owner].connections.size()});
        sessions[owner].connections.append(connection);
    }

    Result<QSqlQuery> keys = sql::exec(
        db, u"SELECT "_s + kKeyColumns + u" FROM collect_keys WHERE session_id IN (%1) ORDER BY position"_s.arg(in),
        bindings);
    if (!keys)
        return keys.error();
    while (keys->next()) {
        const std::optional<CollectSessionKey> read = keyFromRow(keys.value());
        if (!read)
            continue;
        const CollectSessionKey &key = *read;
        const auto where = connectionIndex.constFind(key.connectionId);
        if (where == connectionIndex.cend())
            continue;
        sessions[where->first].connections[where->second].keys.append(key);
    }

    Result<QSqlQuery> webhooks = sql::exec(
        db,
        u"SELECT "_s + kWebhookColumns + u" FROM collect_webhooks WHERE session_id IN (%1) ORDER BY position"_s.arg(in),
        bindings);
    if (!webhooks)
        return webhooks.error();
    while (webhooks->next()) {
        const qsizetype owner = sessionIndex.value(webhooks->value(1).toString(), -1);
        if (owner >= 0)
            sessions[owner].webhooks.append(webhookFromRow(webhooks.value(), form));
    }
    return {};
}

Result<QList<CollectSession>> selectSessions(const QSqlDatabase &db, const QString &tail, const QVariantList &bindings,
                                             const QDateTime &now)
{
    Result<QSqlQuery> rows
        = sql::exec(db, u"SELECT "_s + kSessionColumns + u" FROM collect_sessions "_s + tail, bindings);
    if (!rows)
        return rows.error();
    QList<CollectSession> sessions;
    while (rows->next())
        sessions.append(sessionFromRow(rows.value(), now));
    if (Status attached = attachDetails(db, sessions, HeaderValues::Masked); !attached)
        return attached.error();
    return sessions;
}

Result<int> nextPosition(const QSqlDatabase &db, const QString &table, const QString &ownerColumn, const QString &owner)
{
    Result<QSqlQuery> row
        = sql::exec(db, u"SELECT COALESCE(MAX(position), 0) FROM %1 WHERE %2 = ?"_s.arg(table, ownerColumn), {owner});
    if (!row)
        return row.error();
    return row->next() ? row->value(0).toInt() + 1 : 1;
}

Result<int> countOf(const QSqlDatabase &db, const QString &statement, const QVariantList &bindings)
{
    Result<QSqlQuery> count = sql::exec(db, statement, bindings);
    if (!count)
        return count.error();
    return count->next() ? count->value(0).toInt() : 0;
}

} // namespace

CollectSessionRepository::CollectSessionRepository(Database &database, WebhookOutbox &outbox,
                                                   WebhookHeaderSeal &headerSeal)
    : m_database(database)
    , m_outbox(outbox)
    , m_headerSeal(headerSeal)
{
}

QSqlDatabase CollectSessionRepository::connection()
{
    return m_database.connection();
}

Status CollectSessionRepository::transaction(QSqlDatabase &db, const std::function<Status()> &body)
{
    QMutexLocker lock(&m_writeMutex);
    const bool postgres = m_database.isPostgres();
    // BEGIN IMMEDIATE takes SQLite's write lock first (waiting for it up to the busy
    // timeout): a transaction that reads and then writes could otherwise fail at once
    // when another connection wrote in between.
    if (postgres) {
        if (!db.transaction())
            return Error::unavailable(u"cannot begin a transaction: "_s + db.lastError().text());
    } else if (Result<QSqlQuery> begun = sql::exec(db, u"BEGIN IMMEDIATE"_s); !begun) {
        return begun.error();
    }
    Status status = body();
    if (!status.ok()) {
        if (postgres)
            db.rollback();
        else
            (void)sql::exec(db, u"ROLLBACK"_s);
        return status;
    }
    if (postgres) {
        if (!db.commit()) {
            const QString reason = db.lastError().text();
            db.rollback();
            return Error::unavailable(u"cannot commit: "_s + reason);
        }
    } else if (Result<QSqlQuery> committed = sql::exec(db, u"COMMIT"_s); !committed) {
        (void)sql::exec(db, u"ROLLBACK"_s);
        return committed.error();
    }
    return {};
}

Result<CollectSession> CollectSessionRepository::session(const QSqlDatabase &db, const QString &id,
                                                         const QDateTime &now)
{
    Result<QList<CollectSession>> found = selectSessions(db, u"WHERE id = ?"_s, {id}, now);
    if (!found)
        return found.error();
    if (found->isEmpty())
        return Error::notFound(u"no collect session with id %1"_s.arg(id));
    return found->first();
}

Result<std::optional<CollectSession>> CollectSessionRepository::sessionByIdentifier(const QSqlDatabase &db,
                                                                                    const QString &identifier,
                                                                                    const QDateTime &now)
{
    Result<QList<CollectSession>> found = selectSessions(db, u"WHERE connection_identifier = ?"_s, {identifier}, now);
    if (!found)
        return found.error();
    if (found->isEmpty())
        return std::optional<CollectSession>();
    return std::optional<CollectSession>(found->first());
}

Result<std::optional<CollectSession>> CollectSessionRepository::sessionRowByIdentifier(const QSqlDatabase &db,
                                                                                       const QString &identifier,
                                                                                       const QDateTime &now)
{
    Result<QSqlQuery> row = sql::exec(
        db, u"SELECT "_s + kSessionColumns + u" FROM collect_sessions WHERE connection_identifier = ?"_s, {identifier});
    if (!row)
        return row.error();
    if (!row->next())
        return std::optional<CollectSession>();
    return std::optional<CollectSession>(sessionFromRow(row.value(), now));
}

Result<CollectSessionPage> CollectSessionRepository::page(const QSqlDatabase &db, const CollectSessionQuery &query,
                                                          const QDateTime &now)
{
    QStringList conditions;
    QVariantList bindings;
    if (query.status) {
        conditions.append(u"status = ?"_s);
        bindings.append(collectStatusName(*query.status));
    }
    if (!query.externalId.isEmpty()) {
        conditions.append(u"external_id = ?"_s);
        bindings.append(query.externalId);
    }
    if (!query.search.isEmpty()) {
        QString pattern = query.search.toLower();
        pattern.replace(u"\\"_s, u"\\\\"_s).replace(u"%"_s, u"\\%"_s).replace(u"_"_s, u"\\_"_s);
        pattern = u"%"_s + pattern + u"%"_s;
        conditions.append(u"(LOWER(connection_identifier) LIKE ? ESCAPE '\\' "
                          "OR LOWER(COALESCE(external_id, '')) LIKE ? ESCAPE '\\')"_s);
        bindings.append(pattern);
        bindings.append(pattern);
    }
    const QString where = conditions.isEmpty() ? QString() : u"WHERE "_s + conditions.join(u" AND "_s);

    Result<int> total = countOf(db, u"SELECT COUNT(*) FROM collect_sessions "_s + where, bindings);
    if (!total)
        return total.error();
    CollectSessionPage page;
    page.total = total.value();

    QVariantList pageBindings = bindings;
    pageBindings.append(query.limit);
    pageBindings.append(query.offset);
    Result<QList<CollectSession>> sessions
        = selectSessions(db, where + u" ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"_s, pageBindings, now);
    if (!sessions)
        return sessions.error();
    page.sessions = std::move(sessions).value();
    return page;
}

Result<CollectSession> CollectSessionRepository::lockSession(const QSqlDatabase &db, const QString &id,
                                                             const QDateTime &now)
{
    Result<QSqlQuery> row = sql::exec(db,
                                      u"SELECT "_s + kSessionColumns + u" FROM collect_sessions WHERE id = ?"_s
                                          + (m_database.isPostgres() ? u" FOR UPDATE"_s : QString()),
                                      {id});
    if (!row)
        return row.error();
    if (!row->next())
        return Error::notFound(u"no collect session with id %1"_s.arg(id));
    return sessionFromRow(row.value(), now);
}

Result<bool> CollectSessionRepository::identifierTaken(const QSqlDatabase &db, const QString &identifier)
{
    Result<QSqlQuery> taken
        = sql::exec(db, u"SELECT 1 FROM collect_sessions WHERE connection_identifier = ?"_s, {identifier});
    if (!taken)
        return taken.error();
    return taken->next();
}

Status CollectSessionRepository::insertSession(const QSqlDatabase &db, const CollectSession &session,
                                               const CollectSessionInput &input)
{
    return done(sql::exec(
        db,
        u"INSERT INTO collect_sessions (id, connection_identifier, external_id, status, multi_key, "
        "multi_connection, must_confirm, ssh_banner, ssh_message, timeout, expired_at, created_at, updated_at) "
        "VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s,
        {session.id, session.connectionIdentifier, optionalText(input.externalId), input.multiKey ? 1 : 0,
         input.multiConnection ? 1 : 0, input.mustConfirm ? 1 : 0, optionalText(input.sshBanner),
         optionalText(input.sshMessage), optionalInteger(input.timeout), optionalTime(session.expiredAt),
         sql::toStoreTime(session.createdAt), sql::toStoreTime(session.updatedAt)}));
}

Status CollectSessionRepository::updateSession(const QSqlDatabase &db, const CollectSession &next, const QDateTime &now)
{
    return done(sql::exec(
        db,
        u"UPDATE collect_sessions SET external_id = ?, multi_key = ?, multi_connection = ?, must_confirm = ?, "
        "ssh_banner = ?, ssh_message = ?, timeout = ?, expired_at = ?, status = ?, updated_at = ? WHERE id = ?"_s,
        {optionalText(next.externalId), next.multiKey ? 1 : 0, next.multiConnection ? 1 : 0, next.mustConfirm ? 1 : 0,
         optionalText(next.sshBanner), optionalText(next.sshMessage), optionalInteger(next.timeout),
         optionalTime(next.expiredAt), collectStatusName(next.status), sql::toStoreTime(now), next.id}));
}

Result<bool> CollectSessionRepository::deleteSession(const QSqlDatabase &db, const QString &id)
{
    Result<QSqlQuery> deleted = sql::exec(db, u"DELETE FROM collect_sessions WHERE id = ?"_s, {id});
    if (!deleted)
        return deleted.error();
    return deleted->numRowsAffected() == 1;
}

Status CollectSessionRepository::markCompleted(const QSqlDatabase &db, const QString &id, const QDateTime &now)
{
    return done(sql::exec(
        db, u"UPDATE collect_sessions SET status = 'completed', completed_at = ?, updated_at = ? WHERE id = ?"_s,
        {sql::toStoreTime(now), sql::toStoreTime(now), id}));
}

Result<QStringList> CollectSessionRepository::dueForExpiry(const QSqlDatabase &db, const QDateTime &now)
{
    Result<QSqlQuery> due = sql::exec(
        db,
        u"SELECT id FROM collect_sessions WHERE status = 'pending' AND expired_at IS NOT NULL AND expired_at <= ?"_s,
        {sql::toStoreTime(now)});
    if (!due)
        return due.error();
    QStringList ids;
    while (due->next())
        ids.append(due->value(0).toString());
    return ids;
}

Result<bool> CollectSessionRepository::markExpired(const QSqlDatabase &db, const QString &id, const QDateTime &now)
{
    const QString at = sql::toStoreTime(now);
    Result<QSqlQuery> updated
        = sql::exec(db,
                    u"UPDATE collect_sessions SET status = 'expired', updated_at = ? "
                    "WHERE id = ? AND status = 'pending' AND expired_at IS NOT NULL AND expired_at <= ?"_s,
                    {at, id, at});
    if (!updated)
        return updated.error();
    return updated->numRowsAffected() == 1;
}

Result<CollectSessionRepository::ConnectionRow> CollectSessionRepository::findConnection(const QSqlDatabase &db,
                                                                                         const QString &connectionId)
{
    Result<QSqlQuery> row
        = sql::exec(db, u"SELECT session_id, outcome FROM collect_connections WHERE id = ?"_s, {connectionId});
    if (!row)
        return row.error();
    if (!row->next())
        return Error::notFound(u"no collect connection with id %1"_s.arg(connectionId));
    return ConnectionRow{row->value(0).toString(), row->value(1).toString() == u"open"_s};
}

Result<CollectSessionConnection> CollectSessionRepository::connectionById(const QSqlDatabase &db,
                                                                          const QString &connectionId)
{
    Result<QSqlQuery> row = sql::exec(
        db, u"SELECT "_s + kConnectionColumns + u" FROM collect_connections WHERE id = ?"_s, {connectionId});
    if (!row)
        return row.error();
    if (!row->next())
        return Error::notFound(u"no collect connection with id %1"_s.arg(connectionId));
    CollectSessionConnection connection = connectionFromRow(row.value());
    Result<QSqlQuery> keys
        = sql::exec(db, u"SELECT "_s + kKeyColumns + u" FROM collect_keys WHERE connection_id = ? ORDER BY position"_s,
                    {connectionId});
    if (!keys)
        return keys.error();
    while (keys->next()) {
        if (std::optional<CollectSessionKey> key = keyFromRow(keys.value()))
            connection.keys.append(*key);
    }
    return connection;
}

Result<CollectSessionKey> CollectSessionRepository::keyById(const QSqlDatabase &db, const QString &keyId)
{
    Result<QSqlQuery> row = sql::exec(db, u"SELECT "_s + kKeyColumns + u" FROM collect_keys WHERE id = ?"_s, {keyId});
    if (!row)
        return row.error();
    if (!row->next())
        return Error::notFound(u"no collected key with id %1"_s.arg(keyId));
    std::optional<CollectSessionKey> key = keyFromRow(row.value());
    if (!key)
        return Error::internal(u"the collected key %1 cannot be read back"_s.arg(keyId));
    return *key;
}

Status CollectSessionRepository::insertConnection(const QSqlDatabase &db, const QString &connectionId,
                                                  const QString &sessionId, const QDateTime &now,
                                                  const QString &ipAddress, const QString &clientVersion)
{
    Result<int> position = nextPosition(db, u"collect_connections"_s, u"session_id"_s, sessionId);
    if (!position)
        return position.error();
    return done(sql::exec(
        db,
        u"INSERT INTO collect_connections (id, session_id, position, created_at, ip_address, client_version, "
        "outcome) VALUES (?, ?, ?, ?, ?, ?, 'open')"_s,
        {connectionId, sessionId, position.value(), sql::toStoreTime(now), text(ipAddress), text(clientVersion)}));
}

Status CollectSessionRepository::closeConnection(const QSqlDatabase &db, const QString &connectionId,
                                                 CollectConnectionState state, const QDateTime &now)
{
    return done(sql::exec(db, u"UPDATE collect_connections SET outcome = ?, closed_at = ? WHERE id = ?"_s,
                          {collectConnectionStateName(state), sql::toStoreTime(now), connectionId}));
}

Result<bool> CollectSessionRepository::keyRecorded(const QSqlDatabase &db, const QString &connectionId,
                                                   const QString &blob)
{
    Result<QSqlQuery> seen = sql::exec(
        db, u"SELECT 1 FROM collect_keys WHERE connection_id = ? AND public_key_blob = ?"_s, {connectionId, blob});
    if (!seen)
        return seen.error();
    return seen->next();
}

Result<int> CollectSessionRepository::collectedKeysOfSession(const QSqlDatabase &db, const QString &sessionId)
{
    return countOf(db, u"SELECT COUNT(*) FROM collect_keys WHERE session_id = ? AND state = 'collected'"_s,
                   {sessionId});
}

Result<int> CollectSessionRepository::collectedKeysOfConnection(const QSqlDatabase &db, const QString &connectionId)
{
    return countOf(db, u"SELECT COUNT(*) FROM collect_keys WHERE connection_id = ? AND state = 'collected'"_s,
                   {connectionId});
}

Status CollectSessionRepository::insertKey(const QSqlDatabase &db, const QString &keyId, const QString &connectionId,
                                           const QString &sessionId, const QDateTime &now, const SshPublicKey &key,
                                           const QString &blob)
{
    Result<int> position = nextPosition(db, u"collect_keys"_s, u"connection_id"_s, connectionId);
    if (!position)
        return position.error();
    return done(sql::exec(db,
                          u"INSERT INTO collect_keys (id, connection_id, session_id, position, created_at, algorithm, "
                          "bits, fingerprint_sha256, fingerprint_md5, public_key_blob, state) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'collected')"_s,
                          {keyId, connectionId, sessionId, position.value(), sql::toStoreTime(now), key.algorithm(),
                           key.bits(), key.fingerprintSha256(), key.fingerprintMd5(), blob}));
}

Status CollectSessionRepository::discardKeys(const QSqlDatabase &db, const QString &connectionId)
{
    return done(
        sql::exec(db, u"UPDATE collect_keys SET state = 'discarded' WHERE connection_id = ? AND state = 'collected'"_s,
                  {connectionId}));
}

Result<QList<CollectWebhook>> CollectSessionRepository::storedWebhooks(const QSqlDatabase &db, const QString &sessionId)
{
    Result<QSqlQuery> rows = sql::exec(
        db, u"SELECT "_s + kWebhookColumns + u" FROM collect_webhooks WHERE session_id = ? ORDER BY position"_s,
        {sessionId});
    if (!rows)
        return rows.error();
    QList<CollectWebhook> webhooks;
    while (rows->next())
        webhooks.append(webhookFromRow(rows.value(), HeaderValues::Stored));
    return webhooks;
}

Status CollectSessionRepository::insertWebhooks(const QSqlDatabase &db, const QString &sessionId,
                                                const QList<CollectWebhook> &webhooks,
                                                const QHash<qsizetype, QSet<QString>> &carried)
{
    for (qsizetype i = 0; i < webhooks.size(); ++i) {
        const CollectWebhook &webhook = webhooks.at(i);
        // Known before the values are sealed: each is sealed for this id.
        const QString webhookId = webhook.id.isEmpty() ? identifiers::newUuid() : webhook.id;
        QStringList events;
        for (const QString &event : webhook.events) {
            if (!events.contains(event))
                events.append(event);
        }
        Result<QJsonObject> headers
            = collectwebhook::headersToColumn(m_headerSeal, webhookId, webhook.headers, carried.value(i));
        if (!headers)
            return headers.error();
        Result<QSqlQuery> inserted = sql::exec(
            db,
            u"INSERT INTO collect_webhooks (id, session_id, position, url, method, events, headers, retries, "
            "initial_backoff, backoff_multiplier) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s,
            {webhookId, sessionId, static_cast<int>(i), text(webhook.url), webhook.method,
             QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(events)).toJson(QJsonDocument::Compact)),
             compactJson(headers.value()), webhook.retries, webhook.initialBackoff, webhook.backoffMultiplier});
        if (!inserted)
            return inserted.error();
    }
    return {};
}

Status CollectSessionRepository::deleteWebhooks(const QSqlDatabase &db, const QString &sessionId)
{
    return done(sql::exec(db, u"DELETE FROM collect_webhooks WHERE session_id = ?"_s, {sessionId}));
}

namespace {

// The session's webhooks (id and stored headers) that still hold a credential in plain text.
Result<QList<std::pair<QString, QMap<QString, QStringList>>>> webhooksWithPlainCredentials(const QSqlDatabase &db,
                                                                                           const QString &sessionId)
{
    Result<QSqlQuery> rows
        = sql::exec(db, u"SELECT id, headers FROM collect_webhooks WHERE session_id = ?"_s, {sessionId});
    if (!rows)
        return rows.error();
    QList<std::pair<QString, QMap<QString, QStringList>>> found;
    while (rows->next()) {
        const QMap<QString, QStringList> headers
            = collectwebhook::headersFromColumn(rows->value(1).toString(), HeaderValues::Stored);
        if (collectwebhook::hasPlainCredentials(headers))
            found.append({rows->value(0).toString(), headers});
    }
    return found;
}

} // namespace

Result<bool> CollectSessionRepository::hasPlainCredentials(const QSqlDatabase &db, const QString &sessionId)
{
    Result<QList<std::pair<QString, QMap<QString, QStringList>>>> plain = webhooksWithPlainCredentials(db, sessionId);
    if (!plain)
        return plain.error();
    return !plain->isEmpty();
}

Status CollectSessionRepository::resealPlainCredentials(const QSqlDatabase &db, const QString &sessionId)
{
    Result<QList<std::pair<QString, QMap<QString, QStringList>>>> plain = webhooksWithPlainCredentials(db, sessionId);
    if (!plain)
        return plain.error();
    for (const auto &[webhookId, headers] : std::as_const(plain.value())) {
        const QStringList names = headers.keys();
        Result<QJsonObject> column = collectwebhook::headersToColumn(m_headerSeal, webhookId, headers,
                                                                     QSet<QString>(names.cbegin(), names.cend()));
        if (!column)
            return column.error();
        Result<QSqlQuery> updated = sql::exec(db, u"UPDATE collect_webhooks SET headers = ? WHERE id = ?"_s,
                                              {compactJson(column.value()), webhookId});
        if (!updated)
            return updated.error();
    }
    return {};
}

Status CollectSessionRepository::queueEvent(QSqlDatabase &db, const QString &sessionId, WebhookEvent event,
                                            const QDateTime &now)
{
    // Most sessions have no webhook: the collect path then skips building the payload.
    Result<int> webhooks = countOf(db, u"SELECT COUNT(*) FROM collect_webhooks WHERE session_id = ?"_s, {sessionId});
    if (!webhooks)
        return webhooks.error();
    if (webhooks.value() == 0)
        return {};
    Result<CollectSession> found = session(db, sessionId, now);
    if (!found)
        return found.error();
    return m_outbox.enqueue(db, sessionId, event, collectjson::sessionToJson(found.value()));
}

} // namespace keystead
