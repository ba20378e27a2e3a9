#include "ui/collect/CollectSessionEdits.h"

#include "collect/CollectJson.h"

#include <QTime>

#include <algorithm>

namespace keystead::ui::collectedits {

namespace {

// A field of the update: nothing when unchanged, cleared when emptied, the value when set.
FieldUpdate<QString> textUpdate(const std::optional<QString> &before, const QString &now)
{
    if (before.value_or(QString()) == now)
        return std::nullopt;
    FieldUpdate<QString> update;
    if (now.isEmpty())
        update.emplace();
    else
        update.emplace(now);
    return update;
}

bool sameWebhook(const CollectWebhook &a, const CollectWebhook &b)
{
    return a.id == b.id && a.url == b.url && a.method == b.method && a.events == b.events && a.headers == b.headers
        && a.retries == b.retries && a.initialBackoff == b.initialBackoff
        && qFuzzyCompare(a.backoffMultiplier, b.backoffMultiplier);
}

bool sameWebhooks(const QList<CollectWebhook> &a, const QList<CollectWebhook> &b)
{
    return a.size() == b.size() && std::equal(a.cbegin(), a.cend(), b.cbegin(), sameWebhook);
}

} // namespace

CollectWebhook redacted(CollectWebhook webhook)
{
    for (auto header = webhook.headers.begin(); header != webhook.headers.end(); ++header) {
        if (collectjson::isCredentialHeader(header.key())) {
            for (QString &value : header.value())
                value = QString(collectjson::kRedacted);
        }
    }
    return webhook;
}

QDateTime toMinute(const QDateTime &time)
{
    const QDateTime local = time.toLocalTime();
    return QDateTime(local.date(), QTime(local.time().hour(), local.time().minute()), Qt::LocalTime);
}

CollectSessionUpdate updateBetween(const CollectSession &original, const QList<CollectWebhook> &shownWebhooks,
                                   const CollectSessionInput &now)
{
    CollectSessionUpdate update;
    update.externalId = textUpdate(original.externalId, now.externalId.value_or(QString()));
    if (now.multiKey != original.multiKey)
        update.multiKey = now.multiKey;
    if (now.multiConnection != original.multiConnection)
        update.multiConnection = now.multiConnection;
    if (now.mustConfirm != original.mustConfirm)
        update.mustConfirm = now.mustConfirm;
    update.sshBanner = textUpdate(original.sshBanner, now.sshBanner.value_or(QString()));
    update.sshMessage = textUpdate(original.sshMessage, now.sshMessage.value_or(QString()));

    const bool hadTimeout = original.timeout.has_value();
    const bool hadDate = !hadTimeout && original.expiredAt.isValid();
    if (now.timeout) {
        if (!hadTimeout || *original.timeout != *now.timeout)
            update.timeout.emplace(*now.timeout);
    } else if (now.expiredAt) {
        if (!hadDate || toMinute(original.expiredAt) != toMinute(*now.expiredAt))
            update.expiredAt.emplace(*now.expiredAt);
    } else if (hadTimeout) {
        update.timeout.emplace();
    } else if (hadDate) {
        update.expiredAt.emplace();
    }
    if (!sameWebhooks(now.webhooks, shownWebhooks))
        update.webhooks = now.webhooks;
    return update;
}

} // namespace keystead::ui::collectedits
