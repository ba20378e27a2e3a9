#include "ca/CertificateAuthorityService.h"

#include "ca/CaChecks.h"
#include "ca/CaRepository.h"
#include "common/Clock.h"
#include "secrets/Vault.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMutexLocker>

#include <mutex>

using namespace Qt::StringLiterals;

namespace keystead {

using namespace cadetail;

namespace {

// `detail` with what an update changed: the new description, the metadata's size.
QJsonObject updateAudit(QJsonObject detail, const RecordUpdate &update)
{
    if (update.description)
        detail.insert(u"description"_s, *update.description);
    if (update.metadata)
        detail.insert(u"metadata_bytes"_s, update.metadata->toUtf8().size());
    return detail;
}

const QString kOwnerKind = u"ssh_ca"_s;
const QString kPrivateKeyField = u"private_key"_s;

} // namespace

CertificateAuthorityService::CertificateAuthorityService(Database &database, const Clock &clock, Vault &vault,
                                                         AuditLog &audit, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_clock(clock)
    , m_vault(vault)
    , m_audit(audit)
{
}

CertificateAuthorityService::~CertificateAuthorityService() = default;

Result<CertificateAuthority> CertificateAuthorityService::createAuthority(const CaCreateInput &input,
                                                                          const Actor &actor)
{
    Result<CaKeyType> type = caKeyType(input);
    if (!type)
        return type.error();
    if (std::optional<Error> error = checkDescription(input.description))
        return *error;
    if (std::optional<Error> error = checkMetadata(input.metadata))
        return *error;
    // The keychain is asked before the transaction, never inside it.
    if (Status unlocked = m_vault.unlock(); !unlocked)
        return vaultRefused(unlocked.error());
    Result<SshCertificateSigner> signer = SshCertificateSigner::generate(type.value());
    if (!signer)
        return caError(CaReason::SigningFailed, u"the CA key could not be made: "_s + signer.error().message,
                       Error::Kind::Internal);
    return storeAuthority(input, signer.value(), actor);
}

Result<SshCertificateSigner> CertificateAuthorityService::makeAuthorityKey(const CaCreateInput &input)
{
    Result<CaKeyType> type = caKeyType(input);
    if (!type)
        return type.error();
    if (std::optional<Error> error = checkDescription(input.description))
        return *error;
    if (std::optional<Error> error = checkMetadata(input.metadata))
        return *error;
    Result<SshCertificateSigner> signer = SshCertificateSigner::generate(type.value());
    if (!signer)
        return caError(CaReason::SigningFailed, u"the CA key could not be made: "_s + signer.error().message,
                       Error::Kind::Internal);
    return signer;
}

Result<CertificateAuthority> CertificateAuthorityService::createAuthority(const CaCreateInput &input,
                                                                          const SshCertificateSigner &key,
                                                                          const Actor &actor)
{
    Result<CaKeyType> type = caKeyType(input);
    if (!type)
        return type.error();
    if (type.value() != key.keyType())
        return caError(CaReason::KeyTypeInvalid, u"the CA key is not of the private_key_type asked for"_s,
                       Error::Kind::InvalidInput, u"private_key_type"_s);
    if (std::optional<Error> error = checkDescription(input.description))
        return *error;
    if (std::optional<Error> error = checkMetadata(input.metadata))
        return *error;
    // The keychain is asked before the transaction, never inside it.
    if (Status unlocked = m_vault.unlock(); !unlocked)
        return vaultRefused(unlocked.error());
    return storeAuthority(input, key, actor);
}

Result<CertificateAuthority> CertificateAuthorityService::storeAuthority(const CaCreateInput &input,
                                                                         const SshCertificateSigner &signer,
                                                                         const Actor &actor)
{
    Result<QString> id = newId(u"sshca_"_s);
    if (!id)
        return id.error();
    const SshPublicKey publicKey = signer.publicKey();
    const QString keyType = input.privateKeyType.isEmpty() ? u"ed25519"_s : input.privateKeyType;

    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        CertificateAuthority ca;
        ca.id = id.value();
        ca.createdAt = m_clock.now();
        ca.description = input.description;
        ca.metadata = input.metadata;
        ca.keyType = keyType;
        ca.ellipticCurve = curveName(signer.keyType());
        ca.keySize = rsaBits(signer.keyType());
        ca.publicKey = publicKey;
        if (Status inserted = insertAuthority(db, ca); !inserted)
            return inserted;
        QByteArray pem = signer.privateKeyPem();
        Status sealed = m_vault.put(db, SecretRef{kOwnerKind, id.value(), kPrivateKeyField}, pem);
        pem.fill('\0');
        if (!sealed)
            return vaultRefused(sealed.error());
        return m_audit.record(db, actor, u"ca.create"_s, kOwnerKind, id.value(),
                              QJsonObject{{u"key_type"_s, keyType},
                                          {u"elliptic_curve"_s, curveName(signer.keyType())},
                                          {u"key_size"_s, rsaBits(signer.keyType())},
                                          {u"fingerprint"_s, publicKey.fingerprintSha256()}});
    });
    if (!written)
        return written.error();
    {
        QMutexLocker signers(&m_signerMutex);
        m_signers.insert_or_assign(id.value(), signer);
    }
    lock.unlock();
    Q_EMIT changed(ChangeSet::addedOne(kAuthorityTopic, id.value()));
    return authority(id.value());
}

Result<QList<CertificateAuthority>> CertificateAuthorityService::authorities() const
{
    return selectLiveAuthorities(m_database.connection());
}

Result<CertificateAuthority> CertificateAuthorityService::authority(const QString &id) const
{
    Result<AuthorityRow> row = selectAuthority(m_database.connection(), id, false);
    if (!row)
        return row.error();
    return row->authority;
}

Status CertificateAuthorityService::updateRecord(const RecordUpdate &update, QLatin1StringView topic, const QString &id,
                                                 const std::function<Status(QSqlDatabase &)> &write)
{
    if (std::optional<Error> error = checkUpdate(update))
        return *error;
    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    if (Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&] { return write(db); }); !written)
        return written;
    lock.unlock();
    Q_EMIT changed(ChangeSet::changedOne(topic, id));
    return {};
}

Result<CertificateAuthority> CertificateAuthorityService::updateAuthority(const QString &id, const RecordUpdate &update,
                                                                          const Actor &actor)
{
    Status written = updateRecord(update, kAuthorityTopic, id, [&](QSqlDatabase &db) -> Status {
        Result<AuthorityRow> row = selectAuthority(db, id, false);
        if (!row)
            return row.error();
        if (Status updated = updateAuthorityTexts(db, id, update.description.value_or(row->authority.description),
                                                  update.metadata.value_or(row->authority.metadata));
            !updated)
            return updated;
        return m_audit.record(db, actor, u"ca.update"_s, kOwnerKind, id, updateAudit({}, update));
    });
    if (!written)
        return written.error();
    return authority(id);
}

Status CertificateAuthorityService::deleteAuthority(const QString &id, const Actor &actor)
{
    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<AuthorityRow> row = selectAuthority(db, id, false);
        if (!row)
            return row.error();
        if (Status deleted = markAuthorityDeleted(db, id, m_clock.now()); !deleted)
            return deleted;
        if (Status removed = m_vault.remove(db, kOwnerKind, id); !removed)
            return removed;
        return m_audit.record(db, actor, u"ca.delete"_s, kOwnerKind, id,
                              QJsonObject{{u"fingerprint"_s, row->authority.fingerprint}});
    });
    if (!written)
        return written;
    {
        QMutexLocker signers(&m_signerMutex);
        m_signers.erase(id);
    }
    lock.unlock();
    Q_EMIT changed(ChangeSet::removedOne(kAuthorityTopic, id));
    // Its certificates stay in the history; they no longer name a live CA.
    CertificateQuery ofAuthority;
    ofAuthority.certificateAuthorityId = id;
    ofAuthority.limit = 0;
    if (Result<QList<IssuedCertificate>> issued = certificates(ofAuthority); issued && !issued->isEmpty()) {
        ChangeSet changes{kCertificateTopic, {}, {}, {}};
        for (const IssuedCertificate &certificate : std::as_const(issued.value()))
            changes.changed.append(certificate.id);
        Q_EMIT changed(changes);
    }
    return {};
}

Result<SshCertificateSigner> CertificateAuthorityService::signerFor(const QString &caId)
{
    {
        QMutexLocker signers(&m_signerMutex);
        if (const auto found = m_signers.find(caId); found != m_signers.end())
            return found->second;
    }
    Result<QByteArray> pem = m_vault.get(SecretRef{kOwnerKind, caId, kPrivateKeyField});
    if (!pem) {
        if (pem.error().kind == Error::Kind::NotFound)
            return caError(CaReason::Internal, u"the private key of the CA %1 is missing from the vault"_s.arg(caId),
                           Error::Kind::Internal);
        return vaultRefused(pem.error());
    }
    Result<SshCertificateSigner> signer = SshCertificateSigner::fromPrivateKeyPem(pem.value());
    pem->fill('\0');
    if (!signer)
        return caError(CaReason::SigningFailed, u"the private key of the CA %1 cannot be read"_s.arg(caId),
                       Error::Kind::Internal);
    QMutexLocker signers(&m_signerMutex);
    m_signers.insert_or_assign(caId, signer.value());
    return signer;
}

Result<IssuedCertificate> CertificateAuthorityService::issue(const CertificateInput &input, const Actor &actor)
{
    Result<CheckedCertificate> checked = checkCertificate(input, m_clock.now());
    if (!checked)
        return checked.error();
    QSqlDatabase db = m_database.connection();
    Result<AuthorityRow> ca = selectAuthority(db, input.certificateAuthorityId, false);
    if (!ca) {
        if (ca.error().kind != Error::Kind::NotFound)
            return ca.error();
        return caError(
            CaReason::AuthorityUnknown,
            u"ssh_certificate_authority_id names no SSH certificate authority: %1"_s.arg(input.certificateAuthorityId),
            Error::Kind::InvalidInput, u"ssh_certificate_authority_id"_s);
    }
    Result<SshCertificateSigner> signer = signerFor(ca->authority.id);
    if (!signer)
        return signer.error();
    const QString prefix = input.kind == CertificateKind::Host ? u"sshhc_"_s : u"sshuc_"_s;
    Result<QString> id = newId(prefix);
    if (!id)
        return id.error();

    // SQLite takes one writer at a time anyway: the mutex keeps this process's
    // threads from spinning on its lock. PostgreSQL's row lock on the CA (the
    // UPDATE below) serialises serials across threads and instances alike.
    std::unique_lock<QMutex> lock(m_writeMutex, std::defer_lock);
    if (!m_database.isPostgres())
        lock.lock();
    IssuedCertificate issued;
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<std::optional<quint64>> allocated = allocateSerial(db, ca->authority.id);
        if (!allocated)
            return allocated.error();
        if (!allocated.value())
            return caError(CaReason::AuthorityUnknown,
                           u"the SSH certificate authority %1 was deleted"_s.arg(ca->authority.id),
                           Error::Kind::InvalidInput, u"ssh_certificate_authority_id"_s);
        const quint64 serial = *allocated.value();
        CertificateRequest request;
        request.subject = checked->subject;
        request.kind = input.kind;
        request.serial = serial;
        request.keyId = u"keystead:%1:%2:%3"_s.arg(ca->authority.id, checked->principals.join(u',')).arg(serial);
        request.principals = checked->principals;
        request.validAfter = checked->validAfter;
        request.validBefore = checked->validUntil;
        request.criticalOptions = checked->criticalOptions;
        request.extensions = checked->extensions;
        Result<SshCertificate> certificate = SshCertificate::sign(request, signer.value());
        if (!certificate)
            return caError(CaReason::SigningFailed,
                           u"the certificate could not be signed: "_s + certificate.error().message,
                           Error::Kind::Internal);

        issued.id = id.value();
        issued.kind = input.kind;
        issued.createdAt = m_clock.now();
        issued.description = input.description;
        issued.metadata = input.metadata;
        issued.publicKey = checked->subject.openSshLine();
        issued.keyType = keyTypeOf(checked->subject);
        issued.subjectFingerprint = checked->subject.fingerprintSha256();
        issued.certificateAuthorityId = ca->authority.id;
        issued.serial = serial;
        issued.keyId = request.keyId;
        issued.principals = checked->principals;
        issued.criticalOptions = checked->criticalOptions;
        issued.extensions = checked->extensions;
        issued.validAfter = checked->validAfter;
        issued.validUntil = checked->validUntil;
        issued.certificate = certificate->openSshLine(issued.keyId);
        if (Status inserted = insertCertificate(db, issued); !inserted)
            return inserted;
        QJsonObject detail = certificateAudit(issued);
        detail.insert(u"principals"_s, QJsonArray::fromStringList(issued.principals));
        return m_audit.record(db, actor, u"certificate.issue"_s, u"ssh_certificate"_s, issued.id, detail);
    });
    if (!written)
        return written.error();
    if (lock.owns_lock())
        lock.unlock();
    Q_EMIT changed(ChangeSet::addedOne(kCertificateTopic, issued.id));
    Q_EMIT changed(ChangeSet::changedOne(kAuthorityTopic, issued.certificateAuthorityId));
    return issued;
}

Result<QList<IssuedCertificate>> CertificateAuthorityService::certificates(const CertificateQuery &query) const
{
    return selectMatching(m_database.connection(), query, m_clock.now());
}

Result<IssuedCertificate> CertificateAuthorityService::certificate(const QString &id,
                                                                   std::optional<CertificateKind> kind) const
{
    return selectCertificate(m_database.connection(), id, kind);
}

Result<IssuedCertificate> CertificateAuthorityService::updateCertificate(const QString &id, CertificateKind kind,
                                                                         const RecordUpdate &update, const Actor &actor)
{
    Status written = updateRecord(update, kCertificateTopic, id, [&](QSqlDatabase &db) -> Status {
        Result<IssuedCertificate> found = selectCertificate(db, id, kind);
        if (!found)
            return found.error();
        if (Status updated = updateCertificateTexts(db, id, update.description.value_or(found->description),
                                                    update.metadata.value_or(found->metadata));
            !updated)
            return updated;
        return m_audit.record(db, actor, u"certificate.update"_s, u"ssh_certificate"_s, id,
                              updateAudit(certificateAudit(found.value()), update));
    });
    if (!written)
        return written.error();
    return certificate(id, kind);
}

Result<int> CertificateAuthorityService::expiringCount(int days) const
{
    const QDateTime now = m_clock.now();
    return countExpiring(m_database.connection(), now, now.addDays(days));
}

} // namespace keystead
