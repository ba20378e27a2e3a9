#include "TestDatabase.h"
#include "api/CaErrorShape.h"

#include "audit/AuditLog.h"
#include "ca/CertificateAuthorityService.h"
#include "secrets/MasterKeyStore.h"
#include "secrets/Vault.h"
#include "ssh/SshCertificate.h"
#include "ssh/SshPublicKey.h"
#include "store/Sql.h"

#include <QFile>
#include <QJsonDocument>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::TestDatabase;

namespace {

// How many change events of `topic` a spy on CertificateAuthorityService::changed saw.
int topicCount(const QSignalSpy &spy, QLatin1StringView topic)
{
    int count = 0;
    for (const QList<QVariant> &arguments : spy)
        count += arguments.at(0).value<ChangeSet>().topic == topic ? 1 : 0;
    return count;
}

// One store with its vault (master key in an owner-only file), audit log and the CA service.
struct Fixture
{
    std::unique_ptr<TestDatabase> store;
    std::unique_ptr<MasterKeyStore> masterKeys;
    std::unique_ptr<Vault> vault;
    std::unique_ptr<AuditLog> audit;
    std::unique_ptr<CertificateAuthorityService> service;

    Database &database() { return store->database(); }
    int rows(const QString &table, const QString &where = {})
    {
        Result<QSqlQuery> count
            = sql::exec(database().connection(),
                        u"SELECT COUNT(*) FROM "_s + table + (where.isEmpty() ? QString() : u" WHERE "_s + where));
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
};

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

int code(const Error &error)
{
    return CaErrorShape::codeOf(error);
}

} // namespace

// The certificate authority service on every store backend: CAs of every key
// type sealed in the vault, certificates with checked fields and serials unique
// per CA under concurrency (two instances on one store included), revocation
// recorded for good, and the KRL and export lines as OpenSSH reads them.
class TestCaService final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void createsAuthoritiesOfEveryType_data();
    void createsAuthoritiesOfEveryType();
    void refusedAuthoritiesStoreNothing_data();
    void refusedAuthoritiesStoreNothing();
    void updatesAndDeletesAuthorities_data() { backends(); }
    void updatesAndDeletesAuthorities();
    void issuesWithDefaultsAndIncreasingSerials_data() { backends(); }
    void issuesWithDefaultsAndIncreasingSerials();
    void certificateReadsBackWithSshKeygen_data() { backends(); }
    void certificateReadsBackWithSshKeygen();
    void refusedCertificatesStoreNothing_data();
    void refusedCertificatesStoreNothing();
    void concurrentIssuesGetUniqueSerials_data() { backends(); }
    void concurrentIssuesGetUniqueSerials();
    void revocationIsRecordedAndIrreversible_data() { backends(); }
    void revocationIsRecordedAndIrreversible();
    void revokeSubjectRevokesEveryCertificateOfTheKey_data() { backends(); }
    void revokeSubjectRevokesEveryCertificateOfTheKey();
    void deleteCertificateRevokesAnUnexpiredOne_data() { backends(); }
    void deleteCertificateRevokesAnUnexpiredOne();
    void exportLines_data() { backends(); }
    void exportLines();
    void statesFiltersAndExpiry_data() { backends(); }
    void statesFiltersAndExpiry();
    void withoutAUsableVaultNothingIsStored_data() { backends(); }
    void withoutAUsableVaultNothingIsStored();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }
    Fixture make(const QString &backend, const QString &masterKeyFile = {})
    {
        Fixture fixture;
        fixture.store = TestDatabase::create(backend, m_clock);
        if (!fixture.store)
            return fixture;
        Database &database = fixture.store->database();
        fixture.masterKeys = std::make_unique<FileMasterKeyStore>(
            masterKeyFile.isEmpty() ? fixture.store->dataDir() + u"/master.key"_s : masterKeyFile);
        fixture.vault = std::make_unique<Vault>(database, m_clock, *fixture.masterKeys);
        fixture.audit = std::make_unique<AuditLog>(database, m_clock);
        fixture.service
            = std::make_unique<CertificateAuthorityService>(database, m_clock, *fixture.vault, *fixture.audit);
        return fixture;
    }
    CertificateAuthority makeCa(Fixture &f, const QString &type = u"ed25519"_s)
    {
        CaCreateInput input;
        input.privateKeyType = type;
        Result<CertificateAuthority> ca = f.service->createAuthority(input, m_actor);
        if (!ca)
            qFatal("cannot create a CA: %s", qPrintable(ca.error().message));
        return ca.value();
    }
    CertificateInput userInput(const CertificateAuthority &ca, const QString &subject = u"ed25519"_s) const
    {
        CertificateInput input;
        input.kind = CertificateKind::User;
        input.certificateAuthorityId = ca.id;
        input.publicKey = m_subjects.value(subject);
        input.principals = {u"alice"_s};
        return input;
    }
    QString writeTemp(const QString &name, const QByteArray &bytes)
    {
        const QString path = m_dir.filePath(name);
        return writeFile(path, bytes) ? path : QString();
    }
    // "REVOKED" or "ok" for each file, as ssh-keygen -Q reads the KRL.
    QString krlVerdict(const QByteArray &krl, const QString &publicOrCertificateLine)
    {
        const QString krlPath = writeTemp(u"check.krl"_s, krl);
        const QString keyPath = writeTemp(u"check-cert.pub"_s, publicOrCertificateLine.toUtf8() + '\n');
        const ProcessResult result = runTool(u"ssh-keygen"_s, {u"-Q"_s, u"-f"_s, krlPath, keyPath});
        if (result.output.contains("REVOKED"))
            return u"REVOKED"_s;
        if (result.exitCode == 0 && result.output.contains(": ok"))
            return u"ok"_s;
        return u"error: "_s + QString::fromUtf8(result.output);
    }

    ManualClock m_clock{QDateTime(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC)};
    Actor m_actor = Actor::console();
    QTemporaryDir m_dir;
    QMap<QString, QString> m_subjects; // name -> OpenSSH public key line
};

void TestCaService::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QList<std::pair<QString, QStringList>> kinds{
        {u"ed25519"_s, {u"-t"_s, u"ed25519"_s}},
        {u"ed25519-b"_s, {u"-t"_s, u"ed25519"_s}},
        {u"ecdsa"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"384"_s}},
        {u"rsa"_s, {u"-t"_s, u"rsa"_s, u"-b"_s, u"2048"_s}},
        {u"rsa1024"_s, {u"-t"_s, u"rsa"_s, u"-b"_s, u"1024"_s}},
        {u"dsa"_s, {u"-t"_s, u"dsa"_s}},
    };
    for (const auto &[name, type] : kinds) {
        const QString path = m_dir.filePath(u"subject-"_s + name);
        const ProcessResult made
            = runTool(u"ssh-keygen"_s, QStringList{u"-q"_s, u"-N"_s, u""_s, u"-C"_s, name, u"-f"_s, path} + type);
        if (made.exitCode != 0 && name == u"dsa"_s)
            continue; // an OpenSSH built without DSA
        QVERIFY2(made.exitCode == 0, made.output.constData());
        m_subjects.insert(name, QString::fromLatin1(readFile(path + u".pub"_s)).trimmed());
    }
}

void TestCaService::createsAuthoritiesOfEveryType_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("curve");
    QTest::addColumn<int>("keySize");
    QTest::addColumn<QString>("algorithm");
    for (const QString &backend : keystead::test::storeBackends()) {
        const auto row
            = [&](const char *name) -> QTestData & { return QTest::addRow("%s %s", qPrintable(backend), name); };
        row("ed25519") << backend << u"ed25519"_s << u""_s << 0 << u"ssh-ed25519"_s;
        row("ecdsa default") << backend << u"ecdsa"_s << u""_s << 0 << u"ecdsa-sha2-nistp256"_s;
        row("ecdsa p384") << backend << u"ecdsa"_s << u"p384"_s << 0 << u"ecdsa-sha2-nistp384"_s;
        row("ecdsa p521") << backend << u"ecdsa"_s << u"p521"_s << 0 << u"ecdsa-sha2-nistp521"_s;
        row("rsa 2048") << backend << u"rsa"_s << u""_s << 2048 << u"ssh-rsa"_s;
        row("rsa 3072") << backend << u"rsa"_s << u""_s << 3072 << u"ssh-rsa"_s;
    }
}

void TestCaService::createsAuthoritiesOfEveryType()
{
    QFETCH(QString, backend);
    QFETCH(QString, type);
    QFETCH(QString, curve);
    QFETCH(int, keySize);
    QFETCH(QString, algorithm);
    Fixture f = make(backend);
    QVERIFY(f.store);
    QSignalSpy changed(f.service.get(), &CertificateAuthorityService::changed);

    CaCreateInput input;
    input.privateKeyType = type;
    input.ellipticCurve = curve;
    input.keySize = keySize;
    input.description = u"Production CA ✓"_s;
    input.metadata = u"{\"team\":\"ops\"}"_s;
    const Result<CertificateAuthority> ca = f.service->createAuthority(input, m_actor);
    KEYSTEAD_VERIFY_OK(ca);
    QVERIFY(ca->id.startsWith(u"sshca_"_s));
    QCOMPARE(ca->id.size(), 32);
    QCOMPARE(ca->keyType, type);
    QCOMPARE(ca->publicKey.algorithm(), algorithm);
    QCOMPARE(ca->createdAt, m_clock.now());
    QCOMPARE(ca->description, input.description);
    QCOMPARE(ca->metadata, input.metadata);
    QCOMPARE(ca->fingerprint, ca->publicKey.fingerprintSha256());
    QCOMPARE(ca->publicKeyLine, ca->publicKey.openSshLine(u"keystead-ca-"_s + ca->id));
    if (type == u"ecdsa"_s)
        QCOMPARE(ca->ellipticCurve, curve.isEmpty() ? u"p256"_s : curve);
    if (type == u"rsa"_s)
        QCOMPARE(ca->keySize, keySize);
    QCOMPARE(topicCount(changed, CertificateAuthorityService::kAuthorityTopic), 1);

    // ssh-keygen reads the public key the CA shows, with the same fingerprint.
    const QString path = writeTemp(u"ca.pub"_s, ca->publicKeyLine.toUtf8() + '\n');
    const ProcessResult listed = runTool(u"ssh-keygen"_s, {u"-l"_s, u"-f"_s, path});
    QCOMPARE(listed.exitCode, 0);
    QVERIFY2(listed.output.contains(ca->fingerprint.toLatin1()), listed.output.constData());

    // The private key is in the vault under the CA's id, and in no column.
    QCOMPARE(f.rows(u"vault_secrets"_s, u"owner_kind = 'ssh_ca' AND owner_id = '%1'"_s.arg(ca->id)), 1);
    const Result<QByteArray> pem = f.vault->get(SecretRef{u"ssh_ca"_s, ca->id, u"private_key"_s});
    KEYSTEAD_VERIFY_OK(pem);
    QVERIFY(pem->contains("PRIVATE KEY"));
    const Result<SshCertificateSigner> signer = SshCertificateSigner::fromPrivateKeyPem(pem.value());
    KEYSTEAD_VERIFY_OK(signer);
    QCOMPARE(signer->publicKey(), ca->publicKey);

    const Result<QList<AuditEvent>> events = f.audit->list(AuditQuery{u"ca.create"_s, ca->id, 10});
    KEYSTEAD_VERIFY_OK(events);
    QCOMPARE(events->size(), 1);
    QVERIFY(!QJsonDocument(events->first().detail).toJson().contains("PRIVATE"));

    const Result<QList<CertificateAuthority>> all = f.service->authorities();
    KEYSTEAD_VERIFY_OK(all);
    QCOMPARE(all->size(), 1);
    QCOMPARE(all->first().id, ca->id);
}

void TestCaService::refusedAuthoritiesStoreNothing_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("curve");
    QTest::addColumn<int>("keySize");
    QTest::addColumn<QString>("description");
    QTest::addColumn<QString>("metadata");
    QTest::addColumn<int>("expectedCode");
    QTest::addColumn<QString>("location");
    const QString e255(128, QChar(0xe9)); // 128 characters, 256 bytes in UTF-8
    const QString m4097(4097, u'm');
    for (const QString &backend : keystead::test::storeBackends()) {
        const auto row
            = [&](const char *name) -> QTestData & { return QTest::addRow("%s %s", qPrintable(backend), name); };
        row("unknown type") << backend << u"dsa"_s << u""_s << 0 << u""_s << u""_s << 5123 << u"private_key_type"_s;
        row("unknown curve") << backend << u"ecdsa"_s << u"p192"_s << 0 << u""_s << u""_s << 5124
                             << u"elliptic_curve"_s;
        row("curve for rsa") << backend << u"rsa"_s << u"p256"_s << 0 << u""_s << u""_s << 5124 << u"elliptic_curve"_s;
        row("rsa 1024") << backend << u"rsa"_s << u""_s << 1024 << u""_s << u""_s << 5125 << u"key_size"_s;
        row("size for ed25519") << backend << u"ed25519"_s << u""_s << 4096 << u""_s << u""_s << 5125 << u"key_size"_s;
        row("description 256 bytes") << backend << u"ed25519"_s << u""_s << 0 << e255 << u""_s << 5126
                                     << u"description"_s;
        row("metadata 4097 bytes") << backend << u"ed25519"_s << u""_s << 0 << u""_s << m4097 << 5127 << u"metadata"_s;
    }
}

void TestCaService::refusedAuthoritiesStoreNothing()
{
    QFETCH(QString, backend);
    QFETCH(QString, type);
    QFETCH(QString, curve);
    QFETCH(int, keySize);
    QFETCH(QString, description);
    QFETCH(QString, metadata);
    QFETCH(int, expectedCode);
    QFETCH(QString, location);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const QMap<QString, int> before = f.counts();
    CaCreateInput input{type, curve, keySize, description, metadata};
    const Result<CertificateAuthority> ca = f.service->createAuthority(input, m_actor);
    QVERIFY(!ca);
    QCOMPARE(ca.error().kind, Error::Kind::InvalidInput);
    QCOMPARE(code(ca.error()), expectedCode);
    QCOMPARE(ca.error().location, location);
    QCOMPARE(f.counts(), before);
}

void TestCaService::updatesAndDeletesAuthorities()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const CertificateAuthority ca = makeCa(f);

    // Exactly 255 bytes (multi-byte characters) is allowed; absent fields stay.
    const QString description = QString(127, QChar(0xe9)) + u"x"_s;
    QCOMPARE(description.toUtf8().size(), 255);
    const Result<CertificateAuthority> updated
        = f.service->updateAuthority(ca.id, RecordUpdate{description, std::nullopt}, m_actor);
    KEYSTEAD_VERIFY_OK(updated);
    QCOMPARE(updated->description, description);
    QCOMPARE(updated->metadata, QString());
    const Result<CertificateAuthority> again
        = f.service->updateAuthority(ca.id, RecordUpdate{std::nullopt, u"m"_s}, m_actor);
    KEYSTEAD_VERIFY_OK(again);
    QCOMPARE(again->description, description);
    QCOMPARE(again->metadata, u"m"_s);
    const Result<CertificateAuthority> tooLong
        = f.service->updateAuthority(ca.id, RecordUpdate{description + u"y"_s, std::nullopt}, m_actor);
    QVERIFY(!tooLong);
    QCOMPARE(code(tooLong.error()), 5126);
    QCOMPARE(f.service->authority(ca.id)->description, description);
    const Result<CertificateAuthority> unknown
        = f.service->updateAuthority(u"sshca_nope"_s, RecordUpdate{u"d"_s, std::nullopt}, m_actor);
    QVERIFY(!unknown);
    QCOMPARE(unknown.error().kind, Error::Kind::NotFound);
    QCOMPARE(code(unknown.error()), 5120);

    // A certificate issued, then the CA deleted: its key leaves the vault, it
    // no longer signs or lists, its certificates and KRL stay.
    const Result<IssuedCertificate> issued = f.service->issue(userInput(ca), m_actor);
    KEYSTEAD_VERIFY_OK(issued);
    KEYSTEAD_VERIFY_OK(f.service->revoke(issued->id, u"lost laptop"_s, m_actor));
    KEYSTEAD_VERIFY_OK(f.service->deleteAuthority(ca.id, m_actor));
    QCOMPARE(f.rows(u"vault_secrets"_s, u"owner_kind = 'ssh_ca'"_s), 0);
    QCOMPARE(f.service->authority(ca.id).error().kind, Error::Kind::NotFound);
    QVERIFY(f.service->authorities()->isEmpty());
    const Result<IssuedCertificate> refused = f.service->issue(userInput(ca), m_actor);
    QVERIFY(!refused);
    QCOMPARE(code(refused.error()), 5122);
    QCOMPARE(refused.error().location, u"ssh_certificate_authority_id"_s);
    KEYSTEAD_VERIFY_OK(f.service->certificate(issued->id));
    const Result<QByteArray> krl = f.service->revocationList(ca.id);
    KEYSTEAD_VERIFY_OK(krl);
    QCOMPARE(krlVerdict(krl.value(), issued->certificate), u"REVOKED"_s);
    QCOMPARE(f.service->deleteAuthority(ca.id, m_actor).error().kind, Error::Kind::NotFound);
    for (const QString &action : {u"ca.create"_s, u"ca.update"_s, u"ca.delete"_s}) {
        const Result<QList<AuditEvent>> events = f.audit->list(AuditQuery{action, ca.id, 10});
        KEYSTEAD_VERIFY_OK(events);
        QVERIFY2(!events->isEmpty(), qPrintable(action));
    }
}

void TestCaService::issuesWithDefaultsAndIncreasingSerials()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const CertificateAuthority ca = makeCa(f);
    const CertificateAuthority other = makeCa(f, u"ecdsa"_s);
    QSignalSpy changed(f.service.get(), &CertificateAuthorityService::changed);

    CertificateInput user = userInput(ca);
    user.principals = {u"alice"_s, u"deploy"_s};
    user.description = u"alice's laptop"_s;
    const Result<IssuedCertificate> first = f.service->issue(user, m_actor);
    KEYSTEAD_VERIFY_OK(first);
    QVERIFY(first->id.startsWith(u"sshuc_"_s));
    QCOMPARE(first->kind, CertificateKind::User);
    QCOMPARE(first->serial, 1u);
    QCOMPARE(first->keyId, u"keystead:%1:alice,deploy:1"_s.arg(ca.id));
    QCOMPARE(first->validAfter, m_clock.now());
    QCOMPARE(first->validUntil, m_clock.now().addSecs(24 * 3600));
    QCOMPARE(first->extensions, (QMap<QString, QString>{{u"permit-pty"_s, u""_s}, {u"permit-user-rc"_s, u""_s}}));
    QVERIFY(first->criticalOptions.isEmpty());
    QCOMPARE(first->keyType, u"ed25519"_s);
    QCOMPARE(first->publicKey, m_subjects.value(u"ed25519"_s).section(u' ', 0, 1));
    QCOMPARE(first->subjectFingerprint, SshPublicKey::parse(m_subjects.value(u"ed25519"_s))->fingerprintSha256());
    QCOMPARE(first->state(m_clock.now()), CertificateState::Valid);
    QCOMPARE(topicCount(changed, CertificateAuthorityService::kCertificateTopic), 1);

    CertificateInput host;
    host.kind = CertificateKind::Host;
    host.certificateAuthorityId = ca.id;
    host.publicKey = m_subjects.value(u"rsa"_s);
    host.principals = {u"db1.example.org"_s};
    const Result<IssuedCertificate> second = f.service->issue(host, m_actor);
    KEYSTEAD_VERIFY_OK(second);
    QVERIFY(second->id.startsWith(u"sshhc_"_s));
    QCOMPARE(second->serial, 2u);
    QVERIFY(second->extensions.isEmpty());
    QCOMPARE(second->keyType, u"rsa"_s);
    // Serials count per CA.
    const Result<IssuedCertificate> elsewhere = f.service->issue(userInput(other, u"ecdsa"_s), m_actor);
    KEYSTEAD_VERIFY_OK(elsewhere);
    QCOMPARE(elsewhere->serial, 1u);
    QCOMPARE(elsewhere->keyType, u"ecdsa"_s);

    // What was returned is what reads back, and the certificate carries it.
    const Result<IssuedCertificate> read = f.service->certificate(first->id, CertificateKind::User);
    KEYSTEAD_VERIFY_OK(read);
    QCOMPARE(read->certificate, first->certificate);
    QCOMPARE(read->principals, first->principals);
    QCOMPARE(read->description, u"alice's laptop"_s);
    QCOMPARE(f.service->certificate(first->id, CertificateKind::Host).error().kind, Error::Kind::NotFound);
    const Result<SshCertificate> parsed = SshCertificate::fromOpenSshLine(first->certificate);
    KEYSTEAD_VERIFY_OK(parsed);
    QCOMPARE(parsed->serial(), 1u);
    QCOMPARE(parsed->keyId(), first->keyId);
    QCOMPARE(parsed->principals(), first->principals);
    QCOMPARE(parsed->signatureKey(), ca.publicKey);
    QVERIFY(parsed->verifySignature());
    QCOMPARE(f.service->authority(ca.id)->certificatesIssued, 2);

    const Result<IssuedCertificate> patched
        = f.service->updateCertificate(first->id, CertificateKind::User, RecordUpdate{std::nullopt, u"x"_s}, m_actor);
    KEYSTEAD_VERIFY_OK(patched);
    QCOMPARE(patched->description, u"alice's laptop"_s);
    QCOMPARE(patched->metadata, u"x"_s);
    QCOMPARE(patched->certificate, first->certificate);
    const Result<QList<AuditEvent>> issuedEvents = f.audit->list(AuditQuery{u"certificate.issue"_s, {}, 10});
    KEYSTEAD_VERIFY_OK(issuedEvents);
    QCOMPARE(issuedEvents->size(), 3);
}

void TestCaService::certificateReadsBackWithSshKeygen()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const CertificateAuthority ca = makeCa(f, u"rsa"_s);
    CertificateInput input = userInput(ca, u"ecdsa"_s);
    input.principals = {u"root"_s, u"backup"_s};
    input.criticalOptions = QMap<QString, QString>{{u"force-command"_s, u"/usr/bin/rsync --server"_s},
                                                   {u"source-address"_s, u"10.0.0.0/8,127.0.0.1"_s}};
    input.extensions = QMap<QString, QString>{{u"permit-port-forwarding"_s, u""_s}};
    input.validAfter = QDateTime(QDate(2026, 3, 1), QTime(0, 0), Qt::UTC);
    input.validUntil = QDateTime(QDate(2026, 4, 1), QTime(0, 0), Qt::UTC);
    const Result<IssuedCertificate> issued = f.service->issue(input, m_actor);
    KEYSTEAD_VERIFY_OK(issued);
    const QString path = writeTemp(u"read-cert.pub"_s, issued->certificate.toUtf8() + '\n');
    const ProcessResult listed = runTool(u"ssh-keygen"_s, {u"-L"_s, u"-f"_s, path});
    QCOMPARE(listed.exitCode, 0);
    const QByteArray &text = listed.output;
    QVERIFY2(text.contains("user certificate"), text.constData());
    QVERIFY2(text.contains("Serial: 1"), text.constData());
    QVERIFY2(text.contains(QByteArray("Key ID: \"" + issued->keyId.toUtf8() + "\"")), text.constData());
    QVERIFY2(text.contains("root") && text.contains("backup"), text.constData());
    QVERIFY2(text.contains("force-command /usr/bin/rsync --server"), text.constData());
    QVERIFY2(text.contains("source-address 10.0.0.0/8,127.0.0.1"), text.constData());
    QVERIFY2(text.contains("permit-port-forwarding") && !text.contains("permit-pty"), text.constData());
    QVERIFY2(text.contains("rsa-sha2-512"), text.constData());
    QVERIFY2(text.contains(ca.fingerprint.toLatin1()), text.constData());
}

void TestCaService::refusedCertificatesStoreNothing_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<int>("expectedCode");
    QTest::addColumn<QString>("location");
    const auto at = [](int day) { return QDateTime(QDate(2026, 3, day), QTime(0, 0), Qt::UTC); };
    QStringList many;
    for (int i = 0; i < 257; ++i)
        many.append(u"u%1"_s.arg(i));
    using Options = QMap<QString, QString>;
    for (const QString &backend : keystead::test::storeBackends()) {
        const auto row
            = [&](const char *name) -> QTestData & { return QTest::addRow("%s %s", qPrintable(backend), name); };
        row("unknown ca") << backend << u"ca"_s << QVariant(u"sshca_nope"_s) << 5122
                          << u"ssh_certificate_authority_id"_s;
        row("empty public key") << backend << u"public_key"_s << QVariant(u""_s) << 5128 << u"public_key"_s;
        row("garbage public key") << backend << u"public_key"_s << QVariant(u"ssh-ed25519 AAAAnope"_s) << 5129
                                  << u"public_key"_s;
        row("certificate as key") << backend << u"public_key"_s
                                  << QVariant(u"ssh-ed25519-cert-v01@openssh.com AAAAC3NzaC1lZDI1NTE5LWNlcnQ="_s)
                                  << 5130 << u"public_key"_s;
        if (m_subjects.contains(u"dsa"_s))
            row("dsa subject") << backend << u"subject"_s << QVariant(u"dsa"_s) << 5130 << u"public_key"_s;
        row("rsa 1024 subject") << backend << u"subject"_s << QVariant(u"rsa1024"_s) << 5130 << u"public_key"_s;
        row("host without principals") << backend << u"host_principals"_s << QVariant(QStringList()) << 5131
                                       << u"principals"_s;
        row("empty principal") << backend << u"principals"_s << QVariant(QStringList{u"a"_s, u""_s}) << 5132
                               << u"principals[1]"_s;
        row("comma in principal") << backend << u"principals"_s << QVariant(QStringList{u"a,b"_s}) << 5132
                                  << u"principals[0]"_s;
        row("space in principal") << backend << u"principals"_s << QVariant(QStringList{u"a b"_s}) << 5132
                                  << u"principals[0]"_s;
        row("257 principals") << backend << u"principals"_s << QVariant(many) << 5133 << u"principals"_s;
        row("until before after") << backend << u"validity"_s << QVariant(QVariantList{at(5), at(4)}) << 5135
                                  << u"valid_until"_s;
        row("until equals after") << backend << u"validity"_s << QVariant(QVariantList{at(5), at(5)}) << 5135
                                  << u"valid_until"_s;
        row("unknown critical option") << backend << u"critical_options"_s
                                       << QVariant::fromValue(Options{{u"no-such"_s, u"x"_s}}) << 5136
                                       << u"critical_options.no-such"_s;
        row("verify-required refused") << backend << u"critical_options"_s
                                       << QVariant::fromValue(Options{{u"verify-required"_s, u""_s}}) << 5136
                                       << u"critical_options.verify-required"_s;
        row("bad source-address") << backend << u"critical_options"_s
                                  << QVariant::fromValue(Options{{u"source-address"_s, u"10.0.0.0/99"_s}}) << 5137
                                  << u"critical_options.source-address"_s;
        row("empty force-command") << backend << u"critical_options"_s
                                   << QVariant::fromValue(Options{{u"force-command"_s, u""_s}}) << 5137
                                   << u"critical_options.force-command"_s;
        row("option on host") << backend << u"host_option"_s
                              << QVariant::fromValue(Options{{u"force-command"_s, u"true"_s}}) << 5137
                              << u"critical_options.force-command"_s;
        row("unknown extension") << backend << u"extensions"_s
                                 << QVariant::fromValue(Options{{u"permit-everything"_s, u""_s}}) << 5138
                                 << u"extensions.permit-everything"_s;
        row("value on known extension") << backend << u"extensions"_s
                                        << QVariant::fromValue(Options{{u"permit-pty"_s, u"yes"_s}}) << 5138
                                        << u"extensions.permit-pty"_s;
        row("description 256 bytes") << backend << u"description"_s << QVariant(QString(256, u'd')) << 5126
                                     << u"description"_s;
        row("metadata 4097 bytes") << backend << u"metadata"_s << QVariant(QString(4097, u'm')) << 5127
                                   << u"metadata"_s;
    }
}

void TestCaService::refusedCertificatesStoreNothing()
{
    QFETCH(QString, backend);
    QFETCH(QString, field);
    QFETCH(QVariant, value);
    QFETCH(int, expectedCode);
    QFETCH(QString, location);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const CertificateAuthority ca = makeCa(f);
    CertificateInput input = userInput(ca);
    using Options = QMap<QString, QString>;
    if (field == u"ca"_s)
        input.certificateAuthorityId = value.toString();
    else if (field == u"public_key"_s)
        input.publicKey = value.toString();
    else if (field == u"subject"_s)
        input.publicKey = m_subjects.value(value.toString());
    else if (field == u"principals"_s)
        input.principals = value.toStringList();
    else if (field == u"host_principals"_s || field == u"host_option"_s) {
        input.kind = CertificateKind::Host;
        input.principals = field == u"host_option"_s ? QStringList{u"h"_s} : value.toStringList();
        if (field == u"host_option"_s)
            input.criticalOptions = value.value<Options>();
    } else if (field == u"validity"_s) {
        input.validAfter = value.toList().at(0).toDateTime();
        input.validUntil = value.toList().at(1).toDateTime();
    } else if (field == u"critical_options"_s)
        input.criticalOptions = value.value<Options>();
    else if (field == u"extensions"_s)
        input.extensions = value.value<Options>();
    else if (field == u"description"_s)
        input.description = value.toString();
    else if (field == u"metadata"_s)
        input.metadata = value.toString();
    const QMap<QString, int> before = f.counts();
    const Result<IssuedCertificate> issued = f.service->issue(input, m_actor);
    QVERIFY(!issued);
    QCOMPARE(issued.error().kind, Error::Kind::InvalidInput);
    QCOMPARE(code(issued.error()), expectedCode);
    QCOMPARE(issued.error().location, location);
    QCOMPARE(f.counts(), before);
    // No serial was spent on the refusal.
    const Result<IssuedCertificate> next = f.service->issue(userInput(ca), m_actor);
    KEYSTEAD_VERIFY_OK(next);
    QCOMPARE(next->serial, 1u);
}

void TestCaService::concurrentIssuesGetUniqueSerials()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const CertificateAuthority ca = makeCa(f);
    // A second instance on the same store, as another Keystead process would be.
    Result<std::unique_ptr<Database>> second = f.store->openAgain(m_clock);
    KEYSTEAD_VERIFY_OK(second);
    FileMasterKeyStore secondKeys(f.store->dataDir() + u"/master.key"_s);
    Vault secondVault(*second.value(), m_clock, secondKeys);
    AuditLog secondAudit(*second.value(), m_clock);
    CertificateAuthorityService secondService(*second.value(), m_clock, secondVault, secondAudit);

    constexpr int kThreads = 4;
    constexpr int kEach = 8;
    QMutex mutex;
    QList<quint64> serials;
    QStringList failures;
    std::vector<std::unique_ptr<QThread>> threads;
    for (int t = 0; t < kThreads; ++t) {
        CertificateAuthorityService &service = t % 2 == 0 ? *f.service : secondService;
        Database &database = t % 2 == 0 ? f.database() : *second.value();
        threads.emplace_back(QThread::create([&, t] {
            for (int i = 0; i < kEach; ++i) {
                CertificateInput input = userInput(ca, t % 2 == 0 ? u"ed25519"_s : u"rsa"_s);
                input.principals = {u"t%1-%2"_s.arg(t).arg(i)};
                const Result<IssuedCertificate> issued = service.issue(input, m_actor);
                QMutexLocker lock(&mutex);
                if (issued)
                    serials.append(issued->serial);
                else
                    failures.append(issued.error().message);
            }
            database.releaseThreadConnection();
        }));
    }
    for (auto &thread : threads)
        thread->start();
    for (auto &thread : threads)
        QVERIFY(thread->wait(240'000));
    QVERIFY2(failures.isEmpty(), qPrintable(failures.join(u"; "_s)));
    QCOMPARE(serials.size(), kThreads * kEach);
    std::sort(serials.begin(), serials.end());
    for (int i = 0; i < serials.size(); ++i)
        QCOMPARE(serials.at(i), static_cast<quint64>(i + 1));
    QCOMPARE(f.rows(u"ssh_certificates"_s), kThreads * kEach);
}

void TestCaService::revocationIsRecordedAndIrreversible()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const CertificateAuthority ca = makeCa(f);
    const Result<IssuedCertificate> kept = f.service->issue(userInput(ca, u"ed25519-b"_s), m_actor);
    const Result<IssuedCertificate> issued = f.service->issue(userInput(ca), m_actor);
    KEYSTEAD_VERIFY_OK(kept);
    KEYSTEAD_VERIFY_OK(issued);
    const Result<QByteArray> before = f.service->revocationList(ca.id);
    KEYSTEAD_VERIFY_OK(before);
    QCOMPARE(krlVerdict(before.value(), issued->certificate), u"ok"_s);

    m_clock.advanceSeconds(90);
    QSignalSpy changed(f.service.get(), &CertificateAuthorityService::changed);
    const Result<IssuedCertificate> revoked = f.service->revoke(issued->id, u"key compromised"_s, m_actor);
    KEYSTEAD_VERIFY_OK(revoked);
    QVERIFY(revoked->revokedAt.has_value());
    QCOMPARE(*revoked->revokedAt, m_clock.now());
    QCOMPARE(revoked->revocationReason, u"key compromised"_s);
    QCOMPARE(revoked->state(m_clock.now()), CertificateState::Revoked);
    QCOMPARE(topicCount(changed, CertificateAuthorityService::kCertificateTopic), 1);
    QCOMPARE(f.service->authority(ca.id)->certificatesRevoked, 1);
    const Result<QList<AuditEvent>> events = f.audit->list(AuditQuery{u"certificate.revoke"_s, issued->id, 10});
    KEYSTEAD_VERIFY_OK(events);
    QCOMPARE(events->size(), 1);

    // ssh-keygen agrees with Keystead on what the CA's KRL revokes.
    const Result<QByteArray> krl = f.service->revocationList(ca.id);
    KEYSTEAD_VERIFY_OK(krl);
    QCOMPARE(krlVerdict(krl.value(), issued->certificate), u"REVOKED"_s);
    QCOMPARE(krlVerdict(krl.value(), kept->certificate), u"ok"_s);

    // Twice is a conflict, and nothing (no call, no statement) takes it back.
    const Result<IssuedCertificate> again = f.service->revoke(issued->id, u"again"_s, m_actor);
    QVERIFY(!again);
    QCOMPARE(again.error().kind, Error::Kind::Conflict);
    QCOMPARE(code(again.error()), 5139);
    QCOMPARE(f.service->certificate(issued->id)->revocationReason, u"key compromised"_s);
    QSqlDatabase db = f.database().connection();
    QVERIFY(!sql::exec(db, u"DELETE FROM certificate_revocations"_s).ok());
    QVERIFY(!sql::exec(db, u"UPDATE certificate_revocations SET reason = 'undone'"_s).ok());
    QCOMPARE(f.rows(u"certificate_revocations"_s), 1);
    QCOMPARE(f.service->certificate(issued->id)->state(m_clock.now()), CertificateState::Revoked);

    // A reason with a line break or beyond 255 bytes is refused.
    const Result<IssuedCertificate> badReason = f.service->revoke(kept->id, u"a\nb"_s, m_actor);
    QVERIFY(!badReason);
    QCOMPARE(code(badReason.error()), 5140);
    QCOMPARE(f.service->revoke(u"sshuc_nope"_s, {}, m_actor).error().kind, Error::Kind::NotFound);
    QCOMPARE(f.rows(u"certificate_revocations"_s), 1);
}

void TestCaService::revokeSubjectRevokesEveryCertificateOfTheKey()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const CertificateAuthority first = makeCa(f);
    const CertificateAuthority second = makeCa(f, u"ecdsa"_s);
    const Result<IssuedCertificate> a1 = f.service->issue(userInput(first), m_actor);
    CertificateInput hostInput = userInput(second);
    hostInput.kind = CertificateKind::Host;
    hostInput.principals = {u"web.example.org"_s};
    const Result<IssuedCertificate> a2 = f.service->issue(hostInput, m_actor);
    const Result<IssuedCertificate> b1 = f.service->issue(userInput(first, u"ed25519-b"_s), m_actor);
    KEYSTEAD_VERIFY_OK(a1);
    KEYSTEAD_VERIFY_OK(a2);
    KEYSTEAD_VERIFY_OK(b1);
    const QString fingerprint = a1->subjectFingerprint;

    const Result<QList<IssuedCertificate>> bad = f.service->revokeSubject(u"MD5:aa:bb"_s, {}, m_actor);
    QVERIFY(!bad);
    QCOMPARE(code(bad.error()), 5141);
    QCOMPARE(f.rows(u"certificate_revocations"_s), 0);

    const Result<QList<IssuedCertificate>> revoked = f.service->revokeSubject(fingerprint, u"stolen"_s, m_actor);
    KEYSTEAD_VERIFY_OK(revoked);
    QCOMPARE(revoked->size(), 2);
    QSet<QString> ids;
    for (const IssuedCertificate &certificate : revoked.value()) {
        ids.insert(certificate.id);
        QCOMPARE(certificate.revocationReason, u"stolen"_s);
        QVERIFY(certificate.revokedAt);
    }
    QCOMPARE(ids, (QSet<QString>{a1->id, a2->id}));
    QVERIFY(!f.service->certificate(b1->id)->revokedAt);

    // Each CA's KRL: its own certificates by serial, and the key itself by hash.
    const Result<QByteArray> firstKrl = f.service->revocationList(first.id);
    const Result<QByteArray> secondKrl = f.service->revocationList(second.id);
    KEYSTEAD_VERIFY_OK(firstKrl);
    KEYSTEAD_VERIFY_OK(secondKrl);
    QCOMPARE(krlVerdict(firstKrl.value(), a1->certificate), u"REVOKED"_s);
    QCOMPARE(krlVerdict(firstKrl.value(), b1->certificate), u"ok"_s);
    QCOMPARE(krlVerdict(secondKrl.value(), a2->certificate), u"REVOKED"_s);
    QCOMPARE(krlVerdict(firstKrl.value(), m_subjects.value(u"ed25519"_s)), u"REVOKED"_s);
    QCOMPARE(krlVerdict(secondKrl.value(), m_subjects.value(u"ed25519"_s)), u"REVOKED"_s);
    QCOMPARE(krlVerdict(firstKrl.value(), m_subjects.value(u"ed25519-b"_s)), u"ok"_s);

    // A certificate signed later for the revoked key is refused by the KRL as well.
    const Result<IssuedCertificate> later = f.service->issue(userInput(first), m_actor);
    KEYSTEAD_VERIFY_OK(later);
    QCOMPARE(krlVerdict(f.service->revocationList(first.id).value(), later->certificate), u"REVOKED"_s);

    // The host certificate's key is in the @revoked lines.
    const Result<QString> lines = f.service->knownHostsRevokedLines(second.id);
    KEYSTEAD_VERIFY_OK(lines);
    QCOMPARE(lines.value(), u"@revoked * "_s + a2->publicKey + u'\n');
    const Result<QList<AuditEvent>> events
        = f.audit->list(AuditQuery{u"certificate.revoke_subject"_s, fingerprint, 10});
    KEYSTEAD_VERIFY_OK(events);
    QCOMPARE(events->size(), 1);
}

void TestCaService::deleteCertificateRevokesAnUnexpiredOne()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const CertificateAuthority ca = makeCa(f);
    const Result<IssuedCertificate> live = f.service->issue(userInput(ca), m_actor);
    CertificateInput old = userInput(ca, u"ed25519-b"_s);
    old.validAfter = m_clock.now().addDays(-10);
    old.validUntil = m_clock.now().addDays(-9);
    const Result<IssuedCertificate> expired = f.service->issue(old, m_actor);
    KEYSTEAD_VERIFY_OK(live);
    KEYSTEAD_VERIFY_OK(expired);
    QCOMPARE(expired->state(m_clock.now()), CertificateState::Expired);

    QCOMPARE(f.service->deleteCertificate(live->id, CertificateKind::Host, m_actor).error().kind,
             Error::Kind::NotFound);
    KEYSTEAD_VERIFY_OK(f.service->deleteCertificate(live->id, CertificateKind::User, m_actor));
    KEYSTEAD_VERIFY_OK(f.service->deleteCertificate(expired->id, CertificateKind::User, m_actor));
    QCOMPARE(f.service->certificate(live->id).error().kind, Error::Kind::NotFound);
    QVERIFY(f.service->certificates({})->isEmpty());
    QCOMPARE(f.rows(u"ssh_certificates"_s), 2);
    QCOMPARE(f.rows(u"certificate_revocations"_s, u"reason = 'deleted'"_s), 1);
    const Result<QByteArray> krl = f.service->revocationList(ca.id);
    KEYSTEAD_VERIFY_OK(krl);
    QCOMPARE(krlVerdict(krl.value(), live->certificate), u"REVOKED"_s);
    QCOMPARE(f.service->deleteCertificate(live->id, CertificateKind::User, m_actor).error().kind,
             Error::Kind::NotFound);
}

void TestCaService::exportLines()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const CertificateAuthority ca = makeCa(f);
    const Result<QString> trusted = f.service->trustedUserCaKeysLine(ca.id);
    KEYSTEAD_VERIFY_OK(trusted);
    QCOMPARE(trusted.value(), ca.publicKey.openSshLine(u"keystead-ca-"_s + ca.id));
    QVERIFY(!trusted->contains(u'\n'));

    const Result<QString> star = f.service->knownHostsCertAuthorityLine(ca.id);
    KEYSTEAD_VERIFY_OK(star);
    QCOMPARE(star.value(), u"@cert-authority * "_s + trusted.value());
    const Result<QString> pattern = f.service->knownHostsCertAuthorityLine(ca.id, u"*.example.org,10.0.0.?"_s);
    KEYSTEAD_VERIFY_OK(pattern);
    QCOMPARE(pattern.value(), u"@cert-authority *.example.org,10.0.0.? "_s + trusted.value());
    // ssh-keygen reads the line as a known_hosts entry for a matching host.
    const QString knownHosts = writeTemp(u"known_hosts"_s, pattern->toUtf8() + '\n');
    const ProcessResult found = runTool(u"ssh-keygen"_s, {u"-F"_s, u"db.example.org"_s, u"-f"_s, knownHosts});
    QCOMPARE(found.exitCode, 0);
    QVERIFY2(found.output.contains("@cert-authority"), found.output.constData());
    for (const QString &bad : {u""_s, u"a b"_s, u"a\nb"_s, u"a\tb"_s, u"host #x"_s}) {
        const Result<QString> refused = f.service->knownHostsCertAuthorityLine(ca.id, bad);
        QVERIFY(!refused);
        QCOMPARE(code(refused.error()), 5142);
        QCOMPARE(refused.error().location, u"pattern"_s);
    }
    QCOMPARE(code(f.service->trustedUserCaKeysLine(u"sshca_nope"_s).error()), 5120);
    QCOMPARE(f.service->knownHostsRevokedLines(ca.id).value(), QString());
}

void TestCaService::statesFiltersAndExpiry()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const CertificateAuthority ca = makeCa(f);
    const QDateTime now = m_clock.now();
    CertificateInput soon = userInput(ca);
    soon.principals = {u"alice"_s};
    soon.validUntil = now.addDays(2);
    CertificateInput later = userInput(ca);
    later.principals = {u"bob"_s, u"alice-admin"_s};
    later.validUntil = now.addDays(30);
    CertificateInput future = userInput(ca);
    future.principals = {u"carol"_s};
    future.validAfter = now.addDays(1);
    future.validUntil = now.addDays(10);
    CertificateInput host = userInput(ca, u"rsa"_s);
    host.kind = CertificateKind::Host;
    host.principals = {u"h1"_s};
    QStringList ids;
    for (const CertificateInput &input : {soon, later, future, host}) {
        const Result<IssuedCertificate> issued = f.service->issue(input, m_actor);
        KEYSTEAD_VERIFY_OK(issued);
        ids.append(issued->id);
        m_clock.advanceSeconds(1);
    }
    QCOMPARE(f.service->expiringCount(7).value(), 2); // soon, and host (24 h)
    QCOMPARE(f.service->expiringCount(60).value(), 3);

    const auto idsOf = [&](const CertificateQuery &query) {
        QStringList found;
        const Result<QList<IssuedCertificate>> list = f.service->certificates(query);
        if (list) {
            for (const IssuedCertificate &certificate : list.value())
                found.append(certificate.id);
        }
        return found;
    };
    // Newest first; paging by before_id.
    QCOMPARE(idsOf({}), (QStringList{ids[3], ids[2], ids[1], ids[0]}));
    CertificateQuery page;
    page.limit = 2;
    QCOMPARE(idsOf(page), (QStringList{ids[3], ids[2]}));
    page.beforeId = ids[2];
    QCOMPARE(idsOf(page), (QStringList{ids[1], ids[0]}));
    CertificateQuery byKind;
    byKind.kind = CertificateKind::Host;
    QCOMPARE(idsOf(byKind), QStringList{ids[3]});
    CertificateQuery byPrincipal;
    byPrincipal.principal = u"alice"_s; // whole principals only: not alice-admin
    QCOMPARE(idsOf(byPrincipal), QStringList{ids[0]});
    CertificateQuery bySearch;
    bySearch.search = u"ALICE"_s;
    QCOMPARE(idsOf(bySearch), (QStringList{ids[1], ids[0]}));
    CertificateQuery byState;
    byState.state = CertificateState::NotYetValid;
    QCOMPARE(idsOf(byState), QStringList{ids[2]});
    CertificateQuery byFingerprint;
    byFingerprint.subjectFingerprint = SshPublicKey::parse(m_subjects.value(u"rsa"_s))->fingerprintSha256();
    QCOMPARE(idsOf(byFingerprint), QStringList{ids[3]});

    m_clock.advanceSeconds(3 * 24 * 3600);
    KEYSTEAD_VERIFY_OK(f.service->revoke(ids[1], u"left"_s, m_actor));
    byState.state = CertificateState::Expired;
    QCOMPARE(idsOf(byState), (QStringList{ids[3], ids[0]}));
    byState.state = CertificateState::Revoked;
    QCOMPARE(idsOf(byState), QStringList{ids[1]});
    byState.state = CertificateState::Valid;
    QCOMPARE(idsOf(byState), QStringList{ids[2]});
    QCOMPARE(f.service->expiringCount(7).value(), 1);
}

void TestCaService::withoutAUsableVaultNothingIsStored()
{
    QFETCH(QString, backend);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // A master key file others may read is refused: no key, no CA.
    const QString keyFile = dir.filePath(u"master.key"_s);
    QVERIFY(writeFile(keyFile, "k1 " + QByteArray(32, 'x').toBase64() + "\n"));
    QVERIFY(QFile::setPermissions(keyFile, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther));
    Fixture f = make(backend, keyFile);
    QVERIFY(f.store);
    const QMap<QString, int> before = f.counts();
    const Result<CertificateAuthority> ca = f.service->createAuthority({}, m_actor);
    QVERIFY(!ca);
    QCOMPARE(ca.error().kind, Error::Kind::Unavailable);
    QCOMPARE(code(ca.error()), 5102);
    QVERIFY2(ca.error().message.contains(u"vault"_s), qPrintable(ca.error().message));
    QCOMPARE(f.counts(), before);
}

QTEST_GUILESS_MAIN(TestCaService)
#include "tst_ca_service.moc"
