#include "ui/settings/SettingsPanel.h"

#include "api/EndpointSettings.h"
#include "audit/AuditLog.h"
#include "connections/ConnectionService.h"
#include "secrets/Vault.h"
#include "settings/SshSettingsService.h"
#include "store/SettingsStore.h"
#include "ui/common/CollectServerSettings.h"
#include "ui/common/ErrorLabel.h"
#include "ui/settings/NewTokenDialog.h"
#include "ui/settings/TokenSecretDialog.h"
#include "ui/settings/TokensModel.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

#include <functional>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

QLabel *hintLabel(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

// A group's last rows: `lead` stretched beside an Apply button (named `objectName`)
// that runs `apply`, and under them the group's inline error (returned).
QLabel *addApplyRow(QVBoxLayout *layout, QWidget *lead, const QString &objectName, const QString &errorName,
                    const std::function<void()> &apply)
{
    QWidget *group = layout->parentWidget();
    auto *button = new QPushButton(SettingsPanel::tr("Apply"), group);
    button->setObjectName(objectName);
    QObject::connect(button, &QPushButton::clicked, group, apply);
    auto *row = new QHBoxLayout;
    row->addWidget(lead, 1);
    row->addWidget(button);
    layout->addLayout(row);
    QLabel *error = makeErrorLabel(errorName, group);
    layout->addWidget(error);
    return error;
}

} // namespace

SettingsPanel::SettingsPanel(SettingsStore &settings, TokenService &tokens, ApiEndpoint &endpoint, Vault &vault,
                             AuditLog &audit, ConnectionService &connections, QWidget *parent)
    : QWidget(parent)
    , m_settings(settings)
    , m_tokens(tokens)
    , m_endpoint(endpoint)
    , m_vault(vault)
    , m_audit(audit)
    , m_connections(connections)
{
    // The groups scroll, so a small window is never held open by this panel's height.
    auto *content = new QWidget;
    auto *layout = new QVBoxLayout(content);
    layout->addWidget(createEndpointGroup());
    layout->addWidget(createCollectGroup());
    layout->addWidget(createTokensGroup(), 1);
    layout->addWidget(createVaultGroup());
    layout->addWidget(createRolesGroup());
    auto *scroll = new QScrollArea(this);
    scroll->setObjectName(u"settingsScroll"_s);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(content);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);

    loadEndpointSettings();
    loadCollectSettings();
    showEndpointState();
    connect(&m_endpoint, &ApiEndpoint::stateChanged, this, &SettingsPanel::showEndpointState);
    connect(&m_vault, &Vault::stateChanged, this, &SettingsPanel::showVaultState);
}

QWidget *SettingsPanel::createVaultGroup()
{
    auto *group = new QGroupBox(tr("Secret vault"), this);
    m_vaultState = new QLabel(group);
    m_vaultState->setObjectName(u"vaultState"_s);
    m_vaultState->setWordWrap(true);
    m_vaultState->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_rotateButton = new QPushButton(tr("Rotate master key…"), group);
    m_rotateButton->setObjectName(u"rotateMasterKey"_s);
    connect(m_rotateButton, &QPushButton::clicked, this, &SettingsPanel::confirmRotation);

    auto *stateRow = new QHBoxLayout;
    stateRow->addWidget(m_vaultState, 1);
    stateRow->addWidget(m_rotateButton);

    m_vaultError = makeErrorLabel(u"vaultError"_s, group);
    auto *layout = new QVBoxLayout(group);
    layout->addWidget(hintLabel(tr("Private keys and passwords are sealed with AES-256-GCM under a master key kept "
                                   "outside the database: in the OS keychain, or in the file named by "
                                   "KEYSTEAD_MASTER_KEY_FILE."),
                                group));
    layout->addLayout(stateRow);
    layout->addWidget(m_vaultError);
    showVaultState();
    return group;
}

void SettingsPanel::showVaultState()
{
    const VaultState state = m_vault.state();
    QString text;
    switch (state) {
    case VaultState::Ready: text = tr("Open, with the master key in %1.").arg(m_vault.keyStoreDescription()); break;
    case VaultState::Empty:
        text = tr("Nothing sealed yet: a master key is made in %1 when the first secret is stored.")
                   .arg(m_vault.keyStoreDescription());
        break;
    case VaultState::KeyMissing:
    case VaultState::WrongKey:
    case VaultState::Unavailable: text = m_vault.stateMessage(); break;
    }
    m_vaultState->setText(text);
    m_rotateButton->setEnabled(state == VaultState::Ready);
}

Status SettingsPanel::rotateMasterKey()
{
    Status rotated = m_vault.rotate();
    if (rotated)
        rotated = m_audit.record(Actor::console(), u"vault.rotate"_s, u"vault"_s, {});
    showError(m_vaultError, rotated ? QString() : rotated.error().message);
    showVaultState();
    return rotated;
}

void SettingsPanel::confirmRotation()
{
    const QMessageBox::StandardButton answer = QMessageBox::question(
        this, tr("Rotate master key"),
        tr("Make a new master key and re-seal every secret with it? The old key is removed from %1 afterwards.")
            .arg(m_vault.keyStoreDescription()),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Yes)
        (void)rotateMasterKey();
}

QWidget *SettingsPanel::createRolesGroup()
{
    auto *group = new QGroupBox(tr("Access roles"), this);
    m_roles = new QListWidget(group);
    m_roles->setObjectName(u"accessRoles"_s);
    m_roles->setMaximumHeight(110);
    m_roleName = new QLineEdit(group);
    m_roleName->setObjectName(u"accessRoleName"_s);
    m_roleName->setPlaceholderText(tr("name of a new role, e.g. auditors"));
    auto *add = new QPushButton(tr("Add role"), group);
    add->setObjectName(u"addAccessRole"_s);
    connect(add, &QPushButton::clicked, this, [this] {
        if (addAccessRole(m_roleName->text()))
            m_roleName->clear();
    });
    connect(m_roleName, &QLineEdit::returnPressed, add, &QPushButton::click);
    auto *addRow = new QHBoxLayout;
    addRow->addWidget(m_roleName, 1);
    addRow->addWidget(add);
    m_roleError = makeErrorLabel(u"accessRoleError"_s, group);

    auto *layout = new QVBoxLayout(group);
    layout->addWidget(hintLabel(tr("Roles are granted on connections over HTTP "
                                   "(/connection-manager/api/v1/connections/{id}/access_roles/{role id})."),
                                group));
    layout->addWidget(m_roles);
    layout->addLayout(addRow);
    layout->addWidget(m_roleError);
    loadAccessRoles();
    return group;
}

void SettingsPanel::loadAccessRoles()
{
    m_roles->clear();
    Result<QList<AccessRole>> roles = m_connections.roles();
    if (!roles) {
        showError(m_roleError, roles.error().message);
        return;
    }
    for (const AccessRole &role : roles.value()) {
        auto *item = new QListWidgetItem(u"%1    %2"_s.arg(role.name, role.id), m_roles);
        item->setData(Qt::UserRole, role.id);
        item->setToolTip(tr("Role id: %1").arg(role.id));
    }
}

Result<AccessRole> SettingsPanel::addAccessRole(const QString &name)
{
    Result<AccessRole> made = m_connections.createRole(name);
    showError(m_roleError, made ? QString() : made.error().message);
    loadAccessRoles();
    return made;
}

QStringList SettingsPanel::accessRoleTexts() const
{
    QStringList texts;
    for (int row = 0; row < m_roles->count(); ++row)
        texts.append(m_roles->item(row)->text());
    return texts;
}

QString SettingsPanel::vaultError() const
{
    return m_vaultError->isHidden() ? QString() : m_vaultError->text();
}

QString SettingsPanel::vaultStateText() const
{
    return m_vaultState->text();
}

QWidget *SettingsPanel::createEndpointGroup()
{
    auto *group = new QGroupBox(tr("HTTP endpoint"), this);

    m_endpointEnabled = new QCheckBox(tr("Run the HTTP endpoint in this window"), group);
    m_endpointEnabled->setObjectName(u"endpointEnabled"_s);

    m_listenAddress = new QLineEdit(group);
    m_listenAddress->setObjectName(u"listenAddress"_s);
    m_listenAddress->setPlaceholderText(EndpointConfig().listen.toString());

    m_tlsCertificate = new QLineEdit(group);
    m_tlsCertificate->setObjectName(u"tlsCertificate"_s);
    m_tlsCertificate->setPlaceholderText(tr("none: plain HTTP"));
    m_tlsKey = new QLineEdit(group);
    m_tlsKey->setObjectName(u"tlsKey"_s);
    m_tlsKey->setPlaceholderText(tr("none: plain HTTP"));

    const auto fileRow = [this, group](QLineEdit *field, const QString &dialogTitle) {
        auto *choose = new QPushButton(tr("Choose…"), group);
        connect(choose, &QPushButton::clicked, this, [this, field, dialogTitle] { chooseFile(field, dialogTitle); });
        auto *row = new QHBoxLayout;
        row->addWidget(field, 1);
        row->addWidget(choose);
        return row;
    };

    auto *form = new QFormLayout;
    form->addRow(tr("Listen address:"), m_listenAddress);
    form->addRow(tr("TLS certificate:"), fileRow(m_tlsCertificate, tr("TLS certificate (PEM)")));
    form->addRow(tr("TLS key:"), fileRow(m_tlsKey, tr("TLS private key (PEM)")));

    m_endpointState = new QLabel(group);
    m_endpointState->setObjectName(u"endpointState"_s);
    m_endpointState->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *layout = new QVBoxLayout(group);
    layout->addWidget(m_endpointEnabled);
    layout->addWidget(hintLabel(tr("Scripts and other tools reach the same operations as this window over HTTP, "
                                   "for as long as the window is open."),
                                group));
    layout->addLayout(form);
    layout->addWidget(hintLabel(tr("The address is HOST:PORT; port 0 picks a free port. An address other than "
                                   "127.0.0.1 opens the API to your network: give it a TLS certificate and key then."),
                                group));
    m_endpointError = addApplyRow(layout, m_endpointState, u"applyEndpoint"_s, u"endpointError"_s,
                                  [this] { (void)applyEndpointSettings(); });
    return group;
}

QWidget *SettingsPanel::createCollectGroup()
{
    auto *group = new QGroupBox(tr("Collect server"), this);

    m_collectListen = new QLineEdit(group);
    m_collectListen->setObjectName(u"collectListenAddress"_s);
    m_collectListen->setPlaceholderText(collect_settings::defaultListenAddress().toString());
    m_collectNotify = new QCheckBox(tr("Show a desktop notification when a key is collected"), group);
    m_collectNotify->setObjectName(u"collectNotify"_s);
    // Seed 004's audit.cleanup: the check box is `enabled`, the days are
    // channel_database_cleanup_days. Unchecked keeps every trail.
    m_trailCleanup = new QCheckBox(tr("Delete connection trails older than"), group);
    m_trailCleanup->setObjectName(u"trailCleanupEnabled"_s);
    m_trailRetention = new QSpinBox(group);
    m_trailRetention->setObjectName(u"trailRetentionDays"_s);
    m_trailRetention->setRange(1, ConnectionService::kMaxRetentionDays);
    m_trailRetention->setSuffix(tr(" days"));
    m_trailRetention->setToolTip(tr("Connections that ended longer ago are removed with their audit trails and "
                                    "signed checkpoints, once an hour."));
    connect(m_trailCleanup, &QCheckBox::toggled, m_trailRetention, &QWidget::setEnabled);
    if (SshSettingsService *options = m_connections.optionsSource()) {
        // A change over HTTP (a committed transaction) shows here at once.
        connect(options, &SshSettingsService::optionsChanged, this, &SettingsPanel::loadTrailCleanup,
                Qt::QueuedConnection);
    }

    auto *form = new QFormLayout;
    form->addRow(tr("Collect server listen address:"), m_collectListen);
    auto *cleanupRow = new QHBoxLayout;
    cleanupRow->addWidget(m_trailCleanup);
    cleanupRow->addWidget(m_trailRetention);
    cleanupRow->addStretch(1);
    form->addRow(tr("Connection trails:"), cleanupRow);

    auto *layout = new QVBoxLayout(group);
    layout->addLayout(form);
    layout->addWidget(hintLabel(tr("Users run ssh against this HOST:PORT; the toolbar starts and stops the server. "
                                   "127.0.0.1 lets in this machine only; 0.0.0.0:2222 opens it to your network."),
                                group));
    m_collectError = addApplyRow(layout, m_collectNotify, u"applyCollect"_s, u"collectError"_s,
                                 [this] { (void)applyCollectSettings(); });
    return group;
}

void SettingsPanel::loadCollectSettings()
{
    const Result<ListenAddress> listen = collect_settings::listenAddress(m_settings);
    m_collectListen->setText(listen ? listen->toString() : m_settings.value(QString(collect_settings::kListen)));
    m_collectNotify->setChecked(collect_settings::notificationsEnabled(m_settings));
    loadTrailCleanup();
}

void SettingsPanel::loadTrailCleanup()
{
    bool enabled = true;
    int days = ConnectionService::kDefaultRetentionDays;
    if (SshSettingsService *options = m_connections.optionsSource()) {
        const Result<SshOptions> read = options->options();
        if (!read) {
            showError(m_collectError, read.error().message);
            return;
        }
        enabled = read->cleanupEnabled;
        days = read->cleanupDays;
    } else {
        const int kept = m_connections.retentionDays();
        enabled = kept > 0;
        if (enabled)
            days = kept;
    }
    m_trailCleanup->setChecked(enabled);
    m_trailRetention->setEnabled(enabled);
    m_trailRetention->setValue(days);
}

Status SettingsPanel::applyTrailCleanup()
{
    const bool enabled = m_trailCleanup->isChecked();
    const int days = m_trailRetention->value();
    SshSettingsService *options = m_connections.optionsSource();
    if (!options)
        return m_connections.setRetentionDays(enabled ? days : 0);
    Result<SshOptions> read = options->options();
    if (!read)
        return read.error();
    SshOptions changed = read.value();
    changed.cleanupEnabled = enabled;
    // Disabled keeps the days it had, so checking the box again brings them back.
    if (enabled)
        changed.cleanupDays = days;
    if (changed == read.value())
        return {};
    return options->setOptions(changed, Actor::console());
}

Status SettingsPanel::applyCollectSettings()
{
    Status saved = collect_settings::save(m_settings, m_collectListen->text(), m_collectNotify->isChecked());
    // The SSH options' audit.cleanup; ConnectionService's sweep reads them.
    if (saved)
        saved = applyTrailCleanup();
    showError(m_collectError, saved ? QString() : saved.error().message);
    if (!saved)
        return saved;
    loadCollectSettings();
    Q_EMIT collectSettingsApplied();
    return saved;
}

QString SettingsPanel::collectError() const
{
    return m_collectError->isHidden() ? QString() : m_collectError->text();
}

QWidget *SettingsPanel::createTokensGroup()
{
    auto *group = new QGroupBox(tr("API tokens"), this);

    m_tokensModel = new TokensModel(m_tokens, this);
    m_sortedTokens = new QSortFilterProxyModel(this);
    m_sortedTokens->setSourceModel(m_tokensModel);
    m_sortedTokens->setSortRole(TokensModel::SortRole);
    m_sortedTokens->setSortCaseSensitivity(Qt::CaseInsensitive);

    m_tokensView = new QTableView(group);
    m_tokensView->setObjectName(u"tokens"_s);
    m_tokensView->setModel(m_sortedTokens);
    m_tokensView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tokensView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tokensView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_tokensView->setAlternatingRowColors(true);
    m_tokensView->setWordWrap(false);
    m_tokensView->verticalHeader()->hide();
    m_tokensView->horizontalHeader()->setSectionResizeMode(TokensModel::Name, QHeaderView::Stretch);
    for (int column : {TokensModel::Scopes, TokensModel::Created, TokensModel::LastUsed, TokensModel::State})
        m_tokensView->horizontalHeader()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    m_tokensView->setSortingEnabled(true);
    m_tokensView->sortByColumn(TokensModel::Created, Qt::AscendingOrder);
    connect(m_tokensView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &SettingsPanel::updateTokenButtons);
    // A revocation changes a row in place: the selection stays, its buttons must follow.
    connect(m_tokensModel, &TokensModel::dataChanged, this, &SettingsPanel::updateTokenButtons);
    connect(m_tokensModel, &TokensModel::modelReset, this, &SettingsPanel::updateTokenButtons);
    connect(m_tokensModel, &TokensModel::refreshFailed, this,
            [this](const QString &message) { showError(m_tokenError, message); });

    auto *newToken = new QPushButton(tr("New token…"), group);
    newToken->setObjectName(u"newToken"_s);
    connect(newToken, &QPushButton::clicked, this, &SettingsPanel::askForNewToken);
    m_revokeButton = new QPushButton(tr("Revoke…"), group);
    m_revokeButton->setObjectName(u"revokeToken"_s);
    connect(m_revokeButton, &QPushButton::clicked, this, &SettingsPanel::confirmRevoke);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(newToken);
    buttons->addWidget(m_revokeButton);
    buttons->addStretch(1);

    m_tokenError = makeErrorLabel(u"tokenError"_s, group);

    auto *layout = new QVBoxLayout(group);
    layout->addWidget(hintLabel(tr("Scripts authenticate with a token, sent as \"Authorization: Bearer <token>\". "
                                   "Keystead stores only a hash: a token's secret is shown once, when it is made."),
                                group));
    layout->addWidget(m_tokensView, 1);
    layout->addLayout(buttons);
    layout->addWidget(m_tokenError);

    // The model's first listing ran before anyone listened.
    showError(m_tokenError, m_tokensModel->lastError());
    updateTokenButtons();
    return group;
}

void SettingsPanel::loadEndpointSettings()
{
    m_endpointEnabled->setChecked(endpoint_settings::isEnabled(m_settings));
    m_listenAddress->setText(m_settings.value(QString(endpoint_settings::kListen), EndpointConfig().listen.toString()));
    m_tlsCertificate->setText(m_settings.value(QString(endpoint_settings::kTlsCertificate)));
    m_tlsKey->setText(m_settings.value(QString(endpoint_settings::kTlsKey)));
}

Status SettingsPanel::applyEndpointSettings()
{
    Status saved = endpoint_settings::save(m_settings, m_endpointEnabled->isChecked(), m_listenAddress->text(),
                                           m_tlsCertificate->text().trimmed(), m_tlsKey->text().trimmed());
    if (!saved) {
        showError(m_endpointError, saved.error().message);
        return saved;
    }
    // The store holds the address in its normal form ("localhost:80" becomes "127.0.0.1:80").
    loadEndpointSettings();
    Status applied = endpoint_settings::apply(m_endpoint, m_settings);
    showError(m_endpointError, applied ? QString() : applied.error().message);
    showEndpointState();
    return applied;
}

void SettingsPanel::showEndpointState()
{
    switch (m_endpoint.state()) {
    case ApiEndpoint::State::Running: m_endpointState->setText(tr("Running at %1").arg(m_endpoint.url())); break;
    case ApiEndpoint::State::Stopped: m_endpointState->setText(tr("Not running")); break;
    case ApiEndpoint::State::Failed:
        m_endpointState->setText(tr("Failed to start: %1").arg(m_endpoint.lastError()));
        break;
    }
}

Result<NewApiToken> SettingsPanel::createToken(const QString &name, TokenScopes scopes)
{
    Result<NewApiToken> made = m_tokens.create(name, scopes);
    if (!made) {
        showError(m_tokenError, made.error().message);
        return made;
    }
    showError(m_tokenError, {});
    // tokensChanged has already reached the model (same thread), so the row exists.
    selectToken(made.value().token.id);
    return made;
}

Status SettingsPanel::revokeSelected()
{
    const QString id = selectedTokenId();
    if (id.isEmpty())
        return Error::invalid(tr("Select a token to revoke."));
    Status revoked = m_tokens.revoke(id);
    showError(m_tokenError, revoked ? QString() : revoked.error().message);
    updateTokenButtons();
    return revoked;
}

bool SettingsPanel::selectToken(const QString &id)
{
    const int row = m_tokensModel->rowOf(id);
    if (row < 0)
        return false;
    const QModelIndex index = m_sortedTokens->mapFromSource(m_tokensModel->index(row, 0));
    m_tokensView->selectRow(index.row());
    m_tokensView->scrollTo(index);
    return true;
}

QString SettingsPanel::selectedTokenId() const
{
    const QModelIndexList rows = m_tokensView->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return {};
    return rows.constFirst().data(TokensModel::IdRole).toString();
}

void SettingsPanel::updateTokenButtons()
{
    const int row = m_tokensModel->rowOf(selectedTokenId());
    m_revokeButton->setEnabled(row >= 0 && m_tokensModel->tokenAt(row).isActive());
}

QString SettingsPanel::endpointError() const
{
    return m_endpointError->isHidden() ? QString() : m_endpointError->text();
}

QString SettingsPanel::tokenError() const
{
    return m_tokenError->isHidden() ? QString() : m_tokenError->text();
}

void SettingsPanel::showError(QLabel *label, const QString &message)
{
    label->setText(message);
    label->setVisible(!message.isEmpty());
}

void SettingsPanel::showEvent(QShowEvent *event)
{
    // Using a token records when it was last used without a signal: catch up when looked at.
    m_tokensModel->refresh();
    QWidget::showEvent(event);
}

void SettingsPanel::askForNewToken()
{
    NewTokenDialog ask(this);
    if (ask.exec() != QDialog::Accepted)
        return;
    Result<NewApiToken> made = createToken(ask.name(), ask.scopes());
    if (!made)
        return;
    TokenSecretDialog dialog(made.value().token.name, made.value().secret, this);
    dialog.exec();
}

void SettingsPanel::confirmRevoke()
{
    const int row = m_tokensModel->rowOf(selectedTokenId());
    if (row < 0)
        return;
    const QMessageBox::StandardButton answer = QMessageBox::question(
        this, tr("Revoke token"),
        tr("Revoke the token \"%1\"? Every script that uses it is refused from now on. This cannot be undone.")
            .arg(m_tokensModel->tokenAt(row).name),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Yes)
        (void)revokeSelected();
}

void SettingsPanel::chooseFile(QLineEdit *field, const QString &title)
{
    const QString start = field->text().isEmpty() ? QString() : QFileInfo(field->text()).absolutePath();
    const QString chosen
        = QFileDialog::getOpenFileName(this, title, start, tr("PEM files (*.pem *.crt *.cer *.key);;All files (*)"));
    if (!chosen.isEmpty())
        field->setText(chosen);
}

} // namespace keystead::ui
