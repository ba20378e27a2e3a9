#pragma once

#include "common/Result.h"
#include "inventory/SshKeyRecord.h"
#include "ssh/SshPrivateKey.h"
#include "ui/common/BackgroundTask.h"

#include <QDialog>

#include <memory>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
QT_END_NAMESPACE

namespace keystead {
class InventoryService;
}

namespace keystead::ui {

// Makes a new key pair in the console (Ed25519, ECDSA P-256/384/521, RSA
// 3072/4096, optionally encrypted with a passphrase) and saves it to the
// inventory with origin "generated". Generation runs in a thread of its own:
// RSA 4096 takes seconds, and the window keeps answering meanwhile.
class GenerateKeyDialog final : public QDialog
{
    Q_OBJECT

public:
    explicit GenerateKeyDialog(InventoryService &service, QWidget *parent = nullptr);
    // Waits for a generation still running.
    ~GenerateKeyDialog() override;

    void setKeyType(GeneratedKeyType type);
    GeneratedKeyType keyType() const;

    // What the Generate button does: checks the form, then generates in the
    // background and saves when the pair is made (generationDone tells how it went).
    // False, with the message shown, when the form is not ready.
    bool start();
    bool isBusy() const { return m_task.isRunning(); }
    const SshKeySaved &saved() const { return m_saved; }
    // What the dialog shows under the form; empty when all went well.
    QString errorText() const;

    // start(); the dialog closes once the key is saved.
    void accept() override;
    // Nothing to cancel into while a pair is being made: ignored until it is done.
    void reject() override;

Q_SIGNALS:
    void keySaved(const keystead::SshKeySaved &saved);
    void generationDone(bool saved);

private:
    void generated(Result<GeneratedKeyPair> pair);
    void setBusy(bool busy);
    void showError(const QString &message);
    QString keyComment() const;

    InventoryService &m_service;
    SshKeySaved m_saved;
    BackgroundTask m_task{QStringLiteral("keystead-keygen")};
    bool m_closeWhenSaved = false;

    QWidget *m_form = nullptr;
    QComboBox *m_type = nullptr;
    QLineEdit *m_passphrase = nullptr;
    QLineEdit *m_passphraseAgain = nullptr;
    QLineEdit *m_identifier = nullptr;
    QLineEdit *m_keyName = nullptr;
    QLineEdit *m_username = nullptr;
    QLineEdit *m_hostname = nullptr;
    QLineEdit *m_ip = nullptr;
    QLineEdit *m_devices = nullptr;
    QLineEdit *m_tags = nullptr;
    QProgressBar *m_busy = nullptr;
    QLabel *m_busyText = nullptr;
    QLabel *m_error = nullptr;
    QPushButton *m_generate = nullptr;
    QPushButton *m_cancel = nullptr;
};

} // namespace keystead::ui
