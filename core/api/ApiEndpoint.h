#pragma once

#include "common/ListenAddress.h"
#include "common/Result.h"
#include "common/WorkerThread.h"

#include <QObject>

namespace keystead {

class ApiRouter;
class Database;

struct EndpointConfig
{
    static constexpr quint16 kDefaultPort = 8420;

    ListenAddress listen{QHostAddress(QHostAddress::LocalHost), kDefaultPort};
    QString tlsCertificateFile; // PEM; TLS is on when both files are given
    QString tlsKeyFile;
    int requestTimeoutMs = 30'000; // a request must arrive whole within this
    int idleTimeoutMs = 120'000; // a kept-alive connection with nothing to do is closed
    bool usesTls() const { return !tlsCertificateFile.isEmpty() || !tlsKeyFile.isEmpty(); }
};

// The embedded HTTP endpoint: a listener in its own thread that hands each
// request to the router. Start and stop from the thread that owns this object.
class ApiEndpoint final : public QObject
{
    Q_OBJECT

public:
    enum class State { Stopped, Running, Failed };
    Q_ENUM(State)

    // Handlers run in the endpoint's thread; its database connection is released when it stops.
    ApiEndpoint(ApiRouter &router, Database &database, QObject *parent = nullptr);
    ~ApiEndpoint() override;

    // Blocks until the listener is bound (or failed); the port is known after.
    Status start(const EndpointConfig &config);
    // Closes the listener, lets requests in progress finish, ends the thread.
    void stop();

    State state() const { return m_state; }
    // "http://127.0.0.1:8420" while running, else empty.
    QString url() const;
    quint16 port() const { return m_port; }
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    void stateChanged(keystead::ApiEndpoint::State state);

private:
    void setState(State state);

    ApiRouter &m_router;
    Database &m_database;
    class Worker;
    WorkerThread m_workerThread;
    Worker *m_worker = nullptr; // lives in m_workerThread
    State m_state = State::Stopped;
    EndpointConfig m_config;
    quint16 m_port = 0;
    QString m_lastError;
};

} // namespace keystead
