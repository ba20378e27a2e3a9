#include "store/Migration.h"

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// The parts both backends share. `search_text` is the lowercased haystack of a
// keyword search (id, user, address, client version, status, tags), kept by
// ConnectionService so one narrow column is matched instead of six, and so
// each backend can put its substring index on it.
//
// Every sort key the search offers has an index ending in `id`, the tie-breaker
// of every order: a page is then an index walk whichever key and direction is
// asked, and the order is total, so consecutive pages never repeat or skip a row.
QStringList sharedTail()
{
    return {
        u"CREATE INDEX connections_connected ON connections (connected, id)"_s,
        u"CREATE INDEX connections_duration ON connections (duration_ms, id)"_s,
        u"CREATE INDEX connections_status ON connections (status, id)"_s,
        u"CREATE INDEX connections_last_activity ON connections (last_activity, id)"_s,
        u"CREATE INDEX connections_bytes_in ON connections (bytes_in, id)"_s,
        u"CREATE INDEX connections_bytes_out ON connections (bytes_out, id)"_s,
        u"CREATE INDEX connections_remote_address ON connections (remote_address, id)"_s,
        u"CREATE INDEX connections_user_display_name ON connections (user_display_name, id)"_s,
        u"CREATE INDEX connections_user_id ON connections (user_id)"_s,
        u"CREATE TABLE connection_channels ("
        "  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,"
        "  channel_id TEXT NOT NULL,"
        "  position INTEGER NOT NULL,"
        "  type TEXT NOT NULL,"
        "  bytes_client_to_server BIGINT NOT NULL DEFAULT 0,"
        "  bytes_server_to_client BIGINT NOT NULL DEFAULT 0,"
        "  PRIMARY KEY (connection_id, channel_id))"_s,
        u"CREATE TABLE connection_tags ("
        "  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,"
        "  tag TEXT NOT NULL,"
        "  PRIMARY KEY (connection_id, tag))"_s,
        u"CREATE INDEX connection_tags_tag ON connection_tags (tag, connection_id)"_s,
        u"CREATE TABLE access_roles ("
        "  id TEXT PRIMARY KEY,"
        "  name TEXT NOT NULL UNIQUE,"
        "  created_at TEXT NOT NULL)"_s,
        u"CREATE TABLE connection_access_roles ("
        "  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,"
        "  role_id TEXT NOT NULL REFERENCES access_roles(id) ON DELETE CASCADE,"
        "  added TEXT NOT NULL,"
        "  added_by TEXT NOT NULL,"
        "  PRIMARY KEY (connection_id, role_id))"_s,
        u"CREATE INDEX connection_access_roles_role ON connection_access_roles (role_id, connection_id)"_s,
        u"CREATE TABLE connection_log_sessions ("
        "  id TEXT PRIMARY KEY,"
        "  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,"
        "  channel_id TEXT NOT NULL,"
        "  created_at TEXT NOT NULL,"
        "  expires_at TEXT NOT NULL)"_s,
        u"CREATE INDEX connection_log_sessions_expiry ON connection_log_sessions (expires_at)"_s,
        u"CREATE INDEX connection_log_sessions_connection ON connection_log_sessions (connection_id)"_s,
        // The number of connection rows, kept by triggers in the transaction
        // that changes it: counting a million rows is a table scan on
        // PostgreSQL, and the panel asks for the total at every reset.
        u"CREATE TABLE connection_totals ("
        "  name TEXT PRIMARY KEY,"
        "  value BIGINT NOT NULL)"_s,
        u"INSERT INTO connection_totals (name, value) VALUES ('connections', 0)"_s,
    };
}

// The columns after the key; `trail_length` and `trail_head` (hex of the last
// hash) let verification notice events cut from the end, which a chain alone cannot.
QString connectionColumns()
{
    return u"  proxy_id TEXT NOT NULL,"
           "  type TEXT NOT NULL,"
           "  authentication_methods TEXT NOT NULL DEFAULT '',"
           "  user_id TEXT NOT NULL DEFAULT '',"
           "  user_display_name TEXT NOT NULL DEFAULT '',"
           "  remote_address TEXT NOT NULL,"
           "  client_version TEXT NOT NULL DEFAULT '',"
           "  connected TEXT NOT NULL,"
           "  disconnected TEXT,"
           "  duration_ms BIGINT NOT NULL DEFAULT 0,"
           "  status TEXT NOT NULL CHECK (status IN ('CONNECTED', 'DISCONNECTED')),"
           "  last_activity TEXT NOT NULL,"
           "  bytes_in BIGINT NOT NULL DEFAULT 0,"
           "  bytes_out BIGINT NOT NULL DEFAULT 0,"
           "  force_disconnect TEXT,"
           "  disconnect_reason TEXT NOT NULL DEFAULT '',"
           "  created TEXT NOT NULL,"
           "  updated TEXT NOT NULL,"
           "  updated_by TEXT NOT NULL DEFAULT '',"
           "  audit_enabled INTEGER NOT NULL DEFAULT 1,"
           "  trail_length BIGINT NOT NULL DEFAULT 0,"
           "  trail_head TEXT NOT NULL DEFAULT '',"
           "  search_text TEXT NOT NULL DEFAULT '')"_s;
}

QString trailTable(const QString &blobType)
{
    return u"CREATE TABLE trail_events ("
           "  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,"
           "  sequence BIGINT NOT NULL,"
           "  channel_id TEXT NOT NULL,"
           "  at TEXT NOT NULL,"
           "  type TEXT NOT NULL,"
           "  data %1 NOT NULL,"
           "  detail TEXT NOT NULL,"
           "  previous_hash TEXT NOT NULL,"
           "  hash TEXT NOT NULL,"
           "  PRIMARY KEY (connection_id, sequence))"_s.arg(blobType);
}

QStringList sqliteStatements()
{
    QStringList statements{
        // `seq` is the rowid the full-text index refers to; declared, so VACUUM never renumbers it.
        u"CREATE TABLE connections ("
        "  seq INTEGER PRIMARY KEY,"
        "  id TEXT NOT NULL UNIQUE,"_s
            + connectionColumns(),
        trailTable(u"BLOB"_s),
        u"CREATE INDEX connections_disconnected ON connections (disconnected, id)"_s,
        // Substring search: trigrams find the few rows holding a keyword without
        // reading the table. It indexes the column, it does not copy it (external content).
        u"CREATE VIRTUAL TABLE connections_fts USING fts5(search_text, content='connections',"
        " content_rowid='seq', tokenize='trigram', detail='none', columnsize=0)"_s,
        // A keyword that most rows hold is counted by reading every search
        // text: from this index, a quarter of the table's size, not from the table.
        u"CREATE INDEX connections_search_text ON connections (search_text)"_s,
        u"CREATE TRIGGER connections_fts_insert AFTER INSERT ON connections BEGIN"
        "  INSERT INTO connections_fts (rowid, search_text) VALUES (new.seq, new.search_text);"
        " END"_s,
        u"CREATE TRIGGER connections_fts_delete AFTER DELETE ON connections BEGIN"
        "  INSERT INTO connections_fts (connections_fts, rowid, search_text) VALUES ('delete', old.seq, "
        "old.search_text);"
        " END"_s,
        u"CREATE TRIGGER connections_fts_update AFTER UPDATE OF search_text ON connections BEGIN"
        "  INSERT INTO connections_fts (connections_fts, rowid, search_text) VALUES ('delete', old.seq, "
        "old.search_text);"
        "  INSERT INTO connections_fts (rowid, search_text) VALUES (new.seq, new.search_text);"
        " END"_s,
    };
    return statements + sharedTail()
        + QStringList{
            u"CREATE TRIGGER connections_count_insert AFTER INSERT ON connections BEGIN"
            "  UPDATE connection_totals SET value = value + 1 WHERE name = 'connections';"
            " END"_s,
            u"CREATE TRIGGER connections_count_delete AFTER DELETE ON connections BEGIN"
            "  UPDATE connection_totals SET value = value - 1 WHERE name = 'connections';"
            " END"_s,
        };
}

QStringList postgresStatements()
{
    QStringList statements{
        u"CREATE TABLE connections ("
        "  id TEXT PRIMARY KEY,"_s
            + connectionColumns(),
        trailTable(u"BYTEA"_s),
        // SQLite orders NULL first; the same here, so both backends page alike
        // by `disconnected` (live connections have none).
        u"CREATE INDEX connections_disconnected ON connections (disconnected NULLS FIRST, id)"_s,
        // pg_trgm lets LIKE '%keyword%' use an index. It ships with PostgreSQL
        // and is a trusted extension (the database owner may create it); where
        // it is missing the search still works, by reading the table.
        u"DO $$ BEGIN"
        "  CREATE EXTENSION IF NOT EXISTS pg_trgm;"
        "  EXECUTE 'CREATE INDEX connections_search ON connections USING gin (search_text gin_trgm_ops)';"
        " EXCEPTION WHEN OTHERS THEN"
        "  RAISE NOTICE 'pg_trgm is not available: keyword searches read the connections table';"
        " END $$"_s,
    };
    statements += sharedTail();
    // Once per statement, not per row: a bulk insert updates the total once,
    // and concurrent writers wait on that one row only for an instant.
    statements += QStringList{
        u"CREATE FUNCTION connections_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        "  IF TG_OP = 'INSERT' THEN"
        "    UPDATE connection_totals SET value = value + (SELECT COUNT(*) FROM inserted) WHERE name = 'connections';"
        "  ELSE"
        "    UPDATE connection_totals SET value = value - (SELECT COUNT(*) FROM removed) WHERE name = 'connections';"
        "  END IF;"
        "  RETURN NULL;"
        " END $$"_s,
        u"CREATE TRIGGER connections_count_insert AFTER INSERT ON connections REFERENCING NEW TABLE AS inserted"
        " FOR EACH STATEMENT EXECUTE FUNCTION connections_count()"_s,
        u"CREATE TRIGGER connections_count_delete AFTER DELETE ON connections REFERENCING OLD TABLE AS removed"
        " FOR EACH STATEMENT EXECUTE FUNCTION connections_count()"_s,
    };
    // Byte order for text, as SQLite compares: a page sorted by address or
    // name is the same on both backends, whatever the database's locale.
    for (QString &statement : statements) {
        if (statement.startsWith(u"CREATE TABLE"_s))
            statement.replace(u" TEXT"_s, u" TEXT COLLATE \"C\""_s);
    }
    return statements;
}

} // namespace

// Connections to Keystead's SSH server and their trails: schema version 7.
std::vector<Migration> connectionMigrations()
{
    return {
        {7, u"connections, channels, tags, access roles, trails and log download sessions"_s, sqliteStatements(),
         postgresStatements()},
    };
}

} // namespace keystead
