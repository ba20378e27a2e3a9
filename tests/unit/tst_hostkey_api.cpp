#include "ApiTestSupport.h"
#include "TestTools.h"

#include "hostkeys/HostKeyStore.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <map>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

namespace {

struct MadeKey
{
    QString type;
    QString value;
    QString fingerprint;
};

} // namespace

// Seed 004's /api/ssh-host-keys over real HTTP: the seed's answers (key, meta,
// items, the object under its id), its filters and errors (InvalidQuery,
// NotFound, Unauthenticated), canonical IPv6 ids, values checked per type with
// nothing stored on a refusal, and Keystead's scan, drift and known_hosts routes.
class TestHostKeyApi final : public ApiTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void uploadShowListDelete_data() { backends(); }
    void uploadShowListDelete();
    void filtersCombine_data() { backends(); }
    void filtersCombine();
    void badFiltersAreInvalidQuery_data();
    void badFiltersAreInvalidQuery();
    void ipv6IsStoredCanonical_data() { backends(); }
    void ipv6IsStoredCanonical();
    void refusedUploadsStoreNothing_data();
    void refusedUploadsStoreNothing();
    void takenIdIsConflict_data() { backends(); }
    void takenIdIsConflict();
    void unknownIdIsNotFound_data() { backends(); }
    void unknownIdIsNotFound();
    void authenticationAndScopes();
    void scanRefusals();
    void driftListAndAcknowledge_data() { backends(); }
    void driftListAndAcknowledge();
    void knownHostsExportAndImport_data() { backends(); }
    void knownHostsExportAndImport();
    void openApiDescribesTheRoutes();

private:
    QJsonObject upload(const QString &address, const QJsonValue &port, const QString &type, const QString &value) const
    {
        return QJsonObject{{u"address"_s, address},
                           {u"port"_s, port},
                           {u"type"_s, QJsonObject{{u"selection"_s, type}, {u"value"_s, value}}}};
    }
    QJsonObject upload(const QString &address, int port, const QString &name) const
    {
        return upload(address, port, key(name).type, key(name).value);
    }
    QStringList listed(const QString &query)
    {
        const HttpReply reply = call("GET", u"/api/ssh-host-keys"_s + query);
        QStringList keys;
        if (reply.status != 200)
            return {u"status %1"_s.arg(reply.status)};
        const QJsonArray items = reply.json().object().value(u"items"_s).toArray();
        for (const QJsonValue &item : items)
            keys.append(item.toObject().value(u"key"_s).toString());
        return keys;
    }
    const MadeKey &key(const QString &name) const { return m_keys.at(name); }

    QTemporaryDir m_dir;
    std::map<QString, MadeKey> m_keys;
};

void TestHostKeyApi::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const std::pair<QString, QStringList> kinds[] = {
        {u"ed25519"_s, {u"-t"_s, u"ed25519"_s}},
        {u"ed25519b"_s, {u"-t"_s, u"ed25519"_s}},
        {u"ecdsa256"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"256"_s}},
        {u"ecdsa521"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"521"_s}},
        {u"rsa"_s, {u"-t"_s, u"rsa"_s, u"-b"_s, u"2048"_s}},
        {u"dsa"_s, {u"-t"_s, u"dsa"_s}},
    };
    for (const auto &[name, arguments] : kinds) {
        const QString path = m_dir.filePath(name);
        QVERIFY2(runOk(u"ssh-keygen"_s, QStringList{u"-q"_s, u"-N"_s, u""_s, u"-f"_s, path} + arguments),
                 qPrintable(name));
        const QStringList fields = QString::fromLatin1(readFile(path + u".pub"_s)).trimmed().split(u' ');
        const std::optional<QByteArray> listedKey = runOk(u"ssh-keygen"_s, {u"-l"_s, u"-f"_s, path + u".pub"_s});
        QVERIFY(listedKey && fields.size() >= 2);
        m_keys[name] = MadeKey{fields.at(0), fields.at(1), QString::fromLatin1(*listedKey).split(u' ').value(1)};
    }
    const QString rsaKey = m_dir.filePath(u"x509rsa.key"_s);
    const QString dsaParams = m_dir.filePath(u"dsa.params"_s);
    const QString dsaKey = m_dir.filePath(u"x509dsa.key"_s);
    QVERIFY(runOk(u"openssl"_s, {u"genpkey"_s, u"-algorithm"_s, u"RSA"_s, u"-out"_s, rsaKey}));
    QVERIFY(runOk(u"openssl"_s, {u"dsaparam"_s, u"-out"_s, dsaParams, u"2048"_s}));
    QVERIFY(runOk(u"openssl"_s, {u"gendsa"_s, u"-out"_s, dsaKey, dsaParams}));
    for (const auto &[name, keyFile] : {std::pair{u"x509rsa"_s, rsaKey}, std::pair{u"x509dsa"_s, dsaKey}}) {
        const QString der = m_dir.filePath(name + u".der"_s);
        QVERIFY(runOk(u"openssl"_s,
                      {u"req"_s, u"-x509"_s, u"-key"_s, keyFile, u"-subj"_s, u"/CN=host.example"_s, u"-days"_s, u"30"_s,
                       u"-outform"_s, u"DER"_s, u"-out"_s, der}));
        m_keys[name] = MadeKey{name == u"x509rsa"_s ? u"x509v3-sign-rsa"_s : u"x509v3-sign-dss"_s,
                               QString::fromLatin1(readFile(der).toBase64()), QString()};
    }
}

void TestHostKeyApi::uploadShowListDelete()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const HttpReply created = call("POST", u"/api/ssh-host-keys"_s, upload(u"10.10.100.1"_s, 22, u"rsa"_s));
    QCOMPARE(created.status, 201);
    const QString id = u"ssh-rsa-10.10.100.1:22"_s;
    const QString href = u"/api/ssh-host-keys/"_s + id;
    QCOMPARE(created.json().object(),
             (QJsonObject{{u"key"_s, id},
                          {u"meta"_s, QJsonObject{{u"href"_s, href}, {u"parent"_s, u"/api/ssh-host-keys"_s}}}}));
    QCOMPARE(call("POST", u"/api/ssh-host-keys"_s, upload(u"10.110.0.2"_s, 2222, u"dsa"_s)).status, 201);

    const HttpReply shown = call("GET", href);
    QCOMPARE(shown.status, 200);
    QCOMPARE(
        shown.json().object(),
        (QJsonObject{
            {u"key"_s, id},
            {u"meta"_s, QJsonObject{{u"href"_s, href}, {u"parent"_s, u"/api/ssh-host-keys"_s}}},
            {id,
             QJsonObject{{u"address"_s, u"10.10.100.1"_s},
                         {u"port"_s, 22},
                         {u"type"_s, QJsonObject{{u"selection"_s, u"ssh-rsa"_s}, {u"value"_s, key(u"rsa"_s).value}}},
                         {u"fingerprint"_s, key(u"rsa"_s).fingerprint}}},
        }));

    const HttpReply all = call("GET", u"/api/ssh-host-keys"_s);
    QCOMPARE(all.status, 200);
    QCOMPARE(
        all.json().object(),
        (QJsonObject{
            {u"meta"_s, QJsonObject{{u"href"_s, u"/api/ssh-host-keys"_s}, {u"parent"_s, u"/api"_s}}},
            {u"items"_s,
             QJsonArray{
                 QJsonObject{{u"key"_s, u"ssh-dss-10.110.0.2:2222"_s},
                             {u"meta"_s, QJsonObject{{u"href"_s, u"/api/ssh-host-keys/ssh-dss-10.110.0.2:2222"_s}}}},
                 QJsonObject{{u"key"_s, id}, {u"meta"_s, QJsonObject{{u"href"_s, href}}}},
             }},
        }));
    // A trailing slash, as the seed's curl example writes it, names the same list.
    QCOMPARE(call("GET", u"/api/ssh-host-keys/"_s).json().object(), all.json().object());

    const HttpReply deleted = call("DELETE", href);
    QCOMPARE(deleted.status, 200);
    QCOMPARE(deleted.json().object(),
             (QJsonObject{{u"meta"_s, QJsonObject{{u"href"_s, href}, {u"parent"_s, u"/api/ssh-host-keys"_s}}}}));
    QCOMPARE(call("GET", href).status, 404);
    QCOMPARE(listed({}), QStringList{u"ssh-dss-10.110.0.2:2222"_s});
    QCOMPARE(m_core->rows(u"host_keys"_s), 1);
}

void TestHostKeyApi::filtersCombine()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QCOMPARE(call("POST", u"/api/ssh-host-keys"_s, upload(u"10.110.0.1"_s, 22, u"dsa"_s)).status, 201);
    QCOMPARE(call("POST", u"/api/ssh-host-keys"_s, upload(u"10.110.0.1"_s, 22, u"rsa"_s)).status, 201);
    QCOMPARE(call("POST", u"/api/ssh-host-keys"_s, upload(u"10.110.0.2"_s, 2222, u"dsa"_s)).status, 201);
    QCOMPARE(call("POST", u"/api/ssh-host-keys"_s, upload(u"10.110.0.2"_s, 22, u"ed25519"_s)).status, 201);
    QCOMPARE(call("POST", u"/api/ssh-host-keys"_s, upload(u"d00::2222:dead"_s, 2222, u"x509rsa"_s)).status, 201);

    QCOMPARE(listed({}).size(), 5);
    QCOMPARE(listed(u"?type=ssh-dss"_s), (QStringList{u"ssh-dss-10.110.0.1:22"_s, u"ssh-dss-10.110.0.2:2222"_s}));
    QCOMPARE(listed(u"?port=2222"_s),
             (QStringList{u"ssh-dss-10.110.0.2:2222"_s, u"x509v3-sign-rsa-d00::2222:dead:2222"_s}));
    QCOMPARE(listed(u"?address=10.110.0.1"_s), (QStringList{u"ssh-dss-10.110.0.1:22"_s, u"ssh-rsa-10.110.0.1:22"_s}));
    QCOMPARE(listed(u"?port=22&type=ssh-dss"_s), QStringList{u"ssh-dss-10.110.0.1:22"_s});
    QCOMPARE(listed(u"?port=22&type=ssh-dss&address=10.110.0.2"_s), QStringList{});
    QCOMPARE(listed(u"?address=10.110.0.2&port=22"_s), QStringList{u"ssh-ed25519-10.110.0.2:22"_s});
    // An IPv6 filter matches in canonical form, however it is written.
    QCOMPARE(listed(u"?address=0D00:0:0:0:0:0:2222:DEAD"_s), QStringList{u"x509v3-sign-rsa-d00::2222:dead:2222"_s});
    QCOMPARE(listed(u"?type=x509v3-sign-dss"_s), QStringList{});
}

void TestHostKeyApi::badFiltersAreInvalidQuery_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("location");
    QTest::newRow("port 0") << u"port=0"_s << u"filter.port"_s;
    QTest::newRow("port 70000") << u"port=70000"_s << u"filter.port"_s;
    QTest::newRow("port x") << u"port=x"_s << u"filter.port"_s;
    QTest::newRow("port empty") << u"port="_s << u"filter.port"_s;
    QTest::newRow("port negative") << u"port=-22"_s << u"filter.port"_s;
    QTest::newRow("type unknown") << u"type=ssh-foo"_s << u"filter.type"_s;
    QTest::newRow("address bad") << u"address=10.0.0.300"_s << u"filter.address"_s;
    QTest::newRow("unknown filter") << u"colour=red"_s << u"filter.colour"_s;
    QTest::newRow("bad port beside good type") << u"type=ssh-rsa&port=x"_s << u"filter.port"_s;
}

void TestHostKeyApi::badFiltersAreInvalidQuery()
{
    QFETCH(QString, query);
    QFETCH(QString, location);
    QVERIFY(start());
    for (const QString &path : {u"/api/ssh-host-keys?"_s, u"/api/ssh-host-keys/known_hosts?"_s}) {
        const HttpReply reply = call("GET", path + query);
        QCOMPARE(reply.status, 400);
        const QJsonObject body = reply.json().object();
        QCOMPARE(spsErrorCode(reply), u"InvalidQuery"_s);
        QVERIFY(!body.value(u"error"_s).toObject().value(u"message"_s).toString().isEmpty());
        QCOMPARE(body.value(u"error"_s).toObject().value(u"details"_s).toObject().value(u"location"_s).toString(),
                 location);
        QCOMPARE(body.value(u"meta"_s).toObject().value(u"href"_s).toString(), path.chopped(1));
    }
}

void TestHostKeyApi::ipv6IsStoredCanonical()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const HttpReply created = call("POST", u"/api/ssh-host-keys"_s, upload(u"2001:0DB8:0:0::1"_s, 22, u"ed25519"_s));
    QCOMPARE(created.status, 201);
    const QString id = u"ssh-ed25519-2001:db8::1:22"_s;
    QCOMPARE(created.json().object().value(u"key"_s).toString(), id);
    const HttpReply shown = call("GET", u"/api/ssh-host-keys/"_s + id);
    QCOMPARE(shown.status, 200);
    QCOMPARE(shown.json().object().value(id).toObject().value(u"address"_s).toString(), u"2001:db8::1"_s);
    // The same host written another way is the same id.
    const HttpReply again = call("POST", u"/api/ssh-host-keys"_s, upload(u"2001:db8:0000::0001"_s, 22, u"ed25519b"_s));
    QCOMPARE(again.status, 409);
    QCOMPARE(m_core->rows(u"host_keys"_s), 1);
}

void TestHostKeyApi::refusedUploadsStoreNothing_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("location");
    const auto json = [](const QJsonObject &object) { return QJsonDocument(object).toJson(QJsonDocument::Compact); };
    const auto uploadOf = [this](const QString &address, const QJsonValue &port, const QString &type,
                                 const QString &value) { return upload(address, port, type, value); };
    for (const QString &backend : keystead::test::storeBackends()) {
        const auto row = [&](const char *name) -> QTestData & {
            return QTest::newRow(qPrintable(backend + u": "_s + QString::fromLatin1(name))) << backend;
        };
        row("port 0") << json(uploadOf(u"10.0.0.1"_s, 0, u"ssh-ed25519"_s, key(u"ed25519"_s).value)) << u"port"_s;
        row("port 70000") << json(uploadOf(u"10.0.0.1"_s, 70000, u"ssh-ed25519"_s, key(u"ed25519"_s).value))
                          << u"port"_s;
        row("port x") << json(uploadOf(u"10.0.0.1"_s, u"x"_s, u"ssh-ed25519"_s, key(u"ed25519"_s).value)) << u"port"_s;
        row("port 22.5") << json(uploadOf(u"10.0.0.1"_s, 22.5, u"ssh-ed25519"_s, key(u"ed25519"_s).value)) << u"port"_s;
        row("port missing") << json(QJsonObject{
            {u"address"_s, u"10.0.0.1"_s},
            {u"type"_s, QJsonObject{{u"selection"_s, u"ssh-ed25519"_s}, {u"value"_s, key(u"ed25519"_s).value}}}})
                            << u"port"_s;
        row("address missing") << json(QJsonObject{
            {u"port"_s, 22},
            {u"type"_s, QJsonObject{{u"selection"_s, u"ssh-ed25519"_s}, {u"value"_s, key(u"ed25519"_s).value}}}})
                               << u"address"_s;
        row("address bad") << json(uploadOf(u"10.0.0.256"_s, 22, u"ssh-ed25519"_s, key(u"ed25519"_s).value))
                           << u"address"_s;
        row("address ipv6 bad") << json(uploadOf(u"2001:db8:::1"_s, 22, u"ssh-ed25519"_s, key(u"ed25519"_s).value))
                                << u"address"_s;
        row("type not object") << json(
            QJsonObject{{u"address"_s, u"10.0.0.1"_s}, {u"port"_s, 22}, {u"type"_s, u"ssh-ed25519"_s}})
                               << u"type"_s;
        row("type unknown") << json(uploadOf(u"10.0.0.1"_s, 22, u"ssh-foo"_s, key(u"ed25519"_s).value))
                            << u"type.selection"_s;
        for (const auto &[type, name] : {std::pair{u"ssh-ed25519"_s, u"ed25519"_s},
                                         {u"ecdsa-sha2-nistp256"_s, u"ecdsa256"_s},
                                         {u"ssh-rsa"_s, u"rsa"_s},
                                         {u"ssh-dss"_s, u"dsa"_s},
                                         {u"x509v3-sign-rsa"_s, u"x509rsa"_s},
                                         {u"x509v3-sign-dss"_s, u"x509dsa"_s}}) {
            // Cut in half: base64 still, but no longer a key or certificate.
            const QString half = key(name).value.left(key(name).value.size() / 2 / 4 * 4);
            QTest::newRow(qPrintable(backend + u": unparsable "_s + type))
                << backend << json(uploadOf(u"10.0.0.1"_s, 22, type, half)) << u"type.value"_s;
            QTest::newRow(qPrintable(backend + u": not base64 "_s + type))
                << backend << json(uploadOf(u"10.0.0.1"_s, 22, type, u"not base64 at all!"_s)) << u"type.value"_s;
        }
        row("rsa value as ed25519") << json(uploadOf(u"10.0.0.1"_s, 22, u"ssh-ed25519"_s, key(u"rsa"_s).value))
                                    << u"type.value"_s;
        row("p521 value as p256") << json(
            uploadOf(u"10.0.0.1"_s, 22, u"ecdsa-sha2-nistp256"_s, key(u"ecdsa521"_s).value))
                                  << u"type.value"_s;
        row("ed25519 value as dss") << json(uploadOf(u"10.0.0.1"_s, 22, u"ssh-dss"_s, key(u"ed25519"_s).value))
                                    << u"type.value"_s;
        row("rsa certificate as dss") << json(
            uploadOf(u"10.0.0.1"_s, 22, u"x509v3-sign-dss"_s, key(u"x509rsa"_s).value))
                                      << u"type.value"_s;
        row("ssh key as certificate") << json(uploadOf(u"10.0.0.1"_s, 22, u"x509v3-sign-rsa"_s, key(u"rsa"_s).value))
                                      << u"type.value"_s;
        row("empty value") << json(uploadOf(u"10.0.0.1"_s, 22, u"ssh-rsa"_s, u""_s)) << u"type.value"_s;
        row("array body") << QByteArray("[]") << u"body"_s;
        row("malformed json") << QByteArray("{\"address\": ") << u"body"_s;
    }
}

void TestHostKeyApi::refusedUploadsStoreNothing()
{
    QFETCH(QString, backend);
    QFETCH(QByteArray, body);
    QFETCH(QString, location);
    QVERIFY(start(backend));
    const int auditBefore = m_core->rows(u"audit_log"_s);
    const HttpReply reply = call("POST", u"/api/ssh-host-keys"_s, body);
    QCOMPARE(reply.status, 400);
    QCOMPARE(spsErrorCode(reply), u"InvalidQuery"_s);
    const QJsonObject details = reply.json().object().value(u"error"_s).toObject().value(u"details"_s).toObject();
    QCOMPARE(details.value(u"location"_s).toString(), location);
    QCOMPARE(details.value(u"path"_s).toString(), u"/api/ssh-host-keys"_s);
    QCOMPARE(m_core->rows(u"host_keys"_s), 0);
    QCOMPARE(m_core->rows(u"audit_log"_s), auditBefore);
}

void TestHostKeyApi::takenIdIsConflict()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QCOMPARE(call("POST", u"/api/ssh-host-keys"_s, upload(u"Host.Example"_s, 22, u"ed25519"_s)).status, 201);
    const HttpReply again = call("POST", u"/api/ssh-host-keys"_s, upload(u"host.example"_s, 22, u"ed25519b"_s));
    QCOMPARE(again.status, 409);
    QCOMPARE(spsErrorCode(again), u"Conflict"_s);
    QCOMPARE(again.json().object().value(u"error"_s).toObject().value(u"details"_s).toObject().value(u"id"_s),
             QJsonValue(u"ssh-ed25519-host.example:22"_s));
    const HttpReply kept = call("GET", u"/api/ssh-host-keys/ssh-ed25519-host.example:22"_s);
    QCOMPARE(kept.json()
                 .object()
                 .value(u"ssh-ed25519-host.example:22"_s)
                 .toObject()
                 .value(u"type"_s)
                 .toObject()
                 .value(u"value"_s)
                 .toString(),
             key(u"ed25519"_s).value);
}

void TestHostKeyApi::unknownIdIsNotFound()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    for (const QByteArray &method : {QByteArray("GET"), QByteArray("DELETE")}) {
        const HttpReply reply = call(method, u"/api/ssh-host-keys/ssh-rsa-10.9.9.9:22"_s);
        QCOMPARE(reply.status, 404);
        QCOMPARE(spsErrorCode(reply), u"NotFound"_s);
        QCOMPARE(reply.json().object().value(u"meta"_s).toObject(),
                 (QJsonObject{{u"href"_s, u"/api/ssh-host-keys/ssh-rsa-10.9.9.9:22"_s},
                              {u"parent"_s, u"/api/ssh-host-keys"_s}}));
    }
}

void TestHostKeyApi::authenticationAndScopes()
{
    QVERIFY(start());
    const HttpReply anonymous = m_core->api.anonymous("GET", u"/api/ssh-host-keys"_s);
    QCOMPARE(anonymous.status, 401);
    QCOMPARE(spsErrorCode(anonymous), u"Unauthenticated"_s);
    QCOMPARE(anonymous.json().object().value(u"error"_s).toObject().value(u"details"_s).toObject().value(u"path"_s),
             QJsonValue(u"/api/ssh-host-keys"_s));
    QCOMPARE(call("GET", u"/api/ssh-host-keys"_s, QByteArray(), m_core->reader).status, 200);
    const HttpReply readOnly = call("POST", u"/api/ssh-host-keys"_s,
                                    QJsonDocument(upload(u"10.0.0.1"_s, 22, u"ed25519"_s)).toJson(), m_core->reader);
    QCOMPARE(readOnly.status, 403);
    QCOMPARE(spsErrorCode(readOnly), u"Forbidden"_s);
    QCOMPARE(m_core->rows(u"host_keys"_s), 0);
}

void TestHostKeyApi::scanRefusals()
{
    QVERIFY(start());
    const HttpReply badAddress
        = call("POST", u"/api/ssh-host-keys/scan"_s, QJsonObject{{u"address"_s, u"10.0.0.300"_s}, {u"port"_s, 22}});
    QCOMPARE(badAddress.status, 400);
    QCOMPARE(spsErrorCode(badAddress), u"InvalidQuery"_s);
    const HttpReply badPort
        = call("POST", u"/api/ssh-host-keys/scan"_s, QJsonObject{{u"address"_s, u"127.0.0.1"_s}, {u"port"_s, 0}});
    QCOMPARE(badPort.status, 400);
    // A port where nothing listens: found by binding one and closing it again.
    quint16 closedPort = 0;
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        closedPort = server.serverPort();
    }
    const HttpReply refused = call("POST", u"/api/ssh-host-keys/scan"_s,
                                   QJsonObject{{u"address"_s, u"127.0.0.1"_s}, {u"port"_s, closedPort}});
    QCOMPARE(refused.status, 502);
    QCOMPARE(spsErrorCode(refused), u"ScanFailed"_s);
    QCOMPARE(m_core->rows(u"host_key_drifts"_s), 0);
}

void TestHostKeyApi::driftListAndAcknowledge()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QCOMPARE(call("POST", u"/api/ssh-host-keys"_s, upload(u"10.5.5.5"_s, 22, u"ed25519"_s)).status, 201);
    ScanResult scan;
    scan.address = u"10.5.5.5"_s;
    scan.port = 22;
    scan.keys = {ScannedHostKey{u"ssh-ed25519"_s,
                                key(u"ed25519b"_s).value,
                                key(u"ed25519b"_s).fingerprint,
                                256,
                                ScannedHostKey::Trust::New,
                                {}}};
    KEYSTEAD_VERIFY_OK(m_core->hostKeys->compareScan(scan, Actor::console()));

    const HttpReply open = call("GET", u"/api/ssh-host-keys/drift"_s);
    QCOMPARE(open.status, 200);
    const QJsonArray items = open.json().object().value(u"items"_s).toArray();
    QCOMPARE(items.size(), 1);
    const QJsonObject drift = items.at(0).toObject();
    QCOMPARE(drift.value(u"host_key"_s).toString(), u"ssh-ed25519-10.5.5.5:22"_s);
    QCOMPARE(drift.value(u"trusted_fingerprint"_s).toString(), key(u"ed25519"_s).fingerprint);
    QCOMPARE(drift.value(u"seen_fingerprint"_s).toString(), key(u"ed25519b"_s).fingerprint);
    QVERIFY(drift.value(u"acknowledged_at"_s).isNull());
    const QString id = drift.value(u"key"_s).toString();

    const HttpReply acknowledged = call("POST", u"/api/ssh-host-keys/drift/"_s + id + u"/acknowledge"_s);
    QCOMPARE(acknowledged.status, 200);
    QCOMPARE(acknowledged.json().object().value(u"key"_s).toString(), id);
    QCOMPARE(call("GET", u"/api/ssh-host-keys/drift"_s).json().object().value(u"items"_s).toArray().size(), 0);
    const QJsonArray all
        = call("GET", u"/api/ssh-host-keys/drift?all=true"_s).json().object().value(u"items"_s).toArray();
    QCOMPARE(all.size(), 1);
    QVERIFY(all.at(0).toObject().value(u"acknowledged_at"_s).isString());

    for (const QString &unknown : {u"999999"_s, u"abc"_s}) {
        const HttpReply reply = call("POST", u"/api/ssh-host-keys/drift/"_s + unknown + u"/acknowledge"_s);
        QCOMPARE(reply.status, 404);
        QCOMPARE(spsErrorCode(reply), u"NotFound"_s);
    }
    QCOMPARE(call("GET", u"/api/ssh-host-keys/drift?all=maybe"_s).status, 400);
}

void TestHostKeyApi::knownHostsExportAndImport()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QCOMPARE(call("POST", u"/api/ssh-host-keys"_s, upload(u"10.6.6.6"_s, 22, u"ed25519"_s)).status, 201);
    QCOMPARE(call("POST", u"/api/ssh-host-keys"_s, upload(u"2001:db8::6"_s, 2200, u"rsa"_s)).status, 201);
    QCOMPARE(call("POST", u"/api/ssh-host-keys"_s, upload(u"10.6.6.6"_s, 22, u"x509rsa"_s)).status, 201);

    const HttpReply exported = call("GET", u"/api/ssh-host-keys/known_hosts"_s);
    QCOMPARE(exported.status, 200);
    QVERIFY(exported.header("content-type").startsWith("text/plain"));
    QCOMPARE(QString::fromUtf8(exported.body),
             u"10.6.6.6 ssh-ed25519 "_s + key(u"ed25519"_s).value + u"\n[2001:db8::6]:2200 ssh-rsa "_s
                 + key(u"rsa"_s).value + u'\n');
    QCOMPARE(QString::fromUtf8(call("GET", u"/api/ssh-host-keys/known_hosts?port=2200"_s).body).count(u'\n'), 1);

    const QByteArray text = "10.6.6.6 ssh-ed25519 " + key(u"ed25519"_s).value.toLatin1()
        + "\n10.7.7.7 ecdsa-sha2-nistp256 " + key(u"ecdsa256"_s).value.toLatin1()
        + "\n|1|c2FsdHNhbHRzYWx0c2FsdHNhbHQ=|aGFzaGhhc2hoYXNoaGFzaGhhc2g= ssh-rsa " + key(u"rsa"_s).value.toLatin1()
        + "\n@revoked * ssh-rsa " + key(u"rsa"_s).value.toLatin1() + "\nnonsense\n";
    const HttpReply imported = m_core->api.call("POST", u"/api/ssh-host-keys/known_hosts"_s, text, {}, "text/plain");
    QCOMPARE(imported.status, 200);
    const QJsonObject report = imported.json().object();
    QCOMPARE(report.value(u"added"_s).toInt(), 1);
    QCOMPARE(report.value(u"already_trusted"_s).toInt(), 1);
    QCOMPARE(report.value(u"skipped_hashed"_s).toInt(), 1);
    QCOMPARE(report.value(u"skipped_markers"_s).toInt(), 1);
    QCOMPARE(report.value(u"skipped_invalid"_s).toInt(), 1);
    QCOMPARE(report.value(u"problems"_s).toArray().size(), 1);
    QCOMPARE(listed(u"?address=10.7.7.7"_s), QStringList{u"ecdsa-sha2-nistp256-10.7.7.7:22"_s});

    const HttpReply empty
        = m_core->api.call("POST", u"/api/ssh-host-keys/known_hosts"_s, QByteArray(), {}, "text/plain");
    QCOMPARE(empty.status, 400);
    QCOMPARE(spsErrorCode(empty), u"InvalidQuery"_s);
}

void TestHostKeyApi::openApiDescribesTheRoutes()
{
    QVERIFY(start());
    const QJsonObject document = openApi();
    const QJsonObject paths = document.value(u"paths"_s).toObject();
    const QString base = u"/api/ssh-host-keys"_s;
    QCOMPARE(missingMethods(paths, base, {u"get"_s, u"post"_s}), QStringList());
    QCOMPARE(missingMethods(paths, base + u"/{id}"_s, {u"get"_s, u"delete"_s}), QStringList());
    QCOMPARE(missingMethods(paths, base + u"/scan"_s, {u"post"_s}), QStringList());
    QCOMPARE(missingMethods(paths, base + u"/drift"_s, {u"get"_s}), QStringList());
    QCOMPARE(missingMethods(paths, base + u"/drift/{id}/acknowledge"_s, {u"post"_s}), QStringList());
    QCOMPARE(missingMethods(paths, base + u"/known_hosts"_s, {u"get"_s, u"post"_s}), QStringList());
    const QJsonObject schemas = document.value(u"components"_s).toObject().value(u"schemas"_s).toObject();
    QVERIFY(schemas.contains(u"SpsError"_s));
    QVERIFY(schemas.contains(u"SshHostKey"_s));
}

QTEST_GUILESS_MAIN(TestHostKeyApi)
#include "tst_hostkey_api.moc"
