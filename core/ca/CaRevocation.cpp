// CertificateAuthorityService, part two: deleting and revoking certificates,
// and what the CAs hand to sshd and ssh (the KRL, TrustedUserCAKeys and
// known_hosts lines). Authorities and issuance are in CertificateAuthorityService.cpp.
#include "ca/CertificateAuthorityService.h"

#include "ca/CaChecks.h"
#include "ca/CaRepository.h"
#include "common/Clock.h"
#include "ssh/Krl.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMutexLocker>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead {

using namespace cadetail;

Status CertificateAuthorityService::deleteCertificate(const QString &id, CertificateKind kind, const Actor &actor)
{
    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    bool revoked = false;
    QString authorityId;
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<IssuedCertificate> found = selectCertificate(db, id, kind);
        if (!found)
            return found.error();
        authorityId = found->certificateAuthorityId;
        const QDateTime now = m_clock.now();
        const QString nowText = sql::toStoreTime(now);
        if (!found->revokedAt && found->state(now) != CertificateState::Expired) {
            if (Status inserted
                = insertRevocation(db, id, {}, found->certificateAuthorityId, nowText, u"deleted"_s, actor);
                !inserted)
                return inserted;
            if (Status bumped = bumpKrlVersion(db, found->certificateAuthorityId); !bumped)
                return bumped;
            QJsonObject detail = certificateAudit(found.value());
            detail.insert(u"reason"_s, u"deleted"_s);
            if (Status recorded = m_audit.record(db, actor, u"certificate.revoke"_s, u"ssh_certificate"_s, id, detail);
                !recorded)
                return recorded;
            revoked = true;
        }
        if (Status deleted = markCertificateDeleted(db, id, now); !deleted)
            return deleted;
        return m_audit.record(db, actor, u"certificate.delete"_s, u"ssh_certificate"_s, id,
                              certificateAudit(found.value()));
    });
    if (!written)
        return written;
    lock.unlock();
    Q_EMIT changed(ChangeSet::removedOne(kCertificateTopic, id));
    if (revoked)
        Q_EMIT changed(ChangeSet::changedOne(kAuthorityTopic, authorityId));
    return {};
}

Result<IssuedCertificate> CertificateAuthorityService::revoke(const QString &certificateId, const QString &reason,
                                                              const Actor &actor)
{
    if (std::optional<Error> error = checkReason(reason))
        return *error;
    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    QString authorityId;
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<IssuedCertificate> found = selectCertificate(db, certificateId, std::nullopt);
        if (!found)
            return found.error();
        authorityId = found->certificateAuthorityId;
        if (found->revokedAt)
            return caError(CaReason::AlreadyRevoked,
                           u"the certificate %1 was revoked at %2; a revocation cannot be undone or repeated"_s.arg(
                               certificateId, found->revokedAt->toString(Qt::ISODate)),
                           Error::Kind::Conflict);
        if (Status inserted = insertRevocation(db, certificateId, {}, found->certificateAuthorityId,
                                               sql::toStoreTime(m_clock.now()), reason, actor);
            !inserted)
            return inserted;
        if (Status bumped = bumpKrlVersion(db, found->certificateAuthorityId); !bumped)
            return bumped;
        QJsonObject detail = certificateAudit(found.value());
        detail.insert(u"reason"_s, reason);
        return m_audit.record(db, actor, u"certificate.revoke"_s, u"ssh_certificate"_s, certificateId, detail);
    });
    if (!written)
        return written.error();
    lock.unlock();
    Q_EMIT changed(ChangeSet::changedOne(kCertificateTopic, certificateId));
    Q_EMIT changed(ChangeSet::changedOne(kAuthorityTopic, authorityId));
    return certificate(certificateId);
}

Result<QList<IssuedCertificate>> CertificateAuthorityService::revokeSubject(const QString &sha256Fingerprint,
                                                                            const QString &reason, const Actor &actor)
{
    const QString fingerprint = sha256Fingerprint.trimmed();
    if (!fingerprintHash(fingerprint))
        return caError(CaReason::FingerprintInvalid,
                       u"fingerprint must be a SHA256 fingerprint as ssh-keygen -l prints it (SHA256:...)"_s,
                       Error::Kind::InvalidInput, u"fingerprint"_s);
    if (std::optional<Error> error = checkReason(reason))
        return *error;
    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    QStringList revokedIds;
    QStringList authorityIds;
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<QList<IssuedCertificate>> found
            = selectCertificates(db, u"c.subject_fingerprint = ? AND r.id IS NULL"_s, {fingerprint});
        if (!found)
            return found.error();
        const QString now = sql::toStoreTime(m_clock.now());
        for (const IssuedCertificate &certificate : std::as_const(found.value())) {
            if (Status inserted = insertRevocation(db, certificate.id, fingerprint, certificate.certificateAuthorityId,
                                                   now, reason, actor);
                !inserted)
                return inserted;
            revokedIds.append(certificate.id);
            if (!authorityIds.contains(certificate.certificateAuthorityId))
                authorityIds.append(certificate.certificateAuthorityId);
        }
        // The key itself, in every CA's KRL: a certificate signed tomorrow for it is refused as well.
        if (Status inserted = insertRevocation(db, {}, fingerprint, {}, now, reason, actor); !inserted)
            return inserted;
        if (Status bumped = bumpKrlVersion(db, {}); !bumped)
            return bumped;
        return m_audit.record(
            db, actor, u"certificate.revoke_subject"_s, u"ssh_public_key"_s, fingerprint,
            QJsonObject{{u"reason"_s, reason}, {u"certificate_ids"_s, QJsonArray::fromStringList(revokedIds)}});
    });
    if (!written)
        return written.error();
    lock.unlock();
    if (!revokedIds.isEmpty()) {
        Q_EMIT changed(ChangeSet{kCertificateTopic, {}, revokedIds, {}});
        Q_EMIT changed(ChangeSet{kAuthorityTopic, {}, authorityIds, {}});
    }
    return selectCertificatesById(db, revokedIds);
}

Result<QByteArray> CertificateAuthorityService::revocationList(const QString &caId) const
{
    QSqlDatabase db = m_database.connection();
    Result<AuthorityRow> ca = selectAuthority(db, caId, true);
    if (!ca)
        return ca.error();
    KrlContents contents;
    contents.version = ca->krlVersion;
    contents.comment = u"keystead-ca-"_s + caId;
    contents.generatedAt = ca->authority.createdAt;
    KrlContents::CaSection section;
    section.ca = ca->authority.publicKey;
    Result<QList<std::pair<quint64, QDateTime>>> serials = revokedSerials(db, caId);
    if (!serials)
        return serials.error();
    for (const auto &[serial, revokedAt] : std::as_const(serials.value())) {
        section.serials.append(serial);
        contents.generatedAt = std::max(contents.generatedAt, revokedAt);
    }
    if (!section.serials.isEmpty())
        contents.certificates.append(section);
    Result<QList<std::pair<QString, QDateTime>>> subjects = revokedSubjects(db);
    if (!subjects)
        return subjects.error();
    for (const auto &[fingerprint, revokedAt] : std::as_const(subjects.value())) {
        if (const std::optional<QByteArray> hash = fingerprintHash(fingerprint);
            hash && !contents.sha256Hashes.contains(*hash))
            contents.sha256Hashes.append(*hash);
        contents.generatedAt = std::max(contents.generatedAt, revokedAt);
    }
    return encodeKrl(contents);
}

Result<QString> CertificateAuthorityService::trustedUserCaKeysLine(const QString &caId) const
{
    Result<CertificateAuthority> ca = authority(caId);
    if (!ca)
        return ca.error();
    return ca->publicKeyLine;
}

Result<QString> CertificateAuthorityService::knownHostsCertAuthorityLine(const QString &caId,
                                                                         const QString &hostPattern) const
{
    const bool bad = hostPattern.isEmpty() || std::any_of(hostPattern.cbegin(), hostPattern.cend(), [](QChar c) {
                         return c.isSpace() || c.category() == QChar::Other_Control || c == u'#';
                     });
    if (bad)
        return caError(CaReason::HostPatternInvalid,
                       u"pattern must be a known_hosts host pattern without whitespace, '#' or control characters"_s,
                       Error::Kind::InvalidInput, u"pattern"_s);
    Result<CertificateAuthority> ca = authority(caId);
    if (!ca)
        return ca.error();
    return QString(u"@cert-authority "_s + hostPattern + u' ' + ca->publicKeyLine);
}

Result<QString> CertificateAuthorityService::knownHostsRevokedLines(const QString &caId) const
{
    Result<QStringList> keys = revokedHostKeys(m_database.connection(), caId);
    if (!keys)
        return keys.error();
    QString lines;
    for (const QString &key : std::as_const(keys.value()))
        lines += u"@revoked * "_s + key + u'\n';
    return lines;
}

} // namespace keystead
