#include "KeyMaterial.h"
#include "StoreTestSupport.h"
#include "VaultedStore.h"

#include "api/PamErrorShape.h"

#include "collect/CollectSession.h"
#include "inventory/InventoryService.h"
#include "ssh/SshPublicKey.h"

#include <QRegularExpression>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

#include <memory>
#include <numeric>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

namespace {

// One store with its vault, audit log and the inventory.
struct Fixture : VaultedStore
{
    std::unique_ptr<InventoryService> service;

    // Every table a save writes to, with its row count.
    QMap<QString, int> counts()
    {
        return VaultedStore::counts(
            {u"ssh_keys"_s, u"vault_secrets"_s, u"devices"_s, u"ssh_key_tags"_s, u"ssh_key_devices"_s, u"audit_log"_s});
    }
};

int errorCode(const Error &error)
{
    return PamErrorShape::codeFor(error);
}

} // namespace

// The key inventory's service on every store backend: seed 001's fields and
// numbered errors, create-or-update by identifier, devices and tags, the
// secrets sealed in the vault and revealed only with an audit event.
class TestInventoryService final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void createsWithSeedDefaults_data() { backendRows(); }
    void createsWithSeedDefaults();
    void requiredFieldsOnCreate_data();
    void requiredFieldsOnCreate();
    void refusedKeysStoreNothing_data();
    void refusedKeysStoreNothing();
    void updateKeepsAbsentFields_data() { backendRows(); }
    void updateKeepsAbsentFields();
    void updateChecksAgainstTheHeldKey_data() { backendRows(); }
    void updateChecksAgainstTheHeldKey();
    void devicesResolveOrAreReported_data() { backendRows(); }
    void devicesResolveOrAreReported();
    void listFindAndInactivate_data() { backendRows(); }
    void listFindAndInactivate();
    void revealReturnsTheExactSecretsAndAudits_data() { backendRows(); }
    void revealReturnsTheExactSecretsAndAudits();
    void importsCollectedKeysOnce_data() { backendRows(); }
    void importsCollectedKeysOnce();
    void withoutAUsableVaultNothingIsStored_data() { backendRows(); }
    void withoutAUsableVaultNothingIsStored();
    void concurrentSavesOfOneIdentifierMakeOneKey_data() { backendRows(); }
    void concurrentSavesOfOneIdentifierMakeOneKey();

private:
    Fixture make(const QString &backend, const QString &masterKeyFile = {})
    {
        Fixture fixture;
        if (fixture.open(backend, m_clock, masterKeyFile))
            fixture.service
                = std::make_unique<InventoryService>(fixture.database(), m_clock, *fixture.vault, *fixture.audit);
        return fixture;
    }
    // A complete create request for the key pair `name`.
    SshKeyInput input(const QString &name, const QByteArray &password = {}) const
    {
        SshKeyInput in;
        in.ip = u"10.0.0.1"_s;
        in.hostname = u"host-a"_s;
        in.privateKey = m_keys.privateKey(name);
        in.publicKey = m_keys.publicLine(name);
        if (!password.isEmpty())
            in.password = password;
        return in;
    }

    inline static const QByteArray kPassword = "correct horse battery 7";
    ManualClock m_clock;
    KeyFolder m_keys;
    Actor m_actor{u"console"_s, {}, u"tester"_s, {}};
};

void TestInventoryService::initTestCase()
{
    QVERIFY(m_keys.isValid());
    // name, passphrase, ssh-keygen's type arguments and private key format
    const QList<QStringList> pairs{
        {u"ed"_s, QString(), u"-t"_s, u"ed25519"_s},
        {u"ed-pw"_s, QString::fromLatin1(kPassword), u"-t"_s, u"ed25519"_s},
        {u"other"_s, QString(), u"-t"_s, u"ed25519"_s},
        {u"ec"_s, QString(), u"-t"_s, u"ecdsa"_s, u"-b"_s, u"256"_s, u"-m"_s, u"PEM"_s},
        {u"rsa"_s, QString(), u"-t"_s, u"rsa"_s, u"-b"_s, u"2048"_s, u"-m"_s, u"PKCS8"_s},
        {u"dsa"_s, QString(), u"-t"_s, u"dsa"_s},
    };
    for (const QStringList &pair : pairs) {
        const QString failed = m_keys.make(pair.first(), pair.mid(2), pair.first() + u"@test"_s, pair.at(1));
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        QVERIFY2(!m_keys.publicKey(pair.first()).isNull(), qPrintable(pair.first()));
    }
}

void TestInventoryService::createsWithSeedDefaults()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    QSignalSpy changed(f.service.get(), &InventoryService::changed);

    const Result<SshKeySaved> saved = f.service->save(input(u"ed"_s), m_actor);
    KEYSTEAD_VERIFY_OK(saved);
    QVERIFY(saved->created);
    QVERIFY(saved->deviceProblems.isEmpty());
    QCOMPARE(changed.count(), 1);
    const SshKeyRecord &key = saved->key;
    QVERIFY(QRegularExpression(u"^[0-9]+$"_s).match(key.id).hasMatch());
    QVERIFY2(QRegularExpression(u"^sshkey-[a-z0-9]{10}$"_s).match(key.identifier).hasMatch(),
             qPrintable(key.identifier));
    QCOMPARE(key.username, u"usr"_s);
    QCOMPARE(key.hostname, u"host-a"_s);
    QCOMPARE(key.ip, u"10.0.0.1"_s);
    QVERIFY(key.enabled);
    QVERIFY(key.hasPrivateKey);
    QVERIFY(!key.hasPassword);
    QVERIFY(!key.privateKeyEncrypted);
    QCOMPARE(key.privateKeyFormat, u"openssh"_s);
    QCOMPARE(key.origin, u"api"_s);
    QCOMPARE(key.publicKey, m_keys.publicKey(u"ed"_s));
    QCOMPARE(key.publicKey.algorithm(), u"ssh-ed25519"_s);
    QCOMPARE(key.publicKeyComment, u"ed@test"_s);
    QCOMPARE(key.createdAt, m_clock.now());
    QCOMPARE(key.updatedAt, m_clock.now());
    QVERIFY(key.tags.isEmpty());
    QVERIFY(key.devices.isEmpty());

    // The main device is now known; the private key is sealed in the vault, not in ssh_keys.
    const Result<QList<InventoryDevice>> devices = f.service->devices();
    KEYSTEAD_VERIFY_OK(devices);
    QCOMPARE(devices->size(), 1);
    QCOMPARE(devices->first().hostname, u"host-a"_s);
    QCOMPARE(devices->first().ip, u"10.0.0.1"_s);
    QCOMPARE(f.rows(u"ssh_keys"_s), 1);
    QCOMPARE(f.rows(u"vault_secrets"_s), 1);

    const Result<QList<AuditEvent>> events = f.audit->list(AuditQuery{u"key.create"_s, key.id, 10});
    KEYSTEAD_VERIFY_OK(events);
    QCOMPARE(events->size(), 1);
    QCOMPARE(events->first().actor.name, u"tester"_s);

    // Identifiers given are kept; ids count up.
    SshKeyInput named = input(u"ec"_s);
    named.identifier = u"sshkey3"_s;
    named.username = u"dleite3"_s;
    const Result<SshKeySaved> second = f.service->save(named, m_actor);
    KEYSTEAD_VERIFY_OK(second);
    QCOMPARE(second->key.identifier, u"sshkey3"_s);
    QCOMPARE(second->key.username, u"dleite3"_s);
    QCOMPARE(second->key.privateKeyFormat, u"pkcs1"_s);
    QVERIFY(second->key.id.toLongLong() > key.id.toLongLong());
}

void TestInventoryService::requiredFieldsOnCreate_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("field");
    QTest::addColumn<bool>("sentEmpty");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message");
    const QList<std::tuple<QString, int, QString>> fields{
        {u"hostname"_s, 1004, u"The device's hostname was not informed"_s},
        {u"ip"_s, 1005, u"The device's IP was not informed"_s},
        {u"public_key"_s, 1013, u"The public key was not informed"_s},
        {u"private_key"_s, 1014, u"The private key was not informed"_s},
    };
    for (const QString &backend : keystead::test::storeBackends()) {
        for (const auto &[field, code, message] : fields) {
            for (const bool empty : {false, true}) {
                QTest::addRow("%s %s %s", qPrintable(backend), qPrintable(field), empty ? "empty" : "absent")
                    << backend << field << empty << code << message;
            }
        }
    }
}

void TestInventoryService::requiredFieldsOnCreate()
{
    QFETCH(QString, backend);
    QFETCH(QString, field);
    QFETCH(bool, sentEmpty);
    QFETCH(int, code);
    QFETCH(QString, message);
    Fixture f = make(backend);
    QVERIFY(f.store);
    QSignalSpy changed(f.service.get(), &InventoryService::changed);

    SshKeyInput in = input(u"ed"_s);
    in.identifier = u"new-key"_s;
    if (field == u"hostname"_s)
        in.hostname = sentEmpty ? std::optional<QString>(u" "_s) : std::nullopt;
    else if (field == u"ip"_s)
        in.ip = sentEmpty ? std::optional<QString>(QString()) : std::nullopt;
    else if (field == u"public_key"_s)
        in.publicKey = sentEmpty ? std::optional<QString>(QString()) : std::nullopt;
    else
        in.privateKey = sentEmpty ? std::optional<QByteArray>(QByteArray()) : std::nullopt;

    const Result<SshKeySaved> saved = f.service->save(in, m_actor);
    QVERIFY(!saved);
    QCOMPARE(errorCode(saved.error()), code);
    QCOMPARE(saved.error().message, message);
    QCOMPARE(saved.error().kind, Error::Kind::InvalidInput);
    const QMap<QString, int> counts = f.counts();
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        QVERIFY2(it.value() == 0, qPrintable(it.key()));
    QCOMPARE(changed.count(), 0);
}

void TestInventoryService::refusedKeysStoreNothing_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("code");
    const QList<std::pair<QString, int>> cases{
        {u"mismatched pair"_s, 1043},         {u"wrong password"_s, 1045},      {u"password missing"_s, 1044},
        {u"password not needed"_s, 1046},     {u"garbage private key"_s, 1041}, {u"private key cut short"_s, 1041},
        {u"garbage public key"_s, 1042},      {u"DSA private key"_s, 1047},     {u"identifier all digits"_s, 1048},
        {u"identifier with a space"_s, 1048}, {u"identifier too long"_s, 1048}, {u"key name too long"_s, 1049},
        {u"ip not an address"_s, 1049},       {u"tag too long"_s, 1049},        {u"device without hostname"_s, 1004},
    };
    for (const QString &backend : keystead::test::storeBackends()) {
        for (const auto &[name, code] : cases)
            QTest::addRow("%s %s", qPrintable(backend), qPrintable(name)) << backend << name << code;
    }
}

void TestInventoryService::refusedKeysStoreNothing()
{
    QFETCH(QString, backend);
    QFETCH(QString, name);
    QFETCH(int, code);
    Fixture f = make(backend);
    QVERIFY(f.store);
    // One key already there, so the vault is in use and the counts are not all zero.
    SshKeyInput first = input(u"ed-pw"_s, kPassword);
    first.tags = QStringList{u"prod"_s};
    KEYSTEAD_VERIFY_OK(f.service->save(first, m_actor));
    const QMap<QString, int> before = f.counts();
    QSignalSpy changed(f.service.get(), &InventoryService::changed);

    SshKeyInput in = input(u"ed"_s);
    in.hostname = u"host-new"_s;
    in.ip = u"10.9.9.9"_s;
    in.tags = QStringList{u"new"_s};
    if (name == u"mismatched pair"_s) {
        in.publicKey = m_keys.publicLine(u"other"_s);
    } else if (name == u"wrong password"_s) {
        in = input(u"ed-pw"_s, "not the password");
    } else if (name == u"password missing"_s) {
        in = input(u"ed-pw"_s);
    } else if (name == u"password not needed"_s) {
        in.password = "superfluous";
    } else if (name == u"garbage private key"_s) {
        in.privateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n";
    } else if (name == u"private key cut short"_s) {
        in.privateKey = m_keys.privateKey(u"ed"_s).left(m_keys.privateKey(u"ed"_s).size() / 2);
    } else if (name == u"garbage public key"_s) {
        in.publicKey = u"ssh-ed25519 AAAAnotakey comment"_s;
    } else if (name == u"DSA private key"_s) {
        in = input(u"dsa"_s);
    } else if (name == u"identifier all digits"_s) {
        in.identifier = u"83"_s;
    } else if (name == u"identifier with a space"_s) {
        in.identifier = u"my key"_s;
    } else if (name == u"identifier too long"_s) {
        in.identifier = QString(65, u'k');
    } else if (name == u"key name too long"_s) {
        in.keyName = QString(256, u'n');
    } else if (name == u"ip not an address"_s) {
        in.ip = u"10.0.0.300"_s;
    } else if (name == u"tag too long"_s) {
        in.tags = QStringList{u"ok"_s, QString(65, u't')};
    } else if (name == u"device without hostname"_s) {
        in.deviceHostnames = QStringList{u"host-a"_s, QString()};
    } else {
        QFAIL("unknown case");
    }
    const Result<SshKeySaved> saved = f.service->save(in, m_actor);
    QVERIFY(!saved);
    QCOMPARE(errorCode(saved.error()), code);
    QVERIFY(!saved.error().message.isEmpty());
    QCOMPARE(f.counts(), before);
    QCOMPARE(changed.count(), 0);
}

void TestInventoryService::updateKeepsAbsentFields()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    SshKeyInput first = input(u"ed-pw"_s, kPassword);
    first.identifier = u"sshkey3"_s;
    first.username = u"dleite3"_s;
    first.keyName = u"test4"_s;
    first.tags = QStringList{u"mainsshkey"_s, u"prod"_s};
    const Result<SshKeySaved> created = f.service->save(first, m_actor);
    KEYSTEAD_VERIFY_OK(created);
    QVERIFY(created->created);
    const SshKeyRecord original = created->key;

    m_clock.advanceSeconds(60);
    SshKeyInput tagsOnly;
    tagsOnly.identifier = u"sshkey3"_s;
    tagsOnly.tags = QStringList{u"  moved "_s, u"moved"_s, QString()};
    tagsOnly.enabled = false;
    QSignalSpy changed(f.service.get(), &InventoryService::changed);
    const Result<SshKeySaved> updated = f.service->save(tagsOnly, m_actor);
    KEYSTEAD_VERIFY_OK(updated);
    QCOMPARE(changed.count(), 1);
    QVERIFY(!updated->created);
    const SshKeyRecord &key = updated->key;
    QCOMPARE(key.id, original.id);
    QCOMPARE(key.tags, QStringList{u"moved"_s});
    QVERIFY(!key.enabled);
    QCOMPARE(key.username, u"dleite3"_s);
    QCOMPARE(key.keyName, u"test4"_s);
    QCOMPARE(key.hostname, u"host-a"_s);
    QCOMPARE(key.ip, u"10.0.0.1"_s);
    QCOMPARE(key.publicKey, original.publicKey);
    QVERIFY(key.hasPrivateKey);
    QVERIFY(key.hasPassword);
    QVERIFY(key.privateKeyEncrypted);
    QCOMPARE(key.createdAt, original.createdAt);
    QCOMPARE(key.updatedAt, m_clock.now());
    Result<SshKeySecrets> secrets = f.service->reveal(u"sshkey3"_s, m_actor);
    KEYSTEAD_VERIFY_OK(secrets);
    QCOMPARE(secrets->privateKey, m_keys.privateKey(u"ed-pw"_s));
    QCOMPARE(secrets->password, kPassword);

    // The private key sent again without its password: the password held still opens it.
    SshKeyInput resent;
    resent.identifier = u"sshkey3"_s;
    resent.privateKey = m_keys.privateKey(u"ed-pw"_s);
    KEYSTEAD_VERIFY_OK(f.service->save(resent, m_actor));
    secrets = f.service->reveal(u"sshkey3"_s, m_actor);
    KEYSTEAD_VERIFY_OK(secrets);
    QCOMPARE(secrets->password, kPassword);

    // A new password alone must open the held key; a wrong one changes nothing.
    const QMap<QString, int> before = f.counts();
    SshKeyInput wrong;
    wrong.identifier = u"sshkey3"_s;
    wrong.password = "not it";
    wrong.keyName = u"renamed"_s;
    const Result<SshKeySaved> refused = f.service->save(wrong, m_actor);
    QVERIFY(!refused);
    QCOMPARE(errorCode(refused.error()), 1045);
    QCOMPARE(f.counts(), before);
    const Result<SshKeyRecord> unchanged = f.service->find(u"sshkey3"_s);
    KEYSTEAD_VERIFY_OK(unchanged);
    QCOMPARE(unchanged->keyName, u"test4"_s);
}

void TestInventoryService::updateChecksAgainstTheHeldKey()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    SshKeyInput first = input(u"ed"_s);
    first.identifier = u"k1"_s;
    KEYSTEAD_VERIFY_OK(f.service->save(first, m_actor));
    const QMap<QString, int> before = f.counts();

    SshKeyInput otherPrivate;
    otherPrivate.identifier = u"k1"_s;
    otherPrivate.privateKey = m_keys.privateKey(u"other"_s);
    Result<SshKeySaved> refused = f.service->save(otherPrivate, m_actor);
    QVERIFY(!refused);
    QCOMPARE(errorCode(refused.error()), 1043);

    SshKeyInput otherPublic;
    otherPublic.identifier = u"k1"_s;
    otherPublic.publicKey = m_keys.publicLine(u"other"_s);
    refused = f.service->save(otherPublic, m_actor);
    QVERIFY(!refused);
    QCOMPARE(errorCode(refused.error()), 1043);
    QCOMPARE(errorCode(f.service->save(SshKeyInput{.identifier = u"k1"_s, .ip = u""_s}, m_actor).error()), 1005);
    QCOMPARE(f.counts(), before);

    // The whole pair replaced at once is a new key under the same identifier.
    SshKeyInput replaced = input(u"other"_s);
    replaced.identifier = u"k1"_s;
    const Result<SshKeySaved> saved = f.service->save(replaced, m_actor);
    KEYSTEAD_VERIFY_OK(saved);
    QVERIFY(!saved->created);
    QCOMPARE(saved->key.publicKey, m_keys.publicKey(u"other"_s));
    const Result<SshKeySecrets> secrets = f.service->reveal(u"k1"_s, m_actor);
    KEYSTEAD_VERIFY_OK(secrets);
    QCOMPARE(secrets->privateKey, m_keys.privateKey(u"other"_s));
}

void TestInventoryService::devicesResolveOrAreReported()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    SshKeyInput first = input(u"ed"_s);
    first.identifier = u"first"_s;
    KEYSTEAD_VERIFY_OK(f.service->save(first, m_actor));

    SshKeyInput second = input(u"ec"_s);
    second.identifier = u"second"_s;
    second.hostname = u"w2016"_s;
    second.ip = u"10.66.33.120"_s;
    second.deviceHostnames = QStringList{u"host-a"_s, u"API device test"_s, u"host-a"_s};
    const Result<SshKeySaved> saved = f.service->save(second, m_actor);
    KEYSTEAD_VERIFY_OK(saved);
    QCOMPARE(saved->key.devices.size(), 1);
    QCOMPARE(saved->key.devices.first().hostname, u"host-a"_s);
    QCOMPARE(saved->key.devices.first().ip, u"10.0.0.1"_s);
    QCOMPARE(saved->deviceProblems.size(), 1);
    QCOMPARE(saved->deviceProblems.first().hostname, u"API device test"_s);
    QCOMPARE(saved->deviceProblems.first().message, u"Device not found"_s);

    const Result<QList<InventoryDevice>> devices = f.service->devices();
    KEYSTEAD_VERIFY_OK(devices);
    QCOMPARE(devices->size(), 2);
    QCOMPARE(devices->at(0).hostname, u"host-a"_s);
    QCOMPARE(devices->at(1).hostname, u"w2016"_s);
    QCOMPARE(devices->at(1).ip, u"10.66.33.120"_s);

    // host-a is opened by the first key (its main device) and the second (an additional one).
    const QString firstLine = m_keys.publicKey(u"ed"_s).openSshLine(u"first"_s);
    const QString secondLine = m_keys.publicKey(u"ec"_s).openSshLine(u"second"_s);
    Result<QString> lines = f.service->authorizedKeys(u"host-a"_s);
    KEYSTEAD_VERIFY_OK(lines);
    QCOMPARE(lines.value(), firstLine + u'\n' + secondLine + u'\n');
    lines = f.service->authorizedKeys(u"w2016"_s);
    KEYSTEAD_VERIFY_OK(lines);
    QCOMPARE(lines.value(), secondLine + u'\n');
    KEYSTEAD_VERIFY_OK(f.service->inactivate(u"first"_s, m_actor));
    lines = f.service->authorizedKeys(u"host-a"_s);
    KEYSTEAD_VERIFY_OK(lines);
    QCOMPARE(lines.value(), secondLine + u'\n');
    lines = f.service->authorizedKeys(u"API device test"_s);
    KEYSTEAD_VERIFY_OK(lines);
    QVERIFY(lines->isEmpty());

    // The main device's address moves with the latest key that names it.
    SshKeyInput moved;
    moved.identifier = u"first"_s;
    moved.ip = u"10.0.0.2"_s;
    KEYSTEAD_VERIFY_OK(f.service->save(moved, m_actor));
    const Result<SshKeyRecord> reread = f.service->find(u"second"_s);
    KEYSTEAD_VERIFY_OK(reread);
    QCOMPARE(reread->devices.first().ip, u"10.0.0.2"_s);
}

void TestInventoryService::listFindAndInactivate()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const QList<std::tuple<QString, QString, QStringList>> keys{
        {u"ed"_s, u"alpha-key"_s, {u"prod"_s, u"web"_s}},
        {u"ec"_s, u"beta_key"_s, {u"prod"_s}},
        {u"rsa"_s, u"gamma"_s, {u"lab"_s}},
    };
    QStringList ids;
    for (const auto &[name, identifier, tags] : keys) {
        SshKeyInput in = input(name);
        in.identifier = identifier;
        in.keyName = u"Name of "_s + identifier;
        in.tags = tags;
        const Result<SshKeySaved> saved = f.service->save(in, m_actor);
        KEYSTEAD_VERIFY_OK(saved);
        ids.append(saved->key.id);
    }
    const auto identifiers = [&](const SshKeyQuery &query) {
        QStringList found;
        const Result<QList<SshKeyRecord>> listed = f.service->list(query);
        if (listed) {
            for (const SshKeyRecord &key : listed.value())
                found.append(key.identifier);
        }
        return found;
    };
    QCOMPARE(identifiers({}), (QStringList{u"alpha-key"_s, u"beta_key"_s, u"gamma"_s}));
    QCOMPARE(identifiers({u"ALPHA"_s, {}, {}}), QStringList{u"alpha-key"_s});
    // '_' is a character here, not a LIKE wildcard.
    QCOMPARE(identifiers({u"a_k"_s, {}, {}}), QStringList{u"beta_key"_s});
    QCOMPARE(identifiers({u"name of gam"_s, {}, {}}), QStringList{u"gamma"_s});
    QCOMPARE(identifiers({m_keys.publicKey(u"rsa"_s).fingerprintSha256(), {}, {}}), QStringList{u"gamma"_s});
    QCOMPARE(identifiers({{}, u"prod"_s, {}}), (QStringList{u"alpha-key"_s, u"beta_key"_s}));
    QCOMPARE(identifiers({u"beta"_s, u"prod"_s, {}}), QStringList{u"beta_key"_s});
    QCOMPARE(identifiers({{}, u"pro"_s, {}}), QStringList());

    const Result<SshKeyRecord> byId = f.service->find(ids.at(1));
    KEYSTEAD_VERIFY_OK(byId);
    QCOMPARE(byId->identifier, u"beta_key"_s);
    QCOMPARE(byId->tags, QStringList{u"prod"_s});
    const Result<SshKeyRecord> byIdentifier = f.service->find(u"gamma"_s);
    KEYSTEAD_VERIFY_OK(byIdentifier);
    QCOMPARE(byIdentifier->id, ids.at(2));
    for (const QString &unknown : {u"99999"_s, u"nosuchkey"_s, u"99999999999999999999999"_s}) {
        const Result<SshKeyRecord> missing = f.service->find(unknown);
        QVERIFY(!missing);
        QCOMPARE(missing.error().kind, Error::Kind::NotFound);
        QCOMPARE(missing.error().details.value(u"resource"_s).toString(), unknown);
    }

    QSignalSpy changed(f.service.get(), &InventoryService::changed);
    const Result<SshKeyRecord> inactive = f.service->inactivate(ids.at(0), m_actor);
    KEYSTEAD_VERIFY_OK(inactive);
    QVERIFY(!inactive->enabled);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(identifiers({{}, {}, false}), QStringList{u"alpha-key"_s});
    QCOMPARE(identifiers({{}, {}, true}), (QStringList{u"beta_key"_s, u"gamma"_s}));
    const Result<SshKeyRecord> none = f.service->inactivate(u"424242"_s, m_actor);
    QVERIFY(!none);
    QCOMPARE(none.error().kind, Error::Kind::NotFound);

    const Result<QStringList> tags = f.service->tags();
    KEYSTEAD_VERIFY_OK(tags);
    QCOMPARE(tags.value(), (QStringList{u"lab"_s, u"prod"_s, u"web"_s}));
}

void TestInventoryService::revealReturnsTheExactSecretsAndAudits()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    // Seed 001's examples carry \r\n line ends: what was sent is what comes back.
    QByteArray crlf = m_keys.privateKey(u"ed-pw"_s);
    crlf.replace("\n", "\r\n");
    SshKeyInput in = input(u"ed-pw"_s, kPassword);
    in.privateKey = crlf;
    const Result<SshKeySaved> saved = f.service->save(in, m_actor);
    KEYSTEAD_VERIFY_OK(saved);

    const Actor operatorActor{u"token"_s, u"token-1"_s, u"ops"_s, u"127.0.0.1"_s};
    const Result<SshKeySecrets> secrets = f.service->reveal(saved->key.identifier, operatorActor);
    KEYSTEAD_VERIFY_OK(secrets);
    QCOMPARE(secrets->privateKey, crlf);
    QCOMPARE(secrets->password, kPassword);
    const Result<QList<AuditEvent>> events = f.audit->list(AuditQuery{u"key.reveal"_s, {}, 10});
    KEYSTEAD_VERIFY_OK(events);
    QCOMPARE(events->size(), 1);
    QCOMPARE(events->first().subjectKind, u"ssh_key"_s);
    QCOMPARE(events->first().subjectId, saved->key.id);
    QCOMPARE(events->first().actor.kind, u"token"_s);
    QCOMPARE(events->first().actor.id, u"token-1"_s);
    QCOMPARE(events->first().actor.name, u"ops"_s);
    QCOMPARE(events->first().actor.address, u"127.0.0.1"_s);

    const Result<SshKeySecrets> unknown = f.service->reveal(u"4242"_s, operatorActor);
    QVERIFY(!unknown);
    QCOMPARE(unknown.error().kind, Error::Kind::NotFound);

    // A key without a password reveals an empty one.
    KEYSTEAD_VERIFY_OK(f.service->save(input(u"ec"_s), m_actor));
    const Result<QList<SshKeyRecord>> listed = f.service->list({u"ec@test"_s, {}, {}});
    KEYSTEAD_VERIFY_OK(listed);
    QCOMPARE(listed->size(), 1);
    const Result<SshKeySecrets> plain = f.service->reveal(listed->first().id, operatorActor);
    KEYSTEAD_VERIFY_OK(plain);
    QCOMPARE(plain->privateKey, m_keys.privateKey(u"ec"_s));
    QVERIFY(plain->password.isEmpty());
    const Result<QList<AuditEvent>> after = f.audit->list(AuditQuery{u"key.reveal"_s, {}, 10});
    KEYSTEAD_VERIFY_OK(after);
    QCOMPARE(after->size(), 2);
}

void TestInventoryService::importsCollectedKeysOnce()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    KEYSTEAD_VERIFY_OK(f.service->save(input(u"ed"_s), m_actor));

    CollectSession session;
    session.id = u"session-1"_s;
    session.connectionIdentifier = u"alice"_s;
    CollectSessionConnection laptop;
    laptop.keys = {CollectSessionKey{u"k1"_s, u"c1"_s, session.id, m_clock.now(), m_keys.publicKey(u"ed"_s),
                                     CollectKeyState::Collected},
                   CollectSessionKey{u"k2"_s, u"c1"_s, session.id, m_clock.now(), m_keys.publicKey(u"ec"_s),
                                     CollectKeyState::Collected},
                   CollectSessionKey{u"k3"_s, u"c1"_s, session.id, m_clock.now(), m_keys.publicKey(u"rsa"_s),
                                     CollectKeyState::Discarded}};
    CollectSessionConnection desktop;
    desktop.keys = {CollectSessionKey{u"k4"_s, u"c2"_s, session.id, m_clock.now(), m_keys.publicKey(u"ec"_s),
                                      CollectKeyState::Collected}};
    session.connections = {laptop, desktop};

    QSignalSpy changed(f.service.get(), &InventoryService::changed);
    const Result<QList<SshKeyRecord>> imported
        = f.service->importCollected(session.id, collectedPublicKeys(session), m_actor);
    KEYSTEAD_VERIFY_OK(imported);
    QCOMPARE(imported->size(), 1);
    QCOMPARE(changed.count(), 1);
    const SshKeyRecord key = imported->first();
    QCOMPARE(key.publicKey, m_keys.publicKey(u"ec"_s));
    QCOMPARE(key.origin, u"collected"_s);
    QCOMPARE(key.collectSessionId, u"session-1"_s);
    QVERIFY(!key.hasPrivateKey);
    QVERIFY(!key.hasPassword);
    QVERIFY(key.hostname.isEmpty());
    QVERIFY(key.ip.isEmpty());
    QCOMPARE(key.username, u"usr"_s);
    QCOMPARE(f.rows(u"ssh_keys"_s), 2);
    QCOMPARE(f.rows(u"devices"_s), 1);

    const Result<QList<SshKeyRecord>> again
        = f.service->importCollected(session.id, collectedPublicKeys(session), m_actor);
    KEYSTEAD_VERIFY_OK(again);
    QVERIFY(again->isEmpty());
    QCOMPARE(f.rows(u"ssh_keys"_s), 2);

    // Nothing to reveal for a public key alone.
    const Result<SshKeySecrets> secrets = f.service->reveal(key.id, m_actor);
    QVERIFY(!secrets);
    QCOMPARE(errorCode(secrets.error()), 1051);

    // Its private key, given later, must be the pair of what was collected.
    SshKeyInput wrong;
    wrong.identifier = key.identifier;
    wrong.privateKey = m_keys.privateKey(u"rsa"_s);
    const Result<SshKeySaved> refused = f.service->save(wrong, m_actor);
    QVERIFY(!refused);
    QCOMPARE(errorCode(refused.error()), 1043);
    SshKeyInput attach;
    attach.identifier = key.identifier;
    attach.privateKey = m_keys.privateKey(u"ec"_s);
    attach.hostname = u"db-1"_s;
    const Result<SshKeySaved> noIp = f.service->save(attach, m_actor);
    QVERIFY(!noIp);
    QCOMPARE(errorCode(noIp.error()), 1005);
    attach.ip = u"fd00::1"_s;
    const Result<SshKeySaved> attached = f.service->save(attach, m_actor);
    KEYSTEAD_VERIFY_OK(attached);
    QVERIFY(attached->key.hasPrivateKey);
    QCOMPARE(attached->key.origin, u"collected"_s);
    QCOMPARE(attached->key.hostname, u"db-1"_s);
}

void TestInventoryService::withoutAUsableVaultNothingIsStored()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // A master key file others may read is refused: no key, no secret, nothing written.
    const QString keyFile = dir.filePath(u"master.key"_s);
    {
        QFile file(keyFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("k1 " + QByteArray(32, 'x').toBase64() + "\n");
    }
    QVERIFY(QFile::setPermissions(keyFile, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther));
    Fixture f = make(backend, keyFile);
    QVERIFY(f.store);
    const QMap<QString, int> before = f.counts();

    const Result<SshKeySaved> saved = f.service->save(input(u"ed-pw"_s, kPassword), m_actor);
    QVERIFY(!saved);
    QCOMPARE(errorCode(saved.error()), 1050);
    QCOMPARE(saved.error().kind, Error::Kind::Unavailable);
    QCOMPARE(f.counts(), before);
    QCOMPARE(f.rows(u"ssh_keys"_s), 0);

    // What needs no secret still works: a collected public key.
    CollectSession session;
    session.id = u"s"_s;
    CollectSessionConnection connection;
    connection.keys = {CollectSessionKey{u"k"_s, u"c"_s, u"s"_s, m_clock.now(), m_keys.publicKey(u"ec"_s),
                                         CollectKeyState::Collected}};
    session.connections = {connection};
    const Result<QList<SshKeyRecord>> imported
        = f.service->importCollected(session.id, collectedPublicKeys(session), m_actor);
    KEYSTEAD_VERIFY_OK(imported);
    QCOMPARE(imported->size(), 1);
}

void TestInventoryService::concurrentSavesOfOneIdentifierMakeOneKey()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    constexpr int kThreads = 3;
    constexpr int kSavesEach = 4;
    QList<QThread *> threads;
    QList<int> created(kThreads, 0);
    QList<int> failed(kThreads, 0);
    for (int t = 0; t < kThreads; ++t) {
        SshKeyInput in = input(u"ed-pw"_s, kPassword);
        in.identifier = u"shared"_s;
        threads.append(QThread::create([&f, &created, &failed, in, t]() mutable {
            for (int i = 0; i < kSavesEach; ++i) {
                in.tags = QStringList{u"t%1-%2"_s.arg(t).arg(i)};
                const Result<SshKeySaved> saved = f.service->save(in, Actor::console());
                if (!saved)
                    ++failed[t];
                else if (saved->created)
                    ++created[t];
            }
            f.database().releaseThreadConnection();
        }));
        threads.last()->start();
    }
    for (QThread *thread : std::as_const(threads)) {
        QVERIFY(thread->wait(120'000));
        delete thread;
    }
    QCOMPARE(std::accumulate(failed.cbegin(), failed.cend(), 0), 0);
    QCOMPARE(std::accumulate(created.cbegin(), created.cend(), 0), 1);
    QCOMPARE(f.rows(u"ssh_keys"_s), 1);
    QCOMPARE(f.rows(u"vault_secrets"_s), 2);
    QCOMPARE(f.rows(u"ssh_key_tags"_s), 1);
}

QTEST_GUILESS_MAIN(TestInventoryService)
#include "tst_inventory_service.moc"
