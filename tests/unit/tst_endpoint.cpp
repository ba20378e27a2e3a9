#include "ApiTestSupport.h"

#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// The endpoint for real: a listener on 127.0.0.1 in its own thread, spoken to
// by a real HTTP client and, for what clients would not send, raw TCP.
class TestEndpoint final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void servesHealthAndOpenApi();
    void refusesWithoutToken();
    void wrongMethodIs405();
    void oversizedBodyRefusedBeforeItArrives();
    void oversizedChunkedBodyIs413();
    void answersExpectContinue();
    void stalledRequestIsCutOff();
    void keepAliveServesSeveralRequests();
    void handlersRunOffTheCallerThread();
    void stopClosesThePort();
    void servesTls();
    void badTlsFilesFailToStart();
    void busyPortFailsClearly();

private:
    Status start(EndpointConfig config = {})
    {
        config.requestTimeoutMs = 400;
        return m_core->startEndpoint(config);
    }
    QUrl url(const QString &path) const { return m_core->url(path); }
    HeaderList auth() const { return {{"Authorization", "Bearer " + m_core->writer}}; }

    std::unique_ptr<ApiTestCore> m_core;
    Qt::HANDLE m_handlerThread = nullptr;
};

void TestEndpoint::init()
{
    m_core = ApiTestCore::create();
    QVERIFY(m_core);
    m_core->router->addRoute(
        "POST", u"/api/echo"_s,
        [this](const HttpRequest &request) {
            m_handlerThread = QThread::currentThreadId();
            return HttpResponse::json(200, QJsonDocument(QJsonObject{{u"bytes"_s, request.body.size()}}));
        },
        {.body = RouteBody::JsonRequired});
}

void TestEndpoint::cleanup()
{
    m_core.reset();
}

void TestEndpoint::servesHealthAndOpenApi()
{
    QSignalSpy states(m_core->endpoint.get(), &ApiEndpoint::stateChanged);
    KEYSTEAD_VERIFY_OK(start());
    QCOMPARE(m_core->endpoint->state(), ApiEndpoint::State::Running);
    QCOMPARE(states.count(), 1);
    QVERIFY(m_core->endpoint->url().startsWith(u"http://127.0.0.1:"_s));

    const HttpReply health = httpRequest("GET", url(u"/api/health"_s));
    QCOMPARE(health.status, 200);
    QCOMPARE(health.json().object().value(u"status"_s).toString(), u"ok"_s);

    const HttpReply document = httpRequest("GET", url(u"/api/openapi.json"_s), {}, auth());
    QCOMPARE(document.status, 200);
    QVERIFY(document.header("content-type").startsWith("application/vnd.oai.openapi+json"));
    QCOMPARE(document.header("cache-control"), QByteArray("no-store"));
    const QJsonObject openApi = document.json().object();
    QVERIFY(openApi.value(u"openapi"_s).toString().startsWith(u"3."_s));
    QVERIFY(openApi.value(u"paths"_s).toObject().contains(u"/api/health"_s));
}

void TestEndpoint::refusesWithoutToken()
{
    KEYSTEAD_VERIFY_OK(start());
    const HttpReply reply = httpRequest("GET", url(u"/api/openapi.json"_s));
    QCOMPARE(reply.status, 401);
    QCOMPARE(reply.header("content-type"), QByteArray("application/problem+json"));
    QCOMPARE(reply.json().object().value(u"status"_s).toInt(), 401);
    const HttpReply wrong = httpRequest("GET", url(u"/api/openapi.json"_s), {}, {{"x-api-key", "kst_wrong"}});
    QCOMPARE(wrong.status, 401);
}

void TestEndpoint::wrongMethodIs405()
{
    KEYSTEAD_VERIFY_OK(start());
    const HttpReply reply = httpRequest("DELETE", url(u"/api/openapi.json"_s), {}, auth());
    QCOMPARE(reply.status, 405);
    QCOMPARE(reply.header("allow"), QByteArray("GET"));
    QCOMPARE(reply.header("content-type"), QByteArray("application/problem+json"));
}

void TestEndpoint::oversizedBodyRefusedBeforeItArrives()
{
    KEYSTEAD_VERIFY_OK(start());
    // Only the headers are sent: the answer must come without waiting for 2 MB.
    const QByteArray answer
        = rawExchange(m_core->endpoint->port(),
                      "POST /api/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + m_core->writer
                          + "\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n{\"a\":");
    QVERIFY2(answer.startsWith("HTTP/1.1 413"), answer.constData());
    QVERIFY(answer.contains("application/problem+json"));
    QVERIFY(answer.contains("Connection: close"));

    // And through a real client sending the whole 2 MB.
    const HttpReply reply = httpRequest("POST", url(u"/api/echo"_s), QByteArray(2 * 1024 * 1024, ' '), auth());
    QCOMPARE(reply.status, 413);
    // A body just under the limit is fine.
    QByteArray justUnder = "{\"a\":\"" + QByteArray(1024 * 1024 - 16, 'x') + "\"}";
    QCOMPARE(httpRequest("POST", url(u"/api/echo"_s), justUnder, auth()).status, 200);
}

void TestEndpoint::oversizedChunkedBodyIs413()
{
    KEYSTEAD_VERIFY_OK(start());
    QByteArray request = "POST /api/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + m_core->writer
        + "\r\nTransfer-Encoding: chunked\r\n\r\n";
    const QByteArray chunk(256 * 1024, 'x');
    for (int i = 0; i < 5; ++i)
        request += QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n";
    request += "0\r\n\r\n";
    const QByteArray answer = rawExchange(m_core->endpoint->port(), request);
    QVERIFY2(answer.startsWith("HTTP/1.1 413"), answer.left(200).constData());

    // A small chunked body passes the guard and reaches the handler whole.
    const QByteArray small = "POST /api/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + m_core->writer
        + "\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n";
    const QByteArray ok = rawExchange(m_core->endpoint->port(), small);
    QVERIFY2(ok.startsWith("HTTP/1.1 200"), ok.constData());
}

void TestEndpoint::answersExpectContinue()
{
    KEYSTEAD_VERIFY_OK(start());
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_core->endpoint->port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write("POST /api/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + m_core->writer
                 + "\r\nContent-Length: 7\r\nExpect: 100-continue\r\n\r\n");
    QVERIFY(socket.waitForReadyRead(5000));
    QCOMPARE(socket.readAll(), QByteArray("HTTP/1.1 100 Continue\r\n\r\n"));
    socket.write("{\"a\":1}");
    QByteArray answer;
    for (int i = 0; i < 50 && !answer.contains("\r\n\r\n{"); ++i) {
        if (socket.waitForReadyRead(100))
            answer += socket.readAll();
    }
    QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
}

void TestEndpoint::stalledRequestIsCutOff()
{
    KEYSTEAD_VERIFY_OK(start());
    QElapsedTimer elapsed;
    elapsed.start();
    // Headers never finish: the 400 ms request timeout must end the exchange.
    const QByteArray answer = rawExchange(m_core->endpoint->port(), "GET /api/health HTTP/1.1\r\nHost: x\r\n", 10'000);
    QVERIFY2(answer.startsWith("HTTP/1.1 408"), answer.constData());
    QVERIFY2(elapsed.elapsed() < 9000, "the server must close the stalled connection itself");
}

void TestEndpoint::keepAliveServesSeveralRequests()
{
    KEYSTEAD_VERIFY_OK(start());
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_core->endpoint->port());
    QVERIFY(socket.waitForConnected(5000));
    for (int round = 0; round < 3; ++round) {
        socket.write("POST /api/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + m_core->writer
                     + "\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
        QByteArray answer;
        for (int i = 0; i < 50 && !answer.contains("{\"bytes\":7}"); ++i) {
            if (socket.waitForReadyRead(100))
                answer += socket.readAll();
        }
        QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
    }
}

void TestEndpoint::handlersRunOffTheCallerThread()
{
    KEYSTEAD_VERIFY_OK(start());
    QCOMPARE(httpRequest("POST", url(u"/api/echo"_s), "{}", auth()).status, 200);
    QVERIFY(m_handlerThread != nullptr);
    QVERIFY(m_handlerThread != QThread::currentThreadId());
}

void TestEndpoint::stopClosesThePort()
{
    KEYSTEAD_VERIFY_OK(start());
    const quint16 port = m_core->endpoint->port();
    QSignalSpy states(m_core->endpoint.get(), &ApiEndpoint::stateChanged);
    m_core->endpoint->stop();
    QCOMPARE(m_core->endpoint->state(), ApiEndpoint::State::Stopped);
    QCOMPARE(states.count(), 1);
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(!socket.waitForConnected(2000));
    // And it starts again.
    KEYSTEAD_VERIFY_OK(start());
    QCOMPARE(httpRequest("GET", url(u"/api/health"_s)).status, 200);
}

void TestEndpoint::servesTls()
{
    QTemporaryDir dir;
    QProcess openssl;
    openssl.start(u"openssl"_s,
                  {u"req"_s, u"-x509"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s, u"ec_paramgen_curve:P-256"_s,
                   u"-nodes"_s, u"-days"_s, u"2"_s, u"-subj"_s, u"/CN=127.0.0.1"_s, u"-keyout"_s,
                   dir.filePath(u"key.pem"_s), u"-out"_s, dir.filePath(u"cert.pem"_s)});
    QVERIFY(openssl.waitForFinished(30'000));
    QCOMPARE(openssl.exitCode(), 0);

    EndpointConfig config;
    config.tlsCertificateFile = dir.filePath(u"cert.pem"_s);
    config.tlsKeyFile = dir.filePath(u"key.pem"_s);
    KEYSTEAD_VERIFY_OK(start(config));
    QVERIFY(m_core->endpoint->url().startsWith(u"https://"_s));
    const HttpReply reply = httpRequest("GET", url(u"/api/openapi.json"_s), {}, auth());
    QCOMPARE(reply.status, 200);
    // Plain HTTP on the TLS port gets no answer.
    const QByteArray plain = rawExchange(m_core->endpoint->port(), "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
    QVERIFY(!plain.startsWith("HTTP/1.1 200"));
}

void TestEndpoint::badTlsFilesFailToStart()
{
    QTemporaryDir dir;
    QFile garbage(dir.filePath(u"cert.pem"_s));
    QVERIFY(garbage.open(QIODevice::WriteOnly));
    garbage.write("not a certificate");
    garbage.close();
    EndpointConfig config;
    config.tlsCertificateFile = garbage.fileName();
    config.tlsKeyFile = dir.filePath(u"missing.pem"_s);
    const Status started = start(config);
    QVERIFY(!started.ok());
    QVERIFY2(started.error().message.contains(u"certificate"_s), qPrintable(started.error().message));
    QCOMPARE(m_core->endpoint->state(), ApiEndpoint::State::Failed);
    QCOMPARE(m_core->endpoint->lastError(), started.error().message);
}

void TestEndpoint::busyPortFailsClearly()
{
    QTcpServer occupier;
    QVERIFY(occupier.listen(QHostAddress::LocalHost, 0));
    EndpointConfig config;
    config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), occupier.serverPort()};
    const Status started = m_core->endpoint->start(config);
    QVERIFY(!started.ok());
    QVERIFY2(started.error().message.contains(u"cannot listen on 127.0.0.1:"_s), qPrintable(started.error().message));
    QCOMPARE(m_core->endpoint->state(), ApiEndpoint::State::Failed);
}

QTEST_GUILESS_MAIN(TestEndpoint)
#include "tst_endpoint.moc"
