#pragma once

#include "common/Result.h"
#include "common/WorkerThread.h"
#include "settings/SshSettings.h"
#include "sshserver/CollectServerConfig.h"
#include "sshserver/ConnectionRecorder.h"
#include "sshserver/HostKeys.h"

#include <QList>
#include <QMutex>
#include <QObject>

#include <atomic>
#include <optional>

namespace keystead {

class CollectGate;
class Database;
class Vault;

// The in-process SSH server users connect to with `ssh -p PORT <identifier>@host`
// so that their public keys are collected (see CollectConnection for the flow).
// It runs in its own thread, which owns every libssh object; it reaches the
// collect sessions only through the gate, from that thread. Start and stop
// from the thread that owns this object.
//
// Every connection it accepts is reported to the recorder, if one is set;
// terminate() ends a live one from any thread.
//
// A settings policy (seed 004) and the log level apply to the connections
// accepted after they are set: the listener stays, live connections keep
// what they started with.
class CollectServer final
    : public QObject
    , public ConnectionTerminator
{
    Q_OBJECT

public:
    enum class State { Stopped, Running, Failed };
    Q_ENUM(State)

    // The host keys are sealed in `vault`, which seals in `database`; the gate
    // may use `database` from the server's thread too: that thread's connection
    // is released when the server stops.
    CollectServer(CollectGate &gate, Vault &vault, Database &database, QObject *parent = nullptr);
    ~CollectServer() override;

    // Where connections are reported; null records nothing. Takes effect at
    // the next start(). The recorder must outlive the server's run.
    void setRecorder(ConnectionRecorder *recorder) { m_recorder = recorder; }

    // Loads the host keys from the vault (sealing them on first start), then
    // binds the listener; fails with the vault's words when it cannot be opened.
    // Blocks until the server listens or failed. A policy or log level set
    // before (setPolicy, setLogLevel) overrides the config's own fields.
    Status start(const CollectServerConfig &config);
    // Closes the listener and every connection (those with an open dialog are
    // reported abandoned), then ends the thread. Host keys stay in the vault.
    void stop();

    // The policy new connections get from now on, running or not. Any thread.
    void setPolicy(const SettingsPolicy &policy);
    // Seed 004's service.log_level (0..7) for libssh's messages, which go to
    // the "keystead.libssh" logging category. Any thread; applies from the next connection.
    void setLogLevel(int level);
    // What the next accepted connection gets: the started config with the policy and log level applied.
    CollectServerConfig connectionConfig() const;

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

    // ConnectionTerminator: ends the live connection with this recorder id
    // (the client gets an SSH disconnect; the trail gets `reason`). Any
    // thread; waits until the server's thread has done it. False when no
    // live connection has this id.
    bool terminate(const QString &connectionId, const QString &reason) override;

Q_SIGNALS:
    void stateChanged(keystead::CollectServer::State state);

private:
    void setState(State state);

    CollectGate &m_gate;
    Vault &m_vault;
    Database *m_database;
    ConnectionRecorder *m_recorder = nullptr;
    class Worker;
    WorkerThread m_workerThread;
    // Guards m_worker for terminate(), which any thread may call while the owner starts or stops.
    QMutex m_workerMutex;
    Worker *m_worker = nullptr; // lives in m_workerThread
    State m_state = State::Stopped;
    // Guards m_config, m_policy and m_logLevel: setPolicy() may come from any thread.
    mutable QMutex m_configMutex;
    CollectServerConfig m_config;
    std::optional<SettingsPolicy> m_policy;
    std::optional<int> m_logLevel;
    quint16 m_port = 0;
    QList<HostKeyFingerprint> m_fingerprints;
    QString m_lastError;
    std::atomic<int> m_connectionCount = 0;
};

} // namespace keystead
