#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace keystead {

// One side's algorithm lists, in order of preference (seed 004's
// server_side_algorithms / client_side_algorithms).
struct SshAlgorithms
{
    QStringList cipher;
    QStringList kex;
    QStringList mac;
    QStringList compression;
    friend bool operator==(const SshAlgorithms &, const SshAlgorithms &) = default;
};

// Seed 004's SSH settings policy. What each field does to Keystead's own SSH
// server (the collect server), for new connections:
//   server_side_algorithms  the ciphers, key exchanges, MACs and compression it offers
//   client_side_algorithms  what the host key scanner offers when it connects out
//   greeting                written in the session channel right after login, before the collect dialog
//   userauth_banner         the SSH_MSG_USERAUTH_BANNER a client shows before it authenticates
//   timeout                 idle timeout in seconds after login (the time a user has to answer)
//   software_version        the identification string: "SSH-2.0-<software_version>"
//   strict_mode             refuse a client that asks for anything but a session (no forwarding
//                           requests, env, subsystems): the connection is cut, not just the request
//   preconnect_channel_check kept as given: Keystead has no target server to check before a channel
struct SettingsPolicy
{
    QString key; // "-300" is the built-in default; others are random ids
    QString name;
    SshAlgorithms serverSide;
    SshAlgorithms clientSide;
    QString greeting;
    QString userauthBanner;
    int timeout = 600;
    bool strictMode = true;
    bool preconnectChannelCheck = false;
    QString softwareVersion = QStringLiteral("Keystead");
    friend bool operator==(const SettingsPolicy &, const SettingsPolicy &) = default;
};

// Seed 004's global options, plus the policy the server runs with.
struct SshOptions
{
    bool serviceEnabled = true; // service.enabled: the collect server runs
    int logLevel = 4; // service.log_level, 0 (nothing) .. 7 (everything libssh says)
    bool cleanupEnabled = true; // audit.cleanup.enabled
    int cleanupDays = 600; // audit.cleanup.channel_database_cleanup_days: connection trails kept this long
    QString timestampingSelection = QStringLiteral("local"); // audit.timestamping.selection: only "local"
    int signingInterval = 30; // audit.timestamping.signing_interval, seconds
    bool gssapiEnabled = false; // gssapi.enabled: deprecated in the seed; only false is accepted
    QString settingsPolicy = QStringLiteral("-300"); // service.settings_policy: Keystead's extension
    friend bool operator==(const SshOptions &, const SshOptions &) = default;
};

} // namespace keystead
