#pragma once

#include "collect/CollectSession.h"

#include <QDateTime>
#include <QList>

// What the session dialog's form changes of a stored session, as the typed
// CollectSessionUpdate the service applies.
namespace keystead::ui::collectedits {

// What the form shows of a stored webhook: header values that are credentials
// stay hidden; sent back unchanged, they tell the service to keep what it has.
CollectWebhook redacted(CollectWebhook webhook);

// The local time, to the minute: as precise as the form's date-time field.
QDateTime toMinute(const QDateTime &time);

// What differs between `original` (its webhooks as the form showed them:
// `shownWebhooks`) and the form's `now`, and nothing else. Only a changed expiry is
// named: an expired session keeps its past date unless told otherwise.
CollectSessionUpdate updateBetween(const CollectSession &original, const QList<CollectWebhook> &shownWebhooks,
                                   const CollectSessionInput &now);

} // namespace keystead::ui::collectedits
