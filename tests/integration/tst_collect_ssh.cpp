// The SSH collect server's dialog against the real OpenSSH client (ssh, ssh-keygen,
// ssh-agent) on 127.0.0.1: proof of possession, confirmation, timeouts and refusals.

#include "CollectSshFixture.h"

#include <QDeadlineTimer>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

class TestCollectSsh final : public CollectSshFixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { makeClientKeys(); }
    void init() { makeServerWorld(); }
    void cleanup() { dropServerWorld(); }

    void collectsEveryKeyWithProof_data();
    void collectsEveryKeyWithProof();
    void multiKeyFalseKeepsTheFirst();
    void manyClientsAtOnce();
    void confirmsThroughARealTerminal_data();
    void confirmsThroughARealTerminal();
    void confirmsWithoutTerminal_data();
    void confirmsWithoutTerminal();
    void clientGoingAwayAtThePromptIsAbandoned();
    void stoppingTheServerAbandonsOpenDialogs();
    void unknownIdentifierRecordsNothing();
    void connectionWithoutKeysRecordsNoKey_data();
    void connectionWithoutKeysRecordsNoKey();
    void unsignedOfferIsNeverRecorded();
    void idleTimeoutEndsAWaitingDialog();
    void tooManyAttemptsAreCutOff();
    void sessionClosingMeanwhileIsToldToTheUser();
    void commandsAreNeverRun();
    void forwardingAndSubsystemsAreRefused_data();
    void forwardingAndSubsystemsAreRefused();
    void hundredKeysStayUnderTheCap();
};

void TestCollectSsh::collectsEveryKeyWithProof_data()
{
    QTest::addColumn<bool>("fromAgent");
    QTest::addColumn<bool>("batchMode");
    QTest::newRow("files") << false << false;
    QTest::newRow("files, BatchMode") << false << true;
    QTest::newRow("agent") << true << false;
    QTest::newRow("agent, BatchMode") << true << true;
}

void TestCollectSsh::collectsEveryKeyWithProof()
{
    QFETCH(bool, fromAgent);
    QFETCH(bool, batchMode);
    m_gate->addSession(session(u"alice"_s));
    KEYSTEAD_VERIFY_OK(startServer());

    QStringList extra;
    if (batchMode)
        extra << u"-o"_s << u"BatchMode=yes"_s;
    Finished done;
    if (fromAgent) {
        QTemporaryDir agentDir;
        const QString socket = agentDir.filePath(u"agent.sock"_s);
        QProcess agent;
        agent.start(u"ssh-agent"_s, {u"-D"_s, u"-a"_s, socket});
        QVERIFY(agent.waitForStarted(10'000));
        auto stopAgent = qScopeGuard([&agent] {
            agent.kill();
            agent.waitForFinished(10'000);
        });
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(socket), 10'000);
        for (const KeyFile &key : std::as_const(m_keys)) {
            const Finished added = runProcess(u"ssh-add"_s, {u"-q"_s, key.path}, clientEnvironment(socket));
            QVERIFY2(added.exitCode == 0, added.err.constData());
        }
        // Only the agent's keys: no identity file is named, and HOME has none.
        done = runProcess(u"ssh"_s, sshArguments(u"alice"_s, {}, extra << u"-o"_s << u"IdentitiesOnly=no"_s),
                          clientEnvironment(socket));
    } else {
        done = ssh(u"alice"_s, m_keys, extra);
    }

    QVERIFY2(done.exitCode == 0, done.err.constData());
    QVERIFY2(done.err.contains("Welcome to the Keystead key collection"), done.err.constData());
    for (const KeyFile &key : std::as_const(m_keys)) {
        const QByteArray line = "Collected " + key.label.toLatin1() + " key " + key.fingerprint.toLatin1();
        QVERIFY2(done.out.contains(line), done.out.constData());
    }
    QVERIFY2(done.out.contains("All done, thank you"), done.out.constData());
    QVERIFY(done.out.indexOf("All done") > done.out.lastIndexOf("Collected "));

    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    const RecordingGate::Connection &connection = connections.constFirst();
    QCOMPARE(connection.sessionId, u"session-alice"_s);
    QCOMPARE(connection.ipAddress, u"127.0.0.1"_s);
    QVERIFY2(connection.clientVersion.startsWith(u"SSH-2.0-OpenSSH_"_s), qPrintable(connection.clientVersion));
    QCOMPARE(connection.keys.size(), 3);
    QSet<QByteArray> expected;
    QStringList expectedFingerprints;
    QStringList recordedFingerprints;
    for (const KeyFile &key : std::as_const(m_keys)) {
        expected.insert(key.blob);
        expectedFingerprints << key.fingerprint;
    }
    for (const SshPublicKey &key : connection.keys)
        recordedFingerprints << key.fingerprintSha256();
    QCOMPARE(blobsOf(connection.keys), expected);
    expectedFingerprints.sort();
    recordedFingerprints.sort();
    QCOMPARE(recordedFingerprints, expectedFingerprints);
    QCOMPARE(connection.outcomes, QList<ConnectionOutcome>{ConnectionOutcome::Kept});
}

void TestCollectSsh::multiKeyFalseKeepsTheFirst()
{
    m_gate->addSession(session(u"single"_s, false));
    KEYSTEAD_VERIFY_OK(startServer());
    const Finished done = ssh(u"single"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s});
    QVERIFY2(done.exitCode == 0, done.err.constData());
    QCOMPARE(done.out.count("Collected "), 1);
    QVERIFY(done.out.contains(QByteArray("Collected ED25519 key " + m_keys.at(0).fingerprint.toLatin1())));

    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QCOMPARE(connections.constFirst().keys.size(), 1);
    QCOMPARE(connections.constFirst().keys.constFirst().blob(), m_keys.at(0).blob);
    QCOMPARE(connections.constFirst().outcomes, QList<ConnectionOutcome>{ConnectionOutcome::Kept});
}

void TestCollectSsh::manyClientsAtOnce()
{
    // One thread serves them all: each connection has its own event, so none waits for another.
    constexpr int kClients = 16;
    m_gate->addSession(session(u"crowd"_s));
    KEYSTEAD_VERIFY_OK(startServer());
    std::vector<std::unique_ptr<QProcess>> clients;
    for (int i = 0; i < kClients; ++i) {
        auto client = std::make_unique<QProcess>();
        client->setProcessEnvironment(clientEnvironment());
        client->start(u"ssh"_s, sshArguments(u"crowd"_s, {m_keys.at(i % 3)}, {u"-o"_s, u"BatchMode=yes"_s}));
        client->closeWriteChannel();
        clients.push_back(std::move(client));
    }
    for (const std::unique_ptr<QProcess> &client : clients) {
        QVERIFY(client->waitForFinished(kProcessTimeoutMs));
        QVERIFY2(client->exitCode() == 0, client->readAllStandardError().constData());
        QVERIFY(client->readAllStandardOutput().contains("Collected "));
    }
    QVERIFY(waitForNoConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), kClients);
    for (const RecordingGate::Connection &connection : connections) {
        QCOMPARE(connection.keys.size(), 1);
        QCOMPARE(connection.outcomes, QList<ConnectionOutcome>{ConnectionOutcome::Kept});
    }
}

void TestCollectSsh::confirmsThroughARealTerminal_data()
{
    QTest::addColumn<QByteArray>("keyPress");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("outcome");
    QTest::newRow("y keeps") << QByteArray("y") << 0 << QByteArray("Kept");
    QTest::newRow("n discards") << QByteArray("n") << 0 << QByteArray("Declined");
    QTest::newRow("Enter discards") << QByteArray("\r") << 0 << QByteArray("Declined");
    QTest::newRow("Ctrl-D discards") << QByteArray("\x04") << 0 << QByteArray("Declined");
}

void TestCollectSsh::confirmsThroughARealTerminal()
{
    QFETCH(QByteArray, keyPress);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, outcome);
    m_gate->addSession(session(u"confirm"_s, true, true));
    KEYSTEAD_VERIFY_OK(startServer());

    PtyProcess terminal;
    QVERIFY(terminal.start(u"ssh"_s, sshArguments(u"confirm"_s, m_keys, {u"-tt"_s}), clientEnvironment()));
    QVERIFY2(terminal.waitFor("Press y to keep these keys", QDeadlineTimer(30'000)), terminal.output().constData());
    // Nothing is decided before the answer.
    const QList<RecordingGate::Connection> waiting = m_gate->connections();
    QCOMPARE(waiting.size(), 1);
    QCOMPARE(waiting.constFirst().keys.size(), 3);
    QVERIFY(waiting.constFirst().outcomes.isEmpty());

    QVERIFY(terminal.write(keyPress));
    QCOMPARE(terminal.waitForExit(QDeadlineTimer(30'000)), exitCode);
    const QByteArray shown = terminal.output();
    QVERIFY2(shown.contains(QByteArray("Collected ED25519 key " + m_keys.at(0).fingerprint.toLatin1() + "\r\n")),
             shown.constData());
    QVERIFY2(shown.contains("All done, thank you"), shown.constData());
    QVERIFY2(shown.contains(outcome == "Kept" ? "the keys were kept" : "The keys were discarded"), shown.constData());

    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QCOMPARE(connections.constFirst().outcomes.size(), 1);
    QCOMPARE(outcomeName(connections.constFirst().outcomes.constFirst()), outcome);
}

void TestCollectSsh::confirmsWithoutTerminal_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("outcome");
    QTest::newRow("y and Enter keeps") << QByteArray("y\n") << 0 << QByteArray("Kept");
    QTest::newRow("yes and Enter keeps") << QByteArray("yes\n") << 0 << QByteArray("Kept");
    QTest::newRow("n and Enter discards") << QByteArray("n\n") << 0 << QByteArray("Declined");
    QTest::newRow("y without Enter, then end of input, discards") << QByteArray("y") << 0 << QByteArray("Declined");
    QTest::newRow("end of input discards") << QByteArray() << 0 << QByteArray("Declined");
}

void TestCollectSsh::confirmsWithoutTerminal()
{
    QFETCH(QByteArray, input);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, outcome);
    m_gate->addSession(session(u"pipe"_s, true, true));
    KEYSTEAD_VERIFY_OK(startServer());
    // stdin is a pipe: no terminal is asked for; the input ends after `input`.
    const Finished done = ssh(u"pipe"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s}, input);
    QCOMPARE(done.exitCode, exitCode);
    QVERIFY2(done.out.contains("Type y and press Enter"), done.out.constData());
    QVERIFY2(done.out.contains("All done, thank you"), done.out.constData());

    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QCOMPARE(connections.constFirst().keys.size(), 3);
    QCOMPARE(connections.constFirst().outcomes.size(), 1);
    QCOMPARE(outcomeName(connections.constFirst().outcomes.constFirst()), outcome);
}

void TestCollectSsh::clientGoingAwayAtThePromptIsAbandoned()
{
    m_gate->addSession(session(u"leaver"_s, true, true));
    KEYSTEAD_VERIFY_OK(startServer());
    QProcess client;
    client.setProcessEnvironment(clientEnvironment());
    client.start(u"ssh"_s, sshArguments(u"leaver"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s}));
    QVERIFY(client.waitForStarted(10'000));
    QByteArray shown;
    const QDeadlineTimer deadline(30'000);
    while (!shown.contains("Type y and press Enter") && !deadline.hasExpired()) {
        client.waitForReadyRead(100);
        shown += client.readAllStandardOutput();
    }
    QVERIFY2(shown.contains("Type y and press Enter"), shown.constData());
    client.kill(); // SIGKILL: the client vanishes mid-dialog
    client.waitForFinished(10'000);

    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QCOMPARE(connections.constFirst().outcomes, QList<ConnectionOutcome>{ConnectionOutcome::Abandoned});
}

void TestCollectSsh::stoppingTheServerAbandonsOpenDialogs()
{
    m_gate->addSession(session(u"stopped"_s, true, true));
    KEYSTEAD_VERIFY_OK(startServer());
    QProcess client;
    client.setProcessEnvironment(clientEnvironment());
    client.start(u"ssh"_s, sshArguments(u"stopped"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s}));
    QVERIFY(client.waitForStarted(10'000));
    auto stopClient = qScopeGuard([&client] {
        client.kill();
        client.waitForFinished(10'000);
    });
    QByteArray shown;
    const QDeadlineTimer deadline(30'000);
    while (!shown.contains("Type y and press Enter") && !deadline.hasExpired()) {
        client.waitForReadyRead(100);
        shown += client.readAllStandardOutput();
    }
    QVERIFY2(shown.contains("Type y and press Enter"), shown.constData());
    QCOMPARE(m_server->connectionCount(), 1);

    m_server->stop();
    QCOMPARE(m_server->connectionCount(), 0);
    QCOMPARE(m_gate->connections().constFirst().outcomes, QList<ConnectionOutcome>{ConnectionOutcome::Abandoned});
    QVERIFY(client.waitForFinished(30'000));
    QVERIFY(client.exitCode() != 0);
    // Host keys stay; the server starts again on them.
    const QList<HostKeyFingerprint> fingerprints = m_server->hostKeyFingerprints();
    KEYSTEAD_VERIFY_OK(m_server->start(m_config));
    QCOMPARE(m_server->hostKeyFingerprints(), fingerprints);
}

void TestCollectSsh::unknownIdentifierRecordsNothing()
{
    m_gate->addSession(session(u"known"_s));
    KEYSTEAD_VERIFY_OK(startServer());
    const Finished done = ssh(u"nosuchsession"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s});
    QCOMPARE(done.exitCode, 255);
    QVERIFY2(done.err.contains("no open collect session by that name"), done.err.constData());
    QCOMPARE(done.err.count("no open collect session by that name"), 1);
    QVERIFY(!done.out.contains("Collected"));
    QVERIFY(waitForNoConnection());
    QVERIFY(m_gate->connections().isEmpty());
    QCOMPARE(m_gate->lookups(), QStringList{u"nosuchsession"_s});
}

void TestCollectSsh::connectionWithoutKeysRecordsNoKey_data()
{
    QTest::addColumn<bool>("batchMode");
    QTest::newRow("interactive") << false;
    QTest::newRow("BatchMode") << true;
}

void TestCollectSsh::connectionWithoutKeysRecordsNoKey()
{
    QFETCH(bool, batchMode);
    m_gate->addSession(session(u"keyless"_s));
    KEYSTEAD_VERIFY_OK(startServer());
    const Finished done
        = ssh(u"keyless"_s, {},
              {u"-o"_s, u"PubkeyAuthentication=no"_s, u"-o"_s, batchMode ? u"BatchMode=yes"_s : u"BatchMode=no"_s});
    QVERIFY2(done.err.contains("Welcome to the Keystead key collection"), done.err.constData());
    if (batchMode) {
        // BatchMode skips keyboard-interactive: with no key to offer, the
        // client never gets in and never offered anything to record.
        QCOMPARE(done.exitCode, 255);
        QVERIFY2(done.err.contains("Permission denied"), done.err.constData());
        QVERIFY(waitForNoConnection());
        QVERIFY(m_gate->connections().isEmpty());
        return;
    }
    QCOMPARE(done.exitCode, 1);
    QVERIFY2(done.out.contains("No key was offered with proof of possession"), done.out.constData());
    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QVERIFY(connections.constFirst().keys.isEmpty());
}

void TestCollectSsh::unsignedOfferIsNeverRecorded()
{
    // A public key whose private half the client does not have: offered, never signed.
    QTemporaryDir dir;
    const std::optional<KeyFile> lost = makeKey(dir.path(), u"lost"_s, {u"-t"_s, u"ed25519"_s}, u"ED25519"_s);
    QVERIFY(lost);
    QVERIFY(QFile::remove(lost->path));
    m_gate->addSession(session(u"unsigned"_s));
    KEYSTEAD_VERIFY_OK(startServer());
    const Finished done = ssh(u"unsigned"_s, {*lost, m_keys.at(0)}, {u"-o"_s, u"BatchMode=yes"_s});
    QVERIFY2(done.exitCode == 0, done.err.constData());
    QVERIFY(!done.out.contains(lost->fingerprint.toLatin1()));
    QVERIFY(done.out.contains(m_keys.at(0).fingerprint.toLatin1()));
    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QCOMPARE(blobsOf(connections.constFirst().keys), QSet<QByteArray>{m_keys.at(0).blob});
}

void TestCollectSsh::idleTimeoutEndsAWaitingDialog()
{
    m_config.idleTimeoutMs = 500;
    m_gate->addSession(session(u"sleepy"_s, true, true));
    KEYSTEAD_VERIFY_OK(startServer());
    // stdin stays open and silent: the user never answers.
    QProcess client;
    client.setProcessEnvironment(clientEnvironment());
    client.start(u"ssh"_s, sshArguments(u"sleepy"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s}));
    QVERIFY(client.waitForStarted(10'000));
    auto stopClient = qScopeGuard([&client] {
        client.kill();
        client.waitForFinished(10'000);
    });
    QVERIFY(client.waitForFinished(30'000));
    QCOMPARE(client.exitCode(), 1);
    const QByteArray shown = client.readAllStandardOutput();
    QVERIFY2(shown.contains("No answer in time"), shown.constData());
    QVERIFY(waitForClosedConnection());
    QCOMPARE(m_gate->connections().constFirst().outcomes, QList<ConnectionOutcome>{ConnectionOutcome::Abandoned});
}

void TestCollectSsh::tooManyAttemptsAreCutOff()
{
    // 100 keys offered for no session: each refused, until the cap ends the connection.
    m_config.maxAuthAttempts = 10;
    KEYSTEAD_VERIFY_OK(startServer());
    const Finished done = ssh(u"nobody"_s, manyKeys(), {u"-o"_s, u"BatchMode=yes"_s});
    QCOMPARE(done.exitCode, 255);
    QVERIFY2(!done.err.contains("Permission denied"), done.err.constData());
    QVERIFY2(done.err.contains("isconnect") || done.err.contains("closed") || done.err.contains("reset"),
             done.err.constData());
    QVERIFY(waitForNoConnection());
    QVERIFY(m_gate->connections().isEmpty());
}

void TestCollectSsh::sessionClosingMeanwhileIsToldToTheUser()
{
    m_gate->addSession(session(u"closing"_s));
    m_gate->setRejectKeys(true);
    KEYSTEAD_VERIFY_OK(startServer());
    const Finished done = ssh(u"closing"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s});
    QCOMPARE(done.exitCode, 1);
    QVERIFY2(done.out.contains("no longer accepts keys"), done.out.constData());
    QVERIFY(!done.out.contains("Collected"));
    QVERIFY(waitForClosedConnection());
    QVERIFY(m_gate->connections().constFirst().keys.isEmpty());
}

void TestCollectSsh::commandsAreNeverRun()
{
    m_gate->addSession(session(u"command"_s));
    KEYSTEAD_VERIFY_OK(startServer());
    const QString marker = QDir(m_home.path()).filePath(u"ran"_s);
    const Finished done = ssh(u"command"_s, m_keys, {u"-o"_s, u"BatchMode=yes"_s}, {},
                              {u"touch"_s, marker, u"&&"_s, u"echo"_s, u"RAN"_s});
    QVERIFY2(done.exitCode == 0, done.err.constData());
    QVERIFY(done.out.contains("Collected "));
    QVERIFY(!done.out.contains("RAN"));
    QVERIFY(!QFileInfo::exists(marker));
}

void TestCollectSsh::forwardingAndSubsystemsAreRefused_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QStringList>("command");
    QTest::addColumn<QByteArray>("complaint");
    QTest::newRow("subsystem") << QStringList{u"-s"_s} << QStringList{u"sftp"_s}
                               << QByteArray("subsystem request failed");
    QTest::newRow("remote forwarding") << QStringList{u"-o"_s, u"ExitOnForwardFailure=yes"_s, u"-R"_s,
                                                      u"0:127.0.0.1:9"_s, u"-N"_s}
                                       << QStringList() << QByteArray("forwarding failed");
    QTest::newRow("direct-tcpip") << QStringList{u"-W"_s, u"127.0.0.1:9"_s} << QStringList()
                                  << QByteArray("open failed");
}

void TestCollectSsh::forwardingAndSubsystemsAreRefused()
{
    QFETCH(QStringList, options);
    QFETCH(QStringList, command);
    QFETCH(QByteArray, complaint);
    m_gate->addSession(session(u"forward"_s));
    KEYSTEAD_VERIFY_OK(startServer());
    const Finished done = ssh(u"forward"_s, m_keys, QStringList{u"-o"_s, u"BatchMode=yes"_s} + options, {}, command);
    QVERIFY2(done.exitCode != 0 && done.exitCode != -1, done.err.constData());
    QVERIFY2(done.err.contains(complaint), done.err.constData());
    // The keys were proven before; the dialog never ended, so the connection is abandoned.
    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QCOMPARE(connections.constFirst().outcomes, QList<ConnectionOutcome>{ConnectionOutcome::Abandoned});
}

void TestCollectSsh::hundredKeysStayUnderTheCap()
{
    const QList<KeyFile> many = manyKeys();
    QCOMPARE(many.size(), 100);
    m_gate->addSession(session(u"many"_s));
    KEYSTEAD_VERIFY_OK(startServer());
    QCOMPARE(m_config.maxAuthAttempts, 64);
    const Finished done = ssh(u"many"_s, many, {u"-o"_s, u"BatchMode=yes"_s});
    QVERIFY2(done.exitCode == 0, done.err.constData());
    QCOMPARE(done.out.count("Collected ED25519 key"), 64);
    QVERIFY2(done.out.contains("Only the first 64 keys were collected"), done.out.constData());
    QVERIFY(waitForClosedConnection());
    const QList<RecordingGate::Connection> connections = m_gate->connections();
    QCOMPARE(connections.size(), 1);
    QCOMPARE(connections.constFirst().keys.size(), 64);
    QSet<QByteArray> offered;
    for (const KeyFile &key : std::as_const(many))
        offered.insert(key.blob);
    QVERIFY(offered.contains(blobsOf(connections.constFirst().keys)));
}

QTEST_GUILESS_MAIN(TestCollectSsh)
#include "tst_collect_ssh.moc"
