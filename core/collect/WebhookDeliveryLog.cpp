#include "WebhookDeliveryLog.h"

#include "store/Database.h"
#include "store/Sql.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

QJsonValue timeOrNull(const QDateTime &time)
{
    return time.isValid() ? QJsonValue(sql::toStoreTime(time)) : QJsonValue(QJsonValue::Null);
}

QJsonValue textOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

WebhookDeliveryStatus statusFromName(const QString &name)
{
    if (name == u"delivering"_s)
        return WebhookDeliveryStatus::Delivering;
    if (name == u"delivered"_s)
        return WebhookDeliveryStatus::Delivered;
    if (name == u"failed"_s)
        return WebhookDeliveryStatus::Failed;
    return WebhookDeliveryStatus::Pending;
}

WebhookAttempt::Outcome outcomeFromName(const QString &name)
{
    if (name == u"delivered"_s)
        return WebhookAttempt::Outcome::Delivered;
    if (name == u"interrupted"_s)
        return WebhookAttempt::Outcome::Interrupted;
    return WebhookAttempt::Outcome::Failed;
}

} // namespace

QString webhookDeliveryStatusName(WebhookDeliveryStatus status)
{
    switch (status) {
    case WebhookDeliveryStatus::Pending: return u"pending"_s;
    case WebhookDeliveryStatus::Delivering: return u"delivering"_s;
    case WebhookDeliveryStatus::Delivered: return u"delivered"_s;
    case WebhookDeliveryStatus::Failed: return u"failed"_s;
    }
    return {};
}

QString webhookAttemptOutcomeName(WebhookAttempt::Outcome outcome)
{
    switch (outcome) {
    case WebhookAttempt::Outcome::Delivered: return u"delivered"_s;
    case WebhookAttempt::Outcome::Failed: return u"failed"_s;
    case WebhookAttempt::Outcome::Interrupted: return u"interrupted"_s;
    }
    return {};
}

QJsonObject WebhookAttempt::toJson() const
{
    return {
        {u"attempt"_s, attempt},
        {u"request_time"_s, timeOrNull(requestTime)},
        {u"outcome"_s, webhookAttemptOutcomeName(outcome)},
        {u"status_code"_s, statusCode > 0 ? QJsonValue(statusCode) : QJsonValue(QJsonValue::Null)},
        {u"error"_s, textOrNull(error)},
        {u"duration_ms"_s, durationMs},
    };
}

QJsonObject WebhookDelivery::toJson() const
{
    QJsonArray attemptsJson;
    for (const WebhookAttempt &attempt : attemptLog)
        attemptsJson.append(attempt.toJson());
    return {
        {u"id"_s, id},
        {u"webhook_id"_s, webhookId},
        {u"session_id"_s, sessionId},
        {u"event"_s, event},
        {u"webhook_invocation_id"_s, invocationId},
        {u"redelivery_of"_s, textOrNull(redeliveryOf)},
        {u"url"_s, textOrNull(url)},
        {u"method"_s, textOrNull(method)},
        {u"status"_s, webhookDeliveryStatusName(status)},
        {u"attempts"_s, attempts},
        {u"trigger_time"_s, timeOrNull(triggerTime)},
        {u"created_at"_s, timeOrNull(createdAt)},
        {u"next_attempt_at"_s, timeOrNull(nextAttemptAt)},
        {u"last_attempt_at"_s, timeOrNull(lastAttemptAt)},
        {u"delivered_at"_s, timeOrNull(deliveredAt)},
        {u"last_status_code"_s, lastStatusCode > 0 ? QJsonValue(lastStatusCode) : QJsonValue(QJsonValue::Null)},
        {u"last_error"_s, textOrNull(lastError)},
        {u"attempt_log"_s, attemptsJson},
    };
}

WebhookDeliveryLog::WebhookDeliveryLog(Database &database)
    : m_database(database)
{
}

Result<QList<WebhookDelivery>> WebhookDeliveryLog::deliveriesForSession(const QString &sessionId) const
{
    return query(u"d.session_id = ?"_s, {sessionId}, 0);
}

Result<QList<WebhookDelivery>> WebhookDeliveryLog::recentDeliveries(int limit) const
{
    return query({}, {}, std::max(1, limit));
}

Result<WebhookDelivery> WebhookDeliveryLog::delivery(const QString &deliveryId) const
{
    Result<QList<WebhookDelivery>> found = query(u"d.id = ?"_s, {deliveryId}, 1);
    if (!found)
        return found.error();
    if (found.value().isEmpty())
        return Error::notFound(u"no webhook delivery %1"_s.arg(deliveryId));
    return found.value().constFirst();
}

Result<QList<WebhookDelivery>> WebhookDeliveryLog::query(const QString &where, const QVariantList &bindings,
                                                         int limit) const
{
    QSqlDatabase db = m_database.connection();
    QString statement = u"SELECT d.id, d.webhook_id, d.session_id, d.event, d.invocation_id, d.redelivery_of,"
                        " d.status, d.attempts, d.trigger_time, d.created_at, d.next_attempt_at, d.last_attempt_at,"
                        " d.delivered_at, d.last_status_code, d.last_error, d.payload, w.url, w.method"
                        " FROM webhook_deliveries d LEFT JOIN collect_webhooks w ON w.id = d.webhook_id"_s;
    if (!where.isEmpty())
        statement += u" WHERE "_s + where;
    statement += u" ORDER BY d.created_at DESC, d.id DESC"_s;
    if (limit > 0)
        statement += u" LIMIT %1"_s.arg(limit);
    Result<QSqlQuery> rows = sql::exec(db, statement, bindings);
    if (!rows)
        return rows.error();

    QList<WebhookDelivery> deliveries;
    QHash<QString, qsizetype> indexById;
    QSqlQuery &row = rows.value();
    while (row.next()) {
        WebhookDelivery delivery;
        delivery.id = row.value(0).toString();
        delivery.webhookId = row.value(1).toString();
        delivery.sessionId = row.value(2).toString();
        delivery.event = row.value(3).toString();
        delivery.invocationId = row.value(4).toString();
        delivery.redeliveryOf = row.value(5).toString();
        delivery.status = statusFromName(row.value(6).toString());
        delivery.attempts = row.value(7).toInt();
        delivery.triggerTime = sql::fromStoreTime(row.value(8));
        delivery.createdAt = sql::fromStoreTime(row.value(9));
        delivery.nextAttemptAt = sql::fromStoreTime(row.value(10));
        delivery.lastAttemptAt = sql::fromStoreTime(row.value(11));
        delivery.deliveredAt = sql::fromStoreTime(row.value(12));
        delivery.lastStatusCode = row.value(13).toInt();
        delivery.lastError = row.value(14).toString();
        delivery.payload = QJsonDocument::fromJson(row.value(15).toString().toUtf8()).object();
        if (!row.value(16).isNull())
            delivery.url = QUrl(row.value(16).toString()).toDisplayString(QUrl::RemoveUserInfo);
        delivery.method = row.value(17).toString();
        indexById.insert(delivery.id, deliveries.size());
        deliveries.append(std::move(delivery));
    }
    if (deliveries.isEmpty())
        return deliveries;

    QStringList placeholders;
    QVariantList ids;
    for (const WebhookDelivery &delivery : std::as_const(deliveries)) {
        placeholders.append(u"?"_s);
        ids.append(delivery.id);
    }
    Result<QSqlQuery> attempts
        = sql::exec(db,
                    u"SELECT delivery_id, attempt, request_time, outcome, status_code, error, duration_ms"
                    " FROM webhook_attempts WHERE delivery_id IN (%1) ORDER BY request_time, attempt"_s.arg(
                        placeholders.join(u',')),
                    ids);
    if (!attempts)
        return attempts.error();
    QSqlQuery &attemptRow = attempts.value();
    while (attemptRow.next()) {
        WebhookAttempt attempt;
        attempt.attempt = attemptRow.value(1).toInt();
        attempt.requestTime = sql::fromStoreTime(attemptRow.value(2));
        attempt.outcome = outcomeFromName(attemptRow.value(3).toString());
        attempt.statusCode = attemptRow.value(4).toInt();
        attempt.error = attemptRow.value(5).toString();
        attempt.durationMs = attemptRow.value(6).toLongLong();
        deliveries[indexById.value(attemptRow.value(0).toString())].attemptLog.append(std::move(attempt));
    }
    return deliveries;
}

} // namespace keystead
