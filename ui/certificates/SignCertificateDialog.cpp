#include "ui/certificates/SignCertificateDialog.h"

#include "audit/AuditLog.h"
#include "ca/CertificateAuthorityService.h"
#include "collect/CollectService.h"
#include "common/Clock.h"
#include "inventory/InventoryService.h"
#include "ui/certificates/CertificateTexts.h"
#include "ui/common/ErrorLabel.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSaveFile>
#include <QSet>
#include <QStackedWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

constexpr int kFingerprintRole = Qt::UserRole + 1;
constexpr int kNameRole = Qt::UserRole + 2;
// Sessions are read a page at a time; this bounds the loop.
constexpr int kMaxSessionPages = 100;
constexpr auto kDateTimeFormat = "yyyy-MM-dd HH:mm:ss";

// As ssh-keygen names its key files: id_ed25519, id_ecdsa, id_rsa, id_ed25519_sk, ...
QString keyFileStem(const SshPublicKey &key)
{
    const QString algorithm = key.algorithm();
    QString stem;
    if (algorithm.contains(u"ed25519"_s))
        stem = u"ed25519"_s;
    else if (algorithm.contains(u"ecdsa"_s))
        stem = u"ecdsa"_s;
    else if (algorithm.contains(u"rsa"_s))
        stem = u"rsa"_s;
    else if (algorithm.contains(u"dss"_s))
        stem = u"dsa"_s;
    else
        stem = u"key"_s;
    if (algorithm.startsWith(u"sk-"_s))
        stem += u"_sk"_s;
    return u"id_"_s + stem;
}

QDateTimeEdit *dateTimeEdit(const QString &objectName, const QDateTime &value, QWidget *parent)
{
    auto *edit = new QDateTimeEdit(value.toLocalTime(), parent);
    edit->setObjectName(objectName);
    edit->setDisplayFormat(QString::fromLatin1(kDateTimeFormat));
    edit->setCalendarPopup(true);
    return edit;
}

} // namespace

SignCertificateDialog::SignCertificateDialog(CertificateAuthorityService &certificates, InventoryService &inventory,
                                             CollectService &collect, const Clock &clock, QWidget *parent)
    : QDialog(parent)
    , m_certificates(certificates)
    , m_inventory(inventory)
    , m_collect(collect)
    , m_clock(clock)
{
    setObjectName(u"signCertificateDialog"_s);
    setWindowTitle(tr("Sign certificate"));

    m_form = new QWidget(this);
    m_kind = new QComboBox(m_form);
    m_kind->setObjectName(u"kind"_s);
    m_kind->addItem(tr("User certificate"), static_cast<int>(CertificateKind::User));
    m_kind->addItem(tr("Host certificate"), static_cast<int>(CertificateKind::Host));
    connect(m_kind, &QComboBox::currentIndexChanged, this, &SignCertificateDialog::updateKind);
    m_authority = new QComboBox(m_form);
    m_authority->setObjectName(u"authority"_s);
    m_authority->setSizeAdjustPolicy(QComboBox::AdjustToContents);

    m_principals = new QLineEdit(m_form);
    m_principals->setObjectName(u"principals"_s);
    m_principals->setPlaceholderText(tr("alice, deploy"));
    m_principals->setToolTip(tr("User names (user certificates) or host names (host certificates), separated by "
                                "commas or spaces. Empty: a user certificate valid for every user."));

    const QDateTime now = m_clock.now();
    m_validAfter = dateTimeEdit(u"validAfter"_s, now, m_form);
    m_validUntil = dateTimeEdit(u"validUntil"_s, now.addSecs(24 * 3600), m_form);
    auto *validity = new QHBoxLayout;
    validity->addWidget(m_validAfter);
    validity->addWidget(new QLabel(tr("until"), m_form));
    validity->addWidget(m_validUntil);
    validity->addStretch(1);

    m_description = new QLineEdit(m_form);
    m_description->setObjectName(u"description"_s);

    auto *top = new QFormLayout;
    top->setContentsMargins(0, 0, 0, 0);
    top->addRow(tr("Kind:"), m_kind);
    top->addRow(tr("Certificate authority:"), m_authority);

    auto *middle = new QFormLayout;
    middle->setContentsMargins(0, 0, 0, 0);
    middle->addRow(tr("Principals:"), m_principals);
    middle->addRow(tr("Valid from:"), validity);
    middle->addRow(tr("Description:"), m_description);

    auto *formLayout = new QVBoxLayout(m_form);
    formLayout->setContentsMargins(0, 0, 0, 0);
    formLayout->addLayout(top);
    formLayout->addWidget(createSubjectBox());
    formLayout->addLayout(middle);
    formLayout->addWidget(createOptionsBox());

    m_error = makeErrorLabel(u"error"_s, this);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Close, this);
    m_sign = buttons->button(QDialogButtonBox::Ok);
    m_sign->setObjectName(u"sign"_s);
    m_sign->setText(tr("Sign"));
    m_close = buttons->button(QDialogButtonBox::Close);
    m_close->setText(tr("Cancel"));
    connect(buttons, &QDialogButtonBox::accepted, this, &SignCertificateDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &SignCertificateDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_form);
    layout->addWidget(createResultBox());
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    loadAuthorities();
    loadInventoryKeys();
    loadCollectedKeys();
    updateKind();
    resize(640, sizeHint().height());
}

QWidget *SignCertificateDialog::createSubjectBox()
{
    auto *box = new QGroupBox(tr("Key to certify"), m_form);
    m_pasted = new QRadioButton(tr("Paste"), box);
    m_pasted->setObjectName(u"sourcePasted"_s);
    m_fromInventory = new QRadioButton(tr("From the inventory"), box);
    m_fromInventory->setObjectName(u"sourceInventory"_s);
    m_fromCollected = new QRadioButton(tr("Collected by a session"), box);
    m_fromCollected->setObjectName(u"sourceCollected"_s);
    auto *group = new QButtonGroup(box);
    group->addButton(m_pasted, static_cast<int>(Source::Pasted));
    group->addButton(m_fromInventory, static_cast<int>(Source::Inventory));
    group->addButton(m_fromCollected, static_cast<int>(Source::Collected));
    m_pasted->setChecked(true);

    m_publicKey = new QPlainTextEdit(box);
    m_publicKey->setObjectName(u"publicKey"_s);
    m_publicKey->setPlaceholderText(tr("ssh-ed25519 AAAA… user@host"));
    m_publicKey->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_publicKey->setTabChangesFocus(true);
    m_publicKey->setFixedHeight(m_publicKey->fontMetrics().lineSpacing() * 4);
    m_inventoryKey = new QComboBox(box);
    m_inventoryKey->setObjectName(u"inventoryKey"_s);
    m_collectedKey = new QComboBox(box);
    m_collectedKey->setObjectName(u"collectedKey"_s);

    m_sourceStack = new QStackedWidget(box);
    m_sourceStack->insertWidget(static_cast<int>(Source::Pasted), m_publicKey);
    const auto wrapped = [box](QWidget *combo) {
        auto *page = new QWidget(box);
        auto *pageLayout = new QVBoxLayout(page);
        pageLayout->setContentsMargins(0, 0, 0, 0);
        pageLayout->addWidget(combo);
        pageLayout->addStretch(1);
        return page;
    };
    m_sourceStack->insertWidget(static_cast<int>(Source::Inventory), wrapped(m_inventoryKey));
    m_sourceStack->insertWidget(static_cast<int>(Source::Collected), wrapped(m_collectedKey));
    m_sourceStack->setFixedHeight(m_publicKey->height());
    connect(group, &QButtonGroup::idToggled, this, [this](int id, bool checked) {
        if (checked)
            m_sourceStack->setCurrentIndex(id);
    });

    auto *sources = new QHBoxLayout;
    sources->addWidget(m_pasted);
    sources->addWidget(m_fromInventory);
    sources->addWidget(m_fromCollected);
    sources->addStretch(1);
    auto *layout = new QVBoxLayout(box);
    layout->addLayout(sources);
    layout->addWidget(m_sourceStack);
    return box;
}

QWidget *SignCertificateDialog::createOptionsBox()
{
    auto *container = new QWidget(m_form);
    m_optionsBox = new QGroupBox(tr("Critical options"), container);
    m_forceCommand = new QLineEdit(m_optionsBox);
    m_forceCommand->setObjectName(u"forceCommand"_s);
    m_forceCommand->setPlaceholderText(tr("none: any command"));
    m_sourceAddress = new QLineEdit(m_optionsBox);
    m_sourceAddress->setObjectName(u"sourceAddress"_s);
    m_sourceAddress->setPlaceholderText(tr("none: any address, e.g. 192.0.2.0/24,2001:db8::/32"));
    auto *options = new QFormLayout(m_optionsBox);
    options->addRow(tr("force-command:"), m_forceCommand);
    options->addRow(tr("source-address:"), m_sourceAddress);

    m_extensionsBox = new QGroupBox(tr("Extensions"), container);
    auto *grid = new QGridLayout(m_extensionsBox);
    int placed = 0;
    for (const QString &name : knownExtensions()) {
        auto *check = new QCheckBox(name, m_extensionsBox);
        check->setObjectName(u"extension:"_s + name);
        m_extensions.insert(name, check);
        grid->addWidget(check, placed / 2, placed % 2);
        ++placed;
    }
    for (const QString &name : {u"permit-pty"_s, u"permit-user-rc"_s}) {
        if (QCheckBox *check = m_extensions.value(name))
            check->setChecked(true);
    }

    auto *layout = new QHBoxLayout(container);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_optionsBox, 1);
    layout->addWidget(m_extensionsBox, 1);
    return container;
}

QWidget *SignCertificateDialog::createResultBox()
{
    m_result = new QGroupBox(tr("Certificate"), this);
    m_certificateLine = new QPlainTextEdit(m_result);
    m_certificateLine->setObjectName(u"certificateLine"_s);
    m_certificateLine->setReadOnly(true);
    m_certificateLine->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_certificateLine->setFixedHeight(m_certificateLine->fontMetrics().lineSpacing() * 6);
    m_copy = new QPushButton(tr("Copy"), m_result);
    m_copy->setObjectName(u"copyCertificate"_s);
    m_copy->setAutoDefault(false);
    connect(m_copy, &QPushButton::clicked, this, [this] { (void)copyCertificate(); });
    m_save = new QPushButton(tr("Save…"), m_result);
    m_save->setObjectName(u"saveCertificate"_s);
    m_save->setAutoDefault(false);
    connect(m_save, &QPushButton::clicked, this, &SignCertificateDialog::saveCertificateAs);
    auto *hint = new QLabel(
        tr("Put this line in a file beside the key, named as the key with -cert.pub (id_ed25519-cert.pub): "
           "ssh finds it there."),
        m_result);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);

    auto *buttons = new QVBoxLayout;
    buttons->addWidget(m_copy);
    buttons->addWidget(m_save);
    buttons->addStretch(1);
    auto *row = new QHBoxLayout;
    row->addWidget(m_certificateLine, 1);
    row->addLayout(buttons);
    auto *layout = new QVBoxLayout(m_result);
    layout->addLayout(row);
    layout->addWidget(hint);
    m_result->hide();
    return m_result;
}

void SignCertificateDialog::loadAuthorities()
{
    m_authority->clear();
    Result<QList<CertificateAuthority>> authorities = m_certificates.authorities();
    if (!authorities) {
        showError(CertificateTexts::error(authorities.error()));
        return;
    }
    for (const CertificateAuthority &authority : authorities.value()) {
        m_authority->addItem(
            u"%1 (%2)"_s.arg(CertificateTexts::authorityName(authority), CertificateTexts::authorityType(authority)),
            authority.id);
        m_authority->setItemData(m_authority->count() - 1, authority.fingerprint, Qt::ToolTipRole);
    }
    if (m_authority->count() == 0)
        showError(tr("There is no certificate authority yet: create one first."));
}

void SignCertificateDialog::loadInventoryKeys()
{
    m_inventoryKey->clear();
    SshKeyQuery query;
    query.enabled = true;
    Result<QList<SshKeyRecord>> keys = m_inventory.list(query);
    if (!keys)
        return;
    for (const SshKeyRecord &key : keys.value()) {
        if (key.publicKey.isNull())
            continue;
        const QString title = key.keyName.isEmpty() ? key.identifier : u"%1 (%2)"_s.arg(key.identifier, key.keyName);
        m_inventoryKey->addItem(
            u"%1 · %2 · %3"_s.arg(title, key.publicKey.typeLabel(), key.publicKey.fingerprintSha256()), key.id);
        const int row = m_inventoryKey->count() - 1;
        m_inventoryKey->setItemData(row, key.publicKey.fingerprintSha256(), kFingerprintRole);
        m_inventoryKey->setItemData(row, key.publicKey.openSshLine(), Qt::ToolTipRole);
        m_inventoryKey->setItemData(row, key.identifier, kNameRole);
    }
    m_fromInventory->setEnabled(m_inventoryKey->count() > 0);
}

void SignCertificateDialog::loadCollectedKeys()
{
    m_collectedKey->clear();
    QSet<QString> seen;
    CollectSessionQuery query;
    query.limit = CollectSessionQuery::kMaxLimit;
    for (int page = 0; page < kMaxSessionPages; ++page) {
        Result<CollectSessionPage> listed = m_collect.list(query);
        if (!listed)
            break;
        for (const CollectSession &session : listed->sessions) {
            for (const CollectSessionConnection &connection : session.connections) {
                for (const CollectSessionKey &collected : connection.keys) {
                    const QString fingerprint = collected.key.fingerprintSha256();
                    if (collected.state != CollectKeyState::Collected || seen.contains(fingerprint))
                        continue;
                    seen.insert(fingerprint);
                    m_collectedKey->addItem(
                        u"%1 · %2 · %3"_s.arg(session.connectionIdentifier, collected.key.typeLabel(), fingerprint),
                        collected.key.openSshLine());
                    const int row = m_collectedKey->count() - 1;
                    m_collectedKey->setItemData(row, fingerprint, kFingerprintRole);
                    m_collectedKey->setItemData(
                        row,
                        tr("Collected from %1 on %2")
                            .arg(connection.ipAddress, CertificateTexts::shortTime(collected.createdAt)),
                        Qt::ToolTipRole);
                }
            }
        }
        query.offset += static_cast<int>(listed->sessions.size());
        if (listed->sessions.isEmpty() || query.offset >= listed->total)
            break;
    }
    m_fromCollected->setEnabled(m_collectedKey->count() > 0);
}

void SignCertificateDialog::setKind(CertificateKind kind)
{
    m_kind->setCurrentIndex(m_kind->findData(static_cast<int>(kind)));
}

CertificateKind SignCertificateDialog::kind() const
{
    return static_cast<CertificateKind>(m_kind->currentData().toInt());
}

bool SignCertificateDialog::setAuthority(const QString &authorityId)
{
    const int row = m_authority->findData(authorityId);
    if (row < 0)
        return false;
    m_authority->setCurrentIndex(row);
    return true;
}

QString SignCertificateDialog::authorityId() const
{
    return m_authority->currentData().toString();
}

void SignCertificateDialog::setSource(Source source)
{
    switch (source) {
    case Source::Pasted: m_pasted->setChecked(true); break;
    case Source::Inventory: m_fromInventory->setChecked(true); break;
    case Source::Collected: m_fromCollected->setChecked(true); break;
    }
}

SignCertificateDialog::Source SignCertificateDialog::source() const
{
    if (m_fromInventory->isChecked())
        return Source::Inventory;
    if (m_fromCollected->isChecked())
        return Source::Collected;
    return Source::Pasted;
}

bool SignCertificateDialog::selectInventoryKey(const QString &keyId)
{
    const int row = m_inventoryKey->findData(keyId);
    if (row < 0)
        return false;
    m_inventoryKey->setCurrentIndex(row);
    setSource(Source::Inventory);
    return true;
}

bool SignCertificateDialog::selectCollectedKey(const QString &fingerprint)
{
    const int row = m_collectedKey->findData(fingerprint, kFingerprintRole);
    if (row < 0)
        return false;
    m_collectedKey->setCurrentIndex(row);
    setSource(Source::Collected);
    return true;
}

int SignCertificateDialog::inventoryKeyCount() const
{
    return m_inventoryKey->count();
}

int SignCertificateDialog::collectedKeyCount() const
{
    return m_collectedKey->count();
}

QString SignCertificateDialog::subjectKeyLine() const
{
    switch (source()) {
    case Source::Pasted: return m_publicKey->toPlainText().trimmed();
    case Source::Inventory: return m_inventoryKey->currentData(Qt::ToolTipRole).toString();
    case Source::Collected: return m_collectedKey->currentData().toString();
    }
    return {};
}

QString SignCertificateDialog::subjectKeyName() const
{
    if (source() == Source::Inventory) {
        const QString identifier = CertificateTexts::safeFileName(m_inventoryKey->currentData(kNameRole).toString());
        if (!identifier.isEmpty())
            return identifier;
    }
    Result<SshPublicKey> key = SshPublicKey::parse(isSigned() ? m_issued.publicKey : subjectKeyLine());
    return key ? keyFileStem(key.value()) : u"id_key"_s;
}

void SignCertificateDialog::updateKind()
{
    // OpenSSH defines no critical options or extensions for host certificates.
    const bool user = kind() == CertificateKind::User;
    m_optionsBox->setEnabled(user);
    m_extensionsBox->setEnabled(user);
    m_principals->setPlaceholderText(user ? tr("alice, deploy") : tr("web-1.example.org, web-1"));
}

Result<CertificateInput> SignCertificateDialog::input() const
{
    CertificateInput made;
    made.kind = kind();
    made.certificateAuthorityId = authorityId();
    if (made.certificateAuthorityId.isEmpty())
        return Error::invalid(tr("Choose the certificate authority that signs."), u"ssh_certificate_authority_id"_s);
    made.publicKey = subjectKeyLine();
    if (made.publicKey.isEmpty()) {
        switch (source()) {
        case Source::Pasted:
            return Error::invalid(tr("Paste the public key to certify (one OpenSSH line)."), u"public_key"_s);
        case Source::Inventory: return Error::invalid(tr("Choose a key of the inventory."), u"public_key"_s);
        case Source::Collected: return Error::invalid(tr("Choose a collected key."), u"public_key"_s);
        }
    }
    made.principals = CertificateTexts::splitPrincipals(m_principals->text());
    made.validAfter = m_validAfter->dateTime().toUTC();
    made.validUntil = m_validUntil->dateTime().toUTC();
    if (made.kind == CertificateKind::User) {
        QMap<QString, QString> options;
        if (const QString command = m_forceCommand->text().trimmed(); !command.isEmpty())
            options.insert(u"force-command"_s, command);
        if (const QString addresses = m_sourceAddress->text().remove(u' '); !addresses.isEmpty())
            options.insert(u"source-address"_s, addresses);
        made.criticalOptions = options;
        QMap<QString, QString> extensions;
        for (auto it = m_extensions.cbegin(); it != m_extensions.cend(); ++it) {
            if (it.value()->isChecked())
                extensions.insert(it.key(), QString());
        }
        made.extensions = extensions;
    } else {
        made.criticalOptions = QMap<QString, QString>();
        made.extensions = QMap<QString, QString>();
    }
    made.description = m_description->text().trimmed();
    return made;
}

Status SignCertificateDialog::sign()
{
    if (isSigned())
        return Error::conflict(tr("This certificate is signed already."));
    Result<CertificateInput> made = input();
    if (!made) {
        showError(made.error().message);
        return made.error();
    }
    Result<IssuedCertificate> issued = m_certificates.issue(made.value(), Actor::console());
    if (!issued) {
        showError(CertificateTexts::error(issued.error()));
        return issued.error();
    }
    showError({});
    m_issued = issued.value();
    m_certificateLine->setPlainText(m_issued.certificate);
    m_form->setEnabled(false);
    m_result->show();
    m_sign->hide();
    m_close->setText(tr("Close"));
    m_close->setDefault(true);
    Q_EMIT certificateIssued(m_issued);
    return {};
}

QString SignCertificateDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

QString SignCertificateDialog::suggestedFileName() const
{
    return subjectKeyName() + u"-cert.pub"_s;
}

QString SignCertificateDialog::copyCertificate()
{
    if (!isSigned())
        return {};
    QGuiApplication::clipboard()->setText(m_issued.certificate);
    m_copy->setText(tr("Copied"));
    return m_issued.certificate;
}

Status SignCertificateDialog::saveCertificate(const QString &path)
{
    if (!isSigned())
        return Error::invalid(tr("Nothing is signed yet."));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(m_issued.certificate.toUtf8() + '\n') < 0 || !file.commit()) {
        const Error error = Error::unavailable(tr("Cannot write %1: %2").arg(path, file.errorString()));
        showError(error.message);
        return error;
    }
    showError({});
    m_save->setText(tr("Saved"));
    return {};
}

void SignCertificateDialog::saveCertificateAs()
{
    const QString path
        = QFileDialog::getSaveFileName(this, tr("Save certificate"), QDir::home().filePath(suggestedFileName()),
                                       tr("OpenSSH certificates (*-cert.pub);;All files (*)"));
    if (!path.isEmpty())
        (void)saveCertificate(path);
}

void SignCertificateDialog::accept()
{
    if (isSigned()) {
        QDialog::accept();
        return;
    }
    (void)sign();
}

void SignCertificateDialog::reject()
{
    if (isSigned())
        QDialog::accept();
    else
        QDialog::reject();
}

void SignCertificateDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

} // namespace keystead::ui
