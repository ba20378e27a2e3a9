#include "Database.h"

#include "common/Clock.h"
#include "store/Migration.h"
#include "store/Sql.h"

#include <QDir>
#include <QFileInfo>
#include <QMutexLocker>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QUuid>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// Serialises migrations of concurrent Keystead instances sharing one PostgreSQL database.
constexpr qint64 kMigrationLockKey = 0x4b657973;

QString threadTag()
{
    return QString::number(reinterpret_cast<quintptr>(QThread::currentThread()), 16);
}

} // namespace

Database::Database(DatabaseConfig config, const Clock &clock)
    : m_config(std::move(config))
    , m_clock(clock)
    , m_instanceId(QUuid::createUuid().toString(QUuid::Id128))
{
}

Database::~Database()
{
    QMutexLocker lock(&m_mutex);
    for (const QString &name : std::as_const(m_connectionNames)) {
        {
            QSqlDatabase db = QSqlDatabase::database(name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(name);
    }
}

Result<std::unique_ptr<Database>> Database::open(const DatabaseConfig &config, const Clock &clock)
{
    if (config.backend == DatabaseConfig::Backend::Sqlite) {
        const QFileInfo file(config.sqliteFile);
        if (!QDir().mkpath(file.absolutePath()))
            return Error::unavailable(u"cannot create the folder %1"_s.arg(file.absolutePath()));
    }
    std::unique_ptr<Database> database(new Database(config, clock));
    Result<QSqlDatabase> first = database->openConnection(u"keystead-%1-%2"_s.arg(database->m_instanceId, threadTag()));
    if (!first)
        return first.error();
    if (Status migrated = database->migrate(); !migrated)
        return migrated.error();
    return database;
}

QSqlDatabase Database::connection()
{
    const QString name = u"keystead-%1-%2"_s.arg(m_instanceId, threadTag());
    if (QSqlDatabase::contains(name)) {
        QSqlDatabase db = QSqlDatabase::database(name, false);
        if (db.isOpen())
            return db;
    }
    Result<QSqlDatabase> opened = openConnection(name);
    if (!opened) {
        qWarning("store: %s", qPrintable(opened.error().message));
        return QSqlDatabase::database(name, false);
    }
    return opened.value();
}

void Database::releaseThreadConnection()
{
    const QString name = u"keystead-%1-%2"_s.arg(m_instanceId, threadTag());
    QMutexLocker lock(&m_mutex);
    if (!m_connectionNames.removeOne(name))
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(name, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

Result<QSqlDatabase> Database::openConnection(const QString &name)
{
    QSqlDatabase db;
    if (QSqlDatabase::contains(name)) {
        db = QSqlDatabase::database(name, false);
    } else if (m_config.backend == DatabaseConfig::Backend::Sqlite) {
        db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
        db.setDatabaseName(m_config.sqliteFile);
        // Another thread or process may hold the write lock for a moment: wait, don't fail.
        db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
    } else {
        db = QSqlDatabase::addDatabase(u"QPSQL"_s, name);
        db.setHostName(m_config.host);
        db.setPort(m_config.port);
        db.setDatabaseName(m_config.databaseName);
        db.setUserName(m_config.userName);
        db.setPassword(m_config.password);
        db.setConnectOptions(u"connect_timeout=10;application_name=keystead"_s);
    }
    {
        QMutexLocker lock(&m_mutex);
        if (!m_connectionNames.contains(name))
            m_connectionNames.append(name);
    }
    if (!db.isValid())
        return Error::unavailable(u"the Qt SQL driver for %1 is not installed"_s.arg(m_config.displayName()));
    if (!db.open())
        return Error::unavailable(
            u"cannot open the database %1: %2"_s.arg(m_config.displayName(), db.lastError().text()));

    if (m_config.backend == DatabaseConfig::Backend::Sqlite) {
        // Per-connection settings only: nothing here writes to the file.
        for (const QString &pragma : {u"PRAGMA foreign_keys = ON"_s, u"PRAGMA synchronous = NORMAL"_s}) {
            if (Result<QSqlQuery> done = sql::exec(db, pragma); !done)
                return done.error();
        }
    }
    return db;
}

int Database::knownSchemaVersion()
{
    return allMigrations().empty() ? 0 : allMigrations().back().version;
}

Result<int> Database::schemaVersion()
{
    QSqlDatabase db = connection();
    if (!db.tables().contains(u"schema_version"_s))
        return 0;
    Result<QSqlQuery> query = sql::exec(db, u"SELECT MAX(version) FROM schema_version"_s);
    if (!query)
        return query.error();
    return query->first() ? query.value().value(0).toInt() : 0;
}

Status Database::migrate()
{
    Result<int> present = schemaVersion();
    if (!present)
        return present.error();
    // Checked before anything is written: a newer database is left exactly as it is.
    if (present.value() > knownSchemaVersion()) {
        return Error::conflict(u"the database %1 has schema version %2, newer than this Keystead knows (%3); "
                               "use a newer Keystead. The database was not changed."_s.arg(m_config.displayName())
                                   .arg(present.value())
                                   .arg(knownSchemaVersion()));
    }
    if (present.value() == knownSchemaVersion())
        return {};

    QSqlDatabase db = connection();
    if (!isPostgres()) {
        // Persistent in the file: readers no longer block the writer.
        if (Result<QSqlQuery> wal = sql::exec(db, u"PRAGMA journal_mode = WAL"_s); !wal)
            return wal.error();
    }
    if (!db.tables().contains(u"schema_version"_s)) {
        Result<QSqlQuery> created = sql::exec(db,
                                              u"CREATE TABLE IF NOT EXISTS schema_version ("
                                              "  version INTEGER PRIMARY KEY,"
                                              "  description TEXT NOT NULL,"
                                              "  applied_at TEXT NOT NULL)"_s);
        if (!created)
            return created.error();
    }
    for (const Migration &migration : allMigrations()) {
        if (migration.version <= present.value())
            continue;
        if (Status applied = applyMigration(db, migration.version); !applied)
            return applied.error();
    }
    return {};
}

Status Database::applyMigration(QSqlDatabase &db, int version)
{
    const auto &migrations = allMigrations();
    const auto step = std::find_if(migrations.begin(), migrations.end(),
                                   [version](const Migration &m) { return m.version == version; });
    return sql::inWriteTransaction(isPostgres(), db, [&]() -> Status {
        if (isPostgres()) {
            if (Result<QSqlQuery> locked = sql::exec(db, u"SELECT pg_advisory_xact_lock(?)"_s, {kMigrationLockKey});
                !locked)
                return locked.error();
        }
        // Another instance may have applied this step while we waited for the lock.
        Result<QSqlQuery> seen = sql::exec(db, u"SELECT 1 FROM schema_version WHERE version = ?"_s, {version});
        if (!seen)
            return seen.error();
        if (seen.value().first())
            return {};
        const QStringList &statements
            = (isPostgres() && !step->postgresStatements.isEmpty()) ? step->postgresStatements : step->sqliteStatements;
        for (const QString &statement : statements) {
            if (Result<QSqlQuery> done = sql::exec(db, statement); !done)
                return Error::internal(
                    u"migration %1 (%2) failed: %3"_s.arg(version).arg(step->description, done.error().message));
        }
        Result<QSqlQuery> recorded
            = sql::exec(db, u"INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)"_s,
                        {version, step->description, sql::toStoreTime(m_clock.now())});
        if (!recorded)
            return recorded.error();
        return {};
    });
}

} // namespace keystead
