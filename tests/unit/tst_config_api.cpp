#include "HttpTestClient.h"
#include "TestDatabase.h"

#include "api/ApiEndpoint.h"
#include "api/ApiRouter.h"
#include "api/ApiSessions.h"
#include "api/ConfigTransactions.h"
#include "api/ConfigurationController.h"
#include "api/SpsErrorShape.h"
#include "api/SystemController.h"
#include "api/TokenService.h"
#include "audit/AuditLog.h"
#include "settings/SshSettingsService.h"
#include "store/Sql.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QtTest>

#include <functional>
#include <memory>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

using BodyEdit = std::function<void(QJsonObject &)>;
Q_DECLARE_METATYPE(BodyEdit)

namespace {

// A JSON value inside nested objects, set by a dotted path ("a.b.c").
void setPath(QJsonObject &object, const QStringList &path, const QJsonValue &value)
{
    if (path.size() == 1) {
        object.insert(path.first(), value);
        return;
    }
    QJsonObject child = object.value(path.first()).toObject();
    setPath(child, path.mid(1), value);
    object.insert(path.first(), child);
}

BodyEdit setting(const QString &path, const QJsonValue &value)
{
    return [path, value](QJsonObject &body) { setPath(body, path.split(u'.'), value); };
}

} // namespace

// Seed 004's configuration over real HTTP: options and settings policies,
// changes inside transactions (commit all, rollback none, refusal outside one,
// optimistic conflicts with other transactions and with the panel), SPS errors
// naming the field, and the session_id cookie. On every store backend.
class TestConfigApi final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();
    void optionsHaveTheSeedsShapeAndRoundTrip_data() { backends(); }
    void optionsHaveTheSeedsShapeAndRoundTrip();
    void policiesAreCreatedReadUpdatedDeletedInTransactions_data() { backends(); }
    void policiesAreCreatedReadUpdatedDeletedInTransactions();
    void commitAppliesEveryChangeTogether_data() { backends(); }
    void commitAppliesEveryChangeTogether();
    void rollbackAppliesNothing_data() { backends(); }
    void rollbackAppliesNothing();
    void changeOutsideTransactionIsRefused_data() { backends(); }
    void changeOutsideTransactionIsRefused();
    void twoTransactionsOnOnePolicyConflict_data() { backends(); }
    void twoTransactionsOnOnePolicyConflict();
    void panelWriteConflictsOpenTransaction_data() { backends(); }
    void panelWriteConflictsOpenTransaction();
    void unknownAlgorithmIsNamedWithItsLocation_data() { backends(); }
    void unknownAlgorithmIsNamedWithItsLocation();
    void invalidPolicyFieldsAreRefused_data();
    void invalidPolicyFieldsAreRefused();
    void invalidOptionFieldsAreRefused_data();
    void invalidOptionFieldsAreRefused();
    void builtInAndActivePolicyCannotBeDeleted_data() { backends(); }
    void builtInAndActivePolicyCannotBeDeleted();
    void idleTransactionIsDropped();
    void sessionCookieAuthenticatesTheFamily_data() { backends(); }
    void sessionCookieAuthenticatesTheFamily();
    void badOrExpiredCookieIsUnauthenticated();
    void revokedTokenEndsItsSessions_data() { backends(); }
    void revokedTokenEndsItsSessions();
    void authenticationTakesTheTokenManyWays_data();
    void authenticationTakesTheTokenManyWays();
    void badTokenIsAuthenticationFailureAndThrottled();
    void logoutEndsTheSessionAndItsTransaction();
    void openApiDescribesTheRoutes();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }
    bool start(const QString &backend = u"sqlite"_s);
    QUrl url(const QString &path) const { return QUrl(m_endpoint->url() + path); }
    HttpReply call(const QByteArray &method, const QString &path, const QByteArray &body = {},
                   const QByteArray &token = {})
    {
        return httpRequest(
            method, url(path), body,
            {{"Authorization", "Bearer " + (token.isEmpty() ? m_writer : token)}, {"Content-Type", "application/json"}},
            60'000);
    }
    HttpReply call(const QByteArray &method, const QString &path, const QJsonObject &body, const QByteArray &token = {})
    {
        return call(method, path, QJsonDocument(body).toJson(QJsonDocument::Compact), token);
    }
    HttpReply withCookie(const QByteArray &method, const QString &path, const QByteArray &session,
                         const QJsonObject &body = {})
    {
        return httpRequest(method, url(path), body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson(),
                           {{"Cookie", "session_id=" + session}}, 60'000);
    }
    // A session_id for `token` from POST /api/authentication.
    QByteArray login(const QByteArray &token = {})
    {
        const HttpReply reply = httpRequest("POST", url(u"/api/authentication"_s), {},
                                            {{"Authorization", "Bearer " + (token.isEmpty() ? m_writer : token)}});
        const QRegularExpressionMatch match = QRegularExpression(u"^session_id=([0-9a-f]{40});"_s)
                                                  .match(QString::fromLatin1(reply.header("set-cookie")));
        return match.hasMatch() ? match.captured(1).toLatin1() : QByteArray();
    }
    static QJsonObject policyBody(const QString &name)
    {
        SettingsPolicy policy = SshSettingsService::defaultPolicy();
        policy.name = name;
        return SshSettingsService::policyToJson(policy);
    }
    bool open(const QByteArray &token = {})
    {
        const HttpReply reply = call("POST", u"/api/transaction"_s, QByteArray(), token);
        return reply.status == 200 && reply.json().object().value(u"body"_s).toObject().value(u"status"_s) == u"open"_s;
    }
    HttpReply commit(const QByteArray &token = {})
    {
        return call("PUT", u"/api/transaction"_s, QJsonObject{{u"status"_s, u"commit"_s}}, token);
    }
    // The key of a policy made in the open transaction of `token`.
    QString createPolicy(const QString &name, const QByteArray &token = {})
    {
        const HttpReply reply = call("POST", u"/api/configuration/ssh/settings_policies"_s, policyBody(name), token);
        return reply.status == 201 ? reply.json().object().value(u"key"_s).toString() : QString();
    }
    // The committed state as an outsider (another token) sees it.
    QStringList committedPolicyNames()
    {
        Result<QList<SettingsPolicy>> policies = m_settings->policies();
        QStringList names;
        if (policies) {
            for (const SettingsPolicy &policy : policies.value())
                names.append(policy.name);
        }
        return names;
    }
    static QString errorCode(const HttpReply &reply)
    {
        return reply.json().object().value(u"error"_s).toObject().value(u"code"_s).toString();
    }
    static QJsonObject errorDetails(const HttpReply &reply)
    {
        return reply.json().object().value(u"error"_s).toObject().value(u"details"_s).toObject();
    }

    ManualClock m_clock;
    std::unique_ptr<TestDatabase> m_store;
    std::unique_ptr<TokenService> m_tokens;
    std::unique_ptr<ApiRouter> m_router;
    std::unique_ptr<SystemController> m_system;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<SshSettingsService> m_settings;
    std::unique_ptr<ConfigTransactions> m_transactions;
    std::unique_ptr<ApiSessions> m_sessions;
    std::unique_ptr<ConfigurationController> m_controller;
    std::unique_ptr<ApiEndpoint> m_endpoint;
    QByteArray m_writer;
    QByteArray m_other;
    QByteArray m_reader;
    QString m_writerId;
};

bool TestConfigApi::start(const QString &backend)
{
    m_store = TestDatabase::create(backend, m_clock);
    if (!m_store)
        return false;
    Database &database = m_store->database();
    m_tokens = std::make_unique<TokenService>(database);
    m_router = std::make_unique<ApiRouter>(*m_tokens, m_clock);
    m_system = std::make_unique<SystemController>(*m_router);
    m_audit = std::make_unique<AuditLog>(database, m_clock);
    m_settings = std::make_unique<SshSettingsService>(database, m_clock, *m_audit);
    m_transactions = std::make_unique<ConfigTransactions>(*m_settings, m_clock);
    m_sessions = std::make_unique<ApiSessions>(*m_tokens, m_clock);
    m_controller
        = std::make_unique<ConfigurationController>(*m_router, *m_settings, *m_transactions, *m_sessions, *m_tokens);
    // Stand-ins for routes of other families, to see where the cookie counts.
    auto echo = [](const HttpRequest &request) {
        return HttpResponse::json(200, QJsonDocument(QJsonObject{{u"token"_s, request.token->name}}));
    };
    m_router->addRoute("GET", u"/api/ssh-host-keys"_s, echo);
    m_router->addRoute("GET", u"/api/pam/key"_s, echo);
    m_endpoint = std::make_unique<ApiEndpoint>(*m_router, database);
    const Result<NewApiToken> writer = m_tokens->create(u"writer"_s);
    const Result<NewApiToken> other = m_tokens->create(u"other"_s);
    const Result<NewApiToken> reader = m_tokens->create(u"reader"_s, TokenScope::Read);
    if (!writer || !other || !reader)
        return false;
    m_writer = writer->secret.toLatin1();
    m_writerId = writer->token.id;
    m_other = other->secret.toLatin1();
    m_reader = reader->secret.toLatin1();
    EndpointConfig config;
    config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    return m_endpoint->start(config).ok();
}

void TestConfigApi::cleanup()
{
    if (m_endpoint)
        m_endpoint->stop();
    m_endpoint.reset();
    m_controller.reset();
    m_sessions.reset();
    m_transactions.reset();
    m_settings.reset();
    m_audit.reset();
    m_system.reset();
    m_router.reset();
    m_tokens.reset();
    m_store.reset();
}

void TestConfigApi::optionsHaveTheSeedsShapeAndRoundTrip()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const HttpReply shown = call("GET", u"/api/configuration/ssh/options"_s);
    QCOMPARE(shown.status, 200);
    const QJsonObject answer = shown.json().object();
    QCOMPARE(answer.value(u"key"_s).toString(), u"options"_s);
    const QJsonObject body = answer.value(u"body"_s).toObject();
    const QJsonObject cleanup = body.value(u"audit"_s).toObject().value(u"cleanup"_s).toObject();
    QCOMPARE(cleanup.value(u"channel_database_cleanup_days"_s).toInt(), 600);
    QCOMPARE(cleanup.value(u"enabled"_s).toBool(), true);
    const QJsonObject timestamping = body.value(u"audit"_s).toObject().value(u"timestamping"_s).toObject();
    QCOMPARE(timestamping.value(u"selection"_s).toString(), u"local"_s);
    QCOMPARE(timestamping.value(u"signing_interval"_s).toInt(), 30);
    QCOMPARE(body.value(u"gssapi"_s).toObject().value(u"enabled"_s), QJsonValue(false));
    const QJsonObject service = body.value(u"service"_s).toObject();
    QCOMPARE(service.value(u"enabled"_s), QJsonValue(true));
    QCOMPARE(service.value(u"log_level"_s).toInt(), 4);
    QCOMPARE(service.value(u"settings_policy"_s).toString(), u"-300"_s);
    const QJsonObject meta = answer.value(u"meta"_s).toObject();
    QCOMPARE(meta.value(u"href"_s).toString(), u"/api/configuration/ssh/options"_s);
    QCOMPARE(meta.value(u"parent"_s).toString(), u"/api/configuration/ssh"_s);
    QCOMPARE(meta.value(u"transaction"_s).toString(), u"/api/transaction"_s);
    QCOMPARE(meta.value(u"next"_s).toString(), u"/api/configuration/ssh/settings_policies"_s);
    QCOMPARE(meta.value(u"last"_s).toString(), u"/api/configuration/ssh/settings_policies"_s);
    QVERIFY(meta.contains(u"first"_s) && meta.contains(u"previous"_s));

    // The seed's "enable cleanup every 10 days", PUT in a transaction.
    QVERIFY(open());
    const QJsonObject seedExample = QJsonDocument::fromJson(
                                        R"({"audit": {"cleanup": {"channel_database_cleanup_days": 10, "enabled": true},
                                        "timestamping": {"selection": "local", "signing_interval": 60}},
                                        "gssapi": {"enabled": false}, "service": {"enabled": false, "log_level": 6}})")
                                        .object();
    const HttpReply put = call("PUT", u"/api/configuration/ssh/options"_s, seedExample);
    QCOMPARE(put.status, 200);
    QCOMPARE(put.json().object().value(u"key"_s).toString(), u"options"_s);
    QCOMPARE(m_settings->options().value(), SshOptions{}); // not before the commit
    QCOMPARE(commit().status, 200);
    SshOptions expected;
    expected.cleanupDays = 10;
    expected.signingInterval = 60;
    expected.serviceEnabled = false;
    expected.logLevel = 6;
    QCOMPARE(m_settings->options().value(), expected);
    const QJsonObject after
        = call("GET", u"/api/configuration/ssh/options"_s).json().object().value(u"body"_s).toObject();
    QJsonObject expectedBody = seedExample;
    setPath(expectedBody, {u"service"_s, u"settings_policy"_s}, u"-300"_s);
    QCOMPARE(after, expectedBody);
}

void TestConfigApi::policiesAreCreatedReadUpdatedDeletedInTransactions()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const HttpReply listed = call("GET", u"/api/configuration/ssh/settings_policies"_s);
    QCOMPARE(listed.status, 200);
    const QJsonArray items = listed.json().object().value(u"items"_s).toArray();
    QCOMPARE(items.size(), 1);
    QCOMPARE(items.first().toObject().value(u"key"_s).toString(), u"-300"_s);
    QCOMPARE(items.first().toObject().value(u"meta"_s).toObject().value(u"href"_s).toString(),
             u"/api/configuration/ssh/settings_policies/-300"_s);
    QCOMPARE(listed.json().object().value(u"meta"_s).toObject().value(u"previous"_s).toString(),
             u"/api/configuration/ssh/options"_s);

    QVERIFY(open());
    QJsonObject body = policyBody(u"API_SSH_Setting"_s);
    body.insert(u"greeting"_s, u"Welcome!"_s);
    body.insert(u"userauth_banner"_s, u"This is a monitored connection."_s);
    const HttpReply created = call("POST", u"/api/configuration/ssh/settings_policies"_s, body);
    QCOMPARE(created.status, 201);
    const QString key = created.json().object().value(u"key"_s).toString();
    QVERIFY(!key.isEmpty());
    const QJsonObject createdMeta = created.json().object().value(u"meta"_s).toObject();
    QCOMPARE(createdMeta.value(u"href"_s).toString(), u"/api/configuration/ssh/settings_policies/"_s + key);
    QCOMPARE(createdMeta.value(u"parent"_s).toString(), u"/api/configuration/ssh/settings_policies"_s);
    QCOMPARE(createdMeta.value(u"transaction"_s).toString(), u"/api/transaction"_s);

    // The owner reads it before the commit; another token does not see it.
    const HttpReply mine = call("GET", u"/api/configuration/ssh/settings_policies/"_s + key);
    QCOMPARE(mine.status, 200);
    QCOMPARE(mine.json().object().value(u"body"_s).toObject(), body);
    QCOMPARE(mine.json().object().value(u"key"_s).toString(), key);
    const QJsonObject meta = mine.json().object().value(u"meta"_s).toObject();
    QCOMPARE(meta.value(u"first"_s).toString(), u"/api/configuration/ssh/settings_policies/-300"_s);
    QCOMPARE(meta.value(u"previous"_s).toString(), u"/api/configuration/ssh/settings_policies/-300"_s);
    QCOMPARE(meta.value(u"last"_s).toString(), u"/api/configuration/ssh/settings_policies/"_s + key);
    QCOMPARE(meta.value(u"next"_s), QJsonValue(QJsonValue::Null));
    QCOMPARE(meta.value(u"parent"_s).toString(), u"/api/configuration/ssh/settings_policies"_s);
    QCOMPARE(call("GET", u"/api/configuration/ssh/settings_policies/"_s + key, QByteArray(), m_other).status, 404);
    QCOMPARE(call("GET", u"/api/configuration/ssh/settings_policies"_s, QByteArray(), m_other)
                 .json()
                 .object()
                 .value(u"items"_s)
                 .toArray()
                 .size(),
             1);
    QCOMPARE(commit().status, 200);
    Result<SettingsPolicy> stored = m_settings->policy(key);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->greeting, u"Welcome!"_s);
    QCOMPARE(call("GET", u"/api/configuration/ssh/settings_policies/"_s + key, QByteArray(), m_other).status, 200);

    // Update.
    QVERIFY(open());
    body.insert(u"timeout"_s, 30);
    body.insert(u"strict_mode"_s, false);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/settings_policies/"_s + key, body).status, 200);
    QCOMPARE(m_settings->policy(key)->timeout, 600);
    QCOMPARE(commit().status, 200);
    QCOMPARE(m_settings->policy(key)->timeout, 30);
    QCOMPARE(m_settings->policy(key)->strictMode, false);
    QCOMPARE(
        call("GET", u"/api/configuration/ssh/settings_policies/"_s + key).json().object().value(u"body"_s).toObject(),
        body);

    // Delete.
    QVERIFY(open());
    const HttpReply deleted = call("DELETE", u"/api/configuration/ssh/settings_policies/"_s + key);
    QCOMPARE(deleted.status, 200);
    QCOMPARE(deleted.json().object().value(u"meta"_s).toObject().value(u"href"_s).toString(),
             u"/api/configuration/ssh/settings_policies/"_s + key);
    QCOMPARE(call("GET", u"/api/configuration/ssh/settings_policies/"_s + key).status, 404);
    KEYSTEAD_VERIFY_OK(m_settings->policy(key));
    QCOMPARE(commit().status, 200);
    QCOMPARE(m_settings->policy(key).error().kind, Error::Kind::NotFound);

    const HttpReply missing = call("GET", u"/api/configuration/ssh/settings_policies/nope"_s);
    QCOMPARE(missing.status, 404);
    QCOMPARE(errorCode(missing), u"NotFound"_s);
    // Each committed change is audited with the token that made it.
    Result<QList<AuditEvent>> events = m_audit->list();
    KEYSTEAD_VERIFY_OK(events);
    QCOMPARE(events->size(), 3);
    QCOMPARE(events->first().action, u"ssh_settings.policy.delete"_s);
    QCOMPARE(events->first().actor.id, m_writerId);
}

void TestConfigApi::commitAppliesEveryChangeTogether()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QVERIFY(open());
    const QString first = createPolicy(u"First"_s);
    const QString second = createPolicy(u"Second"_s);
    QVERIFY(!first.isEmpty() && !second.isEmpty());
    QJsonObject options = SshSettingsService::optionsToJson(SshOptions{});
    setPath(options, {u"service"_s, u"settings_policy"_s}, second);
    setPath(options, {u"service"_s, u"log_level"_s}, 2);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/options"_s, options).status, 200);

    const HttpReply status = call("GET", u"/api/transaction"_s);
    QCOMPARE(status.status, 200);
    QCOMPARE(status.json().object().value(u"body"_s).toObject().value(u"status"_s).toString(), u"open"_s);
    QCOMPARE(status.json().object().value(u"transaction"_s).toObject().value(u"status"_s).toString(), u"open"_s);
    QCOMPARE(status.json().object().value(u"body"_s).toObject().value(u"changes"_s).toInt(), 3);
    QCOMPARE(status.json().object().value(u"meta"_s).toObject().value(u"href"_s).toString(), u"/api/transaction"_s);
    QCOMPARE(call("GET", u"/api/transaction"_s, QByteArray(), m_other)
                 .json()
                 .object()
                 .value(u"body"_s)
                 .toObject()
                 .value(u"status"_s)
                 .toString(),
             u"closed"_s);

    // Nothing is visible outside before the commit.
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
    QCOMPARE(call("GET", u"/api/configuration/ssh/options"_s, QByteArray(), m_other)
                 .json()
                 .object()
                 .value(u"body"_s)
                 .toObject()
                 .value(u"service"_s)
                 .toObject()
                 .value(u"settings_policy"_s)
                 .toString(),
             u"-300"_s);

    const HttpReply committed = commit();
    QCOMPARE(committed.status, 200);
    QCOMPARE(committed.json().object().value(u"body"_s).toObject().value(u"status"_s).toString(), u"closed"_s);
    QCOMPARE(committedPolicyNames(), (QStringList{u"Default"_s, u"First"_s, u"Second"_s}));
    QCOMPARE(m_settings->activePolicy().key, second);
    const HttpReply seen = call("GET", u"/api/configuration/ssh/options"_s, QByteArray(), m_other);
    QCOMPARE(
        seen.json().object().value(u"body"_s).toObject().value(u"service"_s).toObject().value(u"log_level"_s).toInt(),
        2);
    QCOMPARE(call("GET", u"/api/configuration/ssh/settings_policies"_s, QByteArray(), m_other)
                 .json()
                 .object()
                 .value(u"items"_s)
                 .toArray()
                 .size(),
             3);
    // A commit with nothing open.
    const HttpReply again = commit();
    QCOMPARE(again.status, 409);
    QCOMPARE(errorCode(again), u"TransactionMissing"_s);
}

void TestConfigApi::rollbackAppliesNothing()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QVERIFY(open());
    QVERIFY(!createPolicy(u"Dropped"_s).isEmpty());
    QJsonObject options = SshSettingsService::optionsToJson(SshOptions{});
    setPath(options, {u"service"_s, u"log_level"_s}, 0);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/options"_s, options).status, 200);
    QCOMPARE(call("DELETE", u"/api/configuration/ssh/settings_policies/-300"_s).status, 409);

    const HttpReply rolledBack = call("PUT", u"/api/transaction"_s, QJsonObject{{u"status"_s, u"rollback"_s}});
    QCOMPARE(rolledBack.status, 200);
    QCOMPARE(rolledBack.json().object().value(u"body"_s).toObject().value(u"status"_s).toString(), u"closed"_s);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
    QCOMPARE(m_settings->options().value(), SshOptions{});
    QCOMPARE(
        call("GET", u"/api/configuration/ssh/settings_policies"_s).json().object().value(u"items"_s).toArray().size(),
        1);

    // DELETE /api/transaction rolls back too.
    QVERIFY(open());
    QVERIFY(!createPolicy(u"Dropped too"_s).isEmpty());
    QCOMPARE(call("DELETE", u"/api/transaction"_s).status, 200);
    QCOMPARE(commit().status, 409);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
    Result<QList<AuditEvent>> events = m_audit->list();
    QCOMPARE(events->size(), 0);
}

void TestConfigApi::changeOutsideTransactionIsRefused()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const HttpReply created = call("POST", u"/api/configuration/ssh/settings_policies"_s, policyBody(u"Nope"_s));
    QCOMPARE(created.status, 409);
    QCOMPARE(errorCode(created), u"TransactionMissing"_s);
    QCOMPARE(errorDetails(created).value(u"path"_s).toString(), u"/api/configuration/ssh/settings_policies"_s);
    QVERIFY(created.json()
                .object()
                .value(u"error"_s)
                .toObject()
                .value(u"message"_s)
                .toString()
                .contains(u"POST /api/transaction"_s));
    QCOMPARE(call("PUT", u"/api/configuration/ssh/settings_policies/-300"_s, policyBody(u"Renamed"_s)).status, 409);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/options"_s, SshSettingsService::optionsToJson(SshOptions{})).status,
             409);
    Result<SettingsPolicy> other = m_settings->createPolicy(
        SshSettingsService::policyFromJson(policyBody(u"Other"_s)).value(), Actor::console());
    KEYSTEAD_VERIFY_OK(other);
    QCOMPARE(call("DELETE", u"/api/configuration/ssh/settings_policies/"_s + other->key).status, 409);
    // Another token's open transaction is not this one's.
    QVERIFY(open(m_other));
    QCOMPARE(call("POST", u"/api/configuration/ssh/settings_policies"_s, policyBody(u"Nope"_s)).status, 409);
    QCOMPARE(committedPolicyNames(), (QStringList{u"Default"_s, u"Other"_s}));
    // A token that may only read may not open one.
    QCOMPARE(call("POST", u"/api/transaction"_s, QByteArray(), m_reader).status, 403);
}

void TestConfigApi::twoTransactionsOnOnePolicyConflict()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QVERIFY(open());
    QVERIFY(open(m_other));
    QJsonObject mine = policyBody(u"Default"_s);
    mine.insert(u"greeting"_s, u"first"_s);
    QJsonObject theirs = policyBody(u"Default"_s);
    theirs.insert(u"greeting"_s, u"second"_s);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/settings_policies/-300"_s, mine).status, 200);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/settings_policies/-300"_s, theirs, m_other).status, 200);
    // The other transaction also makes a policy: it must not land either.
    QVERIFY(!createPolicy(u"Collateral"_s, m_other).isEmpty());

    QCOMPARE(commit().status, 200);
    const HttpReply second = commit(m_other);
    QCOMPARE(second.status, 409);
    QCOMPARE(errorCode(second), u"TransactionConflict"_s);
    QCOMPARE(errorDetails(second).value(u"id"_s).toString(), u"-300"_s);
    QVERIFY(second.json().object().value(u"error"_s).toObject().value(u"message"_s).toString().contains(u"-300"_s));
    QCOMPARE(m_settings->policy(u"-300"_s)->greeting, u"first"_s);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
    // The conflicting transaction is closed: the caller starts again.
    QCOMPARE(call("GET", u"/api/transaction"_s, QByteArray(), m_other)
                 .json()
                 .object()
                 .value(u"body"_s)
                 .toObject()
                 .value(u"status"_s)
                 .toString(),
             u"closed"_s);
}

void TestConfigApi::panelWriteConflictsOpenTransaction()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QVERIFY(open());
    QJsonObject options = SshSettingsService::optionsToJson(SshOptions{});
    setPath(options, {u"service"_s, u"log_level"_s}, 1);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/options"_s, options).status, 200);
    QVERIFY(!createPolicy(u"Made over HTTP"_s).isEmpty());

    // The panel applies its edit at once, as it does.
    SshOptions panel;
    panel.logLevel = 7;
    KEYSTEAD_VERIFY_OK(m_settings->setOptions(panel, Actor::console()));

    const HttpReply refused = commit();
    QCOMPARE(refused.status, 409);
    QCOMPARE(errorCode(refused), u"TransactionConflict"_s);
    QCOMPARE(errorDetails(refused).value(u"id"_s).toString(), u"options"_s);
    QCOMPARE(m_settings->options()->logLevel, 7);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
}

void TestConfigApi::unknownAlgorithmIsNamedWithItsLocation()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QVERIFY(open());
    QJsonObject body = policyBody(u"Odd"_s);
    QJsonObject server = body.value(u"server_side_algorithms"_s).toObject();
    server.insert(u"cipher"_s, QJsonArray{u"aes256-ctr"_s, u"aes128-ctr"_s, u"twofish-cbc"_s});
    body.insert(u"server_side_algorithms"_s, server);
    const HttpReply refused = call("POST", u"/api/configuration/ssh/settings_policies"_s, body);
    QCOMPARE(refused.status, 400);
    QCOMPARE(errorCode(refused), u"InvalidQuery"_s);
    QCOMPARE(errorDetails(refused).value(u"location"_s).toString(), u"server_side_algorithms.cipher[2]"_s);
    QCOMPARE(errorDetails(refused).value(u"value"_s).toString(), u"twofish-cbc"_s);
    QVERIFY(
        refused.json().object().value(u"error"_s).toObject().value(u"message"_s).toString().contains(u"twofish-cbc"_s));
    // Not kept in the transaction: the commit has nothing to apply.
    QCOMPARE(call("GET", u"/api/transaction"_s).json().object().value(u"body"_s).toObject().value(u"changes"_s).toInt(),
             0);
    QCOMPARE(commit().status, 200);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
}

void TestConfigApi::invalidPolicyFieldsAreRefused_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<BodyEdit>("edit");
    QTest::addColumn<QString>("location");
    const QList<std::tuple<const char *, BodyEdit, QString>> rows{
        {"name missing", [](QJsonObject &b) { b.remove(u"name"_s); }, u"name"_s},
        {"name empty", setting(u"name"_s, u""_s), u"name"_s},
        {"name a number", setting(u"name"_s, 7), u"name"_s},
        {"name taken", setting(u"name"_s, u"Default"_s), u"name"_s},
        {"server side missing", [](QJsonObject &b) { b.remove(u"server_side_algorithms"_s); },
         u"server_side_algorithms"_s},
        {"kex missing",
         [](QJsonObject &b) {
             QJsonObject side = b.value(u"client_side_algorithms"_s).toObject();
             side.remove(u"kex"_s);
             b.insert(u"client_side_algorithms"_s, side);
         },
         u"client_side_algorithms.kex"_s},
        {"cipher a string", setting(u"server_side_algorithms.cipher"_s, u"aes256-ctr"_s),
         u"server_side_algorithms.cipher"_s},
        {"mac empty", setting(u"server_side_algorithms.mac"_s, QJsonArray{}), u"server_side_algorithms.mac"_s},
        {"mac not a string", setting(u"server_side_algorithms.mac"_s, QJsonArray{1}),
         u"server_side_algorithms.mac[0]"_s},
        {"compression unknown", setting(u"client_side_algorithms.compression"_s, QJsonArray{u"brotli"_s}),
         u"client_side_algorithms.compression[0]"_s},
        {"duplicate kex",
         setting(u"server_side_algorithms.kex"_s, QJsonArray{u"curve25519-sha256"_s, u"curve25519-sha256"_s}),
         u"server_side_algorithms.kex[1]"_s},
        {"greeting too long", setting(u"greeting"_s, QString(4097, u'x')), u"greeting"_s},
        {"banner too long", setting(u"userauth_banner"_s, QString(5000, u'x')), u"userauth_banner"_s},
        {"banner a bool", setting(u"userauth_banner"_s, true), u"userauth_banner"_s},
        {"timeout zero", setting(u"timeout"_s, 0), u"timeout"_s},
        {"timeout too long", setting(u"timeout"_s, 86401), u"timeout"_s},
        {"timeout a fraction", setting(u"timeout"_s, 1.5), u"timeout"_s},
        {"timeout a string", setting(u"timeout"_s, u"600"_s), u"timeout"_s},
        {"strict mode a string", setting(u"strict_mode"_s, u"yes"_s), u"strict_mode"_s},
        {"version with a space", setting(u"software_version"_s, u"My SSH"_s), u"software_version"_s},
        {"version with a minus", setting(u"software_version"_s, u"My-SSH"_s), u"software_version"_s},
        {"version empty", setting(u"software_version"_s, u""_s), u"software_version"_s},
        {"unknown field", setting(u"colour"_s, u"blue"_s), u"colour"_s},
    };
    for (const QString &backend : storeBackends()) {
        for (const auto &[name, edit, location] : rows)
            QTest::addRow("%s-%s", qPrintable(backend), name) << backend << edit << location;
    }
}

void TestConfigApi::invalidPolicyFieldsAreRefused()
{
    QFETCH(QString, backend);
    QFETCH(BodyEdit, edit);
    QFETCH(QString, location);
    QVERIFY(start(backend));
    QVERIFY(open());
    QJsonObject body = policyBody(u"Edited"_s);
    edit(body);
    const HttpReply created = call("POST", u"/api/configuration/ssh/settings_policies"_s, body);
    QCOMPARE(created.status, 400);
    QCOMPARE(errorCode(created), u"InvalidQuery"_s);
    QCOMPARE(errorDetails(created).value(u"location"_s).toString(), location);
    // An update of the built-in policy with the same body is refused the same way
    // (but for the name "Default", which is its own).
    if (body.value(u"name"_s) != u"Default"_s) {
        const HttpReply updated = call("PUT", u"/api/configuration/ssh/settings_policies/-300"_s, body);
        QCOMPARE(updated.status, 400);
        QCOMPARE(errorDetails(updated).value(u"location"_s).toString(), location);
    }
    QCOMPARE(commit().status, 200);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
    QCOMPARE(m_settings->policy(u"-300"_s).value(), SshSettingsService::defaultPolicy());
}

void TestConfigApi::invalidOptionFieldsAreRefused_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<BodyEdit>("edit");
    QTest::addColumn<QString>("location");
    const QList<std::tuple<const char *, BodyEdit, QString>> rows{
        {"log level 8", setting(u"service.log_level"_s, 8), u"service.log_level"_s},
        {"log level -1", setting(u"service.log_level"_s, -1), u"service.log_level"_s},
        {"log level a string", setting(u"service.log_level"_s, u"4"_s), u"service.log_level"_s},
        {"enabled a number", setting(u"service.enabled"_s, 1), u"service.enabled"_s},
        {"cleanup 0 days", setting(u"audit.cleanup.channel_database_cleanup_days"_s, 0),
         u"audit.cleanup.channel_database_cleanup_days"_s},
        {"cleanup 36501 days", setting(u"audit.cleanup.channel_database_cleanup_days"_s, 36501),
         u"audit.cleanup.channel_database_cleanup_days"_s},
        {"signing 5 s", setting(u"audit.timestamping.signing_interval"_s, 5), u"audit.timestamping.signing_interval"_s},
        {"signing 86401 s", setting(u"audit.timestamping.signing_interval"_s, 86401),
         u"audit.timestamping.signing_interval"_s},
        {"remote timestamping",
         [](QJsonObject &b) {
             setPath(b, {u"audit"_s, u"timestamping"_s, u"selection"_s}, u"remote"_s);
             setPath(b, {u"audit"_s, u"timestamping"_s, u"server_url"_s}, u"https://tsa.example"_s);
         },
         u"audit.timestamping.selection"_s},
        {"gssapi on", setting(u"gssapi.enabled"_s, true), u"gssapi.enabled"_s},
        {"unknown policy", setting(u"service.settings_policy"_s, u"nope"_s), u"service.settings_policy"_s},
        {"audit a list", setting(u"audit"_s, QJsonArray{}), u"audit"_s},
        {"unknown field", setting(u"service.colour"_s, u"blue"_s), u"service.colour"_s},
    };
    for (const QString &backend : storeBackends()) {
        for (const auto &[name, edit, location] : rows)
            QTest::addRow("%s-%s", qPrintable(backend), name) << backend << edit << location;
    }
}

void TestConfigApi::invalidOptionFieldsAreRefused()
{
    QFETCH(QString, backend);
    QFETCH(BodyEdit, edit);
    QFETCH(QString, location);
    QVERIFY(start(backend));
    QVERIFY(open());
    QJsonObject body = SshSettingsService::optionsToJson(SshOptions{});
    edit(body);
    const HttpReply refused = call("PUT", u"/api/configuration/ssh/options"_s, body);
    QCOMPARE(refused.status, 400);
    QCOMPARE(errorCode(refused), u"InvalidQuery"_s);
    QCOMPARE(errorDetails(refused).value(u"location"_s).toString(), location);
    QCOMPARE(commit().status, 200);
    QCOMPARE(m_settings->options().value(), SshOptions{});
    QCOMPARE(m_settings->revision(u"options"_s).value(), qint64(1));
}

void TestConfigApi::builtInAndActivePolicyCannotBeDeleted()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QVERIFY(open());
    const HttpReply builtIn = call("DELETE", u"/api/configuration/ssh/settings_policies/-300"_s);
    QCOMPARE(builtIn.status, 409);
    QCOMPARE(errorCode(builtIn), u"Conflict"_s);

    const QString chosen = createPolicy(u"Chosen"_s);
    QJsonObject options = SshSettingsService::optionsToJson(SshOptions{});
    setPath(options, {u"service"_s, u"settings_policy"_s}, chosen);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/options"_s, options).status, 200);
    const HttpReply active = call("DELETE", u"/api/configuration/ssh/settings_policies/"_s + chosen);
    QCOMPARE(active.status, 409);
    QVERIFY(active.json().object().value(u"error"_s).toObject().value(u"message"_s).toString().contains(u"active"_s));
    QCOMPARE(commit().status, 200);
    QCOMPARE(m_settings->activePolicy().key, chosen);
    QCOMPARE(call("DELETE", u"/api/configuration/ssh/settings_policies/nope"_s).status, 409); // no transaction
    QVERIFY(open());
    QCOMPARE(call("DELETE", u"/api/configuration/ssh/settings_policies/nope"_s).status, 404);
}

void TestConfigApi::idleTransactionIsDropped()
{
    QVERIFY(start());
    QVERIFY(open());
    QVERIFY(!createPolicy(u"Forgotten"_s).isEmpty());
    m_clock.advanceMs(ConfigTransactions::kIdleTimeoutMs - 1000);
    QCOMPARE(
        call("GET", u"/api/transaction"_s).json().object().value(u"body"_s).toObject().value(u"status"_s).toString(),
        u"open"_s);
    // Any use keeps it; ten quiet minutes end it.
    m_clock.advanceMs(ConfigTransactions::kIdleTimeoutMs);
    QCOMPARE(
        call("GET", u"/api/transaction"_s).json().object().value(u"body"_s).toObject().value(u"status"_s).toString(),
        u"closed"_s);
    QCOMPARE(commit().status, 409);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
}

void TestConfigApi::sessionCookieAuthenticatesTheFamily()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const HttpReply reply
        = httpRequest("POST", url(u"/api/authentication"_s), {}, {{"Authorization", "Bearer " + m_writer}});
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json().object().value(u"authentication"_s).toString(), u"ok"_s);
    const QByteArray cookie = reply.header("set-cookie");
    QVERIFY2(QRegularExpression(u"^session_id=[0-9a-f]{40}; Path=/api; HttpOnly; SameSite=Strict$"_s)
                 .match(QString::fromLatin1(cookie))
                 .hasMatch(),
             cookie.constData());
    // Neither the session nor the token is in the body.
    const QByteArray session = login();
    QVERIFY(!session.isEmpty());
    QVERIFY(!reply.body.contains(cookie.mid(11, 40)));
    QVERIFY(!reply.body.contains(m_writer));

    // The cookie alone reads and changes the configuration, in a transaction of its own.
    QCOMPARE(withCookie("GET", u"/api/configuration/ssh/options"_s, session).status, 200);
    QCOMPARE(withCookie("GET", u"/api/configuration"_s, session).status, 200);
    QCOMPARE(withCookie("POST", u"/api/transaction"_s, session).status, 200);
    const HttpReply created
        = withCookie("POST", u"/api/configuration/ssh/settings_policies"_s, session, policyBody(u"By cookie"_s));
    QCOMPARE(created.status, 201);
    const QString key = created.json().object().value(u"key"_s).toString();
    QCOMPARE(withCookie("GET", u"/api/configuration/ssh/settings_policies/"_s + key, session).status, 200);
    // The same token by header is another caller with no transaction.
    QCOMPARE(call("GET", u"/api/configuration/ssh/settings_policies/"_s + key).status, 404);
    QCOMPARE(withCookie("PUT", u"/api/transaction"_s, session, QJsonObject{{u"status"_s, u"commit"_s}}).status, 200);
    QCOMPARE(committedPolicyNames(), (QStringList{u"Default"_s, u"By cookie"_s}));
    Result<QList<AuditEvent>> events = m_audit->list();
    QCOMPARE(events->first().actor.id, m_writerId);

    // The rest of the family takes it too; other families do not.
    const HttpReply hostKeys = withCookie("GET", u"/api/ssh-host-keys"_s, session);
    QCOMPARE(hostKeys.status, 200);
    QCOMPARE(hostKeys.json().object().value(u"token"_s).toString(), u"writer"_s);
    QCOMPARE(withCookie("GET", u"/api/pam/key"_s, session).status, 401);
    QCOMPARE(call("GET", u"/api/pam/key"_s).status, 200);

    // A session of a read-only token reads but may not write.
    const QByteArray readerSession = login(m_reader);
    QVERIFY(!readerSession.isEmpty());
    QCOMPARE(withCookie("GET", u"/api/configuration/ssh/options"_s, readerSession).status, 200);
    const HttpReply forbidden = withCookie("POST", u"/api/transaction"_s, readerSession);
    QCOMPARE(forbidden.status, 403);
    QCOMPARE(errorCode(forbidden), u"Forbidden"_s);
}

void TestConfigApi::badOrExpiredCookieIsUnauthenticated()
{
    QVERIFY(start());
    const QString path = u"/api/configuration/ssh/options"_s;
    const HttpReply none = httpRequest("GET", url(path));
    QCOMPARE(none.status, 401);
    QCOMPARE(errorCode(none), u"Unauthenticated"_s);
    QCOMPARE(errorDetails(none).value(u"path"_s).toString(), path);

    const HttpReply wrong = withCookie("GET", path, QByteArray(40, 'a'));
    QCOMPARE(wrong.status, 401);
    QCOMPARE(errorCode(wrong), u"Unauthenticated"_s);
    QCOMPARE(errorDetails(wrong).value(u"path"_s).toString(), path);
    QCOMPARE(withCookie("GET", path, "not-even-hex").status, 401);

    // Idle for an hour.
    QByteArray session = login();
    QCOMPARE(withCookie("GET", path, session).status, 200);
    m_clock.advanceMs(ApiSessions::kIdleMs - 1000);
    QCOMPARE(withCookie("GET", path, session).status, 200);
    m_clock.advanceMs(ApiSessions::kIdleMs);
    QCOMPARE(withCookie("GET", path, session).status, 401);

    // In use, but eight hours old.
    session = login();
    for (int i = 0; i < 9; ++i) {
        m_clock.advanceMs(ApiSessions::kLifetimeMs / 9);
        QCOMPARE(withCookie("GET", path, session).status, i < 8 ? 200 : 401);
    }
    // Stale cookies do not slow anyone down: logging in again works at once.
    QVERIFY(!login().isEmpty());
}

void TestConfigApi::revokedTokenEndsItsSessions()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const Result<NewApiToken> temporary = m_tokens->create(u"temporary"_s);
    KEYSTEAD_VERIFY_OK(temporary);
    const QByteArray session = login(temporary->secret.toLatin1());
    QVERIFY(!session.isEmpty());
    QCOMPARE(withCookie("GET", u"/api/configuration/ssh/options"_s, session).status, 200);
    const int before = m_sessions->count();
    KEYSTEAD_VERIFY_OK(m_tokens->revoke(temporary->token.id));
    QCOMPARE(withCookie("GET", u"/api/configuration/ssh/options"_s, session).status, 401);
    QCOMPARE(m_sessions->count(), before - 1);
}

void TestConfigApi::authenticationTakesTheTokenManyWays_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("bearer") << QByteArray() << QByteArray("bearer") << QByteArray();
    QTest::newRow("x-api-key") << QByteArray() << QByteArray("x-api-key") << QByteArray();
    QTest::newRow("basic") << QByteArray() << QByteArray("basic") << QByteArray();
    QTest::newRow("json") << QByteArray("application/json") << QByteArray() << QByteArray("json");
    QTest::newRow("form") << QByteArray("application/x-www-form-urlencoded") << QByteArray() << QByteArray("form");
}

void TestConfigApi::authenticationTakesTheTokenManyWays()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, body);
    QVERIFY(start());
    HeaderList headers;
    if (header == "bearer")
        headers.append({"Authorization", "Bearer " + m_writer});
    else if (header == "x-api-key")
        headers.append({"x-api-key", m_writer});
    else if (header == "basic")
        headers.append({"Authorization", "Basic " + QByteArray("admin:" + m_writer).toBase64()});
    if (!contentType.isEmpty())
        headers.append({"Content-Type", contentType});
    QByteArray payload;
    if (body == "json")
        payload = QJsonDocument(QJsonObject{{u"token"_s, QString::fromLatin1(m_writer)}}).toJson();
    else if (body == "form")
        payload = "token=" + QUrl::toPercentEncoding(QString::fromLatin1(m_writer));
    const HttpReply reply = httpRequest("POST", url(u"/api/authentication"_s), payload, headers);
    QCOMPARE(reply.status, 200);
    QVERIFY(reply.header("set-cookie").startsWith("session_id="));
    QCOMPARE(m_sessions->count(), 1);
}

void TestConfigApi::badTokenIsAuthenticationFailureAndThrottled()
{
    QVERIFY(start());
    const HttpReply bad
        = httpRequest("POST", url(u"/api/authentication"_s), {}, {{"Authorization", "Bearer kst_nope"}});
    QCOMPARE(bad.status, 401);
    QCOMPARE(errorCode(bad), u"AuthenticationFailure"_s);
    QVERIFY(bad.header("set-cookie").isEmpty());
    const HttpReply empty = httpRequest("POST", url(u"/api/authentication"_s));
    QCOMPARE(empty.status, 401);
    QCOMPARE(errorCode(empty), u"AuthenticationFailure"_s);
    // Failures from one address are slowed down, as the router does for every route.
    int status = 0;
    for (int i = 0; i < 10 && status != 429; ++i)
        status = httpRequest("POST", url(u"/api/authentication"_s), {}, {{"Authorization", "Bearer kst_nope"}}).status;
    QCOMPARE(status, 429);
    QCOMPARE(httpRequest("POST", url(u"/api/authentication"_s), {}, {{"Authorization", "Bearer " + m_writer}}).status,
             429);
    QCOMPARE(m_sessions->count(), 0);
}

void TestConfigApi::logoutEndsTheSessionAndItsTransaction()
{
    QVERIFY(start());
    const QByteArray session = login();
    QCOMPARE(withCookie("POST", u"/api/transaction"_s, session).status, 200);
    QCOMPARE(withCookie("POST", u"/api/configuration/ssh/settings_policies"_s, session, policyBody(u"Left"_s)).status,
             201);
    const HttpReply out = withCookie("DELETE", u"/api/authentication"_s, session);
    QCOMPARE(out.status, 200);
    QVERIFY(out.header("set-cookie").contains("Max-Age=0"));
    QCOMPARE(withCookie("GET", u"/api/transaction"_s, session).status, 401);
    QCOMPARE(m_sessions->count(), 0);
    // The session's transaction went with it.
    const QByteArray again = login();
    QCOMPARE(withCookie("GET", u"/api/transaction"_s, again)
                 .json()
                 .object()
                 .value(u"body"_s)
                 .toObject()
                 .value(u"status"_s)
                 .toString(),
             u"closed"_s);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
}

void TestConfigApi::openApiDescribesTheRoutes()
{
    QVERIFY(start());
    const HttpReply document = call("GET", u"/api/openapi.json"_s);
    QCOMPARE(document.status, 200);
    const QJsonObject paths = document.json().object().value(u"paths"_s).toObject();
    for (const QString &path :
         {u"/api/configuration/ssh/options"_s, u"/api/configuration/ssh/settings_policies"_s,
          u"/api/configuration/ssh/settings_policies/{key}"_s, u"/api/transaction"_s, u"/api/authentication"_s})
        QVERIFY2(paths.contains(path), qPrintable(path));
}

QTEST_GUILESS_MAIN(TestConfigApi)
#include "tst_config_api.moc"
