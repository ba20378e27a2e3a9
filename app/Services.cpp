#include "Services.h"

#include <QDir>
#include <QFile>

using namespace Qt::StringLiterals;

namespace keystead::app {

Result<std::unique_ptr<Services>> Services::open(const StoreLocation &location)
{
    if (!QDir().mkpath(location.dataDir))
        return Error::unavailable(u"cannot create the data folder %1"_s.arg(location.dataDir));
    // The data folder holds host keys and the store: only its owner may look inside.
    QFile::setPermissions(location.dataDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

    Result<DatabaseConfig> config = DatabaseConfig::fromUrl(location.databaseUrl, location.dataDir);
    if (!config)
        return config.error();

    auto services = std::make_unique<Services>();
    Result<std::unique_ptr<Database>> database = Database::open(config.value(), services->clock);
    if (!database)
        return database.error();
    services->database = std::move(database).value();
    services->settings = std::make_unique<SettingsStore>(*services->database);
    services->tokens = std::make_unique<TokenService>(*services->database);
    services->router = std::make_unique<ApiRouter>(*services->tokens, services->clock);
    services->systemController = std::make_unique<SystemController>(*services->router);
    services->endpoint = std::make_unique<ApiEndpoint>(*services->router, *services->database);
    return services;
}

Services::~Services()
{
    // The endpoint's thread calls into the services: stop it before they go.
    endpoint.reset();
}

} // namespace keystead::app
