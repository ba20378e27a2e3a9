#pragma once

#include "audit/AuditLog.h"
#include "ca/CaRecords.h"
#include "common/Result.h"

#include <QJsonObject>
#include <QJsonValue>

#include <optional>

// The certificate authority service's field checks, the errors it answers
// with (each naming its CaReason) and its small encoders. Internal to core/ca.
namespace keystead::cadetail {

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

// `prefix` + 26 random base32 letters.
Result<QString> newId(const QString &prefix);
QString jsonText(const QJsonValue &value);
QString mapToJson(const QMap<QString, QString> &map);
QMap<QString, QString> mapFromJson(const QVariant &value);
QStringList listFromJson(const QVariant &value);
// The seed's key_type of a subject or CA key.
QString keyTypeOf(const SshPublicKey &key);
QString actorText(const Actor &actor);

std::optional<Error> checkDescription(const QString &description);
std::optional<Error> checkMetadata(const QString &metadata);
std::optional<Error> checkUpdate(const RecordUpdate &update);
std::optional<Error> checkReason(const QString &reason);
Result<CaKeyType> caKeyType(const CaCreateInput &input);
QString curveName(CaKeyType type);
int rsaBits(CaKeyType type);
Result<CheckedCertificate> checkCertificate(const CertificateInput &input, const QDateTime &now);

Error authorityNotFound(const QString &id);
Error certificateNotFound(const QString &id);
Error vaultRefused(const Error &vault);

QJsonObject certificateAudit(const IssuedCertificate &certificate);
// The 32 bytes of a "SHA256:<unpadded base64>" fingerprint.
std::optional<QByteArray> fingerprintHash(const QString &fingerprint);

} // namespace keystead::cadetail
