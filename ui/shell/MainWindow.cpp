#include "ui/shell/MainWindow.h"

#include "api/ApiEndpoint.h"
#include "audit/AuditLog.h"
#include "collect/CollectService.h"
#include "settings/SshSettingsService.h"
#include "sshserver/CollectServer.h"
#include "sshserver/CollectServerSupervisor.h"
#include "ui/certificates/CertificatesPanel.h"
#include "ui/collect/CollectPanel.h"
#include "ui/common/CollectServerSettings.h"
#include "ui/common/DesktopNotifier.h"
#include "ui/common/Icons.h"
#include "ui/connections/ConnectionsPanel.h"
#include "ui/hostkeys/HostKeysPanel.h"
#include "ui/keys/KeysPanel.h"
#include "ui/settings/SettingsPanel.h"
#include "ui/shell/AboutDialog.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMetaEnum>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QToolBar>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

constexpr QSize kDefaultSize(1100, 700);
constexpr int kStatusMessageMs = 15'000;

constexpr QLatin1StringView kGeometryKey{"window/geometry"};
constexpr QLatin1StringView kStateKey{"window/state"};
constexpr QLatin1StringView kPanelKey{"window/panel"};

} // namespace

MainWindow::MainWindow(UiServices services, QWidget *parent)
    : MainWindow(services, std::make_unique<QSettings>(QSettings::UserScope, u"keystead"_s, u"window"_s), nullptr,
                 parent)
{
}

MainWindow::MainWindow(UiServices services, QSettings &windowSettings, QWidget *parent)
    : MainWindow(services, nullptr, &windowSettings, parent)
{
}

MainWindow::MainWindow(UiServices services, std::unique_ptr<QSettings> ownSettings, QSettings *windowSettings,
                       QWidget *parent)
    : QMainWindow(parent)
    , m_services(services)
    , m_ownSettings(std::move(ownSettings))
    , m_windowSettings(windowSettings ? *windowSettings : *m_ownSettings)
{
    setWindowTitle(tr("Keystead"));

    m_navigation = new QListWidget(this);
    m_navigation->setObjectName(u"navigation"_s);
    m_navigation->setIconSize(QSize(22, 22));
    m_navigation->setSpacing(2);
    m_navigation->setUniformItemSizes(true);
    m_navigation->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

    m_panels = new QStackedWidget(this);
    m_panels->setObjectName(u"panels"_s);

    m_collectPanel = new CollectPanel(CollectPanelServices{services.collect, services.collectServer, services.webhooks,
                                                           services.webhookLog, services.inventory, services.settings,
                                                           services.clock},
                                      m_panels);
    addPanel(Panel::Collect, u"collect"_s, tr("Collect sessions"), m_collectPanel);
    addPanel(Panel::Keys, u"keys"_s, tr("Keys"),
             new KeysPanel(KeysPanelServices{services.inventory, services.vault}, m_panels));
    m_certificatesPanel = new CertificatesPanel(services.certificates, services.inventory, services.collect,
                                                services.settings, services.clock, m_panels);
    addPanel(Panel::Certificates, u"certificates"_s, tr("Certificates"), m_certificatesPanel);
    addPanel(Panel::Connections, u"connections"_s, tr("Connections"),
             new ConnectionsPanel(ConnectionsPanelServices{services.connections, services.clock}, m_panels));
    addPanel(Panel::HostKeys, u"hostkeys"_s, tr("Host keys"),
             new HostKeysPanel(services.hostKeys, services.sshSettings, services.settings, services.clock, m_panels));
    m_settingsPanel = new SettingsPanel(services.settings, services.tokens, services.endpoint, services.vault,
                                        services.audit, services.connections, m_panels);
    addPanel(Panel::Settings, u"settings"_s, tr("Settings"), m_settingsPanel);
    connect(m_settingsPanel, &SettingsPanel::collectSettingsApplied, this, &MainWindow::collectSettingsApplied);

    m_notifier = new DesktopNotifier(this);
    // Queued when the SSH server's thread records the key.
    connect(&m_services.collect, &CollectService::keyCollected, this, &MainWindow::notifyKeyCollected);

    // Wide enough for the longest title in the language shown, no wider.
    int widest = 0;
    for (int row = 0; row < m_navigation->count(); ++row)
        widest = std::max(widest, m_navigation->fontMetrics().horizontalAdvance(m_navigation->item(row)->text()));
    m_navigation->setFixedWidth(widest + m_navigation->iconSize().width() + 2 * m_navigation->frameWidth() + 40);
    connect(m_navigation, &QListWidget::currentRowChanged, m_panels, &QStackedWidget::setCurrentIndex);

    auto *central = new QWidget(this);
    auto *layout = new QHBoxLayout(central);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->addWidget(m_navigation);
    layout->addWidget(m_panels, 1);
    setCentralWidget(central);

    createActions();
    createStatusBar();
    restoreWindowSettings();
}

MainWindow::~MainWindow() = default;

void MainWindow::addPanel(Panel panel, const QString &iconName, const QString &title, QWidget *widget)
{
    Q_ASSERT(m_panels->count() == static_cast<int>(panel));
    widget->setObjectName(QString::fromLatin1(QMetaEnum::fromType<Panel>().valueToKey(static_cast<int>(panel))));
    m_panels->addWidget(widget);
    const QColor selected = m_navigation->palette().color(QPalette::HighlightedText);
    auto *item = new QListWidgetItem(keysteadIcon(iconName, selected, m_navigation->iconSize()), title, m_navigation);
    item->setSizeHint(QSize(0, 36));
}

void MainWindow::createActions()
{
    auto *toolBar = addToolBar(tr("Main"));
    toolBar->setObjectName(u"mainToolBar"_s);
    toolBar->setMovable(false);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->setIconSize(QSize(20, 20));

    QIcon startStop;
    startStop.addFile(u":/keystead/icons/start.svg"_s, {}, QIcon::Normal, QIcon::Off);
    startStop.addFile(u":/keystead/icons/stop.svg"_s, {}, QIcon::Normal, QIcon::On);
    m_collectServerAction = toolBar->addAction(startStop, tr("Start collect server"));
    m_collectServerAction->setObjectName(u"collectServer"_s);
    m_collectServerAction->setCheckable(true);
    // triggered, not toggled: following the server's state must not start or stop it again.
    connect(m_collectServerAction, &QAction::triggered, this, [this](bool checked) {
        if (checked)
            (void)startCollectServer();
        else
            stopCollectServer();
    });

    auto *spacer = new QWidget(toolBar);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    toolBar->addWidget(spacer);

    m_aboutAction = toolBar->addAction(keysteadIcon(u"about"), tr("About Keystead"));
    m_aboutAction->setObjectName(u"about"_s);
    m_aboutAction->setMenuRole(QAction::AboutRole);
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::showAbout);
}

void MainWindow::showExpiringCertificates(int count)
{
    m_expiringCertificates->setVisible(count > 0);
    m_expiringCertificates->setText(tr("%n certificate(s) expire soon", nullptr, count));
}

void MainWindow::createStatusBar()
{
    m_collectServerStatus = new QLabel(this);
    m_collectServerStatus->setObjectName(u"collectServerStatus"_s);
    m_collectServerStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_endpointStatus = new QLabel(this);
    m_endpointStatus->setObjectName(u"endpointStatus"_s);
    m_endpointStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Certificates that expire soon: hidden while there are none.
    m_expiringCertificates = new QLabel(this);
    m_expiringCertificates->setObjectName(u"expiringCertificates"_s);
    m_expiringCertificates->setVisible(false);
    statusBar()->addPermanentWidget(m_expiringCertificates);
    connect(m_certificatesPanel, &CertificatesPanel::expiringCountChanged, this, &MainWindow::showExpiringCertificates);
    showExpiringCertificates(m_certificatesPanel->expiringCount());
    statusBar()->addPermanentWidget(m_collectServerStatus);
    statusBar()->addPermanentWidget(m_endpointStatus);
    showEndpointState();
    connect(&m_services.endpoint, &ApiEndpoint::stateChanged, this, &MainWindow::showEndpointState);
    showCollectServerState();
    connect(&m_services.collectServer, &CollectServer::stateChanged, this, [this] {
        m_collectServerProblem.clear();
        showCollectServerState();
    });
}

Result<CollectServerConfig> MainWindow::collectServerConfig() const
{
    Result<ListenAddress> listen = collect_settings::listenAddress(m_services.settings);
    if (!listen)
        return listen.error();
    CollectServerConfig config;
    config.listen = listen.value();
    config.dataDir = m_services.dataDir;
    return config;
}

Status MainWindow::writeServiceEnabled(bool enabled)
{
    SshSettingsService &settings = m_collectSupervisor->settings();
    Result<SshOptions> options = settings.options();
    if (!options)
        return options.error();
    if (options->serviceEnabled == enabled)
        return {};
    options->serviceEnabled = enabled;
    return settings.setOptions(options.value(), Actor::console());
}

void MainWindow::setCollectSupervisor(CollectServerSupervisor *supervisor)
{
    if (m_collectSupervisor)
        disconnect(m_collectSupervisor, nullptr, this, nullptr);
    m_collectSupervisor = supervisor;
    if (!supervisor)
        return;
    connect(supervisor, &CollectServerSupervisor::startFailed, this, [this] { showCollectServerState(); });
    Result<CollectServerConfig> config = collectServerConfig();
    if (!config) {
        // Not started on an address nobody chose; the status bar says why.
        m_collectServerProblem = config.error().message;
        showCollectServerState();
        return;
    }
    supervisor->setBaseConfig(config.value());
    m_collectListen = config->listen;
    QApplication::setOverrideCursor(Qt::WaitCursor);
    static_cast<void>(supervisor->apply()); // a failure shows in the status bar
    QApplication::restoreOverrideCursor();
    showCollectServerState();
}

Status MainWindow::startCollectServer()
{
    Result<CollectServerConfig> config = collectServerConfig();
    if (!config) {
        m_collectServerProblem = config.error().message;
        showCollectServerState();
        return config.error();
    }
    if (m_collectSupervisor) {
        m_collectSupervisor->setBaseConfig(config.value());
        if (Status written = writeServiceEnabled(true); !written) {
            m_collectServerProblem = written.error().message;
            showCollectServerState();
            return written;
        }
    }
    // The first start makes the host keys (RSA 3072 takes a moment); the window waits for it.
    QApplication::setOverrideCursor(Qt::WaitCursor);
    Status started
        = m_collectSupervisor ? m_collectSupervisor->apply() : m_services.collectServer.start(config.value());
    QApplication::restoreOverrideCursor();
    m_collectListen = config->listen;
    showCollectServerState();
    return started;
}

void MainWindow::stopCollectServer()
{
    if (m_collectSupervisor) {
        if (Status written = writeServiceEnabled(false); !written)
            m_collectServerProblem = written.error().message;
        else
            static_cast<void>(m_collectSupervisor->apply()); // stopping cannot fail
    }
    // Stopped even when the option could not be written: the operator asked for it.
    m_services.collectServer.stop();
    showCollectServerState();
}

void MainWindow::showCollectServerState()
{
    const CollectServer &server = m_services.collectServer;
    const bool running = server.state() == CollectServer::State::Running;
    m_collectServerAction->setChecked(running);
    m_collectServerAction->setText(running ? tr("Stop collect server") : tr("Start collect server"));
    if (!m_collectServerProblem.isEmpty()) {
        m_collectServerStatus->setText(tr("Collect server: failed – %1").arg(m_collectServerProblem));
        m_collectServerAction->setToolTip(m_collectServerProblem);
        return;
    }
    switch (server.state()) {
    case CollectServer::State::Running:
        m_collectServerStatus->setText(tr("Collect server: listening on %1").arg(server.listenAddress()));
        m_collectServerAction->setToolTip(tr("Stop the SSH server users connect to; open connections end."));
        break;
    case CollectServer::State::Stopped:
        m_collectServerStatus->setText(tr("Collect server: stopped"));
        m_collectServerAction->setToolTip(tr("Start the SSH server users connect to (the address is in Settings)."));
        break;
    case CollectServer::State::Failed:
        m_collectServerStatus->setText(tr("Collect server: failed – %1").arg(server.lastError()));
        m_collectServerAction->setToolTip(server.lastError());
        break;
    }
}

void MainWindow::collectSettingsApplied()
{
    // A running server moves to the new address at once; a stopped one uses it at its next start.
    if (m_services.collectServer.state() != CollectServer::State::Running)
        return;
    Result<ListenAddress> listen = collect_settings::listenAddress(m_services.settings);
    if (listen && m_collectListen && listen->toString() == m_collectListen->toString())
        return;
    (void)startCollectServer();
}

void MainWindow::notifyKeyCollected(const QString &sessionId, const QString &keyId)
{
    if (!collect_settings::notificationsEnabled(m_services.settings))
        return;
    Result<CollectSession> session = m_services.collect.get(sessionId);
    if (!session)
        return; // deleted meanwhile: nothing left to tell
    for (const CollectSessionConnection &connection : std::as_const(session->connections)) {
        for (const CollectSessionKey &key : connection.keys) {
            if (key.id != keyId)
                continue;
            m_notifier->notify(tr("Key collected"),
                               tr("%1 key %2 from %3, session %4")
                                   .arg(key.key.typeLabel(), key.key.fingerprintSha256(), connection.ipAddress,
                                        session->connectionIdentifier));
            return;
        }
    }
}

void MainWindow::showEndpointState()
{
    const ApiEndpoint &endpoint = m_services.endpoint;
    switch (endpoint.state()) {
    case ApiEndpoint::State::Stopped:
        m_endpointStatus->setText(tr("HTTP API: off"));
        m_endpointStatus->setToolTip(tr("Turn the HTTP endpoint on in Settings."));
        break;
    case ApiEndpoint::State::Running:
        m_endpointStatus->setText(tr("HTTP API: %1").arg(endpoint.url()));
        m_endpointStatus->setToolTip(QString());
        break;
    case ApiEndpoint::State::Failed:
        m_endpointStatus->setText(tr("HTTP API: failed – %1").arg(endpoint.lastError()));
        m_endpointStatus->setToolTip(endpoint.lastError());
        break;
    }
}

void MainWindow::showPanel(Panel panel)
{
    m_navigation->setCurrentRow(static_cast<int>(panel));
}

MainWindow::Panel MainWindow::currentPanel() const
{
    return static_cast<Panel>(m_panels->currentIndex());
}

QWidget *MainWindow::panel(Panel panel) const
{
    return m_panels->widget(static_cast<int>(panel));
}

void MainWindow::showStatusMessage(const QString &message)
{
    statusBar()->showMessage(message, kStatusMessageMs);
}

QString MainWindow::endpointStatusText() const
{
    return m_endpointStatus->text();
}

QString MainWindow::collectServerStatusText() const
{
    return m_collectServerStatus->text();
}

void MainWindow::showAbout()
{
    // Not exec(): the window keeps running (and tests keep control) while it is open.
    auto *dialog = new AboutDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void MainWindow::restoreWindowSettings()
{
    if (!restoreGeometry(m_windowSettings.value(kGeometryKey).toByteArray()))
        resize(kDefaultSize);
    restoreState(m_windowSettings.value(kStateKey).toByteArray());

    // Saved by name, so reordering the list does not send anyone to the wrong panel.
    bool known = false;
    const int saved = QMetaEnum::fromType<Panel>().keyToValue(
        m_windowSettings.value(kPanelKey).toString().toLatin1().constData(), &known);
    showPanel(known ? static_cast<Panel>(saved) : Panel::Collect);
}

void MainWindow::saveWindowSettings() const
{
    m_windowSettings.setValue(kGeometryKey, saveGeometry());
    m_windowSettings.setValue(kStateKey, saveState());
    m_windowSettings.setValue(
        kPanelKey, QString::fromLatin1(QMetaEnum::fromType<Panel>().valueToKey(static_cast<int>(currentPanel()))));
    m_windowSettings.sync();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveWindowSettings();
    QMainWindow::closeEvent(event);
}

} // namespace keystead::ui
