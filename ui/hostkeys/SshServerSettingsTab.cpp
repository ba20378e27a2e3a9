#include "ui/hostkeys/SshServerSettingsTab.h"

#include "audit/AuditLog.h"
#include "settings/SshSettingsService.h"
#include "ui/common/ErrorLabel.h"
#include "ui/common/OpenDialog.h"
#include "ui/hostkeys/HostKeyTexts.h"
#include "ui/hostkeys/HostKeysPanel.h"
#include "ui/hostkeys/SettingsPoliciesModel.h"
#include "ui/hostkeys/SettingsPolicyDialog.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

// The texts stay in HostKeysPanel's translation context: this tab was part of it.

namespace keystead::ui {

SshServerSettingsTab::SshServerSettingsTab(SshSettingsService &sshSettings, QWidget *parent)
    : QWidget(parent)
    , m_sshSettings(&sshSettings)
{
    QWidget *page = this;
    m_model = new SettingsPoliciesModel(sshSettings, this);
    m_policies = new QTreeView(page);
    m_policies->setObjectName(u"policies"_s);
    m_policies->setModel(m_model);
    m_policies->setRootIsDecorated(false);
    m_policies->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_policies->setSelectionMode(QAbstractItemView::SingleSelection);
    m_policies->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_policies->setColumnWidth(SettingsPoliciesModel::Name, 260);
    m_policies->setColumnWidth(SettingsPoliciesModel::Key, 300);
    m_policies->setColumnWidth(SettingsPoliciesModel::Active, 100);
    connect(m_policies->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &SshServerSettingsTab::updateActions);
    connect(m_policies, &QTreeView::doubleClicked, this, [this] { openDialog(createEditPolicyDialog()); });
    // A row left, or the active policy moved: what the buttons may do follows.
    connect(m_model, &SettingsPoliciesModel::rowsRemoved, this, &SshServerSettingsTab::updateActions);
    connect(m_model, &SettingsPoliciesModel::dataChanged, this, &SshServerSettingsTab::updateActions);
    connect(m_model, &SettingsPoliciesModel::lastErrorChanged, this, [this](const QString &message) {
        if (!message.isEmpty())
            showSettingsError(message);
    });

    auto *newPolicy = new QPushButton(HostKeysPanel::tr("New…"), page);
    newPolicy->setObjectName(u"newPolicy"_s);
    connect(newPolicy, &QPushButton::clicked, this, [this] { openDialog(createPolicyDialog()); });
    m_editPolicy = new QPushButton(HostKeysPanel::tr("Edit…"), page);
    m_editPolicy->setObjectName(u"editPolicy"_s);
    connect(m_editPolicy, &QPushButton::clicked, this, [this] { openDialog(createEditPolicyDialog()); });
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

    connect(&sshSettings, &SshSettingsService::optionsChanged, this, &SshServerSettingsTab::refreshOptions);
    if (!m_model->lastError().isEmpty())
        showSettingsError(m_model->lastError());
    refreshOptions();
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
    const QModelIndex index = m_model->indexOf(key);
    if (!index.isValid())
        return false;
    m_policies->selectionModel()->setCurrentIndex(index,
                                                  QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    return true;
}

QString SshServerSettingsTab::selectedPolicy() const
{
    const QModelIndexList rows = m_policies->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.constFirst().data(SettingsPoliciesModel::KeyRole).toString();
}

QStringList SshServerSettingsTab::policyRows() const
{
    QStringList rows;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const SettingsPolicy &policy = m_model->policyAt(row);
        rows.append(u"%1 (%2)"_s.arg(policy.name, policy.key)
                    + (policy.key == m_model->activeKey() ? u" [active]"_s : QString()));
    }
    return rows;
}

SettingsPolicyDialog *SshServerSettingsTab::createPolicyDialog()
{
    auto *dialog = new SettingsPolicyDialog(*m_sshSettings, this);
    connect(dialog, &SettingsPolicyDialog::policySaved, this, &SshServerSettingsTab::policySaved);
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
    connect(dialog, &SettingsPolicyDialog::policySaved, this, &SshServerSettingsTab::policySaved);
    return dialog;
}

void SshServerSettingsTab::policySaved(const SettingsPolicy &policy)
{
    // Its row is in the model already: the service's ChangeSet came on this thread.
    selectPolicy(policy.key);
    m_settingsNotice->setText(HostKeysPanel::tr("Saved the policy \"%1\".").arg(policy.name));
    m_settingsNotice->show();
}

Status SshServerSettingsTab::deleteSelectedPolicy()
{
    const QString key = selectedPolicy();
    if (key.isEmpty())
        return Error::invalid(HostKeysPanel::tr("Select a policy to delete."));
    const QString name = m_model->policyAt(m_model->rowOf(key)).name;
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

} // namespace keystead::ui
