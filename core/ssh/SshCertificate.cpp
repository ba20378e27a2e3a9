#include "ssh/SshCertificate.h"

#include "common/Crypto.h"
#include "ssh/CertificateWire.h"
#include "ssh/NativeHandles.h"

#include <QByteArrayView>
#include <QHostAddress>
#include <QRegularExpression>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

using namespace Qt::StringLiterals;

namespace keystead {

using namespace sshcert;

Result<SshCertificate> SshCertificate::fromOpenSshLine(const QString &line)
{
    if (line.size() > MaxCertificateSize * 2)
        return Error::invalid(u"the certificate text is too long"_s);
    const QStringList parts = line.trimmed().split(QRegularExpression(u"[ \\t]+"_s), Qt::SkipEmptyParts);
    if (parts.isEmpty())
        return Error::invalid(u"the certificate is empty"_s);
    const bool typed = parts.size() >= 2 && subjectByCertificate(parts[0].toLatin1());
    const QString encoded = typed ? parts[1] : parts[0];
    const QByteArray::FromBase64Result decoded
        = QByteArray::fromBase64Encoding(encoded.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return Error::invalid(u"the certificate is not valid base64"_s);
    Result<SshCertificate> certificate = fromBlob(decoded.decoded);
    if (!certificate)
        return certificate;
    if (typed && parts[0] != certificate->algorithm())
        return Error::invalid(u"the line says %1 but the certificate is %2"_s.arg(parts[0], certificate->algorithm()));
    return certificate;
}

Result<SshCertificate> SshCertificate::fromBlob(const QByteArray &blob)
{
    if (blob.isEmpty())
        return Error::invalid(u"the certificate is empty"_s);
    if (blob.size() > MaxCertificateSize)
        return Error::invalid(u"the certificate is too large (%1 bytes)"_s.arg(blob.size()));
    const auto truncated
        = [](const QString &where) { return Error::invalid(u"the certificate is truncated in its "_s + where); };
    WireReader reader(blob);
    const std::optional<QByteArrayView> name = reader.string();
    if (!name)
        return truncated(u"type"_s);
    const SubjectType *type = subjectByCertificate(*name);
    if (!type)
        return Error::invalid(u"not an OpenSSH v01 certificate type"_s);
    const std::optional<QByteArrayView> nonce = reader.string();
    if (!nonce)
        return truncated(u"nonce"_s);

    SshCertificate certificate;
    certificate.m_algorithm = QString::fromLatin1(type->certificate);
    QByteArray subjectBlob;
    putString(subjectBlob, type->plain);
    for (int i = 0; i < type->publicFields; ++i) {
        const std::optional<QByteArrayView> field = reader.string();
        if (!field)
            return truncated(u"public key"_s);
        putString(subjectBlob, *field);
    }
    Result<SshPublicKey> subject = SshPublicKey::fromBlob(subjectBlob);
    if (!subject)
        return Error::invalid(u"the certified key is invalid: "_s + subject.error().message);
    certificate.m_subject = std::move(subject).value();

    const std::optional<quint64> serial = reader.uint64();
    const std::optional<quint32> kind = reader.uint32();
    if (!serial || !kind)
        return truncated(u"serial or type"_s);
    if (*kind != quint32(CertificateKind::User) && *kind != quint32(CertificateKind::Host))
        return Error::invalid(u"the certificate is neither a user nor a host certificate (type %1)"_s.arg(*kind));
    certificate.m_serial = *serial;
    certificate.m_kind = CertificateKind(*kind);
    const std::optional<QByteArrayView> keyId = reader.string();
    const std::optional<QByteArrayView> principals = reader.string();
    if (!keyId || !principals)
        return truncated(u"key id or principals"_s);
    certificate.m_keyId = QString::fromUtf8(*keyId);
    WireReader principalReader(*principals);
    while (!principalReader.atEnd()) {
        const std::optional<QByteArrayView> principal = principalReader.string();
        if (!principal)
            return truncated(u"principals"_s);
        if (certificate.m_principals.size() >= MaxPrincipals)
            return Error::invalid(u"the certificate has more than %1 principals"_s.arg(MaxPrincipals));
        certificate.m_principals.append(QString::fromUtf8(*principal));
    }
    const std::optional<quint64> validAfter = reader.uint64();
    const std::optional<quint64> validBefore = reader.uint64();
    if (!validAfter || !validBefore)
        return truncated(u"validity"_s);
    certificate.m_validAfter = decodeTime(*validAfter);
    certificate.m_validBefore = decodeTime(*validBefore);
    const std::optional<QByteArrayView> critical = reader.string();
    const std::optional<QByteArrayView> extensions = reader.string();
    const std::optional<QByteArrayView> reserved = reader.string();
    if (!critical || !extensions || !reserved)
        return truncated(u"options"_s);
    std::optional<QMap<QString, QString>> criticalOptions = decodeOptions(*critical);
    std::optional<QMap<QString, QString>> extensionMap = decodeOptions(*extensions);
    if (!criticalOptions || !extensionMap)
        return Error::invalid(u"the certificate's options or extensions are malformed"_s);
    certificate.m_criticalOptions = std::move(*criticalOptions);
    certificate.m_extensions = std::move(*extensionMap);
    const std::optional<QByteArrayView> signatureKey = reader.string();
    if (!signatureKey)
        return truncated(u"signature key"_s);
    Result<SshPublicKey> ca = SshPublicKey::fromBlob(signatureKey->toByteArray());
    if (!ca)
        return Error::invalid(u"the certificate's CA key is invalid: "_s + ca.error().message);
    certificate.m_signatureKey = std::move(ca).value();
    const qsizetype signedLength = reader.position();
    const std::optional<QByteArrayView> signature = reader.string();
    if (!signature)
        return truncated(u"signature"_s);
    if (!reader.atEnd())
        return Error::invalid(u"the certificate has %1 unexpected bytes after its end"_s.arg(reader.remaining()));
    WireReader signatureReader(*signature);
    const std::optional<QByteArrayView> signatureName = signatureReader.string();
    const std::optional<QByteArrayView> signatureBytes = signatureReader.string();
    if (!signatureName || !signatureBytes || !signatureReader.atEnd())
        return Error::invalid(u"the certificate's signature is malformed"_s);
    certificate.m_signatureAlgorithm = QString::fromLatin1(*signatureName);
    certificate.m_signedLength = signedLength;
    certificate.m_blob = blob;
    return certificate;
}

QString SshCertificate::openSshLine(const QString &comment) const
{
    QString line = m_algorithm + u' ' + QString::fromLatin1(m_blob.toBase64());
    if (!comment.isEmpty())
        line += u' ' + comment;
    return line;
}

bool SshCertificate::verifySignature() const
{
    if (m_blob.isEmpty() || m_signedLength <= 0 || m_signedLength > m_blob.size())
        return false;
    WireReader outer(QByteArrayView(m_blob).sliced(m_signedLength));
    const std::optional<QByteArrayView> signature = outer.string();
    if (!signature)
        return false;
    WireReader reader(*signature);
    const std::optional<QByteArrayView> name = reader.string();
    const std::optional<QByteArrayView> bytes = reader.string();
    if (!name || !bytes || !reader.atEnd())
        return false;
    const QByteArray caName = m_signatureKey.algorithm().toLatin1();
    const EVP_MD *digest = nullptr;
    if (caName == "ssh-ed25519") {
        if (*name != "ssh-ed25519")
            return false;
    } else if (caName.startsWith("ecdsa-sha2-")) {
        if (*name != caName)
            return false;
        digest = ecdsaDigest(caName);
    } else if (caName == "ssh-rsa") {
        if (*name == "rsa-sha2-512")
            digest = EVP_sha512();
        else if (*name == "rsa-sha2-256")
            digest = EVP_sha256();
        else if (*name == "ssh-rsa")
            digest = EVP_sha1();
        else
            return false;
    } else {
        // DSA and security-key CAs: not ones Keystead makes or can check here.
        return false;
    }
    Result<QString> pem = m_signatureKey.pem();
    if (!pem)
        return false;
    Result<OpenSslPtr<EVP_PKEY>> key = evpFromPem(pem->toLatin1(), false);
    if (!key)
        return false;
    const QByteArrayView signedData = QByteArrayView(m_blob).first(m_signedLength);
    if (digest && caName.startsWith("ecdsa-sha2-")) {
        const std::optional<QByteArray> der = ecdsaDer(*bytes);
        return der && verifyWith(key->get(), digest, *der, signedData);
    }
    return verifyWith(key->get(), digest, *bytes, signedData);
}

QStringList knownCriticalOptions()
{
    return {u"force-command"_s, u"source-address"_s, u"verify-required"_s};
}

QStringList knownExtensions()
{
    return {
        u"no-touch-required"_s, u"permit-X11-forwarding"_s, u"permit-agent-forwarding"_s, u"permit-port-forwarding"_s,
        u"permit-pty"_s,        u"permit-user-rc"_s};
}

Status validateSourceAddress(const QString &value)
{
    if (value.isEmpty())
        return Error::invalid(u"source-address is empty: give one or more CIDR blocks, comma-separated"_s,
                              u"critical_options.source-address"_s);
    static const QRegularExpression ipv4(u"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|"
                                         "1[0-9][0-9]|[1-9]?[0-9])){3}$"_s);
    static const QRegularExpression ipv6(u"^[0-9A-Fa-f:.]+$"_s);
    for (const QString &entry : value.split(u',')) {
        const auto bad = [&entry](const QString &why) {
            return Error::invalid(u"source-address entry \"%1\" %2"_s.arg(entry.left(64), why),
                                  u"critical_options.source-address"_s);
        };
        if (entry.isEmpty() || entry.size() > 64)
            return bad(u"is empty or too long"_s);
        const qsizetype slash = entry.indexOf(u'/');
        const QString address = slash < 0 ? entry : entry.left(slash);
        const bool isV4 = ipv4.match(address).hasMatch();
        const bool isV6 = !isV4 && address.contains(u':') && ipv6.match(address).hasMatch();
        QHostAddress parsed;
        if ((!isV4 && !isV6) || !parsed.setAddress(address))
            return bad(u"is not an IPv4 or IPv6 address (no names, wildcards or negation here)"_s);
        const int maxBits = isV4 ? 32 : 128;
        int bits = maxBits;
        if (slash >= 0) {
            bool ok = false;
            const QString mask = entry.mid(slash + 1);
            bits = mask.toInt(&ok);
            const bool digits = !mask.isEmpty() && mask.size() <= 3
                && std::all_of(mask.cbegin(), mask.cend(), [](QChar c) { return c >= u'0' && c <= u'9'; });
            if (!digits || !ok || bits < 0 || bits > maxBits)
                return bad(u"has a mask length outside 0..%1"_s.arg(maxBits));
        }
        // sshd refuses a block whose address has bits set past the mask.
        if (slash >= 0 && QHostAddress::parseSubnet(entry).first != parsed)
            return bad(u"has host bits set past its mask"_s);
    }
    return {};
}

} // namespace keystead
