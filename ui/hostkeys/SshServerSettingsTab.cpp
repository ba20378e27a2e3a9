#include "ui/hostkeys/SshServerSettingsTab.h"

#include "audit/AuditLog.h"
#include "settings/PolicyLint.h"
#include "settings/SshSettingsService.h"
#include "ui/common/ErrorLabel.h"
#include "ui/hostkeys/HostKeyTexts.h"
#include "ui/hostkeys/HostKeysPanel.h"
#include "ui/hostkeys/SettingsPolicyDialog.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

// The texts stay in HostKeysPanel's translation context: this tab was part of it.

namespace keystead::ui {

SshServerSettingsTab::SshServerSettingsTab(SshSettingsService &sshSettings, QWidget *parent)
    : QWidget(parent)
    , m_sshSettings(&sshSettings)
{
    QWidget *page = this;
    m_policies = new QTreeWidget(page);
    m_policies->setObjectName(u"policies"_s);
    m_policies->setHeaderLabels(
        {HostKeysPanel::tr("Name"), HostKeysPanel::tr("Key"), HostKeysPanel::tr("Active"), HostKeysPanel::tr("Lint")});
    m_policies->setRootIsDecorated(false);
    m_policies->setColumnWidth(0, 260);
    m_policies->setColumnWidth(1, 300);
    m_policies->setColumnWidth(2, 100);
    connect(m_policies, &QTreeWidget::itemSelectionChanged, this, &SshServerSettingsTab::updateActions);
    connect(m_policies, &QTreeWidget::itemDoubleClicked, this, [this] {
        if (SettingsPolicyDialog *dialog = createEditPolicyDialog())
            openDialog(dialog);
    });

    auto *newPolicy = new QPushButton(HostKeysPanel::tr("New…"), page);
    newPolicy->setObjectName(u"newPolicy"_s);
    connect(newPolicy, &QPushButton::clicked, this, [this] { openDialog(createPolicyDialog()); });
    m_editPolicy = new QPushButton(HostKeysPanel::tr("Edit…"), page);
    m_editPolicy->setObjectName(u"editPolicy"_s);
    connect(m_editPolicy, &QPushButton::clicked, this, [this] {
        if (SettingsPolicyDialog *dialog = createEditPolicyDialog())
            openDialog(dialog);
    });
    m_deletePolicy = new QPushButton(HostKeysPanel::tr("Delete"), page);
    m_deletePolicy->setObjectName(u"deletePolicy"_s);
    connect(m_deletePolicy, &QPushButton::clicked, this, [this] { (void)deleteSelectedPolicy(); });
    m_activatePolicy = new QPushButton(HostKeysPanel::tr("Use for Keystead's SSH server"), page);
    m_activatePolicy->setObjectName(u"activatePolicy"_s);
    m_activatePolicy->setToolTip(
        HostKeysPanel::tr("New connections to the collect server use this policy's server side"));
    connect(m_activatePolicy, &QPushButton::clicked, this, [this] { (void)activateSelectedPolicy(); });
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(newPolicy);
    buttons->addWidget(m_editPolicy);
    buttons->addWidget(m_deletePolicy);
    buttons->addWidget(m_activatePolicy);
    buttons->addStretch(1);

    auto *policies = new QGroupBox(HostKeysPanel::tr("Settings policies"), page);
    auto *policiesLayout = new QVBoxLayout(policies);
    policiesLayout->addWidget(m_policies);
    policiesLayout->addLayout(buttons);

    m_serviceEnabled = new QCheckBox(HostKeysPanel::tr("Run Keystead's SSH server (the collect server)"), page);
    m_serviceEnabled->setObjectName(u"serviceEnabled"_s);
    connect(m_serviceEnabled, &QCheckBox::toggled, this,
            [this](bool on) { applyOptions([on](SshOptions &options) { options.serviceEnabled = on; }); });
    m_logLevel = new QSpinBox(page);
    m_logLevel->setObjectName(u"logLevel"_s);
    m_logLevel->setRange(0, 7);
    m_logLevel->setToolTip(HostKeysPanel::tr("0 logs nothing, 7 everything libssh says"));
    connect(m_logLevel, &QSpinBox::valueChanged, this,
            [this](int level) { applyOptions([level](SshOptions &options) { options.logLevel = level; }); });
    m_signingInterval = new QSpinBox(page);
    m_signingInterval->setObjectName(u"signingInterval"_s);
    m_signingInterval->setRange(1, 86'400);
    m_signingInterval->setSuffix(HostKeysPanel::tr(" s"));
    m_signingInterval->setToolTip(HostKeysPanel::tr("How often Keystead signs the newest hash of each audit trail"));
    connect(m_signingInterval, &QSpinBox::valueChanged, this, [this](int seconds) {
        applyOptions([seconds](SshOptions &options) { options.signingInterval = seconds; });
    });
    auto *options = new QGroupBox(HostKeysPanel::tr("Options"), page);
    auto *form = new QFormLayout(options);
    form->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
    form->addRow(QString(), m_serviceEnabled);
    form->addRow(HostKeysPanel::tr("Log level:"), m_logLevel);
    form->addRow(HostKeysPanel::tr("Timestamping interval:"), m_signingInterval);
    form->addRow(QString(),
                 new QLabel(HostKeysPanel::tr("Connection trail cleanup is set in the Settings panel."), options));

    m_settingsError = makeErrorLabel(u"settingsError"_s, page);
    m_settingsNotice = new QLabel(page);
    m_settingsNotice->setObjectName(u"settingsNotice"_s);
    m_settingsNotice->setWordWrap(true);
    m_settingsNotice->hide();

    auto *layout = new QVBoxLayout(page);
    layout->addWidget(policies, 1);
    layout->addWidget(options);
    layout->addWidget(m_settingsError);
    layout->addWidget(m_settingsNotice);

    connect(&sshSettings, &SshSettingsService::policiesChanged, this, &SshServerSettingsTab::refreshPolicies);
    connect(&sshSettings, &SshSettingsService::optionsChanged, this, &SshServerSettingsTab::refreshPolicies);
    connect(&sshSettings, &SshSettingsService::optionsChanged, this, &SshServerSettingsTab::refreshOptions);
    refreshPolicies();
    refreshOptions();
    updateActions();
}

void SshServerSettingsTab::refreshPolicies()
{
    const QString current = selectedPolicy();
    Result<QList<SettingsPolicy>> policies = m_sshSettings->policies();
    Result<SshOptions> options = m_sshSettings->options();
    if (!policies || !options) {
        showSettingsError(HostKeyTexts::error(!policies ? policies.error() : options.error()));
        return;
    }
    const QSignalBlocker blocker(m_policies);
    m_policies->clear();
    for (const SettingsPolicy &policy : policies.value()) {
        const bool active = policy.key == options->settingsPolicy;
        // The linter's word on each policy, so a weak one stands out before it is opened.
        const QList<PolicyWarning> warnings = lintPolicy(policy);
        QStringList lines;
        int errors = 0;
        for (const PolicyWarning &warning : warnings) {
            lines.append(HostKeyTexts::warning(warning));
            if (warning.severity == PolicyWarning::Severity::Error)
                ++errors;
        }
        const QString lint = warnings.isEmpty()
            ? HostKeysPanel::tr("no warnings")
            : (errors > 0 ? HostKeysPanel::tr("%1 errors, %2 warnings").arg(errors).arg(warnings.size() - errors)
                          : HostKeysPanel::tr("%1 warnings").arg(warnings.size()));
        auto *item = new QTreeWidgetItem(
            m_policies, {policy.name, policy.key, active ? HostKeysPanel::tr("● active") : QString(), lint});
        item->setData(0, Qt::UserRole, policy.key);
        item->setToolTip(3, lines.join(u'\n'));
        if (!warnings.isEmpty())
            item->setForeground(3, errors > 0 ? QColor(0xb0, 0x1c, 0x1c) : QColor(0x8a, 0x4b, 0x00));
        if (policy.key == SshSettingsService::kDefaultPolicyKey)
            item->setToolTip(0, HostKeysPanel::tr("Built in: the server's defaults; it cannot be deleted"));
        if (active) {
            QFont bold = item->font(0);
            bold.setBold(true);
            for (int column = 0; column < 4; ++column)
                item->setFont(column, bold);
        }
    }
    if (!current.isEmpty())
        selectPolicy(current);
    updateActions();
}

void SshServerSettingsTab::refreshOptions()
{
    Result<SshOptions> options = m_sshSettings->options();
    if (!options) {
        showSettingsError(HostKeyTexts::error(options.error()));
        return;
    }
    const QSignalBlocker enabled(m_serviceEnabled);
    const QSignalBlocker level(m_logLevel);
    const QSignalBlocker interval(m_signingInterval);
    m_serviceEnabled->setChecked(options->serviceEnabled);
    m_logLevel->setValue(options->logLevel);
    m_signingInterval->setValue(options->signingInterval);
}

void SshServerSettingsTab::applyOptions(const std::function<void(SshOptions &)> &change)
{
    Result<SshOptions> options = m_sshSettings->options();
    if (!options) {
        showSettingsError(HostKeyTexts::error(options.error()));
        refreshOptions();
        return;
    }
    SshOptions changed = options.value();
    change(changed);
    const Status saved = m_sshSettings->setOptions(changed, Actor::console());
    if (!saved) {
        showSettingsError(HostKeyTexts::error(saved.error()));
        // The widgets show what is in force, not the refused value.
        refreshOptions();
        return;
    }
    showSettingsError({});
}

bool SshServerSettingsTab::selectPolicy(const QString &key)
{
    for (int row = 0; row < m_policies->topLevelItemCount(); ++row) {
        QTreeWidgetItem *item = m_policies->topLevelItem(row);
        if (item->data(0, Qt::UserRole).toString() == key) {
            m_policies->setCurrentItem(item);
            item->setSelected(true);
            return true;
        }
    }
    return false;
}

QString SshServerSettingsTab::selectedPolicy() const
{
    const QList<QTreeWidgetItem *> items = m_policies->selectedItems();
    return items.isEmpty() ? QString() : items.constFirst()->data(0, Qt::UserRole).toString();
}

QStringList SshServerSettingsTab::policyRows() const
{
    QStringList rows;
    for (int row = 0; row < m_policies->topLevelItemCount(); ++row) {
        const QTreeWidgetItem *item = m_policies->topLevelItem(row);
        rows.append(u"%1 (%2)"_s.arg(item->text(0), item->text(1))
                    + (item->text(2).isEmpty() ? QString() : u" [active]"_s));
    }
    return rows;
}

SettingsPolicyDialog *SshServerSettingsTab::createPolicyDialog()
{
    auto *dialog = new SettingsPolicyDialog(*m_sshSettings, this);
    connect(dialog, &SettingsPolicyDialog::policySaved, this, [this](const SettingsPolicy &policy) {
        refreshPolicies();
        selectPolicy(policy.key);
        m_settingsNotice->setText(HostKeysPanel::tr("Saved the policy \"%1\".").arg(policy.name));
        m_settingsNotice->show();
    });
    return dialog;
}

SettingsPolicyDialog *SshServerSettingsTab::createEditPolicyDialog()
{
    const QString key = selectedPolicy();
    if (key.isEmpty())
        return nullptr;
    Result<SettingsPolicy> policy = m_sshSettings->policy(key);
    if (!policy) {
        showSettingsError(HostKeyTexts::error(policy.error()));
        return nullptr;
    }
    auto *dialog = new SettingsPolicyDialog(*m_sshSettings, policy.value(), this);
    connect(dialog, &SettingsPolicyDialog::policySaved, this, [this](const SettingsPolicy &saved) {
        refreshPolicies();
        selectPolicy(saved.key);
        m_settingsNotice->setText(HostKeysPanel::tr("Saved the policy \"%1\".").arg(saved.name));
        m_settingsNotice->show();
    });
    return dialog;
}

Status SshServerSettingsTab::deleteSelectedPolicy()
{
    const QString key = selectedPolicy();
    if (key.isEmpty())
        return Error::invalid(HostKeysPanel::tr("Select a policy to delete."));
    const QString name = m_policies->selectedItems().constFirst()->text(0);
    QMessageBox question(QMessageBox::Question, HostKeysPanel::tr("Delete settings policy"),
                         HostKeysPanel::tr("Delete the settings policy \"%1\"?").arg(name),
                         QMessageBox::Yes | QMessageBox::Cancel, this);
    question.setObjectName(u"deletePolicyConfirmation"_s);
    question.setDefaultButton(QMessageBox::Cancel);
    if (question.exec() != QMessageBox::Yes)
        return Error::conflict(HostKeysPanel::tr("Not deleted."));
    const Status deleted = m_sshSettings->deletePolicy(key, Actor::console());
    if (!deleted) {
        showSettingsError(HostKeyTexts::error(deleted.error()));
        return deleted;
    }
    showSettingsError({});
    refreshPolicies();
    return {};
}

Status SshServerSettingsTab::activateSelectedPolicy()
{
    const QString key = selectedPolicy();
    if (key.isEmpty())
        return Error::invalid(HostKeysPanel::tr("Select a policy to use."));
    Result<SshOptions> options = m_sshSettings->options();
    if (!options) {
        showSettingsError(HostKeyTexts::error(options.error()));
        return options.error();
    }
    SshOptions changed = options.value();
    changed.settingsPolicy = key;
    const Status saved = m_sshSettings->setOptions(changed, Actor::console());
    if (!saved) {
        showSettingsError(HostKeyTexts::error(saved.error()));
        return saved;
    }
    showSettingsError({});
    refreshPolicies();
    m_settingsNotice->setText(HostKeysPanel::tr("Keystead's SSH server uses this policy for new connections."));
    m_settingsNotice->show();
    return {};
}

QString SshServerSettingsTab::settingsErrorText() const
{
    return m_settingsError && !m_settingsError->isHidden() ? m_settingsError->text() : QString();
}

void SshServerSettingsTab::showSettingsError(const QString &message)
{
    m_settingsError->setText(message);
    m_settingsError->setVisible(!message.isEmpty());
}

void SshServerSettingsTab::updateActions()
{
    if (!m_activatePolicy)
        return;
    const QString key = selectedPolicy();
    Result<SshOptions> options = m_sshSettings->options();
    const bool active = options && options->settingsPolicy == key;
    m_editPolicy->setEnabled(!key.isEmpty());
    m_deletePolicy->setEnabled(!key.isEmpty() && !active && key != SshSettingsService::kDefaultPolicyKey);
    m_activatePolicy->setEnabled(!key.isEmpty() && !active);
}

void SshServerSettingsTab::openDialog(QWidget *dialog)
{
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (auto *modal = qobject_cast<QDialog *>(dialog))
        modal->open();
}

} // namespace keystead::ui
