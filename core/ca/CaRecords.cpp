#include "ca/CaRecords.h"

#include "common/ReasonNames.h"

#include <utility>

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

namespace {

constexpr ReasonNames<CaReason, static_cast<std::size_t>(CaReason::HostPatternInvalid) + 1> kReasons{
    "ca.",
    "internal vault_unavailable signing_failed authority_not_found certificate_not_found authority_unknown "
    "key_type_invalid elliptic_curve_invalid key_size_invalid description_too_long metadata_too_long "
    "public_key_missing public_key_invalid public_key_unsupported principals_required principal_invalid "
    "too_many_principals time_invalid validity_invalid critical_option_unknown critical_option_invalid "
    "extension_invalid already_revoked reason_invalid fingerprint_invalid host_pattern_invalid"};
static_assert(kReasons.complete(), "every CaReason needs its name, in the enum's order");

} // namespace

QString caReasonName(CaReason reason)
{
    return kReasons.name(reason);
}

Error caError(CaReason reason, QString message, Error::Kind kind, QString location)
{
    return kReasons.error(reason, std::move(message), kind, std::move(location));
}

std::optional<CaReason> caReason(const Error &error)
{
    return kReasons.of(error);
}

} // namespace keystead
