#include "CaApiTest.h"
#include "TestTools.h"

#include "secrets/Vault.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// Seed 002's certificate family over real HTTP, where it refuses: bad input
// refused with nothing stored, errors in the family's shape, a vault without
// its key, and CA private keys that reach neither the store, a response nor a
// log (any thread's, over the whole run).
class TestCaApiRefusals final : public CaApiTest
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        logcapture::install();
        makeSubjects();
    }
    void cleanupTestCase();
    void badInputStoresNothing_data();
    void badInputStoresNothing();
    void errorsHaveTheFamilyShape();
    void secretsReachNeitherStoreNorResponseNorLog_data() { backends(); }
    void secretsReachNeitherStoreNorResponseNorLog();
    void vaultUnavailableStoresNothing_data() { backends(); }
    void vaultUnavailableStoresNothing();

private:
    QList<QByteArray> m_secretFragments; // of every CA key made in the run
};

void TestCaApiRefusals::cleanupTestCase()
{
    logcapture::uninstall();
    const QStringList log = logcapture::messages();
    for (const QByteArray &fragment : std::as_const(m_secretFragments)) {
        QVERIFY2(!m_responses.contains(fragment), fragment.constData());
        for (const QString &message : log)
            QVERIFY2(!message.contains(QString::fromLatin1(fragment)), qPrintable(message));
    }
}

void TestCaApiRefusals::badInputStoresNothing_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("field");
    // {ca} is a live CA, {cert} one of its user certificates, {key} an Ed25519 public key.
    const QString cas = u"/ssh_certificate_authorities"_s;
    const QString users = u"/ssh_user_certificates"_s;
    const QString hosts = u"/ssh_host_certificates"_s;
    const QByteArray good = R"("ssh_certificate_authority_id":"{ca}","public_key":"{key}")";
    const QByteArray d256 = "\"" + QByteArray(256, 'd') + "\"";
    const QByteArray m4097 = "\"" + QByteArray(4097, 'm') + "\"";
    struct Row
    {
        const char *name;
        QByteArray method;
        QString path;
        QByteArray body;
        int status;
        int code;
        QString field;
    };
    const QList<Row> table{
        {"ca not json", "POST", cas, "{nope", 400, 5110, u"body"_s},
        {"ca array", "POST", cas, "[1]", 400, 5110, u"body"_s},
        {"ca unknown field", "POST", cas, R"({"name":"x"})", 400, 5111, u"name"_s},
        {"ca type not string", "POST", cas, R"({"private_key_type":1})", 400, 5112, u"private_key_type"_s},
        {"ca type unknown", "POST", cas, R"({"private_key_type":"dsa"})", 400, 5123, u"private_key_type"_s},
        {"ca curve unknown", "POST", cas, R"({"private_key_type":"ecdsa","elliptic_curve":"p192"})", 400, 5124,
         u"elliptic_curve"_s},
        {"ca key size", "POST", cas, R"({"private_key_type":"rsa","key_size":1024})", 400, 5125, u"key_size"_s},
        {"ca key size fraction", "POST", cas, R"({"private_key_type":"rsa","key_size":2048.5})", 400, 5112,
         u"key_size"_s},
        {"ca description", "POST", cas, "{\"description\":" + d256 + "}", 400, 5126, u"description"_s},
        {"ca metadata", "POST", cas, "{\"metadata\":" + m4097 + "}", 400, 5127, u"metadata"_s},
        {"ca patch description", "PATCH", cas + u"/{ca}"_s, "{\"description\":" + d256 + "}", 400, 5126,
         u"description"_s},
        {"ca patch unknown field", "PATCH", cas + u"/{ca}"_s, R"({"key_type":"rsa"})", 400, 5111, u"key_type"_s},
        {"ca patch id mismatch", "PATCH", cas + u"/{ca}"_s, R"({"id":"sshca_other"})", 400, 5143, u"id"_s},
        {"ca patch unknown", "PATCH", cas + u"/sshca_nope"_s, R"({"description":"x"})", 404, 5120, u""_s},
        {"cert unknown field", "POST", users, "{" + good + R"(,"serial":5})", 400, 5111, u"serial"_s},
        {"cert no ca", "POST", users, R"({"public_key":"{key}"})", 400, 5122, u"ssh_certificate_authority_id"_s},
        {"cert unknown ca", "POST", users, R"({"ssh_certificate_authority_id":"sshca_nope","public_key":"{key}"})", 400,
         5122, u"ssh_certificate_authority_id"_s},
        {"cert no key", "POST", users, R"({"ssh_certificate_authority_id":"{ca}"})", 400, 5128, u"public_key"_s},
        {"cert bad key", "POST", users, R"({"ssh_certificate_authority_id":"{ca}","public_key":"ssh-ed25519 AAAA"})",
         400, 5129, u"public_key"_s},
        {"cert key not string", "POST", users, R"({"ssh_certificate_authority_id":"{ca}","public_key":7})", 400, 5112,
         u"public_key"_s},
        {"principals not array", "POST", users, "{" + good + R"(,"principals":"alice"})", 400, 5112, u"principals"_s},
        {"principal not string", "POST", users, "{" + good + R"(,"principals":["a",3]})", 400, 5112,
         u"principals[1]"_s},
        {"principal with comma", "POST", users, "{" + good + R"(,"principals":["a,b"]})", 400, 5132,
         u"principals[0]"_s},
        {"host without principals", "POST", hosts, "{" + good + "}", 400, 5131, u"principals"_s},
        {"valid_after not rfc3339", "POST", users, "{" + good + R"(,"valid_after":"2026-03-01 12:00"})", 400, 5134,
         u"valid_after"_s},
        {"valid_until without zone", "POST", users, "{" + good + R"(,"valid_until":"2026-03-01T12:00:00"})", 400, 5134,
         u"valid_until"_s},
        {"valid_until before valid_after", "POST", users,
         "{" + good + R"(,"valid_after":"2026-03-02T00:00:00Z","valid_until":"2026-03-01T00:00:00Z"})", 400, 5135,
         u"valid_until"_s},
        {"critical option unknown", "POST", users, "{" + good + R"(,"critical_options":{"permit-all":""}})", 400, 5136,
         u"critical_options.permit-all"_s},
        {"critical option not string", "POST", users, "{" + good + R"(,"critical_options":{"force-command":1}})", 400,
         5112, u"critical_options.force-command"_s},
        {"source-address bad", "POST", users,
         "{" + good + R"(,"critical_options":{"source-address":"not an address"}})", 400, 5137,
         u"critical_options.source-address"_s},
        {"extensions not object", "POST", users, "{" + good + R"(,"extensions":["permit-pty"]})", 400, 5112,
         u"extensions"_s},
        {"extension unknown", "POST", users, "{" + good + R"(,"extensions":{"permit-root":""}})", 400, 5138,
         u"extensions.permit-root"_s},
        {"cert description", "POST", users, "{" + good + ",\"description\":" + d256 + "}", 400, 5126, u"description"_s},
        {"cert metadata", "POST", users, "{" + good + ",\"metadata\":" + m4097 + "}", 400, 5127, u"metadata"_s},
        {"cert patch metadata", "PATCH", users + u"/{cert}"_s, "{\"metadata\":" + m4097 + "}", 400, 5127,
         u"metadata"_s},
        {"cert patch not json", "PATCH", users + u"/{cert}"_s, "nope", 400, 5110, u"body"_s},
        {"revoke reason not string", "POST", users + u"/{cert}/revoke"_s, R"({"reason":false})", 400, 5112,
         u"reason"_s},
        {"revoke unknown field", "POST", users + u"/{cert}/revoke"_s, R"({"why":"x"})", 400, 5111, u"why"_s},
        {"revoke reason too long", "POST", users + u"/{cert}/revoke"_s, "{\"reason\":" + d256 + "}", 400, 5140,
         u"reason"_s},
        {"revoke unknown", "POST", users + u"/sshuc_nope/revoke"_s, "", 404, 5121, u""_s},
        {"revocation bad fingerprint", "POST", u"/ssh_certificate_revocations"_s, R"({"fingerprint":"MD5:00"})", 400,
         5141, u"fingerprint"_s},
        {"revocation no fingerprint", "POST", u"/ssh_certificate_revocations"_s, R"({"reason":"x"})", 400, 5141,
         u"fingerprint"_s},
        {"list limit 0", "GET", users + u"?limit=0"_s, "", 400, 5113, u"limit"_s},
        {"list limit 101", "GET", cas + u"?limit=101"_s, "", 400, 5113, u"limit"_s},
        {"list limit text", "GET", hosts + u"?limit=ten"_s, "", 400, 5113, u"limit"_s},
        {"list before_id bad", "GET", users + u"?before_id=a%20b"_s, "", 400, 5113, u"before_id"_s},
        {"known_hosts bad pattern", "GET", cas + u"/{ca}/known_hosts?pattern=a%20b"_s, "", 400, 5142, u"pattern"_s},
        {"krl unknown ca", "GET", cas + u"/sshca_nope/krl"_s, "", 404, 5120, u""_s},
    };
    for (const QString &backend : keystead::test::storeBackends()) {
        for (const Row &row : table)
            QTest::addRow("%s %s", qPrintable(backend), row.name)
                << backend << row.method << row.path << row.body << row.status << row.code << row.field;
    }
}

void TestCaApiRefusals::badInputStoresNothing()
{
    QFETCH(QString, backend);
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(int, code);
    QFETCH(QString, field);
    QVERIFY(start(backend));
    const QString caId = createCa().value(u"id"_s).toString();
    const QString certId
        = issue(u"user"_s, QJsonObject{{u"ssh_certificate_authority_id"_s, caId}, {u"public_key"_s, m_subject}})
              .value(u"id"_s)
              .toString();
    QVERIFY(!caId.isEmpty() && !certId.isEmpty());
    const auto fill = [&](QString text) {
        return text.replace(u"{ca}"_s, caId).replace(u"{cert}"_s, certId).replace(u"{key}"_s, m_subject);
    };
    const QMap<QString, int> before = counts();
    const QByteArray sent = fill(QString::fromUtf8(body)).toUtf8();
    const HttpReply reply = call(method, fill(path), sent);
    verifyErrorShape(reply, status, code, field);
    QCOMPARE(counts(), before);
    const QJsonObject ca = call("GET", u"/ssh_certificate_authorities/"_s + caId).json().object();
    QCOMPARE(ca.value(u"description"_s).toString(), QString());
    const QJsonObject certificate = call("GET", u"/ssh_user_certificates/"_s + certId).json().object();
    QCOMPARE(certificate.value(u"metadata"_s).toString(), QString());
    QCOMPARE(certificate.value(u"state"_s).toString(), u"valid"_s);
}

void TestCaApiRefusals::errorsHaveTheFamilyShape()
{
    QVERIFY(start());
    const QString caId = createCa().value(u"id"_s).toString();
    const HttpReply anonymous = httpRequest("GET", url(u"/ssh_certificate_authorities"_s));
    verifyErrorShape(anonymous, 401, 5114);
    verifyErrorShape(call("POST", u"/ssh_certificate_authorities"_s, QJsonObject{}, m_core->reader), 403, 5115);
    verifyErrorShape(call("GET", u"/ssh_certificate_authorities/"_s + caId + u"/nope"_s), 404, 5116);
    verifyErrorShape(call("PUT", u"/ssh_certificate_authorities/"_s + caId, QJsonObject{}), 405, 5117);
    verifyErrorShape(call("POST", u"/ssh_user_certificates"_s), 400, 5110, u"body"_s);
    verifyErrorShape(call("POST", u"/ssh_certificate_revocations"_s, "{"), 400, 5110, u"body"_s);
    // The read token still reads.
    QCOMPARE(call("GET", u"/ssh_host_certificates"_s, QByteArray(), m_core->reader).status, 200);
    // Every answer has its own operation id.
    const auto operationId = [this] {
        const HttpReply reply = call("GET", u"/ssh_certificate_authorities/x"_s);
        return reply.json().object().value(u"details"_s).toObject().value(u"operation_id"_s).toString();
    };
    const QString a = operationId();
    const QString b = operationId();
    QVERIFY(a != b);
}

void TestCaApiRefusals::secretsReachNeitherStoreNorResponseNorLog()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QList<QByteArray> fragments;
    for (const QJsonObject &body : {QJsonObject{{u"private_key_type"_s, u"ed25519"_s}},
                                    QJsonObject{{u"private_key_type"_s, u"ecdsa"_s}, {u"elliptic_curve"_s, u"p521"_s}},
                                    QJsonObject{{u"private_key_type"_s, u"rsa"_s}, {u"key_size"_s, 2048}}}) {
        const QJsonObject ca = createCa(body);
        const QString id = ca.value(u"id"_s).toString();
        QVERIFY(!id.isEmpty());
        // Sign, list, show and export with it, so each path had the chance to leak.
        issue(u"user"_s, QJsonObject{{u"ssh_certificate_authority_id"_s, id}, {u"public_key"_s, m_subject}});
        call("GET", u"/ssh_certificate_authorities"_s);
        call("GET", u"/ssh_certificate_authorities/"_s + id + u"/krl"_s);
        call("GET", u"/ssh_certificate_authorities/"_s + id + u"/known_hosts"_s);
        const Result<QByteArray> pem = m_core->vault->get(SecretRef{u"ssh_ca"_s, id, u"private_key"_s});
        KEYSTEAD_VERIFY_OK(pem);
        const QByteArray blob
            = QByteArray::fromBase64(ca.value(u"public_key"_s).toString().section(u' ', 1, 1).toLatin1());
        const QList<QByteArray> ofThis = privateKeyFragments(pem.value(), blob);
        QVERIFY(!ofThis.isEmpty());
        fragments += ofThis;
    }
    m_secretFragments += fragments;
    const QByteArray store = m_core->storeContents();
    QVERIFY(!store.isEmpty());
    for (const QByteArray &fragment : std::as_const(fragments)) {
        QVERIFY2(!store.contains(fragment), fragment.constData());
        QVERIFY2(!m_responses.contains(fragment), fragment.constData());
    }
    QVERIFY(!store.contains("PRIVATE KEY"));
}

void TestCaApiRefusals::vaultUnavailableStoresNothing()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    // The vault's master key file, readable by others: refused, so the vault has no key to seal with.
    const QString keyFile = m_core->store->dataDir() + u"/master.key"_s;
    QVERIFY(writeFile(keyFile, "k1 " + QByteArray(32, 'x').toBase64() + "\n"));
    QVERIFY(QFile::setPermissions(keyFile, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther));
    const QMap<QString, int> before = counts();
    const HttpReply refused = call("POST", u"/ssh_certificate_authorities"_s, QJsonObject{});
    verifyErrorShape(refused, 503, 5102);
    QVERIFY(refused.json().object().value(u"msg"_s).toString().contains(u"vault"_s));
    QCOMPARE(counts(), before);
}

QTEST_GUILESS_MAIN(TestCaApiRefusals)
#include "tst_ca_api_refusals.moc"
