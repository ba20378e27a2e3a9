#include "WebhookWorld.h"

#include "ssh/SshPublicKey.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QtTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

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

QTEST_GUILESS_MAIN(TestWebhooks)
#include "tst_webhooks.moc"
