#include "ca/CertificateAuthorityService.h"

namespace keystead {
CertificateAuthorityService::~CertificateAuthorityService() = default;
} // namespace keystead
