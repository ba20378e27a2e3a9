#include "HttpServerAdapter.h"

#include "api/ApiRouter.h"

#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QMetaEnum>
#include <QSslSocket>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get: return "GET";
    case QHttpServerRequest::Method::Put: return "PUT";
    case QHttpServerRequest::Method::Delete: return "DELETE";
    case QHttpServerRequest::Method::Post: return "POST";
    case QHttpServerRequest::Method::Head: return "HEAD";
    case QHttpServerRequest::Method::Options: return "OPTIONS";
    case QHttpServerRequest::Method::Patch: return "PATCH";
    case QHttpServerRequest::Method::Connect: return "CONNECT";
    case QHttpServerRequest::Method::Trace: return "TRACE";
    default: return "UNKNOWN";
    }
}

HttpRequest toHttpRequest(const QHttpServerRequest &request)
{
    HttpRequest converted;
    converted.method = methodName(request.method());
    converted.path = request.url().path(QUrl::FullyEncoded);
    converted.query = request.query();
    converted.body = request.body();
    converted.peer = request.remoteAddress();
    for (const auto &[name, value] : request.headers()) {
        QByteArray &slot = converted.headers[name.toLower()];
        slot = slot.isEmpty() ? value : slot + ", " + value;
    }
    return converted;
}

} // namespace

HttpServerAdapter::HttpServerAdapter(ApiRouter &router, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_router(router)
{
}

bool HttpServerAdapter::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const HttpResponse response = m_router.dispatch(toHttpRequest(request));
    QHttpServerResponder responder = makeResponder(request, socket);
    responder.writeStatusLine(static_cast<QHttpServerResponder::StatusCode>(response.status));
    for (const auto &[name, value] : response.headers)
        responder.writeHeader(name, value);
    // Answers can carry secrets shown once (a new token): never cache them.
    responder.writeHeader("Cache-Control", "no-store");
    responder.writeHeader("X-Content-Type-Options", "nosniff");
    responder.writeHeader("Content-Length", QByteArray::number(response.body.size()));
    responder.writeBody(response.body);
    // Qt HttpServer 6.4 keeps every connection open; honour a client that asked otherwise.
    const QByteArray connection = request.value("Connection").toLower();
    if (connection.contains("close"))
        socket->disconnectFromHost();
    return true;
}

void HttpServerAdapter::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // handleRequest answers every request; this is here because the base class requires it.
    HttpRequest converted = toHttpRequest(request);
    const HttpResponse response = m_router.error(404, Error::notFound(u"no such resource"_s), converted);
    QHttpServerResponder responder = makeResponder(request, socket);
    responder.writeStatusLine(QHttpServerResponder::StatusCode::NotFound);
    responder.writeHeader("Content-Length", QByteArray::number(response.body.size()));
    responder.writeBody(response.body);
}

GuardedTcpServer::GuardedTcpServer(const RequestGuard::Limits &limits, std::optional<QSslConfiguration> tls,
                                   RequestGuard::ErrorRenderer renderer, QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits)
    , m_tls(std::move(tls))
    , m_renderer(std::move(renderer))
{
}

void GuardedTcpServer::incomingConnection(qintptr descriptor)
{
    QTcpSocket *socket = m_tls ? new QSslSocket(this) : new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        socket->deleteLater();
        return;
    }
    if (m_open >= kMaxOpenConnections) {
        socket->abort();
        socket->deleteLater();
        return;
    }
    ++m_open;
    // Counted down on disconnect, not on deletion: stop() waits for this count
    // inside processEvents(), which never runs deferred deletes.
    connect(socket, &QTcpSocket::disconnected, this, [this] { --m_open; });
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    new RequestGuard(socket, m_limits, m_renderer);

    if (!m_tls) {
        addPendingConnection(socket);
        return;
    }
    auto *tlsSocket = static_cast<QSslSocket *>(socket);
    tlsSocket->setSslConfiguration(*m_tls);
    connect(tlsSocket, &QSslSocket::encrypted, this, [this, tlsSocket] {
        addPendingConnection(tlsSocket);
        Q_EMIT newConnection();
    });
    connect(tlsSocket, &QSslSocket::errorOccurred, tlsSocket, [tlsSocket] {
        if (!tlsSocket->isEncrypted())
            tlsSocket->abort();
    });
    tlsSocket->startServerEncryption();
}

void GuardedTcpServer::closeConnections()
{
    const auto sockets = findChildren<QTcpSocket *>(Qt::FindDirectChildrenOnly);
    for (QTcpSocket *socket : sockets)
        socket->disconnectFromHost();
}

} // namespace keystead
