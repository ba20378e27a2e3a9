#include "TestCore.h"

#include "api/ApiRouter.h"
#include "api/ApiSessions.h"
#include "api/TokenService.h"
#include "common/ListenAddress.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::TestCore;

namespace {

// A family with its own error shape, as the seeds' families will have.
class FlatErrorShape final : public ErrorShape
{
public:
    HttpResponse render(int status, const Error &error, const HttpRequest &) const override
    {
        return HttpResponse::json(status,
                                  QJsonDocument(QJsonObject{{u"status_code"_s, status}, {u"msg"_s, error.message}}));
    }
};

HttpResponse echoArguments(const HttpRequest &request)
{
    QJsonObject arguments;
    for (auto it = request.pathArguments.cbegin(); it != request.pathArguments.cend(); ++it)
        arguments.insert(it.key(), it.value());
    return HttpResponse::json(
        200,
        QJsonDocument(
            QJsonObject{{u"arguments"_s, arguments}, {u"token"_s, request.token ? request.token->name : QString()}}));
}

} // namespace

class TestRouter final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void missingTokenIs401();
    void tokenInEitherHeader_data();
    void tokenInEitherHeader();
    void publicRouteNeedsNoToken();
    void unknownPathIs404OnlyWithToken();
    void wrongMethodIs405WithAllow();
    void pathArgumentsKeepEncodedSlashes();
    void trailingSlashIsOptional();
    void malformedJsonIs400_data();
    void malformedJsonIs400();
    void oversizedBodyIs413();
    void familiesShapeTheirErrors();
    void failedLoginsAreSlowedDown();
    void listenAddresses_data();
    void listenAddresses();
    void scopesGuardRoutes_data();
    void scopesGuardRoutes();
    void sessionCookieCountsOnlyWhereAccepted();
    void tokenHeaderWinsOverCookie();

private:
    HttpRequest request(const QByteArray &method, const QString &path, const QByteArray &body = {}) const
    {
        HttpRequest r;
        r.method = method;
        r.path = path;
        r.body = body;
        r.peer = QHostAddress(u"192.0.2.10"_s);
        r.headers.insert("authorization", "Bearer " + m_secret);
        return r;
    }
    HttpRequest anonymous(const QByteArray &method, const QString &path) const
    {
        HttpRequest r = request(method, path);
        r.headers.clear();
        return r;
    }
    static QJsonObject body(const HttpResponse &response) { return QJsonDocument::fromJson(response.body).object(); }

    std::unique_ptr<TestCore> m_core;
    // The router under test: bare, on the composition's tokens and clock, with only this test's routes.
    std::unique_ptr<ApiRouter> m_router;
    QByteArray m_secret;
};

void TestRouter::init()
{
    m_core = TestCore::create();
    QVERIFY(m_core);
    m_router = std::make_unique<ApiRouter>(*m_core->tokens, m_core->clock);
    const Result<NewApiToken> made = m_core->tokens->create(u"tester"_s);
    KEYSTEAD_VERIFY_OK(made);
    m_secret = made->secret.toLatin1();
    m_router->addRoute("GET", u"/api/things"_s, echoArguments);
    m_router->addRoute("POST", u"/api/things"_s, echoArguments, {.body = RouteBody::JsonRequired});
    m_router->addRoute("DELETE", u"/api/things/{id}"_s, echoArguments);
    m_router->addRoute("GET", u"/api/things/{id}"_s, echoArguments);
    m_router->addRoute("PATCH", u"/api/things/{id}/"_s, echoArguments, {.body = RouteBody::JsonOptional});
    m_router->addRoute("GET", u"/api/ping"_s, echoArguments, {.requiresToken = false});
    m_router->addRoute("GET", u"/api/things/{id}/secret"_s, echoArguments, {.scope = TokenScope::RevealSecrets});
}

void TestRouter::cleanup()
{
    m_router.reset();
    m_core.reset();
}

void TestRouter::missingTokenIs401()
{
    const HttpResponse response = m_router->dispatch(anonymous("GET", u"/api/things"_s));
    QCOMPARE(response.status, 401);
    QCOMPARE(response.header("Content-Type"), QByteArray("application/problem+json"));
    QVERIFY(response.header("WWW-Authenticate").startsWith("Bearer"));
    QCOMPARE(body(response).value(u"status"_s).toInt(), 401);
    QCOMPARE(body(response).value(u"title"_s).toString(), u"Unauthorized"_s);
    QVERIFY(!body(response).value(u"detail"_s).toString().isEmpty());
}

void TestRouter::tokenInEitherHeader_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QByteArray>("prefix");
    QTest::addColumn<int>("status");
    QTest::newRow("Bearer") << QByteArray("authorization") << QByteArray("Bearer ") << 200;
    QTest::newRow("bearer lower case") << QByteArray("authorization") << QByteArray("bearer ") << 200;
    QTest::newRow("x-api-key") << QByteArray("x-api-key") << QByteArray() << 200;
    QTest::newRow("Basic is not a token") << QByteArray("authorization") << QByteArray("Basic ") << 401;
}

void TestRouter::tokenInEitherHeader()
{
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, prefix);
    QFETCH(int, status);
    HttpRequest r = anonymous("GET", u"/api/things"_s);
    r.headers.insert(header, prefix + m_secret);
    const HttpResponse response = m_router->dispatch(r);
    QCOMPARE(response.status, status);
    if (status == 200)
        QCOMPARE(body(response).value(u"token"_s).toString(), u"tester"_s);
}

void TestRouter::publicRouteNeedsNoToken()
{
    QCOMPARE(m_router->dispatch(anonymous("GET", u"/api/ping"_s)).status, 200);
    // A public GET does not make other methods on the path public.
    QCOMPARE(m_router->dispatch(anonymous("POST", u"/api/ping"_s)).status, 401);
}

void TestRouter::unknownPathIs404OnlyWithToken()
{
    QCOMPARE(m_router->dispatch(request("GET", u"/api/nothing"_s)).status, 404);
    QCOMPARE(m_router->dispatch(anonymous("GET", u"/api/nothing"_s)).status, 401);
}

void TestRouter::wrongMethodIs405WithAllow()
{
    const HttpResponse response = m_router->dispatch(request("PUT", u"/api/things/7"_s));
    QCOMPARE(response.status, 405);
    QCOMPARE(response.header("Allow"), QByteArray("DELETE, GET, PATCH"));
    QCOMPARE(body(response).value(u"status"_s).toInt(), 405);
    QCOMPARE(m_router->dispatch(anonymous("PUT", u"/api/things/7"_s)).status, 401);
}

void TestRouter::pathArgumentsKeepEncodedSlashes()
{
    const HttpResponse response = m_router->dispatch(request("GET", u"/api/things/ssh-ed25519-10.0.0.1%2F24%3A22"_s));
    QCOMPARE(response.status, 200);
    QCOMPARE(body(response).value(u"arguments"_s).toObject().value(u"id"_s).toString(),
             u"ssh-ed25519-10.0.0.1/24:22"_s);
}

void TestRouter::trailingSlashIsOptional()
{
    QCOMPARE(m_router->dispatch(request("GET", u"/api/things/"_s)).status, 200);
    QCOMPARE(m_router->dispatch(request("PATCH", u"/api/things/3"_s)).status, 200);
    QCOMPARE(m_router->dispatch(request("PATCH", u"/api/things/3/"_s)).status, 200);
}

void TestRouter::malformedJsonIs400_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<int>("status");
    QTest::newRow("object") << QByteArray(R"({"name":"x"})") << 200;
    QTest::newRow("array") << QByteArray("[1,2]") << 200;
    QTest::newRow("truncated") << QByteArray(R"({"name":)") << 400;
    QTest::newRow("not json") << QByteArray("name=x") << 400;
    QTest::newRow("empty") << QByteArray() << 400;
    QTest::newRow("bare string") << QByteArray(R"("x")") << 400;
}

void TestRouter::malformedJsonIs400()
{
    QFETCH(QByteArray, payload);
    QFETCH(int, status);
    const HttpResponse response = m_router->dispatch(request("POST", u"/api/things"_s, payload));
    QCOMPARE(response.status, status);
    if (status == 400) {
        QCOMPARE(response.header("Content-Type"), QByteArray("application/problem+json"));
        const QJsonArray errors = body(response).value(u"errors"_s).toArray();
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors.first().toObject().value(u"location"_s).toString(), u"body"_s);
    }
    // Optional JSON: empty is fine, malformed is not.
    QCOMPARE(m_router->dispatch(request("PATCH", u"/api/things/1"_s)).status, 200);
    QCOMPARE(m_router->dispatch(request("PATCH", u"/api/things/1"_s, "{oops")).status, 400);
}

void TestRouter::oversizedBodyIs413()
{
    m_router->setMaxBodyBytes(16);
    QCOMPARE(m_router->dispatch(request("POST", u"/api/things"_s, R"({"a":"0123456789abc"})")).status, 413);
    QCOMPARE(m_router->dispatch(request("POST", u"/api/things"_s, R"({"a":1})")).status, 200);
}

void TestRouter::familiesShapeTheirErrors()
{
    m_router->setErrorShape(u"/api/things"_s, std::make_shared<FlatErrorShape>());
    const HttpResponse unauthorized = m_router->dispatch(anonymous("GET", u"/api/things"_s));
    QCOMPARE(unauthorized.status, 401);
    QCOMPARE(body(unauthorized).value(u"status_code"_s).toInt(), 401);
    QVERIFY(!body(unauthorized).contains(u"title"_s));
    QCOMPARE(body(m_router->dispatch(request("PUT", u"/api/things/1"_s))).value(u"status_code"_s).toInt(), 405);
    // Paths outside the family keep problem+json.
    QCOMPARE(m_router->dispatch(request("GET", u"/api/other"_s)).header("Content-Type"),
             QByteArray("application/problem+json"));
}

void TestRouter::failedLoginsAreSlowedDown()
{
    auto withToken = [this](const QByteArray &secret, const QString &peer) {
        HttpRequest r = anonymous("GET", u"/api/things"_s);
        r.peer = QHostAddress(peer);
        r.headers.insert("x-api-key", secret);
        return m_router->dispatch(r);
    };
    for (int i = 0; i < 5; ++i)
        QCOMPARE(withToken("kst_guess", u"198.51.100.7"_s).status, 401);
    // Five failures earn a wait; meanwhile even the right token is not checked.
    HttpResponse waiting = withToken(m_secret, u"198.51.100.7"_s);
    QCOMPARE(waiting.status, 429);
    QCOMPARE(waiting.header("Retry-After"), QByteArray("1"));
    // Other addresses are not affected.
    QCOMPARE(withToken(m_secret, u"198.51.100.8"_s).status, 200);

    // Each further failure doubles the wait.
    m_core->clock.advanceMs(1001);
    QCOMPARE(withToken("kst_guess", u"198.51.100.7"_s).status, 401);
    waiting = withToken(m_secret, u"198.51.100.7"_s);
    QCOMPARE(waiting.status, 429);
    QCOMPARE(waiting.header("Retry-After"), QByteArray("2"));

    // After the wait the right token works and clears the record.
    m_core->clock.advanceMs(2001);
    QCOMPARE(withToken(m_secret, u"198.51.100.7"_s).status, 200);
    QCOMPARE(withToken("kst_guess", u"198.51.100.7"_s).status, 401);
    QCOMPARE(withToken(m_secret, u"198.51.100.7"_s).status, 200);
}

void TestRouter::listenAddresses_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected"); // empty: refused
    QTest::newRow("ipv4") << u"127.0.0.1:8420"_s << u"127.0.0.1:8420"_s;
    QTest::newRow("any") << u"0.0.0.0:2222"_s << u"0.0.0.0:2222"_s;
    QTest::newRow("localhost") << u"localhost:0"_s << u"127.0.0.1:0"_s;
    QTest::newRow("ipv6") << u"[::1]:8420"_s << u"[::1]:8420"_s;
    QTest::newRow("ipv6 without brackets") << u"::1:8420"_s << QString();
    QTest::newRow("no port") << u"127.0.0.1"_s << QString();
    QTest::newRow("port too large") << u"127.0.0.1:65536"_s << QString();
    QTest::newRow("host name") << u"example.org:80"_s << QString();
    QTest::newRow("empty") << QString() << QString();
}

void TestRouter::listenAddresses()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    const Result<ListenAddress> parsed = ListenAddress::parse(text);
    QCOMPARE(parsed.ok(), !expected.isEmpty());
    if (parsed)
        QCOMPARE(parsed->toString(), expected);
    else
        QVERIFY(!parsed.error().message.isEmpty());
}

void TestRouter::scopesGuardRoutes_data()
{
    QTest::addColumn<int>("scopes");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("requiredScope");
    const int read = 1, write = 2, reveal = 4;
    QTest::newRow("read may GET") << read << QByteArray("GET") << u"/api/things"_s << 200 << QString();
    QTest::newRow("read may not POST") << read << QByteArray("POST") << u"/api/things"_s << 403 << u"write"_s;
    QTest::newRow("read may not DELETE") << read << QByteArray("DELETE") << u"/api/things/1"_s << 403 << u"write"_s;
    QTest::newRow("write alone may not GET") << write << QByteArray("GET") << u"/api/things"_s << 403 << u"read"_s;
    QTest::newRow("write may POST") << write << QByteArray("POST") << u"/api/things"_s << 200 << QString();
    QTest::newRow("read+write may not reveal")
        << (read | write) << QByteArray("GET") << u"/api/things/1/secret"_s << 403 << u"reveal"_s;
    QTest::newRow("reveal may reveal") << reveal << QByteArray("GET") << u"/api/things/1/secret"_s << 200 << QString();
    QTest::newRow("public route needs no scope") << reveal << QByteArray("GET") << u"/api/ping"_s << 200 << QString();
}

void TestRouter::scopesGuardRoutes()
{
    QFETCH(int, scopes);
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(int, status);
    QFETCH(QString, requiredScope);
    const Result<NewApiToken> made
        = m_core->tokens->create(u"scoped %1"_s.arg(QString::fromLatin1(QTest::currentDataTag())),
                                 TokenScopes::fromInt(static_cast<unsigned>(scopes)));
    KEYSTEAD_VERIFY_OK(made);
    HttpRequest sent = request(method, path, method == "POST" ? QByteArray("{}") : QByteArray());
    sent.headers.insert("authorization", "Bearer " + made->secret.toLatin1());
    const HttpResponse response = m_router->dispatch(sent);
    QCOMPARE(response.status, status);
    if (status == 403) {
        QCOMPARE(response.header("Content-Type"), QByteArray("application/problem+json"));
        const QString detail = body(response).value(u"detail"_s).toString();
        QVERIFY2(detail.contains(u"may not "_s + requiredScope), response.body.constData());
        // A refused scope is not a failed login: the address is not slowed down.
        QCOMPARE(m_router->throttle().retryAfterSeconds(sent.peer), 0);
    }
}

void TestRouter::sessionCookieCountsOnlyWhereAccepted()
{
    ApiSessions sessions(*m_core->tokens, m_core->clock);
    m_router->addRoute("GET", u"/api/family"_s, echoArguments);
    m_router->addRoute("GET", u"/api/family/{id}"_s, echoArguments);
    m_router->addRoute("GET", u"/api/familyother"_s, echoArguments);
    // Without any prefix registered, a cookie is never looked at.
    QVERIFY(!m_router->acceptsSessionCookies(u"/api/family"_s));
    m_router->acceptSessionCookies(u"/api/family"_s, sessions);
    const Result<QList<ApiToken>> tokens = m_core->tokens->list();
    KEYSTEAD_VERIFY_OK(tokens);
    const Result<QByteArray> session = sessions.create(tokens->first());
    KEYSTEAD_VERIFY_OK(session);
    auto withCookie = [&](const QString &path, const QByteArray &cookie) {
        HttpRequest r = anonymous("GET", path);
        r.headers.insert("cookie", "theme=dark; session_id=" + cookie);
        return m_router->dispatch(r);
    };
    const HttpResponse accepted = withCookie(u"/api/family/7"_s, session.value());
    QCOMPARE(accepted.status, 200);
    QCOMPARE(body(accepted).value(u"token"_s).toString(), u"tester"_s);
    QCOMPARE(withCookie(u"/api/family"_s, session.value()).status, 200);
    // A path that merely starts with the same letters is another family.
    QCOMPARE(withCookie(u"/api/familyother"_s, session.value()).status, 401);
    QCOMPARE(withCookie(u"/api/things"_s, session.value()).status, 401);
    const HttpResponse stale = withCookie(u"/api/family"_s, QByteArray(40, '0'));
    QCOMPARE(stale.status, 401);
    QVERIFY(body(stale).value(u"detail"_s).toString().contains(u"session_id"_s));
    // Stale cookies are not failures that slow the address down.
    for (int i = 0; i < 10; ++i)
        QCOMPARE(withCookie(u"/api/family"_s, QByteArray(40, '0')).status, 401);
    QCOMPARE(m_router->dispatch(request("GET", u"/api/things"_s)).status, 200);
}

void TestRouter::tokenHeaderWinsOverCookie()
{
    ApiSessions sessions(*m_core->tokens, m_core->clock);
    m_router->acceptSessionCookies(u"/api/things"_s, sessions);
    const Result<NewApiToken> other = m_core->tokens->create(u"other"_s);
    KEYSTEAD_VERIFY_OK(other);
    const Result<QByteArray> session = sessions.create(other->token);
    KEYSTEAD_VERIFY_OK(session);
    HttpRequest r = request("GET", u"/api/things"_s);
    r.headers.insert("cookie", "session_id=" + session.value());
    QCOMPARE(body(m_router->dispatch(r)).value(u"token"_s).toString(), u"tester"_s);
    QVERIFY(ApiSessions::ownerOf(r).startsWith(u"token:"_s));
    // A bad token in the header is refused even with a good cookie.
    r.headers.insert("authorization", "Bearer kst_wrong");
    QCOMPARE(m_router->dispatch(r).status, 401);
    r.headers.remove("authorization");
    r.token.reset();
    QCOMPARE(body(m_router->dispatch(r)).value(u"token"_s).toString(), u"other"_s);
    QVERIFY(ApiSessions::ownerOf(r).startsWith(u"session:"_s));
}

QTEST_GUILESS_MAIN(TestRouter)
#include "tst_router.moc"
