#pragma once

#include <QString>
#include <QStringList>

#include <vector>

namespace keystead {

// One step of the schema. Steps run in order, each in its own transaction,
// and are never edited once released: a change is a new step.
struct Migration
{
    int version = 0;
    QString description;
    QStringList sqliteStatements;
    // Empty when the SQLite statements are valid PostgreSQL as they are.
    QStringList postgresStatements;
};

// Each area keeps its own steps next to its code; versions are unique across areas.
std::vector<Migration> collectMigrations(); // core/collect/CollectSchema.cpp: version 2
std::vector<Migration> webhookMigrations(); // core/collect/WebhookSchema.cpp: version 3
std::vector<Migration> vaultMigrations(); // core/inventory/VaultSchema.cpp: version 4
std::vector<Migration> accessMigrations(); // core/store/Migrations.cpp: version 5 (token scopes, audit log)
std::vector<Migration> inventoryMigrations(); // core/inventory/InventorySchema.cpp: version 6
std::vector<Migration> connectionMigrations(); // core/connections/ConnectionSchema.cpp: version 7
std::vector<Migration> caMigrations(); // core/ca/CaSchema.cpp: version 8
std::vector<Migration> hostKeyMigrations(); // core/hostkeys/HostKeySchema.cpp: version 9
std::vector<Migration> sshSettingsMigrations(); // core/hostkeys/SshSettingsSchema.cpp: version 10
std::vector<Migration> trailTimestampMigrations(); // core/connections/TrailTimestampSchema.cpp: version 11

// Every step this binary knows, in order of version.
const std::vector<Migration> &allMigrations();

} // namespace keystead
