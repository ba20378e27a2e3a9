#include "ui/hostkeys/HostKeysPanel.h"

#include "audit/AuditLog.h"
#include "common/Clock.h"
#include "hostkeys/HostKeyStore.h"
#include "settings/SshSettingsService.h"
#include "store/SettingsStore.h"
#include "ui/common/EmptyStatePanel.h"
#include "ui/common/ErrorLabel.h"
#include "ui/common/Icons.h"
#include "ui/hostkeys/AddHostKeyDialog.h"
#include "ui/hostkeys/HostKeyTexts.h"
#include "ui/hostkeys/ScanHostsDialog.h"
#include "ui/hostkeys/SettingsPolicyDialog.h"
#include "ui/hostkeys/SshServerSettingsTab.h"
#include "ui/hostkeys/TrustedHostKeysFilter.h"
#include "ui/hostkeys/TrustedHostKeysModel.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIntValidator>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QSet>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

constexpr auto kRescanSetting = "hostkeys.rescan_interval_minutes";
// known_hosts files are small; a bigger file is not one.
constexpr qint64 kMaxKnownHostsSize = 16 * 1024 * 1024;

QString rescanSetting()
{
    return QString::fromLatin1(kRescanSetting);
}

QString age(const QDateTime &then, const QDateTime &now)
{
    const qint64 minutes = then.secsTo(now) / 60;
    if (minutes < 1)
        return HostKeysPanel::tr("just now");
    if (minutes < 120)
        return HostKeysPanel::tr("%n minute(s) ago", nullptr, static_cast<int>(minutes));
    return HostKeysPanel::tr("%n hour(s) ago", nullptr, static_cast<int>(minutes / 60));
}

} // namespace

HostKeysPanel::HostKeysPanel(HostKeyStore &hostKeys, SshSettingsService &sshSettings, SettingsStore &settings,
                             const Clock &clock, QWidget *parent)
    : QWidget(parent)
    , m_hostKeys(&hostKeys)
    , m_sshSettings(&sshSettings)
    , m_settings(&settings)
    , m_clock(&clock)
{
    m_model = new TrustedHostKeysModel(hostKeys, this);
    m_filter = new TrustedHostKeysFilter(this);
    m_filter->setSourceModel(m_model);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(u"hostKeysTabs"_s);
    m_tabs->addTab(createHostKeysTab(), tr("Trusted host keys"));
    m_sshServerTab = new SshServerSettingsTab(sshSettings, this);
    m_tabs->addTab(m_sshServerTab, tr("SSH server settings"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);

    connect(m_model, &TrustedHostKeysModel::lastErrorChanged, this, &HostKeysPanel::showError);
    connect(m_model, &TrustedHostKeysModel::rowsInserted, this, &HostKeysPanel::refreshTypes);
    connect(m_model, &TrustedHostKeysModel::rowsRemoved, this, &HostKeysPanel::refreshTypes);
    connect(m_model, &TrustedHostKeysModel::modelReset, this, &HostKeysPanel::refreshTypes);
    connect(m_model, &TrustedHostKeysModel::rowsInserted, this, &HostKeysPanel::updateActions);
    connect(m_model, &TrustedHostKeysModel::rowsRemoved, this, &HostKeysPanel::updateActions);
    // Drift arrives from a scan on any thread (queued here): the banner follows at once.
    connect(&hostKeys, &HostKeyStore::driftDetected, this, &HostKeysPanel::refreshDrifts);
    connect(&hostKeys, &HostKeyStore::hostKeysChanged, this, &HostKeysPanel::refreshDrifts);
    connect(&settings, &SettingsStore::changed, this, [this](const QString &name) {
        if (name == rescanSetting())
            refreshRescanInterval();
    });

    showError(m_model->lastError());
    refreshTypes();
    refreshDrifts();
    refreshRescanInterval();
    updateActions();
}

QWidget *HostKeysPanel::createHostKeysTab()
{
    auto *page = new QWidget(this);

    m_driftBanner = new QFrame(page);
    m_driftBanner->setObjectName(u"driftBanner"_s);
    m_driftBanner->setAutoFillBackground(true);
    QPalette palette = m_driftBanner->palette();
    palette.setColor(QPalette::Window, QColor(0xff, 0xcc, 0x80));
    palette.setColor(QPalette::WindowText, QColor(0x4a, 0x1c, 0x00));
    m_driftBanner->setPalette(palette);
    m_driftBanner->setFrameShape(QFrame::StyledPanel);
    m_driftLayout = new QVBoxLayout(m_driftBanner);
    m_driftBanner->hide();

    auto *toolBar = new QToolBar(page);
    toolBar->setObjectName(u"hostKeysToolBar"_s);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->setIconSize(QSize(18, 18));
    const auto action = [toolBar](const QString &name, const QString &icon, const QString &text, const QString &tip) {
        QAction *made = toolBar->addAction(keysteadIcon(icon), text);
        made->setObjectName(name);
        made->setToolTip(tip);
        return made;
    };
    connect(action(u"addHostKey"_s, u"add"_s, tr("Add…"), tr("Trust a host key by pasting it")), &QAction::triggered,
            this, [this] { openDialog(createAddDialog()); });
    connect(action(u"scanHosts"_s, u"generate"_s, tr("Scan…"), tr("Ask servers for their host keys")),
            &QAction::triggered, this, [this] { openDialog(createScanDialog()); });
    m_rescanAction = action(u"rescanHosts"_s, u"generate"_s, tr("Re-scan trusted hosts"),
                            tr("Scan every trusted host again and flag keys that changed"));
    connect(m_rescanAction, &QAction::triggered, this, [this] { openDialog(createRescanDialog()); });
    toolBar->addSeparator();
    connect(action(u"importKnownHosts"_s, u"add"_s, tr("Import known_hosts…"),
                   tr("Trust the keys of a known_hosts file (hashed names are skipped)")),
            &QAction::triggered, this, [this] { (void)importKnownHosts(); });
    m_exportAction = action(u"exportKnownHosts"_s, u"export"_s, tr("Export known_hosts…"),
                            tr("Write the trusted keys the table shows as a known_hosts file"));
    connect(m_exportAction, &QAction::triggered, this, [this] { (void)exportKnownHosts(); });
    toolBar->addSeparator();
    m_deleteAction = action(u"deleteHostKey"_s, u"disable"_s, tr("Delete"), tr("Stop trusting the selected key"));
    connect(m_deleteAction, &QAction::triggered, this, [this] { (void)deleteSelected(); });

    m_typeFilter = new QComboBox(page);
    m_typeFilter->setObjectName(u"typeFilter"_s);
    m_typeFilter->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_typeFilter, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setTypeFilter(m_typeFilter->currentData().toString()); });
    m_portFilter = new QLineEdit(page);
    m_portFilter->setObjectName(u"portFilter"_s);
    m_portFilter->setPlaceholderText(tr("any port"));
    m_portFilter->setValidator(new QIntValidator(1, 65535, m_portFilter));
    m_portFilter->setMaximumWidth(100);
    connect(m_portFilter, &QLineEdit::textChanged, this, [this](const QString &text) {
        bool ok = false;
        const int port = text.toInt(&ok);
        m_filter->setPortFilter(ok ? std::optional<int>(port) : std::nullopt);
    });
    m_addressFilter = new QLineEdit(page);
    m_addressFilter->setObjectName(u"addressFilter"_s);
    m_addressFilter->setPlaceholderText(tr("Filter by address…"));
    m_addressFilter->setClearButtonEnabled(true);
    connect(m_addressFilter, &QLineEdit::textChanged, m_filter, &TrustedHostKeysFilter::setAddressFilter);
    auto *filters = new QHBoxLayout;
    filters->addWidget(m_addressFilter, 1);
    filters->addWidget(new QLabel(tr("Type:"), page));
    filters->addWidget(m_typeFilter);
    filters->addWidget(new QLabel(tr("Port:"), page));
    filters->addWidget(m_portFilter);

    m_view = new QTableView(page);
    m_view->setObjectName(u"trustedHostKeys"_s);
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setTextElideMode(Qt::ElideMiddle);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(TrustedHostKeysModel::Address, Qt::AscendingOrder);
    m_view->addAction(m_deleteAction);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &HostKeysPanel::updateActions);
    // Each column as wide as its texts, the fingerprint whole; the state takes the rest.
    const auto fitColumns = [this] {
        const int limit = 40 * m_view->fontMetrics().averageCharWidth();
        for (int column = 0; column < TrustedHostKeysModel::State; ++column) {
            m_view->resizeColumnToContents(column);
            if (column != TrustedHostKeysModel::Fingerprint && m_view->columnWidth(column) > limit)
                m_view->setColumnWidth(column, limit);
        }
    };
    connect(m_model, &TrustedHostKeysModel::rowsInserted, this, fitColumns);
    connect(m_model, &TrustedHostKeysModel::modelReset, this, fitColumns);
    fitColumns();

    m_rescanInterval = new QSpinBox(page);
    m_rescanInterval->setObjectName(u"rescanInterval"_s);
    m_rescanInterval->setRange(0, 7 * 24 * 60);
    m_rescanInterval->setSpecialValueText(tr("off"));
    m_rescanInterval->setSuffix(tr(" min"));
    connect(m_rescanInterval, &QSpinBox::valueChanged, this, [this](int minutes) {
        const Status saved = m_settings->setValue(rescanSetting(), QString::number(minutes));
        showError(saved ? QString() : saved.error().message);
    });
    auto *schedule = new QHBoxLayout;
    schedule->addWidget(new QLabel(tr("Re-scan trusted hosts every (0 = off):"), page));
    schedule->addWidget(m_rescanInterval);
    schedule->addStretch(1);

    m_error = makeErrorLabel(u"hostKeysError"_s, page);
    m_notice = new QLabel(page);
    m_notice->setObjectName(u"hostKeysNotice"_s);
    m_notice->setWordWrap(true);
    m_notice->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_notice->hide();

    auto *layout = new QVBoxLayout(page);
    layout->addWidget(m_driftBanner);
    layout->addWidget(toolBar);
    layout->addLayout(filters);
    layout->addWidget(m_view, 1);
    layout->addLayout(schedule);
    layout->addWidget(m_error);
    layout->addWidget(m_notice);
    return page;
}

void HostKeysPanel::showTab(Tab tab)
{
    m_tabs->setCurrentIndex(tab == Tab::HostKeys ? 0 : 1);
}

bool HostKeysPanel::selectHostKey(const QString &key)
{
    const QModelIndex index = m_filter->mapFromSource(m_model->indexOf(key));
    if (!index.isValid())
        return false;
    m_view->selectRow(index.row());
    m_view->scrollTo(index);
    return true;
}

QString HostKeysPanel::selectedHostKey() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.constFirst().data(TrustedHostKeysModel::KeyRole).toString();
}

AddHostKeyDialog *HostKeysPanel::createAddDialog()
{
    auto *dialog = new AddHostKeyDialog(*m_hostKeys, this);
    connect(dialog, &AddHostKeyDialog::hostKeyAdded, this, [this](const TrustedHostKey &key) {
        if (!selectHostKey(key.key)) {
            m_addressFilter->clear();
            m_portFilter->clear();
            m_typeFilter->setCurrentIndex(0);
            selectHostKey(key.key);
        }
        showError({});
        showNotice(tr("Trusted the %1 key of %2.").arg(key.type, HostKeyTexts::hostPort(key.address, key.port)));
    });
    return dialog;
}

ScanHostsDialog *HostKeysPanel::createScanDialog(const QString &targets)
{
    auto *dialog = new ScanHostsDialog(*m_hostKeys, *m_sshSettings, this);
    dialog->setTargetsText(targets);
    return dialog;
}

ScanHostsDialog *HostKeysPanel::createRescanDialog()
{
    QStringList lines;
    QSet<QString> seen;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const TrustedHostKey &key = m_model->keyAt(row);
        // x509v3 kinds are recorded as given: a scan cannot offer them.
        if (key.type.startsWith(u"x509"_s))
            continue;
        const QString line = HostKeyTexts::hostPort(key.address, key.port);
        if (!seen.contains(line)) {
            seen.insert(line);
            lines.append(line);
        }
    }
    ScanHostsDialog *dialog = createScanDialog(lines.join(u'\n'));
    if (!lines.isEmpty())
        dialog->startScan();
    return dialog;
}

Status HostKeysPanel::deleteSelected()
{
    const int row = m_model->rowOf(selectedHostKey());
    if (row < 0)
        return Error::invalid(tr("Select a host key to delete."));
    const TrustedHostKey key = m_model->keyAt(row);
    QMessageBox question(
        QMessageBox::Warning, tr("Delete trusted host key"),
        tr("Stop trusting the %1 key of %2?").arg(key.type, HostKeyTexts::hostPort(key.address, key.port)),
        QMessageBox::Yes | QMessageBox::Cancel, this);
    question.setObjectName(u"deleteConfirmation"_s);
    question.setInformativeText(key.fingerprint);
    question.button(QMessageBox::Yes)->setText(tr("Delete"));
    question.setDefaultButton(QMessageBox::Cancel);
    if (question.exec() != QMessageBox::Yes)
        return Error::conflict(tr("Not deleted."));
    Result<TrustedHostKey> removed = m_hostKeys->remove(key.key, Actor::console());
    if (!removed) {
        showError(HostKeyTexts::error(removed.error()));
        return removed.error();
    }
    showError({});
    showNotice(tr("Deleted the %1 key of %2.").arg(key.type, HostKeyTexts::hostPort(key.address, key.port)));
    return {};
}

Result<KnownHostsImport> HostKeysPanel::importKnownHosts()
{
    const QString path = choosePath(tr("Import known_hosts"), QDir::home().filePath(u".ssh/known_hosts"_s), false);
    if (path.isEmpty())
        return Error::conflict(tr("No file chosen."));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || file.size() > kMaxKnownHostsSize) {
        const QString message = file.isOpen()
            ? tr("%1 is too large for a known_hosts file.").arg(QDir::toNativeSeparators(path))
            : tr("Cannot read %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        showError(message);
        return Error::invalid(message);
    }
    Result<KnownHostsImport> report = m_hostKeys->importKnownHosts(QString::fromUtf8(file.readAll()), Actor::console());
    if (!report) {
        showError(HostKeyTexts::error(report.error()));
        return report;
    }
    showError({});
    showNotice(HostKeyTexts::importReport(report.value()));
    return report;
}

Status HostKeysPanel::exportKnownHosts()
{
    const QString path = choosePath(tr("Export known_hosts"), QDir::home().filePath(u"known_hosts"_s), true);
    if (path.isEmpty())
        return Error::conflict(tr("No file chosen."));
    // What the table shows: the filters narrow the export too.
    HostKeyFilter filter;
    filter.type = m_filter->typeFilter();
    filter.port = m_filter->portFilter();
    Result<QString> text = m_hostKeys->exportKnownHosts(filter);
    if (!text) {
        showError(HostKeyTexts::error(text.error()));
        return text.error();
    }
    QStringList lines;
    for (const QString &line : text->split(u'\n', Qt::SkipEmptyParts)) {
        // The address filter is a substring match the store does not offer: apply it here.
        if (m_filter->addressFilter().isEmpty()
            || line.section(u' ', 0, 0).contains(m_filter->addressFilter(), Qt::CaseInsensitive))
            lines.append(line);
    }
    QSaveFile file(path);
    const QByteArray bytes = lines.isEmpty() ? QByteArray() : (lines.join(u'\n') + u'\n').toUtf8();
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) < 0 || !file.commit()) {
        const QString message = tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        showError(message);
        return Error::unavailable(message);
    }
    showError({});
    showNotice(
        tr("Wrote %n key(s) to %1.", nullptr, static_cast<int>(lines.size())).arg(QDir::toNativeSeparators(path)));
    return {};
}

bool HostKeysPanel::driftBannerShown() const
{
    return m_driftBanner && !m_driftBanner->isHidden();
}

QStringList HostKeysPanel::driftLines() const
{
    return m_driftLines;
}

Status HostKeysPanel::acknowledgeDrift(qint64 driftId)
{
    const Status acknowledged = m_hostKeys->acknowledgeDrift(driftId, Actor::console());
    if (!acknowledged) {
        showError(HostKeyTexts::error(acknowledged.error()));
        return acknowledged;
    }
    showError({});
    // The store's change events have updated the banner and the row already.
    return {};
}

void HostKeysPanel::refreshDrifts()
{
    if (!m_driftLayout)
        return;
    while (QLayoutItem *item = m_driftLayout->takeAt(0)) {
        if (QWidget *widget = item->widget())
            widget->deleteLater();
        if (QLayout *inner = item->layout()) {
            while (QLayoutItem *innerItem = inner->takeAt(0)) {
                if (QWidget *widget = innerItem->widget())
                    widget->deleteLater();
                delete innerItem;
            }
        }
        delete item;
    }
    m_driftLines.clear();
    Result<QList<HostKeyDrift>> drifts = m_hostKeys->drifts();
    if (!drifts) {
        showError(HostKeyTexts::error(drifts.error()));
        m_driftBanner->hide();
        return;
    }
    QList<HostKeyDrift> open;
    for (const HostKeyDrift &drift : drifts.value()) {
        if (!drift.acknowledgedAt)
            open.append(drift);
    }
    if (open.isEmpty()) {
        m_driftBanner->hide();
        return;
    }
    auto *title = new QLabel(tr("<b>%n host key(s) changed.</b> A server offered a different key than the trusted "
                                "one: it was reinstalled, or someone is in the middle. Check with the server's "
                                "administrator before you replace the trusted key (Scan…, Replace trusted key).",
                                nullptr, static_cast<int>(open.size())),
                             m_driftBanner);
    title->setWordWrap(true);
    m_driftLayout->addWidget(title);
    for (const HostKeyDrift &drift : open) {
        const QString line
            = tr("%1 %2: trusted %3, seen %4 (%5)")
                  .arg(HostKeyTexts::hostPort(drift.address, drift.port), drift.type, drift.trustedFingerprint,
                       drift.seenFingerprint, age(drift.detectedAt, m_clock->now()));
        m_driftLines.append(line);
        auto *row = new QHBoxLayout;
        auto *label = new QLabel(line, m_driftBanner);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        label->setWordWrap(true);
        auto *acknowledge = new QPushButton(tr("Acknowledge"), m_driftBanner);
        acknowledge->setObjectName(u"acknowledgeDrift-%1"_s.arg(drift.id));
        acknowledge->setToolTip(tr("Hide this warning; the trusted key stays as it is"));
        const qint64 id = drift.id;
        connect(acknowledge, &QPushButton::clicked, this, [this, id] { (void)acknowledgeDrift(id); });
        row->addWidget(label, 1);
        row->addWidget(acknowledge);
        m_driftLayout->addLayout(row);
    }
    m_driftBanner->show();
}

void HostKeysPanel::refreshTypes()
{
    QStringList types;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (!types.contains(m_model->keyAt(row).type))
            types.append(m_model->keyAt(row).type);
    }
    types.sort();
    const QString current = m_typeFilter->currentData().toString();
    const QSignalBlocker blocker(m_typeFilter);
    m_typeFilter->clear();
    m_typeFilter->addItem(tr("All types"), QString());
    for (const QString &type : types)
        m_typeFilter->addItem(type, type);
    const int index = current.isEmpty() ? 0 : m_typeFilter->findData(current);
    m_typeFilter->setCurrentIndex(index < 0 ? 0 : index);
    m_filter->setTypeFilter(m_typeFilter->currentData().toString());
}

void HostKeysPanel::refreshRescanInterval()
{
    const QSignalBlocker blocker(m_rescanInterval);
    m_rescanInterval->setValue(m_settings->value(rescanSetting(), u"0"_s).toInt());
}

bool HostKeysPanel::selectPolicy(const QString &key)
{
    return m_sshServerTab->selectPolicy(key);
}

QString HostKeysPanel::selectedPolicy() const
{
    return m_sshServerTab->selectedPolicy();
}

QStringList HostKeysPanel::policyRows() const
{
    return m_sshServerTab->policyRows();
}

SettingsPolicyDialog *HostKeysPanel::createPolicyDialog()
{
    return m_sshServerTab->createPolicyDialog();
}

SettingsPolicyDialog *HostKeysPanel::createEditPolicyDialog()
{
    return m_sshServerTab->createEditPolicyDialog();
}

Status HostKeysPanel::deleteSelectedPolicy()
{
    return m_sshServerTab->deleteSelectedPolicy();
}

Status HostKeysPanel::activateSelectedPolicy()
{
    return m_sshServerTab->activateSelectedPolicy();
}

QString HostKeysPanel::settingsErrorText() const
{
    return m_sshServerTab->settingsErrorText();
}

QString HostKeysPanel::errorText() const
{
    return m_error && !m_error->isHidden() ? m_error->text() : QString();
}

QString HostKeysPanel::noticeText() const
{
    return m_notice && !m_notice->isHidden() ? m_notice->text() : QString();
}

void HostKeysPanel::updateActions()
{
    if (!m_deleteAction)
        return;
    m_deleteAction->setEnabled(!selectedHostKey().isEmpty());
    m_rescanAction->setEnabled(m_model->rowCount() > 0);
    m_exportAction->setEnabled(m_model->rowCount() > 0);
}

QString HostKeysPanel::choosePath(const QString &title, const QString &suggested, bool forSaving)
{
    if (m_chooser)
        return m_chooser(title, suggested, forSaving);
    return forSaving ? QFileDialog::getSaveFileName(this, title, suggested, tr("All files (*)"))
                     : QFileDialog::getOpenFileName(this, title, suggested, tr("All files (*)"));
}

void HostKeysPanel::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void HostKeysPanel::showNotice(const QString &message)
{
    m_notice->setText(message);
    m_notice->setVisible(!message.isEmpty());
}

void HostKeysPanel::openDialog(QWidget *dialog)
{
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (auto *modal = qobject_cast<QDialog *>(dialog))
        modal->open();
}

} // namespace keystead::ui
