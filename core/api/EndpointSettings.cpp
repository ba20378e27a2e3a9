#include "EndpointSettings.h"

#include "store/SettingsStore.h"

#include <QFileInfo>

using namespace Qt::StringLiterals;

namespace keystead::endpoint_settings {

namespace {

Status checkTlsFiles(const QString &certificate, const QString &key)
{
    if (certificate.isEmpty() != key.isEmpty())
        return Error::invalid(u"TLS needs both a certificate file and a key file"_s);
    for (const QString &file : {certificate, key}) {
        if (!file.isEmpty() && !QFileInfo(file).isReadable())
            return Error::invalid(u"cannot read %1"_s.arg(file));
    }
    return {};
}

} // namespace

bool isEnabled(const SettingsStore &settings)
{
    return settings.boolValue(QString(kEnabled), false);
}

Result<EndpointConfig> load(const SettingsStore &settings)
{
    EndpointConfig config;
    const QString listen = settings.value(QString(kListen), config.listen.toString());
    Result<ListenAddress> parsed = ListenAddress::parse(listen);
    if (!parsed)
        return parsed.error();
    config.listen = parsed.value();
    config.tlsCertificateFile = settings.value(QString(kTlsCertificate));
    config.tlsKeyFile = settings.value(QString(kTlsKey));
    return config;
}

Status save(SettingsStore &settings, bool enabled, const QString &listen, const QString &tlsCertificate,
            const QString &tlsKey)
{
    Result<ListenAddress> parsed = ListenAddress::parse(listen);
    if (!parsed)
        return parsed.error();
    if (Status tls = checkTlsFiles(tlsCertificate, tlsKey); !tls)
        return tls;
    for (const auto &[name, value] : {std::pair{kListen, parsed.value().toString()},
                                      std::pair{kTlsCertificate, tlsCertificate}, std::pair{kTlsKey, tlsKey}}) {
        if (Status written = settings.setValue(QString(name), value); !written)
            return written;
    }
    return settings.setBoolValue(QString(kEnabled), enabled);
}

Status apply(ApiEndpoint &endpoint, const SettingsStore &settings)
{
    if (!isEnabled(settings)) {
        endpoint.stop();
        return {};
    }
    Result<EndpointConfig> config = load(settings);
    if (!config)
        return config.error();
    return endpoint.start(config.value());
}

} // namespace keystead::endpoint_settings
