#include "VaultTestSupport.h"

#include <QDirIterator>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// Where the vault's master keys live: the key file (owner only, several keys, refused
// when others may read it) and the OS keychain, or neither.
class TestVaultKeys final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void neitherKeychainNorFile_data() { backendRows(); }
    void neitherKeychainNorFile();
    void keyFileMustBeOwnerOnly();
    void keyFileKeepsSeveralKeys();
    void refusedKeyFileChangesNothing_data() { backendRows(); }
    void refusedKeyFileChangesNothing();
    void keychainStoresKeys();
    void vaultThroughKeychain_data() { backendRows(); }
    void vaultThroughKeychain();

private:
    ManualClock m_clock;
};

void TestVaultKeys::neitherKeychainNorFile()
{
    QFETCH(QString, backend);
    if (qEnvironmentVariable("KEYSTEAD_TEST_VAULT_CHILD") != u"1"_s) {
        // Once a process has reached a session bus it keeps the connection: this
        // test runs in a child process that never had one.
        QTemporaryDir runtime;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const QString &name :
             {u"DBUS_SESSION_BUS_ADDRESS"_s, u"KEYSTEAD_MASTER_KEY_FILE"_s, u"DISPLAY"_s, u"WAYLAND_DISPLAY"_s})
            environment.remove(name);
        environment.insert(u"XDG_RUNTIME_DIR"_s, runtime.path());
        environment.insert(u"KEYSTEAD_TEST_VAULT_CHILD"_s, u"1"_s);
        QProcess child;
        child.setProcessEnvironment(environment);
        child.setProcessChannelMode(QProcess::MergedChannels);
        child.start(QCoreApplication::applicationFilePath(), {u"neitherKeychainNorFile:"_s + backend});
        QVERIFY(child.waitForFinished(120'000));
        const QString output = QString::fromLocal8Bit(child.readAll());
        QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0, qPrintable(output));
        QVERIFY2(output.contains(u"PASS   : TestVaultKeys::neitherKeychainNorFile("_s + backend), qPrintable(output));
        return;
    }

    QVERIFY(qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"));
    auto test = TestDatabase::create(backend, m_clock);
    QVERIFY(test);
    Database &database = test->database();
    const std::unique_ptr<MasterKeyStore> keychain = MasterKeyStore::fromEnvironment();
    QVERIFY(keychain->description().contains(u"keychain"_s));

    {
        Vault vault(database, m_clock, *keychain);
        const Status unlocked = vault.unlock();
        QVERIFY(!unlocked);
        QCOMPARE(unlocked.error().kind, Error::Kind::Unavailable);
        qInfo("MSG: %s", qPrintable(unlocked.error().message));
        QVERIFY2(unlocked.error().message.contains(u"no keychain answers"_s), qPrintable(unlocked.error().message));
        QVERIFY(unlocked.error().message.contains(u"KEYSTEAD_MASTER_KEY_FILE"_s));
        QSqlDatabase db = database.connection();
        QVERIFY(!vault.put(db, kKeyOne, "secret"));
        QCOMPARE(vault.get(kKeyOne).error().kind, Error::Kind::NotFound);
        QVERIFY(!vault.rotate());
    }
    QCOMPARE(storeContents(database), u"\n--\n"_s);

    // A store sealed elsewhere, opened here with no key store answering.
    QTemporaryDir keyDir;
    FileMasterKeyStore file(keyDir.filePath(u"master.key"_s));
    {
        Vault sealing(database, m_clock, file);
        KEYSTEAD_VERIFY_OK(store(sealing, database, {{kKeyOne, "secret"}}));
    }
    const QString before = storeContents(database);
    Vault vault(database, m_clock, *keychain);
    QCOMPARE(vault.state(), VaultState::Unavailable);
    QVERIFY(vault.stateMessage().contains(u"KEYSTEAD_MASTER_KEY_FILE"_s));
    const Result<QByteArray> got = vault.get(kKeyOne);
    QVERIFY(!got);
    QCOMPARE(got.error().kind, Error::Kind::Unavailable);
    QVERIFY(got.error().message.contains(u"KEYSTEAD_MASTER_KEY_FILE"_s));
    QVERIFY(!vault.unlock());
    QVERIFY(!vault.rotate());
    QCOMPARE(storeContents(database), before);
}

void TestVaultKeys::keyFileMustBeOwnerOnly()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"master.key"_s);
    FileMasterKeyStore keys(path);
    QVERIFY(keys.description().contains(path));

    // Missing: no key, and the first write creates it owner-only whatever the umask.
    QCOMPARE(keys.read(u"k1"_s).error().kind, Error::Kind::NotFound);
    const mode_t oldMask = ::umask(0);
    const Status written = keys.write(u"k1"_s, randomKey());
    ::umask(oldMask);
    KEYSTEAD_VERIFY_OK(written);
    QCOMPARE(fileMode(path), mode_t(0600));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden | QDir::System), QStringList{u"master.key"_s});

    for (const mode_t mode : {mode_t(0644), mode_t(0640), mode_t(0604), mode_t(0620), mode_t(0602)}) {
        QCOMPARE(::chmod(QFile::encodeName(path).constData(), mode), 0);
        const QByteArray before = fileBytes(path);
        const Result<QByteArray> read = keys.read(u"k1"_s);
        QVERIFY(!read);
        QCOMPARE(read.error().kind, Error::Kind::Unavailable);
        QVERIFY2(read.error().message.contains(u"chmod 600"_s), qPrintable(read.error().message));
        QVERIFY(!keys.write(u"k2"_s, randomKey()));
        QVERIFY(!keys.remove(u"k1"_s));
        QCOMPARE(fileBytes(path), before);
        QCOMPARE(fileMode(path), mode);
    }
    QCOMPARE(::chmod(QFile::encodeName(path).constData(), 0400), 0);
    KEYSTEAD_VERIFY_OK(keys.read(u"k1"_s));

    // A link, even to a good file, and things that are not files.
    const QString target = dir.filePath(u"real.key"_s);
    writeRaw(target, "k1 " + randomKey().toBase64() + '\n', 0600);
    const QString link = dir.filePath(u"link.key"_s);
    QVERIFY(QFile::link(target, link));
    FileMasterKeyStore linked(link);
    const Result<QByteArray> viaLink = linked.read(u"k1"_s);
    QVERIFY(!viaLink);
    QVERIFY2(viaLink.error().message.contains(u"link"_s), qPrintable(viaLink.error().message));
    QVERIFY(!linked.write(u"k1"_s, randomKey()));
    QVERIFY(QFileInfo(link).isSymLink());

    const QString folder = dir.filePath(u"folder.key"_s);
    QVERIFY(QDir().mkdir(folder));
    QCOMPARE(::chmod(QFile::encodeName(folder).constData(), 0700), 0);
    QCOMPARE(FileMasterKeyStore(folder).read(u"k1"_s).error().kind, Error::Kind::Unavailable);

    const QString fifo = dir.filePath(u"fifo.key"_s);
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    QCOMPARE(FileMasterKeyStore(fifo).read(u"k1"_s).error().kind, Error::Kind::Unavailable);
}

void TestVaultKeys::keyFileKeepsSeveralKeys()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"keys/master.key"_s);
    FileMasterKeyStore keys(path);
    const QByteArray first = randomKey();
    const QByteArray second = randomKey();
    KEYSTEAD_VERIFY_OK(keys.write(u"k1"_s, first));
    KEYSTEAD_VERIFY_OK(keys.write(u"k2"_s, second));
    QCOMPARE(keys.read(u"k1"_s).value(), first);
    QCOMPARE(keys.read(u"k2"_s).value(), second);

    const QByteArray replaced = randomKey();
    KEYSTEAD_VERIFY_OK(keys.write(u"k1"_s, replaced));
    QCOMPARE(keys.read(u"k1"_s).value(), replaced);
    QCOMPARE(fileBytes(path).count('\n'), 2);

    KEYSTEAD_VERIFY_OK(keys.remove(u"k1"_s));
    QCOMPARE(keys.read(u"k1"_s).error().kind, Error::Kind::NotFound);
    QCOMPARE(keys.read(u"k2"_s).value(), second);
    KEYSTEAD_VERIFY_OK(keys.remove(u"k1"_s)); // already gone
    QCOMPARE(fileMode(path), mode_t(0600));

    // An operator's comment survives; a damaged line is reported, not skipped.
    writeRaw(path, "# restored from the backup\nk2 " + second.toBase64() + "\n", 0600);
    KEYSTEAD_VERIFY_OK(keys.write(u"k3"_s, first));
    QVERIFY(fileBytes(path).startsWith("# restored from the backup\n"));
    QCOMPARE(keys.read(u"k2"_s).value(), second);
    writeRaw(path, "k2 " + second.toBase64() + "\nthis is not a key line\n", 0600);
    const Result<QByteArray> damaged = keys.read(u"k2"_s);
    QVERIFY(!damaged);
    QVERIFY2(damaged.error().message.contains(u"line 2"_s), qPrintable(damaged.error().message));
    writeRaw(path, "k2 not*base64\n", 0600);
    QCOMPARE(keys.read(u"k2"_s).error().kind, Error::Kind::Unavailable);

    // Ids that would break a line are refused.
    QCOMPARE(keys.write(u"a b"_s, first).error().kind, Error::Kind::InvalidInput);
    QCOMPARE(keys.write(u"a:b"_s, first).error().kind, Error::Kind::InvalidInput);
}

void TestVaultKeys::refusedKeyFileChangesNothing()
{
    VaultStore fresh(m_clock);
    QVERIFY(fresh.test);
    Database &database = fresh.database();

    // An empty store and a key file others may read: no key is made.
    writeRaw(fresh.keyFile, "# keystead\n", 0644);
    {
        Vault vault(database, m_clock, fresh.keys);
        const Status unlocked = vault.unlock();
        QVERIFY(!unlocked);
        QVERIFY2(unlocked.error().message.contains(u"chmod 600"_s), qPrintable(unlocked.error().message));
        QCOMPARE(storeContents(database), u"\n--\n"_s);
        QCOMPARE(fileBytes(fresh.keyFile), QByteArray("# keystead\n"));
    }

    // A sealed store whose key file was opened to others.
    QCOMPARE(::chmod(QFile::encodeName(fresh.keyFile).constData(), 0600), 0);
    {
        Vault vault(database, m_clock, fresh.keys);
        KEYSTEAD_VERIFY_OK(store(vault, database, {{kKeyOne, "secret"}}));
    }
    QCOMPARE(::chmod(QFile::encodeName(fresh.keyFile).constData(), 0644), 0);
    const QString before = storeContents(database);
    const QByteArray fileBefore = fileBytes(fresh.keyFile);
    Vault vault(database, m_clock, fresh.keys);
    QCOMPARE(vault.state(), VaultState::Unavailable);
    const Result<QByteArray> got = vault.get(kKeyOne);
    QVERIFY(!got);
    QVERIFY(got.error().message.contains(u"chmod 600"_s));
    QVERIFY(!vault.rotate());
    QCOMPARE(storeContents(database), before);
    QCOMPARE(fileBytes(fresh.keyFile), fileBefore);
    QCOMPARE(fileMode(fresh.keyFile), mode_t(0644));
}

void TestVaultKeys::keychainStoresKeys()
{
    if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS")) {
        if (keyringExpected())
            QFAIL("KEYSTEAD_TEST_REQUIRE_KEYRING=1 but DBUS_SESSION_BUS_ADDRESS is not set");
        QSKIP("no D-Bus session bus: run inside dbus-run-session with an unlocked gnome-keyring (tests/run-all)");
    }
    KeychainMasterKeyStore keys(u"keystead-test-"_s + QUuid::createUuid().toString(QUuid::Id128));
    KeychainCleanup cleanup{keys, {u"k1"_s}};
    QVERIFY(keys.description().contains(u"keystead-test-"_s));

    const QByteArray first = randomKey();
    KEYSTEAD_VERIFY_OK(keys.write(u"k1"_s, first));
    Result<QByteArray> read = keys.read(u"k1"_s);
    KEYSTEAD_VERIFY_OK(read);
    QCOMPARE(read.value(), first);

    const QByteArray second = randomKey();
    KEYSTEAD_VERIFY_OK(keys.write(u"k1"_s, second));
    QCOMPARE(keys.read(u"k1"_s).value(), second);
    QCOMPARE(keys.read(u"never-written"_s).error().kind, Error::Kind::NotFound);

    KEYSTEAD_VERIFY_OK(keys.remove(u"k1"_s));
    QCOMPARE(keys.read(u"k1"_s).error().kind, Error::Kind::NotFound);
    KEYSTEAD_VERIFY_OK(keys.remove(u"k1"_s));

    // Entries belong to their service.
    KEYSTEAD_VERIFY_OK(keys.write(u"k1"_s, first));
    KeychainMasterKeyStore otherService(u"keystead-test-"_s + QUuid::createUuid().toString(QUuid::Id128));
    QCOMPARE(otherService.read(u"k1"_s).error().kind, Error::Kind::NotFound);
}

void TestVaultKeys::vaultThroughKeychain()
{
    QFETCH(QString, backend);
    if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS")) {
        if (keyringExpected())
            QFAIL("KEYSTEAD_TEST_REQUIRE_KEYRING=1 but DBUS_SESSION_BUS_ADDRESS is not set");
        QSKIP("no D-Bus session bus: run inside dbus-run-session with an unlocked gnome-keyring (tests/run-all)");
    }
    auto test = TestDatabase::create(backend, m_clock);
    QVERIFY(test);
    Database &database = test->database();
    KeychainMasterKeyStore keys(u"keystead-test-"_s + QUuid::createUuid().toString(QUuid::Id128));
    KeychainCleanup cleanup{keys, {}};

    Vault vault(database, m_clock, keys);
    const Status unlocked = vault.unlock();
    cleanup.keyIds.append(currentKeyId(database));
    KEYSTEAD_VERIFY_OK(unlocked);
    const QString firstKeyId = currentKeyId(database);
    QCOMPARE(keys.read(firstKeyId).value().size(), 32);

    const QByteArray secret = markedSecret("keychain");
    KEYSTEAD_VERIFY_OK(store(vault, database, {{kKeyOne, secret}, {kKeyOnePassword, "pw"}}));
    QCOMPARE(vault.get(kKeyOne).value(), secret);
    QVERIFY(!storeContents(database).contains(QString::fromLatin1(secret)));

    // A fresh vault in another thread: the keychain answers while this thread waits in its event loop.
    {
        Vault restarted(database, m_clock, keys);
        Result<QByteArray> fromThread = Error::internal(u"not run"_s);
        QThread *worker = QThread::create([&] {
            fromThread = restarted.get(kKeyOnePassword);
            database.releaseThreadConnection();
        });
        worker->start();
        QTRY_VERIFY_WITH_TIMEOUT(worker->isFinished(), 30'000);
        delete worker;
        KEYSTEAD_VERIFY_OK(fromThread);
        QCOMPARE(fromThread.value(), QByteArray("pw"));
    }

    const Status rotated = vault.rotate();
    cleanup.keyIds.append(currentKeyId(database));
    KEYSTEAD_VERIFY_OK(rotated);
    const QString secondKeyId = currentKeyId(database);
    QVERIFY(secondKeyId != firstKeyId);
    QCOMPARE(keys.read(firstKeyId).error().kind, Error::Kind::NotFound);
    QCOMPARE(keys.read(secondKeyId).value().size(), 32);
    QCOMPARE(vault.get(kKeyOne).value(), secret);

    // The same store with a keychain service that does not hold its key.
    KeychainMasterKeyStore elsewhere(u"keystead-test-"_s + QUuid::createUuid().toString(QUuid::Id128));
    Vault stranger(database, m_clock, elsewhere);
    const QString before = storeContents(database);
    QCOMPARE(stranger.state(), VaultState::KeyMissing);
    QVERIFY(!stranger.unlock());
    QCOMPARE(storeContents(database), before);
}

QTEST_GUILESS_MAIN(TestVaultKeys)
#include "tst_vault_keys.moc"
