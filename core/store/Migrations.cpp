#include "Migration.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// Conventions that keep one statement valid on both backends:
// ids are TEXT (UUIDs made in code), times are TEXT in ISO 8601 UTC with
// milliseconds (they sort as text), booleans are INTEGER 0/1.
std::vector<Migration> foundationMigrations()
{
    return {
        {1,
         u"settings and API tokens"_s,
         {
             u"CREATE TABLE settings ("
             "  name TEXT PRIMARY KEY,"
             "  value TEXT NOT NULL,"
             "  updated_at TEXT NOT NULL)"_s,
             u"CREATE TABLE api_tokens ("
             "  id TEXT PRIMARY KEY,"
             "  name TEXT NOT NULL,"
             "  token_hash TEXT NOT NULL UNIQUE,"
             "  created_at TEXT NOT NULL,"
             "  last_used_at TEXT,"
             "  revoked_at TEXT)"_s,
             u"CREATE INDEX api_tokens_active ON api_tokens (revoked_at)"_s,
         },
         {}},
    };
}

} // namespace

// Token scopes and the audit log (issue 4). Tokens made before scopes existed
// keep what they could do: read and write (1 | 2), not reveal secrets.
std::vector<Migration> accessMigrations()
{
    return {
        {5,
         u"API token scopes and the audit log"_s,
         {
             u"ALTER TABLE api_tokens ADD COLUMN scopes INTEGER NOT NULL DEFAULT 3"_s,
             u"CREATE TABLE audit_log ("
             "  id TEXT PRIMARY KEY,"
             "  at TEXT NOT NULL,"
             "  position BIGINT NOT NULL,"
             "  actor_kind TEXT NOT NULL,"
             "  actor_id TEXT,"
             "  actor_name TEXT,"
             "  actor_address TEXT,"
             "  action TEXT NOT NULL,"
             "  subject_kind TEXT,"
             "  subject_id TEXT,"
             "  detail TEXT NOT NULL)"_s,
             u"CREATE INDEX audit_log_at ON audit_log (at, position)"_s,
             u"CREATE INDEX audit_log_subject ON audit_log (subject_id)"_s,
         },
         {}},
    };
}

const std::vector<Migration> &allMigrations()
{
    static const std::vector<Migration> migrations = [] {
        std::vector<Migration> all = foundationMigrations();
        // Areas whose schema has not landed yet contribute nothing.
        for (auto &&steps : {collectMigrations(), webhookMigrations(), vaultMigrations(), accessMigrations(),
                             inventoryMigrations(), connectionMigrations(), caMigrations(), hostKeyMigrations(),
                             sshSettingsMigrations(), trailTimestampMigrations()})
            all.insert(all.end(), steps.begin(), steps.end());
        std::sort(all.begin(), all.end(), [](const Migration &a, const Migration &b) { return a.version < b.version; });
        return all;
    }();
    return migrations;
}

} // namespace keystead
