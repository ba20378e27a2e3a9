#include "ConnectionServiceTest.h"

#include "settings/SshSettingsService.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// The seed's paging, sorting, filters and keyword search over generated records,
// and the parameters it refuses.
class TestConnectionServiceSearch final : public ConnectionServiceTest
{
    Q_OBJECT

private Q_SLOTS:
    void pagesAndSorts_data() { backendRows(); }
    void pagesAndSorts();
    void filters_data() { backendRows(); }
    void filters();
    void keywords_data() { backendRows(); }
    void keywords();
    void badParametersNameTheParameter_data() { backendRows(); }
    void badParametersNameTheParameter();
};

void TestConnectionServiceSearch::pagesAndSorts()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const Generated generated = generate(*f.service, 3000);
    QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM connections"_s), 3000);

    // The seed's defaults: sorted by id, ascending, 50 at a time.
    ConnectionQuery query;
    Result<ConnectionPage> page = f.service->search(query);
    KEYSTEAD_VERIFY_OK(page);
    QCOMPARE(page->count, 3000);
    QCOMPARE(page->items.size(), 50);
    QStringList all = idsOf(generated.records);
    all.sort();
    QCOMPARE(idsOf(page->items), all.mid(0, 50));
    query.offset = 2990;
    page = f.service->search(query);
    QCOMPARE(page->count, 3000);
    QCOMPARE(idsOf(page->items), all.mid(2990));
    query.offset = 5000;
    page = f.service->search(query);
    KEYSTEAD_VERIFY_OK(page);
    QCOMPARE(page->count, 3000);
    QVERIFY(page->items.isEmpty());

    // Every sort key, both directions: pages join up to the whole table in the expected order.
    struct Key
    {
        QString name;
        std::function<QVariant(const ConnectionRecord &)> value;
    };
    const QList<Key> keys{
        {u"connected"_s, [](const ConnectionRecord &r) { return QVariant(sql::toStoreTime(r.connected)); }},
        {u"disconnected"_s,
         [](const ConnectionRecord &r) {
             // Live connections have none: they come first ascending, last descending, on both backends.
             return QVariant(r.disconnected.isValid() ? sql::toStoreTime(r.disconnected) : QString());
         }},
        {u"bytes_in"_s, [](const ConnectionRecord &r) { return QVariant(r.bytesIn); }},
        {u"bytes_out"_s, [](const ConnectionRecord &r) { return QVariant(r.bytesOut); }},
        {u"remote_address"_s, [](const ConnectionRecord &r) { return QVariant(r.remoteAddress); }},
        {u"user_display_name"_s, [](const ConnectionRecord &r) { return QVariant(r.userDisplayName); }},
        {u"status"_s, [](const ConnectionRecord &r) { return QVariant(connectionStatusName(r.status)); }},
        {u"last_activity"_s, [](const ConnectionRecord &r) { return QVariant(sql::toStoreTime(r.lastActivity)); }},
    };
    for (const Key &key : keys) {
        for (const bool descending : {false, true}) {
            QList<ConnectionRecord> expected = generated.records;
            std::sort(expected.begin(), expected.end(), [&](const ConnectionRecord &a, const ConnectionRecord &b) {
                const QVariant va = key.value(a);
                const QVariant vb = key.value(b);
                const QPartialOrdering order = QVariant::compare(va, vb);
                if (order != QPartialOrdering::Equivalent)
                    return descending ? order == QPartialOrdering::Greater : order == QPartialOrdering::Less;
                return descending ? a.id > b.id : a.id < b.id;
            });
            ConnectionQuery sortedQuery;
            sortedQuery.sortKey = key.name;
            sortedQuery.descending = descending;
            qint64 count = 0;
            const QStringList ids = allIds(*f.service, sortedQuery, &count);
            QCOMPARE(count, 3000);
            QVERIFY2(ids == idsOf(expected), qPrintable(key.name + (descending ? u" desc"_s : u" asc"_s)));
        }
    }
    // The panel's page: no channels, the rest of the record there.
    ConnectionQuery panel;
    panel.sortKey = u"connected"_s;
    panel.descending = true;
    panel.withTrail = false;
    page = f.service->search(panel);
    KEYSTEAD_VERIFY_OK(page);
    const ConnectionRecord &newest = generated.records.at(generated.byId.value(page->items.first().id));
    QCOMPARE(page->items.first().userDisplayName, newest.userDisplayName);
    QCOMPARE(page->items.first().tags, newest.tags);
    QCOMPARE(page->items.first().bytesOut, newest.bytesOut);
}

void TestConnectionServiceSearch::filters()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const Generated generated = generate(*f.service, 1200);
    const Result<AccessRole> role = f.service->createRole(u"auditors"_s);
    KEYSTEAD_VERIFY_OK(role);
    const QStringList granted{generated.records.at(3).id, generated.records.at(8).id};
    for (const QString &id : granted)
        KEYSTEAD_VERIFY_OK(f.service->grantRole(id, role->id, Actor::console()));

    auto check = [&](const ConnectionQuery &query, const std::function<bool(const ConnectionRecord &)> &match,
                     const char *what) {
        qint64 count = -1;
        const QStringList ids = allIds(*f.service, query, &count);
        const QStringList expected = expectedIds(generated, match);
        QVERIFY2(!expected.isEmpty() || QByteArray(what) == "nothing", what);
        QVERIFY2(sorted(ids) == expected, what);
        QVERIFY2(count == expected.size(), what);
    };
    ConnectionQuery q;
    q.statuses = {u"connected"_s};
    check(
        q, [](const ConnectionRecord &r) { return r.status == ConnectionStatus::Connected; }, "status");
    q = {};
    q.userDisplayNames = {u"user-3"_s, u"user-4"_s};
    check(
        q,
        [](const ConnectionRecord &r) { return r.userDisplayName == u"user-3"_s || r.userDisplayName == u"user-4"_s; },
        "user_display_name");
    q = {};
    q.remoteAddresses = {u"10.1.2.3"_s};
    check(
        q, [](const ConnectionRecord &r) { return r.remoteAddress == u"10.1.2.3"_s; }, "remote_address");
    q = {};
    q.userIds = {u"session-2"_s};
    q.proxyIds = {u"proxy-a"_s};
    check(
        q, [](const ConnectionRecord &r) { return r.userId == u"session-2"_s && r.proxyId == u"proxy-a"_s; },
        "user_id and proxy_id");
    q = {};
    q.authenticationMethods = {u"keyboard_interactive"_s};
    check(
        q, [](const ConnectionRecord &r) { return r.authenticationMethods.contains(u"KEYBOARD_INTERACTIVE"_s); },
        "authentication_method");
    q = {};
    q.types = {u"ssh"_s};
    check(
        q, [](const ConnectionRecord &) { return true; }, "type");
    q = {};
    q.ids = {generated.records.at(5).id, generated.records.at(6).id};
    check(
        q,
        [&](const ConnectionRecord &r) {
            return r.id == generated.records.at(5).id || r.id == generated.records.at(6).id;
        },
        "id");
    q = {};
    q.tags = {u"audit-me"_s};
    check(
        q, [](const ConnectionRecord &r) { return r.tags.contains(u"audit-me"_s); }, "tags");
    const QDateTime from = generated.records.at(300).connected;
    const QDateTime to = generated.records.at(600).connected;
    q = {};
    q.connected = {from, to};
    check(
        q, [&](const ConnectionRecord &r) { return r.connected >= from && r.connected <= to; }, "connected");
    q = {};
    q.disconnected = {from, {}};
    check(
        q, [&](const ConnectionRecord &r) { return r.disconnected.isValid() && r.disconnected >= from; },
        "disconnected");
    q = {};
    q.lastActivity = {{}, to};
    check(
        q, [&](const ConnectionRecord &r) { return r.lastActivity <= to; }, "last_activity");
    q = {};
    q.accessRoles = {role->id};
    check(
        q, [&](const ConnectionRecord &r) { return granted.contains(r.id); }, "access_roles");
    q = {};
    q.hasAccessRoles = false;
    q.statuses = {u"DISCONNECTED"_s};
    check(
        q,
        [&](const ConnectionRecord &r) {
            return !granted.contains(r.id) && r.status == ConnectionStatus::Disconnected;
        },
        "has_access_roles false");
    q = {};
    q.hasAccessRoles = true;
    check(
        q, [&](const ConnectionRecord &r) { return granted.contains(r.id); }, "has_access_roles true");
    q = {};
    q.userDisplayNames = {u"nobody"_s};
    check(
        q, [](const ConnectionRecord &) { return false; }, "nothing");
}

void TestConnectionServiceSearch::keywords()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const Generated generated = generate(*f.service, 3000);

    auto haystack = [](const ConnectionRecord &r) {
        return QStringList{r.id, r.userDisplayName, r.remoteAddress, r.clientVersion, connectionStatusName(r.status)}
        + r.tags;
    };
    auto matches = [&](const ConnectionRecord &r, const QStringList &keywords) {
        const QStringList fields = haystack(r);
        return std::all_of(keywords.cbegin(), keywords.cend(), [&](const QString &keyword) {
            return std::any_of(fields.cbegin(), fields.cend(),
                               [&](const QString &field) { return field.contains(keyword, Qt::CaseInsensitive); });
        });
    };
    const QList<QStringList> cases{
        {u"rare_user"_s}, // few rows: the trigram index on SQLite
        {u"RARE_USER"_s, u"10.0"_s}, // several keywords all match, case does not matter
        {u"putty"_s}, // a quarter of the rows
        {u"openssh"_s, u"user-1"_s}, // common, then narrower
        {u"audit"_s}, // a tag
        {u"disconn"_s}, // a status
        {u"connected"_s}, // every status
        {u"7"_s}, // too short for trigrams
        {u"10.3.4"_s},
        {u"user-%"_s}, // a LIKE wildcard is taken literally
        {generated.records.at(42).id.mid(9, 9)}, // part of an id
        {u"no-such-thing"_s},
    };
    for (const QStringList &keywords : cases) {
        ConnectionQuery query;
        query.keywords = keywords.join(keywords.size() > 1 ? u", "_s : u" "_s);
        qint64 count = -1;
        const QStringList ids = allIds(*f.service, query, &count);
        const QStringList expected
            = expectedIds(generated, [&](const ConnectionRecord &r) { return matches(r, keywords); });
        QVERIFY2(sorted(ids) == expected,
                 qPrintable(u"%1: %2 found, %3 expected"_s.arg(query.keywords).arg(ids.size()).arg(expected.size())));
        QCOMPARE(count, expected.size());
    }
    // Keywords and a filter together, on the panel's order.
    ConnectionQuery query;
    query.keywords = u"putty"_s;
    query.statuses = {u"CONNECTED"_s};
    query.sortKey = u"connected"_s;
    query.descending = true;
    const QStringList ids = allIds(*f.service, query);
    QCOMPARE(sorted(ids), expectedIds(generated, [&](const ConnectionRecord &r) {
                 return matches(r, {u"putty"_s}) && r.status == ConnectionStatus::Connected;
             }));

    // A keyword finds tags set later, and stops finding them once removed.
    const QString target = generated.records.at(1).id;
    KEYSTEAD_VERIFY_OK(f.service->setTags(target, {u"Incident-4711"_s}, Actor::console()));
    query = {};
    query.keywords = u"incident-47"_s;
    QCOMPARE(allIds(*f.service, query), QStringList{target});
    KEYSTEAD_VERIFY_OK(f.service->setTags(target, {}, Actor::console()));
    QVERIFY(allIds(*f.service, query).isEmpty());
}

void TestConnectionServiceSearch::badParametersNameTheParameter()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    struct Case
    {
        std::function<void(ConnectionQuery &)> change;
        QString location;
        QString mentions;
    };
    const QList<Case> cases{
        {[](ConnectionQuery &q) { q.sortKey = u"password"_s; }, u"sortkey"_s, u"password"_s},
        {[](ConnectionQuery &q) { q.offset = -1; }, u"offset"_s, u"-1"_s},
        {[](ConnectionQuery &q) { q.limit = 0; }, u"limit"_s, u"1000"_s},
        {[](ConnectionQuery &q) { q.limit = 100000; }, u"limit"_s, u"100000"_s},
        {[](ConnectionQuery &q) { q.statuses = {u"sleeping"_s}; }, u"status"_s, u"sleeping"_s},
    };
    for (const Case &c : cases) {
        ConnectionQuery query;
        c.change(query);
        const Result<ConnectionPage> page = f.service->search(query);
        QVERIFY(!page.ok());
        QCOMPARE(page.error().kind, Error::Kind::InvalidInput);
        QCOMPARE(page.error().location, c.location);
        QVERIFY2(page.error().message.contains(c.mentions), qPrintable(page.error().message));
    }
    ConnectionQuery fine;
    fine.limit = ConnectionService::kMaxLimit;
    fine.sortKey = u"BYTES_OUT"_s;
    KEYSTEAD_VERIFY_OK(f.service->search(fine));
    QCOMPARE(f.service->tags({}, -1, 50, false, nullptr).error().location, u"offset"_s);
    QCOMPARE(f.service->tags({}, 0, 1001, false, nullptr).error().location, u"limit"_s);
    QCOMPARE(f.service->activity(m_clock.now(), m_clock.now().addDays(-1), 10).error().location, u"to"_s);
    QCOMPARE(f.service->activity(m_clock.now().addDays(-1), m_clock.now(), 0).error().location, u"buckets"_s);
    QCOMPARE(f.service->removeOlderThan(0).error().kind, Error::Kind::InvalidInput);
}

QTEST_GUILESS_MAIN(TestConnectionServiceSearch)
#include "tst_connection_service_search.moc"
