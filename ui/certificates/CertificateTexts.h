#pragma once

#include "ca/CaRecords.h"
#include "common/Result.h"

#include <QColor>
#include <QCoreApplication>
#include <QIcon>
#include <QStringList>

namespace keystead::ui {

// What the certificates panel and its dialogs share: how states, kinds, CA
// types and service errors read, how principals are typed, which file names
// the exports suggest.
class CertificateTexts final
{
    Q_DECLARE_TR_FUNCTIONS(CertificateTexts)

public:
    // "valid", "not yet valid", "expired", "revoked".
    static QString state(CertificateState state);
    // A filled dot: green valid, blue not yet valid, grey expired, red revoked.
    static QIcon stateIcon(CertificateState state);
    // "user", "host".
    static QString kind(CertificateKind kind);
    // "Ed25519", "ECDSA P-384", "RSA 4096": what the seed's private_key_type,
    // elliptic_curve and key_size say together.
    static QString authorityType(const CertificateAuthority &authority);
    // How a CA is named in lists: its description, else its fingerprint.
    static QString authorityName(const CertificateAuthority &authority);
    // The message, with the field it is about when the service names one.
    static QString error(const Error &error);
    // "alice, bob deploy" -> {"alice", "bob", "deploy"}: commas or spaces, duplicates dropped.
    static QStringList splitPrincipals(const QString &text);
    // The background of a row that expires soon: amber, readable in light and dark palettes.
    static QColor expiringColor();

    // Unambiguous in every locale, and it sorts as it reads.
    static QString shortTime(const QDateTime &time);
    // With seconds and the zone, for the detail pane.
    static QString longTime(const QDateTime &time);

    // A name fit for a file: letters, digits, '.', '_' and '-' kept, the rest '_'.
    static QString safeFileName(const QString &text);
};

} // namespace keystead::ui
