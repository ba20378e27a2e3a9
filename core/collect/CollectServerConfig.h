#pragma once

#include "common/ListenAddress.h"

#include <QDir>
#include <QString>

namespace keystead {

struct CollectServerConfig
{
    static constexpr quint16 kDefaultPort = 2222;

    ListenAddress listen{QHostAddress(QHostAddress::LocalHost), kDefaultPort};
    // The data folder; the host keys live in its collect/ subfolder.
    QString dataDir;

    // From the TCP connection to a successful authentication.
    int loginGraceMs = 60'000;
    // From a successful authentication to the end, i.e. the time a user has to press y.
    int idleTimeoutMs = 10 * 60'000;
    // Keys (and other authentication requests) one connection may offer. Past
    // it, the next proven key lets the client in unrecorded, so the user
    // still sees what was collected; a client that keeps going is cut off.
    int maxAuthAttempts = 64;
    // Connections that have not authenticated yet: over either cap a new
    // connection is closed at once, before any SSH work.
    int maxUnauthenticated = 1024;
    int maxUnauthenticatedPerAddress = 256;

    QString hostKeyDir() const { return QDir(dataDir).filePath(QStringLiteral("collect")); }
};

} // namespace keystead
