// Certificates signed by Keystead against a real OpenSSH sshd (ThrowawaySshd)
// and the real ssh client on 127.0.0.1: sshd's TrustedUserCAKeys, principals,
// validity, source-address and RevokedKeys (a KRL from encodeKrl), and a host
// certificate trusted through an @cert-authority known_hosts line.

#include "TestDatabase.h"
#include "ThrowawaySshd.h"

#include "audit/AuditLog.h"
#include "ca/CertificateAuthorityService.h"
#include "common/Clock.h"
#include "secrets/MasterKeyStore.h"
#include "secrets/Vault.h"
#include "ssh/Krl.h"
#include "ssh/SshCertificate.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QThread>
#include <QtTest>

#include <map>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::ThrowawaySshd;

namespace {

constexpr int kProcessTimeoutMs = 60'000;

bool runTool(const QString &program, const QStringList &arguments, QByteArray *output = nullptr)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    const bool finished = process.waitForFinished(kProcessTimeoutMs);
    if (!finished) {
        process.kill();
        process.waitForFinished(5'000);
    }
    if (output)
        *output = process.readAll();
    return finished && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(data) != data.size())
        return false;
    file.close();
    return file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString caTypeName(CaKeyType type)
{
    switch (type) {
    case CaKeyType::Ed25519: return u"ed25519"_s;
    case CaKeyType::EcdsaP256: return u"p256"_s;
    case CaKeyType::EcdsaP384: return u"p384"_s;
    case CaKeyType::EcdsaP521: return u"p521"_s;
    case CaKeyType::Rsa2048: return u"rsa2048"_s;
    case CaKeyType::Rsa3072: return u"rsa3072"_s;
    case CaKeyType::Rsa4096: return u"rsa4096"_s;
    }
    return {};
}

constexpr CaKeyType kAllCaTypes[]
    = {CaKeyType::Ed25519, CaKeyType::EcdsaP256, CaKeyType::EcdsaP384, CaKeyType::EcdsaP521,
       CaKeyType::Rsa2048, CaKeyType::Rsa3072,   CaKeyType::Rsa4096};

} // namespace

class TestCaSsh final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::map<CaKeyType, SshCertificateSigner> m_cas;
    std::map<QString, QString> m_clientKeys; // type -> private key file
    ThrowawaySshd m_sshd;
    int m_certificates = 0;

    QString path(const QString &name) const { return QDir(m_dir.path()).filePath(name); }
    QString revokedKeysFile() const { return path(u"revoked.krl"_s); }

    SshPublicKey clientPublicKey(const QString &type) const
    {
        const QString line = QString::fromUtf8(readFile(m_clientKeys.at(type) + u".pub"_s));
        Result<SshPublicKey> key = SshPublicKey::fromOpenSshLine(line.trimmed());
        return key ? key.value() : SshPublicKey();
    }

    // A user certificate for the login user; `adjust` changes the request before signing.
    template <typename Adjust>
    QString userCertificate(CaKeyType caType, const QString &keyType, quint64 serial, Adjust adjust)
    {
        CertificateRequest request;
        request.subject = clientPublicKey(keyType);
        request.kind = CertificateKind::User;
        request.serial = serial;
        request.keyId = u"tst_ca_ssh-%1"_s.arg(serial);
        request.principals = {m_sshd.loginUser()};
        const QDateTime now = QDateTime::currentDateTimeUtc();
        request.validAfter = now.addSecs(-300);
        request.validBefore = now.addSecs(3600);
        request.extensions = {{u"permit-pty"_s, QString()}, {u"permit-user-rc"_s, QString()}};
        adjust(request);
        Result<SshCertificate> certificate = SshCertificate::sign(request, m_cas.at(caType));
        if (!certificate) {
            qWarning("cannot sign: %s", qPrintable(certificate.error().message));
            return {};
        }
        // Not "<key>-cert.pub": ssh would load that one by itself beside the key.
        const QString file = path(u"user-cert-%1.pub"_s.arg(++m_certificates));
        if (!writeFile(file, (certificate->openSshLine() + u'\n').toUtf8()))
            return {};
        return file;
    }
    QString userCertificate(CaKeyType caType, const QString &keyType, quint64 serial)
    {
        return userCertificate(caType, keyType, serial, [](CertificateRequest &) {});
    }

    ThrowawaySshd::ClientResult login(const QString &keyType, const QString &certificateFile,
                                      const ThrowawaySshd &sshd) const
    {
        return sshd.runClient({u"-i"_s, m_clientKeys.at(keyType), u"-o"_s, u"CertificateFile="_s + certificateFile},
                              u"echo logged-in"_s);
    }
    ThrowawaySshd::ClientResult login(const QString &keyType, const QString &certificateFile) const
    {
        return login(keyType, certificateFile, m_sshd);
    }

    static bool loggedIn(const ThrowawaySshd::ClientResult &result)
    {
        return result.exitCode == 0 && result.out == "logged-in\n";
    }

    QByteArray failureText(const ThrowawaySshd::ClientResult &result) const
    {
        return "ssh exit " + QByteArray::number(result.exitCode) + ": " + result.err + "\n--- sshd log tail:\n"
            + m_sshd.log().right(2000).toUtf8();
    }

    bool writeKrl(const QList<quint64> &serials, CaKeyType caType)
    {
        KrlContents contents;
        contents.version = quint64(QDateTime::currentSecsSinceEpoch());
        contents.generatedAt = QDateTime::currentDateTimeUtc();
        contents.comment = u"tst_ca_ssh"_s;
        if (!serials.isEmpty())
            contents.certificates.append({m_cas.at(caType).publicKey(), serials, {}});
        return writeFile(revokedKeysFile(), encodeKrl(contents));
    }

private Q_SLOTS:
    void initTestCase();
    void fixtureLogsInWithAnAuthorizedKey_data();
    void fixtureLogsInWithAnAuthorizedKey();
    void certificateFromEveryCaTypeLogsIn_data();
    void certificateFromEveryCaTypeLogsIn();
    void refusedForAnotherPrincipal();
    void refusedAfterValidBefore();
    void sourceAddressIsEnforced();
    void refusedOnceInTheKrl();
    void hostCertificateNeedsNoPrompt();
    void serviceRevocationReachesSshd_data();
    void serviceRevocationReachesSshd();
};

void TestCaSsh::initTestCase()
{
    const QString reason = ThrowawaySshd::unavailableReason();
    if (!reason.isEmpty()) {
        if (qEnvironmentVariable("KEYSTEAD_TEST_REQUIRE_SSHD") == u"1")
            QFAIL(qPrintable(u"KEYSTEAD_TEST_REQUIRE_SSHD=1 but sshd cannot run: "_s + reason));
        QSKIP(qPrintable(reason));
    }
    QVERIFY(m_dir.isValid());
    for (CaKeyType type : kAllCaTypes) {
        Result<SshCertificateSigner> ca = SshCertificateSigner::generate(type);
        QVERIFY(ca.ok());
        m_cas.emplace(type, std::move(ca).value());
    }
    const std::map<QString, QStringList> keyTypes{
        {u"ed25519"_s, {u"-t"_s, u"ed25519"_s}},
        {u"ecdsa"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"384"_s}},
        {u"rsa"_s, {u"-t"_s, u"rsa"_s, u"-b"_s, u"3072"_s}},
    };
    for (const auto &[name, arguments] : keyTypes) {
        const QString file = path(u"client-"_s + name);
        QByteArray output;
        QVERIFY2(runTool(u"ssh-keygen"_s, QStringList{u"-q"_s, u"-N"_s, QString(), u"-f"_s, file} + arguments, &output),
                 output.constData());
        m_clientKeys[name] = file;
    }
    QStringList caLines;
    for (const auto &[type, ca] : m_cas)
        caLines << ca.publicKey().openSshLine(u"keystead-"_s + caTypeName(type));
    QVERIFY(writeFile(path(u"trusted_user_ca_keys"_s), (caLines.join(u'\n') + u'\n').toUtf8()));
    // sshd refuses every public key when RevokedKeys names a missing file: start with an empty KRL.
    QVERIFY(writeKrl({}, CaKeyType::Ed25519));

    ThrowawaySshd::Options options;
    options.configLines
        = {u"TrustedUserCAKeys "_s + path(u"trusted_user_ca_keys"_s), u"RevokedKeys "_s + revokedKeysFile()};
    const Status started = m_sshd.start(options);
    QVERIFY2(started.ok(), qPrintable(started ? QString() : started.error().message));
}

void TestCaSsh::fixtureLogsInWithAnAuthorizedKey_data()
{
    QTest::addColumn<QString>("address");
    QTest::newRow("ipv4") << u"127.0.0.1"_s;
    QTest::newRow("ipv6") << u"::1"_s;
}

void TestCaSsh::fixtureLogsInWithAnAuthorizedKey()
{
    QFETCH(QString, address);
    ThrowawaySshd sshd;
    const QString key = m_clientKeys.at(u"ed25519"_s);
    ThrowawaySshd::Options options;
    options.hostKeyTypes = {u"ed25519"_s, u"rsa"_s};
    options.configLines = {u"AuthorizedKeysFile "_s + key + u".pub"_s};
    options.listenAddress = address;
    const Status started = sshd.start(options);
    QVERIFY2(started.ok(), qPrintable(started ? QString() : started.error().message));
    QVERIFY(sshd.hostPublicKeyLine(u"rsa"_s).startsWith(u"ssh-rsa "_s));
    const ThrowawaySshd::ClientResult result = sshd.runClient({u"-i"_s, key}, u"echo hello"_s);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QCOMPARE(result.out, QByteArray("hello\n"));
    const QString before = sshd.hostPublicKeyLine(u"ed25519"_s);
    const Status again = sshd.regenerateHostKeys();
    QVERIFY2(again.ok(), qPrintable(again ? QString() : again.error().message));
    QVERIFY(sshd.hostPublicKeyLine(u"ed25519"_s) != before);
    QCOMPARE(sshd.runClient({u"-i"_s, key}, u"echo hello"_s).exitCode, 0);
    // Another key is refused.
    QVERIFY(sshd.runClient({u"-i"_s, m_clientKeys.at(u"rsa"_s)}, u"echo hello"_s).exitCode != 0);
}

void TestCaSsh::certificateFromEveryCaTypeLogsIn_data()
{
    QTest::addColumn<CaKeyType>("caType");
    QTest::addColumn<QString>("keyType");
    for (CaKeyType type : kAllCaTypes)
        QTest::addRow("%s/ed25519", qPrintable(caTypeName(type))) << type << u"ed25519"_s;
    QTest::addRow("ed25519/ecdsa") << CaKeyType::Ed25519 << u"ecdsa"_s;
    QTest::addRow("rsa3072/rsa") << CaKeyType::Rsa3072 << u"rsa"_s;
    QTest::addRow("p521/rsa") << CaKeyType::EcdsaP521 << u"rsa"_s;
}

void TestCaSsh::certificateFromEveryCaTypeLogsIn()
{
    QFETCH(CaKeyType, caType);
    QFETCH(QString, keyType);
    // Without a certificate the key alone is refused: the certificate is what lets it in.
    const ThrowawaySshd::ClientResult bare = m_sshd.runClient({u"-i"_s, m_clientKeys.at(keyType)}, u"echo logged-in"_s);
    QVERIFY(!loggedIn(bare));
    const QString certificate = userCertificate(caType, keyType, 100 + quint64(m_certificates));
    QVERIFY(!certificate.isEmpty());
    const ThrowawaySshd::ClientResult result = login(keyType, certificate);
    QVERIFY2(loggedIn(result), failureText(result).constData());
}

void TestCaSsh::refusedForAnotherPrincipal()
{
    const QString other = userCertificate(CaKeyType::Ed25519, u"ed25519"_s, 200, [](CertificateRequest &request) {
        request.principals = {u"somebody-else"_s, u"nobody"_s};
    });
    const ThrowawaySshd::ClientResult refused = login(u"ed25519"_s, other);
    QVERIFY2(!loggedIn(refused), failureText(refused).constData());
    QCOMPARE(refused.exitCode, 255);
    // The same certificate naming the login user among others is accepted.
    const QString among = userCertificate(CaKeyType::Ed25519, u"ed25519"_s, 201, [this](CertificateRequest &request) {
        request.principals = {u"somebody-else"_s, m_sshd.loginUser()};
    });
    const ThrowawaySshd::ClientResult accepted = login(u"ed25519"_s, among);
    QVERIFY2(loggedIn(accepted), failureText(accepted).constData());
}

void TestCaSsh::refusedAfterValidBefore()
{
    const QDateTime validBefore = QDateTime::currentDateTimeUtc().addSecs(2);
    const QString certificate
        = userCertificate(CaKeyType::EcdsaP256, u"ed25519"_s, 300,
                          [&validBefore](CertificateRequest &request) { request.validBefore = validBefore; });
    const ThrowawaySshd::ClientResult early = login(u"ed25519"_s, certificate);
    // On a loaded machine the first login may itself end after valid_before:
    // only a refusal before that moment would be a failure.
    if (!loggedIn(early))
        QVERIFY2(QDateTime::currentDateTimeUtc() >= validBefore, failureText(early).constData());
    // Wait (bounded) until the certificate has certainly expired.
    QDeadlineTimer deadline(30'000);
    while (QDateTime::currentDateTimeUtc() < validBefore.addSecs(1) && !deadline.hasExpired())
        QThread::msleep(100);
    const ThrowawaySshd::ClientResult late = login(u"ed25519"_s, certificate);
    QVERIFY2(!loggedIn(late), failureText(late).constData());
    QCOMPARE(late.exitCode, 255);
    // A certificate not valid yet is refused too.
    const QString future = userCertificate(CaKeyType::EcdsaP256, u"ed25519"_s, 301, [](CertificateRequest &request) {
        request.validAfter = QDateTime::currentDateTimeUtc().addSecs(3600);
        request.validBefore = request.validAfter.addSecs(3600);
    });
    QVERIFY(!loggedIn(login(u"ed25519"_s, future)));
}

void TestCaSsh::sourceAddressIsEnforced()
{
    const QString elsewhere = userCertificate(CaKeyType::Rsa2048, u"ed25519"_s, 400, [](CertificateRequest &request) {
        request.criticalOptions = {{u"source-address"_s, u"10.1.2.3/32"_s}};
    });
    const ThrowawaySshd::ClientResult refused = login(u"ed25519"_s, elsewhere);
    QVERIFY2(!loggedIn(refused), failureText(refused).constData());
    const QString here = userCertificate(CaKeyType::Rsa2048, u"ed25519"_s, 401, [](CertificateRequest &request) {
        request.criticalOptions = {{u"source-address"_s, u"10.1.2.3/32,127.0.0.1/32"_s}};
    });
    const ThrowawaySshd::ClientResult accepted = login(u"ed25519"_s, here);
    QVERIFY2(loggedIn(accepted), failureText(accepted).constData());
    // force-command replaces what the client asked to run.
    const QString forced = userCertificate(CaKeyType::Rsa2048, u"ed25519"_s, 402, [](CertificateRequest &request) {
        request.criticalOptions = {{u"force-command"_s, u"echo forced"_s}};
    });
    const ThrowawaySshd::ClientResult forcedResult = login(u"ed25519"_s, forced);
    QCOMPARE(forcedResult.exitCode, 0);
    QCOMPARE(forcedResult.out, QByteArray("forced\n"));
}

void TestCaSsh::refusedOnceInTheKrl()
{
    const QString revoked = userCertificate(CaKeyType::EcdsaP384, u"ecdsa"_s, 500);
    const QString kept = userCertificate(CaKeyType::EcdsaP384, u"ecdsa"_s, 501);
    const QString otherCa = userCertificate(CaKeyType::Ed25519, u"ecdsa"_s, 500);
    ThrowawaySshd::ClientResult before = login(u"ecdsa"_s, revoked);
    QVERIFY2(loggedIn(before), failureText(before).constData());

    QVERIFY(writeKrl({500, 502, 503, 600}, CaKeyType::EcdsaP384));
    const ThrowawaySshd::ClientResult after = login(u"ecdsa"_s, revoked);
    QVERIFY2(!loggedIn(after), failureText(after).constData());
    QCOMPARE(after.exitCode, 255);
    const ThrowawaySshd::ClientResult stillFine = login(u"ecdsa"_s, kept);
    QVERIFY2(loggedIn(stillFine), failureText(stillFine).constData());
    // The same serial from another CA is another certificate.
    const ThrowawaySshd::ClientResult otherFine = login(u"ecdsa"_s, otherCa);
    QVERIFY2(loggedIn(otherFine), failureText(otherFine).constData());

    // ssh-keygen reads the same KRL the same way.
    QByteArray output;
    QVERIFY(!runTool(u"ssh-keygen"_s, {u"-Q"_s, u"-f"_s, revokedKeysFile(), revoked}, &output));
    QVERIFY2(output.contains(": REVOKED"), output.constData());
    QVERIFY(runTool(u"ssh-keygen"_s, {u"-Q"_s, u"-f"_s, revokedKeysFile(), kept}, &output));
    QVERIFY2(output.contains(": ok"), output.constData());

    QVERIFY(writeKrl({}, CaKeyType::Ed25519));
    QVERIFY(loggedIn(login(u"ecdsa"_s, revoked)));
}

void TestCaSsh::hostCertificateNeedsNoPrompt()
{
    const SshCertificateSigner &hostCa = m_cas.at(CaKeyType::EcdsaP256);
    // A host key of our own, certified before sshd starts; the fixture's keys come after it.
    const QString hostKey = path(u"certified_host_key"_s);
    QByteArray output;
    QVERIFY2(runTool(u"ssh-keygen"_s, {u"-q"_s, u"-t"_s, u"ed25519"_s, u"-N"_s, QString(), u"-f"_s, hostKey}, &output),
             output.constData());
    Result<SshPublicKey> hostPublic
        = SshPublicKey::fromOpenSshLine(QString::fromUtf8(readFile(hostKey + u".pub"_s)).trimmed());
    QVERIFY(hostPublic.ok());
    CertificateRequest request;
    request.subject = hostPublic.value();
    request.kind = CertificateKind::Host;
    request.serial = 1;
    request.keyId = u"tst_ca_ssh host"_s;
    request.principals = {u"127.0.0.1"_s, u"localhost"_s};
    request.validAfter = QDateTime::currentDateTimeUtc().addSecs(-300);
    request.validBefore = QDateTime::currentDateTimeUtc().addSecs(3600);
    Result<SshCertificate> hostCertificate = SshCertificate::sign(request, hostCa);
    QVERIFY(hostCertificate.ok());
    const QString hostCertificateFile = path(u"certified_host_key-cert.pub"_s);
    QVERIFY(writeFile(hostCertificateFile, (hostCertificate->openSshLine() + u'\n').toUtf8()));

    ThrowawaySshd sshd;
    ThrowawaySshd::Options options;
    options.configLines = {u"HostKey "_s + hostKey, u"HostCertificate "_s + hostCertificateFile,
                           u"TrustedUserCAKeys "_s + path(u"trusted_user_ca_keys"_s)};
    const Status started = sshd.start(options);
    QVERIFY2(started.ok(), qPrintable(started ? QString() : started.error().message));
    const QString userCertificateFile = userCertificate(CaKeyType::Ed25519, u"ed25519"_s, 700);

    const QString trusting = path(u"known_hosts_ca"_s);
    QVERIFY(writeFile(trusting, (u"@cert-authority * "_s + hostCa.publicKey().openSshLine() + u'\n').toUtf8()));
    // Trusting another CA is not enough.
    const QString otherCa = path(u"known_hosts_other_ca"_s);
    QVERIFY(writeFile(
        otherCa, (u"@cert-authority * "_s + m_cas.at(CaKeyType::Ed25519).publicKey().openSshLine() + u'\n').toUtf8()));
    const QString empty = path(u"known_hosts_empty"_s);
    QVERIFY(writeFile(empty, QByteArray()));

    const auto connect = [&](const QString &knownHosts) {
        return sshd.runClient({u"-i"_s, m_clientKeys.at(u"ed25519"_s), u"-o"_s,
                               u"CertificateFile="_s + userCertificateFile, u"-o"_s, u"StrictHostKeyChecking=yes"_s,
                               u"-o"_s, u"UserKnownHostsFile="_s + knownHosts},
                              u"echo logged-in"_s);
    };
    const ThrowawaySshd::ClientResult trusted = connect(trusting);
    QVERIFY2(loggedIn(trusted), failureText(trusted).constData());
    QVERIFY2(!trusted.err.contains("Host key verification failed"), trusted.err.constData());
    for (const QString &file : {empty, otherCa}) {
        const ThrowawaySshd::ClientResult refused = connect(file);
        QVERIFY2(!loggedIn(refused), refused.err.constData());
        QVERIFY2(refused.err.contains("Host key verification failed"), refused.err.constData());
    }
    // The known_hosts files are only read: nothing was learnt.
    QCOMPARE(readFile(empty), QByteArray());
}

void TestCaSsh::serviceRevocationReachesSshd_data()
{
    QTest::addColumn<QString>("backend");
    for (const QString &backend : keystead::test::storeBackends())
        QTest::newRow(qPrintable(backend)) << backend;
}

// The whole path an operator takes: a CA and a certificate made by the
// service, revoked through it, and the service's KRL served to sshd.
void TestCaSsh::serviceRevocationReachesSshd()
{
    QFETCH(QString, backend);
    // sshd judges validity by the real time: so does the service here.
    const SystemClock clock;
    std::unique_ptr<keystead::test::TestDatabase> store = keystead::test::TestDatabase::create(backend, clock);
    QVERIFY(store);
    FileMasterKeyStore masterKeys(store->dataDir() + u"/master.key"_s);
    Vault vault(store->database(), clock, masterKeys);
    AuditLog audit(store->database(), clock);
    CertificateAuthorityService service(store->database(), clock, vault, audit);
    const Actor actor = Actor::console();

    CaCreateInput caInput;
    caInput.privateKeyType = u"ecdsa"_s;
    caInput.ellipticCurve = u"p256"_s;
    Result<CertificateAuthority> ca = service.createAuthority(caInput, actor);
    QVERIFY2(ca.ok(), qPrintable(ca ? QString() : ca.error().message));
    Result<QString> trustLine = service.trustedUserCaKeysLine(ca->id);
    QVERIFY(trustLine.ok());
    const QString trusted = path(u"service_ca_keys_"_s + backend);
    QVERIFY(writeFile(trusted, (trustLine.value() + u'\n').toUtf8()));

    const auto issue = [&]() -> QString {
        CertificateInput input;
        input.kind = CertificateKind::User;
        input.certificateAuthorityId = ca->id;
        input.publicKey = clientPublicKey(u"ed25519"_s).openSshLine();
        input.principals = {m_sshd.loginUser()};
        Result<IssuedCertificate> issued = service.issue(input, actor);
        if (!issued) {
            qWarning("issue: %s", qPrintable(issued.error().message));
            return {};
        }
        const QString file = path(u"service-cert-%1.pub"_s.arg(++m_certificates));
        return writeFile(file, (issued->certificate + u'\n').toUtf8()) ? issued->id + u' ' + file : QString();
    };
    const QStringList revokedParts = issue().split(u' ');
    const QStringList keptParts = issue().split(u' ');
    QCOMPARE(revokedParts.size(), 2);
    QCOMPARE(keptParts.size(), 2);
    const QString krlFile = path(u"service_"_s + backend + u".krl"_s);
    const auto writeServedKrl = [&]() {
        Result<QByteArray> krl = service.revocationList(ca->id);
        return krl && writeFile(krlFile, krl.value());
    };
    QVERIFY(writeServedKrl());

    ThrowawaySshd sshd;
    ThrowawaySshd::Options options;
    options.configLines = {u"TrustedUserCAKeys "_s + trusted, u"RevokedKeys "_s + krlFile};
    const Status started = sshd.start(options);
    QVERIFY2(started.ok(), qPrintable(started ? QString() : started.error().message));
    const ThrowawaySshd::ClientResult before = login(u"ed25519"_s, revokedParts[1], sshd);
    QVERIFY2(loggedIn(before), before.err.constData());

    Result<IssuedCertificate> revoked = service.revoke(revokedParts[0], u"laptop lost"_s, actor);
    QVERIFY2(revoked.ok(), qPrintable(revoked ? QString() : revoked.error().message));
    QVERIFY(writeServedKrl());
    const ThrowawaySshd::ClientResult after = login(u"ed25519"_s, revokedParts[1], sshd);
    QVERIFY2(!loggedIn(after), after.err.constData());
    QCOMPARE(after.exitCode, 255);
    const ThrowawaySshd::ClientResult kept = login(u"ed25519"_s, keptParts[1], sshd);
    QVERIFY2(loggedIn(kept), kept.err.constData());

    QByteArray output;
    QVERIFY(!runTool(u"ssh-keygen"_s, {u"-Q"_s, u"-f"_s, krlFile, revokedParts[1]}, &output));
    QVERIFY2(output.contains(": REVOKED"), output.constData());
    QVERIFY(runTool(u"ssh-keygen"_s, {u"-Q"_s, u"-f"_s, krlFile, keptParts[1]}, &output));
    QVERIFY2(output.contains(": ok"), output.constData());
}

QTEST_GUILESS_MAIN(TestCaSsh)
#include "tst_ca_ssh.moc"
