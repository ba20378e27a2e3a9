#include "TestDatabase.h"
#include "common/ChangeSet.h"

#include "store/DatabaseConfig.h"
#include "store/Migration.h"
#include "store/SettingsStore.h"
#include "store/Sql.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::TestDatabase;

namespace {

QByteArray folderDigest(const QString &path)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    const QStringList files = QDir(path).entryList(QDir::Files, QDir::Name);
    for (const QString &name : files) {
        QFile file(QDir(path).filePath(name));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        hash.addData(name.toUtf8());
        hash.addData(file.readAll());
    }
    return hash.result().toHex();
}

} // namespace

class TestStore final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void migrationVersionsAreConsecutive();
    void databaseUrls_data();
    void databaseUrls();
    void migratesFreshStore_data() { backends(); }
    void migratesFreshStore();
    void reopeningIsIdempotent_data() { backends(); }
    void reopeningIsIdempotent();
    void refusesNewerSchemaUntouched_data() { backends(); }
    void refusesNewerSchemaUntouched();
    void settingsUpsertAndSignal_data() { backends(); }
    void settingsUpsertAndSignal();
    void typedSettingsKeepTheirRange_data() { backends(); }
    void typedSettingsKeepTheirRange();
    void changeSetTravelsAsJson();
    void eachThreadHasItsOwnConnection_data() { backends(); }
    void eachThreadHasItsOwnConnection();
    void transactionRollsBackOnError_data() { backends(); }
    void transactionRollsBackOnError();
    void sqliteUsesWalAndForeignKeys();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }
    ManualClock m_clock;
};

void TestStore::migrationVersionsAreConsecutive()
{
    // Areas keep their steps apart; together they must number 1, 2, 3, ... with no gap or clash.
    int expected = 1;
    for (const Migration &migration : allMigrations()) {
        QCOMPARE(migration.version, expected++);
        QVERIFY(!migration.description.isEmpty());
        QVERIFY(!migration.sqliteStatements.isEmpty());
    }
    QCOMPARE(Database::knownSchemaVersion(), expected - 1);
}

void TestStore::databaseUrls_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<bool>("postgres");
    QTest::addColumn<QString>("expected"); // sqlite file, or host:port/db user
    QTest::newRow("default") << u""_s << true << false << u"/data/keystead.sqlite"_s;
    QTest::newRow("sqlite:") << u"sqlite:"_s << true << false << u"/data/keystead.sqlite"_s;
    QTest::newRow("sqlite relative") << u"sqlite:other.db"_s << true << false << u"/data/other.db"_s;
    QTest::newRow("sqlite absolute") << u"sqlite:/srv/k.db"_s << true << false << u"/srv/k.db"_s;
    QTest::newRow("postgresql") << u"postgresql://kuser:s%40cret@db.example:5433/keystead"_s << true << true
                                << u"db.example:5433/keystead kuser s@cret"_s;
    QTest::newRow("postgres default port")
        << u"postgres://u:pw0rd@127.0.0.1/k"_s << true << true << u"127.0.0.1:5432/k u pw0rd"_s;
    QTest::newRow("no database") << u"postgresql://u:p@host:5432/"_s << false << true << QString();
    QTest::newRow("no host") << u"postgresql:///db"_s << false << true << QString();
    QTest::newRow("mysql") << u"mysql://u:p@h/db"_s << false << false << QString();
    QTest::newRow("garbage") << u"not a url"_s << false << false << QString();
}

void TestStore::databaseUrls()
{
    QFETCH(QString, url);
    QFETCH(bool, valid);
    QFETCH(bool, postgres);
    QFETCH(QString, expected);
    const Result<DatabaseConfig> config = DatabaseConfig::fromUrl(url, u"/data"_s);
    QCOMPARE(config.ok(), valid);
    if (!valid) {
        QVERIFY(!config.error().message.isEmpty());
        return;
    }
    QCOMPARE(config->backend == DatabaseConfig::Backend::Postgres, postgres);
    if (postgres) {
        QCOMPARE(u"%1:%2/%3 %4 %5"_s.arg(config->host)
                     .arg(config->port)
                     .arg(config->databaseName, config->userName, config->password),
                 expected);
        QVERIFY2(!config->displayName().contains(config->password), "the password must never be displayed");
    } else {
        QCOMPARE(config->sqliteFile, expected);
    }
}

void TestStore::migratesFreshStore()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    const Result<int> version = store->database().schemaVersion();
    KEYSTEAD_VERIFY_OK(version);
    QCOMPARE(version.value(), Database::knownSchemaVersion());
    QVERIFY(Database::knownSchemaVersion() >= 1);

    // Every step is recorded once, in order, with the clock's time.
    Result<QSqlQuery> rows = sql::exec(store->database().connection(),
                                       u"SELECT version, applied_at FROM schema_version ORDER BY version"_s);
    KEYSTEAD_VERIFY_OK(rows);
    int expected = 1;
    while (rows.value().next()) {
        QCOMPARE(rows.value().value(0).toInt(), expected++);
        QCOMPARE(sql::fromStoreTime(rows.value().value(1)), m_clock.now());
    }
    QCOMPARE(expected - 1, static_cast<int>(allMigrations().size()));
    const QStringList tables = store->database().connection().tables();
    QVERIFY(tables.contains(u"settings"_s));
    QVERIFY(tables.contains(u"api_tokens"_s));
}

void TestStore::reopeningIsIdempotent()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    SettingsStore settings(store->database());
    KEYSTEAD_VERIFY_OK(settings.setValue(u"kept"_s, u"yes"_s));

    Result<std::unique_ptr<Database>> again = store->openAgain(m_clock);
    KEYSTEAD_VERIFY_OK(again);
    Result<QSqlQuery> count = sql::exec(again.value()->connection(), u"SELECT COUNT(*) FROM schema_version"_s);
    KEYSTEAD_VERIFY_OK(count);
    QVERIFY(count.value().first());
    QCOMPARE(count.value().value(0).toInt(), static_cast<int>(allMigrations().size()));
    QCOMPARE(SettingsStore(*again.value()).value(u"kept"_s), u"yes"_s);
}

void TestStore::refusesNewerSchemaUntouched()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    const int newer = Database::knownSchemaVersion() + 7;
    KEYSTEAD_VERIFY_OK(
        sql::exec(store->database().connection(),
                  u"INSERT INTO schema_version (version, description, applied_at) VALUES (?, 'from the future', ?)"_s,
                  {newer, sql::toStoreTime(m_clock.now())}));
    store->database().releaseThreadConnection();
    if (backend == u"sqlite"_s) {
        // A first refused open settles the files (the WAL folded in, side files
        // gone), so the digests below compare like with like.
        Result<std::unique_ptr<Database>> settle = store->openAgain(m_clock);
        QVERIFY(!settle.ok());
    }
    const QByteArray before = folderDigest(store->dataDir());

    ManualClock later;
    later.advanceSeconds(3600);
    const Result<std::unique_ptr<Database>> refused = store->openAgain(later);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message.contains(u"newer"_s), qPrintable(refused.error().message));
    QVERIFY(refused.error().message.contains(QString::number(newer)));
    QVERIFY(refused.error().message.contains(u"not changed"_s));

    if (backend == u"sqlite"_s)
        QCOMPARE(folderDigest(store->dataDir()), before);
    Result<QSqlQuery> rows
        = sql::exec(store->database().connection(), u"SELECT COUNT(*), MAX(version) FROM schema_version"_s);
    KEYSTEAD_VERIFY_OK(rows);
    QVERIFY(rows.value().first());
    QCOMPARE(rows.value().value(0).toInt(), static_cast<int>(allMigrations().size()) + 1);
    QCOMPARE(rows.value().value(1).toInt(), newer);
}

void TestStore::settingsUpsertAndSignal()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    SettingsStore settings(store->database());
    QSignalSpy changed(&settings, &SettingsStore::changed);
    QCOMPARE(settings.value(u"api.listen"_s, u"fallback"_s), u"fallback"_s);
    KEYSTEAD_VERIFY_OK(settings.setValue(u"api.listen"_s, u"127.0.0.1:1"_s));
    KEYSTEAD_VERIFY_OK(settings.setValue(u"api.listen"_s, u"127.0.0.1:2"_s));
    QCOMPARE(settings.value(u"api.listen"_s), u"127.0.0.1:2"_s);
    QCOMPARE(changed.count(), 2);
    QCOMPARE(changed.at(1).at(0).toString(), u"api.listen"_s);
    KEYSTEAD_VERIFY_OK(settings.setBoolValue(u"api.enabled"_s, true));
    QVERIFY(settings.boolValue(u"api.enabled"_s, false));
    QVERIFY(!settings.boolValue(u"absent"_s, false));
}

void TestStore::typedSettingsKeepTheirRange()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    SettingsStore settings(store->database());
    const setting::Int &days = setting::kCertificateExpiryWarningDays;
    // Nothing stored: the registry's default.
    QCOMPARE(settings.value(days), days.fallback);
    KEYSTEAD_VERIFY_OK(settings.setValue(days, 30));
    QCOMPARE(settings.value(days), 30);
    QCOMPARE(settings.value(QString(days.name)), u"30"_s);
    // Outside the range: refused, the stored value stays.
    const Status refused = settings.setValue(days, days.maximum + 1);
    QVERIFY(!refused);
    QCOMPARE(refused.error().kind, Error::Kind::InvalidInput);
    QCOMPARE(settings.value(days), 30);
    // A value written as text by someone else that does not parse, or lies outside the range, reads as the default.
    KEYSTEAD_VERIFY_OK(settings.setValue(QString(days.name), u"soon"_s));
    QCOMPARE(settings.value(days), days.fallback);
    KEYSTEAD_VERIFY_OK(settings.setValue(QString(days.name), u"-4"_s));
    QCOMPARE(settings.value(days), days.fallback);
    // Booleans default as the registry says.
    QCOMPARE(settings.value(setting::kCollectNotify), true);
    KEYSTEAD_VERIFY_OK(settings.setValue(setting::kCollectNotify, false));
    QCOMPARE(settings.value(setting::kCollectNotify), false);
    QCOMPARE(settings.value(setting::kApiEnabled), false);
}

void TestStore::changeSetTravelsAsJson()
{
    const ChangeSet changes{u"inventory.key"_s, {u"1"_s, u"2"_s}, {u"3"_s}, {u"4"_s}};
    const ChangeSet back = ChangeSet::fromJson(changes.toJson());
    QCOMPARE(back, changes);
    QVERIFY(!back.isEmpty());
    QVERIFY(ChangeSet::fromJson({}).isEmpty());
    // Ids that are not text are dropped, not turned into empty ids.
    QJsonObject odd = changes.toJson();
    odd.insert(u"added"_s, QJsonArray{1, u"5"_s});
    QCOMPARE(ChangeSet::fromJson(odd).added, QStringList{u"5"_s});
    QCOMPARE(ChangeSet::removedOne(u"t"_s, u"9"_s).removed, QStringList{u"9"_s});
}

void TestStore::eachThreadHasItsOwnConnection()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    Database &database = store->database();
    const QString mainName = database.connection().connectionName();

    QString workerName;
    bool workerWrote = false;
    QThread *worker = QThread::create([&] {
        workerName = database.connection().connectionName();
        workerWrote = SettingsStore(database).setValue(u"from.worker"_s, u"1"_s).ok();
        database.releaseThreadConnection();
    });
    worker->start();
    QVERIFY(worker->wait(30'000));
    delete worker;
    QVERIFY(workerWrote);
    QVERIFY(!workerName.isEmpty());
    QVERIFY(workerName != mainName);
    QVERIFY2(!QSqlDatabase::contains(workerName), "a released connection is removed");
    QCOMPARE(SettingsStore(database).value(u"from.worker"_s), u"1"_s);
}

void TestStore::transactionRollsBackOnError()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    QSqlDatabase db = store->database().connection();
    const Status failed = sql::inTransaction(db, [&]() -> Status {
        Result<QSqlQuery> written
            = sql::exec(db, u"INSERT INTO settings (name, value, updated_at) VALUES ('half', 'x', 'now')"_s);
        if (!written)
            return written.error();
        return Error::invalid(u"changed my mind"_s);
    });
    QVERIFY(!failed.ok());
    QCOMPARE(SettingsStore(store->database()).value(u"half"_s, u"absent"_s), u"absent"_s);
}

void TestStore::sqliteUsesWalAndForeignKeys()
{
    auto store = TestDatabase::create(u"sqlite"_s, m_clock);
    QVERIFY(store);
    Result<QSqlQuery> mode = sql::exec(store->database().connection(), u"PRAGMA journal_mode"_s);
    KEYSTEAD_VERIFY_OK(mode);
    QVERIFY(mode.value().first());
    QCOMPARE(mode.value().value(0).toString().toLower(), u"wal"_s);
    Result<QSqlQuery> keys = sql::exec(store->database().connection(), u"PRAGMA foreign_keys"_s);
    KEYSTEAD_VERIFY_OK(keys);
    QVERIFY(keys.value().first());
    QCOMPARE(keys.value().value(0).toInt(), 1);
}

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
