#include "hostkeys/SshSettingsService.h"

namespace keystead {
} // namespace keystead
