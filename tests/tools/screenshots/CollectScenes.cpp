// The scenes of the main window: the Settings panel, the Collect panel at work
// and the collect session dialog (were tst_mainwindow's screenshots()).

#include "ScreenshotSupport.h"

#include "ui/collect/CollectKeysModel.h"
#include "ui/collect/CollectPanel.h"
#include "ui/collect/CollectSessionDetail.h"
#include "ui/collect/CollectSessionDialog.h"
#include "ui/common/CollectServerSettings.h"
#include "ui/settings/SettingsPanel.h"
#include "ui/shell/MainWindow.h"

#include <QCheckBox>
#include <QLineEdit>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>

using namespace Qt::StringLiterals;

namespace keystead::screenshots {

using test::UiCore;
using ui::MainWindow;

bool collectAndSettingsScene(const QDir &folder)
{
    const std::unique_ptr<UiCore> core = UiCore::create();
    SCREENSHOT_CHECK(core);
    QTemporaryDir settingsDir;
    QSettings windowSettings(settingsDir.filePath(u"window.ini"_s), QSettings::IniFormat);
    const auto window = std::make_unique<MainWindow>(core->services(), windowSettings);
    window->resize(1100, 700);
    window->show();
    SCREENSHOT_CHECK(QTest::qWaitForWindowExposed(window.get()));

    ui::SettingsPanel &settings = window->settingsPanel();
    SCREENSHOT_OK(settings.createToken(u"deploy-pipeline"_s));
    settings.findChild<QCheckBox *>(u"endpointEnabled"_s)->setChecked(true);
    settings.findChild<QLineEdit *>(u"listenAddress"_s)->setText(u"127.0.0.1:0"_s);
    SCREENSHOT_OK(settings.applyEndpointSettings());
    SCREENSHOT_CHECK(core->endpoint->state() == ApiEndpoint::State::Running);

    window->showPanel(MainWindow::Panel::Settings);
    SCREENSHOT_CHECK(save(*window, folder, u"settings-panel.png"_s));

    window->showPanel(MainWindow::Panel::Collect);
    SCREENSHOT_CHECK(save(*window, folder, u"main-window.png"_s));

    // The collect panel at work: the server running, a session that collected two keys.
    QTemporaryDir keyDir;
    const SshPublicKey ed25519 = test::generatePublicKey(keyDir.path(), u"ed25519"_s);
    const SshPublicKey ecdsa = test::generatePublicKey(keyDir.path(), u"ecdsa"_s);
    SCREENSHOT_CHECK(!ed25519.isNull() && !ecdsa.isNull());
    CollectService &collect = *core->collect;

    CollectSessionInput older;
    older.connectionIdentifier = u"build-agent-07"_s;
    older.externalId = u"OPS-1187"_s;
    older.timeout = 3600;
    SCREENSHOT_OK(collect.create(older));
    core->clock.advanceSeconds(7200); // that one expires
    CollectSessionInput waiting;
    waiting.externalId = u"HR-2291 new starter"_s;
    waiting.mustConfirm = true;
    waiting.timeout = 86400;
    SCREENSHOT_OK(collect.create(waiting));
    core->clock.advanceSeconds(600);
    CollectSessionInput input;
    input.connectionIdentifier = u"alice-laptop"_s;
    input.externalId = u"HR-2290 Alice Martin"_s;
    input.multiKey = true;
    input.sshBanner = u"Keystead collects your public keys for the Acme servers."_s;
    input.sshMessage = u"Thank you: your keys are with the operations team."_s;
    input.timeout = 86400;
    const Result<CollectSession> session = collect.create(input);
    SCREENSHOT_OK(session);
    core->clock.advanceSeconds(95);
    const Result<QString> connection
        = collect.connectionOpened(session->id, u"192.0.2.44"_s, u"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"_s);
    SCREENSHOT_OK(connection);
    SCREENSHOT_OK(collect.keyProven(connection.value(), ed25519));
    SCREENSHOT_OK(collect.keyProven(connection.value(), ecdsa));
    SCREENSHOT_OK(collect.connectionClosed(connection.value(), ConnectionOutcome::Kept));

    // The documented port when it is free, so the picture shows the usual line.
    SCREENSHOT_OK(ui::collect_settings::save(*core->settings, u"127.0.0.1:2222"_s, true));
    if (!window->startCollectServer()) {
        SCREENSHOT_OK(ui::collect_settings::save(*core->settings, u"127.0.0.1:0"_s, true));
        SCREENSHOT_OK(window->startCollectServer());
    }
    ui::CollectPanel &panel = window->collectPanel();
    SCREENSHOT_CHECK(panel.selectSession(session->id));
    SCREENSHOT_CHECK(QTest::qWaitFor([&] { return panel.detail().keysModel().collectedKeyCount() == 2; }));
    window->showPanel(MainWindow::Panel::Collect);
    SCREENSHOT_CHECK(save(*window, folder, u"collect-panel.png"_s));

    // The dialog, editing a session with a webhook that shows a field's error.
    CollectSessionPatch withWebhook;
    CollectWebhook webhook;
    webhook.url = u"https://hr.example/hooks/keystead"_s;
    webhook.events = {u"key_collected"_s, u"status_changed"_s};
    webhook.headers.insert(u"Authorization"_s, {u"Bearer 0123456789"_s});
    webhook.headers.insert(u"X-Team"_s, {u"onboarding"_s});
    webhook.retries = 5;
    withWebhook.webhooks = QList<CollectWebhook>{webhook};
    SCREENSHOT_OK(collect.update(session->id, withWebhook));
    std::unique_ptr<ui::CollectSessionDialog> dialog(panel.createEditDialog());
    SCREENSHOT_CHECK(dialog);
    dialog->show();
    SCREENSHOT_CHECK(QTest::qWaitForWindowExposed(dialog.get()));
    SCREENSHOT_CHECK(save(*dialog, folder, u"collect-session-dialog.png"_s));
    dialog->findChild<QTabWidget *>()->setCurrentIndex(1);
    dialog->findChild<QSpinBox *>(u"webhookInitialBackoff"_s)->setValue(1);
    dialog->findChild<QLineEdit *>(u"webhookUrl"_s)->setText(u"hr.example/hooks"_s);
    SCREENSHOT_CHECK(!dialog->save()); // the error the picture shows
    SCREENSHOT_CHECK(save(*dialog, folder, u"collect-session-webhooks.png"_s));
    dialog.reset();
    window->stopCollectServer();
    return true;
}

} // namespace keystead::screenshots
