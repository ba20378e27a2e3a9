#pragma once

#include "common/Result.h"
#include "hostkeys/HostKeyRecords.h"

#include <QDialog>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;
QT_END_NAMESPACE

namespace keystead {
class HostKeyStore;
}

namespace keystead::ui {

// Trusts a host key by hand: address, port, and a pasted key line
// ("ssh-ed25519 AAAA... comment", a known_hosts line) or a bare base64 value
// with its type chosen. Saves through HostKeyStore (origin "console").
class AddHostKeyDialog final : public QDialog
{
    Q_OBJECT

public:
    explicit AddHostKeyDialog(HostKeyStore &store, QWidget *parent = nullptr);

    // The input as the form reads now: the type found in a pasted line wins over the chosen one.
    HostKeyInput input() const;
    Result<TrustedHostKey> save();
    QString errorText() const;
    void accept() override;

Q_SIGNALS:
    void hostKeyAdded(const keystead::TrustedHostKey &key);

private:
    void showError(const QString &message);

    HostKeyStore &m_store;
    QLineEdit *m_address = nullptr;
    QSpinBox *m_port = nullptr;
    QComboBox *m_type = nullptr;
    QPlainTextEdit *m_value = nullptr;
    QLabel *m_error = nullptr;
};

} // namespace keystead::ui
