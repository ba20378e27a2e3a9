#pragma once

#include "ca/CaRecords.h"
#include "common/Result.h"
#include "ssh/SshCertificate.h"
#include "ui/common/BackgroundDialog.h"

QT_BEGIN_NAMESPACE
class QComboBox;
class QLineEdit;
QT_END_NAMESPACE

namespace keystead {
class CertificateAuthorityService;
}

namespace keystead::ui {

// Makes a new certificate authority: its key type (Ed25519, ECDSA with a curve,
// RSA with a size) and description. The service makes the key and seals it in
// the vault; an RSA 4096 key takes about a second, so the dialog shows that it
// is busy and takes no input meanwhile.
class NewAuthorityDialog final : public BackgroundDialog
{
    Q_OBJECT

public:
    explicit NewAuthorityDialog(CertificateAuthorityService &service, QWidget *parent = nullptr);

    // "ed25519", "ecdsa", "rsa", with the curve ("p256", ...) or the size where they apply.
    void setKeyType(const QString &type, const QString &curve = {}, int keySize = 0);
    CaCreateInput input() const;

    // What the Create button does: checks the form and starts; creationDone tells how it went.
    // False, with the message shown, when it could not start.
    bool start() override;
    const CertificateAuthority &created() const { return m_created; }

Q_SIGNALS:
    void authorityCreated(const keystead::CertificateAuthority &authority);
    void creationDone(bool created);

private:
    void create(const CaCreateInput &input, Result<SshCertificateSigner> key);
    void updateFields();

    CertificateAuthorityService &m_service;
    CertificateAuthority m_created;

    QComboBox *m_type = nullptr;
    QComboBox *m_curve = nullptr;
    QComboBox *m_size = nullptr;
    QLineEdit *m_description = nullptr;
    QLineEdit *m_metadata = nullptr;
};

} // namespace keystead::ui
