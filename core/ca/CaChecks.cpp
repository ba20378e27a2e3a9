#include "ca/CaChecks.h"

#include "common/Crypto.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::cadetail {

namespace {

constexpr qsizetype kMaxDescriptionBytes = 255;
constexpr qsizetype kMaxMetadataBytes = 4096;
constexpr qsizetype kMaxReasonBytes = 255;
constexpr qsizetype kMaxPrincipals = 256;
constexpr qsizetype kMaxPrincipalBytes = 255;
constexpr qsizetype kMaxOptionValueBytes = 4096;
constexpr qsizetype kMaxExtensions = 64;
constexpr qint64 kDefaultValiditySeconds = 24 * 60 * 60;
// OpenSSH still takes 1024-bit RSA; a CA should not vouch for a key that weak.
constexpr int kMinRsaBits = 2048;

const QString kForceCommand = u"force-command"_s;
const QString kSourceAddress = u"source-address"_s;

bool hasControlCharacters(const QString &value)
{
    return std::any_of(value.cbegin(), value.cend(), [](QChar c) { return c.category() == QChar::Other_Control; });
}

Result<SshPublicKey> checkSubject(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return caError(CaReason::PublicKeyMissing, u"public_key is required"_s, Error::Kind::InvalidInput,
                       u"public_key"_s);
    if (trimmed.contains(u"-cert-v01@openssh.com"_s))
        return caError(CaReason::PublicKeyUnsupported,
                       u"public_key is a certificate; give the plain public key to certify"_s,
                       Error::Kind::InvalidInput, u"public_key"_s);
    Result<SshPublicKey> key = SshPublicKey::parse(trimmed);
    if (!key) {
        Error error
            = caError(CaReason::PublicKeyInvalid, u"public_key is not an SSH public key: "_s + key.error().message,
                      Error::Kind::InvalidInput, u"public_key"_s);
        return error;
    }
    const QString type = keyTypeOf(key.value());
    // The seed's key_type is one of rsa, ecdsa, ed25519: FIDO (-sk) keys and DSA are refused.
    if (type != u"ed25519"_s && type != u"ecdsa"_s && type != u"rsa"_s)
        return caError(
            CaReason::PublicKeyUnsupported,
            u"public_key of type %1 is not signed here; use an ed25519, ecdsa or rsa key"_s.arg(key->algorithm()),
            Error::Kind::InvalidInput, u"public_key"_s);
    if (type == u"rsa"_s && key->bits() < kMinRsaBits)
        return caError(CaReason::PublicKeyUnsupported,
                       u"public_key is an RSA key of %1 bits; RSA keys under %2 bits are not signed"_s.arg(key->bits())
                           .arg(kMinRsaBits),
                       Error::Kind::InvalidInput, u"public_key"_s);
    return key;
}

std::optional<Error> checkPrincipals(CertificateKind kind, const QStringList &principals)
{
    if (kind == CertificateKind::Host && principals.isEmpty())
        return caError(CaReason::PrincipalsRequired,
                       u"principals must name at least one host name for a host certificate"_s,
                       Error::Kind::InvalidInput, u"principals"_s);
    if (principals.size() > kMaxPrincipals)
        return caError(CaReason::TooManyPrincipals, u"at most %1 principals are allowed"_s.arg(kMaxPrincipals),
                       Error::Kind::InvalidInput, u"principals"_s);
    for (qsizetype i = 0; i < principals.size(); ++i) {
        const QString &principal = principals.at(i);
        // A comma would split the principal in sshd's AuthorizedPrincipals and in the key id.
        const bool bad = principal.isEmpty() || principal.toUtf8().size() > kMaxPrincipalBytes
            || std::any_of(principal.cbegin(), principal.cend(),
                           [](QChar c) { return c == u',' || c.isSpace() || c.category() == QChar::Other_Control; });
        if (bad)
            return caError(
                CaReason::PrincipalInvalid,
                u"principals[%1] must be 1 to %2 bytes without commas, whitespace or control characters"_s.arg(i).arg(
                    kMaxPrincipalBytes),
                Error::Kind::InvalidInput, u"principals[%1]"_s.arg(i));
    }
    return std::nullopt;
}

std::optional<Error> checkCriticalOptions(CertificateKind kind, const QMap<QString, QString> &options)
{
    for (auto it = options.constBegin(); it != options.constEnd(); ++it) {
        const QString location = u"critical_options."_s + it.key();
        if (it.key() != kForceCommand && it.key() != kSourceAddress)
            return caError(
                CaReason::CriticalOptionUnknown,
                u"critical option %1 is not known; only force-command and source-address are"_s.arg(it.key()),
                Error::Kind::InvalidInput, location);
        // OpenSSH's client refuses a host certificate that carries any critical option.
        if (kind == CertificateKind::Host)
            return caError(CaReason::CriticalOptionInvalid, u"host certificates take no critical options"_s,
                           Error::Kind::InvalidInput, location);
        if (it.value().toUtf8().size() > kMaxOptionValueBytes)
            return caError(CaReason::CriticalOptionInvalid,
                           u"%1 is longer than %2 bytes"_s.arg(it.key()).arg(kMaxOptionValueBytes),
                           Error::Kind::InvalidInput, location);
        if (it.key() == kForceCommand && it.value().trimmed().isEmpty())
            return caError(CaReason::CriticalOptionInvalid, u"force-command needs a command"_s,
                           Error::Kind::InvalidInput, location);
        if (it.key() == kSourceAddress) {
            if (Status valid = validateSourceAddress(it.value()); !valid)
                return caError(CaReason::CriticalOptionInvalid,
                               u"source-address is not a comma-separated list of addresses or CIDR blocks: "_s
                                   + valid.error().message,
                               Error::Kind::InvalidInput, location);
        }
    }
    return std::nullopt;
}

std::optional<Error> checkExtensions(const QMap<QString, QString> &extensions)
{
    static const QRegularExpression vendor(u"^[A-Za-z0-9._+-]{1,128}@[A-Za-z0-9.-]{1,128}$"_s);
    if (extensions.size() > kMaxExtensions)
        return caError(CaReason::ExtensionInvalid, u"at most %1 extensions are allowed"_s.arg(kMaxExtensions),
                       Error::Kind::InvalidInput, u"extensions"_s);
    const QStringList known = knownExtensions();
    for (auto it = extensions.constBegin(); it != extensions.constEnd(); ++it) {
        const QString location = u"extensions."_s + it.key();
        if (known.contains(it.key())) {
            // OpenSSH's own extensions are flags: a value would be ignored at best.
            if (!it.value().isEmpty())
                return caError(CaReason::ExtensionInvalid, u"extension %1 takes no value"_s.arg(it.key()),
                               Error::Kind::InvalidInput, location);
            continue;
        }
        if (!vendor.match(it.key()).hasMatch())
            return caError(CaReason::ExtensionInvalid,
                           u"extension %1 is neither one of OpenSSH's (%2) nor a vendor extension name@domain"_s.arg(
                               it.key(), known.join(u", "_s)),
                           Error::Kind::InvalidInput, location);
        if (it.value().toUtf8().size() > kMaxOptionValueBytes)
            return caError(CaReason::ExtensionInvalid,
                           u"extension %1 has a value longer than %2 bytes"_s.arg(it.key()).arg(kMaxOptionValueBytes),
                           Error::Kind::InvalidInput, location);
    }
    return std::nullopt;
}

QDateTime wholeSeconds(const QDateTime &time)
{
    return QDateTime::fromSecsSinceEpoch(time.toSecsSinceEpoch(), Qt::UTC);
}

} // namespace

std::optional<Error> checkDescription(const QString &description)
{
    if (description.toUtf8().size() > kMaxDescriptionBytes)
        return caError(CaReason::DescriptionTooLong,
                       u"description is %1 bytes long; at most %2 bytes are allowed"_s.arg(description.toUtf8().size())
                           .arg(kMaxDescriptionBytes),
                       Error::Kind::InvalidInput, u"description"_s);
    return std::nullopt;
}

std::optional<Error> checkMetadata(const QString &metadata)
{
    if (metadata.toUtf8().size() > kMaxMetadataBytes)
        return caError(CaReason::MetadataTooLong,
                       u"metadata is %1 bytes long; at most %2 bytes are allowed"_s.arg(metadata.toUtf8().size())
                           .arg(kMaxMetadataBytes),
                       Error::Kind::InvalidInput, u"metadata"_s);
    return std::nullopt;
}

Result<QString> newId(const QString &prefix)
{
    // 32 letters: every random byte maps to one without favouring any (256 is a multiple of 32).
    static constexpr int kIdLength = 26;
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    Result<QByteArray> random = crypto::randomBytes(kIdLength);
    if (!random)
        return random.error();
    QString id = prefix;
    for (const char byte : random.value())
        id.append(QLatin1Char(kAlphabet[static_cast<unsigned char>(byte) % 32]));
    return id;
}

QString jsonText(const QJsonValue &value)
{
    return QString::fromUtf8(value.isArray() ? QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact)
                                             : QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
}

QString mapToJson(const QMap<QString, QString> &map)
{
    QJsonObject object;
    for (auto it = map.constBegin(); it != map.constEnd(); ++it)
        object.insert(it.key(), it.value());
    return jsonText(object);
}

QMap<QString, QString> mapFromJson(const QVariant &value)
{
    QMap<QString, QString> map;
    const QJsonObject object = QJsonDocument::fromJson(value.toString().toUtf8()).object();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it)
        map.insert(it.key(), it.value().toString());
    return map;
}

QStringList listFromJson(const QVariant &value)
{
    QStringList list;
    const QJsonArray array = QJsonDocument::fromJson(value.toString().toUtf8()).array();
    for (const QJsonValue &item : array)
        list.append(item.toString());
    return list;
}

// The seed's key_type of a subject or CA key.
QString keyTypeOf(const SshPublicKey &key)
{
    const QString algorithm = key.algorithm();
    if (algorithm == u"ssh-ed25519"_s)
        return u"ed25519"_s;
    if (algorithm.startsWith(u"ecdsa-sha2-"_s))
        return u"ecdsa"_s;
    if (algorithm == u"ssh-rsa"_s)
        return u"rsa"_s;
    return algorithm;
}

QString actorText(const Actor &actor)
{
    const QString who = actor.name.isEmpty() ? actor.id : actor.name;
    return who.isEmpty() ? actor.kind : actor.kind + u':' + who;
}

std::optional<Error> checkUpdate(const RecordUpdate &update)
{
    if (update.description) {
        if (std::optional<Error> error = checkDescription(*update.description))
            return error;
    }
    if (update.metadata) {
        if (std::optional<Error> error = checkMetadata(*update.metadata))
            return error;
    }
    return std::nullopt;
}

std::optional<Error> checkReason(const QString &reason)
{
    if (reason.toUtf8().size() > kMaxReasonBytes || hasControlCharacters(reason))
        return caError(CaReason::ReasonInvalid, u"reason must be at most %1 bytes on one line"_s.arg(kMaxReasonBytes),
                       Error::Kind::InvalidInput, u"reason"_s);
    return std::nullopt;
}

Result<CaKeyType> caKeyType(const CaCreateInput &input)
{
    const QString type = input.privateKeyType.isEmpty() ? u"ed25519"_s : input.privateKeyType;
    if (type != u"ecdsa"_s && !input.ellipticCurve.isEmpty())
        return caError(CaReason::EllipticCurveInvalid, u"elliptic_curve applies only to private_key_type ecdsa"_s,
                       Error::Kind::InvalidInput, u"elliptic_curve"_s);
    if (type != u"rsa"_s && input.keySize != 0)
        return caError(CaReason::KeySizeInvalid, u"key_size applies only to private_key_type rsa"_s,
                       Error::Kind::InvalidInput, u"key_size"_s);
    if (type == u"ed25519"_s)
        return CaKeyType::Ed25519;
    if (type == u"ecdsa"_s) {
        const QString curve = input.ellipticCurve.isEmpty() ? u"p256"_s : input.ellipticCurve;
        if (curve == u"p256"_s)
            return CaKeyType::EcdsaP256;
        if (curve == u"p384"_s)
            return CaKeyType::EcdsaP384;
        if (curve == u"p521"_s)
            return CaKeyType::EcdsaP521;
        return caError(CaReason::EllipticCurveInvalid, u"elliptic_curve must be one of p256, p384, p521"_s,
                       Error::Kind::InvalidInput, u"elliptic_curve"_s);
    }
    if (type == u"rsa"_s) {
        switch (input.keySize == 0 ? 4096 : input.keySize) {
        case 2048: return CaKeyType::Rsa2048;
        case 3072: return CaKeyType::Rsa3072;
        case 4096: return CaKeyType::Rsa4096;
        default: break;
        }
        return caError(CaReason::KeySizeInvalid, u"key_size must be one of 2048, 3072, 4096"_s,
                       Error::Kind::InvalidInput, u"key_size"_s);
    }
    return caError(CaReason::KeyTypeInvalid, u"private_key_type must be one of ed25519, ecdsa, rsa"_s,
                   Error::Kind::InvalidInput, u"private_key_type"_s);
}

QString curveName(CaKeyType type)
{
    switch (type) {
    case CaKeyType::EcdsaP256: return u"p256"_s;
    case CaKeyType::EcdsaP384: return u"p384"_s;
    case CaKeyType::EcdsaP521: return u"p521"_s;
    default: break;
    }
    return {};
}

int rsaBits(CaKeyType type)
{
    switch (type) {
    case CaKeyType::Rsa2048: return 2048;
    case CaKeyType::Rsa3072: return 3072;
    case CaKeyType::Rsa4096: return 4096;
    default: break;
    }
    return 0;
}

Result<CheckedCertificate> checkCertificate(const CertificateInput &input, const QDateTime &now)
{
    if (std::optional<Error> error = checkDescription(input.description))
        return *error;
    if (std::optional<Error> error = checkMetadata(input.metadata))
        return *error;
    Result<SshPublicKey> subject = checkSubject(input.publicKey);
    if (!subject)
        return subject.error();
    CheckedCertificate checked;
    checked.subject = subject.value();
    checked.principals = input.principals;
    if (std::optional<Error> error = checkPrincipals(input.kind, checked.principals))
        return *error;
    checked.criticalOptions = input.criticalOptions.value_or(QMap<QString, QString>());
    if (std::optional<Error> error = checkCriticalOptions(input.kind, checked.criticalOptions))
        return *error;
    if (input.extensions)
        checked.extensions = *input.extensions;
    else if (input.kind == CertificateKind::User)
        checked.extensions = {{u"permit-pty"_s, u""_s}, {u"permit-user-rc"_s, u""_s}};
    if (std::optional<Error> error = checkExtensions(checked.extensions))
        return *error;

    static const QDateTime kFirst = QDateTime::fromSecsSinceEpoch(0, Qt::UTC);
    static const QDateTime kLast(QDate(9999, 12, 31), QTime(23, 59, 59), Qt::UTC);
    for (const auto &[time, field] :
         {std::pair{&input.validAfter, u"valid_after"_s}, {&input.validUntil, u"valid_until"_s}}) {
        if (*time && (!(*time)->isValid() || **time < kFirst || **time > kLast))
            return caError(CaReason::TimeInvalid, field + u" must be a time between 1970 and 9999"_s,
                           Error::Kind::InvalidInput, field);
    }
    checked.validAfter = wholeSeconds(input.validAfter.value_or(now));
    checked.validUntil = wholeSeconds(input.validUntil.value_or(checked.validAfter.addSecs(kDefaultValiditySeconds)));
    if (checked.validUntil <= checked.validAfter)
        return caError(CaReason::ValidityInvalid, u"valid_until must be after valid_after"_s, Error::Kind::InvalidInput,
                       u"valid_until"_s);
    return checked;
}

Error authorityNotFound(const QString &id)
{
    Error error = caError(CaReason::AuthorityNotFound, u"there is no SSH certificate authority %1"_s.arg(id),
                          Error::Kind::NotFound);
    error.details.insert(u"resource"_s, id);
    return error;
}

Error certificateNotFound(const QString &id)
{
    Error error
        = caError(CaReason::CertificateNotFound, u"there is no SSH certificate %1"_s.arg(id), Error::Kind::NotFound);
    error.details.insert(u"resource"_s, id);
    return error;
}

Error vaultRefused(const Error &vault)
{
    Error error = caError(CaReason::VaultUnavailable, u"the vault cannot be used: "_s + vault.message,
                          Error::Kind::Unavailable);
    if (vault.details.contains(u"vault_state"_s))
        error.details.insert(u"vault_state"_s, vault.details.value(u"vault_state"_s));
    return error;
}

QJsonObject certificateAudit(const IssuedCertificate &certificate)
{
    return QJsonObject{{u"kind"_s, certificateKindName(certificate.kind)},
                       {u"ssh_certificate_authority_id"_s, certificate.certificateAuthorityId},
                       {u"serial"_s, QString::number(certificate.serial)},
                       {u"key_id"_s, certificate.keyId},
                       {u"subject_fingerprint"_s, certificate.subjectFingerprint}};
}

// The 32 bytes of a "SHA256:<unpadded base64>" fingerprint.
std::optional<QByteArray> fingerprintHash(const QString &fingerprint)
{
    static const QRegularExpression pattern(u"^SHA256:[A-Za-z0-9+/]{43}$"_s);
    if (!pattern.match(fingerprint).hasMatch())
        return std::nullopt;
    const QByteArray padded = fingerprint.mid(7).toLatin1() + '=';
    const auto decoded = QByteArray::fromBase64Encoding(padded, QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.size() != 32)
        return std::nullopt;
    return decoded.decoded;
}

} // namespace keystead::cadetail
