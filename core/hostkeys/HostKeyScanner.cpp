#include "hostkeys/HostKeyScanner.h"

namespace keystead {
} // namespace keystead
