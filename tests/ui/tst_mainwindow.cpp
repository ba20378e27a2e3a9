#include "UiTestSupport.h"

#include "ui/collect/CollectKeysModel.h"
#include "ui/collect/CollectPanel.h"
#include "ui/collect/CollectSessionDetail.h"
#include "ui/collect/CollectSessionDialog.h"
#include "ui/common/CollectServerSettings.h"
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

KEYSTEAD_UI_TEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
