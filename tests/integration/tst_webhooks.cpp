#include "TestDatabase.h"

#include "collect/CollectService.h"
#include "collect/WebhookDeliveryLog.h"
#include "collect/WebhookDispatcher.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "collect/WebhookSigner.h"
#include "ssh/SshPublicKey.h"
#include "store/Sql.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QPointer>
#include <QSignalSpy>
#include <QSqlRecord>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUuid>
#include <QtTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::TestDatabase;

namespace {

constexpr int kWaitMs = 20'000;
constexpr auto kUserKey
    = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMlwEVbafTOH6n5GTvH0W2djHEMQwR3c1RBUhxHizK7R user@laptop";

// A real HTTP receiver on 127.0.0.1 that follows a script: answer with a
// status, hang (never answer), or close the connection without a word. Once
// the script runs out it answers 200. Lives in the test's thread.
class Receiver final : public QObject
{
public:
    enum class Action { Answer, Hang, Close };
    struct Step
    {
        Action action = Action::Answer;
        int status = 200;
    };
    struct Request
    {
        QByteArray method;
        QByteArray path;
        QHash<QByteArray, QByteArray> headers; // names in lower case
        QByteArray body;
        QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    };

    Receiver()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                socket->setParent(this);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QUrl url(const QString &path = u"/hook"_s) const
    {
        return QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_server.serverPort()).arg(path));
    }
    void setScript(QList<Step> steps) { m_script = std::move(steps); }
    const QList<Request> &requests() const { return m_requests; }

private:
    void read(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return;
        Request request;
        const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        request.method = requestLine.value(0);
        request.path = requestLine.value(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines.at(i).indexOf(':');
            if (colon > 0)
                request.headers.insert(lines.at(i).left(colon).trimmed().toLower(),
                                       lines.at(i).mid(colon + 1).trimmed());
        }
        const qsizetype length = request.headers.value("content-length").toLongLong();
        if (buffer.size() - headerEnd - 4 < length)
            return;
        request.body = buffer.mid(headerEnd + 4, length);
        m_buffers.remove(socket);
        m_requests.append(request);

        const Step step = m_script.isEmpty() ? Step{} : m_script.takeFirst();
        switch (step.action) {
        case Action::Answer:
            socket->write(u"HTTP/1.1 %1 Scripted\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                          "Connection: close\r\n\r\nok"_s.arg(step.status)
                              .toLatin1());
            socket->disconnectFromHost();
            break;
        case Action::Hang: break;
        case Action::Close: socket->abort(); break;
        }
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<Step> m_script;
    QList<Request> m_requests;
};

struct WebhookSpec
{
    QUrl url;
    QString method = u"post"_s;
    QStringList events;
    QJsonObject headers;
    int retries = 0;
    qint64 initialBackoff = 10;
    double backoffMultiplier = 2;
};

struct Session
{
    QString id;
    QStringList webhookIds;
};

// One test's world: the store, a signer and a dispatcher on it, a receiver.
// Members are destroyed in reverse: the dispatcher before the store before the clock.
struct World
{
    ManualClock clock;
    std::unique_ptr<TestDatabase> store;
    std::unique_ptr<Database> reopened; // the store as a restarted Keystead opens it
    std::unique_ptr<WebhookSigner> signer;
    std::unique_ptr<WebhookHeaderSeal> seal;
    std::unique_ptr<WebhookDispatcher> dispatcher;
    std::unique_ptr<WebhookOutbox> outbox;
    std::unique_ptr<CollectService> sessions;
    Receiver receiver;
    WebhookDispatcherConfig config = [] {
        WebhookDispatcherConfig defaults;
        defaults.pollIntervalMs = 0; // the test decides when due deliveries go
        defaults.timeoutMs = 4'000; // generous: a loaded machine must not turn a prompt answer into a timeout
        return defaults;
    }();

    Database &database() { return reopened ? *reopened : store->database(); }

    bool open(const QString &backend)
    {
        store = TestDatabase::create(backend, clock);
        if (!store || !receiver.listen())
            return false;
        outbox = std::make_unique<WebhookOutbox>(store->database(), clock);
        return startDispatcher();
    }

    // The session service seals with the signer the dispatcher signs and opens with, as in app/Services.
    bool startDispatcher()
    {
        signer = std::make_unique<WebhookSigner>(store->dataDir(), database(), clock);
        seal = std::make_unique<WebhookHeaderSeal>(*signer);
        sessions = std::make_unique<CollectService>(store->database(), clock, *outbox, *seal);
        dispatcher = std::make_unique<WebhookDispatcher>(database(), clock, *signer);
        return dispatcher->start(config).ok();
    }

    // Everything of the old dispatcher goes, as when Keystead exits; the new
    // one opens the store anew and reads the signing key from its file again.
    bool restart()
    {
        dispatcher.reset();
        sessions.reset();
        seal.reset();
        signer.reset();
        reopened.reset();
        Result<std::unique_ptr<Database>> again = store->openAgain(clock);
        if (!again)
            return false;
        reopened = std::move(again).value();
        return startDispatcher();
    }

    Result<Session> createSession(const QList<WebhookSpec> &webhooks)
    {
        CollectSessionInput input;
        for (const WebhookSpec &spec : webhooks) {
            CollectWebhook webhook;
            webhook.url = spec.url.toString();
            webhook.method = spec.method;
            webhook.events = spec.events;
            for (auto header = spec.headers.begin(); header != spec.headers.end(); ++header) {
                QStringList values;
                const QJsonArray array = header.value().toArray();
                for (const QJsonValue &value : array)
                    values.append(value.toString());
                webhook.headers.insert(header.key(), values);
            }
            webhook.retries = spec.retries;
            webhook.initialBackoff = spec.initialBackoff;
            webhook.backoffMultiplier = spec.backoffMultiplier;
            input.webhooks.append(webhook);
        }
        Result<CollectSession> made = sessions->create(input);
        if (!made)
            return made.error();
        Session session;
        session.id = made->id;
        for (const CollectWebhook &webhook : made->webhooks)
            session.webhookIds.append(webhook.id);
        return session;
    }

    // The call CollectService makes inside each change, with a payload of the test's choosing.
    Status trigger(const QString &sessionId, WebhookEvent event, const QJsonObject &payload)
    {
        QSqlDatabase db = store->database().connection();
        return sql::inTransaction(db, [&] { return outbox->enqueue(db, sessionId, event, payload); });
    }

    QList<WebhookDelivery> deliveries(const QString &sessionId)
    {
        Result<QList<WebhookDelivery>> list = WebhookDeliveryLog(store->database()).deliveriesForSession(sessionId);
        return list ? list.value() : QList<WebhookDelivery>{};
    }

    WebhookDelivery delivery(const QString &id)
    {
        Result<WebhookDelivery> found = WebhookDeliveryLog(store->database()).delivery(id);
        return found ? found.value() : WebhookDelivery{};
    }

    // Waits until the delivery's attempt number `attempt` has been answered (or given up).
    bool waitForAttempt(const QString &deliveryId, int attempt)
    {
        QDeadlineTimer deadline(kWaitMs);
        while (!deadline.hasExpired()) {
            const WebhookDelivery found = delivery(deliveryId);
            if (found.status != WebhookDeliveryStatus::Delivering && found.attempts >= attempt)
                return true;
            QTest::qWait(20);
        }
        return false;
    }

    bool allDelivered(const QString &sessionId)
    {
        const QList<WebhookDelivery> list = deliveries(sessionId);
        return !list.isEmpty() && std::all_of(list.cbegin(), list.cend(), [](const WebhookDelivery &delivery) {
            return delivery.status == WebhookDeliveryStatus::Delivered;
        });
    }

    bool waitForRequests(qsizetype count)
    {
        QDeadlineTimer deadline(kWaitMs);
        while (!deadline.hasExpired() && receiver.requests().size() < count)
            QTest::qWait(20);
        return receiver.requests().size() >= count;
    }
};

// Every table's every cell, as text and as bytes, that contains `needle`: "table.column" for each.
QStringList cellsContaining(Database &database, const QByteArray &needle)
{
    QSqlDatabase db = database.connection();
    Result<QSqlQuery> tables
        = sql::exec(db,
                    database.isPostgres() ? u"SELECT table_name FROM information_schema.tables"
                                            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"_s
                                          : u"SELECT name FROM sqlite_master WHERE type = 'table'"_s);
    if (!tables)
        return {u"cannot list the tables: "_s + tables.error().message};
    QStringList names;
    while (tables.value().next())
        names.append(tables.value().value(0).toString());
    if (names.size() < 5)
        return {u"only %1 tables found"_s.arg(names.size())};
    QStringList found;
    for (const QString &table : std::as_const(names)) {
        Result<QSqlQuery> rows = sql::exec(db, u"SELECT * FROM "_s + table);
        if (!rows)
            return {u"cannot read %1: %2"_s.arg(table, rows.error().message)};
        while (rows.value().next()) {
            const QSqlRecord record = rows.value().record();
            for (int column = 0; column < record.count(); ++column) {
                const QVariant value = rows.value().value(column);
                if (value.toString().toUtf8().contains(needle) || value.toByteArray().contains(needle))
                    found.append(table + u'.' + record.fieldName(column));
            }
        }
    }
    return found;
}

bool signatureMatches(const Receiver::Request &request, const QByteArray &secret)
{
    const QByteArray expected
        = "sha256=" + QMessageAuthenticationCode::hash(request.body, secret, QCryptographicHash::Sha256).toHex();
    return request.headers.value("x-keystead-signature") == expected;
}

} // namespace

class TestWebhooks final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void eventNames();
    void sessionChangesReachTheReceiver_data() { backends(); }
    void sessionChangesReachTheReceiver();
    void retriesWithBackoffAcrossRestartThenDelivers_data() { backends(); }
    void retriesWithBackoffAcrossRestartThenDelivers();
    void onlySubscribedWebhooksGetDeliveries_data() { backends(); }
    void onlySubscribedWebhooksGetDeliveries();
    void exhaustedRetriesFail_data() { backends(); }
    void exhaustedRetriesFail();
    void closedConnectionIsAFailure_data() { backends(); }
    void closedConnectionIsAFailure();
    void redeliverSendsAgainWithNewInvocation_data() { backends(); }
    void redeliverSendsAgainWithNewInvocation();
    void stoppedMidAttemptIsRepeated_data() { backends(); }
    void stoppedMidAttemptIsRepeated();
    void abandonedClaimIsRepeatedAfterItsLease_data() { backends(); }
    void abandonedClaimIsRepeatedAfterItsLease();
    void deletedSessionKeepsItsLog_data() { backends(); }
    void deletedSessionKeepsItsLog();
    void signingKeyIsOwnerOnlyAndNeverStored_data() { backends(); }
    void signingKeyIsOwnerOnlyAndNeverStored();
    void instancesWithDifferentKeysAreRefused_data() { backends(); }
    void instancesWithDifferentKeysAreRefused();
    void credentialsAreSentButNeverStored_data() { backends(); }
    void credentialsAreSentButNeverStored();
    void sealedValueCopiedToAnotherWebhookFailsTheAttempt_data() { backends(); }
    void sealedValueCopiedToAnotherWebhookFailsTheAttempt();
    void replacedSigningKeyFailsTheAttemptCleanly_data() { backends(); }
    void replacedSigningKeyFailsTheAttemptCleanly();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }
};

void TestWebhooks::eventNames()
{
    QCOMPARE(webhookEventName(WebhookEvent::KeyCollected), u"key_collected"_s);
    QCOMPARE(webhookEventName(WebhookEvent::NewConnection), u"new_connection"_s);
    QCOMPARE(webhookEventName(WebhookEvent::StatusChanged), u"status_changed"_s);
    QCOMPARE(webhookEventNames(), (QStringList{u"key_collected"_s, u"new_connection"_s, u"status_changed"_s}));
    QVERIFY(webhookEventFromName(u"new_connection"_s) == WebhookEvent::NewConnection);
    QVERIFY(!webhookEventFromName(u"session_deleted"_s).has_value());
}

void TestWebhooks::sessionChangesReachTheReceiver()
{
    QFETCH(QString, backend);
    World world;
    // As in production, nobody calls processDue(): on PostgreSQL the outbox's
    // NOTIFY wakes the dispatcher, on SQLite the session service's signal does.
    world.config.pollIntervalMs = 3'600'000;
    QVERIFY(world.open(backend));
    if (backend == u"sqlite"_s)
        QObject::connect(world.sessions.get(), &CollectService::sessionChanged, world.dispatcher.get(),
                         &WebhookDispatcher::wake);
    WebhookSpec spec;
    spec.url = world.receiver.url();
    Result<Session> session = world.createSession({spec});
    KEYSTEAD_VERIFY_OK(session);

    // A user connects, proves one key, and the session completes.
    Result<QString> connection
        = world.sessions->connectionOpened(session->id, u"192.0.2.7"_s, u"SSH-2.0-OpenSSH_9.2p1"_s);
    KEYSTEAD_VERIFY_OK(connection);
    Result<SshPublicKey> key = SshPublicKey::fromOpenSshLine(QString::fromLatin1(kUserKey));
    KEYSTEAD_VERIFY_OK(key);
    KEYSTEAD_VERIFY_OK(world.sessions->keyProven(connection.value(), key.value()));
    KEYSTEAD_VERIFY_OK(world.sessions->connectionClosed(connection.value(), ConnectionOutcome::Kept));

    QVERIFY(world.waitForRequests(3));
    QTRY_VERIFY_WITH_TIMEOUT(world.allDelivered(session->id), kWaitMs);
    const QByteArray secret = world.dispatcher->secretFor(session->webhookIds.constFirst());
    QHash<QString, QJsonObject> payloadByEvent;
    for (const Receiver::Request &request : world.receiver.requests()) {
        QVERIFY(signatureMatches(request, secret));
        const QJsonObject envelope = request.json();
        QCOMPARE(envelope.value(u"id"_s).toString(), session->id);
        QCOMPARE(envelope.value(u"payload"_s).toObject().value(u"id"_s).toString(), session->id);
        payloadByEvent.insert(envelope.value(u"event"_s).toString(), envelope.value(u"payload"_s).toObject());
    }
    QCOMPARE(payloadByEvent.size(), 3);
    const QJsonArray opened = payloadByEvent.value(u"new_connection"_s).value(u"connections"_s).toArray();
    QCOMPARE(opened.size(), 1);
    QCOMPARE(opened.at(0).toObject().value(u"ip_address"_s).toString(), u"192.0.2.7"_s);
    const QJsonArray collected = payloadByEvent.value(u"key_collected"_s).value(u"connections"_s).toArray();
    QCOMPARE(collected.at(0).toObject().value(u"keys"_s).toArray().size(), 1);
    QCOMPARE(payloadByEvent.value(u"status_changed"_s).value(u"status"_s).toString(), u"completed"_s);
}

void TestWebhooks::retriesWithBackoffAcrossRestartThenDelivers()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    world.receiver.setScript({{Receiver::Action::Answer, 500}, {Receiver::Action::Hang, 0}});

    WebhookSpec spec;
    spec.url = world.receiver.url(u"/hooks/collect?source=keystead"_s);
    spec.method = u"put"_s;
    spec.retries = 3;
    spec.initialBackoff = 10;
    spec.backoffMultiplier = 3;
    spec.headers = QJsonObject{{u"X-Team"_s, QJsonArray{u"ops"_s, u"security"_s}},
                               {u"Authorization"_s, QJsonArray{u"Bearer receiver-token"_s}},
                               {u"Content-Type"_s, QJsonArray{u"text/plain"_s}}};
    Result<Session> session = world.createSession({spec});
    KEYSTEAD_VERIFY_OK(session);
    const QString webhookId = session->webhookIds.constFirst();
    const QJsonObject payload{{u"id"_s, session->id}, {u"status"_s, u"pending"_s}, {u"connections"_s, QJsonArray{}}};
    const QDateTime triggered = world.clock.now();
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::KeyCollected, payload));

    const QList<WebhookDelivery> queued = world.deliveries(session->id);
    QCOMPARE(queued.size(), 1);
    const QString deliveryId = queued.constFirst().id;
    QCOMPARE(queued.constFirst().status, WebhookDeliveryStatus::Pending);
    QCOMPARE(queued.constFirst().nextAttemptAt, triggered);
    QSignalSpy changed(world.dispatcher.get(), &WebhookDispatcher::deliveryChanged);

    // Attempt 1 goes at once and meets a 500.
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(deliveryId, 1));
    WebhookDelivery state = world.delivery(deliveryId);
    QCOMPARE(state.status, WebhookDeliveryStatus::Pending);
    QCOMPARE(state.lastStatusCode, 500);
    QCOMPARE(state.nextAttemptAt, world.clock.now().addSecs(10));
    QTRY_VERIFY_WITH_TIMEOUT(changed.contains(QVariantList{deliveryId}), kWaitMs);

    // Attempt 2 waits initial_backoff (10 s), not a millisecond less; the receiver hangs and it times out.
    QCOMPARE(world.dispatcher->processDue(), 0);
    world.clock.advanceMs(9'999);
    QCOMPARE(world.dispatcher->processDue(), 0);
    QCOMPARE(world.receiver.requests().size(), 1);
    world.clock.advanceMs(1);
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(deliveryId, 2));
    state = world.delivery(deliveryId);
    QCOMPARE(state.status, WebhookDeliveryStatus::Pending);
    QCOMPARE(state.lastStatusCode, 0);
    QVERIFY2(state.lastError.contains(u"no answer"_s), qPrintable(state.lastError));
    QCOMPARE(state.nextAttemptAt, world.clock.now().addSecs(30));

    // Keystead restarts between attempts: the new dispatcher resumes from the store.
    QVERIFY(world.restart());
    world.clock.advanceMs(29'999);
    QCOMPARE(world.dispatcher->processDue(), 0);
    QCOMPARE(world.receiver.requests().size(), 2);
    world.clock.advanceMs(1);
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(deliveryId, 3));
    state = world.delivery(deliveryId);
    QCOMPARE(state.status, WebhookDeliveryStatus::Delivered);
    QCOMPARE(state.lastStatusCode, 200);
    QCOMPARE(state.deliveredAt, world.clock.now());
    QVERIFY(!state.nextAttemptAt.isValid());
    QCOMPARE(world.dispatcher->processDue(), 0);

    // Exactly three requests, each a complete, signed envelope.
    QCOMPARE(world.receiver.requests().size(), 3);
    const QByteArray secret = world.dispatcher->secretFor(webhookId);
    QCOMPARE(secret.size(), 64);
    QCOMPARE(world.signer->secretFor(webhookId).value(), secret);
    QString invocationId;
    const QList<QDateTime> requestTimes{triggered, triggered.addSecs(10), triggered.addSecs(40)};
    for (int i = 0; i < 3; ++i) {
        const Receiver::Request &request = world.receiver.requests().at(i);
        QCOMPARE(request.method, QByteArray("PUT"));
        QCOMPARE(request.path, QByteArray("/hooks/collect?source=keystead"));
        QCOMPARE(request.headers.value("content-type"), QByteArray("application/json"));
        QCOMPARE(request.headers.value("x-team"), QByteArray("ops, security"));
        QCOMPARE(request.headers.value("authorization"), QByteArray("Bearer receiver-token"));
        QCOMPARE(request.headers.value("x-keystead-event"), QByteArray("key_collected"));
        QCOMPARE(request.headers.value("x-keystead-webhook-id"), webhookId.toUtf8());
        QVERIFY2(signatureMatches(request, secret), request.headers.value("x-keystead-signature").constData());

        const QJsonObject envelope = request.json();
        QCOMPARE(envelope.keys(),
                 (QStringList{u"attempt"_s, u"entity"_s, u"event"_s, u"id"_s, u"payload"_s, u"request_time"_s,
                              u"trigger_time"_s, u"webhook_id"_s, u"webhook_invocation_id"_s}));
        QCOMPARE(envelope.value(u"entity"_s).toString(), u"ssh_collect_session"_s);
        QCOMPARE(envelope.value(u"id"_s).toString(), session->id);
        QCOMPARE(envelope.value(u"event"_s).toString(), u"key_collected"_s);
        QCOMPARE(envelope.value(u"webhook_id"_s).toString(), webhookId);
        QCOMPARE(envelope.value(u"attempt"_s).toInt(), i + 1);
        QCOMPARE(envelope.value(u"payload"_s).toObject(), payload);
        QCOMPARE(sql::fromStoreTime(envelope.value(u"trigger_time"_s)), triggered);
        QCOMPARE(sql::fromStoreTime(envelope.value(u"request_time"_s)), requestTimes.at(i));
        if (i == 0)
            invocationId = envelope.value(u"webhook_invocation_id"_s).toString();
        QVERIFY(!invocationId.isEmpty());
        QCOMPARE(envelope.value(u"webhook_invocation_id"_s).toString(), invocationId);
    }
    // A body changed on the way no longer matches its signature.
    Receiver::Request tampered = world.receiver.requests().constLast();
    tampered.body.replace("key_collected", "new_connection");
    QVERIFY(!signatureMatches(tampered, secret));

    // The log shows each attempt with its answer.
    state = world.delivery(deliveryId);
    QCOMPARE(state.invocationId, invocationId);
    QCOMPARE(state.attempts, 3);
    QCOMPARE(state.attemptLog.size(), 3);
    QCOMPARE(state.attemptLog.at(0).outcome, WebhookAttempt::Outcome::Failed);
    QCOMPARE(state.attemptLog.at(0).statusCode, 500);
    QCOMPARE(state.attemptLog.at(1).outcome, WebhookAttempt::Outcome::Failed);
    QCOMPARE(state.attemptLog.at(1).statusCode, 0);
    QCOMPARE(state.attemptLog.at(2).outcome, WebhookAttempt::Outcome::Delivered);
    QCOMPARE(state.attemptLog.at(2).statusCode, 200);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(state.attemptLog.at(i).attempt, i + 1);
        QCOMPARE(state.attemptLog.at(i).requestTime, requestTimes.at(i));
    }
    QCOMPARE(state.method, u"put"_s);
    QCOMPARE(state.toJson().value(u"status"_s).toString(), u"delivered"_s);
    QCOMPARE(state.toJson().value(u"attempt_log"_s).toArray().size(), 3);
}

void TestWebhooks::onlySubscribedWebhooksGetDeliveries()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    WebhookSpec keysOnly{world.receiver.url(u"/keys"_s), u"post"_s, {u"key_collected"_s}, {}, 0, 10, 2};
    WebhookSpec everything{world.receiver.url(u"/all"_s), u"patch"_s, {}, {}, 0, 10, 2};
    WebhookSpec lifecycle{
        world.receiver.url(u"/life"_s), u"post"_s, {u"status_changed"_s, u"new_connection"_s}, {}, 0, 10, 2};
    Result<Session> session = world.createSession({keysOnly, everything, lifecycle});
    KEYSTEAD_VERIFY_OK(session);
    Result<Session> silent = world.createSession({});
    KEYSTEAD_VERIFY_OK(silent);

    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::NewConnection, {{u"n"_s, 1}}));
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::KeyCollected, {{u"n"_s, 2}}));
    KEYSTEAD_VERIFY_OK(world.trigger(silent->id, WebhookEvent::KeyCollected, {{u"n"_s, 3}}));
    QVERIFY(world.deliveries(silent->id).isEmpty());

    QMultiHash<QString, QString> eventsByWebhook;
    for (const WebhookDelivery &delivery : world.deliveries(session->id))
        eventsByWebhook.insert(delivery.webhookId, delivery.event);
    QCOMPARE(eventsByWebhook.size(), 4);
    QCOMPARE(eventsByWebhook.values(session->webhookIds.at(0)), QStringList{u"key_collected"_s});
    QStringList all = eventsByWebhook.values(session->webhookIds.at(1));
    all.sort();
    QCOMPARE(all, (QStringList{u"key_collected"_s, u"new_connection"_s}));
    QCOMPARE(eventsByWebhook.values(session->webhookIds.at(2)), QStringList{u"new_connection"_s});

    QCOMPARE(world.dispatcher->processDue(), 4);
    QVERIFY(world.waitForRequests(4));
    QTRY_VERIFY_WITH_TIMEOUT(world.allDelivered(session->id), kWaitMs);
    QStringList received;
    for (const Receiver::Request &request : world.receiver.requests())
        received.append(QString::fromLatin1(request.method + ' ' + request.path) + u' '
                        + request.json().value(u"event"_s).toString());
    received.sort();
    QCOMPARE(received,
             (QStringList{u"PATCH /all key_collected"_s, u"PATCH /all new_connection"_s, u"POST /keys key_collected"_s,
                          u"POST /life new_connection"_s}));
}

void TestWebhooks::exhaustedRetriesFail()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    // A port nobody listens on: every attempt is a connection error.
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    const quint16 deadPort = closed.serverPort();
    closed.close();
    WebhookSpec spec;
    spec.url = QUrl(u"http://127.0.0.1:%1/"_s.arg(deadPort));
    spec.retries = 2;
    spec.initialBackoff = 5;
    spec.backoffMultiplier = 1; // a constant wait
    Result<Session> session = world.createSession({spec});
    KEYSTEAD_VERIFY_OK(session);
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::StatusChanged, {}));
    const QString deliveryId = world.deliveries(session->id).constFirst().id;

    for (int attempt = 1; attempt <= 3; ++attempt) {
        QCOMPARE(world.dispatcher->processDue(), 1);
        QVERIFY(world.waitForAttempt(deliveryId, attempt));
        world.clock.advanceMs(4'999);
        QCOMPARE(world.dispatcher->processDue(), 0);
        world.clock.advanceMs(1);
    }
    // Two retries spent: the delivery has failed for good.
    const WebhookDelivery state = world.delivery(deliveryId);
    QCOMPARE(state.status, WebhookDeliveryStatus::Failed);
    QCOMPARE(state.attempts, 3);
    QVERIFY(!state.nextAttemptAt.isValid());
    QVERIFY(!state.lastError.isEmpty());
    QCOMPARE(state.attemptLog.size(), 3);
    for (const WebhookAttempt &attempt : state.attemptLog) {
        QCOMPARE(attempt.outcome, WebhookAttempt::Outcome::Failed);
        QCOMPARE(attempt.statusCode, 0);
    }
    world.clock.advanceSeconds(3600);
    QCOMPARE(world.dispatcher->processDue(), 0);
}

void TestWebhooks::closedConnectionIsAFailure()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    // Qt may repeat a request once on a fresh connection the server closed: close every one.
    world.receiver.setScript(QList<Receiver::Step>(8, {Receiver::Action::Close, 0}));
    WebhookSpec spec;
    spec.url = world.receiver.url();
    spec.retries = 1;
    spec.initialBackoff = 1;
    Result<Session> session = world.createSession({spec});
    KEYSTEAD_VERIFY_OK(session);
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::NewConnection, {}));
    const QString deliveryId = world.deliveries(session->id).constFirst().id;

    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(deliveryId, 1));
    WebhookDelivery state = world.delivery(deliveryId);
    QCOMPARE(state.status, WebhookDeliveryStatus::Pending);
    QCOMPARE(state.attemptLog.constFirst().outcome, WebhookAttempt::Outcome::Failed);
    QCOMPARE(state.attemptLog.constFirst().statusCode, 0);

    // A redirect is not a 2xx either (and is not followed): the last retry fails the delivery.
    world.receiver.setScript({{Receiver::Action::Answer, 302}});
    world.clock.advanceSeconds(1);
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(deliveryId, 2));
    state = world.delivery(deliveryId);
    QCOMPARE(state.status, WebhookDeliveryStatus::Failed);
    QCOMPARE(state.lastStatusCode, 302);
}

void TestWebhooks::redeliverSendsAgainWithNewInvocation()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    world.receiver.setScript({{Receiver::Action::Hang, 0}});
    WebhookSpec spec;
    spec.url = world.receiver.url();
    Result<Session> session = world.createSession({spec});
    KEYSTEAD_VERIFY_OK(session);
    const QDateTime triggered = world.clock.now();
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::KeyCollected, {{u"keys"_s, 1}}));
    const QString firstId = world.deliveries(session->id).constFirst().id;

    // While it is still being tried it cannot be sent again by hand.
    QCOMPARE(world.dispatcher->redeliver(firstId).error().kind, Error::Kind::Conflict);
    QCOMPARE(world.dispatcher->redeliver(u"no-such-delivery"_s).error().kind, Error::Kind::NotFound);

    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(firstId, 1)); // timed out, no retries: failed
    QCOMPARE(world.delivery(firstId).status, WebhookDeliveryStatus::Failed);

    world.clock.advanceSeconds(600);
    QSignalSpy changed(world.dispatcher.get(), &WebhookDispatcher::deliveryChanged);
    KEYSTEAD_VERIFY_OK(world.dispatcher->redeliver(firstId));
    QCOMPARE(changed.size(), 1);
    const QString secondId = changed.constFirst().constFirst().toString();
    QVERIFY(secondId != firstId);
    const WebhookDelivery second = world.delivery(secondId);
    QCOMPARE(second.redeliveryOf, firstId);
    QVERIFY(second.status != WebhookDeliveryStatus::Failed);
    QCOMPARE(second.triggerTime, triggered);
    QVERIFY(second.invocationId != world.delivery(firstId).invocationId);
    QCOMPARE(world.deliveries(session->id).size(), 2);

    // redeliver() wakes the dispatcher: it goes without anyone calling processDue().
    QVERIFY(world.waitForAttempt(secondId, 1));
    QCOMPARE(world.delivery(secondId).status, WebhookDeliveryStatus::Delivered);
    QCOMPARE(world.delivery(firstId).status, WebhookDeliveryStatus::Failed);
    QCOMPARE(world.receiver.requests().size(), 2);
    const QJsonObject envelope = world.receiver.requests().constLast().json();
    QCOMPARE(envelope.value(u"attempt"_s).toInt(), 1);
    QCOMPARE(envelope.value(u"webhook_invocation_id"_s).toString(), second.invocationId);
    QCOMPARE(sql::fromStoreTime(envelope.value(u"trigger_time"_s)), triggered);
    QCOMPARE(sql::fromStoreTime(envelope.value(u"request_time"_s)), world.clock.now());
    QVERIFY(signatureMatches(world.receiver.requests().constLast(),
                             world.dispatcher->secretFor(session->webhookIds.constFirst())));
}

void TestWebhooks::stoppedMidAttemptIsRepeated()
{
    QFETCH(QString, backend);
    World world;
    world.config.timeoutMs = 60'000;
    QVERIFY(world.open(backend));
    world.receiver.setScript({{Receiver::Action::Hang, 0}});
    WebhookSpec spec;
    spec.url = world.receiver.url();
    Result<Session> session = world.createSession({spec});
    KEYSTEAD_VERIFY_OK(session);
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::KeyCollected, {}));
    const QString deliveryId = world.deliveries(session->id).constFirst().id;

    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForRequests(1));
    QCOMPARE(world.delivery(deliveryId).status, WebhookDeliveryStatus::Delivering);

    // Keystead quits while the receiver still thinks: the attempt does not count and goes out again.
    QVERIFY(world.restart());
    WebhookDelivery state = world.delivery(deliveryId);
    QCOMPARE(state.status, WebhookDeliveryStatus::Pending);
    QCOMPARE(state.attempts, 0);
    QCOMPARE(state.attemptLog.size(), 1);
    QCOMPARE(state.attemptLog.constFirst().outcome, WebhookAttempt::Outcome::Interrupted);

    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(deliveryId, 1));
    state = world.delivery(deliveryId);
    QCOMPARE(state.status, WebhookDeliveryStatus::Delivered);
    QCOMPARE(state.attempts, 1);
    QCOMPARE(world.receiver.requests().size(), 2);
    const QJsonObject before = world.receiver.requests().at(0).json();
    const QJsonObject after = world.receiver.requests().at(1).json();
    QCOMPARE(after.value(u"attempt"_s).toInt(), 1);
    QCOMPARE(after.value(u"webhook_invocation_id"_s), before.value(u"webhook_invocation_id"_s));
}

void TestWebhooks::abandonedClaimIsRepeatedAfterItsLease()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    WebhookSpec spec;
    spec.url = world.receiver.url();
    Result<Session> session = world.createSession({spec});
    KEYSTEAD_VERIFY_OK(session);
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::KeyCollected, {}));
    const QString deliveryId = world.deliveries(session->id).constFirst().id;

    // Another instance claimed it and died without a word.
    const QDateTime leaseUntil = world.clock.now().addMSecs(world.config.timeoutMs + world.config.leaseGraceMs);
    QSqlDatabase db = world.database().connection();
    KEYSTEAD_VERIFY_OK(
        sql::exec(db,
                  u"UPDATE webhook_deliveries SET status = 'delivering', attempts = 1, claimed_by = 'crashed',"
                  " last_attempt_at = ?, lease_until = ?, next_attempt_at = NULL WHERE id = ?"_s,
                  {sql::toStoreTime(world.clock.now()), sql::toStoreTime(leaseUntil), deliveryId}));

    QCOMPARE(world.dispatcher->processDue(), 0);
    world.clock.advanceMs(world.config.timeoutMs + world.config.leaseGraceMs - 1);
    QCOMPARE(world.dispatcher->processDue(), 0);
    QCOMPARE(world.receiver.requests().size(), 0);
    world.clock.advanceMs(1);
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(deliveryId, 1));
    const WebhookDelivery state = world.delivery(deliveryId);
    QCOMPARE(state.status, WebhookDeliveryStatus::Delivered);
    QCOMPARE(state.attemptLog.size(), 2);
    QCOMPARE(state.attemptLog.at(0).outcome, WebhookAttempt::Outcome::Interrupted);
    QCOMPARE(state.attemptLog.at(1).outcome, WebhookAttempt::Outcome::Delivered);
    QCOMPARE(world.receiver.requests().constFirst().json().value(u"attempt"_s).toInt(), 1);
}

void TestWebhooks::deletedSessionKeepsItsLog()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    WebhookSpec spec;
    spec.url = world.receiver.url();
    Result<Session> session = world.createSession({spec, spec});
    KEYSTEAD_VERIFY_OK(session);
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::KeyCollected, {}));
    QCOMPARE(world.dispatcher->processDue(), 2);
    QVERIFY(world.waitForRequests(2));
    QTRY_VERIFY_WITH_TIMEOUT(world.allDelivered(session->id), kWaitMs);
    const QString delivered = world.deliveries(session->id).constFirst().id;
    world.clock.advanceSeconds(1);
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::StatusChanged, {}));
    QCOMPARE(world.deliveries(session->id).size(), 4);

    // Nothing in the log holds the session back.
    KEYSTEAD_VERIFY_OK(world.sessions->remove(session->id));

    QCOMPARE(world.dispatcher->processDue(), 0);
    const QList<WebhookDelivery> log = world.deliveries(session->id);
    QCOMPARE(log.size(), 4);
    for (const WebhookDelivery &delivery : log) {
        QVERIFY(delivery.url.isEmpty());
        if (delivery.event == u"status_changed"_s) {
            QCOMPARE(delivery.status, WebhookDeliveryStatus::Failed);
            QVERIFY(delivery.lastError.contains(u"no longer exists"_s));
            QCOMPARE(delivery.attempts, 0);
        } else {
            QCOMPARE(delivery.status, WebhookDeliveryStatus::Delivered);
            QCOMPARE(delivery.attemptLog.size(), 1);
        }
    }
    QCOMPARE(world.receiver.requests().size(), 2);
    QCOMPARE(world.dispatcher->redeliver(delivered).error().kind, Error::Kind::Conflict);
}

void TestWebhooks::signingKeyIsOwnerOnlyAndNeverStored()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    WebhookSpec spec;
    spec.url = world.receiver.url();
    Result<Session> session = world.createSession({spec});
    KEYSTEAD_VERIFY_OK(session);
    const QString webhookId = session->webhookIds.constFirst();

    // Made on first use, owner-only.
    QFile keyFile(world.signer->keyFilePath());
    QVERIFY(!keyFile.exists());
    const QByteArray secret = world.dispatcher->secretFor(webhookId);
    QCOMPARE(secret.size(), 64);
    QVERIFY(keyFile.exists());
    QCOMPARE(keyFile.size(), qint64{WebhookSigner::kKeyBytes});
    QCOMPARE(keyFile.permissions() & ~(QFile::ReadUser | QFile::WriteUser), QFile::ReadOwner | QFile::WriteOwner);
    // Each webhook has its own secret.
    QVERIFY(world.dispatcher->secretFor(QUuid::createUuid().toString(QUuid::WithoutBraces)) != secret);

    // Nothing in the store holds the secret or the key.
    QVERIFY(keyFile.open(QIODevice::ReadOnly));
    const QByteArray key = keyFile.readAll();
    keyFile.close();
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::KeyCollected, {}));
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(world.deliveries(session->id).constFirst().id, 1));
    QSqlDatabase db = world.store->database().connection();
    for (const QString &table : {u"webhook_deliveries"_s, u"webhook_attempts"_s, u"webhook_signing_key"_s,
                                 u"collect_webhooks"_s, u"settings"_s}) {
        Result<QSqlQuery> rows = sql::exec(db, u"SELECT * FROM "_s + table);
        KEYSTEAD_VERIFY_OK(rows);
        while (rows.value().next()) {
            for (int column = 0; column < rows.value().record().count(); ++column) {
                const QByteArray value = rows.value().value(column).toString().toLatin1();
                QVERIFY2(!value.contains(secret) && !value.contains(key.toHex()) && !value.contains(key.toBase64()),
                         qPrintable(table));
            }
        }
    }

    // A key file others may read is refused, and nothing is signed with it.
    QVERIFY(QFile::setPermissions(keyFile.fileName(), QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther));
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::StatusChanged, {}));
    QVERIFY(world.restart());
    Result<QByteArray> refused = world.signer->secretFor(webhookId);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message.contains(u"chmod 600"_s), qPrintable(refused.error().message));
    QVERIFY(world.dispatcher->secretFor(webhookId).isEmpty());
    QCOMPARE(world.dispatcher->processDue(), 0);
    QCOMPARE(world.receiver.requests().size(), 1);

    // Put right, the same key (and so the same secret) is used again.
    QVERIFY(QFile::setPermissions(keyFile.fileName(), QFile::ReadOwner | QFile::WriteOwner));
    QCOMPARE(world.dispatcher->secretFor(webhookId), secret);
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForRequests(2));
    QVERIFY(signatureMatches(world.receiver.requests().constLast(), secret));

    // A key that may have leaked is replaced: new secrets, the old key file is refused from then on.
    QTemporaryDir oldKeyFolder;
    const QString oldKey = oldKeyFolder.filePath(WebhookSigner::kKeyFileName.toString());
    QVERIFY(QFile::copy(keyFile.fileName(), oldKey));
    QVERIFY(QFile::setPermissions(oldKey, QFile::ReadOwner | QFile::WriteOwner));
    KEYSTEAD_VERIFY_OK(world.signer->replaceKey());
    QCOMPARE(keyFile.permissions() & ~(QFile::ReadUser | QFile::WriteUser), QFile::ReadOwner | QFile::WriteOwner);
    const QByteArray replaced = world.dispatcher->secretFor(webhookId);
    QCOMPARE(replaced.size(), 64);
    QVERIFY(replaced != secret);
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::NewConnection, {}));
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForRequests(3));
    QVERIFY(signatureMatches(world.receiver.requests().constLast(), replaced));
    WebhookSigner stale(oldKeyFolder.path(), world.database(), world.clock);
    QCOMPARE(stale.secretFor(webhookId).error().kind, Error::Kind::Conflict);
}

void TestWebhooks::instancesWithDifferentKeysAreRefused()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    WebhookSpec spec;
    spec.url = world.receiver.url();
    Result<Session> session = world.createSession({spec});
    KEYSTEAD_VERIFY_OK(session);
    const QString webhookId = session->webhookIds.constFirst();
    const QByteArray secret = world.dispatcher->secretFor(webhookId);
    QVERIFY(!secret.isEmpty());

    // A second instance on the same store, with a data folder of its own.
    QTemporaryDir otherFolder;
    QVERIFY(otherFolder.isValid());
    Result<std::unique_ptr<Database>> other = world.store->openAgain(world.clock);
    KEYSTEAD_VERIFY_OK(other);
    WebhookSigner stranger(otherFolder.path(), *other.value(), world.clock);
    Result<QByteArray> refused = stranger.secretFor(webhookId);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().kind, Error::Kind::Conflict);
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::KeyCollected, {}));
    {
        WebhookDispatcher strangerDispatcher(*other.value(), world.clock, stranger);
        KEYSTEAD_VERIFY_OK(strangerDispatcher.start(world.config));
        QCOMPARE(strangerDispatcher.processDue(), 0); // left for an instance whose key matches
    }

    // With the first instance's key file copied over, both give the same secret.
    QVERIFY(QFile::remove(stranger.keyFilePath()));
    QVERIFY(QFile::copy(world.signer->keyFilePath(), stranger.keyFilePath()));
    QVERIFY(QFile::setPermissions(stranger.keyFilePath(), QFile::ReadOwner | QFile::WriteOwner));
    Result<QByteArray> shared = stranger.secretFor(webhookId);
    KEYSTEAD_VERIFY_OK(shared);
    QCOMPARE(shared.value(), secret);
}

void TestWebhooks::credentialsAreSentButNeverStored()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    const QList<QByteArray> credentials{"Bearer abc", "kst-9f2c71d4e8", "session=c00k1e-7b3e", "tok-5a8e0c2d",
                                        "pa55-w0rd-41c9"};
    WebhookSpec spec;
    spec.url = world.receiver.url();
    spec.retries = 1;
    spec.initialBackoff = 1;
    spec.headers = QJsonObject{{u"Authorization"_s, QJsonArray{QString::fromLatin1(credentials.at(0))}},
                               {u"x-api-key"_s, QJsonArray{QString::fromLatin1(credentials.at(1))}},
                               {u"Cookie"_s, QJsonArray{QString::fromLatin1(credentials.at(2))}},
                               {u"X-Auth-Token"_s, QJsonArray{QString::fromLatin1(credentials.at(3))}},
                               {u"X-Password"_s, QJsonArray{QString::fromLatin1(credentials.at(4))}},
                               {u"X-Team"_s, QJsonArray{u"blue"_s}}};
    Result<Session> session = world.createSession({spec});
    KEYSTEAD_VERIFY_OK(session);

    // Real changes queue real payloads (the session as the API shows it); the receiver fails once.
    world.receiver.setScript({{Receiver::Action::Answer, 503}});
    Result<QString> connection = world.sessions->connectionOpened(session->id, u"192.0.2.9"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(connection);
    const QString deliveryId = world.deliveries(session->id).constFirst().id;
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(deliveryId, 1));
    world.clock.advanceSeconds(1);
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(deliveryId, 2));
    QCOMPARE(world.delivery(deliveryId).status, WebhookDeliveryStatus::Delivered);

    // The receiver gets the real values, every time.
    QCOMPARE(world.receiver.requests().size(), 2);
    for (const Receiver::Request &request : world.receiver.requests()) {
        QCOMPARE(request.headers.value("authorization"), QByteArray("Bearer abc"));
        QCOMPARE(request.headers.value("x-api-key"), credentials.at(1));
        QCOMPARE(request.headers.value("cookie"), credentials.at(2));
        QCOMPARE(request.headers.value("x-auth-token"), credentials.at(3));
        QCOMPARE(request.headers.value("x-password"), credentials.at(4));
        QCOMPARE(request.headers.value("x-team"), QByteArray("blue"));
        // The payload shows the webhook, its credentials redacted.
        QVERIFY(request.body.contains("[redacted]"));
        for (const QByteArray &credential : credentials)
            QVERIFY2(!request.body.contains(credential), credential.constData());
    }

    // The store, though, holds none of them in plain text, in any column of any table.
    for (const QByteArray &credential : credentials) {
        const QStringList cells = cellsContaining(world.database(), credential);
        QVERIFY2(cells.isEmpty(), qPrintable(QString::fromLatin1(credential) + u": "_s + cells.join(u", "_s)));
    }
    // The scan does see the webhook's row: the sealed values are there.
    QCOMPARE(cellsContaining(world.database(), "sealed:v1:"), QStringList{u"collect_webhooks.headers"_s});
    QCOMPARE(cellsContaining(world.database(), "blue").size(), 2); // the column, and the payload's copy
}

void TestWebhooks::sealedValueCopiedToAnotherWebhookFailsTheAttempt()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    WebhookSpec first;
    first.url = world.receiver.url(u"/first"_s);
    first.headers = QJsonObject{{u"Authorization"_s, QJsonArray{u"Bearer abc"_s}}};
    WebhookSpec second;
    second.url = world.receiver.url(u"/second"_s);
    second.headers = QJsonObject{{u"Authorization"_s, QJsonArray{u"Bearer other"_s}}};
    Result<Session> session = world.createSession({first, second});
    KEYSTEAD_VERIFY_OK(session);

    // Someone with write access to the store copies the first webhook's sealed header onto the second.
    QSqlDatabase db = world.database().connection();
    KEYSTEAD_VERIFY_OK(sql::exec(db,
                                 u"UPDATE collect_webhooks SET headers = (SELECT headers FROM collect_webhooks"
                                 " WHERE id = ?) WHERE id = ?"_s,
                                 {session->webhookIds.at(0), session->webhookIds.at(1)}));
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::KeyCollected, {}));
    QString firstDelivery;
    QString secondDelivery;
    for (const WebhookDelivery &delivery : world.deliveries(session->id))
        (delivery.webhookId == session->webhookIds.at(0) ? firstDelivery : secondDelivery) = delivery.id;

    QCOMPARE(world.dispatcher->processDue(), 2);
    QVERIFY(world.waitForAttempt(firstDelivery, 1));
    QVERIFY(world.waitForAttempt(secondDelivery, 1));
    QCOMPARE(world.delivery(firstDelivery).status, WebhookDeliveryStatus::Delivered);
    // The copy does not open for the second webhook: its attempt fails, and says why.
    const WebhookDelivery failed = world.delivery(secondDelivery);
    QCOMPARE(failed.status, WebhookDeliveryStatus::Failed);
    QCOMPARE(failed.attemptLog.size(), 1);
    QCOMPARE(failed.attemptLog.constFirst().outcome, WebhookAttempt::Outcome::Failed);
    QCOMPARE(failed.attemptLog.constFirst().statusCode, 0);
    QVERIFY2(failed.lastError.contains(u"Authorization header cannot be opened"_s), qPrintable(failed.lastError));
    // Only the first webhook was called; nothing sealed (or copied) left the building.
    QCOMPARE(world.receiver.requests().size(), 1);
    QCOMPARE(world.receiver.requests().constFirst().path, QByteArray("/first"));
    QCOMPARE(world.receiver.requests().constFirst().headers.value("authorization"), QByteArray("Bearer abc"));
}

void TestWebhooks::replacedSigningKeyFailsTheAttemptCleanly()
{
    QFETCH(QString, backend);
    World world;
    QVERIFY(world.open(backend));
    WebhookSpec spec;
    spec.url = world.receiver.url();
    spec.retries = 1;
    spec.initialBackoff = 5;
    spec.headers = QJsonObject{{u"Authorization"_s, QJsonArray{u"Bearer abc"_s}}, {u"X-Team"_s, QJsonArray{u"blue"_s}}};
    Result<Session> session = world.createSession({spec});
    KEYSTEAD_VERIFY_OK(session);
    const QString webhookId = session->webhookIds.constFirst();

    // The key may have leaked and is replaced: the sealed header no longer opens.
    KEYSTEAD_VERIFY_OK(world.signer->replaceKey());
    KEYSTEAD_VERIFY_OK(world.trigger(session->id, WebhookEvent::StatusChanged, {}));
    const QString deliveryId = world.deliveries(session->id).constFirst().id;
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(deliveryId, 1));
    WebhookDelivery state = world.delivery(deliveryId);
    QCOMPARE(state.status, WebhookDeliveryStatus::Pending); // one retry left
    QCOMPARE(state.attemptLog.constFirst().outcome, WebhookAttempt::Outcome::Failed);
    QVERIFY2(state.lastError.contains(u"signing key was replaced"_s), qPrintable(state.lastError));
    QVERIFY(!state.lastError.contains(u"sealed:"_s));
    // Nothing was sent: not the sealed text, and not a request without the credential.
    QTest::qWait(100);
    QCOMPARE(world.receiver.requests().size(), 0);

    // The operator enters the value again; the retry goes out with it, signed with the new key.
    CollectSessionPatch patch;
    CollectWebhook webhook = world.sessions->get(session->id)->webhooks.constFirst();
    webhook.headers.insert(u"Authorization"_s, {u"Bearer abc"_s});
    patch.webhooks = QList<CollectWebhook>{webhook};
    KEYSTEAD_VERIFY_OK(world.sessions->update(session->id, patch));
    world.clock.advanceSeconds(5);
    QCOMPARE(world.dispatcher->processDue(), 1);
    QVERIFY(world.waitForAttempt(deliveryId, 2));
    QCOMPARE(world.delivery(deliveryId).status, WebhookDeliveryStatus::Delivered);
    QCOMPARE(world.receiver.requests().size(), 1);
    const Receiver::Request &request = world.receiver.requests().constFirst();
    QCOMPARE(request.headers.value("authorization"), QByteArray("Bearer abc"));
    QCOMPARE(request.headers.value("x-team"), QByteArray("blue"));
    QVERIFY(signatureMatches(request, world.signer->secretFor(webhookId).value()));
}

QTEST_GUILESS_MAIN(TestWebhooks)
#include "tst_webhooks.moc"
