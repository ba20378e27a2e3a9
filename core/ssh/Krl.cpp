#include "ssh/Krl.h"

namespace keystead {
} // namespace keystead
