#pragma once

#include "api/ConnectionLogSessions.h"
#include "api/HttpMessage.h"
#include "common/Result.h"

#include <QDateTime>
#include <QLatin1StringView>

#include <atomic>
#include <optional>

namespace keystead {

class ApiRouter;
class Clock;
class ConnectionService;
class TrailTimestamper;
struct ConnectionQuery;
struct ConnectionRecord;

// Seed 003's routes under /connection-manager/api/v1/connections: list, search
// and get connections; trail log downloads (two steps, as the seed); trail files
// (none here: 404); access roles; tags; and Keystead's own terminate and trail
// verification (with the trail's signed checkpoints), and the public key that
// signs those checkpoints (/connection-manager/api/v1/timestamping/public_key).
// Errors in ConnectionErrorShape, registered for /connection-manager/.
class ConnectionController final
{
public:
    // Durations of live connections run to `clock`'s now.
    ConnectionController(ApiRouter &router, ConnectionService &connections, const Clock &clock);

    // What signs trail checkpoints; without one the public key route answers 503.
    void setTimestamper(TrailTimestamper *timestamper);

    static constexpr QLatin1StringView kConnectionsPath{"/connection-manager/api/v1/connections"};
    static constexpr QLatin1StringView kTimestampingKeyPath{"/connection-manager/api/v1/timestamping/public_key"};

private:
    HttpResponse list(const HttpRequest &request);
    HttpResponse search(const HttpRequest &request);
    HttpResponse show(const HttpRequest &request);
    HttpResponse createLogSession(const HttpRequest &request);
    HttpResponse downloadLog(const HttpRequest &request);
    HttpResponse fileSession(const HttpRequest &request);
    HttpResponse downloadFile(const HttpRequest &request);
    HttpResponse accessRoles(const HttpRequest &request);
    HttpResponse grantRole(const HttpRequest &request);
    HttpResponse revokeRole(const HttpRequest &request);
    HttpResponse changeRole(const HttpRequest &request, bool grant);
    HttpResponse revokeRoleEverywhere(const HttpRequest &request);
    HttpResponse tags(const HttpRequest &request);
    HttpResponse setTags(const HttpRequest &request);
    HttpResponse terminate(const HttpRequest &request);
    HttpResponse verifyTrail(const HttpRequest &request);
    HttpResponse timestampingKey(const HttpRequest &request);

    HttpResponse page(const ConnectionQuery &query, const HttpRequest &request) const;
    HttpResponse failure(const Error &error, const HttpRequest &request) const;
    // The connection a path names, or a 404 response.
    std::optional<HttpResponse> refuseUnknownConnection(const HttpRequest &request, ConnectionRecord *found) const;

    ApiRouter &m_router;
    ConnectionService &m_connections;
    const Clock &m_clock;
    std::atomic<TrailTimestamper *> m_timestamper = nullptr;
    ConnectionLogSessions m_logSessions;
};

} // namespace keystead
