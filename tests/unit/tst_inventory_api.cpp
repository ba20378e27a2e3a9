#include "InventoryApiTest.h"

#include "audit/AuditLog.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// Seed 001's key inventory over real HTTP: a listener on 127.0.0.1 in its own
// thread, a real client, the seed's paths, envelope and numbered errors, key
// pairs of every type and form made by ssh-keygen saved, shown, revealed,
// updated and inactivated; refusals store nothing. Who may see secrets, and
// that they reach neither the store nor a log, is in tst_inventory_api_secrets.
class TestInventoryApi final : public InventoryApiTest
{
    Q_OBJECT

private Q_SLOTS:
    void roundTripsEveryKeyForm_data();
    void roundTripsEveryKeyForm();
    void refusedRequestsStoreNothing_data();
    void refusedRequestsStoreNothing();
    void unknownDeviceIsReportedAndTheKeySaved_data() { backends(); }
    void unknownDeviceIsReportedAndTheKeySaved();
    void updateByIdentifierKeepsAbsentFields_data() { backends(); }
    void updateByIdentifierKeepsAbsentFields();
    void deleteInactivates_data() { backends(); }
    void deleteInactivates();
};

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
    const Result<QList<AuditEvent>> events = m_core->audit->list(AuditQuery{u"key.reveal"_s, id, 10});
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
    const QString id = saveKey(body);
    QVERIFY(!id.isEmpty());

    m_core->clock.advanceSeconds(30);
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

void TestInventoryApi::deleteInactivates()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const QString id = saveKey(keyBody(pair(u"ed25519-pkcs8"_s)));
    QVERIFY(!id.isEmpty());

    const HttpReply deleted = call("DELETE", u"/api/pam/key/"_s + id);
    QCOMPARE(deleted.status, 200);
    QCOMPARE(response(deleted).value(u"message"_s).toString(), u"Key inactivated successfully!"_s);
    QCOMPARE(deleted.json().object().value(u"key"_s).toObject().value(u"enabled"_s), QJsonValue(false));
    const HttpReply shown = call("GET", u"/api/pam/key/"_s + id);
    QCOMPARE(shown.status, 200);
    QCOMPARE(shown.json().object().value(u"key"_s).toObject().value(u"enabled"_s), QJsonValue(false));
    QCOMPARE(m_core->rows(u"ssh_keys"_s), 1);

    const HttpReply missing = call("DELETE", u"/api/pam/key/999"_s);
    QCOMPARE(missing.status, 404);
    QCOMPARE(response(missing).value(u"message"_s).toString(), u"Resource 999 not found"_s);
}

QTEST_GUILESS_MAIN(TestInventoryApi)
#include "tst_inventory_api.moc"
