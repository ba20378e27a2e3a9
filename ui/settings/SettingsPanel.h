#pragma once

#include "api/ApiEndpoint.h"
#include "api/TokenService.h"
#include "common/Result.h"
#include "connections/ConnectionRecord.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;
QT_END_NAMESPACE

namespace keystead {
class AuditLog;
class ConnectionService;
class SettingsStore;
class Vault;
} // namespace keystead

namespace keystead::ui {

class TokensModel;

// The window's own HTTP endpoint and the API tokens. The operations are public
// methods with no dialog in them, so tests drive them offscreen; the buttons
// wrap them in the questions a person should be asked.
class SettingsPanel final : public QWidget
{
    Q_OBJECT

public:
    SettingsPanel(SettingsStore &settings, TokenService &tokens, ApiEndpoint &endpoint, Vault &vault, AuditLog &audit,
                  ConnectionService &connections, QWidget *parent = nullptr);

    // Saves the endpoint form, then starts, restarts or stops the endpoint to
    // match. A bad value changes nothing; any error is also shown under the form.
    Status applyEndpointSettings();
    // Saves the collect server's address and the notification choice. A bad
    // address changes nothing; the window restarts a running server on a new one.
    Status applyCollectSettings();
    // Writes the "Delete connection trails older than N days" choice into the
    // SSH options' audit.cleanup (enabled, channel_database_cleanup_days).
    // applyCollectSettings() does it too.
    Status applyTrailCleanup();
    // Makes a token and selects it; the secret is in the result, nowhere else.
    Result<NewApiToken> createToken(const QString &name, TokenScopes scopes = kDefaultTokenScopes);
    // Revokes the selected token, without asking.
    Status revokeSelected();
    bool selectToken(const QString &id);
    // A new master key for the vault: every secret re-sealed in one transaction,
    // recorded in the audit log. Without asking; the button asks first.
    Status rotateMasterKey();
    // Re-reads the vault's state into the panel (it asks the key store: not on every paint).
    void showVaultState();
    // Adds a named access role (seed 003's roles, granted per connection over HTTP).
    Result<AccessRole> addAccessRole(const QString &name);
    // "name  id" per role, as listed.
    QStringList accessRoleTexts() const;

    TokensModel &tokensModel() const { return *m_tokensModel; }
    // What the panel shows under each form; empty when all went well.
    QString endpointError() const;
    QString collectError() const;
    QString tokenError() const;
    QString vaultError() const;
    QString vaultStateText() const;

Q_SIGNALS:
    // The collect server settings were saved (applyCollectSettings worked).
    void collectSettingsApplied();

protected:
    void showEvent(QShowEvent *event) override;

private:
    QWidget *createEndpointGroup();
    QWidget *createCollectGroup();
    void loadCollectSettings();
    // Shows the SSH options' audit.cleanup (re-read when they change).
    void loadTrailCleanup();
    QWidget *createTokensGroup();
    QWidget *createVaultGroup();
    QWidget *createRolesGroup();
    void loadAccessRoles();
    void confirmRotation();
    void loadEndpointSettings();
    void showEndpointState();
    void updateTokenButtons();
    QString selectedTokenId() const;
    void showError(QLabel *label, const QString &message);
    // The modal parts: thin wrappers around the operations above.
    void askForNewToken();
    void confirmRevoke();
    void chooseFile(QLineEdit *field, const QString &title);

    SettingsStore &m_settings;
    TokenService &m_tokens;
    ApiEndpoint &m_endpoint;
    Vault &m_vault;
    AuditLog &m_audit;
    ConnectionService &m_connections;

    QCheckBox *m_endpointEnabled = nullptr;
    QLineEdit *m_listenAddress = nullptr;
    QLineEdit *m_tlsCertificate = nullptr;
    QLineEdit *m_tlsKey = nullptr;
    QLabel *m_endpointState = nullptr;
    QLabel *m_endpointError = nullptr;

    QLineEdit *m_collectListen = nullptr;
    QCheckBox *m_collectNotify = nullptr;
    QCheckBox *m_trailCleanup = nullptr;
    QSpinBox *m_trailRetention = nullptr;
    QLabel *m_collectError = nullptr;

    TokensModel *m_tokensModel = nullptr;
    QSortFilterProxyModel *m_sortedTokens = nullptr;
    QTableView *m_tokensView = nullptr;
    QPushButton *m_revokeButton = nullptr;
    QLabel *m_tokenError = nullptr;

    QLabel *m_vaultState = nullptr;
    QPushButton *m_rotateButton = nullptr;
    QLabel *m_vaultError = nullptr;

    QListWidget *m_roles = nullptr;
    QLineEdit *m_roleName = nullptr;
    QLabel *m_roleError = nullptr;
};

} // namespace keystead::ui
