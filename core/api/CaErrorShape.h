#pragma once

#include "api/ErrorShape.h"
#include "ca/CaRecords.h"

namespace keystead {

// Errors of seed 002's family (/ssh_certificate_authorities, /ssh_user_certificates,
// /ssh_host_certificates, /ssh_certificate_revocations), as ngrok writes them:
//   {"error_code": "ERR_KEYSTEAD_5131", "status_code": 400, "msg": "...",
//    "details": {"operation_id": "op_...", "field": "principals"}}
// Every error has a number: the service's CaReason (ca/CaRecords.h) has one here,
// the routes' own request errors carry theirs (error() below), the frame's own
// errors (401, 404, 405, 413, 429, a malformed body) get theirs from the status.
class CaErrorShape final : public ErrorShape
{
public:
    // The family's numbers ("ERR_KEYSTEAD_<n>").
    enum class Code {
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

    // A request error of the routes themselves (body, fields, query), carrying its number.
    static Error error(Code code, QString message, Error::Kind kind = Error::Kind::InvalidInput, QString location = {});
    // The number an error carries (its own, or its CaReason's); 0 when none.
    static int codeOf(const Error &error);

    HttpResponse render(int status, const Error &error, const HttpRequest &request) const override;

    // The status an error of this family answers with: its number's, else the kind's.
    static int statusFor(const Error &error);
    // The number the family prints for an error answered with `status`.
    static int codeFor(int status, const Error &error);
};

} // namespace keystead
