#include "collect/SshAlgorithmSupport.h"

namespace keystead {
} // namespace keystead
