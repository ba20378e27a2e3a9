#include "ApiEndpoint.h"

#include "api/ApiRouter.h"
#include "api/HttpServerAdapter.h"
#include "store/Database.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QFile>
#include <QSslCertificate>
#include <QSslKey>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

Result<QSslConfiguration> loadTls(const EndpointConfig &config)
{
    if (config.tlsCertificateFile.isEmpty() || config.tlsKeyFile.isEmpty())
        return Error::invalid(u"TLS needs both --tls-cert and --tls-key"_s);
    QFile certificateFile(config.tlsCertificateFile);
    if (!certificateFile.open(QIODevice::ReadOnly))
        return Error::invalid(u"cannot read the TLS certificate %1"_s.arg(config.tlsCertificateFile));
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certificateFile.readAll(), QSsl::Pem);
    if (chain.isEmpty())
        return Error::invalid(u"%1 holds no PEM certificate"_s.arg(config.tlsCertificateFile));

    QFile keyFile(config.tlsKeyFile);
    if (!keyFile.open(QIODevice::ReadOnly))
        return Error::invalid(u"cannot read the TLS key %1"_s.arg(config.tlsKeyFile));
    const QByteArray keyPem = keyFile.readAll();
    QSslKey key;
    for (QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec}) {
        key = QSslKey(keyPem, algorithm, QSsl::Pem);
        if (!key.isNull())
            break;
    }
    if (key.isNull())
        return Error::invalid(u"%1 holds no unencrypted PEM RSA or EC private key"_s.arg(config.tlsKeyFile));

    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificateChain(chain);
    tls.setPrivateKey(key);
    tls.setProtocol(QSsl::TlsV1_2OrLater);
    tls.setPeerVerifyMode(QSslSocket::VerifyNone);
    return tls;
}

} // namespace

// Lives in the endpoint's thread and owns every object of Qt HttpServer.
class ApiEndpoint::Worker final : public QObject
{
public:
    Worker(ApiRouter &router, Database &database)
        : m_router(router)
        , m_database(database)
    {
    }

    Result<quint16> listen(const EndpointConfig &config)
    {
        std::optional<QSslConfiguration> tls;
        if (config.usesTls()) {
            Result<QSslConfiguration> loaded = loadTls(config);
            if (!loaded)
                return loaded.error();
            tls = loaded.value();
        }
        RequestGuard::Limits limits;
        limits.maxBodyBytes = m_router.maxBodyBytes();
        limits.requestTimeoutMs = config.requestTimeoutMs;
        limits.idleTimeoutMs = config.idleTimeoutMs;
        ApiRouter &router = m_router;
        auto renderer = [&router](int status, const QString &path, const Error &error) {
            HttpRequest request;
            request.path = path;
            return router.error(status, error, request);
        };
        m_http = new HttpServerAdapter(m_router, this);
        m_listener = new GuardedTcpServer(limits, tls, renderer, this);
        if (!m_listener->listen(config.listen.address, config.listen.port)) {
            const QString reason = m_listener->errorString();
            delete m_listener;
            m_listener = nullptr;
            return Error::unavailable(u"cannot listen on %1: %2"_s.arg(config.listen.toString(), reason));
        }
        m_http->bind(m_listener);
        return m_listener->serverPort();
    }

    // Stops accepting, lets answers being written reach their clients, then closes.
    void shutdown()
    {
        if (m_listener) {
            m_listener->close();
            m_listener->closeConnections();
            const QDeadlineTimer deadline(2000);
            while (m_listener->openConnections() > 0 && !deadline.hasExpired())
                QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        }
        delete m_http;
        m_http = nullptr;
        m_listener = nullptr;
        m_database.releaseThreadConnection();
    }

private:
    ApiRouter &m_router;
    Database &m_database;
    HttpServerAdapter *m_http = nullptr;
    GuardedTcpServer *m_listener = nullptr; // owned by this, bound to m_http
};

ApiEndpoint::ApiEndpoint(ApiRouter &router, Database &database, QObject *parent)
    : QObject(parent)
    , m_router(router)
    , m_database(database)
    , m_workerThread(u"keystead-http"_s)
{
}

ApiEndpoint::~ApiEndpoint()
{
    stop();
}

Status ApiEndpoint::start(const EndpointConfig &config)
{
    stop();
    m_config = config;
    m_worker = new Worker(m_router, m_database);
    m_workerThread.start(m_worker);

    std::optional<Result<quint16>> bound;
    m_workerThread.run([this, &bound, config] { bound = m_worker->listen(config); });
    if (!bound->ok()) {
        m_lastError = bound->error().message;
        stop();
        setState(State::Failed);
        return bound->error();
    }
    m_port = bound->value();
    m_lastError.clear();
    setState(State::Running);
    return {};
}

void ApiEndpoint::stop()
{
    if (!m_workerThread.isRunning())
        return;
    m_workerThread.run([this] { m_worker->shutdown(); });
    m_workerThread.stop();
    m_worker = nullptr;
    m_port = 0;
    if (m_state == State::Running)
        setState(State::Stopped);
}

QString ApiEndpoint::url() const
{
    if (m_state != State::Running)
        return {};
    ListenAddress bound = m_config.listen;
    bound.port = m_port;
    return (m_config.usesTls() ? u"https://"_s : u"http://"_s) + bound.toString();
}

void ApiEndpoint::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

} // namespace keystead
