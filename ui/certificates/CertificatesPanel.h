#pragma once

#include "ca/CaRecords.h"
#include "common/Result.h"

#include <QWidget>

#include <optional>

QT_BEGIN_NAMESPACE
class QAction;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTableView;
QT_END_NAMESPACE

namespace keystead {
class CertificateAuthorityService;
class Clock;
class CollectService;
class InventoryService;
class SettingsStore;
} // namespace keystead

namespace keystead::ui {

class CertificateAuthoritiesModel;
class CertificatesFilter;
class CertificatesModel;
class NewAuthorityDialog;
class RevokeCertificateDialog;
class SignCertificateDialog;

// Seed 002: certificate authorities and the certificates they issued. The CAs
// with their exports for servers and clients (TrustedUserCAKeys, known_hosts,
// KRL) above; every certificate with its state, filters and a detail pane
// below. Certificates that expire within the warning days (a setting) are
// highlighted and counted. The operations are public methods, so tests drive
// them offscreen; the buttons wrap them in the dialogs and questions a person should see.
class CertificatesPanel final : public QWidget
{
    Q_OBJECT

public:
    CertificatesPanel(CertificateAuthorityService &certificates, InventoryService &inventory, CollectService &collect,
                      SettingsStore &settings, const Clock &clock, QWidget *parent = nullptr);

    CertificateAuthoritiesModel &authoritiesModel() const { return *m_authorities; }
    CertificatesModel &certificatesModel() const { return *m_certificatesModel; }
    CertificatesFilter &certificatesFilter() const { return *m_filter; }

    bool selectAuthority(const QString &id);
    QString selectedAuthorityId() const;
    std::optional<CertificateAuthority> selectedAuthority() const;
    bool selectCertificate(const QString &id);
    QString selectedCertificateId() const;
    std::optional<IssuedCertificate> selectedCertificate() const;

    // The dialogs the buttons open (not yet shown), for a caller to fill in and accept.
    NewAuthorityDialog *createNewAuthorityDialog();
    // With the selected CA chosen when one is selected.
    SignCertificateDialog *createSignDialog();
    // For the selected certificate; nullptr with none selected.
    RevokeCertificateDialog *createRevokeDialog();
    RevokeCertificateDialog *createRevokeSubjectDialog();

    // The selected CA's description.
    Status setAuthorityDescription(const QString &description);
    // Asks first (the CA no longer signs; its certificates stay listed, its KRL stays served).
    Status deleteSelectedAuthority();

    // Exports of the selected CA. Copy puts the text on the clipboard and returns it (empty on failure).
    QString copyTrustedUserCaKeysLine();
    Status saveTrustedUserCaKeysLine(const QString &path);
    void setHostPattern(const QString &pattern);
    QString hostPattern() const;
    // "@cert-authority <pattern> <key>" for the host pattern field.
    QString copyKnownHostsLine();
    // The @cert-authority line and an @revoked line for each revoked host certificate's key of the CA.
    Status saveKnownHostsLines(const QString &path);
    // The binary KRL, for sshd's RevokedKeys.
    Status saveRevocationList(const QString &path);

    QString copySelectedCertificate();
    Status saveSelectedCertificate(const QString &path);
    // The detail pane's value of one field ("serial", "principals", ...), as shown.
    QString detailText(const QString &field) const;

    // Kept in the settings store; 0 turns the highlight off.
    void setExpiryWarningDays(int days);
    int expiryWarningDays() const;
    int expiringCount() const;

    QString errorText() const;
    QString noticeText() const;
    bool showsEmptyState() const;

Q_SIGNALS:
    // Certificates valid now that expire within the warning days; for the status bar.
    void expiringCountChanged(int count);

private:
    QWidget *createAuthorityToolBar();
    QWidget *createAuthorityExportBar();
    QWidget *createCertificateToolBar();
    QWidget *createFilterBar();
    QWidget *createDetailPane();
    QTableView *createTable(const QString &objectName);
    void fitColumns(QTableView *view, int columnCount);
    void updateActions();
    void updateEmptyState();
    void updateDetail();
    void refreshAuthorityFilter();
    void readExpirySetting();
    void expiringCountUpdated(int count);
    void authorityCreated(const CertificateAuthority &authority);
    void certificateIssued(const IssuedCertificate &certificate);
    void certificatesRevoked(const QList<IssuedCertificate> &certificates);
    void showError(const QString &message);
    void showNotice(const QString &message);
    Status writeFile(const QString &path, const QByteArray &content, const QString &what);
    QString askForFile(const QString &title, const QString &fileName, const QString &filter);
    // The modal parts: thin wrappers around the operations above.
    void askToCreateAuthority();
    void askToEditDescription();
    void askToSign();
    void askToRevoke(bool wholeSubject);
    void askToSaveTrustedUserCaKeys();
    void askToSaveKnownHosts();
    void askToSaveRevocationList();
    void askToSaveCertificate();

    CertificateAuthorityService &m_service;
    InventoryService &m_inventory;
    CollectService &m_collect;
    SettingsStore &m_settings;
    const Clock &m_clock;

    CertificateAuthoritiesModel *m_authorities = nullptr;
    CertificatesModel *m_certificatesModel = nullptr;
    CertificatesFilter *m_filter = nullptr;
    QTableView *m_authorityView = nullptr;
    QTableView *m_certificateView = nullptr;
    QStackedWidget *m_stack = nullptr;
    QLineEdit *m_textFilter = nullptr;
    QComboBox *m_kindFilter = nullptr;
    QComboBox *m_authorityFilter = nullptr;
    QComboBox *m_stateFilter = nullptr;
    QSpinBox *m_expiryDays = nullptr;
    QLabel *m_expiringLabel = nullptr;
    QLineEdit *m_hostPattern = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_notice = nullptr;

    QWidget *m_detail = nullptr;
    QFormLayout *m_detailForm = nullptr;
    QLabel *m_detailEmpty = nullptr;
    QPlainTextEdit *m_detailLine = nullptr;

    QAction *m_newAuthorityAction = nullptr;
    QAction *m_editAuthorityAction = nullptr;
    QAction *m_deleteAuthorityAction = nullptr;
    QAction *m_copyTrustedAction = nullptr;
    QAction *m_saveTrustedAction = nullptr;
    QAction *m_copyKnownHostsAction = nullptr;
    QAction *m_saveKnownHostsAction = nullptr;
    QAction *m_saveKrlAction = nullptr;
    QAction *m_signAction = nullptr;
    QAction *m_revokeAction = nullptr;
    QAction *m_revokeSubjectAction = nullptr;
    QAction *m_copyCertificateAction = nullptr;
    QAction *m_saveCertificateAction = nullptr;
};

} // namespace keystead::ui
