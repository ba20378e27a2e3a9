#include "ui/collect/CollectTexts.h"

#include "ui/common/Icons.h"

#include <QLocale>
#include <QPainter>
#include <QPixmap>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

// Muted enough for a table, distinct enough to tell apart at a glance.
const QColor kAmber(0xd9, 0x8e, 0x04);
const QColor kGreen(0x2e, 0x8b, 0x57);
const QColor kGrey(0x9a, 0x9a, 0x9a);
const QColor kRed(0xc0, 0x39, 0x2b);
const QColor kBlue(0x2f, 0x6f, 0xb3);

} // namespace

QString CollectTexts::status(CollectStatus status)
{
    switch (status) {
    case CollectStatus::Pending: return tr("pending");
    case CollectStatus::Completed: return tr("completed");
    case CollectStatus::Expired: return tr("expired");
    }
    return {};
}

QIcon CollectTexts::statusIcon(CollectStatus status)
{
    switch (status) {
    case CollectStatus::Pending: return statusDot(kAmber);
    case CollectStatus::Completed: return statusDot(kGreen);
    case CollectStatus::Expired: return statusDot(kGrey);
    }
    return {};
}

QString CollectTexts::keyState(CollectKeyState state)
{
    return state == CollectKeyState::Collected ? tr("collected") : tr("discarded");
}

QString CollectTexts::connectionState(CollectConnectionState state)
{
    switch (state) {
    case CollectConnectionState::Open: return tr("connected");
    case CollectConnectionState::Kept: return tr("kept");
    case CollectConnectionState::Declined: return tr("declined");
    case CollectConnectionState::Abandoned: return tr("abandoned");
    }
    return {};
}

QString CollectTexts::deliveryStatus(WebhookDeliveryStatus status)
{
    switch (status) {
    case WebhookDeliveryStatus::Pending: return tr("waiting");
    case WebhookDeliveryStatus::Delivering: return tr("sending");
    case WebhookDeliveryStatus::Delivered: return tr("delivered");
    case WebhookDeliveryStatus::Failed: return tr("failed");
    }
    return {};
}

QIcon CollectTexts::deliveryStatusIcon(WebhookDeliveryStatus status)
{
    switch (status) {
    case WebhookDeliveryStatus::Pending: return statusDot(kAmber);
    case WebhookDeliveryStatus::Delivering: return statusDot(kBlue);
    case WebhookDeliveryStatus::Delivered: return statusDot(kGreen);
    case WebhookDeliveryStatus::Failed: return statusDot(kRed);
    }
    return {};
}

QString CollectTexts::webhookEvent(const QString &eventName)
{
    if (eventName == u"key_collected"_s)
        return tr("key collected");
    if (eventName == u"new_connection"_s)
        return tr("new connection");
    if (eventName == u"status_changed"_s)
        return tr("status changed");
    return eventName;
}

QString CollectTexts::shortTime(const QDateTime &time)
{
    return time.toLocalTime().toString(u"yyyy-MM-dd HH:mm"_s);
}

QString CollectTexts::longTime(const QDateTime &time)
{
    return QLocale().toString(time.toLocalTime(), QLocale::LongFormat);
}

} // namespace keystead::ui
