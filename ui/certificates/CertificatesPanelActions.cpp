// CertificatesPanel, part two: the detail pane, selection, the dialogs, what it writes for a CA.
#include "ui/certificates/CertificatesPanel.h"

#include "ui/certificates/CertificatesPanelParts.h"

#include "audit/AuditLog.h"
#include "ca/CertificateAuthorityService.h"
#include "common/Clock.h"
#include "store/SettingsStore.h"
#include "ui/certificates/CertificateAuthoritiesModel.h"
#include "ui/certificates/CertificateTexts.h"
#include "ui/certificates/CertificatesFilter.h"
#include "ui/certificates/CertificatesModel.h"
#include "ui/certificates/NewAuthorityDialog.h"
#include "ui/certificates/RevokeCertificateDialog.h"
#include "ui/certificates/SignCertificateDialog.h"
#include "ui/common/EmptyStatePanel.h"
#include "ui/common/ErrorLabel.h"
#include "ui/common/Icons.h"

#include <QAction>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

using namespace certificatespanel;

QWidget *CertificatesPanel::createDetailPane()
{
    auto *scroll = new QScrollArea(this);
    scroll->setObjectName(u"certificateDetail"_s);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    // The fields scroll inside themselves; the pane only scrolls down.
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_detail = new QWidget(scroll);
    m_detailForm = new QFormLayout;
    for (const DetailField &entry : detailFields()) {
        // Read-only line edits: a long key or id scrolls inside its field instead of widening the pane,
        // and can still be selected and copied.
        auto *value = new QLineEdit(m_detail);
        value->setObjectName(detailObjectName(QString::fromLatin1(entry.field)));
        value->setReadOnly(true);
        value->setFrame(false);
        QPalette palette = value->palette();
        palette.setColor(QPalette::Base, palette.color(QPalette::Window));
        value->setPalette(palette);
        if (qstrcmp(entry.field, "fingerprint") == 0 || qstrcmp(entry.field, "publicKey") == 0
            || qstrcmp(entry.field, "id") == 0 || qstrcmp(entry.field, "keyId") == 0)
            value->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        m_detailForm->addRow(tr(entry.label), value);
    }
    m_detailLine = new QPlainTextEdit(m_detail);
    m_detailLine->setObjectName(u"detailCertificateLine"_s);
    m_detailLine->setReadOnly(true);
    m_detailLine->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_detailLine->setMinimumHeight(m_detailLine->fontMetrics().lineSpacing() * 5);
    auto *copy = new QToolButton(m_detail);
    copy->setDefaultAction(m_copyCertificateAction);
    copy->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    auto *save = new QToolButton(m_detail);
    save->setDefaultAction(m_saveCertificateAction);
    save->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    auto *lineButtons = new QHBoxLayout;
    lineButtons->addWidget(copy);
    lineButtons->addWidget(save);
    lineButtons->addStretch(1);

    m_detailEmpty = new QLabel(tr("Select a certificate to see all it says."), m_detail);
    m_detailEmpty->setForegroundRole(QPalette::PlaceholderText);
    m_detailEmpty->setWordWrap(true);

    auto *layout = new QVBoxLayout(m_detail);
    layout->addWidget(m_detailEmpty);
    layout->addLayout(m_detailForm);
    layout->addWidget(new QLabel(tr("Certificate:"), m_detail));
    layout->addWidget(m_detailLine);
    layout->addLayout(lineButtons);
    layout->addStretch(1);
    scroll->setWidget(m_detail);
    scroll->setMinimumWidth(m_detail->fontMetrics().averageCharWidth() * 36);
    return scroll;
}

bool CertificatesPanel::selectAuthority(const QString &id)
{
    const QModelIndex index = m_authorities->indexOf(id);
    if (!index.isValid())
        return false;
    m_authorityView->selectRow(index.row());
    m_authorityView->scrollTo(index);
    return true;
}

QString CertificatesPanel::selectedAuthorityId() const
{
    const QModelIndexList rows = m_authorityView->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.constFirst().data(CertificateAuthoritiesModel::IdRole).toString();
}

std::optional<CertificateAuthority> CertificatesPanel::selectedAuthority() const
{
    const int row = m_authorities->rowOf(selectedAuthorityId());
    if (row < 0)
        return std::nullopt;
    return m_authorities->authorityAt(row);
}

bool CertificatesPanel::selectCertificate(const QString &id)
{
    const QModelIndex index = m_filter->mapFromSource(m_certificatesModel->indexOf(id));
    if (!index.isValid())
        return false;
    m_certificateView->selectRow(index.row());
    m_certificateView->scrollTo(index);
    return true;
}

QString CertificatesPanel::selectedCertificateId() const
{
    const QModelIndexList rows = m_certificateView->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.constFirst().data(CertificatesModel::IdRole).toString();
}

std::optional<IssuedCertificate> CertificatesPanel::selectedCertificate() const
{
    const int row = m_certificatesModel->rowOf(selectedCertificateId());
    if (row < 0)
        return std::nullopt;
    return m_certificatesModel->certificateAt(row);
}

NewAuthorityDialog *CertificatesPanel::createNewAuthorityDialog()
{
    auto *dialog = new NewAuthorityDialog(m_service, this);
    connect(dialog, &NewAuthorityDialog::authorityCreated, this, &CertificatesPanel::authorityCreated);
    return dialog;
}

SignCertificateDialog *CertificatesPanel::createSignDialog()
{
    auto *dialog = new SignCertificateDialog(m_service, m_inventory, m_collect, m_clock, this);
    if (const QString authority = selectedAuthorityId(); !authority.isEmpty())
        dialog->setAuthority(authority);
    connect(dialog, &SignCertificateDialog::certificateIssued, this, &CertificatesPanel::certificateIssued);
    return dialog;
}

RevokeCertificateDialog *CertificatesPanel::createRevokeDialog()
{
    const std::optional<IssuedCertificate> certificate = selectedCertificate();
    if (!certificate)
        return nullptr;
    auto *dialog
        = new RevokeCertificateDialog(m_service, *certificate, RevokeCertificateDialog::Scope::Certificate, this);
    connect(dialog, &RevokeCertificateDialog::certificatesRevoked, this, &CertificatesPanel::certificatesRevoked);
    return dialog;
}

RevokeCertificateDialog *CertificatesPanel::createRevokeSubjectDialog()
{
    const std::optional<IssuedCertificate> certificate = selectedCertificate();
    if (!certificate)
        return nullptr;
    auto *dialog
        = new RevokeCertificateDialog(m_service, *certificate, RevokeCertificateDialog::Scope::SubjectKey, this);
    connect(dialog, &RevokeCertificateDialog::certificatesRevoked, this, &CertificatesPanel::certificatesRevoked);
    return dialog;
}

Status CertificatesPanel::setAuthorityDescription(const QString &description)
{
    const std::optional<CertificateAuthority> authority = selectedAuthority();
    if (!authority)
        return Error::invalid(tr("Select a certificate authority."));
    RecordUpdate update;
    update.description = description.trimmed();
    Result<CertificateAuthority> updated = m_service.updateAuthority(authority->id, update, Actor::console());
    if (!updated) {
        showError(CertificateTexts::error(updated.error()));
        return updated.error();
    }
    showError({});
    showNotice(tr("Saved the description of %1.").arg(updated->fingerprint));
    return {};
}

Status CertificatesPanel::deleteSelectedAuthority()
{
    const std::optional<CertificateAuthority> authority = selectedAuthority();
    if (!authority)
        return Error::invalid(tr("Select a certificate authority."));
    QMessageBox question(
        QMessageBox::Warning, tr("Delete certificate authority"),
        tr("Delete the certificate authority \"%1\"?").arg(CertificateTexts::authorityName(*authority)),
        QMessageBox::Yes | QMessageBox::Cancel, this);
    question.setObjectName(u"deleteAuthorityConfirmation"_s);
    question.setInformativeText(
        tr("Its private key is destroyed: it signs no more certificates. The %n certificate(s) it issued stay "
           "listed, and its KRL stays available. Servers that trust it keep trusting what it signed until you "
           "remove it from TrustedUserCAKeys.",
           nullptr, authority->certificatesIssued));
    question.button(QMessageBox::Yes)->setText(tr("Delete CA"));
    question.setDefaultButton(QMessageBox::Cancel);
    if (question.exec() != QMessageBox::Yes)
        return Error::conflict(tr("Cancelled."));
    if (Status deleted = m_service.deleteAuthority(authority->id, Actor::console()); !deleted) {
        showError(CertificateTexts::error(deleted.error()));
        return deleted;
    }
    showError({});
    showNotice(tr("Deleted the certificate authority \"%1\".").arg(CertificateTexts::authorityName(*authority)));
    return {};
}

QString CertificatesPanel::copyTrustedUserCaKeysLine()
{
    const std::optional<CertificateAuthority> authority = selectedAuthority();
    if (!authority)
        return {};
    Result<QString> line = m_service.trustedUserCaKeysLine(authority->id);
    if (!line) {
        showError(CertificateTexts::error(line.error()));
        return {};
    }
    QGuiApplication::clipboard()->setText(line.value());
    showError({});
    showNotice(tr("Copied the TrustedUserCAKeys line of %1.").arg(CertificateTexts::authorityName(*authority)));
    return line.value();
}

Status CertificatesPanel::saveTrustedUserCaKeysLine(const QString &path)
{
    const std::optional<CertificateAuthority> authority = selectedAuthority();
    if (!authority)
        return Error::invalid(tr("Select a certificate authority."));
    Result<QString> line = m_service.trustedUserCaKeysLine(authority->id);
    if (!line) {
        showError(CertificateTexts::error(line.error()));
        return line.error();
    }
    return writeFile(path, line->toUtf8() + '\n', tr("the TrustedUserCAKeys line"));
}

void CertificatesPanel::setHostPattern(const QString &pattern)
{
    m_hostPattern->setText(pattern);
}

QString CertificatesPanel::hostPattern() const
{
    const QString pattern = m_hostPattern->text().trimmed();
    return pattern.isEmpty() ? u"*"_s : pattern;
}

QString CertificatesPanel::copyKnownHostsLine()
{
    const std::optional<CertificateAuthority> authority = selectedAuthority();
    if (!authority)
        return {};
    Result<QString> line = m_service.knownHostsCertAuthorityLine(authority->id, hostPattern());
    if (!line) {
        showError(CertificateTexts::error(line.error()));
        return {};
    }
    QGuiApplication::clipboard()->setText(line.value());
    showError({});
    showNotice(tr("Copied the @cert-authority line of %1.").arg(CertificateTexts::authorityName(*authority)));
    return line.value();
}

Status CertificatesPanel::saveKnownHostsLines(const QString &path)
{
    const std::optional<CertificateAuthority> authority = selectedAuthority();
    if (!authority)
        return Error::invalid(tr("Select a certificate authority."));
    Result<QString> line = m_service.knownHostsCertAuthorityLine(authority->id, hostPattern());
    if (!line) {
        showError(CertificateTexts::error(line.error()));
        return line.error();
    }
    Result<QString> revoked = m_service.knownHostsRevokedLines(authority->id);
    if (!revoked) {
        showError(CertificateTexts::error(revoked.error()));
        return revoked.error();
    }
    QByteArray content = line->toUtf8() + '\n';
    if (!revoked->trimmed().isEmpty())
        content += revoked->trimmed().toUtf8() + '\n';
    return writeFile(path, content, tr("the known_hosts lines"));
}

Status CertificatesPanel::saveRevocationList(const QString &path)
{
    const std::optional<CertificateAuthority> authority = selectedAuthority();
    if (!authority)
        return Error::invalid(tr("Select a certificate authority."));
    Result<QByteArray> krl = m_service.revocationList(authority->id);
    if (!krl) {
        showError(CertificateTexts::error(krl.error()));
        return krl.error();
    }
    return writeFile(path, krl.value(), tr("the KRL"));
}

QString CertificatesPanel::copySelectedCertificate()
{
    const std::optional<IssuedCertificate> certificate = selectedCertificate();
    if (!certificate)
        return {};
    QGuiApplication::clipboard()->setText(certificate->certificate);
    showError({});
    showNotice(tr("Copied the certificate with serial %1.").arg(certificate->serial));
    return certificate->certificate;
}

Status CertificatesPanel::saveSelectedCertificate(const QString &path)
{
    const std::optional<IssuedCertificate> certificate = selectedCertificate();
    if (!certificate)
        return Error::invalid(tr("Select a certificate."));
    return writeFile(path, certificate->certificate.toUtf8() + '\n', tr("the certificate"));
}

} // namespace keystead::ui
