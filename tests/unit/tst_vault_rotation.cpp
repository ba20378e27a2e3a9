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

// Master key rotation: every secret resealed, a failed rotation changes nothing,
// another instance follows.
class TestVaultRotation final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rotationResealsEverything_data() { backendRows(); }
    void rotationResealsEverything();
    void failedRotationChangesNothing_data() { backendRows(); }
    void failedRotationChangesNothing();
    void otherInstanceFollowsRotation_data() { backendRows(); }
    void otherInstanceFollowsRotation();

private:
    ManualClock m_clock;
};

void TestVaultRotation::rotationResealsEverything()
{
    VaultStore fresh(m_clock);
    QVERIFY(fresh.test);
    Database &database = fresh.database();
    Vault vault(database, m_clock, fresh.keys);

    const QList<std::pair<SecretRef, QByteArray>> secrets{{kKeyOne, markedSecret("one")},
                                                          {kKeyOnePassword, "pass phrase"},
                                                          {kKeyTwo, markedSecret("two")},
                                                          {kAuthority, markedSecret("ca")}};
    KEYSTEAD_VERIFY_OK(store(vault, database, secrets));
    const QString oldKeyId = currentKeyId(database);
    const QString oldCheck = scalarText(database, u"SELECT check_value FROM vault_keys WHERE key_id = ?"_s, {oldKeyId});
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
    QCOMPARE(scalarText(database, u"SELECT COUNT(*) FROM vault_secrets WHERE key_id = ?"_s, {newKeyId}), u"4"_s);

    // The old key is gone from the file, the new one is all it holds.
    QCOMPARE(fresh.keys.read(oldKeyId).error().kind, Error::Kind::NotFound);
    KEYSTEAD_VERIFY_OK(fresh.keys.read(newKeyId));
    QVERIFY(fileBytes(fresh.keyFile).startsWith(QByteArray(newKeyId.toLatin1() + ' ')));
    QCOMPARE(fileBytes(fresh.keyFile).count('\n'), 1);
    QCOMPARE(fileMode(fresh.keyFile), mode_t(0600));

    // A new check value; the old key's record stays, retired.
    const QString newCheck = scalarText(database, u"SELECT check_value FROM vault_keys WHERE key_id = ?"_s, {newKeyId});
    QVERIFY(!newCheck.isEmpty());
    QVERIFY(newCheck != oldCheck);
    QCOMPARE(scalarText(database, u"SELECT retired_at FROM vault_keys WHERE key_id = ?"_s, {oldKeyId}),
             sql::toStoreTime(m_clock.now()));
    QCOMPARE(scalarText(database, u"SELECT COUNT(*) FROM vault_keys WHERE retired_at IS NULL"_s), u"1"_s);

    // A restart opens everything with the new key alone; a second rotation works as well.
    {
        Vault restarted(database, m_clock, fresh.keys);
        QCOMPARE(restarted.get(kKeyTwo).value(), secrets.at(2).second);
        KEYSTEAD_VERIFY_OK(restarted.rotate());
    }
    QCOMPARE(vault.get(kAuthority).value(), secrets.at(3).second);
}

void TestVaultRotation::failedRotationChangesNothing()
{
    VaultStore fresh(m_clock);
    QVERIFY(fresh.test);
    Database &database = fresh.database();
    RefusingWrites keys(fresh.keys);
    Vault vault(database, m_clock, keys);
    KEYSTEAD_VERIFY_OK(store(vault, database, {{kKeyOne, "one"}, {kKeyTwo, "two"}, {kAuthority, "ca"}}));

    // The key store refuses the new key.
    QString before = storeContents(database);
    QByteArray fileBefore = fileBytes(fresh.keyFile);
    keys.refuse = true;
    const Status refused = vault.rotate();
    QVERIFY(!refused);
    QVERIFY(refused.error().message.contains(u"refuses writes"_s));
    keys.refuse = false;
    QCOMPARE(storeContents(database), before);
    QCOMPARE(fileBytes(fresh.keyFile), fileBefore);
    QCOMPARE(vault.get(kKeyOne).value(), QByteArray("one"));

    // A secret that no longer opens stops the rotation half-way: rolled back, and the new key withdrawn.
    KEYSTEAD_VERIFY_OK(setSealed(database, kKeyTwo, QString::fromLatin1(flipOneByte(sealedOf(database, kKeyTwo)))));
    before = storeContents(database);
    fileBefore = fileBytes(fresh.keyFile);
    const Status stopped = vault.rotate();
    QVERIFY(!stopped);
    QVERIFY2(stopped.error().message.contains(u"does not open"_s), qPrintable(stopped.error().message));
    QCOMPARE(storeContents(database), before);
    QCOMPARE(fileBytes(fresh.keyFile), fileBefore);
    QCOMPARE(vault.get(kKeyOne).value(), QByteArray("one"));
    Vault restarted(database, m_clock, keys);
    QCOMPARE(restarted.get(kAuthority).value(), QByteArray("ca"));
}

void TestVaultRotation::otherInstanceFollowsRotation()
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
    QCOMPARE(scalarText(test->database(), u"SELECT COUNT(*) FROM vault_keys"_s), u"1"_s);
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

QTEST_GUILESS_MAIN(TestVaultRotation)
#include "tst_vault_rotation.moc"
