#include "TestDatabase.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>
#include <QtTest>

using namespace Qt::StringLiterals;

namespace keystead::test {

QStringList storeBackends()
{
    QStringList backends{u"sqlite"_s};
    if (!qEnvironmentVariable("KEYSTEAD_TEST_POSTGRES_URL").isEmpty())
        backends.append(u"postgres"_s);
    else if (qEnvironmentVariable("KEYSTEAD_TEST_REQUIRE_POSTGRES") == u"1"_s)
        backends.append(u"postgres"_s); // create() then fails loudly
    return backends;
}

std::unique_ptr<TestDatabase> TestDatabase::create(const QString &backend, const Clock &clock)
{
    std::unique_ptr<TestDatabase> test(new TestDatabase);
    if (!test->m_dir.isValid())
        qFatal("cannot create a temporary folder");
    if (backend == u"sqlite"_s) {
        test->m_config.sqliteFile = test->m_dir.filePath(u"keystead.sqlite"_s);
    } else {
        const QString url = qEnvironmentVariable("KEYSTEAD_TEST_POSTGRES_URL");
        if (url.isEmpty()) {
            qWarning("KEYSTEAD_TEST_POSTGRES_URL is not set but PostgreSQL tests are required");
            return nullptr;
        }
        Result<DatabaseConfig> server = DatabaseConfig::fromUrl(url, test->m_dir.path());
        if (!server) {
            qWarning("KEYSTEAD_TEST_POSTGRES_URL: %s", qPrintable(server.error().message));
            return nullptr;
        }
        // One database per test, so tests may run in parallel and leave nothing behind.
        const QString name = u"keystead_test_"_s + QUuid::createUuid().toString(QUuid::Id128).left(16);
        test->m_adminConnection = u"keystead-test-admin-"_s + name;
        QSqlDatabase admin = QSqlDatabase::addDatabase(u"QPSQL"_s, test->m_adminConnection);
        admin.setHostName(server->host);
        admin.setPort(server->port);
        admin.setUserName(server->userName);
        admin.setPassword(server->password);
        admin.setDatabaseName(server->databaseName);
        if (!admin.open()) {
            qWarning("cannot reach PostgreSQL at %s: %s", qPrintable(server->displayName()),
                     qPrintable(admin.lastError().text()));
            return nullptr;
        }
        QSqlQuery create(admin);
        if (!create.exec(u"CREATE DATABASE "_s + name)) {
            qWarning("cannot create a test database: %s", qPrintable(create.lastError().text()));
            return nullptr;
        }
        test->m_config = server.value();
        test->m_config.databaseName = name;
    }
    test->m_config.backend
        = backend == u"sqlite"_s ? DatabaseConfig::Backend::Sqlite : DatabaseConfig::Backend::Postgres;
    Result<std::unique_ptr<Database>> opened = Database::open(test->m_config, clock);
    if (!opened) {
        qWarning("cannot open the test store: %s", qPrintable(opened.error().message));
        return nullptr;
    }
    test->m_database = std::move(opened).value();
    return test;
}

TestDatabase::~TestDatabase()
{
    m_database.reset();
    if (m_adminConnection.isEmpty())
        return;
    {
        QSqlDatabase admin = QSqlDatabase::database(m_adminConnection, false);
        QSqlQuery drop(admin);
        if (!drop.exec(u"DROP DATABASE IF EXISTS %1 WITH (FORCE)"_s.arg(m_config.databaseName)))
            qWarning("cannot drop %s: %s", qPrintable(m_config.databaseName), qPrintable(drop.lastError().text()));
        admin.close();
    }
    QSqlDatabase::removeDatabase(m_adminConnection);
}

Result<std::unique_ptr<Database>> TestDatabase::openAgain(const Clock &clock) const
{
    return Database::open(m_config, clock);
}

QString TestDatabase::url() const
{
    if (m_config.backend == DatabaseConfig::Backend::Sqlite)
        return u"sqlite:"_s + m_config.sqliteFile;
    return u"postgresql://%1:%2@%3:%4/%5"_s.arg(m_config.userName, m_config.password, m_config.host)
        .arg(m_config.port)
        .arg(m_config.databaseName);
}

} // namespace keystead::test
