#include "HttpTestClient.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslError>
#include <QTcpSocket>
#include <QTimer>

namespace keystead::test {

namespace {

// One whole response (a final status, not 100 Continue) with its Content-Length body.
bool isCompleteResponse(const QByteArray &bytes)
{
    qsizetype start = 0;
    while (bytes.mid(start).startsWith("HTTP/1.1 100")) {
        const qsizetype end = bytes.indexOf("\r\n\r\n", start);
        if (end < 0)
            return false;
        start = end + 4;
    }
    const qsizetype headerEnd = bytes.indexOf("\r\n\r\n", start);
    if (headerEnd < 0)
        return false;
    const QByteArray headers = bytes.mid(start, headerEnd - start).toLower();
    const qsizetype at = headers.indexOf("content-length:");
    if (at < 0)
        return false;
    const qint64 length = headers.mid(at + 15, headers.indexOf("\r\n", at) - at - 15).trimmed().toLongLong();
    return bytes.size() - (headerEnd + 4) >= length;
}

} // namespace

HttpReply httpRequest(const QByteArray &method, const QUrl &url, const QByteArray &body, const HeaderList &headers,
                      int timeoutMs)
{
    QNetworkAccessManager manager;
    QNetworkRequest request(url);
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    if (!body.isEmpty() && !request.hasRawHeader("Content-Type"))
        request.setRawHeader("Content-Type", "application/json");
    QNetworkReply *reply = manager.sendCustomRequest(request, method, body);
    // Test servers use self-signed certificates.
    QObject::connect(reply, &QNetworkReply::sslErrors, reply,
                     [reply](const QList<QSslError> &) { reply->ignoreSslErrors(); });

    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    timer.start(timeoutMs);
    if (!reply->isFinished())
        loop.exec();

    HttpReply result;
    if (!reply->isFinished()) {
        reply->abort();
        result.networkError = QStringLiteral("timed out");
        delete reply;
        return result;
    }
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.body = reply->readAll();
    for (const auto &[name, value] : reply->rawHeaderPairs())
        result.headers.insert(name.toLower(), value);
    if (reply->error() != QNetworkReply::NoError && result.status == 0)
        result.networkError = reply->errorString();
    delete reply;
    return result;
}

QByteArray rawExchange(quint16 port, const QByteArray &bytes, int timeoutMs)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(timeoutMs))
        return {};
    socket.write(bytes);
    QByteArray received;
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired() && socket.state() == QAbstractSocket::ConnectedState
           && !isCompleteResponse(received)) {
        if (socket.waitForReadyRead(static_cast<int>(std::max<qint64>(1, deadline.remainingTime()))))
            received += socket.readAll();
    }
    received += socket.readAll();
    return received;
}

} // namespace keystead::test
