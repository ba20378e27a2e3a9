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

namespace certificatespanel {

namespace {

// The detail pane's fields, in the order shown.
constexpr DetailField kDetailFields[] = {
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

// The tool bar above each table: text beside the icons.
QToolBar *makeToolBar(const QString &objectName, QWidget *parent)
{
    auto *toolBar = new QToolBar(parent);
    toolBar->setObjectName(objectName);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->setIconSize(QSize(18, 18));
    return toolBar;
}

QAction *addToolAction(QToolBar *toolBar, const QString &objectName, const QString &icon, const QString &text,
                       const QString &toolTip)
{
    QAction *made = toolBar->addAction(keysteadIcon(icon), text);
    made->setObjectName(objectName);
    made->setToolTip(toolTip);
    return made;
}

} // namespace

std::span<const DetailField> detailFields()
{
    return kDetailFields;
}

} // namespace certificatespanel

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

QWidget *CertificatesPanel::createAuthorityToolBar()
{
    auto *toolBar = makeToolBar(u"authoritiesToolBar"_s, this);
    const auto action
        = [toolBar](const QString &objectName, const QString &icon, const QString &text, const QString &toolTip) {
              return addToolAction(toolBar, objectName, icon, text, toolTip);
          };
    m_newAuthorityAction = action(u"newAuthority"_s, u"add"_s, tr("New CA…"),
                                  tr("Create a certificate authority: Ed25519, ECDSA or RSA"));
    connect(m_newAuthorityAction, &QAction::triggered, this, &CertificatesPanel::askToCreateAuthority);
    m_editAuthorityAction
        = action(u"editAuthority"_s, u"edit"_s, tr("Edit description…"), tr("Change the selected CA's description"));
    connect(m_editAuthorityAction, &QAction::triggered, this, &CertificatesPanel::askToEditDescription);
    m_deleteAuthorityAction = action(u"deleteAuthority"_s, u"disable"_s, tr("Delete CA…"),
                                     tr("Delete the selected CA: it signs no more; its certificates stay listed"));
    connect(m_deleteAuthorityAction, &QAction::triggered, this, [this] { (void)deleteSelectedAuthority(); });
    toolBar->addSeparator();
    m_signAction
        = action(u"signCertificate"_s, u"certificates"_s, tr("Sign certificate…"),
                 tr("Sign a user or host certificate for a pasted key, a key of the inventory or a collected key"));
    connect(m_signAction, &QAction::triggered, this, &CertificatesPanel::askToSign);
    return toolBar;
}

QWidget *CertificatesPanel::createAuthorityExportBar()
{
    // A tool bar, not a row of buttons: on a narrow window what does not fit goes to its » menu.
    auto *bar = new QToolBar(this);
    bar->setObjectName(u"authorityExportBar"_s);
    bar->setIconSize(QSize(18, 18));
    const auto button
        = [this, bar](const QString &objectName, const QString &icon, const QString &text, const QString &toolTip) {
              auto *made = new QAction(keysteadIcon(icon), text, this);
              made->setObjectName(objectName);
              made->setToolTip(toolTip);
              auto *tool = new QToolButton(bar);
              tool->setDefaultAction(made);
              tool->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
              tool->setAutoRaise(true);
              return std::pair{made, tool};
          };
    auto [copyTrusted, copyTrustedButton]
        = button(u"copyTrustedUserCaKeys"_s, u"copy"_s, tr("Copy TrustedUserCAKeys line"),
                 tr("The CA's public key as one line for the file sshd_config's TrustedUserCAKeys names"));
    auto [saveTrusted, saveTrustedButton]
        = button(u"saveTrustedUserCaKeys"_s, u"export"_s, tr("Save…"), tr("Save the TrustedUserCAKeys line to a file"));
    auto [copyKnownHosts, copyKnownHostsButton]
        = button(u"copyKnownHostsLine"_s, u"copy"_s, tr("Copy @cert-authority line"),
                 tr("The known_hosts line that makes clients trust this CA's host certificates"));
    auto [saveKnownHosts, saveKnownHostsButton]
        = button(u"saveKnownHosts"_s, u"export"_s, tr("Save…"),
                 tr("Save the @cert-authority line and an @revoked line for each revoked host key"));
    auto [saveKrl, saveKrlButton] = button(u"saveRevocationList"_s, u"export"_s, tr("Save KRL…"),
                                           tr("The CA's key revocation list (binary), for servers' RevokedKeys"));
    m_copyTrustedAction = copyTrusted;
    m_saveTrustedAction = saveTrusted;
    m_copyKnownHostsAction = copyKnownHosts;
    m_saveKnownHostsAction = saveKnownHosts;
    m_saveKrlAction = saveKrl;
    connect(m_copyTrustedAction, &QAction::triggered, this, [this] { (void)copyTrustedUserCaKeysLine(); });
    connect(m_saveTrustedAction, &QAction::triggered, this, &CertificatesPanel::askToSaveTrustedUserCaKeys);
    connect(m_copyKnownHostsAction, &QAction::triggered, this, [this] { (void)copyKnownHostsLine(); });
    connect(m_saveKnownHostsAction, &QAction::triggered, this, &CertificatesPanel::askToSaveKnownHosts);
    connect(m_saveKrlAction, &QAction::triggered, this, &CertificatesPanel::askToSaveRevocationList);

    m_hostPattern = new QLineEdit(u"*"_s, bar);
    m_hostPattern->setObjectName(u"hostPattern"_s);
    m_hostPattern->setToolTip(tr("The hosts whose certificates clients check against this CA, as known_hosts "
                                 "patterns: *.example.org,10.0.0.*"));
    m_hostPattern->setMaximumWidth(m_hostPattern->fontMetrics().averageCharWidth() * 24);

    bar->addWidget(new QLabel(tr("Servers:") + u' ', bar));
    bar->addWidget(copyTrustedButton);
    bar->addWidget(saveTrustedButton);
    bar->addSeparator();
    bar->addWidget(new QLabel(tr("Clients, hosts:") + u' ', bar));
    bar->addWidget(m_hostPattern);
    bar->addWidget(copyKnownHostsButton);
    bar->addWidget(saveKnownHostsButton);
    bar->addSeparator();
    bar->addWidget(saveKrlButton);

    m_authorityView->addActions({m_editAuthorityAction, m_deleteAuthorityAction, m_copyTrustedAction,
                                 m_saveTrustedAction, m_copyKnownHostsAction, m_saveKnownHostsAction, m_saveKrlAction});
    m_authorityView->setContextMenuPolicy(Qt::ActionsContextMenu);
    return bar;
}

QWidget *CertificatesPanel::createCertificateToolBar()
{
    auto *toolBar = makeToolBar(u"certificatesToolBar"_s, this);
    const auto action
        = [toolBar](const QString &objectName, const QString &icon, const QString &text, const QString &toolTip) {
              return addToolAction(toolBar, objectName, icon, text, toolTip);
          };
    m_revokeAction = action(u"revokeCertificate"_s, u"disable"_s, tr("Revoke…"),
                            tr("Revoke the selected certificate, with a reason; cannot be undone"));
    connect(m_revokeAction, &QAction::triggered, this, [this] { askToRevoke(false); });
    m_revokeSubjectAction = action(u"revokeSubject"_s, u"disable"_s, tr("Revoke every certificate of this key…"),
                                   tr("Revoke every certificate, of every CA, whose key is the selected one's"));
    connect(m_revokeSubjectAction, &QAction::triggered, this, [this] { askToRevoke(true); });
    toolBar->addSeparator();
    m_copyCertificateAction = action(u"copyCertificate"_s, u"copy"_s, tr("Copy certificate"),
                                     tr("Copy the selected certificate as one line for a -cert.pub file"));
    connect(m_copyCertificateAction, &QAction::triggered, this, [this] { (void)copySelectedCertificate(); });
    m_saveCertificateAction = action(u"saveCertificate"_s, u"export"_s, tr("Save certificate…"),
                                     tr("Save the selected certificate to a -cert.pub file"));
    connect(m_saveCertificateAction, &QAction::triggered, this, &CertificatesPanel::askToSaveCertificate);

    // The expiry warning at the far end of the toolbar: a setting of the whole table, not a filter.
    m_expiryDays = new QSpinBox(toolBar);
    m_expiryDays->setObjectName(u"expiryWarningDays"_s);
    m_expiryDays->setRange(0, kMaxWarningDays);
    m_expiryDays->setSuffix(tr(" days"));
    m_expiryDays->setSpecialValueText(tr("off"));
    m_expiryDays->setToolTip(tr("Certificates that expire within this many days are highlighted and counted in "
                                "the status bar. Kept for every console on this database."));
    connect(m_expiryDays, &QSpinBox::valueChanged, this, [this](int days) {
        m_certificatesModel->setExpiryWarningDays(days);
        if (Status saved = m_settings.setValue(QString(CertificateAuthorityService::kExpiryWarningDaysSetting),
                                               QString::number(days));
            !saved)
            showError(tr("The warning days could not be saved: %1").arg(saved.error().message));
    });
    m_expiringLabel = new QLabel(toolBar);
    m_expiringLabel->setObjectName(u"expiringCount"_s);

    auto *spacer = new QWidget(toolBar);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    toolBar->addWidget(spacer);
    toolBar->addWidget(new QLabel(tr("Expiring within:") + u' ', toolBar));
    toolBar->addWidget(m_expiryDays);
    m_expiringLabel->setContentsMargins(8, 0, 4, 0);
    toolBar->addWidget(m_expiringLabel);

    m_certificateView->addActions(
        {m_revokeAction, m_revokeSubjectAction, m_copyCertificateAction, m_saveCertificateAction});
    m_certificateView->setContextMenuPolicy(Qt::ActionsContextMenu);
    return toolBar;
}

QWidget *CertificatesPanel::createFilterBar()
{
    auto *bar = new QWidget(this);
    m_textFilter = new QLineEdit(bar);
    m_textFilter->setObjectName(u"textFilter"_s);
    m_textFilter->setPlaceholderText(tr("Filter by principal, fingerprint, key id, description…"));
    m_textFilter->setClearButtonEnabled(true);
    connect(m_textFilter, &QLineEdit::textChanged, m_filter, &CertificatesFilter::setTextFilter);

    m_kindFilter = new QComboBox(bar);
    m_kindFilter->setObjectName(u"kindFilter"_s);
    m_kindFilter->addItem(tr("User and host"), -1);
    m_kindFilter->addItem(tr("User"), static_cast<int>(CertificateKind::User));
    m_kindFilter->addItem(tr("Host"), static_cast<int>(CertificateKind::Host));
    connect(m_kindFilter, &QComboBox::currentIndexChanged, this, [this] {
        const int kind = m_kindFilter->currentData().toInt();
        m_filter->setKindFilter(kind < 0 ? std::nullopt
                                         : std::optional<CertificateKind>(static_cast<CertificateKind>(kind)));
    });

    m_authorityFilter = new QComboBox(bar);
    m_authorityFilter->setObjectName(u"authorityFilter"_s);
    m_authorityFilter->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_authorityFilter->setMinimumContentsLength(12);
    connect(m_authorityFilter, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setAuthorityFilter(m_authorityFilter->currentData().toString()); });

    m_stateFilter = new QComboBox(bar);
    m_stateFilter->setObjectName(u"stateFilter"_s);
    m_stateFilter->addItem(tr("Any state"), -1);
    for (const CertificateState state :
         {CertificateState::Valid, CertificateState::NotYetValid, CertificateState::Expired, CertificateState::Revoked})
        m_stateFilter->addItem(CertificateTexts::stateIcon(state), CertificateTexts::state(state),
                               static_cast<int>(state));
    connect(m_stateFilter, &QComboBox::currentIndexChanged, this, [this] {
        const int state = m_stateFilter->currentData().toInt();
        m_filter->setStateFilter(state < 0 ? std::nullopt
                                           : std::optional<CertificateState>(static_cast<CertificateState>(state)));
    });

    auto *layout = new QHBoxLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_textFilter, 1);
    layout->addWidget(m_kindFilter);
    layout->addWidget(m_authorityFilter);
    layout->addWidget(m_stateFilter);
    return bar;
}

} // namespace keystead::ui
