#include "ca/CaRepository.h"

#include "ca/CaChecks.h"
#include "store/Sql.h"

#include <QJsonArray>
#include <QSqlQuery>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::cadetail {

namespace {

const QString kCaColumns
    = u"a.id, a.created_at, a.description, a.metadata, a.key_type, a.curve, a.key_size, a.public_key,"
      " a.fingerprint,"
      " (SELECT COUNT(*) FROM ssh_certificates c WHERE c.ca_id = a.id),"
      " (SELECT COUNT(*) FROM certificate_revocations r WHERE r.ca_id = a.id AND r.certificate_id IS NOT NULL)"_s;

const QString kCertificateSelect
    = u"SELECT c.id, c.kind, c.ca_id, c.serial, c.key_id, c.public_key, c.key_type, c.subject_fingerprint,"
      " c.principals, c.critical_options, c.extensions, c.valid_after, c.valid_until, c.certificate, c.created_at,"
      " c.description, c.metadata, r.revoked_at, r.reason"
      " FROM ssh_certificates c LEFT JOIN certificate_revocations r ON r.certificate_id = c.id"_s;

using sql::text;

CertificateAuthority authorityFromRow(const QSqlQuery &row)
{
    CertificateAuthority ca;
    ca.id = row.value(0).toString();
    ca.createdAt = sql::fromStoreTime(row.value(1));
    ca.description = row.value(2).toString();
    ca.metadata = row.value(3).toString();
    ca.keyType = row.value(4).toString();
    ca.ellipticCurve = row.value(5).toString();
    ca.keySize = row.value(6).toInt();
    if (Result<SshPublicKey> key = SshPublicKey::fromBlob(QByteArray::fromBase64(row.value(7).toString().toLatin1())))
        ca.publicKey = key.value();
    ca.publicKeyLine = ca.publicKey.isNull() ? QString() : ca.publicKey.openSshLine(u"keystead-ca-"_s + ca.id);
    ca.fingerprint = row.value(8).toString();
    ca.certificatesIssued = row.value(9).toInt();
    ca.certificatesRevoked = row.value(10).toInt();
    return ca;
}

IssuedCertificate certificateFromRow(const QSqlQuery &row)
{
    IssuedCertificate certificate;
    certificate.id = row.value(0).toString();
    certificate.kind = row.value(1).toString() == u"host"_s ? CertificateKind::Host : CertificateKind::User;
    certificate.certificateAuthorityId = row.value(2).toString();
    certificate.serial = row.value(3).toULongLong();
    certificate.keyId = row.value(4).toString();
    certificate.publicKey = row.value(5).toString();
    certificate.keyType = row.value(6).toString();
    certificate.subjectFingerprint = row.value(7).toString();
    certificate.principals = listFromJson(row.value(8));
    certificate.criticalOptions = mapFromJson(row.value(9));
    certificate.extensions = mapFromJson(row.value(10));
    certificate.validAfter = sql::fromStoreTime(row.value(11));
    certificate.validUntil = sql::fromStoreTime(row.value(12));
    certificate.certificate = row.value(13).toString();
    certificate.createdAt = sql::fromStoreTime(row.value(14));
    certificate.description = row.value(15).toString();
    certificate.metadata = row.value(16).toString();
    if (!row.value(17).isNull()) {
        certificate.revokedAt = sql::fromStoreTime(row.value(17));
        certificate.revocationReason = row.value(18).toString();
    }
    return certificate;
}

QString likeEscaped(const QString &text)
{
    QString escaped;
    for (const QChar c : text) {
        if (c == u'!' || c == u'%' || c == u'_')
            escaped.append(u'!');
        escaped.append(c);
    }
    return escaped;
}

Result<QList<CertificateAuthority>> selectAuthorities(const QSqlDatabase &db, const QString &where,
                                                      const QVariantList &bindings)
{
    Result<QSqlQuery> rows = sql::exec(db,
                                       u"SELECT "_s + kCaColumns + u" FROM ssh_certificate_authorities a WHERE "_s
                                           + where + u" ORDER BY a.created_at DESC, a.id DESC"_s,
                                       bindings);
    if (!rows)
        return rows.error();
    QList<CertificateAuthority> authorities;
    while (rows->next())
        authorities.append(authorityFromRow(rows.value()));
    return authorities;
}

} // namespace

Result<QList<CertificateAuthority>> selectLiveAuthorities(const QSqlDatabase &db)
{
    return selectAuthorities(db, u"a.deleted_at IS NULL"_s, {});
}

// A CA by id; `includeDeleted` for what outlives it (its KRL).
Result<AuthorityRow> selectAuthority(const QSqlDatabase &db, const QString &id, bool includeDeleted)
{
    Result<QSqlQuery> rows = sql::exec(db,
                                       u"SELECT "_s + kCaColumns
                                           + u", a.deleted_at, a.krl_version FROM ssh_certificate_authorities a"
                                             " WHERE a.id = ?"_s,
                                       {id});
    if (!rows)
        return rows.error();
    if (!rows->next())
        return authorityNotFound(id);
    AuthorityRow row{authorityFromRow(rows.value()), !rows->value(11).isNull(), rows->value(12).toULongLong()};
    if (row.deleted && !includeDeleted)
        return authorityNotFound(id);
    return row;
}

Result<QList<IssuedCertificate>> selectCertificates(const QSqlDatabase &db, const QString &where,
                                                    const QVariantList &bindings, const QString &tail)
{
    Result<QSqlQuery> rows = sql::exec(db, kCertificateSelect + u" WHERE "_s + where + tail, bindings);
    if (!rows)
        return rows.error();
    QList<IssuedCertificate> certificates;
    while (rows->next())
        certificates.append(certificateFromRow(rows.value()));
    return certificates;
}

Result<IssuedCertificate> selectCertificate(const QSqlDatabase &db, const QString &id,
                                            std::optional<CertificateKind> kind)
{
    QString where = u"c.id = ? AND c.deleted_at IS NULL"_s;
    QVariantList bindings{id};
    if (kind) {
        where += u" AND c.kind = ?"_s;
        bindings.append(certificateKindName(*kind));
    }
    Result<QList<IssuedCertificate>> found = selectCertificates(db, where, bindings);
    if (!found)
        return found.error();
    if (found->isEmpty())
        return certificateNotFound(id);
    return found->first();
}

Status insertRevocation(const QSqlDatabase &db, const QString &certificateId, const QString &fingerprint,
                        const QString &caId, const QString &now, const QString &reason, const Actor &actor)
{
    Result<QString> id = newId(u"sshrv_"_s);
    if (!id)
        return id.error();
    const QVariant none(QMetaType::fromType<QString>());
    Result<QSqlQuery> inserted
        = sql::exec(db,
                    u"INSERT INTO certificate_revocations (id, certificate_id, subject_fingerprint, ca_id, revoked_at,"
                    " reason, actor) VALUES (?, ?, ?, ?, ?, ?, ?)"_s,
                    {id.value(), certificateId.isEmpty() ? none : QVariant(certificateId),
                     fingerprint.isEmpty() ? none : QVariant(fingerprint), caId.isEmpty() ? none : QVariant(caId), now,
                     text(reason), actorText(actor)});
    if (!inserted)
        return inserted.error();
    return {};
}

Status insertAuthority(const QSqlDatabase &db, const CertificateAuthority &ca)
{
    Result<QSqlQuery> inserted = sql::exec(
        db,
        u"INSERT INTO ssh_certificate_authorities (id, created_at, description, metadata, key_type, curve,"
        " key_size, public_key, fingerprint, next_serial, krl_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0)"_s,
        {ca.id, sql::toStoreTime(ca.createdAt), text(ca.description), text(ca.metadata), ca.keyType,
         text(ca.ellipticCurve), ca.keySize, QString::fromLatin1(ca.publicKey.blob().toBase64()),
         ca.publicKey.fingerprintSha256()});
    if (!inserted)
        return inserted.error();
    return {};
}

Status updateAuthorityTexts(const QSqlDatabase &db, const QString &id, const QString &description,
                            const QString &metadata)
{
    Result<QSqlQuery> updated
        = sql::exec(db, u"UPDATE ssh_certificate_authorities SET description = ?, metadata = ? WHERE id = ?"_s,
                    {text(description), text(metadata), id});
    if (!updated)
        return updated.error();
    return {};
}

Status markAuthorityDeleted(const QSqlDatabase &db, const QString &id, const QDateTime &now)
{
    Result<QSqlQuery> updated = sql::exec(db, u"UPDATE ssh_certificate_authorities SET deleted_at = ? WHERE id = ?"_s,
                                          {sql::toStoreTime(now), id});
    if (!updated)
        return updated.error();
    return {};
}

Result<std::optional<quint64>> allocateSerial(const QSqlDatabase &db, const QString &caId)
{
    Result<QSqlQuery> allocated = sql::exec(db,
                                            u"UPDATE ssh_certificate_authorities SET next_serial = next_serial + 1"
                                            " WHERE id = ? AND deleted_at IS NULL RETURNING next_serial - 1"_s,
                                            {caId});
    if (!allocated)
        return allocated.error();
    if (!allocated->next())
        return std::optional<quint64>();
    return std::optional<quint64>(allocated->value(0).toULongLong());
}

Status bumpKrlVersion(const QSqlDatabase &db, const QString &caId)
{
    Result<QSqlQuery> bumped = caId.isEmpty()
        ? sql::exec(db, u"UPDATE ssh_certificate_authorities SET krl_version = krl_version + 1"_s, {})
        : sql::exec(db, u"UPDATE ssh_certificate_authorities SET krl_version = krl_version + 1 WHERE id = ?"_s, {caId});
    if (!bumped)
        return bumped.error();
    return {};
}

Result<QList<IssuedCertificate>> selectMatching(const QSqlDatabase &db, const CertificateQuery &query,
                                                const QDateTime &now)
{
    QStringList where{u"c.deleted_at IS NULL"_s};
    QVariantList bindings;
    if (query.kind) {
        where.append(u"c.kind = ?"_s);
        bindings.append(certificateKindName(*query.kind));
    }
    if (!query.certificateAuthorityId.isEmpty()) {
        where.append(u"c.ca_id = ?"_s);
        bindings.append(query.certificateAuthorityId);
    }
    if (!query.subjectFingerprint.isEmpty()) {
        where.append(u"c.subject_fingerprint = ?"_s);
        bindings.append(query.subjectFingerprint);
    }
    if (!query.principal.isEmpty()) {
        // Principals are a JSON array: the principal as a JSON string, quotes included, matches one whole entry.
        const QString quoted = jsonText(QJsonArray{query.principal}).mid(1).chopped(1);
        where.append(u"c.principals LIKE ? ESCAPE '!'"_s);
        bindings.append(QString(u'%' + likeEscaped(quoted) + u'%'));
    }
    if (query.state) {
        const QString nowText = sql::toStoreTime(now);
        switch (*query.state) {
        case CertificateState::Revoked: where.append(u"r.id IS NOT NULL"_s); break;
        case CertificateState::NotYetValid:
            where.append(u"r.id IS NULL AND c.valid_after > ?"_s);
            bindings.append(nowText);
            break;
        case CertificateState::Expired:
            where.append(u"r.id IS NULL AND c.valid_after <= ? AND c.valid_until <= ?"_s);
            bindings += {nowText, nowText};
            break;
        case CertificateState::Valid:
            where.append(u"r.id IS NULL AND c.valid_after <= ? AND c.valid_until > ?"_s);
            bindings += {nowText, nowText};
            break;
        }
    }
    if (!query.search.isEmpty()) {
        where.append(u"(LOWER(c.principals) LIKE ? ESCAPE '!' OR LOWER(c.key_id) LIKE ? ESCAPE '!'"
                     " OR LOWER(c.description) LIKE ? ESCAPE '!' OR LOWER(c.subject_fingerprint) LIKE ? ESCAPE '!'"
                     " OR LOWER(c.id) LIKE ? ESCAPE '!')"_s);
        const QString pattern = u'%' + likeEscaped(query.search.toLower()) + u'%';
        bindings += {pattern, pattern, pattern, pattern, pattern};
    }
    if (!query.beforeId.isEmpty()) {
        where.append(
            u"(c.created_at < (SELECT b.created_at FROM ssh_certificates b WHERE b.id = ?)"
            " OR (c.created_at = (SELECT b.created_at FROM ssh_certificates b WHERE b.id = ?) AND c.id < ?))"_s);
        bindings += {query.beforeId, query.beforeId, query.beforeId};
    }
    QString tail = u" ORDER BY c.created_at DESC, c.id DESC"_s;
    if (query.limit > 0) {
        tail += u" LIMIT ?"_s;
        bindings.append(query.limit);
    }
    return selectCertificates(db, where.join(u" AND "_s), bindings, tail);
}

Result<QList<IssuedCertificate>> selectCertificatesById(const QSqlDatabase &db, const QStringList &ids)
{
    if (ids.isEmpty())
        return QList<IssuedCertificate>();
    QStringList marks;
    QVariantList bindings;
    for (const QString &id : ids) {
        marks.append(u"?"_s);
        bindings.append(id);
    }
    return selectCertificates(db, u"c.id IN ("_s + marks.join(u", "_s) + u')', bindings,
                              u" ORDER BY c.created_at DESC, c.id DESC"_s);
}

Status insertCertificate(const QSqlDatabase &db, const IssuedCertificate &issued)
{
    Result<QSqlQuery> inserted = sql::exec(
        db,
        u"INSERT INTO ssh_certificates (id, kind, ca_id, serial, key_id, public_key, key_type,"
        " subject_fingerprint, principals, critical_options, extensions, valid_after, valid_until, certificate,"
        " created_at, description, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s,
        {issued.id, certificateKindName(issued.kind), issued.certificateAuthorityId, static_cast<qint64>(issued.serial),
         issued.keyId, issued.publicKey, issued.keyType, issued.subjectFingerprint,
         jsonText(QJsonArray::fromStringList(issued.principals)), mapToJson(issued.criticalOptions),
         mapToJson(issued.extensions), sql::toStoreTime(issued.validAfter), sql::toStoreTime(issued.validUntil),
         issued.certificate, sql::toStoreTime(issued.createdAt), text(issued.description), text(issued.metadata)});
    if (!inserted)
        return inserted.error();
    return {};
}

Status updateCertificateTexts(const QSqlDatabase &db, const QString &id, const QString &description,
                              const QString &metadata)
{
    Result<QSqlQuery> updated
        = sql::exec(db, u"UPDATE ssh_certificates SET description = ?, metadata = ? WHERE id = ?"_s,
                    {text(description), text(metadata), id});
    if (!updated)
        return updated.error();
    return {};
}

Status markCertificateDeleted(const QSqlDatabase &db, const QString &id, const QDateTime &now)
{
    Result<QSqlQuery> updated
        = sql::exec(db, u"UPDATE ssh_certificates SET deleted_at = ? WHERE id = ?"_s, {sql::toStoreTime(now), id});
    if (!updated)
        return updated.error();
    return {};
}

Result<int> countExpiring(const QSqlDatabase &db, const QDateTime &now, const QDateTime &until)
{
    Result<QSqlQuery> rows = sql::exec(
        db,
        u"SELECT COUNT(*) FROM ssh_certificates c LEFT JOIN certificate_revocations r ON r.certificate_id = c.id"
        " WHERE c.deleted_at IS NULL AND r.id IS NULL AND c.valid_after <= ? AND c.valid_until > ?"
        " AND c.valid_until <= ?"_s,
        {sql::toStoreTime(now), sql::toStoreTime(now), sql::toStoreTime(until)});
    if (!rows)
        return rows.error();
    return rows->next() ? rows->value(0).toInt() : 0;
}

Result<QList<std::pair<quint64, QDateTime>>> revokedSerials(const QSqlDatabase &db, const QString &caId)
{
    Result<QSqlQuery> rows = sql::exec(db,
                                       u"SELECT c.serial, r.revoked_at FROM certificate_revocations r"
                                       " JOIN ssh_certificates c ON c.id = r.certificate_id WHERE c.ca_id = ?"
                                       " ORDER BY c.serial"_s,
                                       {caId});
    if (!rows)
        return rows.error();
    QList<std::pair<quint64, QDateTime>> serials;
    while (rows->next())
        serials.append({rows->value(0).toULongLong(), sql::fromStoreTime(rows->value(1))});
    return serials;
}

Result<QList<std::pair<QString, QDateTime>>> revokedSubjects(const QSqlDatabase &db)
{
    Result<QSqlQuery> rows = sql::exec(db,
                                       u"SELECT subject_fingerprint, revoked_at FROM certificate_revocations"
                                       " WHERE certificate_id IS NULL ORDER BY subject_fingerprint"_s,
                                       {});
    if (!rows)
        return rows.error();
    QList<std::pair<QString, QDateTime>> subjects;
    while (rows->next())
        subjects.append({rows->value(0).toString(), sql::fromStoreTime(rows->value(1))});
    return subjects;
}

Result<QStringList> revokedHostKeys(const QSqlDatabase &db, const QString &caId)
{
    QString where = u"c.kind = 'host'"_s;
    QVariantList bindings;
    if (!caId.isEmpty()) {
        where += u" AND c.ca_id = ?"_s;
        bindings.append(caId);
    }
    Result<QSqlQuery> rows = sql::exec(db,
                                       u"SELECT DISTINCT c.public_key FROM ssh_certificates c"
                                       " JOIN certificate_revocations r ON r.certificate_id = c.id WHERE "_s
                                           + where + u" ORDER BY c.public_key"_s,
                                       bindings);
    if (!rows)
        return rows.error();
    QStringList keys;
    while (rows->next())
        keys.append(rows->value(0).toString());
    return keys;
}

} // namespace keystead::cadetail
