#include "CollectPanelFixture.h"

// The collect sessions panel, offscreen, on a real store with the real collect
// server and webhook dispatcher: the dialog's logic, the live updates driven
// from another thread as the SSH server drives them, and the models under
// QAbstractItemModelTester throughout.
class TestCollectLive final : public CollectPanelFixture
{
    Q_OBJECT

private Q_SLOTS:
    void keysFromTheServerThreadArriveLive();
    void declinedKeysShowAsDiscarded();
    void keysModelAppliesEachChangeInPlace();
    void sshLineFollowsTheServer();
    void realClientThroughTheToolbarServer();
    void webhookDeliveriesAreListedAndSentAgain();
    void collectedKeyNotifies();
};

void TestCollectLive::keysFromTheServerThreadArriveLive()
{
    CollectSessionInput input;
    input.multiKey = true;
    const Result<CollectSession> session = createSession(input);
    KEYSTEAD_VERIFY_OK(session);
    QVERIFY(m_panel->selectSession(session->id));
    QCOMPARE(m_panel->detail().sessionId(), session->id);

    const CollectSessionsModel &sessions = m_panel->sessionsModel();
    const CollectKeysModel &keys = m_panel->detail().keysModel();
    QSignalSpy sessionsReset(&sessions, &CollectSessionsModel::modelReset);
    QSignalSpy sessionsChanged(&sessions, &CollectSessionsModel::dataChanged);
    QSignalSpy keysReset(&keys, &CollectKeysModel::modelReset);
    QSignalSpy keysInserted(&keys, &CollectKeysModel::rowsInserted);
    const QThread *mainThread = QThread::currentThread();
    const QThread *emittedFrom = nullptr;
    connect(
        m_core->collect.get(), &CollectService::keyCollected, this,
        [&emittedFrom] { emittedFrom = QThread::currentThread(); }, Qt::DirectConnection);

    // As the SSH server does it: from its own thread, through the gate.
    const QString connectionId = connectWithKeys(session->id, u"198.51.100.23"_s, u"SSH-2.0-OpenSSH_9.2p1"_s, {0, 1});
    QVERIFY(!connectionId.isEmpty());
    QVERIFY(emittedFrom && emittedFrom != mainThread);

    const QModelIndex keysCell = sessions.index(sessions.rowOf(session->id), CollectSessionsModel::Keys);
    QTRY_COMPARE(keysCell.data().toInt(), 2);
    QCOMPARE(sessions.index(keysCell.row(), CollectSessionsModel::Connections).data().toInt(), 1);
    QCOMPARE(sessionsReset.count(), 0);
    QVERIFY(sessionsChanged.count() >= 1);

    // The detail followed, in place.
    QTRY_COMPARE(keys.rowCount(), 1);
    const QModelIndex connection = keys.index(0, CollectKeysModel::Item);
    QTRY_COMPARE(keys.rowCount(connection), 2);
    QCOMPARE(keysReset.count(), 0);
    QVERIFY(keysInserted.count() >= 1);
    QCOMPARE(connection.data().toString(), u"198.51.100.23"_s);
    QCOMPARE(keys.index(0, CollectKeysModel::Fingerprint).data().toString(), u"SSH-2.0-OpenSSH_9.2p1"_s);
    QCOMPARE(keys.index(0, CollectKeysModel::Fingerprint, connection).data().toString(), key(0).fingerprintSha256());
    QCOMPARE(keys.index(1, CollectKeysModel::Fingerprint, connection).data().toString(), key(1).fingerprintSha256());
    QCOMPARE(keys.index(0, CollectKeysModel::State, connection).data().toString(), u"collected"_s);
    QCOMPARE(keys.index(0, CollectKeysModel::Item, connection).data().toString(), u"ED25519 256 bits"_s);
    QCOMPARE(keys.index(1, CollectKeysModel::Item, connection).data().toString(), u"ECDSA 256 bits"_s);
    // The view shows the keys without a click.
    auto *tree = child<QTreeView>(m_panel.get(), u"keys"_s);
    QVERIFY(tree->isExpanded(tree->model()->index(0, 0)));
    QCOMPARE(child<QTabWidget>(m_panel.get(), u"detailTabs"_s)->tabText(0), u"Connections and keys (2)"_s);

    // A third key, with the key selected staying selected.
    const QString firstKeyId = keys.index(0, 0, connection).data(CollectKeysModel::IdRole).toString();
    QVERIFY(m_panel->detail().selectKey(firstKeyId));
    onServerThread([&] { (void)m_core->collect->keyProven(connectionId, key(2)); });
    QTRY_COMPARE(keys.rowCount(connection), 3);
    QCOMPARE(keysReset.count(), 0);
    QCOMPARE(tree->currentIndex().data(CollectKeysModel::IdRole).toString(), firstKeyId);

    // One key copied as an authorized_keys line; all saved as a file.
    const QString line = m_panel->detail().copySelectedKey();
    QCOMPARE(line, key(0).openSshLine(u"keystead-collect:"_s + session->connectionIdentifier));
    QCOMPARE(QGuiApplication::clipboard()->text(), line);
    QTemporaryDir out;
    const QString path = out.filePath(u"authorized_keys"_s);
    KEYSTEAD_VERIFY_OK(m_panel->detail().saveAuthorizedKeys(path));
    QFile saved(path);
    QVERIFY(saved.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(saved.readAll()).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    for (int i = 0; i < 3; ++i) {
        const Result<SshPublicKey> parsed = SshPublicKey::fromOpenSshLine(lines.at(i));
        KEYSTEAD_VERIFY_OK(parsed);
        QVERIFY(parsed.value() == key(i));
    }
    // ssh-keygen reads it as an authorized_keys file.
    QProcess keygen;
    keygen.start(u"ssh-keygen"_s, {u"-l"_s, u"-f"_s, path});
    QVERIFY(keygen.waitForFinished(30'000));
    QCOMPARE(keygen.exitCode(), 0);
    QCOMPARE(QString::fromLatin1(keygen.readAllStandardOutput()).count(u"SHA256:"_s), 3);

    onServerThread([&] { (void)m_core->collect->connectionClosed(connectionId, ConnectionOutcome::Kept); });
    QTRY_COMPARE(sessions.index(keysCell.row(), CollectSessionsModel::Status).data().toString(), u"completed"_s);
    QTRY_COMPARE(keys.index(0, CollectKeysModel::State).data().toString(), u"kept"_s);
    QCOMPARE(keysReset.count(), 0);
    QCOMPARE(sessionsReset.count(), 0);
}

void TestCollectLive::declinedKeysShowAsDiscarded()
{
    CollectSessionInput input;
    input.multiKey = true;
    input.mustConfirm = true;
    const Result<CollectSession> session = createSession(input);
    KEYSTEAD_VERIFY_OK(session);
    QVERIFY(m_panel->selectSession(session->id));

    const QString connectionId = connectWithKeys(session->id, u"203.0.113.9"_s, u"SSH-2.0-x"_s, {0, 2});
    const CollectKeysModel &keys = m_panel->detail().keysModel();
    QTRY_COMPARE(keys.collectedKeyCount(), 2);
    QVERIFY(child<QPushButton>(m_panel.get(), u"saveKeys"_s)->isEnabled());

    onServerThread([&] { (void)m_core->collect->connectionClosed(connectionId, ConnectionOutcome::Declined); });
    const QModelIndex connection = keys.index(0, 0);
    QTRY_COMPARE(keys.index(0, CollectKeysModel::State, connection).data().toString(), u"discarded"_s);
    QCOMPARE(keys.index(1, CollectKeysModel::State, connection).data().toString(), u"discarded"_s);
    QCOMPARE(keys.index(0, CollectKeysModel::State).data().toString(), u"declined"_s);
    QVERIFY(keys.index(0, CollectKeysModel::State, connection)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(u"did not confirm"_s));
    // Still listed as a record, counted as nothing, saved nowhere.
    const CollectSessionsModel &sessions = m_panel->sessionsModel();
    QCOMPARE(sessions.index(sessions.rowOf(session->id), CollectSessionsModel::Keys).data().toInt(), 0);
    QCOMPARE(sessions.index(sessions.rowOf(session->id), CollectSessionsModel::Status).data().toString(), u"pending"_s);
    QVERIFY(sessions.index(sessions.rowOf(session->id), CollectSessionsModel::Keys)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(u"Discarded keys: 2"_s));
    QVERIFY(keys.authorizedKeysFile().isEmpty());
    QVERIFY(!child<QPushButton>(m_panel.get(), u"saveKeys"_s)->isEnabled());
    QTemporaryDir out;
    QVERIFY(!m_panel->detail().saveAuthorizedKeys(out.filePath(u"authorized_keys"_s)));
    QVERIFY(!QFile::exists(out.filePath(u"authorized_keys"_s)));
}

void TestCollectLive::keysModelAppliesEachChangeInPlace()
{
    // The key model alone, no panel to feed it: it follows the service's ChangeSets itself.
    CollectSessionInput input;
    input.multiKey = true;
    input.mustConfirm = true;
    const Result<CollectSession> session = createSession(input);
    KEYSTEAD_VERIFY_OK(session);
    const QString connectionId = connectWithKeys(session->id, u"192.0.2.44"_s, u"SSH-2.0-x"_s, {0, 1});
    QVERIFY(!connectionId.isEmpty());
    QCoreApplication::processEvents(); // what those writes announced, before the model exists

    CollectKeysModel keys(*m_core->collect);
    QAbstractItemModelTester tester(&keys, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const Result<CollectSession> read = m_core->collect->get(session->id);
    KEYSTEAD_VERIFY_OK(read);
    keys.setSession(read.value());
    QCOMPARE(keys.rowCount(), 1);
    const QModelIndex connection = keys.index(0, 0);
    QCOMPARE(keys.rowCount(connection), 2);

    QSignalSpy resets(&keys, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&keys, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&keys, &QAbstractItemModel::dataChanged);

    // One key collected into a connection with two: one row inserted under it, nothing else.
    onServerThread([&] { (void)m_core->collect->keyProven(connectionId, key(2)); });
    QTRY_COMPARE(inserted.size(), 1);
    QCOMPARE(inserted.constFirst().at(0).value<QModelIndex>(), connection);
    QCOMPARE(inserted.constFirst().at(1).toInt(), 2);
    QCOMPARE(inserted.constFirst().at(2).toInt(), 2);
    QCOMPARE(keys.rowCount(connection), 3);
    QCOMPARE(keys.index(2, CollectKeysModel::Fingerprint, connection).data().toString(), key(2).fingerprintSha256());
    QCOMPARE(changed.size(), 0);

    // Declined: the connection and each key are repainted where they are.
    onServerThread([&] { (void)m_core->collect->connectionClosed(connectionId, ConnectionOutcome::Declined); });
    QTRY_COMPARE(keys.index(2, CollectKeysModel::State, connection).data().toString(), u"discarded"_s);
    QCOMPARE(keys.index(0, CollectKeysModel::State).data().toString(), u"declined"_s);
    for (const QList<QVariant> &signal : std::as_const(changed)) {
        const auto top = signal.at(0).value<QModelIndex>();
        const auto bottom = signal.at(1).value<QModelIndex>();
        QCOMPARE(top.row(), bottom.row());
        QCOMPARE(top.parent(), bottom.parent());
    }
    QVERIFY(changed.size() >= 4); // the connection and its three keys

    // Another session's keys are not this model's.
    const Result<CollectSession> other = createSession(input);
    KEYSTEAD_VERIFY_OK(other);
    QVERIFY(!connectWithKeys(other->id, u"192.0.2.45"_s, u"SSH-2.0-y"_s, {0}).isEmpty());
    QTest::qWait(100);
    QCOMPARE(keys.rowCount(), 1);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(resets.size(), 0);
}

void TestCollectLive::sshLineFollowsTheServer()
{
    KEYSTEAD_VERIFY_OK(ui::collect_settings::save(*m_core->settings, u"127.0.0.1:2299"_s, true));
    m_panel.reset(); // the window's own panel is the one under test here
    m_testers.clear();
    ui::MainWindow window(m_core->services(), windowSettings());
    attachTesters(window.collectPanel());
    CollectSessionInput input;
    input.connectionIdentifier = u"line-check"_s;
    const Result<CollectSession> session = createSession(input);
    KEYSTEAD_VERIFY_OK(session);
    ui::CollectPanel &panel = window.collectPanel();
    QVERIFY(panel.selectSession(session->id));
    ui::CollectSessionDetail &detail = panel.detail();

    // Stopped: the configured address.
    QCOMPARE(detail.sshCommand(), u"ssh -p 2299 line-check@127.0.0.1"_s);
    QVERIFY(detail.hostKeysText().isEmpty());

    // Started through the toolbar on port 0: the port it got.
    KEYSTEAD_VERIFY_OK(ui::collect_settings::save(*m_core->settings, u"127.0.0.1:0"_s, true));
    window.collectServerAction()->trigger();
    QCOMPARE(m_core->collectServer->state(), CollectServer::State::Running);
    const quint16 port = m_core->collectServer->boundPort();
    QVERIFY(port != 0);
    QCOMPARE(detail.sshCommand(), u"ssh -p %1 line-check@127.0.0.1"_s.arg(port));
    QCOMPARE(child<QLineEdit>(&window, u"sshLine"_s)->text(), detail.sshCommand());

    // The host keys users compare with what their client prints.
    const QStringList hostKeys = detail.hostKeysText().split(u'\n');
    QCOMPARE(hostKeys.size(), 3);
    QStringList types;
    for (const QString &line : hostKeys) {
        QVERIFY2(line.contains(u" SHA256:"_s), qPrintable(line));
        types.append(line.section(u' ', 0, 0));
    }
    types.sort();
    QCOMPARE(types, (QStringList{u"ECDSA"_s, u"ED25519"_s, u"RSA"_s}));
    const QString shown = child<QLabel>(&window, u"hostKeys"_s)->text();
    for (const HostKeyFingerprint &fingerprint : m_core->collectServer->hostKeyFingerprints())
        QVERIFY(shown.contains(fingerprint.sha256));

    // Stopped again: back to the configured address.
    window.collectServerAction()->trigger();
    QCOMPARE(m_core->collectServer->state(), CollectServer::State::Stopped);
    QCOMPARE(detail.sshCommand(), u"ssh -p 0 line-check@127.0.0.1"_s);

    // Listening on every address: the line names this machine.
    KEYSTEAD_VERIFY_OK(ui::collect_settings::save(*m_core->settings, u"0.0.0.0:2299"_s, true));
    window.settingsPanel().findChild<QLineEdit *>(u"collectListenAddress"_s)->setText(u"0.0.0.0:22"_s);
    KEYSTEAD_VERIFY_OK(window.settingsPanel().applyCollectSettings());
    QCOMPARE(detail.sshCommand(), u"ssh line-check@"_s + QHostInfo::localHostName());
}

void TestCollectLive::realClientThroughTheToolbarServer()
{
    KEYSTEAD_VERIFY_OK(ui::collect_settings::save(*m_core->settings, u"127.0.0.1:0"_s, true));
    m_panel.reset();
    m_testers.clear();
    ui::MainWindow window(m_core->services(), windowSettings());
    attachTesters(window.collectPanel());
    CollectSessionInput input;
    input.multiKey = true;
    const Result<CollectSession> session = createSession(input);
    KEYSTEAD_VERIFY_OK(session);
    ui::CollectPanel &panel = window.collectPanel();
    QVERIFY(panel.selectSession(session->id));
    window.collectServerAction()->trigger();
    QCOMPARE(m_core->collectServer->state(), CollectServer::State::Running);
    QSignalSpy keysReset(&panel.detail().keysModel(), &CollectKeysModel::modelReset);

    // The user runs the line the panel shows, with two keys.
    QStringList arguments = panel.detail().sshCommand().split(u' ');
    QCOMPARE(arguments.takeFirst(), u"ssh"_s);
    arguments = QStringList{u"-F"_s, u"/dev/null"_s,
                            u"-o"_s, u"BatchMode=yes"_s,
                            u"-o"_s, u"StrictHostKeyChecking=no"_s,
                            u"-o"_s, u"UserKnownHostsFile=/dev/null"_s,
                            u"-o"_s, u"IdentitiesOnly=yes"_s,
                            u"-o"_s, u"IdentityAgent=none"_s,
                            u"-i"_s, keyFile(0),
                            u"-i"_s, keyFile(2)}
        + arguments;
    QProcess client;
    client.setProcessChannelMode(QProcess::MergedChannels);
    client.start(u"ssh"_s, arguments);
    QVERIFY(client.waitForStarted(10'000));
    // The window's event loop runs while the client works: the server's signals arrive queued.
    QTRY_VERIFY_WITH_TIMEOUT(client.state() == QProcess::NotRunning, 60'000);
    const QString transcript = QString::fromLocal8Bit(client.readAll());
    QVERIFY2(client.exitStatus() == QProcess::NormalExit && client.exitCode() == 0, qPrintable(transcript));
    QVERIFY2(transcript.contains(key(0).fingerprintSha256()), qPrintable(transcript));

    const CollectKeysModel &keys = panel.detail().keysModel();
    QTRY_COMPARE(keys.collectedKeyCount(), 2);
    const QModelIndex connection = keys.index(0, 0);
    QCOMPARE(connection.data().toString(), u"127.0.0.1"_s);
    QVERIFY(keys.index(0, CollectKeysModel::Fingerprint).data().toString().startsWith(u"SSH-2.0-OpenSSH"_s));
    QCOMPARE(keys.index(0, CollectKeysModel::Fingerprint, connection).data().toString(), key(0).fingerprintSha256());
    QCOMPARE(keys.index(1, CollectKeysModel::Fingerprint, connection).data().toString(), key(2).fingerprintSha256());
    QCOMPARE(keysReset.count(), 0);
    const CollectSessionsModel &sessions = window.collectPanel().sessionsModel();
    QTRY_COMPARE(sessions.index(sessions.rowOf(session->id), CollectSessionsModel::Status).data().toString(),
                 u"completed"_s);
    window.stopCollectServer();
}

void TestCollectLive::webhookDeliveriesAreListedAndSentAgain()
{
    const quint16 port = closedPort();
    QVERIFY(port != 0);
    CollectSessionInput input;
    CollectWebhook webhook;
    webhook.url = u"http://127.0.0.1:%1/hook"_s.arg(port);
    webhook.events = {u"new_connection"_s};
    input.webhooks = {webhook};
    const Result<CollectSession> session = createSession(input);
    KEYSTEAD_VERIFY_OK(session);
    QVERIFY(m_panel->selectSession(session->id));
    const WebhookDeliveriesModel &deliveries = m_panel->detail().deliveriesModel();
    QCOMPARE(deliveries.rowCount(), 0);
    QSignalSpy reset(&deliveries, &WebhookDeliveriesModel::modelReset);

    // A user connects: the event is queued, sent, and fails against the closed port.
    KEYSTEAD_VERIFY_OK(m_core->collect->connectionOpened(session->id, u"192.0.2.1"_s, u"SSH-2.0-test"_s));
    QTRY_COMPARE(deliveries.rowCount(), 1);
    QCOMPARE(deliveries.index(0, WebhookDeliveriesModel::Event).data().toString(), u"new connection"_s);
    QCOMPARE(deliveries.index(0, WebhookDeliveriesModel::Target).data().toString(), u"POST "_s + webhook.url);
    QTRY_COMPARE_WITH_TIMEOUT(deliveries.index(0, WebhookDeliveriesModel::Status).data().toString(), u"failed"_s,
                              20'000);
    QCOMPARE(deliveries.index(0, WebhookDeliveriesModel::Attempts).data().toInt(), 1);
    QCOMPARE(deliveries.index(0, WebhookDeliveriesModel::Answer).data().toString(), u"no answer"_s);
    QVERIFY(!deliveries.index(0, WebhookDeliveriesModel::Answer).data(Qt::ToolTipRole).toString().isEmpty());
    QVERIFY(
        deliveries.index(0, WebhookDeliveriesModel::Attempts).data(Qt::ToolTipRole).toString().startsWith(u"#1 "_s));
    QCOMPARE(reset.count(), 0);
    QCOMPARE(child<QTabWidget>(m_panel.get(), u"detailTabs"_s)->tabText(1), u"Webhook deliveries (1)"_s);

    // Sent again by hand: a new delivery on top, the old one stays.
    auto *redeliver = child<QPushButton>(m_panel.get(), u"redeliver"_s);
    QVERIFY(!redeliver->isEnabled());
    const QString firstId = deliveries.index(0, 0).data(WebhookDeliveriesModel::IdRole).toString();
    QVERIFY(m_panel->detail().selectDelivery(firstId));
    QVERIFY(redeliver->isEnabled());
    m_core->clock.advanceSeconds(1); // the store orders deliveries by when they were made
    redeliver->click();
    QVERIFY2(m_panel->detail().errorText().isEmpty(), qPrintable(m_panel->detail().errorText()));
    QTRY_COMPARE(deliveries.rowCount(), 2);
    QCOMPARE(deliveries.index(1, 0).data(WebhookDeliveriesModel::IdRole).toString(), firstId);
    QCOMPARE(deliveries.index(0, WebhookDeliveriesModel::Event).data().toString(), u"new connection (sent again)"_s);
    QTRY_COMPARE_WITH_TIMEOUT(deliveries.index(0, WebhookDeliveriesModel::Status).data().toString(), u"failed"_s,
                              20'000);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(deliveries.deliveryAt(0).redeliveryOf, firstId);

    // The receiver's secret, to check signatures with.
    QVERIFY(m_panel->detail().selectDelivery(firstId));
    KEYSTEAD_VERIFY_OK(m_panel->detail().copyWebhookSecret());
    const QString secret = QGuiApplication::clipboard()->text();
    QCOMPARE(secret.size(), 64);
    QCOMPARE(secret.toLatin1(), m_core->webhooks->secretFor(session->webhooks.constFirst().id));
}

void TestCollectLive::collectedKeyNotifies()
{
    m_panel.reset();
    m_testers.clear();
    ui::MainWindow window(m_core->services(), windowSettings());
    QSignalSpy shown(&window.notifier(), &ui::DesktopNotifier::shown);
    CollectSessionInput input;
    input.connectionIdentifier = u"notify-me"_s;
    input.multiKey = true;
    const Result<CollectSession> session = createSession(input);
    KEYSTEAD_VERIFY_OK(session);

    const QString connectionId = connectWithKeys(session->id, u"192.0.2.8"_s, u"SSH-2.0-x"_s, {1});
    QTRY_COMPARE(shown.count(), 1);
    QCOMPARE(shown.at(0).at(0).toString(), u"Key collected"_s);
    const QString body = shown.at(0).at(1).toString();
    QVERIFY2(body.contains(key(1).fingerprintSha256()), qPrintable(body));
    QVERIFY(body.contains(u"notify-me"_s));
    QVERIFY(body.contains(u"192.0.2.8"_s));
    // This test has no session bus and no tray: nowhere to show it, and no wait either.
    QCOMPARE(shown.at(0).at(2).value<ui::DesktopNotifier::Channel>(), ui::DesktopNotifier::Channel::None);

    // Turned off in Settings: nothing.
    auto *notify = window.settingsPanel().findChild<QCheckBox *>(u"collectNotify"_s);
    QVERIFY(notify->isChecked());
    notify->setChecked(false);
    KEYSTEAD_VERIFY_OK(window.settingsPanel().applyCollectSettings());
    QVERIFY(!ui::collect_settings::notificationsEnabled(*m_core->settings));
    QSignalSpy collected(m_core->collect.get(), &CollectService::keyCollected);
    KEYSTEAD_VERIFY_OK(m_core->collect->keyProven(connectionId, key(2)));
    QCOMPARE(collected.count(), 1); // same thread: delivered, and handled, already
    QCOMPARE(shown.count(), 1);
}

KEYSTEAD_UI_TEST_MAIN(TestCollectLive)
#include "tst_collectlive.moc"
