#include "InventoryApiTest.h"
#include "TestTools.h"

#include "audit/AuditLog.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// Seed 001's key inventory over real HTTP, guarding its secrets: lists and
// shows never carry them, only a token with the reveal scope sees them, errors
// have the seed's shape, and no secret reaches the store or a log in plain text.
class TestInventoryApiSecrets final : public InventoryApiTest
{
    Q_OBJECT

private Q_SLOTS:
    void listAndShowNeverCarrySecrets_data() { backends(); }
    void listAndShowNeverCarrySecrets();
    void readOnlyTokenMayNotWrite_data() { backends(); }
    void readOnlyTokenMayNotWrite();
    void revealNeedsTheRevealScope_data() { backends(); }
    void revealNeedsTheRevealScope();
    void errorsHaveTheSeedsShape();
    void secretsReachNeitherStoreNorLog_data() { backends(); }
    void secretsReachNeitherStoreNorLog();
    void openApiDescribesTheRoutes();
};

void TestInventoryApiSecrets::listAndShowNeverCarrySecrets()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const QJsonObject first = keyBody(pair(u"ecdsa384-pkcs1-pw"_s), u"w2016"_s,
                                      {{u"identifier"_s, u"alpha"_s}, {u"tags"_s, u"prod, db"_s}});
    QCOMPARE(call("POST", u"/api/pam/key"_s, first).status, 201);
    const QJsonObject second
        = keyBody(pair(u"ecdsa521-openssh"_s), u"web-1"_s, {{u"identifier"_s, u"beta"_s}, {u"enabled"_s, false}});
    QCOMPARE(call("POST", u"/api/pam/key"_s, second).status, 201);

    const HttpReply listed = call("GET", u"/api/pam/key"_s, QByteArray(), m_core->reader);
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

void TestInventoryApiSecrets::readOnlyTokenMayNotWrite()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const QString id = saveKey(keyBody(pair(u"ed25519-openssh"_s)));
    QVERIFY(!id.isEmpty());
    const QMap<QString, int> before = counts();

    const HttpReply posted = call("POST", u"/api/pam/key"_s, keyBody(pair(u"rsa-openssh"_s)), m_core->reader);
    const HttpReply deleted = call("DELETE", u"/api/pam/key/"_s + id, QByteArray(), m_core->reader);
    for (const HttpReply &reply : {posted, deleted}) {
        QCOMPARE(reply.status, 403);
        QCOMPARE(reply.json().object().value(u"code"_s).toInt(), 403);
        QCOMPARE(response(reply).value(u"error_code"_s).toInt(), 1039);
        QCOMPARE(response(reply).value(u"message"_s).toString(),
                 u"1039: Without PAM Configuration Access permission"_s);
    }
    QCOMPARE(counts(), before);
    QCOMPARE(call("GET", u"/api/pam/key/"_s + id, QByteArray(), m_core->reader).status, 200);
}

void TestInventoryApiSecrets::revealNeedsTheRevealScope()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const QString id = saveKey(keyBody(pair(u"ecdsa256-pkcs8-pw"_s)));
    QVERIFY(!id.isEmpty());
    const QString path = u"/api/pam/key/"_s + id + u"/secret"_s;

    for (const QByteArray &token : {m_core->writer, m_core->reader}) {
        const HttpReply refused = call("GET", path, QByteArray(), token);
        QCOMPARE(refused.status, 403);
        QCOMPARE(response(refused).value(u"error_code"_s).toInt(), 1040);
        QCOMPARE(response(refused).value(u"cod_erro"_s).toInt(), 1040);
        QVERIFY(response(refused).value(u"message"_s).toString().startsWith(u"1040: "_s));
        for (const QByteArray &fragment : secretFragments(pair(u"ecdsa256-pkcs8-pw"_s)))
            QVERIFY(!refused.body.contains(fragment));
    }
    const Result<QList<AuditEvent>> none = m_core->audit->list(AuditQuery{u"key.reveal"_s, {}, 10});
    KEYSTEAD_VERIFY_OK(none);
    QVERIFY(none->isEmpty());

    QCOMPARE(call("GET", path, QByteArray(), m_revealer).status, 200);
    const HttpReply unknown = call("GET", u"/api/pam/key/4242/secret"_s, QByteArray(), m_revealer);
    QCOMPARE(unknown.status, 404);
    QCOMPARE(response(unknown).value(u"message"_s).toString(), u"Resource 4242 not found"_s);
}

void TestInventoryApiSecrets::errorsHaveTheSeedsShape()
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
    QCOMPARE(m_core->rows(u"ssh_keys"_s), 0);
}

void TestInventoryApiSecrets::secretsReachNeitherStoreNorLog()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const qsizetype logStart = logcapture::messages().size();
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
    QCOMPARE(m_core->rows(u"vault_secrets"_s), 9); // five private keys, four passwords

    const QByteArray stored = m_core->storeContents();
    QVERIFY(stored.size() > 0);
    // The scan would see them: public keys are stored in the clear.
    QVERIFY(stored.contains(pair(u"rsa-pkcs1-pw"_s).sha256.toLatin1()));
    const QStringList log = logcapture::messages().mid(logStart);
    for (const QString &name : names + QStringList{u"rsa-openssh-pw"_s, u"ecdsa256-openssh-pw"_s, u"rsa-pkcs8-pw"_s}) {
        for (const QByteArray &fragment : secretFragments(pair(name))) {
            QVERIFY2(!stored.contains(fragment), qPrintable(name + u": "_s + QString::fromUtf8(fragment)));
            for (const QString &message : log)
                QVERIFY2(!message.contains(QString::fromUtf8(fragment)), qPrintable(message));
        }
    }
}

void TestInventoryApiSecrets::openApiDescribesTheRoutes()
{
    QVERIFY(start());
    const QJsonObject document = openApi();
    QVERIFY(!document.isEmpty());
    const QJsonObject paths = document.value(u"paths"_s).toObject();
    QCOMPARE(missingMethods(paths, u"/api/pam/key"_s, {u"get"_s, u"post"_s}), QStringList());
    QCOMPARE(missingMethods(paths, u"/api/pam/key/{id}"_s, {u"get"_s, u"delete"_s}), QStringList());
    QCOMPARE(missingMethods(paths, u"/api/pam/key/{id}/secret"_s, {u"get"_s}), QStringList());

    // The schema names every field a shown key has, and every numbered error.
    const QJsonObject schemas = document.value(u"components"_s).toObject().value(u"schemas"_s).toObject();
    const QJsonObject keySchema = schemas.value(u"PamKey"_s).toObject().value(u"properties"_s).toObject();
    const QString id = saveKey(keyBody(pair(u"ed25519-openssh"_s)));
    QVERIFY(!id.isEmpty());
    const QJsonObject shown = call("GET", u"/api/pam/key/"_s + id).json().object().value(u"key"_s).toObject();
    for (auto it = shown.constBegin(); it != shown.constEnd(); ++it)
        QVERIFY2(keySchema.contains(it.key()), qPrintable(it.key()));
    const QString text = QString::fromUtf8(QJsonDocument(document).toJson());
    for (int code :
         {1004, 1005, 1013, 1014, 1039, 1040, 1041, 1042, 1043, 1044, 1045, 1046, 1047, 1048, 1049, 1050, 1051})
        QVERIFY2(text.contains(QString::number(code)), qPrintable(QString::number(code)));
}

QTEST_GUILESS_MAIN(TestInventoryApiSecrets)
#include "tst_inventory_api_secrets.moc"
