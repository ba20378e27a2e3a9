#pragma once

#include "collect/CollectSession.h"
#include "collect/WebhookDeliveryLog.h"

#include <QCoreApplication>
#include <QIcon>

namespace keystead::ui {

// The words and marks the collect panel uses for states, in one place so the
// table, the detail view and the notifications say the same thing.
class CollectTexts final
{
    Q_DECLARE_TR_FUNCTIONS(CollectTexts)

public:
    static QString status(CollectStatus status);
    // A filled dot in the status's colour: amber waits, green is done, grey is over.
    static QIcon statusIcon(CollectStatus status);
    static QString keyState(CollectKeyState state);
    static QString connectionState(CollectConnectionState state);
    static QString deliveryStatus(WebhookDeliveryStatus status);
    static QIcon deliveryStatusIcon(WebhookDeliveryStatus status);
    static QString webhookEvent(const QString &eventName);

    // Unambiguous in every locale, and it sorts as it reads.
    static QString shortTime(const QDateTime &time);
    static QString longTime(const QDateTime &time);

private:
};

} // namespace keystead::ui
