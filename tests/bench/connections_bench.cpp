// Scale of the connection records: a store filled with 10k, 100k and 1M
// generated connections, on SQLite and on PostgreSQL, and the latency (p50,
// p99) of what the Connections panel and the HTTP API ask of it: the first
// page, keyword searches, a sorted page deep in the table, the count, and the
// panel model's first fetch when the GUI is built. See README.md beside this file.

#include "TestDatabase.h"

#include "audit/AuditLog.h"
#include "common/Clock.h"
#include "connections/ConnectionService.h"
#include "store/SettingsStore.h"
#include "store/Sql.h"

#ifdef KEYSTEAD_BENCH_MODEL
#include "ui/connections/ConnectionsModel.h"

#include <QGuiApplication>
#endif

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QSqlRecord>
#include <QUuid>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::TestDatabase;

namespace {

// A fill goes to the store in transactions of this many records.
constexpr int kFillChunk = 20000;
// The deepest full run must stay within the time a developer waits.
constexpr qint64 kMaxRunMs = 15 * 60 * 1000;

void print(const QString &text)
{
    std::fputs(text.toUtf8().constData(), stdout);
    std::fflush(stdout);
}

struct Options
{
    bool quick = false;
    QList<int> sizes;
    int iterations = 30;
    QStringList backends;
    QString postgresUrl;
    QString keepSqlite;
    bool explain = false;
};

std::optional<Options> parseOptions(const QCoreApplication &app, QString *problem)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Latency of connection record searches at 10k, 100k and 1M records"_s);
    parser.addHelpOption();
    const QCommandLineOption quick(u"quick"_s, u"10k records, few iterations: a smoke run"_s);
    const QCommandLineOption sizes(u"sizes"_s, u"record counts, comma separated (default 10000,100000,1000000)"_s,
                                   u"list"_s);
    const QCommandLineOption iterations(u"iterations"_s, u"measured runs per query (default 30; quick: 5)"_s, u"n"_s);
    const QCommandLineOption postgres(u"postgres"_s,
                                      u"PostgreSQL server URL (a role that may create databases); default"
                                      " KEYSTEAD_TEST_POSTGRES_URL"_s,
                                      u"url"_s);
    const QCommandLineOption sqliteOnly(u"sqlite-only"_s, u"skip PostgreSQL"_s);
    const QCommandLineOption postgresOnly(u"postgres-only"_s, u"skip SQLite"_s);
    const QCommandLineOption keep(u"keep-sqlite"_s, u"copy the filled SQLite store to FILE, for a look with sqlite3"_s,
                                  u"file"_s);
    const QCommandLineOption explain(u"explain"_s, u"print the plans of the heaviest statements after each fill"_s);
    parser.addOptions({quick, sizes, iterations, postgres, sqliteOnly, postgresOnly, keep, explain});
    parser.process(app);

    Options options;
    options.quick = parser.isSet(quick);
    options.iterations = options.quick ? 5 : 30;
    if (parser.isSet(iterations)) {
        bool ok = false;
        options.iterations = parser.value(iterations).toInt(&ok);
        if (!ok || options.iterations < 1) {
            *problem = u"--iterations takes a positive number"_s;
            return std::nullopt;
        }
    }
    const QString sizeList
        = parser.isSet(sizes) ? parser.value(sizes) : (options.quick ? u"10000"_s : u"10000,100000,1000000"_s);
    for (const QString &part : sizeList.split(u',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const int size = part.trimmed().toInt(&ok);
        if (!ok || size < 100) {
            *problem = u"--sizes takes record counts of 100 or more"_s;
            return std::nullopt;
        }
        options.sizes.append(size);
    }
    std::sort(options.sizes.begin(), options.sizes.end());
    options.keepSqlite = parser.value(keep);
    options.explain = parser.isSet(explain);
    options.postgresUrl
        = parser.isSet(postgres) ? parser.value(postgres) : qEnvironmentVariable("KEYSTEAD_TEST_POSTGRES_URL");
    if (!parser.isSet(postgresOnly))
        options.backends.append(u"sqlite"_s);
    if (!parser.isSet(sqliteOnly) && !options.postgresUrl.isEmpty())
        options.backends.append(u"postgres"_s);
    if (options.backends.isEmpty()) {
        *problem = u"no backend left to measure (PostgreSQL needs --postgres URL or KEYSTEAD_TEST_POSTGRES_URL)"_s;
        return std::nullopt;
    }
    return options;
}

// Records as an operator's server would see them over a year: a few thousand
// users, addresses from a few networks, a handful of client versions, one in a
// thousand still connected, one in ten tagged. Deterministic: the same seed
// fills every backend with the same rows (but for the random ids).
class Generator final
{
public:
    explicit Generator(const QDateTime &start)
        : m_start(start)
        , m_random(20260101)
    {
    }

    ConnectionRecord next()
    {
        static const QStringList versions{
            u"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"_s,
            u"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6"_s,
            u"SSH-2.0-OpenSSH_9.6"_s,
            u"SSH-2.0-PuTTY_Release_0.80"_s,
            u"SSH-2.0-libssh_0.10.6"_s,
            u"SSH-2.0-OpenSSH_for_Windows_8.1"_s,
            u"SSH-2.0-Go"_s,
            u"SSH-2.0-paramiko_3.4.0"_s,
        };
        static const QStringList tags{u"prod"_s, u"staging"_s, u"incident"_s, u"review"_s, u"vendor"_s,
                                      u"eu"_s,   u"us"_s,      u"night"_s,    u"ci"_s,     u"onboarding"_s};
        const qint64 n = m_count++;
        ConnectionRecord record;
        record.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
        record.proxyId = u"bench-proxy"_s;
        record.authenticationMethods = {u"PUBLICKEY"_s};
        const quint32 user = m_random.bounded(5000u);
        record.userId = u"session-%1"_s.arg(user % 700);
        record.userDisplayName = u"user%1@example.org"_s.arg(user);
        record.remoteAddress = u"%1.%2.%3.%4"_s.arg(10 + m_random.bounded(3u))
                                   .arg(m_random.bounded(256u))
                                   .arg(m_random.bounded(256u))
                                   .arg(1 + m_random.bounded(254u));
        record.clientVersion
            = versions.at(static_cast<qsizetype>(m_random.bounded(static_cast<quint32>(versions.size()))));
        // About one connection every 30 seconds, in order of arrival.
        record.connected = m_start.addMSecs(n * 30'000 + m_random.bounded(30'000));
        record.created = record.connected;
        const qint64 lasted = 1000 + m_random.bounded(3'600'000);
        if (m_random.bounded(1000u) == 0) {
            record.status = ConnectionStatus::Connected;
            record.lastActivity = record.connected;
        } else {
            record.status = ConnectionStatus::Disconnected;
            record.disconnected = record.connected.addMSecs(lasted);
            record.disconnectReason = u"client disconnected"_s;
            record.lastActivity = record.disconnected;
        }
        record.updated = record.lastActivity;
        record.bytesIn = 2000 + m_random.bounded(1'000'000);
        record.bytesOut = 4000 + m_random.bounded(50'000'000);
        if (m_random.bounded(10u) == 0)
            record.tags = {tags.at(static_cast<qsizetype>(m_random.bounded(static_cast<quint32>(tags.size()))))};
        return record;
    }
    qint64 count() const { return m_count; }

private:
    QDateTime m_start;
    QRandomGenerator m_random;
    qint64 m_count = 0;
};

double threadCpuMs()
{
    timespec spent = {};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spent);
    return static_cast<double>(spent.tv_sec) * 1e3 + static_cast<double>(spent.tv_nsec) / 1e6;
}

// CPU time of a process (the PostgreSQL backend serving this thread's
// connection, on this machine), from /proc: 10 ms ticks, so only sums over
// many queries mean anything.
double processCpuMs(qint64 pid)
{
    QFile file(u"/proc/%1/stat"_s.arg(pid));
    if (pid <= 0 || !file.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray line = file.readAll();
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return 0;
    const long ticks = ::sysconf(_SC_CLK_TCK);
    const double tickMs = ticks > 0 ? 1000.0 / static_cast<double>(ticks) : 10.0;
    return static_cast<double>(fields.at(11).toLongLong() + fields.at(12).toLongLong()) * tickMs;
}

// Both sides of a query: this thread (SQLite does all its work here) and the
// PostgreSQL backend process, when there is one.
struct CpuMeter
{
    qint64 backendPid = 0;
    double now() const { return threadCpuMs() + processCpuMs(backendPid); }
};

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    // Nearest rank.
    const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
    return values.at(std::clamp<size_t>(rank, 1, values.size()) - 1);
}

struct Measurement
{
    QString backend;
    int rows = 0;
    QString name;
    double p50 = 0;
    double p99 = 0;
    double cpuMean = 0;
    qint64 matches = -1;
    QString problem;
};

// Runs `call` twice unmeasured (the first reads pages from disk into the
// cache, as a second look at the panel would find them), then `iterations`
// times measured. `call` returns the count it saw, or an error.
Measurement measure(const CpuMeter &cpu, const QString &backend, int rows, const QString &name, int iterations,
                    const std::function<Result<qint64>()> &call)
{
    Measurement m{backend, rows, name, 0, 0, 0, -1, {}};
    std::vector<double> times;
    double cpuStart = 0;
    for (int i = 0; i < iterations + 2; ++i) {
        if (i == 2)
            cpuStart = cpu.now();
        QElapsedTimer timer;
        timer.start();
        Result<qint64> result = call();
        const double ms = static_cast<double>(timer.nsecsElapsed()) / 1e6;
        if (!result) {
            m.problem = result.error().message;
            return m;
        }
        m.matches = result.value();
        if (i >= 2)
            times.push_back(ms);
    }
    m.p50 = percentile(times, 50);
    m.p99 = percentile(times, 99);
    m.cpuMean = (cpu.now() - cpuStart) / iterations;
    return m;
}

QString row(const Measurement &m)
{
    if (!m.problem.isEmpty())
        return u"%1 %2  %3  FAILED: %4\n"_s.arg(m.backend, -9).arg(m.rows, 8).arg(m.name, -34).arg(m.problem);
    return u"%1 %2  %3 %4 %5 %6 %7\n"_s.arg(m.backend, -9)
        .arg(m.rows, 8)
        .arg(m.name, -34)
        .arg(m.p50, 9, 'f', 2)
        .arg(m.p99, 9, 'f', 2)
        .arg(m.cpuMean, 9, 'f', 2)
        .arg(m.matches, 9);
}

struct Store
{
    std::unique_ptr<TestDatabase> database;
    std::unique_ptr<SettingsStore> settings;
    std::unique_ptr<AuditLog> audit;
    std::unique_ptr<ConnectionService> service;
};

struct SavedIndex
{
    QString name;
    QString definition;
};

// The secondary indexes of the connections table, dropped for a bulk load and
// built again after it: one sort per index instead of a million random inserts.
// The full-text index (SQLite) stays: its own buffering makes it cheap to feed.
Result<QList<SavedIndex>> dropIndexes(Database &database)
{
    QSqlDatabase db = database.connection();
    const QString list = database.isPostgres()
        ? u"SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'connections'"
          " AND indexname <> 'connections_pkey'"_s
        : u"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'connections'"
          " AND sql IS NOT NULL"_s;
    Result<QSqlQuery> rows = sql::exec(db, list);
    if (!rows)
        return rows.error();
    QList<SavedIndex> saved;
    while (rows.value().next())
        saved.append({rows.value().value(0).toString(), rows.value().value(1).toString()});
    rows.value().finish();
    for (const SavedIndex &index : std::as_const(saved)) {
        if (Result<QSqlQuery> dropped = sql::exec(db, u"DROP INDEX "_s + index.name); !dropped)
            return dropped.error();
    }
    return saved;
}

Status restoreIndexes(Database &database, const QList<SavedIndex> &saved)
{
    QSqlDatabase db = database.connection();
    for (const SavedIndex &index : saved) {
        if (Result<QSqlQuery> made = sql::exec(db, index.definition); !made)
            return made.error();
    }
    return {};
}

Status fill(Store &store, Generator &generator, int target, double *seconds)
{
    QElapsedTimer timer;
    timer.start();
    Database &database = store.database->database();
    // Loading only: SQLite's default 2 MB page cache would spill the ten
    // indexes of a 20,000-row transaction to the WAL over and over. The
    // queries below run with the default again, as Keystead's connections do.
    if (database.isPostgres())
        (void)sql::exec(database.connection(), u"SET maintenance_work_mem = '512MB'"_s);
    else
        (void)sql::exec(database.connection(), u"PRAGMA cache_size = -262144"_s);
    Result<QList<SavedIndex>> indexes = dropIndexes(database);
    if (!indexes)
        return indexes.error();
    while (generator.count() < target) {
        QList<ConnectionRecord> chunk;
        const qint64 size = std::min<qint64>(kFillChunk, target - generator.count());
        chunk.reserve(size);
        for (qint64 i = 0; i < size; ++i)
            chunk.append(generator.next());
        if (Status inserted = store.service->insertRecords(chunk); !inserted)
            return inserted;
    }
    if (Status restored = restoreIndexes(database, indexes.value()); !restored)
        return restored;
    if (database.isPostgres())
        (void)sql::exec(database.connection(), u"RESET maintenance_work_mem"_s);
    else
        (void)sql::exec(database.connection(), u"PRAGMA cache_size = -2000"_s);
    // What the database's own maintenance does after a load: PostgreSQL's
    // autovacuum would run these within a minute; SQLite keeps no statistics
    // unless asked, and Keystead does not ask, so it is left as it is.
    if (database.isPostgres()) {
        for (const QString &table : {u"connections"_s, u"connection_tags"_s}) {
            if (Result<QSqlQuery> done = sql::exec(database.connection(), u"VACUUM ANALYZE "_s + table); !done)
                return done.error();
        }
    }
    *seconds = static_cast<double>(timer.elapsed()) / 1000.0;
    return {};
}

// The statements ConnectionService runs for the heaviest queries above, as
// the database plans and runs them (PostgreSQL: with times and buffers).
void explain(Database &database)
{
    const QString prefix = database.isPostgres() ? u"EXPLAIN (ANALYZE, BUFFERS) "_s : u"EXPLAIN QUERY PLAN "_s;
    const QString escape = database.isPostgres() ? QString() : u" ESCAPE '\\'"_s;
    const QStringList statements{
        u"SELECT COUNT(*) FROM connections c WHERE c.search_text LIKE '%putty%'"_s + escape,
        u"SELECT c.id FROM connections c WHERE c.search_text LIKE '%putty%'"_s + escape
            + u" ORDER BY c.connected DESC, c.id DESC LIMIT 50"_s,
        u"SELECT c.id FROM connections c WHERE c.search_text LIKE '%user4217@%'"_s + escape
            + u" ORDER BY c.connected DESC, c.id DESC LIMIT 50"_s,
        u"SELECT COUNT(*) FROM connections c WHERE c.search_text LIKE '%user4217@%'"_s + escape,
        u"SELECT c.id FROM connections c ORDER BY c.bytes_out DESC, c.id DESC LIMIT 50 OFFSET 500000"_s,
    };
    for (const QString &statement : statements) {
        print(u"-- "_s + statement + u"\n"_s);
        Result<QSqlQuery> plan = sql::exec(database.connection(), prefix + statement);
        if (!plan) {
            print(plan.error().message + u"\n"_s);
            continue;
        }
        while (plan.value().next()) {
            QStringList columns;
            for (int i = 0; i < plan.value().record().count(); ++i)
                columns.append(plan.value().value(i).toString());
            print(u"   "_s + columns.join(u" | "_s) + u"\n"_s);
        }
    }
}

ConnectionQuery panelQuery()
{
    ConnectionQuery query;
    query.sortKey = u"connected"_s;
    query.descending = true;
    query.limit = 50;
    query.withTrail = false;
    return query;
}

std::function<Result<qint64>()> searching(ConnectionService &service, const ConnectionQuery &query, int expectItems)
{
    return [&service, query, expectItems]() -> Result<qint64> {
        Result<ConnectionPage> page = service.search(query);
        if (!page)
            return page.error();
        if (expectItems >= 0 && page->items.size() != expectItems)
            return Error::internal(u"expected %1 rows on the page, got %2"_s.arg(expectItems).arg(page->items.size()));
        return page->count;
    };
}

int benchMain(const Options &options)
{
    QElapsedTimer run;
    run.start();
    ManualClock clock(QDateTime(QDate(2026, 6, 1), QTime(0, 0), Qt::UTC));
    QList<Measurement> results;
    bool failed = false;
    double loads[3] = {0, 0, 0};
    if (::getloadavg(loads, 3) == 3)
        print(u"load average at start: %1 %2 %3\n"_s.arg(loads[0]).arg(loads[1]).arg(loads[2]));
    print(u"%1 %2  %3 %4 %5 %6 %7\n"_s.arg(u"backend"_s, -9)
              .arg(u"rows"_s, 8)
              .arg(u"query"_s, -34)
              .arg(u"p50 ms"_s, 9)
              .arg(u"p99 ms"_s, 9)
              .arg(u"cpu ms"_s, 9)
              .arg(u"count"_s, 9));

    for (const QString &backend : options.backends) {
        if (backend == u"postgres"_s)
            qputenv("KEYSTEAD_TEST_POSTGRES_URL", options.postgresUrl.toUtf8());
        Store store;
        store.database = TestDatabase::create(backend, clock);
        if (!store.database) {
            print(u"%1: cannot create a store\n"_s.arg(backend));
            failed = true;
            continue;
        }
        store.settings = std::make_unique<SettingsStore>(store.database->database());
        store.audit = std::make_unique<AuditLog>(store.database->database(), clock);
        store.service
            = std::make_unique<ConnectionService>(store.database->database(), clock, *store.settings, *store.audit);
        ConnectionService &service = *store.service;
        CpuMeter cpu;
        if (backend == u"postgres"_s) {
            Result<QSqlQuery> pid = sql::exec(store.database->database().connection(), u"SELECT pg_backend_pid()"_s);
            if (pid && pid.value().next())
                cpu.backendPid = pid.value().value(0).toLongLong();
        }
        // The records end a little before now: a year of them at 1M.
        Generator generator(clock.now().addYears(-1));

        for (const int size : options.sizes) {
            if (run.elapsed() > kMaxRunMs) {
                print(u"stopping: the run has taken longer than %1 minutes\n"_s.arg(kMaxRunMs / 60000));
                failed = true;
                break;
            }
            double seconds = 0;
            if (Status filled = fill(store, generator, size, &seconds); !filled) {
                print(u"%1: filling to %2 failed: %3\n"_s.arg(backend).arg(size).arg(filled.error().message));
                failed = true;
                break;
            }
            print(u"%1 %2  (filled in %3 s)\n"_s.arg(backend, -9).arg(size, 8).arg(seconds, 0, 'f', 1));
            if (options.explain)
                explain(store.database->database());

            QList<Measurement> level;
            // The panel's page: newest first, no channels, and the count for the scroll bar.
            level.append(measure(cpu, backend, size, u"first page (connected desc)"_s, options.iterations,
                                 searching(service, panelQuery(), 50)));
            // One user's name: a few hundred rows at 1M.
            ConnectionQuery rare = panelQuery();
            rare.keywords = u"user4217@"_s;
            level.append(measure(cpu, backend, size, u"keyword, rare (\"user4217@\")"_s, options.iterations,
                                 searching(service, rare, -1)));
            // A client's name: one row in eight.
            ConnectionQuery common = panelQuery();
            common.keywords = u"putty"_s;
            level.append(measure(cpu, backend, size, u"keyword, common (\"putty\")"_s, options.iterations,
                                 searching(service, common, 50)));
            // Two keywords: an address prefix and a tag.
            ConnectionQuery two = panelQuery();
            two.keywords = u"10.1. incident"_s;
            level.append(measure(cpu, backend, size, u"two keywords (\"10.1. incident\")"_s, options.iterations,
                                 searching(service, two, -1)));
            // Half way down, by another key: what dragging the scroll bar asks for.
            ConnectionQuery deep = panelQuery();
            deep.sortKey = u"bytes_out"_s;
            deep.offset = size / 2;
            level.append(measure(cpu, backend, size, u"page at offset %1 (bytes_out)"_s.arg(size / 2),
                                 options.iterations, searching(service, deep, 50)));
            ConnectionQuery deepConnected = panelQuery();
            deepConnected.offset = size / 2;
            level.append(measure(cpu, backend, size, u"page at offset %1 (connected)"_s.arg(size / 2),
                                 options.iterations, searching(service, deepConnected, 50)));
            // The count alone (a one-row page that is not the last).
            ConnectionQuery count;
            count.limit = 1;
            count.withTrail = false;
            level.append(
                measure(cpu, backend, size, u"count of all"_s, options.iterations, searching(service, count, 1)));
            ConnectionQuery live = panelQuery();
            live.statuses = {u"CONNECTED"_s};
            level.append(measure(cpu, backend, size, u"live ones (status filter)"_s, options.iterations,
                                 searching(service, live, -1)));
#ifdef KEYSTEAD_BENCH_MODEL
            // The panel's first paint, as far as the store is concerned: the
            // model's reset (its count) and the rows of the first screenful.
            level.append(measure(cpu, backend, size, u"panel model: first screenful"_s, options.iterations,
                                 [&service, &clock]() -> Result<qint64> {
                                     ui::ConnectionsModel model(service, clock);
                                     for (int r = 0; r < std::min(40, model.rowCount()); ++r) {
                                         if (!model.recordAt(r))
                                             return Error::internal(model.lastError());
                                     }
                                     return model.rowCount();
                                 }));
#else
            // The panel's first paint is measured when the GUI is built (KEYSTEAD_BUILD_GUI=ON):
            // ui::ConnectionsModel's reset and its first screenful of rows.
#endif
            for (const Measurement &m : std::as_const(level)) {
                print(row(m));
                if (!m.problem.isEmpty())
                    failed = true;
            }
            // Sanity: every query saw the rows that are there.
            if (level.first().matches != size) {
                print(u"%1: the first page counted %2 records, not %3\n"_s.arg(backend)
                          .arg(level.first().matches)
                          .arg(size));
                failed = true;
            }
            if (level.at(1).matches <= 0 || level.at(2).matches <= 0) {
                print(u"%1: a keyword search found nothing\n"_s.arg(backend));
                failed = true;
            }
            results += level;
        }
        if (backend == u"sqlite"_s && !options.keepSqlite.isEmpty()) {
            if (Result<QSqlQuery> kept
                = sql::exec(store.database->database().connection(), u"VACUUM INTO ?"_s, {options.keepSqlite});
                !kept)
                print(u"cannot keep the store: %1\n"_s.arg(kept.error().message));
        }
    }
    if (::getloadavg(loads, 3) == 3)
        print(u"load average at end: %1 %2 %3\n"_s.arg(loads[0]).arg(loads[1]).arg(loads[2]));
    print(u"total time %1 s%2\n"_s.arg(static_cast<double>(run.elapsed()) / 1000.0, 0, 'f', 1)
              .arg(failed ? u", FAILED"_s : QString()));
    return failed ? 1 : 0;
}

} // namespace

int main(int argc, char *argv[])
{
#ifdef KEYSTEAD_BENCH_MODEL
    // The model draws its status icons: a GUI application, with no display.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
#else
    QCoreApplication app(argc, argv);
#endif
    QString problem;
    const std::optional<Options> options = parseOptions(app, &problem);
    if (!options) {
        std::fprintf(stderr, "bench_connections: %s\n", problem.toUtf8().constData());
        return 2;
    }
    return benchMain(*options);
}
