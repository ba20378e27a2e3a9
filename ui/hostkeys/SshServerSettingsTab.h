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
class QTreeView;
QT_END_NAMESPACE

namespace keystead {
class SshSettingsService;
} // namespace keystead

namespace keystead::ui {

class SettingsPoliciesModel;
class SettingsPolicyDialog;

// HostKeysPanel's "SSH server settings" tab: the settings policies of
// Keystead's own SSH server (the collect server), which one is active, and
// the global options. Every edit applies at once through SshSettingsService;
// the panel forwards its public operations here. The policy list is a
// SettingsPoliciesModel: it follows the service's ChangeSets row by row.
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
    void refreshOptions();
    void updateActions();
    void applyOptions(const std::function<void(SshOptions &)> &change);
    void showSettingsError(const QString &message);
    void policySaved(const SettingsPolicy &policy);

    SshSettingsService *m_sshSettings = nullptr;
    SettingsPoliciesModel *m_model = nullptr;
    QTreeView *m_policies = nullptr;
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
