#pragma once

#include "TestDatabase.h"

#include "composition/Composition.h"

#include <memory>

namespace keystead::test {

// Keystead as the app builds it (core/composition), on a fresh test store
// ("sqlite" or "postgresql"), with a manual clock and the vault's master key
// in a file of the store's data folder. Tests reach every service by the
// composition's names (core->inventory, core->router, ...).
struct TestCore : Composition
{
    ManualClock clock;
    std::unique_ptr<TestDatabase> store;

    static std::unique_ptr<TestCore> create(const QString &backend = QStringLiteral("sqlite"))
    {
        auto core = std::make_unique<TestCore>();
        if (!core->build(backend))
            return nullptr;
        return core;
    }

    // The services go before the store and the clock they use.
    ~TestCore() override { teardown(); }

protected:
    bool build(const QString &backend)
    {
        store = TestDatabase::create(backend, clock);
        if (!store)
            return false;
        assemble(store->database(), clock, store->dataDir(),
                 std::make_unique<FileMasterKeyStore>(store->dataDir() + QStringLiteral("/master.key")));
        return true;
    }
};

} // namespace keystead::test
