// CertificatesPanel, part three: what tests read, the expiry warning, the detail's contents, the answers to the
// dialogs.
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

namespace {

QString mapText(const QMap<QString, QString> &map)
{
    QStringList items;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        items.append(it.value().isEmpty() ? it.key() : it.key() + u'=' + it.value());
    return items.join(u", "_s);
}

} // namespace

QString CertificatesPanel::detailText(const QString &field) const
{
    if (field == u"certificate"_s)
        return m_detailLine->toPlainText();
    const auto *value = m_detail->findChild<QLineEdit *>(detailObjectName(field));
    return value ? value->text() : QString();
}

void CertificatesPanel::setExpiryWarningDays(int days)
{
    m_expiryDays->setValue(days);
}

int CertificatesPanel::expiryWarningDays() const
{
    return m_expiryDays->value();
}

int CertificatesPanel::expiringCount() const
{
    return m_certificatesModel->expiringCount();
}

QString CertificatesPanel::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

QString CertificatesPanel::noticeText() const
{
    return m_notice->isHidden() ? QString() : m_notice->text();
}

bool CertificatesPanel::showsEmptyState() const
{
    return m_stack->currentIndex() == kEmptyPage;
}

void CertificatesPanel::readExpirySetting()
{
    bool ok = false;
    const QString stored = m_settings.value(QString(CertificateAuthorityService::kExpiryWarningDaysSetting),
                                            QString::number(CertificateAuthorityService::kDefaultExpiryWarningDays));
    const int days = stored.toInt(&ok);
    const int shown
        = ok ? std::clamp(days, 0, kMaxWarningDays) : CertificateAuthorityService::kDefaultExpiryWarningDays;
    // Read, not typed: no need to write it back.
    const QSignalBlocker blocker(m_expiryDays);
    m_expiryDays->setValue(shown);
    m_certificatesModel->setExpiryWarningDays(shown);
}

void CertificatesPanel::expiringCountUpdated(int count)
{
    m_expiringLabel->setText(count == 0 ? QString() : tr("%n expiring", nullptr, count));
    m_expiringLabel->setVisible(count > 0);
    Q_EMIT expiringCountChanged(count);
}

void CertificatesPanel::updateActions()
{
    const std::optional<CertificateAuthority> authority = selectedAuthority();
    for (QAction *action : {m_editAuthorityAction, m_deleteAuthorityAction, m_copyTrustedAction, m_saveTrustedAction,
                            m_copyKnownHostsAction, m_saveKnownHostsAction, m_saveKrlAction})
        action->setEnabled(authority.has_value());
    m_signAction->setEnabled(m_authorities->rowCount() > 0);
    const std::optional<IssuedCertificate> certificate = selectedCertificate();
    m_revokeAction->setEnabled(certificate && !certificate->revokedAt);
    m_revokeSubjectAction->setEnabled(certificate.has_value());
    m_copyCertificateAction->setEnabled(certificate.has_value());
    m_saveCertificateAction->setEnabled(certificate.has_value());
}

void CertificatesPanel::updateEmptyState()
{
    const bool empty = m_authorities->rowCount() == 0 && m_certificatesModel->rowCount() == 0;
    m_stack->setCurrentIndex(empty ? kEmptyPage : kContentPage);
    updateActions();
}

void CertificatesPanel::updateDetail()
{
    const std::optional<IssuedCertificate> certificate = selectedCertificate();
    m_detailEmpty->setVisible(!certificate);
    for (int row = 0; row < m_detailForm->rowCount(); ++row)
        m_detailForm->setRowVisible(row, certificate.has_value());
    m_detailLine->setEnabled(certificate.has_value());
    if (!certificate) {
        m_detailLine->clear();
        return;
    }
    const int modelRow = m_certificatesModel->rowOf(certificate->id);
    const CertificateState state = m_certificatesModel->stateAt(modelRow);
    QString stateText = CertificateTexts::state(state);
    if (certificate->revokedAt)
        stateText = tr("revoked %1: %2")
                        .arg(CertificateTexts::longTime(*certificate->revokedAt), certificate->revocationReason);
    else if (m_certificatesModel->isExpiringAt(modelRow))
        stateText = tr("valid, expires soon");
    const QString authorityName = m_certificatesModel->authorityName(certificate->certificateAuthorityId);
    const QHash<QString, QString> values{
        {u"id"_s, certificate->id},
        {u"kind"_s, CertificateTexts::kind(certificate->kind)},
        {u"state"_s, stateText},
        {u"authority"_s,
         authorityName == certificate->certificateAuthorityId
             ? tr("%1 (deleted)").arg(authorityName)
             : u"%1 (%2)"_s.arg(authorityName, certificate->certificateAuthorityId)},
        {u"serial"_s, QString::number(certificate->serial)},
        {u"keyId"_s, certificate->keyId},
        {u"keyType"_s, certificate->keyType},
        {u"fingerprint"_s, certificate->subjectFingerprint},
        {u"publicKey"_s, certificate->publicKey},
        {u"principals"_s,
         certificate->principals.isEmpty() ? tr("(none: any principal)") : certificate->principals.join(u", "_s)},
        {u"validAfter"_s, CertificateTexts::longTime(certificate->validAfter)},
        {u"validUntil"_s, CertificateTexts::longTime(certificate->validUntil)},
        {u"criticalOptions"_s,
         certificate->criticalOptions.isEmpty() ? tr("(none)") : mapText(certificate->criticalOptions)},
        {u"extensions"_s, certificate->extensions.isEmpty() ? tr("(none)") : mapText(certificate->extensions)},
        {u"description"_s, certificate->description},
        {u"metadata"_s, certificate->metadata},
        {u"createdAt"_s, CertificateTexts::longTime(certificate->createdAt)},
    };
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        if (auto *value = m_detail->findChild<QLineEdit *>(detailObjectName(it.key()))) {
            value->setText(it.value());
            value->setCursorPosition(0);
            value->setToolTip(it.value());
        }
    }
    if (m_detailLine->toPlainText() != certificate->certificate)
        m_detailLine->setPlainText(certificate->certificate);
}

void CertificatesPanel::refreshAuthorityFilter()
{
    const QString current = m_authorityFilter->currentData().toString();
    const QSignalBlocker blocker(m_authorityFilter);
    m_authorityFilter->clear();
    m_authorityFilter->addItem(tr("All CAs"), QString());
    for (const CertificateAuthority &authority : m_authorities->authorities())
        m_authorityFilter->addItem(CertificateTexts::authorityName(authority), authority.id);
    const int row = current.isEmpty() ? 0 : m_authorityFilter->findData(current);
    // A CA deleted meanwhile: back to every CA rather than an empty table.
    m_authorityFilter->setCurrentIndex(row < 0 ? 0 : row);
    m_filter->setAuthorityFilter(m_authorityFilter->currentData().toString());
}

void CertificatesPanel::authorityCreated(const CertificateAuthority &authority)
{
    // The model learns of it through the service's change event (queued when made on a
    // worker thread); read it now, so it can be selected at once.
    m_authorities->applyChanges(ChangeSet::addedOne(CertificateAuthorityService::kAuthorityTopic, authority.id));
    selectAuthority(authority.id);
    showError({});
    showNotice(tr("Created the %1 certificate authority %2.")
                   .arg(CertificateTexts::authorityType(authority), authority.fingerprint));
}

void CertificatesPanel::certificateIssued(const IssuedCertificate &certificate)
{
    m_certificatesModel->applyChanges(
        ChangeSet::addedOne(CertificateAuthorityService::kCertificateTopic, certificate.id));
    if (!selectCertificate(certificate.id)) {
        // Filtered out: show it anyway, rather than leave the operator wondering where it went.
        m_textFilter->clear();
        m_kindFilter->setCurrentIndex(0);
        m_authorityFilter->setCurrentIndex(0);
        m_stateFilter->setCurrentIndex(0);
        selectCertificate(certificate.id);
    }
    showError({});
    showNotice(tr("Signed a %1 certificate with serial %2 for %3.")
                   .arg(CertificateTexts::kind(certificate.kind))
                   .arg(certificate.serial)
                   .arg(certificate.principals.isEmpty() ? tr("any principal") : certificate.principals.join(u", "_s)));
}

void CertificatesPanel::certificatesRevoked(const QList<IssuedCertificate> &certificates)
{
    ChangeSet revoked{QString(CertificateAuthorityService::kCertificateTopic), {}, {}, {}};
    for (const IssuedCertificate &certificate : certificates)
        revoked.changed.append(certificate.id);
    m_certificatesModel->applyChanges(revoked);
    showError({});
    showNotice(
        tr("Revoked %n certificate(s). Give servers the new KRL.", nullptr, static_cast<int>(certificates.size())));
}

void CertificatesPanel::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void CertificatesPanel::showNotice(const QString &message)
{
    m_notice->setText(message);
    m_notice->setVisible(!message.isEmpty());
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

void CertificatesPanel::askToCreateAuthority()
{
    NewAuthorityDialog *dialog = createNewAuthorityDialog();
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void CertificatesPanel::askToEditDescription()
{
    const std::optional<CertificateAuthority> authority = selectedAuthority();
    if (!authority)
        return;
    bool ok = false;
    const QString description
        = QInputDialog::getText(this, tr("Edit description"), tr("Description of %1:").arg(authority->fingerprint),
                                QLineEdit::Normal, authority->description, &ok);
    if (ok)
        (void)setAuthorityDescription(description);
}

void CertificatesPanel::askToSign()
{
    SignCertificateDialog *dialog = createSignDialog();
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void CertificatesPanel::askToRevoke(bool wholeSubject)
{
    RevokeCertificateDialog *dialog = wholeSubject ? createRevokeSubjectDialog() : createRevokeDialog();
    if (!dialog)
        return;
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
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
