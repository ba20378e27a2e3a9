#include "ui/common/CollectServerSettings.h"

#include "store/SettingsStore.h"

namespace keystead::ui::collect_settings {

ListenAddress defaultListenAddress()
{
    return ListenAddress{QHostAddress(QHostAddress::LocalHost), CollectServerConfig::kDefaultPort};
}

Result<ListenAddress> listenAddress(const SettingsStore &settings)
{
    return ListenAddress::parse(settings.value(QString(kListen), defaultListenAddress().toString()));
}

bool notificationsEnabled(const SettingsStore &settings)
{
    return settings.value(setting::kCollectNotify);
}

Status save(SettingsStore &settings, const QString &listen, bool notify)
{
    Result<ListenAddress> parsed = ListenAddress::parse(listen);
    if (!parsed)
        return parsed.error();
    if (Status written = settings.setValue(QString(kListen), parsed.value().toString()); !written)
        return written;
    return settings.setValue(setting::kCollectNotify, notify);
}

} // namespace keystead::ui::collect_settings
