#pragma once

#include "StoreTestSupport.h"

#include "audit/AuditLog.h"
#include "secrets/MasterKeyStore.h"
#include "secrets/Vault.h"

#include <QMap>

#include <memory>

// A fresh store with what the services that keep secrets stand on: a vault
// (its master key in an owner-only file) and the audit log.
namespace keystead::test {

struct VaultedStore : StoreFixture
{
    std::unique_ptr<MasterKeyStore> masterKeys;
    std::unique_ptr<Vault> vault;
    std::unique_ptr<AuditLog> audit;

    // False when the store could not be made. The master key lives in the store's
    // folder unless `masterKeyFile` names another file.
    bool open(const QString &backend, const Clock &clock, const QString &masterKeyFile = {})
    {
        store = TestDatabase::create(backend, clock);
        if (!store)
            return false;
        masterKeys = std::make_unique<FileMasterKeyStore>(
            masterKeyFile.isEmpty() ? store->dataDir() + QStringLiteral("/master.key") : masterKeyFile);
        vault = std::make_unique<Vault>(database(), clock, *masterKeys);
        audit = std::make_unique<AuditLog>(database(), clock);
        return true;
    }

    // The rows of `table` (that match `where`, when given); -1 when it cannot be read.
    int rows(const QString &table, const QString &where = {})
    {
        Result<QSqlQuery> count = sql::exec(database().connection(),
                                            QStringLiteral("SELECT COUNT(*) FROM ") + table
                                                + (where.isEmpty() ? QString() : QStringLiteral(" WHERE ") + where));
        return count && count.value().next() ? count.value().value(0).toInt() : -1;
    }

    // Each table with its row count: equal before and after means nothing was stored.
    QMap<QString, int> counts(const QStringList &tables)
    {
        QMap<QString, int> all;
        for (const QString &table : tables)
            all.insert(table, rows(table));
        return all;
    }
};

} // namespace keystead::test
