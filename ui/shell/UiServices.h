#pragma once

#include <QString>

namespace keystead {
class ApiEndpoint;
class AuditLog;
class CertificateAuthorityService;
class InventoryService;
class Clock;
class CollectServer;
class CollectService;
class ConnectionService;
class HostKeyStore;
class SettingsStore;
class SshSettingsService;
class TokenService;
class Vault;
class WebhookDeliveryLog;
class WebhookDispatcher;
class Composition;
} // namespace keystead

namespace keystead::ui {

// The core objects the window works with, built by app/ and passed in; they outlive the window.
struct UiServices
{
    SettingsStore &settings;
    TokenService &tokens;
    ApiEndpoint &endpoint;
    const Clock &clock;
    CollectService &collect;
    CollectServer &collectServer;
    WebhookDispatcher &webhooks;
    WebhookDeliveryLog &webhookLog;
    InventoryService &inventory;
    Vault &vault;
    AuditLog &audit;
    ConnectionService &connections;
    CertificateAuthorityService &certificates;
    HostKeyStore &hostKeys;
    SshSettingsService &sshSettings;
    // The data folder: the collect server keeps its host keys under it.
    QString dataDir;
};

// The window's view of the composition root (core/composition), for the app and the UI tests alike.
UiServices uiServicesOf(Composition &composition);

} // namespace keystead::ui
