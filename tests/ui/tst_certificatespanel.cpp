#include "CertificatesPanelFixture.h"

// The Certificates panel, offscreen, on a real store with the real vault (master
// key in a file), audit log, CA service, inventory and collect sessions; subject
// keys made by ssh-keygen, certificates read back by ssh-keygen -L.
class TestCertificatesPanel final : public CertificatesPanelFixture
{
    Q_OBJECT

private Q_SLOTS:

    void emptyStateUntilTheFirstAuthority();
    void createAuthorityThroughTheDialog_data();
    void createAuthorityThroughTheDialog();
    void editAndDeleteAuthority();
    void signPastedKey();
    void signInventoryKey();
    void signCollectedKey();
    void refusedSigningShowsTheErrorAndStoresNothing();
};

void TestCertificatesPanel::emptyStateUntilTheFirstAuthority()
{
    QVERIFY(m_panel->showsEmptyState());
    QVERIFY(child<QAction>(m_panel.get(), u"newAuthority"_s)->isEnabled());
    for (const QString &name :
         {u"signCertificate"_s, u"editAuthority"_s, u"deleteAuthority"_s, u"copyTrustedUserCaKeys"_s,
          u"saveRevocationList"_s, u"revokeCertificate"_s, u"revokeSubject"_s, u"copyCertificate"_s})
        QVERIFY2(!child<QAction>(m_panel.get(), name)->isEnabled(), qPrintable(name));

    const CertificateAuthority authority = makeAuthority(u"ed25519"_s, u"Users"_s);
    QVERIFY(!authority.id.isEmpty());
    QVERIFY(!m_panel->showsEmptyState());
    QCOMPARE(m_panel->authoritiesModel().rowCount(), 1);
    QVERIFY(child<QAction>(m_panel.get(), u"signCertificate"_s)->isEnabled());
}

void TestCertificatesPanel::createAuthorityThroughTheDialog_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("curve");
    QTest::addColumn<int>("keySize");
    QTest::addColumn<QString>("shown");
    QTest::addColumn<QString>("algorithm");
    QTest::newRow("ed25519") << u"ed25519"_s << QString() << 0 << u"Ed25519"_s << u"ssh-ed25519"_s;
    QTest::newRow("ecdsa p384") << u"ecdsa"_s << u"p384"_s << 0 << u"ECDSA P-384"_s << u"ecdsa-sha2-nistp384"_s;
    QTest::newRow("rsa 4096") << u"rsa"_s << QString() << 4096 << u"RSA 4096"_s << u"ssh-rsa"_s;
}

void TestCertificatesPanel::createAuthorityThroughTheDialog()
{
    QFETCH(QString, type);
    QFETCH(QString, curve);
    QFETCH(int, keySize);
    QFETCH(QString, shown);
    QFETCH(QString, algorithm);

    QSignalSpy changed(&service(), &CertificateAuthorityService::changed);
    std::unique_ptr<NewAuthorityDialog> dialog(m_panel->createNewAuthorityDialog());
    dialog->setKeyType(type, curve, keySize);
    QCOMPARE(child<QComboBox>(dialog.get(), u"ellipticCurve"_s)->isEnabled(), type == u"ecdsa"_s);
    QCOMPARE(child<QComboBox>(dialog.get(), u"keySize"_s)->isEnabled(), type == u"rsa"_s);
    child<QLineEdit>(dialog.get(), u"description"_s)->setText(u"Production users"_s);
    QSignalSpy done(dialog.get(), &NewAuthorityDialog::creationDone);
    child<QPushButton>(dialog.get(), u"create"_s)->click();
    QVERIFY(dialog->isBusy());
    QVERIFY(!child<QPushButton>(dialog.get(), u"create"_s)->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60'000);
    QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
    QCOMPARE(done.at(0).at(0).toBool(), true);
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
    QVERIFY(topicCount(changed, CertificateAuthorityService::kAuthorityTopic) >= 1);

    const CertificateAuthority created = dialog->created();
    QCOMPARE(created.publicKey.algorithm(), algorithm);
    const CertificateAuthoritiesModel &model = m_panel->authoritiesModel();
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, CertificateAuthoritiesModel::Type).data().toString(), shown);
    QCOMPARE(model.index(0, CertificateAuthoritiesModel::Fingerprint).data().toString(),
             created.publicKey.fingerprintSha256());
    QCOMPARE(model.index(0, CertificateAuthoritiesModel::Description).data().toString(), u"Production users"_s);
    QCOMPARE(model.index(0, CertificateAuthoritiesModel::Issued).data().toInt(), 0);
    QCOMPARE(m_panel->selectedAuthorityId(), created.id);
    QVERIFY(m_panel->noticeText().contains(created.fingerprint));

    // Its TrustedUserCAKeys line is the key ssh-keygen reads, with the same fingerprint.
    const QString line = m_panel->copyTrustedUserCaKeysLine();
    QCOMPARE(QGuiApplication::clipboard()->text(), line);
    const QString linePath = m_dir.filePath(u"ca-%1.pub"_s.arg(type));
    QVERIFY(writeAll(linePath, line.toUtf8() + '\n'));
    const ProcessResult listed = run(u"ssh-keygen"_s, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, linePath});
    QCOMPARE(listed.exitCode, 0);
    QVERIFY2(QString::fromLatin1(listed.output).contains(created.fingerprint), listed.output.constData());
}

void TestCertificatesPanel::editAndDeleteAuthority()
{
    const CertificateAuthority authority = makeAuthority(u"ed25519"_s, u"Old name"_s);
    QVERIFY(m_panel->selectAuthority(authority.id));
    KEYSTEAD_VERIFY_OK(m_panel->setAuthorityDescription(u"Staging hosts"_s));
    QCOMPARE(m_panel->authoritiesModel().index(0, CertificateAuthoritiesModel::Description).data().toString(),
             u"Staging hosts"_s);
    Result<CertificateAuthority> stored = service().authority(authority.id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->description, u"Staging hosts"_s);
    // Too long for the seed: the service's error, nothing changed.
    QVERIFY(!m_panel->setAuthorityDescription(QString(300, u'x')));
    QVERIFY(!m_panel->errorText().isEmpty());
    QCOMPARE(service().authority(authority.id)->description, u"Staging hosts"_s);

    const QString subject = makePublicKeyLine(m_dir.path(), u"ed25519"_s);
    const IssuedCertificate certificate = issue(authority.id, subject, {u"alice"_s});
    QVERIFY(!certificate.id.isEmpty());

    // Cancelled: it stays.
    QVERIFY(m_panel->selectAuthority(authority.id));
    QCOMPARE(
        answeringDialogs([&] { QVERIFY(!m_panel->deleteSelectedAuthority()); }, clickMessageBox(QMessageBox::Cancel)),
        1);
    QCOMPARE(m_panel->authoritiesModel().rowCount(), 1);
    // Confirmed: gone from the CA list, its certificate stays in the history.
    QCOMPARE(answeringDialogs([&] { KEYSTEAD_VERIFY_OK(m_panel->deleteSelectedAuthority()); },
                              clickMessageBox(QMessageBox::Yes)),
             1);
    QCOMPARE(m_panel->authoritiesModel().rowCount(), 0);
    QCOMPARE(m_panel->certificatesModel().rowCount(), 1);
    QCOMPARE(cell(certificate.id, CertificatesModel::Authority), authority.id);
    QVERIFY(!m_panel->showsEmptyState());
}

void TestCertificatesPanel::signPastedKey()
{
    const CertificateAuthority authority = makeAuthority(u"ecdsa"_s, u"Users"_s, u"p384"_s);
    QVERIFY(m_panel->selectAuthority(authority.id));
    const QString subject = makePublicKeyLine(m_dir.path(), u"ed25519"_s);
    QVERIFY(!subject.isEmpty());
    QSignalSpy changed(&service(), &CertificateAuthorityService::changed);

    std::unique_ptr<SignCertificateDialog> dialog(m_panel->createSignDialog());
    QCOMPARE(dialog->authorityId(), authority.id);
    QCOMPARE(dialog->kind(), CertificateKind::User);
    // The seed's defaults: now until 24 hours on, permit-pty and permit-user-rc.
    QCOMPARE(child<QDateTimeEdit>(dialog.get(), u"validAfter"_s)->dateTime().toUTC(), m_core->clock.now());
    QCOMPARE(child<QDateTimeEdit>(dialog.get(), u"validUntil"_s)->dateTime().toUTC(),
             m_core->clock.now().addSecs(24 * 3600));
    QVERIFY(child<QCheckBox>(dialog.get(), u"extension:permit-pty"_s)->isChecked());
    QVERIFY(child<QCheckBox>(dialog.get(), u"extension:permit-user-rc"_s)->isChecked());
    QVERIFY(!child<QCheckBox>(dialog.get(), u"extension:permit-port-forwarding"_s)->isChecked());
    child<QCheckBox>(dialog.get(), u"extension:permit-port-forwarding"_s)->setChecked(true);
    child<QCheckBox>(dialog.get(), u"extension:permit-user-rc"_s)->setChecked(false);

    dialog->setSource(SignCertificateDialog::Source::Pasted);
    child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->setPlainText(subject);
    child<QLineEdit>(dialog.get(), u"principals"_s)->setText(u"alice, deploy  root"_s);
    child<QLineEdit>(dialog.get(), u"forceCommand"_s)->setText(u"/usr/bin/uptime"_s);
    child<QLineEdit>(dialog.get(), u"sourceAddress"_s)->setText(u"127.0.0.1/32, 192.0.2.0/24"_s);
    child<QLineEdit>(dialog.get(), u"description"_s)->setText(u"Alice's laptop"_s);
    child<QPushButton>(dialog.get(), u"sign"_s)->click();
    QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
    QVERIFY(dialog->isSigned());
    QCOMPARE(topicCount(changed, CertificateAuthorityService::kCertificateTopic), 1);

    // The dialog shows the line, to copy and to save beside the key.
    const IssuedCertificate issued = dialog->issued();
    QCOMPARE(child<QPlainTextEdit>(dialog.get(), u"certificateLine"_s)->toPlainText(), issued.certificate);
    QVERIFY(!child<QPlainTextEdit>(dialog.get(), u"certificateLine"_s)->isHidden());
    QVERIFY(child<QPushButton>(dialog.get(), u"sign"_s)->isHidden());
    QCOMPARE(dialog->copyCertificate(), issued.certificate);
    QCOMPARE(QGuiApplication::clipboard()->text(), issued.certificate);
    QCOMPARE(dialog->suggestedFileName(), u"id_ed25519-cert.pub"_s);
    const QString saved = m_dir.filePath(dialog->suggestedFileName());
    KEYSTEAD_VERIFY_OK(dialog->saveCertificate(saved));
    QCOMPARE(readAll(saved).trimmed(), issued.certificate.toUtf8());

    // ssh-keygen reads what was asked for.
    const QString description = describeCertificate(m_dir.path(), issued.certificate);
    QVERIFY(!description.isEmpty());
    QCOMPARE(listedPrincipals(description), (QStringList{u"alice"_s, u"deploy"_s, u"root"_s}));
    QVERIFY2(description.contains(u"user certificate"_s), qPrintable(description));
    QVERIFY2(description.contains(u"force-command /usr/bin/uptime"_s), qPrintable(description));
    QVERIFY2(description.contains(u"source-address 127.0.0.1/32,192.0.2.0/24"_s), qPrintable(description));
    QVERIFY2(description.contains(u"permit-port-forwarding"_s), qPrintable(description));
    QVERIFY2(description.contains(u"permit-pty"_s), qPrintable(description));
    QVERIFY2(!description.contains(u"permit-user-rc"_s), qPrintable(description));

    // In the table, selected, with every field in the detail pane.
    QCOMPARE(m_panel->certificatesModel().rowCount(), 1);
    QCOMPARE(m_panel->selectedCertificateId(), issued.id);
    QCOMPARE(cell(issued.id, CertificatesModel::Kind), u"user"_s);
    QCOMPARE(cell(issued.id, CertificatesModel::Principals), u"alice, deploy, root"_s);
    QCOMPARE(cell(issued.id, CertificatesModel::KeyType), u"Ed25519"_s);
    QCOMPARE(cell(issued.id, CertificatesModel::Authority), u"Users"_s);
    QCOMPARE(cell(issued.id, CertificatesModel::Serial), QString::number(issued.serial));
    QCOMPARE(cell(issued.id, CertificatesModel::State), u"valid"_s);
    Result<SshPublicKey> subjectKey = SshPublicKey::parse(subject);
    KEYSTEAD_VERIFY_OK(subjectKey);
    QCOMPARE(cell(issued.id, CertificatesModel::Subject), subjectKey->fingerprintSha256());
    QCOMPARE(m_panel->detailText(u"serial"_s), QString::number(issued.serial));
    QCOMPARE(m_panel->detailText(u"principals"_s), u"alice, deploy, root"_s);
    QCOMPARE(m_panel->detailText(u"keyId"_s), issued.keyId);
    QCOMPARE(m_panel->detailText(u"description"_s), u"Alice's laptop"_s);
    QVERIFY(m_panel->detailText(u"criticalOptions"_s).contains(u"force-command=/usr/bin/uptime"_s));
    QCOMPARE(m_panel->detailText(u"certificate"_s), issued.certificate);
    QCOMPARE(m_panel->copySelectedCertificate(), issued.certificate);
    const QString again = m_dir.filePath(u"again-cert.pub"_s);
    KEYSTEAD_VERIFY_OK(m_panel->saveSelectedCertificate(again));
    QCOMPARE(readAll(again).trimmed(), issued.certificate.toUtf8());
    QCOMPARE(m_panel->authoritiesModel().index(0, CertificateAuthoritiesModel::Issued).data().toInt(), 1);

    // Signed once: Close keeps it.
    dialog->reject();
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
}

void TestCertificatesPanel::signInventoryKey()
{
    const CertificateAuthority authority = makeAuthority(u"ed25519"_s, u"Deploy"_s);
    const QString pair = makeKeyPair(m_dir.path(), u"rsa"_s);
    QVERIFY(!pair.isEmpty());
    const QString line = QString::fromLatin1(readAll(pair + u".pub"_s)).trimmed();
    SshKeyInput input;
    input.privateKey = readAll(pair);
    input.identifier = u"deploy-web"_s;
    input.hostname = u"web-1"_s;
    input.ip = u"192.0.2.10"_s;
    input.publicKey = line;
    input.origin = u"console"_s;
    const Result<SshKeySaved> saved = m_core->inventory->save(input, Actor::console());
    KEYSTEAD_VERIFY_OK(saved);

    std::unique_ptr<SignCertificateDialog> dialog(m_panel->createSignDialog());
    QCOMPARE(dialog->inventoryKeyCount(), 1);
    QVERIFY(dialog->setAuthority(authority.id));
    QVERIFY(dialog->selectInventoryKey(saved->key.id));
    QCOMPARE(dialog->source(), SignCertificateDialog::Source::Inventory);
    child<QLineEdit>(dialog.get(), u"principals"_s)->setText(u"deploy"_s);
    KEYSTEAD_VERIFY_OK(dialog->sign());
    const IssuedCertificate issued = dialog->issued();
    QCOMPARE(issued.subjectFingerprint, saved->key.publicKey.fingerprintSha256());
    QCOMPARE(issued.keyType, u"rsa"_s);
    QCOMPARE(dialog->suggestedFileName(), u"deploy-web-cert.pub"_s);
    QCOMPARE(listedPrincipals(describeCertificate(m_dir.path(), issued.certificate)), QStringList{u"deploy"_s});
    QCOMPARE(cell(issued.id, CertificatesModel::KeyType), u"RSA"_s);
}

void TestCertificatesPanel::signCollectedKey()
{
    const CertificateAuthority authority = makeAuthority(u"rsa"_s, u"Hosts"_s, {}, 2048);
    const SshPublicKey collected = generatePublicKey(m_dir.path(), u"ecdsa"_s);
    QVERIFY(!collected.isNull());
    CollectSessionInput input;
    input.connectionIdentifier = u"web-7-hostkey"_s;
    const Result<CollectSession> session = m_core->collect->create(input);
    KEYSTEAD_VERIFY_OK(session);
    const Result<QString> connection
        = m_core->collect->connectionOpened(session->id, u"192.0.2.77"_s, u"SSH-2.0-OpenSSH_9.2"_s);
    KEYSTEAD_VERIFY_OK(connection);
    KEYSTEAD_VERIFY_OK(m_core->collect->keyProven(connection.value(), collected));
    KEYSTEAD_VERIFY_OK(m_core->collect->connectionClosed(connection.value(), ConnectionOutcome::Kept));

    std::unique_ptr<SignCertificateDialog> dialog(m_panel->createSignDialog());
    QCOMPARE(dialog->collectedKeyCount(), 1);
    QVERIFY(dialog->setAuthority(authority.id));
    dialog->setKind(CertificateKind::Host);
    // OpenSSH defines no options or extensions for host certificates.
    QVERIFY(!child<QCheckBox>(dialog.get(), u"extension:permit-pty"_s)->isEnabled());
    QVERIFY(dialog->selectCollectedKey(collected.fingerprintSha256()));
    child<QLineEdit>(dialog.get(), u"principals"_s)->setText(u"web-7.example.org web-7"_s);
    KEYSTEAD_VERIFY_OK(dialog->sign());
    const IssuedCertificate issued = dialog->issued();
    QCOMPARE(issued.kind, CertificateKind::Host);
    QCOMPARE(issued.subjectFingerprint, collected.fingerprintSha256());
    QVERIFY(issued.extensions.isEmpty());
    QCOMPARE(dialog->suggestedFileName(), u"id_ecdsa-cert.pub"_s);
    const QString description = describeCertificate(m_dir.path(), issued.certificate);
    QVERIFY2(description.contains(u"host certificate"_s), qPrintable(description));
    QCOMPARE(listedPrincipals(description), (QStringList{u"web-7.example.org"_s, u"web-7"_s}));
    QCOMPARE(cell(issued.id, CertificatesModel::Kind), u"host"_s);
}

void TestCertificatesPanel::refusedSigningShowsTheErrorAndStoresNothing()
{
    const CertificateAuthority authority = makeAuthority(u"ed25519"_s, u"Hosts"_s);
    const QString subject = makePublicKeyLine(m_dir.path(), u"ed25519"_s);

    // A host certificate needs principals.
    std::unique_ptr<SignCertificateDialog> dialog(m_panel->createSignDialog());
    QVERIFY(dialog->setAuthority(authority.id));
    dialog->setKind(CertificateKind::Host);
    child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->setPlainText(subject);
    QVERIFY(!dialog->sign());
    QVERIFY(!dialog->errorText().isEmpty());
    QVERIFY(!dialog->isSigned());

    // Until before from.
    dialog->setKind(CertificateKind::User);
    child<QLineEdit>(dialog.get(), u"principals"_s)->setText(u"alice"_s);
    auto *until = child<QDateTimeEdit>(dialog.get(), u"validUntil"_s);
    until->setDateTime(child<QDateTimeEdit>(dialog.get(), u"validAfter"_s)->dateTime().addSecs(-3600));
    QVERIFY(!dialog->sign());
    QVERIFY(!dialog->errorText().isEmpty());

    // Not a key.
    until->setDateTime(child<QDateTimeEdit>(dialog.get(), u"validAfter"_s)->dateTime().addSecs(3600));
    child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->setPlainText(u"ssh-ed25519 not-base64"_s);
    QVERIFY(!dialog->sign());
    QVERIFY(!dialog->errorText().isEmpty());

    // A source-address sshd would not read.
    child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->setPlainText(subject);
    child<QLineEdit>(dialog.get(), u"sourceAddress"_s)->setText(u"not-an-address"_s);
    QVERIFY(!dialog->sign());
    QVERIFY(!dialog->errorText().isEmpty());

    QCOMPARE(certificateCount(), 0);
    QCOMPARE(m_panel->certificatesModel().rowCount(), 0);

    // Fixed: it signs, and the error goes.
    child<QLineEdit>(dialog.get(), u"sourceAddress"_s)->clear();
    KEYSTEAD_VERIFY_OK(dialog->sign());
    QVERIFY(dialog->errorText().isEmpty());
    QCOMPARE(certificateCount(), 1);
}

KEYSTEAD_UI_TEST_MAIN(TestCertificatesPanel)
#include "tst_certificatespanel.moc"
