#include "store/Migration.h"

using namespace Qt::StringLiterals;

namespace keystead {

// The secret vault: schema version 4.
//
// vault_keys names every master key the store has been sealed with; the key itself
// never comes here. Its check value (a fixed text sealed under the key) tells a
// wrong key from a missing one. Exactly one key is current (retired_at IS NULL):
// the partial unique index makes a second instance that races to make the first
// key, or to rotate, fail instead of leaving two. Retired rows stay as a record of
// rotations and keep the foreign key of any secret valid.
std::vector<Migration> vaultMigrations()
{
    return {
        {4,
         u"secret vault"_s,
         {
             u"CREATE TABLE vault_keys ("
             "  key_id TEXT PRIMARY KEY,"
             "  check_value TEXT NOT NULL,"
             "  created_at TEXT NOT NULL,"
             "  retired_at TEXT)"_s,
             u"CREATE UNIQUE INDEX vault_keys_one_current ON vault_keys ((retired_at IS NULL)) "
             "WHERE retired_at IS NULL"_s,
             u"CREATE TABLE vault_secrets ("
             "  owner_kind TEXT NOT NULL,"
             "  owner_id TEXT NOT NULL,"
             "  field TEXT NOT NULL,"
             "  sealed TEXT NOT NULL,"
             "  key_id TEXT NOT NULL REFERENCES vault_keys (key_id),"
             "  updated_at TEXT NOT NULL,"
             "  PRIMARY KEY (owner_kind, owner_id, field))"_s,
             u"CREATE INDEX vault_secrets_key ON vault_secrets (key_id)"_s,
         },
         {}},
    };
}

} // namespace keystead
