#include "store/Migration.h"

namespace keystead {

// The webhook outbox: schema version 3.
std::vector<Migration> webhookMigrations()
{
    return {};
}

} // namespace keystead
