#include "CollectSessionPatch.h"

#include <QJsonArray>

#include <cmath>

using namespace Qt::StringLiterals;

namespace keystead::collectapi {

namespace {

QString typeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null: return u"null"_s;
    case QJsonValue::Bool: return u"boolean"_s;
    case QJsonValue::Double: return u"number"_s;
    case QJsonValue::String: return u"string"_s;
    case QJsonValue::Array: return u"array"_s;
    case QJsonValue::Object: return u"object"_s;
    case QJsonValue::Undefined: break;
    }
    return u"nothing"_s;
}

// Reads one body's fields, noting each badly typed one, so every bad field is
// reported at once rather than the first alone.
class Reader final
{
public:
    Reader(const QJsonObject &object, QString prefix, FieldErrors &errors)
        : m_object(object)
        , m_prefix(std::move(prefix))
        , m_errors(errors)
    {
    }

    bool has(const QString &name) const { return m_object.contains(name); }
    bool isNull(const QString &name) const { return m_object.value(name).isNull(); }
    QString location(const QString &name) const { return m_prefix + name; }

    void wrongType(const QString &name, const QString &expected)
    {
        const QJsonValue value = m_object.value(name);
        m_errors.add(location(name), u"expected %1, got %2"_s.arg(expected, typeName(value)), value.toVariant());
    }

    std::optional<QString> string(const QString &name)
    {
        const QJsonValue value = m_object.value(name);
        if (value.isString())
            return value.toString();
        wrongType(name, u"string"_s);
        return std::nullopt;
    }

    std::optional<bool> boolean(const QString &name)
    {
        const QJsonValue value = m_object.value(name);
        if (value.isBool())
            return value.toBool();
        wrongType(name, u"boolean"_s);
        return std::nullopt;
    }

    std::optional<qint64> integer(const QString &name)
    {
        const QJsonValue value = m_object.value(name);
        if (value.isDouble()) {
            const double number = value.toDouble();
            // 2^53: beyond it a JSON number no longer names one integer.
            if (std::isfinite(number) && std::trunc(number) == number && std::fabs(number) <= 9007199254740992.0)
                return static_cast<qint64>(number);
        }
        wrongType(name, u"integer"_s);
        return std::nullopt;
    }

    std::optional<double> number(const QString &name)
    {
        const QJsonValue value = m_object.value(name);
        if (value.isDouble() && std::isfinite(value.toDouble()))
            return value.toDouble();
        wrongType(name, u"number"_s);
        return std::nullopt;
    }

    // RFC 3339: a date, a time and an offset (Z or +hh:mm).
    std::optional<QDateTime> dateTime(const QString &name)
    {
        const QJsonValue value = m_object.value(name);
        if (value.isString()) {
            const QString text = value.toString().trimmed();
            QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
            const bool hasTime
                = text.size() > 10 && (text.at(10) == u'T' || text.at(10) == u't' || text.at(10) == u' ');
            if (time.isValid() && hasTime && time.timeSpec() != Qt::LocalTime)
                return time.toUTC();
            m_errors.add(location(name),
                         u"expected an RFC 3339 date-time with a time zone, e.g. 2026-01-31T12:00:00Z"_s,
                         value.toVariant());
            return std::nullopt;
        }
        wrongType(name, u"string (RFC 3339 date-time)"_s);
        return std::nullopt;
    }

    // Every name the object has that is not in `known` (`$schema` is always allowed).
    void refuseUnknown(const QStringList &known, const QStringList &readOnly = {})
    {
        for (auto it = m_object.constBegin(); it != m_object.constEnd(); ++it) {
            if (it.key() == u"$schema"_s || known.contains(it.key()))
                continue;
            m_errors.add(location(it.key()), readOnly.contains(it.key()) ? u"read-only"_s : u"unexpected property"_s,
                         it.value().toVariant());
        }
    }

    const QJsonObject &object() const { return m_object; }
    FieldErrors &errors() { return m_errors; }

private:
    const QJsonObject &m_object;
    QString m_prefix;
    FieldErrors &m_errors;
};

// A nullable text field of a PATCH: absent, null or a string.
FieldUpdate<QString> textUpdate(Reader &reader, const QString &name)
{
    if (!reader.has(name))
        return std::nullopt;
    if (reader.isNull(name))
        return std::optional<QString>();
    if (std::optional<QString> text = reader.string(name))
        return text;
    return std::nullopt;
}

std::optional<QString> optionalString(Reader &reader, const QString &name)
{
    if (!reader.has(name) || reader.isNull(name))
        return std::nullopt;
    return reader.string(name);
}

CollectWebhook webhookFromJson(const QJsonValue &value, const QString &location, bool allowId, FieldErrors &errors)
{
    CollectWebhook webhook;
    if (!value.isObject()) {
        errors.add(location, u"expected object, got %1"_s.arg(typeName(value)), value.toVariant());
        return webhook;
    }
    const QJsonObject object = value.toObject();
    Reader reader(object, location + u'.', errors);
    QStringList known{
        u"url"_s, u"method"_s, u"events"_s, u"headers"_s, u"retries"_s, u"initial_backoff"_s, u"backoff_multiplier"_s};
    if (allowId)
        known.append(u"id"_s);
    reader.refuseUnknown(known, {u"id"_s});

    if (allowId && reader.has(u"id"_s) && !reader.isNull(u"id"_s)) {
        if (std::optional<QString> id = reader.string(u"id"_s))
            webhook.id = *id;
    }
    if (!reader.has(u"url"_s))
        errors.add(reader.location(u"url"_s), u"required property"_s);
    else if (std::optional<QString> url = reader.string(u"url"_s))
        webhook.url = *url;
    if (reader.has(u"method"_s)) {
        if (std::optional<QString> method = reader.string(u"method"_s))
            webhook.method = *method;
    }
    if (reader.has(u"events"_s) && !reader.isNull(u"events"_s)) {
        const QJsonValue events = object.value(u"events"_s);
        if (!events.isArray()) {
            reader.wrongType(u"events"_s, u"array"_s);
        } else {
            const QJsonArray list = events.toArray();
            for (qsizetype i = 0; i < list.size(); ++i) {
                if (!list.at(i).isString()) {
                    errors.add(reader.location(u"events[%1]"_s.arg(i)),
                               u"expected string, got %1"_s.arg(typeName(list.at(i))), list.at(i).toVariant());
                    continue;
                }
                webhook.events.append(list.at(i).toString());
            }
        }
    }
    if (reader.has(u"headers"_s) && !reader.isNull(u"headers"_s)) {
        const QJsonValue headers = object.value(u"headers"_s);
        if (!headers.isObject()) {
            reader.wrongType(u"headers"_s, u"object"_s);
        } else {
            const QJsonObject map = headers.toObject();
            for (auto it = map.constBegin(); it != map.constEnd(); ++it) {
                const QString headerLocation = reader.location(u"headers."_s + it.key());
                QStringList values;
                if (it.value().isString()) {
                    // One string for a one-value header: what people write by hand.
                    values.append(it.value().toString());
                } else if (it.value().isArray()) {
                    const QJsonArray list = it.value().toArray();
                    for (qsizetype i = 0; i < list.size(); ++i) {
                        if (list.at(i).isString())
                            values.append(list.at(i).toString());
                        else
                            errors.add(headerLocation + u"[%1]"_s.arg(i),
                                       u"expected string, got %1"_s.arg(typeName(list.at(i))), list.at(i).toVariant());
                    }
                } else if (!it.value().isNull()) {
                    errors.add(headerLocation, u"expected array of strings, got %1"_s.arg(typeName(it.value())),
                               it.value().toVariant());
                }
                webhook.headers.insert(it.key(), values);
            }
        }
    }
    if (reader.has(u"retries"_s)) {
        if (std::optional<qint64> retries = reader.integer(u"retries"_s))
            webhook.retries = *retries;
    }
    if (reader.has(u"initial_backoff"_s)) {
        if (std::optional<qint64> backoff = reader.integer(u"initial_backoff"_s))
            webhook.initialBackoff = *backoff;
    }
    if (reader.has(u"backoff_multiplier"_s)) {
        if (std::optional<double> multiplier = reader.number(u"backoff_multiplier"_s))
            webhook.backoffMultiplier = *multiplier;
    }
    return webhook;
}

std::optional<QList<CollectWebhook>> webhooksFromJson(Reader &reader, bool allowId)
{
    if (!reader.has(u"webhooks"_s))
        return std::nullopt;
    if (reader.isNull(u"webhooks"_s))
        return QList<CollectWebhook>();
    const QJsonValue value = reader.object().value(u"webhooks"_s);
    if (!value.isArray()) {
        reader.wrongType(u"webhooks"_s, u"array"_s);
        return std::nullopt;
    }
    QList<CollectWebhook> webhooks;
    const QJsonArray list = value.toArray();
    for (qsizetype i = 0; i < list.size(); ++i)
        webhooks.append(
            webhookFromJson(list.at(i), reader.location(u"webhooks[%1]"_s.arg(i)), allowId, reader.errors()));
    return webhooks;
}

} // namespace

CollectSessionInput sessionInputFromJson(const QJsonObject &body, FieldErrors &errors)
{
    CollectSessionInput input;
    Reader reader(body, {}, errors);
    reader.refuseUnknown({u"connection_identifier"_s, u"external_id"_s, u"multi_key"_s, u"multi_connection"_s,
                          u"must_confirm"_s, u"ssh_banner"_s, u"ssh_message"_s, u"timeout"_s, u"expired_at"_s,
                          u"webhooks"_s},
                         {u"id"_s, u"status"_s, u"created_at"_s, u"updated_at"_s, u"connections"_s});

    if (std::optional<QString> identifier = optionalString(reader, u"connection_identifier"_s))
        input.connectionIdentifier = *identifier;
    input.externalId = optionalString(reader, u"external_id"_s);
    input.sshBanner = optionalString(reader, u"ssh_banner"_s);
    input.sshMessage = optionalString(reader, u"ssh_message"_s);
    for (auto [name, field] :
         {std::pair{u"multi_key"_s, &input.multiKey}, std::pair{u"multi_connection"_s, &input.multiConnection},
          std::pair{u"must_confirm"_s, &input.mustConfirm}}) {
        if (reader.has(name)) {
            if (std::optional<bool> flag = reader.boolean(name))
                *field = *flag;
        }
    }
    if (reader.has(u"timeout"_s) && !reader.isNull(u"timeout"_s))
        input.timeout = reader.integer(u"timeout"_s);
    if (reader.has(u"expired_at"_s) && !reader.isNull(u"expired_at"_s))
        input.expiredAt = reader.dateTime(u"expired_at"_s);
    if (std::optional<QList<CollectWebhook>> webhooks = webhooksFromJson(reader, false))
        input.webhooks = *webhooks;
    return input;
}

CollectSessionUpdate sessionUpdateFromJson(const QJsonObject &body, FieldErrors &errors)
{
    CollectSessionUpdate patch;
    Reader reader(body, {}, errors);
    reader.refuseUnknown(
        {u"external_id"_s, u"multi_key"_s, u"multi_connection"_s, u"must_confirm"_s, u"ssh_banner"_s, u"ssh_message"_s,
         u"timeout"_s, u"expired_at"_s, u"webhooks"_s},
        {u"id"_s, u"connection_identifier"_s, u"status"_s, u"created_at"_s, u"updated_at"_s, u"connections"_s});

    patch.externalId = textUpdate(reader, u"external_id"_s);
    patch.sshBanner = textUpdate(reader, u"ssh_banner"_s);
    patch.sshMessage = textUpdate(reader, u"ssh_message"_s);
    for (auto [name, field] :
         {std::pair{u"multi_key"_s, &patch.multiKey}, std::pair{u"multi_connection"_s, &patch.multiConnection},
          std::pair{u"must_confirm"_s, &patch.mustConfirm}}) {
        if (reader.has(name))
            *field = reader.boolean(name);
    }
    if (reader.has(u"timeout"_s)) {
        if (reader.isNull(u"timeout"_s))
            patch.timeout.emplace();
        else if (std::optional<qint64> timeout = reader.integer(u"timeout"_s))
            patch.timeout = timeout;
    }
    if (reader.has(u"expired_at"_s)) {
        if (reader.isNull(u"expired_at"_s))
            patch.expiredAt.emplace();
        else if (std::optional<QDateTime> expiry = reader.dateTime(u"expired_at"_s))
            patch.expiredAt = expiry;
    }
    patch.webhooks = webhooksFromJson(reader, true);
    return patch;
}

} // namespace keystead::collectapi
