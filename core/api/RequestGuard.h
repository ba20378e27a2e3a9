#pragma once

#include "api/HttpMessage.h"
#include "common/Result.h"

#include <QObject>
#include <QTimer>

#include <functional>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace keystead {

// Qt HttpServer 6.4 buffers any body whole, never times a client out and does
// not answer `Expect: 100-continue`. A RequestGuard sits on each socket ahead
// of it: it frames the byte stream (headers, Content-Length or chunked body)
// without consuming it, refuses an oversized request before its body arrives,
// and cuts off a client that stalls mid-request or idles.
//
// It relies on the server reading all available bytes on every readyRead, as
// 6.4 does; the guard's slot is connected first, so it sees each byte once.
class RequestGuard final : public QObject
{
    Q_OBJECT

public:
    struct Limits
    {
        qint64 maxBodyBytes = 1024 * 1024;
        qint64 maxHeaderBytes = 64 * 1024;
        int requestTimeoutMs = 30'000;
        int idleTimeoutMs = 120'000;
    };
    // Renders a refusal in the error shape of the family `path` belongs to.
    using ErrorRenderer = std::function<HttpResponse(int status, const QString &path, const Error &error)>;

    RequestGuard(QTcpSocket *socket, const Limits &limits, ErrorRenderer renderer);

    static QByteArray serialize(const HttpResponse &response, bool closeConnection);

private:
    enum class Phase { Headers, Body, ChunkSize, ChunkData, ChunkTrailer, Refused };

    void onReadyRead();
    void feed(QByteArrayView data);
    void headersComplete();
    void requestComplete();
    void refuse(int status, const QString &message);
    void onRequestTimeout();

    QTcpSocket *m_socket;
    Limits m_limits;
    ErrorRenderer m_renderer;
    QTimer m_requestTimer;
    QTimer m_idleTimer;

    Phase m_phase = Phase::Headers;
    QByteArray m_lineBuffer; // the header block, or a chunk-size or trailer line
    QString m_path;
    qint64 m_remaining = 0; // body bytes still to come in this part
    qint64 m_bodyTotal = 0; // chunked: data bytes so far
};

} // namespace keystead
