#pragma once

#include <QLatin1StringView>

// Every named value Keystead keeps in the store's settings table, written down
// once with its type, default and allowed range. Read and write them through
// SettingsStore's typed overloads; nobody spells a key as a string elsewhere.
namespace keystead::setting {

struct Int
{
    QLatin1StringView name;
    int fallback;
    int minimum;
    int maximum;
};

struct Bool
{
    QLatin1StringView name;
    bool fallback;
};

// Text whose default depends on the reader (an address, a path).
struct Text
{
    QLatin1StringView name;
};

// The HTTP endpoint of the window (`keystead serve` takes its own from the command line).
inline constexpr Bool kApiEnabled{QLatin1StringView("api.enabled"), false};
inline constexpr Text kApiListen{QLatin1StringView("api.listen")};
inline constexpr Text kApiTlsCertificate{QLatin1StringView("api.tls_certificate")};
inline constexpr Text kApiTlsKey{QLatin1StringView("api.tls_key")};

// The window's collect server.
inline constexpr Text kCollectListen{QLatin1StringView("collect.listen")};
inline constexpr Bool kCollectNotify{QLatin1StringView("collect.notify"), true};

// Trail retention before seed 004's audit.cleanup took it over (read once, by the migration that moves it).
inline constexpr Int kConnectionsRetentionDays{QLatin1StringView("connections.retention_days"), 600, 0, 36500};
// One instance id per machine; the host name follows the prefix.
inline constexpr QLatin1StringView kConnectionsProxyIdPrefix{"connections.proxy_id."};

// Certificates closer than this to their end are flagged "expiring soon".
inline constexpr Int kCertificateExpiryWarningDays{QLatin1StringView("certificates.expiry_warning_days"), 7, 0, 3650};

// Trusted host keys are scanned again this often (0: never).
inline constexpr Int kHostKeyRescanIntervalMinutes{QLatin1StringView("hostkeys.rescan_interval_minutes"), 0, 0, 525600};

} // namespace keystead::setting
