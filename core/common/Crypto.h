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

// AES-256-GCM under a 32-byte key with a fresh random 12-byte nonce; returns
// nonce | ciphertext | 16-byte tag. Every sealed secret of Keystead goes through here.
Result<QByteArray> aes256GcmSeal(QByteArrayView key, QByteArrayView associatedData, QByteArrayView plaintext);
// Opens what aes256GcmSeal made. Fails, revealing nothing (the partial plaintext is
// wiped), when the key, the associated data or any byte differs.
Result<QByteArray> aes256GcmOpen(QByteArrayView key, QByteArrayView associatedData, QByteArrayView sealed);

} // namespace keystead::crypto
