#pragma once

#include "composition/Composition.h"

#include <QStringList>

namespace keystead::app {

// Exit statuses of the command line contract.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1; // the command ran and failed (database, port in use, ...)
inline constexpr int kExitUsage = 2; // a bad flag or value: one line on stderr

int runServe(const QStringList &arguments);
int runToken(const QStringList &arguments);
#ifdef KEYSTEAD_WITH_GUI
int runWindow(int &argc, char **argv);
#endif

// Shared by every command: prints one line to stderr.
int usageError(const QString &message);
int failure(const QString &message);
StoreLocation storeLocation(const QString &dataDirOption, const QString &databaseOption);
QString defaultDataDir();

} // namespace keystead::app
