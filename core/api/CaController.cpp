#include "CaController.h"

#include "api/RequestActor.h"

#include "api/ApiRouter.h"
#include "api/CaErrorShape.h"
#include "ca/CertificateAuthorityService.h"
#include "common/Clock.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

const QString kAuthoritiesPath = u"/ssh_certificate_authorities"_s;
const QString kUserPath = u"/ssh_user_certificates"_s;
const QString kHostPath = u"/ssh_host_certificates"_s;
const QString kRevocationsPath = u"/ssh_certificate_revocations"_s;
constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 100;

QString pathOf(CertificateKind kind)
{
    return kind == CertificateKind::Host ? kHostPath : kUserPath;
}

QString listKey(CertificateKind kind)
{
    return pathOf(kind).mid(1);
}

// RFC 3339, UTC, whole seconds: "2026-01-01T00:00:00Z", as the seed shows its times.
QString timeToJson(const QDateTime &time)
{
    return time.toUTC().toString(u"yyyy-MM-ddTHH:mm:ss'Z'"_s);
}

QJsonObject mapToJson(const QMap<QString, QString> &map)
{
    QJsonObject object;
    for (auto it = map.constBegin(); it != map.constEnd(); ++it)
        object.insert(it.key(), it.value());
    return object;
}

QJsonObject authorityToJson(const CertificateAuthority &ca)
{
    return QJsonObject{
        {u"id"_s, ca.id},
        {u"uri"_s, QString(kAuthoritiesPath + u'/' + ca.id)},
        {u"created_at"_s, timeToJson(ca.createdAt)},
        {u"description"_s, ca.description},
        {u"metadata"_s, ca.metadata},
        {u"public_key"_s, ca.publicKeyLine},
        {u"key_type"_s, ca.keyType},
        {u"elliptic_curve"_s, ca.ellipticCurve.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(ca.ellipticCurve)},
        {u"key_size"_s, ca.keySize == 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(ca.keySize)},
        {u"fingerprint"_s, ca.fingerprint},
        {u"certificates_issued"_s, ca.certificatesIssued},
        {u"certificates_revoked"_s, ca.certificatesRevoked},
    };
}

QJsonObject certificateToJson(const IssuedCertificate &certificate, const QDateTime &now)
{
    return QJsonObject{
        {u"id"_s, certificate.id},
        {u"uri"_s, QString(pathOf(certificate.kind) + u'/' + certificate.id)},
        {u"created_at"_s, timeToJson(certificate.createdAt)},
        {u"description"_s, certificate.description},
        {u"metadata"_s, certificate.metadata},
        {u"public_key"_s, certificate.publicKey},
        {u"key_type"_s, certificate.keyType},
        {u"ssh_certificate_authority_id"_s, certificate.certificateAuthorityId},
        {u"principals"_s, QJsonArray::fromStringList(certificate.principals)},
        {u"critical_options"_s, mapToJson(certificate.criticalOptions)},
        {u"extensions"_s, mapToJson(certificate.extensions)},
        {u"valid_after"_s, timeToJson(certificate.validAfter)},
        {u"valid_until"_s, timeToJson(certificate.validUntil)},
        {u"certificate"_s, certificate.certificate},
        {u"serial"_s, static_cast<qint64>(certificate.serial)},
        {u"key_id"_s, certificate.keyId},
        {u"subject_fingerprint"_s, certificate.subjectFingerprint},
        {u"revoked_at"_s,
         certificate.revokedAt ? QJsonValue(timeToJson(*certificate.revokedAt)) : QJsonValue(QJsonValue::Null)},
        {u"revocation_reason"_s,
         certificate.revokedAt ? QJsonValue(certificate.revocationReason) : QJsonValue(QJsonValue::Null)},
        {u"state"_s, certificateStateName(certificate.state(now))},
    };
}

Error wrongType(const QString &field, const QString &expected)
{
    return CaErrorShape::error(CaErrorShape::Code::FieldType, u"%1 must be %2"_s.arg(field, expected),
                               Error::Kind::InvalidInput, field);
}

// A JSON object body whose fields are all among `allowed`; null fields count as absent.
class Body final
{
public:
    static Result<Body> read(const HttpRequest &request, const QStringList &allowed, bool optional = false)
    {
        const QByteArray bytes = request.body.trimmed();
        if (bytes.isEmpty() && optional)
            return Body(QJsonObject());
        const QJsonDocument document = request.json();
        if (!document.isObject())
            return CaErrorShape::error(CaErrorShape::Code::BodyInvalid, u"the request body must be a JSON object"_s,
                                       Error::Kind::InvalidInput, u"body"_s);
        const QJsonObject object = document.object();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            if (!allowed.contains(it.key()))
                return CaErrorShape::error(
                    CaErrorShape::Code::UnknownField,
                    u"unknown field %1; this request takes: %2"_s.arg(it.key(), allowed.join(u", "_s)),
                    Error::Kind::InvalidInput, it.key());
        }
        return Body(object);
    }

    bool has(const QString &field) const
    {
        const QJsonValue value = m_object.value(field);
        return !value.isUndefined() && !value.isNull();
    }

    Result<std::optional<QString>> string(const QString &field) const
    {
        if (!has(field))
            return std::optional<QString>();
        const QJsonValue value = m_object.value(field);
        if (!value.isString())
            return wrongType(field, u"a string"_s);
        return std::optional<QString>(value.toString());
    }

    Result<std::optional<int>> integer(const QString &field) const
    {
        if (!has(field))
            return std::optional<int>();
        const QJsonValue value = m_object.value(field);
        const double number = value.toDouble();
        if (!value.isDouble() || number != static_cast<double>(static_cast<int>(number)))
            return wrongType(field, u"an integer"_s);
        return std::optional<int>(static_cast<int>(number));
    }

    Result<std::optional<QStringList>> strings(const QString &field) const
    {
        if (!has(field))
            return std::optional<QStringList>();
        const QJsonValue value = m_object.value(field);
        if (!value.isArray())
            return wrongType(field, u"an array of strings"_s);
        QStringList list;
        const QJsonArray items = value.toArray();
        for (qsizetype i = 0; i < items.size(); ++i) {
            if (!items.at(i).isString())
                return wrongType(u"%1[%2]"_s.arg(field).arg(i), u"a string"_s);
            list.append(items.at(i).toString());
        }
        return std::optional<QStringList>(list);
    }

    Result<std::optional<QMap<QString, QString>>> stringMap(const QString &field) const
    {
        if (!has(field))
            return std::optional<QMap<QString, QString>>();
        const QJsonValue value = m_object.value(field);
        if (!value.isObject())
            return wrongType(field, u"an object of strings"_s);
        QMap<QString, QString> map;
        const QJsonObject object = value.toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            if (!it.value().isString())
                return wrongType(field + u'.' + it.key(), u"a string"_s);
            map.insert(it.key(), it.value().toString());
        }
        return std::optional<QMap<QString, QString>>(map);
    }

    // RFC 3339: a date, 'T', a time with optional fraction, and 'Z' or an offset.
    Result<std::optional<QDateTime>> time(const QString &field) const
    {
        Result<std::optional<QString>> text = string(field);
        if (!text)
            return text.error();
        if (!text.value())
            return std::optional<QDateTime>();
        static const QRegularExpression rfc3339(
            u"^(\\d{4}-\\d{2}-\\d{2})[Tt](\\d{2}:\\d{2}:\\d{2})(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$"_s);
        const QRegularExpressionMatch match = rfc3339.match(**text);
        QDateTime parsed;
        if (match.hasMatch()) {
            const QString zone = match.captured(4).toUpper();
            parsed = QDateTime::fromString(match.captured(1) + u'T' + match.captured(2) + zone, Qt::ISODate);
        }
        if (!parsed.isValid())
            return caError(CaReason::TimeInvalid,
                           u"%1 must be an RFC 3339 time such as 2026-01-01T00:00:00Z"_s.arg(field),
                           Error::Kind::InvalidInput, field);
        return std::optional<QDateTime>(parsed.toUTC());
    }

private:
    explicit Body(QJsonObject object)
        : m_object(std::move(object))
    {
    }
    QJsonObject m_object;
};

struct Paging
{
    int limit = kDefaultLimit;
    QString beforeId;
};

Result<Paging> pagingOf(const HttpRequest &request)
{
    static const QRegularExpression idPattern(u"^[A-Za-z0-9_]{1,64}$"_s);
    Paging paging;
    if (request.query.hasQueryItem(u"limit"_s)) {
        bool ok = false;
        const int limit = request.query.queryItemValue(u"limit"_s, QUrl::FullyDecoded).toInt(&ok);
        if (!ok || limit < 1 || limit > kMaxLimit)
            return CaErrorShape::error(CaErrorShape::Code::QueryInvalid,
                                       u"limit must be a whole number from 1 to %1"_s.arg(kMaxLimit),
                                       Error::Kind::InvalidInput, u"limit"_s);
        paging.limit = limit;
    }
    if (request.query.hasQueryItem(u"before_id"_s)) {
        paging.beforeId = request.query.queryItemValue(u"before_id"_s, QUrl::FullyDecoded);
        if (!idPattern.match(paging.beforeId).hasMatch())
            return CaErrorShape::error(CaErrorShape::Code::QueryInvalid,
                                       u"before_id must be the id of an item of this list"_s, Error::Kind::InvalidInput,
                                       u"before_id"_s);
    }
    return paging;
}

// ngrok's list envelope: the items, the list's own uri, and the next page's (or null).
QJsonObject listEnvelope(const QString &key, const QString &path, const QJsonArray &items, const Paging &paging,
                         const QString &lastId, bool more)
{
    QString uri = path;
    QStringList parameters;
    if (!paging.beforeId.isEmpty())
        parameters.append(u"before_id="_s + paging.beforeId);
    if (paging.limit != kDefaultLimit)
        parameters.append(u"limit="_s + QString::number(paging.limit));
    if (!parameters.isEmpty())
        uri += u'?' + parameters.join(u'&');
    const QJsonValue next = more
        ? QJsonValue(QString(path + u"?before_id="_s + lastId + u"&limit="_s + QString::number(paging.limit)))
        : QJsonValue(QJsonValue::Null);
    return QJsonObject{{key, items}, {u"uri"_s, uri}, {u"next_page_uri"_s, next}};
}

Result<RecordUpdate> updateOf(const HttpRequest &request)
{
    Result<Body> body = Body::read(request, {u"id"_s, u"description"_s, u"metadata"_s});
    if (!body)
        return body.error();
    Result<std::optional<QString>> id = body->string(u"id"_s);
    if (!id)
        return id.error();
    if (*id && **id != request.argument(u"id"_s))
        return CaErrorShape::error(CaErrorShape::Code::IdMismatch, u"id in the body differs from the id in the path"_s,
                                   Error::Kind::InvalidInput, u"id"_s);
    RecordUpdate update;
    Result<std::optional<QString>> description = body->string(u"description"_s);
    if (!description)
        return description.error();
    update.description = *description;
    Result<std::optional<QString>> metadata = body->string(u"metadata"_s);
    if (!metadata)
        return metadata.error();
    update.metadata = *metadata;
    return update;
}

Result<CaCreateInput> authorityInputOf(const HttpRequest &request)
{
    Result<Body> body = Body::read(
        request, {u"private_key_type"_s, u"elliptic_curve"_s, u"key_size"_s, u"description"_s, u"metadata"_s});
    if (!body)
        return body.error();
    CaCreateInput input;
    for (const auto &[field, target] : {std::pair{u"private_key_type"_s, &input.privateKeyType},
                                        {u"elliptic_curve"_s, &input.ellipticCurve},
                                        {u"description"_s, &input.description},
                                        {u"metadata"_s, &input.metadata}}) {
        Result<std::optional<QString>> value = body->string(field);
        if (!value)
            return value.error();
        if (*value)
            *target = **value;
    }
    Result<std::optional<int>> keySize = body->integer(u"key_size"_s);
    if (!keySize)
        return keySize.error();
    // The seed's key_size 0 means "the default", as an absent one does.
    input.keySize = keySize->value_or(0);
    if (input.keySize < 0)
        return caError(CaReason::KeySizeInvalid, u"key_size must be one of 2048, 3072, 4096"_s,
                       Error::Kind::InvalidInput, u"key_size"_s);
    return input;
}

Result<CertificateInput> certificateInputOf(CertificateKind kind, const HttpRequest &request)
{
    Result<Body> body
        = Body::read(request,
                     {u"ssh_certificate_authority_id"_s, u"public_key"_s, u"principals"_s, u"critical_options"_s,
                      u"extensions"_s, u"valid_after"_s, u"valid_until"_s, u"description"_s, u"metadata"_s});
    if (!body)
        return body.error();
    CertificateInput input;
    input.kind = kind;
    for (const auto &[field, target] : {std::pair{u"ssh_certificate_authority_id"_s, &input.certificateAuthorityId},
                                        {u"public_key"_s, &input.publicKey},
                                        {u"description"_s, &input.description},
                                        {u"metadata"_s, &input.metadata}}) {
        Result<std::optional<QString>> value = body->string(field);
        if (!value)
            return value.error();
        if (*value)
            *target = **value;
    }
    if (input.certificateAuthorityId.isEmpty())
        return caError(CaReason::AuthorityUnknown, u"ssh_certificate_authority_id is required"_s,
                       Error::Kind::InvalidInput, u"ssh_certificate_authority_id"_s);
    Result<std::optional<QStringList>> principals = body->strings(u"principals"_s);
    if (!principals)
        return principals.error();
    input.principals = principals->value_or(QStringList());
    Result<std::optional<QMap<QString, QString>>> options = body->stringMap(u"critical_options"_s);
    if (!options)
        return options.error();
    input.criticalOptions = *options;
    Result<std::optional<QMap<QString, QString>>> extensions = body->stringMap(u"extensions"_s);
    if (!extensions)
        return extensions.error();
    input.extensions = *extensions;
    Result<std::optional<QDateTime>> after = body->time(u"valid_after"_s);
    if (!after)
        return after.error();
    input.validAfter = *after;
    Result<std::optional<QDateTime>> until = body->time(u"valid_until"_s);
    if (!until)
        return until.error();
    input.validUntil = *until;
    return input;
}

Result<QString> reasonOf(const HttpRequest &request, const QStringList &allowed, QString *fingerprint = nullptr)
{
    Result<Body> body = Body::read(request, allowed, fingerprint == nullptr);
    if (!body)
        return body.error();
    Result<std::optional<QString>> reason = body->string(u"reason"_s);
    if (!reason)
        return reason.error();
    if (fingerprint) {
        Result<std::optional<QString>> value = body->string(u"fingerprint"_s);
        if (!value)
            return value.error();
        *fingerprint = value->value_or(QString());
    }
    return reason->value_or(QString());
}

// `status` with the JSON `toJson` makes of what the service answered, or the failure `fail` makes of its error.
template <typename Output, typename ToJson, typename Fail>
HttpResponse answer(const Result<Output> &output, int status, ToJson &&toJson, Fail &&fail)
{
    if (!output)
        return fail(output.error());
    return HttpResponse::json(status, QJsonDocument(toJson(output.value())));
}

} // namespace

CaController::CaController(ApiRouter &router, CertificateAuthorityService &service)
    : m_router(router)
    , m_service(service)
{
    const auto shape = std::make_shared<CaErrorShape>();
    for (const QString &prefix : {kAuthoritiesPath, kUserPath, kHostPath, kRevocationsPath})
        router.setErrorShape(prefix, shape);

    const QString authority = kAuthoritiesPath + u"/{id}"_s;
    const RouteOptions json{RouteBody::JsonRequired, true, std::nullopt};
    router.addRoute(
        "POST", kAuthoritiesPath, [this](const HttpRequest &r) { return createAuthority(r); }, json);
    router.addRoute("GET", kAuthoritiesPath, [this](const HttpRequest &r) { return listAuthorities(r); });
    router.addRoute("GET", authority, [this](const HttpRequest &r) { return showAuthority(r); });
    router.addRoute(
        "PATCH", authority, [this](const HttpRequest &r) { return updateAuthority(r); }, json);
    router.addRoute("DELETE", authority, [this](const HttpRequest &r) { return deleteAuthority(r); });
    router.addRoute("GET", authority + u"/krl"_s, [this](const HttpRequest &r) { return revocationList(r); });
    router.addRoute("GET", authority + u"/trusted_user_ca_keys"_s,
                    [this](const HttpRequest &r) { return trustedUserCaKeys(r); });
    router.addRoute("GET", authority + u"/known_hosts"_s, [this](const HttpRequest &r) { return knownHosts(r); });

    for (const CertificateKind kind : {CertificateKind::User, CertificateKind::Host}) {
        const QString path = pathOf(kind);
        const QString one = path + u"/{id}"_s;
        router.addRoute(
            "POST", path, [this, kind](const HttpRequest &r) { return createCertificate(kind, r); }, json);
        router.addRoute("GET", path, [this, kind](const HttpRequest &r) { return listCertificates(kind, r); });
        router.addRoute("GET", one, [this, kind](const HttpRequest &r) { return showCertificate(kind, r); });
        router.addRoute(
            "PATCH", one, [this, kind](const HttpRequest &r) { return updateCertificate(kind, r); }, json);
        router.addRoute("DELETE", one, [this, kind](const HttpRequest &r) { return deleteCertificate(kind, r); });
        router.addRoute("POST", one + u"/revoke"_s,
                        [this, kind](const HttpRequest &r) { return revokeCertificate(kind, r); },
                        {RouteBody::JsonOptional, true, std::nullopt});
    }
    router.addRoute(
        "POST", kRevocationsPath, [this](const HttpRequest &r) { return revokeSubject(r); }, json);
}

HttpResponse CaController::fail(const Error &error, const HttpRequest &request) const
{
    return m_router.error(CaErrorShape::statusFor(error), error, request);
}

HttpResponse CaController::createAuthority(const HttpRequest &request)
{
    Result<CaCreateInput> input = authorityInputOf(request);
    if (!input)
        return fail(input.error(), request);
    return answer(m_service.createAuthority(input.value(), requestActor(request)), 201, authorityToJson,
                  [&](const Error &error) { return fail(error, request); });
}

HttpResponse CaController::listAuthorities(const HttpRequest &request)
{
    Result<Paging> paging = pagingOf(request);
    if (!paging)
        return fail(paging.error(), request);
    Result<QList<CertificateAuthority>> all = m_service.authorities();
    if (!all)
        return fail(all.error(), request);
    qsizetype start = 0;
    if (!paging->beforeId.isEmpty()) {
        start = all->size();
        for (qsizetype i = 0; i < all->size(); ++i) {
            if (all->at(i).id == paging->beforeId) {
                start = i + 1;
                break;
            }
        }
    }
    QJsonArray items;
    QString lastId;
    for (qsizetype i = start; i < all->size() && items.size() < paging->limit; ++i) {
        items.append(authorityToJson(all->at(i)));
        lastId = all->at(i).id;
    }
    const bool more = start + items.size() < all->size();
    return HttpResponse::json(
        200, QJsonDocument(listEnvelope(kAuthoritiesPath.mid(1), kAuthoritiesPath, items, *paging, lastId, more)));
}

HttpResponse CaController::showAuthority(const HttpRequest &request)
{
    return answer(m_service.authority(request.argument(u"id"_s)), 200, authorityToJson,
                  [&](const Error &error) { return fail(error, request); });
}

HttpResponse CaController::updateAuthority(const HttpRequest &request)
{
    Result<RecordUpdate> update = updateOf(request);
    if (!update)
        return fail(update.error(), request);
    return answer(m_service.updateAuthority(request.argument(u"id"_s), update.value(), requestActor(request)), 200,
                  authorityToJson, [&](const Error &error) { return fail(error, request); });
}

HttpResponse CaController::deleteAuthority(const HttpRequest &request)
{
    if (Status deleted = m_service.deleteAuthority(request.argument(u"id"_s), requestActor(request)); !deleted)
        return fail(deleted.error(), request);
    return HttpResponse::empty(204);
}

HttpResponse CaController::revocationList(const HttpRequest &request)
{
    const QString id = request.argument(u"id"_s);
    Result<QByteArray> krl = m_service.revocationList(id);
    if (!krl)
        return fail(krl.error(), request);
    return HttpResponse::text(200, krl.value(), "application/octet-stream")
        .withHeader("Content-Disposition", "attachment; filename=\"" + id.toUtf8() + ".krl\"");
}

HttpResponse CaController::trustedUserCaKeys(const HttpRequest &request)
{
    Result<QString> line = m_service.trustedUserCaKeysLine(request.argument(u"id"_s));
    if (!line)
        return fail(line.error(), request);
    return HttpResponse::text(200, line->toUtf8() + '\n');
}

HttpResponse CaController::knownHosts(const HttpRequest &request)
{
    const QString id = request.argument(u"id"_s);
    const QString pattern = request.query.hasQueryItem(u"pattern"_s)
        ? request.query.queryItemValue(u"pattern"_s, QUrl::FullyDecoded)
        : u"*"_s;
    Result<QString> line = m_service.knownHostsCertAuthorityLine(id, pattern);
    if (!line)
        return fail(line.error(), request);
    Result<QString> revoked = m_service.knownHostsRevokedLines(id);
    if (!revoked)
        return fail(revoked.error(), request);
    return HttpResponse::text(200, (line.value() + u'\n' + revoked.value()).toUtf8());
}

HttpResponse CaController::createCertificate(CertificateKind kind, const HttpRequest &request)
{
    Result<CertificateInput> input = certificateInputOf(kind, request);
    if (!input)
        return fail(input.error(), request);
    Result<IssuedCertificate> issued = m_service.issue(input.value(), requestActor(request));
    if (!issued)
        return fail(issued.error(), request);
    return HttpResponse::json(201, QJsonDocument(certificateToJson(issued.value(), issued->createdAt)));
}

HttpResponse CaController::listCertificates(CertificateKind kind, const HttpRequest &request)
{
    Result<Paging> paging = pagingOf(request);
    if (!paging)
        return fail(paging.error(), request);
    CertificateQuery query;
    query.kind = kind;
    query.beforeId = paging->beforeId;
    query.limit = paging->limit + 1; // one more tells whether a next page exists
    Result<QList<IssuedCertificate>> found = m_service.certificates(query);
    if (!found)
        return fail(found.error(), request);
    const QDateTime now = m_service.clock().now();
    QJsonArray items;
    QString lastId;
    for (const IssuedCertificate &certificate : std::as_const(found.value())) {
        if (items.size() == paging->limit)
            break;
        items.append(certificateToJson(certificate, now));
        lastId = certificate.id;
    }
    const bool more = found->size() > paging->limit;
    return HttpResponse::json(200,
                              QJsonDocument(listEnvelope(listKey(kind), pathOf(kind), items, *paging, lastId, more)));
}

HttpResponse CaController::showCertificate(CertificateKind kind, const HttpRequest &request)
{
    return answer(
        m_service.certificate(request.argument(u"id"_s), kind), 200,
        [&](const IssuedCertificate &found) { return certificateToJson(found, m_service.clock().now()); },
        [&](const Error &error) { return fail(error, request); });
}

HttpResponse CaController::updateCertificate(CertificateKind kind, const HttpRequest &request)
{
    Result<RecordUpdate> update = updateOf(request);
    if (!update)
        return fail(update.error(), request);
    return answer(
        m_service.updateCertificate(request.argument(u"id"_s), kind, update.value(), requestActor(request)), 200,
        [&](const IssuedCertificate &updated) { return certificateToJson(updated, m_service.clock().now()); },
        [&](const Error &error) { return fail(error, request); });
}

HttpResponse CaController::deleteCertificate(CertificateKind kind, const HttpRequest &request)
{
    if (Status deleted = m_service.deleteCertificate(request.argument(u"id"_s), kind, requestActor(request)); !deleted)
        return fail(deleted.error(), request);
    return HttpResponse::empty(204);
}

HttpResponse CaController::revokeCertificate(CertificateKind kind, const HttpRequest &request)
{
    Result<QString> reason = reasonOf(request, {u"reason"_s});
    if (!reason)
        return fail(reason.error(), request);
    const QString id = request.argument(u"id"_s);
    // The path names the kind: a certificate of the other kind is not here.
    if (Result<IssuedCertificate> found = m_service.certificate(id, kind); !found)
        return fail(found.error(), request);
    Result<IssuedCertificate> revoked = m_service.revoke(id, reason.value(), requestActor(request));
    if (!revoked)
        return fail(revoked.error(), request);
    return HttpResponse::json(200, QJsonDocument(certificateToJson(revoked.value(), m_service.clock().now())));
}

HttpResponse CaController::revokeSubject(const HttpRequest &request)
{
    QString fingerprint;
    Result<QString> reason = reasonOf(request, {u"fingerprint"_s, u"reason"_s}, &fingerprint);
    if (!reason)
        return fail(reason.error(), request);
    Result<QList<IssuedCertificate>> revoked
        = m_service.revokeSubject(fingerprint, reason.value(), requestActor(request));
    if (!revoked)
        return fail(revoked.error(), request);
    const QDateTime now = m_service.clock().now();
    QJsonArray users;
    QJsonArray hosts;
    for (const IssuedCertificate &certificate : std::as_const(revoked.value()))
        (certificate.kind == CertificateKind::Host ? hosts : users).append(certificateToJson(certificate, now));
    return HttpResponse::json(201,
                              QJsonDocument(QJsonObject{{u"fingerprint"_s, fingerprint.trimmed()},
                                                        {u"reason"_s, reason.value()},
                                                        {u"ssh_user_certificates"_s, users},
                                                        {u"ssh_host_certificates"_s, hosts}}));
}

} // namespace keystead
