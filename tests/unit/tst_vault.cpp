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

// The vault on every store backend: sealing and opening, what a locked, wrongly keyed
// or keyless vault refuses, and that nothing it refuses changes the store.
class TestVault final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data() { backendRows(); }
    void roundTrip();
    void putRefusesWhenLocked_data() { backendRows(); }
    void putRefusesWhenLocked();
    void getNeverMakesAKey_data() { backendRows(); }
    void getNeverMakesAKey();
    void movedValueDoesNotOpen_data() { backendRows(); }
    void movedValueDoesNotOpen();
    void sealsDifferEachTime_data() { backendRows(); }
    void sealsDifferEachTime();
    void wrongKeyChangesNothing_data() { backendRows(); }
    void wrongKeyChangesNothing();
    void missingKeyChangesNothing_data() { backendRows(); }
    void missingKeyChangesNothing();

private:
    ManualClock m_clock;
};

void TestVault::roundTrip()
{
    VaultStore fresh(m_clock);
    QVERIFY(fresh.test);
    Database &database = fresh.database();
    Vault vault(database, m_clock, fresh.keys);
    QSignalSpy changed(&vault, &Vault::stateChanged);

    QCOMPARE(vault.state(), VaultState::Empty);
    QVERIFY(!QFileInfo::exists(fresh.keyFile));
    KEYSTEAD_VERIFY_OK(vault.unlock());
    QCOMPARE(vault.state(), VaultState::Ready);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(fileMode(fresh.keyFile), mode_t(0600));
    QVERIFY(vault.stateMessage().contains(fresh.keyFile));

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
    QCOMPARE(scalarText(database, u"SELECT COUNT(*) FROM vault_secrets WHERE key_id = ?"_s, {keyId}), u"4"_s);

    // A second put replaces the value.
    const QByteArray replaced = markedSecret("replaced");
    KEYSTEAD_VERIFY_OK(store(vault, database, {{kKeyOne, replaced}}));
    QCOMPARE(vault.get(kKeyOne).value(), replaced);

    // Another vault object (a restart) opens them from the key file alone.
    {
        Vault restarted(database, m_clock, fresh.keys);
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
    const Result<QByteArray> masterKey = fresh.keys.read(keyId);
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

    if (fresh.backend == u"sqlite"_s) {
        // Every byte of the SQLite file and its journal.
        db = QSqlDatabase();
        database.releaseThreadConnection();
        QDirIterator files(fresh.test->dataDir(), QDir::Files);
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
    VaultStore fresh(m_clock);
    QVERIFY(fresh.test);
    Database &database = fresh.database();

    {
        Vault vault(database, m_clock, fresh.keys);
        QSqlDatabase db = database.connection();
        const Status put = vault.put(db, kKeyOne, "secret");
        QVERIFY(!put);
        QVERIFY(put.error().message.contains(u"unlock"_s));
    }
    QCOMPARE(storeContents(database), u"\n--\n"_s);
    QVERIFY(!QFileInfo::exists(fresh.keyFile));

    // A store that has a key: still nothing is sealed by a vault that was not unlocked.
    {
        Vault first(database, m_clock, fresh.keys);
        KEYSTEAD_VERIFY_OK(first.unlock());
    }
    const QString before = storeContents(database);
    Vault vault(database, m_clock, fresh.keys);
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
    VaultStore fresh(m_clock);
    QVERIFY(fresh.test);
    Database &database = fresh.database();
    Vault vault(database, m_clock, fresh.keys);

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
    VaultStore fresh(m_clock);
    QVERIFY(fresh.test);
    Database &database = fresh.database();
    Vault vault(database, m_clock, fresh.keys);

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
    VaultStore fresh(m_clock);
    QVERIFY(fresh.test);
    Database &database = fresh.database();
    {
        Vault vault(database, m_clock, fresh.keys);
        KEYSTEAD_VERIFY_OK(store(vault, database, {{kKeyOne, "secret"}, {kKeyTwo, "other"}}));
    }
    const QString keyId = currentKeyId(database);

    for (const QByteArray &wrong : {randomKey(), QByteArray(16, 'k')}) {
        writeRaw(fresh.keyFile, keyId.toLatin1() + ' ' + wrong.toBase64() + '\n', 0600);
        const QString before = storeContents(database);
        const QByteArray fileBefore = fileBytes(fresh.keyFile);

        Vault vault(database, m_clock, fresh.keys);
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
        QCOMPARE(fileBytes(fresh.keyFile), fileBefore);
    }
}

void TestVault::missingKeyChangesNothing()
{
    VaultStore fresh(m_clock);
    QVERIFY(fresh.test);
    Database &database = fresh.database();
    {
        Vault vault(database, m_clock, fresh.keys);
        KEYSTEAD_VERIFY_OK(store(vault, database, {{kKeyOne, "secret"}}));
    }
    const QString keyId = currentKeyId(database);
    const QString before = storeContents(database);

    // The file is there but lacks the store's key.
    KEYSTEAD_VERIFY_OK(fresh.keys.write(u"some-other-key"_s, randomKey()));
    KEYSTEAD_VERIFY_OK(fresh.keys.remove(keyId));
    const QByteArray fileBefore = fileBytes(fresh.keyFile);
    {
        Vault vault(database, m_clock, fresh.keys);
        QCOMPARE(vault.state(), VaultState::KeyMissing);
        const Status unlocked = vault.unlock();
        QVERIFY(!unlocked);
        QVERIFY2(unlocked.error().message.contains(keyId), qPrintable(unlocked.error().message));
        QVERIFY(unlocked.error().message.contains(fresh.keyFile));
        QCOMPARE(unlocked.error().details.value(u"vault_state"_s).toString(), u"key_missing"_s);
        QVERIFY(vault.stateMessage().contains(keyId));
        QVERIFY(!vault.get(kKeyOne));
        QVERIFY(!vault.rotate());
        QCOMPARE(storeContents(database), before);
        QCOMPARE(fileBytes(fresh.keyFile), fileBefore);
    }

    // No file at all: it is not created either.
    QVERIFY(QFile::remove(fresh.keyFile));
    {
        Vault vault(database, m_clock, fresh.keys);
        QCOMPARE(vault.state(), VaultState::KeyMissing);
        QVERIFY(!vault.unlock());
        QVERIFY(!vault.get(kKeyOne));
        QCOMPARE(storeContents(database), before);
        QVERIFY(!QFileInfo::exists(fresh.keyFile));
    }
}

QTEST_GUILESS_MAIN(TestVault)
#include "tst_vault.moc"
