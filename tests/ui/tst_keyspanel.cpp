#include "KeysPanelFixture.h"

// The Keys panel, offscreen, on a real store with the real vault (master key
// in a file), audit log and inventory service; key pairs made by ssh-keygen.
class TestKeysPanel final : public KeysPanelFixture
{
    Q_OBJECT

private Q_SLOTS:

    void emptyStateUntilTheFirstKey();
    void addThroughTheDialog_data();
    void addThroughTheDialog();
    void refusedSaveShowsTheNumberAndStoresNothing_data();
    void refusedSaveShowsTheNumberAndStoresNothing();
    void newKeyMayNotTakeAnExistingIdentifier();
    void editKeepsTheSealedPrivateKey();
    void unknownDevicesAreANoticeNotAnError();
    void textAndTagFiltersNarrowTheRows();
    void disableKey();
    void vaultProblemIsShown();
    void windowShowsTheKeysPanel();
};

void TestKeysPanel::emptyStateUntilTheFirstKey()
{
    QVERIFY(m_panel->showsEmptyState());
    auto *empty = m_panel->findChild<ui::EmptyStatePanel *>();
    QVERIFY(empty && empty->isVisible());
    QVERIFY(!child<QTableView>(m_panel.get(), u"keys"_s)->isVisible());
    QVERIFY(m_panel->vaultProblem().isEmpty());
    // The row actions wait for a row.
    QVERIFY(child<QAction>(m_panel.get(), u"addKey"_s)->isEnabled());
    QVERIFY(child<QAction>(m_panel.get(), u"generateKey"_s)->isEnabled());
    for (const QString &name : {u"editKey"_s, u"copyPublicKey"_s, u"revealPrivateKey"_s, u"disableKey"_s})
        QVERIFY2(!child<QAction>(m_panel.get(), name)->isEnabled(), qPrintable(name));

    const SshKeyRecord key = storeKey(u"first"_s, u"web-1"_s);
    QVERIFY(!key.id.isEmpty());
    QVERIFY(!m_panel->showsEmptyState());
    QVERIFY(child<QTableView>(m_panel.get(), u"keys"_s)->isVisible());
    QCOMPARE(m_panel->keysModel().rowCount(), 1);
}

void TestKeysPanel::addThroughTheDialog_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("format"); // ssh-keygen -m
    QTest::addColumn<QString>("passphrase");
    QTest::addColumn<QString>("storedFormat");
    QTest::addColumn<bool>("fromFiles");
    const QString pass = QString::fromLatin1(kPassphrase);
    QTest::newRow("ed25519") << u"ed25519"_s << QString() << QString() << u"openssh"_s << false;
    QTest::newRow("ed25519 passphrase") << u"ed25519"_s << QString() << pass << u"openssh"_s << true;
    QTest::newRow("ecdsa") << u"ecdsa"_s << QString() << QString() << u"openssh"_s << true;
    QTest::newRow("ecdsa passphrase") << u"ecdsa"_s << QString() << pass << u"openssh"_s << false;
    QTest::newRow("ecdsa pem") << u"ecdsa"_s << u"PEM"_s << QString() << u"pkcs1"_s << false;
    QTest::newRow("ecdsa pem passphrase") << u"ecdsa"_s << u"PEM"_s << pass << u"pkcs1"_s << true;
    QTest::newRow("ecdsa pkcs8") << u"ecdsa"_s << u"PKCS8"_s << QString() << u"pkcs8"_s << true;
    QTest::newRow("ecdsa pkcs8 passphrase") << u"ecdsa"_s << u"PKCS8"_s << pass << u"pkcs8"_s << false;
    QTest::newRow("rsa") << u"rsa"_s << QString() << QString() << u"openssh"_s << false;
    QTest::newRow("rsa passphrase") << u"rsa"_s << QString() << pass << u"openssh"_s << true;
    QTest::newRow("rsa pem") << u"rsa"_s << u"PEM"_s << QString() << u"pkcs1"_s << true;
    QTest::newRow("rsa pem passphrase") << u"rsa"_s << u"PEM"_s << pass << u"pkcs1"_s << false;
    QTest::newRow("rsa pkcs8") << u"rsa"_s << u"PKCS8"_s << QString() << u"pkcs8"_s << false;
    QTest::newRow("rsa pkcs8 passphrase") << u"rsa"_s << u"PKCS8"_s << pass << u"pkcs8"_s << true;
}

void TestKeysPanel::addThroughTheDialog()
{
    QFETCH(QString, type);
    QFETCH(QString, format);
    QFETCH(QString, passphrase);
    QFETCH(QString, storedFormat);
    QFETCH(bool, fromFiles);

    const KeyPair pair = makeKeyPair(m_keyDir.path(), type, format, passphrase);
    QVERIFY(!pair.privatePath.isEmpty());
    QSignalSpy changed(&inventory(), &InventoryService::changed);

    std::unique_ptr<KeyEditDialog> dialog(m_panel->createAddDialog());
    QVERIFY(!dialog->isEditing());
    // The seed's default user name is there to begin with.
    QCOMPARE(child<QLineEdit>(dialog.get(), u"username"_s)->text(), u"usr"_s);
    QVERIFY(child<QCheckBox>(dialog.get(), u"enabled"_s)->isChecked());
    QCOMPARE(child<QLineEdit>(dialog.get(), u"password"_s)->echoMode(), QLineEdit::Password);
    child<QLineEdit>(dialog.get(), u"identifier"_s)->setText(u"key-"_s + type);
    child<QLineEdit>(dialog.get(), u"keyName"_s)->setText(u"Deploy key"_s);
    child<QLineEdit>(dialog.get(), u"hostname"_s)->setText(u"web-1"_s);
    child<QLineEdit>(dialog.get(), u"ip"_s)->setText(u"192.0.2.10"_s);
    child<QLineEdit>(dialog.get(), u"tags"_s)->setText(u"prod, web"_s);
    if (fromFiles) {
        // What "Choose file…" does with the file chosen: the .pub beside it comes along.
        KEYSTEAD_VERIFY_OK(dialog->loadPrivateKeyFile(pair.privatePath));
        QCOMPARE(child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->toPlainText(), pair.publicLine);
    } else {
        child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->setPlainText(pair.publicLine);
        child<QPlainTextEdit>(dialog.get(), u"privateKey"_s)->setPlainText(QString::fromLatin1(pair.privateText));
    }
    child<QLineEdit>(dialog.get(), u"password"_s)->setText(passphrase);

    child<QPushButton>(dialog.get(), u"save"_s)->click();
    QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
    QCOMPARE(changed.count(), 1);
    const SshKeyRecord saved = dialog->saved().key;
    QVERIFY(dialog->saved().created);

    // In the table, with the fingerprint ssh-keygen -l prints, and selected.
    const SshKeysModel &model = m_panel->keysModel();
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, SshKeysModel::Identifier).data().toString(), u"key-"_s + type);
    QCOMPARE(model.index(0, SshKeysModel::Name).data().toString(), u"Deploy key"_s);
    QCOMPARE(model.index(0, SshKeysModel::Fingerprint).data().toString(), pair.fingerprint);
    QCOMPARE(model.index(0, SshKeysModel::Algorithm).data().toString(),
             u"%1 %2"_s.arg(saved.publicKey.typeLabel()).arg(pair.bits));
    QCOMPARE(model.index(0, SshKeysModel::Username).data().toString(), u"usr"_s);
    QCOMPARE(model.index(0, SshKeysModel::Host).data().toString(), u"web-1"_s);
    QCOMPARE(model.index(0, SshKeysModel::Host).data(Qt::ToolTipRole).toString(), u"web-1 (192.0.2.10)"_s);
    QCOMPARE(model.index(0, SshKeysModel::Tags).data().toString(), u"prod, web"_s);
    QCOMPARE(model.index(0, SshKeysModel::Enabled).data().toString(), u"enabled"_s);
    QCOMPARE(model.index(0, SshKeysModel::PrivateKey).data().toString(),
             passphrase.isEmpty() ? u"sealed"_s : u"sealed, with password"_s);
    QCOMPARE(m_panel->selectedKeyId(), saved.id);
    QVERIFY(m_panel->noticeText().startsWith(u"Added"_s));

    // Stored as given: the private key sealed, in the form it came.
    const Result<SshKeyRecord> stored = inventory().find(saved.id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->publicKey.fingerprintSha256(), pair.fingerprint);
    QCOMPARE(stored->origin, u"console"_s);
    QVERIFY(stored->hasPrivateKey);
    QCOMPARE(stored->hasPassword, !passphrase.isEmpty());
    QCOMPARE(stored->privateKeyFormat, storedFormat);
    QCOMPARE(stored->privateKeyEncrypted, !passphrase.isEmpty());
    QCOMPARE(stored->tags, (QStringList{u"prod"_s, u"web"_s}));
    const Result<SshKeySecrets> secrets = inventory().reveal(saved.id, Actor::console());
    KEYSTEAD_VERIFY_OK(secrets);
    QCOMPARE(secrets->privateKey, pair.privateText);
    QCOMPARE(secrets->password, passphrase.toUtf8());
}

void TestKeysPanel::refusedSaveShowsTheNumberAndStoresNothing_data()
{
    QTest::addColumn<QString>("problem");
    QTest::addColumn<int>("code");
    QTest::newRow("mismatched pair") << u"mismatch"_s << 1043;
    QTest::newRow("wrong passphrase") << u"wrong passphrase"_s << 1045;
    QTest::newRow("passphrase missing") << u"no passphrase"_s << 1044;
    QTest::newRow("garbage private key") << u"garbage"_s << 1041;
    QTest::newRow("no public key") << u"no public key"_s << 1013;
    QTest::newRow("no private key") << u"no private key"_s << 1014;
    QTest::newRow("no hostname") << u"no hostname"_s << 1004;
    QTest::newRow("no ip") << u"no ip"_s << 1005;
}

void TestKeysPanel::refusedSaveShowsTheNumberAndStoresNothing()
{
    QFETCH(QString, problem);
    QFETCH(int, code);

    const QString pass = QString::fromLatin1(kPassphrase);
    const bool encrypted = problem.contains(u"passphrase"_s);
    const KeyPair pair = makeKeyPair(m_keyDir.path(), u"ed25519"_s, {}, encrypted ? pass : QString());
    QVERIFY(!pair.privatePath.isEmpty());
    std::unique_ptr<KeyEditDialog> dialog(fillAddDialog(pair, u"refused"_s, encrypted ? pass : QString()));
    if (problem == u"mismatch"_s) {
        const KeyPair other = makeKeyPair(m_keyDir.path(), u"ed25519"_s);
        child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->setPlainText(other.publicLine);
    } else if (problem == u"wrong passphrase"_s) {
        child<QLineEdit>(dialog.get(), u"password"_s)->setText(u"not the passphrase"_s);
    } else if (problem == u"no passphrase"_s) {
        child<QLineEdit>(dialog.get(), u"password"_s)->clear();
    } else if (problem == u"garbage"_s) {
        child<QPlainTextEdit>(dialog.get(), u"privateKey"_s)
            ->setPlainText(u"-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n"_s);
    } else if (problem == u"no public key"_s) {
        child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->clear();
    } else if (problem == u"no private key"_s) {
        child<QPlainTextEdit>(dialog.get(), u"privateKey"_s)->clear();
    } else if (problem == u"no hostname"_s) {
        child<QLineEdit>(dialog.get(), u"hostname"_s)->clear();
    } else if (problem == u"no ip"_s) {
        child<QLineEdit>(dialog.get(), u"ip"_s)->clear();
    }
    dialog->show();
    QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
    QSignalSpy changed(&inventory(), &InventoryService::changed);

    child<QPushButton>(dialog.get(), u"save"_s)->click();
    // Still open, saying what is wrong with the seed's style of number.
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->result(), int(QDialog::Rejected));
    QVERIFY2(dialog->errorText().startsWith(QString::number(code) + u": "_s), qPrintable(dialog->errorText()));
    QVERIFY(child<QLabel>(dialog.get(), u"error"_s)->isVisible());
    // What was typed stays for the operator to correct.
    QCOMPARE(child<QLineEdit>(dialog.get(), u"identifier"_s)->text(), u"refused"_s);

    // Nothing stored: no key, no secret.
    QCOMPARE(changed.count(), 0);
    QCOMPARE(m_panel->keysModel().rowCount(), 0);
    const Result<QList<SshKeyRecord>> listed = inventory().list();
    KEYSTEAD_VERIFY_OK(listed);
    QVERIFY(listed->isEmpty());
    QCOMPARE(vaultSecretCount(), 0);
}

void TestKeysPanel::newKeyMayNotTakeAnExistingIdentifier()
{
    const SshKeyRecord existing = storeKey(u"taken"_s, u"web-1"_s);
    QVERIFY(!existing.id.isEmpty());
    const KeyPair pair = makeKeyPair(m_keyDir.path(), u"ed25519"_s);
    std::unique_ptr<KeyEditDialog> dialog(fillAddDialog(pair, u"taken"_s, {}));
    QSignalSpy changed(&inventory(), &InventoryService::changed);
    QVERIFY(!dialog->save());
    QVERIFY2(dialog->errorText().contains(u"exists already"_s), qPrintable(dialog->errorText()));
    QCOMPARE(changed.count(), 0);
    const Result<SshKeyRecord> kept = inventory().find(u"taken"_s);
    KEYSTEAD_VERIFY_OK(kept);
    QCOMPARE(kept->publicKey, existing.publicKey);
}

void TestKeysPanel::editKeepsTheSealedPrivateKey()
{
    const QString pass = QString::fromLatin1(kPassphrase);
    const KeyPair pair = makeKeyPair(m_keyDir.path(), u"ecdsa"_s, {}, pass);
    std::unique_ptr<KeyEditDialog> added(fillAddDialog(pair, u"edit-me"_s, pass));
    KEYSTEAD_VERIFY_OK(added->save());
    const QString id = added->saved().key.id;
    added.reset();

    QVERIFY(m_panel->selectKey(id));
    std::unique_ptr<KeyEditDialog> dialog(m_panel->createEditDialog());
    QVERIFY(dialog);
    QVERIFY(dialog->isEditing());
    QVERIFY(child<QLineEdit>(dialog.get(), u"identifier"_s)->isReadOnly());
    QCOMPARE(child<QLineEdit>(dialog.get(), u"hostname"_s)->text(), u"web-1"_s);
    QCOMPARE(child<QLineEdit>(dialog.get(), u"tags"_s)->text(), u"prod, web"_s);
    // The secrets are never put in the form.
    QVERIFY(child<QPlainTextEdit>(dialog.get(), u"privateKey"_s)->toPlainText().isEmpty());
    QVERIFY(child<QLineEdit>(dialog.get(), u"password"_s)->text().isEmpty());

    child<QLineEdit>(dialog.get(), u"keyName"_s)->setText(u"Renamed"_s);
    child<QLineEdit>(dialog.get(), u"tags"_s)->setText(u"prod, db"_s);
    // Only what changed goes to the service.
    const SshKeyInput sent = dialog->input();
    QCOMPARE(sent.identifier.value_or(QString()), u"edit-me"_s);
    QCOMPARE(sent.keyName.value_or(QString()), u"Renamed"_s);
    QVERIFY(sent.tags.has_value());
    QVERIFY(!sent.hostname && !sent.ip && !sent.publicKey && !sent.privateKey && !sent.password && !sent.enabled);

    child<QPushButton>(dialog.get(), u"save"_s)->click();
    QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
    QVERIFY(!dialog->saved().created);
    const int row = m_panel->keysModel().rowOf(id);
    QCOMPARE(m_panel->keysModel().index(row, SshKeysModel::Name).data().toString(), u"Renamed"_s);
    QCOMPARE(m_panel->keysModel().index(row, SshKeysModel::Tags).data().toString(), u"prod, db"_s);
    QCOMPARE(m_panel->selectedKeyId(), id); // the change kept the selection

    const Result<SshKeySecrets> secrets = inventory().reveal(id, Actor::console());
    KEYSTEAD_VERIFY_OK(secrets);
    QCOMPARE(secrets->privateKey, pair.privateText);
    QCOMPARE(secrets->password, pass.toUtf8());
}

void TestKeysPanel::unknownDevicesAreANoticeNotAnError()
{
    QVERIFY(!storeKey(u"db-key"_s, u"db-1"_s).id.isEmpty());
    const KeyPair pair = makeKeyPair(m_keyDir.path(), u"ed25519"_s);
    std::unique_ptr<KeyEditDialog> dialog(fillAddDialog(pair, u"with-devices"_s, {}));
    child<QLineEdit>(dialog.get(), u"devices"_s)->setText(u"db-1, nowhere-7"_s);
    child<QPushButton>(dialog.get(), u"save"_s)->click();
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
    QCOMPARE(dialog->saved().deviceProblems.size(), 1);
    QCOMPARE(dialog->saved().deviceProblems.constFirst().hostname, u"nowhere-7"_s);

    // Saved, and the panel says which device it does not know, as a notice.
    QVERIFY(m_panel->errorText().isEmpty());
    QVERIFY2(m_panel->noticeText().contains(u"nowhere-7"_s), qPrintable(m_panel->noticeText()));
    const int row = m_panel->keysModel().rowOf(dialog->saved().key.id);
    QVERIFY(row >= 0);
    QVERIFY(m_panel->keysModel().index(row, SshKeysModel::Devices).data().toString().contains(u"db-1"_s));
}

void TestKeysPanel::textAndTagFiltersNarrowTheRows()
{
    QVERIFY(!storeKey(u"web-deploy"_s, u"web-1"_s, {u"prod"_s, u"web"_s}, {}, u"Web deploy"_s).id.isEmpty());
    QVERIFY(!storeKey(u"db-backup"_s, u"db-1"_s, {u"prod"_s, u"db"_s}).id.isEmpty());
    const SshKeyRecord staging = storeKey(u"staging"_s, u"stage-1"_s, {u"staging"_s});
    QVERIFY(!staging.id.isEmpty());
    const ui::SshKeysFilter &filter = m_panel->keysFilter();
    QCOMPARE(filter.rowCount(), 3);

    const auto shown = [&filter] {
        QStringList identifiers;
        for (int row = 0; row < filter.rowCount(); ++row)
            identifiers.append(filter.index(row, SshKeysModel::Identifier).data().toString());
        identifiers.sort();
        return identifiers;
    };

    // The tags in use, after "All tags".
    auto *tags = child<QComboBox>(m_panel.get(), u"tagFilter"_s);
    QStringList offered;
    for (int row = 0; row < tags->count(); ++row)
        offered.append(tags->itemText(row));
    QCOMPARE(offered, (QStringList{u"All tags"_s, u"db"_s, u"prod"_s, u"staging"_s, u"web"_s}));

    auto *text = child<QLineEdit>(m_panel.get(), u"textFilter"_s);
    text->setText(u"WEB"_s); // any case, any column (identifier, name, host, tag)
    QCOMPARE(shown(), QStringList{u"web-deploy"_s});
    text->setText(u"db-1"_s); // the host
    QCOMPARE(shown(), QStringList{u"db-backup"_s});
    text->setText(staging.publicKey.fingerprintSha256().mid(7, 12)); // part of a fingerprint
    QCOMPARE(shown(), QStringList{u"staging"_s});
    text->setText(staging.ip); // the address, shown in the host's tooltip
    QCOMPARE(shown(), QStringList{u"staging"_s});
    text->clear();
    QCOMPARE(filter.rowCount(), 3);

    tags->setCurrentIndex(tags->findText(u"prod"_s));
    QCOMPARE(shown(), (QStringList{u"db-backup"_s, u"web-deploy"_s}));
    text->setText(u"backup"_s);
    QCOMPARE(shown(), QStringList{u"db-backup"_s});
    text->setText(u"stag"_s); // text and tag together
    QCOMPARE(filter.rowCount(), 0);
    tags->setCurrentIndex(0);
    QCOMPARE(shown(), QStringList{u"staging"_s});
}

void TestKeysPanel::disableKey()
{
    const SshKeyRecord key = storeKey(u"to-disable"_s, u"web-1"_s);
    QVERIFY(m_panel->selectKey(key.id));
    auto *disable = child<QAction>(m_panel.get(), u"disableKey"_s);
    QVERIFY(disable->isEnabled());
    disable->trigger();
    QVERIFY2(m_panel->errorText().isEmpty(), qPrintable(m_panel->errorText()));
    const Result<SshKeyRecord> stored = inventory().find(key.id);
    KEYSTEAD_VERIFY_OK(stored);
    QVERIFY(!stored->enabled);
    const int row = m_panel->keysModel().rowOf(key.id);
    QCOMPARE(m_panel->keysModel().index(row, SshKeysModel::Enabled).data().toString(), u"disabled"_s);
    // Still selected, and nothing more to disable.
    QCOMPARE(m_panel->selectedKeyId(), key.id);
    QVERIFY(!disable->isEnabled());
    QVERIFY(inventory().authorizedKeys(u"web-1"_s).value().trimmed().isEmpty());
}

void TestKeysPanel::vaultProblemIsShown()
{
    // Secrets sealed under the test's master key...
    QVERIFY(!storeKey(u"sealed"_s, u"web-1"_s).id.isEmpty());
    QVERIFY(m_panel->vaultProblem().isEmpty());

    // ...and a window whose key store has no key for them (the services rebuilt on another key file).
    m_testers.clear();
    m_panel.reset();
    QTemporaryDir elsewhere;
    m_core->inventory.reset();
    m_core->vault.reset();
    m_core->masterKeys = std::make_unique<FileMasterKeyStore>(elsewhere.filePath(u"master.key"_s));
    m_core->vault = std::make_unique<Vault>(m_core->store->database(), m_core->clock, *m_core->masterKeys);
    m_core->inventory
        = std::make_unique<InventoryService>(m_core->store->database(), m_core->clock, *m_core->vault, *m_core->audit);
    Vault &vault = *m_core->vault;
    QVERIFY(vault.state() != VaultState::Ready && vault.state() != VaultState::Empty);
    KeysPanel panel(m_core->keysPanelServices());
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QVERIFY2(panel.vaultProblem().contains(vault.stateMessage()), qPrintable(panel.vaultProblem()));
    QVERIFY(child<QLabel>(&panel, u"vaultError"_s)->isVisible());
    // The list needs no vault: the key is still there.
    QCOMPARE(panel.keysModel().rowCount(), 1);
}

void TestKeysPanel::windowShowsTheKeysPanel()
{
    m_testers.clear();
    m_panel.reset();
    QTemporaryDir settingsDir;
    QSettings windowSettings(settingsDir.filePath(u"window.ini"_s), QSettings::IniFormat);
    ui::MainWindow window(m_core->services(), windowSettings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.showPanel(ui::MainWindow::Panel::Keys);
    auto *panel = qobject_cast<KeysPanel *>(window.panel(ui::MainWindow::Panel::Keys));
    QVERIFY(panel);
    QVERIFY(panel->isVisible());
    QVERIFY(!storeKey(u"in-window"_s, u"web-1"_s).id.isEmpty());
    QCOMPARE(panel->keysModel().rowCount(), 1);
    QVERIFY(panel->findChild<QTableView *>(u"keys"_s)->isVisible());
}

KEYSTEAD_UI_TEST_MAIN(TestKeysPanel)
#include "tst_keyspanel.moc"
