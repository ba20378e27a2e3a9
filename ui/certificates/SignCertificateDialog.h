#pragma once

#include "ca/CaRecords.h"
#include "common/Result.h"

#include <QDialog>
#include <QMap>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QStackedWidget;
QT_END_NAMESPACE

namespace keystead {
class CertificateAuthorityService;
class Clock;
class CollectService;
class InventoryService;
} // namespace keystead

namespace keystead::ui {

// Signs one user or host certificate: the CA, the subject key (pasted, from the
// inventory, or collected by a collect session), principals, validity, critical
// options, extensions and a description. Signing is quick for every CA type, so
// it runs here; the service checks everything and a refused request stores
// nothing. Once signed, the dialog shows the certificate line to copy or save.
class SignCertificateDialog final : public QDialog
{
    Q_OBJECT

public:
    enum class Source { Pasted, Inventory, Collected };

    SignCertificateDialog(CertificateAuthorityService &certificates, InventoryService &inventory,
                          CollectService &collect, const Clock &clock, QWidget *parent = nullptr);

    void setKind(CertificateKind kind);
    CertificateKind kind() const;
    // False when no CA with that id is listed.
    bool setAuthority(const QString &authorityId);
    QString authorityId() const;
    void setSource(Source source);
    Source source() const;
    // Picks an inventory key by its id / a collected key by its SHA256 fingerprint; false when not listed.
    bool selectInventoryKey(const QString &keyId);
    bool selectCollectedKey(const QString &fingerprint);
    int inventoryKeyCount() const;
    int collectedKeyCount() const;

    // What Sign sends; an error when the form is not complete (no CA, no key).
    Result<CertificateInput> input() const;
    // Signs through the service; on success the dialog turns to showing the certificate.
    Status sign();
    bool isSigned() const { return !m_issued.id.isEmpty(); }
    const IssuedCertificate &issued() const { return m_issued; }
    QString errorText() const;
    // "<key name>-cert.pub": the inventory key's identifier, else id_<type> as ssh-keygen names keys,
    // so ssh finds the certificate beside the key.
    QString suggestedFileName() const;
    // Puts the certificate line on the clipboard; returns it (empty before signing).
    QString copyCertificate();
    Status saveCertificate(const QString &path);

    // sign(); the dialog stays open to show the certificate. After signing: closes.
    void accept() override;
    // After signing, Close keeps the certificate: the dialog ends accepted.
    void reject() override;

Q_SIGNALS:
    void certificateIssued(const keystead::IssuedCertificate &certificate);

private:
    void loadAuthorities();
    void loadInventoryKeys();
    void loadCollectedKeys();
    void updateKind();
    void showError(const QString &message);
    QString subjectKeyLine() const;
    QString subjectKeyName() const;
    QWidget *createSubjectBox();
    QWidget *createOptionsBox();
    QWidget *createResultBox();
    void saveCertificateAs();

    CertificateAuthorityService &m_certificates;
    InventoryService &m_inventory;
    CollectService &m_collect;
    const Clock &m_clock;
    IssuedCertificate m_issued;

    QWidget *m_form = nullptr;
    QComboBox *m_kind = nullptr;
    QComboBox *m_authority = nullptr;
    QRadioButton *m_pasted = nullptr;
    QRadioButton *m_fromInventory = nullptr;
    QRadioButton *m_fromCollected = nullptr;
    QStackedWidget *m_sourceStack = nullptr;
    QPlainTextEdit *m_publicKey = nullptr;
    QComboBox *m_inventoryKey = nullptr;
    QComboBox *m_collectedKey = nullptr;
    QLineEdit *m_principals = nullptr;
    QDateTimeEdit *m_validAfter = nullptr;
    QDateTimeEdit *m_validUntil = nullptr;
    QGroupBox *m_optionsBox = nullptr;
    QLineEdit *m_forceCommand = nullptr;
    QLineEdit *m_sourceAddress = nullptr;
    QGroupBox *m_extensionsBox = nullptr;
    QMap<QString, QCheckBox *> m_extensions;
    QLineEdit *m_description = nullptr;
    QLabel *m_error = nullptr;
    QWidget *m_result = nullptr;
    QPlainTextEdit *m_certificateLine = nullptr;
    QPushButton *m_copy = nullptr;
    QPushButton *m_save = nullptr;
    QPushButton *m_sign = nullptr;
    QPushButton *m_close = nullptr;
};

} // namespace keystead::ui
