// CertificatesPanel, what it writes: CA descriptions and deletion, the lines and files it copies and saves.
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

Status CertificatesPanel::writeFile(const QString &path, const QByteArray &content, const QString &what)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size() || !file.commit()) {
        const Error error = Error::unavailable(tr("Cannot write %1 to %2: %3").arg(what, path, file.errorString()));
        showError(error.message);
        return error;
    }
    showError({});
    showNotice(tr("Saved %1 to %2.").arg(what, QDir::toNativeSeparators(path)));
    return {};
}

QString CertificatesPanel::askForFile(const QString &title, const QString &fileName, const QString &filter)
{
    return QFileDialog::getSaveFileName(this, title, QDir::home().filePath(fileName), filter);
}

void CertificatesPanel::askToSaveTrustedUserCaKeys()
{
    const QString path
        = askForFile(tr("Save TrustedUserCAKeys line"), u"trusted_user_ca_keys.pub"_s, tr("All files (*)"));
    if (!path.isEmpty())
        (void)saveTrustedUserCaKeysLine(path);
}

void CertificatesPanel::askToSaveKnownHosts()
{
    const QString path = askForFile(tr("Save known_hosts lines"), u"known_hosts"_s, tr("All files (*)"));
    if (!path.isEmpty())
        (void)saveKnownHostsLines(path);
}

void CertificatesPanel::askToSaveRevocationList()
{
    const std::optional<CertificateAuthority> authority = selectedAuthority();
    if (!authority)
        return;
    const QString path = askForFile(tr("Save KRL"), CertificateTexts::safeFileName(authority->id) + u".krl"_s,
                                    tr("Key revocation lists (*.krl);;All files (*)"));
    if (!path.isEmpty())
        (void)saveRevocationList(path);
}

void CertificatesPanel::askToSaveCertificate()
{
    const std::optional<IssuedCertificate> certificate = selectedCertificate();
    if (!certificate)
        return;
    const QString stem = u"id_"_s + (certificate->keyType.isEmpty() ? u"key"_s : certificate->keyType);
    const QString path = askForFile(tr("Save certificate"), stem + u"-cert.pub"_s,
                                    tr("OpenSSH certificates (*-cert.pub);;All files (*)"));
    if (!path.isEmpty())
        (void)saveSelectedCertificate(path);
}

} // namespace keystead::ui
