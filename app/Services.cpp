#include "Services.h"

#include <QDir>
#include <QFile>

using namespace Qt::StringLiterals;

namespace keystead::app {

Result<std::unique_ptr<Services>> Services::open(const StoreLocation &location)
{
    if (!QDir().mkpath(location.dataDir))
        return Error::unavailable(u"cannot create the data folder %1"_s.arg(location.dataDir));
    // The data folder holds host keys and the store: only its owner may look inside.
    QFile::setPermissions(location.dataDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

    Result<DatabaseConfig> config = DatabaseConfig::fromUrl(location.databaseUrl, location.dataDir);
    if (!config)
        return config.error();

    auto services = std::make_unique<Services>();
    Result<std::unique_ptr<Database>> opened = Database::open(config.value(), services->clock);
    if (!opened)
        return opened.error();
    services->database = std::move(opened).value();
    services->settings = std::make_unique<SettingsStore>(*services->database);
    services->tokens = std::make_unique<TokenService>(*services->database);
    services->router = std::make_unique<ApiRouter>(*services->tokens, services->clock);
    services->systemController = std::make_unique<SystemController>(*services->router);
    services->dataDir = location.dataDir;

    Database &database = *services->database;
    services->webhookOutbox = std::make_unique<WebhookOutbox>(database, services->clock);
    services->webhookSigner = std::make_unique<WebhookSigner>(location.dataDir, database, services->clock);
    services->webhookHeaderSeal = std::make_unique<WebhookHeaderSeal>(*services->webhookSigner);
    services->webhooks = std::make_unique<WebhookDispatcher>(database, services->clock, *services->webhookSigner);
    services->webhookLog = std::make_unique<WebhookDeliveryLog>(database);
    services->collect = std::make_unique<CollectService>(database, services->clock, *services->webhookOutbox,
                                                         *services->webhookHeaderSeal);
    services->collectController = std::make_unique<CollectController>(*services->router, *services->collect);
    services->webhookController = std::make_unique<WebhookController>(
        *services->router, *services->collect, *services->webhookSigner, *services->webhookLog, *services->webhooks);
    services->collectServer = std::make_unique<CollectServer>(*services->collect, &database);
    // On SQLite nothing else tells the dispatcher that a change queued a delivery.
    QObject::connect(services->collect.get(), &CollectService::sessionChanged, services->webhooks.get(),
                     &WebhookDispatcher::wake);

    services->masterKeys = MasterKeyStore::fromEnvironment();
    services->vault = std::make_unique<Vault>(database, services->clock, *services->masterKeys);
    services->audit = std::make_unique<AuditLog>(database, services->clock);
    services->inventory
        = std::make_unique<InventoryService>(database, services->clock, *services->vault, *services->audit);
    services->keyController = std::make_unique<KeyController>(*services->router, *services->inventory);
    services->connections
        = std::make_unique<ConnectionService>(database, services->clock, *services->settings, *services->audit);
    services->connectionController
        = std::make_unique<ConnectionController>(*services->router, *services->connections, services->clock);
    services->collectServer->setRecorder(services->connections.get());
    services->connections->setTerminator(services->collectServer.get());

    // Seed 004: the SSH settings govern the collect server, trail cleanup and timestamping.
    services->sshSettings = std::make_unique<SshSettingsService>(database, services->clock, *services->audit);
    services->collectSupervisor = std::make_unique<CollectServerSupervisor>(
        *services->collectServer, *services->sshSettings, CollectServerConfig{});
    services->connections->setOptionsSource(services->sshSettings.get());
    services->trailTimestamper
        = std::make_unique<TrailTimestamper>(database, services->clock, *services->vault, *services->connections);
    services->trailTimestamper->setOptionsSource(services->sshSettings.get());
    services->connectionController->setTimestamper(services->trailTimestamper.get());
    services->configTransactions = std::make_unique<ConfigTransactions>(*services->sshSettings, services->clock);
    services->apiSessions = std::make_unique<ApiSessions>(*services->tokens, services->clock);
    services->configurationController = std::make_unique<ConfigurationController>(
        *services->router, *services->sshSettings, *services->configTransactions, *services->apiSessions,
        *services->tokens);

    services->certificates
        = std::make_unique<CertificateAuthorityService>(database, services->clock, *services->vault, *services->audit);
    services->caController = std::make_unique<CaController>(*services->router, *services->certificates);

    services->hostKeys = std::make_unique<HostKeyStore>(database, services->clock, *services->audit);
    services->hostKeyRescanner
        = std::make_unique<HostKeyRescanner>(*services->hostKeys, *services->settings, database, services->clock);
    // Scans speak with the client side algorithms of the active settings policy.
    SshSettingsService *sshSettings = services->sshSettings.get();
    auto clientAlgorithms
        = [sshSettings]() -> std::optional<SshAlgorithms> { return sshSettings->activePolicy().clientSide; };
    services->hostKeyRescanner->setClientAlgorithmsProvider(clientAlgorithms);
    services->hostKeyController
        = std::make_unique<HostKeyController>(*services->router, *services->hostKeys, clientAlgorithms);

    services->endpoint = std::make_unique<ApiEndpoint>(*services->router, database);
    // Session cookies are Secure whenever the endpoint speaks TLS, however it was (re)started.
    ApiEndpoint *endpoint = services->endpoint.get();
    ApiSessions *sessions = services->apiSessions.get();
    QObject::connect(endpoint, &ApiEndpoint::stateChanged, endpoint, [endpoint, sessions] {
        sessions->setSecureCookies(endpoint->url().startsWith(QLatin1StringView("https:")));
    });
    return services;
}

Status Services::startBackgroundWork()
{
    collect->startExpirySweep(5000);
    // Trail retention is a matter of days: once an hour is often enough.
    connections->startRetentionSweep(60 * 60 * 1000);
    trailTimestamper->start();
    hostKeyRescanner->start();
    return webhooks->start();
}

Services::~Services()
{
    // Threads that call into the services stop before the services go:
    // the endpoint and the collect server first, then webhook delivery.
    endpoint.reset();
    hostKeyRescanner.reset();
    trailTimestamper.reset();
    collectSupervisor.reset();
    if (connections)
        connections->setTerminator(nullptr);
    collectServer.reset();
    webhooks.reset();
}

} // namespace keystead::app
