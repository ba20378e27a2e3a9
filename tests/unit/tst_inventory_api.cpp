#include "HttpTestClient.h"
#include "TestDatabase.h"

#include "api/ApiEndpoint.h"
#include "api/ApiRouter.h"
#include "api/KeyController.h"
#include "api/SystemController.h"
#include "api/TokenService.h"
#include "audit/AuditLog.h"
#include "inventory/InventoryService.h"
#include "secrets/MasterKeyStore.h"
#include "secrets/Vault.h"
#include "store/Sql.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QMutex>
#include <QProcess>
#include <QTemporaryDir>
#include <QtEndian>
#include <QtTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

namespace {

std::optional<QByteArray> run(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForFinished(120'000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return std::nullopt;
    return process.readAllStandardOutput();
}

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

QByteArray sshString(const QByteArray &bytes)
{
    QByteArray length(4, '\0');
    qToBigEndian(static_cast<quint32>(bytes.size()), length.data());
    return length + bytes;
}

// Everything any thread logs while the test runs, to prove no secret is ever in it.
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

// One key pair as made for the tests, with what `ssh-keygen -l` says of it.
struct KeyPair
{
    QByteArray privateKey;
    QString publicKey;
    QByteArray password;
    QString format; // as the API names it: openssh, pkcs1, pkcs8
    QString algorithm;
    int bits = 0;
    QString sha256;
    QString md5;
};

// Lines of a private key's base64 body: none may ever appear in the store or a log.
// A line that holds only public key bytes (the public point at the end of a SEC1
// key, the public half of an openssh-key-v1 file) is no secret and may well be there.
QList<QByteArray> secretFragments(const KeyPair &pair)
{
    const QList<QString> publicFields = pair.publicKey.split(u' ');
    const QByteArray publicBlob
        = publicFields.size() >= 2 ? QByteArray::fromBase64(publicFields.at(1).toLatin1()) : QByteArray();
    QList<QByteArray> fragments;
    for (const QByteArray &line : pair.privateKey.split('\n')) {
        const QByteArray trimmed = line.trimmed();
        if (trimmed.size() < 16 || trimmed.startsWith("-----") || trimmed.contains(':'))
            continue;
        if (!publicBlob.isEmpty() && publicBlob.contains(QByteArray::fromBase64(trimmed)))
            continue;
        fragments.append(trimmed);
    }
    if (!pair.password.isEmpty())
        fragments.append(pair.password);
    return fragments;
}

} // namespace

// Seed 001's key inventory over real HTTP: a listener on 127.0.0.1 in its own
// thread, a real client, the seed's paths, envelope and numbered errors, key
// pairs of every type and form made by ssh-keygen, and secrets that reach
// neither the store nor a log in plain text.
class TestInventoryApi final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void roundTripsEveryKeyForm_data();
    void roundTripsEveryKeyForm();
    void refusedRequestsStoreNothing_data();
    void refusedRequestsStoreNothing();
    void unknownDeviceIsReportedAndTheKeySaved_data() { backends(); }
    void unknownDeviceIsReportedAndTheKeySaved();
    void updateByIdentifierKeepsAbsentFields_data() { backends(); }
    void updateByIdentifierKeepsAbsentFields();
    void listAndShowNeverCarrySecrets_data() { backends(); }
    void listAndShowNeverCarrySecrets();
    void deleteInactivates_data() { backends(); }
    void deleteInactivates();
    void readOnlyTokenMayNotWrite_data() { backends(); }
    void readOnlyTokenMayNotWrite();
    void revealNeedsTheRevealScope_data() { backends(); }
    void revealNeedsTheRevealScope();
    void errorsHaveTheSeedsShape();
    void secretsReachNeitherStoreNorLog_data() { backends(); }
    void secretsReachNeitherStoreNorLog();
    void openApiDescribesTheRoutes();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
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
    // A complete create request for `pair`.
    QJsonObject keyBody(const KeyPair &pair, const QString &hostname = u"w2016"_s) const
    {
        QJsonObject body{{u"ip"_s, u"10.66.33.120"_s},
                         {u"hostname"_s, hostname},
                         {u"private_key"_s, QString::fromUtf8(pair.privateKey)},
                         {u"public_key"_s, pair.publicKey}};
        if (!pair.password.isEmpty())
            body.insert(u"password"_s, QString::fromUtf8(pair.password));
        return body;
    }
    int rows(const QString &table)
    {
        Result<QSqlQuery> count = sql::exec(m_store->database().connection(), u"SELECT COUNT(*) FROM "_s + table);
        return count && count.value().next() ? count.value().value(0).toInt() : -1;
    }
    QMap<QString, int> counts()
    {
        QMap<QString, int> all;
        for (const QString &table :
             {u"ssh_keys"_s, u"vault_secrets"_s, u"devices"_s, u"ssh_key_tags"_s, u"ssh_key_devices"_s, u"audit_log"_s})
            all.insert(table, rows(table));
        return all;
    }
    // Every byte the store holds: the SQLite files, or every row of every PostgreSQL table as text.
    QByteArray storeContents();
    // Every name is made in initTestCase; an unknown one is a mistake in the test.
    const KeyPair &pair(const QString &name) const
    {
        const auto found = m_pairs.constFind(name);
        if (found == m_pairs.constEnd())
            qFatal("no key pair named %s", qPrintable(name));
        return *found;
    }
    // The response fields of seed 001's envelope.
    static QJsonObject response(const HttpReply &reply)
    {
        return reply.json().object().value(u"response"_s).toObject();
    }

    ManualClock m_clock;
    QTemporaryDir m_keys;
    QMap<QString, KeyPair> m_pairs;
    std::unique_ptr<TestDatabase> m_store;
    std::unique_ptr<TokenService> m_tokens;
    std::unique_ptr<ApiRouter> m_router;
    std::unique_ptr<SystemController> m_system;
    std::unique_ptr<MasterKeyStore> m_masterKeys;
    std::unique_ptr<Vault> m_vault;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<InventoryService> m_inventory;
    std::unique_ptr<KeyController> m_controller;
    std::unique_ptr<ApiEndpoint> m_endpoint;
    QByteArray m_writer; // read, write (the default)
    QByteArray m_reader; // read only
    QByteArray m_revealer; // read, write, reveal
    QString m_revealerId;
};

void TestInventoryApi::initTestCase()
{
    g_previousHandler = qInstallMessageHandler(captureMessage);
    QVERIFY(m_keys.isValid());
    struct Kind
    {
        QString name;
        QStringList type;
        QString algorithm;
    };
    const QList<Kind> kinds{
        {u"ed25519"_s, {u"-t"_s, u"ed25519"_s}, u"ssh-ed25519"_s},
        {u"ecdsa256"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"256"_s}, u"ecdsa-sha2-nistp256"_s},
        {u"ecdsa384"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"384"_s}, u"ecdsa-sha2-nistp384"_s},
        {u"ecdsa521"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"521"_s}, u"ecdsa-sha2-nistp521"_s},
        {u"rsa"_s, {u"-t"_s, u"rsa"_s, u"-b"_s, u"2048"_s}, u"ssh-rsa"_s},
    };
    const QList<std::pair<QString, QString>> formats{
        {u"openssh"_s, u"RFC4716"_s}, {u"pkcs1"_s, u"PEM"_s}, {u"pkcs8"_s, u"PKCS8"_s}};
    for (const Kind &kind : kinds) {
        for (const auto &[format, keygenFormat] : formats) {
            for (const bool withPassword : {false, true}) {
                const QString name = kind.name + u'-' + format + (withPassword ? u"-pw"_s : u""_s);
                const QString path = m_keys.filePath(name);
                KeyPair made;
                made.password = withPassword ? (u"Pw!"_s + name + u"-Zq9"_s).toUtf8() : QByteArray();
                made.format = format;
                made.algorithm = kind.algorithm;
                if (kind.name == u"ed25519"_s && format == u"pkcs1"_s)
                    continue; // Ed25519 has no PKCS#1 form
                if (kind.name == u"ed25519"_s && format == u"pkcs8"_s) {
                    // ssh-keygen writes Ed25519 only as openssh-key-v1: OpenSSL makes the PKCS#8 form.
                    QStringList arguments{u"genpkey"_s, u"-algorithm"_s, u"ed25519"_s, u"-out"_s, path};
                    if (withPassword)
                        arguments += {u"-aes-256-cbc"_s, u"-pass"_s, u"pass:"_s + QString::fromUtf8(made.password)};
                    QVERIFY(run(u"openssl"_s, arguments));
                    QStringList pubout{u"pkey"_s, u"-in"_s, path, u"-pubout"_s, u"-outform"_s, u"DER"_s};
                    if (withPassword)
                        pubout += {u"-passin"_s, u"pass:"_s + QString::fromUtf8(made.password)};
                    const std::optional<QByteArray> der = run(u"openssl"_s, pubout);
                    QVERIFY(der && der->size() == 44);
                    const QByteArray blob = sshString("ssh-ed25519") + sshString(der->right(32));
                    QVERIFY(writeFile(path + u".pub"_s, "ssh-ed25519 " + blob.toBase64() + " " + name.toUtf8() + "\n"));
                } else {
                    QVERIFY2(run(u"ssh-keygen"_s,
                                 QStringList{u"-q"_s, u"-N"_s, QString::fromUtf8(made.password), u"-C"_s, name, u"-m"_s,
                                             keygenFormat, u"-f"_s, path}
                                     + kind.type),
                             qPrintable(name));
                }
                made.privateKey = readFile(path);
                made.publicKey = QString::fromLatin1(readFile(path + u".pub"_s)).trimmed();
                QVERIFY(!made.privateKey.isEmpty());
                // "256 SHA256:... comment (ED25519)"
                for (const QString &hash : {u"sha256"_s, u"md5"_s}) {
                    const std::optional<QByteArray> listed
                        = run(u"ssh-keygen"_s, {u"-l"_s, u"-E"_s, hash, u"-f"_s, path + u".pub"_s});
                    QVERIFY(listed);
                    const QList<QByteArray> fields = listed->trimmed().split(' ');
                    QVERIFY(fields.size() >= 2);
                    made.bits = fields.at(0).toInt();
                    (hash == u"sha256"_s ? made.sha256 : made.md5) = QString::fromLatin1(fields.at(1));
                }
                m_pairs.insert(name, made);
            }
        }
    }
    QCOMPARE(m_pairs.size(), 28);
}

void TestInventoryApi::cleanupTestCase()
{
    qInstallMessageHandler(g_previousHandler);
    // Nothing logged during the whole run, on any thread, holds a secret.
    const QStringList log = capturedLog();
    for (const KeyPair &made : std::as_const(m_pairs)) {
        for (const QByteArray &fragment : secretFragments(made)) {
            for (const QString &message : log)
                QVERIFY2(!message.contains(QString::fromUtf8(fragment)), qPrintable(message));
        }
    }
}

bool TestInventoryApi::start(const QString &backend)
{
    m_store = TestDatabase::create(backend, m_clock);
    if (!m_store)
        return false;
    Database &database = m_store->database();
    m_tokens = std::make_unique<TokenService>(database);
    m_router = std::make_unique<ApiRouter>(*m_tokens, m_clock);
    m_system = std::make_unique<SystemController>(*m_router);
    m_masterKeys = std::make_unique<FileMasterKeyStore>(m_store->dataDir() + u"/master.key"_s);
    m_vault = std::make_unique<Vault>(database, m_clock, *m_masterKeys);
    m_audit = std::make_unique<AuditLog>(database, m_clock);
    m_inventory = std::make_unique<InventoryService>(database, m_clock, *m_vault, *m_audit);
    m_controller = std::make_unique<KeyController>(*m_router, *m_inventory);
    m_endpoint = std::make_unique<ApiEndpoint>(*m_router, database);
    const Result<NewApiToken> writer = m_tokens->create(u"writer"_s);
    const Result<NewApiToken> reader = m_tokens->create(u"reader"_s, TokenScope::Read);
    const Result<NewApiToken> revealer
        = m_tokens->create(u"revealer"_s, TokenScopes{TokenScope::Read, TokenScope::Write, TokenScope::RevealSecrets});
    if (!writer || !reader || !revealer)
        return false;
    m_writer = writer->secret.toLatin1();
    m_reader = reader->secret.toLatin1();
    m_revealer = revealer->secret.toLatin1();
    m_revealerId = revealer->token.id;
    EndpointConfig config;
    config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    return m_endpoint->start(config).ok();
}

void TestInventoryApi::cleanup()
{
    m_endpoint.reset();
    m_controller.reset();
    m_inventory.reset();
    m_audit.reset();
    m_vault.reset();
    m_masterKeys.reset();
    m_system.reset();
    m_router.reset();
    m_tokens.reset();
    m_store.reset();
}

QByteArray TestInventoryApi::storeContents()
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

void TestInventoryApi::roundTripsEveryKeyForm_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("name");
    for (const QString &backend : keystead::test::storeBackends()) {
        for (const QString &name : m_pairs.keys())
            QTest::addRow("%s %s", qPrintable(backend), qPrintable(name)) << backend << name;
    }
}

void TestInventoryApi::roundTripsEveryKeyForm()
{
    QFETCH(QString, backend);
    QFETCH(QString, name);
    QVERIFY(start(backend));
    const KeyPair &made = pair(name);

    QJsonObject body = keyBody(made);
    body.insert(u"key_name"_s, name);
    body.insert(u"tags"_s, QString(u"mainsshkey, "_s + made.format));
    const HttpReply created = call("POST", u"/api/pam/key"_s, body);
    QVERIFY2(created.status == 201, created.body.constData());
    const QJsonObject answer = created.json().object();
    QCOMPARE(answer.value(u"code"_s).toInt(), 201);
    QCOMPARE(response(created).value(u"message"_s).toString(), u"Key created successfully!"_s);
    QCOMPARE(response(created).value(u"error"_s), QJsonValue(false));
    QCOMPARE(response(created).value(u"error_code"_s).toInt(), 0);
    const QString id = answer.value(u"key"_s).toObject().value(u"id"_s).toString();
    QVERIFY(!id.isEmpty());

    const HttpReply shown = call("GET", u"/api/pam/key/"_s + id);
    QCOMPARE(shown.status, 200);
    const QJsonObject key = shown.json().object().value(u"key"_s).toObject();
    QCOMPARE(key.value(u"algorithm"_s).toString(), made.algorithm);
    QCOMPARE(key.value(u"bits"_s).toInt(), made.bits);
    QCOMPARE(key.value(u"fingerprint_sha256"_s).toString(), made.sha256);
    QCOMPARE(key.value(u"fingerprint_md5"_s).toString(), made.md5);
    QCOMPARE(key.value(u"private_key_format"_s).toString(), made.format);
    QCOMPARE(key.value(u"private_key_encrypted"_s).toBool(), !made.password.isEmpty());
    QCOMPARE(key.value(u"has_private_key"_s), QJsonValue(true));
    QCOMPARE(key.value(u"has_password"_s).toBool(), !made.password.isEmpty());
    QCOMPARE(key.value(u"public_key"_s).toString(), made.publicKey);
    QCOMPARE(key.value(u"tags"_s).toArray(), (QJsonArray{u"mainsshkey"_s, made.format}));
    QVERIFY(!key.contains(u"private_key"_s));
    QVERIFY(!key.contains(u"password"_s));

    const HttpReply revealed = call("GET", u"/api/pam/key/"_s + id + u"/secret"_s, QByteArray(), m_revealer);
    QCOMPARE(revealed.status, 200);
    QCOMPARE(revealed.header("cache-control"), QByteArray("no-store"));
    const QJsonObject secret = revealed.json().object().value(u"key"_s).toObject();
    QCOMPARE(secret.value(u"private_key"_s).toString().toUtf8(), made.privateKey);
    if (made.password.isEmpty())
        QVERIFY(secret.value(u"password"_s).isNull());
    else
        QCOMPARE(secret.value(u"password"_s).toString().toUtf8(), made.password);
    const Result<QList<AuditEvent>> events = m_audit->list(AuditQuery{u"key.reveal"_s, id, 10});
    KEYSTEAD_VERIFY_OK(events);
    QCOMPARE(events->size(), 1);
    QCOMPARE(events->first().actor.kind, u"token"_s);
    QCOMPARE(events->first().actor.id, m_revealerId);
    QCOMPARE(events->first().actor.name, u"revealer"_s);
    QVERIFY(events->first().actor.address.contains(u"127.0.0.1"_s));
}

void TestInventoryApi::refusedRequestsStoreNothing_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message");
    const QList<std::tuple<QString, int, QString>> cases{
        {u"no hostname"_s, 1004, u"1004: The device's hostname was not informed"_s},
        {u"no ip"_s, 1005, u"1005: The device's IP was not informed"_s},
        {u"no public key"_s, 1013, u"1013: The public key was not informed"_s},
        {u"no private key"_s, 1014, u"1014: The private key was not informed"_s},
        {u"device without hostname"_s, 1004, u"1004: The device's hostname was not informed"_s},
        {u"mismatched pair"_s, 1043, u"1043: The public key does not match the private key"_s},
        {u"wrong password"_s, 1045, {}},
        {u"garbage private key"_s, 1041, {}},
        {u"garbage public key"_s, 1042, {}},
        {u"identifier all digits"_s, 1048, {}},
        {u"enabled not a boolean"_s, 1049, {}},
        {u"tags a number"_s, 1049, {}},
        {u"devices a string"_s, 1049, {}},
        {u"private key a number"_s, 1049, {}},
        {u"body an array"_s, 1049, {}},
    };
    for (const QString &backend : keystead::test::storeBackends()) {
        for (const auto &[name, code, message] : cases)
            QTest::addRow("%s %s", qPrintable(backend), qPrintable(name)) << backend << name << code << message;
    }
}

void TestInventoryApi::refusedRequestsStoreNothing()
{
    QFETCH(QString, backend);
    QFETCH(QString, name);
    QFETCH(int, code);
    QFETCH(QString, message);
    QVERIFY(start(backend));
    QCOMPARE(call("POST", u"/api/pam/key"_s, keyBody(pair(u"rsa-pkcs1-pw"_s))).status, 201);
    const QMap<QString, int> before = counts();

    const KeyPair &made = pair(u"ed25519-openssh-pw"_s);
    QJsonObject body = keyBody(made, u"host-new"_s);
    body.insert(u"devices"_s, QJsonArray{QJsonObject{{u"hostname"_s, u"w2016"_s}}});
    QByteArray raw;
    if (name == u"no hostname"_s)
        body.remove(u"hostname"_s);
    else if (name == u"no ip"_s)
        body.insert(u"ip"_s, u""_s);
    else if (name == u"no public key"_s)
        body.remove(u"public_key"_s);
    else if (name == u"no private key"_s)
        body.remove(u"private_key"_s);
    else if (name == u"device without hostname"_s)
        body.insert(u"devices"_s, QJsonArray{QJsonObject{{u"hostname"_s, u"w2016"_s}}, QJsonObject{}});
    else if (name == u"mismatched pair"_s)
        body.insert(u"public_key"_s, pair(u"ecdsa256-openssh"_s).publicKey);
    else if (name == u"wrong password"_s)
        body.insert(u"password"_s, u"not the password"_s);
    else if (name == u"garbage private key"_s)
        body.insert(u"private_key"_s,
                    u"-----BEGIN RSA PRIVATE KEY-----\nZ2FyYmFnZQ==\n-----END RSA PRIVATE KEY-----"_s);
    else if (name == u"garbage public key"_s)
        body.insert(u"public_key"_s, u"ssh-rsa garbage"_s);
    else if (name == u"identifier all digits"_s)
        body.insert(u"identifier"_s, u"83"_s);
    else if (name == u"enabled not a boolean"_s)
        body.insert(u"enabled"_s, u"yes"_s);
    else if (name == u"tags a number"_s)
        body.insert(u"tags"_s, 5);
    else if (name == u"devices a string"_s)
        body.insert(u"devices"_s, u"w2016"_s);
    else if (name == u"private key a number"_s)
        body.insert(u"private_key"_s, 5);
    else if (name == u"body an array"_s)
        raw = QJsonDocument(QJsonArray{body}).toJson(QJsonDocument::Compact);
    else
        QFAIL("unknown case");

    const HttpReply reply
        = call("POST", u"/api/pam/key"_s, raw.isEmpty() ? QJsonDocument(body).toJson(QJsonDocument::Compact) : raw);
    QCOMPARE(reply.status, 400);
    QCOMPARE(reply.header("content-type"), QByteArray("application/json"));
    const QJsonObject answer = reply.json().object();
    QCOMPARE(answer.value(u"code"_s).toInt(), 400);
    const QJsonObject shape = response(reply);
    QCOMPARE(shape.value(u"status"_s).toInt(), 400);
    QCOMPARE(shape.value(u"error"_s), QJsonValue(true));
    QCOMPARE(shape.value(u"erro"_s), QJsonValue(true));
    QCOMPARE(shape.value(u"error_code"_s).toInt(), code);
    QCOMPARE(shape.value(u"cod_erro"_s).toInt(), code);
    const QString text = shape.value(u"message"_s).toString();
    QVERIFY2(text.startsWith(QString::number(code) + u": "_s), qPrintable(text));
    if (!message.isEmpty())
        QCOMPARE(text, message);
    QCOMPARE(shape.value(u"mensagem"_s).toString(), text);
    QVERIFY(shape.value(u"detail"_s).isString());
    QVERIFY(!answer.contains(u"key"_s));
    if (code == 1049)
        QVERIFY2(!shape.value(u"detail"_s).toString().isEmpty() || text.contains(u"field"_s), qPrintable(text));
    // The refusal neither stores nor echoes what was sent.
    QCOMPARE(counts(), before);
    for (const QByteArray &fragment : secretFragments(made))
        QVERIFY(!reply.body.contains(fragment));
}

void TestInventoryApi::unknownDeviceIsReportedAndTheKeySaved()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QJsonObject first = keyBody(pair(u"ecdsa256-openssh"_s), u"API device test"_s);
    first.insert(u"ip"_s, u"10.66.33.20"_s);
    QCOMPARE(call("POST", u"/api/pam/key"_s, first).status, 201);

    // Seed 001's example request, with a device that is known and one that is not.
    QJsonObject body = keyBody(pair(u"ed25519-openssh-pw"_s));
    body.insert(u"identifier"_s, u"sshkey3"_s);
    body.insert(u"username"_s, u"dleite3"_s);
    body.insert(u"enabled"_s, true);
    body.insert(
        u"devices"_s,
        QJsonArray{QJsonObject{{u"hostname"_s, u"API device test"_s}}, QJsonObject{{u"hostname"_s, u"nowhere"_s}}});
    body.insert(u"tags"_s, u"mainsshkey"_s);
    body.insert(u"key_name"_s, u"test4"_s);
    body.insert(u"unknown_field"_s, u"ignored"_s);
    const HttpReply reply = call("POST", u"/api/pam/key"_s, body);
    QCOMPARE(reply.status, 201);
    const QJsonObject key = reply.json().object().value(u"key"_s).toObject();
    QCOMPARE(key.value(u"identifier"_s).toString(), u"sshkey3"_s);
    QCOMPARE(key.value(u"devices"_s).toArray(),
             (QJsonArray{QJsonObject{{u"hostname"_s, u"API device test"_s}, {u"ip"_s, u"10.66.33.20"_s}}}));
    QCOMPARE(key.value(u"devices_error"_s).toArray(),
             (QJsonArray{QJsonObject{{u"hostname"_s, u"nowhere"_s}, {u"message"_s, u"Device not found"_s}}}));
    const HttpReply shown = call("GET", u"/api/pam/key/sshkey3"_s);
    QCOMPARE(shown.status, 200);
    QCOMPARE(shown.json().object().value(u"key"_s).toObject().value(u"id"_s).toString(), key.value(u"id"_s).toString());
}

void TestInventoryApi::updateByIdentifierKeepsAbsentFields()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QJsonObject body = keyBody(pair(u"rsa-pkcs8-pw"_s));
    body.insert(u"identifier"_s, u"sshkey3"_s);
    body.insert(u"username"_s, u"dleite3"_s);
    body.insert(u"key_name"_s, u"test4"_s);
    body.insert(u"tags"_s, QJsonArray{u"mainsshkey"_s, u"prod"_s});
    const HttpReply created = call("POST", u"/api/pam/key"_s, body);
    QCOMPARE(created.status, 201);
    const QString id = created.json().object().value(u"key"_s).toObject().value(u"id"_s).toString();

    m_clock.advanceSeconds(30);
    const HttpReply updated
        = call("POST", u"/api/pam/key"_s, QJsonObject{{u"identifier"_s, u"sshkey3"_s}, {u"key_name"_s, u"renamed"_s}});
    QCOMPARE(updated.status, 201);
    QCOMPARE(updated.json().object().value(u"code"_s).toInt(), 201);
    QCOMPARE(response(updated).value(u"message"_s).toString(), u"Key updated successfully!"_s);
    QCOMPARE(response(updated).value(u"mensagem"_s).toString(), u"Key updated successfully!"_s);
    QCOMPARE(updated.json().object().value(u"key"_s).toObject().value(u"id"_s).toString(), id);

    const QJsonObject key = call("GET", u"/api/pam/key/"_s + id).json().object().value(u"key"_s).toObject();
    QCOMPARE(key.value(u"key_name"_s).toString(), u"renamed"_s);
    QCOMPARE(key.value(u"username"_s).toString(), u"dleite3"_s);
    QCOMPARE(key.value(u"hostname"_s).toString(), u"w2016"_s);
    QCOMPARE(key.value(u"ip"_s).toString(), u"10.66.33.120"_s);
    QCOMPARE(key.value(u"tags"_s).toArray(), (QJsonArray{u"mainsshkey"_s, u"prod"_s}));
    QCOMPARE(key.value(u"enabled"_s), QJsonValue(true));
    QCOMPARE(key.value(u"has_password"_s), QJsonValue(true));
    QCOMPARE(key.value(u"fingerprint_sha256"_s).toString(), pair(u"rsa-pkcs8-pw"_s).sha256);
    QVERIFY(key.value(u"updated_at"_s).toString() > key.value(u"created_at"_s).toString());
    const QJsonObject secret = call("GET", u"/api/pam/key/sshkey3/secret"_s, QByteArray(), m_revealer)
                                   .json()
                                   .object()
                                   .value(u"key"_s)
                                   .toObject();
    QCOMPARE(secret.value(u"private_key"_s).toString().toUtf8(), pair(u"rsa-pkcs8-pw"_s).privateKey);
    QCOMPARE(secret.value(u"password"_s).toString().toUtf8(), pair(u"rsa-pkcs8-pw"_s).password);
}

void TestInventoryApi::listAndShowNeverCarrySecrets()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QJsonObject first = keyBody(pair(u"ecdsa384-pkcs1-pw"_s));
    first.insert(u"identifier"_s, u"alpha"_s);
    first.insert(u"tags"_s, u"prod, db"_s);
    QCOMPARE(call("POST", u"/api/pam/key"_s, first).status, 201);
    QJsonObject second = keyBody(pair(u"ecdsa521-openssh"_s), u"web-1"_s);
    second.insert(u"identifier"_s, u"beta"_s);
    second.insert(u"enabled"_s, false);
    QCOMPARE(call("POST", u"/api/pam/key"_s, second).status, 201);

    const HttpReply listed = call("GET", u"/api/pam/key"_s, QByteArray(), m_reader);
    QCOMPARE(listed.status, 200);
    QCOMPARE(listed.json().object().value(u"code"_s).toInt(), 200);
    QCOMPARE(response(listed).value(u"error"_s), QJsonValue(false));
    const QJsonArray keys = listed.json().object().value(u"keys"_s).toArray();
    QCOMPARE(keys.size(), 2);
    for (const QJsonValue &value : keys) {
        const QJsonObject key = value.toObject();
        for (const QString &field :
             {u"id"_s, u"identifier"_s, u"has_private_key"_s, u"has_password"_s, u"algorithm"_s, u"bits"_s,
              u"fingerprint_sha256"_s, u"fingerprint_md5"_s, u"tags"_s, u"devices"_s, u"enabled"_s, u"created_at"_s,
              u"updated_at"_s, u"username"_s, u"hostname"_s, u"ip"_s, u"public_key"_s})
            QVERIFY2(key.contains(field), qPrintable(field));
        QVERIFY(!key.contains(u"private_key"_s));
        QVERIFY(!key.contains(u"password"_s));
    }
    QCOMPARE(keys.at(0).toObject().value(u"tags"_s).toArray(), (QJsonArray{u"prod"_s, u"db"_s}));
    QCOMPARE(keys.at(0).toObject().value(u"has_password"_s), QJsonValue(true));
    QCOMPARE(keys.at(1).toObject().value(u"has_password"_s), QJsonValue(false));
    const QByteArray everything
        = listed.body + call("GET", u"/api/pam/key/alpha"_s).body + call("GET", u"/api/pam/key/beta"_s).body;
    for (const QString &name : {u"ecdsa384-pkcs1-pw"_s, u"ecdsa521-openssh"_s}) {
        for (const QByteArray &fragment : secretFragments(pair(name)))
            QVERIFY(!everything.contains(fragment));
    }

    const auto identifiers = [this](const QString &query) {
        QStringList found;
        const QJsonArray matching = call("GET", u"/api/pam/key?"_s + query).json().object().value(u"keys"_s).toArray();
        for (const QJsonValue &key : matching)
            found.append(key.toObject().value(u"identifier"_s).toString());
        return found;
    };
    QCOMPARE(identifiers(u"tag=db"_s), QStringList{u"alpha"_s});
    QCOMPARE(identifiers(u"enabled=false"_s), QStringList{u"beta"_s});
    QCOMPARE(identifiers(u"search=WEB-"_s), QStringList{u"beta"_s});
    QCOMPARE(identifiers(u"search="_s + pair(u"ecdsa384-pkcs1-pw"_s).md5.mid(4, 11)), QStringList{u"alpha"_s});
    const HttpReply badFilter = call("GET", u"/api/pam/key?enabled=maybe"_s);
    QCOMPARE(badFilter.status, 400);
    QCOMPARE(response(badFilter).value(u"error_code"_s).toInt(), 1049);
}

void TestInventoryApi::deleteInactivates()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const HttpReply created = call("POST", u"/api/pam/key"_s, keyBody(pair(u"ed25519-pkcs8"_s)));
    QCOMPARE(created.status, 201);
    const QString id = created.json().object().value(u"key"_s).toObject().value(u"id"_s).toString();

    const HttpReply deleted = call("DELETE", u"/api/pam/key/"_s + id);
    QCOMPARE(deleted.status, 200);
    QCOMPARE(response(deleted).value(u"message"_s).toString(), u"Key inactivated successfully!"_s);
    QCOMPARE(deleted.json().object().value(u"key"_s).toObject().value(u"enabled"_s), QJsonValue(false));
    const HttpReply shown = call("GET", u"/api/pam/key/"_s + id);
    QCOMPARE(shown.status, 200);
    QCOMPARE(shown.json().object().value(u"key"_s).toObject().value(u"enabled"_s), QJsonValue(false));
    QCOMPARE(rows(u"ssh_keys"_s), 1);

    const HttpReply missing = call("DELETE", u"/api/pam/key/999"_s);
    QCOMPARE(missing.status, 404);
    QCOMPARE(response(missing).value(u"message"_s).toString(), u"Resource 999 not found"_s);
}

void TestInventoryApi::readOnlyTokenMayNotWrite()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const HttpReply created = call("POST", u"/api/pam/key"_s, keyBody(pair(u"ed25519-openssh"_s)));
    QCOMPARE(created.status, 201);
    const QString id = created.json().object().value(u"key"_s).toObject().value(u"id"_s).toString();
    const QMap<QString, int> before = counts();

    const HttpReply posted = call("POST", u"/api/pam/key"_s, keyBody(pair(u"rsa-openssh"_s)), m_reader);
    const HttpReply deleted = call("DELETE", u"/api/pam/key/"_s + id, QByteArray(), m_reader);
    for (const HttpReply &reply : {posted, deleted}) {
        QCOMPARE(reply.status, 403);
        QCOMPARE(reply.json().object().value(u"code"_s).toInt(), 403);
        QCOMPARE(response(reply).value(u"error_code"_s).toInt(), 1039);
        QCOMPARE(response(reply).value(u"message"_s).toString(),
                 u"1039: Without PAM Configuration Access permission"_s);
    }
    QCOMPARE(counts(), before);
    QCOMPARE(call("GET", u"/api/pam/key/"_s + id, QByteArray(), m_reader).status, 200);
}

void TestInventoryApi::revealNeedsTheRevealScope()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const HttpReply created = call("POST", u"/api/pam/key"_s, keyBody(pair(u"ecdsa256-pkcs8-pw"_s)));
    QCOMPARE(created.status, 201);
    const QString id = created.json().object().value(u"key"_s).toObject().value(u"id"_s).toString();
    const QString path = u"/api/pam/key/"_s + id + u"/secret"_s;

    for (const QByteArray &token : {m_writer, m_reader}) {
        const HttpReply refused = call("GET", path, QByteArray(), token);
        QCOMPARE(refused.status, 403);
        QCOMPARE(response(refused).value(u"error_code"_s).toInt(), 1040);
        QCOMPARE(response(refused).value(u"cod_erro"_s).toInt(), 1040);
        QVERIFY(response(refused).value(u"message"_s).toString().startsWith(u"1040: "_s));
        for (const QByteArray &fragment : secretFragments(pair(u"ecdsa256-pkcs8-pw"_s)))
            QVERIFY(!refused.body.contains(fragment));
    }
    const Result<QList<AuditEvent>> none = m_audit->list(AuditQuery{u"key.reveal"_s, {}, 10});
    KEYSTEAD_VERIFY_OK(none);
    QVERIFY(none->isEmpty());

    QCOMPARE(call("GET", path, QByteArray(), m_revealer).status, 200);
    const HttpReply unknown = call("GET", u"/api/pam/key/4242/secret"_s, QByteArray(), m_revealer);
    QCOMPARE(unknown.status, 404);
    QCOMPARE(response(unknown).value(u"message"_s).toString(), u"Resource 4242 not found"_s);
}

void TestInventoryApi::errorsHaveTheSeedsShape()
{
    QVERIFY(start());
    const auto checkShape = [](const HttpReply &reply, int status, int code) {
        const QJsonObject answer = reply.json().object();
        const QJsonObject shape = answer.value(u"response"_s).toObject();
        return reply.status == status && answer.value(u"code"_s).toInt() == status
            && shape.value(u"status"_s).toInt() == status && shape.value(u"error"_s) == QJsonValue(true)
            && shape.value(u"erro"_s) == QJsonValue(true) && shape.value(u"error_code"_s).toInt() == code
            && shape.value(u"cod_erro"_s).toInt() == code && !shape.value(u"message"_s).toString().isEmpty()
            && shape.value(u"mensagem"_s) == shape.value(u"message"_s);
    };
    const HttpReply unknownKey = call("GET", u"/api/pam/key/83"_s);
    QVERIFY2(checkShape(unknownKey, 404, 0), unknownKey.body.constData());
    QCOMPARE(response(unknownKey).value(u"message"_s).toString(), u"Resource 83 not found"_s);
    const HttpReply unknownIdentifier = call("GET", u"/api/pam/key/sub"_s);
    QCOMPARE(response(unknownIdentifier).value(u"message"_s).toString(), u"Resource sub not found"_s);

    const HttpReply unknownPath = call("GET", u"/api/pam/nothing/here"_s);
    QVERIFY2(checkShape(unknownPath, 404, 0), unknownPath.body.constData());
    const HttpReply wrongMethod = call("PUT", u"/api/pam/key"_s, QJsonObject{});
    QVERIFY2(checkShape(wrongMethod, 405, 0), wrongMethod.body.constData());
    QCOMPARE(wrongMethod.header("allow"), QByteArray("GET, POST"));
    const HttpReply malformed = call("POST", u"/api/pam/key"_s, QByteArray("{\"ip\": "));
    QVERIFY2(checkShape(malformed, 400, 0), malformed.body.constData());
    const HttpReply noBody = call("POST", u"/api/pam/key"_s, QByteArray());
    QVERIFY2(checkShape(noBody, 400, 0), noBody.body.constData());
    const HttpReply tooLarge
        = call("POST", u"/api/pam/key"_s, QByteArray(R"({"key_name": ")") + QByteArray(1100 * 1024, 'a') + "\"}");
    QVERIFY2(checkShape(tooLarge, 413, 0), tooLarge.body.left(300).constData());
    const HttpReply anonymous = httpRequest("GET", url(u"/api/pam/key"_s));
    QVERIFY2(checkShape(anonymous, 401, 0), anonymous.body.constData());
    QVERIFY(!anonymous.header("www-authenticate").isEmpty());
    QCOMPARE(rows(u"ssh_keys"_s), 0);
}

void TestInventoryApi::secretsReachNeitherStoreNorLog()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const qsizetype logStart = capturedLog().size();
    const QStringList names{u"ed25519-openssh-pw"_s, u"rsa-pkcs1-pw"_s, u"ecdsa384-pkcs8-pw"_s, u"ed25519-pkcs8-pw"_s,
                            u"ecdsa521-pkcs1"_s};
    for (const QString &name : names) {
        QJsonObject body = keyBody(pair(name), name);
        body.insert(u"identifier"_s, name);
        QCOMPARE(call("POST", u"/api/pam/key"_s, body).status, 201);
    }
    // Refusals and updates take the same care: a wrong password, a mismatched pair, a password changed.
    QJsonObject wrong = keyBody(pair(u"rsa-openssh-pw"_s));
    wrong.insert(u"password"_s, QString::fromUtf8(pair(u"ecdsa256-openssh-pw"_s).password));
    QCOMPARE(call("POST", u"/api/pam/key"_s, wrong).status, 400);
    QJsonObject mismatched = keyBody(pair(u"rsa-pkcs8-pw"_s));
    mismatched.insert(u"public_key"_s, pair(u"rsa-openssh"_s).publicKey);
    QCOMPARE(call("POST", u"/api/pam/key"_s, mismatched).status, 400);
    QCOMPARE(call("POST", u"/api/pam/key"_s,
                  QJsonObject{{u"identifier"_s, u"ed25519-openssh-pw"_s},
                              {u"private_key"_s, QString::fromUtf8(pair(u"ed25519-openssh-pw"_s).privateKey)}})
                 .status,
             201);
    for (const QString &name : names)
        QCOMPARE(call("GET", u"/api/pam/key/"_s + name + u"/secret"_s, QByteArray(), m_revealer).status, 200);
    QCOMPARE(call("GET", u"/api/pam/key"_s).status, 200);
    QCOMPARE(rows(u"vault_secrets"_s), 9); // five private keys, four passwords

    const QByteArray stored = storeContents();
    QVERIFY(stored.size() > 0);
    // The scan would see them: public keys are stored in the clear.
    QVERIFY(stored.contains(pair(u"rsa-pkcs1-pw"_s).sha256.toLatin1()));
    const QStringList log = capturedLog().mid(logStart);
    for (const QString &name : names + QStringList{u"rsa-openssh-pw"_s, u"ecdsa256-openssh-pw"_s, u"rsa-pkcs8-pw"_s}) {
        for (const QByteArray &fragment : secretFragments(pair(name))) {
            QVERIFY2(!stored.contains(fragment), qPrintable(name + u": "_s + QString::fromUtf8(fragment)));
            for (const QString &message : log)
                QVERIFY2(!message.contains(QString::fromUtf8(fragment)), qPrintable(message));
        }
    }
}

void TestInventoryApi::openApiDescribesTheRoutes()
{
    QVERIFY(start());
    const HttpReply reply = call("GET", u"/api/openapi.json"_s);
    QCOMPARE(reply.status, 200);
    const QJsonObject document = reply.json().object();
    QVERIFY(!document.isEmpty());
    const QJsonObject paths = document.value(u"paths"_s).toObject();
    const QJsonObject keys = paths.value(u"/api/pam/key"_s).toObject();
    QVERIFY(keys.contains(u"get"_s));
    QVERIFY(keys.contains(u"post"_s));
    const QJsonObject one = paths.value(u"/api/pam/key/{id}"_s).toObject();
    QVERIFY(one.contains(u"get"_s));
    QVERIFY(one.contains(u"delete"_s));
    QVERIFY(paths.value(u"/api/pam/key/{id}/secret"_s).toObject().contains(u"get"_s));

    // The schema names every field a shown key has, and every numbered error.
    const QJsonObject schemas = document.value(u"components"_s).toObject().value(u"schemas"_s).toObject();
    const QJsonObject keySchema = schemas.value(u"PamKey"_s).toObject().value(u"properties"_s).toObject();
    const HttpReply created = call("POST", u"/api/pam/key"_s, keyBody(pair(u"ed25519-openssh"_s)));
    QCOMPARE(created.status, 201);
    const QString id = created.json().object().value(u"key"_s).toObject().value(u"id"_s).toString();
    const QJsonObject shown = call("GET", u"/api/pam/key/"_s + id).json().object().value(u"key"_s).toObject();
    for (auto it = shown.constBegin(); it != shown.constEnd(); ++it)
        QVERIFY2(keySchema.contains(it.key()), qPrintable(it.key()));
    const QString text = QString::fromUtf8(reply.body);
    for (int code :
         {1004, 1005, 1013, 1014, 1039, 1040, 1041, 1042, 1043, 1044, 1045, 1046, 1047, 1048, 1049, 1050, 1051})
        QVERIFY2(text.contains(QString::number(code)), qPrintable(QString::number(code)));
}

QTEST_GUILESS_MAIN(TestInventoryApi)
#include "tst_inventory_api.moc"
