#pragma once

#include "common/Result.h"

#include <QByteArray>
#include <QByteArrayView>

namespace keystead::crypto {

// Cryptographically strong random bytes from OpenSSL.
Result<QByteArray> randomBytes(int count);
QByteArray sha256(QByteArrayView data);
// Compares in time that depends only on the length, never on where they differ.
bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

} // namespace keystead::crypto
