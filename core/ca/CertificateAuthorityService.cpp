#include "ca/CertificateAuthorityService.h"

#include "common/Clock.h"
#include "common/Crypto.h"
#include "secrets/Vault.h"
#include "ssh/Krl.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutexLocker>
#include <QRegularExpression>
#include <QSqlError>

#include <algorithm>
#include <functional>
#include <mutex>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

constexpr qsizetype kMaxDescriptionBytes = 255;
constexpr qsizetype kMaxMetadataBytes = 4096;
constexpr qsizetype kMaxReasonBytes = 255;
constexpr qsizetype kMaxPrincipals = 256;
constexpr qsizetype kMaxPrincipalBytes = 255;
constexpr qsizetype kMaxOptionValueBytes = 4096;
constexpr qsizetype kMaxExtensions = 64;
constexpr int kIdLength = 26;
constexpr qint64 kDefaultValiditySeconds = 24 * 60 * 60;
// OpenSSH still takes 1024-bit RSA; a CA should not vouch for a key that weak.
constexpr int kMinRsaBits = 2048;

const QString kOwnerKind = u"ssh_ca"_s;
const QString kPrivateKeyField = u"private_key"_s;
const QString kForceCommand = u"force-command"_s;
const QString kSourceAddress = u"source-address"_s;

const QString kCaColumns
    = u"a.id, a.created_at, a.description, a.metadata, a.key_type, a.curve, a.key_size, a.public_key,"
      " a.fingerprint,"
      " (SELECT COUNT(*) FROM ssh_certificates c WHERE c.ca_id = a.id),"
      " (SELECT COUNT(*) FROM certificate_revocations r WHERE r.ca_id = a.id AND r.certificate_id IS NOT NULL)"_s;

const QString kCertificateSelect
    = u"SELECT c.id, c.kind, c.ca_id, c.serial, c.key_id, c.public_key, c.key_type, c.subject_fingerprint,"
      " c.principals, c.critical_options, c.extensions, c.valid_after, c.valid_until, c.certificate, c.created_at,"
      " c.description, c.metadata, r.revoked_at, r.reason"
      " FROM ssh_certificates c LEFT JOIN certificate_revocations r ON r.certificate_id = c.id"_s;

using sql::text;

Result<QString> newId(const QString &prefix)
{
    // 32 letters: every random byte maps to one without favouring any (256 is a multiple of 32).
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

bool hasControlCharacters(const QString &value)
{
    return std::any_of(value.cbegin(), value.cend(), [](QChar c) { return c.category() == QChar::Other_Control; });
}

std::optional<Error> checkDescription(const QString &description)
{
    if (description.toUtf8().size() > kMaxDescriptionBytes)
        return caError(CaError::DescriptionTooLong,
                       u"description is %1 bytes long; at most %2 bytes are allowed"_s.arg(description.toUtf8().size())
                           .arg(kMaxDescriptionBytes),
                       Error::Kind::InvalidInput, u"description"_s);
    return std::nullopt;
}

std::optional<Error> checkMetadata(const QString &metadata)
{
    if (metadata.toUtf8().size() > kMaxMetadataBytes)
        return caError(CaError::MetadataTooLong,
                       u"metadata is %1 bytes long; at most %2 bytes are allowed"_s.arg(metadata.toUtf8().size())
                           .arg(kMaxMetadataBytes),
                       Error::Kind::InvalidInput, u"metadata"_s);
    return std::nullopt;
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
        return caError(CaError::ReasonInvalid, u"reason must be at most %1 bytes on one line"_s.arg(kMaxReasonBytes),
                       Error::Kind::InvalidInput, u"reason"_s);
    return std::nullopt;
}

Result<CaKeyType> caKeyType(const CaCreateInput &input)
{
    const QString type = input.privateKeyType.isEmpty() ? u"ed25519"_s : input.privateKeyType;
    if (type != u"ecdsa"_s && !input.ellipticCurve.isEmpty())
        return caError(CaError::EllipticCurveInvalid, u"elliptic_curve applies only to private_key_type ecdsa"_s,
                       Error::Kind::InvalidInput, u"elliptic_curve"_s);
    if (type != u"rsa"_s && input.keySize != 0)
        return caError(CaError::KeySizeInvalid, u"key_size applies only to private_key_type rsa"_s,
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
        return caError(CaError::EllipticCurveInvalid, u"elliptic_curve must be one of p256, p384, p521"_s,
                       Error::Kind::InvalidInput, u"elliptic_curve"_s);
    }
    if (type == u"rsa"_s) {
        switch (input.keySize == 0 ? 4096 : input.keySize) {
        case 2048: return CaKeyType::Rsa2048;
        case 3072: return CaKeyType::Rsa3072;
        case 4096: return CaKeyType::Rsa4096;
        default: break;
        }
        return caError(CaError::KeySizeInvalid, u"key_size must be one of 2048, 3072, 4096"_s,
                       Error::Kind::InvalidInput, u"key_size"_s);
    }
    return caError(CaError::KeyTypeInvalid, u"private_key_type must be one of ed25519, ecdsa, rsa"_s,
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

// What issue() signs, once every field has passed.
struct CheckedCertificate
{
    SshPublicKey subject;
    QStringList principals;
    QMap<QString, QString> criticalOptions;
    QMap<QString, QString> extensions;
    QDateTime validAfter;
    QDateTime validUntil;
};

Result<SshPublicKey> checkSubject(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return caError(CaError::PublicKeyMissing, u"public_key is required"_s, Error::Kind::InvalidInput,
                       u"public_key"_s);
    if (trimmed.contains(u"-cert-v01@openssh.com"_s))
        return caError(CaError::PublicKeyUnsupported,
                       u"public_key is a certificate; give the plain public key to certify"_s,
                       Error::Kind::InvalidInput, u"public_key"_s);
    Result<SshPublicKey> key = SshPublicKey::parse(trimmed);
    if (!key) {
        Error error
            = caError(CaError::PublicKeyInvalid, u"public_key is not an SSH public key: "_s + key.error().message,
                      Error::Kind::InvalidInput, u"public_key"_s);
        return error;
    }
    const QString type = keyTypeOf(key.value());
    // The seed's key_type is one of rsa, ecdsa, ed25519: FIDO (-sk) keys and DSA are refused.
    if (type != u"ed25519"_s && type != u"ecdsa"_s && type != u"rsa"_s)
        return caError(
            CaError::PublicKeyUnsupported,
            u"public_key of type %1 is not signed here; use an ed25519, ecdsa or rsa key"_s.arg(key->algorithm()),
            Error::Kind::InvalidInput, u"public_key"_s);
    if (type == u"rsa"_s && key->bits() < kMinRsaBits)
        return caError(CaError::PublicKeyUnsupported,
                       u"public_key is an RSA key of %1 bits; RSA keys under %2 bits are not signed"_s.arg(key->bits())
                           .arg(kMinRsaBits),
                       Error::Kind::InvalidInput, u"public_key"_s);
    return key;
}

std::optional<Error> checkPrincipals(CertificateKind kind, const QStringList &principals)
{
    if (kind == CertificateKind::Host && principals.isEmpty())
        return caError(CaError::PrincipalsRequired,
                       u"principals must name at least one host name for a host certificate"_s,
                       Error::Kind::InvalidInput, u"principals"_s);
    if (principals.size() > kMaxPrincipals)
        return caError(CaError::TooManyPrincipals, u"at most %1 principals are allowed"_s.arg(kMaxPrincipals),
                       Error::Kind::InvalidInput, u"principals"_s);
    for (qsizetype i = 0; i < principals.size(); ++i) {
        const QString &principal = principals.at(i);
        // A comma would split the principal in sshd's AuthorizedPrincipals and in the key id.
        const bool bad = principal.isEmpty() || principal.toUtf8().size() > kMaxPrincipalBytes
            || std::any_of(principal.cbegin(), principal.cend(),
                           [](QChar c) { return c == u',' || c.isSpace() || c.category() == QChar::Other_Control; });
        if (bad)
            return caError(
                CaError::PrincipalInvalid,
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
                CaError::CriticalOptionUnknown,
                u"critical option %1 is not known; only force-command and source-address are"_s.arg(it.key()),
                Error::Kind::InvalidInput, location);
        // OpenSSH's client refuses a host certificate that carries any critical option.
        if (kind == CertificateKind::Host)
            return caError(CaError::CriticalOptionInvalid, u"host certificates take no critical options"_s,
                           Error::Kind::InvalidInput, location);
        if (it.value().toUtf8().size() > kMaxOptionValueBytes)
            return caError(CaError::CriticalOptionInvalid,
                           u"%1 is longer than %2 bytes"_s.arg(it.key()).arg(kMaxOptionValueBytes),
                           Error::Kind::InvalidInput, location);
        if (it.key() == kForceCommand && it.value().trimmed().isEmpty())
            return caError(CaError::CriticalOptionInvalid, u"force-command needs a command"_s,
                           Error::Kind::InvalidInput, location);
        if (it.key() == kSourceAddress) {
            if (Status valid = validateSourceAddress(it.value()); !valid)
                return caError(CaError::CriticalOptionInvalid,
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
        return caError(CaError::ExtensionInvalid, u"at most %1 extensions are allowed"_s.arg(kMaxExtensions),
                       Error::Kind::InvalidInput, u"extensions"_s);
    const QStringList known = knownExtensions();
    for (auto it = extensions.constBegin(); it != extensions.constEnd(); ++it) {
        const QString location = u"extensions."_s + it.key();
        if (known.contains(it.key())) {
            // OpenSSH's own extensions are flags: a value would be ignored at best.
            if (!it.value().isEmpty())
                return caError(CaError::ExtensionInvalid, u"extension %1 takes no value"_s.arg(it.key()),
                               Error::Kind::InvalidInput, location);
            continue;
        }
        if (!vendor.match(it.key()).hasMatch())
            return caError(CaError::ExtensionInvalid,
                           u"extension %1 is neither one of OpenSSH's (%2) nor a vendor extension name@domain"_s.arg(
                               it.key(), known.join(u", "_s)),
                           Error::Kind::InvalidInput, location);
        if (it.value().toUtf8().size() > kMaxOptionValueBytes)
            return caError(CaError::ExtensionInvalid,
                           u"extension %1 has a value longer than %2 bytes"_s.arg(it.key()).arg(kMaxOptionValueBytes),
                           Error::Kind::InvalidInput, location);
    }
    return std::nullopt;
}

QDateTime wholeSeconds(const QDateTime &time)
{
    return QDateTime::fromSecsSinceEpoch(time.toSecsSinceEpoch(), Qt::UTC);
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
            return caError(CaError::TimeInvalid, field + u" must be a time between 1970 and 9999"_s,
                           Error::Kind::InvalidInput, field);
    }
    checked.validAfter = wholeSeconds(input.validAfter.value_or(now));
    checked.validUntil = wholeSeconds(input.validUntil.value_or(checked.validAfter.addSecs(kDefaultValiditySeconds)));
    if (checked.validUntil <= checked.validAfter)
        return caError(CaError::ValidityInvalid, u"valid_until must be after valid_after"_s, Error::Kind::InvalidInput,
                       u"valid_until"_s);
    return checked;
}

Error authorityNotFound(const QString &id)
{
    Error error = caError(CaError::AuthorityNotFound, u"there is no SSH certificate authority %1"_s.arg(id),
                          Error::Kind::NotFound);
    error.details.insert(u"resource"_s, id);
    return error;
}

Error certificateNotFound(const QString &id)
{
    Error error
        = caError(CaError::CertificateNotFound, u"there is no SSH certificate %1"_s.arg(id), Error::Kind::NotFound);
    error.details.insert(u"resource"_s, id);
    return error;
}

Error vaultRefused(const Error &vault)
{
    Error error
        = caError(CaError::VaultUnavailable, u"the vault cannot be used: "_s + vault.message, Error::Kind::Unavailable);
    if (vault.details.contains(u"vault_state"_s))
        error.details.insert(u"vault_state"_s, vault.details.value(u"vault_state"_s));
    return error;
}

struct AuthorityRow
{
    CertificateAuthority authority;
    bool deleted = false;
    quint64 krlVersion = 0;
};

CertificateAuthority authorityFromRow(const QSqlQuery &row)
{
    CertificateAuthority ca;
    ca.id = row.value(0).toString();
    ca.createdAt = sql::fromStoreTime(row.value(1));
    ca.description = row.value(2).toString();
    ca.metadata = row.value(3).toString();
    ca.keyType = row.value(4).toString();
    ca.ellipticCurve = row.value(5).toString();
    ca.keySize = row.value(6).toInt();
    if (Result<SshPublicKey> key = SshPublicKey::fromBlob(QByteArray::fromBase64(row.value(7).toString().toLatin1())))
        ca.publicKey = key.value();
    ca.publicKeyLine = ca.publicKey.isNull() ? QString() : ca.publicKey.openSshLine(u"keystead-ca-"_s + ca.id);
    ca.fingerprint = row.value(8).toString();
    ca.certificatesIssued = row.value(9).toInt();
    ca.certificatesRevoked = row.value(10).toInt();
    return ca;
}

Result<QList<CertificateAuthority>> selectAuthorities(const QSqlDatabase &db, const QString &where,
                                                      const QVariantList &bindings)
{
    Result<QSqlQuery> rows = sql::exec(db,
                                       u"SELECT "_s + kCaColumns + u" FROM ssh_certificate_authorities a WHERE "_s
                                           + where + u" ORDER BY a.created_at DESC, a.id DESC"_s,
                                       bindings);
    if (!rows)
        return rows.error();
    QList<CertificateAuthority> authorities;
    while (rows->next())
        authorities.append(authorityFromRow(rows.value()));
    return authorities;
}

// A CA by id; `includeDeleted` for what outlives it (its KRL).
Result<AuthorityRow> selectAuthority(const QSqlDatabase &db, const QString &id, bool includeDeleted)
{
    Result<QSqlQuery> rows = sql::exec(db,
                                       u"SELECT "_s + kCaColumns
                                           + u", a.deleted_at, a.krl_version FROM ssh_certificate_authorities a"
                                             " WHERE a.id = ?"_s,
                                       {id});
    if (!rows)
        return rows.error();
    if (!rows->next())
        return authorityNotFound(id);
    AuthorityRow row{authorityFromRow(rows.value()), !rows->value(11).isNull(), rows->value(12).toULongLong()};
    if (row.deleted && !includeDeleted)
        return authorityNotFound(id);
    return row;
}

IssuedCertificate certificateFromRow(const QSqlQuery &row)
{
    IssuedCertificate certificate;
    certificate.id = row.value(0).toString();
    certificate.kind = row.value(1).toString() == u"host"_s ? CertificateKind::Host : CertificateKind::User;
    certificate.certificateAuthorityId = row.value(2).toString();
    certificate.serial = row.value(3).toULongLong();
    certificate.keyId = row.value(4).toString();
    certificate.publicKey = row.value(5).toString();
    certificate.keyType = row.value(6).toString();
    certificate.subjectFingerprint = row.value(7).toString();
    certificate.principals = listFromJson(row.value(8));
    certificate.criticalOptions = mapFromJson(row.value(9));
    certificate.extensions = mapFromJson(row.value(10));
    certificate.validAfter = sql::fromStoreTime(row.value(11));
    certificate.validUntil = sql::fromStoreTime(row.value(12));
    certificate.certificate = row.value(13).toString();
    certificate.createdAt = sql::fromStoreTime(row.value(14));
    certificate.description = row.value(15).toString();
    certificate.metadata = row.value(16).toString();
    if (!row.value(17).isNull()) {
        certificate.revokedAt = sql::fromStoreTime(row.value(17));
        certificate.revocationReason = row.value(18).toString();
    }
    return certificate;
}

Result<QList<IssuedCertificate>> selectCertificates(const QSqlDatabase &db, const QString &where,
                                                    const QVariantList &bindings, const QString &tail = {})
{
    Result<QSqlQuery> rows = sql::exec(db, kCertificateSelect + u" WHERE "_s + where + tail, bindings);
    if (!rows)
        return rows.error();
    QList<IssuedCertificate> certificates;
    while (rows->next())
        certificates.append(certificateFromRow(rows.value()));
    return certificates;
}

Result<IssuedCertificate> selectCertificate(const QSqlDatabase &db, const QString &id,
                                            std::optional<CertificateKind> kind)
{
    QString where = u"c.id = ? AND c.deleted_at IS NULL"_s;
    QVariantList bindings{id};
    if (kind) {
        where += u" AND c.kind = ?"_s;
        bindings.append(certificateKindName(*kind));
    }
    Result<QList<IssuedCertificate>> found = selectCertificates(db, where, bindings);
    if (!found)
        return found.error();
    if (found->isEmpty())
        return certificateNotFound(id);
    return found->first();
}

QString likeEscaped(const QString &text)
{
    QString escaped;
    for (const QChar c : text) {
        if (c == u'!' || c == u'%' || c == u'_')
            escaped.append(u'!');
        escaped.append(c);
    }
    return escaped;
}

QJsonObject certificateAudit(const IssuedCertificate &certificate)
{
    return QJsonObject{{u"kind"_s, certificateKindName(certificate.kind)},
                       {u"ssh_certificate_authority_id"_s, certificate.certificateAuthorityId},
                       {u"serial"_s, QString::number(certificate.serial)},
                       {u"key_id"_s, certificate.keyId},
                       {u"subject_fingerprint"_s, certificate.subjectFingerprint}};
}

Status insertRevocation(const QSqlDatabase &db, const QString &certificateId, const QString &fingerprint,
                        const QString &caId, const QString &now, const QString &reason, const Actor &actor)
{
    Result<QString> id = newId(u"sshrv_"_s);
    if (!id)
        return id.error();
    const QVariant none(QMetaType::fromType<QString>());
    Result<QSqlQuery> inserted
        = sql::exec(db,
                    u"INSERT INTO certificate_revocations (id, certificate_id, subject_fingerprint, ca_id, revoked_at,"
                    " reason, actor) VALUES (?, ?, ?, ?, ?, ?, ?)"_s,
                    {id.value(), certificateId.isEmpty() ? none : QVariant(certificateId),
                     fingerprint.isEmpty() ? none : QVariant(fingerprint), caId.isEmpty() ? none : QVariant(caId), now,
                     text(reason), actorText(actor)});
    if (!inserted)
        return inserted.error();
    return {};
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

} // namespace

CertificateAuthorityService::CertificateAuthorityService(Database &database, const Clock &clock, Vault &vault,
                                                         AuditLog &audit, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_clock(clock)
    , m_vault(vault)
    , m_audit(audit)
{
}

CertificateAuthorityService::~CertificateAuthorityService() = default;

Result<CertificateAuthority> CertificateAuthorityService::createAuthority(const CaCreateInput &input,
                                                                          const Actor &actor)
{
    Result<CaKeyType> type = caKeyType(input);
    if (!type)
        return type.error();
    if (std::optional<Error> error = checkDescription(input.description))
        return *error;
    if (std::optional<Error> error = checkMetadata(input.metadata))
        return *error;
    // The keychain is asked before the transaction, never inside it.
    if (Status unlocked = m_vault.unlock(); !unlocked)
        return vaultRefused(unlocked.error());
    Result<SshCertificateSigner> signer = SshCertificateSigner::generate(type.value());
    if (!signer)
        return caError(CaError::SigningFailed, u"the CA key could not be made: "_s + signer.error().message,
                       Error::Kind::Internal);
    Result<QString> id = newId(u"sshca_"_s);
    if (!id)
        return id.error();
    const SshPublicKey publicKey = signer->publicKey();
    const QString keyType = input.privateKeyType.isEmpty() ? u"ed25519"_s : input.privateKeyType;

    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<QSqlQuery> inserted = sql::exec(
            db,
            u"INSERT INTO ssh_certificate_authorities (id, created_at, description, metadata, key_type, curve,"
            " key_size, public_key, fingerprint, next_serial, krl_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0)"_s,
            {id.value(), sql::toStoreTime(m_clock.now()), text(input.description), text(input.metadata), keyType,
             text(curveName(type.value())), rsaBits(type.value()), QString::fromLatin1(publicKey.blob().toBase64()),
             publicKey.fingerprintSha256()});
        if (!inserted)
            return inserted.error();
        QByteArray pem = signer->privateKeyPem();
        Status sealed = m_vault.put(db, SecretRef{kOwnerKind, id.value(), kPrivateKeyField}, pem);
        pem.fill('\0');
        if (!sealed)
            return vaultRefused(sealed.error());
        return m_audit.record(db, actor, u"ca.create"_s, kOwnerKind, id.value(),
                              QJsonObject{{u"key_type"_s, keyType},
                                          {u"elliptic_curve"_s, curveName(type.value())},
                                          {u"key_size"_s, rsaBits(type.value())},
                                          {u"fingerprint"_s, publicKey.fingerprintSha256()}});
    });
    if (!written)
        return written.error();
    {
        QMutexLocker signers(&m_signerMutex);
        m_signers.insert_or_assign(id.value(), signer.value());
    }
    lock.unlock();
    Q_EMIT authoritiesChanged();
    return authority(id.value());
}

Result<QList<CertificateAuthority>> CertificateAuthorityService::authorities() const
{
    return selectAuthorities(m_database.connection(), u"a.deleted_at IS NULL"_s, {});
}

Result<CertificateAuthority> CertificateAuthorityService::authority(const QString &id) const
{
    Result<AuthorityRow> row = selectAuthority(m_database.connection(), id, false);
    if (!row)
        return row.error();
    return row->authority;
}

Result<CertificateAuthority> CertificateAuthorityService::updateAuthority(const QString &id, const RecordUpdate &update,
                                                                          const Actor &actor)
{
    if (std::optional<Error> error = checkUpdate(update))
        return *error;
    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<AuthorityRow> row = selectAuthority(db, id, false);
        if (!row)
            return row.error();
        const QString description = update.description.value_or(row->authority.description);
        const QString metadata = update.metadata.value_or(row->authority.metadata);
        Result<QSqlQuery> updated
            = sql::exec(db, u"UPDATE ssh_certificate_authorities SET description = ?, metadata = ? WHERE id = ?"_s,
                        {text(description), text(metadata), id});
        if (!updated)
            return updated.error();
        QJsonObject detail;
        if (update.description)
            detail.insert(u"description"_s, description);
        if (update.metadata)
            detail.insert(u"metadata_bytes"_s, metadata.toUtf8().size());
        return m_audit.record(db, actor, u"ca.update"_s, kOwnerKind, id, detail);
    });
    if (!written)
        return written.error();
    lock.unlock();
    Q_EMIT authoritiesChanged();
    return authority(id);
}

Status CertificateAuthorityService::deleteAuthority(const QString &id, const Actor &actor)
{
    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<AuthorityRow> row = selectAuthority(db, id, false);
        if (!row)
            return row.error();
        Result<QSqlQuery> updated
            = sql::exec(db, u"UPDATE ssh_certificate_authorities SET deleted_at = ? WHERE id = ?"_s,
                        {sql::toStoreTime(m_clock.now()), id});
        if (!updated)
            return updated.error();
        if (Status removed = m_vault.remove(db, kOwnerKind, id); !removed)
            return removed;
        return m_audit.record(db, actor, u"ca.delete"_s, kOwnerKind, id,
                              QJsonObject{{u"fingerprint"_s, row->authority.fingerprint}});
    });
    if (!written)
        return written;
    {
        QMutexLocker signers(&m_signerMutex);
        m_signers.erase(id);
    }
    lock.unlock();
    Q_EMIT authoritiesChanged();
    Q_EMIT certificatesChanged();
    return {};
}

Result<SshCertificateSigner> CertificateAuthorityService::signerFor(const QString &caId)
{
    {
        QMutexLocker signers(&m_signerMutex);
        if (const auto found = m_signers.find(caId); found != m_signers.end())
            return found->second;
    }
    Result<QByteArray> pem = m_vault.get(SecretRef{kOwnerKind, caId, kPrivateKeyField});
    if (!pem) {
        if (pem.error().kind == Error::Kind::NotFound)
            return caError(CaError::Internal, u"the private key of the CA %1 is missing from the vault"_s.arg(caId),
                           Error::Kind::Internal);
        return vaultRefused(pem.error());
    }
    Result<SshCertificateSigner> signer = SshCertificateSigner::fromPrivateKeyPem(pem.value());
    pem->fill('\0');
    if (!signer)
        return caError(CaError::SigningFailed, u"the private key of the CA %1 cannot be read"_s.arg(caId),
                       Error::Kind::Internal);
    QMutexLocker signers(&m_signerMutex);
    m_signers.insert_or_assign(caId, signer.value());
    return signer;
}

Result<IssuedCertificate> CertificateAuthorityService::issue(const CertificateInput &input, const Actor &actor)
{
    Result<CheckedCertificate> checked = checkCertificate(input, m_clock.now());
    if (!checked)
        return checked.error();
    QSqlDatabase db = m_database.connection();
    Result<AuthorityRow> ca = selectAuthority(db, input.certificateAuthorityId, false);
    if (!ca) {
        if (ca.error().kind != Error::Kind::NotFound)
            return ca.error();
        return caError(
            CaError::AuthorityUnknown,
            u"ssh_certificate_authority_id names no SSH certificate authority: %1"_s.arg(input.certificateAuthorityId),
            Error::Kind::InvalidInput, u"ssh_certificate_authority_id"_s);
    }
    Result<SshCertificateSigner> signer = signerFor(ca->authority.id);
    if (!signer)
        return signer.error();
    const QString prefix = input.kind == CertificateKind::Host ? u"sshhc_"_s : u"sshuc_"_s;
    Result<QString> id = newId(prefix);
    if (!id)
        return id.error();

    // SQLite takes one writer at a time anyway: the mutex keeps this process's
    // threads from spinning on its lock. PostgreSQL's row lock on the CA (the
    // UPDATE below) serialises serials across threads and instances alike.
    std::unique_lock<QMutex> lock(m_writeMutex, std::defer_lock);
    if (!m_database.isPostgres())
        lock.lock();
    IssuedCertificate issued;
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<QSqlQuery> allocated = sql::exec(db,
                                                u"UPDATE ssh_certificate_authorities SET next_serial = next_serial + 1"
                                                " WHERE id = ? AND deleted_at IS NULL RETURNING next_serial - 1"_s,
                                                {ca->authority.id});
        if (!allocated)
            return allocated.error();
        if (!allocated->next())
            return caError(CaError::AuthorityUnknown,
                           u"the SSH certificate authority %1 was deleted"_s.arg(ca->authority.id),
                           Error::Kind::InvalidInput, u"ssh_certificate_authority_id"_s);
        const quint64 serial = allocated->value(0).toULongLong();
        CertificateRequest request;
        request.subject = checked->subject;
        request.kind = input.kind;
        request.serial = serial;
        request.keyId = u"keystead:%1:%2:%3"_s.arg(ca->authority.id, checked->principals.join(u',')).arg(serial);
        request.principals = checked->principals;
        request.validAfter = checked->validAfter;
        request.validBefore = checked->validUntil;
        request.criticalOptions = checked->criticalOptions;
        request.extensions = checked->extensions;
        Result<SshCertificate> certificate = SshCertificate::sign(request, signer.value());
        if (!certificate)
            return caError(CaError::SigningFailed,
                           u"the certificate could not be signed: "_s + certificate.error().message,
                           Error::Kind::Internal);

        issued.id = id.value();
        issued.kind = input.kind;
        issued.createdAt = m_clock.now();
        issued.description = input.description;
        issued.metadata = input.metadata;
        issued.publicKey = checked->subject.openSshLine();
        issued.keyType = keyTypeOf(checked->subject);
        issued.subjectFingerprint = checked->subject.fingerprintSha256();
        issued.certificateAuthorityId = ca->authority.id;
        issued.serial = serial;
        issued.keyId = request.keyId;
        issued.principals = checked->principals;
        issued.criticalOptions = checked->criticalOptions;
        issued.extensions = checked->extensions;
        issued.validAfter = checked->validAfter;
        issued.validUntil = checked->validUntil;
        issued.certificate = certificate->openSshLine(issued.keyId);
        Result<QSqlQuery> inserted = sql::exec(
            db,
            u"INSERT INTO ssh_certificates (id, kind, ca_id, serial, key_id, public_key, key_type,"
            " subject_fingerprint, principals, critical_options, extensions, valid_after, valid_until, certificate,"
            " created_at, description, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s,
            {issued.id, certificateKindName(issued.kind), issued.certificateAuthorityId,
             static_cast<qint64>(issued.serial), issued.keyId, issued.publicKey, issued.keyType,
             issued.subjectFingerprint, jsonText(QJsonArray::fromStringList(issued.principals)),
             mapToJson(issued.criticalOptions), mapToJson(issued.extensions), sql::toStoreTime(issued.validAfter),
             sql::toStoreTime(issued.validUntil), issued.certificate, sql::toStoreTime(issued.createdAt),
             text(issued.description), text(issued.metadata)});
        if (!inserted)
            return inserted.error();
        QJsonObject detail = certificateAudit(issued);
        detail.insert(u"principals"_s, QJsonArray::fromStringList(issued.principals));
        return m_audit.record(db, actor, u"certificate.issue"_s, u"ssh_certificate"_s, issued.id, detail);
    });
    if (!written)
        return written.error();
    if (lock.owns_lock())
        lock.unlock();
    Q_EMIT certificatesChanged();
    Q_EMIT authoritiesChanged();
    return issued;
}

Result<QList<IssuedCertificate>> CertificateAuthorityService::certificates(const CertificateQuery &query) const
{
    QStringList where{u"c.deleted_at IS NULL"_s};
    QVariantList bindings;
    if (query.kind) {
        where.append(u"c.kind = ?"_s);
        bindings.append(certificateKindName(*query.kind));
    }
    if (!query.certificateAuthorityId.isEmpty()) {
        where.append(u"c.ca_id = ?"_s);
        bindings.append(query.certificateAuthorityId);
    }
    if (!query.subjectFingerprint.isEmpty()) {
        where.append(u"c.subject_fingerprint = ?"_s);
        bindings.append(query.subjectFingerprint);
    }
    if (!query.principal.isEmpty()) {
        // Principals are a JSON array: the principal as a JSON string, quotes included, matches one whole entry.
        const QString quoted = jsonText(QJsonArray{query.principal}).mid(1).chopped(1);
        where.append(u"c.principals LIKE ? ESCAPE '!'"_s);
        bindings.append(QString(u'%' + likeEscaped(quoted) + u'%'));
    }
    if (query.state) {
        const QString now = sql::toStoreTime(m_clock.now());
        switch (*query.state) {
        case CertificateState::Revoked: where.append(u"r.id IS NOT NULL"_s); break;
        case CertificateState::NotYetValid:
            where.append(u"r.id IS NULL AND c.valid_after > ?"_s);
            bindings.append(now);
            break;
        case CertificateState::Expired:
            where.append(u"r.id IS NULL AND c.valid_after <= ? AND c.valid_until <= ?"_s);
            bindings += {now, now};
            break;
        case CertificateState::Valid:
            where.append(u"r.id IS NULL AND c.valid_after <= ? AND c.valid_until > ?"_s);
            bindings += {now, now};
            break;
        }
    }
    if (!query.search.isEmpty()) {
        where.append(u"(LOWER(c.principals) LIKE ? ESCAPE '!' OR LOWER(c.key_id) LIKE ? ESCAPE '!'"
                     " OR LOWER(c.description) LIKE ? ESCAPE '!' OR LOWER(c.subject_fingerprint) LIKE ? ESCAPE '!'"
                     " OR LOWER(c.id) LIKE ? ESCAPE '!')"_s);
        const QString pattern = u'%' + likeEscaped(query.search.toLower()) + u'%';
        bindings += {pattern, pattern, pattern, pattern, pattern};
    }
    if (!query.beforeId.isEmpty()) {
        where.append(
            u"(c.created_at < (SELECT b.created_at FROM ssh_certificates b WHERE b.id = ?)"
            " OR (c.created_at = (SELECT b.created_at FROM ssh_certificates b WHERE b.id = ?) AND c.id < ?))"_s);
        bindings += {query.beforeId, query.beforeId, query.beforeId};
    }
    QString tail = u" ORDER BY c.created_at DESC, c.id DESC"_s;
    if (query.limit > 0) {
        tail += u" LIMIT ?"_s;
        bindings.append(query.limit);
    }
    return selectCertificates(m_database.connection(), where.join(u" AND "_s), bindings, tail);
}

Result<IssuedCertificate> CertificateAuthorityService::certificate(const QString &id,
                                                                   std::optional<CertificateKind> kind) const
{
    return selectCertificate(m_database.connection(), id, kind);
}

Result<IssuedCertificate> CertificateAuthorityService::updateCertificate(const QString &id, CertificateKind kind,
                                                                         const RecordUpdate &update, const Actor &actor)
{
    if (std::optional<Error> error = checkUpdate(update))
        return *error;
    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<IssuedCertificate> found = selectCertificate(db, id, kind);
        if (!found)
            return found.error();
        Result<QSqlQuery> updated
            = sql::exec(db, u"UPDATE ssh_certificates SET description = ?, metadata = ? WHERE id = ?"_s,
                        {text(update.description.value_or(found->description)),
                         text(update.metadata.value_or(found->metadata)), id});
        if (!updated)
            return updated.error();
        QJsonObject detail = certificateAudit(found.value());
        if (update.description)
            detail.insert(u"description"_s, *update.description);
        if (update.metadata)
            detail.insert(u"metadata_bytes"_s, update.metadata->toUtf8().size());
        return m_audit.record(db, actor, u"certificate.update"_s, u"ssh_certificate"_s, id, detail);
    });
    if (!written)
        return written.error();
    lock.unlock();
    Q_EMIT certificatesChanged();
    return certificate(id, kind);
}

Status CertificateAuthorityService::deleteCertificate(const QString &id, CertificateKind kind, const Actor &actor)
{
    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    bool revoked = false;
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<IssuedCertificate> found = selectCertificate(db, id, kind);
        if (!found)
            return found.error();
        const QDateTime now = m_clock.now();
        const QString nowText = sql::toStoreTime(now);
        if (!found->revokedAt && found->state(now) != CertificateState::Expired) {
            if (Status inserted
                = insertRevocation(db, id, {}, found->certificateAuthorityId, nowText, u"deleted"_s, actor);
                !inserted)
                return inserted;
            if (Result<QSqlQuery> bumped
                = sql::exec(db, u"UPDATE ssh_certificate_authorities SET krl_version = krl_version + 1 WHERE id = ?"_s,
                            {found->certificateAuthorityId});
                !bumped)
                return bumped.error();
            QJsonObject detail = certificateAudit(found.value());
            detail.insert(u"reason"_s, u"deleted"_s);
            if (Status recorded = m_audit.record(db, actor, u"certificate.revoke"_s, u"ssh_certificate"_s, id, detail);
                !recorded)
                return recorded;
            revoked = true;
        }
        Result<QSqlQuery> updated
            = sql::exec(db, u"UPDATE ssh_certificates SET deleted_at = ? WHERE id = ?"_s, {nowText, id});
        if (!updated)
            return updated.error();
        return m_audit.record(db, actor, u"certificate.delete"_s, u"ssh_certificate"_s, id,
                              certificateAudit(found.value()));
    });
    if (!written)
        return written;
    lock.unlock();
    Q_EMIT certificatesChanged();
    if (revoked)
        Q_EMIT authoritiesChanged();
    return {};
}

Result<IssuedCertificate> CertificateAuthorityService::revoke(const QString &certificateId, const QString &reason,
                                                              const Actor &actor)
{
    if (std::optional<Error> error = checkReason(reason))
        return *error;
    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<IssuedCertificate> found = selectCertificate(db, certificateId, std::nullopt);
        if (!found)
            return found.error();
        if (found->revokedAt)
            return caError(CaError::AlreadyRevoked,
                           u"the certificate %1 was revoked at %2; a revocation cannot be undone or repeated"_s.arg(
                               certificateId, found->revokedAt->toString(Qt::ISODate)),
                           Error::Kind::Conflict);
        if (Status inserted = insertRevocation(db, certificateId, {}, found->certificateAuthorityId,
                                               sql::toStoreTime(m_clock.now()), reason, actor);
            !inserted)
            return inserted;
        if (Result<QSqlQuery> bumped
            = sql::exec(db, u"UPDATE ssh_certificate_authorities SET krl_version = krl_version + 1 WHERE id = ?"_s,
                        {found->certificateAuthorityId});
            !bumped)
            return bumped.error();
        QJsonObject detail = certificateAudit(found.value());
        detail.insert(u"reason"_s, reason);
        return m_audit.record(db, actor, u"certificate.revoke"_s, u"ssh_certificate"_s, certificateId, detail);
    });
    if (!written)
        return written.error();
    lock.unlock();
    Q_EMIT certificatesChanged();
    Q_EMIT authoritiesChanged();
    return certificate(certificateId);
}

Result<QList<IssuedCertificate>> CertificateAuthorityService::revokeSubject(const QString &sha256Fingerprint,
                                                                            const QString &reason, const Actor &actor)
{
    const QString fingerprint = sha256Fingerprint.trimmed();
    if (!fingerprintHash(fingerprint))
        return caError(CaError::FingerprintInvalid,
                       u"fingerprint must be a SHA256 fingerprint as ssh-keygen -l prints it (SHA256:...)"_s,
                       Error::Kind::InvalidInput, u"fingerprint"_s);
    if (std::optional<Error> error = checkReason(reason))
        return *error;
    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    QStringList revokedIds;
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<QList<IssuedCertificate>> found
            = selectCertificates(db, u"c.subject_fingerprint = ? AND r.id IS NULL"_s, {fingerprint});
        if (!found)
            return found.error();
        const QString now = sql::toStoreTime(m_clock.now());
        for (const IssuedCertificate &certificate : std::as_const(found.value())) {
            if (Status inserted = insertRevocation(db, certificate.id, fingerprint, certificate.certificateAuthorityId,
                                                   now, reason, actor);
                !inserted)
                return inserted;
            revokedIds.append(certificate.id);
        }
        // The key itself, in every CA's KRL: a certificate signed tomorrow for it is refused as well.
        if (Status inserted = insertRevocation(db, {}, fingerprint, {}, now, reason, actor); !inserted)
            return inserted;
        if (Result<QSqlQuery> bumped
            = sql::exec(db, u"UPDATE ssh_certificate_authorities SET krl_version = krl_version + 1"_s, {});
            !bumped)
            return bumped.error();
        return m_audit.record(
            db, actor, u"certificate.revoke_subject"_s, u"ssh_public_key"_s, fingerprint,
            QJsonObject{{u"reason"_s, reason}, {u"certificate_ids"_s, QJsonArray::fromStringList(revokedIds)}});
    });
    if (!written)
        return written.error();
    lock.unlock();
    Q_EMIT certificatesChanged();
    Q_EMIT authoritiesChanged();
    if (revokedIds.isEmpty())
        return QList<IssuedCertificate>();
    QStringList marks;
    QVariantList bindings;
    for (const QString &id : std::as_const(revokedIds)) {
        marks.append(u"?"_s);
        bindings.append(id);
    }
    return selectCertificates(db, u"c.id IN ("_s + marks.join(u", "_s) + u')', bindings,
                              u" ORDER BY c.created_at DESC, c.id DESC"_s);
}

Result<QByteArray> CertificateAuthorityService::revocationList(const QString &caId) const
{
    QSqlDatabase db = m_database.connection();
    Result<AuthorityRow> ca = selectAuthority(db, caId, true);
    if (!ca)
        return ca.error();
    KrlContents contents;
    contents.version = ca->krlVersion;
    contents.comment = u"keystead-ca-"_s + caId;
    contents.generatedAt = ca->authority.createdAt;
    KrlContents::CaSection section;
    section.ca = ca->authority.publicKey;
    Result<QSqlQuery> serials = sql::exec(db,
                                          u"SELECT c.serial, r.revoked_at FROM certificate_revocations r"
                                          " JOIN ssh_certificates c ON c.id = r.certificate_id WHERE c.ca_id = ?"
                                          " ORDER BY c.serial"_s,
                                          {caId});
    if (!serials)
        return serials.error();
    while (serials->next()) {
        section.serials.append(serials->value(0).toULongLong());
        contents.generatedAt = std::max(contents.generatedAt, sql::fromStoreTime(serials->value(1)));
    }
    if (!section.serials.isEmpty())
        contents.certificates.append(section);
    Result<QSqlQuery> subjects = sql::exec(db,
                                           u"SELECT subject_fingerprint, revoked_at FROM certificate_revocations"
                                           " WHERE certificate_id IS NULL ORDER BY subject_fingerprint"_s,
                                           {});
    if (!subjects)
        return subjects.error();
    while (subjects->next()) {
        if (const std::optional<QByteArray> hash = fingerprintHash(subjects->value(0).toString());
            hash && !contents.sha256Hashes.contains(*hash))
            contents.sha256Hashes.append(*hash);
        contents.generatedAt = std::max(contents.generatedAt, sql::fromStoreTime(subjects->value(1)));
    }
    return encodeKrl(contents);
}

Result<QString> CertificateAuthorityService::trustedUserCaKeysLine(const QString &caId) const
{
    Result<CertificateAuthority> ca = authority(caId);
    if (!ca)
        return ca.error();
    return ca->publicKeyLine;
}

Result<QString> CertificateAuthorityService::knownHostsCertAuthorityLine(const QString &caId,
                                                                         const QString &hostPattern) const
{
    const bool bad = hostPattern.isEmpty() || std::any_of(hostPattern.cbegin(), hostPattern.cend(), [](QChar c) {
                         return c.isSpace() || c.category() == QChar::Other_Control || c == u'#';
                     });
    if (bad)
        return caError(CaError::HostPatternInvalid,
                       u"pattern must be a known_hosts host pattern without whitespace, '#' or control characters"_s,
                       Error::Kind::InvalidInput, u"pattern"_s);
    Result<CertificateAuthority> ca = authority(caId);
    if (!ca)
        return ca.error();
    return QString(u"@cert-authority "_s + hostPattern + u' ' + ca->publicKeyLine);
}

Result<QString> CertificateAuthorityService::knownHostsRevokedLines(const QString &caId) const
{
    QString where = u"c.kind = 'host'"_s;
    QVariantList bindings;
    if (!caId.isEmpty()) {
        where += u" AND c.ca_id = ?"_s;
        bindings.append(caId);
    }
    Result<QSqlQuery> rows = sql::exec(m_database.connection(),
                                       u"SELECT DISTINCT c.public_key FROM ssh_certificates c"
                                       " JOIN certificate_revocations r ON r.certificate_id = c.id WHERE "_s
                                           + where + u" ORDER BY c.public_key"_s,
                                       bindings);
    if (!rows)
        return rows.error();
    QString lines;
    while (rows->next())
        lines += u"@revoked * "_s + rows->value(0).toString() + u'\n';
    return lines;
}

Result<int> CertificateAuthorityService::expiringCount(int days) const
{
    const QDateTime now = m_clock.now();
    Result<QSqlQuery> rows = sql::exec(
        m_database.connection(),
        u"SELECT COUNT(*) FROM ssh_certificates c LEFT JOIN certificate_revocations r ON r.certificate_id = c.id"
        " WHERE c.deleted_at IS NULL AND r.id IS NULL AND c.valid_after <= ? AND c.valid_until > ?"
        " AND c.valid_until <= ?"_s,
        {sql::toStoreTime(now), sql::toStoreTime(now), sql::toStoreTime(now.addDays(days))});
    if (!rows)
        return rows.error();
    return rows->next() ? rows->value(0).toInt() : 0;
}

} // namespace keystead
