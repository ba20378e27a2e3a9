// CertificatesPanel, the detail pane: the selected certificate's fields.
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

// The detail pane's fields, in the order shown.
const struct
{
    const char *field;
    const char *label;
} kDetailFields[] = {
    {"id", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "Id:")},
    {"kind", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "Kind:")},
    {"state", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "State:")},
    {"authority", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "CA:")},
    {"serial", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "Serial:")},
    {"keyId", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "Key id:")},
    {"keyType", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "Key type:")},
    {"fingerprint", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "Subject fingerprint:")},
    {"publicKey", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "Subject key:")},
    {"principals", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "Principals:")},
    {"validAfter", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "Valid from:")},
    {"validUntil", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "Valid until:")},
    {"criticalOptions", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "Critical options:")},
    {"extensions", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "Extensions:")},
    {"description", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "Description:")},
    {"metadata", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "Metadata:")},
    {"createdAt", QT_TRANSLATE_NOOP("keystead::ui::CertificatesPanel", "Created:")},
};

QString mapText(const QMap<QString, QString> &map)
{
    QStringList items;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        items.append(it.value().isEmpty() ? it.key() : it.key() + u'=' + it.value());
    return items.join(u", "_s);
}

} // namespace

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
    for (const auto &entry : kDetailFields) {
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

QString CertificatesPanel::detailText(const QString &field) const
{
    if (field == u"certificate"_s)
        return m_detailLine->toPlainText();
    const auto *value = m_detail->findChild<QLineEdit *>(detailObjectName(field));
    return value ? value->text() : QString();
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

} // namespace keystead::ui
