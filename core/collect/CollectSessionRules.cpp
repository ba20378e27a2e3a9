#include "CollectSessionRules.h"

#include "collect/CollectJson.h"
#include "collect/CollectWebhookRules.h"

#include <QRegularExpression>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::collectrules {

namespace {

// Terminal escape sequences in a banner would act on the user's terminal.
bool hasControlCharacters(const QString &value, bool allowLineBreaks)
{
    return std::any_of(value.begin(), value.end(), [allowLineBreaks](QChar c) {
        if (allowLineBreaks && (c == u'\n' || c == u'\r' || c == u'\t'))
            return false;
        return c.category() == QChar::Other_Control;
    });
}

void checkText(FieldErrors &errors, const QString &location, const std::optional<QString> &value, int maxLength,
               bool allowLineBreaks)
{
    if (!value)
        return;
    if (value->size() > maxLength)
        errors.add(location, u"must be at most %1 characters long"_s.arg(maxLength), *value);
    else if (hasControlCharacters(*value, allowLineBreaks))
        errors.add(location,
                   allowLineBreaks ? u"must not contain control characters other than line breaks and tabs"_s
                                   : u"must not contain control characters"_s,
                   *value);
}

void checkTimeout(FieldErrors &errors, qint64 timeout)
{
    if (timeout <= 0)
        errors.add(u"timeout"_s, u"must be greater than 0 (seconds)"_s, timeout);
    else if (timeout > CollectLimits::kMaxTimeoutSeconds)
        errors.add(u"timeout"_s, u"must be at most %1 seconds (ten years)"_s.arg(CollectLimits::kMaxTimeoutSeconds),
                   timeout);
}

void checkExpiry(FieldErrors &errors, const QDateTime &expiredAt, const QDateTime &now)
{
    if (!expiredAt.isValid())
        errors.add(u"expired_at"_s, u"must be a date-time"_s);
    else if (expiredAt <= now)
        errors.add(u"expired_at"_s, u"must be in the future"_s, collectjson::timeToJson(expiredAt));
}

} // namespace

bool isValidConnectionIdentifier(const QString &identifier)
{
    static const QRegularExpression pattern(u"^[a-z0-9][a-z0-9._-]{2,63}$"_s);
    return pattern.match(identifier).hasMatch();
}

FieldErrors validate(const CollectSessionInput &input, const QDateTime &now)
{
    FieldErrors errors;
    if (!input.connectionIdentifier.isEmpty() && !isValidConnectionIdentifier(input.connectionIdentifier))
        errors.add(u"connection_identifier"_s,
                   u"must be 3 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"_s,
                   input.connectionIdentifier);
    checkText(errors, u"external_id"_s, input.externalId, CollectLimits::kMaxExternalIdLength, false);
    checkText(errors, u"ssh_banner"_s, input.sshBanner, CollectLimits::kMaxTextLength, true);
    checkText(errors, u"ssh_message"_s, input.sshMessage, CollectLimits::kMaxTextLength, true);
    if (input.timeout && input.expiredAt) {
        errors.add(u"timeout"_s, u"cannot be used in combination with expired_at"_s, *input.timeout);
    } else {
        if (input.timeout)
            checkTimeout(errors, *input.timeout);
        if (input.expiredAt)
            checkExpiry(errors, *input.expiredAt, now);
    }
    collectwebhook::checkWebhooks(errors, input.webhooks);
    return errors;
}

FieldErrors validate(const CollectSessionUpdate &update, const QDateTime &now)
{
    FieldErrors errors;
    if (update.externalId)
        checkText(errors, u"external_id"_s, *update.externalId, CollectLimits::kMaxExternalIdLength, false);
    if (update.sshBanner)
        checkText(errors, u"ssh_banner"_s, *update.sshBanner, CollectLimits::kMaxTextLength, true);
    if (update.sshMessage)
        checkText(errors, u"ssh_message"_s, *update.sshMessage, CollectLimits::kMaxTextLength, true);
    const bool timeoutGiven = update.timeout && update.timeout->has_value();
    const bool expiryGiven = update.expiredAt && update.expiredAt->has_value();
    if (timeoutGiven && expiryGiven) {
        errors.add(u"timeout"_s, u"cannot be used in combination with expired_at"_s, **update.timeout);
    } else {
        if (timeoutGiven)
            checkTimeout(errors, **update.timeout);
        if (expiryGiven)
            checkExpiry(errors, **update.expiredAt, now);
    }
    if (update.webhooks)
        collectwebhook::checkWebhooks(errors, *update.webhooks);
    return errors;
}

} // namespace keystead::collectrules
