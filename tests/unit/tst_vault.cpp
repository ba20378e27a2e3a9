#include "TestDatabase.h"

#include "common/Crypto.h"
#include "secrets/MasterKeyStore.h"
#include "secrets/Vault.h"
#include "store/Sql.h"

#include <QDirIterator>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QThread>
#include <QUuid>
#include <QtTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::TestDatabase;

namespace {

const SecretRef kKeyOne{u"ssh_key"_s, u"1"_s, u"private_key"_s};
const SecretRef kKeyOnePassword{u"ssh_key"_s, u"1"_s, u"password"_s};
const SecretRef kKeyTwo{u"ssh_key"_s, u"2"_s, u"private_key"_s};
const SecretRef kAuthority{u"ca"_s, u"7f3e"_s, u"private_key"_s};

// Marks a plaintext so a test can look for it in every byte of the store.
QByteArray markedSecret(const char *what)
{
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + QByteArray(what) + "-plaintext-"
        + QUuid::createUuid().toString(QUuid::Id128).toLatin1() + "\n-----END OPENSSH PRIVATE KEY-----\n";
}

// A real key file around which writes can be refused on demand: as root, no file
// permission makes a write fail, and a rotation must survive a key store that refuses.
class RefusingWrites final : public MasterKeyStore
{
public:
    explicit RefusingWrites(MasterKeyStore &inner)
        : m_inner(inner)
    {
    }
    QString description() const override { return m_inner.description(); }
    Result<QByteArray> read(const QString &keyId) override { return m_inner.read(keyId); }
    Status write(const QString &keyId, const QByteArray &key) override
    {
        if (refuse)
            return Error::unavailable(u"the key store refuses writes (test)"_s);
        return m_inner.write(keyId, key);
    }
    Status remove(const QString &keyId) override { return m_inner.remove(keyId); }

    bool refuse = false;

private:
    MasterKeyStore &m_inner;
};

// Every row of a table as text, sorted: equal before and after means nothing changed.
QString tableContents(Database &database, const QString &table)
{
    Result<QSqlQuery> rows = sql::exec(database.connection(), u"SELECT * FROM "_s + table);
    if (!rows)
        return u"<error: "_s + rows.error().message + u'>';
    QStringList lines;
    while (rows->next()) {
        const QSqlRecord record = rows->record();
        QStringList fields;
        for (int i = 0; i < record.count(); ++i)
            fields.append(record.isNull(i) ? u"<null>"_s : record.value(i).toString());
        lines.append(fields.join(u'|'));
    }
    lines.sort();
    return lines.join(u'\n');
}

QString storeContents(Database &database)
{
    return tableContents(database, u"vault_keys"_s) + u"\n--\n"_s + tableContents(database, u"vault_secrets"_s);
}

QString scalar(Database &database, const QString &statement, const QVariantList &bindings = {})
{
    Result<QSqlQuery> row = sql::exec(database.connection(), statement, bindings);
    if (!row || !row->next())
        return {};
    return row->value(0).toString();
}

QString sealedOf(Database &database, const SecretRef &ref)
{
    return scalar(database, u"SELECT sealed FROM vault_secrets WHERE owner_kind = ? AND owner_id = ? AND field = ?"_s,
                  {ref.ownerKind, ref.ownerId, ref.field});
}

QString currentKeyId(Database &database)
{
    return scalar(database, u"SELECT key_id FROM vault_keys WHERE retired_at IS NULL"_s);
}

Status setSealed(Database &database, const SecretRef &ref, const QString &sealed)
{
    Result<QSqlQuery> updated
        = sql::exec(database.connection(),
                    u"UPDATE vault_secrets SET sealed = ? WHERE owner_kind = ? AND owner_id = ? AND field = ?"_s,
                    {sealed, ref.ownerKind, ref.ownerId, ref.field});
    if (!updated)
        return updated.error();
    if (updated->numRowsAffected() != 1)
        return Error::notFound(u"no such row"_s);
    return {};
}

Status store(Vault &vault, Database &database, const QList<std::pair<SecretRef, QByteArray>> &secrets)
{
    if (Status unlocked = vault.unlock(); !unlocked)
        return unlocked;
    QSqlDatabase db = database.connection();
    return sql::inTransaction(db, [&]() -> Status {
        for (const auto &[ref, plaintext] : secrets) {
            if (Status put = vault.put(db, ref, plaintext); !put)
                return put;
        }
        return {};
    });
}

QByteArray fileBytes(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return "<missing>";
    return file.readAll();
}

mode_t fileMode(const QString &path)
{
    struct stat info
    {
    };
    if (::lstat(QFile::encodeName(path).constData(), &info) != 0)
        return 0;
    return info.st_mode & 07777;
}

void writeRaw(const QString &path, const QByteArray &content, mode_t mode)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(content), content.size());
    file.close();
    QCOMPARE(::chmod(QFile::encodeName(path).constData(), mode), 0);
}

QByteArray randomKey()
{
    Result<QByteArray> key = crypto::randomBytes(32);
    return key ? key.value() : QByteArray(32, 'x');
}

QByteArray flipOneByte(const QString &sealed)
{
    const qsizetype colon = sealed.lastIndexOf(u':');
    QByteArray payload = QByteArray::fromBase64(sealed.mid(colon + 1).toLatin1());
    payload[payload.size() / 2] = static_cast<char>(payload.at(payload.size() / 2) ^ 0x01);
    return sealed.left(colon + 1).toLatin1() + payload.toBase64();
}

bool keyringExpected()
{
    return qEnvironmentVariable("KEYSTEAD_TEST_REQUIRE_KEYRING") == u"1"_s;
}

// Removes the listed keychain entries when the test ends, however it ends.
struct KeychainCleanup
{
    KeychainMasterKeyStore &keys;
    QStringList keyIds;
    ~KeychainCleanup()
    {
        for (const QString &keyId : std::as_const(keyIds))
            (void)keys.remove(keyId);
    }
};

} // namespace

class TestVault final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data() { backends(); }
    void roundTrip();
    void putRefusesWhenLocked_data() { backends(); }
    void putRefusesWhenLocked();
    void getNeverMakesAKey_data() { backends(); }
    void getNeverMakesAKey();
    void movedValueDoesNotOpen_data() { backends(); }
    void movedValueDoesNotOpen();
    void sealsDifferEachTime_data() { backends(); }
    void sealsDifferEachTime();
    void wrongKeyChangesNothing_data() { backends(); }
    void wrongKeyChangesNothing();
    void missingKeyChangesNothing_data() { backends(); }
    void missingKeyChangesNothing();
    void neitherKeychainNorFile_data() { backends(); }
    void neitherKeychainNorFile();
    void keyFileMustBeOwnerOnly();
    void keyFileKeepsSeveralKeys();
    void refusedKeyFileChangesNothing_data() { backends(); }
    void refusedKeyFileChangesNothing();
    void rotationResealsEverything_data() { backends(); }
    void rotationResealsEverything();
    void failedRotationChangesNothing_data() { backends(); }
    void failedRotationChangesNothing();
    void otherInstanceFollowsRotation_data() { backends(); }
    void otherInstanceFollowsRotation();
    void keychainStoresKeys();
    void vaultThroughKeychain_data() { backends(); }
    void vaultThroughKeychain();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }
    ManualClock m_clock;
};

void TestVault::roundTrip()
{
    QFETCH(QString, backend);
    auto test = TestDatabase::create(backend, m_clock);
    QVERIFY(test);
    Database &database = test->database();
    QTemporaryDir keyDir;
    const QString keyFile = keyDir.filePath(u"master.key"_s);
    FileMasterKeyStore keys(keyFile);
    Vault vault(database, m_clock, keys);
    QSignalSpy changed(&vault, &Vault::stateChanged);

    QCOMPARE(vault.state(), VaultState::Empty);
    QVERIFY(!QFileInfo::exists(keyFile));
    KEYSTEAD_VERIFY_OK(vault.unlock());
    QCOMPARE(vault.state(), VaultState::Ready);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(fileMode(keyFile), mode_t(0600));
    QVERIFY(vault.stateMessage().contains(keyFile));

    const QByteArray privateKey = markedSecret("private");
    const QByteArray password = "correct horse " + QUuid::createUuid().toString(QUuid::Id128).toLatin1();
    const QByteArray binary("\0\x01\xff secret\0tail", 15);
    KEYSTEAD_VERIFY_OK(
        store(vault, database,
              {{kKeyOne, privateKey}, {kKeyOnePassword, password}, {kKeyTwo, binary}, {kAuthority, QByteArray()}}));

    const Result<QByteArray> one = vault.get(kKeyOne);
    KEYSTEAD_VERIFY_OK(one);
    QCOMPARE(one.value(), privateKey);
    QSqlDatabase db = database.connection();
    const Result<QByteArray> onePassword = vault.get(db, kKeyOnePassword);
    KEYSTEAD_VERIFY_OK(onePassword);
    QCOMPARE(onePassword.value(), password);
    const Result<QByteArray> two = vault.get(kKeyTwo);
    KEYSTEAD_VERIFY_OK(two);
    QCOMPARE(two.value(), binary);
    const Result<QByteArray> empty = vault.get(kAuthority);
    KEYSTEAD_VERIFY_OK(empty);
    QVERIFY(empty->isEmpty());
    QVERIFY(vault.contains(db, kKeyOne));
    QVERIFY(!vault.contains(db, SecretRef{u"ssh_key"_s, u"3"_s, u"private_key"_s}));
    const Result<QByteArray> absent = vault.get(SecretRef{u"ssh_key"_s, u"3"_s, u"private_key"_s});
    QVERIFY(!absent);
    QCOMPARE(absent.error().kind, Error::Kind::NotFound);

    // The stored text names its format and key; the key_id column agrees.
    const QString keyId = currentKeyId(database);
    QVERIFY(!keyId.isEmpty());
    const QRegularExpression format(u"^v1:"_s + QRegularExpression::escape(keyId) + u":[A-Za-z0-9+/]+=*$"_s);
    QVERIFY2(format.match(sealedOf(database, kKeyOne)).hasMatch(), qPrintable(sealedOf(database, kKeyOne)));
    QCOMPARE(scalar(database, u"SELECT COUNT(*) FROM vault_secrets WHERE key_id = ?"_s, {keyId}), u"4"_s);

    // A second put replaces the value.
    const QByteArray replaced = markedSecret("replaced");
    KEYSTEAD_VERIFY_OK(store(vault, database, {{kKeyOne, replaced}}));
    QCOMPARE(vault.get(kKeyOne).value(), replaced);

    // Another vault object (a restart) opens them from the key file alone.
    {
        Vault restarted(database, m_clock, keys);
        const Result<QByteArray> again = restarted.get(kKeyOnePassword);
        KEYSTEAD_VERIFY_OK(again);
        QCOMPARE(again.value(), password);
        QCOMPARE(restarted.state(), VaultState::Ready);
    }

    // No plaintext anywhere in the store.
    const QString contents = storeContents(database);
    for (const QByteArray &secret : {privateKey, replaced, password}) {
        QVERIFY(!contents.contains(QString::fromLatin1(secret)));
        QVERIFY(!contents.contains(QString::fromLatin1(secret.toBase64())));
    }
    const Result<QByteArray> masterKey = keys.read(keyId);
    KEYSTEAD_VERIFY_OK(masterKey);
    QCOMPARE(masterKey->size(), 32);
    QVERIFY(!contents.contains(QString::fromLatin1(masterKey->toBase64())));

    // Removing one field, then a whole record.
    KEYSTEAD_VERIFY_OK(vault.remove(db, u"ssh_key"_s, u"1"_s, u"password"_s));
    QVERIFY(!vault.contains(db, kKeyOnePassword));
    QVERIFY(vault.contains(db, kKeyOne));
    KEYSTEAD_VERIFY_OK(vault.remove(db, u"ssh_key"_s, u"1"_s));
    QVERIFY(!vault.contains(db, kKeyOne));
    QVERIFY(vault.contains(db, kKeyTwo));

    if (backend == u"sqlite"_s) {
        // Every byte of the SQLite file and its journal.
        db = QSqlDatabase();
        database.releaseThreadConnection();
        QDirIterator files(test->dataDir(), QDir::Files);
        int seen = 0;
        while (files.hasNext()) {
            const QByteArray bytes = fileBytes(files.next());
            ++seen;
            for (const QByteArray &secret : {privateKey, replaced, password, masterKey->toBase64()})
                QVERIFY2(!bytes.contains(secret), qPrintable(files.fileName()));
        }
        QVERIFY(seen > 0);
    }
}

void TestVault::putRefusesWhenLocked()
{
    QFETCH(QString, backend);
    auto test = TestDatabase::create(backend, m_clock);
    QVERIFY(test);
    Database &database = test->database();
    QTemporaryDir keyDir;
    const QString keyFile = keyDir.filePath(u"master.key"_s);
    FileMasterKeyStore keys(keyFile);

    {
        Vault vault(database, m_clock, keys);
        QSqlDatabase db = database.connection();
        const Status put = vault.put(db, kKeyOne, "secret");
        QVERIFY(!put);
        QVERIFY(put.error().message.contains(u"unlock"_s));
    }
    QCOMPARE(storeContents(database), u"\n--\n"_s);
    QVERIFY(!QFileInfo::exists(keyFile));

    // A store that has a key: still nothing is sealed by a vault that was not unlocked.
    {
        Vault first(database, m_clock, keys);
        KEYSTEAD_VERIFY_OK(first.unlock());
    }
    const QString before = storeContents(database);
    Vault vault(database, m_clock, keys);
    QSqlDatabase db = database.connection();
    QVERIFY(!vault.put(db, kKeyOne, "secret"));
    QCOMPARE(storeContents(database), before);
}

void TestVault::getNeverMakesAKey()
{
    QFETCH(QString, backend);
    auto test = TestDatabase::create(backend, m_clock);
    QVERIFY(test);
    QTemporaryDir keyDir;
    const QString keyFile = keyDir.filePath(u"master.key"_s);
    FileMasterKeyStore keys(keyFile);
    Vault vault(test->database(), m_clock, keys);

    const Result<QByteArray> got = vault.get(kKeyOne);
    QVERIFY(!got);
    QCOMPARE(got.error().kind, Error::Kind::NotFound);
    QCOMPARE(vault.state(), VaultState::Empty);
    QVERIFY(vault.stateMessage().contains(u"no secrets yet"_s));
    QVERIFY(!QFileInfo::exists(keyFile));
    QCOMPARE(storeContents(test->database()), u"\n--\n"_s);
}

void TestVault::movedValueDoesNotOpen()
{
    QFETCH(QString, backend);
    auto test = TestDatabase::create(backend, m_clock);
    QVERIFY(test);
    Database &database = test->database();
    QTemporaryDir keyDir;
    FileMasterKeyStore keys(keyDir.filePath(u"master.key"_s));
    Vault vault(database, m_clock, keys);

    // Plain concatenation would give both the same associated data.
    const SecretRef joinedLeft{u"ssh_"_s, u"key1"_s, u"x"_s};
    const SecretRef joinedRight{u"ssh"_s, u"_key1"_s, u"x"_s};
    KEYSTEAD_VERIFY_OK(store(vault, database,
                             {{kKeyOne, "one's key"},
                              {kKeyOnePassword, "one's password"},
                              {kKeyTwo, "two's key"},
                              {joinedLeft, "left"},
                              {joinedRight, "right"}}));
    const QString sealedOne = sealedOf(database, kKeyOne);

    // Onto another record.
    KEYSTEAD_VERIFY_OK(setSealed(database, kKeyTwo, sealedOne));
    Result<QByteArray> moved = vault.get(kKeyTwo);
    QVERIFY(!moved);
    QVERIFY(moved.error().kind != Error::Kind::NotFound);
    QVERIFY2(moved.error().message.contains(u"does not open"_s), qPrintable(moved.error().message));

    // Onto another field of the same record.
    KEYSTEAD_VERIFY_OK(setSealed(database, kKeyOnePassword, sealedOne));
    moved = vault.get(kKeyOnePassword);
    QVERIFY(!moved);
    QVERIFY(moved.error().message.contains(u"does not open"_s));

    KEYSTEAD_VERIFY_OK(setSealed(database, joinedRight, sealedOf(database, joinedLeft)));
    QVERIFY(!vault.get(joinedRight));
    QCOMPARE(vault.get(joinedLeft).value(), QByteArray("left"));

    // One changed byte.
    KEYSTEAD_VERIFY_OK(setSealed(database, kKeyOne, QString::fromLatin1(flipOneByte(sealedOne))));
    QVERIFY(!vault.get(kKeyOne));
    // Not a sealed text at all.
    KEYSTEAD_VERIFY_OK(setSealed(database, kKeyOne, u"one's key"_s));
    QVERIFY(!vault.get(kKeyOne));

    // The original, put back, still opens.
    KEYSTEAD_VERIFY_OK(setSealed(database, kKeyOne, sealedOne));
    QCOMPARE(vault.get(kKeyOne).value(), QByteArray("one's key"));
}

void TestVault::sealsDifferEachTime()
{
    QFETCH(QString, backend);
    auto test = TestDatabase::create(backend, m_clock);
    QVERIFY(test);
    Database &database = test->database();
    QTemporaryDir keyDir;
    FileMasterKeyStore keys(keyDir.filePath(u"master.key"_s));
    Vault vault(database, m_clock, keys);

    QSet<QString> sealed;
    QSet<QByteArray> nonces;
    for (int i = 0; i < 5; ++i) {
        KEYSTEAD_VERIFY_OK(store(vault, database, {{kKeyOne, "the same value"}}));
        const QString text = sealedOf(database, kKeyOne);
        sealed.insert(text);
        nonces.insert(QByteArray::fromBase64(text.section(u':', 2).toLatin1()).left(12));
        QCOMPARE(vault.get(kKeyOne).value(), QByteArray("the same value"));
    }
    QCOMPARE(sealed.size(), 5);
    QCOMPARE(nonces.size(), 5);
}

void TestVault::wrongKeyChangesNothing()
{
    QFETCH(QString, backend);
    auto test = TestDatabase::create(backend, m_clock);
    QVERIFY(test);
    Database &database = test->database();
    QTemporaryDir keyDir;
    const QString keyFile = keyDir.filePath(u"master.key"_s);
    FileMasterKeyStore keys(keyFile);
    {
        Vault vault(database, m_clock, keys);
        KEYSTEAD_VERIFY_OK(store(vault, database, {{kKeyOne, "secret"}, {kKeyTwo, "other"}}));
    }
    const QString keyId = currentKeyId(database);

    for (const QByteArray &wrong : {randomKey(), QByteArray(16, 'k')}) {
        writeRaw(keyFile, keyId.toLatin1() + ' ' + wrong.toBase64() + '\n', 0600);
        const QString before = storeContents(database);
        const QByteArray fileBefore = fileBytes(keyFile);

        Vault vault(database, m_clock, keys);
        QCOMPARE(vault.state(), VaultState::WrongKey);
        QVERIFY(vault.stateMessage().contains(u"cannot be opened with this key"_s));
        const Status unlocked = vault.unlock();
        QVERIFY(!unlocked);
        QCOMPARE(unlocked.error().message, u"the vault cannot be opened with this key"_s);
        QCOMPARE(unlocked.error().kind, Error::Kind::Unavailable);
        QCOMPARE(unlocked.error().details.value(u"vault_state"_s).toString(), u"wrong_key"_s);
        const Result<QByteArray> got = vault.get(kKeyOne);
        QVERIFY(!got);
        QCOMPARE(got.error().message, u"the vault cannot be opened with this key"_s);
        QSqlDatabase db = database.connection();
        QVERIFY(!vault.put(db, kKeyOne, "overwrite"));
        QVERIFY(!vault.rotate());

        QCOMPARE(storeContents(database), before);
        QCOMPARE(fileBytes(keyFile), fileBefore);
    }
}

void TestVault::missingKeyChangesNothing()
{
    QFETCH(QString, backend);
    auto test = TestDatabase::create(backend, m_clock);
    QVERIFY(test);
    Database &database = test->database();
    QTemporaryDir keyDir;
    const QString keyFile = keyDir.filePath(u"master.key"_s);
    FileMasterKeyStore keys(keyFile);
    {
        Vault vault(database, m_clock, keys);
        KEYSTEAD_VERIFY_OK(store(vault, database, {{kKeyOne, "secret"}}));
    }
    const QString keyId = currentKeyId(database);
    const QString before = storeContents(database);

    // The file is there but lacks the store's key.
    KEYSTEAD_VERIFY_OK(keys.write(u"some-other-key"_s, randomKey()));
    KEYSTEAD_VERIFY_OK(keys.remove(keyId));
    const QByteArray fileBefore = fileBytes(keyFile);
    {
        Vault vault(database, m_clock, keys);
        QCOMPARE(vault.state(), VaultState::KeyMissing);
        const Status unlocked = vault.unlock();
        QVERIFY(!unlocked);
        QVERIFY2(unlocked.error().message.contains(keyId), qPrintable(unlocked.error().message));
        QVERIFY(unlocked.error().message.contains(keyFile));
        QCOMPARE(unlocked.error().details.value(u"vault_state"_s).toString(), u"key_missing"_s);
        QVERIFY(vault.stateMessage().contains(keyId));
        QVERIFY(!vault.get(kKeyOne));
        QVERIFY(!vault.rotate());
        QCOMPARE(storeContents(database), before);
        QCOMPARE(fileBytes(keyFile), fileBefore);
    }

    // No file at all: it is not created either.
    QVERIFY(QFile::remove(keyFile));
    {
        Vault vault(database, m_clock, keys);
        QCOMPARE(vault.state(), VaultState::KeyMissing);
        QVERIFY(!vault.unlock());
        QVERIFY(!vault.get(kKeyOne));
        QCOMPARE(storeContents(database), before);
        QVERIFY(!QFileInfo::exists(keyFile));
    }
}

void TestVault::neitherKeychainNorFile()
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
        QVERIFY2(output.contains(u"PASS   : TestVault::neitherKeychainNorFile("_s + backend), qPrintable(output));
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

void TestVault::keyFileMustBeOwnerOnly()
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

void TestVault::keyFileKeepsSeveralKeys()
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

void TestVault::refusedKeyFileChangesNothing()
{
    QFETCH(QString, backend);
    auto test = TestDatabase::create(backend, m_clock);
    QVERIFY(test);
    Database &database = test->database();
    QTemporaryDir keyDir;
    const QString keyFile = keyDir.filePath(u"master.key"_s);
    FileMasterKeyStore keys(keyFile);

    // An empty store and a key file others may read: no key is made.
    writeRaw(keyFile, "# keystead\n", 0644);
    {
        Vault vault(database, m_clock, keys);
        const Status unlocked = vault.unlock();
        QVERIFY(!unlocked);
        QVERIFY2(unlocked.error().message.contains(u"chmod 600"_s), qPrintable(unlocked.error().message));
        QCOMPARE(storeContents(database), u"\n--\n"_s);
        QCOMPARE(fileBytes(keyFile), QByteArray("# keystead\n"));
    }

    // A sealed store whose key file was opened to others.
    QCOMPARE(::chmod(QFile::encodeName(keyFile).constData(), 0600), 0);
    {
        Vault vault(database, m_clock, keys);
        KEYSTEAD_VERIFY_OK(store(vault, database, {{kKeyOne, "secret"}}));
    }
    QCOMPARE(::chmod(QFile::encodeName(keyFile).constData(), 0644), 0);
    const QString before = storeContents(database);
    const QByteArray fileBefore = fileBytes(keyFile);
    Vault vault(database, m_clock, keys);
    QCOMPARE(vault.state(), VaultState::Unavailable);
    const Result<QByteArray> got = vault.get(kKeyOne);
    QVERIFY(!got);
    QVERIFY(got.error().message.contains(u"chmod 600"_s));
    QVERIFY(!vault.rotate());
    QCOMPARE(storeContents(database), before);
    QCOMPARE(fileBytes(keyFile), fileBefore);
    QCOMPARE(fileMode(keyFile), mode_t(0644));
}

void TestVault::rotationResealsEverything()
{
    QFETCH(QString, backend);
    auto test = TestDatabase::create(backend, m_clock);
    QVERIFY(test);
    Database &database = test->database();
    QTemporaryDir keyDir;
    const QString keyFile = keyDir.filePath(u"master.key"_s);
    FileMasterKeyStore keys(keyFile);
    Vault vault(database, m_clock, keys);

    const QList<std::pair<SecretRef, QByteArray>> secrets{{kKeyOne, markedSecret("one")},
                                                          {kKeyOnePassword, "pass phrase"},
                                                          {kKeyTwo, markedSecret("two")},
                                                          {kAuthority, markedSecret("ca")}};
    KEYSTEAD_VERIFY_OK(store(vault, database, secrets));
    const QString oldKeyId = currentKeyId(database);
    const QString oldCheck = scalar(database, u"SELECT check_value FROM vault_keys WHERE key_id = ?"_s, {oldKeyId});
    QHash<QString, QString> oldSealed;
    for (const auto &[ref, plaintext] : secrets)
        oldSealed.insert(ref.ownerKind + ref.ownerId + ref.field, sealedOf(database, ref));

    m_clock.advanceSeconds(60);
    KEYSTEAD_VERIFY_OK(vault.rotate());
    const QString newKeyId = currentKeyId(database);
    QVERIFY(!newKeyId.isEmpty());
    QVERIFY(newKeyId != oldKeyId);
    QCOMPARE(vault.state(), VaultState::Ready);

    for (const auto &[ref, plaintext] : secrets) {
        const QString sealed = sealedOf(database, ref);
        QVERIFY(sealed != oldSealed.value(ref.ownerKind + ref.ownerId + ref.field));
        QVERIFY(sealed.startsWith(u"v1:"_s + newKeyId + u':'));
        QCOMPARE(vault.get(ref).value(), plaintext);
    }
    QCOMPARE(scalar(database, u"SELECT COUNT(*) FROM vault_secrets WHERE key_id = ?"_s, {newKeyId}), u"4"_s);

    // The old key is gone from the file, the new one is all it holds.
    QCOMPARE(keys.read(oldKeyId).error().kind, Error::Kind::NotFound);
    KEYSTEAD_VERIFY_OK(keys.read(newKeyId));
    QVERIFY(fileBytes(keyFile).startsWith(QByteArray(newKeyId.toLatin1() + ' ')));
    QCOMPARE(fileBytes(keyFile).count('\n'), 1);
    QCOMPARE(fileMode(keyFile), mode_t(0600));

    // A new check value; the old key's record stays, retired.
    const QString newCheck = scalar(database, u"SELECT check_value FROM vault_keys WHERE key_id = ?"_s, {newKeyId});
    QVERIFY(!newCheck.isEmpty());
    QVERIFY(newCheck != oldCheck);
    QCOMPARE(scalar(database, u"SELECT retired_at FROM vault_keys WHERE key_id = ?"_s, {oldKeyId}),
             sql::toStoreTime(m_clock.now()));
    QCOMPARE(scalar(database, u"SELECT COUNT(*) FROM vault_keys WHERE retired_at IS NULL"_s), u"1"_s);

    // A restart opens everything with the new key alone; a second rotation works as well.
    {
        Vault restarted(database, m_clock, keys);
        QCOMPARE(restarted.get(kKeyTwo).value(), secrets.at(2).second);
        KEYSTEAD_VERIFY_OK(restarted.rotate());
    }
    QCOMPARE(vault.get(kAuthority).value(), secrets.at(3).second);
}

void TestVault::failedRotationChangesNothing()
{
    QFETCH(QString, backend);
    auto test = TestDatabase::create(backend, m_clock);
    QVERIFY(test);
    Database &database = test->database();
    QTemporaryDir keyDir;
    const QString keyFile = keyDir.filePath(u"master.key"_s);
    FileMasterKeyStore file(keyFile);
    RefusingWrites keys(file);
    Vault vault(database, m_clock, keys);
    KEYSTEAD_VERIFY_OK(store(vault, database, {{kKeyOne, "one"}, {kKeyTwo, "two"}, {kAuthority, "ca"}}));

    // The key store refuses the new key.
    QString before = storeContents(database);
    QByteArray fileBefore = fileBytes(keyFile);
    keys.refuse = true;
    const Status refused = vault.rotate();
    QVERIFY(!refused);
    QVERIFY(refused.error().message.contains(u"refuses writes"_s));
    keys.refuse = false;
    QCOMPARE(storeContents(database), before);
    QCOMPARE(fileBytes(keyFile), fileBefore);
    QCOMPARE(vault.get(kKeyOne).value(), QByteArray("one"));

    // A secret that no longer opens stops the rotation half-way: rolled back, and the new key withdrawn.
    KEYSTEAD_VERIFY_OK(setSealed(database, kKeyTwo, QString::fromLatin1(flipOneByte(sealedOf(database, kKeyTwo)))));
    before = storeContents(database);
    fileBefore = fileBytes(keyFile);
    const Status stopped = vault.rotate();
    QVERIFY(!stopped);
    QVERIFY2(stopped.error().message.contains(u"does not open"_s), qPrintable(stopped.error().message));
    QCOMPARE(storeContents(database), before);
    QCOMPARE(fileBytes(keyFile), fileBefore);
    QCOMPARE(vault.get(kKeyOne).value(), QByteArray("one"));
    Vault restarted(database, m_clock, keys);
    QCOMPARE(restarted.get(kAuthority).value(), QByteArray("ca"));
}

void TestVault::otherInstanceFollowsRotation()
{
    QFETCH(QString, backend);
    auto test = TestDatabase::create(backend, m_clock);
    QVERIFY(test);
    Result<std::unique_ptr<Database>> second = test->openAgain(m_clock);
    KEYSTEAD_VERIFY_OK(second);
    QTemporaryDir keyDir;
    const QString keyFile = keyDir.filePath(u"master.key"_s);
    FileMasterKeyStore keysA(keyFile);
    FileMasterKeyStore keysB(keyFile);
    Vault vaultA(test->database(), m_clock, keysA);
    Vault vaultB(*second.value(), m_clock, keysB);

    KEYSTEAD_VERIFY_OK(vaultA.unlock());
    KEYSTEAD_VERIFY_OK(vaultB.unlock()); // uses A's key, makes none
    QCOMPARE(scalar(test->database(), u"SELECT COUNT(*) FROM vault_keys"_s), u"1"_s);
    QCOMPARE(fileBytes(keyFile).count('\n'), 1);

    KEYSTEAD_VERIFY_OK(store(vaultA, test->database(), {{kKeyOne, "from A"}}));
    QCOMPARE(vaultB.get(kKeyOne).value(), QByteArray("from A"));

    KEYSTEAD_VERIFY_OK(vaultA.rotate());
    const QString newKeyId = currentKeyId(test->database());
    // B still holds the old key in memory; the sealed value names the new one.
    QCOMPARE(vaultB.get(kKeyOne).value(), QByteArray("from A"));
    KEYSTEAD_VERIFY_OK(vaultA.rotate());
    KEYSTEAD_VERIFY_OK(store(vaultB, *second.value(), {{kKeyTwo, "from B"}}));
    QVERIFY(sealedOf(test->database(), kKeyTwo).startsWith(u"v1:"_s + currentKeyId(test->database()) + u':'));
    QVERIFY(currentKeyId(test->database()) != newKeyId);
    QCOMPARE(vaultA.get(kKeyTwo).value(), QByteArray("from B"));
    QCOMPARE(vaultB.state(), VaultState::Ready);
}

void TestVault::keychainStoresKeys()
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

void TestVault::vaultThroughKeychain()
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

QTEST_GUILESS_MAIN(TestVault)
#include "tst_vault.moc"
