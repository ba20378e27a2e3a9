#include "ui/certificates/CertificateTexts.h"

#include "ui/common/Icons.h"

#include <QPainter>
#include <QPixmap>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

} // namespace

QString CertificateTexts::state(CertificateState state)
{
    switch (state) {
    case CertificateState::Valid: return tr("valid");
    case CertificateState::NotYetValid: return tr("not yet valid");
    case CertificateState::Expired: return tr("expired");
    case CertificateState::Revoked: return tr("revoked");
    }
    return {};
}

QIcon CertificateTexts::stateIcon(CertificateState state)
{
    switch (state) {
    case CertificateState::Valid: return statusDot(QColor(0x2e, 0x8b, 0x3e));
    case CertificateState::NotYetValid: return statusDot(QColor(0x2f, 0x6f, 0xc0));
    case CertificateState::Expired: return statusDot(QColor(0x8a, 0x8a, 0x8a));
    case CertificateState::Revoked: return statusDot(QColor(0xb0, 0x1c, 0x1c));
    }
    return {};
}

QString CertificateTexts::kind(CertificateKind kind)
{
    return kind == CertificateKind::Host ? tr("host") : tr("user");
}

QString CertificateTexts::authorityType(const CertificateAuthority &authority)
{
    if (authority.keyType == u"ed25519"_s)
        return tr("Ed25519");
    if (authority.keyType == u"ecdsa"_s) {
        const QString curve = authority.ellipticCurve.isEmpty() ? u"p256"_s : authority.ellipticCurve;
        // "p384" -> "P-384"
        return tr("ECDSA %1").arg(curve.left(1).toUpper() + u'-' + curve.mid(1));
    }
    if (authority.keyType == u"rsa"_s)
        return tr("RSA %1").arg(authority.keySize > 0 ? authority.keySize : authority.publicKey.bits());
    return authority.keyType;
}

QString CertificateTexts::authorityName(const CertificateAuthority &authority)
{
    return authority.description.isEmpty() ? authority.fingerprint : authority.description;
}

QString CertificateTexts::error(const Error &error)
{
    if (error.location.isEmpty() || error.message.contains(error.location))
        return error.message;
    return tr("%1 (%2)").arg(error.message, error.location);
}

QStringList CertificateTexts::splitPrincipals(const QString &text)
{
    static const QRegularExpression separators(u"[,\\s]+"_s);
    QStringList principals;
    for (const QString &item : text.split(separators, Qt::SkipEmptyParts)) {
        if (!principals.contains(item))
            principals.append(item);
    }
    return principals;
}

QColor CertificateTexts::expiringColor()
{
    return QColor(0xff, 0xc1, 0x07, 0x60);
}

QString CertificateTexts::shortTime(const QDateTime &time)
{
    return time.isValid() ? time.toLocalTime().toString(u"yyyy-MM-dd HH:mm"_s) : QString();
}

QString CertificateTexts::longTime(const QDateTime &time)
{
    if (!time.isValid())
        return {};
    return time.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss t"_s) + u" ("_s + time.toUTC().toString(Qt::ISODate)
        + u')';
}

QString CertificateTexts::safeFileName(const QString &text)
{
    QString name;
    name.reserve(text.size());
    for (const QChar c : text) {
        const bool keep = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'.'
            || c == u'_' || c == u'-';
        name.append(keep ? c : u'_');
    }
    while (name.startsWith(u'.'))
        name.remove(0, 1);
    return name;
}

} // namespace keystead::ui
