#include "HostKeyController.h"

#include "api/RequestActor.h"

#include "api/ApiRouter.h"
#include "api/SpsErrorShape.h"
#include "audit/AuditLog.h"
#include "common/JsonTime.h"
#include "hostkeys/HostKeyScanner.h"
#include "hostkeys/HostKeyStore.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUrl>

#include <cmath>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

const QString kBase = u"/api/ssh-host-keys"_s;

Error invalid(const QString &message, const QString &location, const QVariant &value = {})
{
    Error error = Error::invalid(message, location);
    if (value.isValid())
        error.details.insert(u"value"_s, value);
    return error;
}

QString trustName(ScannedHostKey::Trust trust)
{
    switch (trust) {
    case ScannedHostKey::Trust::New: return u"new"_s;
    case ScannedHostKey::Trust::Trusted: return u"trusted"_s;
    case ScannedHostKey::Trust::Changed: return u"changed"_s;
    }
    return {};
}

// A port as JSON gives it: an integer 1..65535, nothing else.
Result<int> portFromJson(const QJsonValue &value, const QString &location)
{
    if (!value.isDouble())
        return invalid(u"The port must be an integer between 1 and 65535"_s, location, value.toVariant());
    const double number = value.toDouble();
    if (std::floor(number) != number || number < 1 || number > 65535)
        return invalid(u"The port must be an integer between 1 and 65535"_s, location, number);
    return static_cast<int>(number);
}

Result<int> portFromText(const QString &text, const QString &location)
{
    static const QRegularExpression digits(u"^[0-9]{1,5}$"_s);
    const int port = digits.match(text).hasMatch() ? text.toInt() : 0;
    if (port < 1 || port > 65535)
        return invalid(u"The port filter must be an integer between 1 and 65535"_s, location, text);
    return port;
}

// The seed's filters: type, port, address, any combination. Any other name is refused.
Result<HostKeyFilter> filterFromQuery(const QUrlQuery &query)
{
    HostKeyFilter filter;
    const auto items = query.queryItems(QUrl::FullyDecoded);
    for (const auto &[name, value] : items) {
        if (name == u"type"_s) {
            if (!HostKeyStore::knownTypes().contains(value))
                return invalid(u"The type filter must be one of: %1"_s.arg(HostKeyStore::knownTypes().join(u", "_s)),
                               u"filter.type"_s, value);
            filter.type = value;
        } else if (name == u"port"_s) {
            Result<int> port = portFromText(value, u"filter.port"_s);
            if (!port)
                return port.error();
            filter.port = *port;
        } else if (name == u"address"_s) {
            Result<QString> address = HostKeyStore::canonicalAddress(value);
            if (!address) {
                Error error = address.error();
                error.location = u"filter.address"_s;
                return error;
            }
            filter.address = *address;
        } else {
            return invalid(u"Unknown filter %1; the filters are type, port and address"_s.arg(name),
                           u"filter."_s + name, value);
        }
    }
    return filter;
}

QJsonObject hostKeyToJson(const TrustedHostKey &key)
{
    QJsonObject object{
        {u"address"_s, key.address},
        {u"port"_s, key.port},
        {u"type"_s, QJsonObject{{u"selection"_s, key.type}, {u"value"_s, key.value}}},
    };
    if (!key.fingerprint.isEmpty())
        object.insert(u"fingerprint"_s, key.fingerprint);
    return object;
}

QJsonObject driftToJson(const HostKeyDrift &drift)
{
    return QJsonObject{
        {u"key"_s, QString::number(drift.id)},
        {u"host_key"_s, drift.hostKey},
        {u"address"_s, drift.address},
        {u"port"_s, drift.port},
        {u"type"_s, drift.type},
        {u"trusted_fingerprint"_s, drift.trustedFingerprint},
        {u"seen_fingerprint"_s, drift.seenFingerprint},
        {u"seen_value"_s, drift.seenValue},
        {u"detected_at"_s, timeToJson(drift.detectedAt)},
        {u"acknowledged_at"_s,
         drift.acknowledgedAt ? QJsonValue(timeToJson(*drift.acknowledgedAt)) : QJsonValue(QJsonValue::Null)},
    };
}

Result<HostKeyInput> inputFromJson(const QJsonDocument &document)
{
    if (!document.isObject())
        return invalid(u"The request body must be a JSON object"_s, u"body"_s);
    const QJsonObject body = document.object();
    HostKeyInput input;
    input.origin = u"api"_s;
    const QJsonValue address = body.value(u"address"_s);
    if (!address.isString() || address.toString().trimmed().isEmpty())
        return invalid(u"The address must be a non-empty string"_s, u"address"_s);
    input.address = address.toString();
    Result<int> port = portFromJson(body.value(u"port"_s), u"port"_s);
    if (!port)
        return port.error();
    input.port = *port;
    const QJsonValue type = body.value(u"type"_s);
    if (!type.isObject())
        return invalid(u"The type must be an object with selection and value"_s, u"type"_s);
    const QJsonValue selection = type.toObject().value(u"selection"_s);
    const QJsonValue value = type.toObject().value(u"value"_s);
    if (!selection.isString())
        return invalid(u"The type.selection must be one of: %1"_s.arg(HostKeyStore::knownTypes().join(u", "_s)),
                       u"type.selection"_s);
    if (!value.isString())
        return invalid(u"The type.value must be a base64 string"_s, u"type.value"_s);
    input.type = selection.toString();
    input.value = value.toString();
    return input;
}

} // namespace

HostKeyController::HostKeyController(ApiRouter &router, HostKeyStore &store,
                                     std::function<std::optional<SshAlgorithms>()> clientAlgorithms)
    : m_router(router)
    , m_store(store)
    , m_clientAlgorithms(std::move(clientAlgorithms))
{
    router.setErrorShape(kBase, std::make_shared<SpsErrorShape>());
    const auto route = [this](auto method) {
        return [this, method](const HttpRequest &request) { return (this->*method)(request); };
    };
    // The literal paths first: the router takes the first route that matches.
    router.addRoute("POST", kBase + u"/scan"_s, route(&HostKeyController::scan),
                    {RouteBody::JsonRequired, true, std::nullopt});
    router.addRoute("GET", kBase + u"/drift"_s, route(&HostKeyController::drifts));
    router.addRoute("POST", kBase + u"/drift/{id}/acknowledge"_s, route(&HostKeyController::acknowledge),
                    {RouteBody::None, true, std::nullopt});
    router.addRoute("GET", kBase + u"/known_hosts"_s, route(&HostKeyController::exportKnownHosts));
    router.addRoute("POST", kBase + u"/known_hosts"_s, route(&HostKeyController::importKnownHosts),
                    {RouteBody::None, true, std::nullopt});
    router.addRoute("GET", kBase, route(&HostKeyController::list));
    router.addRoute("POST", kBase, route(&HostKeyController::upload), {RouteBody::JsonRequired, true, std::nullopt});
    router.addRoute("GET", kBase + u"/{id}"_s, route(&HostKeyController::show));
    router.addRoute("DELETE", kBase + u"/{id}"_s, route(&HostKeyController::remove));
}

HttpResponse HostKeyController::list(const HttpRequest &request)
{
    Result<HostKeyFilter> filter = filterFromQuery(request.query);
    if (!filter)
        return m_router.error(filter.error(), request);
    Result<QList<TrustedHostKey>> keys = m_store.list(*filter);
    if (!keys)
        return m_router.error(keys.error(), request);
    QJsonArray items;
    for (const TrustedHostKey &key : std::as_const(keys.value()))
        items.append(
            QJsonObject{{u"key"_s, key.key}, {u"meta"_s, QJsonObject{{u"href"_s, QString(kBase + u'/' + key.key)}}}});
    return HttpResponse::json(200, QJsonDocument(QJsonObject{{u"meta"_s, spsMeta(kBase)}, {u"items"_s, items}}));
}

HttpResponse HostKeyController::show(const HttpRequest &request)
{
    Result<TrustedHostKey> key = m_store.find(request.argument(u"id"_s));
    if (!key)
        return m_router.error(key.error(), request);
    return HttpResponse::json(200,
                              QJsonDocument(QJsonObject{{u"key"_s, key->key},
                                                        {u"meta"_s, spsMeta(kBase + u'/' + key->key)},
                                                        {key->key, hostKeyToJson(key.value())}}));
}

HttpResponse HostKeyController::upload(const HttpRequest &request)
{
    Result<HostKeyInput> input = inputFromJson(request.json());
    if (!input)
        return m_router.error(input.error(), request);
    Result<TrustedHostKey> added = m_store.add(*input, requestActor(request));
    if (!added)
        return m_router.error(added.error(), request);
    return HttpResponse::json(
        201, QJsonDocument(QJsonObject{{u"key"_s, added->key}, {u"meta"_s, spsMeta(kBase + u'/' + added->key)}}));
}

HttpResponse HostKeyController::remove(const HttpRequest &request)
{
    Result<TrustedHostKey> removed = m_store.remove(request.argument(u"id"_s), requestActor(request));
    if (!removed)
        return m_router.error(removed.error(), request);
    return HttpResponse::json(200, QJsonDocument(QJsonObject{{u"meta"_s, spsMeta(kBase + u'/' + removed->key)}}));
}

HttpResponse HostKeyController::scan(const HttpRequest &request)
{
    const QJsonDocument document = request.json();
    if (!document.isObject())
        return m_router.error(invalid(u"The request body must be a JSON object"_s, u"body"_s), request);
    const QJsonObject body = document.object();
    const QJsonValue addressValue = body.value(u"address"_s);
    if (!addressValue.isString())
        return m_router.error(invalid(u"The address must be a non-empty string"_s, u"address"_s), request);
    Result<QString> address = HostKeyStore::canonicalAddress(addressValue.toString());
    if (!address)
        return m_router.error(address.error(), request);
    int port = 22;
    if (body.contains(u"port"_s)) {
        Result<int> given = portFromJson(body.value(u"port"_s), u"port"_s);
        if (!given)
            return m_router.error(given.error(), request);
        port = *given;
    }
    HostKeyScanOptions options;
    options.timeoutMs = kDefaultScanTimeoutMs;
    if (body.contains(u"timeout_ms"_s)) {
        const QJsonValue timeout = body.value(u"timeout_ms"_s);
        const double ms = timeout.toDouble(-1);
        if (!timeout.isDouble() || std::floor(ms) != ms || ms < 100 || ms > kMaxScanTimeoutMs)
            return m_router.error(
                invalid(u"The timeout_ms must be an integer between 100 and %1"_s.arg(kMaxScanTimeoutMs),
                        u"timeout_ms"_s, timeout.toVariant()),
                request);
        options.timeoutMs = static_cast<int>(ms);
    }
    if (m_clientAlgorithms)
        options.clientAlgorithms = m_clientAlgorithms();

    const ScanResult scanned = scanHostKeys(*address, port, options);
    if (scanned.keys.isEmpty()) {
        Error failed{Error::Kind::Unavailable,
                     u"The scan of %1 port %2 found no host key: %3"_s.arg(*address).arg(port).arg(scanned.error),
                     {},
                     {{u"reason"_s, QString(ScanResult::kFailedReason)}}};
        return m_router.error(502, failed, request);
    }
    Result<ScanResult> compared = m_store.compareScan(scanned, requestActor(request));
    if (!compared)
        return m_router.error(compared.error(), request);
    QJsonArray keys;
    for (const ScannedHostKey &key : std::as_const(compared->keys)) {
        keys.append(QJsonObject{
            {u"type"_s, key.type},
            {u"value"_s, key.value},
            {u"fingerprint"_s, key.fingerprint},
            {u"bits"_s, key.bits},
            {u"trust"_s, trustName(key.trust)},
            {u"trusted_fingerprint"_s,
             key.trustedFingerprint.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(key.trustedFingerprint)},
        });
    }
    return HttpResponse::json(200,
                              QJsonDocument(QJsonObject{{u"address"_s, compared->address},
                                                        {u"port"_s, compared->port},
                                                        {u"keys"_s, keys},
                                                        {u"meta"_s, spsMeta(kBase + u"/scan"_s)}}));
}

HttpResponse HostKeyController::drifts(const HttpRequest &request)
{
    bool all = false;
    const auto items = request.query.queryItems(QUrl::FullyDecoded);
    for (const auto &[name, value] : items) {
        if (name == u"all"_s && (value == u"true"_s || value == u"1"_s))
            all = true;
        else if (name == u"all"_s && (value == u"false"_s || value == u"0"_s))
            all = false;
        else
            return m_router.error(invalid(u"The only filter is all=true|false"_s, u"filter."_s + name, value), request);
    }
    Result<QList<HostKeyDrift>> found = m_store.drifts(all);
    if (!found)
        return m_router.error(found.error(), request);
    QJsonArray list;
    for (const HostKeyDrift &drift : std::as_const(found.value()))
        list.append(driftToJson(drift));
    return HttpResponse::json(
        200, QJsonDocument(QJsonObject{{u"meta"_s, spsMeta(kBase + u"/drift"_s)}, {u"items"_s, list}}));
}

HttpResponse HostKeyController::acknowledge(const HttpRequest &request)
{
    static const QRegularExpression digits(u"^[0-9]{1,18}$"_s);
    const QString id = request.argument(u"id"_s);
    if (!digits.match(id).hasMatch()) {
        Error error = Error::notFound(u"There is no host key drift %1"_s.arg(id));
        error.details.insert(u"id"_s, id);
        return m_router.error(error, request);
    }
    if (Status done = m_store.acknowledgeDrift(id.toLongLong(), requestActor(request)); !done)
        return m_router.error(done.error(), request);
    return HttpResponse::json(
        200, QJsonDocument(QJsonObject{{u"key"_s, id}, {u"meta"_s, spsMeta(kBase + u"/drift/"_s + id)}}));
}

HttpResponse HostKeyController::exportKnownHosts(const HttpRequest &request)
{
    Result<HostKeyFilter> filter = filterFromQuery(request.query);
    if (!filter)
        return m_router.error(filter.error(), request);
    Result<QString> text = m_store.exportKnownHosts(*filter);
    if (!text)
        return m_router.error(text.error(), request);
    return HttpResponse::text(200, text->toUtf8());
}

HttpResponse HostKeyController::importKnownHosts(const HttpRequest &request)
{
    if (request.body.trimmed().isEmpty())
        return m_router.error(invalid(u"The body must be the text of a known_hosts file"_s, u"body"_s), request);
    Result<KnownHostsImport> report = m_store.importKnownHosts(QString::fromUtf8(request.body), requestActor(request));
    if (!report)
        return m_router.error(report.error(), request);
    return HttpResponse::json(200,
                              QJsonDocument(QJsonObject{
                                  {u"added"_s, report->added},
                                  {u"already_trusted"_s, report->alreadyTrusted},
                                  {u"skipped_hashed"_s, report->skippedHashed},
                                  {u"skipped_invalid"_s, report->skippedInvalid},
                                  {u"skipped_markers"_s, report->skippedMarkers},
                                  {u"problems"_s, QJsonArray::fromStringList(report->problems)},
                                  {u"meta"_s, spsMeta(kBase + u"/known_hosts"_s)},
                              }));
}

} // namespace keystead
