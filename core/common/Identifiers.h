#pragma once

#include "common/Result.h"

#include <QString>

namespace keystead::identifiers {

// A random name of `length` characters from a-z and 0-9, uniformly chosen
// (no modulo bias) from the system's cryptographic generator.
Result<QString> randomLowercase(int length);

// A random UUID without braces, for rows whose id nobody types.
QString newUuid();

} // namespace keystead::identifiers
