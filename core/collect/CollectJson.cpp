#include "CollectJson.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace keystead::collectjson {

namespace {

QJsonValue optionalText(const std::optional<QString> &text)
{
    return text ? QJsonValue(*text) : QJsonValue(QJsonValue::Null);
}

QJsonValue optionalTime(const QDateTime &time)
{
    return time.isValid() ? QJsonValue(timeToJson(time)) : QJsonValue(QJsonValue::Null);
}

} // namespace

bool isCredentialHeader(const QString &name)
{
    const QString lower = name.toLower();
    return lower == u"authorization"_s || lower == u"proxy-authorization"_s || lower == u"cookie"_s
        || lower == u"x-api-key"_s || lower.contains(u"token"_s) || lower.contains(u"secret"_s)
        || lower.contains(u"password"_s);
}

QJsonObject keyToJson(const CollectSessionKey &key)
{
    const Result<QString> pem = key.key.pem();
    return QJsonObject{
        {u"id"_s, key.id},
        {u"created_at"_s, timeToJson(key.createdAt)},
        {u"public_key_algorithm"_s, key.key.algorithm()},
        {u"public_key_sha256"_s, key.key.fingerprintSha256()},
        {u"public_key_md5"_s, key.key.fingerprintMd5()},
        {u"public_key_ssh"_s, key.key.rfc4716()},
        {u"public_key_pem"_s, pem ? QJsonValue(pem.value()) : QJsonValue(QJsonValue::Null)},
        {u"public_key_openssh"_s, key.key.openSshLine()},
        {u"state"_s, collectKeyStateName(key.state)},
    };
}

QJsonObject connectionToJson(const CollectSessionConnection &connection)
{
    QJsonArray keys;
    for (const CollectSessionKey &key : connection.keys)
        keys.append(keyToJson(key));
    return QJsonObject{
        {u"id"_s, connection.id},
        {u"created_at"_s, timeToJson(connection.createdAt)},
        {u"ip_address"_s, connection.ipAddress},
        {u"client_version"_s, connection.clientVersion},
        {u"keys"_s, keys},
    };
}

QJsonObject webhookToJson(const CollectWebhook &webhook)
{
    QJsonObject headers;
    for (auto it = webhook.headers.constBegin(); it != webhook.headers.constEnd(); ++it) {
        QJsonArray values;
        for (const QString &value : it.value())
            values.append(isCredentialHeader(it.key()) ? QString(kRedacted) : value);
        headers.insert(it.key(), values);
    }
    return QJsonObject{
        {u"id"_s, webhook.id},
        {u"url"_s, webhook.url},
        {u"method"_s, webhook.method},
        {u"events"_s, QJsonArray::fromStringList(webhook.events)},
        {u"headers"_s, headers},
        {u"retries"_s, webhook.retries},
        {u"initial_backoff"_s, webhook.initialBackoff},
        {u"backoff_multiplier"_s, webhook.backoffMultiplier},
    };
}

QJsonObject sessionToJson(const CollectSession &session)
{
    QJsonArray connections;
    for (const CollectSessionConnection &connection : session.connections)
        connections.append(connectionToJson(connection));
    QJsonArray webhooks;
    for (const CollectWebhook &webhook : session.webhooks)
        webhooks.append(webhookToJson(webhook));
    return QJsonObject{
        {u"id"_s, session.id},
        {u"connection_identifier"_s, session.connectionIdentifier},
        {u"external_id"_s, optionalText(session.externalId)},
        {u"status"_s, collectStatusName(session.status)},
        {u"multi_key"_s, session.multiKey},
        {u"multi_connection"_s, session.multiConnection},
        {u"must_confirm"_s, session.mustConfirm},
        {u"ssh_banner"_s, optionalText(session.sshBanner)},
        {u"ssh_message"_s, optionalText(session.sshMessage)},
        {u"expired_at"_s, optionalTime(session.expiredAt)},
        {u"created_at"_s, timeToJson(session.createdAt)},
        {u"updated_at"_s, timeToJson(session.updatedAt)},
        {u"connections"_s, connections},
        {u"webhooks"_s, webhooks},
    };
}

} // namespace keystead::collectjson
