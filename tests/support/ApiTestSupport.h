#pragma once

#include "HttpTestClient.h"
#include "TestCore.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>

#include <memory>

namespace keystead::test {

// A data column "backend" with one row for each store backend a test runs against.
void addBackendRows();

// Speaks HTTP to a running endpoint, as one token unless a call names another.
struct ApiClient
{
    QString baseUrl; // "http://127.0.0.1:<port>"
    QByteArray token; // sent as "Authorization: Bearer"
    int timeoutMs = 60'000;
    QByteArray *transcript = nullptr; // when set, every response body is appended to it, a line each

    QUrl url(const QString &path) const { return QUrl(baseUrl + path); }
    HttpReply call(const QByteArray &method, const QString &path, const QByteArray &body = {},
                   const QByteArray &as = {}, const QByteArray &contentType = "application/json") const;
    HttpReply call(const QByteArray &method, const QString &path, const QJsonObject &body,
                   const QByteArray &as = {}) const;
    HttpReply call(const QByteArray &method, const QString &path, const QJsonArray &body,
                   const QByteArray &as = {}) const;
    // Without any token.
    HttpReply anonymous(const QByteArray &method, const QString &path, const QByteArray &body = {},
                        const HeaderList &headers = {}) const;
};

// Keystead for a test of its HTTP API: TestCore (the composition on a fresh
// test store, a manual clock) with a token that may read and write ("writer")
// and one that may only read ("reader"). startEndpoint() runs the endpoint on
// a free port of 127.0.0.1; `api` then speaks to it as the writer.
struct ApiTestCore : TestCore
{
    QByteArray writer;
    QString writerId;
    QByteArray reader;
    ApiClient api;

    // Built with its tokens, the endpoint not started; null when anything failed.
    static std::unique_ptr<ApiTestCore> create(const QString &backend = QStringLiteral("sqlite"));
    // Built with its tokens and the endpoint running; null when anything failed.
    static std::unique_ptr<ApiTestCore> started(const QString &backend = QStringLiteral("sqlite"));

    // Listens on a free port of 127.0.0.1 with the rest of `config`.
    Status startEndpoint(EndpointConfig config = {});
    // A further token's secret (its id in `id`); empty when it could not be made.
    QByteArray mintToken(const QString &name, TokenScopes scopes = kDefaultTokenScopes, QString *id = nullptr);
    QUrl url(const QString &path) const { return api.url(path); }
    // The rows `table` holds; -1 when it cannot be counted.
    int rows(const QString &table);
    // Every byte the store holds: the SQLite files, or every row of every PostgreSQL table as text.
    QByteArray storeContents();
};

// The frame of a test of the HTTP API: start() builds Keystead on a backend
// with its endpoint running; call() speaks as the writer token. After each
// test function Keystead goes, its store with it.
class ApiTestCase : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup() { m_core.reset(); }

protected:
    static void backends() { addBackendRows(); }
    bool start(const QString &backend = QStringLiteral("sqlite"))
    {
        m_core = ApiTestCore::started(backend);
        return m_core != nullptr;
    }
    QUrl url(const QString &path) const { return m_core->url(path); }
    HttpReply call(const QByteArray &method, const QString &path, const QByteArray &body = {},
                   const QByteArray &token = {}) const
    {
        return m_core->api.call(method, path, body, token);
    }
    HttpReply call(const QByteArray &method, const QString &path, const QJsonObject &body,
                   const QByteArray &token = {}) const
    {
        return m_core->api.call(method, path, body, token);
    }
    HttpReply call(const QByteArray &method, const QString &path, const QJsonArray &body,
                   const QByteArray &token = {}) const
    {
        return m_core->api.call(method, path, body, token);
    }

    // The OpenAPI document the endpoint serves; empty, with a warning, when it answers anything but 200.
    QJsonObject openApi() const
    {
        const HttpReply reply = call("GET", QStringLiteral("/api/openapi.json"));
        if (reply.status != 200)
            qWarning("GET /api/openapi.json answered %d: %s", reply.status, reply.body.constData());
        return reply.json().object();
    }

    std::unique_ptr<ApiTestCore> m_core;
};

// Which of `methods` ("get", "post", ...) an OpenAPI document's `paths` lack for `path`; empty when none.
QStringList missingMethods(const QJsonObject &paths, const QString &path, const QStringList &methods);

// Seed 004's error body ({"error": {"code", "message", "details"}, "meta"}): its code and details.
QString spsErrorCode(const HttpReply &reply);
QJsonObject spsErrorDetails(const HttpReply &reply);

} // namespace keystead::test
