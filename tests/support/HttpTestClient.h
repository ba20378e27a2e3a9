#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonDocument>
#include <QList>
#include <QPair>
#include <QUrl>

namespace keystead::test {

struct HttpReply
{
    int status = 0; // 0: no answer (connection refused, closed or timed out)
    QHash<QByteArray, QByteArray> headers; // names in lower case
    QByteArray body;
    QString networkError;

    QJsonDocument json() const { return QJsonDocument::fromJson(body); }
    QByteArray header(const QByteArray &lowerCaseName) const { return headers.value(lowerCaseName); }
};

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// A real HTTP client (QNetworkAccessManager), waited on with a bound.
HttpReply httpRequest(const QByteArray &method, const QUrl &url, const QByteArray &body = {},
                      const HeaderList &headers = {}, int timeoutMs = 10'000);

// Sends raw bytes over TCP and collects what comes back until the server
// closes or `timeoutMs` passes; for what a normal client would not send.
QByteArray rawExchange(quint16 port, const QByteArray &bytes, int timeoutMs = 5'000);

} // namespace keystead::test
