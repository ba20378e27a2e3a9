#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace keystead {

// What Keystead's SSH server tells about every connection it accepts, whether
// or not a collect session matches. Called on the server's thread: calls must
// be cheap (implementations buffer and write in batches) and thread-safe.
class ConnectionRecorder
{
public:
    virtual ~ConnectionRecorder() = default;

    // A TCP connection was accepted. Returns the record's id, used in every later call.
    virtual QString opened(const QString &remoteAddress) = 0;
    // An event of the trail, in the order it happened (see TrailEvent for the types).
    // `channelId` is "connection" for events outside any channel.
    virtual void event(const QString &connectionId, const QString &channelId, const QString &type,
                       const QByteArray &data, const QJsonObject &detail = {})
        = 0;
    // The client authenticated (or was admitted) as `userDisplayName` into a collect session.
    virtual void authenticated(const QString &connectionId, const QString &userDisplayName,
                               const QString &collectSessionId, const QStringList &methods)
        = 0;
    // Cumulative TCP byte counts (client to server, server to client); called now and then.
    virtual void traffic(const QString &connectionId, qint64 bytesIn, qint64 bytesOut) = 0;
    // Channel payload counts for one channel, cumulative.
    virtual void channelTraffic(const QString &connectionId, const QString &channelId, const QString &channelType,
                                qint64 clientToServer, qint64 serverToClient)
        = 0;
    // The connection ended; `reason` in operator words ("client disconnected", "terminated by ...").
    virtual void closed(const QString &connectionId, const QString &reason) = 0;
};

// Ends a live connection on request. Implemented by the SSH server; any thread may call.
class ConnectionTerminator
{
public:
    virtual ~ConnectionTerminator() = default;
    // False when no live connection has this id on this instance.
    virtual bool terminate(const QString &connectionId, const QString &reason) = 0;
};

} // namespace keystead
