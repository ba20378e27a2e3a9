#include "CaServiceTest.h"

#include "ssh/SshCertificate.h"

#include <QJsonDocument>
#include <QSet>
#include <QThread>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// Revocation on every store backend: recorded for good, by certificate or by subject
// key, a deleted unexpired certificate revoked; the KRL and export lines as OpenSSH
// reads them; certificate states, filters and expiry.
class TestCaServiceRevocation final : public CaServiceTest
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { makeSubjects(); }
    void revocationIsRecordedAndIrreversible_data() { backendRows(); }
    void revocationIsRecordedAndIrreversible();
    void revokeSubjectRevokesEveryCertificateOfTheKey_data() { backendRows(); }
    void revokeSubjectRevokesEveryCertificateOfTheKey();
    void deleteCertificateRevokesAnUnexpiredOne_data() { backendRows(); }
    void deleteCertificateRevokesAnUnexpiredOne();
    void exportLines_data() { backendRows(); }
    void exportLines();
    void statesFiltersAndExpiry_data() { backendRows(); }
    void statesFiltersAndExpiry();
};

void TestCaServiceRevocation::revocationIsRecordedAndIrreversible()
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

void TestCaServiceRevocation::revokeSubjectRevokesEveryCertificateOfTheKey()
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

void TestCaServiceRevocation::deleteCertificateRevokesAnUnexpiredOne()
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

void TestCaServiceRevocation::exportLines()
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

void TestCaServiceRevocation::statesFiltersAndExpiry()
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

QTEST_GUILESS_MAIN(TestCaServiceRevocation)
#include "tst_ca_service_revocation.moc"
