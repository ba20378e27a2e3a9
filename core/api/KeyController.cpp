#include "KeyController.h"

#include "api/RequestActor.h"

#include "api/ApiRouter.h"
#include "api/PamErrorShape.h"
#include "common/JsonTime.h"
#include "inventory/InventoryErrors.h"
#include "inventory/InventoryService.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

const QString kKeysPath = u"/api/pam/key"_s;

QJsonValue textOrNull(const QString &value)
{
    return value.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(value);
}

// Seed 001's envelope for a success: the same fields as an error, error false, code 0.
QJsonObject envelope(int status, const QString &message)
{
    const QJsonObject response{
        {u"status"_s, status}, {u"message"_s, message},  {u"error"_s, false}, {u"error_code"_s, 0},
        {u"detail"_s, u""_s},  {u"mensagem"_s, message}, {u"erro"_s, false},  {u"cod_erro"_s, 0},
    };
    return QJsonObject{{u"code"_s, status}, {u"response"_s, response}};
}

QJsonArray devicesToJson(const QList<InventoryDevice> &devices)
{
    QJsonArray items;
    for (const InventoryDevice &device : devices)
        items.append(QJsonObject{{u"hostname"_s, device.hostname}, {u"ip"_s, device.ip}});
    return items;
}

// A key as lists and shows give it: whether secrets are held, never the secrets.
QJsonObject keyToJson(const SshKeyRecord &key)
{
    return QJsonObject{
        {u"id"_s, key.id},
        {u"identifier"_s, key.identifier},
        {u"key_name"_s, key.keyName},
        {u"username"_s, key.username},
        {u"ip"_s, key.ip},
        {u"hostname"_s, key.hostname},
        {u"enabled"_s, key.enabled},
        {u"public_key"_s,
         key.publicKey.isNull() ? QJsonValue(QJsonValue::Null)
                                : QJsonValue(key.publicKey.openSshLine(key.publicKeyComment))},
        {u"comment"_s, key.publicKeyComment},
        {u"algorithm"_s, key.publicKey.algorithm()},
        {u"bits"_s, key.publicKey.bits()},
        {u"fingerprint_sha256"_s, key.publicKey.fingerprintSha256()},
        {u"fingerprint_md5"_s, key.publicKey.fingerprintMd5()},
        {u"has_private_key"_s, key.hasPrivateKey},
        {u"has_password"_s, key.hasPassword},
        {u"private_key_format"_s, textOrNull(key.privateKeyFormat)},
        {u"private_key_encrypted"_s, key.privateKeyEncrypted},
        {u"tags"_s, QJsonArray::fromStringList(key.tags)},
        {u"devices"_s, devicesToJson(key.devices)},
        {u"origin"_s, key.origin},
        {u"collect_session_id"_s, textOrNull(key.collectSessionId)},
        {u"created_at"_s, timeToJson(key.createdAt)},
        {u"updated_at"_s, timeToJson(key.updatedAt)},
    };
}

Error wrongType(const QString &field, const QString &expected)
{
    return inventoryError(InventoryReason::FieldInvalid, u"The field %1 must be %2"_s.arg(field, expected),
                          Error::Kind::InvalidInput, field);
}

// A string field: absent or null leaves it unset; any other type is refused.
std::optional<Error> readString(const QJsonObject &body, const QString &field, std::optional<QString> &target)
{
    const QJsonValue value = body.value(field);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    if (!value.isString())
        return wrongType(field, u"a string"_s);
    target = value.toString();
    return std::nullopt;
}

std::optional<Error> readBytes(const QJsonObject &body, const QString &field, std::optional<QByteArray> &target)
{
    std::optional<QString> text;
    if (std::optional<Error> error = readString(body, field, text))
        return error;
    if (text)
        target = text->toUtf8();
    return std::nullopt;
}

// Seed 001's body of POST /api/pam/key. Unknown fields are ignored.
Result<SshKeyInput> inputFromJson(const QJsonDocument &document)
{
    if (!document.isObject())
        return inventoryError(InventoryReason::FieldInvalid, u"The request body must be a JSON object"_s,
                              Error::Kind::InvalidInput, u"body"_s);
    const QJsonObject body = document.object();
    SshKeyInput input;
    input.origin = u"api"_s;
    for (const auto &[field, target] : {std::pair{u"identifier"_s, &input.identifier},
                                        {u"ip"_s, &input.ip},
                                        {u"hostname"_s, &input.hostname},
                                        {u"public_key"_s, &input.publicKey},
                                        {u"username"_s, &input.username},
                                        {u"key_name"_s, &input.keyName}}) {
        if (std::optional<Error> error = readString(body, field, *target))
            return *error;
    }
    if (std::optional<Error> error = readBytes(body, u"private_key"_s, input.privateKey))
        return *error;
    if (std::optional<Error> error = readBytes(body, u"password"_s, input.password))
        return *error;

    const QJsonValue enabled = body.value(u"enabled"_s);
    if (enabled.isBool())
        input.enabled = enabled.toBool();
    else if (enabled.isDouble() && (enabled.toDouble() == 0 || enabled.toDouble() == 1))
        input.enabled = enabled.toDouble() == 1;
    else if (!enabled.isUndefined() && !enabled.isNull())
        return wrongType(u"enabled"_s, u"true or false"_s);

    const QJsonValue devices = body.value(u"devices"_s);
    if (devices.isArray()) {
        QStringList hostnames;
        const QJsonArray items = devices.toArray();
        for (qsizetype i = 0; i < items.size(); ++i) {
            const QJsonValue item = items.at(i);
            // The seed sends {"hostname": ...}; a bare hostname string is taken as well.
            const QJsonValue hostname = item.isObject() ? item.toObject().value(u"hostname"_s) : item;
            if (hostname.isString())
                hostnames.append(hostname.toString());
            else if (item.isObject() && (hostname.isUndefined() || hostname.isNull()))
                hostnames.append(QString()); // the service answers 1004 for it
            else
                return wrongType(u"devices[%1].hostname"_s.arg(i), u"a string"_s);
        }
        input.deviceHostnames = hostnames;
    } else if (!devices.isUndefined() && !devices.isNull()) {
        return wrongType(u"devices"_s, u"an array of {\"hostname\": ...}"_s);
    }

    const QJsonValue tags = body.value(u"tags"_s);
    if (tags.isString()) {
        // The seed's form: one string, several tags separated by commas.
        input.tags = tags.toString().split(u',');
    } else if (tags.isArray()) {
        QStringList list;
        const QJsonArray items = tags.toArray();
        for (qsizetype i = 0; i < items.size(); ++i) {
            if (!items.at(i).isString())
                return wrongType(u"tags[%1]"_s.arg(i), u"a string"_s);
            list.append(items.at(i).toString());
        }
        input.tags = list;
    } else if (!tags.isUndefined() && !tags.isNull()) {
        return wrongType(u"tags"_s, u"a string or an array of strings"_s);
    }
    return input;
}

} // namespace

KeyController::KeyController(ApiRouter &router, InventoryService &inventory)
    : m_router(router)
    , m_inventory(inventory)
{
    router.setErrorShape(u"/api/pam/"_s, std::make_shared<PamErrorShape>());
    const QString one = kKeysPath + u"/{id}"_s;
    router.addRoute("POST", kKeysPath, [this](const HttpRequest &request) { return save(request); },
                    {RouteBody::JsonRequired, true, std::nullopt});
    router.addRoute("GET", kKeysPath, [this](const HttpRequest &request) { return list(request); });
    router.addRoute("GET", one, [this](const HttpRequest &request) { return show(request); });
    router.addRoute("DELETE", one, [this](const HttpRequest &request) { return inactivate(request); });
    router.addRoute("GET", one + u"/secret"_s, [this](const HttpRequest &request) { return reveal(request); },
                    {RouteBody::None, true, TokenScope::RevealSecrets});
}

HttpResponse KeyController::save(const HttpRequest &request)
{
    Result<SshKeyInput> input = inputFromJson(request.json());
    if (!input)
        return m_router.error(input.error(), request);
    Result<SshKeySaved> saved = m_inventory.save(input.value(), requestActor(request));
    if (!saved)
        return m_router.error(saved.error(), request);

    QJsonArray problems;
    for (const DeviceProblem &problem : std::as_const(saved->deviceProblems))
        problems.append(QJsonObject{{u"hostname"_s, problem.hostname}, {u"message"_s, problem.message}});
    // Seed 001 answers 201 to an update as well; scripts written against it check for that.
    QJsonObject body = envelope(201, saved->created ? u"Key created successfully!"_s : u"Key updated successfully!"_s);
    body.insert(u"key"_s,
                QJsonObject{{u"id"_s, saved->key.id},
                            {u"identifier"_s, saved->key.identifier},
                            {u"devices"_s, devicesToJson(saved->key.devices)},
                            {u"devices_error"_s, problems}});
    return HttpResponse::json(201, QJsonDocument(body));
}

HttpResponse KeyController::list(const HttpRequest &request)
{
    SshKeyQuery query;
    query.text = request.query.queryItemValue(u"search"_s, QUrl::FullyDecoded);
    query.tag = request.query.queryItemValue(u"tag"_s, QUrl::FullyDecoded);
    if (request.query.hasQueryItem(u"enabled"_s)) {
        const QString enabled = request.query.queryItemValue(u"enabled"_s, QUrl::FullyDecoded).toLower();
        if (enabled == u"true"_s || enabled == u"1"_s)
            query.enabled = true;
        else if (enabled == u"false"_s || enabled == u"0"_s)
            query.enabled = false;
        else
            return m_router.error(wrongType(u"enabled"_s, u"true or false"_s), request);
    }
    Result<QList<SshKeyRecord>> keys = m_inventory.list(query);
    if (!keys)
        return m_router.error(keys.error(), request);
    QJsonArray items;
    for (const SshKeyRecord &key : std::as_const(keys.value()))
        items.append(keyToJson(key));
    QJsonObject body = envelope(200, u"Keys listed successfully!"_s);
    body.insert(u"keys"_s, items);
    return HttpResponse::json(200, QJsonDocument(body));
}

HttpResponse KeyController::show(const HttpRequest &request)
{
    Result<SshKeyRecord> key = m_inventory.find(request.argument(u"id"_s));
    if (!key)
        return m_router.error(key.error(), request);
    QJsonObject body = envelope(200, u"Key found successfully!"_s);
    body.insert(u"key"_s, keyToJson(key.value()));
    return HttpResponse::json(200, QJsonDocument(body));
}

HttpResponse KeyController::inactivate(const HttpRequest &request)
{
    Result<SshKeyRecord> key = m_inventory.inactivate(request.argument(u"id"_s), requestActor(request));
    if (!key)
        return m_router.error(key.error(), request);
    QJsonObject body = envelope(200, u"Key inactivated successfully!"_s);
    body.insert(u"key"_s, keyToJson(key.value()));
    return HttpResponse::json(200, QJsonDocument(body));
}

HttpResponse KeyController::reveal(const HttpRequest &request)
{
    Result<SshKeyRecord> key = m_inventory.find(request.argument(u"id"_s));
    if (!key)
        return m_router.error(key.error(), request);
    Result<SshKeySecrets> secrets = m_inventory.reveal(key->id, requestActor(request));
    if (!secrets)
        return m_router.error(secrets.error(), request);
    QJsonObject body = envelope(200, u"Key revealed successfully!"_s);
    body.insert(u"key"_s,
                QJsonObject{{u"id"_s, key->id},
                            {u"identifier"_s, key->identifier},
                            {u"private_key"_s, QString::fromUtf8(secrets->privateKey)},
                            {u"password"_s,
                             secrets->password.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                         : QJsonValue(QString::fromUtf8(secrets->password))}});
    // The frame marks every answer Cache-Control: no-store, this one included.
    return HttpResponse::json(200, QJsonDocument(body));
}

} // namespace keystead
