#include "store/Migration.h"

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// The public halves of the keys that signed checkpoints. A key stays here for
// as long as a checkpoint names it, so old checkpoints remain checkable after
// the private key changes. The private half lives only in the vault.
QString keyTable()
{
    return u"CREATE TABLE trail_timestamp_keys ("
           "  fingerprint TEXT PRIMARY KEY,"
           "  public_key TEXT NOT NULL,"
           "  created_at TEXT NOT NULL)"_s;
}

// One row per signed trail head. The primary key makes signing the same head
// twice (two instances sharing a PostgreSQL store) harmless; checkpoints go
// with their connection when retention removes it.
QString checkpointTable()
{
    return u"CREATE TABLE trail_checkpoints ("
           "  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,"
           "  sequence BIGINT NOT NULL,"
           "  trail_head TEXT NOT NULL,"
           "  signed_at TEXT NOT NULL,"
           "  key_fingerprint TEXT NOT NULL REFERENCES trail_timestamp_keys(fingerprint),"
           "  signature TEXT NOT NULL,"
           "  PRIMARY KEY (connection_id, sequence))"_s;
}

QStringList sqliteStatements()
{
    return {
        keyTable(),
        checkpointTable(),
        u"CREATE INDEX trail_checkpoints_signed ON trail_checkpoints (signed_at)"_s,
        // Append-only: a checkpoint that could be edited in place would prove nothing.
        u"CREATE TRIGGER trail_checkpoints_append_only BEFORE UPDATE ON trail_checkpoints BEGIN"
        "  SELECT RAISE(ABORT, 'trail checkpoints are append-only');"
        " END"_s,
        u"CREATE TRIGGER trail_timestamp_keys_append_only BEFORE UPDATE ON trail_timestamp_keys BEGIN"
        "  SELECT RAISE(ABORT, 'timestamping keys are append-only');"
        " END"_s,
    };
}

QStringList postgresStatements()
{
    QStringList statements{keyTable(), checkpointTable()};
    // Byte order for text, as SQLite compares (the same rule as the connections schema).
    for (QString &statement : statements)
        statement.replace(u" TEXT"_s, u" TEXT COLLATE \"C\""_s);
    statements += QStringList{
        u"CREATE INDEX trail_checkpoints_signed ON trail_checkpoints (signed_at)"_s,
        u"CREATE FUNCTION trail_checkpoints_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        "  RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;"
        " END $$"_s,
        u"CREATE TRIGGER trail_checkpoints_append_only BEFORE UPDATE ON trail_checkpoints"
        " FOR EACH ROW EXECUTE FUNCTION trail_checkpoints_refuse_update()"_s,
        u"CREATE TRIGGER trail_timestamp_keys_append_only BEFORE UPDATE ON trail_timestamp_keys"
        " FOR EACH ROW EXECUTE FUNCTION trail_checkpoints_refuse_update()"_s,
    };
    return statements;
}

} // namespace

// Version 11: signed checkpoints of connection trails (issue 7's audit.timestamping).
std::vector<Migration> trailTimestampMigrations()
{
    return {
        {11, u"signed checkpoints of connection trails and the keys that signed them"_s, sqliteStatements(),
         postgresStatements()},
    };
}

} // namespace keystead
