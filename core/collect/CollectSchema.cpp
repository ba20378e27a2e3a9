#include "store/Migration.h"

using namespace Qt::StringLiterals;

namespace keystead {

// The collect sessions' tables: schema version 2.
//
// Statements are valid on SQLite and PostgreSQL as they are (BIGINT and DOUBLE
// PRECISION have the right affinity in SQLite). `position` orders connections
// and keys as they happened: with a clock that does not move (tests) or two
// events in one millisecond, created_at alone would not.
std::vector<Migration> collectMigrations()
{
    return {
        {2,
         u"collect sessions, their connections, keys and webhooks"_s,
         {
             u"CREATE TABLE collect_sessions ("
             "  id TEXT PRIMARY KEY,"
             "  connection_identifier TEXT NOT NULL UNIQUE,"
             "  external_id TEXT,"
             "  status TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'expired')),"
             "  multi_key INTEGER NOT NULL,"
             "  multi_connection INTEGER NOT NULL,"
             "  must_confirm INTEGER NOT NULL,"
             "  ssh_banner TEXT,"
             "  ssh_message TEXT,"
             "  timeout BIGINT,"
             "  expired_at TEXT,"
             "  created_at TEXT NOT NULL,"
             "  updated_at TEXT NOT NULL,"
             "  completed_at TEXT)"_s,
             u"CREATE INDEX collect_sessions_due ON collect_sessions (status, expired_at)"_s,
             u"CREATE INDEX collect_sessions_created ON collect_sessions (created_at, id)"_s,
             u"CREATE INDEX collect_sessions_external ON collect_sessions (external_id)"_s,
             u"CREATE TABLE collect_connections ("
             "  id TEXT PRIMARY KEY,"
             "  session_id TEXT NOT NULL REFERENCES collect_sessions(id) ON DELETE CASCADE,"
             "  position INTEGER NOT NULL,"
             "  created_at TEXT NOT NULL,"
             "  ip_address TEXT NOT NULL,"
             "  client_version TEXT NOT NULL,"
             "  outcome TEXT NOT NULL CHECK (outcome IN ('open', 'kept', 'declined', 'abandoned')),"
             "  closed_at TEXT)"_s,
             u"CREATE INDEX collect_connections_session ON collect_connections (session_id, position)"_s,
             u"CREATE TABLE collect_keys ("
             "  id TEXT PRIMARY KEY,"
             "  connection_id TEXT NOT NULL REFERENCES collect_connections(id) ON DELETE CASCADE,"
             "  session_id TEXT NOT NULL REFERENCES collect_sessions(id) ON DELETE CASCADE,"
             "  position INTEGER NOT NULL,"
             "  created_at TEXT NOT NULL,"
             "  algorithm TEXT NOT NULL,"
             "  bits INTEGER NOT NULL,"
             "  fingerprint_sha256 TEXT NOT NULL,"
             "  fingerprint_md5 TEXT NOT NULL,"
             "  public_key_blob TEXT NOT NULL," // base64 of the wire encoding
             "  state TEXT NOT NULL CHECK (state IN ('collected', 'discarded')))"_s,
             u"CREATE INDEX collect_keys_connection ON collect_keys (connection_id, position)"_s,
             u"CREATE INDEX collect_keys_session ON collect_keys (session_id, state)"_s,
             u"CREATE INDEX collect_keys_fingerprint ON collect_keys (fingerprint_sha256)"_s,
             u"CREATE TABLE collect_webhooks ("
             "  id TEXT PRIMARY KEY,"
             "  session_id TEXT NOT NULL REFERENCES collect_sessions(id) ON DELETE CASCADE,"
             "  position INTEGER NOT NULL,"
             "  url TEXT NOT NULL,"
             "  method TEXT NOT NULL," // post|put|patch
             "  events TEXT NOT NULL," // JSON array of event names, [] = all
             "  headers TEXT NOT NULL," // JSON object name -> array of strings
             "  retries INTEGER NOT NULL,"
             "  initial_backoff INTEGER NOT NULL,"
             "  backoff_multiplier DOUBLE PRECISION NOT NULL)"_s,
             u"CREATE INDEX collect_webhooks_session ON collect_webhooks (session_id, position)"_s,
         },
         {}},
    };
}

} // namespace keystead
