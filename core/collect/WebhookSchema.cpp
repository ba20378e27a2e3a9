#include "store/Migration.h"

using namespace Qt::StringLiterals;

namespace keystead {

// The webhook outbox: schema version 3.
//
// Deliveries name their webhook and session without a foreign key: deleting a
// session must not be blocked by its delivery log, and the log outlives it
// (a pending delivery whose webhook is gone is marked failed when it falls due).
// Attempts belong to their delivery and go with it when old deliveries are purged.
std::vector<Migration> webhookMigrations()
{
    return {
        {3,
         u"webhook outbox and delivery log"_s,
         {
             u"CREATE TABLE webhook_deliveries ("
             "  id TEXT PRIMARY KEY,"
             "  webhook_id TEXT NOT NULL,"
             "  session_id TEXT NOT NULL,"
             "  event TEXT NOT NULL,"
             "  payload TEXT NOT NULL,"
             "  invocation_id TEXT NOT NULL UNIQUE,"
             "  redelivery_of TEXT,"
             "  trigger_time TEXT NOT NULL,"
             "  created_at TEXT NOT NULL,"
             "  status TEXT NOT NULL CHECK (status IN ('pending', 'delivering', 'delivered', 'failed')),"
             "  attempts INTEGER NOT NULL DEFAULT 0,"
             "  next_attempt_at TEXT,"
             "  claimed_by TEXT,"
             "  lease_until TEXT,"
             "  last_attempt_at TEXT,"
             "  last_status_code INTEGER,"
             "  last_error TEXT,"
             "  delivered_at TEXT)"_s,
             u"CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)"_s,
             u"CREATE INDEX webhook_deliveries_session ON webhook_deliveries (session_id, trigger_time)"_s,
             u"CREATE TABLE webhook_attempts ("
             "  id TEXT PRIMARY KEY,"
             "  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,"
             "  attempt INTEGER NOT NULL,"
             "  request_time TEXT NOT NULL,"
             "  outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'failed', 'interrupted')),"
             "  status_code INTEGER,"
             "  error TEXT,"
             "  duration_ms INTEGER NOT NULL)"_s,
             u"CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, request_time)"_s,
             // One row: a check value of the signing key (an HMAC of a fixed text, which
             // reveals nothing of the key), so instances sharing a store noticed when
             // their key files differed. The key is sealed in the vault now; the row is
             // only read to vet an older version's key file before it is sealed.
             u"CREATE TABLE webhook_signing_key ("
             "  id INTEGER PRIMARY KEY CHECK (id = 1),"
             "  key_check TEXT NOT NULL,"
             "  created_at TEXT NOT NULL)"_s,
         },
         {}},
    };
}

} // namespace keystead
