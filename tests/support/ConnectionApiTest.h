#pragma once

#include "ApiTestSupport.h"

#include <QStringList>

namespace keystead::test {

// What one generated connection looks like; the recorder is told exactly this.
struct Generated
{
    QString address;
    QString user;
    QString collectSessionId;
    QStringList methods{QStringLiteral("PUBLICKEY")};
    QByteArray typed = "y";
    qint64 bytesIn = 100;
    qint64 bytesOut = 1000;
    qint64 seconds = 60; // how long it lasts
    bool close = true;
};

// The ids of a page of connections, in its order.
QStringList idsOf(const QJsonObject &page);
// The event types of a JSON-lines trail download, in its order.
QStringList jsonlTypes(const QByteArray &body);

// The frame of the tests of seed 003's connections over real HTTP: records
// are made through the recorder calls the SSH server makes (so trails and
// their hash chain are real).
class ConnectionApiTest : public ApiTestCase
{
protected:
    // A connection as Keystead's SSH server reports one; the clock moves by its duration.
    QString generate(const Generated &spec);
    // The family's error body, checked for its shape; returns details.parameter.
    static QString errorParameter(const HttpReply &reply, int status);

    inline static const QString kConnections = QStringLiteral("/connection-manager/api/v1/connections");
    inline static const QString kTimestampingKey = QStringLiteral("/connection-manager/api/v1/timestamping/public_key");
};

} // namespace keystead::test
