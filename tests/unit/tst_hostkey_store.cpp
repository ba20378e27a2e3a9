#include "KeyMaterial.h"
#include "StoreTestSupport.h"

#include "audit/AuditLog.h"
#include "hostkeys/HostKeyStore.h"
#include "store/Sql.h"

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <map>
#include <memory>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

namespace {

// A public key made by ssh-keygen, with what ssh-keygen -l says of it.
struct MadeKey
{
    QString type;
    QString value; // base64 blob
    QString fingerprint;
};

} // namespace

// The trusted host key store on every backend: ids, canonical addresses,
// values checked against their type (with real keys and certificates made by
// ssh-keygen and openssl), filters, drift from compared scans, known_hosts
// in and out, and nothing stored when a request is refused.
class TestHostKeyStore final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void canonicalAddress_data();
    void canonicalAddress();
    void addFindListRemove_data() { backendRows(); }
    void addFindListRemove();
    void filtersCombine_data() { backendRows(); }
    void filtersCombine();
    void refusedInputStoresNothing_data();
    void refusedInputStoresNothing();
    void certificatesAndDsaAreKeptAsGiven_data() { backendRows(); }
    void certificatesAndDsaAreKeptAsGiven();
    void takenIdConflicts_data() { backendRows(); }
    void takenIdConflicts();
    void compareScanRecordsDriftOnce_data() { backendRows(); }
    void compareScanRecordsDriftOnce();
    void knownHostsRoundTrip_data() { backendRows(); }
    void knownHostsRoundTrip();

private:
    bool open(const QString &backend);
    int rows(const QString &table)
    {
        Result<QSqlQuery> count = sql::exec(m_db->database().connection(), u"SELECT COUNT(*) FROM "_s + table);
        return count && count.value().next() ? count.value().value(0).toInt() : -1;
    }
    QStringList auditActions()
    {
        QStringList actions;
        Result<QList<AuditEvent>> events = m_audit->list();
        if (events) {
            for (const AuditEvent &event : events.value())
                actions.append(event.action);
        }
        return actions;
    }
    const MadeKey &key(const QString &name) const { return m_keys.at(name); }

    QTemporaryDir m_dir;
    ManualClock m_clock;
    std::map<QString, MadeKey> m_keys;
    std::unique_ptr<TestDatabase> m_db;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<HostKeyStore> m_store;
};

void TestHostKeyStore::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const std::pair<QString, QStringList> kinds[] = {
        {u"ed25519"_s, {u"-t"_s, u"ed25519"_s}},
        {u"ed25519b"_s, {u"-t"_s, u"ed25519"_s}},
        {u"ecdsa256"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"256"_s}},
        {u"ecdsa384"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"384"_s}},
        {u"ecdsa521"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"521"_s}},
        {u"rsa"_s, {u"-t"_s, u"rsa"_s, u"-b"_s, u"2048"_s}},
        {u"dsa"_s, {u"-t"_s, u"dsa"_s}},
    };
    for (const auto &[name, arguments] : kinds) {
        const QString path = m_dir.filePath(name);
        QVERIFY2(toolOutput(u"ssh-keygen"_s, QStringList{u"-q"_s, u"-N"_s, u""_s, u"-f"_s, path} + arguments),
                 qPrintable(name));
        const QStringList fields = QString::fromLatin1(readFile(path + u".pub"_s)).trimmed().split(u' ');
        const std::optional<QByteArray> listed = toolOutput(u"ssh-keygen"_s, {u"-l"_s, u"-f"_s, path + u".pub"_s});
        QVERIFY(listed && fields.size() >= 2);
        m_keys[name] = MadeKey{fields.at(0), fields.at(1), QString::fromLatin1(*listed).split(u' ').value(1)};
    }
    // X.509 certificates (DER) with an RSA and a DSA key, as openssl makes them.
    const QString rsaKey = m_dir.filePath(u"x509rsa.key"_s);
    const QString dsaParams = m_dir.filePath(u"dsa.params"_s);
    const QString dsaKey = m_dir.filePath(u"x509dsa.key"_s);
    QVERIFY(toolOutput(u"openssl"_s, {u"genpkey"_s, u"-algorithm"_s, u"RSA"_s, u"-out"_s, rsaKey}));
    QVERIFY(toolOutput(u"openssl"_s, {u"dsaparam"_s, u"-out"_s, dsaParams, u"2048"_s}));
    QVERIFY(toolOutput(u"openssl"_s, {u"gendsa"_s, u"-out"_s, dsaKey, dsaParams}));
    for (const auto &[name, keyFile] : {std::pair{u"x509rsa"_s, rsaKey}, std::pair{u"x509dsa"_s, dsaKey}}) {
        const QString der = m_dir.filePath(name + u".der"_s);
        QVERIFY(toolOutput(u"openssl"_s,
                           {u"req"_s, u"-x509"_s, u"-key"_s, keyFile, u"-subj"_s, u"/CN=host.example"_s, u"-days"_s,
                            u"30"_s, u"-outform"_s, u"DER"_s, u"-out"_s, der}));
        m_keys[name] = MadeKey{name == u"x509rsa"_s ? u"x509v3-sign-rsa"_s : u"x509v3-sign-dss"_s,
                               QString::fromLatin1(readFile(der).toBase64()), QString()};
    }
}

bool TestHostKeyStore::open(const QString &backend)
{
    m_db = TestDatabase::create(backend, m_clock);
    if (!m_db)
        return false;
    m_audit = std::make_unique<AuditLog>(m_db->database(), m_clock);
    m_store = std::make_unique<HostKeyStore>(m_db->database(), m_clock, *m_audit);
    return true;
}

void TestHostKeyStore::cleanup()
{
    m_store.reset();
    m_audit.reset();
    m_db.reset();
}

void TestHostKeyStore::canonicalAddress_data()
{
    QTest::addColumn<QString>("given");
    QTest::addColumn<QString>("expected"); // empty: refused
    QTest::newRow("ipv4") << u"10.110.0.1"_s << u"10.110.0.1"_s;
    QTest::newRow("ipv6 long") << u"2001:0DB8:0:0::1"_s << u"2001:db8::1"_s;
    QTest::newRow("ipv6 full") << u"2001:0db8:0000:0000:0000:ff00:0042:8329"_s << u"2001:db8::ff00:42:8329"_s;
    QTest::newRow("ipv6 one zero group kept") << u"2001:db8:0:1:1:1:1:1"_s << u"2001:db8:0:1:1:1:1:1"_s;
    QTest::newRow("ipv6 longest run") << u"2001:0:0:1:0:0:0:1"_s << u"2001:0:0:1::1"_s;
    QTest::newRow("ipv6 bracketed") << u"[::1]"_s << u"::1"_s;
    QTest::newRow("seed example") << u"d00::2222:dead"_s << u"d00::2222:dead"_s;
    QTest::newRow("name lower case") << u"Bastion.Example.COM"_s << u"bastion.example.com"_s;
    QTest::newRow("name trailing dot") << u"host.example."_s << u"host.example"_s;
    QTest::newRow("bad ipv4") << u"10.0.0.256"_s << QString();
    QTest::newRow("bad ipv6") << u"2001:db8:::1"_s << QString();
    QTest::newRow("zone id") << u"fe80::1%eth0"_s << QString();
    QTest::newRow("underscore") << u"bad_name.example"_s << QString();
    QTest::newRow("leading hyphen") << u"-host.example"_s << QString();
    QTest::newRow("space") << u"two words"_s << QString();
    QTest::newRow("empty") << u""_s << QString();
    QTest::newRow("long label") << QString(64, u'a') << QString();
}

void TestHostKeyStore::canonicalAddress()
{
    QFETCH(QString, given);
    QFETCH(QString, expected);
    const Result<QString> canonical = HostKeyStore::canonicalAddress(given);
    if (expected.isEmpty()) {
        QVERIFY(!canonical);
        QCOMPARE(canonical.error().kind, Error::Kind::InvalidInput);
        QCOMPARE(canonical.error().location, u"address"_s);
    } else {
        KEYSTEAD_VERIFY_OK(canonical);
        QCOMPARE(*canonical, expected);
    }
}

void TestHostKeyStore::addFindListRemove()
{
    QFETCH(QString, backend);
    QVERIFY(open(backend));
    QSignalSpy changed(m_store.get(), &HostKeyStore::hostKeysChanged);
    QSignalSpy typed(m_store.get(), &HostKeyStore::changed);
    for (const QString &name : {u"ed25519"_s, u"ecdsa256"_s, u"ecdsa384"_s, u"ecdsa521"_s, u"rsa"_s}) {
        const Result<TrustedHostKey> added = m_store->add(
            HostKeyInput{u"2001:0DB8:0:0::1"_s, 2222, key(name).type, key(name).value, u"api"_s}, Actor::console());
        KEYSTEAD_VERIFY_OK(added);
        QCOMPARE(added->key, key(name).type + u"-2001:db8::1:2222"_s);
        QCOMPARE(added->address, u"2001:db8::1"_s);
        QCOMPARE(added->fingerprint, key(name).fingerprint);
    }
    QCOMPARE(changed.size(), 5);
    QCOMPARE(typed.size(), 5);
    QCOMPARE(typed.at(0).at(0).value<ChangeSet>(),
             ChangeSet::addedOne(u"hostkeys.trusted"_s, key(u"ed25519"_s).type + u"-2001:db8::1:2222"_s));

    const Result<TrustedHostKey> found = m_store->find(u"ssh-ed25519-2001:db8::1:2222"_s);
    KEYSTEAD_VERIFY_OK(found);
    QCOMPARE(found->value, key(u"ed25519"_s).value);
    QCOMPARE(found->port, 2222);
    QCOMPARE(found->type, u"ssh-ed25519"_s);
    QCOMPARE(found->origin, u"api"_s);
    QCOMPARE(found->addedAt, m_clock.now());

    const Result<TrustedHostKey> missing = m_store->find(u"ssh-ed25519-10.0.0.9:22"_s);
    QVERIFY(!missing);
    QCOMPARE(missing.error().kind, Error::Kind::NotFound);

    const Result<TrustedHostKey> removed = m_store->remove(u"ssh-rsa-2001:db8::1:2222"_s, Actor::console());
    KEYSTEAD_VERIFY_OK(removed);
    QCOMPARE(removed->fingerprint, key(u"rsa"_s).fingerprint);
    QCOMPARE(rows(u"host_keys"_s), 4);
    QCOMPARE(typed.constLast().at(0).value<ChangeSet>(),
             ChangeSet::removedOne(u"hostkeys.trusted"_s, u"ssh-rsa-2001:db8::1:2222"_s));
    const Result<TrustedHostKey> again = m_store->remove(u"ssh-rsa-2001:db8::1:2222"_s, Actor::console());
    QVERIFY(!again);
    QCOMPARE(again.error().kind, Error::Kind::NotFound);

    const QStringList actions = auditActions();
    QCOMPARE(actions.count(u"hostkey.add"_s), 5);
    QCOMPARE(actions.count(u"hostkey.remove"_s), 1);
}

void TestHostKeyStore::filtersCombine()
{
    QFETCH(QString, backend);
    QVERIFY(open(backend));
    const struct
    {
        QString address;
        int port;
        QString name;
    } entries[] = {
        {u"10.110.0.1"_s, 22, u"ed25519"_s}, {u"10.110.0.1"_s, 22, u"rsa"_s},    {u"10.110.0.2"_s, 2222, u"rsa"_s},
        {u"10.110.0.2"_s, 22, u"ed25519"_s}, {u"2001:db8::1"_s, 2222, u"rsa"_s},
    };
    for (const auto &entry : entries)
        KEYSTEAD_VERIFY_OK(
            m_store->add(HostKeyInput{entry.address, entry.port, key(entry.name).type, key(entry.name).value, u"api"_s},
                         Actor::console()));

    const auto ids = [&](const HostKeyFilter &filter) {
        QStringList keys;
        const Result<QList<TrustedHostKey>> listed = m_store->list(filter);
        if (listed) {
            for (const TrustedHostKey &key : listed.value())
                keys.append(key.key);
        }
        return keys;
    };
    QCOMPARE(ids({}).size(), 5);
    QCOMPARE(ids({u"ssh-rsa"_s, std::nullopt, {}}),
             (QStringList{u"ssh-rsa-10.110.0.1:22"_s, u"ssh-rsa-10.110.0.2:2222"_s, u"ssh-rsa-2001:db8::1:2222"_s}));
    QCOMPARE(ids({{}, 2222, {}}), (QStringList{u"ssh-rsa-10.110.0.2:2222"_s, u"ssh-rsa-2001:db8::1:2222"_s}));
    QCOMPARE(ids({{}, std::nullopt, u"10.110.0.2"_s}),
             (QStringList{u"ssh-ed25519-10.110.0.2:22"_s, u"ssh-rsa-10.110.0.2:2222"_s}));
    QCOMPARE(ids({u"ssh-rsa"_s, 22, {}}), QStringList{u"ssh-rsa-10.110.0.1:22"_s});
    QCOMPARE(ids({u"ssh-rsa"_s, 2222, u"2001:0DB8::0:1"_s}), QStringList{u"ssh-rsa-2001:db8::1:2222"_s});
    QCOMPARE(ids({u"ssh-dss"_s, std::nullopt, {}}), QStringList{});

    const Result<QList<TrustedHostKey>> badPort = m_store->list({{}, 70000, {}});
    QVERIFY(!badPort);
    QCOMPARE(badPort.error().location, u"filter.port"_s);
    const Result<QList<TrustedHostKey>> badType = m_store->list({u"ssh-foo"_s, std::nullopt, {}});
    QVERIFY(!badType);
    QCOMPARE(badType.error().location, u"filter.type"_s);
    const Result<QList<TrustedHostKey>> badAddress = m_store->list({{}, std::nullopt, u"10.0.0.300"_s});
    QVERIFY(!badAddress);
    QCOMPARE(badAddress.error().location, u"filter.address"_s);
}

void TestHostKeyStore::refusedInputStoresNothing_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("address");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("value"); // a key name from initTestCase, or literal text after "="
    QTest::addColumn<QString>("location");
    for (const QString &backend : keystead::test::storeBackends()) {
        const auto row = [&](const char *name) {
            return &QTest::newRow(qPrintable(backend + u": "_s + QString::fromLatin1(name)));
        };
        *row("port 0") << backend << u"10.0.0.1"_s << 0 << u"ssh-ed25519"_s << u"ed25519"_s << u"port"_s;
        *row("port 70000") << backend << u"10.0.0.1"_s << 70000 << u"ssh-ed25519"_s << u"ed25519"_s << u"port"_s;
        *row("bad address") << backend << u"10.0.0.999"_s << 22 << u"ssh-ed25519"_s << u"ed25519"_s << u"address"_s;
        *row("unknown type") << backend << u"10.0.0.1"_s << 22 << u"ssh-foo"_s << u"ed25519"_s << u"type.selection"_s;
        *row("rsa value as ed25519") << backend << u"10.0.0.1"_s << 22 << u"ssh-ed25519"_s << u"rsa"_s
                                     << u"type.value"_s;
        *row("p256 value as p384") << backend << u"10.0.0.1"_s << 22 << u"ecdsa-sha2-nistp384"_s << u"ecdsa256"_s
                                   << u"type.value"_s;
        *row("not base64") << backend << u"10.0.0.1"_s << 22 << u"ssh-rsa"_s << u"=AAAA$$$"_s << u"type.value"_s;
        *row("truncated blob") << backend << u"10.0.0.1"_s << 22 << u"ssh-ed25519"_s
                               << u"=AAAAC3NzaC1lZDI1NTE5AAAAIA=="_s << u"type.value"_s;
        *row("empty value") << backend << u"10.0.0.1"_s << 22 << u"ssh-ed25519"_s << u"="_s << u"type.value"_s;
        *row("ssh key as certificate") << backend << u"10.0.0.1"_s << 22 << u"x509v3-sign-rsa"_s << u"rsa"_s
                                       << u"type.value"_s;
        *row("rsa certificate as dss") << backend << u"10.0.0.1"_s << 22 << u"x509v3-sign-dss"_s << u"x509rsa"_s
                                       << u"type.value"_s;
        *row("certificate as ssh-rsa") << backend << u"10.0.0.1"_s << 22 << u"ssh-rsa"_s << u"x509rsa"_s
                                       << u"type.value"_s;
        *row("dsa as rsa") << backend << u"10.0.0.1"_s << 22 << u"ssh-rsa"_s << u"dsa"_s << u"type.value"_s;
    }
}

void TestHostKeyStore::refusedInputStoresNothing()
{
    QFETCH(QString, backend);
    QFETCH(QString, address);
    QFETCH(int, port);
    QFETCH(QString, type);
    QFETCH(QString, value);
    QFETCH(QString, location);
    QVERIFY(open(backend));
    const QString given = value.startsWith(u'=') ? value.mid(1) : key(value).value;
    const int auditBefore = rows(u"audit_log"_s);
    const Result<TrustedHostKey> added
        = m_store->add(HostKeyInput{address, port, type, given, u"api"_s}, Actor::console());
    QVERIFY(!added);
    QCOMPARE(added.error().kind, Error::Kind::InvalidInput);
    QCOMPARE(added.error().location, location);
    QCOMPARE(rows(u"host_keys"_s), 0);
    QCOMPARE(rows(u"audit_log"_s), auditBefore);
}

void TestHostKeyStore::certificatesAndDsaAreKeptAsGiven()
{
    QFETCH(QString, backend);
    QVERIFY(open(backend));
    for (const QString &name : {u"dsa"_s, u"x509rsa"_s, u"x509dsa"_s}) {
        const Result<TrustedHostKey> added = m_store->add(
            HostKeyInput{u"10.110.0.1"_s, 22, key(name).type, key(name).value, u"api"_s}, Actor::console());
        KEYSTEAD_VERIFY_OK(added);
        const Result<TrustedHostKey> found = m_store->find(added->key);
        KEYSTEAD_VERIFY_OK(found);
        QCOMPARE(found->value, key(name).value);
        QCOMPARE(found->fingerprint, key(name).fingerprint); // empty for the certificates
    }
    // known_hosts has no form for X.509 certificates: only the DSA key is exported.
    const Result<QString> exported = m_store->exportKnownHosts();
    KEYSTEAD_VERIFY_OK(exported);
    QCOMPARE(*exported, u"10.110.0.1 ssh-dss "_s + key(u"dsa"_s).value + u'\n');
}

void TestHostKeyStore::takenIdConflicts()
{
    QFETCH(QString, backend);
    QVERIFY(open(backend));
    KEYSTEAD_VERIFY_OK(
        m_store->add(HostKeyInput{u"host.example"_s, 22, u"ssh-ed25519"_s, key(u"ed25519"_s).value}, Actor::console()));
    const Result<TrustedHostKey> again = m_store->add(
        HostKeyInput{u"HOST.example"_s, 22, u"ssh-ed25519"_s, key(u"ed25519b"_s).value}, Actor::console());
    QVERIFY(!again);
    QCOMPARE(again.error().kind, Error::Kind::Conflict);
    const Result<TrustedHostKey> kept = m_store->find(u"ssh-ed25519-host.example:22"_s);
    KEYSTEAD_VERIFY_OK(kept);
    QCOMPARE(kept->value, key(u"ed25519"_s).value);
    QCOMPARE(rows(u"host_keys"_s), 1);
}

void TestHostKeyStore::compareScanRecordsDriftOnce()
{
    QFETCH(QString, backend);
    QVERIFY(open(backend));
    KEYSTEAD_VERIFY_OK(
        m_store->add(HostKeyInput{u"10.1.1.1"_s, 22, u"ssh-ed25519"_s, key(u"ed25519"_s).value}, Actor::console()));
    KEYSTEAD_VERIFY_OK(
        m_store->add(HostKeyInput{u"10.1.1.1"_s, 22, u"ssh-rsa"_s, key(u"rsa"_s).value}, Actor::console()));
    QSignalSpy drifted(m_store.get(), &HostKeyStore::driftDetected);
    QSignalSpy typed(m_store.get(), &HostKeyStore::changed);

    const auto scanned = [&](const QString &name) {
        ScannedHostKey seen;
        seen.type = key(name).type;
        seen.value = key(name).value;
        seen.fingerprint = key(name).fingerprint;
        return seen;
    };
    ScanResult scan;
    scan.address = u"10.1.1.1"_s;
    scan.port = 22;
    scan.keys = {scanned(u"ed25519b"_s), scanned(u"rsa"_s), scanned(u"ecdsa256"_s)};

    const Result<ScanResult> first = m_store->compareScan(scan, Actor::console());
    KEYSTEAD_VERIFY_OK(first);
    QCOMPARE(first->keys.at(0).trust, ScannedHostKey::Trust::Changed);
    QCOMPARE(first->keys.at(0).trustedFingerprint, key(u"ed25519"_s).fingerprint);
    QCOMPARE(first->keys.at(1).trust, ScannedHostKey::Trust::Trusted);
    QCOMPARE(first->keys.at(2).trust, ScannedHostKey::Trust::New);
    QCOMPARE(drifted.size(), 1);
    const HostKeyDrift signalled = drifted.at(0).at(0).value<HostKeyDrift>();
    QCOMPARE(signalled.hostKey, u"ssh-ed25519-10.1.1.1:22"_s);
    QCOMPARE(signalled.seenFingerprint, key(u"ed25519b"_s).fingerprint);
    // The drifted key's row changes (it is flagged); the trusted key itself does not.
    QCOMPARE(typed.size(), 1);
    QCOMPARE(typed.at(0).at(0).value<ChangeSet>(), ChangeSet::changedOne(u"hostkeys.trusted"_s, signalled.hostKey));

    // The same changed key seen again is the same drift, not a new one.
    m_clock.advanceSeconds(60);
    KEYSTEAD_VERIFY_OK(m_store->compareScan(scan, Actor::console()));
    QCOMPARE(drifted.size(), 1);
    QCOMPARE(typed.size(), 1);
    QCOMPARE(rows(u"host_key_drifts"_s), 1);

    // The trusted key was not touched.
    const Result<TrustedHostKey> trusted = m_store->find(u"ssh-ed25519-10.1.1.1:22"_s);
    KEYSTEAD_VERIFY_OK(trusted);
    QCOMPARE(trusted->value, key(u"ed25519"_s).value);

    Result<QList<HostKeyDrift>> open = m_store->drifts();
    KEYSTEAD_VERIFY_OK(open);
    QCOMPARE(open->size(), 1);
    QCOMPARE(open->at(0).trustedFingerprint, key(u"ed25519"_s).fingerprint);
    QCOMPARE(open->at(0).seenValue, key(u"ed25519b"_s).value);
    QVERIFY(!open->at(0).acknowledgedAt);
    QCOMPARE(auditActions().count(u"hostkey.drift"_s), 1);

    KEYSTEAD_VERIFY_OK(m_store->acknowledgeDrift(open->at(0).id, Actor::console()));
    QCOMPARE(typed.size(), 2);
    QCOMPARE(typed.at(1).at(0).value<ChangeSet>(), ChangeSet::changedOne(u"hostkeys.trusted"_s, signalled.hostKey));
    Result<QList<HostKeyDrift>> after = m_store->drifts();
    KEYSTEAD_VERIFY_OK(after);
    QVERIFY(after->isEmpty());
    Result<QList<HostKeyDrift>> all = m_store->drifts(true);
    KEYSTEAD_VERIFY_OK(all);
    QCOMPARE(all->size(), 1);
    QVERIFY(all->at(0).acknowledgedAt);
    QCOMPARE(auditActions().count(u"hostkey.drift.acknowledge"_s), 1);
    const Status unknown = m_store->acknowledgeDrift(all->at(0).id + 100, Actor::console());
    QVERIFY(!unknown);
    QCOMPARE(unknown.error().kind, Error::Kind::NotFound);

    // A scan of an address given in another form compares against the same keys.
    KEYSTEAD_VERIFY_OK(
        m_store->add(HostKeyInput{u"2001:db8::5"_s, 22, u"ssh-ed25519"_s, key(u"ed25519"_s).value}, Actor::console()));
    ScanResult v6;
    v6.address = u"2001:DB8:0::5"_s;
    v6.port = 22;
    v6.keys = {scanned(u"ed25519"_s)};
    const Result<ScanResult> compared = m_store->compareScan(v6, Actor::console());
    KEYSTEAD_VERIFY_OK(compared);
    QCOMPARE(compared->address, u"2001:db8::5"_s);
    QCOMPARE(compared->keys.at(0).trust, ScannedHostKey::Trust::Trusted);
}

void TestHostKeyStore::knownHostsRoundTrip()
{
    QFETCH(QString, backend);
    QVERIFY(open(backend));
    KEYSTEAD_VERIFY_OK(
        m_store->add(HostKeyInput{u"10.2.2.2"_s, 22, u"ssh-ed25519"_s, key(u"ed25519"_s).value}, Actor::console()));
    KEYSTEAD_VERIFY_OK(
        m_store->add(HostKeyInput{u"2001:db8::7"_s, 2222, u"ssh-rsa"_s, key(u"rsa"_s).value}, Actor::console()));
    const Result<QString> exported = m_store->exportKnownHosts();
    KEYSTEAD_VERIFY_OK(exported);
    QCOMPARE(*exported,
             u"10.2.2.2 ssh-ed25519 "_s + key(u"ed25519"_s).value + u"\n[2001:db8::7]:2222 ssh-rsa "_s
                 + key(u"rsa"_s).value + u'\n');
    const Result<QString> filtered = m_store->exportKnownHosts({u"ssh-rsa"_s, std::nullopt, {}});
    KEYSTEAD_VERIFY_OK(filtered);
    QCOMPARE(filtered->count(u'\n'), 1);

    const QString text = u"# a comment\n"
                         "10.2.2.2 ssh-ed25519 "_s
        + key(u"ed25519"_s).value + u"\n"_s // already trusted
        + u"10.2.2.2 ssh-rsa "_s + key(u"rsa"_s).value + u" root@host\n"_s // new
        + u"[10.3.3.3]:2200,Host.Example ecdsa-sha2-nistp256 "_s + key(u"ecdsa256"_s).value + u"\n"_s // two new
        + u"|1|c2FsdHNhbHRzYWx0c2FsdHNhbHQ=|aGFzaGhhc2hoYXNoaGFzaGhhc2g= ssh-ed25519 "_s + key(u"ed25519b"_s).value
        + u"\n"_s + u"@cert-authority *.example ssh-ed25519 "_s + key(u"ed25519b"_s).value + u"\n"_s
        + u"*.example ssh-ed25519 "_s + key(u"ed25519b"_s).value + u"\n"_s // a pattern
        + u"10.4.4.4 ssh-ed25519 "_s + key(u"rsa"_s).value + u"\n"_s // type does not match
        + u"10.2.2.2 ssh-ed25519 "_s + key(u"ed25519b"_s).value + u"\n"_s // conflicts with the trusted key
        + u"garbage\n"_s;
    QSignalSpy changed(m_store.get(), &HostKeyStore::hostKeysChanged);
    QSignalSpy typed(m_store.get(), &HostKeyStore::changed);
    const Result<KnownHostsImport> imported = m_store->importKnownHosts(text, Actor::console());
    KEYSTEAD_VERIFY_OK(imported);
    QCOMPARE(imported->added, 3);
    QCOMPARE(imported->alreadyTrusted, 1);
    QCOMPARE(imported->skippedHashed, 1);
    QCOMPARE(imported->skippedMarkers, 1);
    QCOMPARE(imported->skippedInvalid, 4);
    QCOMPARE(imported->problems.size(), 4);
    QVERIFY(imported->problems.at(0).startsWith(u"line 7:"_s));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(typed.size(), 1);
    QStringList addedIds = typed.at(0).at(0).value<ChangeSet>().added;
    addedIds.sort();
    QCOMPARE(addedIds,
             QStringList({u"ecdsa-sha2-nistp256-10.3.3.3:2200"_s, u"ecdsa-sha2-nistp256-host.example:22"_s,
                          u"ssh-rsa-10.2.2.2:22"_s}));
    QCOMPARE(rows(u"host_keys"_s), 5);

    const Result<TrustedHostKey> named = m_store->find(u"ecdsa-sha2-nistp256-host.example:22"_s);
    KEYSTEAD_VERIFY_OK(named);
    QCOMPARE(named->origin, u"known_hosts"_s);
    KEYSTEAD_VERIFY_OK(m_store->find(u"ecdsa-sha2-nistp256-10.3.3.3:2200"_s));
    // The conflicting line changed nothing.
    const Result<TrustedHostKey> kept = m_store->find(u"ssh-ed25519-10.2.2.2:22"_s);
    KEYSTEAD_VERIFY_OK(kept);
    QCOMPARE(kept->value, key(u"ed25519"_s).value);
    QCOMPARE(auditActions().count(u"hostkey.import"_s), 1);
}

QTEST_GUILESS_MAIN(TestHostKeyStore)
#include "tst_hostkey_store.moc"
