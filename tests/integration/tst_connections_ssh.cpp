// Every connection to the collect server as the connection registry records
// it: the real OpenSSH client against CollectServer on 127.0.0.1, the real
// ConnectionService and CollectService on a store, and the trail read back.

#include "TestCore.h"
#include "TestProcess.h"

#include "collect/CollectService.h"
#include "connections/ConnectionService.h"
#include "sshserver/CollectServer.h"

#include <QDeadlineTimer>
#include <QProcess>
#include <QTcpSocket>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::TestCore;

namespace {

constexpr int kWaitMs = 30'000;

using keystead::test::Finished;
using keystead::test::runProcess;

struct KeyFile
{
    QString path; // the private key; the public one is path + ".pub"
    QString fingerprint; // as ssh-keygen -l -E sha256 prints it
};

std::optional<KeyFile> makeKey(const QString &directory, const QString &name, const QStringList &typeArguments)
{
    KeyFile key;
    key.path = QDir(directory).filePath(name);
    const Finished made = runProcess(
        u"ssh-keygen"_s, QStringList{u"-q"_s, u"-N"_s, QString(), u"-C"_s, name, u"-f"_s, key.path} + typeArguments);
    if (made.exitCode != 0)
        return std::nullopt;
    const Finished listed = runProcess(u"ssh-keygen"_s, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, key.path + u".pub"_s});
    key.fingerprint = QString::fromLatin1(listed.out.split(' ').value(1));
    if (!key.fingerprint.startsWith(u"SHA256:"_s))
        return std::nullopt;
    return key;
}

QList<TrailEvent> ofType(const QList<TrailEvent> &events, const QString &type)
{
    QList<TrailEvent> found;
    for (const TrailEvent &event : events) {
        if (event.type == type)
            found.append(event);
    }
    return found;
}

QByteArray joinedData(const QList<TrailEvent> &events, const QString &type)
{
    QByteArray joined;
    for (const TrailEvent &event : events) {
        if (event.type == type)
            joined += event.data;
    }
    return joined;
}

// The position of the first event of `type` (whose data contains `needle`, if given); -1 if none.
qsizetype positionOf(const QList<TrailEvent> &events, const QString &type, const QByteArray &needle = {})
{
    for (qsizetype i = 0; i < events.size(); ++i) {
        if (events.at(i).type == type && (needle.isEmpty() || events.at(i).data.contains(needle)))
            return i;
    }
    return -1;
}

QStringList typesOf(const QList<TrailEvent> &events)
{
    QStringList types;
    for (const TrailEvent &event : events)
        types << event.type;
    return types;
}

QStringList sortedFingerprints(const QList<TrailEvent> &events)
{
    QStringList fingerprints;
    for (const TrailEvent &event : events) {
        const QString fingerprint = event.detail.value(u"fingerprint"_s).toString();
        if (!fingerprints.contains(fingerprint))
            fingerprints << fingerprint;
    }
    fingerprints.sort();
    return fingerprints;
}

} // namespace

class TestConnectionsSsh final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void collectConnectionIsRecorded_data() { backends(); }
    void collectConnectionIsRecorded();
    void typedAnswerIsRecorded_data() { backends(); }
    void typedAnswerIsRecorded();
    void terminateEndsTheClient_data() { backends(); }
    void terminateEndsTheClient();
    void unknownIdentifierIsRecorded_data() { backends(); }
    void unknownIdentifierIsRecorded();
    void refusedForwardingIsRecorded();
    void serverDecidedEndsAreNamed_data();
    void serverDecidedEndsAreNamed();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }

    // Keystead as the app builds it (core/composition), on a fresh store.
    bool build(const QString &backend)
    {
        m_core = TestCore::create(backend);
        return m_core != nullptr;
    }
    Status startServer() { return m_core->collectServer->start(m_config); }

    Result<CollectSession> createSession(bool mustConfirm)
    {
        CollectSessionInput input;
        input.multiKey = true;
        input.mustConfirm = mustConfirm;
        input.sshBanner = u"Welcome to the Keystead key collection"_s;
        input.sshMessage = u"All done, thank you"_s;
        return m_core->collect->create(input);
    }

    QProcessEnvironment clientEnvironment() const
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(u"HOME"_s, m_home.path());
        environment.remove(u"SSH_AUTH_SOCK"_s);
        environment.remove(u"SSH_AGENT_PID"_s);
        environment.remove(u"DISPLAY"_s);
        environment.remove(u"SSH_ASKPASS"_s);
        return environment;
    }
    QStringList sshArguments(const QString &user, const QStringList &extra = {}) const
    {
        QStringList arguments{u"-F"_s, u"none"_s,
                              u"-p"_s, QString::number(m_core->collectServer->boundPort()),
                              u"-o"_s, u"StrictHostKeyChecking=no"_s,
                              u"-o"_s, u"UserKnownHostsFile=/dev/null"_s,
                              u"-o"_s, u"ConnectTimeout=20"_s,
                              u"-o"_s, u"BatchMode=yes"_s,
                              u"-o"_s, u"IdentitiesOnly=yes"_s};
        for (const KeyFile &key : m_keys)
            arguments << u"-i"_s << key.path;
        return arguments + extra << user + u"@127.0.0.1"_s;
    }
    Finished ssh(const QString &user, const QStringList &extra = {}) const
    {
        return runProcess(u"ssh"_s, sshArguments(user, extra), clientEnvironment());
    }
    // Starts ssh with its input left open and waits for the confirmation prompt.
    bool startAtPrompt(QProcess &client, const QString &user, QByteArray *output = nullptr) const
    {
        client.setProcessEnvironment(clientEnvironment());
        client.start(u"ssh"_s, sshArguments(user));
        if (!client.waitForStarted(10'000))
            return false;
        QByteArray ignored;
        QByteArray &shown = output ? *output : ignored;
        const QDeadlineTimer deadline(kWaitMs);
        while (!shown.contains("Type y and press Enter") && !deadline.hasExpired()) {
            client.waitForReadyRead(100);
            shown += client.readAllStandardOutput();
        }
        return shown.contains("Type y and press Enter");
    }
    bool waitForNoConnection() const
    {
        const QDeadlineTimer deadline(kWaitMs);
        while (!deadline.hasExpired() && m_core->collectServer->connectionCount() != 0)
            QTest::qWait(20);
        return m_core->collectServer->connectionCount() == 0;
    }
    // Every record the store holds, after what the recorder buffered is written.
    QList<ConnectionRecord> records() const
    {
        if (Status flushed = m_core->connections->flush(); !flushed)
            qWarning("flush: %s", qPrintable(flushed.error().message));
        const Result<ConnectionPage> page = m_core->connections->search(ConnectionQuery());
        return page ? page->items : QList<ConnectionRecord>();
    }
    QList<TrailEvent> trailOf(const QString &connectionId) const
    {
        const Result<QList<TrailEvent>> events = m_core->connections->trail(connectionId);
        return events ? events.value() : QList<TrailEvent>();
    }
    void verifyChain(const QString &connectionId, qsizetype eventCount) const
    {
        const Result<TrailVerification> verified = m_core->connections->verifyTrail(connectionId);
        KEYSTEAD_VERIFY_OK(verified);
        QVERIFY2(verified->intact, qPrintable(verified->message));
        QCOMPARE(verified->eventCount, qint64(eventCount));
    }

    QTemporaryDir m_home;
    QTemporaryDir m_keysDir;
    QList<KeyFile> m_keys; // ed25519, ecdsa
    std::unique_ptr<QTemporaryDir> m_dataDir;
    CollectServerConfig m_config;
    std::unique_ptr<TestCore> m_core;
};

void TestConnectionsSsh::initTestCase()
{
    for (const QString &tool : {u"ssh"_s, u"ssh-keygen"_s})
        QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(), qPrintable(tool + u" is needed"_s));
    QVERIFY(m_home.isValid() && m_keysDir.isValid());
    const std::optional<KeyFile> ed25519 = makeKey(m_keysDir.path(), u"ed25519"_s, {u"-t"_s, u"ed25519"_s});
    const std::optional<KeyFile> ecdsa
        = makeKey(m_keysDir.path(), u"ecdsa"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"256"_s});
    QVERIFY(ed25519 && ecdsa);
    m_keys = {*ed25519, *ecdsa};
}

void TestConnectionsSsh::init()
{
    m_dataDir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dataDir->isValid());
    m_config = CollectServerConfig();
    m_config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    m_config.dataDir = m_dataDir->path();
}

void TestConnectionsSsh::cleanup()
{
    m_core.reset();
    m_dataDir.reset();
}

void TestConnectionsSsh::collectConnectionIsRecorded()
{
    QFETCH(QString, backend);
    QVERIFY(build(backend));
    const Result<CollectSession> session = createSession(false);
    KEYSTEAD_VERIFY_OK(session);
    KEYSTEAD_VERIFY_OK(startServer());

    const Finished done = ssh(session->connectionIdentifier);
    QVERIFY2(done.exitCode == 0, done.err.constData());
    QVERIFY(waitForNoConnection());

    const QList<ConnectionRecord> all = records();
    QCOMPARE(all.size(), 1);
    const ConnectionRecord &record = all.constFirst();
    QCOMPARE(record.status, ConnectionStatus::Disconnected);
    QCOMPARE(record.type, u"SSH"_s);
    QCOMPARE(record.proxyId, m_core->connections->proxyId());
    QCOMPARE(record.remoteAddress, u"127.0.0.1"_s);
    QCOMPARE(record.userDisplayName, session->connectionIdentifier);
    QCOMPARE(record.userId, session->id);
    QCOMPARE(record.authenticationMethods, QStringList{u"PUBLICKEY"_s});
    QVERIFY2(record.clientVersion.startsWith(u"SSH-2.0-OpenSSH_"_s), qPrintable(record.clientVersion));
    QVERIFY(record.connected.isValid());
    QVERIFY(record.disconnected.isValid());
    QVERIFY(record.disconnected >= record.connected);
    QVERIFY(record.forceDisconnect.isNull());
    QCOMPARE(record.disconnectReason, u"client closed"_s);
    // The TCP connection both ways, as the kernel counted it: more than the payload.
    QVERIFY2(record.bytesIn > 0 && record.bytesOut > 0,
             qPrintable(u"%1 %2"_s.arg(record.bytesIn).arg(record.bytesOut)));
    QVERIFY(record.bytesOut > done.out.size());

    const QList<TrailEvent> events = trailOf(record.id);
    const QString types = typesOf(events).join(u' ');
    QVERIFY2(events.size() >= 10, qPrintable(types));
    QCOMPARE(events.constFirst().type, u"client-version"_s);
    QCOMPARE(QString::fromUtf8(events.constFirst().data), record.clientVersion);

    // Every key offered, named as ssh-keygen names it; each also proven.
    QStringList expected{m_keys.at(0).fingerprint, m_keys.at(1).fingerprint};
    expected.sort();
    const QList<TrailEvent> offered = ofType(events, u"key-offered"_s);
    const QList<TrailEvent> proven = ofType(events, u"key-proven"_s);
    QCOMPARE(sortedFingerprints(offered), expected);
    QCOMPARE(sortedFingerprints(proven), expected);
    for (const TrailEvent &event : offered)
        QCOMPARE(event.detail.value(u"proven"_s).toBool(), false);
    for (const TrailEvent &event : proven)
        QCOMPARE(event.detail.value(u"proven"_s).toBool(), true);
    const QList<TrailEvent> answers = ofType(events, u"auth"_s);
    QVERIFY(!answers.isEmpty());
    QCOMPARE(answers.constLast().detail.value(u"result"_s).toString(), u"success"_s);
    QCOMPARE(answers.constLast().detail.value(u"method"_s).toString(), u"publickey"_s);
    QCOMPARE(answers.constLast().detail.value(u"user"_s).toString(), session->connectionIdentifier);

    QCOMPARE(joinedData(events, u"banner"_s), QByteArray("Welcome to the Keystead key collection\n"));
    // What the user saw, byte for byte, on channel 0.
    const QByteArray shown = joinedData(events, u"stdout"_s);
    QCOMPARE(shown, done.out);
    for (const KeyFile &key : std::as_const(m_keys))
        QVERIFY2(shown.contains(QByteArray(" key " + key.fingerprint.toLatin1() + '\n')), shown.constData());
    QVERIFY2(shown.contains("All done, thank you\n"), shown.constData());
    for (const TrailEvent &event : ofType(events, u"stdout"_s))
        QCOMPARE(event.channelId, u"0"_s);

    const qsizetype version = positionOf(events, u"client-version"_s);
    const qsizetype banner = positionOf(events, u"banner"_s);
    const qsizetype firstOffer = positionOf(events, u"key-offered"_s);
    const qsizetype channelOpen = positionOf(events, u"channel-open"_s);
    const qsizetype firstOutput = positionOf(events, u"stdout"_s);
    const qsizetype message = positionOf(events, u"stdout"_s, "All done");
    const qsizetype channelClose = positionOf(events, u"channel-close"_s);
    const qsizetype disconnect = positionOf(events, u"disconnect"_s);
    QVERIFY2(version == 0 && version < banner && banner < firstOffer && firstOffer < channelOpen
                 && channelOpen < firstOutput && firstOutput < message && message < channelClose
                 && channelClose < disconnect,
             qPrintable(types));
    QCOMPARE(disconnect, events.size() - 1);
    QCOMPARE(events.at(channelOpen).channelId, u"0"_s);
    QCOMPARE(events.at(channelOpen).detail.value(u"type"_s).toString(), u"session"_s);
    QCOMPARE(events.at(channelClose).channelId, u"0"_s);
    QCOMPARE(events.at(disconnect).detail.value(u"reason"_s).toString(), u"client closed"_s);
    QCOMPARE(ofType(events, u"disconnect"_s).size(), 1);

    QCOMPARE(record.channels.size(), 1);
    QCOMPARE(record.channels.constFirst().id, u"0"_s);
    QCOMPARE(record.channels.constFirst().type, u"session"_s);
    QCOMPARE(record.channels.constFirst().bytesServerToClient, qint64(done.out.size()));
    QCOMPARE(record.channels.constFirst().bytesClientToServer, qint64(0));
    verifyChain(record.id, events.size());
}

void TestConnectionsSsh::typedAnswerIsRecorded()
{
    QFETCH(QString, backend);
    QVERIFY(build(backend));
    const Result<CollectSession> session = createSession(true);
    KEYSTEAD_VERIFY_OK(session);
    KEYSTEAD_VERIFY_OK(startServer());

    // The user reads the prompt, then types.
    QProcess client;
    auto stopClient = qScopeGuard([&client] {
        client.kill();
        client.waitForFinished(10'000);
    });
    QByteArray seen;
    QVERIFY(startAtPrompt(client, session->connectionIdentifier, &seen));
    client.write("y\n");
    client.closeWriteChannel();
    QVERIFY(client.waitForFinished(kWaitMs));
    QCOMPARE(client.exitCode(), 0);
    seen += client.readAllStandardOutput();
    stopClient.dismiss();
    QVERIFY(waitForNoConnection());

    const QList<ConnectionRecord> all = records();
    QCOMPARE(all.size(), 1);
    const QList<TrailEvent> events = trailOf(all.constFirst().id);
    const QString types = typesOf(events).join(u' ');
    QCOMPARE(joinedData(events, u"stdin"_s), QByteArray("y\n"));
    QCOMPARE(joinedData(events, u"stdout"_s), seen);
    QVERIFY2(seen.contains("Confirmed: the keys were kept."), seen.constData());
    for (const TrailEvent &event : ofType(events, u"stdin"_s))
        QCOMPARE(event.channelId, u"0"_s);
    // The answer read after the prompt, and the verdict after the answer.
    const qsizetype prompt = positionOf(events, u"stdout"_s, "Type y and press Enter");
    const qsizetype answer = positionOf(events, u"stdin"_s);
    const qsizetype verdict = positionOf(events, u"stdout"_s, "Confirmed");
    QVERIFY2(prompt >= 0 && prompt < answer && answer < verdict, qPrintable(types));
    QCOMPARE(all.constFirst().channels.size(), 1);
    QCOMPARE(all.constFirst().channels.constFirst().bytesClientToServer, qint64(2));
    verifyChain(all.constFirst().id, events.size());
}

void TestConnectionsSsh::terminateEndsTheClient()
{
    QFETCH(QString, backend);
    QVERIFY(build(backend));
    const Result<CollectSession> session = createSession(true);
    KEYSTEAD_VERIFY_OK(session);
    KEYSTEAD_VERIFY_OK(startServer());

    QProcess client;
    auto stopClient = qScopeGuard([&client] {
        client.kill();
        client.waitForFinished(10'000);
    });
    QVERIFY(startAtPrompt(client, session->connectionIdentifier));

    QList<ConnectionRecord> all = records();
    QCOMPARE(all.size(), 1);
    const QString id = all.constFirst().id;
    QCOMPARE(all.constFirst().status, ConnectionStatus::Connected);
    // Bytes reach the record while the connection lives, not only at its end.
    QTRY_VERIFY_WITH_TIMEOUT(m_core->connections->get(id)->bytesIn > 0 && m_core->connections->get(id)->bytesOut > 0,
                             kWaitMs);
    QVERIFY(!m_core->collectServer->terminate(u"no-such-connection"_s, u"terminated by nobody"_s));

    m_core->clock.advanceSeconds(5);
    const Actor operatorOnShift{u"token"_s, u"token-7"_s, u"night-shift"_s, u"127.0.0.1"_s};
    KEYSTEAD_VERIFY_OK(m_core->connections->terminate(id, operatorOnShift));
    QVERIFY(client.waitForFinished(kWaitMs));
    QVERIFY(client.exitStatus() == QProcess::NormalExit);
    QCOMPARE(client.exitCode(), 255);
    const QByteArray complaint = client.readAllStandardError();
    QVERIFY2(complaint.contains("terminated by an operator"), complaint.constData());
    stopClient.dismiss();
    QVERIFY(waitForNoConnection());
    // Gone: nothing left to end.
    QVERIFY(!m_core->collectServer->terminate(id, u"terminated by night-shift"_s));

    all = records();
    QCOMPARE(all.size(), 1);
    const ConnectionRecord &record = all.constFirst();
    QCOMPARE(record.status, ConnectionStatus::Disconnected);
    QVERIFY(record.forceDisconnect.isValid());
    QCOMPARE(record.disconnectReason, u"terminated by night-shift"_s);
    QCOMPARE(record.connected.secsTo(record.disconnected), 5);

    const QList<TrailEvent> events = trailOf(id);
    const QString types = typesOf(events).join(u' ');
    const qsizetype prompt = positionOf(events, u"stdout"_s, "Type y and press Enter");
    const qsizetype terminate = positionOf(events, u"terminate"_s);
    const qsizetype disconnect = positionOf(events, u"disconnect"_s);
    QVERIFY2(prompt >= 0 && prompt < terminate && terminate < disconnect, qPrintable(types));
    QCOMPARE(disconnect, events.size() - 1);
    QVERIFY2(QString::fromUtf8(events.at(terminate).data).contains(u"night-shift"_s),
             events.at(terminate).data.constData());
    QCOMPARE(events.at(disconnect).detail.value(u"reason"_s).toString(), u"terminated by night-shift"_s);
    QCOMPARE(events.at(disconnect).detail.value(u"phase"_s).toString(), u"confirming"_s);
    QVERIFY(positionOf(events, u"stdin"_s) < 0);
    verifyChain(id, events.size());

    // The collect session saw a connection that never confirmed: nothing kept.
    const Result<CollectSession> stored = m_core->collect->get(session->id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->connections.size(), 1);
    QCOMPARE(stored->connections.constFirst().state, CollectConnectionState::Abandoned);
    QCOMPARE(stored->collectedKeyCount(), 0);
}

void TestConnectionsSsh::unknownIdentifierIsRecorded()
{
    QFETCH(QString, backend);
    QVERIFY(build(backend));
    KEYSTEAD_VERIFY_OK(startServer());

    const Finished done = ssh(u"nosuchsession"_s);
    QCOMPARE(done.exitCode, 255);
    QVERIFY2(done.err.contains("no open collect session by that name"), done.err.constData());
    QVERIFY(waitForNoConnection());

    const QList<ConnectionRecord> all = records();
    QCOMPARE(all.size(), 1);
    const ConnectionRecord &record = all.constFirst();
    QCOMPARE(record.status, ConnectionStatus::Disconnected);
    QVERIFY(record.userId.isEmpty());
    QVERIFY(record.authenticationMethods.isEmpty());
    QVERIFY(record.bytesIn > 0 && record.bytesOut > 0);
    QVERIFY(record.channels.isEmpty());

    const QList<TrailEvent> events = trailOf(record.id);
    const QString types = typesOf(events).join(u' ');
    QCOMPARE(events.constFirst().type, u"client-version"_s);
    QVERIFY2(joinedData(events, u"banner"_s).contains("no open collect session by that name (\"nosuchsession\")"),
             qPrintable(types));
    QStringList expected{m_keys.at(0).fingerprint, m_keys.at(1).fingerprint};
    expected.sort();
    QCOMPARE(sortedFingerprints(ofType(events, u"key-offered"_s)), expected);
    // Never asked to sign, never let in.
    QVERIFY2(ofType(events, u"key-proven"_s).isEmpty(), qPrintable(types));
    QVERIFY2(ofType(events, u"channel-open"_s).isEmpty(), qPrintable(types));
    const QList<TrailEvent> answers = ofType(events, u"auth"_s);
    QVERIFY(answers.size() >= 3); // none, and one per key
    for (const TrailEvent &answer : answers) {
        QCOMPARE(answer.detail.value(u"result"_s).toString(), u"failure"_s);
        QCOMPARE(answer.detail.value(u"user"_s).toString(), u"nosuchsession"_s);
    }
    QCOMPARE(events.constLast().type, u"disconnect"_s);
    verifyChain(record.id, events.size());
}

void TestConnectionsSsh::refusedForwardingIsRecorded()
{
    QVERIFY(build(u"sqlite"_s));
    const Result<CollectSession> session = createSession(false);
    KEYSTEAD_VERIFY_OK(session);
    KEYSTEAD_VERIFY_OK(startServer());

    // A tunnel instead of a terminal: refused, and the attempt is in the trail.
    const Finished done = ssh(session->connectionIdentifier, {u"-W"_s, u"127.0.0.1:9"_s});
    QCOMPARE(done.exitCode, 255);
    QVERIFY2(done.err.contains("open failed"), done.err.constData());
    QVERIFY(waitForNoConnection());

    const QList<ConnectionRecord> all = records();
    QCOMPARE(all.size(), 1);
    const QList<TrailEvent> events = trailOf(all.constFirst().id);
    const QString types = typesOf(events).join(u' ');
    const QList<TrailEvent> requests = ofType(events, u"forward-new-channel-request"_s);
    QVERIFY2(requests.size() == 1, qPrintable(types));
    const TrailEvent &request = requests.constFirst();
    QCOMPARE(request.channelId, u"connection"_s);
    QCOMPARE(request.detail.value(u"type"_s).toString(), u"direct-tcpip"_s);
    QCOMPARE(request.detail.value(u"destination"_s).toString(), u"127.0.0.1"_s);
    QCOMPARE(request.detail.value(u"port"_s).toInt(), 9);
    QCOMPARE(request.detail.value(u"accepted"_s).toBool(), false);
    QVERIFY2(ofType(events, u"channel-open"_s).isEmpty(), qPrintable(types));
    QCOMPARE(events.constLast().type, u"disconnect"_s);
    verifyChain(all.constFirst().id, events.size());
}

void TestConnectionsSsh::serverDecidedEndsAreNamed_data()
{
    QTest::addColumn<QString>("reason");
    QTest::newRow("server stopping") << u"server stopping"_s;
    QTest::newRow("idle timeout") << u"idle timeout"_s;
    QTest::newRow("login grace expired") << u"login grace expired"_s;
}

void TestConnectionsSsh::serverDecidedEndsAreNamed()
{
    QFETCH(QString, reason);
    QVERIFY(build(u"sqlite"_s));
    const Result<CollectSession> session = createSession(true);
    KEYSTEAD_VERIFY_OK(session);
    if (reason == u"idle timeout"_s)
        m_config.idleTimeoutMs = 1000;
    if (reason == u"login grace expired"_s)
        m_config.loginGraceMs = 300;
    KEYSTEAD_VERIFY_OK(startServer());

    if (reason == u"login grace expired"_s) {
        // Connected, and silent.
        QTcpSocket mute;
        mute.connectToHost(QHostAddress::LocalHost, m_core->collectServer->boundPort());
        QVERIFY(mute.waitForConnected(10'000));
        QVERIFY(mute.state() == QAbstractSocket::UnconnectedState || mute.waitForDisconnected(kWaitMs));
        QVERIFY(mute.readAll().startsWith("SSH-2.0-Keystead_"));
    } else {
        QProcess client;
        auto stopClient = qScopeGuard([&client] {
            client.kill();
            client.waitForFinished(10'000);
        });
        QVERIFY(startAtPrompt(client, session->connectionIdentifier));
        if (reason == u"server stopping"_s)
            m_core->collectServer->stop();
        QVERIFY(client.waitForFinished(kWaitMs));
        QVERIFY(client.exitCode() != 0);
    }
    QVERIFY(waitForNoConnection());

    const QList<ConnectionRecord> all = records();
    QCOMPARE(all.size(), 1);
    const ConnectionRecord &record = all.constFirst();
    QCOMPARE(record.status, ConnectionStatus::Disconnected);
    QCOMPARE(record.disconnectReason, reason);
    QVERIFY(record.forceDisconnect.isNull());
    QVERIFY(record.bytesOut > 0); // at least the server's version line
    const QList<TrailEvent> events = trailOf(record.id);
    QCOMPARE(events.constLast().type, u"disconnect"_s);
    QCOMPARE(events.constLast().detail.value(u"reason"_s).toString(), reason);
    verifyChain(record.id, events.size());
}

QTEST_GUILESS_MAIN(TestConnectionsSsh)
#include "tst_connections_ssh.moc"
