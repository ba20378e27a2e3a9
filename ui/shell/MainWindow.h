#pragma once

#include "common/ListenAddress.h"
#include "common/Result.h"
#include "ui/shell/UiServices.h"

#include <QMainWindow>

#include <memory>

QT_BEGIN_NAMESPACE
class QAction;
class QLabel;
class QListWidget;
class QSettings;
class QStackedWidget;
QT_END_NAMESPACE

namespace keystead {
class CollectServerSupervisor;
struct CollectServerConfig;
} // namespace keystead

namespace keystead::ui {

class CertificatesPanel;
class CollectPanel;
class DesktopNotifier;
class SettingsPanel;

// The console window: a navigation list on the left, one panel per area on
// the right, the collect server and HTTP endpoint states at the bottom.
class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    // In the order of the navigation list.
    enum class Panel { Collect, Keys, Certificates, Connections, HostKeys, Settings };
    Q_ENUM(Panel)
    static constexpr int kPanelCount = 6;

    // Window geometry and the last panel shown live in the user's QSettings
    // ("keystead/window"), apart from the store: they belong to this desktop,
    // not to every instance sharing a database.
    explicit MainWindow(UiServices services, QWidget *parent = nullptr);
    // Same, with the window's settings kept in `windowSettings`, which must outlive the window.
    MainWindow(UiServices services, QSettings &windowSettings, QWidget *parent = nullptr);
    ~MainWindow() override;

    void showPanel(Panel panel);
    Panel currentPanel() const;
    QWidget *panel(Panel panel) const;
    SettingsPanel &settingsPanel() const { return *m_settingsPanel; }
    CollectPanel &collectPanel() const { return *m_collectPanel; }
    DesktopNotifier &notifier() const { return *m_notifier; }

    // Checked while the collect server runs; triggering it starts or stops the server.
    QAction *collectServerAction() const { return m_collectServerAction; }
    // What the action does: start on the address in Settings (collect.listen), or stop.
    // With a supervisor set, it writes options.serviceEnabled and the server
    // follows it (and the active settings policy).
    Status startCollectServer();
    void stopCollectServer();
    // From now on seed 004's service.enabled decides whether the collect
    // server runs (it starts now when enabled, on the address in Settings),
    // and the active settings policy applies to its connections. The
    // supervisor must outlive the window; null goes back to starting and
    // stopping the server directly.
    void setCollectSupervisor(CollectServerSupervisor *supervisor);
    QAction *aboutAction() const { return m_aboutAction; }

    // A message for the status bar, e.g. why the endpoint did not start at launch.
    void showStatusMessage(const QString &message);
    QString endpointStatusText() const;
    QString collectServerStatusText() const;

    // Written on close; public so a caller that quits another way can save too.
    void saveWindowSettings() const;

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    MainWindow(UiServices services, std::unique_ptr<QSettings> ownSettings, QSettings *windowSettings, QWidget *parent);
    void addPanel(Panel panel, const QString &iconName, const QString &title, QWidget *widget);
    void createActions();
    void createStatusBar();
    void restoreWindowSettings();
    void showEndpointState();
    void showCollectServerState();
    Result<CollectServerConfig> collectServerConfig() const;
    Status writeServiceEnabled(bool enabled);
    void collectSettingsApplied();
    void notifyKeyCollected(const QString &sessionId, const QString &keyId);
    void showAbout();
    void showExpiringCertificates(int count);

    UiServices m_services;
    std::unique_ptr<QSettings> m_ownSettings;
    QSettings &m_windowSettings;

    QListWidget *m_navigation = nullptr;
    QStackedWidget *m_panels = nullptr;
    SettingsPanel *m_settingsPanel = nullptr;
    CertificatesPanel *m_certificatesPanel = nullptr;
    CollectPanel *m_collectPanel = nullptr;
    DesktopNotifier *m_notifier = nullptr;
    // The address the collect server was last started on, as configured (port 0 stays 0).
    std::optional<ListenAddress> m_collectListen;
    // Why the last start did not even reach the server (a bad stored address); cleared by the next state change.
    QString m_collectServerProblem;
    CollectServerSupervisor *m_collectSupervisor = nullptr;
    QAction *m_collectServerAction = nullptr;
    QAction *m_aboutAction = nullptr;
    QLabel *m_collectServerStatus = nullptr;
    QLabel *m_endpointStatus = nullptr;
    QLabel *m_expiringCertificates = nullptr;
};

} // namespace keystead::ui
