#pragma once

#include "common/Result.h"
#include "hostkeys/HostKeyRecords.h"

#include <QWidget>

#include <functional>

QT_BEGIN_NAMESPACE
class QAction;
class QComboBox;
class QFrame;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTabWidget;
class QTableView;
class QVBoxLayout;
QT_END_NAMESPACE

namespace keystead {
class Clock;
class HostKeyStore;
class SettingsStore;
class SshSettingsService;
} // namespace keystead

namespace keystead::ui {

class AddHostKeyDialog;
class ScanHostsDialog;
class SettingsPolicyDialog;
class SshServerSettingsTab;
class TrustedHostKeysFilter;
class TrustedHostKeysModel;

// Seed 004: the trusted host keys of the servers operators reach (with a
// banner, in a warning colour, while a re-scan's drift is unacknowledged),
// scanning, known_hosts import and export; and the settings of Keystead's own
// SSH server: settings policies and the global options. Every edit applies at
// once through the services. The operations are public, so tests drive them
// offscreen; the buttons wrap them in the questions a person should see.
class HostKeysPanel final : public QWidget
{
    Q_OBJECT

public:
    enum class Tab { HostKeys, SshSettings };
    // Asks where to read or write a file; an empty answer cancels. Tests set one.
    using PathChooser = std::function<QString(const QString &title, const QString &suggested, bool forSaving)>;

    HostKeysPanel(HostKeyStore &hostKeys, SshSettingsService &sshSettings, SettingsStore &settings, const Clock &clock,
                  QWidget *parent = nullptr);

    void showTab(Tab tab);
    TrustedHostKeysModel &trustedModel() const { return *m_model; }
    TrustedHostKeysFilter &trustedFilter() const { return *m_filter; }
    bool selectHostKey(const QString &key);
    QString selectedHostKey() const;

    AddHostKeyDialog *createAddDialog();
    // Not yet shown; `targets` fills its list of hosts.
    ScanHostsDialog *createScanDialog(const QString &targets = {});
    // A scan of every trusted host and port, started.
    ScanHostsDialog *createRescanDialog();
    // Asks first ("Delete the trusted key ... SHA256:..."), then deletes the selected key.
    Status deleteSelected();

    void setPathChooser(PathChooser chooser) { m_chooser = std::move(chooser); }
    // Asks for a known_hosts file and imports it; the report is the notice.
    Result<KnownHostsImport> importKnownHosts();
    Status exportKnownHosts();

    bool driftBannerShown() const;
    // One line per unacknowledged drift, as the banner shows it.
    QStringList driftLines() const;
    Status acknowledgeDrift(qint64 driftId);

    // The SSH server settings tab (SshServerSettingsTab).
    bool selectPolicy(const QString &key);
    QString selectedPolicy() const;
    QStringList policyRows() const; // "name (key)" with " [active]" on the active one
    SettingsPolicyDialog *createPolicyDialog();
    SettingsPolicyDialog *createEditPolicyDialog(); // nullptr with none selected
    Status deleteSelectedPolicy(); // asks first
    Status activateSelectedPolicy();

    QString errorText() const;
    QString noticeText() const;
    QString settingsErrorText() const;

private:
    QWidget *createHostKeysTab();
    void refreshDrifts();
    void refreshTypes();
    void refreshRescanInterval();
    void updateActions();
    QString choosePath(const QString &title, const QString &suggested, bool forSaving);
    void showError(const QString &message);
    void showNotice(const QString &message);
    void openDialog(QWidget *dialog);

    HostKeyStore *m_hostKeys = nullptr;
    SshSettingsService *m_sshSettings = nullptr;
    SettingsStore *m_settings = nullptr;
    const Clock *m_clock = nullptr;
    PathChooser m_chooser;

    QTabWidget *m_tabs = nullptr;
    TrustedHostKeysModel *m_model = nullptr;
    TrustedHostKeysFilter *m_filter = nullptr;
    QTableView *m_view = nullptr;
    QFrame *m_driftBanner = nullptr;
    QVBoxLayout *m_driftLayout = nullptr;
    QStringList m_driftLines;
    QComboBox *m_typeFilter = nullptr;
    QLineEdit *m_portFilter = nullptr;
    QLineEdit *m_addressFilter = nullptr;
    QSpinBox *m_rescanInterval = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_notice = nullptr;
    QAction *m_deleteAction = nullptr;
    QAction *m_rescanAction = nullptr;
    QAction *m_exportAction = nullptr;
    SshServerSettingsTab *m_sshServerTab = nullptr;
};

} // namespace keystead::ui
