#pragma once

#include "common/Result.h"
#include "common/WorkerThread.h"

#include <QByteArray>
#include <QObject>
#include <QString>

namespace keystead {

class Clock;
class Database;
class WebhookSigner;

struct WebhookDispatcherConfig
{
    int timeoutMs = 10'000; // one attempt, from sending to the whole answer
    int pollIntervalMs = 1'000; // how often due deliveries are looked for; 0: only processDue() and wake()
    int maxInFlight = 16; // requests under way at once
    // A delivery claimed by an instance that has not finished it this long
    // after its timeout is taken as abandoned by a crash and sent again.
    int leaseGraceMs = 60'000;
    int retentionDays = 30; // finished deliveries older than this leave the log; 0 keeps them forever
};

// Sends the deliveries queued by WebhookOutbox, in its own thread.
//
// Each attempt posts one signed JSON envelope with the webhook's headers (sealed
// credentials are opened for that request only, see WebhookHeaderSeal; one that
// does not open fails the attempt). A 2xx answer delivers it, a timeout, a
// connection error or any other answer fails the attempt. Retries
// follow the webhook: retry r (attempt r + 1) is sent initial_backoff *
// backoff_multiplier^(r - 1) seconds after the attempt before it failed, and a
// delivery whose `retries` are spent is failed. Schedules follow the Clock, so
// tests move a ManualClock and call processDue(). State lives in the store:
// a new dispatcher on the same store carries on where the last one stopped,
// and instances sharing a PostgreSQL store never send one attempt twice.
class WebhookDispatcher final : public QObject
{
    Q_OBJECT

public:
    static constexpr QStringView kEntity = u"ssh_collect_session";

    WebhookDispatcher(Database &database, const Clock &clock, WebhookSigner &signer, QObject *parent = nullptr);
    ~WebhookDispatcher() override;

    // Starts the sending thread (and, with pollIntervalMs > 0, its timer).
    Status start(const WebhookDispatcherConfig &config = {});
    // Ends the thread. Requests under way are cut off and marked interrupted:
    // they are repeated at once, with the same attempt number, by the next dispatcher.
    void stop();
    bool isRunning() const { return m_workerThread.isRunning(); }

    // Sends what is due now and returns how many attempts it started; their
    // answers arrive later (deliveryChanged). Waits for the sending thread to
    // look at the store, so call it from tests and tools, not on every GUI event.
    int processDue();
    // Asks the sending thread to look for due deliveries soon; returns at once.
    // Connect it to whatever commits new deliveries for them to leave without waiting to poll.
    void wake();

    // Sends a finished (delivered or failed) delivery again, as a new delivery
    // with a new invocation id and the webhook's retries; the old one stays in the log.
    Status redeliver(const QString &deliveryId);
    // The same, answering the new delivery's id.
    Result<QString> queueRedelivery(const QString &deliveryId);

    // The webhook's secret for an operator to copy into the receiver (64 hex
    // characters); empty when the signing key cannot be used (see WebhookSigner).
    QByteArray secretFor(const QString &webhookId);

Q_SIGNALS:
    // A delivery was queued by hand, claimed, answered or given up: read it again from WebhookDeliveryLog.
    void deliveryChanged(const QString &deliveryId);

private:
    Database &m_database;
    const Clock &m_clock;
    WebhookSigner &m_signer;
    class Worker;
    WorkerThread m_workerThread;
    Worker *m_worker = nullptr; // lives in m_workerThread
};

} // namespace keystead
