#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace keystead {

// One trusted host key (seed 004's ssh-host-keys object).
struct TrustedHostKey
{
    // "<type>-<address>:<port>", e.g. "ssh-ed25519-10.0.0.1:22", "ssh-rsa-2001:db8::1:22".
    QString key;
    QString address; // IPv4, canonical IPv6 (RFC 5952), or a host name as given (lower case)
    int port = 22;
    QString type; // ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa, ssh-dss, x509v3-sign-rsa, x509v3-sign-dss
    QString value; // base64 of the key blob (or the certificate), as the seed
    QString fingerprint; // SHA256:... for the SSH key types; empty for x509v3 kinds
    QDateTime addedAt;
    QString origin; // "api", "scan", "known_hosts", "console"
};

struct HostKeyInput
{
    QString address;
    int port = 22;
    QString type;
    QString value;
    QString origin = QStringLiteral("api");
};

struct HostKeyFilter
{
    QString type;
    std::optional<int> port;
    QString address; // compared in canonical form
};

// A key a server offered to a scan.
struct ScannedHostKey
{
    QString type;
    QString value; // base64 blob
    QString fingerprint; // SHA256:...
    int bits = 0;
    enum class Trust { New, Trusted, Changed } trust = Trust::New;
    QString trustedFingerprint; // for Changed: what is trusted for this address, port and type
};

struct ScanResult
{
    QString address; // canonical
    int port = 22;
    QList<ScannedHostKey> keys;
    QString error; // empty when the scan reached the server

    // details["reason"] of an Error that reports a scan which found no key.
    static constexpr QLatin1StringView kFailedReason{"scan_failed"};
};

// A trusted key that a later scan saw changed. Kept until acknowledged; the
// trusted key is never replaced by a scan.
struct HostKeyDrift
{
    qint64 id = 0;
    QString hostKey; // the trusted key's id
    QString address;
    int port = 22;
    QString type;
    QString trustedFingerprint;
    QString seenFingerprint;
    QString seenValue;
    QDateTime detectedAt;
    std::optional<QDateTime> acknowledgedAt;
};

struct KnownHostsImport
{
    int added = 0;
    int alreadyTrusted = 0;
    int skippedHashed = 0; // |1|... names cannot be turned back into addresses
    int skippedInvalid = 0;
    int skippedMarkers = 0; // @cert-authority / @revoked lines
    QStringList problems; // "line 7: ..."
};

} // namespace keystead
