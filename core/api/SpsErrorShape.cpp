#include "api/SpsErrorShape.h"

namespace keystead {
} // namespace keystead
