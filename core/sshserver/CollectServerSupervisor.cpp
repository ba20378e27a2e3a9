#include "sshserver/CollectServerSupervisor.h"

#include "settings/SshSettingsService.h"
#include "sshserver/CollectServer.h"

namespace keystead {

CollectServerSupervisor::CollectServerSupervisor(CollectServer &server, SshSettingsService &settings,
                                                 CollectServerConfig base, QObject *parent)
    : QObject(parent)
    , m_server(server)
    , m_settings(settings)
    , m_base(std::move(base))
{
}

Status CollectServerSupervisor::apply()
{
    if (!m_following) {
        m_following = true;
        // Queued even from this thread: a change made while the server starts
        // or stops is applied after, never in the middle.
        connect(&m_settings, &SshSettingsService::activePolicyChanged, this, &CollectServerSupervisor::applyPolicy,
                Qt::QueuedConnection);
        connect(
            &m_settings, &SshSettingsService::optionsChanged, this,
            [this] {
                // The options also choose the active policy.
                applyPolicy();
                static_cast<void>(applyOptions()); // a failure is in lastError() and startFailed()
            },
            Qt::QueuedConnection);
    }
    applyPolicy();
    return applyOptions();
}

void CollectServerSupervisor::setBaseConfig(const CollectServerConfig &base)
{
    m_base = base;
    if (m_server.state() == CollectServer::State::Running)
        static_cast<void>(startServer()); // a failure is in lastError() and startFailed()
}

void CollectServerSupervisor::applyPolicy()
{
    m_server.setPolicy(m_settings.activePolicy());
}

Status CollectServerSupervisor::applyOptions()
{
    Result<SshOptions> options = m_settings.options();
    if (!options) {
        // The store did not answer: the server stays as it is.
        qWarning("collect server: reading the SSH options failed: %s", qPrintable(options.error().message));
        return options.error();
    }
    m_server.setLogLevel(options->logLevel);
    if (!options->serviceEnabled) {
        if (m_server.state() == CollectServer::State::Running) {
            m_server.stop();
            qInfo("collect server stopped (service.enabled is false)");
        }
        return {};
    }
    if (m_server.state() == CollectServer::State::Running)
        return {};
    return startServer();
}

Status CollectServerSupervisor::startServer()
{
    Status started = m_server.start(m_base);
    if (!started) {
        m_lastError = started.error().message;
        qWarning("collect server: %s", qPrintable(m_lastError));
        Q_EMIT startFailed(m_lastError);
        return started;
    }
    m_lastError.clear();
    qInfo("collect server listening on %s", qPrintable(m_server.listenAddress()));
    return {};
}

} // namespace keystead
