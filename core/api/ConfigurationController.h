#pragma once

#include "api/HttpMessage.h"

namespace keystead {

class ApiRouter;
class ApiSessions;
class ConfigTransactions;
class SshSettingsService;
class TokenService;

// Seed 004's configuration routes, in SPS's shape (errors: SpsErrorShape):
//   GET /api/configuration, GET /api/configuration/ssh           children
//   GET|PUT /api/configuration/ssh/options                        global SSH options
//   GET|POST /api/configuration/ssh/settings_policies             list, create
//   GET|PUT|DELETE /api/configuration/ssh/settings_policies/{key}
//   POST|GET|PUT|DELETE /api/transaction                          open, status, commit/rollback, rollback
//   POST|GET|DELETE /api/authentication                           session_id cookie from an API token; logout
// Changes happen in the caller's transaction (ConfigTransactions); reads see it.
// It also makes the router accept the session_id cookie on the family's paths.
class ConfigurationController final
{
public:
    ConfigurationController(ApiRouter &router, SshSettingsService &settings, ConfigTransactions &transactions,
                            ApiSessions &sessions, TokenService &tokens);

private:
    HttpResponse listRoot(const HttpRequest &request);
    HttpResponse listSsh(const HttpRequest &request);
    HttpResponse showOptions(const HttpRequest &request);
    HttpResponse replaceOptions(const HttpRequest &request);
    HttpResponse listPolicies(const HttpRequest &request);
    HttpResponse showPolicy(const HttpRequest &request);
    HttpResponse createPolicy(const HttpRequest &request);
    HttpResponse replacePolicy(const HttpRequest &request);
    HttpResponse deletePolicy(const HttpRequest &request);
    HttpResponse openTransaction(const HttpRequest &request);
    HttpResponse showTransaction(const HttpRequest &request);
    HttpResponse changeTransaction(const HttpRequest &request);
    HttpResponse rollbackTransaction(const HttpRequest &request);
    HttpResponse authenticate(const HttpRequest &request);
    HttpResponse logout(const HttpRequest &request);
    HttpResponse transactionAnswer(const QString &owner);

    ApiRouter &m_router;
    SshSettingsService &m_settings;
    ConfigTransactions &m_transactions;
    ApiSessions &m_sessions;
    TokenService &m_tokens;
};

} // namespace keystead
