#pragma once

#include "audit/AuditLog.h"
#include "ca/CaRecords.h"
#include "common/Result.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QVariantList>

#include <optional>
#include <utility>

// The SQL of the certificate authority: the only code that reads or writes
// ssh_certificate_authorities, ssh_certificates and certificate_revocations.
// Each function runs on the connection given (inside the caller's transaction
// when it has one). Internal to core/ca.
namespace keystead::cadetail {

struct AuthorityRow
{
    CertificateAuthority authority;
    bool deleted = false;
    quint64 krlVersion = 0;
};

// The CAs not deleted, newest first.
Result<QList<CertificateAuthority>> selectLiveAuthorities(const QSqlDatabase &db);
// A CA by id; `includeDeleted` for what outlives it (its KRL).
Result<AuthorityRow> selectAuthority(const QSqlDatabase &db, const QString &id, bool includeDeleted);
Status insertAuthority(const QSqlDatabase &db, const CertificateAuthority &ca);
Status updateAuthorityTexts(const QSqlDatabase &db, const QString &id, const QString &description,
                            const QString &metadata);
Status markAuthorityDeleted(const QSqlDatabase &db, const QString &id, const QDateTime &now);
// The CA's next serial, taken (nullopt: the CA is deleted or unknown). Locks the CA's row on PostgreSQL.
Result<std::optional<quint64>> allocateSerial(const QSqlDatabase &db, const QString &caId);
// One CA's KRL version up by one; every CA's when `caId` is empty.
Status bumpKrlVersion(const QSqlDatabase &db, const QString &caId);

Result<QList<IssuedCertificate>> selectCertificates(const QSqlDatabase &db, const QString &where,
                                                    const QVariantList &bindings, const QString &tail = {});
Result<IssuedCertificate> selectCertificate(const QSqlDatabase &db, const QString &id,
                                            std::optional<CertificateKind> kind);
// CertificateQuery's filters, states judged at `now`, newest first.
Result<QList<IssuedCertificate>> selectMatching(const QSqlDatabase &db, const CertificateQuery &query,
                                                const QDateTime &now);
// Newest first.
Result<QList<IssuedCertificate>> selectCertificatesById(const QSqlDatabase &db, const QStringList &ids);
Status insertCertificate(const QSqlDatabase &db, const IssuedCertificate &certificate);
Status updateCertificateTexts(const QSqlDatabase &db, const QString &id, const QString &description,
                              const QString &metadata);
Status markCertificateDeleted(const QSqlDatabase &db, const QString &id, const QDateTime &now);
// Valid now (not revoked) and expiring by `until`.
Result<int> countExpiring(const QSqlDatabase &db, const QDateTime &now, const QDateTime &until);

// Empty certificateId / fingerprint / caId are stored as NULL.
Status insertRevocation(const QSqlDatabase &db, const QString &certificateId, const QString &fingerprint,
                        const QString &caId, const QString &now, const QString &reason, const Actor &actor);
// The serials the CA revoked, by serial, with when.
Result<QList<std::pair<quint64, QDateTime>>> revokedSerials(const QSqlDatabase &db, const QString &caId);
// The subject keys revoked outright (in every CA's KRL), by fingerprint, with when.
Result<QList<std::pair<QString, QDateTime>>> revokedSubjects(const QSqlDatabase &db);
// The subject keys of revoked host certificates of `caId` (every CA when empty), sorted, once each.
Result<QStringList> revokedHostKeys(const QSqlDatabase &db, const QString &caId);

} // namespace keystead::cadetail
