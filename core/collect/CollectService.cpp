#include "CollectService.h"

#include "collect/CollectJson.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "common/Clock.h"
#include "common/Crypto.h"
#include "common/Identifiers.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutexLocker>
#include <QRegularExpression>
#include <QSet>
#include <QTimer>
#include <QUrl>
#include <QUuid>

#include <cmath>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// A collect connection as the SSH server's calls need it.
struct ConnectionRow
{
    QString sessionId;
    bool open = false; // no outcome recorded yet
};

Result<ConnectionRow> findConnection(const QSqlDatabase &db, const QString &connectionId)
{
    Result<QSqlQuery> row
        = sql::exec(db, u"SELECT session_id, outcome FROM collect_connections WHERE id = ?"_s, {connectionId});
    if (!row)
        return row.error();
    if (!row->next())
        return Error::notFound(u"no collect connection with id %1"_s.arg(connectionId));
    return ConnectionRow{row->value(0).toString(), row->value(1).toString() == u"open"_s};
}

const QString kSessionColumns = u"id, connection_identifier, external_id, status, multi_key, multi_connection, "
                                "must_confirm, ssh_banner, ssh_message, timeout, expired_at, created_at, "
                                "updated_at, completed_at"_s;

constexpr int kMaxUrlLength = 2048;
constexpr int kMaxHeaderValueLength = 8192;
constexpr int kMaxClientVersionLength = 255;
constexpr int kIdentifierAttempts = 8;

using sql::text;

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

// How header values leave the store: as stored (sealed ones sealed), for the service's
// own rewrites, or masked, for everyone else.
enum class HeaderValues { Stored, Masked };

// Every credential header's values are sealed, and so is any value that merely looks
// sealed: a stored value with the seal's prefix is then always one to open.
bool needsSealing(const QString &name, const QString &value)
{
    return collectjson::isCredentialHeader(name) || WebhookHeaderSeal::isSealed(value);
}

QMap<QString, QStringList> headersFromColumn(const QString &column, HeaderValues form)
{
    QMap<QString, QStringList> headers;
    const QJsonObject object = QJsonDocument::fromJson(column.toUtf8()).object();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        QStringList values;
        for (const QJsonValue &value : it.value().toArray()) {
            const QString text = value.toString();
            values.append(form == HeaderValues::Masked && needsSealing(it.key(), text) ? QString(collectjson::kRedacted)
                                                                                       : text);
        }
        headers.insert(it.key(), values);
    }
    return headers;
}

// The headers as the collect_webhooks column keeps them. Values in `carried` were read
// from the store (sent back redacted): a sealed one stays as it is, bound to this
// webhook and header already; a plain one from before values were sealed is sealed now.
Result<QJsonObject> headersToColumn(WebhookHeaderSeal &seal, const QString &webhookId,
                                    const QMap<QString, QStringList> &headers, const QSet<QString> &carried)
{
    QJsonObject column;
    for (auto it = headers.constBegin(); it != headers.constEnd(); ++it) {
        QJsonArray values;
        for (const QString &value : it.value()) {
            if ((carried.contains(it.key()) && WebhookHeaderSeal::isSealed(value)) || !needsSealing(it.key(), value)) {
                values.append(value);
                continue;
            }
            Result<QString> sealed = seal.seal(webhookId, it.key(), value);
            if (!sealed)
                return sealed.error();
            values.append(sealed.value());
        }
        column.insert(it.key(), values);
    }
    return column;
}

QString compactJson(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

CollectWebhook webhookFromRow(const QSqlQuery &row, HeaderValues form)
{
    CollectWebhook webhook;
    webhook.id = row.value(0).toString();
    webhook.url = row.value(2).toString();
    webhook.method = row.value(3).toString();
    for (const QJsonValue &event : QJsonDocument::fromJson(row.value(4).toString().toUtf8()).array())
        webhook.events.append(event.toString());
    webhook.headers = headersFromColumn(row.value(5).toString(), form);
    webhook.retries = row.value(6).toLongLong();
    webhook.initialBackoff = row.value(7).toLongLong();
    webhook.backoffMultiplier = row.value(8).toDouble();
    return webhook;
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
                    u"SELECT id, session_id, created_at, ip_address, client_version, outcome, closed_at "
                    "FROM collect_connections WHERE session_id IN (%1) ORDER BY position"_s.arg(in),
                    bindings);
    if (!connections)
        return connections.error();
    // Where each connection sits: (session index, connection index).
    QHash<QString, std::pair<qsizetype, qsizetype>> connectionIndex;
    while (connections->next()) {
        CollectSessionConnection connection;
        connection.id = connections->value(0).toString();
        connection.sessionId = connections->value(1).toString();
        connection.createdAt = sql::fromStoreTime(connections->value(2));
        connection.ipAddress = connections->value(3).toString();
        connection.clientVersion = connections->value(4).toString();
        connection.state
            = connectionStateFromName(connections->value(5).toString()).value_or(CollectConnectionState::Open);
        connection.closedAt = sql::fromStoreTime(connections->value(6));
        const qsizetype owner = sessionIndex.value(connection.sessionId, -1);
        if (owner < 0)
            continue;
        connectionIndex.insert(connection.id, {owner, sessions[owner].connections.size()});
        sessions[owner].connections.append(connection);
    }

    Result<QSqlQuery> keys = sql::exec(db,
                                       u"SELECT id, connection_id, session_id, created_at, public_key_blob, state "
                                       "FROM collect_keys WHERE session_id IN (%1) ORDER BY position"_s.arg(in),
                                       bindings);
    if (!keys)
        return keys.error();
    while (keys->next()) {
        CollectSessionKey key;
        key.id = keys->value(0).toString();
        key.connectionId = keys->value(1).toString();
        key.sessionId = keys->value(2).toString();
        key.createdAt = sql::fromStoreTime(keys->value(3));
        Result<SshPublicKey> parsed
            = SshPublicKey::fromBlob(QByteArray::fromBase64(keys->value(4).toString().toLatin1()));
        if (!parsed) {
            qWarning("collect: key %s cannot be read back: %s", qPrintable(key.id), qPrintable(parsed.error().message));
            continue;
        }
        key.key = std::move(parsed).value();
        key.state
            = keys->value(5).toString() == u"discarded"_s ? CollectKeyState::Discarded : CollectKeyState::Collected;
        const auto where = connectionIndex.constFind(key.connectionId);
        if (where == connectionIndex.cend())
            continue;
        sessions[where->first].connections[where->second].keys.append(key);
    }

    Result<QSqlQuery> webhooks = sql::exec(
        db,
        u"SELECT id, session_id, url, method, events, headers, retries, initial_backoff, backoff_multiplier "
        "FROM collect_webhooks WHERE session_id IN (%1) ORDER BY position"_s.arg(in),
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

Result<CollectSession> selectSession(const QSqlDatabase &db, const QString &id, const QDateTime &now)
{
    Result<QList<CollectSession>> found = selectSessions(db, u"WHERE id = ?"_s, {id}, now);
    if (!found)
        return found.error();
    if (found->isEmpty())
        return Error::notFound(u"no collect session with id %1"_s.arg(id));
    return found->first();
}

// The session's row without its details, locked for the rest of the transaction on
// PostgreSQL (SQLite's BEGIN IMMEDIATE has locked the whole store already).
Result<CollectSession> lockSession(const QSqlDatabase &db, bool postgres, const QString &id, const QDateTime &now)
{
    Result<QSqlQuery> row = sql::exec(db,
                                      u"SELECT "_s + kSessionColumns + u" FROM collect_sessions WHERE id = ?"_s
                                          + (postgres ? u" FOR UPDATE"_s : QString()),
                                      {id});
    if (!row)
        return row.error();
    if (!row->next())
        return Error::notFound(u"no collect session with id %1"_s.arg(id));
    return sessionFromRow(row.value(), now);
}

Result<int> nextPosition(const QSqlDatabase &db, const QString &table, const QString &ownerColumn, const QString &owner)
{
    Result<QSqlQuery> row
        = sql::exec(db, u"SELECT COALESCE(MAX(position), 0) FROM %1 WHERE %2 = ?"_s.arg(table, ownerColumn), {owner});
    if (!row)
        return row.error();
    return row->next() ? row->value(0).toInt() + 1 : 1;
}

// `carried[i]`: the headers of webhooks[i] whose values were read from the store (see headersToColumn).
Status insertWebhooks(const QSqlDatabase &db, WebhookHeaderSeal &seal, const QString &sessionId,
                      const QList<CollectWebhook> &webhooks, const QHash<qsizetype, QSet<QString>> &carried = {})
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
        Result<QJsonObject> headers = headersToColumn(seal, webhookId, webhook.headers, carried.value(i));
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

// The session's webhooks (id and stored headers) that still hold a credential in plain text,
// written before values were sealed.
Result<QList<std::pair<QString, QMap<QString, QStringList>>>> webhooksWithPlainCredentials(const QSqlDatabase &db,
                                                                                           const QString &sessionId)
{
    Result<QSqlQuery> rows
        = sql::exec(db, u"SELECT id, headers FROM collect_webhooks WHERE session_id = ?"_s, {sessionId});
    if (!rows)
        return rows.error();
    QList<std::pair<QString, QMap<QString, QStringList>>> found;
    while (rows->next()) {
        const QMap<QString, QStringList> headers = headersFromColumn(rows->value(1).toString(), HeaderValues::Stored);
        const bool plain = std::any_of(headers.keyValueBegin(), headers.keyValueEnd(), [](const auto &header) {
            return std::any_of(header.second.cbegin(), header.second.cend(), [&header](const QString &value) {
                return needsSealing(header.first, value) && !WebhookHeaderSeal::isSealed(value);
            });
        });
        if (plain)
            found.append({rows->value(0).toString(), headers});
    }
    return found;
}

Status resealPlainCredentials(const QSqlDatabase &db, WebhookHeaderSeal &seal, const QString &sessionId)
{
    Result<QList<std::pair<QString, QMap<QString, QStringList>>>> plain = webhooksWithPlainCredentials(db, sessionId);
    if (!plain)
        return plain.error();
    for (const auto &[webhookId, headers] : std::as_const(plain.value())) {
        const QStringList names = headers.keys();
        Result<QJsonObject> column
            = headersToColumn(seal, webhookId, headers, QSet<QString>(names.cbegin(), names.cend()));
        if (!column)
            return column.error();
        Result<QSqlQuery> updated = sql::exec(db, u"UPDATE collect_webhooks SET headers = ? WHERE id = ?"_s,
                                              {compactJson(column.value()), webhookId});
        if (!updated)
            return updated.error();
    }
    return {};
}

// Terminal escape sequences in a banner would act on the user's terminal.
bool hasControlCharacters(const QString &value, bool allowLineBreaks)
{
    return std::any_of(value.begin(), value.end(), [allowLineBreaks](QChar c) {
        if (allowLineBreaks && (c == u'\n' || c == u'\r' || c == u'\t'))
            return false;
        return c.category() == QChar::Other_Control;
    });
}

void checkText(FieldErrors &errors, const QString &location, const std::optional<QString> &value, int maxLength,
               bool allowLineBreaks)
{
    if (!value)
        return;
    if (value->size() > maxLength)
        errors.add(location, u"must be at most %1 characters long"_s.arg(maxLength), *value);
    else if (hasControlCharacters(*value, allowLineBreaks))
        errors.add(location,
                   allowLineBreaks ? u"must not contain control characters other than line breaks and tabs"_s
                                   : u"must not contain control characters"_s,
                   *value);
}

void checkTimeout(FieldErrors &errors, qint64 timeout)
{
    if (timeout <= 0)
        errors.add(u"timeout"_s, u"must be greater than 0 (seconds)"_s, timeout);
    else if (timeout > CollectService::kMaxTimeoutSeconds)
        errors.add(u"timeout"_s, u"must be at most %1 seconds (ten years)"_s.arg(CollectService::kMaxTimeoutSeconds),
                   timeout);
}

void checkExpiry(FieldErrors &errors, const QDateTime &expiredAt, const QDateTime &now)
{
    if (!expiredAt.isValid())
        errors.add(u"expired_at"_s, u"must be a date-time"_s);
    else if (expiredAt <= now)
        errors.add(u"expired_at"_s, u"must be in the future"_s, collectjson::timeToJson(expiredAt));
}

bool isHeaderName(const QString &name)
{
    static const QRegularExpression token(u"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"_s);
    return token.match(name).hasMatch();
}

void checkWebhook(FieldErrors &errors, const QString &location, const CollectWebhook &webhook)
{
    const QUrl url(webhook.url, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (webhook.url.isEmpty())
        errors.add(location + u".url"_s, u"must not be empty"_s, webhook.url);
    else if (webhook.url.size() > kMaxUrlLength)
        errors.add(location + u".url"_s, u"must be at most %1 characters long"_s.arg(kMaxUrlLength), webhook.url);
    else if (!url.isValid() || url.isRelative() || (scheme != u"http"_s && scheme != u"https"_s)
             || url.host().isEmpty())
        errors.add(location + u".url"_s, u"must be an absolute http or https URL"_s, webhook.url);
    else if (!url.userInfo().isEmpty())
        errors.add(location + u".url"_s, u"must not contain a user name or password; send credentials in headers"_s,
                   webhook.url);

    if (webhook.method != u"post"_s && webhook.method != u"put"_s && webhook.method != u"patch"_s)
        errors.add(location + u".method"_s, u"must be one of post, put, patch"_s, webhook.method);

    const QStringList known = webhookEventNames();
    for (qsizetype i = 0; i < webhook.events.size(); ++i) {
        if (!webhookEventFromName(webhook.events.at(i)))
            errors.add(location + u".events[%1]"_s.arg(i), u"must be one of %1"_s.arg(known.join(u", "_s)),
                       webhook.events.at(i));
    }

    if (webhook.headers.size() > CollectService::kMaxWebhookHeaders)
        errors.add(location + u".headers"_s, u"at most %1 headers"_s.arg(CollectService::kMaxWebhookHeaders));
    for (auto it = webhook.headers.constBegin(); it != webhook.headers.constEnd(); ++it) {
        const QString headerLocation = location + u".headers."_s + it.key();
        if (!isHeaderName(it.key())) {
            errors.add(headerLocation, u"is not a valid HTTP header name"_s, it.key());
            continue;
        }
        for (qsizetype i = 0; i < it.value().size(); ++i) {
            const QString &value = it.value().at(i);
            if (value.size() > kMaxHeaderValueLength || value.contains(u'\r') || value.contains(u'\n')
                || value.contains(QChar(0)))
                errors.add(headerLocation + u"[%1]"_s.arg(i),
                           u"must be at most %1 characters without line breaks"_s.arg(kMaxHeaderValueLength),
                           collectjson::isCredentialHeader(it.key()) ? QString(collectjson::kRedacted) : value);
        }
    }

    if (webhook.retries < 0 || webhook.retries > CollectService::kMaxRetries)
        errors.add(location + u".retries"_s, u"must be between 0 and %1"_s.arg(CollectService::kMaxRetries),
                   webhook.retries);
    if (webhook.initialBackoff < 1 || webhook.initialBackoff > CollectService::kMaxInitialBackoff)
        errors.add(location + u".initial_backoff"_s,
                   u"must be between 1 and %1 (seconds)"_s.arg(CollectService::kMaxInitialBackoff),
                   webhook.initialBackoff);
    if (!std::isfinite(webhook.backoffMultiplier) || webhook.backoffMultiplier < 1.0
        || webhook.backoffMultiplier > CollectService::kMaxBackoffMultiplier)
        errors.add(location + u".backoff_multiplier"_s,
                   u"must be between 1 and %1"_s.arg(CollectService::kMaxBackoffMultiplier), webhook.backoffMultiplier);
}

void checkWebhooks(FieldErrors &errors, const QList<CollectWebhook> &webhooks)
{
    if (webhooks.size() > CollectService::kMaxWebhooks)
        errors.add(u"webhooks"_s, u"at most %1 webhooks"_s.arg(CollectService::kMaxWebhooks));
    for (qsizetype i = 0; i < webhooks.size(); ++i)
        checkWebhook(errors, u"webhooks[%1]"_s.arg(i), webhooks.at(i));
}

} // namespace

// What a write changed, announced once it is committed.
struct CollectService::Changes
{
    QStringList sessions;
    QStringList removedSessions;
    QList<std::pair<QString, QString>> connections; // session, connection
    QList<std::pair<QString, QString>> keys; // session, key

    void session(const QString &id)
    {
        if (!sessions.contains(id))
            sessions.append(id);
    }
};

CollectService::CollectService(Database &database, const Clock &clock, WebhookOutbox &outbox,
                               WebhookHeaderSeal &headerSeal, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_clock(clock)
    , m_outbox(outbox)
    , m_headerSeal(headerSeal)
{
}

CollectService::~CollectService() = default;

bool CollectService::isValidConnectionIdentifier(const QString &identifier)
{
    static const QRegularExpression pattern(u"^[a-z0-9][a-z0-9._-]{2,63}$"_s);
    return pattern.match(identifier).hasMatch();
}

Result<QString> CollectService::generateConnectionIdentifier()
{
    return identifiers::randomLowercase(kGeneratedIdentifierLength);
}

FieldErrors CollectService::validate(const CollectSessionInput &input) const
{
    FieldErrors errors;
    if (!input.connectionIdentifier.isEmpty() && !isValidConnectionIdentifier(input.connectionIdentifier))
        errors.add(u"connection_identifier"_s,
                   u"must be 3 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"_s,
                   input.connectionIdentifier);
    checkText(errors, u"external_id"_s, input.externalId, kMaxExternalIdLength, false);
    checkText(errors, u"ssh_banner"_s, input.sshBanner, kMaxTextLength, true);
    checkText(errors, u"ssh_message"_s, input.sshMessage, kMaxTextLength, true);
    if (input.timeout && input.expiredAt) {
        errors.add(u"timeout"_s, u"cannot be used in combination with expired_at"_s, *input.timeout);
    } else {
        if (input.timeout)
            checkTimeout(errors, *input.timeout);
        if (input.expiredAt)
            checkExpiry(errors, *input.expiredAt, m_clock.now());
    }
    checkWebhooks(errors, input.webhooks);
    return errors;
}

FieldErrors CollectService::validate(const CollectSessionPatch &patch) const
{
    FieldErrors errors;
    if (patch.externalId)
        checkText(errors, u"external_id"_s, *patch.externalId, kMaxExternalIdLength, false);
    if (patch.sshBanner)
        checkText(errors, u"ssh_banner"_s, *patch.sshBanner, kMaxTextLength, true);
    if (patch.sshMessage)
        checkText(errors, u"ssh_message"_s, *patch.sshMessage, kMaxTextLength, true);
    const bool timeoutGiven = patch.timeout && patch.timeout->has_value();
    const bool expiryGiven = patch.expiredAt && patch.expiredAt->has_value();
    if (timeoutGiven && expiryGiven) {
        errors.add(u"timeout"_s, u"cannot be used in combination with expired_at"_s, **patch.timeout);
    } else {
        if (timeoutGiven)
            checkTimeout(errors, **patch.timeout);
        if (expiryGiven)
            checkExpiry(errors, **patch.expiredAt, m_clock.now());
    }
    if (patch.webhooks)
        checkWebhooks(errors, *patch.webhooks);
    return errors;
}

Status CollectService::write(QSqlDatabase &db, const std::function<Status(Changes &)> &body, Changes &changes)
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
    Status status = body(changes);
    if (!status.ok()) {
        if (postgres)
            db.rollback();
        else
            (void)sql::exec(db, u"ROLLBACK"_s);
        changes = {};
        return status;
    }
    if (postgres) {
        if (!db.commit()) {
            const QString reason = db.lastError().text();
            db.rollback();
            changes = {};
            return Error::unavailable(u"cannot commit: "_s + reason);
        }
    } else if (Result<QSqlQuery> committed = sql::exec(db, u"COMMIT"_s); !committed) {
        (void)sql::exec(db, u"ROLLBACK"_s);
        changes = {};
        return committed.error();
    }
    return {};
}

Status CollectService::prepareSeal(const QList<CollectWebhook> &webhooks)
{
    const bool anyToSeal = std::any_of(webhooks.cbegin(), webhooks.cend(), [](const CollectWebhook &webhook) {
        return std::any_of(webhook.headers.keyValueBegin(), webhook.headers.keyValueEnd(), [](const auto &header) {
            return std::any_of(header.second.cbegin(), header.second.cend(),
                               [&header](const QString &value) { return needsSealing(header.first, value); });
        });
    });
    // Loaded before the transaction: on first use the signer checks its key against the store.
    return anyToSeal ? m_headerSeal.ensureReady() : Status();
}

void CollectService::announce(const Changes &changes)
{
    for (const auto &[sessionId, connectionId] : changes.connections)
        Q_EMIT connectionChanged(sessionId, connectionId);
    for (const auto &[sessionId, keyId] : changes.keys)
        Q_EMIT keyCollected(sessionId, keyId);
    for (const QString &id : changes.sessions)
        Q_EMIT sessionChanged(id);
    for (const QString &id : changes.removedSessions)
        Q_EMIT sessionRemoved(id);
}

Status CollectService::queueEvent(QSqlDatabase &db, const QString &sessionId, WebhookEvent event)
{
    // Most sessions have no webhook: the collect path then skips building the payload.
    Result<QSqlQuery> count
        = sql::exec(db, u"SELECT COUNT(*) FROM collect_webhooks WHERE session_id = ?"_s, {sessionId});
    if (!count)
        return count.error();
    if (!count->next() || count->value(0).toInt() == 0)
        return {};
    Result<CollectSession> session = selectSession(db, sessionId, m_clock.now());
    if (!session)
        return session.error();
    return m_outbox.enqueue(db, sessionId, event, collectjson::sessionToJson(session.value()));
}

Result<int> CollectService::expireDue()
{
    QSqlDatabase db = m_database.connection();
    const QString now = sql::toStoreTime(m_clock.now());
    Result<QSqlQuery> due = sql::exec(
        db,
        u"SELECT id FROM collect_sessions WHERE status = 'pending' AND expired_at IS NOT NULL AND expired_at <= ?"_s,
        {now});
    if (!due)
        return due.error();
    QStringList ids;
    while (due->next())
        ids.append(due->value(0).toString());
    if (ids.isEmpty())
        return 0;

    Changes changes;
    const Status done = write(
        db,
        [&](Changes &changed) -> Status {
            for (const QString &id : std::as_const(ids)) {
                // Checked again under the lock: another thread may have swept it, or moved its expiry.
                Result<QSqlQuery> updated
                    = sql::exec(db,
                                u"UPDATE collect_sessions SET status = 'expired', updated_at = ? "
                                "WHERE id = ? AND status = 'pending' AND expired_at IS NOT NULL AND expired_at <= ?"_s,
                                {now, id, now});
                if (!updated)
                    return updated.error();
                if (updated->numRowsAffected() != 1)
                    continue;
                if (Status queued = queueEvent(db, id, WebhookEvent::StatusChanged); !queued)
                    return queued;
                changed.session(id);
            }
            return {};
        },
        changes);
    if (!done)
        return done.error();
    announce(changes);
    return static_cast<int>(changes.sessions.size());
}

void CollectService::startExpirySweep(int intervalMs)
{
    if (intervalMs <= 0) {
        if (m_sweepTimer)
            m_sweepTimer->stop();
        return;
    }
    if (!m_sweepTimer) {
        m_sweepTimer = new QTimer(this);
        connect(m_sweepTimer, &QTimer::timeout, this, [this] {
            if (Result<int> swept = expireDue(); !swept)
                qWarning("collect: cannot mark expired sessions: %s", qPrintable(swept.error().message));
        });
    }
    m_sweepTimer->start(intervalMs);
}

Result<CollectSession> CollectService::readOne(const QString &id)
{
    if (Result<int> swept = expireDue(); !swept)
        return swept.error();
    return selectSession(m_database.connection(), id, m_clock.now());
}

Result<CollectSession> CollectService::get(const QString &id)
{
    return readOne(id);
}

Result<CollectSession> CollectService::findByConnectionIdentifier(const QString &connectionIdentifier)
{
    if (Result<int> swept = expireDue(); !swept)
        return swept.error();
    Result<QList<CollectSession>> found = selectSessions(m_database.connection(), u"WHERE connection_identifier = ?"_s,
                                                         {connectionIdentifier}, m_clock.now());
    if (!found)
        return found.error();
    if (found->isEmpty())
        return Error::notFound(u"no collect session with the connection identifier %1"_s.arg(connectionIdentifier));
    return found->first();
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

    QSqlDatabase db = m_database.connection();
    Result<QSqlQuery> count = sql::exec(db, u"SELECT COUNT(*) FROM collect_sessions "_s + where, bindings);
    if (!count)
        return count.error();
    CollectSessionPage page;
    page.total = count->next() ? count->value(0).toInt() : 0;

    QVariantList pageBindings = bindings;
    pageBindings.append(query.limit);
    pageBindings.append(query.offset);
    Result<QList<CollectSession>> sessions = selectSessions(
        db, where + u" ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"_s, pageBindings, m_clock.now());
    if (!sessions)
        return sessions.error();
    page.sessions = std::move(sessions).value();
    return page;
}

Result<CollectSession> CollectService::create(const CollectSessionInput &input)
{
    if (FieldErrors errors = validate(input); !errors.isEmpty())
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

    QSqlDatabase db = m_database.connection();
    Changes changes;
    const Status stored = write(
        db,
        [&](Changes &changed) -> Status {
            QString identifier = input.connectionIdentifier;
            for (int attempt = 0;; ++attempt) {
                if (input.connectionIdentifier.isEmpty()) {
                    Result<QString> generated = generateConnectionIdentifier();
                    if (!generated)
                        return generated.error();
                    identifier = generated.value();
                }
                Result<QSqlQuery> taken
                    = sql::exec(db, u"SELECT 1 FROM collect_sessions WHERE connection_identifier = ?"_s, {identifier});
                if (!taken)
                    return taken.error();
                if (!taken->next())
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
            Result<QSqlQuery> inserted = sql::exec(
                db,
                u"INSERT INTO collect_sessions (id, connection_identifier, external_id, status, multi_key, "
                "multi_connection, must_confirm, ssh_banner, ssh_message, timeout, expired_at, created_at, updated_at) "
                "VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s,
                {session.id, identifier, optionalText(input.externalId), input.multiKey ? 1 : 0,
                 input.multiConnection ? 1 : 0, input.mustConfirm ? 1 : 0, optionalText(input.sshBanner),
                 optionalText(input.sshMessage), optionalInteger(input.timeout), optionalTime(session.expiredAt),
                 sql::toStoreTime(now), sql::toStoreTime(now)});
            if (!inserted)
                return inserted.error();
            if (Status webhooks = insertWebhooks(db, m_headerSeal, session.id, input.webhooks); !webhooks)
                return webhooks;
            changed.session(session.id);
            return {};
        },
        changes);
    if (!stored)
        return stored.error();
    announce(changes);
    return readOne(session.id);
}

Result<CollectSession> CollectService::update(const QString &id, const CollectSessionPatch &patch)
{
    if (FieldErrors errors = validate(patch); !errors.isEmpty())
        return errors.toError();
    if (Result<int> swept = expireDue(); !swept)
        return swept.error();
    if (patch.webhooks) {
        if (Status ready = prepareSeal(*patch.webhooks); !ready)
            return ready.error();
    }

    QSqlDatabase db = m_database.connection();
    // Credentials stored before values were sealed are sealed by the next update, when the key is at hand.
    Result<QList<std::pair<QString, QMap<QString, QStringList>>>> plain = webhooksWithPlainCredentials(db, id);
    if (!plain)
        return plain.error();
    const bool reseal = !plain->isEmpty() && m_headerSeal.ensureReady().ok();
    Changes changes;
    const Status stored = write(
        db,
        [&](Changes &changed) -> Status {
            const QDateTime now = m_clock.now();
            Result<CollectSession> locked = lockSession(db, m_database.isPostgres(), id, now);
            if (!locked)
                return locked.error();
            if (patch.isEmpty())
                return {};
            CollectSession current = std::move(locked).value();

            CollectSession next = current;
            if (patch.externalId)
                next.externalId = *patch.externalId;
            if (patch.sshBanner)
                next.sshBanner = *patch.sshBanner;
            if (patch.sshMessage)
                next.sshMessage = *patch.sshMessage;
            next.multiKey = patch.multiKey.value_or(current.multiKey);
            next.multiConnection = patch.multiConnection.value_or(current.multiConnection);
            next.mustConfirm = patch.mustConfirm.value_or(current.mustConfirm);

            if (patch.expiredAt && patch.expiredAt->has_value()) {
                next.expiredAt = **patch.expiredAt;
                next.timeout.reset();
            } else if (patch.timeout && patch.timeout->has_value()) {
                next.timeout = **patch.timeout;
                next.expiredAt = current.createdAt.addSecs(**patch.timeout);
                if (next.expiredAt <= now) {
                    FieldErrors errors;
                    errors.add(u"timeout"_s,
                               u"counts from the session's creation (%1) and would end in the past"_s.arg(
                                   collectjson::timeToJson(current.createdAt)),
                               **patch.timeout);
                    return errors.toError();
                }
            } else if (patch.expiredAt) {
                next.expiredAt = {};
                next.timeout.reset();
            } else if (patch.timeout && current.timeout) {
                next.expiredAt = {};
                next.timeout.reset();
            }

            // Completed stays completed; an expired session given a later expiry is pending again.
            if (current.status == CollectStatus::Expired && !expiredBy(next.expiredAt, now))
                next.status = CollectStatus::Pending;

            Result<QSqlQuery> updated = sql::exec(
                db,
                u"UPDATE collect_sessions SET external_id = ?, multi_key = ?, multi_connection = ?, must_confirm = ?, "
                "ssh_banner = ?, ssh_message = ?, timeout = ?, expired_at = ?, status = ?, updated_at = ? WHERE id = ?"_s,
                {optionalText(next.externalId), next.multiKey ? 1 : 0, next.multiConnection ? 1 : 0,
                 next.mustConfirm ? 1 : 0, optionalText(next.sshBanner), optionalText(next.sshMessage),
                 optionalInteger(next.timeout), optionalTime(next.expiredAt), collectStatusName(next.status),
                 sql::toStoreTime(now), id});
            if (!updated)
                return updated.error();

            if (patch.webhooks) {
                QList<CollectSession> withDetails{current};
                if (Status attached = attachDetails(db, withDetails, HeaderValues::Stored); !attached)
                    return attached;
                QHash<QString, CollectWebhook> existing;
                for (const CollectWebhook &webhook : std::as_const(withDetails.first().webhooks))
                    existing.insert(webhook.id, webhook);
                QList<CollectWebhook> replacement = *patch.webhooks;
                QHash<qsizetype, QSet<QString>> carried;
                FieldErrors errors;
                for (qsizetype i = 0; i < replacement.size(); ++i) {
                    CollectWebhook &webhook = replacement[i];
                    if (webhook.id.isEmpty())
                        continue;
                    const auto previous = existing.constFind(webhook.id);
                    if (previous == existing.cend()) {
                        errors.add(u"webhooks[%1].id"_s.arg(i), u"is not a webhook of this session"_s, webhook.id);
                        continue;
                    }
                    // A value read back redacted and sent again means "keep what is stored".
                    for (auto header = webhook.headers.begin(); header != webhook.headers.end(); ++header) {
                        const bool redacted = !header.value().isEmpty()
                            && std::all_of(header.value().cbegin(), header.value().cend(),
                                           [](const QString &v) { return v == collectjson::kRedacted; });
                        if (redacted && previous->headers.contains(header.key())) {
                            header.value() = previous->headers.value(header.key());
                            carried[i].insert(header.key());
                        }
                    }
                }
                if (!errors.isEmpty())
                    return errors.toError();
                if (Result<QSqlQuery> cleared
                    = sql::exec(db, u"DELETE FROM collect_webhooks WHERE session_id = ?"_s, {id});
                    !cleared)
                    return cleared.error();
                if (Status inserted = insertWebhooks(db, m_headerSeal, id, replacement, carried); !inserted)
                    return inserted;
            } else if (reseal) {
                if (Status resealed = resealPlainCredentials(db, m_headerSeal, id); !resealed)
                    return resealed;
            }
            if (next.status != current.status) {
                if (Status queued = queueEvent(db, id, WebhookEvent::StatusChanged); !queued)
                    return queued;
            }
            changed.session(id);
            return {};
        },
        changes);
    if (!stored)
        return stored.error();
    announce(changes);
    return readOne(id);
}

Status CollectService::remove(const QString &id)
{
    QSqlDatabase db = m_database.connection();
    Changes changes;
    const Status removed = write(
        db,
        [&](Changes &changed) -> Status {
            Result<QSqlQuery> deleted = sql::exec(db, u"DELETE FROM collect_sessions WHERE id = ?"_s, {id});
            if (!deleted)
                return deleted.error();
            if (deleted->numRowsAffected() != 1)
                return Error::notFound(u"no collect session with id %1"_s.arg(id));
            changed.removedSessions.append(id);
            return {};
        },
        changes);
    if (!removed)
        return removed;
    announce(changes);
    return {};
}

Result<CollectSession> CollectService::complete(const QString &id)
{
    if (Result<int> swept = expireDue(); !swept)
        return swept.error();
    QSqlDatabase db = m_database.connection();
    Changes changes;
    const Status done = write(
        db,
        [&](Changes &changed) -> Status {
            const QDateTime now = m_clock.now();
            Result<CollectSession> session = lockSession(db, m_database.isPostgres(), id, now);
            if (!session)
                return session.error();
            if (session->status == CollectStatus::Completed)
                return {};
            if (session->status == CollectStatus::Expired)
                return Error::conflict(u"the collect session %1 has expired; it cannot be completed"_s.arg(id));
            Result<QSqlQuery> updated = sql::exec(
                db,
                u"UPDATE collect_sessions SET status = 'completed', completed_at = ?, updated_at = ? WHERE id = ?"_s,
                {sql::toStoreTime(now), sql::toStoreTime(now), id});
            if (!updated)
                return updated.error();
            if (Status queued = queueEvent(db, id, WebhookEvent::StatusChanged); !queued)
                return queued;
            changed.session(id);
            return {};
        },
        changes);
    if (!done)
        return done.error();
    announce(changes);
    return readOne(id);
}

std::optional<OpenCollectSession> CollectService::openSession(const QString &connectionIdentifier)
{
    // Identifiers are lower case; a user who typed capitals still means this one.
    const QString identifier = connectionIdentifier.toLower();
    if (!isValidConnectionIdentifier(identifier))
        return std::nullopt;
    if (Result<int> swept = expireDue(); !swept) {
        qWarning("collect: %s", qPrintable(swept.error().message));
        return std::nullopt;
    }
    Result<QSqlQuery> row = sql::exec(
        m_database.connection(),
        u"SELECT "_s + kSessionColumns + u" FROM collect_sessions WHERE connection_identifier = ?"_s, {identifier});
    if (!row) {
        qWarning("collect: %s", qPrintable(row.error().message));
        return std::nullopt;
    }
    if (!row->next())
        return std::nullopt;
    const CollectSession session = sessionFromRow(row.value(), m_clock.now());
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

Result<QString> CollectService::connectionOpened(const QString &sessionId, const QString &ipAddress,
                                                 const QString &clientVersion)
{
    if (Result<int> swept = expireDue(); !swept)
        return swept.error();
    // What a client says of itself is untrusted: keep it short and printable.
    QString version = clientVersion.left(kMaxClientVersionLength);
    for (QChar &c : version) {
        if (c.category() == QChar::Other_Control)
            c = u'?';
    }
    const QString connectionId = identifiers::newUuid();
    QSqlDatabase db = m_database.connection();
    Changes changes;
    const Status stored = write(
        db,
        [&](Changes &changed) -> Status {
            const QDateTime now = m_clock.now();
            Result<CollectSession> session = lockSession(db, m_database.isPostgres(), sessionId, now);
            if (!session)
                return session.error();
            if (session->status != CollectStatus::Pending)
                return Error::conflict(u"the collect session %1 no longer accepts connections"_s.arg(sessionId));
            Result<int> position = nextPosition(db, u"collect_connections"_s, u"session_id"_s, sessionId);
            if (!position)
                return position.error();
            Result<QSqlQuery> inserted = sql::exec(
                db,
                u"INSERT INTO collect_connections (id, session_id, position, created_at, ip_address, client_version, "
                "outcome) VALUES (?, ?, ?, ?, ?, ?, 'open')"_s,
                {connectionId, sessionId, position.value(), sql::toStoreTime(now), text(ipAddress), text(version)});
            if (!inserted)
                return inserted.error();
            if (Status queued = queueEvent(db, sessionId, WebhookEvent::NewConnection); !queued)
                return queued;
            changed.connections.append({sessionId, connectionId});
            changed.session(sessionId);
            return {};
        },
        changes);
    if (!stored)
        return stored.error();
    announce(changes);
    return connectionId;
}

Status CollectService::keyProven(const QString &connectionId, const SshPublicKey &key)
{
    if (key.isNull())
        return Error::invalid(u"no key"_s);
    if (Result<int> swept = expireDue(); !swept)
        return swept.error();
    const QString keyId = identifiers::newUuid();
    const QString blob = QString::fromLatin1(key.blob().toBase64());
    QSqlDatabase db = m_database.connection();
    Changes changes;
    const Status stored = write(
        db,
        [&](Changes &changed) -> Status {
            const QDateTime now = m_clock.now();
            Result<ConnectionRow> connection = findConnection(db, connectionId);
            if (!connection)
                return connection.error();
            const QString sessionId = connection->sessionId;
            const bool open = connection->open;

            Result<CollectSession> session = lockSession(db, m_database.isPostgres(), sessionId, now);
            if (!session)
                return session.error();
            if (session->status != CollectStatus::Pending)
                return Error::conflict(u"the collect session %1 no longer accepts keys"_s.arg(sessionId));
            if (!open)
                return Error::conflict(u"the connection %1 has ended"_s.arg(connectionId));

            Result<QSqlQuery> seen
                = sql::exec(db, u"SELECT 1 FROM collect_keys WHERE connection_id = ? AND public_key_blob = ?"_s,
                            {connectionId, blob});
            if (!seen)
                return seen.error();
            if (seen->next())
                return {}; // offered and proven again on the same connection: recorded once
            if (!session->multiKey) {
                Result<QSqlQuery> count
                    = sql::exec(db, u"SELECT COUNT(*) FROM collect_keys WHERE session_id = ? AND state = 'collected'"_s,
                                {sessionId});
                if (!count)
                    return count.error();
                if (count->next() && count->value(0).toInt() > 0)
                    return Error::conflict(u"the collect session %1 takes one key only"_s.arg(sessionId));
            }
            Result<int> position = nextPosition(db, u"collect_keys"_s, u"connection_id"_s, connectionId);
            if (!position)
                return position.error();
            Result<QSqlQuery> inserted = sql::exec(
                db,
                u"INSERT INTO collect_keys (id, connection_id, session_id, position, created_at, algorithm, bits, "
                "fingerprint_sha256, fingerprint_md5, public_key_blob, state) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'collected')"_s,
                {keyId, connectionId, sessionId, position.value(), sql::toStoreTime(now), key.algorithm(), key.bits(),
                 key.fingerprintSha256(), key.fingerprintMd5(), blob});
            if (!inserted)
                return inserted.error();
            if (Status queued = queueEvent(db, sessionId, WebhookEvent::KeyCollected); !queued)
                return queued;
            changed.keys.append({sessionId, keyId});
            changed.connections.append({sessionId, connectionId});
            changed.session(sessionId);
            return {};
        },
        changes);
    if (!stored)
        return stored;
    announce(changes);
    return {};
}

Status CollectService::connectionClosed(const QString &connectionId, ConnectionOutcome outcome)
{
    if (Result<int> swept = expireDue(); !swept)
        return swept.error();
    QSqlDatabase db = m_database.connection();
    Changes changes;
    const Status stored = write(
        db,
        [&](Changes &changed) -> Status {
            const QDateTime now = m_clock.now();
            Result<ConnectionRow> connection = findConnection(db, connectionId);
            if (!connection)
                return connection.error();
            const QString sessionId = connection->sessionId;
            if (!connection->open)
                return Error::conflict(u"the connection %1 has ended already"_s.arg(connectionId));

            Result<CollectSession> session = lockSession(db, m_database.isPostgres(), sessionId, now);
            if (!session)
                return session.error();

            const CollectConnectionState state = outcome == ConnectionOutcome::Kept ? CollectConnectionState::Kept
                : outcome == ConnectionOutcome::Declined                            ? CollectConnectionState::Declined
                                                                                    : CollectConnectionState::Abandoned;
            Result<QSqlQuery> closed
                = sql::exec(db, u"UPDATE collect_connections SET outcome = ?, closed_at = ? WHERE id = ?"_s,
                            {collectConnectionStateName(state), sql::toStoreTime(now), connectionId});
            if (!closed)
                return closed.error();

            // Keys of an unconfirmed connection were never agreed to: they stay on record, marked.
            const bool discard = outcome == ConnectionOutcome::Declined
                || (outcome == ConnectionOutcome::Abandoned && session->mustConfirm);
            if (discard) {
                Result<QSqlQuery> discarded = sql::exec(
                    db,
                    u"UPDATE collect_keys SET state = 'discarded' WHERE connection_id = ? AND state = 'collected'"_s,
                    {connectionId});
                if (!discarded)
                    return discarded.error();
            } else if (!session->multiConnection && session->status == CollectStatus::Pending) {
                Result<QSqlQuery> kept = sql::exec(
                    db, u"SELECT COUNT(*) FROM collect_keys WHERE connection_id = ? AND state = 'collected'"_s,
                    {connectionId});
                if (!kept)
                    return kept.error();
                if (kept->next() && kept->value(0).toInt() > 0) {
                    Result<QSqlQuery> completed = sql::exec(
                        db,
                        u"UPDATE collect_sessions SET status = 'completed', completed_at = ?, updated_at = ? WHERE id = ?"_s,
                        {sql::toStoreTime(now), sql::toStoreTime(now), sessionId});
                    if (!completed)
                        return completed.error();
                    if (Status queued = queueEvent(db, sessionId, WebhookEvent::StatusChanged); !queued)
                        return queued;
                }
            }
            changed.connections.append({sessionId, connectionId});
            changed.session(sessionId);
            return {};
        },
        changes);
    if (!stored)
        return stored;
    announce(changes);
    return {};
}

} // namespace keystead
