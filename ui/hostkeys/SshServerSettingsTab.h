#pragma once

#include "common/Result.h"
#include "settings/SshSettings.h"

#include <QWidget>

#include <functional>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTreeWidget;
QT_END_NAMESPACE

namespace keystead {
class SshSettingsService;
} // namespace keystead

namespace keystead::ui {

class SettingsPolicyDialog;

// HostKeysPanel's "SSH server settings" tab: the settings policies of
// Keystead's own SSH server (the collect server), which one is active, and
// the global options. Every edit applies at once through SshSettingsService;
// the panel forwards its public operations here.
class SshServerSettingsTab final : public QWidget
{
    Q_OBJECT

public:
    explicit SshServerSettingsTab(SshSettingsService &sshSettings, QWidget *parent = nullptr);

    bool selectPolicy(const QString &key);
    QString selectedPolicy() const;
    QStringList policyRows() const; // "name (key)" with " [active]" on the active one
    SettingsPolicyDialog *createPolicyDialog();
    SettingsPolicyDialog *createEditPolicyDialog(); // nullptr with none selected
    Status deleteSelectedPolicy(); // asks first
    Status activateSelectedPolicy();
    QString settingsErrorText() const;

private:
    void refreshPolicies();
    void refreshOptions();
    void updateActions();
    void applyOptions(const std::function<void(SshOptions &)> &change);
    void showSettingsError(const QString &message);
    void openDialog(QWidget *dialog);

    SshSettingsService *m_sshSettings = nullptr;
    QTreeWidget *m_policies = nullptr;
    QPushButton *m_editPolicy = nullptr;
    QPushButton *m_deletePolicy = nullptr;
    QPushButton *m_activatePolicy = nullptr;
    QCheckBox *m_serviceEnabled = nullptr;
    QSpinBox *m_logLevel = nullptr;
    QSpinBox *m_signingInterval = nullptr;
    QLabel *m_settingsError = nullptr;
    QLabel *m_settingsNotice = nullptr;
};

} // namespace keystead::ui
