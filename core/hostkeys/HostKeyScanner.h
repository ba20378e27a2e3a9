#pragma once

#include "hostkeys/HostKeyRecords.h"
#include "settings/SshSettings.h"

#include <atomic>

namespace keystead {

// Collects the host keys an SSH server offers, as ssh-keyscan does: one libssh
// client connection per key type (ssh-ed25519, ecdsa-sha2-nistp256/384/521,
// rsa-sha2-512 / ssh-rsa), each ended right after the key exchange. Blocking:
// run it on a worker thread. Uses the client side algorithms of the policy
// given (cipher, kex, mac, compression); the key types come from the scanner.
struct HostKeyScanOptions
{
    int timeoutMs = 10'000; // per connection
    std::optional<SshAlgorithms> clientAlgorithms;
    // Checked between connections; a cancelled scan returns what it has with error "cancelled".
    const std::atomic<bool> *cancel = nullptr;
};

ScanResult scanHostKeys(const QString &address, int port, const HostKeyScanOptions &options = {});

} // namespace keystead
