#include "ConfigApiTest.h"

#include "api/ApiRouter.h"

#include <QRegularExpression>
#include <QtTest>

using namespace Qt::StringLiterals;

namespace keystead::test {

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

BodyEdit setAt(const QString &path, const QJsonValue &value)
{
    return [path, value](QJsonObject &body) { setPath(body, path.split(u'.'), value); };
}

void addBodyEditRows(const QList<std::tuple<const char *, BodyEdit, QString>> &rows)
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<BodyEdit>("edit");
    QTest::addColumn<QString>("location");
    for (const QString &backend : storeBackends()) {
        for (const auto &[name, edit, location] : rows)
            QTest::addRow("%s-%s", qPrintable(backend), name) << backend << edit << location;
    }
}

bool ConfigApiTest::start(const QString &backend)
{
    m_core = ApiTestCore::create(backend);
    if (!m_core)
        return false;
    m_other = m_core->mintToken(u"other"_s);
    auto echo = [](const HttpRequest &request) {
        return HttpResponse::json(200, QJsonDocument(QJsonObject{{u"token"_s, request.token->name}}));
    };
    m_core->router->addRoute("GET", u"/api/ssh-host-keys/echo/token"_s, echo);
    m_core->router->addRoute("GET", u"/api/pam/key/echo/token"_s, echo);
    return !m_other.isEmpty() && m_core->startEndpoint().ok();
}

HttpReply ConfigApiTest::withCookie(const QByteArray &method, const QString &path, const QByteArray &session,
                                    const QJsonObject &body) const
{
    return httpRequest(method, url(path), body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson(),
                       {{"Cookie", "session_id=" + session}}, 60'000);
}

QByteArray ConfigApiTest::login(const QByteArray &token) const
{
    const HttpReply reply = httpRequest("POST", url(u"/api/authentication"_s), {},
                                        {{"Authorization", "Bearer " + (token.isEmpty() ? m_core->writer : token)}});
    const QRegularExpressionMatch match
        = QRegularExpression(u"^session_id=([0-9a-f]{40});"_s).match(QString::fromLatin1(reply.header("set-cookie")));
    return match.hasMatch() ? match.captured(1).toLatin1() : QByteArray();
}

QJsonObject ConfigApiTest::policyBody(const QString &name)
{
    SettingsPolicy policy = SshSettingsService::defaultPolicy();
    policy.name = name;
    return SshSettingsService::policyToJson(policy);
}

bool ConfigApiTest::open(const QByteArray &token) const
{
    const HttpReply reply = call("POST", u"/api/transaction"_s, QByteArray(), token);
    return reply.status == 200 && bodyOf(reply).value(u"status"_s) == u"open"_s;
}

HttpReply ConfigApiTest::commit(const QByteArray &token) const
{
    return call("PUT", u"/api/transaction"_s, QJsonObject{{u"status"_s, u"commit"_s}}, token);
}

QString ConfigApiTest::createPolicy(const QString &name, const QByteArray &token) const
{
    const HttpReply reply = call("POST", u"/api/configuration/ssh/settings_policies"_s, policyBody(name), token);
    return reply.status == 201 ? reply.json().object().value(u"key"_s).toString() : QString();
}

QStringList ConfigApiTest::committedPolicyNames() const
{
    Result<QList<SettingsPolicy>> policies = m_core->sshSettings->policies();
    QStringList names;
    if (policies) {
        for (const SettingsPolicy &policy : policies.value())
            names.append(policy.name);
    }
    return names;
}

} // namespace keystead::test
