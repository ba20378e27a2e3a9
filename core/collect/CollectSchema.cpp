#include "store/Migration.h"

namespace keystead {

// The collect sessions' tables: schema version 2.
std::vector<Migration> collectMigrations()
{
    return {};
}

} // namespace keystead
