#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace keystead {

// Seed 003's statuses for a connection to Keystead's own SSH server.
enum class ConnectionStatus { Connected, Disconnected };
QString connectionStatusName(ConnectionStatus status); // "CONNECTED", "DISCONNECTED"
// Either spelling case; nullopt for anything else.
std::optional<ConnectionStatus> connectionStatusFromName(const QString &name);

struct AccessRole
{
    QString id;
    QString name;
};

struct AccessRoleGrant
{
    AccessRole role;
    QDateTime added;
};

// One channel of a connection as its trail sees it.
struct TrailChannel
{
    QString id; // "0", "1", ... in the order the client opened them; "connection" for events outside any channel
    QString type; // "session", ...
    qint64 bytesClientToServer = 0;
    qint64 bytesServerToClient = 0;
};

// One SSH connection to Keystead's server (seed 003's fields where they mean
// something here). Bytes and last activity move while it lives.
struct ConnectionRecord
{
    QString id; // UUID
    QString proxyId; // the Keystead instance that served it
    QString type = QStringLiteral("SSH");
    QStringList authenticationMethods; // "PUBLICKEY", "KEYBOARD_INTERACTIVE", "NONE"
    QString userId; // the collect session's id; empty when no session matched
    QString userDisplayName; // the login name the client sent (the connection identifier)
    QString remoteAddress;
    QString clientVersion;
    QDateTime connected;
    QDateTime disconnected; // null while connected
    ConnectionStatus status = ConnectionStatus::Connected;
    QDateTime lastActivity;
    qint64 bytesIn = 0; // client to server, on the TCP connection
    qint64 bytesOut = 0;
    QDateTime forceDisconnect; // when an operator asked to terminate it; null otherwise
    QString disconnectReason;
    QDateTime created;
    QDateTime updated;
    QString updatedBy;
    bool auditEnabled = true;
    QList<TrailChannel> channels;
    QList<AccessRoleGrant> accessRoles;
    QStringList tags;

    // "PT00:15:38" as the seed writes it: to `disconnected`, or to `now` while connected.
    QString durationText(const QDateTime &now) const;
};

// One record of a trail. Records are append-only and chained: `hash` is
// SHA-256 over (previousHash, connection id, sequence, channel, time, type, data, detail),
// so a row changed or removed by hand breaks the chain at that row.
struct TrailEvent
{
    QString connectionId;
    qint64 sequence = 0; // 1, 2, ... per connection
    QString channelId; // TrailChannel::id
    QDateTime at;
    // Seed 003's SSH event types where they apply ("stdin", "stdout", "stderr",
    // "forward-request", "reverse-request", ...) plus Keystead's own:
    // "client-version", "key-offered", "key-proven", "banner", "auth", "channel-open",
    // "channel-close", "disconnect", "terminate".
    QString type;
    QByteArray data; // bytes as sent (stdin/stdout/stderr) or text
    QJsonObject detail; // structured facts: key fingerprint, proven, reason, who asked, ...
    QByteArray previousHash; // 32 bytes; 32 zero bytes for the first
    QByteArray hash;
};

// The event types a trail filter accepts: the seed's SSH types, then Keystead's own.
const QStringList &seedTrailEventTypes();
const QStringList &trailEventTypes();

// The first broken link of a trail, if any.
struct TrailVerification
{
    bool intact = true;
    qint64 eventCount = 0;
    qint64 brokenAtSequence = 0; // the first record whose hash or link does not match (0 when intact)
    QString message;
};

struct TimeRange
{
    QDateTime from; // null: open
    QDateTime to;
};

// Seed 003's list and search parameters.
struct ConnectionQuery
{
    qint64 offset = 0;
    int limit = 50;
    QString sortKey = QStringLiteral("id"); // any scalar field name of the seed
    bool descending = false;
    QString keywords; // comma or space separated, each matched as a substring of every text field
    QStringList ids;
    QStringList proxyIds;
    QStringList types;
    QStringList authenticationMethods;
    QStringList userIds;
    QStringList userDisplayNames;
    QStringList remoteAddresses;
    QStringList statuses;
    QStringList accessRoles;
    QStringList tags;
    std::optional<bool> hasAccessRoles;
    std::optional<bool> forceDisconnected; // an operator asked to terminate it (force_disconnect set)
    TimeRange connected;
    TimeRange disconnected;
    TimeRange lastActivity;
    bool withTrail = true; // list pages for the panel leave the channels out
};

struct ConnectionPage
{
    qint64 count = 0; // matching rows in all
    QList<ConnectionRecord> items;
};

} // namespace keystead
