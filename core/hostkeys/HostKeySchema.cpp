#include "store/Migration.h"

namespace keystead {

// Version 9: trusted host keys and drift.
std::vector<Migration> hostKeyMigrations()
{
    return {};
}
} // namespace keystead
