#include "ui/keys/KeyEditDialog.h"

#include "audit/AuditLog.h"
#include "inventory/InventoryService.h"
#include "ui/common/ErrorLabel.h"
#include "ui/keys/KeyTexts.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

std::optional<QString> unlessEmpty(const QString &text)
{
    return text.isEmpty() ? std::nullopt : std::optional<QString>(text);
}

QStringList deviceHostnames(const SshKeyRecord &key)
{
    QStringList names;
    for (const InventoryDevice &device : key.devices)
        names.append(device.hostname);
    return names;
}

QPlainTextEdit *keyTextEdit(const QString &objectName, QWidget *parent)
{
    auto *edit = new QPlainTextEdit(parent);
    edit->setObjectName(objectName);
    edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    edit->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    edit->setWordWrapMode(QTextOption::WrapAnywhere);
    edit->setTabChangesFocus(true);
    return edit;
}

} // namespace

KeyEditDialog::KeyEditDialog(InventoryService &service, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
{
    build();
    setWindowTitle(tr("Add SSH key"));
    m_username->setText(QString::fromLatin1(InventoryService::kDefaultUsername));
    m_enabled->setChecked(true);
}

KeyEditDialog::KeyEditDialog(InventoryService &service, const SshKeyRecord &key, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
    , m_original(key)
{
    build();
    setWindowTitle(tr("Edit SSH key %1").arg(key.identifier));
    m_identifier->setText(key.identifier);
    // The identifier is how scripts and the API name the key.
    m_identifier->setReadOnly(true);
    m_identifier->setToolTip(tr("The identifier cannot change: scripts and the API name the key by it."));
    m_keyName->setText(key.keyName);
    m_username->setText(key.username);
    m_hostname->setText(key.hostname);
    m_ip->setText(key.ip);
    m_devices->setText(deviceHostnames(key).join(u", "_s));
    m_tags->setText(key.tags.join(u", "_s));
    m_enabled->setChecked(key.enabled);
    m_originalPublicKey = key.publicKey.isNull() ? QString() : key.publicKey.openSshLine(key.publicKeyComment);
    m_publicKey->setPlainText(m_originalPublicKey);
    if (key.hasPrivateKey) {
        m_privateKey->setPlaceholderText(
            tr("Sealed in the vault. Paste or choose another private key to replace it; leave empty to keep it."));
    } else {
        m_privateKey->setPlaceholderText(
            tr("Only the public key is known. Paste or choose the private key to add it."));
    }
    if (key.hasPassword)
        m_password->setPlaceholderText(tr("sealed in the vault; empty keeps it"));
}

KeyEditDialog::~KeyEditDialog()
{
    // Less time in memory for what was typed; the vault holds the copy that counts.
    m_privateKey->clear();
    m_password->clear();
}

void KeyEditDialog::build()
{
    setObjectName(u"keyEditDialog"_s);

    const auto line = [this](const QString &objectName, const QString &placeholder = {}) {
        auto *edit = new QLineEdit(this);
        edit->setObjectName(objectName);
        edit->setPlaceholderText(placeholder);
        return edit;
    };
    m_identifier = line(u"identifier"_s, tr("generated when empty"));
    m_keyName = line(u"keyName"_s);
    m_username = line(u"username"_s);
    m_username->setToolTip(tr("The user name the key logs in as on its devices"));
    m_hostname = line(u"hostname"_s, tr("the main device's name"));
    m_ip = line(u"ip"_s, tr("the main device's address"));
    m_devices = line(u"devices"_s, tr("host-a, host-b"));
    m_devices->setToolTip(tr("Further devices the key opens, by hostname, separated by commas"));
    m_tags = line(u"tags"_s, tr("production, deploy"));
    m_tags->setToolTip(tr("Words to find the key by, separated by commas"));
    m_enabled = new QCheckBox(tr("Enabled"), this);
    m_enabled->setObjectName(u"enabled"_s);
    m_enabled->setToolTip(tr("Disabled keys stay in the inventory but are left out of authorized_keys exports"));

    m_publicKey = keyTextEdit(u"publicKey"_s, this);
    m_publicKey->setPlaceholderText(tr("ssh-ed25519 AAAA… comment, or an RFC 4716 block"));
    m_publicKey->setFixedHeight(m_publicKey->fontMetrics().lineSpacing() * 4 + 12);
    m_privateKey = keyTextEdit(u"privateKey"_s, this);
    m_privateKey->setPlaceholderText(
        tr("-----BEGIN OPENSSH PRIVATE KEY----- … (OpenSSH, PEM or PKCS#8; encrypted or not)"));
    m_privateKey->setMinimumHeight(m_privateKey->fontMetrics().lineSpacing() * 7 + 12);
    m_password = line(u"password"_s, tr("only for an encrypted private key"));
    m_password->setEchoMode(QLineEdit::Password);

    const auto withChooser = [this](QPlainTextEdit *edit, const QString &objectName, void (KeyEditDialog::*choose)()) {
        auto *button = new QPushButton(tr("Choose file…"), this);
        button->setObjectName(objectName);
        button->setAutoDefault(false);
        connect(button, &QPushButton::clicked, this, choose);
        auto *column = new QVBoxLayout;
        column->addWidget(button);
        column->addStretch(1);
        auto *row = new QHBoxLayout;
        row->addWidget(edit, 1);
        row->addLayout(column);
        return row;
    };

    auto *form = new QFormLayout;
    form->addRow(tr("Identifier:"), m_identifier);
    form->addRow(tr("Name:"), m_keyName);
    form->addRow(tr("User name:"), m_username);
    form->addRow(tr("Hostname:"), m_hostname);
    form->addRow(tr("IP address:"), m_ip);
    form->addRow(tr("Additional devices:"), m_devices);
    form->addRow(tr("Tags:"), m_tags);
    form->addRow(QString(), m_enabled);
    form->addRow(tr("Public key:"),
                 withChooser(m_publicKey, u"choosePublicKey"_s, &KeyEditDialog::choosePublicKeyFile));
    form->addRow(tr("Private key:"),
                 withChooser(m_privateKey, u"choosePrivateKey"_s, &KeyEditDialog::choosePrivateKeyFile));
    form->addRow(tr("Password:"), m_password);

    auto *sealed = new QLabel(tr("The private key and its password are sealed in the vault; the key list never "
                                 "shows them."),
                              this);
    sealed->setWordWrap(true);
    sealed->setForegroundRole(QPalette::PlaceholderText);

    m_error = makeErrorLabel(u"error"_s, this);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    m_save = buttons->button(QDialogButtonBox::Save);
    m_save->setObjectName(u"save"_s);
    connect(buttons, &QDialogButtonBox::accepted, this, &KeyEditDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &KeyEditDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form, 1);
    layout->addWidget(sealed);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    resize(680, sizeHint().height());
}

SshKeyInput KeyEditDialog::input() const
{
    SshKeyInput input;
    input.origin = u"console"_s;
    const QString privateKey = m_privateKey->toPlainText().trimmed();
    if (!privateKey.isEmpty())
        input.privateKey = privateKey.toUtf8() + '\n';
    if (!m_password->text().isEmpty())
        input.password = m_password->text().toUtf8();
    const QString publicKey = m_publicKey->toPlainText().trimmed();

    if (!isEditing()) {
        // Empty fields stay absent, so the service names what is missing with the seed's numbers.
        input.identifier = unlessEmpty(m_identifier->text().trimmed());
        input.keyName = unlessEmpty(m_keyName->text().trimmed());
        input.username = unlessEmpty(m_username->text().trimmed());
        input.hostname = unlessEmpty(m_hostname->text().trimmed());
        input.ip = unlessEmpty(m_ip->text().trimmed());
        input.publicKey = unlessEmpty(publicKey);
        input.enabled = m_enabled->isChecked();
        if (const QStringList devices = KeyTexts::splitList(m_devices->text()); !devices.isEmpty())
            input.deviceHostnames = devices;
        if (const QStringList tags = KeyTexts::splitList(m_tags->text()); !tags.isEmpty())
            input.tags = tags;
        return input;
    }

    input.identifier = m_original.identifier;
    const auto changed = [](std::optional<QString> &field, const QString &before, const QString &now) {
        if (now != before)
            field = now;
    };
    changed(input.keyName, m_original.keyName, m_keyName->text().trimmed());
    changed(input.username, m_original.username, m_username->text().trimmed());
    changed(input.hostname, m_original.hostname, m_hostname->text().trimmed());
    changed(input.ip, m_original.ip, m_ip->text().trimmed());
    changed(input.publicKey, m_originalPublicKey, publicKey);
    if (m_enabled->isChecked() != m_original.enabled)
        input.enabled = m_enabled->isChecked();
    if (const QStringList devices = KeyTexts::splitList(m_devices->text()); devices != deviceHostnames(m_original))
        input.deviceHostnames = devices;
    if (const QStringList tags = KeyTexts::splitList(m_tags->text()); tags != m_original.tags)
        input.tags = tags;
    return input;
}

Result<SshKeySaved> KeyEditDialog::save()
{
    const SshKeyInput request = input();
    // A new key with the identifier of a stored one would replace that key: say so instead.
    if (!isEditing() && request.identifier) {
        if (Result<SshKeyRecord> existing = m_service.find(*request.identifier);
            existing && existing->identifier == *request.identifier) {
            const QString message
                = tr("A key with the identifier \"%1\" exists already: edit that key, or choose another identifier.")
                      .arg(*request.identifier);
            showError(message);
            focusField(u"identifier"_s);
            return Error::conflict(message);
        }
    }
    Result<SshKeySaved> result = m_service.save(request, Actor::console());
    if (!result) {
        showError(KeyTexts::error(result.error()));
        focusField(result.error().location);
        return result;
    }
    showError({});
    m_saved = result.value();
    Q_EMIT keySaved(m_saved);
    return result;
}

QString KeyEditDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void KeyEditDialog::accept()
{
    if (save())
        QDialog::accept();
}

Status KeyEditDialog::loadPublicKeyFile(const QString &path)
{
    Result<QByteArray> text = KeyTexts::readKeyFile(path);
    if (!text) {
        showError(text.error().message);
        return text.error();
    }
    m_publicKey->setPlainText(QString::fromUtf8(text.value()).trimmed());
    showError({});
    return {};
}

Status KeyEditDialog::loadPrivateKeyFile(const QString &path)
{
    Result<QByteArray> text = KeyTexts::readKeyFile(path);
    if (!text) {
        showError(text.error().message);
        return text.error();
    }
    m_privateKey->setPlainText(QString::fromUtf8(text.value()));
    text.value().fill('\0');
    showError({});
    // The public half usually lies beside it: offer it when the field is still empty.
    if (m_publicKey->toPlainText().trimmed().isEmpty() && QFile::exists(path + u".pub"_s))
        (void)loadPublicKeyFile(path + u".pub"_s);
    return {};
}

void KeyEditDialog::choosePublicKeyFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Public key"), QDir::home().filePath(u".ssh"_s),
                                                      tr("Public keys (*.pub);;All files (*)"));
    if (!path.isEmpty())
        (void)loadPublicKeyFile(path);
}

void KeyEditDialog::choosePrivateKeyFile()
{
    const QString path
        = QFileDialog::getOpenFileName(this, tr("Private key"), QDir::home().filePath(u".ssh"_s), tr("All files (*)"));
    if (!path.isEmpty())
        (void)loadPrivateKeyFile(path);
}

void KeyEditDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void KeyEditDialog::focusField(const QString &location)
{
    // The service names fields as the API does ("body.public_key", "public_key").
    const QString field = location.section(u'.', -1);
    const std::pair<QLatin1StringView, QWidget *> fields[] = {
        {QLatin1StringView("identifier"), m_identifier},
        {QLatin1StringView("key_name"), m_keyName},
        {QLatin1StringView("username"), m_username},
        {QLatin1StringView("hostname"), m_hostname},
        {QLatin1StringView("ip"), m_ip},
        {QLatin1StringView("devices"), m_devices},
        {QLatin1StringView("tags"), m_tags},
        {QLatin1StringView("public_key"), m_publicKey},
        {QLatin1StringView("private_key"), m_privateKey},
        {QLatin1StringView("password"), m_password},
    };
    for (const auto &[name, widget] : fields) {
        if (field == name) {
            widget->setFocus();
            return;
        }
    }
}

} // namespace keystead::ui
