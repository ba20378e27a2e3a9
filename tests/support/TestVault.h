#pragma once

#include "secrets/MasterKeyStore.h"
#include "secrets/Vault.h"

#include <QString>

namespace keystead::test {

// A vault on a test store, its master key in a key file of `folder` (the store's
// data folder, as TestCore has it), so a test needs no keyring.
class TestVault final
{
public:
    TestVault(Database &database, const Clock &clock, const QString &folder)
        : m_keys(folder + QStringLiteral("/master.key"))
        , m_vault(database, clock, m_keys)
    {
    }

    Vault &vault() { return m_vault; }
    MasterKeyStore &keys() { return m_keys; }

private:
    FileMasterKeyStore m_keys;
    Vault m_vault;
};

} // namespace keystead::test
