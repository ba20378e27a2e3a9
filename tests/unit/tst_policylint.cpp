#include "settings/PolicyLint.h"

#include <QProcess>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;

using Severity = PolicyWarning::Severity;
using Side = PolicyWarning::Side;

Q_DECLARE_METATYPE(keystead::SshAlgorithms)

namespace {

// What OpenSSH's current defaults look like: nothing here deserves a word.
SshAlgorithms strongAlgorithms()
{
    SshAlgorithms algorithms;
    algorithms.cipher
        = {u"aes256-gcm@openssh.com"_s, u"aes128-gcm@openssh.com"_s, u"aes256-ctr"_s, u"aes192-ctr"_s, u"aes128-ctr"_s};
    algorithms.kex = {u"curve25519-sha256"_s, u"curve25519-sha256@libssh.org"_s, u"ecdh-sha2-nistp256"_s,
                      u"diffie-hellman-group16-sha512"_s, u"diffie-hellman-group14-sha256"_s};
    algorithms.mac = {u"hmac-sha2-256-etm@openssh.com"_s, u"hmac-sha2-512-etm@openssh.com"_s, u"hmac-sha2-256"_s,
                      u"hmac-sha2-512"_s};
    algorithms.compression = {u"none"_s, u"zlib@openssh.com"_s};
    return algorithms;
}

QStringList rulesOf(const QList<PolicyWarning> &warnings)
{
    QStringList rules;
    for (const PolicyWarning &warning : warnings)
        rules.append(warning.rule);
    return rules;
}

const PolicyWarning *findRule(const QList<PolicyWarning> &warnings, const QString &rule)
{
    for (const PolicyWarning &warning : warnings) {
        if (warning.rule == rule)
            return &warning;
    }
    return nullptr;
}

QStringList opensshList(const QString &query)
{
    QProcess ssh;
    ssh.start(u"ssh"_s, {u"-Q"_s, query});
    if (!ssh.waitForFinished(30'000) || ssh.exitCode() != 0)
        return {};
    return QString::fromLatin1(ssh.readAllStandardOutput()).split(u'\n', Qt::SkipEmptyParts);
}

} // namespace

class TestPolicyLint final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void strongListsAreQuiet();
    void singleWeakAlgorithm_data();
    void singleWeakAlgorithm();
    void terrapinChacha20IsAWarningThatNamesStrictKex();
    void terrapinNeedsCbcAndEtmTogether();
    void gcmAndCtrWithEtmAreNotTerrapin();
    void eachSideIsLintedOnItsOwn();
    void everyCbcCipherOpenSshKnowsIsFlagged();
};

void TestPolicyLint::strongListsAreQuiet()
{
    SettingsPolicy policy;
    policy.serverSide = strongAlgorithms();
    policy.clientSide = strongAlgorithms();
    QCOMPARE(lintPolicy(policy), QList<PolicyWarning>());
    QCOMPARE(lintPolicy(SettingsPolicy()), QList<PolicyWarning>());
}

void TestPolicyLint::singleWeakAlgorithm_data()
{
    QTest::addColumn<QString>("list");
    QTest::addColumn<QString>("algorithm");
    QTest::addColumn<QString>("rule");
    QTest::addColumn<int>("severity");

    const auto row = [](const char *list, const char *algorithm, const char *rule, Severity severity) {
        QTest::addRow("%s %s", list, algorithm) << QString::fromLatin1(list) << QString::fromLatin1(algorithm)
                                                << QString::fromLatin1(rule) << static_cast<int>(severity);
    };
    row("kex", "diffie-hellman-group1-sha1", "dh-group1", Severity::Error);
    row("kex", "diffie-hellman-group14-sha1", "sha1-kex", Severity::Warning);
    row("kex", "diffie-hellman-group-exchange-sha1", "sha1-kex", Severity::Warning);
    row("kex", "rsa1024-sha1", "sha1-kex", Severity::Warning);
    row("mac", "hmac-sha1", "sha1-mac", Severity::Warning);
    row("mac", "hmac-sha1-96", "sha1-mac", Severity::Warning);
    row("mac", "hmac-md5", "md5-mac", Severity::Warning);
    row("mac", "hmac-md5-96", "md5-mac", Severity::Warning);
    row("mac", "none", "none-mac", Severity::Error);
    row("cipher", "none", "none-cipher", Severity::Error);
    row("cipher", "aes128-cbc", "cbc-cipher", Severity::Warning);
    row("cipher", "aes256-cbc", "cbc-cipher", Severity::Warning);
    row("cipher", "3des-cbc", "cbc-cipher", Severity::Warning);
    row("cipher", "rijndael-cbc@lysator.liu.se", "cbc-cipher", Severity::Warning);
    row("cipher", "arcfour256", "weak-cipher", Severity::Warning);
    row("kex", "ssh-rsa", "ssh-rsa-sha1", Severity::Warning);
}

void TestPolicyLint::singleWeakAlgorithm()
{
    QFETCH(QString, list);
    QFETCH(QString, algorithm);
    QFETCH(QString, rule);
    QFETCH(int, severity);

    SshAlgorithms algorithms = strongAlgorithms();
    QStringList &target = list == u"kex"_s ? algorithms.kex : list == u"mac"_s ? algorithms.mac : algorithms.cipher;
    target.insert(1, algorithm);
    // Without EtM MACs a CBC cipher is one finding, not also the Terrapin combination.
    if (list == u"cipher"_s)
        algorithms.mac = {u"hmac-sha2-256"_s, u"hmac-sha2-512"_s};
    const QList<PolicyWarning> warnings = lintAlgorithms(algorithms, Side::Server);
    QCOMPARE(rulesOf(warnings), QStringList{rule});
    const PolicyWarning &warning = warnings.constFirst();
    QCOMPARE(static_cast<int>(warning.severity), severity);
    QCOMPARE(warning.side, Side::Server);
    QCOMPARE(warning.list, list);
    QCOMPARE(warning.algorithm, algorithm);
    QCOMPARE(warning.field(), u"server_side_algorithms."_s + list);
    QVERIFY2(warning.message.contains(algorithm) || algorithm == u"none"_s || algorithm.contains(u"group1"_s),
             qPrintable(warning.message));
    QVERIFY(!warning.message.isEmpty());
}

void TestPolicyLint::terrapinChacha20IsAWarningThatNamesStrictKex()
{
    SshAlgorithms algorithms = strongAlgorithms();
    algorithms.cipher.prepend(u"chacha20-poly1305@openssh.com"_s);
    const QList<PolicyWarning> warnings = lintAlgorithms(algorithms, Side::Server);
    QCOMPARE(rulesOf(warnings), QStringList{u"terrapin-chacha20"_s});
    const PolicyWarning &warning = warnings.constFirst();
    QCOMPARE(warning.severity, Severity::Warning);
    QCOMPARE(warning.list, u"cipher"_s);
    QCOMPARE(warning.algorithm, u"chacha20-poly1305@openssh.com"_s);
    QVERIFY(warning.message.contains(u"Terrapin"_s));
    QVERIFY(warning.message.contains(u"CVE-2023-48795"_s));
    QVERIFY(warning.message.contains(u"kex-strict-s-v00@openssh.com"_s));
    QVERIFY(warning.message.contains(u"clients"_s));
}

void TestPolicyLint::terrapinNeedsCbcAndEtmTogether()
{
    // CBC alone: the CBC warning, no Terrapin (no EtM MAC to combine with).
    SshAlgorithms cbcOnly = strongAlgorithms();
    cbcOnly.cipher.append({u"aes128-cbc"_s, u"aes256-cbc"_s});
    cbcOnly.mac = {u"hmac-sha2-256"_s, u"hmac-sha2-512"_s};
    QCOMPARE(rulesOf(lintAlgorithms(cbcOnly, Side::Server)), (QStringList{u"cbc-cipher"_s, u"cbc-cipher"_s}));

    // Add EtM MACs: one combination warning naming every CBC cipher and EtM MAC.
    SshAlgorithms combined = cbcOnly;
    combined.mac.prepend(u"hmac-sha2-512-etm@openssh.com"_s);
    combined.mac.prepend(u"hmac-sha2-256-etm@openssh.com"_s);
    const QList<PolicyWarning> warnings = lintAlgorithms(combined, Side::Server);
    QCOMPARE(rulesOf(warnings), (QStringList{u"cbc-cipher"_s, u"cbc-cipher"_s, u"terrapin-cbc-etm"_s}));
    const PolicyWarning *terrapin = findRule(warnings, u"terrapin-cbc-etm"_s);
    QVERIFY(terrapin);
    QCOMPARE(terrapin->severity, Severity::Warning);
    QCOMPARE(terrapin->algorithm,
             u"aes128-cbc, aes256-cbc + hmac-sha2-256-etm@openssh.com, hmac-sha2-512-etm@openssh.com"_s);
    QVERIFY(terrapin->message.contains(u"strict key exchange"_s));
}

void TestPolicyLint::gcmAndCtrWithEtmAreNotTerrapin()
{
    // The default-like lists carry EtM MACs with CTR and GCM ciphers: the paper finds those not practically open.
    SshAlgorithms algorithms = strongAlgorithms();
    QVERIFY(algorithms.mac.constFirst().endsWith(u"-etm@openssh.com"_s));
    QCOMPARE(rulesOf(lintAlgorithms(algorithms, Side::Client)), QStringList());
}

void TestPolicyLint::eachSideIsLintedOnItsOwn()
{
    SettingsPolicy policy;
    policy.serverSide = strongAlgorithms();
    policy.serverSide.mac.append(u"hmac-sha1"_s);
    policy.clientSide = strongAlgorithms();
    policy.clientSide.kex.append(u"diffie-hellman-group14-sha1"_s);
    policy.clientSide.cipher.append(u"chacha20-poly1305@openssh.com"_s);

    const QList<PolicyWarning> warnings = lintPolicy(policy);
    QCOMPARE(rulesOf(warnings), (QStringList{u"sha1-mac"_s, u"sha1-kex"_s, u"terrapin-chacha20"_s}));
    QCOMPARE(warnings.at(0).side, Side::Server);
    QCOMPARE(warnings.at(0).field(), u"server_side_algorithms.mac"_s);
    QCOMPARE(warnings.at(1).side, Side::Client);
    QCOMPARE(warnings.at(1).field(), u"client_side_algorithms.kex"_s);
    QCOMPARE(warnings.at(2).side, Side::Client);
    // The client side's peers are servers.
    QVERIFY(warnings.at(2).message.contains(u"servers"_s));
}

void TestPolicyLint::everyCbcCipherOpenSshKnowsIsFlagged()
{
    // The names come from the real OpenSSH client here, not from this test.
    const QStringList ciphers = opensshList(u"cipher"_s);
    if (ciphers.isEmpty())
        QSKIP("ssh -Q cipher does not answer here");
    SshAlgorithms algorithms;
    algorithms.cipher = ciphers;
    const QList<PolicyWarning> warnings = lintAlgorithms(algorithms, Side::Server);
    for (const QString &cipher : ciphers) {
        const bool flagged = std::any_of(warnings.cbegin(), warnings.cend(), [&cipher](const PolicyWarning &w) {
            return w.algorithm == cipher && (w.rule == u"cbc-cipher"_s || w.rule == u"weak-cipher"_s);
        });
        QCOMPARE(flagged, cipher.contains(u"-cbc"_s));
    }
    QVERIFY(findRule(warnings, u"terrapin-chacha20"_s) || !ciphers.contains(u"chacha20-poly1305@openssh.com"_s));

    const QStringList macs = opensshList(u"mac"_s);
    SshAlgorithms macOnly;
    macOnly.mac = macs;
    for (const PolicyWarning &warning : lintAlgorithms(macOnly, Side::Server))
        QVERIFY2(warning.algorithm.contains(u"sha1"_s) || warning.algorithm.contains(u"md5"_s),
                 qPrintable(warning.algorithm));
}

QTEST_GUILESS_MAIN(TestPolicyLint)
#include "tst_policylint.moc"
