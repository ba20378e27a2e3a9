#pragma once

#include "common/Result.h"
#include "store/DatabaseConfig.h"

#include <QMutex>
#include <QSqlDatabase>
#include <QStringList>

#include <memory>

namespace keystead {

class Clock;

// The store. Every thread that touches it gets its own named Qt Sql connection,
// opened on first use; the schema is brought up to date once, at open.
class Database final
{
public:
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    // Opens the store and runs pending migrations. Refuses, without touching
    // it, a database whose schema is newer than this binary knows.
    static Result<std::unique_ptr<Database>> open(const DatabaseConfig &config, const Clock &clock);

    // The calling thread's connection (opened on first use).
    QSqlDatabase connection();
    // Closes the calling thread's connection; worker threads call this before they end.
    void releaseThreadConnection();

    const DatabaseConfig &config() const { return m_config; }
    bool isPostgres() const { return m_config.backend == DatabaseConfig::Backend::Postgres; }
    const Clock &clock() const { return m_clock; }

    // The newest schema version present in the database.
    Result<int> schemaVersion();
    static int knownSchemaVersion();

private:
    Database(DatabaseConfig config, const Clock &clock);
    Result<QSqlDatabase> openConnection(const QString &name);
    Status migrate();
    Status applyMigration(QSqlDatabase &db, int version);

    DatabaseConfig m_config;
    const Clock &m_clock;
    QString m_instanceId;
    QMutex m_mutex;
    QStringList m_connectionNames;
};

} // namespace keystead
