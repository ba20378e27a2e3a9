#include "CaErrorShape.h"

#include "ca/CaRecords.h"
#include "common/Crypto.h"

#include <QJsonObject>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

std::optional<int> statusOfCode(int code)
{
    switch (static_cast<CaError>(code)) {
    case CaError::Internal:
    case CaError::SigningFailed: return 500;
    case CaError::StoreUnavailable:
    case CaError::VaultUnavailable: return 503;
    case CaError::Unauthenticated: return 401;
    case CaError::Forbidden: return 403;
    case CaError::RouteNotFound:
    case CaError::AuthorityNotFound:
    case CaError::CertificateNotFound: return 404;
    case CaError::MethodNotAllowed: return 405;
    case CaError::BodyTooLarge: return 413;
    case CaError::TooManyRequests: return 429;
    case CaError::AlreadyRevoked: return 409;
    case CaError::BodyInvalid:
    case CaError::UnknownField:
    case CaError::FieldType:
    case CaError::QueryInvalid:
    case CaError::AuthorityUnknown:
    case CaError::KeyTypeInvalid:
    case CaError::EllipticCurveInvalid:
    case CaError::KeySizeInvalid:
    case CaError::DescriptionTooLong:
    case CaError::MetadataTooLong:
    case CaError::PublicKeyMissing:
    case CaError::PublicKeyInvalid:
    case CaError::PublicKeyUnsupported:
    case CaError::PrincipalsRequired:
    case CaError::PrincipalInvalid:
    case CaError::TooManyPrincipals:
    case CaError::TimeInvalid:
    case CaError::ValidityInvalid:
    case CaError::CriticalOptionUnknown:
    case CaError::CriticalOptionInvalid:
    case CaError::ExtensionInvalid:
    case CaError::ReasonInvalid:
    case CaError::FingerprintInvalid:
    case CaError::HostPatternInvalid:
    case CaError::IdMismatch: return 400;
    }
    return std::nullopt;
}

QString operationId()
{
    const Result<QByteArray> random = crypto::randomBytes(12);
    return u"op_"_s + (random ? QString::fromLatin1(random->toHex()) : QString());
}

} // namespace

int CaErrorShape::statusFor(const Error &error)
{
    if (const std::optional<int> status = statusOfCode(caErrorCode(error)))
        return *status;
    return defaultStatus(error.kind);
}

int CaErrorShape::codeFor(int status, const Error &error)
{
    if (const int code = caErrorCode(error); statusOfCode(code))
        return code;
    CaError code = CaError::Internal;
    switch (status) {
    case 400: code = error.location == u"body"_s ? CaError::BodyInvalid : CaError::FieldType; break;
    case 401: code = CaError::Unauthenticated; break;
    case 403: code = CaError::Forbidden; break;
    case 404: code = CaError::RouteNotFound; break;
    case 405: code = CaError::MethodNotAllowed; break;
    case 413: code = CaError::BodyTooLarge; break;
    case 429: code = CaError::TooManyRequests; break;
    case 503: code = CaError::StoreUnavailable; break;
    default: code = CaError::Internal; break;
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
    const bool hidden = status >= 500 && status != 503 && caErrorCode(error) == 0;
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
