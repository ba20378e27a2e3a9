#include "ui/keys/KeysPanel.h"

#include "audit/AuditLog.h"
#include "inventory/InventoryService.h"
#include "secrets/Vault.h"
#include "ui/common/EmptyStatePanel.h"
#include "ui/common/ErrorLabel.h"
#include "ui/common/Icons.h"
#include "ui/common/ListArea.h"
#include "ui/common/OpenDialog.h"
#include "ui/keys/AuthorizedKeysDialog.h"
#include "ui/keys/GenerateKeyDialog.h"
#include "ui/keys/KeyEditDialog.h"
#include "ui/keys/KeyTexts.h"
#include "ui/keys/RevealKeyDialog.h"
#include "ui/keys/SshKeysFilter.h"
#include "ui/keys/SshKeysModel.h"

#include <QAction>
#include <QClipboard>
#include <QComboBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QStackedWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

constexpr int kTablePage = 0;
constexpr int kEmptyPage = 1;

QString keyTitle(const SshKeyRecord &key)
{
    return key.keyName.isEmpty() ? key.identifier : key.keyName;
}

} // namespace

KeysPanel::KeysPanel(KeysPanelServices services, QWidget *parent)
    : QWidget(parent)
    , m_services(services)
{
    m_model = new SshKeysModel(m_services.inventory, this);
    m_filter = new SshKeysFilter(this);
    m_filter->setSourceModel(m_model);

    m_vaultError = makeErrorLabel(u"vaultError"_s, this);
    m_error = makeErrorLabel(u"keysError"_s, this);
    m_notice = new QLabel(this);
    m_notice->setObjectName(u"keysNotice"_s);
    m_notice->setWordWrap(true);
    m_notice->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_notice->hide();

    createView();
    m_stack = new QStackedWidget(this);
    m_stack->setObjectName(u"keysStack"_s);
    m_stack->insertWidget(kTablePage, m_view);
    m_stack->insertWidget(kEmptyPage,
                          new EmptyStatePanel(keysteadIcon(u"keys"), tr("Keys"),
                                              tr("No keys yet. Add a key pair you have, generate a new one, or add "
                                                 "the keys a collect session collected (in the session's detail)."),
                                              m_stack));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(createToolBar());
    layout->addWidget(createFilterBar());
    layout->addWidget(m_vaultError);
    layout->addWidget(m_stack, 1);
    layout->addWidget(m_error);
    layout->addWidget(m_notice);

    connect(m_model, &SshKeysModel::lastErrorChanged, this, &KeysPanel::showError);
    showError(m_model->lastError());
    connect(m_model, &SshKeysModel::rowsInserted, this, &KeysPanel::updateEmptyState);
    connect(m_model, &SshKeysModel::rowsRemoved, this, &KeysPanel::updateEmptyState);
    connect(m_model, &SshKeysModel::modelReset, this, &KeysPanel::updateEmptyState);
    // The selected key changed elsewhere (disabled through the API): the actions follow.
    connect(m_model, &SshKeysModel::dataChanged, this, &KeysPanel::updateActions);
    // After the model: it has the new rows by the time the tags and the vault are read.
    connect(&m_services.inventory, &InventoryService::changed, this, [this] {
        refreshTags();
        if (m_vaultStateKnown)
            refreshVaultState();
    });
    connect(&m_services.vault, &Vault::stateChanged, this, [this] {
        if (m_vaultStateKnown)
            refreshVaultState();
    });

    refreshTags();
    updateEmptyState();
    updateActions();
}

QWidget *KeysPanel::createToolBar()
{
    auto *toolBar = new QToolBar(this);
    toolBar->setObjectName(u"keysToolBar"_s);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->setIconSize(QSize(18, 18));

    const auto action
        = [this, toolBar](const QString &objectName, const QString &icon, const QString &text, const QString &toolTip) {
              QAction *made = toolBar->addAction(keysteadIcon(icon), text);
              made->setObjectName(objectName);
              made->setToolTip(toolTip);
              return made;
          };
    m_addAction = action(u"addKey"_s, u"add"_s, tr("Add…"), tr("Add a key pair by pasting it or choosing its files"));
    connect(m_addAction, &QAction::triggered, this, &KeysPanel::askToAdd);
    m_generateAction = action(u"generateKey"_s, u"generate"_s, tr("Generate…"),
                              tr("Make a new key pair here: Ed25519, ECDSA or RSA"));
    connect(m_generateAction, &QAction::triggered, this, &KeysPanel::askToGenerate);
    toolBar->addSeparator();
    m_editAction = action(u"editKey"_s, u"edit"_s, tr("Edit…"), tr("Change the selected key's devices, tags or keys"));
    connect(m_editAction, &QAction::triggered, this, &KeysPanel::askToEdit);
    m_copyAction = action(u"copyPublicKey"_s, u"copy"_s, tr("Copy public key"),
                          tr("Copy the selected key's public key as one OpenSSH line"));
    connect(m_copyAction, &QAction::triggered, this, [this] { (void)copySelectedPublicKey(); });
    m_revealAction = action(u"revealPrivateKey"_s, u"reveal"_s, tr("Reveal private key…"),
                            tr("Show the selected key's private key and password; recorded in the audit log"));
    connect(m_revealAction, &QAction::triggered, this, [this] { (void)revealSelected(); });
    m_exportAction = action(u"exportAuthorizedKeys"_s, u"export"_s, tr("Export authorized_keys…"),
                            tr("The authorized_keys lines of every enabled key that opens one device"));
    connect(m_exportAction, &QAction::triggered, this, &KeysPanel::askToExport);
    m_disableAction = action(u"disableKey"_s, u"disable"_s, tr("Disable"),
                             tr("Keep the selected key in the inventory, disabled: exports leave it out"));
    connect(m_disableAction, &QAction::triggered, this, [this] { (void)disableSelected(); });

    // The same operations on the row under the mouse.
    m_view->addActions({m_editAction, m_copyAction, m_revealAction, m_exportAction, m_disableAction});
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    return toolBar;
}

QWidget *KeysPanel::createFilterBar()
{
    auto *bar = new QWidget(this);
    m_textFilter = new QLineEdit(bar);
    m_textFilter->setObjectName(u"textFilter"_s);
    m_textFilter->setPlaceholderText(tr("Filter by identifier, name, host, fingerprint, user, tag…"));
    m_textFilter->setClearButtonEnabled(true);
    connect(m_textFilter, &QLineEdit::textChanged, m_filter, &SshKeysFilter::setTextFilter);

    m_tagFilter = new QComboBox(bar);
    m_tagFilter->setObjectName(u"tagFilter"_s);
    m_tagFilter->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_tagFilter->setMinimumContentsLength(12);
    connect(m_tagFilter, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setTagFilter(m_tagFilter->currentData().toString()); });

    auto *layout = new QHBoxLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_textFilter, 1);
    layout->addWidget(new QLabel(tr("Tag:"), bar));
    layout->addWidget(m_tagFilter);
    return bar;
}

void KeysPanel::createView()
{
    m_view = new QTableView(this);
    m_view->setObjectName(u"keys"_s);
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    // Each column as wide as its texts up to a limit (fitColumns), the last one takes the rest;
    // a long fingerprint or device list elides in the middle, whole in its tooltip.
    QHeaderView *header = m_view->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(true);
    m_view->setTextElideMode(Qt::ElideMiddle);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(SshKeysModel::Identifier, Qt::AscendingOrder);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &KeysPanel::updateActions);
    connect(m_view, &QTableView::doubleClicked, this, &KeysPanel::askToEdit);
    connect(m_model, &SshKeysModel::rowsInserted, this, &KeysPanel::fitColumns);
    connect(m_model, &SshKeysModel::modelReset, this, &KeysPanel::fitColumns);
    fitColumns();
}

void KeysPanel::fitColumns()
{
    // In characters; columns not named fit their texts whole.
    const std::pair<int, int> limits[] = {
        {SshKeysModel::Identifier, 24}, {SshKeysModel::Name, 24}, {SshKeysModel::Fingerprint, 25},
        {SshKeysModel::Username, 16},   {SshKeysModel::Host, 26}, {SshKeysModel::Devices, 20},
        {SshKeysModel::Tags, 20},
    };
    const int characterWidth = m_view->fontMetrics().averageCharWidth();
    for (int column = 0; column < SshKeysModel::ColumnCount; ++column) {
        m_view->resizeColumnToContents(column);
        for (const auto &[limited, characters] : limits) {
            if (limited == column && m_view->columnWidth(column) > characters * characterWidth)
                m_view->setColumnWidth(column, characters * characterWidth);
        }
    }
}

bool KeysPanel::selectKey(const QString &id)
{
    return selectRowAt(m_view, m_filter->mapFromSource(m_model->indexOf(id)));
}

QString KeysPanel::selectedKeyId() const
{
    return selectedRowId(m_view, SshKeysModel::IdRole);
}

std::optional<SshKeyRecord> KeysPanel::selectedKey() const
{
    const int row = m_model->rowOf(selectedKeyId());
    if (row < 0)
        return std::nullopt;
    return m_model->keyAt(row);
}

KeyEditDialog *KeysPanel::createAddDialog()
{
    auto *dialog = new KeyEditDialog(m_services.inventory, this);
    connect(dialog, &KeyEditDialog::keySaved, this, &KeysPanel::keySaved);
    return dialog;
}

KeyEditDialog *KeysPanel::createEditDialog()
{
    const std::optional<SshKeyRecord> key = selectedKey();
    if (!key)
        return nullptr;
    auto *dialog = new KeyEditDialog(m_services.inventory, *key, this);
    connect(dialog, &KeyEditDialog::keySaved, this, &KeysPanel::keySaved);
    return dialog;
}

GenerateKeyDialog *KeysPanel::createGenerateDialog()
{
    auto *dialog = new GenerateKeyDialog(m_services.inventory, this);
    connect(dialog, &GenerateKeyDialog::keySaved, this, &KeysPanel::keySaved);
    return dialog;
}

AuthorizedKeysDialog *KeysPanel::createExportDialog()
{
    const std::optional<SshKeyRecord> key = selectedKey();
    return new AuthorizedKeysDialog(m_services.inventory, key ? key->hostname : QString(), this);
}

QString KeysPanel::copySelectedPublicKey()
{
    const std::optional<SshKeyRecord> key = selectedKey();
    if (!key || key->publicKey.isNull())
        return {};
    const QString line = key->publicKey.openSshLine(key->publicKeyComment);
    QGuiApplication::clipboard()->setText(line);
    showError({});
    showNotice(tr("Copied the public key of \"%1\".").arg(keyTitle(*key)));
    return line;
}

RevealKeyDialog *KeysPanel::revealSelected()
{
    // A copy: the table may change while the question is open.
    const std::optional<SshKeyRecord> key = selectedKey();
    if (!key || !key->hasPrivateKey)
        return nullptr;
    QMessageBox question(QMessageBox::Warning, tr("Reveal private key"),
                         tr("The private key will be shown in plain text. This is recorded in the audit log."),
                         QMessageBox::Yes | QMessageBox::Cancel, this);
    question.setObjectName(u"revealConfirmation"_s);
    question.setInformativeText(tr("Key \"%1\", %2").arg(keyTitle(*key), key->publicKey.fingerprintSha256()));
    question.button(QMessageBox::Yes)->setText(tr("Show private key"));
    question.setDefaultButton(QMessageBox::Cancel);
    if (question.exec() != QMessageBox::Yes)
        return nullptr;

    Result<SshKeySecrets> secrets = m_services.inventory.reveal(key->id, Actor::console());
    if (!secrets) {
        showError(KeyTexts::error(secrets.error()));
        return nullptr;
    }
    showError({});
    auto *dialog = new RevealKeyDialog(*key, secrets.value(), this);
    secrets->privateKey.fill('\0');
    secrets->password.fill('\0');
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    return dialog;
}

Status KeysPanel::disableSelected()
{
    const std::optional<SshKeyRecord> key = selectedKey();
    if (!key)
        return Error::invalid(tr("Select a key to disable."));
    Result<SshKeyRecord> disabled = m_services.inventory.inactivate(key->id, Actor::console());
    if (!disabled) {
        showError(KeyTexts::error(disabled.error()));
        return disabled.error();
    }
    showError({});
    showNotice(tr("Disabled \"%1\": authorized_keys exports leave it out now.").arg(keyTitle(*key)));
    return {};
}

QString KeysPanel::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

QString KeysPanel::noticeText() const
{
    return m_notice->isHidden() ? QString() : m_notice->text();
}

QString KeysPanel::vaultProblem() const
{
    return m_vaultError->isHidden() ? QString() : m_vaultError->text();
}

bool KeysPanel::showsEmptyState() const
{
    return m_stack->currentIndex() == kEmptyPage;
}

void KeysPanel::refreshVaultState()
{
    m_vaultStateKnown = true;
    Vault &vault = m_services.vault;
    switch (vault.state()) {
    case VaultState::Ready:
    case VaultState::Empty:
        m_vaultError->clear();
        m_vaultError->hide();
        m_vaultError->setToolTip(QString());
        break;
    case VaultState::KeyMissing:
    case VaultState::WrongKey:
    case VaultState::Unavailable:
        m_vaultError->setText(
            tr("The vault is not available: private keys cannot be stored or revealed. %1").arg(vault.stateMessage()));
        m_vaultError->setToolTip(tr("Master key store: %1").arg(vault.keyStoreDescription()));
        m_vaultError->show();
        break;
    }
}

void KeysPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (!m_vaultStateKnown)
        refreshVaultState();
}

void KeysPanel::updateActions()
{
    const std::optional<SshKeyRecord> key = selectedKey();
    m_editAction->setEnabled(key.has_value());
    m_copyAction->setEnabled(key && !key->publicKey.isNull());
    m_revealAction->setEnabled(key && key->hasPrivateKey);
    m_revealAction->setToolTip(key && !key->hasPrivateKey
                                   ? tr("Only the public key of this key is known")
                                   : tr("Show the selected key's private key and password; recorded in the audit log"));
    m_disableAction->setEnabled(key && key->enabled);
    m_exportAction->setEnabled(m_model->rowCount() > 0);
}

void KeysPanel::updateEmptyState()
{
    m_stack->setCurrentIndex(m_model->rowCount() == 0 ? kEmptyPage : kTablePage);
    updateActions();
}

void KeysPanel::refreshTags()
{
    Result<QStringList> tags = m_services.inventory.tags();
    const QString current = m_tagFilter->currentData().toString();
    const QSignalBlocker blocker(m_tagFilter);
    m_tagFilter->clear();
    m_tagFilter->addItem(tr("All tags"), QString());
    if (tags) {
        for (const QString &tag : tags.value())
            m_tagFilter->addItem(tag, tag);
    }
    const int row = current.isEmpty() ? 0 : m_tagFilter->findData(current);
    // A tag no key carries any more: back to all keys rather than an empty table.
    m_tagFilter->setCurrentIndex(row < 0 ? 0 : row);
    m_filter->setTagFilter(m_tagFilter->currentData().toString());
}

void KeysPanel::keySaved(const SshKeySaved &saved)
{
    // The model has the key already: its change event came first, on this thread.
    if (!selectKey(saved.key.id)) {
        // Filtered out: show it anyway, rather than leave the operator wondering where it went.
        m_textFilter->clear();
        m_tagFilter->setCurrentIndex(0);
        selectKey(saved.key.id);
    }
    showError({});
    QString notice
        = saved.created ? tr("Added \"%1\".").arg(keyTitle(saved.key)) : tr("Saved \"%1\".").arg(keyTitle(saved.key));
    if (!saved.deviceProblems.isEmpty()) {
        QStringList problems;
        for (const DeviceProblem &problem : saved.deviceProblems)
            problems.append(problem.message.isEmpty() ? problem.hostname
                                                      : u"%1 (%2)"_s.arg(problem.hostname, problem.message));
        notice += u' ' + tr("Devices Keystead does not know yet, kept on the key: %1.").arg(problems.join(u"; "_s));
    }
    showNotice(notice);
}

void KeysPanel::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void KeysPanel::showNotice(const QString &message)
{
    m_notice->setText(message);
    m_notice->setVisible(!message.isEmpty());
}

void KeysPanel::askToAdd()
{
    openDialog(createAddDialog());
}

void KeysPanel::askToEdit()
{
    openDialog(createEditDialog());
}

void KeysPanel::askToGenerate()
{
    openDialog(createGenerateDialog());
}

void KeysPanel::askToExport()
{
    openDialog(createExportDialog());
}

} // namespace keystead::ui
