#include "ui/certificates/CertificatesPanel.h"

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

namespace {

constexpr int kContentPage = 0;
constexpr int kEmptyPage = 1;
constexpr int kMaxWarningDays = 3650;

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

QString detailObjectName(const QString &field)
{
    return u"detail_"_s + field;
}

QString mapText(const QMap<QString, QString> &map)
{
    QStringList items;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        items.append(it.value().isEmpty() ? it.key() : it.key() + u'=' + it.value());
    return items.join(u", "_s);
}

} // namespace

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
    auto *toolBar = new QToolBar(this);
    toolBar->setObjectName(u"authoritiesToolBar"_s);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->setIconSize(QSize(18, 18));
    const auto action
        = [toolBar](const QString &objectName, const QString &icon, const QString &text, const QString &toolTip) {
              QAction *made = toolBar->addAction(keysteadIcon(icon), text);
              made->setObjectName(objectName);
              made->setToolTip(toolTip);
              return made;
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
    auto *toolBar = new QToolBar(this);
    toolBar->setObjectName(u"certificatesToolBar"_s);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->setIconSize(QSize(18, 18));
    const auto action
        = [toolBar](const QString &objectName, const QString &icon, const QString &text, const QString &toolTip) {
              QAction *made = toolBar->addAction(keysteadIcon(icon), text);
              made->setObjectName(objectName);
              made->setToolTip(toolTip);
              return made;
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
    // The model learns of it through authoritiesChanged; read now, so it can be selected at once.
    m_authorities->refresh();
    selectAuthority(authority.id);
    showError({});
    showNotice(tr("Created the %1 certificate authority %2.")
                   .arg(CertificateTexts::authorityType(authority), authority.fingerprint));
}

void CertificatesPanel::certificateIssued(const IssuedCertificate &certificate)
{
    m_certificatesModel->refresh();
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
    m_certificatesModel->refresh();
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
