#include "DatabaseConfig.h"

#include <QDir>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace keystead {

Result<DatabaseConfig> DatabaseConfig::fromUrl(const QString &url, const QString &dataDir)
{
    DatabaseConfig config;
    const QString trimmed = url.trimmed();
    if (trimmed.isEmpty() || trimmed.compare(u"sqlite:"_s, Qt::CaseInsensitive) == 0) {
        config.sqliteFile = QDir(dataDir).absoluteFilePath(u"keystead.sqlite"_s);
        return config;
    }
    if (trimmed.startsWith(u"sqlite:"_s, Qt::CaseInsensitive)) {
        QString path = trimmed.mid(7);
        if (path.startsWith(u"//"_s))
            path = path.mid(2);
        config.sqliteFile = QDir(dataDir).absoluteFilePath(path);
        return config;
    }

    const QUrl parsed(trimmed, QUrl::StrictMode);
    const QString scheme = parsed.scheme().toLower();
    if (!parsed.isValid() || (scheme != u"postgresql"_s && scheme != u"postgres"_s))
        return Error::invalid(u"unsupported database URL: expected sqlite: or postgresql://user:pass@host:port/db"_s);

    config.backend = Backend::Postgres;
    config.host = parsed.host();
    config.port = parsed.port(5432);
    config.userName = parsed.userName(QUrl::FullyDecoded);
    config.password = parsed.password(QUrl::FullyDecoded);
    config.databaseName = parsed.path(QUrl::FullyDecoded).mid(1);
    if (config.host.isEmpty())
        return Error::invalid(u"the PostgreSQL URL names no host"_s);
    if (config.databaseName.isEmpty() || config.databaseName.contains(u'/'))
        return Error::invalid(u"the PostgreSQL URL names no database (postgresql://user:pass@host:port/db)"_s);
    return config;
}

QString DatabaseConfig::displayName() const
{
    if (backend == Backend::Sqlite)
        return u"sqlite:"_s + sqliteFile;
    return u"postgresql://%1@%2:%3/%4"_s.arg(userName, host).arg(port).arg(databaseName);
}

} // namespace keystead
