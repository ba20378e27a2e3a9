#pragma once

#include "ssh/SshCertificate.h"
#include "ssh/SshPublicKey.h"

#include <QDateTime>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace keystead {

// One certificate authority (seed 002's ssh_certificate_authority). Its
// private key is in the vault (owner kind "ssh_ca", owner id = id, field
// "private_key"), never in a column.
struct CertificateAuthority
{
    QString id; // "sshca_" + 26 random base32 characters
    QDateTime createdAt;
    QString description; // at most 255 bytes
    QString metadata; // at most 4096 bytes
    QString keyType; // "ed25519", "ecdsa", "rsa": the seed's private_key_type
    QString ellipticCurve; // "p256", "p384", "p521" for ecdsa, else empty
    int keySize = 0; // RSA modulus bits, else 0
    SshPublicKey publicKey;
    QString publicKeyLine; // "ssh-ed25519 AAAA... keystead-ca-<id>"
    QString fingerprint; // SHA256:...
    int certificatesIssued = 0;
    int certificatesRevoked = 0;
};

struct CaCreateInput
{
    QString privateKeyType = QStringLiteral("ed25519"); // ed25519, ecdsa, rsa
    QString ellipticCurve; // ecdsa: p256 (default), p384, p521
    int keySize = 0; // rsa: 2048, 3072, 4096 (default 4096)
    QString description;
    QString metadata;
};

// PATCH: absent fields stay.
struct RecordUpdate
{
    std::optional<QString> description;
    std::optional<QString> metadata;
};

enum class CertificateState { Valid, NotYetValid, Expired, Revoked };
QString certificateStateName(CertificateState state); // "valid", "not_yet_valid", "expired", "revoked"

// One issued certificate (seed 002's ssh_user_certificate / ssh_host_certificate).
struct IssuedCertificate
{
    QString id; // "sshuc_..." (user) or "sshhc_..." (host)
    CertificateKind kind = CertificateKind::User;
    QDateTime createdAt;
    QString description;
    QString metadata;
    QString publicKey; // the subject, one OpenSSH line as given (comment dropped)
    QString keyType; // "ed25519", "ecdsa", "rsa"
    QString subjectFingerprint; // SHA256:...
    QString certificateAuthorityId;
    quint64 serial = 0; // unique and increasing per CA, from 1
    QString keyId; // names the CA, the principals and the serial
    QStringList principals;
    QMap<QString, QString> criticalOptions;
    QMap<QString, QString> extensions;
    QDateTime validAfter;
    QDateTime validUntil;
    QString certificate; // one line, ready for a -cert.pub file
    std::optional<QDateTime> revokedAt;
    QString revocationReason;

    CertificateState state(const QDateTime &now) const;
};

struct CertificateInput
{
    CertificateKind kind = CertificateKind::User;
    QString certificateAuthorityId;
    QString publicKey; // OpenSSH line (or RFC 4716)
    QStringList principals; // required (non-empty) for host certificates
    std::optional<QMap<QString, QString>> criticalOptions; // force-command, source-address only
    // Absent: user certificates get permit-pty and permit-user-rc, host certificates none.
    std::optional<QMap<QString, QString>> extensions;
    std::optional<QDateTime> validAfter; // absent: now
    std::optional<QDateTime> validUntil; // absent: validAfter + 24 h
    QString description;
    QString metadata;
};

// Why the certificate authority refused a request, in domain terms. The service
// puts the reason's name in Error::details["reason"]; the HTTP family (core/api's
// CaErrorShape) gives each reason its number and status, the panel shows the message.
// Named in this order by kReasons in CaRecords.cpp: add a value there too.
enum class CaReason {
    Internal, // a fault of Keystead, never the caller's
    VaultUnavailable, // no master key, or the key does not open the vault
    SigningFailed,
    AuthorityNotFound,
    CertificateNotFound,
    AuthorityUnknown, // ssh_certificate_authority_id names no (live) CA
    KeyTypeInvalid, // private_key_type
    EllipticCurveInvalid,
    KeySizeInvalid,
    DescriptionTooLong, // more than 255 bytes
    MetadataTooLong, // more than 4096 bytes
    PublicKeyMissing,
    PublicKeyInvalid, // does not parse
    PublicKeyUnsupported, // a certificate, a FIDO (-sk) key, DSA, RSA under 2048 bits
    PrincipalsRequired, // a host certificate without principals
    PrincipalInvalid, // empty, a comma, whitespace or a control character
    TooManyPrincipals, // more than 256
    TimeInvalid, // not RFC 3339, or out of range
    ValidityInvalid, // valid_until not after valid_after
    CriticalOptionUnknown, // not force-command or source-address
    CriticalOptionInvalid, // a bad source-address, an empty force-command, any on a host certificate
    ExtensionInvalid, // neither an OpenSSH extension nor name@domain, or a value where none is taken
    AlreadyRevoked,
    ReasonInvalid, // more than 255 bytes or a control character
    FingerprintInvalid, // not "SHA256:" + 43 base64 characters
    HostPatternInvalid, // empty, whitespace or a control character
};

// The stable name of a reason: "ca.authority_not_found", ...
QString caReasonName(CaReason reason);

// An error carrying the reason, of `kind`, about `location` (a field name).
Error caError(CaReason reason, QString message, Error::Kind kind = Error::Kind::InvalidInput, QString location = {});
// The reason an error carries; none for errors the CA did not name.
std::optional<CaReason> caReason(const Error &error);

// "user" / "host": the store's and the panel's name of a kind.
QString certificateKindName(CertificateKind kind);

struct CertificateQuery
{
    std::optional<CertificateKind> kind;
    QString certificateAuthorityId;
    QString subjectFingerprint;
    QString principal;
    std::optional<CertificateState> state;
    // Text in principals, key id, description or fingerprint.
    QString search;
    // Paging as the seed family: newest first, ids before `beforeId`, at most `limit`.
    QString beforeId;
    int limit = 100;
};

} // namespace keystead
