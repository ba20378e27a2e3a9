#include "UiTestSupport.h"

#include "ui/collect/CollectKeysModel.h"
#include "ui/collect/CollectPanel.h"
#include "ui/collect/CollectServerSettings.h"
#include "ui/collect/CollectSessionDetail.h"
#include "ui/collect/CollectSessionDialog.h"
#include "ui/common/EmptyStatePanel.h"
#include "ui/settings/SettingsPanel.h"
#include "ui/settings/TokensModel.h"
#include "ui/shell/AboutDialog.h"
#include "ui/shell/MainWindow.h"

#include <QAction>
#include <QCheckBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPointer>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTreeView>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;
using keystead::ui::MainWindow;

Q_DECLARE_METATYPE(MainWindow::Panel)

class TestMainWindow final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void navigationReachesEveryPanel_data();
    void navigationReachesEveryPanel();
    void restoresGeometryAndLastPanel();
    void startsWithDefaultsWhenNothingIsSaved();
    void collectServerActionStartsAndStops();
    void collectServerThatCannotStartSaysWhy();
    void aboutDialogOpens();
    void statusBarFollowsTheEndpoint();
    void statusBarShowsAFailedStart();
    void screenshots();

private:
    std::unique_ptr<MainWindow> makeWindow()
    {
        return std::make_unique<MainWindow>(m_core->services(), *m_windowSettings);
    }

    std::unique_ptr<UiCore> m_core;
    std::unique_ptr<QTemporaryDir> m_settingsDir;
    std::unique_ptr<QSettings> m_windowSettings;
};

void TestMainWindow::init()
{
    m_core = UiCore::create();
    QVERIFY(m_core);
    m_settingsDir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_settingsDir->isValid());
    m_windowSettings = std::make_unique<QSettings>(m_settingsDir->filePath(u"window.ini"_s), QSettings::IniFormat);
}

void TestMainWindow::cleanup()
{
    m_windowSettings.reset();
    m_settingsDir.reset();
    m_core.reset();
}

void TestMainWindow::navigationReachesEveryPanel_data()
{
    QTest::addColumn<MainWindow::Panel>("panel");
    QTest::addColumn<QString>("title");
    // The table each panel shows first; empty for the Settings panel, which has none.
    QTest::addColumn<QString>("table");
    QTest::newRow("collect") << MainWindow::Panel::Collect << u"Collect sessions"_s << u"sessions"_s;
    QTest::newRow("keys") << MainWindow::Panel::Keys << u"Keys"_s << u"keys"_s;
    QTest::newRow("certificates") << MainWindow::Panel::Certificates << u"Certificates"_s << u"authorities"_s;
    QTest::newRow("connections") << MainWindow::Panel::Connections << u"Connections"_s << u"connections"_s;
    QTest::newRow("host keys") << MainWindow::Panel::HostKeys << u"Host keys"_s << u"trustedHostKeys"_s;
    QTest::newRow("settings") << MainWindow::Panel::Settings << u"Settings"_s << QString();
}

void TestMainWindow::navigationReachesEveryPanel()
{
    QFETCH(MainWindow::Panel, panel);
    QFETCH(QString, title);
    QFETCH(QString, table);

    const auto window = makeWindow();
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    auto *navigation = window->findChild<QListWidget *>(u"navigation"_s);
    auto *panels = window->findChild<QStackedWidget *>(u"panels"_s);
    QVERIFY(navigation && panels);
    QCOMPARE(navigation->count(), MainWindow::kPanelCount);
    QCOMPARE(panels->count(), MainWindow::kPanelCount);

    // Start elsewhere, so the click has to change something.
    const int row = static_cast<int>(panel);
    window->showPanel(row == 0 ? MainWindow::Panel::Settings : MainWindow::Panel::Collect);
    QSignalSpy changed(panels, &QStackedWidget::currentChanged);

    QListWidgetItem *item = navigation->item(row);
    QCOMPARE(item->text(), title);
    QVERIFY(!item->icon().isNull());
    QTest::mouseClick(navigation->viewport(), Qt::LeftButton, {}, navigation->visualItemRect(item).center());

    QCOMPARE(changed.count(), 1);
    QCOMPARE(window->currentPanel(), panel);
    QCOMPARE(panels->currentWidget(), window->panel(panel));
    QVERIFY(panels->currentWidget()->isVisible());
    // Every area is built: none is only the "being built" placeholder any more.
    QVERIFY(!qobject_cast<ui::EmptyStatePanel *>(panels->currentWidget()));
    if (table.isEmpty()) {
        QCOMPARE(panels->currentWidget(), &window->settingsPanel());
    } else {
        // Present, though an area with nothing in it yet shows its empty state in front of it.
        QVERIFY2(panels->currentWidget()->findChild<QTableView *>(table), qPrintable(table));
    }
}

void TestMainWindow::restoresGeometryAndLastPanel()
{
    {
        const auto first = makeWindow();
        first->show();
        QVERIFY(QTest::qWaitForWindowExposed(first.get()));
        first->resize(920, 610);
        first->showPanel(MainWindow::Panel::Certificates);
        QTRY_COMPARE(first->size(), QSize(920, 610));
        QVERIFY(first->close());
    }
    const auto second = makeWindow();
    QCOMPARE(second->currentPanel(), MainWindow::Panel::Certificates);
    QCOMPARE(second->size(), QSize(920, 610));
    second->show();
    QVERIFY(QTest::qWaitForWindowExposed(second.get()));
    QCOMPARE(second->size(), QSize(920, 610));
    QVERIFY(second->panel(MainWindow::Panel::Certificates)->isVisible());

    // The panel is kept by name, not by position.
    QCOMPARE(m_windowSettings->value("window/panel").toString(), u"Certificates"_s);
}

void TestMainWindow::startsWithDefaultsWhenNothingIsSaved()
{
    const auto window = makeWindow();
    QCOMPARE(window->currentPanel(), MainWindow::Panel::Collect);
    QCOMPARE(window->size(), QSize(1100, 700));

    m_windowSettings->setValue("window/panel", u"NoSuchPanel"_s);
    const auto again = makeWindow();
    QCOMPARE(again->currentPanel(), MainWindow::Panel::Collect);
}

void TestMainWindow::collectServerActionStartsAndStops()
{
    KEYSTEAD_VERIFY_OK(ui::collect_settings::save(*m_core->settings, u"127.0.0.1:0"_s, true));
    const auto window = makeWindow();
    QAction *action = window->collectServerAction();
    QVERIFY(action);
    QVERIFY(action->isCheckable());
    QVERIFY(action->isEnabled());
    QVERIFY(!action->isChecked());
    QVERIFY(!action->icon().isNull());
    QCOMPARE(action->text(), u"Start collect server"_s);
    QCOMPARE(window->collectServerStatusText(), u"Collect server: stopped"_s);

    QSignalSpy states(m_core->collectServer.get(), &CollectServer::stateChanged);
    action->trigger();
    QCOMPARE(states.count(), 1);
    const CollectServer &server = *m_core->collectServer;
    QCOMPARE(server.state(), CollectServer::State::Running);
    QVERIFY(server.boundPort() != 0);
    QVERIFY(action->isChecked());
    QCOMPARE(action->text(), u"Stop collect server"_s);
    QCOMPARE(window->collectServerStatusText(), u"Collect server: listening on 127.0.0.1:%1"_s.arg(server.boundPort()));

    // A real SSH server answers there.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server.boundPort());
    QVERIFY(socket.waitForConnected(5000));
    QVERIFY(socket.waitForReadyRead(10000));
    QVERIFY(socket.readAll().startsWith("SSH-2.0-"));
    socket.abort();

    action->trigger();
    QCOMPARE(states.count(), 2);
    QCOMPARE(server.state(), CollectServer::State::Stopped);
    QVERIFY(!action->isChecked());
    QCOMPARE(window->collectServerStatusText(), u"Collect server: stopped"_s);
}

void TestMainWindow::collectServerThatCannotStartSaysWhy()
{
    QTcpServer occupant;
    QVERIFY(occupant.listen(QHostAddress::LocalHost, 0));
    KEYSTEAD_VERIFY_OK(
        ui::collect_settings::save(*m_core->settings, u"127.0.0.1:%1"_s.arg(occupant.serverPort()), true));
    const auto window = makeWindow();
    window->collectServerAction()->trigger();
    QCOMPARE(m_core->collectServer->state(), CollectServer::State::Failed);
    QVERIFY(!window->collectServerAction()->isChecked());
    QVERIFY2(window->collectServerStatusText().startsWith(u"Collect server: failed – "_s),
             qPrintable(window->collectServerStatusText()));
    QVERIFY(window->collectServerStatusText().contains(QString::number(occupant.serverPort())));

    // A stored address that does not parse (written by another tool) never reaches the server.
    KEYSTEAD_VERIFY_OK(m_core->settings->setValue(QString(ui::collect_settings::kListen), u"nowhere"_s));
    QVERIFY(!window->startCollectServer());
    QVERIFY2(window->collectServerStatusText().startsWith(u"Collect server: failed – "_s),
             qPrintable(window->collectServerStatusText()));
    QVERIFY(window->collectServerStatusText().contains(u"nowhere"_s));
    QVERIFY(!window->collectServerAction()->isChecked());
}

void TestMainWindow::aboutDialogOpens()
{
    const auto window = makeWindow();
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    QVERIFY(!window->findChild<ui::AboutDialog *>());

    window->aboutAction()->trigger();
    auto *about = window->findChild<ui::AboutDialog *>();
    QVERIFY(about);
    QVERIFY(about->isVisible());
    QVERIFY(about->isModal() || about->windowModality() != Qt::NonModal);
    auto *name = about->findChild<QLabel *>(u"name"_s);
    QVERIFY(name);
    QCOMPARE(name->text(), u"Keystead "_s + QStringLiteral(KEYSTEAD_VERSION));

    const QString report = ui::AboutDialog::versionReport();
    QVERIFY2(report.contains(u"Qt "_s + QString::fromLatin1(qVersion())), qPrintable(report));
    QVERIFY2(report.contains(u"libssh 0."_s), qPrintable(report));
    QVERIFY2(report.contains(u"OpenSSL 3."_s), qPrintable(report));

    // It closes and goes away: no dialog piles up behind the window.
    QPointer<ui::AboutDialog> guard(about);
    about->reject();
    QTRY_VERIFY(guard.isNull());
}

void TestMainWindow::statusBarFollowsTheEndpoint()
{
    const auto window = makeWindow();
    QCOMPARE(window->endpointStatusText(), u"HTTP API: off"_s);

    ApiEndpoint &endpoint = *m_core->endpoint;
    QSignalSpy states(&endpoint, &ApiEndpoint::stateChanged);
    EndpointConfig config;
    config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    KEYSTEAD_VERIFY_OK(endpoint.start(config));
    QCOMPARE(states.count(), 1);
    QVERIFY(endpoint.port() != 0);
    QCOMPARE(window->endpointStatusText(), u"HTTP API: http://127.0.0.1:%1"_s.arg(endpoint.port()));

    endpoint.stop();
    QCOMPARE(states.count(), 2);
    QCOMPARE(window->endpointStatusText(), u"HTTP API: off"_s);
}

void TestMainWindow::statusBarShowsAFailedStart()
{
    QTcpServer occupant;
    QVERIFY(occupant.listen(QHostAddress::LocalHost, 0));
    const auto window = makeWindow();

    QSignalSpy states(m_core->endpoint.get(), &ApiEndpoint::stateChanged);
    EndpointConfig config;
    config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), occupant.serverPort()};
    QVERIFY(!m_core->endpoint->start(config));
    QCOMPARE(states.count(), 1);
    QVERIFY2(window->endpointStatusText().startsWith(u"HTTP API: failed – "_s),
             qPrintable(window->endpointStatusText()));
    QVERIFY(window->endpointStatusText().contains(QString::number(occupant.serverPort())));
}

void TestMainWindow::screenshots()
{
    const QString folder = qEnvironmentVariable("KEYSTEAD_SCREENSHOT_DIR");
    if (folder.isEmpty())
        QSKIP("set KEYSTEAD_SCREENSHOT_DIR to write screenshots");
    QVERIFY(QDir().mkpath(folder));

    const auto window = makeWindow();
    window->resize(1100, 700);
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));

    ui::SettingsPanel &settings = window->settingsPanel();
    KEYSTEAD_VERIFY_OK(settings.createToken(u"deploy-pipeline"_s));
    settings.findChild<QCheckBox *>(u"endpointEnabled"_s)->setChecked(true);
    settings.findChild<QLineEdit *>(u"listenAddress"_s)->setText(u"127.0.0.1:0"_s);
    KEYSTEAD_VERIFY_OK(settings.applyEndpointSettings());
    QCOMPARE(m_core->endpoint->state(), ApiEndpoint::State::Running);

    window->showPanel(MainWindow::Panel::Settings);
    QTest::qWait(50); // lets the layouts settle before the grab
    QVERIFY(window->grab().save(QDir(folder).filePath(u"settings-panel.png"_s)));

    window->showPanel(MainWindow::Panel::Collect);
    QTest::qWait(50);
    QVERIFY(window->grab().save(QDir(folder).filePath(u"main-window.png"_s)));

    // The collect panel at work: the server running, a session that collected two keys.
    QTemporaryDir keyDir;
    const SshPublicKey ed25519 = generatePublicKey(keyDir.path(), u"ed25519"_s);
    const SshPublicKey ecdsa = generatePublicKey(keyDir.path(), u"ecdsa"_s);
    QVERIFY(!ed25519.isNull() && !ecdsa.isNull());
    CollectService &collect = *m_core->collect;

    CollectSessionInput older;
    older.connectionIdentifier = u"build-agent-07"_s;
    older.externalId = u"OPS-1187"_s;
    older.timeout = 3600;
    KEYSTEAD_VERIFY_OK(collect.create(older));
    m_core->clock.advanceSeconds(7200); // that one expires
    CollectSessionInput waiting;
    waiting.externalId = u"HR-2291 new starter"_s;
    waiting.mustConfirm = true;
    waiting.timeout = 86400;
    KEYSTEAD_VERIFY_OK(collect.create(waiting));
    m_core->clock.advanceSeconds(600);
    CollectSessionInput input;
    input.connectionIdentifier = u"alice-laptop"_s;
    input.externalId = u"HR-2290 Alice Martin"_s;
    input.multiKey = true;
    input.sshBanner = u"Keystead collects your public keys for the Acme servers."_s;
    input.sshMessage = u"Thank you: your keys are with the operations team."_s;
    input.timeout = 86400;
    const Result<CollectSession> session = collect.create(input);
    KEYSTEAD_VERIFY_OK(session);
    m_core->clock.advanceSeconds(95);
    const Result<QString> connection
        = collect.connectionOpened(session->id, u"192.0.2.44"_s, u"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"_s);
    KEYSTEAD_VERIFY_OK(connection);
    KEYSTEAD_VERIFY_OK(collect.keyProven(connection.value(), ed25519));
    KEYSTEAD_VERIFY_OK(collect.keyProven(connection.value(), ecdsa));
    KEYSTEAD_VERIFY_OK(collect.connectionClosed(connection.value(), ConnectionOutcome::Kept));

    // The documented port when it is free, so the picture shows the usual line.
    KEYSTEAD_VERIFY_OK(ui::collect_settings::save(*m_core->settings, u"127.0.0.1:2222"_s, true));
    if (!window->startCollectServer()) {
        KEYSTEAD_VERIFY_OK(ui::collect_settings::save(*m_core->settings, u"127.0.0.1:0"_s, true));
        KEYSTEAD_VERIFY_OK(window->startCollectServer());
    }
    ui::CollectPanel &panel = window->collectPanel();
    QVERIFY(panel.selectSession(session->id));
    QTRY_COMPARE(panel.detail().keysModel().collectedKeyCount(), 2);
    window->showPanel(MainWindow::Panel::Collect);
    QTest::qWait(50);
    QVERIFY(window->grab().save(QDir(folder).filePath(u"collect-panel.png"_s)));

    // The dialog, editing a session with a webhook that shows a field's error.
    CollectSessionPatch withWebhook;
    CollectWebhook webhook;
    webhook.url = u"https://hr.example/hooks/keystead"_s;
    webhook.events = {u"key_collected"_s, u"status_changed"_s};
    webhook.headers.insert(u"Authorization"_s, {u"Bearer 0123456789"_s});
    webhook.headers.insert(u"X-Team"_s, {u"onboarding"_s});
    webhook.retries = 5;
    withWebhook.webhooks = QList<CollectWebhook>{webhook};
    KEYSTEAD_VERIFY_OK(collect.update(session->id, withWebhook));
    std::unique_ptr<ui::CollectSessionDialog> dialog(panel.createEditDialog());
    QVERIFY(dialog);
    dialog->show();
    QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
    QTest::qWait(50);
    QVERIFY(dialog->grab().save(QDir(folder).filePath(u"collect-session-dialog.png"_s)));
    dialog->findChild<QTabWidget *>()->setCurrentIndex(1);
    dialog->findChild<QSpinBox *>(u"webhookInitialBackoff"_s)->setValue(1);
    dialog->findChild<QLineEdit *>(u"webhookUrl"_s)->setText(u"hr.example/hooks"_s);
    QVERIFY(!dialog->save());
    QTest::qWait(50);
    QVERIFY(dialog->grab().save(QDir(folder).filePath(u"collect-session-webhooks.png"_s)));
    dialog.reset();
    window->stopCollectServer();
}

KEYSTEAD_UI_TEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
