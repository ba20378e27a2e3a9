#pragma once

#include "common/Result.h"
#include "sshserver/CollectServerConfig.h"
#include "store/SettingKeys.h"

namespace keystead {
class SettingsStore;
}

// The window's collect server settings, kept in the store. `keystead serve`
// takes its address from --collect-listen instead.
namespace keystead::ui::collect_settings {

inline constexpr QLatin1StringView kListen = setting::kCollectListen.name;

// 127.0.0.1:2222: reachable from this machine only until the operator says otherwise.
ListenAddress defaultListenAddress();
// The stored address, or the default when none is stored; an error for a stored value that does not parse.
Result<ListenAddress> listenAddress(const SettingsStore &settings);
// On by default: a key arriving is what the operator waits for.
bool notificationsEnabled(const SettingsStore &settings);
// Validates before writing: a bad address changes nothing.
Status save(SettingsStore &settings, const QString &listen, bool notify);

} // namespace keystead::ui::collect_settings
