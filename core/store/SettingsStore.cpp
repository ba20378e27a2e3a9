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

int SettingsStore::value(const setting::Int &setting) const
{
    bool ok = false;
    const int stored = value(QString(setting.name)).trimmed().toInt(&ok);
    return ok && stored >= setting.minimum && stored <= setting.maximum ? stored : setting.fallback;
}

Status SettingsStore::setValue(const setting::Int &setting, int value)
{
    if (value < setting.minimum || value > setting.maximum)
        return Error::invalid(u"%1 must be %2 to %3, not %4"_s.arg(QString(setting.name))
                                  .arg(setting.minimum)
                                  .arg(setting.maximum)
                                  .arg(value),
                              QString(setting.name));
    return setValue(QString(setting.name), QString::number(value));
}

bool SettingsStore::value(const setting::Bool &setting) const
{
    return boolValue(QString(setting.name), setting.fallback);
}

Status SettingsStore::setValue(const setting::Bool &setting, bool value)
{
    return setBoolValue(QString(setting.name), value);
}

QString SettingsStore::value(const setting::Text &setting, const QString &fallback) const
{
    return value(QString(setting.name), fallback);
}

Status SettingsStore::setValue(const setting::Text &setting, const QString &value)
{
    return setValue(QString(setting.name), value);
}

} // namespace keystead
