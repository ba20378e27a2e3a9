#pragma once

#include "common/Result.h"

#include <QString>

namespace keystead {

// Where the store lives, parsed from the `--database` URL.
struct DatabaseConfig
{
    enum class Backend { Sqlite, Postgres };

    Backend backend = Backend::Sqlite;
    QString sqliteFile; // SQLite: absolute path of the database file
    QString host; // PostgreSQL
    int port = 5432;
    QString databaseName;
    QString userName;
    QString password;

    // `sqlite:` (the default file in the data folder), `sqlite:PATH`, or
    // `postgresql://user:pass@host:port/db` (also `postgres://`).
    static Result<DatabaseConfig> fromUrl(const QString &url, const QString &dataDir);

    // For log lines and error messages: never shows the password.
    QString displayName() const;
};

} // namespace keystead
