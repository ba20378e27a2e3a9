#pragma once

#include "TestDatabase.h"

#include "api/ApiEndpoint.h"
#include "api/ApiRouter.h"
#include "api/SystemController.h"
#include "api/TokenService.h"
#include "audit/AuditLog.h"
#include "ca/CertificateAuthorityService.h"
#include "collect/CollectService.h"
#include "collect/WebhookDeliveryLog.h"
#include "collect/WebhookDispatcher.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "collect/WebhookSigner.h"
#include "connections/ConnectionService.h"
#include "hostkeys/HostKeyStore.h"
#include "inventory/InventoryService.h"
#include "secrets/MasterKeyStore.h"
#include "secrets/Vault.h"
#include "settings/SshSettingsService.h"
#include "sshserver/CollectServer.h"
#include "store/SettingsStore.h"
#include "ui/shell/UiServices.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

namespace keystead::test {

// The core objects a window needs, on a fresh store, built as app/Services builds them.
struct UiCore
{
    ManualClock clock;
    std::unique_ptr<TestDatabase> store;
    std::unique_ptr<SettingsStore> settings;
    std::unique_ptr<TokenService> tokens;
    std::unique_ptr<ApiRouter> router;
    std::unique_ptr<SystemController> system;
    std::unique_ptr<WebhookOutbox> outbox;
    std::unique_ptr<WebhookSigner> signer;
    std::unique_ptr<WebhookHeaderSeal> headerSeal;
    std::unique_ptr<WebhookDispatcher> webhooks;
    std::unique_ptr<WebhookDeliveryLog> webhookLog;
    std::unique_ptr<CollectService> collect;
    std::unique_ptr<CollectServer> collectServer;
    std::unique_ptr<MasterKeyStore> masterKeys;
    std::unique_ptr<Vault> vault;
    std::unique_ptr<AuditLog> audit;
    std::unique_ptr<InventoryService> inventory;
    std::unique_ptr<ConnectionService> connections;
    std::unique_ptr<SshSettingsService> sshSettings;
    std::unique_ptr<CertificateAuthorityService> certificates;
    std::unique_ptr<HostKeyStore> hostKeys;
    std::unique_ptr<ApiEndpoint> endpoint;

    static std::unique_ptr<UiCore> create()
    {
        auto core = std::make_unique<UiCore>();
        core->store = TestDatabase::create(core->clock);
        if (!core->store)
            return nullptr;
        Database &database = core->store->database();
        core->settings = std::make_unique<SettingsStore>(database);
        core->tokens = std::make_unique<TokenService>(database);
        core->router = std::make_unique<ApiRouter>(*core->tokens, core->clock);
        core->system = std::make_unique<SystemController>(*core->router);
        core->outbox = std::make_unique<WebhookOutbox>(database, core->clock);
        core->signer = std::make_unique<WebhookSigner>(core->store->dataDir(), database, core->clock);
        core->headerSeal = std::make_unique<WebhookHeaderSeal>(*core->signer);
        core->webhooks = std::make_unique<WebhookDispatcher>(database, core->clock, *core->signer);
        core->webhookLog = std::make_unique<WebhookDeliveryLog>(database);
        core->collect = std::make_unique<CollectService>(database, core->clock, *core->outbox, *core->headerSeal);
        core->collectServer = std::make_unique<CollectServer>(*core->collect, &database);
        // As app/Services: on SQLite the session service's signal is what wakes the dispatcher.
        QObject::connect(core->collect.get(), &CollectService::sessionChanged, core->webhooks.get(),
                         &WebhookDispatcher::wake);
        WebhookDispatcherConfig dispatch;
        dispatch.pollIntervalMs = 0; // the wake-ups above and processDue() send what is due
        dispatch.timeoutMs = 4'000;
        if (!core->webhooks->start(dispatch))
            return nullptr;
        // UI tests run with no session bus, so the vault's master key is in a file.
        core->masterKeys = std::make_unique<FileMasterKeyStore>(core->store->dataDir() + QStringLiteral("/master.key"));
        core->vault = std::make_unique<Vault>(database, core->clock, *core->masterKeys);
        core->audit = std::make_unique<AuditLog>(database, core->clock);
        core->inventory = std::make_unique<InventoryService>(database, core->clock, *core->vault, *core->audit);
        core->connections = std::make_unique<ConnectionService>(database, core->clock, *core->settings, *core->audit);
        core->collectServer->setRecorder(core->connections.get());
        core->connections->setTerminator(core->collectServer.get());
        core->sshSettings = std::make_unique<SshSettingsService>(database, core->clock, *core->audit);
        core->connections->setOptionsSource(core->sshSettings.get());
        core->certificates
            = std::make_unique<CertificateAuthorityService>(database, core->clock, *core->vault, *core->audit);
        core->hostKeys = std::make_unique<HostKeyStore>(database, core->clock, *core->audit);
        core->endpoint = std::make_unique<ApiEndpoint>(*core->router, database);
        return core;
    }

    ~UiCore()
    {
        // Threads that call into the others go first: the endpoint, the collect server, webhook delivery.
        endpoint.reset();
        if (connections)
            connections->setTerminator(nullptr);
        collectServer.reset();
        webhooks.reset();
    }

    ui::UiServices services()
    {
        return ui::UiServices{*settings,     *tokens,     *endpoint,    clock,           *collect, *collectServer,
                              *webhooks,     *webhookLog, *inventory,   *vault,          *audit,   *connections,
                              *certificates, *hostKeys,   *sshSettings, store->dataDir()};
    }
};

// A new key pair made by ssh-keygen in `dir` ("ed25519", "ecdsa", "rsa"); its public half.
inline SshPublicKey generatePublicKey(const QString &dir, const QString &type)
{
    static int made = 0;
    const QString path = QDir(dir).filePath(QStringLiteral("%1_%2").arg(type).arg(++made));
    QProcess keygen;
    keygen.start(QStringLiteral("ssh-keygen"),
                 {QStringLiteral("-q"), QStringLiteral("-t"), type, QStringLiteral("-N"), QString(),
                  QStringLiteral("-C"), QStringLiteral("user@example"), QStringLiteral("-f"), path});
    if (!keygen.waitForFinished(60'000) || keygen.exitCode() != 0)
        return {};
    QFile file(path + QStringLiteral(".pub"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    Result<SshPublicKey> parsed = SshPublicKey::fromOpenSshLine(QString::fromLatin1(file.readAll()).trimmed());
    return parsed ? parsed.value() : SshPublicKey();
}

// Keeps a test away from the user's files and session: QStandardPaths test
// mode (so QSettings writes under ~/.qttest), a private XDG_RUNTIME_DIR, no
// session bus (no notification reaches the user's desktop), offscreen.
inline int runUiTest(QObject &test, int argc, char **argv)
{
    QTemporaryDir runtimeDir; // created 0700, as the XDG spec asks
    qputenv("XDG_RUNTIME_DIR", runtimeDir.path().toLocal8Bit());
    qunsetenv("DBUS_SESSION_BUS_ADDRESS");
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QApplication application(argc, argv);
    return QTest::qExec(&test, argc, argv);
}

} // namespace keystead::test

#define KEYSTEAD_UI_TEST_MAIN(TestClass)                                                                               \
    int main(int argc, char **argv)                                                                                    \
    {                                                                                                                  \
        TestClass test;                                                                                                \
        return keystead::test::runUiTest(test, argc, argv);                                                            \
    }
