#pragma once

#include "common/Result.h"
#include "inventory/SshKeyRecord.h"

#include <QDialog>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
QT_END_NAMESPACE

namespace keystead {
class InventoryService;
}

namespace keystead::ui {

// Adds a key pair to the inventory by pasting it or choosing its files, or
// edits a key. Saving goes through InventoryService (origin "console"): when it
// refuses, the dialog shows its numbered message and stays open, and nothing is
// stored. The operations are public, so tests drive the dialog without a modal loop.
class KeyEditDialog final : public QDialog
{
    Q_OBJECT

public:
    // A new key.
    explicit KeyEditDialog(InventoryService &service, QWidget *parent = nullptr);
    // Edits `key`; its identifier stays. The sealed private key and password are
    // never shown: fields left empty keep them.
    KeyEditDialog(InventoryService &service, const SshKeyRecord &key, QWidget *parent = nullptr);
    ~KeyEditDialog() override;

    bool isEditing() const { return !m_original.id.isEmpty(); }

    // The form as InventoryService::save takes it. When editing, only what changed
    // (and the identifier), so a change made elsewhere meanwhile is not undone.
    SshKeyInput input() const;
    // Creates or updates. On error the message shows in the dialog, the form keeps what was typed.
    Result<SshKeySaved> save();
    const SshKeySaved &saved() const { return m_saved; }
    // What the dialog shows under the form; empty when all went well.
    QString errorText() const;

    // What "Choose file…" does once a file is chosen: reads it into the field.
    Status loadPublicKeyFile(const QString &path);
    Status loadPrivateKeyFile(const QString &path);

    // Saves, and closes only when that worked.
    void accept() override;

Q_SIGNALS:
    void keySaved(const keystead::SshKeySaved &saved);

private:
    void build();
    void choosePublicKeyFile();
    void choosePrivateKeyFile();
    void showError(const QString &message);
    void focusField(const QString &location);

    InventoryService &m_service;
    SshKeyRecord m_original; // empty id: a new key
    QString m_originalPublicKey; // the line the form showed
    SshKeySaved m_saved;

    QLineEdit *m_identifier = nullptr;
    QLineEdit *m_keyName = nullptr;
    QLineEdit *m_username = nullptr;
    QLineEdit *m_hostname = nullptr;
    QLineEdit *m_ip = nullptr;
    QLineEdit *m_devices = nullptr;
    QLineEdit *m_tags = nullptr;
    QCheckBox *m_enabled = nullptr;
    QPlainTextEdit *m_publicKey = nullptr;
    QPlainTextEdit *m_privateKey = nullptr;
    QLineEdit *m_password = nullptr;
    QLabel *m_error = nullptr;
    QPushButton *m_save = nullptr;
};

} // namespace keystead::ui
