#include "store/Migration.h"

namespace keystead {

// Version 10: SSH settings policies and options.
std::vector<Migration> sshSettingsMigrations()
{
    return {};
}
} // namespace keystead
