#include "store/Migration.h"

namespace keystead {

// Version 8: certificate authorities, issued certificates, revocations.
std::vector<Migration> caMigrations()
{
    return {};
}
} // namespace keystead
