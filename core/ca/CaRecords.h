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

// The numbered errors of the certificate family (ngrok's style, "ERR_KEYSTEAD_<n>").
// The service puts the number in Error::details["error_code"]; the HTTP family
// prints it and takes the status from it, the panel shows the message.
enum class CaError {
    Internal = 5100, // 500: a fault of Keystead, never the caller's
    StoreUnavailable = 5101, // 503: the database does not answer
    VaultUnavailable = 5102, // 503: no master key, or the key does not open the vault
    SigningFailed = 5103, // 500
    BodyInvalid = 5110, // 400: not JSON, or not a JSON object
    UnknownField = 5111, // 400: a body field the route does not take
    FieldType = 5112, // 400: a field of the wrong JSON type
    QueryInvalid = 5113, // 400: limit or before_id
    Unauthenticated = 5114, // 401
    Forbidden = 5115, // 403: the token lacks the scope
    RouteNotFound = 5116, // 404: no such path
    MethodNotAllowed = 5117, // 405
    BodyTooLarge = 5118, // 413
    TooManyRequests = 5119, // 429
    AuthorityNotFound = 5120, // 404
    CertificateNotFound = 5121, // 404
    AuthorityUnknown = 5122, // 400: ssh_certificate_authority_id names no (live) CA
    KeyTypeInvalid = 5123, // 400: private_key_type
    EllipticCurveInvalid = 5124, // 400
    KeySizeInvalid = 5125, // 400
    DescriptionTooLong = 5126, // 400: more than 255 bytes
    MetadataTooLong = 5127, // 400: more than 4096 bytes
    PublicKeyMissing = 5128, // 400
    PublicKeyInvalid = 5129, // 400: does not parse
    PublicKeyUnsupported = 5130, // 400: a certificate, a FIDO (-sk) key, DSA, RSA under 2048 bits
    PrincipalsRequired = 5131, // 400: a host certificate without principals
    PrincipalInvalid = 5132, // 400: empty, a comma, whitespace or a control character
    TooManyPrincipals = 5133, // 400: more than 256
    TimeInvalid = 5134, // 400: not RFC 3339
    ValidityInvalid = 5135, // 400: valid_until not after valid_after
    CriticalOptionUnknown = 5136, // 400: not force-command or source-address
    CriticalOptionInvalid = 5137, // 400: a bad source-address, an empty force-command, any on a host certificate
    ExtensionInvalid = 5138, // 400: neither an OpenSSH extension nor name@domain, or a value where none is taken
    AlreadyRevoked = 5139, // 409
    ReasonInvalid = 5140, // 400: more than 255 bytes or a control character
    FingerprintInvalid = 5141, // 400: not "SHA256:" + 43 base64 characters
    HostPatternInvalid = 5142, // 400: empty, whitespace or a control character
    IdMismatch = 5143, // 400: a PATCH body's id differs from the path's
};

// An error carrying the number, of `kind`, about `location` (a field name).
Error caError(CaError code, QString message, Error::Kind kind = Error::Kind::InvalidInput, QString location = {});
// The number an error carries; 0 when none.
int caErrorCode(const Error &error);

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
