#include "HttpTestClient.h"
#include "TestDatabase.h"
#include "TestVault.h"

#include "api/ApiEndpoint.h"
#include "api/ApiRouter.h"
#include "api/SystemController.h"
#include "api/TokenService.h"
#include "api/WebhookController.h"
#include "collect/CollectService.h"
#include "collect/WebhookDeliveryLog.h"
#include "collect/WebhookDispatcher.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "collect/WebhookSigner.h"
#include "store/Sql.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <algorithm>
#include <functional>
#include <memory>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

namespace {

constexpr int kWaitMs = 20'000;

// A webhook receiver on 127.0.0.1 that answers 200 to every request and keeps what it got.
class Receiver final : public QObject
{
public:
    struct Request
    {
        QHash<QByteArray, QByteArray> headers; // names in lower case
        QByteArray body;
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
    QString url() const { return u"http://127.0.0.1:%1/hook"_s.arg(m_server.serverPort()); }
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
        socket->write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        socket->disconnectFromHost();
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<Request> m_requests;
};

} // namespace

// The webhook routes of the collect family over real HTTP: a webhook's signing
// secret, a session's delivery log, sending a delivery again. Deliveries go to
// a real receiver through the real dispatcher.
class TestWebhookApi final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void secretSignsRealDeliveries();
    void secretOfUnknownSessionOrWebhookIs404();
    void secretWithoutAUsableKeyIs503();
    void deliveriesAreListedNewestFirst();
    void deliveriesOfUnknownSessionIs404();
    void redeliverAnswers202WithTheNewDelivery();
    void redeliverRefusals();
    void everyRouteNeedsAToken_data();
    void everyRouteNeedsAToken();
    void openApiDescribesTheRoutes();

private:
    QUrl url(const QString &path) const { return QUrl(m_endpoint->url() + path); }
    HeaderList auth() const { return {{"Authorization", "Bearer " + m_token}}; }
    HttpReply call(const QByteArray &method, const QString &path) { return httpRequest(method, url(path), {}, auth()); }
    static QString sessionPath(const QString &id) { return kSessions + u'/' + id; }
    // A session with one webhook per URL given, as the API would make it.
    CollectSession createSession(const QStringList &webhookUrls)
    {
        CollectSessionInput input;
        input.multiConnection = true;
        for (const QString &webhookUrl : webhookUrls) {
            CollectWebhook webhook;
            webhook.url = webhookUrl;
            webhook.headers.insert(u"Authorization"_s, {u"Bearer abc"_s});
            input.webhooks.append(webhook);
        }
        Result<CollectSession> created = m_service->create(input);
        if (!created)
            qWarning("cannot create a session: %s", qPrintable(created.error().message));
        return created ? created.value() : CollectSession();
    }
    // One new_connection delivery per webhook of the session.
    bool openConnection(const QString &sessionId)
    {
        return m_service->connectionOpened(sessionId, u"192.0.2.1"_s, u"SSH-2.0-OpenSSH_9.2"_s).ok();
    }
    bool waitUntilFinished(const QString &deliveryId)
    {
        QDeadlineTimer deadline(kWaitMs);
        while (!deadline.hasExpired()) {
            Result<WebhookDelivery> delivery = m_log->delivery(deliveryId);
            if (delivery
                && (delivery->status == WebhookDeliveryStatus::Delivered
                    || delivery->status == WebhookDeliveryStatus::Failed))
                return true;
            QTest::qWait(20);
        }
        return false;
    }

    inline static const QString kSessions = u"/api/v1/ssh/collect/sessions"_s;
    ManualClock m_clock;
    std::unique_ptr<Receiver> m_receiver;
    std::unique_ptr<TestDatabase> m_store;
    std::unique_ptr<TokenService> m_tokens;
    std::unique_ptr<ApiRouter> m_router;
    std::unique_ptr<SystemController> m_system;
    std::unique_ptr<WebhookOutbox> m_outbox;
    std::unique_ptr<keystead::test::TestVault> m_vault;
    std::unique_ptr<WebhookSigner> m_signer;
    std::unique_ptr<WebhookHeaderSeal> m_seal;
    std::unique_ptr<WebhookDispatcher> m_dispatcher;
    std::unique_ptr<WebhookDeliveryLog> m_log;
    std::unique_ptr<CollectService> m_service;
    std::unique_ptr<WebhookController> m_controller;
    std::unique_ptr<ApiEndpoint> m_endpoint;
    QByteArray m_token;
};

void TestWebhookApi::init()
{
    m_receiver = std::make_unique<Receiver>();
    QVERIFY(m_receiver->listen());
    m_store = TestDatabase::create(m_clock);
    QVERIFY(m_store);
    Database &database = m_store->database();
    m_tokens = std::make_unique<TokenService>(database);
    m_router = std::make_unique<ApiRouter>(*m_tokens, m_clock);
    m_system = std::make_unique<SystemController>(*m_router);
    m_outbox = std::make_unique<WebhookOutbox>(database, m_clock);
    m_vault = std::make_unique<keystead::test::TestVault>(database, m_clock, m_store->dataDir());
    m_signer = std::make_unique<WebhookSigner>(m_store->dataDir(), database, m_vault->vault());
    m_seal = std::make_unique<WebhookHeaderSeal>(*m_signer);
    m_dispatcher = std::make_unique<WebhookDispatcher>(database, m_clock, *m_signer);
    m_log = std::make_unique<WebhookDeliveryLog>(database);
    m_service = std::make_unique<CollectService>(database, m_clock, *m_outbox, *m_seal);
    m_controller = std::make_unique<WebhookController>(*m_router, *m_service, *m_signer, *m_log, *m_dispatcher);
    m_endpoint = std::make_unique<ApiEndpoint>(*m_router, database);
    WebhookDispatcherConfig dispatch;
    dispatch.pollIntervalMs = 0; // the test decides when due deliveries go
    dispatch.timeoutMs = 4'000;
    KEYSTEAD_VERIFY_OK(m_dispatcher->start(dispatch));
    const Result<NewApiToken> made = m_tokens->create(u"tester"_s);
    KEYSTEAD_VERIFY_OK(made);
    m_token = made->secret.toLatin1();
    EndpointConfig config;
    config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    KEYSTEAD_VERIFY_OK(m_endpoint->start(config));
}

void TestWebhookApi::cleanup()
{
    // Threads that call into the others go first.
    m_endpoint.reset();
    m_dispatcher.reset();
    m_controller.reset();
    m_service.reset();
    m_log.reset();
    m_seal.reset();
    m_signer.reset();
    m_vault.reset();
    m_outbox.reset();
    m_system.reset();
    m_router.reset();
    m_tokens.reset();
    m_store.reset();
    m_receiver.reset();
}

void TestWebhookApi::secretSignsRealDeliveries()
{
    const CollectSession session = createSession({m_receiver->url()});
    QCOMPARE(session.webhooks.size(), 1);
    const QString webhookId = session.webhooks.constFirst().id;

    const HttpReply reply = call("GET", sessionPath(session.id) + u"/webhooks/"_s + webhookId + u"/secret/"_s);
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.header("content-type"), QByteArray("application/json"));
    QCOMPARE(reply.header("cache-control"), QByteArray("no-store"));
    const QJsonObject answer = reply.json().object();
    QCOMPARE(answer.keys(), (QStringList{u"algorithm"_s, u"header"_s, u"secret"_s}));
    QCOMPARE(answer.value(u"algorithm"_s).toString(), u"HMAC-SHA256"_s);
    QCOMPARE(answer.value(u"header"_s).toString(), u"X-Keystead-Signature"_s);
    const QString secret = answer.value(u"secret"_s).toString();
    QVERIFY2(QRegularExpression(u"^[0-9a-f]{64}$"_s).match(secret).hasMatch(), qPrintable(secret));
    QCOMPARE(secret.toLatin1(), m_signer->secretFor(webhookId).value());
    // Without the trailing slash too.
    QCOMPARE(call("GET", sessionPath(session.id) + u"/webhooks/"_s + webhookId + u"/secret"_s).json().object(), answer);

    // A receiver holding that secret trusts a real delivery, and no other body.
    QVERIFY(openConnection(session.id));
    QCOMPARE(m_dispatcher->processDue(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->requests().size(), 1, kWaitMs);
    const Receiver::Request &request = m_receiver->requests().constFirst();
    const QByteArray expected = "sha256="
        + QMessageAuthenticationCode::hash(request.body, secret.toLatin1(), QCryptographicHash::Sha256).toHex();
    QCOMPARE(request.headers.value("x-keystead-signature"), expected);
    QCOMPARE(request.headers.value("authorization"), QByteArray("Bearer abc"));
    QByteArray changed = request.body;
    changed.replace("new_connection", "key_collected");
    QVERIFY(QMessageAuthenticationCode::hash(changed, secret.toLatin1(), QCryptographicHash::Sha256).toHex()
            != expected.mid(7));
}

void TestWebhookApi::secretOfUnknownSessionOrWebhookIs404()
{
    const CollectSession session = createSession({m_receiver->url()});
    const CollectSession other = createSession({m_receiver->url()});
    const QString webhookId = session.webhooks.constFirst().id;
    const QStringList paths{
        sessionPath(u"no-such-session"_s) + u"/webhooks/"_s + webhookId + u"/secret"_s,
        sessionPath(session.id) + u"/webhooks/no-such-webhook/secret"_s,
        // A webhook of another session is not this session's.
        sessionPath(other.id) + u"/webhooks/"_s + webhookId + u"/secret"_s,
    };
    for (const QString &path : paths) {
        const HttpReply reply = call("GET", path);
        QCOMPARE(reply.status, 404);
        QCOMPARE(reply.header("content-type"), QByteArray("application/problem+json"));
        const QJsonObject problem = reply.json().object();
        QCOMPARE(problem.value(u"status"_s).toInt(), 404);
        QCOMPARE(problem.value(u"title"_s).toString(), u"Not Found"_s);
        QVERIFY(!problem.value(u"detail"_s).toString().isEmpty());
        QVERIFY(!reply.body.contains(m_signer->secretFor(webhookId).value()));
    }
}

void TestWebhookApi::secretWithoutAUsableKeyIs503()
{
    // No credential headers: nothing has loaded the signing key yet.
    Result<CollectSession> created = m_service->create([this] {
        CollectSessionInput input;
        CollectWebhook webhook;
        webhook.url = m_receiver->url();
        input.webhooks = {webhook};
        return input;
    }());
    KEYSTEAD_VERIFY_OK(created);
    // An older version's key file others may read is not sealed into the vault.
    QFile keyFile(m_signer->legacyKeyFilePath());
    QVERIFY(keyFile.open(QIODevice::WriteOnly));
    QCOMPARE(keyFile.write(QByteArray(WebhookSigner::kKeyBytes, 'k')), qint64{WebhookSigner::kKeyBytes});
    keyFile.close();
    QVERIFY(keyFile.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup));

    const QString path = sessionPath(created->id) + u"/webhooks/"_s + created->webhooks.constFirst().id + u"/secret"_s;
    HttpReply reply = call("GET", path);
    QCOMPARE(reply.status, 503);
    QCOMPARE(reply.header("content-type"), QByteArray("application/problem+json"));
    const QJsonObject problem = reply.json().object();
    QCOMPARE(problem.value(u"status"_s).toInt(), 503);
    QVERIFY2(problem.value(u"detail"_s).toString().contains(u"chmod 600"_s), reply.body.constData());
    QVERIFY(!problem.contains(u"secret"_s));

    // Put right, the secret is there.
    QVERIFY(keyFile.setPermissions(QFile::ReadOwner | QFile::WriteOwner));
    reply = call("GET", path);
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json().object().value(u"secret"_s).toString().size(), 64);
}

void TestWebhookApi::deliveriesAreListedNewestFirst()
{
    const CollectSession session = createSession({m_receiver->url(), m_receiver->url()});
    const CollectSession quiet = createSession({});

    QVERIFY(openConnection(session.id)); // two deliveries, one per webhook
    QCOMPARE(m_dispatcher->processDue(), 2);
    const Result<QList<WebhookDelivery>> sent = m_log->deliveriesForSession(session.id);
    KEYSTEAD_VERIFY_OK(sent);
    for (const WebhookDelivery &delivery : sent.value())
        QVERIFY(waitUntilFinished(delivery.id));
    m_clock.advanceSeconds(10);
    KEYSTEAD_VERIFY_OK(m_service->complete(session.id)); // two more, still pending

    const HttpReply reply = call("GET", sessionPath(session.id) + u"/deliveries/"_s);
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.header("content-type"), QByteArray("application/json"));
    const QJsonArray deliveries = reply.json().array();
    QCOMPARE(deliveries.size(), 4);
    QStringList created;
    for (const QJsonValue &value : deliveries) {
        const QJsonObject delivery = value.toObject();
        QCOMPARE(delivery.value(u"session_id"_s).toString(), session.id);
        created.append(delivery.value(u"created_at"_s).toString());
        // What WebhookDeliveryLog shows the panel, field for field.
        const Result<WebhookDelivery> logged = m_log->delivery(delivery.value(u"id"_s).toString());
        KEYSTEAD_VERIFY_OK(logged);
        QCOMPARE(delivery, logged->toJson());
    }
    QStringList newestFirst = created;
    std::sort(newestFirst.begin(), newestFirst.end(), std::greater<>());
    QCOMPARE(created, newestFirst);
    QCOMPARE(deliveries.at(0).toObject().value(u"event"_s).toString(), u"status_changed"_s);
    QCOMPARE(deliveries.at(0).toObject().value(u"status"_s).toString(), u"pending"_s);
    QCOMPARE(deliveries.at(0).toObject().value(u"attempt_log"_s).toArray(), QJsonArray());
    // The older two were sent: each shows its attempt.
    for (qsizetype i = 2; i < 4; ++i) {
        const QJsonObject delivery = deliveries.at(i).toObject();
        QCOMPARE(delivery.value(u"event"_s).toString(), u"new_connection"_s);
        QCOMPARE(delivery.value(u"status"_s).toString(), u"delivered"_s);
        const QJsonArray attempts = delivery.value(u"attempt_log"_s).toArray();
        QCOMPARE(attempts.size(), 1);
        QCOMPARE(attempts.at(0).toObject().value(u"outcome"_s).toString(), u"delivered"_s);
        QCOMPARE(attempts.at(0).toObject().value(u"status_code"_s).toInt(), 200);
    }
    // Nothing in the log shows the credential header's value.
    QVERIFY(!reply.body.contains("Bearer abc"));

    // A session without webhooks has an empty log.
    const HttpReply empty = call("GET", sessionPath(quiet.id) + u"/deliveries"_s);
    QCOMPARE(empty.status, 200);
    QCOMPARE(empty.json().array(), QJsonArray());
}

void TestWebhookApi::deliveriesOfUnknownSessionIs404()
{
    const HttpReply reply = call("GET", sessionPath(u"no-such-session"_s) + u"/deliveries"_s);
    QCOMPARE(reply.status, 404);
    QCOMPARE(reply.header("content-type"), QByteArray("application/problem+json"));
    QCOMPARE(reply.json().object().value(u"status"_s).toInt(), 404);
}

void TestWebhookApi::redeliverAnswers202WithTheNewDelivery()
{
    const CollectSession session = createSession({m_receiver->url()});
    QVERIFY(openConnection(session.id));
    QCOMPARE(m_dispatcher->processDue(), 1);
    const QString original = m_log->deliveriesForSession(session.id)->constFirst().id;
    QVERIFY(waitUntilFinished(original));
    m_clock.advanceSeconds(60);

    const HttpReply reply = call("POST", sessionPath(session.id) + u"/deliveries/"_s + original + u"/redeliver/"_s);
    QCOMPARE(reply.status, 202);
    QCOMPARE(reply.header("content-type"), QByteArray("application/json"));
    const QJsonObject fresh = reply.json().object();
    const QString freshId = fresh.value(u"id"_s).toString();
    QVERIFY(!freshId.isEmpty());
    QVERIFY(freshId != original);
    QCOMPARE(fresh.value(u"redelivery_of"_s).toString(), original);
    QCOMPARE(fresh.value(u"session_id"_s).toString(), session.id);
    QCOMPARE(fresh.value(u"webhook_id"_s).toString(), session.webhooks.constFirst().id);
    QCOMPARE(fresh.value(u"event"_s).toString(), u"new_connection"_s);
    QVERIFY(fresh.value(u"webhook_invocation_id"_s).toString() != m_log->delivery(original)->invocationId);
    // Already woken, the dispatcher may have claimed it, or (on a busy machine,
    // where the answer is read after the delivery ran) sent it by now.
    const QString status = fresh.value(u"status"_s).toString();
    QVERIFY2(status == u"pending"_s || status == u"delivering"_s || status == u"delivered"_s, reply.body.constData());

    // It is in the log, newest first, and goes out (redeliver wakes the dispatcher).
    const QJsonArray log = call("GET", sessionPath(session.id) + u"/deliveries"_s).json().array();
    QCOMPARE(log.size(), 2);
    QCOMPARE(log.at(0).toObject().value(u"id"_s).toString(), freshId);
    QVERIFY(waitUntilFinished(freshId));
    QCOMPARE(m_log->delivery(freshId)->status, WebhookDeliveryStatus::Delivered);
    QCOMPARE(m_receiver->requests().size(), 2);
}

void TestWebhookApi::redeliverRefusals()
{
    const CollectSession session = createSession({m_receiver->url()});
    const CollectSession other = createSession({m_receiver->url()});
    QVERIFY(openConnection(session.id));
    const QString pending = m_log->deliveriesForSession(session.id)->constFirst().id;
    const auto redeliver = [this](const QString &sessionId, const QString &deliveryId) {
        return call("POST", sessionPath(sessionId) + u"/deliveries/"_s + deliveryId + u"/redeliver"_s);
    };

    // Still being tried: 409.
    HttpReply reply = redeliver(session.id, pending);
    QCOMPARE(reply.status, 409);
    QCOMPARE(reply.header("content-type"), QByteArray("application/problem+json"));
    QCOMPARE(reply.json().object().value(u"status"_s).toInt(), 409);
    // Unknown, or another session's: 404.
    for (const auto &[sessionId, deliveryId] :
         {std::pair{session.id, u"no-such-delivery"_s}, std::pair{other.id, pending},
          std::pair{u"no-such-session"_s, pending}}) {
        reply = redeliver(sessionId, deliveryId);
        QCOMPARE(reply.status, 404);
        QCOMPARE(reply.header("content-type"), QByteArray("application/problem+json"));
    }
    QCOMPARE(m_log->deliveriesForSession(session.id)->size(), 1);

    // Its webhook removed from the session: nothing to send it to, 409.
    QCOMPARE(m_dispatcher->processDue(), 1);
    QVERIFY(waitUntilFinished(pending));
    CollectSessionPatch patch;
    patch.webhooks = QList<CollectWebhook>();
    KEYSTEAD_VERIFY_OK(m_service->update(session.id, patch));
    reply = redeliver(session.id, pending);
    QCOMPARE(reply.status, 409);
    QVERIFY(reply.json().object().value(u"detail"_s).toString().contains(u"no longer exists"_s));
    QCOMPARE(m_log->deliveriesForSession(session.id)->size(), 1);
}

void TestWebhookApi::everyRouteNeedsAToken_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::newRow("secret") << QByteArray("GET") << u"/webhooks/WEBHOOK/secret"_s;
    QTest::newRow("deliveries") << QByteArray("GET") << u"/deliveries"_s;
    QTest::newRow("redeliver") << QByteArray("POST") << u"/deliveries/DELIVERY/redeliver"_s;
}

void TestWebhookApi::everyRouteNeedsAToken()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    const CollectSession session = createSession({m_receiver->url()});
    QVERIFY(openConnection(session.id));
    QCOMPARE(m_dispatcher->processDue(), 1);
    const QString delivery = m_log->deliveriesForSession(session.id)->constFirst().id;
    QVERIFY(waitUntilFinished(delivery));
    const QString full = sessionPath(session.id)
        + QString(path).replace(u"WEBHOOK"_s, session.webhooks.constFirst().id).replace(u"DELIVERY"_s, delivery);

    for (const HeaderList &headers : {HeaderList{}, HeaderList{{"Authorization", "Bearer kst_not-a-token"}}}) {
        const HttpReply reply = httpRequest(method, url(full), {}, headers);
        QCOMPARE(reply.status, 401);
        QCOMPARE(reply.header("content-type"), QByteArray("application/problem+json"));
        QVERIFY(!reply.body.contains(m_signer->secretFor(session.webhooks.constFirst().id).value()));
    }
    // Nothing was sent again.
    QCOMPARE(m_log->deliveriesForSession(session.id)->size(), 1);
    // With the token it works.
    QCOMPARE(call(method, full).status, method == "POST" ? 202 : 200);
}

void TestWebhookApi::openApiDescribesTheRoutes()
{
    const HttpReply reply = call("GET", u"/api/openapi.json"_s);
    QCOMPARE(reply.status, 200);
    const QJsonObject document = reply.json().object();
    const QJsonObject paths = document.value(u"paths"_s).toObject();
    struct Route
    {
        QString path;
        QString method;
        QStringList statuses;
    };
    const QList<Route> routes{
        {kSessions + u"/{session}/webhooks/{webhook}/secret"_s, u"get"_s, {u"200"_s, u"401"_s, u"404"_s, u"503"_s}},
        {kSessions + u"/{session}/deliveries"_s, u"get"_s, {u"200"_s, u"401"_s, u"404"_s}},
        {kSessions + u"/{session}/deliveries/{delivery}/redeliver"_s,
         u"post"_s,
         {u"202"_s, u"401"_s, u"404"_s, u"409"_s}},
    };
    for (const Route &route : routes) {
        const QJsonObject operation = paths.value(route.path).toObject().value(route.method).toObject();
        QVERIFY2(!operation.isEmpty(), qPrintable(route.path));
        const QJsonObject responses = operation.value(u"responses"_s).toObject();
        for (const QString &status : route.statuses)
            QVERIFY2(responses.contains(status), qPrintable(route.path + u' ' + status));
    }
    // The schemas name every field the routes answer with.
    const QJsonObject schemas = document.value(u"components"_s).toObject().value(u"schemas"_s).toObject();
    const QJsonObject secretSchema = schemas.value(u"WebhookSecret"_s).toObject().value(u"properties"_s).toObject();
    for (const QString &field : {u"secret"_s, u"algorithm"_s, u"header"_s})
        QVERIFY2(secretSchema.contains(field), qPrintable(field));
    const CollectSession session = createSession({m_receiver->url()});
    QVERIFY(openConnection(session.id));
    QCOMPARE(m_dispatcher->processDue(), 1);
    const QString id = m_log->deliveriesForSession(session.id)->constFirst().id;
    QVERIFY(waitUntilFinished(id));
    const QJsonObject delivery = m_log->delivery(id)->toJson();
    const QJsonObject deliverySchema = schemas.value(u"WebhookDelivery"_s).toObject().value(u"properties"_s).toObject();
    for (auto it = delivery.constBegin(); it != delivery.constEnd(); ++it)
        QVERIFY2(deliverySchema.contains(it.key()), qPrintable(it.key()));
    const QJsonObject attemptSchema = schemas.value(u"WebhookAttempt"_s).toObject().value(u"properties"_s).toObject();
    const QJsonObject attempt = delivery.value(u"attempt_log"_s).toArray().first().toObject();
    QVERIFY(!attempt.isEmpty());
    for (auto it = attempt.constBegin(); it != attempt.constEnd(); ++it)
        QVERIFY2(attemptSchema.contains(it.key()), qPrintable(it.key()));
}

QTEST_GUILESS_MAIN(TestWebhookApi)
#include "tst_webhook_api.moc"
