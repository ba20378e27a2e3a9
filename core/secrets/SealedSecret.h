#pragma once

#include "common/Result.h"
#include "secrets/Vault.h"

#include <QByteArray>

#include <functional>

namespace keystead {

class Database;

// A secret made once for the whole store and kept sealed in the vault, such as a
// signing key or a host key: every Keystead instance sharing the store uses the
// one the vault holds, so none keeps a copy in its data folder.
//
// Returns the value sealed under `ref`. When the vault holds none, seals what
// `make` returns (a key an older version kept in a file, or a fresh one) and
// returns what the vault holds afterwards. The check and the seal run in one
// write transaction that two instances cannot interleave (PostgreSQL: an
// advisory lock; SQLite: BEGIN IMMEDIATE), so racing instances end with one value.
// When the vault cannot be opened, the error is the vault's own (its message and
// "vault_state" detail), nothing is made and `make` is not called.
Result<QByteArray> sealedSecretOrMake(Vault &vault, Database &database, const SecretRef &ref,
                                      const std::function<Result<QByteArray>()> &make);

// Replaces the value sealed under `ref` (a fresh key, when the old one may have leaked).
Status resealSecret(Vault &vault, Database &database, const SecretRef &ref, QByteArrayView value);

} // namespace keystead
