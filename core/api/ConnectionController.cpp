#include "api/ConnectionController.h"

#include "api/RequestActor.h"

#include "api/ApiRouter.h"
#include "api/ConnectionErrorShape.h"
#include "audit/AuditLog.h"
#include "common/Clock.h"
#include "connections/ConnectionService.h"
#include "connections/TrailTimestamper.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUrl>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

constexpr int kDefaultLimit = 50;

Error invalidParameter(const QString &parameter, const QString &message, const QVariant &value = {})
{
    Error error = Error::invalid(message, parameter);
    if (value.isValid())
        error.details.insert(u"value"_s, value);
    return error;
}

// The seed writes times as "2017-01-01T15:05:05Z": UTC, whole seconds.
QJsonValue timeJson(const QDateTime &time)
{
    if (!time.isValid())
        return QJsonValue(QJsonValue::Null);
    QDateTime utc = time.toUTC();
    utc.setTime(QTime(utc.time().hour(), utc.time().minute(), utc.time().second()));
    return utc.toString(Qt::ISODate);
}

QJsonValue textOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

// A date-time with its offset ("Z" or "+02:00"); a time without one would
// depend on the server's zone, so it is refused rather than guessed.
std::optional<QDateTime> parseTime(const QString &text)
{
    static const QRegularExpression form(
        u"^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?(Z|[+-]\\d{2}:\\d{2})$"_s);
    if (!form.match(text).hasMatch())
        return std::nullopt;
    const QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!time.isValid())
        return std::nullopt;
    return time.toUTC();
}

QJsonObject grantToJson(const AccessRoleGrant &grant)
{
    return QJsonObject{{u"added"_s, timeJson(grant.added)}, {u"id"_s, grant.role.id}, {u"name"_s, grant.role.name}};
}

// Seed 003's connection object. Fields about a target host, user roles and
// access groups mean nothing for connections to Keystead's own server: they are
// null (objects and scalars) or [] (lists), so the object keeps the seed's keys.
QJsonObject recordToJson(const ConnectionRecord &record, const QDateTime &now)
{
    QJsonArray channels;
    for (const TrailChannel &channel : record.channels) {
        channels.append(QJsonObject{
            {u"id"_s, channel.id},
            {u"type"_s, channel.type},
            {u"bytes_client_to_server"_s, channel.bytesClientToServer},
            {u"bytes_server_to_client"_s, channel.bytesServerToClient},
            {u"protocol_file"_s, QJsonValue(QJsonValue::Null)},
            {u"transferred_files"_s, QJsonArray()},
        });
    }
    QJsonArray accessRoles;
    for (const AccessRoleGrant &grant : record.accessRoles)
        accessRoles.append(grantToJson(grant));

    const QJsonObject trail{
        {u"connection_id"_s, record.id},
        {u"host_id"_s, QJsonValue(QJsonValue::Null)},
        {u"user_id"_s, textOrNull(record.userId)},
        {u"protocol"_s, record.type},
        {u"channels"_s, channels},
    };
    return QJsonObject{
        {u"id"_s, record.id},
        {u"proxy_id"_s, record.proxyId},
        {u"type"_s, record.type},
        {u"authentication_method"_s, QJsonArray::fromStringList(record.authenticationMethods)},
        {u"user_data"_s,
         QJsonObject{{u"id"_s, textOrNull(record.userId)}, {u"display_name"_s, textOrNull(record.userDisplayName)}}},
        {u"user_roles"_s, QJsonArray()},
        {u"target_host_data"_s, QJsonValue(QJsonValue::Null)},
        {u"target_host_address"_s, QJsonValue(QJsonValue::Null)},
        {u"target_host_account"_s, QJsonValue(QJsonValue::Null)},
        {u"target_host_roles"_s, QJsonArray()},
        {u"remote_address"_s, record.remoteAddress},
        {u"connected"_s, timeJson(record.connected)},
        {u"disconnected"_s, timeJson(record.disconnected)},
        {u"duration"_s, record.durationText(now)},
        {u"status"_s, connectionStatusName(record.status)},
        {u"last_activity"_s, timeJson(record.lastActivity)},
        {u"bytes_in"_s, record.bytesIn},
        {u"bytes_out"_s, record.bytesOut},
        {u"force_disconnect"_s, timeJson(record.forceDisconnect)},
        {u"created"_s, timeJson(record.created)},
        {u"updated"_s, timeJson(record.updated)},
        {u"updated_by"_s, textOrNull(record.updatedBy)},
        {u"audit_enabled"_s, record.auditEnabled},
        {u"access_group_id"_s, QJsonValue(QJsonValue::Null)},
        {u"trail"_s, trail},
        {u"index_status"_s, u"NOT_INDEXED"_s},
        {u"access_roles"_s, accessRoles},
        {u"tags"_s, QJsonArray::fromStringList(record.tags)},
    };
}

std::optional<QString> queryValue(const HttpRequest &request, const QString &name)
{
    if (!request.query.hasQueryItem(name))
        return std::nullopt;
    return request.query.queryItemValue(name, QUrl::FullyDecoded);
}

Status readOffsetAndLimit(const HttpRequest &request, qint64 *offset, int *limit)
{
    if (const std::optional<QString> text = queryValue(request, u"offset"_s)) {
        bool ok = false;
        const qint64 value = text->trimmed().toLongLong(&ok);
        if (!ok || value < 0)
            return invalidParameter(u"offset"_s, u"offset must be an integer of 0 or more"_s, *text);
        *offset = value;
    }
    if (const std::optional<QString> text = queryValue(request, u"limit"_s)) {
        bool ok = false;
        const int value = text->trimmed().toInt(&ok);
        if (!ok || value < 1 || value > ConnectionService::kMaxLimit)
            return invalidParameter(
                u"limit"_s, u"limit must be an integer from 1 to %1"_s.arg(ConnectionService::kMaxLimit), *text);
        *limit = value;
    }
    return {};
}

Status readSortDirection(const HttpRequest &request, bool *descending)
{
    if (const std::optional<QString> text = queryValue(request, u"sortdir"_s)) {
        const QString direction = text->trimmed().toUpper();
        if (direction != u"ASC"_s && direction != u"DESC"_s)
            return invalidParameter(u"sortdir"_s, u"sortdir must be ASC or DESC"_s, *text);
        *descending = direction == u"DESC"_s;
    }
    return {};
}

// offset, limit, sortkey, sortdir and fuzzycount, shared by the list and the search.
Status readListParameters(const HttpRequest &request, ConnectionQuery &query)
{
    query.limit = kDefaultLimit;
    if (Status read = readOffsetAndLimit(request, &query.offset, &query.limit); !read)
        return read;
    if (const std::optional<QString> text = queryValue(request, u"sortkey"_s)) {
        if (text->trimmed().isEmpty())
            return invalidParameter(u"sortkey"_s, u"sortkey must name a field of the connection"_s, *text);
        query.sortKey = text->trimmed();
    }
    if (Status read = readSortDirection(request, &query.descending); !read)
        return read;
    // Counts are always exact here, so fuzzycount changes nothing; it is still checked.
    if (const std::optional<QString> text = queryValue(request, u"fuzzycount"_s)) {
        const QString value = text->trimmed().toLower();
        if (value != u"true"_s && value != u"false"_s && value != u"1"_s && value != u"0"_s)
            return invalidParameter(u"fuzzycount"_s, u"fuzzycount must be true or false"_s, *text);
    }
    return {};
}

Status readStringList(const QJsonObject &body, const QString &name, QStringList *list)
{
    const QJsonValue value = body.value(name);
    if (value.isUndefined() || value.isNull())
        return {};
    if (!value.isArray())
        return invalidParameter(name, u"%1 must be an array of strings"_s.arg(name));
    const QJsonArray items = value.toArray();
    for (qsizetype i = 0; i < items.size(); ++i) {
        if (!items.at(i).isString())
            return invalidParameter(u"%1[%2]"_s.arg(name).arg(i), u"%1 must be an array of strings"_s.arg(name),
                                    items.at(i).toVariant());
        list->append(items.at(i).toString());
    }
    return {};
}

// The seed calls a time filter "object (connected)" without its fields; here it
// is {"from": time, "to": time}, either one null or absent for an open end.
Status readTimeRange(const QJsonObject &body, const QString &name, TimeRange *range)
{
    const QJsonValue value = body.value(name);
    if (value.isUndefined() || value.isNull())
        return {};
    if (!value.isObject())
        return invalidParameter(name, u"%1 must be an object {\"from\": time, \"to\": time}"_s.arg(name));
    const QJsonObject object = value.toObject();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        if (it.key() != u"from"_s && it.key() != u"to"_s)
            return invalidParameter(name + u'.' + it.key(),
                                    u"%1 takes only from and to, as times like 2017-01-01T15:05:05Z"_s.arg(name));
    }
    for (const QString &end : {u"from"_s, u"to"_s}) {
        const QJsonValue time = object.value(end);
        if (time.isUndefined() || time.isNull())
            continue;
        const std::optional<QDateTime> parsed = time.isString() ? parseTime(time.toString()) : std::nullopt;
        if (!parsed)
            return invalidParameter(
                name + u'.' + end,
                u"%1.%2 must be a time like 2017-01-01T15:05:05Z (with Z or an offset)"_s.arg(name, end),
                time.toVariant());
        (end == u"from"_s ? range->from : range->to) = *parsed;
    }
    if (range->from.isValid() && range->to.isValid() && range->from > range->to)
        return invalidParameter(name, u"%1.from is after %1.to"_s.arg(name));
    return {};
}

// The search body of the seed. Filters on what connections to Keystead's own
// server never have (a target host, user roles, a mode) match no connection
// when they list anything; `*matchesNothing` says so.
Status readSearchBody(const QJsonObject &body, ConnectionQuery &query, bool *matchesNothing)
{
    static const QStringList known{
        u"keywords"_s,
        u"id"_s,
        u"proxy_id"_s,
        u"type"_s,
        u"authentication_method"_s,
        u"user_id"_s,
        u"user_display_name"_s,
        u"user_roles"_s,
        u"target_host_id"_s,
        u"target_host_address"_s,
        u"target_host_account"_s,
        u"target_host_roles"_s,
        u"remote_address"_s,
        u"connected"_s,
        u"disconnected"_s,
        u"status"_s,
        u"last_activity"_s,
        u"force_disconnect"_s,
        u"access_roles"_s,
        u"tags"_s,
        u"has_access_roles"_s,
        u"mode"_s,
    };
    for (auto it = body.constBegin(); it != body.constEnd(); ++it) {
        if (!known.contains(it.key()))
            return invalidParameter(it.key(), u"%1 is not a search field of connections"_s.arg(it.key()));
    }

    const QJsonValue keywords = body.value(u"keywords"_s);
    if (keywords.isString())
        query.keywords = keywords.toString().trimmed();
    else if (!keywords.isUndefined() && !keywords.isNull())
        return invalidParameter(u"keywords"_s, u"keywords must be a string"_s, keywords.toVariant());

    const QList<std::pair<QString, QStringList *>> lists{
        {u"id"_s, &query.ids},
        {u"proxy_id"_s, &query.proxyIds},
        {u"type"_s, &query.types},
        {u"authentication_method"_s, &query.authenticationMethods},
        {u"user_id"_s, &query.userIds},
        {u"user_display_name"_s, &query.userDisplayNames},
        {u"remote_address"_s, &query.remoteAddresses},
        {u"status"_s, &query.statuses},
        {u"access_roles"_s, &query.accessRoles},
        {u"tags"_s, &query.tags},
    };
    for (const auto &[name, list] : lists) {
        if (Status read = readStringList(body, name, list); !read)
            return read;
    }
    for (qsizetype i = 0; i < query.statuses.size(); ++i) {
        const std::optional<ConnectionStatus> status = connectionStatusFromName(query.statuses.at(i).trimmed());
        if (!status)
            return invalidParameter(u"status[%1]"_s.arg(i), u"status must be CONNECTED or DISCONNECTED"_s,
                                    query.statuses.at(i));
        query.statuses[i] = connectionStatusName(*status);
    }
    for (const QString &name : {u"user_roles"_s, u"target_host_id"_s, u"target_host_address"_s,
                                u"target_host_account"_s, u"target_host_roles"_s, u"mode"_s}) {
        QStringList values;
        if (Status read = readStringList(body, name, &values); !read)
            return read;
        if (!values.isEmpty())
            *matchesNothing = true;
    }

    const QList<std::pair<QString, TimeRange *>> ranges{
        {u"connected"_s, &query.connected},
        {u"disconnected"_s, &query.disconnected},
        {u"last_activity"_s, &query.lastActivity},
    };
    for (const auto &[name, range] : ranges) {
        if (Status read = readTimeRange(body, name, range); !read)
            return read;
    }

    const QJsonValue hasRoles = body.value(u"has_access_roles"_s);
    if (hasRoles.isBool())
        query.hasAccessRoles = hasRoles.toBool();
    else if (!hasRoles.isUndefined() && !hasRoles.isNull())
        return invalidParameter(u"has_access_roles"_s, u"has_access_roles must be true or false"_s,
                                hasRoles.toVariant());

    // The seed types force_disconnect as a string without saying what it holds;
    // "true" (an operator terminated it) and "false" are the readings that fit a filter.
    const QJsonValue force = body.value(u"force_disconnect"_s);
    if (!force.isUndefined() && !force.isNull()) {
        const QString text = force.isString() ? force.toString().trimmed().toLower() : QString();
        if (text == u"true"_s || text == u"false"_s)
            query.forceDisconnected = text == u"true"_s;
        else if (!text.isEmpty() || !force.isString())
            return invalidParameter(u"force_disconnect"_s, u"force_disconnect must be \"true\" or \"false\""_s,
                                    force.toVariant());
    }
    return {};
}

// Ids the seed types as UUIDs: anything else names nothing. Checked here so a
// malformed id never reaches a typed column of the store.
bool isUuid(const QString &text)
{
    return text.size() == 36 && !QUuid::fromString(text).isNull();
}

// A NotFound from the service once the connection is known to exist is about
// the other argument of the path: say which.
Error about(Error error, const QString &parameter)
{
    if (error.kind == Error::Kind::NotFound && error.location.isEmpty())
        error.location = parameter;
    return error;
}

Error unknownConnection(const QString &id)
{
    Error error = Error::notFound(u"no connection with the id %1"_s.arg(id));
    error.location = u"connection_id"_s;
    return error;
}

} // namespace

ConnectionController::ConnectionController(ApiRouter &router, ConnectionService &connections, const Clock &clock)
    : m_router(router)
    , m_connections(connections)
    , m_clock(clock)
    , m_logSessions(clock)
{
    router.setErrorShape(u"/connection-manager/"_s, std::make_shared<ConnectionErrorShape>());

    const QString all(kConnectionsPath);
    const QString one = all + u"/{connection_id}"_s;
    const QString channel = one + u"/channel/{channel_id}"_s;
    const auto bind = [this](HttpResponse (ConnectionController::*handler)(const HttpRequest &)) {
        return [this, handler](const HttpRequest &request) { return (this->*handler)(request); };
    };

    // The literal paths first: the router takes the first route that matches,
    // so "tags" and "search" are never read as a connection id.
    router.addRoute("GET", all, bind(&ConnectionController::list));
    router.addRoute("POST", all + u"/search"_s, bind(&ConnectionController::search),
                    {.body = RouteBody::JsonOptional, .scope = TokenScope::Read});
    router.addRoute("GET", all + u"/tags"_s, bind(&ConnectionController::tags));
    router.addRoute("DELETE", all + u"/access_roles/{role_id}"_s, bind(&ConnectionController::revokeRoleEverywhere));

    router.addRoute("GET", one, bind(&ConnectionController::show));
    router.addRoute("PUT", one + u"/tags"_s, bind(&ConnectionController::setTags), {.body = RouteBody::JsonRequired});
    router.addRoute("GET", one + u"/access_roles"_s, bind(&ConnectionController::accessRoles));
    router.addRoute("POST", one + u"/access_roles/{role_id}"_s, bind(&ConnectionController::grantRole));
    router.addRoute("DELETE", one + u"/access_roles/{role_id}"_s, bind(&ConnectionController::revokeRole));
    router.addRoute("POST", one + u"/terminate"_s, bind(&ConnectionController::terminate));
    router.addRoute("GET", one + u"/trail/verify"_s, bind(&ConnectionController::verifyTrail));
    router.addRoute("GET", QString(kTimestampingKeyPath), bind(&ConnectionController::timestampingKey));

    // Asking for a download session changes nothing worth a write scope: reads.
    router.addRoute("POST", channel + u"/log"_s, bind(&ConnectionController::createLogSession),
                    {.scope = TokenScope::Read});
    router.addRoute("GET", channel + u"/log/{session_id}"_s, bind(&ConnectionController::downloadLog));
    router.addRoute("POST", channel + u"/file/{file_id}"_s, bind(&ConnectionController::fileSession),
                    {.scope = TokenScope::Read});
    router.addRoute("GET", channel + u"/file/{file_id}/{session_id}"_s, bind(&ConnectionController::downloadFile));
}

HttpResponse ConnectionController::failure(const Error &error, const HttpRequest &request) const
{
    return m_router.error(error, request);
}

std::optional<HttpResponse> ConnectionController::refuseUnknownConnection(const HttpRequest &request,
                                                                          ConnectionRecord *found) const
{
    const QString id = request.argument(u"connection_id"_s);
    if (!isUuid(id))
        return failure(unknownConnection(id), request);
    Result<ConnectionRecord> record = m_connections.get(id);
    if (!record)
        return failure(record.error().kind == Error::Kind::NotFound ? unknownConnection(id) : record.error(), request);
    if (found)
        *found = std::move(record).value();
    return std::nullopt;
}

HttpResponse ConnectionController::page(const ConnectionQuery &query, const HttpRequest &request) const
{
    Result<ConnectionPage> found = m_connections.search(query);
    if (!found)
        return failure(found.error(), request);
    QJsonArray items;
    for (const ConnectionRecord &record : std::as_const(found->items))
        items.append(recordToJson(record, m_clock.now()));
    return HttpResponse::json(200, QJsonDocument(QJsonObject{{u"count"_s, found->count}, {u"items"_s, items}}));
}

HttpResponse ConnectionController::list(const HttpRequest &request)
{
    ConnectionQuery query;
    if (Status read = readListParameters(request, query); !read)
        return failure(read.error(), request);
    return page(query, request);
}

HttpResponse ConnectionController::search(const HttpRequest &request)
{
    ConnectionQuery query;
    if (Status read = readListParameters(request, query); !read)
        return failure(read.error(), request);
    bool matchesNothing = false;
    if (!request.body.trimmed().isEmpty()) {
        const QJsonDocument document = request.json();
        if (!document.isObject())
            return failure(invalidParameter(u"body"_s, u"the search body must be a JSON object"_s), request);
        if (Status read = readSearchBody(document.object(), query, &matchesNothing); !read)
            return failure(read.error(), request);
    }
    if (matchesNothing) {
        // Still checks sortkey and the rest, so a bad parameter is not hidden by an empty answer.
        ConnectionQuery probe = query;
        probe.ids = QStringList{QUuid().toString(QUuid::WithoutBraces)};
        probe.limit = 1;
        probe.withTrail = false;
        if (Result<ConnectionPage> checked = m_connections.search(probe); !checked)
            return failure(checked.error(), request);
        return HttpResponse::json(200, QJsonDocument(QJsonObject{{u"count"_s, 0}, {u"items"_s, QJsonArray()}}));
    }
    return page(query, request);
}

HttpResponse ConnectionController::show(const HttpRequest &request)
{
    ConnectionRecord record;
    if (std::optional<HttpResponse> refused = refuseUnknownConnection(request, &record))
        return *refused;
    return HttpResponse::json(200, QJsonDocument(recordToJson(record, m_clock.now())));
}

HttpResponse ConnectionController::createLogSession(const HttpRequest &request)
{
    if (std::optional<HttpResponse> refused = refuseUnknownConnection(request, nullptr))
        return *refused;
    const QString connectionId = request.argument(u"connection_id"_s);
    const QString channelId = request.argument(u"channel_id"_s);
    if (Status channel = m_connections.checkChannel(connectionId, channelId); !channel)
        return failure(about(channel.error(), u"channel_id"_s), request);
    const QString session = m_logSessions.create(connectionId, channelId);
    return HttpResponse::json(201, QJsonDocument(QJsonObject{{u"session_id"_s, session}}));
}

HttpResponse ConnectionController::downloadLog(const HttpRequest &request)
{
    QString format = u"hex"_s;
    if (const std::optional<QString> text = queryValue(request, u"format"_s)) {
        format = text->trimmed().toLower();
        if (format != u"hex"_s && format != u"jsonl"_s)
            return failure(invalidParameter(u"format"_s, u"format must be jsonl or hex"_s, *text), request);
    }
    QStringList types;
    if (const std::optional<QString> text = queryValue(request, u"filter"_s)) {
        for (const QString &part : text->split(u',', Qt::SkipEmptyParts)) {
            const QString type = part.trimmed().toLower();
            if (type.isEmpty())
                continue;
            if (!trailEventTypes().contains(type)) {
                return failure(
                    invalidParameter(u"filter"_s,
                                     u"unknown event type %1; known: %2"_s.arg(type, trailEventTypes().join(u", "_s)),
                                     type),
                    request);
            }
            if (!types.contains(type))
                types.append(type);
        }
    }
    if (std::optional<HttpResponse> refused = refuseUnknownConnection(request, nullptr))
        return *refused;
    const QString connectionId = request.argument(u"connection_id"_s);
    const QString channelId = request.argument(u"channel_id"_s);
    const QString sessionId = request.argument(u"session_id"_s);
    if (!isUuid(sessionId)) {
        Error error = Error::notFound(u"no log download session %1; ask for one with POST .../log"_s.arg(sessionId));
        error.location = u"session_id"_s;
        return failure(error, request);
    }
    if (!m_logSessions.allows(sessionId, connectionId, channelId)) {
        Error error
            = Error::notFound(u"no log download session %1 for this channel, or it has expired"_s.arg(sessionId));
        return failure(about(error, u"session_id"_s), request);
    }
    Result<QByteArray> log = m_connections.trailLog(
        connectionId, channelId, format == u"jsonl"_s ? TrailLogFormat::Jsonl : TrailLogFormat::Hex, types);
    if (!log)
        return failure(about(log.error(), u"session_id"_s), request);
    const bool jsonl = format == u"jsonl"_s;
    const QString fileName = u"connection-%1-channel-%2.%3"_s.arg(
        connectionId, QString::fromLatin1(QUrl::toPercentEncoding(channelId)), jsonl ? u"jsonl"_s : u"hex"_s);
    return HttpResponse::text(200, log.value(),
                              jsonl ? QByteArrayLiteral("application/x-ndjson")
                                    : QByteArrayLiteral("text/plain; charset=utf-8"))
        // The frame marks every answer Cache-Control: no-store, which matters here:
        // what a user typed is in a trail.
        .withHeader("Content-Disposition", "attachment; filename=\"" + fileName.toUtf8() + '"');
}

HttpResponse ConnectionController::fileSession(const HttpRequest &request)
{
    ConnectionRecord record;
    if (std::optional<HttpResponse> refused = refuseUnknownConnection(request, &record))
        return *refused;
    // Keystead's server offers no file transfer, so every channel's list of files is empty.
    Error error = Error::notFound(u"no file %1 in channel %2 of connection %3: this server transfers no files"_s.arg(
        request.argument(u"file_id"_s), request.argument(u"channel_id"_s), record.id));
    error.location = u"file_id"_s;
    return failure(error, request);
}

HttpResponse ConnectionController::downloadFile(const HttpRequest &request)
{
    return fileSession(request);
}

HttpResponse ConnectionController::accessRoles(const HttpRequest &request)
{
    if (std::optional<HttpResponse> refused = refuseUnknownConnection(request, nullptr))
        return *refused;
    Result<QList<AccessRoleGrant>> grants = m_connections.accessRoles(request.argument(u"connection_id"_s));
    if (!grants)
        return failure(grants.error(), request);
    QJsonArray items;
    for (const AccessRoleGrant &grant : std::as_const(grants.value()))
        items.append(grantToJson(grant));
    return HttpResponse::json(200, QJsonDocument(items));
}

HttpResponse ConnectionController::grantRole(const HttpRequest &request)
{
    return changeRole(request, true);
}

HttpResponse ConnectionController::revokeRole(const HttpRequest &request)
{
    return changeRole(request, false);
}

HttpResponse ConnectionController::changeRole(const HttpRequest &request, bool grant)
{
    if (std::optional<HttpResponse> refused = refuseUnknownConnection(request, nullptr))
        return *refused;
    const QString connectionId = request.argument(u"connection_id"_s);
    const QString roleId = request.argument(u"role_id"_s);
    const Status changed = grant ? m_connections.grantRole(connectionId, roleId, requestActor(request))
                                 : m_connections.revokeRole(connectionId, roleId, requestActor(request));
    if (!changed)
        return failure(about(changed.error(), u"role_id"_s), request);
    return HttpResponse::empty(200);
}

HttpResponse ConnectionController::revokeRoleEverywhere(const HttpRequest &request)
{
    if (Status revoked = m_connections.revokeRoleEverywhere(request.argument(u"role_id"_s), requestActor(request));
        !revoked)
        return failure(about(revoked.error(), u"role_id"_s), request);
    return HttpResponse::empty(200);
}

HttpResponse ConnectionController::tags(const HttpRequest &request)
{
    qint64 offset = 0;
    int limit = kDefaultLimit;
    bool descending = false;
    if (Status read = readOffsetAndLimit(request, &offset, &limit); !read)
        return failure(read.error(), request);
    if (Status read = readSortDirection(request, &descending); !read)
        return failure(read.error(), request);
    const QString prefix = queryValue(request, u"query"_s).value_or(QString());
    qint64 count = 0;
    Result<QStringList> found = m_connections.tags(prefix, offset, limit, descending, &count);
    if (!found)
        return failure(found.error(), request);
    return HttpResponse::json(
        200, QJsonDocument(QJsonObject{{u"count"_s, count}, {u"items"_s, QJsonArray::fromStringList(found.value())}}));
}

HttpResponse ConnectionController::setTags(const HttpRequest &request)
{
    const QJsonDocument document = request.json();
    if (!document.isArray())
        return failure(invalidParameter(u"body"_s, u"the body must be a JSON array of strings"_s), request);
    QStringList tags;
    const QJsonArray items = document.array();
    for (qsizetype i = 0; i < items.size(); ++i) {
        if (!items.at(i).isString())
            return failure(invalidParameter(u"body[%1]"_s.arg(i), u"the body must be a JSON array of strings"_s,
                                            items.at(i).toVariant()),
                           request);
        tags.append(items.at(i).toString());
    }
    if (std::optional<HttpResponse> refused = refuseUnknownConnection(request, nullptr))
        return *refused;
    if (Status set = m_connections.setTags(request.argument(u"connection_id"_s), tags, requestActor(request)); !set) {
        // The service names its argument "tags"; over HTTP that argument is the body.
        Error error = set.error();
        if (error.kind == Error::Kind::InvalidInput)
            error.location = u"body"_s;
        return failure(error, request);
    }
    return HttpResponse::empty(200);
}

HttpResponse ConnectionController::terminate(const HttpRequest &request)
{
    if (std::optional<HttpResponse> refused = refuseUnknownConnection(request, nullptr))
        return *refused;
    if (Status ended = m_connections.terminate(request.argument(u"connection_id"_s), requestActor(request)); !ended)
        return failure(ended.error(), request);
    return HttpResponse::empty(204);
}

HttpResponse ConnectionController::verifyTrail(const HttpRequest &request)
{
    if (std::optional<HttpResponse> refused = refuseUnknownConnection(request, nullptr))
        return *refused;
    const QString id = request.argument(u"connection_id"_s);
    Result<TrailCheck> checked = m_connections.checkTrail(id);
    if (!checked)
        return failure(checked.error(), request);
    const TrailVerification &verified = checked->trail;
    const CheckpointVerification &checkpoints = checked->checkpoints;
    QJsonValue firstFailure(QJsonValue::Null);
    if (checkpoints.firstFailureSequence > 0)
        firstFailure
            = QJsonObject{{u"sequence"_s, checkpoints.firstFailureSequence}, {u"message"_s, checkpoints.firstFailure}};
    return HttpResponse::json(
        200,
        QJsonDocument(QJsonObject{
            {u"connection_id"_s, id},
            {u"intact"_s, verified.intact},
            {u"event_count"_s, verified.eventCount},
            {u"broken_at_sequence"_s,
             verified.intact ? QJsonValue(QJsonValue::Null) : QJsonValue(verified.brokenAtSequence)},
            {u"message"_s, verified.message},
            {u"checkpoints"_s,
             QJsonObject{
                 {u"count"_s, checkpoints.count},
                 {u"verified"_s, checkpoints.verified},
                 {u"last_signed_at"_s, timeJson(checkpoints.lastSignedAt)},
                 {u"first_failure"_s, firstFailure},
                 {u"key_fingerprints"_s, QJsonArray::fromStringList(checkpoints.keyFingerprints)},
             }},
        }));
}

void ConnectionController::setTimestamper(TrailTimestamper *timestamper)
{
    m_timestamper = timestamper;
}

HttpResponse ConnectionController::timestampingKey(const HttpRequest &request)
{
    TrailTimestamper *timestamper = m_timestamper;
    if (!timestamper)
        return failure(Error::unavailable(u"trail timestamping does not run on this Keystead instance"_s), request);
    Result<TimestampingKey> key = timestamper->publicKey();
    if (!key)
        return failure(key.error(), request);
    return HttpResponse::json(
        200, QJsonDocument(QJsonObject{{u"public_key"_s, key->publicKey}, {u"fingerprint"_s, key->fingerprint}}));
}

} // namespace keystead
