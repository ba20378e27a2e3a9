// Keys made once per store and kept sealed in the vault (secrets/SealedSecret), and
// the collect server's host keys kept that way (sshserver/HostKeys), on both backends.

#include "TestDatabase.h"
#include "TestVault.h"

#include "secrets/SealedSecret.h"
#include "ssh/SshPrivateKey.h"
#include "sshserver/HostKeys.h"
#include "store/Sql.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::TestDatabase;
using keystead::test::TestVault;

namespace {

const SecretRef kRef{u"test_key"_s, u"local"_s, u"key"_s};

int rowsOf(Database &database, const QString &ownerKind)
{
    Result<QSqlQuery> rows
        = sql::exec(database.connection(), u"SELECT COUNT(*) FROM vault_secrets WHERE owner_kind = ?"_s, {ownerKind});
    return rows && rows->next() ? rows->value(0).toInt() : -1;
}

QStringList sha256Of(const HostKeys &keys)
{
    QStringList all;
    for (const HostKeyFingerprint &fingerprint : keys.fingerprints())
        all << fingerprint.sha256;
    return all;
}

bool writeOwnerOnly(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::NewOnly, QFile::ReadOwner | QFile::WriteOwner)
        && file.write(content) == content.size();
}

} // namespace

class TestSealedKeys final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sealedOnceThenRead_data() { backends(); }
    void sealedOnceThenRead();
    void racingInstancesEndWithOneValue_data() { backends(); }
    void racingInstancesEndWithOneValue();
    void lockedVaultGivesItsOwnError();
    void hostKeysAreSealedAndShared_data() { backends(); }
    void hostKeysAreSealedAndShared();
    void legacyHostKeyFileIsSealedAndRemoved();
    void legacyHostKeyOfAnotherKeyIsLeftAlone();
    void hostKeysNeedAnOpenVault();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }

    ManualClock m_clock;
};

void TestSealedKeys::sealedOnceThenRead()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    TestVault vault(store->database(), m_clock, store->dataDir());
    int made = 0;
    const auto make
        = [&made]() -> Result<QByteArray> { return QByteArray(QByteArray("made-") + QByteArray::number(++made)); };

    const Result<QByteArray> first = sealedSecretOrMake(vault.vault(), store->database(), kRef, make);
    KEYSTEAD_VERIFY_OK(first);
    QCOMPARE(first.value(), QByteArray("made-1"));
    QCOMPARE(vault.vault().get(kRef).value(), QByteArray("made-1"));
    // Held now: nothing is made again.
    QCOMPARE(sealedSecretOrMake(vault.vault(), store->database(), kRef, make).value(), QByteArray("made-1"));
    QCOMPARE(made, 1);
    // A failing maker seals nothing.
    const SecretRef other{u"test_key"_s, u"other"_s, u"key"_s};
    const auto fails = []() -> Result<QByteArray> { return Error::invalid(u"no key today"_s); };
    QCOMPARE(sealedSecretOrMake(vault.vault(), store->database(), other, fails).error().message, u"no key today"_s);
    QCOMPARE(rowsOf(store->database(), u"test_key"_s), 1);

    KEYSTEAD_VERIFY_OK(resealSecret(vault.vault(), store->database(), kRef, "replaced"));
    QCOMPARE(sealedSecretOrMake(vault.vault(), store->database(), kRef, make).value(), QByteArray("replaced"));
    QCOMPARE(made, 1);
}

void TestSealedKeys::racingInstancesEndWithOneValue()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    TestVault first(store->database(), m_clock, store->dataDir());
    KEYSTEAD_VERIFY_OK(first.vault().unlock()); // the master key exists; the secret does not

    // Instances on the same store, each with its own connection and vault, all making a value at once.
    constexpr int kInstances = 4;
    std::vector<std::unique_ptr<Database>> stores;
    std::vector<std::unique_ptr<TestVault>> vaults;
    for (int i = 0; i < kInstances; ++i) {
        Result<std::unique_ptr<Database>> again = store->openAgain(m_clock);
        KEYSTEAD_VERIFY_OK(again);
        stores.push_back(std::move(again).value());
        vaults.push_back(std::make_unique<TestVault>(*stores.back(), m_clock, store->dataDir()));
    }
    std::vector<Result<QByteArray>> results(kInstances, Error::internal(u"not run"_s));
    std::atomic<int> made = 0;
    std::atomic<bool> go = false;
    std::vector<std::thread> threads;
    for (int i = 0; i < kInstances; ++i) {
        threads.emplace_back([&, i] {
            while (!go.load())
                std::this_thread::yield();
            results[size_t(i)] = sealedSecretOrMake(vaults[size_t(i)]->vault(), *stores[size_t(i)], kRef, [&, i] {
                ++made;
                return Result<QByteArray>(QByteArray(QByteArray("instance-") + QByteArray::number(i)));
            });
            stores[size_t(i)]->releaseThreadConnection();
        });
    }
    go = true;
    for (std::thread &thread : threads)
        thread.join();

    const Result<QByteArray> held = first.vault().get(kRef);
    KEYSTEAD_VERIFY_OK(held);
    QVERIFY(held->startsWith("instance-"));
    for (const Result<QByteArray> &result : results) {
        KEYSTEAD_VERIFY_OK(result);
        QCOMPARE(result.value(), held.value());
    }
    QVERIFY(made.load() >= 1);
    QCOMPARE(rowsOf(store->database(), u"test_key"_s), 1);
}

void TestSealedKeys::lockedVaultGivesItsOwnError()
{
    auto store = TestDatabase::create(m_clock);
    QVERIFY(store);
    TestVault vault(store->database(), m_clock, store->dataDir());
    KEYSTEAD_VERIFY_OK(sealedSecretOrMake(vault.vault(), store->database(), kRef,
                                          [] { return Result<QByteArray>(QByteArray("sealed")); }));

    QTemporaryDir elsewhere;
    TestVault locked(store->database(), m_clock, elsewhere.path());
    bool made = false;
    const Result<QByteArray> refused = sealedSecretOrMake(locked.vault(), store->database(), kRef, [&made] {
        made = true;
        return Result<QByteArray>(QByteArray("fallback"));
    });
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().kind, Error::Kind::Unavailable);
    QCOMPARE(refused.error().details.value(u"vault_state"_s).toString(), u"key_missing"_s);
    QVERIFY(!made);
    QVERIFY(!resealSecret(locked.vault(), store->database(), kRef, "other").ok());
    QCOMPARE(vault.vault().get(kRef).value(), QByteArray("sealed"));
}

void TestSealedKeys::hostKeysAreSealedAndShared()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    TestVault vault(store->database(), m_clock, store->dataDir());
    QTemporaryDir dataDir;
    const QString legacy = QDir(dataDir.path()).filePath(u"collect"_s);

    Result<HostKeys> made = HostKeys::loadOrCreate(vault.vault(), store->database(), legacy);
    KEYSTEAD_VERIFY_OK(made);
    QCOMPARE(made->fingerprints().size(), 3);
    QCOMPARE(rowsOf(store->database(), QString(HostKeys::kOwnerKind)), 3);
    QVERIFY(vault.vault().get(HostKeys::secretRef(u"rsa"_s))->startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"));
    QVERIFY(!QFileInfo::exists(legacy));
    QVERIFY(QDir(dataDir.path()).isEmpty());

    // Another instance: its own connection and vault object, the same master key.
    Result<std::unique_ptr<Database>> other = store->openAgain(m_clock);
    KEYSTEAD_VERIFY_OK(other);
    TestVault otherVault(*other.value(), m_clock, store->dataDir());
    QTemporaryDir otherDir;
    Result<HostKeys> shared = HostKeys::loadOrCreate(otherVault.vault(), *other.value(), otherDir.path());
    KEYSTEAD_VERIFY_OK(shared);
    QCOMPARE(shared->fingerprints(), made->fingerprints());
    QCOMPARE(rowsOf(store->database(), QString(HostKeys::kOwnerKind)), 3);
}

void TestSealedKeys::legacyHostKeyFileIsSealedAndRemoved()
{
    auto store = TestDatabase::create(m_clock);
    QVERIFY(store);
    TestVault vault(store->database(), m_clock, store->dataDir());
    QTemporaryDir dataDir;
    const QString legacy = QDir(dataDir.path()).filePath(u"collect"_s);
    QVERIFY(QDir().mkpath(legacy));
    const Result<GeneratedKeyPair> old = generateKeyPair(GeneratedKeyType::Ed25519, {}, u"old"_s);
    KEYSTEAD_VERIFY_OK(old);
    const QString path = QDir(legacy).filePath(HostKeys::fileName(u"ed25519"_s));
    QVERIFY(writeOwnerOnly(path, old->privateKeyText));
    QVERIFY(writeOwnerOnly(path + u".pub"_s, old->publicKey.openSshLine(u"old"_s).toUtf8()));

    Result<HostKeys> keys = HostKeys::loadOrCreate(vault.vault(), store->database(), legacy);
    KEYSTEAD_VERIFY_OK(keys);
    QCOMPARE(keys->fingerprints().constFirst().sha256, old->publicKey.fingerprintSha256());
    QCOMPARE(vault.vault().get(HostKeys::secretRef(u"ed25519"_s)).value(), old->privateKeyText);
    QVERIFY(!QFileInfo::exists(path));
    QVERIFY(!QFileInfo::exists(path + u".pub"_s));
    QVERIFY(!QFileInfo::exists(legacy));
}

void TestSealedKeys::legacyHostKeyOfAnotherKeyIsLeftAlone()
{
    auto store = TestDatabase::create(m_clock);
    QVERIFY(store);
    TestVault vault(store->database(), m_clock, store->dataDir());
    QTemporaryDir firstDir;
    Result<HostKeys> sealed = HostKeys::loadOrCreate(vault.vault(), store->database(), firstDir.path());
    KEYSTEAD_VERIFY_OK(sealed);

    // Another instance still has a file of its own: the store's key wins, the file stays for its operator.
    QTemporaryDir otherDir;
    const Result<GeneratedKeyPair> stray = generateKeyPair(GeneratedKeyType::Ed25519, {}, u"stray"_s);
    KEYSTEAD_VERIFY_OK(stray);
    const QString path = QDir(otherDir.path()).filePath(HostKeys::fileName(u"ed25519"_s));
    QVERIFY(writeOwnerOnly(path, stray->privateKeyText));
    Result<HostKeys> loaded = HostKeys::loadOrCreate(vault.vault(), store->database(), otherDir.path());
    KEYSTEAD_VERIFY_OK(loaded);
    QCOMPARE(sha256Of(loaded.value()), sha256Of(sealed.value()));
    QVERIFY(QFileInfo::exists(path));
}

void TestSealedKeys::hostKeysNeedAnOpenVault()
{
    auto store = TestDatabase::create(m_clock);
    QVERIFY(store);
    TestVault vault(store->database(), m_clock, store->dataDir());
    QTemporaryDir dataDir;
    KEYSTEAD_VERIFY_OK(HostKeys::loadOrCreate(vault.vault(), store->database(), dataDir.path()));

    QTemporaryDir elsewhere;
    TestVault locked(store->database(), m_clock, elsewhere.path());
    const Result<HostKeys> refused = HostKeys::loadOrCreate(locked.vault(), store->database(), dataDir.path());
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().details.value(u"vault_state"_s).toString(), u"key_missing"_s);
    QVERIFY2(refused.error().message.startsWith(u"the collect server's host keys are sealed in the vault, which "
                                                "cannot be opened: "_s),
             qPrintable(refused.error().message));
    QVERIFY(QDir(dataDir.path()).isEmpty());
}

QTEST_GUILESS_MAIN(TestSealedKeys)
#include "tst_sealed_keys.moc"
