#include "ui/keys/GenerateKeyDialog.h"

#include "audit/AuditLog.h"
#include "inventory/InventoryService.h"
#include "ui/keys/KeyTexts.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>

#include <optional>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

std::optional<QString> unlessEmpty(const QString &text)
{
    return text.isEmpty() ? std::nullopt : std::optional<QString>(text);
}

} // namespace

GenerateKeyDialog::GenerateKeyDialog(InventoryService &service, QWidget *parent)
    : BackgroundDialog(u"keystead-keygen"_s, parent)
    , m_service(service)
{
    setObjectName(u"generateKeyDialog"_s);
    setWindowTitle(tr("Generate SSH key pair"));

    QWidget *page = form();
    const auto line = [page](const QString &objectName, const QString &placeholder = {}) {
        auto *edit = new QLineEdit(page);
        edit->setObjectName(objectName);
        edit->setPlaceholderText(placeholder);
        return edit;
    };

    m_type = new QComboBox(page);
    m_type->setObjectName(u"keyType"_s);
    for (const GeneratedKeyType type :
         {GeneratedKeyType::Ed25519, GeneratedKeyType::EcdsaP256, GeneratedKeyType::EcdsaP384,
          GeneratedKeyType::EcdsaP521, GeneratedKeyType::Rsa3072, GeneratedKeyType::Rsa4096})
        m_type->addItem(KeyTexts::keyType(type), static_cast<int>(type));
    m_type->setToolTip(tr("Ed25519 is short and fast; choose RSA only for systems that take nothing else."));

    m_passphrase = line(u"passphrase"_s, tr("none"));
    m_passphrase->setEchoMode(QLineEdit::Password);
    m_passphraseAgain = line(u"passphraseAgain"_s);
    m_passphraseAgain->setEchoMode(QLineEdit::Password);
    m_identifier = line(u"identifier"_s, tr("generated when empty"));
    m_keyName = line(u"keyName"_s);
    m_username = line(u"username"_s);
    m_username->setText(QString::fromLatin1(InventoryService::kDefaultUsername));
    m_hostname = line(u"hostname"_s, tr("the main device's name"));
    m_ip = line(u"ip"_s, tr("the main device's address"));
    m_devices = line(u"devices"_s, tr("host-a, host-b"));
    m_devices->setToolTip(tr("Further devices the key opens, by hostname, separated by commas"));
    m_tags = line(u"tags"_s, tr("production, deploy"));

    auto *passphraseHint
        = new QLabel(tr("With a passphrase the private key is stored encrypted, as ssh-keygen -N writes it; "
                        "the passphrase is sealed in the vault beside it."),
                     page);
    passphraseHint->setWordWrap(true);
    passphraseHint->setForegroundRole(QPalette::PlaceholderText);

    auto *fields = new QFormLayout(page);
    fields->setContentsMargins(0, 0, 0, 0);
    fields->addRow(tr("Type:"), m_type);
    fields->addRow(tr("Passphrase:"), m_passphrase);
    fields->addRow(tr("Passphrase again:"), m_passphraseAgain);
    fields->addRow(QString(), passphraseHint);
    fields->addRow(tr("Identifier:"), m_identifier);
    fields->addRow(tr("Name:"), m_keyName);
    fields->addRow(tr("User name:"), m_username);
    fields->addRow(tr("Hostname:"), m_hostname);
    fields->addRow(tr("IP address:"), m_ip);
    fields->addRow(tr("Additional devices:"), m_devices);
    fields->addRow(tr("Tags:"), m_tags);

    addButtons(u"generate"_s, tr("Generate and save"));
    resize(520, sizeHint().height());
}

GenerateKeyDialog::~GenerateKeyDialog()
{
    waitForWork();
    m_passphrase->clear();
    m_passphraseAgain->clear();
}

void GenerateKeyDialog::setKeyType(GeneratedKeyType type)
{
    m_type->setCurrentIndex(m_type->findData(static_cast<int>(type)));
}

GeneratedKeyType GenerateKeyDialog::keyType() const
{
    return static_cast<GeneratedKeyType>(m_type->currentData().toInt());
}

QString GenerateKeyDialog::keyComment() const
{
    if (!m_keyName->text().trimmed().isEmpty())
        return m_keyName->text().trimmed();
    if (!m_identifier->text().trimmed().isEmpty())
        return m_identifier->text().trimmed();
    if (m_hostname->text().trimmed().isEmpty())
        return m_username->text().trimmed();
    return m_username->text().trimmed() + u'@' + m_hostname->text().trimmed();
}

bool GenerateKeyDialog::start()
{
    if (isBusy())
        return false;
    // Checked before the work starts: an RSA 4096 pair is not made only to be refused.
    if (m_passphrase->text() != m_passphraseAgain->text()) {
        showError(tr("The two passphrases differ. Type the same passphrase twice, or leave both empty."));
        m_passphraseAgain->setFocus();
        return false;
    }
    if (m_hostname->text().trimmed().isEmpty() || m_ip->text().trimmed().isEmpty()) {
        showError(tr("Enter the hostname and IP address of the device the key opens."));
        (m_hostname->text().trimmed().isEmpty() ? m_hostname : m_ip)->setFocus();
        return false;
    }
    const QString identifier = m_identifier->text().trimmed();
    if (!identifier.isEmpty()) {
        if (Result<SshKeyRecord> existing = m_service.find(identifier);
            existing && existing->identifier == identifier) {
            showError(
                tr("A key with the identifier \"%1\" exists already: choose another identifier.").arg(identifier));
            m_identifier->setFocus();
            return false;
        }
    }
    showError({});

    const GeneratedKeyType type = keyType();
    const QByteArray passphrase = m_passphrase->text().toUtf8();
    const QString comment = keyComment();
    run(
        tr("Generating a %1 key pair…").arg(KeyTexts::keyType(type)),
        [type, passphrase, comment] { return generateKeyPair(type, passphrase, comment); },
        [this](Result<GeneratedKeyPair> pair) { generated(std::move(pair)); });
    return true;
}

void GenerateKeyDialog::generated(Result<GeneratedKeyPair> pair)
{
    setBusy(false);
    if (!pair) {
        showError(tr("The key pair could not be made: %1").arg(pair.error().message));
        finish(false);
        Q_EMIT generationDone(false);
        return;
    }
    SshKeyInput input;
    input.origin = u"generated"_s;
    input.identifier = unlessEmpty(m_identifier->text().trimmed());
    input.keyName = unlessEmpty(m_keyName->text().trimmed());
    input.username = unlessEmpty(m_username->text().trimmed());
    input.hostname = m_hostname->text().trimmed();
    input.ip = m_ip->text().trimmed();
    input.enabled = true;
    if (const QStringList devices = KeyTexts::splitList(m_devices->text()); !devices.isEmpty())
        input.deviceHostnames = devices;
    if (const QStringList tags = KeyTexts::splitList(m_tags->text()); !tags.isEmpty())
        input.tags = tags;
    input.publicKey = pair->publicKey.openSshLine(keyComment());
    input.privateKey = pair->privateKeyText;
    if (!m_passphrase->text().isEmpty())
        input.password = m_passphrase->text().toUtf8();

    Result<SshKeySaved> result = m_service.save(input, Actor::console());
    // The vault holds the copy that counts.
    pair->privateKeyText.fill('\0');
    input.privateKey->fill('\0');
    if (!result) {
        showError(KeyTexts::error(result.error()));
        finish(false);
        Q_EMIT generationDone(false);
        return;
    }
    m_saved = result.value();
    Q_EMIT keySaved(m_saved);
    Q_EMIT generationDone(true);
    finish(true);
}

} // namespace keystead::ui
