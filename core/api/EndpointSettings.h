#pragma once

#include "api/ApiEndpoint.h"
#include "store/SettingKeys.h"

namespace keystead {

class SettingsStore;

// The window's endpoint settings, kept in the store. `keystead serve` takes
// its own from the command line and always runs the endpoint.
namespace endpoint_settings {
inline constexpr QLatin1StringView kEnabled = setting::kApiEnabled.name;
inline constexpr QLatin1StringView kListen = setting::kApiListen.name;
inline constexpr QLatin1StringView kTlsCertificate = setting::kApiTlsCertificate.name;
inline constexpr QLatin1StringView kTlsKey = setting::kApiTlsKey.name;

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
