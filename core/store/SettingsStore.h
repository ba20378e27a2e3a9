#pragma once

#include "common/Result.h"

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

Q_SIGNALS:
    void changed(const QString &name);

private:
    Database &m_database;
};

} // namespace keystead
