#include "ConfigApiTest.h"

#include "api/ApiSessions.h"
#include "api/TokenService.h"
#include "audit/AuditLog.h"

#include <QJsonObject>
#include <QRegularExpression>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// Seed 004's authentication over real HTTP: POST /api/authentication takes
// the token many ways and answers a session_id cookie, which authenticates
// the SPS family (and only it) until it idles, ages, is logged out or its
// token is revoked. On every store backend.
class TestConfigApiSessions final : public ConfigApiTest
{
    Q_OBJECT

private Q_SLOTS:
    void sessionCookieAuthenticatesTheFamily_data() { backends(); }
    void sessionCookieAuthenticatesTheFamily();
    void badOrExpiredCookieIsUnauthenticated();
    void revokedTokenEndsItsSessions_data() { backends(); }
    void revokedTokenEndsItsSessions();
    void authenticationTakesTheTokenManyWays_data();
    void authenticationTakesTheTokenManyWays();
    void badTokenIsAuthenticationFailureAndThrottled();
    void logoutEndsTheSessionAndItsTransaction();
};

void TestConfigApiSessions::sessionCookieAuthenticatesTheFamily()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const HttpReply reply
        = httpRequest("POST", url(u"/api/authentication"_s), {}, {{"Authorization", "Bearer " + m_core->writer}});
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
    QVERIFY(!reply.body.contains(m_core->writer));

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
    Result<QList<AuditEvent>> events = m_core->audit->list();
    QCOMPARE(events->first().actor.id, m_core->writerId);

    // The rest of the family takes it too, as the token it stands for; other families do not.
    const HttpReply hostKeys = withCookie("GET", u"/api/ssh-host-keys/echo/token"_s, session);
    QCOMPARE(hostKeys.status, 200);
    QCOMPARE(hostKeys.json().object().value(u"token"_s).toString(), u"writer"_s);
    QCOMPARE(withCookie("GET", u"/api/ssh-host-keys"_s, session).status, 200);
    QCOMPARE(withCookie("GET", u"/api/pam/key/echo/token"_s, session).status, 401);
    QCOMPARE(call("GET", u"/api/pam/key/echo/token"_s).status, 200);
    QCOMPARE(withCookie("GET", u"/api/pam/key"_s, session).status, 401);

    // A session of a read-only token reads but may not write.
    const QByteArray readerSession = login(m_core->reader);
    QVERIFY(!readerSession.isEmpty());
    QCOMPARE(withCookie("GET", u"/api/configuration/ssh/options"_s, readerSession).status, 200);
    const HttpReply forbidden = withCookie("POST", u"/api/transaction"_s, readerSession);
    QCOMPARE(forbidden.status, 403);
    QCOMPARE(spsErrorCode(forbidden), u"Forbidden"_s);
}

void TestConfigApiSessions::badOrExpiredCookieIsUnauthenticated()
{
    QVERIFY(start());
    const QString path = u"/api/configuration/ssh/options"_s;
    const HttpReply none = httpRequest("GET", url(path));
    QCOMPARE(none.status, 401);
    QCOMPARE(spsErrorCode(none), u"Unauthenticated"_s);
    QCOMPARE(spsErrorDetails(none).value(u"path"_s).toString(), path);

    const HttpReply wrong = withCookie("GET", path, QByteArray(40, 'a'));
    QCOMPARE(wrong.status, 401);
    QCOMPARE(spsErrorCode(wrong), u"Unauthenticated"_s);
    QCOMPARE(spsErrorDetails(wrong).value(u"path"_s).toString(), path);
    QCOMPARE(withCookie("GET", path, "not-even-hex").status, 401);

    // Idle for an hour.
    QByteArray session = login();
    QCOMPARE(withCookie("GET", path, session).status, 200);
    m_core->clock.advanceMs(ApiSessions::kIdleMs - 1000);
    QCOMPARE(withCookie("GET", path, session).status, 200);
    m_core->clock.advanceMs(ApiSessions::kIdleMs);
    QCOMPARE(withCookie("GET", path, session).status, 401);

    // In use, but eight hours old.
    session = login();
    for (int i = 0; i < 9; ++i) {
        m_core->clock.advanceMs(ApiSessions::kLifetimeMs / 9);
        QCOMPARE(withCookie("GET", path, session).status, i < 8 ? 200 : 401);
    }
    // Stale cookies do not slow anyone down: logging in again works at once.
    QVERIFY(!login().isEmpty());
}

void TestConfigApiSessions::revokedTokenEndsItsSessions()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const Result<NewApiToken> temporary = m_core->tokens->create(u"temporary"_s);
    KEYSTEAD_VERIFY_OK(temporary);
    const QByteArray session = login(temporary->secret.toLatin1());
    QVERIFY(!session.isEmpty());
    QCOMPARE(withCookie("GET", u"/api/configuration/ssh/options"_s, session).status, 200);
    const int before = m_core->apiSessions->count();
    KEYSTEAD_VERIFY_OK(m_core->tokens->revoke(temporary->token.id));
    QCOMPARE(withCookie("GET", u"/api/configuration/ssh/options"_s, session).status, 401);
    QCOMPARE(m_core->apiSessions->count(), before - 1);
}

void TestConfigApiSessions::authenticationTakesTheTokenManyWays_data()
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

void TestConfigApiSessions::authenticationTakesTheTokenManyWays()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, body);
    QVERIFY(start());
    HeaderList headers;
    if (header == "bearer")
        headers.append({"Authorization", "Bearer " + m_core->writer});
    else if (header == "x-api-key")
        headers.append({"x-api-key", m_core->writer});
    else if (header == "basic")
        headers.append({"Authorization", "Basic " + QByteArray("admin:" + m_core->writer).toBase64()});
    if (!contentType.isEmpty())
        headers.append({"Content-Type", contentType});
    QByteArray payload;
    if (body == "json")
        payload = QJsonDocument(QJsonObject{{u"token"_s, QString::fromLatin1(m_core->writer)}}).toJson();
    else if (body == "form")
        payload = "token=" + QUrl::toPercentEncoding(QString::fromLatin1(m_core->writer));
    const HttpReply reply = httpRequest("POST", url(u"/api/authentication"_s), payload, headers);
    QCOMPARE(reply.status, 200);
    QVERIFY(reply.header("set-cookie").startsWith("session_id="));
    QCOMPARE(m_core->apiSessions->count(), 1);
}

void TestConfigApiSessions::badTokenIsAuthenticationFailureAndThrottled()
{
    QVERIFY(start());
    const HttpReply bad
        = httpRequest("POST", url(u"/api/authentication"_s), {}, {{"Authorization", "Bearer kst_nope"}});
    QCOMPARE(bad.status, 401);
    QCOMPARE(spsErrorCode(bad), u"AuthenticationFailure"_s);
    QVERIFY(bad.header("set-cookie").isEmpty());
    const HttpReply empty = httpRequest("POST", url(u"/api/authentication"_s));
    QCOMPARE(empty.status, 401);
    QCOMPARE(spsErrorCode(empty), u"AuthenticationFailure"_s);
    // Failures from one address are slowed down, as the router does for every route.
    int status = 0;
    for (int i = 0; i < 10 && status != 429; ++i)
        status = httpRequest("POST", url(u"/api/authentication"_s), {}, {{"Authorization", "Bearer kst_nope"}}).status;
    QCOMPARE(status, 429);
    QCOMPARE(
        httpRequest("POST", url(u"/api/authentication"_s), {}, {{"Authorization", "Bearer " + m_core->writer}}).status,
        429);
    QCOMPARE(m_core->apiSessions->count(), 0);
}

void TestConfigApiSessions::logoutEndsTheSessionAndItsTransaction()
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
    QCOMPARE(m_core->apiSessions->count(), 0);
    // The session's transaction went with it.
    const QByteArray again = login();
    QCOMPARE(bodyOf(withCookie("GET", u"/api/transaction"_s, again)).value(u"status"_s).toString(), u"closed"_s);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
}

QTEST_GUILESS_MAIN(TestConfigApiSessions)
#include "tst_config_api_sessions.moc"
