#include "ui/connections/ConnectionDetail.h"

#include "audit/AuditLog.h"
#include "common/Clock.h"
#include "connections/ConnectionService.h"
#include "ui/common/DetailHeader.h"
#include "ui/common/ErrorLabel.h"
#include "ui/connections/ConnectionsModel.h"
#include "ui/connections/TrailTerminalView.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QScrollBar>
#include <QSet>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

constexpr int kTickMs = 1000;
constexpr int kSummaryLength = 160;

// The trail's data as one line: line ends as ⏎, other control characters in caret notation.
QString visibleText(const QByteArray &data)
{
    const QString text = QString::fromUtf8(data.left(kSummaryLength * 4));
    QString shown;
    shown.reserve(text.size());
    for (qsizetype i = 0; i < text.size() && shown.size() < kSummaryLength; ++i) {
        const QChar c = text.at(i);
        if (c == u'\r' && i + 1 < text.size() && text.at(i + 1) == u'\n')
            continue; // one mark for a line end
        if (c == u'\n' || c == u'\r')
            shown += QChar(0x23ce); // ⏎
        else if (c == u'\t')
            shown += QChar(0x2192); // →
        else if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            shown += u'^' + QChar(c.unicode() ^ 0x40); // caret notation: ^[ is ESC, ^G is BEL
        else
            shown += c;
    }
    if (shown.size() >= kSummaryLength || data.size() > kSummaryLength * 4)
        shown += QChar(0x2026); // …
    return shown;
}

QString jsonText(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Bool: return value.toBool() ? u"yes"_s : u"no"_s;
    case QJsonValue::Double: return QString::number(value.toDouble());
    case QJsonValue::String: return value.toString();
    case QJsonValue::Array: {
        QStringList items;
        for (const QJsonValue &item : value.toArray())
            items.append(jsonText(item));
        return items.join(u", "_s);
    }
    case QJsonValue::Object:
    case QJsonValue::Null:
    case QJsonValue::Undefined: break;
    }
    return {};
}

QString timeText(const QDateTime &time)
{
    return time.isValid() ? time.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s) : QString();
}

QLabel *valueLabel(const QString &objectName, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    return label;
}

} // namespace

ConnectionDetail::ConnectionDetail(ConnectionsPanelServices services, QWidget *parent)
    : QWidget(parent)
    , m_services(services)
{
    const DetailHeader header = makeDetailHeader(u"connectionTitle"_s, u"connectionSummary"_s, this);
    m_title = header.title;
    m_summary = header.summary;

    m_verify = new QPushButton(tr("Verify trail"), this);
    m_verify->setObjectName(u"verifyTrail"_s);
    m_verify->setToolTip(tr("Check every record of the trail against its hash and the one before it"));
    connect(m_verify, &QPushButton::clicked, this, [this] { (void)verifyTrail(); });
    m_export = new QPushButton(tr("Export trail…"), this);
    m_export->setObjectName(u"exportTrail"_s);
    m_export->setToolTip(tr("Save the trail of the channel shown as JSON lines, as the HTTP download serves it"));
    connect(m_export, &QPushButton::clicked, this, &ConnectionDetail::chooseExportFile);
    m_disconnect = new QPushButton(tr("Disconnect…"), this);
    m_disconnect->setObjectName(u"disconnect"_s);
    m_disconnect->setToolTip(tr("End this live connection; the trail records that you did"));
    connect(m_disconnect, &QPushButton::clicked, this, &ConnectionDetail::confirmDisconnect);

    auto *titleRow = new QHBoxLayout;
    titleRow->addWidget(m_title);
    titleRow->addSpacing(8);
    titleRow->addWidget(m_summary, 1);
    titleRow->addWidget(m_verify);
    titleRow->addWidget(m_export);
    titleRow->addWidget(m_disconnect);

    m_verification = new QLabel(this);
    m_verification->setObjectName(u"verifyResult"_s);
    m_verification->setWordWrap(true);
    m_verification->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_verification->setAutoFillBackground(true);
    m_verification->setMargin(6);
    m_verification->hide();

    m_tags = new QLineEdit(this);
    m_tags->setObjectName(u"tags"_s);
    m_tags->setPlaceholderText(tr("Comma separated, e.g. audit, contractor"));
    m_saveTags = new QPushButton(tr("Save tags"), this);
    m_saveTags->setObjectName(u"saveTags"_s);
    m_saveTags->setToolTip(tr("Replace the connection's tags with these"));
    connect(m_saveTags, &QPushButton::clicked, this, [this] { (void)saveTags(); });
    connect(m_tags, &QLineEdit::returnPressed, this, [this] { (void)saveTags(); });
    connect(m_tags, &QLineEdit::textEdited, this, &ConnectionDetail::updateButtons);
    auto *tagsRow = new QHBoxLayout;
    tagsRow->addWidget(new QLabel(tr("Tags:"), this));
    tagsRow->addWidget(m_tags, 1);
    tagsRow->addWidget(m_saveTags);

    // The table's row already says who, from where, when and how much: the
    // trail gets the width, the remaining fields a tab of their own.
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(u"trailTabs"_s);
    createTrailTabs();
    m_tabs->addTab(createFieldsTab(), tr("Details"));

    m_error = makeErrorLabel(u"detailError"_s, this);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addLayout(titleRow);
    layout->addWidget(m_verification);
    layout->addLayout(tagsRow);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(m_error);

    m_ticker.setInterval(kTickMs);
    connect(&m_ticker, &QTimer::timeout, this, &ConnectionDetail::updateDuration);
    updateButtons();
}

QWidget *ConnectionDetail::createFieldsTab()
{
    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *fields = new QWidget(scroll);
    auto *form = new QFormLayout(fields);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setLabelAlignment(Qt::AlignLeft | Qt::AlignTop);

    m_user = valueLabel(u"fieldUser"_s, fields);
    m_session = valueLabel(u"fieldSession"_s, fields);
    m_remote = valueLabel(u"fieldRemoteAddress"_s, fields);
    m_clientVersion = valueLabel(u"fieldClientVersion"_s, fields);
    m_methods = valueLabel(u"fieldMethods"_s, fields);
    m_connected = valueLabel(u"fieldConnected"_s, fields);
    m_disconnected = valueLabel(u"fieldDisconnected"_s, fields);
    m_duration = valueLabel(u"fieldDuration"_s, fields);
    m_lastActivity = valueLabel(u"fieldLastActivity"_s, fields);
    m_bytes = valueLabel(u"fieldBytes"_s, fields);
    m_channelsField = valueLabel(u"fieldChannels"_s, fields);
    m_id = valueLabel(u"fieldId"_s, fields);
    m_instance = valueLabel(u"fieldInstance"_s, fields);

    form->addRow(tr("User:"), m_user);
    form->addRow(tr("Collect session:"), m_session);
    form->addRow(tr("Remote address:"), m_remote);
    form->addRow(tr("Client:"), m_clientVersion);
    form->addRow(tr("Authentication:"), m_methods);
    form->addRow(tr("Connected:"), m_connected);
    form->addRow(tr("Disconnected:"), m_disconnected);
    form->addRow(tr("Duration:"), m_duration);
    form->addRow(tr("Last activity:"), m_lastActivity);
    form->addRow(tr("Traffic:"), m_bytes);
    form->addRow(tr("Channels:"), m_channelsField);
    form->addRow(tr("Connection ID:"), m_id);
    form->addRow(tr("Served by:"), m_instance);

    scroll->setWidget(fields);
    return scroll;
}

void ConnectionDetail::createTrailTabs()
{
    m_channel = new QComboBox(m_tabs);
    m_channel->setObjectName(u"trailChannel"_s);
    m_channel->setToolTip(tr("The channel the timeline, the terminal and the export show"));
    m_channel->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_channel, &QComboBox::currentIndexChanged, this, [this] {
        rebuildTimeline();
        updateTerminal();
    });

    m_timeline = new QTreeWidget(m_tabs);
    m_timeline->setObjectName(u"trail"_s);
    m_timeline->setColumnCount(TimelineColumnCount);
    m_timeline->setHeaderLabels({tr("Time"), tr("Channel"), tr("Event"), tr("What happened")});
    m_timeline->setRootIsDecorated(false);
    m_timeline->setUniformRowHeights(true);
    m_timeline->setAlternatingRowColors(true);
    m_timeline->setSelectionMode(QAbstractItemView::SingleSelection);
    m_timeline->setWordWrap(false);
    QHeaderView *header = m_timeline->header();
    header->setStretchLastSection(true);
    const QFontMetrics metrics = m_timeline->fontMetrics();
    header->resizeSection(TimeColumn, metrics.horizontalAdvance(u"00:00:00.000"_s) + 16);
    header->resizeSection(ChannelColumn, metrics.horizontalAdvance(u"connection"_s) + 16);
    header->resizeSection(EventColumn, metrics.horizontalAdvance(u"channel-close"_s) + 16);

    m_terminal = new TrailTerminalView(m_tabs);
    m_terminal->setObjectName(u"terminal"_s);
    m_terminal->setPlaceholderText(tr("Nothing was written to the terminal."));

    m_tabs->addTab(m_timeline, tr("Timeline"));
    m_tabs->addTab(m_terminal, tr("Terminal"));
    m_tabs->setCornerWidget(m_channel, Qt::TopRightCorner);
}

Status ConnectionDetail::showConnection(const QString &id)
{
    const bool another = id != m_record.id;
    if (another) {
        showError({});
        clearVerification();
        m_events.clear();
        m_timeline->clear();
        m_tags->setModified(false);
    }
    if (id.isEmpty()) {
        m_record = {};
        showRecord();
        updateChannels();
        updateTerminal();
        return {};
    }
    if (another) {
        m_record = ConnectionRecord();
        m_record.id = id;
    }
    return refresh();
}

Status ConnectionDetail::refresh()
{
    if (m_record.id.isEmpty())
        return {};
    Result<ConnectionRecord> read = m_services.connections.get(m_record.id);
    if (!read) {
        showError(read.error().message);
        return read.error();
    }
    m_record = std::move(read).value();
    showRecord();

    Result<QList<TrailEvent>> trail = m_services.connections.trail(m_record.id);
    if (!trail) {
        showError(trail.error().message);
        return trail.error();
    }
    // Append-only: what is shown stays where it is, so a reader scrolled into it is not moved.
    const bool grew = trail->size() >= m_events.size()
        && (m_events.isEmpty() || trail->at(m_events.size() - 1).hash == m_events.constLast().hash);
    const qsizetype shown = grew ? m_events.size() : 0;
    m_events = std::move(trail).value();
    updateChannels();
    if (grew)
        appendTimeline(shown);
    else
        rebuildTimeline();
    if (shown != m_events.size() || !grew)
        updateTerminal();
    return {};
}

void ConnectionDetail::showRecord()
{
    const ConnectionRecord &r = m_record;
    const bool live = r.status == ConnectionStatus::Connected;
    if (r.id.isEmpty()) {
        m_title->clear();
        m_summary->clear();
        m_ticker.stop();
        updateButtons();
        return;
    }
    m_title->setText(r.userDisplayName.isEmpty() ? r.remoteAddress
                                                 : tr("%1 from %2").arg(r.userDisplayName, r.remoteAddress));
    QStringList summary{ConnectionsModel::statusText(r.status), r.type};
    if (!r.auditEnabled)
        summary.append(tr("not audited"));
    if (r.forceDisconnect.isValid())
        summary.append(tr("disconnected by an operator at %1").arg(timeText(r.forceDisconnect)));
    m_summary->setText(summary.join(u" · "_s));

    m_user->setText(r.userDisplayName.isEmpty() ? tr("(not authenticated)") : r.userDisplayName);
    m_session->setText(r.userId.isEmpty() ? tr("none matched") : r.userId);
    m_remote->setText(r.remoteAddress);
    m_clientVersion->setText(r.clientVersion);
    m_methods->setText(r.authenticationMethods.join(u", "_s));
    m_connected->setText(timeText(r.connected));
    if (live)
        m_disconnected->setText(tr("still connected"));
    else if (r.disconnectReason.isEmpty())
        m_disconnected->setText(timeText(r.disconnected));
    else
        m_disconnected->setText(tr("%1 (%2)").arg(timeText(r.disconnected), r.disconnectReason));
    m_lastActivity->setText(timeText(r.lastActivity));
    m_bytes->setText(
        tr("%1 in · %2 out").arg(ConnectionsModel::bytesText(r.bytesIn), ConnectionsModel::bytesText(r.bytesOut)));
    m_bytes->setToolTip(tr("%L1 bytes from the client, %L2 bytes to it").arg(r.bytesIn).arg(r.bytesOut));
    QStringList channels;
    for (const TrailChannel &channel : r.channels)
        channels.append(tr("#%1 %2: %3 in, %4 out")
                            .arg(channel.id, channel.type, ConnectionsModel::bytesText(channel.bytesClientToServer),
                                 ConnectionsModel::bytesText(channel.bytesServerToClient)));
    m_channelsField->setText(channels.isEmpty() ? tr("none") : channels.join(u'\n'));
    m_id->setText(r.id);
    m_instance->setText(r.proxyId);
    // Someone typing tags keeps what they typed when the connection moves on.
    if (!m_tags->isModified())
        m_tags->setText(r.tags.join(u", "_s));
    updateDuration();
    if (live)
        m_ticker.start();
    else
        m_ticker.stop();
    updateButtons();
}

void ConnectionDetail::updateDuration()
{
    m_duration->setText(m_record.id.isEmpty() ? QString()
                                              : ConnectionsModel::durationText(m_record, m_services.clock.now()));
}

void ConnectionDetail::updateChannels()
{
    QStringList ids;
    for (const TrailChannel &channel : std::as_const(m_record.channels))
        ids.append(channel.id);
    for (const TrailEvent &event : std::as_const(m_events)) {
        if (!ids.contains(event.channelId))
            ids.append(event.channelId);
    }
    QStringList shown;
    for (int i = 1; i < m_channel->count(); ++i)
        shown.append(m_channel->itemData(i).toString());
    if (shown == ids && m_channel->count() > 0)
        return;
    const QString current = trailChannel();
    const QSignalBlocker blocker(m_channel);
    m_channel->clear();
    m_channel->addItem(tr("All channels"), QString());
    for (const QString &id : std::as_const(ids)) {
        QString label;
        if (id == u"connection"_s)
            label = tr("Connection");
        else {
            const auto channel = std::find_if(m_record.channels.cbegin(), m_record.channels.cend(),
                                              [&id](const TrailChannel &c) { return c.id == id; });
            label = channel == m_record.channels.cend() || channel->type.isEmpty()
                ? tr("Channel %1").arg(id)
                : tr("Channel %1 (%2)").arg(id, channel->type);
        }
        m_channel->addItem(label, id);
    }
    m_channel->setCurrentIndex(std::max(0, m_channel->findData(current)));
}

QString ConnectionDetail::trailChannel() const
{
    return m_channel->currentData().toString();
}

void ConnectionDetail::setTrailChannel(const QString &channelId)
{
    m_channel->setCurrentIndex(std::max(0, m_channel->findData(channelId)));
}

int ConnectionDetail::timelineRowCount() const
{
    return m_timeline->topLevelItemCount();
}

void ConnectionDetail::rebuildTimeline()
{
    m_timeline->clear();
    appendTimeline(0);
}

void ConnectionDetail::appendTimeline(qsizetype from)
{
    const QString channel = trailChannel();
    const QColor broken(0xb0, 0x1c, 0x1c);
    QList<QTreeWidgetItem *> items;
    for (qsizetype i = from; i < m_events.size(); ++i) {
        const TrailEvent &event = m_events.at(i);
        if (!channel.isEmpty() && event.channelId != channel)
            continue;
        auto *item = new QTreeWidgetItem;
        item->setText(TimeColumn, event.at.toLocalTime().toString(u"HH:mm:ss.zzz"_s));
        item->setToolTip(TimeColumn, tr("%1, record %2").arg(timeText(event.at)).arg(event.sequence));
        item->setText(ChannelColumn, event.channelId);
        item->setText(EventColumn, event.type);
        const QString summary = eventSummary(event);
        item->setText(SummaryColumn, summary);
        item->setToolTip(SummaryColumn, summary);
        item->setData(TimeColumn, Qt::UserRole, event.sequence);
        if (m_brokenAt > 0 && event.sequence == m_brokenAt) {
            for (int column = 0; column < TimelineColumnCount; ++column) {
                item->setBackground(column, broken);
                item->setForeground(column, Qt::white);
            }
        }
        items.append(item);
    }
    const QScrollBar *bar = m_timeline->verticalScrollBar();
    const bool atEnd = bar->value() == bar->maximum();
    m_timeline->addTopLevelItems(items);
    if (atEnd && from > 0)
        m_timeline->scrollToBottom();
    m_tabs->setTabText(0, tr("Timeline (%1)").arg(m_timeline->topLevelItemCount()));
}

void ConnectionDetail::updateTerminal()
{
    m_terminal->showOutput(m_events, trailChannel());
}

QString ConnectionDetail::terminalText() const
{
    return m_terminal->toPlainText();
}

Status ConnectionDetail::saveTags()
{
    if (m_record.id.isEmpty())
        return Error::invalid(tr("Select a connection to tag."));
    const QStringList tags = splitTags(m_tags->text());
    Status saved = m_services.connections.setTags(m_record.id, tags, Actor::console());
    if (!saved) {
        showError(saved.error().message);
        return saved;
    }
    showError({});
    m_tags->setModified(false);
    m_record.tags = tags;
    m_tags->setText(tags.join(u", "_s));
    updateButtons();
    return {};
}

Result<TrailVerification> ConnectionDetail::verifyTrail()
{
    if (m_record.id.isEmpty())
        return Error::invalid(tr("Select a connection whose trail to verify."));
    Result<TrailCheck> checked = m_services.connections.checkTrail(m_record.id);
    if (!checked) {
        showError(checked.error().message);
        return checked.error();
    }
    showError({});
    const TrailVerification &answer = checked->trail;
    const CheckpointVerification &checkpoints = checked->checkpoints;
    QPalette palette = m_verification->palette();
    QFont font = m_verification->font();
    if (answer.intact) {
        m_brokenAt = 0;
        QString text = answer.eventCount == 1
            ? tr("✔ Trail intact: 1 record, its hash checked.")
            : tr("✔ Trail intact: %L1 records, every hash and every link checked.").arg(answer.eventCount);
        // Without a checkpoint the chain alone cannot tell a consistent rewrite: say so.
        if (checkpoints.count == 0)
            text += u' ' + tr("No signed checkpoint covers it yet.");
        else
            text += u' '
                + tr("%n signed checkpoint(s) verified, the last signed %1.", nullptr,
                     static_cast<int>(checkpoints.verified))
                      .arg(QLocale().toString(checkpoints.lastSignedAt.toLocalTime(), QLocale::ShortFormat));
        m_verification->setText(text);
        palette.setColor(QPalette::Window, QColor(0x2e, 0x8b, 0x57));
        font.setBold(false);
    } else {
        m_brokenAt = answer.brokenAtSequence;
        QString text
            = checkpoints.firstFailureSequence == answer.brokenAtSequence && !checkpoints.firstFailure.isEmpty()
            ? tr("✘ TRAIL BROKEN at record %1: it differs from what a signed checkpoint recorded.")
                  .arg(answer.brokenAtSequence)
            : tr("✘ TRAIL BROKEN at record %1: it was changed or removed after it was written.")
                  .arg(answer.brokenAtSequence);
        if (!answer.message.isEmpty())
            text += u' ' + answer.message;
        m_verification->setText(text);
        palette.setColor(QPalette::Window, QColor(0xb0, 0x1c, 0x1c));
        font.setBold(true);
    }
    palette.setColor(QPalette::WindowText, Qt::white);
    m_verification->setPalette(palette);
    m_verification->setFont(font);
    m_verification->show();
    rebuildTimeline();
    if (m_brokenAt > 0) {
        for (int row = 0; row < m_timeline->topLevelItemCount(); ++row) {
            QTreeWidgetItem *item = m_timeline->topLevelItem(row);
            if (item->data(TimeColumn, Qt::UserRole).toLongLong() == m_brokenAt) {
                m_timeline->setCurrentItem(item);
                m_timeline->scrollToItem(item);
                m_tabs->setCurrentIndex(0);
                break;
            }
        }
    }
    return answer;
}

QString ConnectionDetail::verificationText() const
{
    return m_verification->isHidden() ? QString() : m_verification->text();
}

void ConnectionDetail::clearVerification()
{
    m_brokenAt = 0;
    m_verification->clear();
    m_verification->hide();
}

Status ConnectionDetail::exportTrail(const QString &path)
{
    if (m_record.id.isEmpty())
        return Error::invalid(tr("Select a connection whose trail to export."));
    // The trail as the connections area writes it as a file: one channel's events, or every event in trail order.
    const QString channel = trailChannel();
    if (channel.isEmpty() && m_events.isEmpty()) {
        const QString message = tr("This connection's trail is empty: there is nothing to export.");
        showError(message);
        return Error::conflict(message);
    }
    if (!channel.isEmpty()) {
        if (Status known = m_services.connections.checkChannel(m_record.id, channel); !known) {
            showError(known.error().message);
            return known;
        }
    }
    Result<QByteArray> log = m_services.connections.trailLog(m_record.id, channel, TrailLogFormat::Jsonl);
    if (!log) {
        showError(log.error().message);
        return log.error();
    }
    const QByteArray &out = log.value();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(out) != out.size() || !file.commit()) {
        const QString message = tr("Could not write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        showError(message);
        return Error::unavailable(message);
    }
    showError({});
    return {};
}

void ConnectionDetail::chooseExportFile()
{
    if (m_record.id.isEmpty())
        return;
    const QString channel = trailChannel();
    QString name = u"trail-"_s + m_record.id.left(8);
    if (!channel.isEmpty())
        name += u"-"_s + channel;
    const QString start
        = QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)).filePath(name + u".jsonl"_s);
    const QString path
        = QFileDialog::getSaveFileName(this, tr("Export trail"), start, tr("JSON lines (*.jsonl);;All files (*)"));
    if (!path.isEmpty())
        (void)exportTrail(path);
}

Status ConnectionDetail::disconnectConnection()
{
    if (m_record.id.isEmpty())
        return Error::invalid(tr("Select a connection to disconnect."));
    Status ended = m_services.connections.terminate(m_record.id, Actor::console());
    if (!ended) {
        showError(ended.error().message);
        return ended;
    }
    showError({});
    (void)refresh();
    return {};
}

void ConnectionDetail::confirmDisconnect()
{
    if (m_record.id.isEmpty())
        return;
    const QString who = m_record.userDisplayName.isEmpty()
        ? m_record.remoteAddress
        : tr("%1 (%2)").arg(m_record.userDisplayName, m_record.remoteAddress);
    const QMessageBox::StandardButton answer
        = QMessageBox::question(this, tr("Disconnect"),
                                tr("End the connection of %1 now? The client is cut off at once, and the "
                                   "trail records that you did.")
                                    .arg(who),
                                QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Yes)
        (void)disconnectConnection();
}

QString ConnectionDetail::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void ConnectionDetail::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void ConnectionDetail::updateButtons()
{
    const bool shown = !m_record.id.isEmpty();
    m_verify->setEnabled(shown);
    m_export->setEnabled(shown);
    m_disconnect->setEnabled(shown && m_record.status == ConnectionStatus::Connected);
    m_tags->setEnabled(shown);
    m_saveTags->setEnabled(shown && m_tags->isModified());
}

QStringList ConnectionDetail::splitTags(const QString &text)
{
    QStringList tags;
    for (const QString &part : text.split(u',', Qt::SkipEmptyParts)) {
        const QString tag = part.trimmed();
        if (!tag.isEmpty() && !tags.contains(tag))
            tags.append(tag);
    }
    return tags;
}

QString ConnectionDetail::eventSummary(const TrailEvent &event)
{
    QStringList parts;
    QSet<QString> used;
    const QJsonObject &detail = event.detail;
    const auto take = [&](const QString &key) {
        used.insert(key);
        return jsonText(detail.value(key));
    };

    const QString fingerprint = take(u"fingerprint"_s);
    if (!fingerprint.isEmpty()) {
        QString keyType;
        for (const QString &key : {u"keyType"_s, u"key_type"_s, u"algorithm"_s})
            keyType = keyType.isEmpty() ? take(key) : keyType;
        parts.append(keyType.isEmpty() ? fingerprint : keyType + u' ' + fingerprint);
        if (detail.contains(u"proven"_s))
            parts.append(detail.value(u"proven"_s).toBool() ? tr("proven") : tr("not proven"));
        used.insert(u"proven"_s);
    }
    // A key event's data is the whole public key line: the fingerprint says it shorter.
    if (!event.data.isEmpty() && fingerprint.isEmpty())
        parts.append(visibleText(event.data));
    for (auto it = detail.constBegin(); it != detail.constEnd(); ++it) {
        if (used.contains(it.key()))
            continue;
        const QString value = jsonText(it.value());
        if (!value.isEmpty())
            parts.append(tr("%1: %2").arg(it.key(), value));
    }
    return parts.join(u" · "_s);
}

QString ConnectionDetail::renderTerminal(const QByteArray &output)
{
    return TrailTerminalView::render(output);
}

} // namespace keystead::ui
