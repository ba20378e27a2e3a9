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

CertificatesPanel::CertificatesPanel(CertificateAuthorityService &certificates, InventoryService &inventory,
                                     CollectService &collect, SettingsStore &settings, const Clock &clock,
                                     QWidget *parent)
    : QWidget(parent)
    , m_service(certificates)
    , m_inventory(inventory)
    , m_collect(collect)
    , m_settings(settings)
    , m_clock(clock)
{
    m_authorities = new CertificateAuthoritiesModel(certificates, this);
    m_certificatesModel = new CertificatesModel(certificates, clock, this);
    m_filter = new CertificatesFilter(this);
    m_filter->setSourceModel(m_certificatesModel);

    m_error = makeErrorLabel(u"certificatesError"_s, this);
    m_notice = new QLabel(this);
    m_notice->setObjectName(u"certificatesNotice"_s);
    m_notice->setWordWrap(true);
    m_notice->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_notice->hide();

    m_authorityView = createTable(u"authorities"_s);
    m_authorityView->setModel(m_authorities);
    m_authorityView->setSortingEnabled(false); // newest first, as the service lists them
    m_certificateView = createTable(u"certificates"_s);
    m_certificateView->setModel(m_filter);
    m_certificateView->setSortingEnabled(true);
    m_certificateView->sortByColumn(CertificatesModel::ValidUntil, Qt::DescendingOrder);

    QWidget *authorityToolBar = createAuthorityToolBar();
    auto *authorityPart = new QWidget(this);
    auto *authorityLayout = new QVBoxLayout(authorityPart);
    authorityLayout->setContentsMargins(0, 0, 0, 0);
    auto *authorityTitle = new QLabel(tr("Certificate authorities"), authorityPart);
    authorityTitle->setObjectName(u"authoritiesTitle"_s);
    QFont titleFont = authorityTitle->font();
    titleFont.setBold(true);
    authorityTitle->setFont(titleFont);
    authorityLayout->addWidget(authorityTitle);
    authorityLayout->addWidget(m_authorityView, 1);
    authorityLayout->addWidget(createAuthorityExportBar());

    auto *certificatePart = new QWidget(this);
    auto *certificateLayout = new QVBoxLayout(certificatePart);
    certificateLayout->setContentsMargins(0, 0, 0, 0);
    auto *certificateTitle = new QLabel(tr("Certificates"), certificatePart);
    certificateTitle->setFont(titleFont);
    certificateLayout->addWidget(certificateTitle);
    certificateLayout->addWidget(createCertificateToolBar());
    certificateLayout->addWidget(createFilterBar());
    auto *tableAndDetail = new QSplitter(Qt::Horizontal, certificatePart);
    tableAndDetail->addWidget(m_certificateView);
    tableAndDetail->addWidget(createDetailPane());
    tableAndDetail->setStretchFactor(0, 3);
    tableAndDetail->setStretchFactor(1, 1);
    tableAndDetail->setSizes({900, 300});
    certificateLayout->addWidget(tableAndDetail, 1);

    auto *content = new QSplitter(Qt::Vertical, this);
    content->setObjectName(u"certificatesSplitter"_s);
    content->addWidget(authorityPart);
    content->addWidget(certificatePart);
    content->setStretchFactor(0, 1);
    content->setStretchFactor(1, 2);
    content->setSizes({260, 540});
    // Room for a few CAs before the splitter has to be moved.
    m_authorityView->setMinimumHeight(m_authorityView->verticalHeader()->defaultSectionSize() * 4
                                      + m_authorityView->horizontalHeader()->sizeHint().height());

    m_stack = new QStackedWidget(this);
    m_stack->setObjectName(u"certificatesStack"_s);
    m_stack->insertWidget(kContentPage, content);
    m_stack->insertWidget(kEmptyPage,
                          new EmptyStatePanel(keysteadIcon(u"certificates"), tr("Certificates"),
                                              tr("No certificate authority yet. Create one: it signs user "
                                                 "certificates that servers trust through TrustedUserCAKeys, and host "
                                                 "certificates that clients trust through @cert-authority lines."),
                                              m_stack));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(authorityToolBar);
    layout->addWidget(m_stack, 1);
    layout->addWidget(m_error);
    layout->addWidget(m_notice);

    connect(m_authorities, &CertificateAuthoritiesModel::lastErrorChanged, this, &CertificatesPanel::showError);
    connect(m_certificatesModel, &CertificatesModel::lastErrorChanged, this, &CertificatesPanel::showError);
    showError(m_certificatesModel->lastError().isEmpty() ? m_authorities->lastError()
                                                         : m_certificatesModel->lastError());
    for (QAbstractItemModel *model :
         {static_cast<QAbstractItemModel *>(m_authorities), static_cast<QAbstractItemModel *>(m_certificatesModel)}) {
        connect(model, &QAbstractItemModel::rowsInserted, this, &CertificatesPanel::updateEmptyState);
        connect(model, &QAbstractItemModel::rowsRemoved, this, &CertificatesPanel::updateEmptyState);
        connect(model, &QAbstractItemModel::modelReset, this, &CertificatesPanel::updateEmptyState);
    }
    connect(m_authorities, &QAbstractItemModel::rowsInserted, this, [this] { fitColumns(m_authorityView, 6); });
    connect(m_certificatesModel, &QAbstractItemModel::rowsInserted, this,
            [this] { fitColumns(m_certificateView, CertificatesModel::ColumnCount); });
    connect(m_authorities, &QAbstractItemModel::rowsInserted, this, &CertificatesPanel::refreshAuthorityFilter);
    connect(m_authorities, &QAbstractItemModel::rowsRemoved, this, &CertificatesPanel::refreshAuthorityFilter);
    connect(m_authorities, &QAbstractItemModel::dataChanged, this, &CertificatesPanel::refreshAuthorityFilter);
    // The selected certificate was revoked elsewhere, or expired: the pane and the actions follow.
    connect(m_certificatesModel, &QAbstractItemModel::dataChanged, this, [this] {
        updateDetail();
        updateActions();
    });
    connect(m_authorityView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &CertificatesPanel::updateActions);
    connect(m_certificateView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateDetail();
        updateActions();
    });
    connect(m_authorityView, &QTableView::doubleClicked, this, &CertificatesPanel::askToEditDescription);
    connect(m_certificatesModel, &CertificatesModel::expiringCountChanged, this,
            &CertificatesPanel::expiringCountUpdated);
    connect(&m_settings, &SettingsStore::changed, this, [this](const QString &name) {
        if (name == CertificateAuthorityService::kExpiryWarningDaysSetting)
            readExpirySetting();
    });

    readExpirySetting();
    refreshAuthorityFilter();
    fitColumns(m_authorityView, 6);
    fitColumns(m_certificateView, CertificatesModel::ColumnCount);
    expiringCountUpdated(m_certificatesModel->expiringCount());
    updateEmptyState();
    updateDetail();
}

QTableView *CertificatesPanel::createTable(const QString &objectName)
{
    auto *view = new QTableView(this);
    view->setObjectName(objectName);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->verticalHeader()->hide();
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    view->horizontalHeader()->setStretchLastSection(true);
    view->setTextElideMode(Qt::ElideMiddle);
    return view;
}

void CertificatesPanel::fitColumns(QTableView *view, int columnCount)
{
    // Fingerprints and principal lists elide in the middle, whole in their tooltips.
    const int limit = 22 * view->fontMetrics().averageCharWidth();
    for (int column = 0; column < columnCount; ++column) {
        view->resizeColumnToContents(column);
        if (view->columnWidth(column) > limit)
            view->setColumnWidth(column, limit);
    }
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

} // namespace keystead::ui
