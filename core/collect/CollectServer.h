#pragma once

#include "collect/CollectServerConfig.h"
#include "collect/HostKeys.h"
#include "common/Result.h"
#include "common/WorkerThread.h"

#include <QList>
#include <QObject>

#include <atomic>

namespace keystead {

class CollectGate;
class Database;

// The in-process SSH server users connect to with `ssh -p PORT <identifier>@host`
// so that their public keys are collected (see CollectConnection for the flow).
// It runs in its own thread, which owns every libssh object; it reaches the
// collect sessions only through the gate, from that thread. Start and stop
// from the thread that owns this object.
class CollectServer final : public QObject
{
    Q_OBJECT

public:
    enum class State { Stopped, Running, Failed };
    Q_ENUM(State)

    // `database` is the store the gate uses from the server's thread: that
    // thread's connection is released when the server stops. May be null
    // when the gate touches no store.
    explicit CollectServer(CollectGate &gate, Database *database = nullptr, QObject *parent = nullptr);
    ~CollectServer() override;

    // Loads (or makes, on first start) the host keys, then binds the listener.
    // Blocks until the server listens or failed.
    Status start(const CollectServerConfig &config);
    // Closes the listener and every connection (those with an open dialog are
    // reported abandoned), then ends the thread. Host keys stay on disk.
    void stop();

    State state() const { return m_state; }
    // The port bound (useful after listening on port 0); 0 when not running.
    quint16 boundPort() const { return m_port; }
    // "127.0.0.1:2222" while running, else empty.
    QString listenAddress() const;
    // The host keys of the last successful start (kept after stop): what
    // users compare with the fingerprint their client shows.
    QList<HostKeyFingerprint> hostKeyFingerprints() const { return m_fingerprints; }
    QString lastError() const { return m_lastError; }
    // Connections open right now, authenticated or not. Any thread may ask.
    int connectionCount() const { return m_connectionCount.load(); }

Q_SIGNALS:
    void stateChanged(keystead::CollectServer::State state);

private:
    void setState(State state);

    CollectGate &m_gate;
    Database *m_database;
    class Worker;
    WorkerThread m_workerThread;
    Worker *m_worker = nullptr; // lives in m_workerThread
    State m_state = State::Stopped;
    CollectServerConfig m_config;
    quint16 m_port = 0;
    QList<HostKeyFingerprint> m_fingerprints;
    QString m_lastError;
    std::atomic<int> m_connectionCount = 0;
};

} // namespace keystead
