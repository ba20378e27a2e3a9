#include "WebhookOutbox.h"

#include "common/Clock.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUuid>

#include <algorithm>
#include <array>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

struct EventName
{
    WebhookEvent event;
    QStringView name;
};

constexpr std::array kEventNames{
    EventName{WebhookEvent::KeyCollected, u"key_collected"},
    EventName{WebhookEvent::NewConnection, u"new_connection"},
    EventName{WebhookEvent::StatusChanged, u"status_changed"},
};

// A webhook's `events` as stored: a JSON array of names, empty meaning all.
// A value that is not an array subscribes to everything: sending one delivery
// too many is better than losing one because a row was written oddly.
bool subscribes(const QString &eventsJson, const QString &eventName)
{
    const QJsonDocument events = QJsonDocument::fromJson(eventsJson.toUtf8());
    if (!events.isArray() || events.array().isEmpty())
        return true;
    const QJsonArray names = events.array();
    return std::any_of(names.begin(), names.end(),
                       [&](const QJsonValue &name) { return name.toString() == eventName; });
}

} // namespace

QString webhookEventName(WebhookEvent event)
{
    for (const EventName &entry : kEventNames) {
        if (entry.event == event)
            return entry.name.toString();
    }
    return {};
}

std::optional<WebhookEvent> webhookEventFromName(const QString &name)
{
    for (const EventName &entry : kEventNames) {
        if (entry.name == name)
            return entry.event;
    }
    return std::nullopt;
}

QStringList webhookEventNames()
{
    QStringList names;
    for (const EventName &entry : kEventNames)
        names.append(entry.name.toString());
    return names;
}

QString WebhookOutbox::notificationChannel()
{
    return u"keystead_webhook_deliveries"_s;
}

WebhookOutbox::WebhookOutbox(Database &database, const Clock &clock)
    : m_database(database)
    , m_clock(clock)
{
}

Status WebhookOutbox::enqueue(QSqlDatabase &db, const QString &sessionId, WebhookEvent event,
                              const QJsonObject &payload)
{
    const QString eventName = webhookEventName(event);
    Result<QSqlQuery> webhooks = sql::exec(
        db, u"SELECT id, events FROM collect_webhooks WHERE session_id = ? ORDER BY position"_s, {sessionId});
    if (!webhooks)
        return webhooks.error();

    QStringList subscribed;
    while (webhooks.value().next()) {
        if (subscribes(webhooks.value().value(1).toString(), eventName))
            subscribed.append(webhooks.value().value(0).toString());
    }
    if (subscribed.isEmpty())
        return {};

    const QString now = sql::toStoreTime(m_clock.now());
    const QString body = QString::fromUtf8(QJsonDocument(payload).toJson(QJsonDocument::Compact));
    for (const QString &webhookId : std::as_const(subscribed)) {
        Result<QSqlQuery> queued
            = sql::exec(db,
                        u"INSERT INTO webhook_deliveries (id, webhook_id, session_id, event, payload, invocation_id,"
                        " trigger_time, created_at, status, attempts, next_attempt_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)"_s,
                        {QUuid::createUuid().toString(QUuid::WithoutBraces), webhookId, sessionId, eventName, body,
                         QUuid::createUuid().toString(QUuid::WithoutBraces), now, now, now});
        if (!queued)
            return queued.error();
    }
    if (m_database.isPostgres()) {
        Result<QSqlQuery> announced = sql::exec(db, u"SELECT pg_notify(?, '')"_s, {notificationChannel()});
        if (!announced)
            return announced.error();
    }
    return {};
}

} // namespace keystead
