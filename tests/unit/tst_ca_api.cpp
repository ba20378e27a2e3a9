#include "CaApiTest.h"
#include "TestTools.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// Seed 002's certificate family over real HTTP: a listener on 127.0.0.1 in its
// own thread, a real client, ngrok's paths, fields and lists, and Keystead's
// revocation and export routes, read back with ssh-keygen. Refusals, errors and
// secrets are in tst_ca_api_refusals.
class TestCaApi final : public CaApiTest
{
    Q_OBJECT

private Q_SLOTS:
    void authorityRoutes_data() { backends(); }
    void authorityRoutes();
    void certificateRoutes_data();
    void certificateRoutes();
    void listsPage_data() { backends(); }
    void listsPage();
    void revocationAndExports_data() { backends(); }
    void revocationAndExports();
    void openApiDescribesTheRoutes();

private:
    // "REVOKED" or "ok" as ssh-keygen -Q reads a KRL for one key or certificate line.
    QString krlVerdict(const QByteArray &krl, const QString &line)
    {
        const QString krlPath = m_files.filePath(u"served.krl"_s);
        const QString keyPath = m_files.filePath(u"checked-cert.pub"_s);
        if (!writeFile(krlPath, krl) || !writeFile(keyPath, line.toUtf8() + '\n'))
            return u"cannot write"_s;
        const ProcessResult result = runProcess(u"ssh-keygen"_s, {u"-Q"_s, u"-f"_s, krlPath, keyPath});
        if (result.output.contains("REVOKED"))
            return u"REVOKED"_s;
        if (result.exitCode == 0 && result.output.contains(": ok"))
            return u"ok"_s;
        return u"error: "_s + QString::fromUtf8(result.output);
    }
};

void TestCaApi::authorityRoutes()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const HttpReply created = call("POST", u"/ssh_certificate_authorities"_s,
                                   QJsonObject{{u"private_key_type"_s, u"ecdsa"_s},
                                               {u"elliptic_curve"_s, u"p384"_s},
                                               {u"description"_s, u"ops CA"_s},
                                               {u"metadata"_s, u"{\"env\":\"prod\"}"_s}});
    QCOMPARE(created.status, 201);
    const QJsonObject ca = created.json().object();
    const QString id = ca.value(u"id"_s).toString();
    QVERIFY(id.startsWith(u"sshca_"_s));
    QCOMPARE(ca.value(u"uri"_s).toString(), u"/ssh_certificate_authorities/"_s + id);
    QCOMPARE(ca.value(u"created_at"_s).toString(), nowText());
    QCOMPARE(ca.value(u"description"_s).toString(), u"ops CA"_s);
    QCOMPARE(ca.value(u"metadata"_s).toString(), u"{\"env\":\"prod\"}"_s);
    QCOMPARE(ca.value(u"key_type"_s).toString(), u"ecdsa"_s);
    QCOMPARE(ca.value(u"elliptic_curve"_s).toString(), u"p384"_s);
    QVERIFY(ca.value(u"key_size"_s).isNull());
    QVERIFY(ca.value(u"public_key"_s).toString().startsWith(u"ecdsa-sha2-nistp384 AAAA"_s));
    QVERIFY(ca.value(u"fingerprint"_s).toString().startsWith(u"SHA256:"_s));
    QCOMPARE(ca.value(u"certificates_issued"_s).toInt(-1), 0);
    QVERIFY(!created.body.contains("PRIVATE"));

    const HttpReply list = call("GET", u"/ssh_certificate_authorities"_s);
    QCOMPARE(list.status, 200);
    const QJsonObject listed = list.json().object();
    QCOMPARE(listed.value(u"ssh_certificate_authorities"_s).toArray().size(), 1);
    QCOMPARE(listed.value(u"ssh_certificate_authorities"_s).toArray().first().toObject(), ca);
    QCOMPARE(listed.value(u"uri"_s).toString(), u"/ssh_certificate_authorities"_s);
    QVERIFY(listed.value(u"next_page_uri"_s).isNull());

    const HttpReply shown = call("GET", u"/ssh_certificate_authorities/"_s + id, QByteArray(), m_core->reader);
    QCOMPARE(shown.status, 200);
    QCOMPARE(shown.json().object(), ca);

    const HttpReply patched = call("PATCH", u"/ssh_certificate_authorities/"_s + id,
                                   QJsonObject{{u"id"_s, id}, {u"description"_s, u"renamed"_s}});
    QCOMPARE(patched.status, 200);
    QCOMPARE(patched.json().object().value(u"description"_s).toString(), u"renamed"_s);
    QCOMPARE(patched.json().object().value(u"metadata"_s).toString(), u"{\"env\":\"prod\"}"_s);

    const HttpReply deleted = call("DELETE", u"/ssh_certificate_authorities/"_s + id);
    QCOMPARE(deleted.status, 204);
    QVERIFY(deleted.body.isEmpty());
    verifyErrorShape(call("GET", u"/ssh_certificate_authorities/"_s + id), 404, 5120);
    verifyErrorShape(call("DELETE", u"/ssh_certificate_authorities/"_s + id), 404, 5120);
    QCOMPARE(m_core->rows(u"vault_secrets"_s), 0);

    // Defaults: ed25519; rsa gets 4096 bits.
    QCOMPARE(createCa().value(u"key_type"_s).toString(), u"ed25519"_s);
    const QJsonObject rsa = createCa(QJsonObject{{u"private_key_type"_s, u"rsa"_s}, {u"key_size"_s, 2048}});
    QCOMPARE(rsa.value(u"key_size"_s).toInt(), 2048);
    QVERIFY(rsa.value(u"public_key"_s).toString().startsWith(u"ssh-rsa "_s));
}

void TestCaApi::certificateRoutes_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("kind");
    for (const QString &backend : keystead::test::storeBackends()) {
        for (const QString &kind : {u"user"_s, u"host"_s})
            QTest::addRow("%s %s", qPrintable(backend), qPrintable(kind)) << backend << kind;
    }
}

void TestCaApi::certificateRoutes()
{
    QFETCH(QString, backend);
    QFETCH(QString, kind);
    QVERIFY(start(backend));
    const QString path = u"/ssh_"_s + kind + u"_certificates"_s;
    const QString otherPath = kind == u"user"_s ? u"/ssh_host_certificates"_s : u"/ssh_user_certificates"_s;
    const QJsonObject ca = createCa();
    const QString caId = ca.value(u"id"_s).toString();
    QJsonObject body{{u"ssh_certificate_authority_id"_s, caId},
                     {u"public_key"_s, m_subject},
                     {u"principals"_s, QJsonArray{u"web1.example.org"_s, u"web1"_s}},
                     {u"valid_after"_s, u"2026-03-01T13:00:00+01:00"_s},
                     {u"valid_until"_s, u"2026-03-31T00:00:00.5Z"_s},
                     {u"description"_s, u"d"_s},
                     {u"metadata"_s, u"m"_s}};
    if (kind == u"user"_s)
        body.insert(u"critical_options"_s, QJsonObject{{u"source-address"_s, u"127.0.0.1/32"_s}});
    const HttpReply created = call("POST", path, body);
    QCOMPARE(created.status, 201);
    const QJsonObject certificate = created.json().object();
    const QString id = certificate.value(u"id"_s).toString();
    QVERIFY(id.startsWith(kind == u"user"_s ? u"sshuc_"_s : u"sshhc_"_s));
    QCOMPARE(certificate.value(u"uri"_s).toString(), path + u'/' + id);
    QCOMPARE(certificate.value(u"created_at"_s).toString(), nowText());
    QCOMPARE(certificate.value(u"public_key"_s).toString(), m_subject.section(u' ', 0, 1));
    QCOMPARE(certificate.value(u"key_type"_s).toString(), u"ed25519"_s);
    QCOMPARE(certificate.value(u"ssh_certificate_authority_id"_s).toString(), caId);
    QCOMPARE(certificate.value(u"principals"_s).toArray(), (QJsonArray{u"web1.example.org"_s, u"web1"_s}));
    QCOMPARE(certificate.value(u"valid_after"_s).toString(), u"2026-03-01T12:00:00Z"_s);
    QCOMPARE(certificate.value(u"valid_until"_s).toString(), u"2026-03-31T00:00:00Z"_s);
    QCOMPARE(certificate.value(u"serial"_s).toInt(), 1);
    QCOMPARE(certificate.value(u"key_id"_s).toString(), u"keystead:%1:web1.example.org,web1:1"_s.arg(caId));
    QVERIFY(certificate.value(u"subject_fingerprint"_s).toString().startsWith(u"SHA256:"_s));
    QVERIFY(certificate.value(u"revoked_at"_s).isNull());
    QVERIFY(certificate.value(u"revocation_reason"_s).isNull());
    QCOMPARE(certificate.value(u"state"_s).toString(), u"valid"_s);
    QCOMPARE(certificate.value(u"description"_s).toString(), u"d"_s);
    if (kind == u"user"_s) {
        QCOMPARE(certificate.value(u"critical_options"_s).toObject(),
                 (QJsonObject{{u"source-address"_s, u"127.0.0.1/32"_s}}));
        QCOMPARE(certificate.value(u"extensions"_s).toObject(),
                 (QJsonObject{{u"permit-pty"_s, u""_s}, {u"permit-user-rc"_s, u""_s}}));
    } else {
        QVERIFY(certificate.value(u"critical_options"_s).toObject().isEmpty());
        QVERIFY(certificate.value(u"extensions"_s).toObject().isEmpty());
    }
    // One line, ready for a -cert.pub file: ssh-keygen reads it.
    const QString line = certificate.value(u"certificate"_s).toString();
    QVERIFY(line.startsWith(u"ssh-ed25519-cert-v01@openssh.com AAAA"_s));
    QVERIFY(!line.contains(u'\n'));
    const QString certPath = m_files.filePath(u"api-cert.pub"_s);
    QVERIFY(writeFile(certPath, line.toUtf8() + '\n'));
    const ProcessResult listed = runProcess(u"ssh-keygen"_s, {u"-L"_s, u"-f"_s, certPath});
    QCOMPARE(listed.exitCode, 0);
    QVERIFY2(listed.output.contains((kind + u" certificate"_s).toUtf8()), listed.output.constData());

    const HttpReply list = call("GET", path);
    QCOMPARE(list.status, 200);
    QCOMPARE(list.json().object().value(u"ssh_"_s + kind + u"_certificates"_s).toArray(), QJsonArray{certificate});
    QVERIFY(call("GET", otherPath).json().object().value(otherPath.mid(1)).toArray().isEmpty());
    QCOMPARE(call("GET", path + u'/' + id).json().object(), certificate);
    verifyErrorShape(call("GET", otherPath + u'/' + id), 404, 5121);
    verifyErrorShape(call("POST", otherPath + u'/' + id + u"/revoke"_s), 404, 5121);

    const HttpReply patched = call("PATCH", path + u'/' + id, QJsonObject{{u"metadata"_s, u"m2"_s}});
    QCOMPARE(patched.status, 200);
    QCOMPARE(patched.json().object().value(u"metadata"_s).toString(), u"m2"_s);
    QCOMPARE(patched.json().object().value(u"description"_s).toString(), u"d"_s);
    QCOMPARE(patched.json().object().value(u"certificate"_s).toString(), line);

    m_core->clock.advanceSeconds(60);
    const HttpReply revoked = call("POST", path + u'/' + id + u"/revoke"_s, QJsonObject{{u"reason"_s, u"left"_s}});
    QCOMPARE(revoked.status, 200);
    QCOMPARE(revoked.json().object().value(u"state"_s).toString(), u"revoked"_s);
    QCOMPARE(revoked.json().object().value(u"revoked_at"_s).toString(), nowText());
    QCOMPARE(revoked.json().object().value(u"revocation_reason"_s).toString(), u"left"_s);
    verifyErrorShape(call("POST", path + u'/' + id + u"/revoke"_s), 409, 5139);

    QCOMPARE(call("DELETE", path + u'/' + id).status, 204);
    verifyErrorShape(call("GET", path + u'/' + id), 404, 5121);
    verifyErrorShape(call("PATCH", path + u'/' + id, QJsonObject{{u"description"_s, u"x"_s}}), 404, 5121);
    QCOMPARE(m_core->rows(u"certificate_revocations"_s), 1);
    QCOMPARE(
        call("GET", u"/ssh_certificate_authorities/"_s + caId).json().object().value(u"certificates_issued"_s).toInt(),
        1);

    // A body without a revocation reason is fine; a revocation without a body too.
    const QJsonObject second = issue(kind,
                                     QJsonObject{{u"ssh_certificate_authority_id"_s, caId},
                                                 {u"public_key"_s, m_subjectB},
                                                 {u"principals"_s, QJsonArray{u"h"_s}}});
    QCOMPARE(second.value(u"serial"_s).toInt(), 2);
    QCOMPARE(call("POST", path + u'/' + second.value(u"id"_s).toString() + u"/revoke"_s).status, 200);
}

void TestCaApi::listsPage()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const QString caId = createCa().value(u"id"_s).toString();
    QStringList ids;
    for (int i = 0; i < 5; ++i) {
        ids.prepend(issue(u"user"_s,
                          QJsonObject{{u"ssh_certificate_authority_id"_s, caId},
                                      {u"public_key"_s, m_subject},
                                      {u"principals"_s, QJsonArray{u"u%1"_s.arg(i)}}})
                        .value(u"id"_s)
                        .toString());
        m_core->clock.advanceSeconds(1);
    }
    QStringList seen;
    QString next = u"/ssh_user_certificates?limit=2"_s;
    for (int page = 0; page < 10 && !next.isEmpty(); ++page) {
        const HttpReply reply = call("GET", next);
        QCOMPARE(reply.status, 200);
        const QJsonObject body = reply.json().object();
        const QJsonArray items = body.value(u"ssh_user_certificates"_s).toArray();
        QVERIFY(items.size() <= 2);
        for (const QJsonValue &item : items)
            seen.append(item.toObject().value(u"id"_s).toString());
        QCOMPARE(body.value(u"uri"_s).toString(), next);
        next = body.value(u"next_page_uri"_s).toString();
    }
    QCOMPARE(seen, ids); // newest first, each once
    QCOMPARE(call("GET", u"/ssh_user_certificates?limit=5"_s).json().object().value(u"next_page_uri"_s).isNull(), true);
    const QJsonObject all = call("GET", u"/ssh_user_certificates"_s).json().object();
    QCOMPARE(all.value(u"ssh_user_certificates"_s).toArray().size(), 5);
    QCOMPARE(all.value(u"uri"_s).toString(), u"/ssh_user_certificates"_s);

    // Authorities page the same way.
    QStringList caIds{caId};
    for (int i = 0; i < 2; ++i) {
        m_core->clock.advanceSeconds(1);
        caIds.prepend(createCa().value(u"id"_s).toString());
    }
    const QJsonObject first = call("GET", u"/ssh_certificate_authorities?limit=2"_s).json().object();
    QCOMPARE(first.value(u"ssh_certificate_authorities"_s).toArray().size(), 2);
    QCOMPARE(first.value(u"next_page_uri"_s).toString(),
             u"/ssh_certificate_authorities?before_id=%1&limit=2"_s.arg(caIds.at(1)));
    const QJsonObject second = call("GET", first.value(u"next_page_uri"_s).toString()).json().object();
    QCOMPARE(second.value(u"ssh_certificate_authorities"_s).toArray().size(), 1);
    QCOMPARE(second.value(u"ssh_certificate_authorities"_s).toArray().first().toObject().value(u"id"_s).toString(),
             caId);
    QVERIFY(second.value(u"next_page_uri"_s).isNull());
}

void TestCaApi::revocationAndExports()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const QString caId = createCa().value(u"id"_s).toString();
    const QJsonObject user = issue(u"user"_s,
                                   QJsonObject{{u"ssh_certificate_authority_id"_s, caId},
                                               {u"public_key"_s, m_subject},
                                               {u"principals"_s, QJsonArray{u"alice"_s}}});
    const QJsonObject host = issue(u"host"_s,
                                   QJsonObject{{u"ssh_certificate_authority_id"_s, caId},
                                               {u"public_key"_s, m_subject},
                                               {u"principals"_s, QJsonArray{u"h.example.org"_s}}});
    const QJsonObject other
        = issue(u"user"_s, QJsonObject{{u"ssh_certificate_authority_id"_s, caId}, {u"public_key"_s, m_subjectB}});
    const QString caLine
        = call("GET", u"/ssh_certificate_authorities/"_s + caId).json().object().value(u"public_key"_s).toString();

    const HttpReply trusted = call("GET", u"/ssh_certificate_authorities/"_s + caId + u"/trusted_user_ca_keys"_s);
    QCOMPARE(trusted.status, 200);
    QVERIFY(trusted.header("content-type").startsWith("text/plain"));
    QCOMPARE(trusted.body, caLine.toUtf8() + '\n');

    const HttpReply emptyKrl = call("GET", u"/ssh_certificate_authorities/"_s + caId + u"/krl"_s);
    QCOMPARE(emptyKrl.status, 200);
    QCOMPARE(emptyKrl.header("content-type"), QByteArray("application/octet-stream"));
    QCOMPARE(krlVerdict(emptyKrl.body, user.value(u"certificate"_s).toString()), u"ok"_s);

    const HttpReply revoked = call("POST", u"/ssh_certificate_revocations"_s,
                                   QJsonObject{{u"fingerprint"_s, user.value(u"subject_fingerprint"_s).toString()},
                                               {u"reason"_s, u"stolen laptop"_s}});
    QCOMPARE(revoked.status, 201);
    const QJsonObject result = revoked.json().object();
    QCOMPARE(result.value(u"ssh_user_certificates"_s).toArray().size(), 1);
    QCOMPARE(result.value(u"ssh_host_certificates"_s).toArray().size(), 1);
    QCOMPARE(result.value(u"ssh_user_certificates"_s).toArray().first().toObject().value(u"state"_s).toString(),
             u"revoked"_s);
    QCOMPARE(result.value(u"reason"_s).toString(), u"stolen laptop"_s);

    const HttpReply krl = call("GET", u"/ssh_certificate_authorities/"_s + caId + u"/krl"_s);
    QCOMPARE(krl.status, 200);
    QCOMPARE(krlVerdict(krl.body, user.value(u"certificate"_s).toString()), u"REVOKED"_s);
    QCOMPARE(krlVerdict(krl.body, host.value(u"certificate"_s).toString()), u"REVOKED"_s);
    QCOMPARE(krlVerdict(krl.body, other.value(u"certificate"_s).toString()), u"ok"_s);
    QCOMPARE(krlVerdict(krl.body, m_subject), u"REVOKED"_s);

    const HttpReply knownHosts
        = call("GET", u"/ssh_certificate_authorities/"_s + caId + u"/known_hosts?pattern=*.example.org"_s);
    QCOMPARE(knownHosts.status, 200);
    QCOMPARE(knownHosts.body,
             QByteArray("@cert-authority *.example.org " + caLine.toUtf8() + "\n@revoked * "
                        + host.value(u"public_key"_s).toString().toUtf8() + '\n'));
    const HttpReply star = call("GET", u"/ssh_certificate_authorities/"_s + caId + u"/known_hosts"_s);
    QVERIFY(star.body.startsWith(QByteArray("@cert-authority * " + caLine.toUtf8() + '\n')));
    const QJsonObject caAfter = call("GET", u"/ssh_certificate_authorities/"_s + caId).json().object();
    QCOMPARE(caAfter.value(u"certificates_revoked"_s).toInt(), 2);
}

void TestCaApi::openApiDescribesTheRoutes()
{
    QVERIFY(start());
    const QJsonObject document = openApi();
    const QJsonObject paths = document.value(u"paths"_s).toObject();
    for (const QString &path :
         {u"/ssh_certificate_authorities"_s, u"/ssh_certificate_authorities/{id}"_s,
          u"/ssh_certificate_authorities/{id}/krl"_s, u"/ssh_certificate_authorities/{id}/trusted_user_ca_keys"_s,
          u"/ssh_certificate_authorities/{id}/known_hosts"_s, u"/ssh_user_certificates"_s,
          u"/ssh_user_certificates/{id}"_s, u"/ssh_user_certificates/{id}/revoke"_s, u"/ssh_host_certificates"_s,
          u"/ssh_host_certificates/{id}"_s, u"/ssh_host_certificates/{id}/revoke"_s, u"/ssh_certificate_revocations"_s})
        QVERIFY2(paths.contains(path), qPrintable(path));
    const QJsonObject schemas = document.value(u"components"_s).toObject().value(u"schemas"_s).toObject();
    for (const QString &schema : {u"SshCertificateAuthority"_s, u"SshCertificate"_s, u"CaError"_s})
        QVERIFY2(schemas.contains(schema), qPrintable(schema));
}

QTEST_GUILESS_MAIN(TestCaApi)
#include "tst_ca_api.moc"
