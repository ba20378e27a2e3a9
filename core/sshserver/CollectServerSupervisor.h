#pragma once

#include "common/Result.h"
#include "sshserver/CollectServerConfig.h"

#include <QObject>

namespace keystead {

class CollectServer;
class SshSettingsService;

// Keeps the collect server in line with seed 004's SSH settings: the active
// settings policy for new connections, service.enabled to run or stop it,
// service.log_level for libssh's messages. Lives in the thread of the server's
// owner (the main thread); the settings service may announce changes from any
// thread (the HTTP endpoint's): they arrive here queued.
//
// Where it runs, the supervisor alone starts and stops the server: a window
// or a script turns it on and off by writing options.serviceEnabled.
class CollectServerSupervisor final : public QObject
{
    Q_OBJECT

public:
    // `base` is where and how the server runs (address, data folder, limits);
    // the policy's fields in it are replaced by the active policy's.
    CollectServerSupervisor(CollectServer &server, SshSettingsService &settings, CollectServerConfig base,
                            QObject *parent = nullptr);

    // Applies the settings now: the policy, the log level, and starts the
    // server when service.enabled (stops it when not). Then follows every
    // change. The error is the server's start failure; it is also in lastError().
    Status apply();
    // Where the next start listens; a running server moves there at once.
    void setBaseConfig(const CollectServerConfig &base);
    const CollectServerConfig &baseConfig() const { return m_base; }
    // The settings it follows: where a window or a script turns the server on and off.
    SshSettingsService &settings() const { return m_settings; }

    // Why the last start failed; empty after a success.
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    // The server was to start (service.enabled) but could not.
    void startFailed(const QString &message);

private:
    void applyPolicy();
    Status applyOptions();
    Status startServer();

    CollectServer &m_server;
    SshSettingsService &m_settings;
    CollectServerConfig m_base;
    bool m_following = false;
    QString m_lastError;
};

} // namespace keystead
