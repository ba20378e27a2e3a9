#include "store/Migration.h"

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// Statements valid on both backends. Ids are text made in code; times are
// ISO 8601 UTC text (they sort as text); principals, options and extensions are JSON text.
QStringList caTables()
{
    return {
        // The private key has no column: it is sealed in vault_secrets
        // (owner "ssh_ca", the CA's id, "private_key").
        u"CREATE TABLE ssh_certificate_authorities ("
        "  id TEXT PRIMARY KEY,"
        "  created_at TEXT NOT NULL,"
        "  description TEXT NOT NULL,"
        "  metadata TEXT NOT NULL,"
        "  key_type TEXT NOT NULL CHECK (key_type IN ('ed25519', 'ecdsa', 'rsa')),"
        "  curve TEXT NOT NULL,"
        "  key_size INTEGER NOT NULL,"
        "  public_key TEXT NOT NULL," // base64 of the wire blob
        "  fingerprint TEXT NOT NULL,"
        "  next_serial BIGINT NOT NULL CHECK (next_serial >= 1),"
        "  krl_version BIGINT NOT NULL,"
        "  deleted_at TEXT)"_s,
        u"CREATE TABLE ssh_certificates ("
        "  id TEXT PRIMARY KEY,"
        "  kind TEXT NOT NULL CHECK (kind IN ('user', 'host')),"
        "  ca_id TEXT NOT NULL REFERENCES ssh_certificate_authorities(id),"
        "  serial BIGINT NOT NULL,"
        "  key_id TEXT NOT NULL,"
        "  public_key TEXT NOT NULL," // the subject's OpenSSH line, no comment
        "  key_type TEXT NOT NULL,"
        "  subject_fingerprint TEXT NOT NULL,"
        "  principals TEXT NOT NULL,"
        "  critical_options TEXT NOT NULL,"
        "  extensions TEXT NOT NULL,"
        "  valid_after TEXT NOT NULL,"
        "  valid_until TEXT NOT NULL,"
        "  certificate TEXT NOT NULL,"
        "  created_at TEXT NOT NULL,"
        "  description TEXT NOT NULL,"
        "  metadata TEXT NOT NULL,"
        "  deleted_at TEXT,"
        "  UNIQUE (ca_id, serial))"_s,
        u"CREATE INDEX ssh_certificates_subject ON ssh_certificates (subject_fingerprint)"_s,
        u"CREATE INDEX ssh_certificates_created ON ssh_certificates (created_at, id)"_s,
        // Append-only: a certificate is revoked once, a row is never changed or removed.
        // A row with no certificate revokes a subject key (by fingerprint) in every CA's KRL.
        u"CREATE TABLE certificate_revocations ("
        "  id TEXT PRIMARY KEY,"
        "  certificate_id TEXT REFERENCES ssh_certificates(id),"
        "  subject_fingerprint TEXT,"
        "  ca_id TEXT REFERENCES ssh_certificate_authorities(id),"
        "  revoked_at TEXT NOT NULL,"
        "  reason TEXT NOT NULL,"
        "  actor TEXT NOT NULL,"
        "  CHECK (certificate_id IS NOT NULL OR subject_fingerprint IS NOT NULL))"_s,
        u"CREATE UNIQUE INDEX certificate_revocations_certificate ON certificate_revocations (certificate_id)"
        " WHERE certificate_id IS NOT NULL"_s,
        u"CREATE INDEX certificate_revocations_ca ON certificate_revocations (ca_id)"_s,
        u"CREATE INDEX certificate_revocations_subject ON certificate_revocations (subject_fingerprint)"_s,
    };
}

} // namespace

// Version 8: certificate authorities, issued certificates, revocations.
// The store itself refuses to undo a revocation: triggers abort any UPDATE or
// DELETE of certificate_revocations, whoever sends it.
std::vector<Migration> caMigrations()
{
    return {
        {8, u"certificate authorities, issued certificates, revocations"_s,
         caTables()
             + QStringList{
                 u"CREATE TRIGGER certificate_revocations_no_update BEFORE UPDATE ON certificate_revocations"
                 " BEGIN SELECT RAISE(ABORT, 'certificate revocations cannot be changed'); END"_s,
                 u"CREATE TRIGGER certificate_revocations_no_delete BEFORE DELETE ON certificate_revocations"
                 " BEGIN SELECT RAISE(ABORT, 'certificate revocations cannot be removed'); END"_s,
             },
         caTables()
             + QStringList{
                 u"CREATE FUNCTION certificate_revocations_append_only() RETURNS trigger LANGUAGE plpgsql AS"
                 " $$ BEGIN RAISE EXCEPTION 'certificate revocations cannot be changed or removed'; END $$"_s,
                 u"CREATE TRIGGER certificate_revocations_append_only BEFORE UPDATE OR DELETE ON"
                 " certificate_revocations FOR EACH ROW EXECUTE FUNCTION certificate_revocations_append_only()"_s,
             }},
    };
}

} // namespace keystead
