#include "ca/CaRecords.h"

#include <array>
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

const QString kReasonKey = u"reason"_s;

constexpr std::array kReasons{
    std::pair{CaReason::Internal, "ca.internal"},
    std::pair{CaReason::VaultUnavailable, "ca.vault_unavailable"},
    std::pair{CaReason::SigningFailed, "ca.signing_failed"},
    std::pair{CaReason::AuthorityNotFound, "ca.authority_not_found"},
    std::pair{CaReason::CertificateNotFound, "ca.certificate_not_found"},
    std::pair{CaReason::AuthorityUnknown, "ca.authority_unknown"},
    std::pair{CaReason::KeyTypeInvalid, "ca.key_type_invalid"},
    std::pair{CaReason::EllipticCurveInvalid, "ca.elliptic_curve_invalid"},
    std::pair{CaReason::KeySizeInvalid, "ca.key_size_invalid"},
    std::pair{CaReason::DescriptionTooLong, "ca.description_too_long"},
    std::pair{CaReason::MetadataTooLong, "ca.metadata_too_long"},
    std::pair{CaReason::PublicKeyMissing, "ca.public_key_missing"},
    std::pair{CaReason::PublicKeyInvalid, "ca.public_key_invalid"},
    std::pair{CaReason::PublicKeyUnsupported, "ca.public_key_unsupported"},
    std::pair{CaReason::PrincipalsRequired, "ca.principals_required"},
    std::pair{CaReason::PrincipalInvalid, "ca.principal_invalid"},
    std::pair{CaReason::TooManyPrincipals, "ca.too_many_principals"},
    std::pair{CaReason::TimeInvalid, "ca.time_invalid"},
    std::pair{CaReason::ValidityInvalid, "ca.validity_invalid"},
    std::pair{CaReason::CriticalOptionUnknown, "ca.critical_option_unknown"},
    std::pair{CaReason::CriticalOptionInvalid, "ca.critical_option_invalid"},
    std::pair{CaReason::ExtensionInvalid, "ca.extension_invalid"},
    std::pair{CaReason::AlreadyRevoked, "ca.already_revoked"},
    std::pair{CaReason::ReasonInvalid, "ca.reason_invalid"},
    std::pair{CaReason::FingerprintInvalid, "ca.fingerprint_invalid"},
    std::pair{CaReason::HostPatternInvalid, "ca.host_pattern_invalid"},
};

} // namespace

QString caReasonName(CaReason reason)
{
    for (const auto &[known, name] : kReasons) {
        if (known == reason)
            return QString::fromLatin1(name);
    }
    return {};
}

Error caError(CaReason reason, QString message, Error::Kind kind, QString location)
{
    Error error{kind, std::move(message), std::move(location), {}};
    error.details.insert(kReasonKey, caReasonName(reason));
    return error;
}

std::optional<CaReason> caReason(const Error &error)
{
    const QString name = error.details.value(kReasonKey).toString();
    if (name.isEmpty())
        return std::nullopt;
    for (const auto &[known, knownName] : kReasons) {
        if (name == QLatin1StringView(knownName))
            return known;
    }
    return std::nullopt;
}

} // namespace keystead
