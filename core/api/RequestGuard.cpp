#include "RequestGuard.h"

#include <QSslSocket>
#include <QTcpSocket>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

constexpr qsizetype kMaxChunkLine = 1024;
constexpr int kLingerMs = 2000;

} // namespace

RequestGuard::RequestGuard(QTcpSocket *socket, const Limits &limits, ErrorRenderer renderer)
    : QObject(socket)
    , m_socket(socket)
    , m_limits(limits)
    , m_renderer(std::move(renderer))
{
    m_requestTimer.setSingleShot(true);
    m_requestTimer.setInterval(m_limits.requestTimeoutMs);
    m_idleTimer.setSingleShot(true);
    m_idleTimer.setInterval(m_limits.idleTimeoutMs);
    connect(&m_requestTimer, &QTimer::timeout, this, &RequestGuard::onRequestTimeout);
    connect(&m_idleTimer, &QTimer::timeout, this, [this] { m_socket->abort(); });
    connect(m_socket, &QTcpSocket::readyRead, this, &RequestGuard::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] { m_idleTimer.start(); });
    // The first request (and a TLS handshake) must also arrive in time.
    m_requestTimer.start();
    m_idleTimer.start();
}

void RequestGuard::onReadyRead()
{
    m_idleTimer.start();
    if (m_phase == Phase::Refused) {
        m_socket->readAll(); // nothing more reaches the server
        return;
    }
    feed(m_socket->peek(m_socket->bytesAvailable()));
    if (m_phase == Phase::Refused)
        m_socket->readAll();
}

void RequestGuard::feed(QByteArrayView data)
{
    while (!data.isEmpty() && m_phase != Phase::Refused) {
        switch (m_phase) {
        case Phase::Headers: {
            if (m_lineBuffer.isEmpty() && !m_requestTimer.isActive())
                m_requestTimer.start();
            const qsizetype before = m_lineBuffer.size();
            m_lineBuffer.append(data.first(std::min<qsizetype>(data.size(), m_limits.maxHeaderBytes + 4 - before)));
            const qsizetype end = m_lineBuffer.indexOf("\r\n\r\n");
            if (end < 0) {
                if (m_lineBuffer.size() > m_limits.maxHeaderBytes)
                    return refuse(431, u"the request headers are larger than %1 bytes"_s.arg(m_limits.maxHeaderBytes));
                data = {};
                break;
            }
            const qsizetype usedHere = end + 4 - before;
            data = data.sliced(usedHere);
            m_lineBuffer.truncate(end);
            headersComplete();
            break;
        }
        case Phase::Body: {
            const qint64 take = std::min<qint64>(m_remaining, data.size());
            m_remaining -= take;
            data = data.sliced(take);
            if (m_remaining == 0)
                requestComplete();
            break;
        }
        case Phase::ChunkSize:
        case Phase::ChunkTrailer: {
            const qsizetype newline = data.indexOf('\n');
            const qsizetype take = newline < 0 ? data.size() : newline + 1;
            m_lineBuffer.append(data.first(take));
            data = data.sliced(take);
            if (m_lineBuffer.size() > kMaxChunkLine)
                return refuse(400, u"a chunk line is too long"_s);
            if (newline < 0)
                break;
            const QByteArray line = m_lineBuffer.trimmed();
            m_lineBuffer.clear();
            if (m_phase == Phase::ChunkTrailer) {
                if (line.isEmpty())
                    requestComplete();
                break;
            }
            bool ok = false;
            const qint64 size = line.split(';').constFirst().trimmed().toLongLong(&ok, 16);
            if (!ok || size < 0)
                return refuse(400, u"a chunk size is not a hexadecimal number"_s);
            if (size == 0) {
                m_phase = Phase::ChunkTrailer;
                break;
            }
            m_bodyTotal += size;
            if (m_bodyTotal > m_limits.maxBodyBytes)
                return refuse(413, u"the request body is larger than %1 bytes"_s.arg(m_limits.maxBodyBytes));
            m_remaining = size + 2; // the data and its CRLF
            m_phase = Phase::ChunkData;
            break;
        }
        case Phase::ChunkData: {
            const qint64 take = std::min<qint64>(m_remaining, data.size());
            m_remaining -= take;
            data = data.sliced(take);
            if (m_remaining == 0)
                m_phase = Phase::ChunkSize;
            break;
        }
        case Phase::Refused: return;
        }
    }
}

void RequestGuard::headersComplete()
{
    const QList<QByteArray> lines = m_lineBuffer.split('\n');
    m_lineBuffer.clear();
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    m_path = QString::fromLatin1(requestLine.value(1).split('?').constFirst());

    qint64 contentLength = 0;
    bool chunked = false;
    bool expectContinue = false;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines.at(i).indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = lines.at(i).left(colon).trimmed().toLower();
        const QByteArray value = lines.at(i).mid(colon + 1).trimmed();
        if (name == "content-length") {
            bool ok = false;
            contentLength = value.toLongLong(&ok);
            if (!ok || contentLength < 0)
                return refuse(400, u"Content-Length is not a number"_s);
        } else if (name == "transfer-encoding") {
            chunked = value.toLower().contains("chunked");
        } else if (name == "expect") {
            expectContinue = value.compare("100-continue", Qt::CaseInsensitive) == 0;
        }
    }
    if (contentLength > m_limits.maxBodyBytes)
        return refuse(413, u"the request body is larger than %1 bytes"_s.arg(m_limits.maxBodyBytes));
    if (expectContinue)
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    if (chunked) {
        m_bodyTotal = 0;
        m_phase = Phase::ChunkSize;
    } else if (contentLength > 0) {
        m_remaining = contentLength;
        m_phase = Phase::Body;
    } else {
        requestComplete();
    }
}

void RequestGuard::requestComplete()
{
    m_requestTimer.stop();
    m_phase = Phase::Headers;
    m_lineBuffer.clear();
}

void RequestGuard::refuse(int status, const QString &message)
{
    m_phase = Phase::Refused;
    m_requestTimer.stop();
    const HttpResponse response = m_renderer(status, m_path, Error::invalid(message));
    m_socket->write(serialize(response, true));
    // Closing now, while the client still sends its body, would make the
    // kernel reset the connection and the client could lose the answer. Keep
    // reading (and dropping) for a moment; the client hangs up once it reads
    // the answer.
    m_idleTimer.stop();
    QTimer::singleShot(kLingerMs, m_socket, [socket = m_socket] { socket->disconnectFromHost(); });
}

void RequestGuard::onRequestTimeout()
{
    auto *tls = qobject_cast<QSslSocket *>(m_socket);
    if (tls && !tls->isEncrypted()) {
        m_socket->abort();
        return;
    }
    refuse(408, u"the request did not arrive in time"_s);
}

QByteArray RequestGuard::serialize(const HttpResponse &response, bool closeConnection)
{
    QByteArray bytes = "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + reasonPhrase(response.status) + "\r\n";
    for (const auto &[name, value] : response.headers)
        bytes += name + ": " + value + "\r\n";
    bytes += "Content-Length: " + QByteArray::number(response.body.size()) + "\r\n";
    if (closeConnection)
        bytes += "Connection: close\r\n";
    bytes += "\r\n" + response.body;
    return bytes;
}

} // namespace keystead
