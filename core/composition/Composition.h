#pragma once

#include "api/ApiEndpoint.h"
#include "api/ApiRouter.h"
#include "api/ApiSessions.h"
#include "api/CaController.h"
#include "api/CollectController.h"
#include "api/ConfigTransactions.h"
#include "api/ConfigurationController.h"
#include "api/ConnectionController.h"
#include "api/HostKeyController.h"
#include "api/KeyController.h"
#include "api/SystemController.h"
#include "api/TokenService.h"
#include "api/WebhookController.h"
#include "audit/AuditLog.h"
#include "ca/CertificateAuthorityService.h"
#include "collect/CollectService.h"
#include "collect/WebhookDeliveryLog.h"
#include "collect/WebhookDispatcher.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "collect/WebhookSigner.h"
#include "common/Clock.h"
#include "connections/ConnectionService.h"
#include "connections/TrailTimestamper.h"
#include "hostkeys/HostKeyRescanner.h"
#include "hostkeys/HostKeyStore.h"
#include "inventory/InventoryService.h"
#include "secrets/MasterKeyStore.h"
#include "secrets/Vault.h"
#include "settings/SshSettingsService.h"
#include "sshserver/CollectServer.h"
#include "sshserver/CollectServerSupervisor.h"
#include "store/Database.h"
#include "store/SettingsStore.h"

#include <memory>

namespace keystead {

// Where the store is, from the command line and the environment.
struct StoreLocation
{
    QString dataDir; // --data-dir, else KEYSTEAD_DATA_DIR, else the platform's data folder
    QString databaseUrl; // --database, else sqlite: in the data folder
};

// The composition root: every core object, built once, in one place, and
// handed to whoever needs it (no singletons). The window, `keystead serve`,
// `keystead token`, the UI tests and the API tests all build Keystead here,
// so the object graph is wired once.
//
// open() opens the store itself; a test that brings its own store and clock
// calls assemble() instead. Background work (webhook delivery, expiry,
// retention, timestamping, rescans) starts only with startBackgroundWork(),
// so one-shot commands such as `token create` stay quick.
class Composition
{
public:
    Composition() = default;
    Composition(const Composition &) = delete;
    Composition &operator=(const Composition &) = delete;
    virtual ~Composition();

    // Creates the data folder (owner-only), opens the store it names and assembles everything on it.
    static Result<std::unique_ptr<Composition>> open(const StoreLocation &location);

    // Builds every service on `store`. `clock` and `store` must outlive
    // the composition (or teardown() must run first). Without `masterKeys`
    // the vault's key comes from the environment (keychain or KEYSTEAD_MASTER_KEY_FILE).
    void assemble(Database &store, const Clock &clock, const QString &dataDir,
                  std::unique_ptr<MasterKeyStore> masterKeys = {});

    Status startBackgroundWork(const WebhookDispatcherConfig &webhookConfig = {});

    // Stops the threads that call into the services, then frees every
    // service, in dependency order. The destructor runs it; an owner whose
    // store or clock dies first runs it before.
    void teardown();

    const Clock &clockRef() const { return *m_clock; }

    // Owned only when open() made them: declared first, so they go last.
    std::unique_ptr<SystemClock> systemClock;
    std::unique_ptr<Database> database;

    std::unique_ptr<SettingsStore> settings;
    std::unique_ptr<TokenService> tokens;
    std::unique_ptr<ApiRouter> router;
    std::unique_ptr<SystemController> systemController;
    std::unique_ptr<WebhookOutbox> webhookOutbox;
    std::unique_ptr<WebhookSigner> webhookSigner;
    std::unique_ptr<WebhookHeaderSeal> webhookHeaderSeal;
    std::unique_ptr<WebhookDispatcher> webhooks;
    std::unique_ptr<WebhookDeliveryLog> webhookLog;
    std::unique_ptr<CollectService> collect;
    std::unique_ptr<CollectController> collectController;
    std::unique_ptr<WebhookController> webhookController;
    std::unique_ptr<CollectServer> collectServer;
    std::unique_ptr<MasterKeyStore> masterKeys;
    std::unique_ptr<Vault> vault;
    std::unique_ptr<AuditLog> audit;
    std::unique_ptr<InventoryService> inventory;
    std::unique_ptr<KeyController> keyController;
    std::unique_ptr<ConnectionService> connections;
    std::unique_ptr<ConnectionController> connectionController;
    std::unique_ptr<SshSettingsService> sshSettings;
    std::unique_ptr<CollectServerSupervisor> collectSupervisor;
    std::unique_ptr<TrailTimestamper> trailTimestamper;
    std::unique_ptr<ConfigTransactions> configTransactions;
    std::unique_ptr<ApiSessions> apiSessions;
    std::unique_ptr<ConfigurationController> configurationController;
    std::unique_ptr<CertificateAuthorityService> certificates;
    std::unique_ptr<CaController> caController;
    std::unique_ptr<HostKeyStore> hostKeys;
    std::unique_ptr<HostKeyRescanner> hostKeyRescanner;
    std::unique_ptr<HostKeyController> hostKeyController;
    std::unique_ptr<ApiEndpoint> endpoint;
    QString dataDir;

private:
    const Clock *m_clock = nullptr;
};

} // namespace keystead
