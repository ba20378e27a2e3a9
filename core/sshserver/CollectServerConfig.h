#pragma once

#include "common/ListenAddress.h"
#include "settings/SshSettings.h"

#include <QDir>
#include <QString>

namespace keystead {

struct CollectServerConfig
{
    static constexpr quint16 kDefaultPort = 2222;

    ListenAddress listen{QHostAddress(QHostAddress::LocalHost), kDefaultPort};
    // The data folder. The host keys are sealed in the vault; versions before it
    // kept them in its collect/ subfolder, which is read once to import them.
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

    // What a settings policy (seed 004) decides, for each new connection.
    // Empty algorithm lists leave libssh's defaults.
    SshAlgorithms algorithms;
    // Written on the session channel after login, before the collect dialog; empty writes nothing.
    QString greeting;
    // SSH_MSG_USERAUTH_BANNER, sent before authentication; empty sends none.
    QString userauthBanner;
    // The identification line is "SSH-2.0-<softwareVersion>"; empty means Keystead's own.
    QString softwareVersion;
    // A client asking for anything but a session (forwarding, agent, X11,
    // subsystems) is disconnected instead of refused.
    bool strictMode = false;
    // service.log_level of seed 004: 0 (nothing) .. 7 (everything libssh says).
    int logLevel = 0;

    QString legacyHostKeyDir() const { return QDir(dataDir).filePath(QStringLiteral("collect")); }

    // This configuration with a policy's server-side settings; a timeout of 0
    // or less keeps idleTimeoutMs.
    CollectServerConfig withPolicy(const SettingsPolicy &policy) const
    {
        CollectServerConfig applied = *this;
        applied.algorithms = policy.serverSide;
        applied.greeting = policy.greeting;
        applied.userauthBanner = policy.userauthBanner;
        applied.softwareVersion = policy.softwareVersion;
        applied.strictMode = policy.strictMode;
        if (policy.timeout > 0)
            applied.idleTimeoutMs
                = policy.timeout > kMaxTimeoutSeconds ? kMaxTimeoutSeconds * 1000 : policy.timeout * 1000;
        return applied;
    }

private:
    // A QTimer holds an int of milliseconds.
    static constexpr int kMaxTimeoutSeconds = 2'000'000;
};

} // namespace keystead
