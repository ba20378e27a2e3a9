#pragma once

#include "api/HttpMessage.h"
#include "ssh/SshCertificate.h"

namespace keystead {

class ApiRouter;
class CertificateAuthorityService;

// Seed 002's routes (ngrok's SSH certificate API): /ssh_certificate_authorities,
// /ssh_user_certificates and /ssh_host_certificates (create, list, get, update,
// delete), and Keystead's additions in the same style: POST .../{id}/revoke,
// POST /ssh_certificate_revocations (every certificate of one subject key), and
// per CA GET .../krl, .../trusted_user_ca_keys and .../known_hosts. Errors in
// CaErrorShape's form; lists page with `limit` and `before_id`.
class CaController final
{
public:
    CaController(ApiRouter &router, CertificateAuthorityService &service);

private:
    HttpResponse createAuthority(const HttpRequest &request);
    HttpResponse listAuthorities(const HttpRequest &request);
    HttpResponse showAuthority(const HttpRequest &request);
    HttpResponse updateAuthority(const HttpRequest &request);
    HttpResponse deleteAuthority(const HttpRequest &request);
    HttpResponse revocationList(const HttpRequest &request);
    HttpResponse trustedUserCaKeys(const HttpRequest &request);
    HttpResponse knownHosts(const HttpRequest &request);

    HttpResponse createCertificate(CertificateKind kind, const HttpRequest &request);
    HttpResponse listCertificates(CertificateKind kind, const HttpRequest &request);
    HttpResponse showCertificate(CertificateKind kind, const HttpRequest &request);
    HttpResponse updateCertificate(CertificateKind kind, const HttpRequest &request);
    HttpResponse deleteCertificate(CertificateKind kind, const HttpRequest &request);
    HttpResponse revokeCertificate(CertificateKind kind, const HttpRequest &request);
    HttpResponse revokeSubject(const HttpRequest &request);

    HttpResponse fail(const Error &error, const HttpRequest &request) const;

    ApiRouter &m_router;
    CertificateAuthorityService &m_service;
};

} // namespace keystead
