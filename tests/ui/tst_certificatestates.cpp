#include "CertificatesPanelFixture.h"

// The Certificates panel, offscreen, on a real store with the real vault (master
// key in a file), audit log, CA service, inventory and collect sessions; subject
// keys made by ssh-keygen, certificates read back by ssh-keygen -L.
class TestCertificateStates final : public CertificatesPanelFixture
{
    Q_OBJECT

private Q_SLOTS:
    void revokeOneCertificate();
    void revokeEveryCertificateOfAKey();
    void statesFollowTheClock();
    void expiringCertificatesAreHighlightedAndCounted();
    void filtersNarrowTheRows();
    void exportsForServersAndClients();
};

void TestCertificateStates::revokeOneCertificate()
{
    const CertificateAuthority authority = makeAuthority(u"ed25519"_s, u"Users"_s);
    const QString subject = makePublicKeyLine(m_dir.path(), u"ed25519"_s);
    const IssuedCertificate first = issue(authority.id, subject, {u"alice"_s});
    const IssuedCertificate second = issue(authority.id, makePublicKeyLine(m_dir.path(), u"ecdsa"_s), {u"bob"_s});
    QVERIFY(!first.id.isEmpty() && !second.id.isEmpty());
    QVERIFY(!m_panel->createRevokeDialog()); // nothing selected

    QVERIFY(m_panel->selectCertificate(first.id));
    QVERIFY(child<QAction>(m_panel.get(), u"revokeCertificate"_s)->isEnabled());
    std::unique_ptr<RevokeCertificateDialog> dialog(m_panel->createRevokeDialog());
    QVERIFY(dialog);
    QCOMPARE(dialog->scope(), RevokeCertificateDialog::Scope::Certificate);
    // A reason is asked for; without one nothing happens.
    child<QPushButton>(dialog.get(), u"revoke"_s)->click();
    QVERIFY(!dialog->errorText().isEmpty());
    QVERIFY(!service().certificate(first.id)->revokedAt);

    dialog->setReason(u"laptop stolen"_s);
    child<QPushButton>(dialog.get(), u"revoke"_s)->click();
    QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
    QCOMPARE(dialog->revoked().size(), 1);

    const Result<IssuedCertificate> stored = service().certificate(first.id);
    KEYSTEAD_VERIFY_OK(stored);
    QVERIFY(stored->revokedAt);
    QCOMPARE(stored->revocationReason, u"laptop stolen"_s);
    QCOMPARE(cell(first.id, CertificatesModel::State), u"revoked"_s);
    QCOMPARE(cell(second.id, CertificatesModel::State), u"valid"_s);
    QVERIFY(m_panel->detailText(u"state"_s).contains(u"laptop stolen"_s));
    QVERIFY(!child<QAction>(m_panel.get(), u"revokeCertificate"_s)->isEnabled());
    QCOMPARE(m_panel->authoritiesModel().index(0, CertificateAuthoritiesModel::Revoked).data().toInt(), 1);

    // Revoking again is the service's Conflict, shown in the dialog.
    std::unique_ptr<RevokeCertificateDialog> again(
        new RevokeCertificateDialog(service(), stored.value(), RevokeCertificateDialog::Scope::Certificate));
    again->setReason(u"twice"_s);
    QVERIFY(!again->revoke());
    QVERIFY(!again->errorText().isEmpty());
    QCOMPARE(service().certificate(first.id)->revocationReason, u"laptop stolen"_s);

    // The KRL saved from the panel is the service's, and ssh-keygen finds the revoked certificate in it.
    QVERIFY(m_panel->selectAuthority(authority.id));
    const QString krlPath = m_dir.filePath(u"users.krl"_s);
    KEYSTEAD_VERIFY_OK(m_panel->saveRevocationList(krlPath));
    const Result<QByteArray> krl = service().revocationList(authority.id);
    KEYSTEAD_VERIFY_OK(krl);
    QCOMPARE(readAll(krlPath), krl.value());
    const QString firstPath = m_dir.filePath(u"first-cert.pub"_s);
    const QString secondPath = m_dir.filePath(u"second-cert.pub"_s);
    QVERIFY(writeAll(firstPath, first.certificate.toUtf8() + '\n'));
    QVERIFY(writeAll(secondPath, second.certificate.toUtf8() + '\n'));
    const ProcessResult revokedQuery = run(u"ssh-keygen"_s, {u"-Q"_s, u"-f"_s, krlPath, firstPath});
    QVERIFY2(revokedQuery.output.contains("REVOKED"), revokedQuery.output.constData());
    const ProcessResult fineQuery = run(u"ssh-keygen"_s, {u"-Q"_s, u"-f"_s, krlPath, secondPath});
    QCOMPARE(fineQuery.exitCode, 0);
    QVERIFY2(!fineQuery.output.contains("REVOKED"), fineQuery.output.constData());
}

void TestCertificateStates::revokeEveryCertificateOfAKey()
{
    const CertificateAuthority users = makeAuthority(u"ed25519"_s, u"Users"_s);
    const CertificateAuthority admins = makeAuthority(u"ecdsa"_s, u"Admins"_s, u"p256"_s);
    const QString subject = makePublicKeyLine(m_dir.path(), u"ed25519"_s);
    const IssuedCertificate a = issue(users.id, subject, {u"alice"_s});
    const IssuedCertificate b = issue(admins.id, subject, {u"root"_s});
    const IssuedCertificate other = issue(users.id, makePublicKeyLine(m_dir.path(), u"ed25519"_s), {u"bob"_s});

    QVERIFY(m_panel->selectCertificate(a.id));
    std::unique_ptr<RevokeCertificateDialog> dialog(m_panel->createRevokeSubjectDialog());
    QVERIFY(dialog);
    QCOMPARE(dialog->scope(), RevokeCertificateDialog::Scope::SubjectKey);
    QVERIFY(child<QLabel>(dialog.get(), u"revokeSummary"_s)->text().contains(a.subjectFingerprint));
    dialog->setReason(u"employee left"_s);
    child<QPushButton>(dialog.get(), u"revoke"_s)->click();
    QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
    QCOMPARE(dialog->revoked().size(), 2);
    QCOMPARE(cell(a.id, CertificatesModel::State), u"revoked"_s);
    QCOMPARE(cell(b.id, CertificatesModel::State), u"revoked"_s);
    QCOMPARE(cell(other.id, CertificatesModel::State), u"valid"_s);
    QVERIFY(m_panel->noticeText().contains(u"2"_s));
}

void TestCertificateStates::statesFollowTheClock()
{
    const CertificateAuthority authority = makeAuthority(u"ed25519"_s, u"Users"_s);
    const QDateTime now = m_core->clock.now();
    const IssuedCertificate later = issue(authority.id, makePublicKeyLine(m_dir.path(), u"ed25519"_s), {u"a"_s},
                                          CertificateKind::User, now.addSecs(3600), now.addSecs(7200));
    const IssuedCertificate current = issue(authority.id, makePublicKeyLine(m_dir.path(), u"ed25519"_s), {u"b"_s},
                                            CertificateKind::User, now, now.addSecs(1800));
    QCOMPARE(cell(later.id, CertificatesModel::State), u"not yet valid"_s);
    QCOMPARE(cell(current.id, CertificatesModel::State), u"valid"_s);

    // Time passes with nothing else happening: the timer judges the rows again.
    CertificatesModel &model = m_panel->certificatesModel();
    model.setReevaluateInterval(20);
    m_core->clock.advanceSeconds(3600);
    QTRY_COMPARE(cell(later.id, CertificatesModel::State), u"valid"_s);
    QCOMPARE(cell(current.id, CertificatesModel::State), u"expired"_s);
    m_core->clock.advanceSeconds(3601);
    QTRY_COMPARE(cell(later.id, CertificatesModel::State), u"expired"_s);
    QCOMPARE(model.indexOf(later.id).data(CertificatesModel::StateRole).toInt(),
             static_cast<int>(CertificateState::Expired));
}

void TestCertificateStates::expiringCertificatesAreHighlightedAndCounted()
{
    const CertificateAuthority authority = makeAuthority(u"ed25519"_s, u"Users"_s);
    const QDateTime now = m_core->clock.now();
    QCOMPARE(m_panel->expiryWarningDays(), CertificateAuthorityService::kDefaultExpiryWarningDays);
    QSignalSpy counted(m_panel.get(), &CertificatesPanel::expiringCountChanged);

    const IssuedCertificate soon = issue(authority.id, makePublicKeyLine(m_dir.path(), u"ed25519"_s), {u"a"_s},
                                         CertificateKind::User, now, now.addDays(3));
    const IssuedCertificate far = issue(authority.id, makePublicKeyLine(m_dir.path(), u"ed25519"_s), {u"b"_s},
                                        CertificateKind::User, now, now.addDays(30));
    QCOMPARE(m_panel->expiringCount(), 1);
    QVERIFY(!counted.isEmpty());
    QCOMPARE(counted.constLast().at(0).toInt(), 1);
    QCOMPARE(service().expiringCount(7).value(), 1);
    const CertificatesModel &model = m_panel->certificatesModel();
    QVERIFY(model.indexOf(soon.id).data(CertificatesModel::ExpiringRole).toBool());
    QVERIFY(model.indexOf(soon.id, CertificatesModel::Principals).data(Qt::BackgroundRole).isValid());
    QVERIFY(!model.indexOf(far.id).data(CertificatesModel::ExpiringRole).toBool());
    QVERIFY(!model.indexOf(far.id, CertificatesModel::Principals).data(Qt::BackgroundRole).isValid());
    QVERIFY(child<QLabel>(m_panel.get(), u"expiringCount"_s)->text().contains(u"1"_s));

    // The spin box: 60 days takes both in, and is kept in the settings.
    child<QSpinBox>(m_panel.get(), u"expiryWarningDays"_s)->setValue(60);
    QCOMPARE(m_panel->expiringCount(), 2);
    QCOMPARE(counted.constLast().at(0).toInt(), 2);
    QCOMPARE(m_core->settings->value(QString(CertificateAuthorityService::kExpiryWarningDaysSetting)), u"60"_s);
    // 0 turns it off.
    m_panel->setExpiryWarningDays(0);
    QCOMPARE(m_panel->expiringCount(), 0);
    QVERIFY(!model.indexOf(soon.id, CertificatesModel::Principals).data(Qt::BackgroundRole).isValid());

    // Another panel (or another console on the database) reads the setting.
    m_panel->setExpiryWarningDays(5);
    CertificatesPanel second(service(), *m_core->inventory, *m_core->collect, *m_core->settings, m_core->clock);
    QCOMPARE(second.expiryWarningDays(), 5);
    QCOMPARE(second.expiringCount(), 1);
    // Set elsewhere: this panel follows.
    KEYSTEAD_VERIFY_OK(
        m_core->settings->setValue(QString(CertificateAuthorityService::kExpiryWarningDaysSetting), u"2"_s));
    QCOMPARE(m_panel->expiryWarningDays(), 2);
    QCOMPARE(m_panel->expiringCount(), 0);

    // Time brings the far one close, the near one past: the timer sees it.
    m_panel->setExpiryWarningDays(7);
    m_panel->certificatesModel().setReevaluateInterval(20);
    QCOMPARE(m_panel->expiringCount(), 1);
    m_core->clock.advanceSeconds(qint64(25) * 24 * 3600);
    QTRY_VERIFY(m_panel->certificatesModel().indexOf(far.id).data(CertificatesModel::ExpiringRole).toBool());
    QCOMPARE(m_panel->expiringCount(), 1);
    QCOMPARE(cell(soon.id, CertificatesModel::State), u"expired"_s);
}

void TestCertificateStates::filtersNarrowTheRows()
{
    const CertificateAuthority users = makeAuthority(u"ed25519"_s, u"Users"_s);
    const CertificateAuthority hosts = makeAuthority(u"ed25519"_s, u"Hosts"_s);
    const QDateTime now = m_core->clock.now();
    const IssuedCertificate alice = issue(users.id, makePublicKeyLine(m_dir.path(), u"ed25519"_s), {u"alice"_s});
    const IssuedCertificate bob = issue(users.id, makePublicKeyLine(m_dir.path(), u"ed25519"_s), {u"bob"_s},
                                        CertificateKind::User, now.addDays(1), now.addDays(2));
    const IssuedCertificate web
        = issue(hosts.id, makePublicKeyLine(m_dir.path(), u"ecdsa"_s), {u"web-1"_s}, CertificateKind::Host);
    const QAbstractItemModel &filtered = m_panel->certificatesFilter();
    QCOMPARE(filtered.rowCount(), 3);

    const auto shownIds = [&filtered] {
        QSet<QString> ids;
        for (int row = 0; row < filtered.rowCount(); ++row)
            ids.insert(filtered.index(row, 0).data(CertificatesModel::IdRole).toString());
        return ids;
    };
    auto *kind = child<QComboBox>(m_panel.get(), u"kindFilter"_s);
    kind->setCurrentIndex(kind->findData(static_cast<int>(CertificateKind::Host)));
    QCOMPARE(shownIds(), QSet<QString>{web.id});
    kind->setCurrentIndex(kind->findData(static_cast<int>(CertificateKind::User)));
    QCOMPARE(shownIds(), (QSet<QString>{alice.id, bob.id}));
    kind->setCurrentIndex(0);

    auto *authority = child<QComboBox>(m_panel.get(), u"authorityFilter"_s);
    QCOMPARE(authority->count(), 3);
    authority->setCurrentIndex(authority->findData(hosts.id));
    QCOMPARE(shownIds(), QSet<QString>{web.id});
    authority->setCurrentIndex(0);

    auto *state = child<QComboBox>(m_panel.get(), u"stateFilter"_s);
    state->setCurrentIndex(state->findData(static_cast<int>(CertificateState::NotYetValid)));
    QCOMPARE(shownIds(), QSet<QString>{bob.id});
    state->setCurrentIndex(state->findData(static_cast<int>(CertificateState::Valid)));
    QCOMPARE(shownIds(), (QSet<QString>{alice.id, web.id}));
    state->setCurrentIndex(0);

    auto *text = child<QLineEdit>(m_panel.get(), u"textFilter"_s);
    text->setText(u"ALICE"_s);
    QCOMPARE(shownIds(), QSet<QString>{alice.id});
    // The key id (not a column) matches too.
    text->setText(web.keyId);
    QCOMPARE(shownIds(), QSet<QString>{web.id});
    text->setText(bob.subjectFingerprint);
    QCOMPARE(shownIds(), QSet<QString>{bob.id});
    text->clear();
    QCOMPARE(filtered.rowCount(), 3);

    // A CA filter of a deleted CA falls back to every CA.
    authority->setCurrentIndex(authority->findData(hosts.id));
    KEYSTEAD_VERIFY_OK(service().deleteAuthority(hosts.id, Actor::console()));
    QCOMPARE(authority->currentIndex(), 0);
    QCOMPARE(filtered.rowCount(), 3);
}

void TestCertificateStates::exportsForServersAndClients()
{
    const CertificateAuthority hosts = makeAuthority(u"ed25519"_s, u"Hosts"_s);
    const QString hostKey = makePublicKeyLine(m_dir.path(), u"ed25519"_s);
    const IssuedCertificate web = issue(hosts.id, hostKey, {u"web-1.example.org"_s}, CertificateKind::Host);
    QVERIFY(m_panel->selectAuthority(hosts.id));

    const QString trusted = m_dir.filePath(u"trusted.pub"_s);
    KEYSTEAD_VERIFY_OK(m_panel->saveTrustedUserCaKeysLine(trusted));
    QCOMPARE(QString::fromUtf8(readAll(trusted)).trimmed(), service().trustedUserCaKeysLine(hosts.id).value());

    m_panel->setHostPattern(u"*.example.org"_s);
    const QString line = m_panel->copyKnownHostsLine();
    QCOMPARE(line, service().knownHostsCertAuthorityLine(hosts.id, u"*.example.org"_s).value());
    QVERIFY(line.startsWith(u"@cert-authority *.example.org "_s));
    QCOMPARE(QGuiApplication::clipboard()->text(), line);

    // Revoked host keys come along as @revoked lines.
    KEYSTEAD_VERIFY_OK(service().revoke(web.id, u"host rebuilt"_s, Actor::console()));
    const QString knownHosts = m_dir.filePath(u"known_hosts"_s);
    KEYSTEAD_VERIFY_OK(m_panel->saveKnownHostsLines(knownHosts));
    const QStringList lines = QString::fromUtf8(readAll(knownHosts)).split(u'\n', Qt::SkipEmptyParts);
    QVERIFY(lines.size() >= 2);
    QCOMPARE(lines.at(0), line);
    Result<SshPublicKey> key = SshPublicKey::parse(hostKey);
    KEYSTEAD_VERIFY_OK(key);
    QVERIFY2(lines.at(1).startsWith(u"@revoked "_s) && lines.at(1).contains(key->openSshLine().section(u' ', 1, 1)),
             qPrintable(lines.at(1)));
    // ssh-keygen reads the file as known_hosts.
    const ProcessResult found = run(u"ssh-keygen"_s, {u"-F"_s, u"web-1.example.org"_s, u"-f"_s, knownHosts});
    QVERIFY2(found.exitCode == 0 && found.output.contains("@cert-authority"), found.output.constData());

    // An unwritable path is an error shown, not a crash.
    QVERIFY(!m_panel->saveRevocationList(m_dir.filePath(u"no/such/folder/x.krl"_s)));
    QVERIFY(!m_panel->errorText().isEmpty());
}

KEYSTEAD_UI_TEST_MAIN(TestCertificateStates)
#include "tst_certificatestates.moc"
