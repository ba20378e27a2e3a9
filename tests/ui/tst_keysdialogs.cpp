#include "KeysPanelFixture.h"

// The Keys panel, offscreen, on a real store with the real vault (master key
// in a file), audit log and inventory service; key pairs made by ssh-keygen.
class TestKeysDialogs final : public KeysPanelFixture
{
    Q_OBJECT

private Q_SLOTS:
    void generateEachType_data();
    void generateEachType();
    void generateNeedsTheSamePassphraseTwice();
    void revealAfterConfirming();
    void cancelledRevealRevealsNothing();
    void copyPublicKey();
    void exportAuthorizedKeysForADevice();
    void importFromACollectSession();
};

void TestKeysDialogs::generateEachType_data()
{
    QTest::addColumn<int>("typeNumber"); // GeneratedKeyType
    QTest::addColumn<QString>("algorithm");
    QTest::addColumn<int>("bits");
    QTest::addColumn<QString>("passphrase");
    QTest::newRow("ed25519") << int(GeneratedKeyType::Ed25519) << u"ssh-ed25519"_s << 256 << QString();
    QTest::newRow("ecdsa p-256") << int(GeneratedKeyType::EcdsaP256) << u"ecdsa-sha2-nistp256"_s << 256 << QString();
    QTest::newRow("ecdsa p-384 passphrase")
        << int(GeneratedKeyType::EcdsaP384) << u"ecdsa-sha2-nistp384"_s << 384 << QString::fromLatin1(kPassphrase);
    QTest::newRow("ecdsa p-521") << int(GeneratedKeyType::EcdsaP521) << u"ecdsa-sha2-nistp521"_s << 521 << QString();
    QTest::newRow("rsa 3072") << int(GeneratedKeyType::Rsa3072) << u"ssh-rsa"_s << 3072 << QString();
    QTest::newRow("rsa 4096") << int(GeneratedKeyType::Rsa4096) << u"ssh-rsa"_s << 4096 << QString();
}

void TestKeysDialogs::generateEachType()
{
    QFETCH(int, typeNumber);
    const auto type = static_cast<GeneratedKeyType>(typeNumber);
    QFETCH(QString, algorithm);
    QFETCH(int, bits);
    QFETCH(QString, passphrase);

    std::unique_ptr<GenerateKeyDialog> dialog(m_panel->createGenerateDialog());
    dialog->show();
    QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
    dialog->setKeyType(type);
    QCOMPARE(dialog->keyType(), type);
    child<QLineEdit>(dialog.get(), u"identifier"_s)->setText(u"generated"_s);
    child<QLineEdit>(dialog.get(), u"keyName"_s)->setText(u"New pair"_s);
    child<QLineEdit>(dialog.get(), u"hostname"_s)->setText(u"web-1"_s);
    child<QLineEdit>(dialog.get(), u"ip"_s)->setText(u"192.0.2.10"_s);
    child<QLineEdit>(dialog.get(), u"passphrase"_s)->setText(passphrase);
    child<QLineEdit>(dialog.get(), u"passphraseAgain"_s)->setText(passphrase);
    QSignalSpy done(dialog.get(), &GenerateKeyDialog::generationDone);

    child<QPushButton>(dialog.get(), u"generate"_s)->click();
    // Busy until the pair arrives from its thread: the form is locked, the bar moves.
    QVERIFY(dialog->isBusy());
    QVERIFY(!child<QComboBox>(dialog.get(), u"keyType"_s)->isEnabled());
    QVERIFY(!child<QPushButton>(dialog.get(), u"generate"_s)->isEnabled());
    QVERIFY(child<QWidget>(dialog.get(), u"busy"_s)->isVisible());
    dialog->reject(); // no cancelling halfway
    QVERIFY(dialog->isVisible());
    QVERIFY(done.wait(180'000));
    QVERIFY2(done.at(0).at(0).toBool(), qPrintable(dialog->errorText()));
    QVERIFY(!dialog->isBusy());
    QCOMPARE(dialog->result(), int(QDialog::Accepted)); // the button closes it once saved
    QVERIFY(!dialog->isVisible());

    const SshKeyRecord saved = dialog->saved().key;
    QCOMPARE(saved.identifier, u"generated"_s);
    QCOMPARE(saved.origin, u"generated"_s);
    QCOMPARE(saved.publicKey.algorithm(), algorithm);
    QCOMPARE(saved.publicKey.bits(), bits);
    QVERIFY(saved.hasPrivateKey);
    QCOMPARE(saved.hasPassword, !passphrase.isEmpty());
    QCOMPARE(saved.privateKeyEncrypted, !passphrase.isEmpty());
    QCOMPARE(m_panel->selectedKeyId(), saved.id);

    // ssh-keygen opens the stored private key (with the passphrase) and derives the stored public half.
    const Result<SshKeySecrets> secrets = inventory().reveal(saved.id, Actor::console());
    KEYSTEAD_VERIFY_OK(secrets);
    QCOMPARE(secrets->password, passphrase.toUtf8());
    const QString path = m_keyDir.filePath(u"revealed-%1"_s.arg(static_cast<int>(type)));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QVERIFY(file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    QCOMPARE(file.write(secrets->privateKey), secrets->privateKey.size());
    file.close();
    const ProcessResult derived = run(u"ssh-keygen"_s, {u"-y"_s, u"-f"_s, path, u"-P"_s, passphrase});
    QCOMPARE(derived.exitCode, 0);
    const Result<SshPublicKey> derivedKey
        = SshPublicKey::fromOpenSshLine(QString::fromLatin1(derived.output).trimmed());
    KEYSTEAD_VERIFY_OK(derivedKey);
    QCOMPARE(derivedKey->fingerprintSha256(), saved.publicKey.fingerprintSha256());
    if (!passphrase.isEmpty()) // and only with it
        QVERIFY(run(u"ssh-keygen"_s, {u"-y"_s, u"-f"_s, path, u"-P"_s, u"wrong"_s}).exitCode != 0);
}

void TestKeysDialogs::generateNeedsTheSamePassphraseTwice()
{
    std::unique_ptr<GenerateKeyDialog> dialog(m_panel->createGenerateDialog());
    child<QLineEdit>(dialog.get(), u"hostname"_s)->setText(u"web-1"_s);
    child<QLineEdit>(dialog.get(), u"ip"_s)->setText(u"192.0.2.10"_s);
    child<QLineEdit>(dialog.get(), u"passphrase"_s)->setText(u"one passphrase"_s);
    child<QLineEdit>(dialog.get(), u"passphraseAgain"_s)->setText(u"another one"_s);
    QSignalSpy changed(&inventory(), &InventoryService::changed);
    QVERIFY(!dialog->start());
    QVERIFY(!dialog->isBusy());
    QVERIFY(dialog->errorText().contains(u"passphrases differ"_s));

    // Nor without the device it opens.
    child<QLineEdit>(dialog.get(), u"passphraseAgain"_s)->setText(u"one passphrase"_s);
    child<QLineEdit>(dialog.get(), u"ip"_s)->clear();
    QVERIFY(!dialog->start());
    QVERIFY(!dialog->errorText().isEmpty());
    QCOMPARE(changed.count(), 0);
    QCOMPARE(m_panel->keysModel().rowCount(), 0);
}

void TestKeysDialogs::revealAfterConfirming()
{
    const QString pass = QString::fromLatin1(kPassphrase);
    const KeyPair pair = makeKeyPair(m_keyDir.path(), u"rsa"_s, u"PEM"_s, pass);
    std::unique_ptr<KeyEditDialog> added(fillAddDialog(pair, u"secret-key"_s, pass));
    KEYSTEAD_VERIFY_OK(added->save());
    const QString id = added->saved().key.id;
    QVERIFY(m_panel->selectKey(id));
    QVERIFY(child<QAction>(m_panel.get(), u"revealPrivateKey"_s)->isEnabled());
    const int eventsBefore = auditCount();
    QVERIFY(eventsBefore >= 0);

    QString question;
    ui::RevealKeyDialog *dialog = nullptr;
    const int answered
        = answeringDialogs([&] { dialog = m_panel->revealSelected(); }, clickMessageBox(QMessageBox::Yes, &question));
    QCOMPARE(answered, 1);
    QCOMPARE(question, u"The private key will be shown in plain text. This is recorded in the audit log."_s);
    QVERIFY2(dialog, qPrintable(m_panel->errorText()));
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->privateKeyText().toLatin1(), pair.privateText);
    QCOMPARE(dialog->passwordText(), pass);
    QVERIFY(child<QPlainTextEdit>(dialog, u"privateKey"_s)->isReadOnly());
    child<QPushButton>(dialog, u"copyPrivateKey"_s)->click();
    QCOMPARE(QGuiApplication::clipboard()->text().toLatin1(), pair.privateText);

    // Recorded: who revealed which key.
    const Result<QList<AuditEvent>> events = m_core->audit->list();
    KEYSTEAD_VERIFY_OK(events);
    QCOMPARE(events->size(), eventsBefore + 1);
    const AuditEvent &event = events->constFirst();
    QVERIFY2(event.action.contains(u"reveal"_s), qPrintable(event.action));
    QCOMPARE(event.subjectId, id);
    QCOMPARE(event.actor.kind, u"console"_s);
    dialog->close(); // deletes itself
}

void TestKeysDialogs::cancelledRevealRevealsNothing()
{
    const SshKeyRecord key = storeKey(u"kept-secret"_s, u"web-1"_s);
    QVERIFY(m_panel->selectKey(key.id));
    const int eventsBefore = auditCount();
    ui::RevealKeyDialog *dialog = nullptr;
    const int answered
        = answeringDialogs([&] { dialog = m_panel->revealSelected(); }, clickMessageBox(QMessageBox::Cancel));
    QCOMPARE(answered, 1);
    QVERIFY(!dialog);
    QVERIFY(!m_panel->findChild<ui::RevealKeyDialog *>());
    QCOMPARE(auditCount(), eventsBefore);
}

void TestKeysDialogs::copyPublicKey()
{
    const KeyPair pair = makeKeyPair(m_keyDir.path(), u"ecdsa"_s);
    std::unique_ptr<KeyEditDialog> added(fillAddDialog(pair, u"copy-me"_s, {}));
    KEYSTEAD_VERIFY_OK(added->save());
    QVERIFY(m_panel->selectKey(added->saved().key.id));
    QGuiApplication::clipboard()->clear();
    child<QAction>(m_panel.get(), u"copyPublicKey"_s)->trigger();
    // The OpenSSH line, as ssh-keygen wrote it (with its comment).
    QCOMPARE(QGuiApplication::clipboard()->text(), pair.publicLine);
    QVERIFY(m_panel->noticeText().contains(u"Copied"_s));
    // Also in the table's context menu.
    auto *view = child<QTableView>(m_panel.get(), u"keys"_s);
    QCOMPARE(view->contextMenuPolicy(), Qt::ActionsContextMenu);
    QVERIFY(view->actions().contains(child<QAction>(m_panel.get(), u"copyPublicKey"_s)));
    QVERIFY(view->actions().contains(child<QAction>(m_panel.get(), u"revealPrivateKey"_s)));
}

void TestKeysDialogs::exportAuthorizedKeysForADevice()
{
    const SshKeyRecord db = storeKey(u"db-main"_s, u"db-1"_s);
    const SshKeyRecord web = storeKey(u"web-main"_s, u"web-1"_s, {}, {u"db-1"_s});
    const SshKeyRecord disabled = storeKey(u"web-old"_s, u"web-1"_s);
    const SshKeyRecord other = storeKey(u"elsewhere"_s, u"mail-1"_s);
    QVERIFY(!db.id.isEmpty() && !web.id.isEmpty() && !disabled.id.isEmpty() && !other.id.isEmpty());
    KEYSTEAD_VERIFY_OK(inventory().inactivate(disabled.id, Actor::console()));

    QVERIFY(m_panel->selectKey(web.id));
    std::unique_ptr<ui::AuthorizedKeysDialog> dialog(m_panel->createExportDialog());
    QStringList devices = dialog->deviceHostnames();
    devices.sort();
    QCOMPARE(devices, (QStringList{u"db-1"_s, u"mail-1"_s, u"web-1"_s}));
    // The selected key's device first; the disabled key is not in it.
    QCOMPARE(dialog->device(), u"web-1"_s);
    QCOMPARE(keyBlobs(dialog->authorizedKeys()), QSet<QByteArray>{web.publicKey.blob()});

    // Main device of one, additional device of the other.
    QVERIFY(dialog->setDevice(u"db-1"_s));
    QCOMPARE(keyBlobs(dialog->authorizedKeys()), (QSet<QByteArray>{db.publicKey.blob(), web.publicKey.blob()}));
    QCOMPARE(dialog->authorizedKeys().trimmed(), inventory().authorizedKeys(u"db-1"_s).value().trimmed());
    child<QPushButton>(dialog.get(), u"copy"_s)->click();
    QCOMPARE(keyBlobs(QGuiApplication::clipboard()->text()), keyBlobs(dialog->authorizedKeys()));
    const QString path = m_keyDir.filePath(u"authorized_keys_db-1"_s);
    KEYSTEAD_VERIFY_OK(dialog->saveTo(path));
    QCOMPARE(keyBlobs(QString::fromLatin1(readAll(path))), keyBlobs(dialog->authorizedKeys()));

    QVERIFY(dialog->setDevice(u"mail-1"_s));
    QCOMPARE(keyBlobs(dialog->authorizedKeys()), QSet<QByteArray>{other.publicKey.blob()});
}

void TestKeysDialogs::importFromACollectSession()
{
    const SshPublicKey first = generatePublicKey(m_keyDir.path(), u"ed25519"_s);
    const SshPublicKey second = generatePublicKey(m_keyDir.path(), u"ecdsa"_s);
    QVERIFY(!first.isNull() && !second.isNull());
    CollectSessionInput input;
    input.connectionIdentifier = u"alice-laptop"_s;
    input.multiKey = true;
    const Result<CollectSession> created = m_core->collect->create(input);
    KEYSTEAD_VERIFY_OK(created);
    const Result<QString> connection
        = m_core->collect->connectionOpened(created->id, u"192.0.2.44"_s, u"SSH-2.0-OpenSSH_9.2"_s);
    KEYSTEAD_VERIFY_OK(connection);
    KEYSTEAD_VERIFY_OK(m_core->collect->keyProven(connection.value(), first));
    KEYSTEAD_VERIFY_OK(m_core->collect->keyProven(connection.value(), second));
    KEYSTEAD_VERIFY_OK(m_core->collect->connectionClosed(connection.value(), ConnectionOutcome::Kept));
    const Result<CollectSession> session = m_core->collect->get(created->id);
    KEYSTEAD_VERIFY_OK(session);

    ui::CollectSessionDetail detail(m_core->collectPanelServices());
    detail.showSession(session.value());
    auto *add = child<QPushButton>(&detail, u"addToInventory"_s);
    QVERIFY(add->isEnabled());
    QSignalSpy changed(&inventory(), &InventoryService::changed);
    add->click();
    QVERIFY2(detail.errorText().isEmpty(), qPrintable(detail.errorText()));
    QVERIFY2(detail.inventoryNoticeText().contains(u"2"_s), qPrintable(detail.inventoryNoticeText()));
    QVERIFY(changed.count() >= 1);

    // In the Keys panel, public key only, marked as such; nothing to reveal.
    const SshKeysModel &model = m_panel->keysModel();
    QCOMPARE(model.rowCount(), 2);
    QSet<QByteArray> blobs;
    for (int row = 0; row < model.rowCount(); ++row) {
        const SshKeyRecord &key = model.keyAt(row);
        blobs.insert(key.publicKey.blob());
        QVERIFY(!key.hasPrivateKey);
        QCOMPARE(key.origin, u"collected"_s);
        QCOMPARE(key.collectSessionId, session->id);
        QCOMPARE(model.index(row, SshKeysModel::PrivateKey).data().toString(), u"public key only"_s);
    }
    QCOMPARE(blobs, (QSet<QByteArray>{first.blob(), second.blob()}));
    QVERIFY(m_panel->selectKey(model.keyAt(0).id));
    QVERIFY(child<QAction>(m_panel.get(), u"copyPublicKey"_s)->isEnabled());
    QVERIFY(!child<QAction>(m_panel.get(), u"revealPrivateKey"_s)->isEnabled());
    QVERIFY(!m_panel->revealSelected());

    // Again: nothing new, and it says so.
    const Result<int> again = detail.addKeysToInventory();
    KEYSTEAD_VERIFY_OK(again);
    QCOMPARE(again.value(), 0);
    QVERIFY2(detail.inventoryNoticeText().contains(u"already"_s), qPrintable(detail.inventoryNoticeText()));
    QCOMPARE(model.rowCount(), 2);
}

KEYSTEAD_UI_TEST_MAIN(TestKeysDialogs)
#include "tst_keysdialogs.moc"
