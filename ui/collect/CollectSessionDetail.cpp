#include "ui/collect/CollectSessionDetail.h"

#include "audit/AuditLog.h"
#include "collect/WebhookDispatcher.h"
#include "inventory/InventoryService.h"
#include "sshserver/CollectServer.h"
#include "store/SettingsStore.h"
#include "ui/collect/CollectKeysModel.h"
#include "ui/collect/CollectTexts.h"
#include "ui/collect/WebhookDeliveriesModel.h"
#include "ui/common/CollectServerSettings.h"
#include "ui/common/DetailHeader.h"
#include "ui/common/ErrorLabel.h"

#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHostInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QSet>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

QLabel *hintLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setWordWrap(true);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

bool listensEverywhere(const QHostAddress &address)
{
    return address == QHostAddress::Any || address == QHostAddress::AnyIPv4 || address == QHostAddress::AnyIPv6;
}

} // namespace

CollectSessionDetail::CollectSessionDetail(CollectPanelServices services, QWidget *parent)
    : QWidget(parent)
    , m_services(services)
{
    const DetailHeader header = makeDetailHeader(u"sessionTitle"_s, u"sessionSummary"_s, this);
    m_title = header.title;
    m_summary = header.summary;
    auto *titleRow = new QHBoxLayout;
    titleRow->addWidget(m_title);
    titleRow->addSpacing(8);
    titleRow->addWidget(m_summary, 1);

    m_sshLine = new QLineEdit(this);
    m_sshLine->setObjectName(u"sshLine"_s);
    m_sshLine->setReadOnly(true);
    m_sshLine->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_sshLine->setToolTip(tr("Hand this line to the user: running it collects their keys."));
    m_copySshLine = new QPushButton(tr("Copy"), this);
    m_copySshLine->setObjectName(u"copySshLine"_s);
    m_copySshLine->setToolTip(tr("Copy the ssh line to the clipboard"));
    connect(m_copySshLine, &QPushButton::clicked, this, &CollectSessionDetail::copySshCommand);
    auto *sshRow = new QHBoxLayout;
    sshRow->addWidget(new QLabel(tr("The user runs:"), this));
    sshRow->addWidget(m_sshLine, 1);
    sshRow->addWidget(m_copySshLine);

    m_serverHint = hintLabel(this);
    m_serverHint->setObjectName(u"serverHint"_s);
    m_hostKeys = new QLabel(this);
    m_hostKeys->setObjectName(u"hostKeys"_s);
    m_hostKeys->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_hostKeys->setWordWrap(true);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(u"detailTabs"_s);
    m_tabs->addTab(createKeysTab(), QString());
    m_tabs->addTab(createDeliveriesTab(), QString());

    m_error = makeErrorLabel(u"detailError"_s, this);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addLayout(titleRow);
    layout->addLayout(sshRow);
    layout->addWidget(m_serverHint);
    layout->addWidget(m_hostKeys);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(m_error);

    connect(&m_services.collectServer, &CollectServer::stateChanged, this, &CollectSessionDetail::updateServerInfo);
    // A new address in Settings shows in the line at once (a stopped server's line uses it).
    connect(&m_services.settings, &SettingsStore::changed, this, [this](const QString &name) {
        if (name == collect_settings::kListen)
            updateServerInfo();
    });
    // Answers arrive from the dispatcher's thread, queued.
    connect(&m_services.webhooks, &WebhookDispatcher::deliveryChanged, m_deliveriesModel,
            &WebhookDeliveriesModel::refresh);
    updateServerInfo();
    updateTabTitles();
    updateButtons();
}

QWidget *CollectSessionDetail::createKeysTab()
{
    auto *tab = new QWidget(this);
    m_keysModel = new CollectKeysModel(m_services.collect, this);
    connect(m_keysModel, &CollectKeysModel::readFailed, this, &CollectSessionDetail::showError);
    m_keysView = new QTreeView(tab);
    m_keysView->setObjectName(u"keys"_s);
    m_keysView->setModel(m_keysModel);
    m_keysView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_keysView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_keysView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_keysView->setUniformRowHeights(true);
    m_keysView->setAlternatingRowColors(true);
    m_keysView->header()->setStretchLastSection(false);
    m_keysView->header()->setSectionResizeMode(CollectKeysModel::Item, QHeaderView::ResizeToContents);
    m_keysView->header()->setSectionResizeMode(CollectKeysModel::Fingerprint, QHeaderView::Stretch);
    m_keysView->header()->setSectionResizeMode(CollectKeysModel::State, QHeaderView::ResizeToContents);
    m_keysView->header()->setSectionResizeMode(CollectKeysModel::Time, QHeaderView::ResizeToContents);
    // A connection that arrives shows its keys at once: that is what the operator is waiting for.
    connect(m_keysModel, &CollectKeysModel::rowsInserted, this, [this](const QModelIndex &parent, int first, int last) {
        if (parent.isValid()) {
            m_keysView->expand(parent);
            return;
        }
        for (int row = first; row <= last; ++row)
            m_keysView->expand(m_keysModel->index(row, 0));
    });
    connect(m_keysModel, &CollectKeysModel::modelReset, m_keysView, &QTreeView::expandAll);
    connect(m_keysView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &CollectSessionDetail::updateButtons);

    m_copyKey = new QPushButton(tr("Copy key"), tab);
    m_copyKey->setObjectName(u"copyKey"_s);
    m_copyKey->setToolTip(tr("Copy the selected key as one authorized_keys line"));
    connect(m_copyKey, &QPushButton::clicked, this, [this] { (void)copySelectedKey(); });
    m_saveKeys = new QPushButton(tr("Save all as authorized_keys…"), tab);
    m_saveKeys->setObjectName(u"saveKeys"_s);
    m_saveKeys->setToolTip(tr("Write every collected key (not the discarded ones) to a file"));
    connect(m_saveKeys, &QPushButton::clicked, this, &CollectSessionDetail::chooseAuthorizedKeysFile);
    m_addToInventory = new QPushButton(tr("Add to key inventory"), tab);
    m_addToInventory->setObjectName(u"addToInventory"_s);
    m_addToInventory->setToolTip(
        tr("Add every collected key to the Keys panel, public key only; keys it has already are skipped"));
    connect(m_addToInventory, &QPushButton::clicked, this, [this] { (void)addKeysToInventory(); });
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_copyKey);
    buttons->addWidget(m_saveKeys);
    buttons->addWidget(m_addToInventory);
    buttons->addStretch(1);

    m_inventoryNotice = hintLabel(tab);
    m_inventoryNotice->setObjectName(u"inventoryNotice"_s);
    m_inventoryNotice->hide();

    auto *layout = new QVBoxLayout(tab);
    layout->addWidget(m_keysView, 1);
    layout->addLayout(buttons);
    layout->addWidget(m_inventoryNotice);
    return tab;
}

QWidget *CollectSessionDetail::createDeliveriesTab()
{
    auto *tab = new QWidget(this);
    m_deliveriesModel = new WebhookDeliveriesModel(m_services.webhookLog, this);
    m_deliveriesView = new QTableView(tab);
    m_deliveriesView->setObjectName(u"deliveries"_s);
    m_deliveriesView->setModel(m_deliveriesModel);
    m_deliveriesView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_deliveriesView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_deliveriesView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_deliveriesView->setAlternatingRowColors(true);
    m_deliveriesView->setWordWrap(false);
    m_deliveriesView->verticalHeader()->hide();
    QHeaderView *header = m_deliveriesView->horizontalHeader();
    for (int column = 0; column < WebhookDeliveriesModel::ColumnCount; ++column)
        header->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(WebhookDeliveriesModel::Target, QHeaderView::Stretch);
    connect(m_deliveriesView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &CollectSessionDetail::updateButtons);
    connect(m_deliveriesModel, &WebhookDeliveriesModel::dataChanged, this, &CollectSessionDetail::updateButtons);
    connect(m_deliveriesModel, &WebhookDeliveriesModel::rowsInserted, this, &CollectSessionDetail::updateTabTitles);
    connect(m_deliveriesModel, &WebhookDeliveriesModel::modelReset, this, &CollectSessionDetail::updateTabTitles);

    m_redeliver = new QPushButton(tr("Send again"), tab);
    m_redeliver->setObjectName(u"redeliver"_s);
    m_redeliver->setToolTip(tr("Send the selected delivery once more, as a new delivery"));
    connect(m_redeliver, &QPushButton::clicked, this, [this] { (void)redeliverSelected(); });
    m_copySecret = new QPushButton(tr("Copy signing secret"), tab);
    m_copySecret->setObjectName(u"copySecret"_s);
    m_copySecret->setToolTip(
        tr("Copy the secret the receiver checks the X-Keystead-Signature header with (HMAC-SHA256)"));
    connect(m_copySecret, &QPushButton::clicked, this, [this] { (void)copyWebhookSecret(); });
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_redeliver);
    buttons->addWidget(m_copySecret);
    buttons->addStretch(1);

    auto *layout = new QVBoxLayout(tab);
    layout->addWidget(m_deliveriesView, 1);
    layout->addLayout(buttons);
    return tab;
}

void CollectSessionDetail::showSession(const CollectSession &session)
{
    const bool another = session.id != m_session.id;
    m_session = session;
    if (another) {
        showError({});
        m_inventoryNotice->clear();
        m_inventoryNotice->hide();
    }

    m_title->setText(session.connectionIdentifier);
    QStringList summary{CollectTexts::status(session.status)};
    if (session.externalId)
        summary.append(tr("external ID %1").arg(*session.externalId));
    summary.append(session.multiKey ? tr("every key") : tr("first key only"));
    if (session.multiConnection)
        summary.append(tr("several connections"));
    if (session.mustConfirm)
        summary.append(tr("asks to confirm"));
    if (session.expiredAt.isValid())
        summary.append((session.status == CollectStatus::Expired ? tr("expired %1") : tr("expires %1"))
                           .arg(CollectTexts::shortTime(session.expiredAt)));
    m_summary->setText(summary.join(u" · "_s));

    m_sshLine->setText(sshCommand());
    m_keysModel->setSession(session);
    if (another)
        m_deliveriesModel->setSessionId(session.id);
    else
        m_deliveriesModel->refresh(); // a change queues its deliveries in the same transaction
    updateTabTitles();
    updateButtons();
}

QString CollectSessionDetail::sshCommand() const
{
    if (m_session.id.isEmpty())
        return {};
    ListenAddress listen = collect_settings::defaultListenAddress();
    const CollectServer &server = m_services.collectServer;
    if (server.state() == CollectServer::State::Running) {
        if (Result<ListenAddress> bound = ListenAddress::parse(server.listenAddress()))
            listen = bound.value();
    } else if (Result<ListenAddress> configured = collect_settings::listenAddress(m_services.settings)) {
        listen = configured.value();
    }
    // Users elsewhere cannot reach 0.0.0.0: name this machine instead.
    const QString host = listensEverywhere(listen.address) ? QHostInfo::localHostName() : listen.address.toString();
    return m_session.sshCommand(host, listen.port);
}

void CollectSessionDetail::copySshCommand()
{
    const QString line = sshCommand();
    if (!line.isEmpty())
        QGuiApplication::clipboard()->setText(line);
}

QString CollectSessionDetail::hostKeysText() const
{
    QStringList lines;
    for (const HostKeyFingerprint &fingerprint : m_services.collectServer.hostKeyFingerprints())
        lines.append(fingerprint.toString());
    return lines.join(u'\n');
}

void CollectSessionDetail::updateServerInfo()
{
    const CollectServer &server = m_services.collectServer;
    switch (server.state()) {
    case CollectServer::State::Running:
        m_serverHint->setText(tr("The collect server is listening on %1.").arg(server.listenAddress()));
        break;
    case CollectServer::State::Stopped:
        m_serverHint->setText(tr("The collect server is stopped: start it from the toolbar before users connect."));
        break;
    case CollectServer::State::Failed:
        m_serverHint->setText(tr("The collect server failed to start: %1").arg(server.lastError()));
        break;
    }
    const QString keys = hostKeysText();
    if (keys.isEmpty()) {
        m_hostKeys->setText(tr("Its host key fingerprints show here once it has started."));
        m_hostKeys->setForegroundRole(QPalette::PlaceholderText);
        m_hostKeys->setToolTip(QString());
    } else {
        const QString fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont).family();
        QStringList rows;
        for (const QString &line : keys.split(u'\n'))
            rows.append(u"<span style=\"font-family:'%1'\">%2</span>"_s.arg(fixed, line.toHtmlEscaped()));
        m_hostKeys->setText(tr("A user's client shows one of these host keys the first time:") + u"<br>"_s
                            + rows.join(u"<br>"_s));
        m_hostKeys->setForegroundRole(QPalette::WindowText);
        m_hostKeys->setToolTip(tr("If the client shows another fingerprint, someone is between the user and "
                                  "this server: the user should stop."));
    }
    m_sshLine->setText(sshCommand());
}

bool CollectSessionDetail::selectKey(const QString &keyId)
{
    const QModelIndex index = m_keysModel->indexOfKey(keyId);
    if (!index.isValid())
        return false;
    m_keysView->selectionModel()->setCurrentIndex(index,
                                                  QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_keysView->scrollTo(index);
    return true;
}

QString CollectSessionDetail::copySelectedKey()
{
    const CollectSessionKey *key = m_keysModel->keyAt(m_keysView->currentIndex());
    if (!key || !m_keysView->selectionModel()->isSelected(m_keysView->currentIndex()))
        return {};
    const QString line = m_keysModel->authorizedKeysLine(*key);
    QGuiApplication::clipboard()->setText(line);
    return line;
}

Status CollectSessionDetail::saveAuthorizedKeys(const QString &path)
{
    const QString text = m_keysModel->authorizedKeysFile();
    if (text.isEmpty()) {
        showError(tr("This session has no collected key to save."));
        return Error::invalid(tr("This session has no collected key to save."));
    }
    // Written whole or not at all: a half-written authorized_keys locks people out.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text.toUtf8()) < 0 || !file.commit()) {
        const QString message = tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        showError(message);
        return Error::unavailable(message);
    }
    showError({});
    return {};
}

Result<int> CollectSessionDetail::addKeysToInventory()
{
    QSet<QByteArray> collected;
    for (const CollectSessionConnection &connection : std::as_const(m_session.connections)) {
        for (const CollectSessionKey &key : connection.keys) {
            if (key.state == CollectKeyState::Collected)
                collected.insert(key.key.blob());
        }
    }
    if (collected.isEmpty()) {
        const QString message = tr("This session has no collected key to add.");
        showError(message);
        return Error::invalid(message);
    }
    Result<QList<SshKeyRecord>> added
        = m_services.inventory.importCollected(m_session.id, collectedPublicKeys(m_session), Actor::console());
    if (!added) {
        showError(added.error().message);
        return added.error();
    }
    showError({});
    const int count = static_cast<int>(added->size());
    const int present = std::max(0, static_cast<int>(collected.size()) - count);
    QString notice;
    if (count == 0)
        notice = tr("The key inventory has every key of this session already (%1).").arg(present);
    else if (present == 0)
        notice = tr("Added to the key inventory: %1, public key only.").arg(count);
    else
        notice = tr("Added to the key inventory: %1, public key only; already there: %2.").arg(count).arg(present);
    m_inventoryNotice->setText(notice);
    m_inventoryNotice->show();
    return count;
}

QString CollectSessionDetail::inventoryNoticeText() const
{
    return m_inventoryNotice->isHidden() ? QString() : m_inventoryNotice->text();
}

void CollectSessionDetail::chooseAuthorizedKeysFile()
{
    const QString start = QDir(QStandardPaths::writableLocation(QStandardPaths::HomeLocation))
                              .filePath(m_session.connectionIdentifier + u".authorized_keys"_s);
    const QString path = QFileDialog::getSaveFileName(this, tr("Save collected keys"), start,
                                                      tr("authorized_keys files (*authorized_keys*);;All files (*)"));
    if (!path.isEmpty())
        (void)saveAuthorizedKeys(path);
}

bool CollectSessionDetail::selectDelivery(const QString &deliveryId)
{
    const int row = m_deliveriesModel->rowOf(deliveryId);
    if (row < 0)
        return false;
    m_deliveriesView->selectRow(row);
    return true;
}

QString CollectSessionDetail::selectedDeliveryId() const
{
    const QModelIndexList rows = m_deliveriesView->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.constFirst().data(WebhookDeliveriesModel::IdRole).toString();
}

Status CollectSessionDetail::redeliverSelected()
{
    const QString id = selectedDeliveryId();
    if (id.isEmpty())
        return Error::invalid(tr("Select a delivery to send again."));
    Status sent = m_services.webhooks.redeliver(id);
    showError(sent ? QString() : sent.error().message);
    // The new delivery is announced (deliveryChanged) on this thread already; read it now anyway.
    m_deliveriesModel->refresh();
    return sent;
}

Status CollectSessionDetail::copyWebhookSecret()
{
    const int row = m_deliveriesModel->rowOf(selectedDeliveryId());
    if (row < 0)
        return Error::invalid(tr("Select a delivery of the webhook whose secret you need."));
    const QByteArray secret = m_services.webhooks.secretFor(m_deliveriesModel->deliveryAt(row).webhookId);
    if (secret.isEmpty()) {
        const QString message = tr("The signing key cannot be used, so there is no secret to show.");
        showError(message);
        return Error::unavailable(message);
    }
    QGuiApplication::clipboard()->setText(QString::fromLatin1(secret));
    showError({});
    return {};
}

QString CollectSessionDetail::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void CollectSessionDetail::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void CollectSessionDetail::updateTabTitles()
{
    int keys = 0;
    for (const CollectSessionConnection &connection : std::as_const(m_session.connections))
        keys += static_cast<int>(connection.keys.size());
    m_tabs->setTabText(0, tr("Connections and keys (%1)").arg(keys));
    m_tabs->setTabText(1, tr("Webhook deliveries (%1)").arg(m_deliveriesModel->rowCount()));
}

void CollectSessionDetail::updateButtons()
{
    m_copySshLine->setEnabled(!m_session.id.isEmpty());
    const QModelIndex current = m_keysView->currentIndex();
    m_copyKey->setEnabled(m_keysModel->keyAt(current) && m_keysView->selectionModel()->isSelected(current));
    m_saveKeys->setEnabled(m_session.collectedKeyCount() > 0);
    m_addToInventory->setEnabled(m_session.collectedKeyCount() > 0);
    const int row = m_deliveriesModel->rowOf(selectedDeliveryId());
    const bool finished = row >= 0
        && (m_deliveriesModel->deliveryAt(row).status == WebhookDeliveryStatus::Delivered
            || m_deliveriesModel->deliveryAt(row).status == WebhookDeliveryStatus::Failed);
    m_redeliver->setEnabled(finished);
    m_copySecret->setEnabled(row >= 0 && !m_deliveriesModel->deliveryAt(row).url.isEmpty());
}

} // namespace keystead::ui
