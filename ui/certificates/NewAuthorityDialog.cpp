#include "ui/certificates/NewAuthorityDialog.h"

#include "audit/AuditLog.h"
#include "ca/CertificateAuthorityService.h"
#include "ui/certificates/CertificateTexts.h"
#include "ui/common/ErrorLabel.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

// The seed's limits, checked here so a long text is refused before a key is made.
constexpr int kMaxDescriptionBytes = 255;
constexpr int kMaxMetadataBytes = 4096;

} // namespace

NewAuthorityDialog::NewAuthorityDialog(CertificateAuthorityService &service, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
{
    setObjectName(u"newAuthorityDialog"_s);
    setWindowTitle(tr("New certificate authority"));

    m_form = new QWidget(this);
    m_type = new QComboBox(m_form);
    m_type->setObjectName(u"authorityType"_s);
    m_type->addItem(tr("Ed25519"), u"ed25519"_s);
    m_type->addItem(tr("ECDSA"), u"ecdsa"_s);
    m_type->addItem(tr("RSA"), u"rsa"_s);
    m_type->setToolTip(tr("Ed25519 is short and fast; choose RSA only for servers that take nothing else."));
    m_curve = new QComboBox(m_form);
    m_curve->setObjectName(u"ellipticCurve"_s);
    m_curve->addItem(tr("P-256"), u"p256"_s);
    m_curve->addItem(tr("P-384"), u"p384"_s);
    m_curve->addItem(tr("P-521"), u"p521"_s);
    m_size = new QComboBox(m_form);
    m_size->setObjectName(u"keySize"_s);
    for (const int bits : {2048, 3072, 4096})
        m_size->addItem(tr("%1 bits").arg(bits), bits);
    m_size->setCurrentIndex(m_size->findData(4096));
    m_description = new QLineEdit(m_form);
    m_description->setObjectName(u"description"_s);
    m_description->setPlaceholderText(tr("Production users"));
    m_metadata = new QLineEdit(m_form);
    m_metadata->setObjectName(u"metadata"_s);
    m_metadata->setPlaceholderText(tr("optional, for scripts"));
    connect(m_type, &QComboBox::currentIndexChanged, this, &NewAuthorityDialog::updateFields);

    auto *hint = new QLabel(tr("The private key is made here and sealed in the vault; it is never shown."), m_form);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);

    auto *form = new QFormLayout(m_form);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Key type:"), m_type);
    form->addRow(tr("Curve:"), m_curve);
    form->addRow(tr("Key size:"), m_size);
    form->addRow(tr("Description:"), m_description);
    form->addRow(tr("Metadata:"), m_metadata);
    form->addRow(QString(), hint);

    m_busy = new QProgressBar(this);
    m_busy->setObjectName(u"busy"_s);
    m_busy->setRange(0, 0);
    m_busy->setTextVisible(false);
    m_busy->setMaximumHeight(m_busy->fontMetrics().height());
    m_busyText = new QLabel(this);
    auto *busyRow = new QHBoxLayout;
    busyRow->addWidget(m_busyText);
    busyRow->addWidget(m_busy, 1);

    m_error = makeErrorLabel(u"error"_s, this);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_create = buttons->button(QDialogButtonBox::Ok);
    m_create->setObjectName(u"create"_s);
    m_create->setText(tr("Create CA"));
    m_cancel = buttons->button(QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &NewAuthorityDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &NewAuthorityDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_form);
    layout->addLayout(busyRow);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    updateFields();
    setBusy(false);
    resize(440, sizeHint().height());
}

NewAuthorityDialog::~NewAuthorityDialog()
{
    m_task.wait();
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
    m_busyText->setText(tr("Making a %1 key…").arg(CertificateTexts::authorityType(shown)));
    setBusy(true);
    // The key is made on a thread of its own, so the busy state is drawn meanwhile;
    // the CA is recorded back here.
    m_task.start(
        this, [made] { return CertificateAuthorityService::makeAuthorityKey(made); },
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
        m_closeWhenDone = false;
        Q_EMIT creationDone(false);
        return;
    }
    m_created = created.value();
    Q_EMIT authorityCreated(m_created);
    Q_EMIT creationDone(true);
    if (m_closeWhenDone)
        QDialog::accept();
}

QString NewAuthorityDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void NewAuthorityDialog::accept()
{
    m_closeWhenDone = start();
}

void NewAuthorityDialog::reject()
{
    if (!isBusy())
        QDialog::reject();
}

void NewAuthorityDialog::updateFields()
{
    const QString type = m_type->currentData().toString();
    m_curve->setEnabled(type == u"ecdsa"_s);
    m_size->setEnabled(type == u"rsa"_s);
}

void NewAuthorityDialog::setBusy(bool busy)
{
    m_busyState = busy;
    m_form->setEnabled(!busy);
    m_create->setEnabled(!busy);
    m_cancel->setEnabled(!busy);
    m_busy->setVisible(busy);
    m_busyText->setVisible(busy);
    if (busy)
        setCursor(Qt::BusyCursor);
    else
        unsetCursor();
}

void NewAuthorityDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

} // namespace keystead::ui
