#pragma once

#include "common/Result.h"
#include "inventory/SshKeyRecord.h"

#include <QWidget>

#include <optional>

QT_BEGIN_NAMESPACE
class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QStackedWidget;
class QTableView;
QT_END_NAMESPACE

namespace keystead {
class InventoryService;
class Vault;
} // namespace keystead

namespace keystead::ui {

// What the Keys panel works with (the window passes them in).
struct KeysPanelServices
{
    InventoryService &inventory;
    Vault &vault;
};

class AuthorizedKeysDialog;
class GenerateKeyDialog;
class KeyEditDialog;
class RevealKeyDialog;
class SshKeysFilter;
class SshKeysModel;

// Seed 001: the SSH key inventory. The keys table with its filters, the
// operations on the selected key in a toolbar and the table's context menu.
// The operations are public methods, so tests drive them offscreen; the
// buttons wrap them in the dialogs and questions a person should see.
class KeysPanel final : public QWidget
{
    Q_OBJECT

public:
    explicit KeysPanel(KeysPanelServices services, QWidget *parent = nullptr);

    SshKeysModel &keysModel() const { return *m_model; }
    SshKeysFilter &keysFilter() const { return *m_filter; }

    bool selectKey(const QString &id);
    QString selectedKeyId() const;
    std::optional<SshKeyRecord> selectedKey() const;

    // The dialogs the buttons open (not yet shown), for a caller to fill in and accept.
    // Each one reports a saved key back to the panel, which selects it.
    KeyEditDialog *createAddDialog();
    KeyEditDialog *createEditDialog(); // nullptr with no key selected
    GenerateKeyDialog *createGenerateDialog();
    // For the selected key's main device when a key is selected.
    AuthorizedKeysDialog *createExportDialog();

    // Puts the selected key's OpenSSH line on the clipboard and returns it; empty with no key selected.
    QString copySelectedPublicKey();
    // Asks first ("shown in plain text, recorded in the audit log"); on yes, reveals
    // through InventoryService (audited) and opens the dialog that shows the key.
    // Returns that dialog, or nullptr when cancelled, refused, or public-key-only.
    RevealKeyDialog *revealSelected();
    // Inactivates the selected key (the seed's DELETE): it stays, disabled.
    Status disableSelected();

    // What the panel shows under the table: a failure, and what the last operation did.
    QString errorText() const;
    QString noticeText() const;
    // Why secrets cannot be stored or revealed now; empty while the vault works.
    QString vaultProblem() const;
    bool showsEmptyState() const;

public Q_SLOTS:
    // Asks the vault how it is (may talk to the keychain): on first show and when
    // the vault or the keys change, never per repaint.
    void refreshVaultState();

protected:
    void showEvent(QShowEvent *event) override;

private:
    QWidget *createToolBar();
    QWidget *createFilterBar();
    void createView();
    void fitColumns();
    void updateActions();
    void updateEmptyState();
    void refreshTags();
    void keySaved(const SshKeySaved &saved);
    void showError(const QString &message);
    void showNotice(const QString &message);
    // The modal parts: thin wrappers around the operations above.
    void askToAdd();
    void askToEdit();
    void askToGenerate();
    void askToExport();

    KeysPanelServices m_services;
    SshKeysModel *m_model = nullptr;
    SshKeysFilter *m_filter = nullptr;
    QTableView *m_view = nullptr;
    QStackedWidget *m_stack = nullptr;
    QLineEdit *m_textFilter = nullptr;
    QComboBox *m_tagFilter = nullptr;
    QLabel *m_vaultError = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_notice = nullptr;
    bool m_vaultStateKnown = false;

    QAction *m_addAction = nullptr;
    QAction *m_generateAction = nullptr;
    QAction *m_editAction = nullptr;
    QAction *m_copyAction = nullptr;
    QAction *m_revealAction = nullptr;
    QAction *m_exportAction = nullptr;
    QAction *m_disableAction = nullptr;
};

} // namespace keystead::ui
