// Seed 004's settings policy and options on Keystead's own SSH server: the
// real OpenSSH client against CollectServer on 127.0.0.1, with the real
// collect and connection services on a store, and the supervisor following
// the real SshSettingsService.

#include "TestCore.h"
#include "TestProcess.h"

#include "settings/SshAlgorithmSupport.h"
#include "settings/SshSettingsService.h"
#include "sshserver/CollectServer.h"
#include "sshserver/CollectServerSupervisor.h"

#include <QDeadlineTimer>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::TestCore;

Q_DECLARE_METATYPE(keystead::SshAlgorithms)

namespace {

constexpr int kProcessTimeoutMs = 60'000;
constexpr int kWaitMs = 30'000;

using keystead::test::Finished;
using keystead::test::runProcess;

// What `ssh -Q <list>` names: the algorithms this OpenSSH client can do.
QStringList opensshNames(const QString &list)
{
    const Finished listed = runProcess(u"ssh"_s, {u"-Q"_s, list});
    QStringList names;
    for (const QByteArray &line : listed.out.split('\n')) {
        if (!line.trimmed().isEmpty())
            names << QString::fromLatin1(line.trimmed());
    }
    return names;
}

QStringList shared(const QStringList &ours, const QStringList &theirs)
{
    QStringList both;
    for (const QString &name : ours) {
        if (theirs.contains(name))
            both << name;
    }
    return both;
}

// A port nothing listens on right now (for ssh -L's local end).
quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

// Lines that libssh logs through the "keystead.libssh" category.
QAtomicInt g_libsshMessages;
QtMessageHandler g_previousHandler = nullptr;

void countLibsshMessages(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (context.category && qstrcmp(context.category, "keystead.libssh") == 0) {
        g_libsshMessages.fetchAndAddRelaxed(1);
        return;
    }
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

} // namespace

class TestSshPolicy final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void algorithmListsAreWhatLibsshAndOpenSshShare();
    void everySharedAlgorithmConnects_data();
    void everySharedAlgorithmConnects();
    void policyAlgorithmsDecide_data();
    void policyAlgorithmsDecide();
    void compressionFollowsThePolicy();
    void bannerAndGreetingFollowThePolicy();
    void softwareVersionIsTheIdentification_data();
    void softwareVersionIsTheIdentification();
    void shortTimeoutEndsAnIdleConnection();
    void strictModeCutsForwarding_data();
    void strictModeCutsForwarding();
    void supervisorFollowsTheSettings_data();
    void supervisorFollowsTheSettings();

private:
    // Keystead as the app builds it (core/composition), on a fresh store.
    bool build(const QString &backend = u"sqlite"_s)
    {
        m_core = TestCore::create(backend);
        return m_core != nullptr;
    }
    Status startServer() { return m_core->collectServer->start(m_config); }

    // A fresh collect session (one connection each); returns its identifier.
    QString newSession(bool mustConfirm = false)
    {
        CollectSessionInput input;
        input.multiKey = true;
        input.mustConfirm = mustConfirm;
        const Result<CollectSession> created = m_core->collect->create(input);
        return created ? created->connectionIdentifier : QString();
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
    QStringList sshArguments(const QString &user, const QStringList &extra = {}, const QStringList &command = {}) const
    {
        const QStringList arguments{u"-F"_s, u"none"_s,
                                    u"-p"_s, QString::number(m_core->collectServer->boundPort()),
                                    u"-o"_s, u"StrictHostKeyChecking=no"_s,
                                    u"-o"_s, u"UserKnownHostsFile=/dev/null"_s,
                                    u"-o"_s, u"ConnectTimeout=20"_s,
                                    u"-o"_s, u"BatchMode=yes"_s,
                                    u"-o"_s, u"LogLevel=INFO"_s,
                                    u"-o"_s, u"IdentitiesOnly=yes"_s,
                                    u"-i"_s, m_keyPath};
        return arguments + extra + QStringList{user + u"@127.0.0.1"_s} + command;
    }
    // ssh into a fresh collect session; `identifier` gets its name.
    Finished ssh(const QStringList &extra = {}, QString *identifier = nullptr)
    {
        const QString user = newSession();
        if (identifier)
            *identifier = user;
        return runProcess(u"ssh"_s, sshArguments(user, extra), clientEnvironment());
    }
    // Starts ssh with its input left open and waits for the confirmation prompt.
    bool startAtPrompt(QProcess &client, const QStringList &extra, QByteArray *output, QString *identifier = nullptr)
    {
        const QString user = newSession(true);
        if (identifier)
            *identifier = user;
        client.setProcessEnvironment(clientEnvironment());
        client.start(u"ssh"_s, sshArguments(user, extra));
        if (!client.waitForStarted(10'000))
            return false;
        const QDeadlineTimer deadline(kWaitMs);
        while (!output->contains("Type y and press Enter") && !deadline.hasExpired()) {
            client.waitForReadyRead(100);
            *output += client.readAllStandardOutput();
        }
        return output->contains("Type y and press Enter");
    }
    bool waitForNoConnection() const
    {
        const QDeadlineTimer deadline(kWaitMs);
        while (!deadline.hasExpired() && m_core->collectServer->connectionCount() != 0)
            QTest::qWait(20);
        return m_core->collectServer->connectionCount() == 0;
    }
    // The connection record of the client that logged in as `identifier`,
    // once the recorder's buffer is written.
    std::optional<ConnectionRecord> recordOf(const QString &identifier) const
    {
        if (Status flushed = m_core->connections->flush(); !flushed)
            qWarning("flush: %s", qPrintable(flushed.error().message));
        const Result<ConnectionPage> page = m_core->connections->search(ConnectionQuery());
        if (!page)
            return std::nullopt;
        for (const ConnectionRecord &record : page->items) {
            if (record.userDisplayName == identifier)
                return record;
        }
        return std::nullopt;
    }
    bool portAccepts(quint16 port) const
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        const bool connected = socket.waitForConnected(5'000);
        socket.abort();
        return connected;
    }

    QTemporaryDir m_home;
    QTemporaryDir m_keysDir;
    QString m_keyPath;
    std::unique_ptr<QTemporaryDir> m_dataDir;
    CollectServerConfig m_config;
    std::unique_ptr<TestCore> m_core;
};

void TestSshPolicy::initTestCase()
{
    for (const QString &tool : {u"ssh"_s, u"ssh-keygen"_s})
        QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(), qPrintable(tool + u" is needed"_s));
    QVERIFY(m_home.isValid() && m_keysDir.isValid());
    m_keyPath = QDir(m_keysDir.path()).filePath(u"ed25519"_s);
    const Finished made
        = runProcess(u"ssh-keygen"_s, {u"-q"_s, u"-N"_s, QString(), u"-t"_s, u"ed25519"_s, u"-f"_s, m_keyPath});
    QCOMPARE(made.exitCode, 0);
}

void TestSshPolicy::init()
{
    m_dataDir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dataDir->isValid());
    m_config = CollectServerConfig();
    m_config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    m_config.dataDir = m_dataDir->path();
}

void TestSshPolicy::cleanup()
{
    m_core.reset();
    m_dataDir.reset();
}

void TestSshPolicy::algorithmListsAreWhatLibsshAndOpenSshShare()
{
    const struct
    {
        AlgorithmList list;
        QString query;
        QStringList expected; // in OpenSSH and in libssh 0.10 on every Debian 12
    } lists[] = {
        {AlgorithmList::Cipher,
         u"cipher"_s,
         {u"chacha20-poly1305@openssh.com"_s, u"aes256-gcm@openssh.com"_s, u"aes128-gcm@openssh.com"_s, u"aes256-ctr"_s,
          u"aes128-ctr"_s}},
        {AlgorithmList::Kex,
         u"kex"_s,
         {u"curve25519-sha256"_s, u"ecdh-sha2-nistp256"_s, u"diffie-hellman-group14-sha256"_s,
          u"diffie-hellman-group16-sha512"_s}},
        {AlgorithmList::Mac,
         u"mac"_s,
         {u"hmac-sha2-256"_s, u"hmac-sha2-512"_s, u"hmac-sha2-256-etm@openssh.com"_s, u"hmac-sha1"_s}},
    };
    for (const auto &entry : lists) {
        const QStringList openssh = opensshNames(entry.query);
        QVERIFY2(!openssh.isEmpty(), qPrintable(entry.query));
        for (const QStringList &ours : {supportedServerAlgorithms(entry.list), supportedClientAlgorithms(entry.list)}) {
            for (const QString &name : entry.expected)
                QVERIFY2(ours.contains(name), qPrintable(entry.query + u": "_s + name));
            // Every name is a real one: OpenSSH knows it too.
            for (const QString &name : ours)
                QVERIFY2(openssh.contains(name), qPrintable(entry.query + u": "_s + name));
        }
    }
    QVERIFY(supportedServerAlgorithms(AlgorithmList::Compression).contains(u"none"_s));
    QVERIFY(supportedServerAlgorithms(AlgorithmList::Compression).contains(u"zlib@openssh.com"_s));
    // Turning encryption or integrity off is never on offer.
    QVERIFY(!supportedServerAlgorithms(AlgorithmList::Cipher).contains(u"none"_s));
    QVERIFY(!supportedServerAlgorithms(AlgorithmList::Mac).contains(u"none"_s));

    SshAlgorithms algorithms;
    algorithms.cipher = {u"aes256-gcm@openssh.com"_s, u"nonsense-cipher"_s};
    algorithms.kex = {u"curve25519-sha256"_s};
    for (const bool serverSide : {true, false}) {
        const std::optional<UnsupportedAlgorithm> unsupported = firstUnsupported(algorithms, serverSide);
        QVERIFY(unsupported);
        QCOMPARE(unsupported->list, u"cipher"_s);
        QCOMPARE(unsupported->index, 1);
        QCOMPARE(unsupported->name, u"nonsense-cipher"_s);
    }
    algorithms.cipher.removeLast();
    algorithms.mac = {u"hmac-sha2-256"_s, u"hmac-md4"_s};
    const std::optional<UnsupportedAlgorithm> mac = firstUnsupported(algorithms, true);
    QVERIFY(mac);
    QCOMPARE(mac->list, u"mac"_s);
    QCOMPARE(mac->index, 1);
    algorithms.mac.removeLast();
    QVERIFY(!firstUnsupported(algorithms, true));
}

void TestSshPolicy::everySharedAlgorithmConnects_data()
{
    QTest::addColumn<int>("list");
    QTest::newRow("cipher") << int(AlgorithmList::Cipher);
    QTest::newRow("kex") << int(AlgorithmList::Kex);
    QTest::newRow("mac") << int(AlgorithmList::Mac);
}

void TestSshPolicy::everySharedAlgorithmConnects()
{
    // The server's list is what it really does: a policy of any one name
    // works with a client limited to that name.
    QFETCH(int, list);
    const auto kind = AlgorithmList(list);
    const QString query = kind == AlgorithmList::Cipher ? u"cipher"_s
        : kind == AlgorithmList::Kex                    ? u"kex"_s
                                                        : u"mac"_s;
    const QStringList names = shared(supportedServerAlgorithms(kind), opensshNames(query));
    QVERIFY(!names.isEmpty());
    QVERIFY(build());
    KEYSTEAD_VERIFY_OK(startServer());
    for (const QString &name : names) {
        SettingsPolicy policy = SshSettingsService::defaultPolicy();
        QStringList client;
        switch (kind) {
        case AlgorithmList::Cipher:
            policy.serverSide.cipher = {name};
            client = {u"-c"_s, name};
            break;
        case AlgorithmList::Kex:
            policy.serverSide.kex = {name};
            client = {u"-o"_s, u"KexAlgorithms="_s + name};
            break;
        case AlgorithmList::Mac:
            // An AEAD cipher carries its own integrity: the MAC only counts with another.
            policy.serverSide.cipher = {u"aes128-ctr"_s};
            policy.serverSide.mac = {name};
            client = {u"-c"_s, u"aes128-ctr"_s, u"-m"_s, name};
            break;
        case AlgorithmList::Compression: break;
        }
        m_core->collectServer->setPolicy(policy);
        const Finished done = ssh(client);
        QVERIFY2(done.exitCode == 0, qPrintable(name + u": "_s + QString::fromUtf8(done.err)));
        QVERIFY2(done.out.contains("Collected "), qPrintable(name));
    }
}

void TestSshPolicy::policyAlgorithmsDecide_data()
{
    QTest::addColumn<SshAlgorithms>("algorithms");
    QTest::addColumn<QStringList>("refusedClient");
    QTest::addColumn<QByteArray>("complaint");
    QTest::addColumn<QStringList>("acceptedClient");

    SshAlgorithms cipher;
    cipher.cipher = {u"aes256-gcm@openssh.com"_s};
    QTest::newRow("cipher") << cipher << QStringList{u"-c"_s, u"aes128-ctr"_s} << QByteArray("no matching cipher")
                            << QStringList{u"-c"_s, u"aes256-gcm@openssh.com"_s};
    SshAlgorithms kex;
    kex.kex = {u"curve25519-sha256"_s};
    QTest::newRow("kex") << kex << QStringList{u"-o"_s, u"KexAlgorithms=ecdh-sha2-nistp256"_s}
                         << QByteArray("no matching key exchange method")
                         << QStringList{u"-o"_s, u"KexAlgorithms=curve25519-sha256"_s};
    SshAlgorithms mac;
    mac.cipher = {u"aes128-ctr"_s};
    mac.mac = {u"hmac-sha2-512"_s};
    QTest::newRow("mac") << mac << QStringList{u"-c"_s, u"aes128-ctr"_s, u"-m"_s, u"hmac-sha2-256"_s}
                         << QByteArray("no matching MAC")
                         << QStringList{u"-c"_s, u"aes128-ctr"_s, u"-m"_s, u"hmac-sha2-512"_s};
}

void TestSshPolicy::policyAlgorithmsDecide()
{
    QFETCH(SshAlgorithms, algorithms);
    QFETCH(QStringList, refusedClient);
    QFETCH(QByteArray, complaint);
    QFETCH(QStringList, acceptedClient);
    QVERIFY(build());
    KEYSTEAD_VERIFY_OK(startServer());

    // Without the policy the client that is refused below gets in.
    const Finished before = ssh(refusedClient);
    QVERIFY2(before.exitCode == 0, before.err.constData());

    SettingsPolicy policy = SshSettingsService::defaultPolicy();
    policy.serverSide = algorithms;
    m_core->collectServer->setPolicy(policy);
    const Finished refused = ssh(refusedClient);
    QCOMPARE(refused.exitCode, 255);
    QVERIFY2(refused.err.contains(complaint), refused.err.constData());
    QVERIFY(!refused.out.contains("Collected "));

    const Finished accepted = ssh(acceptedClient);
    QVERIFY2(accepted.exitCode == 0, accepted.err.constData());
    QVERIFY(accepted.out.contains("Collected "));
}

void TestSshPolicy::compressionFollowsThePolicy()
{
    // OpenSSH 9.2 offers every compression it has whatever Compression says
    // (its preference first), so the policy decides what is used.
    QVERIFY(build());
    KEYSTEAD_VERIFY_OK(startServer());
    const QByteArray used = "kex: client->server cipher: ";
    const auto compressionOf = [&used](const QByteArray &log) {
        const qsizetype at = log.indexOf(used);
        const qsizetype end = log.indexOf('\n', at);
        const QByteArray line = at < 0 ? QByteArray() : log.mid(at, end - at).trimmed();
        return line.mid(line.lastIndexOf(' ') + 1);
    };
    const Finished before = ssh({u"-v"_s, u"-o"_s, u"Compression=no"_s});
    QVERIFY2(before.exitCode == 0, before.err.constData());
    QCOMPARE(compressionOf(before.err), QByteArray("none"));

    SettingsPolicy policy = SshSettingsService::defaultPolicy();
    policy.serverSide.compression = {u"zlib@openssh.com"_s};
    m_core->collectServer->setPolicy(policy);
    const Finished compressed = ssh({u"-v"_s, u"-o"_s, u"Compression=no"_s});
    QVERIFY2(compressed.exitCode == 0, compressed.err.constData());
    QCOMPARE(compressionOf(compressed.err), QByteArray("zlib@openssh.com"));
    QVERIFY(compressed.out.contains("Collected "));

    policy.serverSide.compression = {u"none"_s};
    m_core->collectServer->setPolicy(policy);
    const Finished plain = ssh({u"-v"_s, u"-o"_s, u"Compression=yes"_s});
    QVERIFY2(plain.exitCode == 0, plain.err.constData());
    QCOMPARE(compressionOf(plain.err), QByteArray("none"));
}

void TestSshPolicy::bannerAndGreetingFollowThePolicy()
{
    QVERIFY(build());
    KEYSTEAD_VERIFY_OK(startServer());

    // No policy: the collect dialog as it always was, nothing before it.
    const Finished plain = ssh();
    QVERIFY2(plain.exitCode == 0, plain.err.constData());
    QVERIFY2(plain.out.startsWith("Collected ED25519 key SHA256:"), plain.out.constData());

    SettingsPolicy first = SshSettingsService::defaultPolicy();
    first.userauthBanner = u"First banner: this is a monitored connection."_s;
    first.greeting = u"First greeting"_s;
    m_core->collectServer->setPolicy(first);
    QProcess live;
    QByteArray liveOutput;
    QVERIFY(startAtPrompt(live, {}, &liveOutput));
    QVERIFY2(liveOutput.startsWith("First greeting\nCollected ED25519 key SHA256:"), liveOutput.constData());

    // A new policy while the first connection waits at its prompt.
    SettingsPolicy second = first;
    second.userauthBanner = u"Second banner"_s;
    second.greeting = u"Second greeting\nin two lines"_s;
    m_core->collectServer->setPolicy(second);
    QString identifier;
    const Finished after = ssh({}, &identifier);
    QVERIFY2(after.exitCode == 0, after.err.constData());
    QVERIFY2(after.err.contains("Second banner"), after.err.constData());
    QVERIFY(!after.err.contains("First banner"));
    QVERIFY2(after.out.startsWith("Second greeting\nin two lines\nCollected ED25519 key SHA256:"),
             after.out.constData());

    // The live connection kept what it started with.
    live.write("y\n");
    live.closeWriteChannel();
    QVERIFY(live.waitForFinished(kProcessTimeoutMs));
    QCOMPARE(live.exitCode(), 0);
    liveOutput += live.readAllStandardOutput();
    const QByteArray liveErr = live.readAllStandardError();
    QVERIFY2(liveErr.contains("First banner: this is a monitored connection."), liveErr.constData());
    QVERIFY(!liveErr.contains("Second banner"));
    QVERIFY(!liveOutput.contains("Second greeting"));
    QVERIFY(liveOutput.contains("Confirmed: the keys were kept."));

    // The banner is in the trail as the client got it.
    QVERIFY(waitForNoConnection());
    const std::optional<ConnectionRecord> record = recordOf(identifier);
    QVERIFY(record);
    const Result<QList<TrailEvent>> trail = m_core->connections->trail(record->id);
    KEYSTEAD_VERIFY_OK(trail);
    bool bannerRecorded = false;
    for (const TrailEvent &event : trail.value())
        bannerRecorded = bannerRecorded || (event.type == u"banner"_s && event.data == "Second banner\n");
    QVERIFY(bannerRecorded);
}

void TestSshPolicy::softwareVersionIsTheIdentification_data()
{
    QTest::addColumn<QString>("softwareVersion");
    QTest::addColumn<QByteArray>("shown");
    QTest::newRow("plain") << u"PolicyTest_1.0"_s << QByteArray("PolicyTest_1.0");
    QTest::newRow("seed example") << u"SSH"_s << QByteArray("SSH");
    // A line break would end the identification line and inject protocol text.
    QTest::newRow("unsafe characters") << u"Evil 1.0\r\nSSH-2.0-Other"_s << QByteArray("Evil_1.0__SSH_2.0_Other");
}

void TestSshPolicy::softwareVersionIsTheIdentification()
{
    QFETCH(QString, softwareVersion);
    QFETCH(QByteArray, shown);
    QVERIFY(build());
    KEYSTEAD_VERIFY_OK(startServer());
    const Finished before = ssh({u"-v"_s});
    QVERIFY2(before.err.contains("remote software version Keystead_"), before.err.constData());

    SettingsPolicy policy = SshSettingsService::defaultPolicy();
    policy.softwareVersion = softwareVersion;
    m_core->collectServer->setPolicy(policy);
    const Finished done = ssh({u"-v"_s});
    QVERIFY2(done.exitCode == 0, done.err.constData());
    const QByteArray marker = "Remote protocol version 2.0, remote software version ";
    const qsizetype at = done.err.indexOf(marker);
    QVERIFY2(at >= 0, done.err.constData());
    const qsizetype end = done.err.indexOf('\n', at);
    QCOMPARE(done.err.mid(at + marker.size(), end - at - marker.size()).trimmed(), shown);
}

void TestSshPolicy::shortTimeoutEndsAnIdleConnection()
{
    QVERIFY(build());
    KEYSTEAD_VERIFY_OK(startServer());
    SettingsPolicy policy = SshSettingsService::defaultPolicy();
    policy.timeout = 1;
    m_core->collectServer->setPolicy(policy);

    // The user never answers: the policy's timeout, not the default ten minutes, ends it.
    QProcess client;
    QByteArray output;
    QString identifier;
    QVERIFY(startAtPrompt(client, {}, &output, &identifier));
    QVERIFY(client.waitForFinished(kWaitMs));
    output += client.readAllStandardOutput();
    QCOMPARE(client.exitCode(), 1);
    QVERIFY2(output.contains("No answer in time"), output.constData());
    QVERIFY(waitForNoConnection());
    const std::optional<ConnectionRecord> record = recordOf(identifier);
    QVERIFY(record);
    QCOMPARE(record->disconnectReason, u"idle timeout"_s);
}

void TestSshPolicy::strictModeCutsForwarding_data()
{
    QTest::addColumn<bool>("strict");
    QTest::addColumn<QString>("forwarding");
    QTest::newRow("strict remote") << true << u"remote"_s;
    QTest::newRow("lax remote") << false << u"remote"_s;
    QTest::newRow("strict local") << true << u"local"_s;
    QTest::newRow("lax local") << false << u"local"_s;
}

void TestSshPolicy::strictModeCutsForwarding()
{
    QFETCH(bool, strict);
    QFETCH(QString, forwarding);
    QVERIFY(build());
    KEYSTEAD_VERIFY_OK(startServer());
    SettingsPolicy policy = SshSettingsService::defaultPolicy();
    policy.strictMode = strict;
    m_core->collectServer->setPolicy(policy);

    const quint16 localPort = freePort();
    QVERIFY(localPort != 0);
    const QStringList options = forwarding == u"remote"_s
        ? QStringList{u"-o"_s, u"ExitOnForwardFailure=yes"_s, u"-R"_s, u"0:127.0.0.1:9"_s}
        : QStringList{u"-o"_s, u"ExitOnForwardFailure=yes"_s, u"-L"_s, u"%1:127.0.0.1:9"_s.arg(localPort)};
    QProcess client;
    QByteArray output;
    QByteArray errors;
    const QString identifier = newSession(true);
    client.setProcessEnvironment(clientEnvironment());
    client.start(u"ssh"_s, sshArguments(identifier, options));
    QVERIFY(client.waitForStarted(10'000));
    if (forwarding == u"local"_s) {
        // The client asks for a direct-tcpip channel when something connects to its end.
        const QDeadlineTimer deadline(kWaitMs);
        while (!output.contains("Type y and press Enter") && !deadline.hasExpired()) {
            client.waitForReadyRead(100);
            output += client.readAllStandardOutput();
        }
        QVERIFY2(output.contains("Type y and press Enter"), client.readAllStandardError().constData());
        QTcpSocket user;
        user.connectToHost(QHostAddress::LocalHost, localPort);
        QVERIFY(user.waitForConnected(5'000));
        if (!strict) {
            // Refused: the channel fails, the dialog goes on.
            const QDeadlineTimer refused(kWaitMs);
            while (!errors.contains("open failed") && !refused.hasExpired()) {
                client.waitForReadyRead(100);
                errors += client.readAllStandardError();
            }
            QVERIFY2(errors.contains("open failed"), errors.constData());
            client.write("y\n");
            client.closeWriteChannel();
        }
        QVERIFY(client.waitForFinished(kWaitMs));
    } else {
        // The client asks right after login; refused, ExitOnForwardFailure makes it leave.
        QVERIFY(client.waitForFinished(kWaitMs));
    }
    output += client.readAllStandardOutput();
    errors += client.readAllStandardError();

    if (strict) {
        QCOMPARE(client.exitCode(), 255);
        // OpenSSH prints the server's disconnect message.
        QVERIFY2(errors.contains("strict mode"), errors.constData());
    } else {
        QVERIFY2(!errors.contains("strict mode"), errors.constData());
        if (forwarding == u"local"_s) {
            QCOMPARE(client.exitCode(), 0);
            QVERIFY(output.contains("Confirmed: the keys were kept."));
        } else {
            QCOMPARE(client.exitCode(), 255);
            QVERIFY2(errors.contains("remote port forwarding failed"), errors.constData());
        }
    }

    QVERIFY(waitForNoConnection());
    const std::optional<ConnectionRecord> record = recordOf(identifier);
    QVERIFY(record);
    if (strict) {
        QVERIFY2(record->disconnectReason.startsWith(u"strict mode: "_s), qPrintable(record->disconnectReason));
        QVERIFY(record->disconnectReason.contains(forwarding == u"remote"_s ? u"tcpip-forward"_s : u"direct-tcpip"_s));
    } else {
        QVERIFY2(!record->disconnectReason.contains(u"strict"_s), qPrintable(record->disconnectReason));
    }
}

void TestSshPolicy::supervisorFollowsTheSettings_data()
{
    QTest::addColumn<QString>("backend");
    for (const QString &backend : keystead::test::storeBackends())
        QTest::newRow(qPrintable(backend)) << backend;
}

void TestSshPolicy::supervisorFollowsTheSettings()
{
    QFETCH(QString, backend);
    QVERIFY(build(backend));
    const Actor actor = Actor::console();

    // The active policy, made before the supervisor starts, is applied at once.
    SettingsPolicy input = SshSettingsService::defaultPolicy();
    input.key.clear();
    input.name = u"supervised"_s;
    input.greeting = u"Supervised greeting"_s;
    const Result<SettingsPolicy> created = m_core->sshSettings->createPolicy(input, actor);
    KEYSTEAD_VERIFY_OK(created);
    Result<SshOptions> options = m_core->sshSettings->options();
    KEYSTEAD_VERIFY_OK(options);
    options->settingsPolicy = created->key;
    options->logLevel = 0;
    KEYSTEAD_VERIFY_OK(m_core->sshSettings->setOptions(options.value(), actor));

    // The composition's own supervisor, told where this test's server listens.
    CollectServerSupervisor &supervisor = *m_core->collectSupervisor;
    supervisor.setBaseConfig(m_config);
    QSignalSpy states(m_core->collectServer.get(), &CollectServer::stateChanged);
    KEYSTEAD_VERIFY_OK(supervisor.apply());
    QCOMPARE(m_core->collectServer->state(), CollectServer::State::Running);
    const quint16 port = m_core->collectServer->boundPort();
    QVERIFY(port != 0);
    QVERIFY(portAccepts(port));
    const Finished greeted = ssh();
    QVERIFY2(greeted.exitCode == 0, greeted.err.constData());
    QVERIFY2(greeted.out.startsWith("Supervised greeting\n"), greeted.out.constData());

    // A policy change reaches the next connection.
    SettingsPolicy changed = created.value();
    changed.greeting = u"Changed greeting"_s;
    KEYSTEAD_VERIFY_OK(m_core->sshSettings->updatePolicy(created->key, changed, actor));
    QTRY_VERIFY_WITH_TIMEOUT(m_core->collectServer->connectionConfig().greeting == u"Changed greeting"_s, kWaitMs);
    const Finished regreeted = ssh();
    QVERIFY2(regreeted.out.startsWith("Changed greeting\n"), regreeted.out.constData());

    // service.enabled false stops the server, true starts it again.
    options->serviceEnabled = false;
    KEYSTEAD_VERIFY_OK(m_core->sshSettings->setOptions(options.value(), actor));
    QTRY_COMPARE_WITH_TIMEOUT(m_core->collectServer->state(), CollectServer::State::Stopped, kWaitMs);
    QVERIFY(!portAccepts(port));
    // The port stays as configured (0 here): the restart may get another one.
    options->serviceEnabled = true;
    KEYSTEAD_VERIFY_OK(m_core->sshSettings->setOptions(options.value(), actor));
    QTRY_COMPARE_WITH_TIMEOUT(m_core->collectServer->state(), CollectServer::State::Running, kWaitMs);
    QVERIFY(portAccepts(m_core->collectServer->boundPort()));
    QVERIFY(states.size() >= 3);

    // service.log_level reaches libssh: silent at 0, talkative at 7.
    g_libsshMessages.storeRelaxed(0);
    g_previousHandler = qInstallMessageHandler(&countLibsshMessages);
    const Finished quiet = ssh();
    QCOMPARE(quiet.exitCode, 0);
    QVERIFY(waitForNoConnection());
    const int atZero = g_libsshMessages.loadRelaxed();
    options->logLevel = 7;
    KEYSTEAD_VERIFY_OK(m_core->sshSettings->setOptions(options.value(), actor));
    QTRY_COMPARE_WITH_TIMEOUT(m_core->collectServer->connectionConfig().logLevel, 7, kWaitMs);
    const Finished loud = ssh();
    QVERIFY(waitForNoConnection());
    qInstallMessageHandler(g_previousHandler);
    QCOMPARE(loud.exitCode, 0);
    QCOMPARE(atZero, 0);
    QVERIFY(g_libsshMessages.loadRelaxed() > 0);
}

QTEST_GUILESS_MAIN(TestSshPolicy)
#include "tst_ssh_policy.moc"
