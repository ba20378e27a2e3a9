#include "ca/CaRecords.h"

using namespace Qt::StringLiterals;

namespace keystead {

QString certificateStateName(CertificateState state)
{
    switch (state) {
    case CertificateState::Valid: return u"valid"_s;
    case CertificateState::NotYetValid: return u"not_yet_valid"_s;
    case CertificateState::Expired: return u"expired"_s;
    case CertificateState::Revoked: return u"revoked"_s;
    }
    return u"valid"_s;
}

QString certificateKindName(CertificateKind kind)
{
    return kind == CertificateKind::Host ? u"host"_s : u"user"_s;
}

CertificateState IssuedCertificate::state(const QDateTime &now) const
{
    if (revokedAt)
        return CertificateState::Revoked;
    // OpenSSH accepts a certificate from valid_after up to, not including, valid_before.
    if (now < validAfter)
        return CertificateState::NotYetValid;
    if (now >= validUntil)
        return CertificateState::Expired;
    return CertificateState::Valid;
}

Error caError(CaError code, QString message, Error::Kind kind, QString location)
{
    Error error{kind, std::move(message), std::move(location), {}};
    error.details.insert(u"error_code"_s, static_cast<int>(code));
    return error;
}

int caErrorCode(const Error &error)
{
    return error.details.value(u"error_code"_s).toInt();
}

} // namespace keystead
