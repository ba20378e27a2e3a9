#include "HttpTestClient.h"
#include "TestDatabase.h"

#include "api/ApiEndpoint.h"
#include "api/ApiRouter.h"
#include "api/CaController.h"
#include "api/SystemController.h"
#include "api/TokenService.h"
#include "audit/AuditLog.h"
#include "ca/CertificateAuthorityService.h"
#include "secrets/MasterKeyStore.h"
#include "secrets/Vault.h"
#include "store/Sql.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QMutex>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

namespace {

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

struct ProcessResult
{
    int exitCode = -1;
    QByteArray output;
};

ProcessResult runTool(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForFinished(120'000) || process.exitStatus() != QProcess::NormalExit)
        return {};
    return {process.exitCode(), process.readAll()};
}

// Everything any thread logs while the test runs, to prove no CA key is ever in it.
QMutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;

void captureMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        QMutexLocker lock(&g_logMutex);
        g_log.append(message);
    }
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

QStringList capturedLog()
{
    QMutexLocker lock(&g_logMutex);
    return g_log;
}

// Lines of a private key's PEM body that hold private bytes (a line of only public
// key bytes, the public point at the end of an EC key, is no secret).
QList<QByteArray> secretFragments(const QByteArray &pem, const QByteArray &publicBlob)
{
    QList<QByteArray> fragments;
    for (const QByteArray &line : pem.split('\n')) {
        const QByteArray trimmed = line.trimmed();
        if (trimmed.size() < 16 || trimmed.startsWith("-----"))
            continue;
        if (publicBlob.contains(QByteArray::fromBase64(trimmed)))
            continue;
        fragments.append(trimmed);
    }
    return fragments;
}

} // namespace

// Seed 002's certificate family over real HTTP: a listener on 127.0.0.1 in its
// own thread, a real client, ngrok's paths, fields, lists and error shape,
// Keystead's revocation and export routes, bad input refused with nothing
// stored, and CA private keys that reach neither the store, a response nor a log.
class TestCaApi final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void authorityRoutes_data() { backends(); }
    void authorityRoutes();
    void certificateRoutes_data();
    void certificateRoutes();
    void badInputStoresNothing_data();
    void badInputStoresNothing();
    void listsPage_data() { backends(); }
    void listsPage();
    void revocationAndExports_data() { backends(); }
    void revocationAndExports();
    void errorsHaveTheFamilyShape();
    void secretsReachNeitherStoreNorResponseNorLog_data() { backends(); }
    void secretsReachNeitherStoreNorResponseNorLog();
    void vaultUnavailableStoresNothing_data() { backends(); }
    void vaultUnavailableStoresNothing();
    void openApiDescribesTheRoutes();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }
    bool start(const QString &backend = u"sqlite"_s, const QString &masterKeyFile = {});
    QUrl url(const QString &path) const { return QUrl(m_endpoint->url() + path); }
    HttpReply call(const QByteArray &method, const QString &path, const QByteArray &body = {},
                   const QByteArray &token = {})
    {
        HttpReply reply = httpRequest(
            method, url(path), body,
            {{"Authorization", "Bearer " + (token.isEmpty() ? m_writer : token)}, {"Content-Type", "application/json"}},
            60'000);
        m_responses += reply.body + '\n';
        return reply;
    }
    HttpReply call(const QByteArray &method, const QString &path, const QJsonObject &body, const QByteArray &token = {})
    {
        return call(method, path, QJsonDocument(body).toJson(QJsonDocument::Compact), token);
    }
    QJsonObject createCa(const QJsonObject &body = {})
    {
        const HttpReply reply = call("POST", u"/ssh_certificate_authorities"_s, body);
        if (reply.status != 201)
            qWarning("CA not created: %d %s", reply.status, reply.body.constData());
        return reply.json().object();
    }
    QJsonObject issue(const QString &kind, const QJsonObject &body)
    {
        const HttpReply reply = call("POST", u"/ssh_"_s + kind + u"_certificates"_s, body);
        if (reply.status != 201)
            qWarning("certificate not issued: %d %s", reply.status, reply.body.constData());
        return reply.json().object();
    }
    int rows(const QString &table)
    {
        Result<QSqlQuery> count = sql::exec(m_store->database().connection(), u"SELECT COUNT(*) FROM "_s + table);
        return count && count.value().next() ? count.value().value(0).toInt() : -1;
    }
    QMap<QString, int> counts()
    {
        QMap<QString, int> all;
        for (const QString &table : {u"ssh_certificate_authorities"_s, u"ssh_certificates"_s,
                                     u"certificate_revocations"_s, u"vault_secrets"_s, u"audit_log"_s})
            all.insert(table, rows(table));
        return all;
    }
    QByteArray storeContents();
    QString nowText() const { return m_clock.now().toUTC().toString(u"yyyy-MM-ddTHH:mm:ss'Z'"_s); }
    // "REVOKED" or "ok" as ssh-keygen -Q reads a KRL for one key or certificate line.
    QString krlVerdict(const QByteArray &krl, const QString &line)
    {
        const QString krlPath = m_files.filePath(u"served.krl"_s);
        const QString keyPath = m_files.filePath(u"checked-cert.pub"_s);
        if (!writeFile(krlPath, krl) || !writeFile(keyPath, line.toUtf8() + '\n'))
            return u"cannot write"_s;
        const ProcessResult result = runTool(u"ssh-keygen"_s, {u"-Q"_s, u"-f"_s, krlPath, keyPath});
        if (result.output.contains("REVOKED"))
            return u"REVOKED"_s;
        if (result.exitCode == 0 && result.output.contains(": ok"))
            return u"ok"_s;
        return u"error: "_s + QString::fromUtf8(result.output);
    }
    static void verifyErrorShape(const HttpReply &reply, int status, int code, const QString &field = {})
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

    ManualClock m_clock{QDateTime(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC)};
    QTemporaryDir m_files;
    QString m_subject; // an Ed25519 public key line
    QString m_subjectB;
    std::unique_ptr<TestDatabase> m_store;
    std::unique_ptr<TokenService> m_tokens;
    std::unique_ptr<ApiRouter> m_router;
    std::unique_ptr<SystemController> m_system;
    std::unique_ptr<MasterKeyStore> m_masterKeys;
    std::unique_ptr<Vault> m_vault;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<CertificateAuthorityService> m_service;
    std::unique_ptr<CaController> m_controller;
    std::unique_ptr<ApiEndpoint> m_endpoint;
    QByteArray m_writer;
    QByteArray m_reader;
    QByteArray m_responses; // every response body of the whole run
    QList<QByteArray> m_secretFragments; // of every CA key made in the run
};

void TestCaApi::initTestCase()
{
    g_previousHandler = qInstallMessageHandler(captureMessage);
    QVERIFY(m_files.isValid());
    for (const QString &name : {u"subject"_s, u"subject-b"_s}) {
        const QString path = m_files.filePath(name);
        const ProcessResult made
            = runTool(u"ssh-keygen"_s, {u"-q"_s, u"-N"_s, u""_s, u"-t"_s, u"ed25519"_s, u"-C"_s, name, u"-f"_s, path});
        QVERIFY2(made.exitCode == 0, made.output.constData());
        (name == u"subject"_s ? m_subject : m_subjectB) = QString::fromLatin1(readFile(path + u".pub"_s)).trimmed();
    }
}

void TestCaApi::cleanupTestCase()
{
    qInstallMessageHandler(g_previousHandler);
    const QStringList log = capturedLog();
    for (const QByteArray &fragment : std::as_const(m_secretFragments)) {
        QVERIFY2(!m_responses.contains(fragment), fragment.constData());
        for (const QString &message : log)
            QVERIFY2(!message.contains(QString::fromLatin1(fragment)), qPrintable(message));
    }
}

bool TestCaApi::start(const QString &backend, const QString &masterKeyFile)
{
    m_store = TestDatabase::create(backend, m_clock);
    if (!m_store)
        return false;
    Database &database = m_store->database();
    m_tokens = std::make_unique<TokenService>(database);
    m_router = std::make_unique<ApiRouter>(*m_tokens, m_clock);
    m_system = std::make_unique<SystemController>(*m_router);
    m_masterKeys = std::make_unique<FileMasterKeyStore>(masterKeyFile.isEmpty() ? m_store->dataDir() + u"/master.key"_s
                                                                                : masterKeyFile);
    m_vault = std::make_unique<Vault>(database, m_clock, *m_masterKeys);
    m_audit = std::make_unique<AuditLog>(database, m_clock);
    m_service = std::make_unique<CertificateAuthorityService>(database, m_clock, *m_vault, *m_audit);
    m_controller = std::make_unique<CaController>(*m_router, *m_service);
    m_endpoint = std::make_unique<ApiEndpoint>(*m_router, database);
    const Result<NewApiToken> writer = m_tokens->create(u"writer"_s);
    const Result<NewApiToken> reader = m_tokens->create(u"reader"_s, TokenScope::Read);
    if (!writer || !reader)
        return false;
    m_writer = writer->secret.toLatin1();
    m_reader = reader->secret.toLatin1();
    EndpointConfig config;
    config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    return m_endpoint->start(config).ok();
}

void TestCaApi::cleanup()
{
    m_endpoint.reset();
    m_controller.reset();
    m_service.reset();
    m_audit.reset();
    m_vault.reset();
    m_masterKeys.reset();
    m_system.reset();
    m_router.reset();
    m_tokens.reset();
    m_store.reset();
}

QByteArray TestCaApi::storeContents()
{
    QByteArray contents;
    if (!m_store->database().isPostgres()) {
        const QFileInfo file(m_store->config().sqliteFile);
        const QStringList names = file.dir().entryList({file.fileName() + u'*'}, QDir::Files);
        for (const QString &name : names)
            contents += readFile(file.dir().filePath(name));
        return contents;
    }
    QSqlDatabase db = m_store->database().connection();
    Result<QSqlQuery> tables
        = sql::exec(db,
                    u"SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                    " AND table_type = 'BASE TABLE'"_s);
    if (!tables)
        return {};
    QStringList names;
    while (tables->next())
        names.append(tables->value(0).toString());
    for (const QString &name : std::as_const(names)) {
        Result<QSqlQuery> rowsOfTable = sql::exec(db, u"SELECT t::text FROM \"%1\" t"_s.arg(name));
        if (!rowsOfTable)
            return {};
        while (rowsOfTable->next())
            contents += rowsOfTable->value(0).toString().toUtf8() + '\n';
    }
    return contents;
}

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

    const HttpReply shown = call("GET", u"/ssh_certificate_authorities/"_s + id, QByteArray(), m_reader);
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
    QCOMPARE(rows(u"vault_secrets"_s), 0);

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
    const ProcessResult listed = runTool(u"ssh-keygen"_s, {u"-L"_s, u"-f"_s, certPath});
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

    m_clock.advanceSeconds(60);
    const HttpReply revoked = call("POST", path + u'/' + id + u"/revoke"_s, QJsonObject{{u"reason"_s, u"left"_s}});
    QCOMPARE(revoked.status, 200);
    QCOMPARE(revoked.json().object().value(u"state"_s).toString(), u"revoked"_s);
    QCOMPARE(revoked.json().object().value(u"revoked_at"_s).toString(), nowText());
    QCOMPARE(revoked.json().object().value(u"revocation_reason"_s).toString(), u"left"_s);
    verifyErrorShape(call("POST", path + u'/' + id + u"/revoke"_s), 409, 5139);

    QCOMPARE(call("DELETE", path + u'/' + id).status, 204);
    verifyErrorShape(call("GET", path + u'/' + id), 404, 5121);
    verifyErrorShape(call("PATCH", path + u'/' + id, QJsonObject{{u"description"_s, u"x"_s}}), 404, 5121);
    QCOMPARE(rows(u"certificate_revocations"_s), 1);
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

void TestCaApi::badInputStoresNothing_data()
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

void TestCaApi::badInputStoresNothing()
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
        m_clock.advanceSeconds(1);
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
        m_clock.advanceSeconds(1);
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

void TestCaApi::errorsHaveTheFamilyShape()
{
    QVERIFY(start());
    const QString caId = createCa().value(u"id"_s).toString();
    const HttpReply anonymous = httpRequest("GET", url(u"/ssh_certificate_authorities"_s));
    verifyErrorShape(anonymous, 401, 5114);
    verifyErrorShape(call("POST", u"/ssh_certificate_authorities"_s, QJsonObject{}, m_reader), 403, 5115);
    verifyErrorShape(call("GET", u"/ssh_certificate_authorities/"_s + caId + u"/nope"_s), 404, 5116);
    verifyErrorShape(call("PUT", u"/ssh_certificate_authorities/"_s + caId, QJsonObject{}), 405, 5117);
    verifyErrorShape(call("POST", u"/ssh_user_certificates"_s), 400, 5110, u"body"_s);
    verifyErrorShape(call("POST", u"/ssh_certificate_revocations"_s, "{"), 400, 5110, u"body"_s);
    // The read token still reads.
    QCOMPARE(call("GET", u"/ssh_host_certificates"_s, QByteArray(), m_reader).status, 200);
    // Every answer has its own operation id.
    const QString a = call("GET", u"/ssh_certificate_authorities/x"_s)
                          .json()
                          .object()
                          .value(u"details"_s)
                          .toObject()
                          .value(u"operation_id"_s)
                          .toString();
    const QString b = call("GET", u"/ssh_certificate_authorities/x"_s)
                          .json()
                          .object()
                          .value(u"details"_s)
                          .toObject()
                          .value(u"operation_id"_s)
                          .toString();
    QVERIFY(a != b);
}

void TestCaApi::secretsReachNeitherStoreNorResponseNorLog()
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
        const Result<QByteArray> pem = m_vault->get(SecretRef{u"ssh_ca"_s, id, u"private_key"_s});
        KEYSTEAD_VERIFY_OK(pem);
        const QByteArray blob
            = QByteArray::fromBase64(ca.value(u"public_key"_s).toString().section(u' ', 1, 1).toLatin1());
        const QList<QByteArray> ofThis = secretFragments(pem.value(), blob);
        QVERIFY(!ofThis.isEmpty());
        fragments += ofThis;
    }
    m_secretFragments += fragments;
    const QByteArray store = storeContents();
    QVERIFY(!store.isEmpty());
    for (const QByteArray &fragment : std::as_const(fragments)) {
        QVERIFY2(!store.contains(fragment), fragment.constData());
        QVERIFY2(!m_responses.contains(fragment), fragment.constData());
    }
    QVERIFY(!store.contains("PRIVATE KEY"));
}

void TestCaApi::vaultUnavailableStoresNothing()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString keyFile = dir.filePath(u"master.key"_s);
    QVERIFY(writeFile(keyFile, "k1 " + QByteArray(32, 'x').toBase64() + "\n"));
    // Readable by others: refused, so the vault has no key to seal with.
    QVERIFY(QFile::setPermissions(keyFile, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther));
    QVERIFY(start(backend, keyFile));
    const QMap<QString, int> before = counts();
    const HttpReply refused = call("POST", u"/ssh_certificate_authorities"_s, QJsonObject{});
    verifyErrorShape(refused, 503, 5102);
    QVERIFY(refused.json().object().value(u"msg"_s).toString().contains(u"vault"_s));
    QCOMPARE(counts(), before);
}

void TestCaApi::openApiDescribesTheRoutes()
{
    QVERIFY(start());
    const HttpReply reply = call("GET", u"/api/openapi.json"_s);
    QCOMPARE(reply.status, 200);
    const QJsonObject paths = reply.json().object().value(u"paths"_s).toObject();
    for (const QString &path :
         {u"/ssh_certificate_authorities"_s, u"/ssh_certificate_authorities/{id}"_s,
          u"/ssh_certificate_authorities/{id}/krl"_s, u"/ssh_certificate_authorities/{id}/trusted_user_ca_keys"_s,
          u"/ssh_certificate_authorities/{id}/known_hosts"_s, u"/ssh_user_certificates"_s,
          u"/ssh_user_certificates/{id}"_s, u"/ssh_user_certificates/{id}/revoke"_s, u"/ssh_host_certificates"_s,
          u"/ssh_host_certificates/{id}"_s, u"/ssh_host_certificates/{id}/revoke"_s, u"/ssh_certificate_revocations"_s})
        QVERIFY2(paths.contains(path), qPrintable(path));
    const QJsonObject schemas = reply.json().object().value(u"components"_s).toObject().value(u"schemas"_s).toObject();
    for (const QString &schema : {u"SshCertificateAuthority"_s, u"SshCertificate"_s, u"CaError"_s})
        QVERIFY2(schemas.contains(schema), qPrintable(schema));
}

QTEST_GUILESS_MAIN(TestCaApi)
#include "tst_ca_api.moc"
