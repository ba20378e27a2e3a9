#include "ui/collect/WebhookDeliveriesModel.h"

#include "ui/collect/CollectTexts.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

bool sameRow(const WebhookDelivery &a, const WebhookDelivery &b)
{
    return a.id == b.id && a.status == b.status && a.attempts == b.attempts && a.lastStatusCode == b.lastStatusCode
        && a.lastError == b.lastError && a.lastAttemptAt == b.lastAttemptAt && a.nextAttemptAt == b.nextAttemptAt
        && a.url == b.url && a.attemptLog.size() == b.attemptLog.size();
}

QString attemptLine(const WebhookAttempt &attempt)
{
    QString answer = attempt.statusCode != 0 ? QString::number(attempt.statusCode) : QString();
    if (!attempt.error.isEmpty())
        answer += (answer.isEmpty() ? QString() : u" "_s) + attempt.error;
    return u"#%1  %2  %3  %4"_s.arg(attempt.attempt)
        .arg(CollectTexts::shortTime(attempt.requestTime), webhookAttemptOutcomeName(attempt.outcome), answer);
}

} // namespace

WebhookDeliveriesModel::WebhookDeliveriesModel(WebhookDeliveryLog &log, QObject *parent)
    : QAbstractTableModel(parent)
    , m_log(log)
{
}

int WebhookDeliveriesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int WebhookDeliveriesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant WebhookDeliveriesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const WebhookDelivery &delivery = m_rows.at(index.row());
    const auto column = static_cast<Column>(index.column());

    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Event:
            return delivery.redeliveryOf.isEmpty()
                ? CollectTexts::webhookEvent(delivery.event)
                : tr("%1 (sent again)").arg(CollectTexts::webhookEvent(delivery.event));
        case Target:
            return delivery.url.isEmpty() ? tr("(webhook deleted)") : delivery.method.toUpper() + u' ' + delivery.url;
        case Status: return CollectTexts::deliveryStatus(delivery.status);
        case Attempts: return delivery.attempts;
        case Answer:
            if (delivery.lastStatusCode != 0)
                return delivery.lastStatusCode;
            return delivery.lastError.isEmpty() ? QVariant() : QVariant(tr("no answer"));
        case LastAttempt:
            return delivery.lastAttemptAt.isValid() ? CollectTexts::shortTime(delivery.lastAttemptAt) : QString();
        case ColumnCount: break;
        }
        break;
    case Qt::DecorationRole:
        if (column == Status)
            return CollectTexts::deliveryStatusIcon(delivery.status);
        break;
    case Qt::ToolTipRole:
        switch (column) {
        case Status:
            if (delivery.nextAttemptAt.isValid() && delivery.status == WebhookDeliveryStatus::Pending)
                return tr("Next attempt: %1").arg(CollectTexts::longTime(delivery.nextAttemptAt));
            break;
        case Answer:
            if (!delivery.lastError.isEmpty())
                return delivery.lastError;
            break;
        case Attempts: {
            QStringList lines;
            for (const WebhookAttempt &attempt : delivery.attemptLog)
                lines.append(attemptLine(attempt));
            return lines.isEmpty() ? QVariant() : QVariant(lines.join(u'\n'));
        }
        case Event: return tr("Triggered %1").arg(CollectTexts::longTime(delivery.triggerTime));
        case Target:
        case LastAttempt:
        case ColumnCount: break;
        }
        break;
    case Qt::TextAlignmentRole:
        if (column == Attempts || column == Answer)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case SortRole:
        switch (column) {
        case Event: return delivery.event;
        case Target: return delivery.url;
        case Status: return static_cast<int>(delivery.status);
        case Attempts: return delivery.attempts;
        case Answer: return delivery.lastStatusCode;
        case LastAttempt: return delivery.lastAttemptAt;
        case ColumnCount: break;
        }
        break;
    case IdRole: return delivery.id;
    default: break;
    }
    return {};
}

QVariant WebhookDeliveriesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Event: return tr("Event");
    case Target: return tr("Webhook");
    case Status: return tr("Status");
    case Attempts: return tr("Attempts");
    case Answer: return tr("Last answer");
    case LastAttempt: return tr("Last attempt");
    default: return {};
    }
}

void WebhookDeliveriesModel::setSessionId(const QString &sessionId)
{
    if (sessionId == m_sessionId)
        return;
    beginResetModel();
    m_sessionId = sessionId;
    m_rows.clear();
    endResetModel();
    refresh();
}

int WebhookDeliveriesModel::rowOf(const QString &deliveryId) const
{
    const auto found = std::find_if(m_rows.cbegin(), m_rows.cend(),
                                    [&deliveryId](const WebhookDelivery &row) { return row.id == deliveryId; });
    return found == m_rows.cend() ? -1 : static_cast<int>(found - m_rows.cbegin());
}

void WebhookDeliveriesModel::refresh()
{
    if (m_sessionId.isEmpty())
        return;
    Result<QList<WebhookDelivery>> read = m_log.deliveriesForSession(m_sessionId);
    if (!read) {
        m_lastError = read.error().message;
        return;
    }
    m_lastError.clear();
    QList<WebhookDelivery> fresh = std::move(read).value();

    // New deliveries are the newest: they come on top, the known ones follow in their order.
    const qsizetype added = fresh.size() - m_rows.size();
    const bool onlyAddedOnTop = added >= 0
        && std::equal(m_rows.cbegin(), m_rows.cend(), fresh.cbegin() + added,
                      [](const WebhookDelivery &a, const WebhookDelivery &b) { return a.id == b.id; });
    if (!onlyAddedOnTop) {
        beginResetModel();
        m_rows = std::move(fresh);
        endResetModel();
        return;
    }
    int firstChanged = -1;
    int lastChanged = -1;
    for (int row = 0; row < static_cast<int>(m_rows.size()); ++row) {
        const WebhookDelivery &now = fresh.at(row + added);
        if (sameRow(m_rows.at(row), now))
            continue;
        m_rows[row] = now;
        if (firstChanged < 0)
            firstChanged = row;
        lastChanged = row;
    }
    if (firstChanged >= 0)
        Q_EMIT dataChanged(index(firstChanged, 0), index(lastChanged, ColumnCount - 1));
    if (added > 0) {
        beginInsertRows({}, 0, static_cast<int>(added) - 1);
        for (qsizetype i = added - 1; i >= 0; --i)
            m_rows.prepend(fresh.at(i));
        endInsertRows();
    }
}

} // namespace keystead::ui
