#pragma once

#include "api/ApiEndpoint.h"

namespace keystead {

class SettingsStore;

// The window's endpoint settings, kept in the store. `keystead serve` takes
// its own from the command line and always runs the endpoint.
namespace endpoint_settings {
inline constexpr QLatin1StringView kEnabled{"api.enabled"};
inline constexpr QLatin1StringView kListen{"api.listen"};
inline constexpr QLatin1StringView kTlsCertificate{"api.tls_certificate"};
inline constexpr QLatin1StringView kTlsKey{"api.tls_key"};

// Off by default in the window.
bool isEnabled(const SettingsStore &settings);
Result<EndpointConfig> load(const SettingsStore &settings);
// Validates before writing: a bad address or a missing file changes nothing.
Status save(SettingsStore &settings, bool enabled, const QString &listen, const QString &tlsCertificate,
            const QString &tlsKey);
// Brings the endpoint in line with the settings: started (or restarted) when
// enabled, stopped when not.
Status apply(ApiEndpoint &endpoint, const SettingsStore &settings);
} // namespace endpoint_settings

} // namespace keystead
