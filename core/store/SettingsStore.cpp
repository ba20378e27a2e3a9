#include "SettingsStore.h"

#include "common/Clock.h"
#include "store/Database.h"
#include "store/Sql.h"

using namespace Qt::StringLiterals;

namespace keystead {

SettingsStore::SettingsStore(Database &database, QObject *parent)
    : QObject(parent)
    , m_database(database)
{
}

QString SettingsStore::value(const QString &name, const QString &fallback) const
{
    Result<QSqlQuery> query
        = sql::exec(m_database.connection(), u"SELECT value FROM settings WHERE name = ?"_s, {name});
    if (!query || !query.value().first())
        return fallback;
    return query.value().value(0).toString();
}

bool SettingsStore::boolValue(const QString &name, bool fallback) const
{
    const QString text = value(name);
    if (text.isEmpty())
        return fallback;
    return text == u"true"_s;
}

Status SettingsStore::setValue(const QString &name, const QString &value)
{
    // One statement that both backends read as an upsert.
    Result<QSqlQuery> written
        = sql::exec(m_database.connection(),
                    u"INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"_s,
                    {name, value, sql::toStoreTime(m_database.clock().now())});
    if (!written)
        return written.error();
    Q_EMIT changed(name);
    return {};
}

Status SettingsStore::setBoolValue(const QString &name, bool value)
{
    return setValue(name, value ? u"true"_s : u"false"_s);
}

} // namespace keystead
