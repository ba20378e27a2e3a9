#pragma once

#include "api/HttpMessage.h"
#include "settings/SshSettings.h"

#include <functional>
#include <optional>

namespace keystead {

class ApiRouter;
class HostKeyStore;

// Seed 004's trusted host keys, /api/ssh-host-keys: list (filters type, port,
// address), upload (POST), show and delete by id "<type>-<address>:<port>";
// and Keystead's own: scan (POST /scan), drift (GET /drift,
// POST /drift/{id}/acknowledge), known_hosts export (GET) and import (POST,
// text/plain). Errors in SpsErrorShape. Changes apply at once: host keys need no
// transaction (only /api/configuration/ does).
class HostKeyController final
{
public:
    // `clientAlgorithms`: the active settings policy's client side, asked at every scan; may be empty.
    HostKeyController(ApiRouter &router, HostKeyStore &store,
                      std::function<std::optional<SshAlgorithms>()> clientAlgorithms = {});

    // Per connection; a scan makes up to five connections, one after the other, in the endpoint's thread.
    static constexpr int kDefaultScanTimeoutMs = 5'000;
    static constexpr int kMaxScanTimeoutMs = 30'000;

private:
    HttpResponse list(const HttpRequest &request);
    HttpResponse show(const HttpRequest &request);
    HttpResponse upload(const HttpRequest &request);
    HttpResponse remove(const HttpRequest &request);
    HttpResponse scan(const HttpRequest &request);
    HttpResponse drifts(const HttpRequest &request);
    HttpResponse acknowledge(const HttpRequest &request);
    HttpResponse exportKnownHosts(const HttpRequest &request);
    HttpResponse importKnownHosts(const HttpRequest &request);

    ApiRouter &m_router;
    HostKeyStore &m_store;
    std::function<std::optional<SshAlgorithms>()> m_clientAlgorithms;
};

} // namespace keystead
