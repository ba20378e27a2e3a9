#pragma once

#include "inventory/SshKeyRecord.h"

#include <QDialog>

QT_BEGIN_NAMESPACE
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
QT_END_NAMESPACE

namespace keystead::ui {

// Shows the private key and password of one key, read-only, after the operator
// confirmed (and the audit log recorded) the reveal. The texts are cleared when
// the dialog goes.
class RevealKeyDialog final : public QDialog
{
    Q_OBJECT

public:
    RevealKeyDialog(const SshKeyRecord &key, const SshKeySecrets &secrets, QWidget *parent = nullptr);
    ~RevealKeyDialog() override;

    QString privateKeyText() const;
    QString passwordText() const;
    // Put the private key / the password on the clipboard.
    void copyPrivateKey();
    void copyPassword();

private:
    QPlainTextEdit *m_privateKey = nullptr;
    QLineEdit *m_password = nullptr;
    QPushButton *m_copyPrivateKey = nullptr;
    QPushButton *m_copyPassword = nullptr;
};

} // namespace keystead::ui
