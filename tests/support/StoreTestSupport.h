#pragma once

#include "TestDatabase.h"

#include "store/Sql.h"

#include <QtTest>

#include <memory>

// Small helpers the store-backed unit tests share: one data row per store
// backend, and reading or changing rows behind a service's back.
namespace keystead::test {

// A fresh store for one test (TestDatabase); the fixtures of the services derive from it.
struct StoreFixture
{
    std::unique_ptr<TestDatabase> store;

    Database &database() { return store->database(); }
};

// The "backend" column of a data-driven test: one row per store backend (storeBackends()).
inline void backendRows()
{
    QTest::addColumn<QString>("backend");
    for (const QString &backend : storeBackends())
        QTest::newRow(qPrintable(backend)) << backend;
}

// The first column of the first row as a number; -1 when the statement fails or finds nothing.
inline qint64 countRows(Database &database, const QString &statement, const QVariantList &bindings = {})
{
    Result<QSqlQuery> count = sql::exec(database.connection(), statement, bindings);
    return count && count.value().next() ? count.value().value(0).toLongLong() : -1;
}

// The first column of the first row as text; empty when the statement fails or finds nothing.
inline QString scalarText(Database &database, const QString &statement, const QVariantList &bindings = {})
{
    Result<QSqlQuery> row = sql::exec(database.connection(), statement, bindings);
    if (!row || !row->next())
        return {};
    return row->value(0).toString();
}

// Runs one statement; a failure is logged and answered false.
inline bool execSql(Database &database, const QString &statement, const QVariantList &bindings = {})
{
    Result<QSqlQuery> done = sql::exec(database.connection(), statement, bindings);
    if (!done)
        qInfo("%s", qPrintable(done.error().message));
    return done.ok();
}

} // namespace keystead::test
