#include "ssh/SshCertificate.h"

namespace keystead {
} // namespace keystead
