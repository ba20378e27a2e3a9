#include "CaApiTest.h"

#include "TestTools.h"

#include <QtTest>

using namespace Qt::StringLiterals;

namespace keystead::test {

void CaApiTest::makeSubjects()
{
    QVERIFY(m_files.isValid());
    for (const QString &name : {u"subject"_s, u"subject-b"_s}) {
        const QString path = m_files.filePath(name);
        const ProcessResult made = runProcess(
            u"ssh-keygen"_s, {u"-q"_s, u"-N"_s, u""_s, u"-t"_s, u"ed25519"_s, u"-C"_s, name, u"-f"_s, path});
        QVERIFY2(made.exitCode == 0, made.output.constData());
        (name == u"subject"_s ? m_subject : m_subjectB) = QString::fromLatin1(readFile(path + u".pub"_s)).trimmed();
    }
}

bool CaApiTest::start(const QString &backend)
{
    if (!ApiTestCase::start(backend))
        return false;
    m_core->clock.advanceMs(m_core->clock.now().msecsTo(QDateTime(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC)));
    m_core->api.transcript = &m_responses;
    return true;
}

QJsonObject CaApiTest::createCa(const QJsonObject &body)
{
    const HttpReply reply = call("POST", u"/ssh_certificate_authorities"_s, body);
    if (reply.status != 201)
        qWarning("CA not created: %d %s", reply.status, reply.body.constData());
    return reply.json().object();
}

QJsonObject CaApiTest::issue(const QString &kind, const QJsonObject &body)
{
    const HttpReply reply = call("POST", u"/ssh_"_s + kind + u"_certificates"_s, body);
    if (reply.status != 201)
        qWarning("certificate not issued: %d %s", reply.status, reply.body.constData());
    return reply.json().object();
}

QMap<QString, int> CaApiTest::counts()
{
    QMap<QString, int> all;
    for (const QString &table : {u"ssh_certificate_authorities"_s, u"ssh_certificates"_s, u"certificate_revocations"_s,
                                 u"vault_secrets"_s, u"audit_log"_s})
        all.insert(table, m_core->rows(table));
    return all;
}

QString CaApiTest::nowText() const
{
    return m_core->clock.now().toUTC().toString(u"yyyy-MM-ddTHH:mm:ss'Z'"_s);
}

void CaApiTest::verifyErrorShape(const HttpReply &reply, int status, int code, const QString &field)
{
    const QJsonObject body = reply.json().object();
    QVERIFY2(reply.status == status, reply.body.constData());
    QVERIFY2(reply.header("content-type").startsWith("application/json"), reply.header("content-type").constData());
    QCOMPARE(body.value(u"error_code"_s).toString(), u"ERR_KEYSTEAD_%1"_s.arg(code));
    QCOMPARE(body.value(u"status_code"_s).toInt(), status);
    QVERIFY(!body.value(u"msg"_s).toString().isEmpty());
    const QJsonObject details = body.value(u"details"_s).toObject();
    QVERIFY(details.value(u"operation_id"_s).toString().startsWith(u"op_"_s));
    if (!field.isEmpty())
        QCOMPARE(details.value(u"field"_s).toString(), field);
}

} // namespace keystead::test
