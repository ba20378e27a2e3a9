#include "ui/certificates/NewAuthorityDialog.h"

#include "audit/AuditLog.h"
#include "ca/CertificateAuthorityService.h"
#include "ui/certificates/CertificateTexts.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

// The seed's limits, checked here so a long text is refused before a key is made.
constexpr int kMaxDescriptionBytes = 255;
constexpr int kMaxMetadataBytes = 4096;

} // namespace

NewAuthorityDialog::NewAuthorityDialog(CertificateAuthorityService &service, QWidget *parent)
    : BackgroundDialog(u"keystead-cakeygen"_s, parent)
    , m_service(service)
{
    setObjectName(u"newAuthorityDialog"_s);
    setWindowTitle(tr("New certificate authority"));

    QWidget *page = form();
    m_type = new QComboBox(page);
    m_type->setObjectName(u"authorityType"_s);
    m_type->addItem(tr("Ed25519"), u"ed25519"_s);
    m_type->addItem(tr("ECDSA"), u"ecdsa"_s);
    m_type->addItem(tr("RSA"), u"rsa"_s);
    m_type->setToolTip(tr("Ed25519 is short and fast; choose RSA only for servers that take nothing else."));
    m_curve = new QComboBox(page);
    m_curve->setObjectName(u"ellipticCurve"_s);
    m_curve->addItem(tr("P-256"), u"p256"_s);
    m_curve->addItem(tr("P-384"), u"p384"_s);
    m_curve->addItem(tr("P-521"), u"p521"_s);
    m_size = new QComboBox(page);
    m_size->setObjectName(u"keySize"_s);
    for (const int bits : {2048, 3072, 4096})
        m_size->addItem(tr("%1 bits").arg(bits), bits);
    m_size->setCurrentIndex(m_size->findData(4096));
    m_description = new QLineEdit(page);
    m_description->setObjectName(u"description"_s);
    m_description->setPlaceholderText(tr("Production users"));
    m_metadata = new QLineEdit(page);
    m_metadata->setObjectName(u"metadata"_s);
    m_metadata->setPlaceholderText(tr("optional, for scripts"));
    connect(m_type, &QComboBox::currentIndexChanged, this, &NewAuthorityDialog::updateFields);

    auto *hint = new QLabel(tr("The private key is made here and sealed in the vault; it is never shown."), page);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);

    auto *fields = new QFormLayout(page);
    fields->setContentsMargins(0, 0, 0, 0);
    fields->addRow(tr("Key type:"), m_type);
    fields->addRow(tr("Curve:"), m_curve);
    fields->addRow(tr("Key size:"), m_size);
    fields->addRow(tr("Description:"), m_description);
    fields->addRow(tr("Metadata:"), m_metadata);
    fields->addRow(QString(), hint);

    addButtons(u"create"_s, tr("Create CA"));
    updateFields();
    resize(440, sizeHint().height());
}

void NewAuthorityDialog::setKeyType(const QString &type, const QString &curve, int keySize)
{
    m_type->setCurrentIndex(m_type->findData(type));
    if (!curve.isEmpty())
        m_curve->setCurrentIndex(m_curve->findData(curve));
    if (keySize > 0)
        m_size->setCurrentIndex(m_size->findData(keySize));
}

CaCreateInput NewAuthorityDialog::input() const
{
    CaCreateInput input;
    input.privateKeyType = m_type->currentData().toString();
    if (input.privateKeyType == u"ecdsa"_s)
        input.ellipticCurve = m_curve->currentData().toString();
    if (input.privateKeyType == u"rsa"_s)
        input.keySize = m_size->currentData().toInt();
    input.description = m_description->text().trimmed();
    input.metadata = m_metadata->text();
    return input;
}

bool NewAuthorityDialog::start()
{
    if (isBusy())
        return false;
    const CaCreateInput made = input();
    if (made.description.toUtf8().size() > kMaxDescriptionBytes) {
        showError(tr("The description is longer than %1 bytes.").arg(kMaxDescriptionBytes));
        m_description->setFocus();
        return false;
    }
    if (made.metadata.toUtf8().size() > kMaxMetadataBytes) {
        showError(tr("The metadata is longer than %1 bytes.").arg(kMaxMetadataBytes));
        m_metadata->setFocus();
        return false;
    }
    showError({});
    CertificateAuthority shown;
    shown.keyType = made.privateKeyType;
    shown.ellipticCurve = made.ellipticCurve;
    shown.keySize = made.keySize;
    // The key is made on a thread of its own, so the busy state is drawn meanwhile;
    // the CA is recorded back here.
    run(
        tr("Making a %1 key…").arg(CertificateTexts::authorityType(shown)),
        [made] { return CertificateAuthorityService::makeAuthorityKey(made); },
        [this, made](Result<SshCertificateSigner> key) { create(made, std::move(key)); });
    return true;
}

void NewAuthorityDialog::create(const CaCreateInput &input, Result<SshCertificateSigner> key)
{
    Result<CertificateAuthority> created = key ? m_service.createAuthority(input, key.value(), Actor::console())
                                               : Result<CertificateAuthority>(key.error());
    setBusy(false);
    if (!created) {
        showError(CertificateTexts::error(created.error()));
        finish(false);
        Q_EMIT creationDone(false);
        return;
    }
    m_created = created.value();
    Q_EMIT authorityCreated(m_created);
    Q_EMIT creationDone(true);
    finish(true);
}

void NewAuthorityDialog::updateFields()
{
    const QString type = m_type->currentData().toString();
    m_curve->setEnabled(type == u"ecdsa"_s);
    m_size->setEnabled(type == u"rsa"_s);
}

} // namespace keystead::ui
