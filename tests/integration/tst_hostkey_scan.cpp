#include "TestDatabase.h"
#include "ThrowawaySshd.h"

#include "audit/AuditLog.h"
#include "hostkeys/HostKeyRescanner.h"
#include "hostkeys/HostKeyScanner.h"
#include "hostkeys/HostKeyStore.h"
#include "store/SettingsStore.h"

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

namespace {

constexpr int kProcessTimeoutMs = 60'000;

// Runs a program, feeding `input`; the exit code and both outputs.
struct Ran
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Ran run(const QString &program, const QStringList &arguments, const QByteArray &input = {})
{
    Ran ran;
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForStarted(kProcessTimeoutMs))
        return ran;
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(kProcessTimeoutMs)) {
        process.kill();
        process.waitForFinished(5'000);
        return ran;
    }
    ran.out = process.readAllStandardOutput();
    ran.err = process.readAllStandardError();
    ran.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    return ran;
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QByteArray keyscan(const ThrowawaySshd &sshd)
{
    return run(u"ssh-keyscan"_s, {u"-T"_s, u"10"_s, u"-p"_s, QString::number(sshd.port()), sshd.address()}).out;
}

// The fingerprints `ssh-keyscan | ssh-keygen -lf -` prints, sorted.
QStringList keyscanFingerprints(const ThrowawaySshd &sshd)
{
    const Ran listed = run(u"ssh-keygen"_s, {u"-l"_s, u"-f"_s, u"-"_s}, keyscan(sshd));
    QStringList fingerprints;
    for (const QByteArray &line : listed.out.split('\n')) {
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() >= 2)
            fingerprints.append(QString::fromLatin1(fields.at(1)));
    }
    fingerprints.sort();
    return fingerprints;
}

QStringList fingerprintsOf(const ScanResult &scan)
{
    QStringList fingerprints;
    for (const ScannedHostKey &key : scan.keys)
        fingerprints.append(key.fingerprint);
    fingerprints.sort();
    return fingerprints;
}

} // namespace

// The host key scanner against a real OpenSSH sshd with Ed25519, ECDSA and RSA
// host keys, over 127.0.0.1 and ::1: the same fingerprints ssh-keyscan finds,
// drift when the server's keys change, a known_hosts export the OpenSSH client
// trusts, an import of ssh-keyscan's output with a hashed line, and the
// scheduled re-scan.
class TestHostKeyScan final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void scanFindsWhatKeyscanFinds_data();
    void scanFindsWhatKeyscanFinds();
    void cancelledScanStops();
    void changedKeysAreDriftNeverReplaced_data() { backends(); }
    void changedKeysAreDriftNeverReplaced();
    void exportedKnownHostsSatisfiesSsh();
    void importsKeyscanOutputAndSkipsHashed_data() { backends(); }
    void importsKeyscanOutputAndSkipsHashed();
    void rescannerFindsDrift_data() { backends(); }
    void rescannerFindsDrift();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }
    // Starts an sshd with the three host key kinds, or says why the test skips.
    bool startSshd(const QString &address = u"127.0.0.1"_s, const QStringList &configLines = {});
    bool openStore(const QString &backend);
    // Trusts every key a scan of the sshd finds, as the panel's "trust" button does.
    bool trustScanned();

    ManualClock m_clock;
    std::unique_ptr<ThrowawaySshd> m_sshd;
    std::unique_ptr<TestDatabase> m_db;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<HostKeyStore> m_store;
    std::unique_ptr<SettingsStore> m_settings;
};

void TestHostKeyScan::initTestCase()
{
    const QString reason = ThrowawaySshd::unavailableReason();
    if (!reason.isEmpty()) {
        if (qEnvironmentVariableIntValue("KEYSTEAD_TEST_REQUIRE_SSHD") == 1)
            QFAIL(qPrintable(u"sshd is required but cannot run: "_s + reason));
        QSKIP(qPrintable(reason));
    }
}

void TestHostKeyScan::cleanup()
{
    m_store.reset();
    m_settings.reset();
    m_audit.reset();
    m_db.reset();
    m_sshd.reset();
}

bool TestHostKeyScan::startSshd(const QString &address, const QStringList &configLines)
{
    m_sshd = std::make_unique<ThrowawaySshd>();
    ThrowawaySshd::Options options;
    options.hostKeyTypes = {u"ed25519"_s, u"ecdsa"_s, u"rsa"_s};
    options.listenAddress = address;
    options.configLines = configLines;
    const Status started = m_sshd->start(options);
    if (!started)
        qWarning("sshd did not start: %s\n%s", qPrintable(started.error().message), qPrintable(m_sshd->log()));
    return started.ok();
}

bool TestHostKeyScan::openStore(const QString &backend)
{
    m_db = TestDatabase::create(backend, m_clock);
    if (!m_db)
        return false;
    m_audit = std::make_unique<AuditLog>(m_db->database(), m_clock);
    m_store = std::make_unique<HostKeyStore>(m_db->database(), m_clock, *m_audit);
    m_settings = std::make_unique<SettingsStore>(m_db->database());
    return true;
}

bool TestHostKeyScan::trustScanned()
{
    const ScanResult scan = scanHostKeys(m_sshd->address(), m_sshd->port());
    if (scan.keys.size() != 3)
        return false;
    for (const ScannedHostKey &key : scan.keys) {
        if (!m_store->add(HostKeyInput{scan.address, scan.port, key.type, key.value, u"scan"_s}, Actor::console()))
            return false;
    }
    return true;
}

void TestHostKeyScan::scanFindsWhatKeyscanFinds_data()
{
    QTest::addColumn<QString>("address");
    QTest::newRow("ipv4") << u"127.0.0.1"_s;
    QTest::newRow("ipv6") << u"::1"_s;
}

void TestHostKeyScan::scanFindsWhatKeyscanFinds()
{
    QFETCH(QString, address);
    QVERIFY(startSshd(address));
    const ScanResult scan = scanHostKeys(address, m_sshd->port());
    QVERIFY2(scan.error.isEmpty(), qPrintable(scan.error));
    QCOMPARE(scan.address, address);
    QCOMPARE(scan.port, int(m_sshd->port()));
    const QStringList expected = keyscanFingerprints(*m_sshd);
    QCOMPARE(expected.size(), 3);
    QCOMPARE(fingerprintsOf(scan), expected);

    QStringList types;
    for (const ScannedHostKey &key : scan.keys) {
        types.append(key.type);
        QVERIFY(key.bits > 0);
        QCOMPARE(key.trust, ScannedHostKey::Trust::New);
    }
    types.sort();
    QCOMPARE(types, (QStringList{u"ecdsa-sha2-nistp256"_s, u"ssh-ed25519"_s, u"ssh-rsa"_s}));
    // The blob is the one in the sshd's .pub file.
    for (const ScannedHostKey &key : scan.keys) {
        const QString name = key.type == u"ssh-ed25519"_s ? u"ed25519"_s
            : key.type == u"ssh-rsa"_s                    ? u"rsa"_s
                                                          : u"ecdsa"_s;
        QCOMPARE(m_sshd->hostPublicKeyLine(name).trimmed().split(u' ').value(1), key.value);
    }
}

void TestHostKeyScan::cancelledScanStops()
{
    QVERIFY(startSshd());
    std::atomic<bool> cancel = true;
    HostKeyScanOptions options;
    options.cancel = &cancel;
    const ScanResult scan = scanHostKeys(m_sshd->address(), m_sshd->port(), options);
    QCOMPARE(scan.error, u"cancelled"_s);
    QVERIFY(scan.keys.isEmpty());
}

void TestHostKeyScan::changedKeysAreDriftNeverReplaced()
{
    QFETCH(QString, backend);
    QVERIFY(startSshd());
    QVERIFY(openStore(backend));
    QVERIFY(trustScanned());
    const Result<QList<TrustedHostKey>> before = m_store->list();
    KEYSTEAD_VERIFY_OK(before);

    Result<ScanResult> same = m_store->compareScan(scanHostKeys(m_sshd->address(), m_sshd->port()), Actor::console());
    KEYSTEAD_VERIFY_OK(same);
    for (const ScannedHostKey &key : same->keys)
        QCOMPARE(key.trust, ScannedHostKey::Trust::Trusted);

    const Status regenerated = m_sshd->regenerateHostKeys();
    QVERIFY2(regenerated.ok(), regenerated.ok() ? "" : qPrintable(regenerated.error().message));
    QSignalSpy drifted(m_store.get(), &HostKeyStore::driftDetected);
    const ScanResult rescan = scanHostKeys(m_sshd->address(), m_sshd->port());
    QCOMPARE(fingerprintsOf(rescan), keyscanFingerprints(*m_sshd));
    Result<ScanResult> changed = m_store->compareScan(rescan, Actor::console());
    KEYSTEAD_VERIFY_OK(changed);
    QCOMPARE(changed->keys.size(), 3);
    for (const ScannedHostKey &key : changed->keys) {
        QCOMPARE(key.trust, ScannedHostKey::Trust::Changed);
        QVERIFY(!key.trustedFingerprint.isEmpty());
        QVERIFY(key.trustedFingerprint != key.fingerprint);
    }
    QCOMPARE(drifted.size(), 3);
    const Result<QList<HostKeyDrift>> drifts = m_store->drifts();
    KEYSTEAD_VERIFY_OK(drifts);
    QCOMPARE(drifts->size(), 3);

    // The trusted keys are what they were.
    const Result<QList<TrustedHostKey>> after = m_store->list();
    KEYSTEAD_VERIFY_OK(after);
    QCOMPARE(after->size(), before->size());
    for (qsizetype i = 0; i < after->size(); ++i)
        QCOMPARE(after->at(i).value, before->at(i).value);
    Result<QList<AuditEvent>> events = m_audit->list(AuditQuery{u"hostkey.drift"_s, {}, 50});
    KEYSTEAD_VERIFY_OK(events);
    QCOMPARE(events->size(), 3);
}

void TestHostKeyScan::exportedKnownHostsSatisfiesSsh()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString clientKey = dir.filePath(u"client"_s);
    QCOMPARE(run(u"ssh-keygen"_s, {u"-q"_s, u"-t"_s, u"ed25519"_s, u"-N"_s, u""_s, u"-f"_s, clientKey}).exitCode, 0);
    QFile publicKey(clientKey + u".pub"_s);
    QVERIFY(publicKey.open(QIODevice::ReadOnly));
    const QString authorizedKeys = dir.filePath(u"authorized_keys"_s);
    QVERIFY(writeFile(authorizedKeys, publicKey.readAll()));
    QVERIFY(startSshd(u"127.0.0.1"_s, {u"AuthorizedKeysFile "_s + authorizedKeys, u"StrictModes no"_s}));
    QVERIFY(openStore(u"sqlite"_s));
    QVERIFY(trustScanned());

    const Result<QString> exported = m_store->exportKnownHosts();
    KEYSTEAD_VERIFY_OK(exported);
    QCOMPARE(exported->count(u'\n'), 3);
    const QString knownHosts = dir.filePath(u"known_hosts"_s);
    QVERIFY(writeFile(knownHosts, exported->toUtf8()));
    const QStringList strict{
        u"-i"_s, clientKey, u"-o"_s, u"StrictHostKeyChecking=yes"_s, u"-o"_s, u"UserKnownHostsFile="_s + knownHosts};
    const ThrowawaySshd::ClientResult trusted = m_sshd->runClient(strict, u"true"_s);
    QVERIFY2(trusted.exitCode == 0, trusted.err.constData());

    // The control: with nothing trusted, the same client refuses the server.
    const QString empty = dir.filePath(u"empty_known_hosts"_s);
    QVERIFY(writeFile(empty, {}));
    const ThrowawaySshd::ClientResult refused = m_sshd->runClient(
        {u"-i"_s, clientKey, u"-o"_s, u"StrictHostKeyChecking=yes"_s, u"-o"_s, u"UserKnownHostsFile="_s + empty},
        u"true"_s);
    QCOMPARE(refused.exitCode, 255);
    QVERIFY2(refused.err.contains("Host key verification failed"), refused.err.constData());
}

void TestHostKeyScan::importsKeyscanOutputAndSkipsHashed()
{
    QFETCH(QString, backend);
    QVERIFY(startSshd());
    QVERIFY(openStore(backend));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray scanned = keyscan(*m_sshd);
    QCOMPARE(scanned.count('\n'), 3);
    // A hashed copy of the ed25519 line, as ssh-keygen -H writes it.
    const QString hashedFile = dir.filePath(u"hashed"_s);
    QByteArray ed25519Line;
    for (const QByteArray &line : scanned.split('\n')) {
        if (line.contains(" ssh-ed25519 "))
            ed25519Line = line + '\n';
    }
    QVERIFY(writeFile(hashedFile, ed25519Line));
    QCOMPARE(run(u"ssh-keygen"_s, {u"-H"_s, u"-f"_s, hashedFile}).exitCode, 0);
    QFile hashed(hashedFile);
    QVERIFY(hashed.open(QIODevice::ReadOnly));
    const QByteArray hashedText = hashed.readAll();
    QVERIFY(hashedText.startsWith("|1|"));

    const Result<KnownHostsImport> imported
        = m_store->importKnownHosts(QString::fromUtf8(scanned + hashedText), Actor::console());
    KEYSTEAD_VERIFY_OK(imported);
    QCOMPARE(imported->added, 3);
    QCOMPARE(imported->skippedHashed, 1);
    QCOMPARE(imported->skippedInvalid, 0);

    // What was imported is what the server offers.
    Result<ScanResult> compared
        = m_store->compareScan(scanHostKeys(m_sshd->address(), m_sshd->port()), Actor::console());
    KEYSTEAD_VERIFY_OK(compared);
    QCOMPARE(compared->keys.size(), 3);
    for (const ScannedHostKey &key : compared->keys)
        QCOMPARE(key.trust, ScannedHostKey::Trust::Trusted);
}

void TestHostKeyScan::rescannerFindsDrift()
{
    QFETCH(QString, backend);
    QVERIFY(startSshd());
    QVERIFY(openStore(backend));
    QVERIFY(trustScanned());
    HostKeyRescanner rescanner(*m_store, *m_settings, m_db->database(), m_clock);
    QSignalSpy finished(&rescanner, &HostKeyRescanner::passFinished);

    // Off by default: nothing is due however much time passes.
    QCOMPARE(rescanner.intervalMinutes(), 0);
    rescanner.start(20);
    m_clock.advanceSeconds(24 * 3600);
    QVERIFY(!rescanner.checkDue());

    KEYSTEAD_VERIFY_OK(m_settings->setValue(QString::fromLatin1(HostKeyRescanner::kIntervalSetting), u"5"_s));
    QCOMPARE(rescanner.intervalMinutes(), 5);
    rescanner.stop();
    rescanner.start(20);
    QVERIFY(!rescanner.checkDue()); // not yet: the first pass is one interval after start

    QVERIFY(m_sshd->regenerateHostKeys().ok());
    m_clock.advanceSeconds(5 * 60);
    // The timer (every 20 ms) notices the pass is due; the pass runs on its own thread.
    QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 1, 120'000);
    QCOMPARE(finished.at(0).at(0).toInt(), 1); // one distinct address:port
    QCOMPARE(finished.at(0).at(1).toInt(), 3); // every key changed
    QCOMPARE(finished.at(0).at(2).toInt(), 0);
    rescanner.stop();

    const Result<QList<HostKeyDrift>> drifts = m_store->drifts();
    KEYSTEAD_VERIFY_OK(drifts);
    QCOMPARE(drifts->size(), 3);
    Result<QList<AuditEvent>> events = m_audit->list(AuditQuery{u"hostkey.drift"_s, {}, 50});
    KEYSTEAD_VERIFY_OK(events);
    QCOMPARE(events->size(), 3);
    QCOMPARE(events->at(0).actor.kind, u"schedule"_s);
}

QTEST_GUILESS_MAIN(TestHostKeyScan)
#include "tst_hostkey_scan.moc"
