#include "ui/hostkeys/ScanHostsDialog.h"

#include "hostkeys/HostKeyScanner.h"
#include "hostkeys/HostKeyStore.h"
#include "settings/SshSettingsService.h"
#include "ui/common/ErrorLabel.h"
#include "ui/hostkeys/HostKeyTexts.h"
#include "ui/hostkeys/ScanResultsModel.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::ui {

ScanHostsDialog::ScanHostsDialog(HostKeyStore &store, SshSettingsService &settings, QWidget *parent)
    : QDialog(parent)
    , m_store(store)
    , m_settings(settings)
{
    setObjectName(u"scanHostsDialog"_s);
    setWindowTitle(tr("Scan host keys"));
    m_pool.setMaxThreadCount(4);

    m_results = new ScanResultsModel(this);
    m_targets = new QPlainTextEdit(this);
    m_targets->setObjectName(u"scanTargets"_s);
    m_targets->setPlaceholderText(tr("One host a line: host, host:port, [2001:db8::1]:2222"));
    m_targets->setMaximumHeight(100);

    m_scan = new QPushButton(tr("Scan"), this);
    m_scan->setObjectName(u"startScan"_s);
    connect(m_scan, &QPushButton::clicked, this, [this] { (void)startScan(); });
    m_cancelButton = new QPushButton(tr("Cancel scan"), this);
    m_cancelButton->setObjectName(u"cancelScan"_s);
    connect(m_cancelButton, &QPushButton::clicked, this, &ScanHostsDialog::cancel);
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(u"scanProgress"_s);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);

    m_view = new QTableView(this);
    m_view->setObjectName(u"scanResults"_s);
    m_view->setModel(m_results);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setTextElideMode(Qt::ElideMiddle);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ScanHostsDialog::updateActions);
    connect(m_results, &ScanResultsModel::dataChanged, this, &ScanHostsDialog::updateActions);

    m_trust = new QPushButton(tr("Trust"), this);
    m_trust->setObjectName(u"trustKey"_s);
    m_trust->setToolTip(tr("Trust the selected new key"));
    connect(m_trust, &QPushButton::clicked, this, [this] { (void)trustRow(selectedRow()); });
    m_trustAll = new QPushButton(tr("Trust all new"), this);
    m_trustAll->setObjectName(u"trustAllNew"_s);
    m_trustAll->setToolTip(tr("Trust every new key; a changed key is never replaced this way"));
    connect(m_trustAll, &QPushButton::clicked, this, [this] { (void)trustAllNew(); });
    m_replace = new QPushButton(tr("Replace trusted key…"), this);
    m_replace->setObjectName(u"replaceTrustedKey"_s);
    m_replace->setToolTip(tr("Replace the trusted key of the selected changed row with the key offered now"));
    connect(m_replace, &QPushButton::clicked, this, [this] { (void)replaceTrustedKey(selectedRow()); });

    m_status = new QLabel(this);
    m_status->setObjectName(u"scanStatus"_s);
    m_status->setWordWrap(true);
    m_error = makeErrorLabel(u"scanError"_s, this);

    auto *scanRow = new QHBoxLayout;
    scanRow->addWidget(m_scan);
    scanRow->addWidget(m_cancelButton);
    scanRow->addWidget(m_progress, 1);
    auto *trustRowLayout = new QHBoxLayout;
    trustRowLayout->addWidget(m_trust);
    trustRowLayout->addWidget(m_trustAll);
    trustRowLayout->addWidget(m_replace);
    trustRowLayout->addStretch(1);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Hosts to scan:"), this));
    layout->addWidget(m_targets);
    layout->addLayout(scanRow);
    layout->addWidget(m_status);
    layout->addWidget(m_view, 1);
    layout->addLayout(trustRowLayout);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    resize(900, 520);
    updateActions();
}

ScanHostsDialog::~ScanHostsDialog()
{
    // Scans under way end at their next connection; each one is bounded by its timeout.
    m_cancel = true;
    m_pool.waitForDone();
}

void ScanHostsDialog::setTargetsText(const QString &text)
{
    m_targets->setPlainText(text);
}

QString ScanHostsDialog::targetsText() const
{
    return m_targets->toPlainText();
}

void ScanHostsDialog::setParallelism(int hosts)
{
    m_pool.setMaxThreadCount(std::clamp(hosts, 1, 16));
}

bool ScanHostsDialog::startScan()
{
    if (isScanning())
        return false;
    const ScanTargets parsed = HostKeyTexts::parseTargets(m_targets->toPlainText());
    if (!parsed.problems.isEmpty() || parsed.targets.isEmpty()) {
        showError(parsed.problems.isEmpty() ? tr("List at least one host to scan.") : parsed.problems.join(u'\n'));
        return false;
    }
    showError({});
    m_results->clear();
    m_cancel = false;
    m_total = static_cast<int>(parsed.targets.size());
    m_pending = m_total;
    m_done = 0;
    m_progress->setRange(0, m_total);
    m_progress->setValue(0);
    m_status->setText(tr("Scanning %n host(s)…", nullptr, m_total));

    HostKeyScanOptions options;
    // The scanner connects out: the client side of the active policy governs it.
    options.clientAlgorithms = m_settings.activePolicy().clientSide;
    options.cancel = &m_cancel;
    for (const ScanTarget &target : parsed.targets) {
        m_pool.start([this, target, options] {
            ScanResult result = m_cancel ? ScanResult{target.address, target.port, {}, u"cancelled"_s}
                                         : scanHostKeys(target.address, target.port, options);
            if (result.address.isEmpty())
                result.address = target.address;
            QMetaObject::invokeMethod(
                this, [this, result] { hostDone(result); }, Qt::QueuedConnection);
        });
    }
    updateActions();
    return true;
}

void ScanHostsDialog::cancel()
{
    if (!isScanning())
        return;
    m_cancel = true;
    m_status->setText(tr("Cancelling: the connections under way end first…"));
    updateActions();
}

void ScanHostsDialog::hostDone(ScanResult result)
{
    if (!result.keys.isEmpty()) {
        Result<ScanResult> compared = m_store.compareScan(result, Actor::console());
        if (compared)
            result = std::move(compared).value();
        else
            showError(HostKeyTexts::error(compared.error()));
    }
    m_results->addResult(result);
    ++m_done;
    --m_pending;
    m_progress->setValue(m_done);
    if (m_pending == 0) {
        const int changed = m_results->count(ScannedHostKey::Trust::Changed);
        QString text = tr("%1 of %2 hosts scanned: %3 new, %4 trusted, %5 changed keys.")
                           .arg(m_done)
                           .arg(m_total)
                           .arg(m_results->count(ScannedHostKey::Trust::New))
                           .arg(m_results->count(ScannedHostKey::Trust::Trusted))
                           .arg(changed);
        if (m_cancel)
            text = tr("Cancelled. ") + text;
        m_status->setText(text);
    }
    updateActions();
    Q_EMIT hostScanned(result);
    if (m_pending == 0)
        Q_EMIT scanFinished();
}

Status ScanHostsDialog::trustRow(int row)
{
    if (row < 0 || row >= m_results->rowCount())
        return Error::invalid(tr("Select a key to trust."));
    const ScanResultsModel::Row &found = m_results->rowAt(row);
    if (!found.key || found.key->trust != ScannedHostKey::Trust::New) {
        const QString message = found.key && found.key->trust == ScannedHostKey::Trust::Changed
            ? tr("This key differs from the trusted one: use \"Replace trusted key\".")
            : tr("Only a new key can be trusted.");
        showError(message);
        return Error::conflict(message);
    }
    HostKeyInput input;
    input.address = found.address;
    input.port = found.port;
    input.type = found.key->type;
    input.value = found.key->value;
    input.origin = u"scan"_s;
    Result<TrustedHostKey> added = m_store.add(input, Actor::console());
    if (!added) {
        showError(HostKeyTexts::error(added.error()));
        return added.error();
    }
    showError({});
    m_results->markTrusted(row);
    return {};
}

int ScanHostsDialog::trustAllNew()
{
    int trusted = 0;
    for (int row = 0; row < m_results->rowCount(); ++row) {
        const ScanResultsModel::Row &found = m_results->rowAt(row);
        if (found.key && found.key->trust == ScannedHostKey::Trust::New && trustRow(row))
            ++trusted;
    }
    const int changed = m_results->count(ScannedHostKey::Trust::Changed);
    if (changed > 0)
        m_status->setText(tr("Trusted %1 new keys. %2 changed keys left as they are: replace each one deliberately.")
                              .arg(trusted)
                              .arg(changed));
    else
        m_status->setText(tr("Trusted %1 new keys.").arg(trusted));
    return trusted;
}

Status ScanHostsDialog::replaceTrustedKey(int row)
{
    if (row < 0 || row >= m_results->rowCount() || !m_results->rowAt(row).key
        || m_results->rowAt(row).key->trust != ScannedHostKey::Trust::Changed)
        return Error::invalid(tr("Select a changed key to replace."));
    const ScanResultsModel::Row found = m_results->rowAt(row);
    const QString id = HostKeyStore::keyId(found.key->type, found.address, found.port);
    Result<TrustedHostKey> old = m_store.find(id);
    if (!old) {
        showError(HostKeyTexts::error(old.error()));
        return old.error();
    }

    QMessageBox question(
        QMessageBox::Warning, tr("Replace trusted host key"),
        tr("Replace the trusted %1 key of %2?").arg(found.key->type, HostKeyTexts::hostPort(found.address, found.port)),
        QMessageBox::Yes | QMessageBox::Cancel, this);
    question.setObjectName(u"replaceConfirmation"_s);
    question.setInformativeText(tr("Trusted now: %1\nOffered by the server: %2\n\nA changed host key can mean the "
                                   "server was reinstalled, or that someone is in the middle. Compare the offered "
                                   "fingerprint with the server's own (ssh-keygen -lf on the server) first.")
                                    .arg(old->fingerprint, found.key->fingerprint));
    question.button(QMessageBox::Yes)->setText(tr("Replace"));
    question.setDefaultButton(QMessageBox::Cancel);
    if (question.exec() != QMessageBox::Yes)
        return Error::conflict(tr("Not replaced."));

    Result<TrustedHostKey> removed = m_store.remove(id, Actor::console());
    if (!removed) {
        showError(HostKeyTexts::error(removed.error()));
        return removed.error();
    }
    HostKeyInput input;
    input.address = found.address;
    input.port = found.port;
    input.type = found.key->type;
    input.value = found.key->value;
    input.origin = u"scan"_s;
    Result<TrustedHostKey> added = m_store.add(input, Actor::console());
    if (!added) {
        // Nothing half done: the old key goes back.
        HostKeyInput restore{old->address, old->port, old->type, old->value, old->origin};
        (void)m_store.add(restore, Actor::console());
        showError(HostKeyTexts::error(added.error()));
        return added.error();
    }
    // The drift this replacement answers is settled.
    Result<QList<HostKeyDrift>> drifts = m_store.drifts();
    if (drifts) {
        for (const HostKeyDrift &drift : drifts.value()) {
            if (!drift.acknowledgedAt && drift.hostKey == id && drift.seenFingerprint == found.key->fingerprint)
                (void)m_store.acknowledgeDrift(drift.id, Actor::console());
        }
    }
    showError({});
    m_results->markTrusted(row);
    m_status->setText(tr("Replaced the trusted %1 key of %2.")
                          .arg(found.key->type, HostKeyTexts::hostPort(found.address, found.port)));
    return {};
}

int ScanHostsDialog::selectedRow() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : rows.constFirst().row();
}

bool ScanHostsDialog::selectRow(int row)
{
    if (row < 0 || row >= m_results->rowCount())
        return false;
    m_view->selectRow(row);
    return true;
}

QString ScanHostsDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

QString ScanHostsDialog::statusText() const
{
    return m_status->text();
}

void ScanHostsDialog::updateActions()
{
    const bool scanning = isScanning();
    m_scan->setEnabled(!scanning);
    m_targets->setReadOnly(scanning);
    m_cancelButton->setEnabled(scanning && !m_cancel);
    const int row = selectedRow();
    const auto trust = row >= 0 ? m_results->index(row, 0).data(ScanResultsModel::TrustRole) : QVariant();
    m_trust->setEnabled(trust.isValid() && trust.toInt() == static_cast<int>(ScannedHostKey::Trust::New));
    m_replace->setEnabled(trust.isValid() && trust.toInt() == static_cast<int>(ScannedHostKey::Trust::Changed));
    m_trustAll->setEnabled(m_results->count(ScannedHostKey::Trust::New) > 0);
}

void ScanHostsDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

} // namespace keystead::ui
