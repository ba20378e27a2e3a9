#include "hostkeys/HostKeyStore.h"

namespace keystead {
} // namespace keystead
