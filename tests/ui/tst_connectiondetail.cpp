#include "ConnectionsPanelFixture.h"

// The connections panel, offscreen, on a real store: records made through the
// service's recorder calls as the SSH server makes them (so trails are real
// hash chains), the lazy model under QAbstractItemModelTester throughout.
class TestConnectionDetail final : public ConnectionsPanelFixture
{
    Q_OBJECT

private Q_SLOTS:
    void detailShowsTrailAndTerminal();
    void terminalReplayDropsEscapes();
    void verifyReportsIntactThenBroken();
    void verifyBannerNamesTheSignedCheckpoints();
    void exportWritesTheJsonlDownload();
    void tagsAreSaved();
    void disconnectWithoutALiveConnectionShowsTheError();
    void disconnectButtonAsksFirst();
    void disconnectEndsARealClient();
};

void TestConnectionDetail::detailShowsTrailAndTerminal()
{
    const QString id = record(u"alice"_s, u"192.0.2.10"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    QVERIFY(panel().selectConnection(id));
    ConnectionDetail &detail = m_panel->detail();
    QCOMPARE(detail.connectionId(), id);
    QCOMPARE(child<QStackedWidget>(m_panel.get(), u"detailStack"_s)->currentWidget(), &detail);
    QCOMPARE(child<QLabel>(&detail, u"fieldUser"_s)->text(), u"alice"_s);
    QCOMPARE(child<QLabel>(&detail, u"fieldRemoteAddress"_s)->text(), u"192.0.2.10"_s);
    QCOMPARE(child<QLabel>(&detail, u"fieldClientVersion"_s)->text(), u"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"_s);
    QCOMPARE(child<QLabel>(&detail, u"fieldMethods"_s)->text(), u"PUBLICKEY"_s);
    QVERIFY(child<QLabel>(&detail, u"fieldDisconnected"_s)->text().contains(u"client disconnected"_s));

    const Result<QList<TrailEvent>> trail = service().trail(id);
    KEYSTEAD_VERIFY_OK(trail);
    QCOMPARE(detail.trailEvents().size(), trail->size());
    QCOMPARE(detail.timelineRowCount(), static_cast<int>(trail->size()));
    auto *timeline = child<QTreeWidget>(&detail, u"trail"_s);
    QStringList types;
    QStringList summaries;
    for (int row = 0; row < timeline->topLevelItemCount(); ++row) {
        types.append(timeline->topLevelItem(row)->text(ConnectionDetail::EventColumn));
        summaries.append(timeline->topLevelItem(row)->text(ConnectionDetail::SummaryColumn));
    }
    QCOMPARE(types,
             (QStringList{u"client-version"_s, u"key-offered"_s, u"key-proven"_s, u"auth"_s, u"banner"_s,
                          u"channel-open"_s, u"stdout"_s, u"stdin"_s, u"channel-close"_s, u"disconnect"_s}));
    QCOMPARE(summaries.at(1), u"ssh-ed25519 SHA256:Jc1nS8qcN1dTp2rrV8zTGU8Gx0bM5eO3pZbQlHf3kQk · not proven"_s);
    QCOMPARE(summaries.at(2), u"ssh-ed25519 SHA256:Jc1nS8qcN1dTp2rrV8zTGU8Gx0bM5eO3pZbQlHf3kQk · proven"_s);
    QCOMPARE(summaries.at(4), u"Keystead collects your public keys.⏎"_s);
    QCOMPARE(summaries.at(7), u"y⏎"_s); // what the user typed
    QVERIFY2(summaries.at(6).startsWith(u"^[]0;keystead^G^[[1;32mWelcome"_s), qPrintable(summaries.at(6)));
    QCOMPARE(timeline->topLevelItem(1)->text(ConnectionDetail::ChannelColumn), kConnection);
    QCOMPARE(timeline->topLevelItem(6)->text(ConnectionDetail::ChannelColumn), kChannel);

    QCOMPARE(detail.terminalText(), kReplay);
    auto *terminal = child<QPlainTextEdit>(&detail, u"terminal"_s);
    QVERIFY(terminal->isReadOnly());
    QVERIFY(!terminal->toPlainText().contains(QChar(0x1b)));

    // One channel at a time.
    detail.setTrailChannel(kConnection);
    QCOMPARE(detail.timelineRowCount(), 6);
    QCOMPARE(detail.terminalText(), QString());
    detail.setTrailChannel(kChannel);
    QCOMPARE(detail.timelineRowCount(), 4);
    QCOMPARE(detail.terminalText(), kReplay);

    // Nothing selected: the empty state again.
    view().clearSelection();
    QCOMPARE(child<QStackedWidget>(m_panel.get(), u"detailStack"_s)->currentIndex(), 0);
    QVERIFY(detail.connectionId().isEmpty());
}

void TestConnectionDetail::terminalReplayDropsEscapes()
{
    QCOMPARE(ConnectionDetail::renderTerminal(kOutput), kReplay);
    QCOMPARE(ConnectionDetail::renderTerminal("plain"), u"plain"_s);
    QCOMPARE(ConnectionDetail::renderTerminal("a\tb"), u"a       b"_s);
    QCOMPARE(ConnectionDetail::renderTerminal("abc\x1b[2Dx"), u"axc"_s);
    QCOMPARE(ConnectionDetail::renderTerminal("abcdef\r\x1b[3Cx\x1b[K"), u"abcx"_s);
    QCOMPARE(ConnectionDetail::renderTerminal("one\r\ntwo\n"), u"one\ntwo"_s);
    QCOMPARE(ConnectionDetail::renderTerminal("caf\xc3\xa9 \x1b(B\x1b[?25lok"), u"café ok"_s);
    // A sequence cut off at the end shows nothing of itself.
    QCOMPARE(ConnectionDetail::renderTerminal("done\x1b[1;3"), u"done"_s);
}

void TestConnectionDetail::verifyReportsIntactThenBroken()
{
    const QString id = record(u"alice"_s, u"192.0.2.10"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    QVERIFY(panel().selectConnection(id));
    ConnectionDetail &detail = m_panel->detail();
    QVERIFY(detail.verificationText().isEmpty());

    child<QPushButton>(&detail, u"verifyTrail"_s)->click();
    QVERIFY2(detail.verificationText().contains(u"intact"_s), qPrintable(detail.verificationText()));
    QVERIFY(detail.verificationText().contains(u"10 records"_s));

    // Someone edits what the user typed, by hand, in the database.
    Result<QSqlQuery> changed = sql::exec(
        m_core->store->database().connection(),
        u"UPDATE trail_events SET data = ? WHERE connection_id = ? AND sequence = 8"_s, {QByteArray("n\r"), id});
    KEYSTEAD_VERIFY_OK(changed);
    QCOMPARE(changed->numRowsAffected(), 1);
    const Result<TrailVerification> verified = detail.verifyTrail();
    KEYSTEAD_VERIFY_OK(verified);
    QVERIFY(!verified->intact);
    QCOMPARE(verified->brokenAtSequence, 8);
    const QString shown = detail.verificationText();
    QVERIFY2(shown.contains(u"BROKEN at record 8"_s), qPrintable(shown));
    auto *label = child<QLabel>(&detail, u"verifyResult"_s);
    QVERIFY(label->isVisible());
    QVERIFY(label->font().bold());
    // The broken record is the one the timeline points at.
    auto *timeline = child<QTreeWidget>(&detail, u"trail"_s);
    QVERIFY(timeline->currentItem());
    QCOMPARE(timeline->currentItem()->data(ConnectionDetail::TimeColumn, Qt::UserRole).toLongLong(), 8);

    // Another connection: the answer is not carried over.
    const QString other = record(u"bob"_s, u"198.51.100.7"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    QTRY_VERIFY(m_panel->selectConnection(other));
    QVERIFY(detail.verificationText().isEmpty());
}

void TestConnectionDetail::verifyBannerNamesTheSignedCheckpoints()
{
    const QString id = record(u"alice"_s, u"192.0.2.10"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    QVERIFY(panel().selectConnection(id));
    ConnectionDetail &detail = m_panel->detail();
    QVERIFY(detail.verifyTrail());
    QVERIFY2(detail.verificationText().contains(u"No signed checkpoint"_s), qPrintable(detail.verificationText()));

    TrailTimestamper timestamper(m_core->store->database(), m_core->clock, *m_core->vault, service());
    const Result<int> made = timestamper.signNow();
    KEYSTEAD_VERIFY_OK(made);
    QCOMPARE(made.value(), 1);
    QVERIFY(detail.verifyTrail()->intact);
    QVERIFY2(detail.verificationText().contains(u"1 signed checkpoint(s) verified"_s),
             qPrintable(detail.verificationText()));

    // The checkpoint's signature forged: the banner says the trail differs from what was signed.
    Database &database = m_core->store->database();
    KEYSTEAD_VERIFY_OK(sql::exec(database.connection(),
                                 u"CREATE TABLE forged AS SELECT * FROM trail_checkpoints WHERE connection_id = ?"_s,
                                 {id}));
    KEYSTEAD_VERIFY_OK(
        sql::exec(database.connection(), u"DELETE FROM trail_checkpoints WHERE connection_id = ?"_s, {id}));
    KEYSTEAD_VERIFY_OK(sql::exec(database.connection(),
                                 u"INSERT INTO trail_checkpoints SELECT connection_id, sequence, trail_head, signed_at,"
                                 " key_fingerprint, 'AAAA' || substr(signature, 5) FROM forged"_s));
    const Result<TrailVerification> verified = detail.verifyTrail();
    KEYSTEAD_VERIFY_OK(verified);
    QVERIFY(!verified->intact);
    QVERIFY2(detail.verificationText().contains(u"signed checkpoint"_s), qPrintable(detail.verificationText()));
    QVERIFY(detail.verificationText().contains(u"does not verify"_s));
}

void TestConnectionDetail::exportWritesTheJsonlDownload()
{
    const QString id = record(u"alice"_s, u"192.0.2.10"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    QVERIFY(panel().selectConnection(id));
    ConnectionDetail &detail = m_panel->detail();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());

    const auto download = [this, &id](const QString &channel) {
        const Result<QByteArray> log = service().trailLog(id, channel, TrailLogFormat::Jsonl);
        return log ? log.value() : QByteArray();
    };
    const auto read = [](const QString &path) {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    };

    // One channel: exactly that channel's log, as the HTTP download serves it.
    detail.setTrailChannel(kChannel);
    const QString channelPath = dir.filePath(u"channel.jsonl"_s);
    KEYSTEAD_VERIFY_OK(detail.exportTrail(channelPath));
    const QByteArray expected = download(kChannel);
    QVERIFY(!expected.isEmpty());
    QCOMPARE(read(channelPath), expected);
    QCOMPARE(read(channelPath).count('\n'), 4);

    // Every channel: each channel's lines, in the order of the trail.
    detail.setTrailChannel({});
    const QString allPath = dir.filePath(u"all.jsonl"_s);
    KEYSTEAD_VERIFY_OK(detail.exportTrail(allPath));
    const QList<QByteArray> lines = read(allPath).split('\n');
    QCOMPARE(lines.size(), 11); // ten events and the final newline
    QVERIFY(lines.constLast().isEmpty());
    QSet<QByteArray> exported(lines.cbegin(), lines.cend() - 1);
    QSet<QByteArray> downloaded;
    for (const QString &channel : {kConnection, kChannel}) {
        for (const QByteArray &line : download(channel).split('\n')) {
            if (!line.isEmpty())
                downloaded.insert(line);
        }
    }
    QCOMPARE(exported, downloaded);
    for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
        const QJsonObject event = QJsonDocument::fromJson(lines.at(i)).object();
        QCOMPARE(event.value(u"sequence"_s).toInteger(), i + 1);
    }
    QCOMPARE(QJsonDocument::fromJson(lines.at(7)).object().value(u"data"_s).toString(), u"y\r"_s);

    // A file that cannot be written says so.
    const Status failed = detail.exportTrail(dir.filePath(u"missing/dir/trail.jsonl"_s));
    QVERIFY(!failed);
    QVERIFY(!detail.errorText().isEmpty());
}

void TestConnectionDetail::tagsAreSaved()
{
    const QString id = record(u"alice"_s, u"192.0.2.10"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    QVERIFY(panel().selectConnection(id));
    ConnectionDetail &detail = m_panel->detail();
    auto *tags = child<QLineEdit>(&detail, u"tags"_s);
    auto *save = child<QPushButton>(&detail, u"saveTags"_s);
    QVERIFY(!save->isEnabled());

    tags->selectAll();
    QTest::keyClicks(tags, u"audit, contractor , audit,"_s);
    QVERIFY(save->isEnabled());
    save->click();
    QVERIFY2(detail.errorText().isEmpty(), qPrintable(detail.errorText()));
    const Result<ConnectionRecord> stored = service().get(id);
    KEYSTEAD_VERIFY_OK(stored);
    QStringList storedTags = stored->tags;
    storedTags.sort();
    QCOMPARE(storedTags, (QStringList{u"audit"_s, u"contractor"_s}));
    QCOMPARE(tags->text(), u"audit, contractor"_s);
    QVERIFY(!save->isEnabled());
    // The row shows them once the service announces the change.
    QTRY_VERIFY(cell(0, ConnectionsModel::Tags).contains(u"contractor"_s));

    // Recorded as done from the console.
    AuditQuery query;
    query.action = u"connection.tags"_s;
    const Result<QList<AuditEvent>> audited = m_core->audit->list(query);
    KEYSTEAD_VERIFY_OK(audited);
    QCOMPARE(audited->size(), 1);
    QCOMPARE(audited->constFirst().subjectId, id);
    QCOMPARE(audited->constFirst().actor.kind, Actor::console().kind);

    // Emptied: no tags.
    tags->clear();
    KEYSTEAD_VERIFY_OK(detail.saveTags());
    QVERIFY(service().get(id)->tags.isEmpty());
}

void TestConnectionDetail::disconnectWithoutALiveConnectionShowsTheError()
{
    // Recorded as connected, but no SSH server runs here to end it.
    const QString id = record(u"alice"_s, u"192.0.2.10"_s, false);
    KEYSTEAD_VERIFY_OK(service().flush());
    QVERIFY(panel().selectConnection(id));
    ConnectionDetail &detail = m_panel->detail();
    QVERIFY(child<QPushButton>(&detail, u"disconnect"_s)->isEnabled());

    const Status ended = detail.disconnectConnection();
    QVERIFY(!ended);
    QCOMPARE(ended.error().kind, Error::Kind::Conflict);
    QCOMPARE(detail.errorText(), ended.error().message);
    QVERIFY(!detail.errorText().isEmpty());

    // A past connection cannot be ended at all.
    const QString past = record(u"bob"_s, u"198.51.100.7"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    QTRY_VERIFY(m_panel->selectConnection(past));
    QVERIFY(!child<QPushButton>(&detail, u"disconnect"_s)->isEnabled());
    const Status again = detail.disconnectConnection();
    QVERIFY(!again);
    QCOMPARE(again.error().kind, Error::Kind::Conflict);
}

void TestConnectionDetail::disconnectButtonAsksFirst()
{
    const QString id = record(u"alice"_s, u"192.0.2.10"_s, false);
    KEYSTEAD_VERIFY_OK(service().flush());
    QVERIFY(panel().selectConnection(id));
    ConnectionDetail &detail = m_panel->detail();
    auto *button = child<QPushButton>(&detail, u"disconnect"_s);

    QString question;
    QCOMPARE(answeringDialogs([button] { button->click(); },
                              [&question](QWidget *dialog) {
                                  question = qobject_cast<QMessageBox *>(dialog)->text();
                                  return clickButton(dialog, QMessageBox::Cancel);
                              }),
             1);
    QVERIFY2(question.contains(u"alice"_s), qPrintable(question));
    QVERIFY(detail.errorText().isEmpty()); // not asked of the service

    QCOMPARE(answeringDialogs([button] { button->click(); },
                              [](QWidget *dialog) { return clickButton(dialog, QMessageBox::Yes); }),
             1);
    QVERIFY(!detail.errorText().isEmpty()); // asked, and the service said why not
}

void TestConnectionDetail::disconnectEndsARealClient()
{
    for (const QString &tool : {u"ssh"_s, u"ssh-keygen"_s})
        QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(), qPrintable(tool + u" is needed"_s));
    QTemporaryDir home;
    QTemporaryDir serverData;
    QVERIFY(home.isValid() && serverData.isValid());
    const QString keyPath = home.filePath(u"id_ed25519"_s);
    QProcess keygen;
    keygen.start(u"ssh-keygen"_s, {u"-q"_s, u"-t"_s, u"ed25519"_s, u"-N"_s, QString(), u"-f"_s, keyPath});
    QVERIFY(keygen.waitForFinished(60'000) && keygen.exitStatus() == QProcess::NormalExit && keygen.exitCode() == 0);

    // A session that asks the user to confirm: the client waits at the prompt until it is ended.
    CollectSessionInput input;
    input.mustConfirm = true;
    const Result<CollectSession> session = m_core->collect->create(input);
    KEYSTEAD_VERIFY_OK(session);
    CollectServer &server = *m_core->collectServer;
    auto stopServer = qScopeGuard([&server] { server.stop(); });
    CollectServerConfig config;
    config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    config.dataDir = serverData.path();
    KEYSTEAD_VERIFY_OK(server.start(config));

    // Open before the client connects, so the row arrives live.
    ConnectionsModel &model = panel().connectionsModel();
    QCOMPARE(model.rowCount(), 0);
    // The model takes as new what connected after its query; this clock moves only when told.
    m_core->clock.advanceSeconds(1);

    QProcess client;
    auto stopClient = qScopeGuard([&client] {
        if (client.state() != QProcess::NotRunning) {
            client.kill();
            client.waitForFinished(10'000);
        }
    });
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"HOME"_s, home.path());
    for (const QString &name : {u"SSH_AUTH_SOCK"_s, u"SSH_AGENT_PID"_s, u"SSH_ASKPASS"_s, u"DISPLAY"_s})
        environment.remove(name);
    client.setProcessEnvironment(environment);
    // Its input stays open and nothing is written to it: the user never types the y.
    client.start(u"ssh"_s,
                 {u"-F"_s, u"none"_s, u"-p"_s, QString::number(server.boundPort()), u"-o"_s,
                  u"StrictHostKeyChecking=no"_s, u"-o"_s, u"UserKnownHostsFile=/dev/null"_s, u"-o"_s,
                  u"BatchMode=yes"_s, u"-o"_s, u"IdentitiesOnly=yes"_s, u"-o"_s, u"ConnectTimeout=20"_s, u"-i"_s,
                  keyPath, session->connectionIdentifier + u"@127.0.0.1"_s});
    QVERIFY(client.waitForStarted(10'000));
    QByteArray shown;
    const auto atPrompt = [&client, &shown] {
        shown += client.readAllStandardOutput();
        return shown.contains("Type y and press Enter");
    };
    QTRY_VERIFY2_WITH_TIMEOUT(atPrompt(), shown.constData(), kSshWaitMs);

    // What the server reported reaches the store when the service writes it; then the row appears.
    const auto liveRowShown = [this, &model] {
        if (Status flushed = service().flush(); !flushed)
            qWarning("flush: %s", qPrintable(flushed.error().message));
        return model.rowCount() == 1 && cell(0, ConnectionsModel::Status) == u"connected"_s;
    };
    QTRY_VERIFY_WITH_TIMEOUT(liveRowShown(), kSshWaitMs);
    const QString id = model.index(0, 0).data(ConnectionsModel::IdRole).toString();
    QVERIFY(!id.isEmpty());
    QCOMPARE(cell(0, ConnectionsModel::User), session->connectionIdentifier);
    QCOMPARE(cell(0, ConnectionsModel::RemoteAddress), u"127.0.0.1"_s);

    // Selected as an operator does: a click on its row.
    const QRect rowRect = view().visualRect(model.index(0, ConnectionsModel::User));
    QVERIFY(rowRect.isValid());
    QTest::mouseClick(view().viewport(), Qt::LeftButton, {}, rowRect.center());
    QCOMPARE(m_panel->selectedConnectionId(), id);
    ConnectionDetail &detail = m_panel->detail();
    QTRY_COMPARE(detail.connectionId(), id);
    auto *button = child<QPushButton>(&detail, u"disconnect"_s);
    QVERIFY(button->isEnabled());

    QString question;
    QCOMPARE(answeringDialogs([button] { button->click(); },
                              [&question](QWidget *dialog) {
                                  if (auto *box = qobject_cast<QMessageBox *>(dialog))
                                      question = box->text();
                                  return clickButton(dialog, QMessageBox::Yes);
                              }),
             1);
    QVERIFY2(question.contains(session->connectionIdentifier), qPrintable(question));
    QVERIFY2(detail.errorText().isEmpty(), qPrintable(detail.errorText()));

    // The real client is cut off, and says why.
    QTRY_VERIFY_WITH_TIMEOUT(client.state() == QProcess::NotRunning, kSshWaitMs);
    QCOMPARE(client.exitStatus(), QProcess::NormalExit);
    QVERIFY2(client.exitCode() != 0, qPrintable(QString::number(client.exitCode())));
    const QByteArray complaint = client.readAllStandardError();
    QVERIFY2(complaint.contains("terminated by an operator"), complaint.constData());
    QTRY_VERIFY_WITH_TIMEOUT(server.connectionCount() == 0, kSshWaitMs);
    KEYSTEAD_VERIFY_OK(service().flush());

    const Result<ConnectionRecord> record = service().get(id);
    KEYSTEAD_VERIFY_OK(record);
    QCOMPARE(record->status, ConnectionStatus::Disconnected);
    QVERIFY(record->forceDisconnect.isValid());
    QVERIFY(record->disconnected.isValid());

    // The trail names the console as the one who ended it, then the end itself.
    const Result<QList<TrailEvent>> trail = service().trail(id);
    KEYSTEAD_VERIFY_OK(trail);
    qsizetype terminate = -1;
    qsizetype disconnect = -1;
    QStringList types;
    for (qsizetype i = 0; i < trail->size(); ++i) {
        types.append(trail->at(i).type);
        if (trail->at(i).type == u"terminate"_s && terminate < 0)
            terminate = i;
        if (trail->at(i).type == u"disconnect"_s && disconnect < 0)
            disconnect = i;
    }
    QVERIFY2(terminate >= 0 && terminate < disconnect, qPrintable(types.join(u' ')));
    QCOMPARE(disconnect, trail->size() - 1);
    const Actor console = Actor::console();
    const TrailEvent &terminated = trail->at(terminate);
    const QJsonObject actor = terminated.detail.value(u"actor"_s).toObject();
    QCOMPARE(actor.value(u"kind"_s).toString(), console.kind);
    QCOMPARE(actor.value(u"name"_s).toString(), console.name);
    const QString reason = terminated.detail.value(u"reason"_s).toString();
    QVERIFY2(reason.contains(console.name.isEmpty() ? console.kind : console.name), qPrintable(reason));
    QCOMPARE(QString::fromUtf8(terminated.data), reason);
    QCOMPARE(trail->at(disconnect).detail.value(u"reason"_s).toString(), reason);
    QCOMPARE(record->disconnectReason, reason);
    const Result<TrailVerification> verified = service().verifyTrail(id);
    KEYSTEAD_VERIFY_OK(verified);
    QVERIFY2(verified->intact, qPrintable(verified->message));

    // And in the audit log, as done from the console.
    AuditQuery query;
    query.action = u"connection.terminate"_s;
    query.subjectId = id;
    const Result<QList<AuditEvent>> audited = m_core->audit->list(query);
    KEYSTEAD_VERIFY_OK(audited);
    QCOMPARE(audited->size(), 1);
    QCOMPARE(audited->constFirst().actor.kind, console.kind);

    // The panel follows: the row reads disconnected, and there is nothing left to end.
    QTRY_COMPARE_WITH_TIMEOUT(cell(model.rowOf(id), ConnectionsModel::Status), u"disconnected"_s, kSshWaitMs);
    QTRY_VERIFY(!button->isEnabled());
    auto *disconnected = child<QLabel>(&detail, u"fieldDisconnected"_s);
    QTRY_VERIFY2(disconnected->text().contains(reason), qPrintable(disconnected->text()));

    server.stop();
    QCOMPARE(server.connectionCount(), 0);
}

KEYSTEAD_UI_TEST_MAIN(TestConnectionDetail)
#include "tst_connectiondetail.moc"
