#pragma once

#include "common/Result.h"
#include "store/SettingKeys.h"

#include <QObject>
#include <QVariant>

namespace keystead {

class Database;

// Named values kept in the store, shared by the window, `keystead serve` and
// every instance on one PostgreSQL database. Values are text (JSON for structures).
class SettingsStore final : public QObject
{
    Q_OBJECT

public:
    explicit SettingsStore(Database &database, QObject *parent = nullptr);

    QString value(const QString &name, const QString &fallback = {}) const;
    bool boolValue(const QString &name, bool fallback) const;
    Status setValue(const QString &name, const QString &value);
    Status setBoolValue(const QString &name, bool value);

    // The registry's typed settings (store/SettingKeys.h): a stored value that
    // does not parse or lies outside the range reads as the default; writing
    // one outside the range is refused and changes nothing.
    int value(const setting::Int &setting) const;
    Status setValue(const setting::Int &setting, int value);
    bool value(const setting::Bool &setting) const;
    Status setValue(const setting::Bool &setting, bool value);
    QString value(const setting::Text &setting, const QString &fallback = {}) const;
    Status setValue(const setting::Text &setting, const QString &value);

Q_SIGNALS:
    void changed(const QString &name);

private:
    Database &m_database;
};

} // namespace keystead
