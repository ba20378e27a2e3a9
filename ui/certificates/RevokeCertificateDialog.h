#pragma once

#include "ca/CaRecords.h"
#include "common/Result.h"

#include <QDialog>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QPushButton;
QT_END_NAMESPACE

namespace keystead {
class CertificateAuthorityService;
}

namespace keystead::ui {

// Asks for the reason and revokes, for good: one certificate, or every
// certificate of its subject key (of every CA, and the key itself in every
// CA's KRL). The dialog is the confirmation: it says what will be revoked and
// that it cannot be undone. A refused revocation shows the service's error and changes nothing.
class RevokeCertificateDialog final : public QDialog
{
    Q_OBJECT

public:
    enum class Scope { Certificate, SubjectKey };

    RevokeCertificateDialog(CertificateAuthorityService &service, const IssuedCertificate &certificate, Scope scope,
                            QWidget *parent = nullptr);

    Scope scope() const { return m_scope; }
    void setReason(const QString &reason);
    // Revokes through the service; the certificates revoked now.
    Result<QList<IssuedCertificate>> revoke();
    const QList<IssuedCertificate> &revoked() const { return m_revoked; }
    QString errorText() const;

    // revoke(); closes when it worked.
    void accept() override;

Q_SIGNALS:
    void certificatesRevoked(const QList<keystead::IssuedCertificate> &certificates);

private:
    void showError(const QString &message);

    CertificateAuthorityService &m_service;
    IssuedCertificate m_certificate;
    Scope m_scope;
    QList<IssuedCertificate> m_revoked;
    QLineEdit *m_reason = nullptr;
    QLabel *m_error = nullptr;
    QPushButton *m_revoke = nullptr;
};

} // namespace keystead::ui
