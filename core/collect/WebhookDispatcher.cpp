#include "WebhookDispatcher.h"

#include "collect/WebhookDeliveryLog.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "collect/WebhookSigner.h"
#include "common/Clock.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSqlDriver>
#include <QThread>
#include <QTimer>
#include <QUrl>
#include <QUuid>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// Only keeps a runaway multiplier from overflowing; no sane webhook comes near it.
constexpr double kMaxBackoffMs = 365.0 * 24 * 3600 * 1000;
constexpr qint64 kPurgeIntervalMs = 3600 * 1000;
constexpr int kMaxErrorLength = 500;

// Attempt k (k >= 2) waits initial_backoff * multiplier^(k - 2) after attempt
// k - 1: the first retry waits initial_backoff, as the seed defines it.
qint64 backoffMs(qint64 initialBackoffSeconds, double multiplier, int attempt)
{
    const double ms = static_cast<double>(std::max<qint64>(0, initialBackoffSeconds)) * 1000.0
        * std::pow(std::max(1.0, multiplier), std::max(0, attempt - 2));
    if (!(ms < kMaxBackoffMs))
        return static_cast<qint64>(kMaxBackoffMs);
    return std::llround(ms);
}

// Names the receiver's HTTP stack or Keystead itself decides; a webhook's headers cannot replace them.
bool isReservedHeader(const QByteArray &lowerName)
{
    return lowerName == "content-type" || lowerName == "content-length" || lowerName == "host"
        || lowerName == "transfer-encoding" || lowerName == "connection" || lowerName.startsWith("x-keystead-");
}

bool isHeaderToken(const QByteArray &name)
{
    static constexpr QByteArrayView kTokenPunctuation = "!#$%&'*+-.^_`|~";
    return !name.isEmpty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || kTokenPunctuation.contains(c);
    });
}

bool isHeaderValue(const QString &value)
{
    return std::none_of(value.begin(), value.end(),
                        [](QChar c) { return c == u'\r' || c == u'\n' || c == QChar(u'\0'); });
}

QVariant nullText()
{
    return QVariant(QMetaType::fromType<QString>());
}

QVariant nullInt()
{
    return QVariant(QMetaType::fromType<int>());
}

QString limited(QString text)
{
    if (text.size() > kMaxErrorLength)
        text = text.left(kMaxErrorLength) + u"…"_s;
    return text;
}

} // namespace

// Lives in the dispatcher's thread and owns the network access manager and every reply.
class WebhookDispatcher::Worker final : public QObject
{
public:
    Worker(WebhookDispatcher &owner, Database &database, const Clock &clock, WebhookSigner &signer,
           const WebhookDispatcherConfig &config)
        : m_owner(owner)
        , m_database(database)
        , m_clock(clock)
        , m_signer(signer)
        , m_headerSeal(signer)
        , m_config(config)
        , m_instanceId(QUuid::createUuid().toString(QUuid::WithoutBraces))
    {
    }

    void begin()
    {
        m_network = new QNetworkAccessManager(this);
        m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
        m_soon = new QTimer(this);
        m_soon->setSingleShot(true);
        m_soon->setInterval(0);
        connect(m_soon, &QTimer::timeout, this, [this] { processDue(); });
        if (m_config.pollIntervalMs > 0) {
            m_poll = new QTimer(this);
            m_poll->setInterval(m_config.pollIntervalMs);
            connect(m_poll, &QTimer::timeout, this, [this] { processDue(); });
            m_poll->start();
            if (m_database.isPostgres())
                listenForNewDeliveries();
            m_soon->start();
        }
    }

    void shutdown()
    {
        m_stopping = true;
        const QList<QNetworkReply *> replies = m_inFlight.keys();
        for (QNetworkReply *reply : replies) {
            disconnect(reply, nullptr, this, nullptr);
            reply->abort();
            const InFlight flight = m_inFlight.take(reply);
            recordAttempt(flight, WebhookAttempt::Outcome::Interrupted, 0,
                          u"Keystead stopped before the answer came; the attempt is repeated"_s);
            delete reply;
        }
        delete m_network;
        m_network = nullptr;
        if (m_listening) {
            QSqlDatabase db = m_database.connection();
            if (db.driver())
                db.driver()->unsubscribeFromNotification(WebhookOutbox::notificationChannel());
        }
        m_database.releaseThreadConnection();
    }

    void soon()
    {
        if (m_soon && !m_stopping)
            m_soon->start();
    }

    int processDue()
    {
        if (m_stopping || !m_network)
            return 0;
        QSqlDatabase db = m_database.connection();
        recoverAbandoned(db);
        purgeOldDeliveries(db);

        const qsizetype capacity = m_config.maxInFlight - m_inFlight.size();
        if (capacity <= 0) {
            m_backlog = true;
            return 0;
        }
        Result<QSqlQuery> due
            = sql::exec(db,
                        u"SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?"
                        " ORDER BY next_attempt_at LIMIT %1"_s.arg(capacity),
                        {sql::toStoreTime(m_clock.now())});
        if (!due) {
            qWarning("webhooks: %s", qPrintable(due.error().message));
            return 0;
        }
        QStringList ids;
        while (due.value().next())
            ids.append(due.value().value(0).toString());
        m_backlog = ids.size() == capacity;
        if (ids.isEmpty())
            return 0;

        // Without a usable key nothing is claimed: another instance whose key matches may send them.
        if (Status ready = m_signer.ensureReady(); !ready) {
            if (m_signingProblem != ready.error().message) {
                m_signingProblem = ready.error().message;
                qWarning("webhooks: not sending: %s", qPrintable(m_signingProblem));
            }
            return 0;
        }
        m_signingProblem.clear();

        int started = 0;
        for (const QString &id : std::as_const(ids)) {
            if (startAttempt(db, id))
                ++started;
        }
        return started;
    }

private:
    struct InFlight
    {
        QString deliveryId;
        int attempt = 0;
        int retries = 0;
        qint64 initialBackoffSeconds = 0;
        double backoffMultiplier = 1;
        QDateTime requestTime;
        qint64 startedMs = 0;
        bool timedOut = false;
    };

    void listenForNewDeliveries()
    {
        QSqlDatabase db = m_database.connection();
        QSqlDriver *driver = db.driver();
        if (!driver || !driver->subscribeToNotification(WebhookOutbox::notificationChannel())) {
            qWarning("webhooks: cannot listen for new deliveries; polling only");
            return;
        }
        m_listening = true;
        connect(driver, &QSqlDriver::notification, this, [this] { soon(); });
    }

    void changed(const QString &deliveryId)
    {
        WebhookDispatcher *owner = &m_owner;
        QMetaObject::invokeMethod(
            owner, [owner, deliveryId] { Q_EMIT owner->deliveryChanged(deliveryId); }, Qt::QueuedConnection);
    }

    bool startAttempt(QSqlDatabase &db, const QString &deliveryId)
    {
        Result<QSqlQuery> loaded = sql::exec(
            db,
            u"SELECT d.webhook_id, d.session_id, d.event, d.payload, d.invocation_id, d.trigger_time, d.attempts,"
            " w.id, w.url, w.method, w.headers, w.retries, w.initial_backoff, w.backoff_multiplier"
            " FROM webhook_deliveries d LEFT JOIN collect_webhooks w ON w.id = d.webhook_id"
            " WHERE d.id = ? AND d.status = 'pending'"_s,
            {deliveryId});
        if (!loaded) {
            qWarning("webhooks: %s", qPrintable(loaded.error().message));
            return false;
        }
        QSqlQuery &row = loaded.value();
        if (!row.first())
            return false; // taken by another instance meanwhile
        const QString webhookId = row.value(0).toString();
        const QString sessionId = row.value(1).toString();
        const QString event = row.value(2).toString();
        const QByteArray payload = row.value(3).toString().toUtf8();
        const QString invocationId = row.value(4).toString();
        const QString triggerTime = row.value(5).toString();
        const int attemptsBefore = row.value(6).toInt();
        const QString now = sql::toStoreTime(m_clock.now());

        if (row.value(7).isNull()) {
            Result<QSqlQuery> gone
                = sql::exec(db,
                            u"UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = ?"
                            " WHERE id = ? AND status = 'pending'"_s,
                            {u"the webhook no longer exists (its session was deleted)"_s, deliveryId});
            if (gone && gone.value().numRowsAffected() == 1)
                changed(deliveryId);
            return false;
        }

        InFlight flight;
        flight.deliveryId = deliveryId;
        flight.attempt = attemptsBefore + 1;
        flight.retries = std::max(0, row.value(11).toInt());
        flight.initialBackoffSeconds = row.value(12).toLongLong();
        flight.backoffMultiplier = row.value(13).toDouble();
        flight.requestTime = m_clock.now();
        const QUrl url(row.value(8).toString());
        const QString method = row.value(9).toString().toLower();
        const QJsonObject headers = QJsonDocument::fromJson(row.value(10).toString().toUtf8()).object();

        // The compare-and-set on `attempts` makes sure only one instance sends this attempt.
        const QDateTime leaseUntil = flight.requestTime.addMSecs(qint64{m_config.timeoutMs} + m_config.leaseGraceMs);
        Result<QSqlQuery> claimed = sql::exec(
            db,
            u"UPDATE webhook_deliveries SET status = 'delivering', attempts = attempts + 1, last_attempt_at = ?,"
            " claimed_by = ?, lease_until = ?, next_attempt_at = NULL"
            " WHERE id = ? AND status = 'pending' AND attempts = ?"_s,
            {now, m_instanceId, sql::toStoreTime(leaseUntil), deliveryId, attemptsBefore});
        if (!claimed) {
            qWarning("webhooks: %s", qPrintable(claimed.error().message));
            return false;
        }
        if (claimed.value().numRowsAffected() != 1)
            return false;
        changed(deliveryId);
        flight.startedMs = m_clock.monotonicMs();

        const QJsonObject envelope{
            {u"entity"_s, kEntity.toString()},
            {u"id"_s, sessionId},
            {u"event"_s, event},
            {u"webhook_id"_s, webhookId},
            {u"webhook_invocation_id"_s, invocationId},
            {u"trigger_time"_s, triggerTime},
            {u"request_time"_s, now},
            {u"attempt"_s, flight.attempt},
            {u"payload"_s, QJsonDocument::fromJson(payload).object()},
        };
        const QByteArray body = QJsonDocument(envelope).toJson(QJsonDocument::Compact);

        if (url.scheme() != u"http"_s && url.scheme() != u"https"_s) {
            recordAttempt(flight, WebhookAttempt::Outcome::Failed, 0,
                          u"only http and https URLs are called, not \"%1\""_s.arg(url.scheme()));
            return true;
        }
        Result<QByteArray> signature = m_signer.signatureFor(webhookId, body);
        if (!signature) {
            recordAttempt(flight, WebhookAttempt::Outcome::Interrupted, 0, signature.error().message);
            return false;
        }

        QNetworkRequest request(url);
        for (auto header = headers.begin(); header != headers.end(); ++header) {
            const QByteArray name = header.key().toLatin1();
            if (!isHeaderToken(name) || isReservedHeader(name.toLower()))
                continue;
            QStringList values;
            if (header.value().isArray()) {
                const QJsonArray array = header.value().toArray();
                for (const QJsonValue &value : array)
                    values.append(value.toString());
            } else {
                values.append(header.value().toString());
            }
            // Sealed credentials are opened only here, for this one request; one that does not
            // open fails the attempt rather than go out as the sealed text (or without it).
            for (QString &value : values) {
                Result<QString> opened = m_headerSeal.open(webhookId, header.key(), value);
                if (!opened && opened.error().kind == Error::Kind::Unavailable) {
                    // The key, not the value, is the trouble: as when the body cannot be signed.
                    recordAttempt(flight, WebhookAttempt::Outcome::Interrupted, 0, opened.error().message);
                    return false;
                }
                if (!opened) {
                    recordAttempt(flight, WebhookAttempt::Outcome::Failed, 0, opened.error().message);
                    return true;
                }
                value = std::move(opened).value();
            }
            // HTTP lets repeated fields be joined with commas; Qt sends one field per name.
            const QString joined = values.join(u", "_s);
            if (isHeaderValue(joined))
                request.setRawHeader(name, joined.toUtf8());
        }
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("Keystead/" KEYSTEAD_VERSION));
        request.setRawHeader(WebhookSigner::kSignatureHeader.toByteArray(), signature.value());
        request.setRawHeader("X-Keystead-Event", event.toUtf8());
        request.setRawHeader("X-Keystead-Webhook-Id", webhookId.toUtf8());
        request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);

        QNetworkReply *reply = nullptr;
        if (method == u"put"_s)
            reply = m_network->put(request, body);
        else if (method == u"patch"_s)
            reply = m_network->sendCustomRequest(request, "PATCH", body);
        else
            reply = m_network->post(request, body);
        m_inFlight.insert(reply, flight);

        // The answer's body is not needed: drop it as it comes so a large one costs nothing.
        connect(reply, &QNetworkReply::readyRead, this, [reply] { reply->skip(reply->bytesAvailable()); });
        connect(reply, &QNetworkReply::finished, this, [this, reply] { finished(reply); });
        // A whole-exchange deadline: Qt's transfer timeout restarts whenever a byte arrives.
        auto *deadline = new QTimer(reply);
        deadline->setSingleShot(true);
        connect(deadline, &QTimer::timeout, this, [this, reply] {
            if (auto flightIt = m_inFlight.find(reply); flightIt != m_inFlight.end()) {
                flightIt->timedOut = true;
                reply->abort();
            }
        });
        deadline->start(m_config.timeoutMs);
        return true;
    }

    void finished(QNetworkReply *reply)
    {
        reply->deleteLater();
        const auto flightIt = m_inFlight.find(reply);
        if (flightIt == m_inFlight.end())
            return;
        const InFlight flight = *flightIt;
        m_inFlight.erase(flightIt);

        const int statusCode = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (flight.timedOut) {
            recordAttempt(flight, WebhookAttempt::Outcome::Failed, 0,
                          u"no answer within %1 ms"_s.arg(m_config.timeoutMs));
        } else if (statusCode >= 200 && statusCode < 300 && reply->error() == QNetworkReply::NoError) {
            recordAttempt(flight, WebhookAttempt::Outcome::Delivered, statusCode, {});
        } else if (statusCode > 0) {
            const QString reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
            recordAttempt(flight, WebhookAttempt::Outcome::Failed, statusCode,
                          (u"HTTP %1 %2"_s.arg(statusCode).arg(reason)).trimmed());
        } else {
            recordAttempt(flight, WebhookAttempt::Outcome::Failed, 0, reply->errorString());
        }
        if (m_backlog)
            soon();
    }

    // Writes the attempt to the log and decides what comes next for its delivery.
    void recordAttempt(const InFlight &flight, WebhookAttempt::Outcome outcome, int statusCode, const QString &error)
    {
        QSqlDatabase db = m_database.connection();
        const QDateTime now = m_clock.now();
        const QString nowText = sql::toStoreTime(now);
        const QVariant statusCodeValue = statusCode > 0 ? QVariant(statusCode) : nullInt();
        const QVariant errorValue = error.isEmpty() ? nullText() : QVariant(limited(error));
        const qint64 durationMs = std::max<qint64>(0, m_clock.monotonicMs() - flight.startedMs);

        const Status recorded = sql::inTransaction(db, [&]() -> Status {
            Result<QSqlQuery> logged = sql::exec(
                db,
                u"INSERT INTO webhook_attempts (id, delivery_id, attempt, request_time, outcome, status_code, error,"
                " duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"_s,
                {QUuid::createUuid().toString(QUuid::WithoutBraces), flight.deliveryId, flight.attempt,
                 sql::toStoreTime(flight.requestTime), webhookAttemptOutcomeName(outcome), statusCodeValue, errorValue,
                 durationMs});
            if (!logged)
                return logged.error();

            QString statement;
            QVariantList bindings;
            switch (outcome) {
            case WebhookAttempt::Outcome::Delivered:
                statement = u"UPDATE webhook_deliveries SET status = 'delivered', delivered_at = ?,"
                            " last_status_code = ?, last_error = NULL, next_attempt_at = NULL"_s;
                bindings = {nowText, statusCodeValue};
                break;
            case WebhookAttempt::Outcome::Failed:
                if (flight.attempt > flight.retries) {
                    statement = u"UPDATE webhook_deliveries SET status = 'failed', last_status_code = ?,"
                                " last_error = ?, next_attempt_at = NULL"_s;
                    bindings = {statusCodeValue, errorValue};
                } else {
                    const QDateTime next = now.addMSecs(
                        backoffMs(flight.initialBackoffSeconds, flight.backoffMultiplier, flight.attempt + 1));
                    statement = u"UPDATE webhook_deliveries SET status = 'pending', last_status_code = ?,"
                                " last_error = ?, next_attempt_at = ?"_s;
                    bindings = {statusCodeValue, errorValue, sql::toStoreTime(next)};
                }
                break;
            case WebhookAttempt::Outcome::Interrupted:
                // Not the receiver's fault: the attempt does not count and goes out again at once.
                statement = u"UPDATE webhook_deliveries SET status = 'pending', attempts = attempts - 1,"
                            " last_error = ?, next_attempt_at = ?"_s;
                bindings = {errorValue, nowText};
                break;
            }
            statement += u", claimed_by = NULL, lease_until = NULL"
                         " WHERE id = ? AND status = 'delivering' AND claimed_by = ?"_s;
            bindings << flight.deliveryId << m_instanceId;
            // No row when another instance took the delivery as abandoned: its decision stands.
            Result<QSqlQuery> updated = sql::exec(db, statement, bindings);
            if (!updated)
                return updated.error();
            return {};
        });
        if (!recorded)
            qWarning("webhooks: cannot record an attempt of %s: %s", qPrintable(flight.deliveryId),
                     qPrintable(recorded.error().message));
        changed(flight.deliveryId);
    }

    // Deliveries another dispatcher claimed and never finished (it crashed, or its
    // machine went away) are repeated once their lease has run out.
    void recoverAbandoned(QSqlDatabase &db)
    {
        const QString now = sql::toStoreTime(m_clock.now());
        Result<QSqlQuery> abandoned
            = sql::exec(db,
                        u"SELECT id, attempts, last_attempt_at, claimed_by FROM webhook_deliveries"
                        " WHERE status = 'delivering' AND lease_until <= ? AND claimed_by <> ?"_s,
                        {now, m_instanceId});
        if (!abandoned) {
            qWarning("webhooks: %s", qPrintable(abandoned.error().message));
            return;
        }
        struct Claim
        {
            QString id;
            int attempt;
            QVariant requestTime;
            QString claimedBy;
        };
        QList<Claim> claims;
        while (abandoned.value().next()) {
            claims.append({abandoned.value().value(0).toString(), abandoned.value().value(1).toInt(),
                           abandoned.value().value(2), abandoned.value().value(3).toString()});
        }
        const QString reason = u"the sender stopped before the answer came; the attempt is repeated"_s;
        for (const Claim &claim : std::as_const(claims)) {
            bool released = false;
            const Status done = sql::inTransaction(db, [&]() -> Status {
                Result<QSqlQuery> updated = sql::exec(
                    db,
                    u"UPDATE webhook_deliveries SET status = 'pending', attempts = attempts - 1, last_error = ?,"
                    " next_attempt_at = ?, claimed_by = NULL, lease_until = NULL"
                    " WHERE id = ? AND status = 'delivering' AND claimed_by = ? AND attempts = ?"_s,
                    {reason, now, claim.id, claim.claimedBy, claim.attempt});
                if (!updated)
                    return updated.error();
                released = updated.value().numRowsAffected() == 1;
                if (!released)
                    return {};
                Result<QSqlQuery> logged = sql::exec(
                    db,
                    u"INSERT INTO webhook_attempts (id, delivery_id, attempt, request_time, outcome, status_code,"
                    " error, duration_ms) VALUES (?, ?, ?, ?, 'interrupted', NULL, ?, 0)"_s,
                    {QUuid::createUuid().toString(QUuid::WithoutBraces), claim.id, claim.attempt,
                     claim.requestTime.isNull() ? QVariant(now) : claim.requestTime, reason});
                if (!logged)
                    return logged.error();
                return {};
            });
            if (!done)
                qWarning("webhooks: %s", qPrintable(done.error().message));
            else if (released)
                changed(claim.id);
        }
    }

    void purgeOldDeliveries(QSqlDatabase &db)
    {
        if (m_config.retentionDays <= 0)
            return;
        const qint64 monotonic = m_clock.monotonicMs();
        if (m_lastPurgeMs >= 0 && monotonic - m_lastPurgeMs < kPurgeIntervalMs)
            return;
        m_lastPurgeMs = monotonic;
        const QString before = sql::toStoreTime(m_clock.now().addDays(-m_config.retentionDays));
        Result<QSqlQuery> purged = sql::exec(db,
                                             u"DELETE FROM webhook_deliveries WHERE status IN ('delivered', 'failed')"
                                             " AND COALESCE(delivered_at, last_attempt_at, created_at) < ?"_s,
                                             {before});
        if (!purged)
            qWarning("webhooks: cannot purge old deliveries: %s", qPrintable(purged.error().message));
    }

    WebhookDispatcher &m_owner;
    Database &m_database;
    const Clock &m_clock;
    WebhookSigner &m_signer;
    WebhookHeaderSeal m_headerSeal;
    const WebhookDispatcherConfig m_config;
    const QString m_instanceId; // claims made by this worker, so a crashed one's can be told apart
    QNetworkAccessManager *m_network = nullptr;
    QTimer *m_poll = nullptr;
    QTimer *m_soon = nullptr;
    QHash<QNetworkReply *, InFlight> m_inFlight;
    QString m_signingProblem;
    qint64 m_lastPurgeMs = -1;
    bool m_backlog = false;
    bool m_listening = false;
    bool m_stopping = false;
};

WebhookDispatcher::WebhookDispatcher(Database &database, const Clock &clock, WebhookSigner &signer, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_clock(clock)
    , m_signer(signer)
    , m_workerThread(u"keystead-webhooks"_s)
{
}

WebhookDispatcher::~WebhookDispatcher()
{
    stop();
}

Status WebhookDispatcher::start(const WebhookDispatcherConfig &config)
{
    stop();
    if (config.timeoutMs <= 0 || config.maxInFlight <= 0 || config.pollIntervalMs < 0 || config.leaseGraceMs < 0)
        return Error::invalid(u"the webhook dispatcher's timeout, poll interval and limits must be positive"_s);
    m_worker = new Worker(*this, m_database, m_clock, m_signer, config);
    m_workerThread.start(m_worker);
    m_workerThread.run([worker = m_worker] { worker->begin(); });
    return {};
}

void WebhookDispatcher::stop()
{
    if (!m_workerThread.isRunning())
        return;
    m_workerThread.run([worker = m_worker] { worker->shutdown(); });
    m_workerThread.stop();
    m_worker = nullptr;
}

int WebhookDispatcher::processDue()
{
    if (!m_worker)
        return 0;
    if (QThread::currentThread() == m_worker->thread())
        return m_worker->processDue();
    int started = 0;
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker, &started] { started = worker->processDue(); }, Qt::BlockingQueuedConnection);
    return started;
}

void WebhookDispatcher::wake()
{
    if (!m_worker)
        return;
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker] { worker->soon(); }, Qt::QueuedConnection);
}

Status WebhookDispatcher::redeliver(const QString &deliveryId)
{
    Result<QString> queued = queueRedelivery(deliveryId);
    if (!queued)
        return queued.error();
    return {};
}

Result<QString> WebhookDispatcher::queueRedelivery(const QString &deliveryId)
{
    QSqlDatabase db = m_database.connection();
    const QString newId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const Status queued = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<QSqlQuery> original = sql::exec(
            db,
            u"SELECT d.webhook_id, d.session_id, d.event, d.payload, d.trigger_time, d.status, w.id"
            " FROM webhook_deliveries d LEFT JOIN collect_webhooks w ON w.id = d.webhook_id WHERE d.id = ?"_s,
            {deliveryId});
        if (!original)
            return original.error();
        QSqlQuery &row = original.value();
        if (!row.first())
            return Error::notFound(u"no webhook delivery %1"_s.arg(deliveryId));
        const QString status = row.value(5).toString();
        if (status == u"pending"_s || status == u"delivering"_s)
            return Error::conflict(u"the delivery is still being sent; send it again once it is delivered or failed"_s);
        if (row.value(6).isNull())
            return Error::conflict(u"the webhook of this delivery no longer exists (its session was deleted)"_s);
        const QString now = sql::toStoreTime(m_clock.now());
        Result<QSqlQuery> inserted
            = sql::exec(db,
                        u"INSERT INTO webhook_deliveries (id, webhook_id, session_id, event, payload, invocation_id,"
                        " redelivery_of, trigger_time, created_at, status, attempts, next_attempt_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)"_s,
                        {newId, row.value(0), row.value(1), row.value(2), row.value(3),
                         QUuid::createUuid().toString(QUuid::WithoutBraces), deliveryId, row.value(4), now, now});
        if (!inserted)
            return inserted.error();
        return {};
    });
    if (!queued)
        return queued.error();
    Q_EMIT deliveryChanged(newId);
    wake();
    return newId;
}

QByteArray WebhookDispatcher::secretFor(const QString &webhookId)
{
    Result<QByteArray> secret = m_signer.secretFor(webhookId);
    if (!secret) {
        qWarning("webhooks: cannot give the secret of webhook %s: %s", qPrintable(webhookId),
                 qPrintable(secret.error().message));
        return {};
    }
    return secret.value();
}

} // namespace keystead
