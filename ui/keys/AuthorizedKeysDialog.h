#pragma once

#include "common/Result.h"

#include <QDialog>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
QT_END_NAMESPACE

namespace keystead {
class InventoryService;
}

namespace keystead::ui {

// The authorized_keys file for one device: every enabled key of the inventory
// that opens it (as its main device or an additional one), one line each, to
// copy or save.
class AuthorizedKeysDialog final : public QDialog
{
    Q_OBJECT

public:
    // Offers the devices InventoryService knows; shows `hostname` first when it is one of them.
    AuthorizedKeysDialog(InventoryService &service, const QString &hostname = {}, QWidget *parent = nullptr);

    QStringList deviceHostnames() const;
    bool setDevice(const QString &hostname);
    QString device() const;
    // The lines shown for the device chosen.
    QString authorizedKeys() const;

    void copy();
    Status saveTo(const QString &path);

private:
    void showDevice();
    void chooseFile();
    void showError(const QString &message);

    InventoryService &m_service;
    QComboBox *m_devices = nullptr;
    QPlainTextEdit *m_lines = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_error = nullptr;
    QPushButton *m_copy = nullptr;
    QPushButton *m_save = nullptr;
};

} // namespace keystead::ui
