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

const std::vector<Migration> &allMigrations()
{
    static const std::vector<Migration> migrations = [] {
        std::vector<Migration> all = foundationMigrations();
        // Areas whose schema has not landed yet contribute nothing.
        for (auto &&steps : {collectMigrations(), webhookMigrations()})
            all.insert(all.end(), steps.begin(), steps.end());
        std::sort(all.begin(), all.end(), [](const Migration &a, const Migration &b) { return a.version < b.version; });
        return all;
    }();
    return migrations;
}

} // namespace keystead
