#pragma once

#include "common/Result.h"

#include <QJsonObject>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <optional>

namespace keystead {

// The seed's webhook events.
enum class WebhookEvent { KeyCollected, NewConnection, StatusChanged };
QString webhookEventName(WebhookEvent event); // "key_collected", "new_connection", "status_changed"
// The event of that name, for validating a webhook's `events`; nothing for an unknown name.
std::optional<WebhookEvent> webhookEventFromName(const QString &name);
QStringList webhookEventNames(); // every name, in the seed's order

class Database;
class Clock;

// Deliveries are written to the store (an outbox) in the same transaction as
// the change that causes them, so a restart loses none; a dispatcher sends
// them later with retries (core/collect/WebhookDispatcher).
class WebhookOutbox final
{
public:
    WebhookOutbox(Database &database, const Clock &clock);

    // Queues one delivery for each webhook of the session that subscribes to
    // `event` (no events listed: all). `payload` is the session as the API shows it.
    // Runs on `db`, inside the caller's transaction.
    Status enqueue(QSqlDatabase &db, const QString &sessionId, WebhookEvent event, const QJsonObject &payload);

    // PostgreSQL channel on which enqueue announces new deliveries (delivered at commit),
    // so dispatchers of every instance sharing the store send them without waiting to poll.
    static QString notificationChannel();

private:
    Database &m_database;
    const Clock &m_clock;
};

} // namespace keystead
