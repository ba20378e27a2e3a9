#pragma once

#include "audit/AuditLog.h"
#include "ca/CaRecords.h"
#include "common/ChangeSet.h"
#include "common/Result.h"
#include "store/SettingKeys.h"

#include <QMutex>
#include <QObject>

#include <functional>
#include <map>

namespace keystead {

class Clock;
class Database;
class Vault;

// Certificate authorities, the certificates they issue, and revocation.
// CA private keys are sealed in the Vault. Every write is one transaction (the
// vault row included) and is written to the audit log; a refused request
// changes nothing. Safe to call from any thread.
//
// Errors: InvalidInput with `location` naming the field ("principals",
// "valid_until", "critical_options.no-such", "public_key", "description", ...),
// NotFound for an unknown CA or certificate, Unavailable when the vault is.
class CertificateAuthorityService final : public QObject
{
    Q_OBJECT

public:
    CertificateAuthorityService(Database &database, const Clock &clock, Vault &vault, AuditLog &audit,
                                QObject *parent = nullptr);
    ~CertificateAuthorityService() override;

    Result<CertificateAuthority> createAuthority(const CaCreateInput &input, const Actor &actor);
    // createAuthority in two halves, so a dialog can make the key off the GUI thread:
    // makeAuthorityKey checks the input and makes the key (an RSA 4096 key takes about a
    // second; touches neither the store nor the vault, so any thread may call it), then
    // createAuthority records the CA with that key.
    static Result<SshCertificateSigner> makeAuthorityKey(const CaCreateInput &input);
    Result<CertificateAuthority> createAuthority(const CaCreateInput &input, const SshCertificateSigner &key,
                                                 const Actor &actor);
    // Newest first.
    Result<QList<CertificateAuthority>> authorities() const;
    Result<CertificateAuthority> authority(const QString &id) const;
    Result<CertificateAuthority> updateAuthority(const QString &id, const RecordUpdate &update, const Actor &actor);
    // The CA's private key leaves the vault and the CA no longer signs or lists;
    // its certificates stay in the history (and its KRL stays served).
    Status deleteAuthority(const QString &id, const Actor &actor);

    // Signs and records a certificate: the serial is the CA's next, the key id
    // "keystead:<ca id>:<principals joined by ,>:<serial>".
    Result<IssuedCertificate> issue(const CertificateInput &input, const Actor &actor);
    Result<QList<IssuedCertificate>> certificates(const CertificateQuery &query) const;
    // `kind` given: a certificate of the other kind is NotFound (the seed has one path per kind).
    Result<IssuedCertificate> certificate(const QString &id, std::optional<CertificateKind> kind = {}) const;
    Result<IssuedCertificate> updateCertificate(const QString &id, CertificateKind kind, const RecordUpdate &update,
                                                const Actor &actor);
    // Removes the API resource; a certificate that has not expired is revoked
    // first (reason "deleted"), so deleting never leaves a usable certificate unlisted in the KRL.
    Status deleteCertificate(const QString &id, CertificateKind kind, const Actor &actor);

    // Revocation cannot be undone. Revoking a revoked certificate is a Conflict.
    Result<IssuedCertificate> revoke(const QString &certificateId, const QString &reason, const Actor &actor);
    // Every certificate (of every CA) whose subject has this SHA256 fingerprint,
    // and the key itself in every CA's KRL. Returns the certificates revoked now.
    Result<QList<IssuedCertificate>> revokeSubject(const QString &sha256Fingerprint, const QString &reason,
                                                   const Actor &actor);

    // The CA's binary KRL (PROTOCOL.krl) of all it revoked, for sshd's RevokedKeys.
    Result<QByteArray> revocationList(const QString &caId) const;
    // "cert-authority <key line>"-free form for TrustedUserCAKeys: "<type> <base64> keystead-ca-<id>".
    Result<QString> trustedUserCaKeysLine(const QString &caId) const;
    // "@cert-authority <pattern> <type> <base64> keystead-ca-<id>" (pattern default "*").
    Result<QString> knownHostsCertAuthorityLine(const QString &caId,
                                                const QString &hostPattern = QStringLiteral("*")) const;
    // "@revoked * <subject key>" for each revoked host certificate's key of this CA (every CA when empty).
    Result<QString> knownHostsRevokedLines(const QString &caId = {}) const;

    // The clock states are judged by (the API shows each certificate's state).
    const Clock &clock() const { return m_clock; }

    // Certificates that are valid now and expire within `days`.
    Result<int> expiringCount(int days) const;

    // Settings name of the panel's "expires soon" threshold in days (default 7).
    static constexpr QLatin1StringView kExpiryWarningDaysSetting = setting::kCertificateExpiryWarningDays.name;
    static constexpr int kDefaultExpiryWarningDays = setting::kCertificateExpiryWarningDays.fallback;

    // The topics of this service's change events; ids are the CAs' and the certificates' ids.
    static constexpr QLatin1StringView kAuthorityTopic{"ca.authority"};
    static constexpr QLatin1StringView kCertificateTopic{"ca.certificate"};

Q_SIGNALS:
    // After every committed write, one event per topic: CAs added (create), changed
    // (update, and their counts when they issue or revoke) or removed (delete);
    // certificates added (issue), changed (update, revoke, their CA deleted) or
    // removed (delete).
    void changed(const keystead::ChangeSet &changes);

private:
    // Records a CA with a key made for `input` (already checked), its key sealed in the vault.
    Result<CertificateAuthority> storeAuthority(const CaCreateInput &input, const SshCertificateSigner &signer,
                                                const Actor &actor);
    // The CA's signer: from memory, else opened from the vault (not inside a transaction).
    Result<SshCertificateSigner> signerFor(const QString &caId);
    // Checks `update`, runs `write` in one write transaction and announces `id` changed under `topic`.
    Status updateRecord(const RecordUpdate &update, QLatin1StringView topic, const QString &id,
                        const std::function<Status(QSqlDatabase &)> &write);

    Database &m_database;
    const Clock &m_clock;
    Vault &m_vault;
    AuditLog &m_audit;
    QMutex m_writeMutex; // serialises serial allocation in this process
    // Signers opened from the vault, by CA id: a PEM is parsed once, not per certificate.
    QMutex m_signerMutex;
    std::map<QString, SshCertificateSigner> m_signers;
};

} // namespace keystead
