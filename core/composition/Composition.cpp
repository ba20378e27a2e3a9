#include "composition/Composition.h"

#include "collect/CollectActivitySource.h"
#include "store/DatabaseConfig.h"

#include <QDir>
#include <QFile>

using namespace Qt::StringLiterals;

namespace keystead {

Result<std::unique_ptr<Composition>> Composition::open(const StoreLocation &location)
{
    if (!QDir().mkpath(location.dataDir))
        return Error::unavailable(u"cannot create the data folder %1"_s.arg(location.dataDir));
    // The data folder holds the store: only its owner may look inside.
    QFile::setPermissions(location.dataDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

    Result<DatabaseConfig> config = DatabaseConfig::fromUrl(location.databaseUrl, location.dataDir);
    if (!config)
        return config.error();

    auto composition = std::make_unique<Composition>();
    composition->systemClock = std::make_unique<SystemClock>();
    Result<std::unique_ptr<Database>> opened = Database::open(config.value(), *composition->systemClock);
    if (!opened)
        return opened.error();
    composition->database = std::move(opened).value();
    composition->assemble(*composition->database, *composition->systemClock, location.dataDir);
    return composition;
}

void Composition::assemble(Database &store, const Clock &clock, const QString &dataDirectory,
                           std::unique_ptr<MasterKeyStore> masterKeyStore)
{
    m_clock = &clock;
    dataDir = dataDirectory;
    settings = std::make_unique<SettingsStore>(store);
    tokens = std::make_unique<TokenService>(store);
    router = std::make_unique<ApiRouter>(*tokens, clock);
    systemController = std::make_unique<SystemController>(*router);

    // The vault seals every secret: the keys of the areas below among them.
    masterKeys = masterKeyStore ? std::move(masterKeyStore) : MasterKeyStore::fromEnvironment();
    vault = std::make_unique<Vault>(store, clock, *masterKeys);

    // Collect sessions (seed 000) and their webhooks.
    webhookOutbox = std::make_unique<WebhookOutbox>(store, clock);
    webhookSigner = std::make_unique<WebhookSigner>(dataDir, store, *vault);
    webhookHeaderSeal = std::make_unique<WebhookHeaderSeal>(*webhookSigner);
    webhooks = std::make_unique<WebhookDispatcher>(store, clock, *webhookSigner);
    webhookLog = std::make_unique<WebhookDeliveryLog>(store);
    collect = std::make_unique<CollectService>(store, clock, *webhookOutbox, *webhookHeaderSeal);
    collectController = std::make_unique<CollectController>(*router, *collect);
    webhookController = std::make_unique<WebhookController>(*router, *collect, *webhookSigner, *webhookLog, *webhooks);
    collectServer = std::make_unique<CollectServer>(*collect, *vault, store);
    // On SQLite nothing else tells the dispatcher that a change queued a delivery.
    QObject::connect(collect.get(), &CollectService::sessionChanged, webhooks.get(), &WebhookDispatcher::wake);

    // The key inventory (seed 001).
    audit = std::make_unique<AuditLog>(store, clock);
    inventory = std::make_unique<InventoryService>(store, clock, *vault, *audit);
    keyController = std::make_unique<KeyController>(*router, *inventory);

    // Connections and their trails (seed 003): the SSH server reports to them, they can end its connections.
    connections = std::make_unique<ConnectionService>(store, clock, *settings, *audit);
    connectionController = std::make_unique<ConnectionController>(*router, *connections, clock);
    // The activity chart counts collected keys: collect/ answers from its own table.
    connections->setCollectedKeyActivity(CollectActivitySource(store));
    collectServer->setRecorder(connections.get());
    connections->setTerminator(collectServer.get());

    // Seed 004: the SSH settings govern the SSH server, trail cleanup and timestamping.
    sshSettings = std::make_unique<SshSettingsService>(store, clock, *audit);
    collectSupervisor = std::make_unique<CollectServerSupervisor>(*collectServer, *sshSettings, CollectServerConfig{});
    connections->setOptionsSource(sshSettings.get());
    trailTimestamper = std::make_unique<TrailTimestamper>(store, clock, *vault, *connections);
    trailTimestamper->setOptionsSource(sshSettings.get());
    connectionController->setTimestamper(trailTimestamper.get());
    configTransactions = std::make_unique<ConfigTransactions>(*sshSettings, clock);
    apiSessions = std::make_unique<ApiSessions>(*tokens, clock);
    configurationController
        = std::make_unique<ConfigurationController>(*router, *sshSettings, *configTransactions, *apiSessions, *tokens);

    // Certificate authorities (seed 002).
    certificates = std::make_unique<CertificateAuthorityService>(store, clock, *vault, *audit);
    caController = std::make_unique<CaController>(*router, *certificates);

    // Trusted host keys (seed 004). Scans speak with the client side algorithms of the active settings policy.
    hostKeys = std::make_unique<HostKeyStore>(store, clock, *audit);
    hostKeyRescanner = std::make_unique<HostKeyRescanner>(*hostKeys, *settings, store, clock);
    SshSettingsService *policies = sshSettings.get();
    auto clientAlgorithms
        = [policies]() -> std::optional<SshAlgorithms> { return policies->activePolicy().clientSide; };
    hostKeyRescanner->setClientAlgorithmsProvider(clientAlgorithms);
    hostKeyController = std::make_unique<HostKeyController>(*router, *hostKeys, clientAlgorithms);

    endpoint = std::make_unique<ApiEndpoint>(*router, store);
    // Session cookies are Secure whenever the endpoint speaks TLS, however it was (re)started.
    ApiEndpoint *api = endpoint.get();
    ApiSessions *sessions = apiSessions.get();
    QObject::connect(api, &ApiEndpoint::stateChanged, api, [api, sessions] {
        sessions->setSecureCookies(api->url().startsWith(QLatin1StringView("https:")));
    });
}

Status Composition::startBackgroundWork(const WebhookDispatcherConfig &webhookConfig)
{
    collect->startExpirySweep(5000);
    // Trail retention is a matter of days: once an hour is often enough.
    connections->startRetentionSweep(60 * 60 * 1000);
    trailTimestamper->start();
    hostKeyRescanner->start();
    return webhooks->start(webhookConfig);
}

void Composition::teardown()
{
    // Threads that call into the services stop before the services go:
    // the endpoint and the SSH server first, then webhook delivery.
    endpoint.reset();
    hostKeyRescanner.reset();
    trailTimestamper.reset();
    collectSupervisor.reset();
    if (connections)
        connections->setTerminator(nullptr);
    collectServer.reset();
    webhooks.reset();
    // Then the rest, users before what they use.
    hostKeyController.reset();
    hostKeys.reset();
    caController.reset();
    certificates.reset();
    configurationController.reset();
    apiSessions.reset();
    configTransactions.reset();
    sshSettings.reset();
    connectionController.reset();
    connections.reset();
    keyController.reset();
    inventory.reset();
    audit.reset();
    webhookController.reset();
    collectController.reset();
    collect.reset();
    webhookLog.reset();
    webhookHeaderSeal.reset();
    webhookSigner.reset();
    webhookOutbox.reset();
    vault.reset();
    masterKeys.reset();
    systemController.reset();
    router.reset();
    tokens.reset();
    settings.reset();
}

Composition::~Composition()
{
    teardown();
}

} // namespace keystead
