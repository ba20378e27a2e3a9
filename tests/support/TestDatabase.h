#pragma once

#include "common/Clock.h"
#include "store/Database.h"

#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace keystead::test {

// The store backends a test runs against: "sqlite" always; "postgres" when
// KEYSTEAD_TEST_POSTGRES_URL names a server (a role that may create databases).
// With KEYSTEAD_TEST_REQUIRE_POSTGRES=1 (as in CI) a missing server fails the
// test instead of quietly running SQLite only.
QStringList storeBackends();

// A fresh, empty store for one test: a temporary SQLite file, or a new
// PostgreSQL database that is dropped again at the end.
class TestDatabase final
{
public:
    static std::unique_ptr<TestDatabase> create(const QString &backend, const Clock &clock);
    static std::unique_ptr<TestDatabase> create(const Clock &clock) { return create(QStringLiteral("sqlite"), clock); }
    ~TestDatabase();

    Database &database() { return *m_database; }
    // Closes this process's connections and keeps the store, for a child process to use.
    void closeConnections() { m_database.reset(); }
    // Opens a second Database on the same store, as another Keystead instance would.
    Result<std::unique_ptr<Database>> openAgain(const Clock &clock) const;
    const DatabaseConfig &config() const { return m_config; }
    QString dataDir() const { return m_dir.path(); }
    // The URL `keystead --database` takes for this store.
    QString url() const;

private:
    TestDatabase() = default;
    QTemporaryDir m_dir;
    DatabaseConfig m_config;
    QString m_adminConnection; // PostgreSQL: the connection used to create and drop
    std::unique_ptr<Database> m_database;
};

// Fails the current test with the error's message when `result` is not ok.
#define KEYSTEAD_VERIFY_OK(result)                                                                                     \
    do {                                                                                                               \
        const auto &keysteadResult_ = (result);                                                                        \
        if (!keysteadResult_.ok())                                                                                     \
            QFAIL(qPrintable(QStringLiteral("expected success, got: ") + keysteadResult_.error().message));            \
    } while (false)

} // namespace keystead::test
