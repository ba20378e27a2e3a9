#include "ui/certificates/RevokeCertificateDialog.h"

#include "audit/AuditLog.h"
#include "ca/CertificateAuthorityService.h"
#include "ui/certificates/CertificateTexts.h"
#include "ui/common/ErrorLabel.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

QString certificateSummary(const IssuedCertificate &certificate)
{
    return RevokeCertificateDialog::tr("%1 certificate, serial %2, for %3, valid until %4")
        .arg(CertificateTexts::kind(certificate.kind))
        .arg(certificate.serial)
        .arg(certificate.principals.isEmpty() ? RevokeCertificateDialog::tr("any principal")
                                              : certificate.principals.join(u", "_s),
             CertificateTexts::shortTime(certificate.validUntil));
}

} // namespace

RevokeCertificateDialog::RevokeCertificateDialog(CertificateAuthorityService &service,
                                                 const IssuedCertificate &certificate, Scope scope, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
    , m_certificate(certificate)
    , m_scope(scope)
{
    setObjectName(u"revokeCertificateDialog"_s);
    setWindowTitle(scope == Scope::Certificate ? tr("Revoke certificate") : tr("Revoke every certificate of a key"));

    auto *icon = new QLabel(this);
    const int size = style()->pixelMetric(QStyle::PM_MessageBoxIconSize, nullptr, this);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning, nullptr, this).pixmap(size, size));
    icon->setAlignment(Qt::AlignTop);

    QString what;
    if (scope == Scope::Certificate) {
        what = tr("Revoke this certificate? Servers that load the CA's KRL as RevokedKeys refuse it from then on.")
            + u"<p>"_s + certificateSummary(certificate).toHtmlEscaped() + u"<br><tt>"_s
            + certificate.subjectFingerprint.toHtmlEscaped() + u"</tt></p>"_s;
    } else {
        CertificateQuery query;
        query.subjectFingerprint = certificate.subjectFingerprint;
        query.limit = 1000;
        int unrevoked = 0;
        if (Result<QList<IssuedCertificate>> listed = m_service.certificates(query)) {
            for (const IssuedCertificate &issued : listed.value())
                unrevoked += issued.revokedAt ? 0 : 1;
        }
        what = tr("Revoke every certificate of this key, from every CA? %n certificate(s) not revoked yet. "
                  "The key itself goes into every CA's KRL, so certificates signed for it later are refused too.",
                  nullptr, unrevoked)
            + u"<p><tt>"_s + certificate.subjectFingerprint.toHtmlEscaped() + u"</tt></p>"_s;
    }
    what += u"<p><b>"_s + tr("Revocation cannot be undone.").toHtmlEscaped() + u"</b></p>"_s;
    auto *text = new QLabel(what, this);
    text->setObjectName(u"revokeSummary"_s);
    text->setTextFormat(Qt::RichText);
    text->setWordWrap(true);
    text->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_reason = new QLineEdit(this);
    m_reason->setObjectName(u"reason"_s);
    m_reason->setPlaceholderText(tr("key lost, employee left, …"));
    auto *form = new QFormLayout;
    form->addRow(tr("Reason:"), m_reason);

    m_error = makeErrorLabel(u"error"_s, this);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_revoke = buttons->button(QDialogButtonBox::Ok);
    m_revoke->setObjectName(u"revoke"_s);
    m_revoke->setText(scope == Scope::Certificate ? tr("Revoke") : tr("Revoke all"));
    buttons->button(QDialogButtonBox::Cancel)->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &RevokeCertificateDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &RevokeCertificateDialog::reject);

    auto *top = new QHBoxLayout;
    top->addWidget(icon);
    top->addWidget(text, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    resize(520, sizeHint().height());
}

void RevokeCertificateDialog::setReason(const QString &reason)
{
    m_reason->setText(reason);
}

Result<QList<IssuedCertificate>> RevokeCertificateDialog::revoke()
{
    const QString reason = m_reason->text().trimmed();
    if (reason.isEmpty()) {
        // The reason is what the audit log and the next operator read.
        const Error error = Error::invalid(tr("Enter the reason for the revocation."), u"reason"_s);
        showError(error.message);
        m_reason->setFocus();
        return error;
    }
    Result<QList<IssuedCertificate>> revoked = QList<IssuedCertificate>();
    if (m_scope == Scope::Certificate) {
        Result<IssuedCertificate> one = m_service.revoke(m_certificate.id, reason, Actor::console());
        if (one)
            revoked = QList<IssuedCertificate>{one.value()};
        else
            revoked = one.error();
    } else {
        revoked = m_service.revokeSubject(m_certificate.subjectFingerprint, reason, Actor::console());
    }
    if (!revoked) {
        showError(CertificateTexts::error(revoked.error()));
        return revoked;
    }
    showError({});
    m_revoked = revoked.value();
    Q_EMIT certificatesRevoked(m_revoked);
    return revoked;
}

QString RevokeCertificateDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void RevokeCertificateDialog::accept()
{
    if (revoke())
        QDialog::accept();
}

void RevokeCertificateDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

} // namespace keystead::ui
