#include "CaErrorShape.h"

#include "common/Crypto.h"

#include <QJsonObject>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

using Code = CaErrorShape::Code;

const QString kCodeKey = u"ca_error_code"_s;

Code codeOfReason(CaReason reason)
{
    switch (reason) {
    case CaReason::Internal: return Code::Internal;
    case CaReason::VaultUnavailable: return Code::VaultUnavailable;
    case CaReason::SigningFailed: return Code::SigningFailed;
    case CaReason::AuthorityNotFound: return Code::AuthorityNotFound;
    case CaReason::CertificateNotFound: return Code::CertificateNotFound;
    case CaReason::AuthorityUnknown: return Code::AuthorityUnknown;
    case CaReason::KeyTypeInvalid: return Code::KeyTypeInvalid;
    case CaReason::EllipticCurveInvalid: return Code::EllipticCurveInvalid;
    case CaReason::KeySizeInvalid: return Code::KeySizeInvalid;
    case CaReason::DescriptionTooLong: return Code::DescriptionTooLong;
    case CaReason::MetadataTooLong: return Code::MetadataTooLong;
    case CaReason::PublicKeyMissing: return Code::PublicKeyMissing;
    case CaReason::PublicKeyInvalid: return Code::PublicKeyInvalid;
    case CaReason::PublicKeyUnsupported: return Code::PublicKeyUnsupported;
    case CaReason::PrincipalsRequired: return Code::PrincipalsRequired;
    case CaReason::PrincipalInvalid: return Code::PrincipalInvalid;
    case CaReason::TooManyPrincipals: return Code::TooManyPrincipals;
    case CaReason::TimeInvalid: return Code::TimeInvalid;
    case CaReason::ValidityInvalid: return Code::ValidityInvalid;
    case CaReason::CriticalOptionUnknown: return Code::CriticalOptionUnknown;
    case CaReason::CriticalOptionInvalid: return Code::CriticalOptionInvalid;
    case CaReason::ExtensionInvalid: return Code::ExtensionInvalid;
    case CaReason::AlreadyRevoked: return Code::AlreadyRevoked;
    case CaReason::ReasonInvalid: return Code::ReasonInvalid;
    case CaReason::FingerprintInvalid: return Code::FingerprintInvalid;
    case CaReason::HostPatternInvalid: return Code::HostPatternInvalid;
    }
    return Code::Internal;
}

std::optional<int> statusOfCode(int code)
{
    switch (static_cast<Code>(code)) {
    case Code::Internal:
    case Code::SigningFailed: return 500;
    case Code::StoreUnavailable:
    case Code::VaultUnavailable: return 503;
    case Code::Unauthenticated: return 401;
    case Code::Forbidden: return 403;
    case Code::RouteNotFound:
    case Code::AuthorityNotFound:
    case Code::CertificateNotFound: return 404;
    case Code::MethodNotAllowed: return 405;
    case Code::BodyTooLarge: return 413;
    case Code::TooManyRequests: return 429;
    case Code::AlreadyRevoked: return 409;
    case Code::BodyInvalid:
    case Code::UnknownField:
    case Code::FieldType:
    case Code::QueryInvalid:
    case Code::AuthorityUnknown:
    case Code::KeyTypeInvalid:
    case Code::EllipticCurveInvalid:
    case Code::KeySizeInvalid:
    case Code::DescriptionTooLong:
    case Code::MetadataTooLong:
    case Code::PublicKeyMissing:
    case Code::PublicKeyInvalid:
    case Code::PublicKeyUnsupported:
    case Code::PrincipalsRequired:
    case Code::PrincipalInvalid:
    case Code::TooManyPrincipals:
    case Code::TimeInvalid:
    case Code::ValidityInvalid:
    case Code::CriticalOptionUnknown:
    case Code::CriticalOptionInvalid:
    case Code::ExtensionInvalid:
    case Code::ReasonInvalid:
    case Code::FingerprintInvalid:
    case Code::HostPatternInvalid:
    case Code::IdMismatch: return 400;
    }
    return std::nullopt;
}

QString operationId()
{
    const Result<QByteArray> random = crypto::randomBytes(12);
    return u"op_"_s + (random ? QString::fromLatin1(random->toHex()) : QString());
}

} // namespace

Error CaErrorShape::error(Code code, QString message, Error::Kind kind, QString location)
{
    Error error{kind, std::move(message), std::move(location), {}};
    error.details.insert(kCodeKey, static_cast<int>(code));
    return error;
}

int CaErrorShape::codeOf(const Error &error)
{
    if (const std::optional<CaReason> reason = caReason(error))
        return static_cast<int>(codeOfReason(*reason));
    return error.details.value(kCodeKey).toInt();
}

int CaErrorShape::statusFor(const Error &error)
{
    if (const std::optional<int> status = statusOfCode(codeOf(error)))
        return *status;
    return defaultStatus(error.kind);
}

int CaErrorShape::codeFor(int status, const Error &error)
{
    if (const int code = codeOf(error); statusOfCode(code))
        return code;
    Code code = Code::Internal;
    switch (status) {
    case 400: code = error.location == u"body"_s ? Code::BodyInvalid : Code::FieldType; break;
    case 401: code = Code::Unauthenticated; break;
    case 403: code = Code::Forbidden; break;
    case 404: code = Code::RouteNotFound; break;
    case 405: code = Code::MethodNotAllowed; break;
    case 413: code = Code::BodyTooLarge; break;
    case 429: code = Code::TooManyRequests; break;
    case 503: code = Code::StoreUnavailable; break;
    default: code = Code::Internal; break;
    }
    return static_cast<int>(code);
}

HttpResponse CaErrorShape::render(int status, const Error &error, const HttpRequest &) const
{
    const QString operation = operationId();
    QJsonObject details{{u"operation_id"_s, operation}};
    if (!error.location.isEmpty())
        details.insert(u"field"_s, error.location);
    // Only what the family documents: other details are internal to the core.
    for (const QString &key : {u"required_scope"_s, u"vault_state"_s}) {
        if (error.details.contains(key))
            details.insert(key, error.details.value(key).toString());
    }
    // A fault of Keystead is named, not described: its words may hold internals.
    const bool hidden = status >= 500 && status != 503 && codeOf(error) == 0;
    if (hidden)
        qWarning("certificate API operation %s failed: %s", qPrintable(operation), qPrintable(error.message));
    const QString message
        = hidden ? u"an internal error occurred; the operation id identifies it in the log"_s : error.message;
    const QJsonObject body{
        {u"error_code"_s, u"ERR_KEYSTEAD_%1"_s.arg(codeFor(status, error))},
        {u"status_code"_s, status},
        {u"msg"_s, message},
        {u"details"_s, details},
    };
    return HttpResponse::json(status, QJsonDocument(body));
}

} // namespace keystead
