#include "ui/keys/AuthorizedKeysDialog.h"

#include "inventory/InventoryService.h"
#include "ui/common/ErrorLabel.h"

#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

AuthorizedKeysDialog::AuthorizedKeysDialog(InventoryService &service, const QString &hostname, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
{
    setObjectName(u"authorizedKeysDialog"_s);
    setWindowTitle(tr("Export authorized_keys"));

    m_devices = new QComboBox(this);
    m_devices->setObjectName(u"device"_s);
    m_devices->setMinimumContentsLength(24);
    m_error = makeErrorLabel(u"error"_s, this);
    if (Result<QList<InventoryDevice>> devices = m_service.devices()) {
        for (const InventoryDevice &device : devices.value()) {
            const QString label = device.ip.isEmpty() ? device.hostname : u"%1 (%2)"_s.arg(device.hostname, device.ip);
            m_devices->addItem(label, device.hostname);
        }
    } else {
        showError(devices.error().message);
    }

    m_summary = new QLabel(this);
    m_summary->setObjectName(u"summary"_s);
    m_summary->setForegroundRole(QPalette::PlaceholderText);
    m_summary->setWordWrap(true);

    m_lines = new QPlainTextEdit(this);
    m_lines->setObjectName(u"lines"_s);
    m_lines->setReadOnly(true);
    m_lines->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_lines->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_lines->setMinimumSize(m_lines->fontMetrics().horizontalAdvance(QString(80, u'M')),
                            m_lines->fontMetrics().lineSpacing() * 10);

    m_copy = new QPushButton(tr("Copy"), this);
    m_copy->setObjectName(u"copy"_s);
    m_copy->setAutoDefault(false);
    connect(m_copy, &QPushButton::clicked, this, &AuthorizedKeysDialog::copy);
    m_save = new QPushButton(tr("Save as…"), this);
    m_save->setObjectName(u"saveAs"_s);
    m_save->setAutoDefault(false);
    connect(m_save, &QPushButton::clicked, this, &AuthorizedKeysDialog::chooseFile);

    auto *deviceRow = new QHBoxLayout;
    deviceRow->addWidget(new QLabel(tr("Device:"), this));
    deviceRow->addWidget(m_devices, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_copy, QDialogButtonBox::ActionRole);
    buttons->addButton(m_save, QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::accept);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(deviceRow);
    layout->addWidget(m_summary);
    layout->addWidget(m_lines, 1);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    connect(m_devices, &QComboBox::currentIndexChanged, this, &AuthorizedKeysDialog::showDevice);
    if (!setDevice(hostname))
        showDevice();
}

QStringList AuthorizedKeysDialog::deviceHostnames() const
{
    QStringList names;
    for (int row = 0; row < m_devices->count(); ++row)
        names.append(m_devices->itemData(row).toString());
    return names;
}

bool AuthorizedKeysDialog::setDevice(const QString &hostname)
{
    const int row = hostname.isEmpty() ? -1 : m_devices->findData(hostname);
    if (row < 0)
        return false;
    if (row == m_devices->currentIndex())
        showDevice();
    else
        m_devices->setCurrentIndex(row);
    return true;
}

QString AuthorizedKeysDialog::device() const
{
    return m_devices->currentData().toString();
}

QString AuthorizedKeysDialog::authorizedKeys() const
{
    return m_lines->toPlainText();
}

void AuthorizedKeysDialog::showDevice()
{
    const QString hostname = device();
    m_lines->clear();
    if (hostname.isEmpty()) {
        m_summary->setText(tr("No device is known yet: keys name their devices when they are added."));
        m_copy->setEnabled(false);
        m_save->setEnabled(false);
        return;
    }
    Result<QString> lines = m_service.authorizedKeys(hostname);
    if (!lines) {
        showError(lines.error().message);
        m_summary->clear();
        m_copy->setEnabled(false);
        m_save->setEnabled(false);
        return;
    }
    showError({});
    m_lines->setPlainText(lines.value());
    const auto count = lines->split(u'\n', Qt::SkipEmptyParts).size();
    m_summary->setText(count == 0 ? tr("No enabled key opens %1.").arg(hostname)
                                  : tr("Enabled keys that open %1: %2. These lines go into ~/.ssh/authorized_keys "
                                       "of the user on that device.")
                                        .arg(hostname)
                                        .arg(count));
    m_copy->setEnabled(count > 0);
    m_save->setEnabled(count > 0);
}

void AuthorizedKeysDialog::copy()
{
    QGuiApplication::clipboard()->setText(m_lines->toPlainText());
    m_copy->setText(tr("Copied"));
}

Status AuthorizedKeysDialog::saveTo(const QString &path)
{
    QSaveFile file(path);
    QString text = m_lines->toPlainText();
    if (!text.isEmpty() && !text.endsWith(u'\n'))
        text += u'\n';
    if (!file.open(QIODevice::WriteOnly) || file.write(text.toUtf8()) < 0 || !file.commit()) {
        const QString message = tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        showError(message);
        return Error::unavailable(message);
    }
    showError({});
    return {};
}

void AuthorizedKeysDialog::chooseFile()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Save authorized_keys"),
                                                      QDir::home().filePath(u"authorized_keys"_s), tr("All files (*)"));
    if (!path.isEmpty())
        (void)saveTo(path);
}

void AuthorizedKeysDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

} // namespace keystead::ui
