#pragma once

// The world of the webhook tests: a store, a signer sealed in a test vault, a
// dispatcher, the session service and a real HTTP receiver.

#include "TestDatabase.h"
#include "TestVault.h"

#include "collect/CollectService.h"
#include "collect/WebhookDeliveryLog.h"
#include "collect/WebhookDispatcher.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "collect/WebhookSigner.h"
#include "store/Sql.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QSqlRecord>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrl>
#include <QtTest>

#include <algorithm>
#include <memory>

namespace keystead::test {

using namespace Qt::StringLiterals;

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
    std::unique_ptr<TestVault> vault;
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
        vault = std::make_unique<TestVault>(database(), clock, store->dataDir());
        signer = std::make_unique<WebhookSigner>(store->dataDir(), database(), vault->vault());
        seal = std::make_unique<WebhookHeaderSeal>(*signer);
        sessions = std::make_unique<CollectService>(store->database(), clock, *outbox, *seal);
        dispatcher = std::make_unique<WebhookDispatcher>(database(), clock, *signer);
        return dispatcher->start(config).ok();
    }

    // Everything of the old dispatcher goes, as when Keystead exits; the new
    // one opens the store anew and reads the signing key from the vault again.
    bool restart()
    {
        dispatcher.reset();
        sessions.reset();
        seal.reset();
        signer.reset();
        vault.reset();
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

    // open(), and a session with one webhook that calls the receiver.
    Result<Session> openWithOneWebhook(const QString &backend)
    {
        if (!open(backend))
            return Error::unavailable(u"cannot open the %1 store or the receiver"_s.arg(backend));
        WebhookSpec spec;
        spec.url = receiver.url();
        return createSession({spec});
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
inline QStringList cellsContaining(Database &database, const QByteArray &needle)
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

inline bool signatureMatches(const Receiver::Request &request, const QByteArray &secret)
{
    const QByteArray expected
        = "sha256=" + QMessageAuthenticationCode::hash(request.body, secret, QCryptographicHash::Sha256).toHex();
    return request.headers.value("x-keystead-signature") == expected;
}

} // namespace keystead::test
