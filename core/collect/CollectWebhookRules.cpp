#include "CollectWebhookRules.h"

#include "collect/CollectJson.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QUrl>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace keystead::collectwebhook {

namespace {

constexpr int kMaxUrlLength = 2048;
constexpr int kMaxHeaderValueLength = 8192;

bool isHeaderName(const QString &name)
{
    static const QRegularExpression token(u"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"_s);
    return token.match(name).hasMatch();
}

void checkWebhook(FieldErrors &errors, const QString &location, const CollectWebhook &webhook)
{
    const QUrl url(webhook.url, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (webhook.url.isEmpty())
        errors.add(location + u".url"_s, u"must not be empty"_s, webhook.url);
    else if (webhook.url.size() > kMaxUrlLength)
        errors.add(location + u".url"_s, u"must be at most %1 characters long"_s.arg(kMaxUrlLength), webhook.url);
    else if (!url.isValid() || url.isRelative() || (scheme != u"http"_s && scheme != u"https"_s)
             || url.host().isEmpty())
        errors.add(location + u".url"_s, u"must be an absolute http or https URL"_s, webhook.url);
    else if (!url.userInfo().isEmpty())
        errors.add(location + u".url"_s, u"must not contain a user name or password; send credentials in headers"_s,
                   webhook.url);

    if (webhook.method != u"post"_s && webhook.method != u"put"_s && webhook.method != u"patch"_s)
        errors.add(location + u".method"_s, u"must be one of post, put, patch"_s, webhook.method);

    const QStringList known = webhookEventNames();
    for (qsizetype i = 0; i < webhook.events.size(); ++i) {
        if (!webhookEventFromName(webhook.events.at(i)))
            errors.add(location + u".events[%1]"_s.arg(i), u"must be one of %1"_s.arg(known.join(u", "_s)),
                       webhook.events.at(i));
    }

    if (webhook.headers.size() > CollectLimits::kMaxWebhookHeaders)
        errors.add(location + u".headers"_s, u"at most %1 headers"_s.arg(CollectLimits::kMaxWebhookHeaders));
    for (auto it = webhook.headers.constBegin(); it != webhook.headers.constEnd(); ++it) {
        const QString headerLocation = location + u".headers."_s + it.key();
        if (!isHeaderName(it.key())) {
            errors.add(headerLocation, u"is not a valid HTTP header name"_s, it.key());
            continue;
        }
        for (qsizetype i = 0; i < it.value().size(); ++i) {
            const QString &value = it.value().at(i);
            if (value.size() > kMaxHeaderValueLength || value.contains(u'\r') || value.contains(u'\n')
                || value.contains(QChar(0)))
                errors.add(headerLocation + u"[%1]"_s.arg(i),
                           u"must be at most %1 characters without line breaks"_s.arg(kMaxHeaderValueLength),
                           collectjson::isCredentialHeader(it.key()) ? QString(collectjson::kRedacted) : value);
        }
    }

    if (webhook.retries < 0 || webhook.retries > CollectLimits::kMaxRetries)
        errors.add(location + u".retries"_s, u"must be between 0 and %1"_s.arg(CollectLimits::kMaxRetries),
                   webhook.retries);
    if (webhook.initialBackoff < 1 || webhook.initialBackoff > CollectLimits::kMaxInitialBackoff)
        errors.add(location + u".initial_backoff"_s,
                   u"must be between 1 and %1 (seconds)"_s.arg(CollectLimits::kMaxInitialBackoff),
                   webhook.initialBackoff);
    if (!std::isfinite(webhook.backoffMultiplier) || webhook.backoffMultiplier < 1.0
        || webhook.backoffMultiplier > CollectLimits::kMaxBackoffMultiplier)
        errors.add(location + u".backoff_multiplier"_s,
                   u"must be between 1 and %1"_s.arg(CollectLimits::kMaxBackoffMultiplier), webhook.backoffMultiplier);
}

} // namespace

bool needsSealing(const QString &name, const QString &value)
{
    return collectjson::isCredentialHeader(name) || WebhookHeaderSeal::isSealed(value);
}

bool anyToSeal(const QList<CollectWebhook> &webhooks)
{
    return std::any_of(webhooks.cbegin(), webhooks.cend(), [](const CollectWebhook &webhook) {
        return std::any_of(webhook.headers.keyValueBegin(), webhook.headers.keyValueEnd(), [](const auto &header) {
            return std::any_of(header.second.cbegin(), header.second.cend(),
                               [&header](const QString &value) { return needsSealing(header.first, value); });
        });
    });
}

QMap<QString, QStringList> headersFromColumn(const QString &column, HeaderValues form)
{
    QMap<QString, QStringList> headers;
    const QJsonObject object = QJsonDocument::fromJson(column.toUtf8()).object();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        QStringList values;
        for (const QJsonValue &value : it.value().toArray()) {
            const QString text = value.toString();
            values.append(form == HeaderValues::Masked && needsSealing(it.key(), text) ? QString(collectjson::kRedacted)
                                                                                       : text);
        }
        headers.insert(it.key(), values);
    }
    return headers;
}

Result<QJsonObject> headersToColumn(WebhookHeaderSeal &seal, const QString &webhookId,
                                    const QMap<QString, QStringList> &headers, const QSet<QString> &carried)
{
    QJsonObject column;
    for (auto it = headers.constBegin(); it != headers.constEnd(); ++it) {
        QJsonArray values;
        for (const QString &value : it.value()) {
            if ((carried.contains(it.key()) && WebhookHeaderSeal::isSealed(value)) || !needsSealing(it.key(), value)) {
                values.append(value);
                continue;
            }
            Result<QString> sealed = seal.seal(webhookId, it.key(), value);
            if (!sealed)
                return sealed.error();
            values.append(sealed.value());
        }
        column.insert(it.key(), values);
    }
    return column;
}

bool hasPlainCredentials(const QMap<QString, QStringList> &headers)
{
    return std::any_of(headers.keyValueBegin(), headers.keyValueEnd(), [](const auto &header) {
        return std::any_of(header.second.cbegin(), header.second.cend(), [&header](const QString &value) {
            return needsSealing(header.first, value) && !WebhookHeaderSeal::isSealed(value);
        });
    });
}

FieldErrors carryRedacted(QList<CollectWebhook> &replacement, const QList<CollectWebhook> &existingWebhooks,
                          QHash<qsizetype, QSet<QString>> &carried)
{
    QHash<QString, CollectWebhook> existing;
    for (const CollectWebhook &webhook : existingWebhooks)
        existing.insert(webhook.id, webhook);
    FieldErrors errors;
    for (qsizetype i = 0; i < replacement.size(); ++i) {
        CollectWebhook &webhook = replacement[i];
        if (webhook.id.isEmpty())
            continue;
        const auto previous = existing.constFind(webhook.id);
        if (previous == existing.cend()) {
            errors.add(u"webhooks[%1].id"_s.arg(i), u"is not a webhook of this session"_s, webhook.id);
            continue;
        }
        // A value read back redacted and sent again means "keep what is stored".
        for (auto header = webhook.headers.begin(); header != webhook.headers.end(); ++header) {
            const bool redacted = !header.value().isEmpty()
                && std::all_of(header.value().cbegin(), header.value().cend(),
                               [](const QString &v) { return v == collectjson::kRedacted; });
            if (redacted && previous->headers.contains(header.key())) {
                header.value() = previous->headers.value(header.key());
                carried[i].insert(header.key());
            }
        }
    }
    return errors;
}

void checkWebhooks(FieldErrors &errors, const QList<CollectWebhook> &webhooks)
{
    if (webhooks.size() > CollectLimits::kMaxWebhooks)
        errors.add(u"webhooks"_s, u"at most %1 webhooks"_s.arg(CollectLimits::kMaxWebhooks));
    for (qsizetype i = 0; i < webhooks.size(); ++i)
        checkWebhook(errors, u"webhooks[%1]"_s.arg(i), webhooks.at(i));
}

} // namespace keystead::collectwebhook
