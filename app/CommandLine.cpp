#include "CommandLine.h"

#include <QStandardPaths>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace keystead::app {

int usageError(const QString &message)
{
    std::fprintf(stderr, "keystead: %s\n", qPrintable(message));
    return kExitUsage;
}

int failure(const QString &message)
{
    std::fprintf(stderr, "keystead: %s\n", qPrintable(message));
    return kExitFailure;
}

QString defaultDataDir()
{
    const QString fromEnvironment = qEnvironmentVariable("KEYSTEAD_DATA_DIR");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}

StoreLocation storeLocation(const QString &dataDirOption, const QString &databaseOption)
{
    StoreLocation location;
    location.dataDir = dataDirOption.isEmpty() ? defaultDataDir() : dataDirOption;
    location.databaseUrl = databaseOption.isEmpty() ? u"sqlite:"_s : databaseOption;
    return location;
}

} // namespace keystead::app
