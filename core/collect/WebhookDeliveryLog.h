#pragma once

#include "common/Result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace keystead {

class Database;

enum class WebhookDeliveryStatus { Pending, Delivering, Delivered, Failed };
QString webhookDeliveryStatusName(WebhookDeliveryStatus status); // "pending", "delivering", ...

// One try at sending a delivery.
struct WebhookAttempt
{
    enum class Outcome {
        Delivered, // a 2xx answer
        Failed, // a non-2xx answer, a connection error or a timeout
        Interrupted, // Keystead stopped before an answer came; not counted, the attempt is repeated
    };

    int attempt = 0; // 1-based, as in the envelope
    QDateTime requestTime;
    Outcome outcome = Outcome::Failed;
    int statusCode = 0; // 0: no HTTP answer
    QString error; // empty when delivered
    qint64 durationMs = 0;

    QJsonObject toJson() const;
};
QString webhookAttemptOutcomeName(WebhookAttempt::Outcome outcome); // "delivered", "failed", "interrupted"

// One event sent to one webhook, with its retries.
struct WebhookDelivery
{
    QString id;
    QString webhookId;
    QString sessionId;
    QString event; // "key_collected", ...
    QString invocationId; // the envelope's webhook_invocation_id, the same for every attempt
    QString redeliveryOf; // the delivery this one sends again by hand; empty for none
    QString url; // the webhook's, without a password; empty once the webhook is deleted
    QString method; // "post", "put" or "patch"; empty once the webhook is deleted
    WebhookDeliveryStatus status = WebhookDeliveryStatus::Pending;
    int attempts = 0; // attempts made (interrupted ones not counted)
    QDateTime triggerTime;
    QDateTime createdAt;
    QDateTime nextAttemptAt; // null when no further attempt is planned
    QDateTime lastAttemptAt;
    QDateTime deliveredAt;
    int lastStatusCode = 0; // 0: no HTTP answer (yet)
    QString lastError;
    QJsonObject payload; // the session as it was when the event happened
    QList<WebhookAttempt> attemptLog; // oldest first

    QJsonObject toJson() const;
};

// Reads the delivery log for the panel and the API. Thread-safe: each caller's
// thread uses its own connection.
class WebhookDeliveryLog final
{
public:
    explicit WebhookDeliveryLog(Database &database);

    // The session's deliveries, newest first, each with its attempts. Works
    // after the session is deleted: the log outlives it.
    Result<QList<WebhookDelivery>> deliveriesForSession(const QString &sessionId) const;
    // The latest deliveries of every session, newest first, with their attempts.
    Result<QList<WebhookDelivery>> recentDeliveries(int limit = 200) const;
    Result<WebhookDelivery> delivery(const QString &deliveryId) const;

private:
    Result<QList<WebhookDelivery>> query(const QString &where, const QVariantList &bindings, int limit) const;

    Database &m_database;
};

} // namespace keystead
