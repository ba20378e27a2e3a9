#include "ca/CaRecords.h"

namespace keystead {
} // namespace keystead
