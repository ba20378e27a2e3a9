#pragma once

#include "common/Result.h"
#include "inventory/SshKeyRecord.h"
#include "ssh/SshPrivateKey.h"
#include "ui/common/BackgroundDialog.h"

#include <memory>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLineEdit;
QT_END_NAMESPACE

namespace keystead {
class InventoryService;
}

namespace keystead::ui {

// Makes a new key pair in the console (Ed25519, ECDSA P-256/384/521, RSA
// 3072/4096, optionally encrypted with a passphrase) and saves it to the
// inventory with origin "generated". Generation runs in a thread of its own:
// RSA 4096 takes seconds, and the window keeps answering meanwhile.
class GenerateKeyDialog final : public BackgroundDialog
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
    bool start() override;
    const SshKeySaved &saved() const { return m_saved; }

Q_SIGNALS:
    void keySaved(const keystead::SshKeySaved &saved);
    void generationDone(bool saved);

private:
    void generated(Result<GeneratedKeyPair> pair);
    QString keyComment() const;

    InventoryService &m_service;
    SshKeySaved m_saved;

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
};

} // namespace keystead::ui
