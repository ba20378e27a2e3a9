#include "store/Migration.h"

namespace keystead {

// Version 11: signed checkpoints of connection trails.
std::vector<Migration> trailTimestampMigrations()
{
    return {};
}
} // namespace keystead
