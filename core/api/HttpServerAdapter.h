#pragma once

#include "api/RequestGuard.h"

#include <QAbstractHttpServer>
#include <QSslConfiguration>
#include <QTcpServer>

#include <optional>

namespace keystead {

class ApiRouter;

// The only place that knows Qt HttpServer (its API changes in 6.8): turns its
// requests into HttpRequest, hands them to the router, writes the answer.
class HttpServerAdapter final : public QAbstractHttpServer
{
    Q_OBJECT

public:
    explicit HttpServerAdapter(ApiRouter &router, QObject *parent = nullptr);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    ApiRouter &m_router;
};

// Accepts connections, puts a RequestGuard on each (and TLS when configured)
// before Qt HttpServer sees them, and caps how many are open at once.
class GuardedTcpServer final : public QTcpServer
{
    Q_OBJECT

public:
    GuardedTcpServer(const RequestGuard::Limits &limits, std::optional<QSslConfiguration> tls,
                     RequestGuard::ErrorRenderer renderer, QObject *parent = nullptr);

    // Asks every open connection to finish what it writes, then close.
    void closeConnections();
    int openConnections() const { return m_open; }

    static constexpr int kMaxOpenConnections = 512;

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    RequestGuard::Limits m_limits;
    std::optional<QSslConfiguration> m_tls;
    RequestGuard::ErrorRenderer m_renderer;
    int m_open = 0;
};

} // namespace keystead
