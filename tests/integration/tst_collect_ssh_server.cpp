// The SSH collect server itself: its host keys (sealed in the vault), hostile raw
// sockets and the caps that keep it serving, and whole collections into a real store.

#include "CollectSshFixture.h"

#include "collect/CollectService.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "collect/WebhookSigner.h"
#include "sshserver/HostKeys.h"
#include "store/Sql.h"

#include <QDeadlineTimer>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryFile>
#include <QtTest>

#include <sys/resource.h>
#include <sys/stat.h>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

namespace {

const QStringList kHostKeyTypes{u"ed25519"_s, u"ecdsa"_s, u"rsa"_s};

int sealedHostKeys(Database &database)
{
    Result<QSqlQuery> rows
        = sql::exec(database.connection(), u"SELECT COUNT(*) FROM vault_secrets WHERE owner_kind = ?"_s,
                    {QString(HostKeys::kOwnerKind)});
    return rows && rows->next() ? rows->value(0).toInt() : -1;
}

QStringList sha256Of(const QList<HostKeyFingerprint> &fingerprints)
{
    QStringList all;
    for (const HostKeyFingerprint &fingerprint : fingerprints)
        all << fingerprint.sha256;
    return all;
}

// What a client sees on the wire: ssh-keyscan's keys, fingerprinted by ssh-keygen.
QByteArray scannedFingerprints(quint16 port)
{
    const Finished scanned = runProcess(
        u"ssh-keyscan"_s, {u"-p"_s, QString::number(port), u"-t"_s, u"ed25519,ecdsa,rsa"_s, u"127.0.0.1"_s});
    QTemporaryFile file;
    if (scanned.exitCode != 0 || !file.open())
        return {};
    file.write(scanned.out);
    file.close();
    return runProcess(u"ssh-keygen"_s, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, file.fileName()}).out;
}

// Host keys as versions before the vault kept them: ssh-keygen's files in <data folder>/collect/.
QStringList makeLegacyHostKeys(const QString &directory)
{
    QStringList fingerprints;
    if (!QDir().mkpath(directory))
        return {};
    const QList<QStringList> arguments{
        {u"-t"_s, u"ed25519"_s}, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"256"_s}, {u"-t"_s, u"rsa"_s, u"-b"_s, u"3072"_s}};
    for (qsizetype i = 0; i < kHostKeyTypes.size(); ++i) {
        const QString path = QDir(directory).filePath(HostKeys::fileName(kHostKeyTypes.at(i)));
        const Finished made
            = runProcess(u"ssh-keygen"_s, QStringList{u"-q"_s, u"-N"_s, QString(), u"-f"_s, path} + arguments.at(i));
        if (made.exitCode != 0)
            return {};
        fingerprints << keyFingerprint(path + u".pub"_s);
    }
    return fingerprints;
}

// A real store with the collect session service on it, wired as the composition wires them.
struct CollectWorld
{
    CollectWorld(const QString &backend, const Clock &clock)
        : store(TestDatabase::create(backend, clock))
    {
        if (!store)
            return;
        Database &database = store->database();
        vault = std::make_unique<TestVault>(database, clock, store->dataDir());
        outbox = std::make_unique<WebhookOutbox>(database, clock);
        signer = std::make_unique<WebhookSigner>(store->dataDir(), database, vault->vault());
        seal = std::make_unique<WebhookHeaderSeal>(*signer);
        service = std::make_unique<CollectService>(database, clock, *outbox, *seal);
    }

    std::unique_ptr<TestDatabase> store;
    std::unique_ptr<TestVault> vault;
    std::unique_ptr<WebhookOutbox> outbox;
    std::unique_ptr<WebhookSigner> signer;
    std::unique_ptr<WebhookHeaderSeal> seal;
    std::unique_ptr<CollectService> service;
};

} // namespace

class TestCollectSshServer final : public CollectSshFixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { makeClientKeys(); }
    void init() { makeServerWorld(); }
    void cleanup() { dropServerWorld(); }

    void hostKeysAreSealedOnceAndShared_data() { backends(); }
    void hostKeysAreSealedOnceAndShared();
    void legacyHostKeyFilesAreSealedAndRemoved();
    void refusesLegacyHostKeyReadableByOthers();
    void lockedVaultKeepsTheServerFromStarting();
    void garbageInsteadOfVersionLine();
    void silentClientIsCutOffByLoginGrace();
    void malformedPacketsAreSurvived();
    void unauthenticatedConnectionsAreCapped();
    void acceptingResumesAfterRunningOutOfDescriptors();

    // With the real session service and store.
    void collectsIntoTheStore_data() { backends(); }
    void collectsIntoTheStore();
    void declinedAndExpiredSessionsInTheStore_data() { backends(); }
    void declinedAndExpiredSessionsInTheStore();

private:
    Status startServer(CollectWorld &world)
    {
        m_server = std::make_unique<CollectServer>(*world.service, world.vault->vault(), world.store->database());
        return m_server->start(m_config);
    }
    using CollectSshFixture::startServer;
};

void TestCollectSshServer::hostKeysAreSealedOnceAndShared()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    TestVault vault(store->database(), m_clock, store->dataDir());
    m_server = std::make_unique<CollectServer>(*m_gate, vault.vault(), store->database());
    const auto stopServer = qScopeGuard([this] { m_server.reset(); });
    KEYSTEAD_VERIFY_OK(m_server->start(m_config));
    QCOMPARE(m_server->state(), CollectServer::State::Running);
    QVERIFY(m_server->boundPort() != 0);
    const QList<HostKeyFingerprint> first = m_server->hostKeyFingerprints();
    QCOMPARE(first.size(), 3);
    QCOMPARE(first.at(0).typeLabel, u"ED25519"_s);
    QCOMPARE(first.at(1).typeLabel, u"ECDSA"_s);
    QCOMPARE(first.at(2).typeLabel, u"RSA"_s);
    QCOMPARE(first.at(2).bits, 3072);

    // Sealed in the vault, one per type; nothing written to the data folder.
    QCOMPARE(sealedHostKeys(store->database()), 3);
    for (const QString &type : kHostKeyTypes)
        QVERIFY(vault.vault().get(HostKeys::secretRef(type)).ok());
    QVERIFY(!QFileInfo::exists(m_config.legacyHostKeyDir()));
    QCOMPARE(QDir(m_config.dataDir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), QStringList());

    // What the server advertises is what a client sees on the wire.
    const QByteArray listed = scannedFingerprints(m_server->boundPort());
    for (const QString &fingerprint : sha256Of(first))
        QVERIFY2(listed.contains(fingerprint.toLatin1()), listed.constData());

    // A restart keeps them.
    QSignalSpy stateChanges(m_server.get(), &CollectServer::stateChanged);
    m_server->stop();
    QCOMPARE(m_server->state(), CollectServer::State::Stopped);
    QCOMPARE(stateChanges.count(), 1);
    KEYSTEAD_VERIFY_OK(m_server->start(m_config));
    QCOMPARE(m_server->hostKeyFingerprints(), first);

    // Another instance on the same store, with a data folder, a connection and a vault object of its own
    // (the same master key, as from one keychain), presents the same keys.
    QTemporaryDir otherFolder;
    Result<std::unique_ptr<Database>> other = store->openAgain(m_clock);
    KEYSTEAD_VERIFY_OK(other);
    TestVault otherVault(*other.value(), m_clock, store->dataDir());
    CollectServerConfig otherConfig = m_config;
    otherConfig.dataDir = otherFolder.path();
    CollectServer otherServer(*m_gate, otherVault.vault(), *other.value());
    KEYSTEAD_VERIFY_OK(otherServer.start(otherConfig));
    QCOMPARE(otherServer.hostKeyFingerprints(), first);
    const QByteArray otherListed = scannedFingerprints(otherServer.boundPort());
    for (const QString &fingerprint : sha256Of(first))
        QVERIFY2(otherListed.contains(fingerprint.toLatin1()), otherListed.constData());
    otherServer.stop();
    QCOMPARE(sealedHostKeys(store->database()), 3);
    QCOMPARE(QDir(otherFolder.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), QStringList());
}

void TestCollectSshServer::legacyHostKeyFilesAreSealedAndRemoved()
{
    // The files an older version made: clients remembered these keys.
    const QStringList remembered = makeLegacyHostKeys(m_config.legacyHostKeyDir());
    QCOMPARE(remembered.size(), 3);

    KEYSTEAD_VERIFY_OK(startServer());
    QCOMPARE(sha256Of(m_server->hostKeyFingerprints()), remembered);
    const QByteArray listed = scannedFingerprints(m_server->boundPort());
    for (const QString &fingerprint : remembered)
        QVERIFY2(listed.contains(fingerprint.toLatin1()), listed.constData());
    // Sealed, and the files (private and public halves) and their folder are gone.
    QCOMPARE(sealedHostKeys(m_store->database()), 3);
    QVERIFY(!QFileInfo::exists(m_config.legacyHostKeyDir()));

    // From the vault from now on.
    m_server->stop();
    KEYSTEAD_VERIFY_OK(m_server->start(m_config));
    QCOMPARE(sha256Of(m_server->hostKeyFingerprints()), remembered);
}

void TestCollectSshServer::refusesLegacyHostKeyReadableByOthers()
{
    QCOMPARE(makeLegacyHostKeys(m_config.legacyHostKeyDir()).size(), 3);
    const QString path = QDir(m_config.legacyHostKeyDir()).filePath(u"ssh_host_ed25519_key"_s);
    QVERIFY(QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup));

    m_server = std::make_unique<CollectServer>(*m_gate, m_vault->vault(), m_store->database());
    const Status started = m_server->start(m_config);
    QVERIFY(!started);
    QVERIFY2(started.error().message.contains(path), qPrintable(started.error().message));
    QVERIFY2(started.error().message.contains(u"owner only"_s), qPrintable(started.error().message));
    QCOMPARE(m_server->state(), CollectServer::State::Failed);
    QCOMPARE(m_server->lastError(), started.error().message);
    // Not sealed, and left for the operator to put right.
    QVERIFY(!m_vault->vault().get(HostKeys::secretRef(u"ed25519"_s)).ok());
    QVERIFY(QFileInfo::exists(path));
}

void TestCollectSshServer::lockedVaultKeepsTheServerFromStarting()
{
    KEYSTEAD_VERIFY_OK(startServer()); // the host keys are sealed under the store's master key
    const QList<HostKeyFingerprint> sealed = m_server->hostKeyFingerprints();
    m_server.reset();

    // An instance whose key store lacks that master key: no server, and no key files instead.
    QTemporaryDir elsewhere;
    TestVault locked(m_store->database(), m_clock, elsewhere.path());
    m_server = std::make_unique<CollectServer>(*m_gate, locked.vault(), m_store->database());
    const Status started = m_server->start(m_config);
    QVERIFY(!started);
    QCOMPARE(started.error().details.value(u"vault_state"_s).toString(), u"key_missing"_s);
    const QString message = started.error().message;
    QVERIFY2(message.startsWith(u"the collect server's host keys are sealed in the vault, which cannot be opened: "_s),
             qPrintable(message));
    QVERIFY2(message.contains(locked.keys().description()), qPrintable(message));
    QCOMPARE(m_server->state(), CollectServer::State::Failed);
    QCOMPARE(m_server->lastError(), message);
    QVERIFY(!QFileInfo::exists(m_config.legacyHostKeyDir()));
    m_server.reset();

    // With the right master key the same keys serve again.
    KEYSTEAD_VERIFY_OK(startServer());
    QCOMPARE(m_server->hostKeyFingerprints(), sealed);
}

void TestCollectSshServer::garbageInsteadOfVersionLine()
{
    KEYSTEAD_VERIFY_OK(startServer());
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_server->boundPort());
    QVERIFY(socket.waitForConnected(10'000));
    socket.write("GET / HTTP/1.1\r\nHost: example\r\n\r\n" + QByteArray(300, 'A') + "\r\n");
    QVERIFY(socket.state() == QAbstractSocket::UnconnectedState || socket.waitForDisconnected(20'000));
    QVERIFY(waitForNoConnection());
    verifyStillServes();
}

void TestCollectSshServer::silentClientIsCutOffByLoginGrace()
{
    m_config.loginGraceMs = 300;
    KEYSTEAD_VERIFY_OK(startServer());
    QTcpSocket versionOnly;
    versionOnly.connectToHost(QHostAddress::LocalHost, m_server->boundPort());
    QVERIFY(versionOnly.waitForConnected(10'000));
    versionOnly.write("SSH-2.0-Stalling_1.0\r\n");
    QTcpSocket mute;
    mute.connectToHost(QHostAddress::LocalHost, m_server->boundPort());
    QVERIFY(mute.waitForConnected(10'000));

    QVERIFY(versionOnly.state() == QAbstractSocket::UnconnectedState || versionOnly.waitForDisconnected(20'000));
    QVERIFY(mute.state() == QAbstractSocket::UnconnectedState || mute.waitForDisconnected(20'000));
    QVERIFY(versionOnly.readAll().startsWith("SSH-2.0-Keystead_"));
    QVERIFY(waitForNoConnection());
    m_config.loginGraceMs = CollectServerConfig().loginGraceMs;
    KEYSTEAD_VERIFY_OK(startServer());
    verifyStillServes();
}

void TestCollectSshServer::malformedPacketsAreSurvived()
{
    KEYSTEAD_VERIFY_OK(startServer());
    QRandomGenerator random(20260101);
    QList<QByteArray> payloads;
    // Packet lengths that lie, padding that lies, and plain noise.
    payloads << QByteArray::fromHex("ffffffff") + QByteArray(64, 'x');
    payloads << QByteArray::fromHex("0000000c0a14") + QByteArray(10, '\0');
    payloads << QByteArray::fromHex("00000005ff14000000");
    payloads << QByteArray::fromHex("0000000000");
    for (int i = 0; i < 16; ++i) {
        QByteArray noise(int(random.bounded(1, 3000)), Qt::Uninitialized);
        for (char &byte : noise)
            byte = char(random.bounded(256));
        payloads << noise;
    }
    for (const QByteArray &payload : std::as_const(payloads)) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_server->boundPort());
        QVERIFY(socket.waitForConnected(10'000));
        socket.write("SSH-2.0-Fuzzer_1.0\r\n" + payload);
        QVERIFY(socket.waitForBytesWritten(10'000) || socket.state() == QAbstractSocket::UnconnectedState);
        // Either the server cuts it off, or it waits for more: the grace timer
        // ends those; here the client leaves.
        socket.waitForDisconnected(500);
        socket.abort();
    }
    QVERIFY(waitForNoConnection());
    verifyStillServes();
}

void TestCollectSshServer::unauthenticatedConnectionsAreCapped()
{
    m_config.maxUnauthenticated = 3;
    m_config.maxUnauthenticatedPerAddress = 2;
    KEYSTEAD_VERIFY_OK(startServer());
    const quint16 port = m_server->boundPort();

    // Accepted: the server's version line arrives. Refused: closed with nothing said.
    auto connectFrom = [port](QTcpSocket &socket, const QString &source) {
        QVERIFY(socket.bind(QHostAddress(source), 0));
        socket.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(socket.waitForConnected(10'000));
    };
    auto accepted = [](QTcpSocket &socket) {
        const QDeadlineTimer deadline(20'000);
        while (!socket.canReadLine() && socket.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired())
            socket.waitForReadyRead(100);
        return socket.readLine().startsWith("SSH-2.0-Keystead_");
    };
    auto refused = [](QTcpSocket &socket) {
        const bool closed = socket.state() == QAbstractSocket::UnconnectedState || socket.waitForDisconnected(20'000);
        return closed && socket.readAll().isEmpty();
    };

    QTcpSocket first, second, thirdSameAddress, otherAddress, overTotal;
    connectFrom(first, u"127.0.0.1"_s);
    QVERIFY(accepted(first));
    connectFrom(second, u"127.0.0.1"_s);
    QVERIFY(accepted(second));
    connectFrom(thirdSameAddress, u"127.0.0.1"_s);
    QVERIFY(refused(thirdSameAddress));
    connectFrom(otherAddress, u"127.0.0.2"_s);
    QVERIFY(accepted(otherAddress));
    connectFrom(overTotal, u"127.0.0.3"_s);
    QVERIFY(refused(overTotal));
    QCOMPARE(m_server->connectionCount(), 3);

    // A slot frees when its connection ends.
    first.abort();
    const QDeadlineTimer deadline(20'000);
    while (m_server->connectionCount() != 2 && !deadline.hasExpired())
        QTest::qWait(20);
    QCOMPARE(m_server->connectionCount(), 2);
    QTcpSocket again;
    connectFrom(again, u"127.0.0.1"_s);
    QVERIFY(accepted(again));

    second.abort();
    otherAddress.abort();
    again.abort();
    QVERIFY(waitForNoConnection());

    // An authenticated connection no longer counts: with a client at the
    // prompt, its address still has both unauthenticated slots.
    m_gate->addSession(session(u"waiting"_s, true, true));
    QProcess client;
    client.setProcessEnvironment(clientEnvironment());
    client.start(u"ssh"_s, sshArguments(u"waiting"_s, {m_keys.at(0)}, {u"-o"_s, u"BatchMode=yes"_s}));
    QVERIFY(client.waitForStarted(10'000));
    auto stopClient = qScopeGuard([&client] {
        client.kill();
        client.waitForFinished(10'000);
    });
    QByteArray shown;
    const QDeadlineTimer promptDeadline(30'000);
    while (!shown.contains("Type y and press Enter") && !promptDeadline.hasExpired()) {
        client.waitForReadyRead(100);
        shown += client.readAllStandardOutput();
    }
    QVERIFY2(shown.contains("Type y and press Enter"), shown.constData());
    QTcpSocket fourth, fifth;
    connectFrom(fourth, u"127.0.0.1"_s);
    QVERIFY(accepted(fourth));
    connectFrom(fifth, u"127.0.0.1"_s);
    QVERIFY(accepted(fifth));
    QCOMPARE(m_server->connectionCount(), 3);
}

void TestCollectSshServer::acceptingResumesAfterRunningOutOfDescriptors()
{
    KEYSTEAD_VERIFY_OK(startServer());
    rlimit original = {};
    QCOMPARE(::getrlimit(RLIMIT_NOFILE, &original), 0);
    rlimit lowered = original;
    lowered.rlim_cur = qMin<rlim_t>(original.rlim_cur, 512);
    QCOMPARE(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
    std::vector<int> fillers;
    auto release = qScopeGuard([&] {
        for (int filler : fillers)
            ::close(filler);
        ::setrlimit(RLIMIT_NOFILE, &original);
    });
    // Every descriptor but one in use: the client's socket takes the last,
    // so the server's accept() fails.
    for (int filler = ::open("/dev/null", O_RDONLY); filler >= 0; filler = ::open("/dev/null", O_RDONLY))
        fillers.push_back(filler);
    QVERIFY(!fillers.empty());
    ::close(fillers.back());
    fillers.pop_back();
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_server->boundPort());
    QVERIFY(socket.waitForConnected(10'000));
    QTest::qWait(300); // let the server try, and fail, to accept it
    release.dismiss();
    for (int filler : fillers)
        ::close(filler);
    ::setrlimit(RLIMIT_NOFILE, &original);

    const QDeadlineTimer deadline(20'000);
    while (!socket.canReadLine() && socket.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired())
        socket.waitForReadyRead(100);
    QVERIFY(socket.readLine().startsWith("SSH-2.0-Keystead_"));
}

void TestCollectSshServer::collectsIntoTheStore()
{
    QFETCH(QString, backend);
    CollectWorld world(backend, m_clock);
    QVERIFY(world.store);
    CollectService &service = *world.service;
    CollectSessionInput input;
    input.multiKey = true;
    input.sshBanner = u"Welcome to the Keystead key collection"_s;
    input.sshMessage = u"All done, thank you"_s;
    const Result<CollectSession> created = service.create(input);
    KEYSTEAD_VERIFY_OK(created);
    QSignalSpy collected(&service, &CollectService::keyCollected);

    // The server calls into `service`: it must stop before the world goes, also when a check fails.
    const auto stopServer = qScopeGuard([this] { m_server.reset(); });
    KEYSTEAD_VERIFY_OK(startServer(world));
    const Finished done = ssh(created->connectionIdentifier, m_keys, {u"-o"_s, u"BatchMode=yes"_s});
    QVERIFY2(done.exitCode == 0, done.err.constData());
    QVERIFY2(done.err.contains("Welcome to the Keystead key collection"), done.err.constData());
    QVERIFY2(done.out.contains("All done, thank you"), done.out.constData());
    QVERIFY(waitForNoConnection());
    QTRY_COMPARE_WITH_TIMEOUT(collected.count(), 3, 10'000);

    const Result<CollectSession> stored = service.get(created->id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->status, CollectStatus::Completed);
    QCOMPARE(stored->connections.size(), 1);
    const CollectSessionConnection &connection = stored->connections.constFirst();
    QCOMPARE(connection.state, CollectConnectionState::Kept);
    QCOMPARE(connection.ipAddress, u"127.0.0.1"_s);
    QVERIFY2(connection.clientVersion.startsWith(u"SSH-2.0-OpenSSH_"_s), qPrintable(connection.clientVersion));
    QCOMPARE(connection.collectedKeyCount(), 3);
    QStringList expected;
    QStringList recorded;
    for (const KeyFile &key : std::as_const(m_keys))
        expected << key.fingerprint;
    for (const CollectSessionKey &key : connection.keys)
        recorded << key.key.fingerprintSha256();
    expected.sort();
    recorded.sort();
    QCOMPARE(recorded, expected);

    // Completed: the identifier no longer opens anything.
    const Finished again = ssh(created->connectionIdentifier, m_keys, {u"-o"_s, u"BatchMode=yes"_s});
    QCOMPARE(again.exitCode, 255);
    QVERIFY2(again.err.contains("no open collect session by that name"), again.err.constData());
    QVERIFY(waitForNoConnection());
    QCOMPARE(service.get(created->id)->connections.size(), 1);
    m_server.reset(); // before the store goes
}

void TestCollectSshServer::declinedAndExpiredSessionsInTheStore()
{
    QFETCH(QString, backend);
    CollectWorld world(backend, m_clock);
    QVERIFY(world.store);
    CollectService &service = *world.service;
    CollectSessionInput confirmInput;
    confirmInput.multiKey = true;
    confirmInput.mustConfirm = true;
    const Result<CollectSession> confirm = service.create(confirmInput);
    KEYSTEAD_VERIFY_OK(confirm);
    CollectSessionInput expiringInput;
    expiringInput.timeout = 60;
    const Result<CollectSession> expiring = service.create(expiringInput);
    KEYSTEAD_VERIFY_OK(expiring);

    // The server calls into `service`: it must stop before the world goes, also when a check fails.
    const auto stopServer = qScopeGuard([this] { m_server.reset(); });
    KEYSTEAD_VERIFY_OK(startServer(world));

    // Declined: the keys are discarded and the session stays pending; the dialog itself ended normally.
    const Finished declined = ssh(confirm->connectionIdentifier, m_keys, {u"-o"_s, u"BatchMode=yes"_s}, "n\n");
    QCOMPARE(declined.exitCode, 0);
    QVERIFY(waitForNoConnection());
    Result<CollectSession> stored = service.get(confirm->id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->status, CollectStatus::Pending);
    QCOMPARE(stored->connections.size(), 1);
    QCOMPARE(stored->connections.constFirst().state, CollectConnectionState::Declined);
    QCOMPARE(stored->connections.constFirst().keys.size(), 3);
    QCOMPARE(stored->collectedKeyCount(), 0);

    // Confirmed on a second connection: kept, and the session completes.
    const Finished kept = ssh(confirm->connectionIdentifier, m_keys, {u"-o"_s, u"BatchMode=yes"_s}, "y\n");
    QVERIFY2(kept.exitCode == 0, kept.err.constData());
    QVERIFY(waitForNoConnection());
    stored = service.get(confirm->id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->status, CollectStatus::Completed);
    QCOMPARE(stored->collectedKeyCount(), 3);

    // Expired by the clock: refused like an unknown name, nothing recorded.
    m_clock.advanceSeconds(120);
    const Finished late = ssh(expiring->connectionIdentifier, m_keys, {u"-o"_s, u"BatchMode=yes"_s});
    QCOMPARE(late.exitCode, 255);
    QVERIFY2(late.err.contains("no open collect session by that name"), late.err.constData());
    QVERIFY(waitForNoConnection());
    stored = service.get(expiring->id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->status, CollectStatus::Expired);
    QVERIFY(stored->connections.isEmpty());
    m_server.reset();
}

QTEST_GUILESS_MAIN(TestCollectSshServer)
#include "tst_collect_ssh_server.moc"
