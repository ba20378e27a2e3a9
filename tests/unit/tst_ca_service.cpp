#include "CaServiceTest.h"

#include "ssh/SshCertificate.h"

#include <QJsonDocument>
#include <QSet>
#include <QThread>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// The certificate authority service on every store backend: CAs of every key
// type sealed in the vault, certificates with checked fields and serials unique
// per CA under concurrency (two instances on one store included), revocation
// recorded for good, and the KRL and export lines as OpenSSH reads them.
class TestCaService final : public CaServiceTest
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { makeSubjects(); }
    void createsAuthoritiesOfEveryType_data();
    void createsAuthoritiesOfEveryType();
    void refusedAuthoritiesStoreNothing_data();
    void refusedAuthoritiesStoreNothing();
    void updatesAndDeletesAuthorities_data() { backendRows(); }
    void updatesAndDeletesAuthorities();
    void issuesWithDefaultsAndIncreasingSerials_data() { backendRows(); }
    void issuesWithDefaultsAndIncreasingSerials();
    void certificateReadsBackWithSshKeygen_data() { backendRows(); }
    void certificateReadsBackWithSshKeygen();
    void refusedCertificatesStoreNothing_data();
    void refusedCertificatesStoreNothing();
    void concurrentIssuesGetUniqueSerials_data() { backendRows(); }
    void concurrentIssuesGetUniqueSerials();
    void withoutAUsableVaultNothingIsStored_data() { backendRows(); }
    void withoutAUsableVaultNothingIsStored();
};

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
