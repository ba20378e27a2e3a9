#include "api/ConfigurationController.h"

#include "api/RequestActor.h"

#include "api/ApiRouter.h"
#include "api/ApiSessions.h"
#include "api/ConfigTransactions.h"
#include "api/SpsErrorShape.h"
#include "api/TokenService.h"
#include "common/JsonTime.h"
#include "settings/SshSettingsService.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

const QString kConfiguration = u"/api/configuration"_s;
const QString kSsh = u"/api/configuration/ssh"_s;
const QString kOptions = u"/api/configuration/ssh/options"_s;
const QString kPolicies = u"/api/configuration/ssh/settings_policies"_s;
const QString kTransaction = u"/api/transaction"_s;
const QString kAuthentication = u"/api/authentication"_s;

QString policyHref(const QString &key)
{
    return kPolicies + u'/' + key;
}

QJsonValue hrefOrNull(const QString &href)
{
    return href.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(href);
}

// Keystead's ssh configuration has two children, in this order.
QJsonObject sshChildMeta(const QString &href)
{
    QJsonObject meta = spsMeta(href);
    meta.insert(u"first"_s, kOptions);
    meta.insert(u"last"_s, kPolicies);
    meta.insert(u"previous"_s, href == kPolicies ? QJsonValue(kOptions) : QJsonValue(QJsonValue::Null));
    meta.insert(u"next"_s, href == kOptions ? QJsonValue(kPolicies) : QJsonValue(QJsonValue::Null));
    return meta;
}

HttpResponse answer(int status, const QJsonObject &body)
{
    return HttpResponse::json(status, QJsonDocument(body));
}

QJsonObject item(const QString &key, const QString &href)
{
    return QJsonObject{{u"key"_s, key}, {u"meta"_s, QJsonObject{{u"href"_s, href}}}};
}

// SPS clients PUT the body object itself; a copy of a GET answer with its
// "body" wrapper is accepted too.
Result<QJsonObject> bodyObject(const HttpRequest &request)
{
    const QJsonDocument document = request.json();
    if (!document.isObject())
        return Error::invalid(u"the request body must be a JSON object"_s, u"body"_s);
    const QJsonObject object = document.object();
    if (object.value(u"body"_s).isObject())
        return object.value(u"body"_s).toObject();
    return object;
}

Error authenticationFailure(const QString &message)
{
    Error error{Error::Kind::Unauthorized, message, {}, {}};
    error.details.insert(u"reason"_s, QString(ApiSessions::kTokenRefused));
    return error;
}

// The token of POST /api/authentication: Authorization: Bearer, x-api-key,
// Basic (any user name, the token as password: what SPS's scripts send), or
// a `token` field in a JSON or form body.
QByteArray presentedToken(const HttpRequest &request)
{
    const QByteArray authorization = request.header("authorization").trimmed();
    if (authorization.size() > 7 && authorization.first(7).compare("bearer ", Qt::CaseInsensitive) == 0)
        return authorization.mid(7).trimmed();
    if (authorization.size() > 6 && authorization.first(6).compare("basic ", Qt::CaseInsensitive) == 0) {
        const QByteArray decoded = QByteArray::fromBase64(authorization.mid(6).trimmed());
        const qsizetype colon = decoded.indexOf(':');
        return colon >= 0 ? decoded.mid(colon + 1) : QByteArray();
    }
    if (const QByteArray key = request.header("x-api-key").trimmed(); !key.isEmpty())
        return key;
    const QByteArray body = request.body.trimmed();
    if (body.isEmpty())
        return {};
    if (body.startsWith('{')) {
        const QJsonValue token = QJsonDocument::fromJson(body).object().value(u"token"_s);
        return token.isString() ? token.toString().toUtf8() : QByteArray();
    }
    const QUrlQuery form(QString::fromUtf8(body));
    return form.queryItemValue(u"token"_s, QUrl::FullyDecoded).toUtf8();
}

} // namespace

ConfigurationController::ConfigurationController(ApiRouter &router, SshSettingsService &settings,
                                                 ConfigTransactions &transactions, ApiSessions &sessions,
                                                 TokenService &tokens)
    : m_router(router)
    , m_settings(settings)
    , m_transactions(transactions)
    , m_sessions(sessions)
    , m_tokens(tokens)
{
    const auto shape = std::make_shared<SpsErrorShape>();
    for (const QString &prefix : {kConfiguration, kTransaction, kAuthentication})
        router.setErrorShape(prefix, shape);
    // The whole SPS family takes the cookie, the host key routes included.
    for (const QString &prefix : {kConfiguration, kTransaction, kAuthentication, u"/api/ssh-host-keys"_s})
        router.acceptSessionCookies(prefix, sessions);

    auto bind = [this](HttpResponse (ConfigurationController::*method)(const HttpRequest &)) {
        return [this, method](const HttpRequest &request) { return (this->*method)(request); };
    };
    const RouteOptions json{.body = RouteBody::JsonRequired};
    router.addRoute("GET", kConfiguration, bind(&ConfigurationController::listRoot));
    router.addRoute("GET", kSsh, bind(&ConfigurationController::listSsh));
    router.addRoute("GET", kOptions, bind(&ConfigurationController::showOptions));
    router.addRoute("PUT", kOptions, bind(&ConfigurationController::replaceOptions), json);
    router.addRoute("GET", kPolicies, bind(&ConfigurationController::listPolicies));
    router.addRoute("POST", kPolicies, bind(&ConfigurationController::createPolicy), json);
    router.addRoute("GET", kPolicies + u"/{key}"_s, bind(&ConfigurationController::showPolicy));
    router.addRoute("PUT", kPolicies + u"/{key}"_s, bind(&ConfigurationController::replacePolicy), json);
    router.addRoute("DELETE", kPolicies + u"/{key}"_s, bind(&ConfigurationController::deletePolicy));
    router.addRoute("POST", kTransaction, bind(&ConfigurationController::openTransaction),
                    {.body = RouteBody::JsonOptional});
    router.addRoute("GET", kTransaction, bind(&ConfigurationController::showTransaction));
    router.addRoute("PUT", kTransaction, bind(&ConfigurationController::changeTransaction), json);
    router.addRoute("DELETE", kTransaction, bind(&ConfigurationController::rollbackTransaction));
    // The handler checks the credentials itself: they are what it is about.
    router.addRoute("POST", kAuthentication, bind(&ConfigurationController::authenticate), {.requiresToken = false});
    router.addRoute("GET", kAuthentication, bind(&ConfigurationController::authenticate), {.requiresToken = false});
    router.addRoute("DELETE", kAuthentication, bind(&ConfigurationController::logout), {.scope = TokenScope::Read});
}

HttpResponse ConfigurationController::listRoot(const HttpRequest &)
{
    return answer(200,
                  QJsonObject{{u"items"_s, QJsonArray{item(u"ssh"_s, kSsh)}}, {u"meta"_s, spsMeta(kConfiguration)}});
}

HttpResponse ConfigurationController::listSsh(const HttpRequest &)
{
    QJsonObject meta = spsMeta(kSsh);
    meta.insert(u"first"_s, kOptions);
    meta.insert(u"last"_s, kPolicies);
    return answer(
        200,
        QJsonObject{{u"items"_s, QJsonArray{item(u"options"_s, kOptions), item(u"settings_policies"_s, kPolicies)}},
                    {u"meta"_s, meta}});
}

HttpResponse ConfigurationController::showOptions(const HttpRequest &request)
{
    Result<SshOptions> options = m_transactions.options(ApiSessions::ownerOf(request));
    if (!options)
        return m_router.error(options.error(), request);
    return answer(200,
                  QJsonObject{{u"body"_s, SshSettingsService::optionsToJson(options.value())},
                              {u"key"_s, u"options"_s},
                              {u"meta"_s, sshChildMeta(kOptions)}});
}

HttpResponse ConfigurationController::replaceOptions(const HttpRequest &request)
{
    const QString owner = ApiSessions::ownerOf(request);
    Result<QJsonObject> body = bodyObject(request);
    if (!body)
        return m_router.error(body.error(), request);
    Result<SshOptions> current = m_transactions.options(owner);
    if (!current)
        return m_router.error(current.error(), request);
    Result<SshOptions> options = SshSettingsService::optionsFromJson(body.value(), current.value());
    if (!options)
        return m_router.error(options.error(), request);
    if (Status set = m_transactions.setOptions(owner, options.value()); !set)
        return m_router.error(set.error(), request);
    return answer(200, QJsonObject{{u"key"_s, u"options"_s}, {u"meta"_s, sshChildMeta(kOptions)}});
}

HttpResponse ConfigurationController::listPolicies(const HttpRequest &request)
{
    Result<QList<SettingsPolicy>> policies = m_transactions.policies(ApiSessions::ownerOf(request));
    if (!policies)
        return m_router.error(policies.error(), request);
    QJsonArray items;
    for (const SettingsPolicy &policy : policies.value())
        items.append(item(policy.key, policyHref(policy.key)));
    return answer(200, QJsonObject{{u"items"_s, items}, {u"meta"_s, sshChildMeta(kPolicies)}});
}

HttpResponse ConfigurationController::showPolicy(const HttpRequest &request)
{
    const QString owner = ApiSessions::ownerOf(request);
    const QString key = request.argument(u"key"_s);
    Result<SettingsPolicy> policy = m_transactions.policy(owner, key);
    if (!policy)
        return m_router.error(policy.error(), request);
    Result<QList<SettingsPolicy>> all = m_transactions.policies(owner);
    if (!all)
        return m_router.error(all.error(), request);
    QJsonObject meta = spsMeta(policyHref(key));
    const QList<SettingsPolicy> &list = all.value();
    qsizetype at = -1;
    for (qsizetype i = 0; i < list.size(); ++i) {
        if (list.at(i).key == key)
            at = i;
    }
    meta.insert(u"first"_s, list.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(policyHref(list.first().key)));
    meta.insert(u"last"_s, list.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(policyHref(list.last().key)));
    meta.insert(u"previous"_s, hrefOrNull(at > 0 ? policyHref(list.at(at - 1).key) : QString()));
    meta.insert(u"next"_s, hrefOrNull(at >= 0 && at + 1 < list.size() ? policyHref(list.at(at + 1).key) : QString()));
    return answer(
        200,
        QJsonObject{{u"body"_s, SshSettingsService::policyToJson(policy.value())}, {u"key"_s, key}, {u"meta"_s, meta}});
}

HttpResponse ConfigurationController::createPolicy(const HttpRequest &request)
{
    Result<QJsonObject> body = bodyObject(request);
    if (!body)
        return m_router.error(body.error(), request);
    Result<SettingsPolicy> policy = SshSettingsService::policyFromJson(body.value());
    if (!policy)
        return m_router.error(policy.error(), request);
    Result<SettingsPolicy> created = m_transactions.createPolicy(ApiSessions::ownerOf(request), policy.value());
    if (!created)
        return m_router.error(created.error(), request);
    return answer(201, QJsonObject{{u"key"_s, created->key}, {u"meta"_s, spsMeta(policyHref(created->key))}})
        .withHeader("Location", policyHref(created->key).toUtf8());
}

HttpResponse ConfigurationController::replacePolicy(const HttpRequest &request)
{
    const QString key = request.argument(u"key"_s);
    Result<QJsonObject> body = bodyObject(request);
    if (!body)
        return m_router.error(body.error(), request);
    Result<SettingsPolicy> policy = SshSettingsService::policyFromJson(body.value());
    if (!policy)
        return m_router.error(policy.error(), request);
    Result<SettingsPolicy> updated = m_transactions.updatePolicy(ApiSessions::ownerOf(request), key, policy.value());
    if (!updated)
        return m_router.error(updated.error(), request);
    return answer(200, QJsonObject{{u"key"_s, key}, {u"meta"_s, spsMeta(policyHref(key))}});
}

HttpResponse ConfigurationController::deletePolicy(const HttpRequest &request)
{
    const QString key = request.argument(u"key"_s);
    if (Status deleted = m_transactions.deletePolicy(ApiSessions::ownerOf(request), key); !deleted)
        return m_router.error(deleted.error(), request);
    return answer(200, QJsonObject{{u"meta"_s, spsMeta(policyHref(key))}});
}

HttpResponse ConfigurationController::transactionAnswer(const QString &owner)
{
    const ConfigTransactions::State state = m_transactions.state(owner);
    QJsonObject status{{u"status"_s, state.open ? u"open"_s : u"closed"_s}};
    if (state.open) {
        status.insert(u"opened_at"_s, timeToJson(state.openedAt));
        status.insert(u"changes"_s, state.pendingChanges);
    }
    // "transaction" is what SPS's own clients read; "body" matches the other answers here.
    return answer(200,
                  QJsonObject{{u"body"_s, status},
                              {u"key"_s, u"transaction"_s},
                              {u"transaction"_s, status},
                              {u"meta"_s, spsMeta(kTransaction)}});
}

HttpResponse ConfigurationController::openTransaction(const HttpRequest &request)
{
    const QString owner = ApiSessions::ownerOf(request);
    m_transactions.open(owner);
    return transactionAnswer(owner);
}

HttpResponse ConfigurationController::showTransaction(const HttpRequest &request)
{
    return transactionAnswer(ApiSessions::ownerOf(request));
}

HttpResponse ConfigurationController::changeTransaction(const HttpRequest &request)
{
    const QString owner = ApiSessions::ownerOf(request);
    const QJsonValue status = request.json().object().value(u"status"_s);
    if (status == QJsonValue(u"rollback"_s)) {
        m_transactions.rollback(owner);
        return transactionAnswer(owner);
    }
    if (status != QJsonValue(u"commit"_s))
        return m_router.error(Error::invalid(u"status must be \"commit\" or \"rollback\""_s, u"status"_s), request);
    if (Status committed = m_transactions.commit(owner, requestActor(request)); !committed)
        return m_router.error(committed.error(), request);
    return transactionAnswer(owner);
}

HttpResponse ConfigurationController::rollbackTransaction(const HttpRequest &request)
{
    const QString owner = ApiSessions::ownerOf(request);
    m_transactions.rollback(owner);
    return transactionAnswer(owner);
}

HttpResponse ConfigurationController::authenticate(const HttpRequest &request)
{
    AuthThrottle &throttle = m_router.throttle();
    if (const qint64 wait = throttle.retryAfterSeconds(request.peer); wait > 0) {
        return m_router
            .error(429,
                   Error{Error::Kind::Unauthorized,
                         u"too many failed authentications from this address; try again in %1 s"_s.arg(wait),
                         {},
                         {}},
                   request)
            .withHeader("Retry-After", QByteArray::number(wait));
    }
    const QByteArray secret = presentedToken(request);
    if (secret.isEmpty())
        return m_router.error(401,
                              authenticationFailure(u"send an API token: Authorization: Bearer <token>, x-api-key, "
                                                    "Basic with the token as password, or a \"token\" field"_s),
                              request);
    const std::optional<ApiToken> token = m_tokens.verify(secret);
    if (!token) {
        throttle.recordFailure(request.peer);
        return m_router.error(401, authenticationFailure(u"the token is not valid"_s), request);
    }
    throttle.recordSuccess(request.peer);
    Result<QByteArray> session = m_sessions.create(*token);
    if (!session)
        return m_router.error(session.error(), request);
    return answer(200,
                  QJsonObject{{u"authentication"_s, u"ok"_s},
                              {u"token"_s,
                               QJsonObject{{u"id"_s, token->id},
                                           {u"name"_s, token->name},
                                           {u"scopes"_s, tokenScopeNames(token->scopes)}}},
                              {u"idle_timeout"_s, ApiSessions::kIdleMs / 1000},
                              {u"lifetime"_s, ApiSessions::kLifetimeMs / 1000},
                              {u"meta"_s, spsMeta(kAuthentication)}})
        .withHeader("Set-Cookie", m_sessions.setCookieHeader(session.value()));
}

HttpResponse ConfigurationController::logout(const HttpRequest &request)
{
    // A transaction belongs to its session: logging out drops it.
    m_transactions.rollback(ApiSessions::ownerOf(request));
    if (const QByteArray cookie = ApiSessions::sessionCookie(request); !cookie.isEmpty())
        m_sessions.remove(cookie);
    return answer(200, QJsonObject{{u"authentication"_s, u"closed"_s}, {u"meta"_s, spsMeta(kAuthentication)}})
        .withHeader("Set-Cookie", m_sessions.clearCookieHeader());
}

} // namespace keystead
