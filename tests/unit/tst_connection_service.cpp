#include "TestDatabase.h"

#include "audit/AuditLog.h"
#include "collect/CollectActivitySource.h"
#include "connections/ConnectionService.h"
#include "settings/SshSettingsService.h"
#include "store/SettingsStore.h"
#include "store/Sql.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

#include <algorithm>
#include <functional>
#include <memory>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::TestDatabase;

namespace {

struct Fixture
{
    std::unique_ptr<TestDatabase> store;
    std::unique_ptr<SettingsStore> settings;
    std::unique_ptr<AuditLog> audit;
    std::unique_ptr<ConnectionService> service;

    Database &database() { return store->database(); }
};

qint64 countRows(Database &database, const QString &statement, const QVariantList &bindings = {})
{
    Result<QSqlQuery> count = sql::exec(database.connection(), statement, bindings);
    return count && count.value().next() ? count.value().value(0).toLongLong() : -1;
}

bool execSql(Database &database, const QString &statement, const QVariantList &bindings = {})
{
    Result<QSqlQuery> done = sql::exec(database.connection(), statement, bindings);
    if (!done)
        qWarning("%s", qPrintable(done.error().message));
    return done.ok();
}

// Ends a connection as the SSH server would: it reports closed() before it answers.
class ClosingTerminator final : public ConnectionTerminator
{
public:
    explicit ClosingTerminator(ConnectionRecorder &recorder)
        : m_recorder(recorder)
    {
    }
    bool terminate(const QString &connectionId, const QString &reason) override
    {
        asked.append(connectionId);
        m_recorder.closed(connectionId, reason);
        return true;
    }
    QStringList asked;

private:
    ConnectionRecorder &m_recorder;
};

// The generated records of the paging tests, and what each must match.
struct Generated
{
    QList<ConnectionRecord> records;
    QHash<QString, int> byId;
};

QStringList idsOf(const QList<ConnectionRecord> &records)
{
    QStringList ids;
    for (const ConnectionRecord &record : records)
        ids.append(record.id);
    return ids;
}

} // namespace

// ConnectionService on every store backend: the recorder's buffered writes and
// hash chain, tamper detection, the seed's paging, sorting, filters and keyword
// search over generated records, tags, access roles, termination, the two-step
// log download, retention and the activity chart.
class TestConnectionService final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void recorderMakesRecordAndTrail_data() { backends(); }
    void recorderMakesRecordAndTrail();
    void recorderBuffersUntilTheTimerOrFlush_data() { backends(); }
    void recorderBuffersUntilTheTimerOrFlush();
    void recorderFromAnotherThread_data() { backends(); }
    void recorderFromAnotherThread();
    void verifyFindsChangedRow_data() { backends(); }
    void verifyFindsChangedRow();
    void verifyFindsDeletedRow_data() { backends(); }
    void verifyFindsDeletedRow();
    void verifyFindsReorderedAndCutRows_data() { backends(); }
    void verifyFindsReorderedAndCutRows();
    void pagesAndSorts_data() { backends(); }
    void pagesAndSorts();
    void filters_data() { backends(); }
    void filters();
    void keywords_data() { backends(); }
    void keywords();
    void badParametersNameTheParameter_data() { backends(); }
    void badParametersNameTheParameter();
    void tags_data() { backends(); }
    void tags();
    void accessRoles_data() { backends(); }
    void accessRoles();
    void terminate_data() { backends(); }
    void terminate();
    void logDownload_data() { backends(); }
    void logDownload();
    void retentionRemovesOnlyOldDisconnected_data() { backends(); }
    void retentionRemovesOnlyOldDisconnected();
    void retentionFollowsTheSetting();
    void retentionFollowsTheSshOptions_data() { backends(); }
    void retentionFollowsTheSshOptions();
    void activityCountsConnectionsAndKeys_data() { backends(); }
    void activityCountsConnectionsAndKeys();
    void typedChangesNameAddedChangedRemoved_data() { backends(); }
    void typedChangesNameAddedChangedRemoved();
    void connectionsLeftOpenAreClosedAtStart_data() { backends(); }
    void connectionsLeftOpenAreClosedAtStart();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }
    Fixture make(const QString &backend)
    {
        Fixture fixture;
        fixture.store = TestDatabase::create(backend, m_clock);
        if (!fixture.store)
            return fixture;
        fixture.settings = std::make_unique<SettingsStore>(fixture.database());
        fixture.audit = std::make_unique<AuditLog>(fixture.database(), m_clock);
        fixture.service
            = std::make_unique<ConnectionService>(fixture.database(), m_clock, *fixture.settings, *fixture.audit);
        // As the composition wires it: the chart's key counts come from collect/.
        fixture.service->setCollectedKeyActivity(CollectActivitySource(fixture.database()));
        return fixture;
    }
    // A connection with a trail of `outputs` terminal writes, closed; returns its id.
    QString recordSession(ConnectionService &service, int outputs = 3)
    {
        const QString id = service.opened(u"127.0.0.1"_s);
        service.event(id, u"connection"_s, u"client-version"_s, "SSH-2.0-OpenSSH_9.2p1 Debian-2");
        service.event(id, u"connection"_s, u"key-offered"_s, {}, {{u"fingerprint"_s, u"SHA256:abc"_s}});
        service.event(id, u"connection"_s, u"key-proven"_s, {},
                      {{u"fingerprint"_s, u"SHA256:abc"_s}, {u"proven"_s, true}});
        service.authenticated(id, u"alice"_s, u"session-1"_s, {u"publickey"_s});
        service.event(id, u"0"_s, u"channel-open"_s, {}, {{u"type"_s, u"session"_s}});
        service.event(id, u"0"_s, u"banner"_s, "Welcome\r\n");
        for (int i = 0; i < outputs; ++i) {
            m_clock.advanceMs(10);
            service.event(id, u"0"_s, u"stdout"_s, u"line %1\r\n"_s.arg(i).toUtf8());
        }
        service.event(id, u"0"_s, u"stdin"_s, "y");
        service.traffic(id, 1234, 5678);
        service.channelTraffic(id, u"0"_s, u"session"_s, 1, 42);
        m_clock.advanceSeconds(5);
        service.closed(id, u"client disconnected"_s);
        return id;
    }
    // `count` records with every field spread so that filters and sorts have work to do.
    Generated generate(ConnectionService &service, int count)
    {
        Generated generated;
        const QDateTime base = m_clock.now().addDays(-30);
        for (int i = 0; i < count; ++i) {
            ConnectionRecord record;
            record.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
            record.proxyId = i % 2 == 0 ? u"proxy-a"_s : u"proxy-b"_s;
            record.authenticationMethods
                = i % 3 == 0 ? QStringList{u"PUBLICKEY"_s} : QStringList{u"PUBLICKEY"_s, u"KEYBOARD_INTERACTIVE"_s};
            record.userId = u"session-%1"_s.arg(i % 10);
            record.userDisplayName = i % 500 == 7 ? u"Rare_User"_s : u"user-%1"_s.arg(i % 40);
            record.remoteAddress = u"10.%1.%2.%3"_s.arg(i % 7).arg(i % 11).arg(i % 13);
            record.clientVersion = i % 4 == 0 ? u"SSH-2.0-PuTTY_Release_0.78"_s : u"SSH-2.0-OpenSSH_9.2p1"_s;
            // Several records share a second: the id decides their order.
            record.connected = base.addSecs(i / 3);
            record.created = record.connected;
            record.lastActivity = record.connected.addSecs(i % 17);
            record.updated = record.lastActivity;
            if (i % 10 == 0) {
                record.status = ConnectionStatus::Connected;
            } else {
                record.status = ConnectionStatus::Disconnected;
                record.disconnected = record.connected.addSecs(60 + i % 100);
            }
            record.bytesIn = (i * 7919) % 100000;
            record.bytesOut = (i * 104729) % 1000000;
            if (i % 5 == 0)
                record.tags = {u"prod"_s};
            if (i % 15 == 0)
                record.tags.append(u"audit-me"_s);
            generated.byId.insert(record.id, i);
            generated.records.append(record);
        }
        const Status inserted = service.insertRecords(generated.records);
        if (!inserted)
            qWarning("%s", qPrintable(inserted.error().message));
        return generated;
    }
    // Every id matching the query, by paging through it 1000 at a time.
    static QStringList allIds(ConnectionService &service, ConnectionQuery query, qint64 *count = nullptr)
    {
        query.limit = 1000;
        query.offset = 0;
        query.withTrail = false;
        QStringList ids;
        for (int guard = 0; guard < 100; ++guard) {
            Result<ConnectionPage> page = service.search(query);
            if (!page) {
                qWarning("%s", qPrintable(page.error().message));
                return {};
            }
            if (count)
                *count = page->count;
            ids += idsOf(page->items);
            if (page->items.size() < query.limit)
                break;
            query.offset += query.limit;
        }
        return ids;
    }
    static QStringList expectedIds(const Generated &generated,
                                   const std::function<bool(const ConnectionRecord &)> &match)
    {
        QStringList ids;
        for (const ConnectionRecord &record : generated.records) {
            if (match(record))
                ids.append(record.id);
        }
        ids.sort();
        return ids;
    }
    static QStringList sorted(QStringList ids)
    {
        ids.sort();
        return ids;
    }

    ManualClock m_clock;
};

void TestConnectionService::recorderMakesRecordAndTrail()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    QSignalSpy changed(f.service.get(), &ConnectionService::connectionsChanged);
    const QDateTime start = m_clock.now();

    const QString id = recordSession(*f.service, 3);
    QVERIFY(!id.isEmpty());
    KEYSTEAD_VERIFY_OK(f.service->flush());
    QVERIFY(!changed.isEmpty());
    QVERIFY(changed.last().first().toStringList().contains(id));

    const Result<ConnectionRecord> record = f.service->get(id);
    KEYSTEAD_VERIFY_OK(record);
    QCOMPARE(record->id, id);
    QCOMPARE(record->proxyId, f.service->proxyId());
    QVERIFY(!record->proxyId.isEmpty());
    QCOMPARE(record->type, u"SSH"_s);
    QCOMPARE(record->remoteAddress, u"127.0.0.1"_s);
    QCOMPARE(record->userDisplayName, u"alice"_s);
    QCOMPARE(record->userId, u"session-1"_s);
    QCOMPARE(record->authenticationMethods, QStringList{u"PUBLICKEY"_s});
    QCOMPARE(record->clientVersion, u"SSH-2.0-OpenSSH_9.2p1 Debian-2"_s);
    QCOMPARE(record->status, ConnectionStatus::Disconnected);
    QCOMPARE(record->connected, start);
    QCOMPARE(record->disconnected, m_clock.now());
    QCOMPARE(record->disconnectReason, u"client disconnected"_s);
    QCOMPARE(record->durationText(m_clock.now().addDays(1)), u"PT00:00:05"_s);
    QCOMPARE(record->bytesIn, 1234);
    QCOMPARE(record->bytesOut, 5678);
    QVERIFY(!record->forceDisconnect.isValid());
    QCOMPARE(record->channels.size(), 1);
    QCOMPARE(record->channels.first().id, u"0"_s);
    QCOMPARE(record->channels.first().type, u"session"_s);
    QCOMPARE(record->channels.first().bytesClientToServer, 1);
    QCOMPARE(record->channels.first().bytesServerToClient, 42);

    const Result<QList<TrailEvent>> trail = f.service->trail(id);
    KEYSTEAD_VERIFY_OK(trail);
    const QStringList expectedTypes{u"client-version"_s, u"key-offered"_s, u"key-proven"_s, u"channel-open"_s,
                                    u"banner"_s,         u"stdout"_s,      u"stdout"_s,     u"stdout"_s,
                                    u"stdin"_s,          u"disconnect"_s};
    QCOMPARE(trail->size(), expectedTypes.size());
    QByteArray previous(32, '\0');
    for (qsizetype i = 0; i < trail->size(); ++i) {
        const TrailEvent &event = trail->at(i);
        QCOMPARE(event.sequence, i + 1);
        QCOMPARE(event.type, expectedTypes.at(i));
        QCOMPARE(event.previousHash, previous);
        QCOMPARE(event.hash.size(), 32);
        previous = event.hash;
    }
    QCOMPARE(trail->at(5).data, QByteArray("line 0\r\n"));
    QCOMPARE(trail->at(5).channelId, u"0"_s);
    QCOMPARE(trail->at(1).detail.value(u"fingerprint"_s).toString(), u"SHA256:abc"_s);
    QCOMPARE(trail->last().channelId, u"connection"_s);
    QCOMPARE(trail->last().detail.value(u"reason"_s).toString(), u"client disconnected"_s);
    QVERIFY(trail->at(5).at < trail->at(7).at);

    const Result<QList<TrailEvent>> channel = f.service->trail(id, u"0"_s, {u"stdout"_s});
    KEYSTEAD_VERIFY_OK(channel);
    QCOMPARE(channel->size(), 3);

    const Result<TrailVerification> verified = f.service->verifyTrail(id);
    KEYSTEAD_VERIFY_OK(verified);
    QVERIFY2(verified->intact, qPrintable(verified->message));
    QCOMPARE(verified->eventCount, expectedTypes.size());
    QCOMPARE(verified->brokenAtSequence, 0);

    QCOMPARE(f.service->get(u"no-such-id"_s).error().kind, Error::Kind::NotFound);
    QCOMPARE(f.service->trail(u"no-such-id"_s).error().kind, Error::Kind::NotFound);
}

void TestConnectionService::recorderBuffersUntilTheTimerOrFlush()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    QSignalSpy changed(f.service.get(), &ConnectionService::connectionsChanged);

    const QString id = f.service->opened(u"192.0.2.7"_s);
    f.service->event(id, u"connection"_s, u"client-version"_s, "SSH-2.0-test");
    // Buffered: nothing written by the call itself.
    QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM connections"_s), 0);
    // The service's timer writes it without being asked.
    QTRY_COMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM connections"_s), 1);
    QTRY_VERIFY(!changed.isEmpty());
    QVERIFY(changed.last().first().toStringList().contains(id));
    QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM trail_events WHERE connection_id = ?"_s, {id}), 1);

    // Live: bytes and activity move in memory, and a search shows them before the next write.
    m_clock.advanceSeconds(3);
    f.service->traffic(id, 100, 200);
    ConnectionQuery query;
    query.ids = {id};
    Result<ConnectionPage> page = f.service->search(query);
    KEYSTEAD_VERIFY_OK(page);
    QCOMPARE(page->items.size(), 1);
    QCOMPARE(page->items.first().bytesIn, 100);
    QCOMPARE(page->items.first().status, ConnectionStatus::Connected);
    QCOMPARE(page->items.first().lastActivity, m_clock.now());
    QCOMPARE(page->items.first().durationText(m_clock.now()), u"PT00:00:03"_s);
    KEYSTEAD_VERIFY_OK(f.service->flush());
    QCOMPARE(countRows(f.database(), u"SELECT bytes_out FROM connections WHERE id = ?"_s, {id}), 200);

    // closed() writes at once.
    f.service->closed(id, u"client disconnected"_s);
    Result<QSqlQuery> status
        = sql::exec(f.database().connection(), u"SELECT status FROM connections WHERE id = ?"_s, {id});
    QVERIFY(status && status.value().next());
    QCOMPARE(status.value().value(0).toString(), u"DISCONNECTED"_s);
    // Calls for a closed connection change nothing.
    f.service->event(id, u"connection"_s, u"stdout"_s, "late");
    KEYSTEAD_VERIFY_OK(f.service->flush());
    QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM trail_events WHERE connection_id = ?"_s, {id}), 2);
}

void TestConnectionService::recorderFromAnotherThread()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    constexpr int kConnections = 5;
    constexpr int kEvents = 2500; // more than one buffer's worth: the recorder writes some itself
    QStringList ids;
    std::unique_ptr<QThread> server(QThread::create([&] {
        for (int c = 0; c < kConnections; ++c)
            ids.append(f.service->opened(u"127.0.0.%1"_s.arg(c + 1)));
        for (int i = 0; i < kEvents; ++i) {
            const QString &id = ids.at(i % kConnections);
            f.service->event(id, u"0"_s, u"stdout"_s, QByteArray::number(i));
            f.service->traffic(id, i, 2 * i);
        }
        for (const QString &id : std::as_const(ids))
            f.service->closed(id, u"client disconnected"_s);
        f.database().releaseThreadConnection();
    }));
    server->start();
    QVERIFY(server->wait(120'000));
    KEYSTEAD_VERIFY_OK(f.service->flush());
    QCOMPARE(ids.size(), kConnections);
    for (const QString &id : std::as_const(ids)) {
        const Result<TrailVerification> verified = f.service->verifyTrail(id);
        KEYSTEAD_VERIFY_OK(verified);
        QVERIFY2(verified->intact, qPrintable(verified->message));
        QCOMPARE(verified->eventCount, kEvents / kConnections + 1);
        const Result<ConnectionRecord> record = f.service->get(id);
        KEYSTEAD_VERIFY_OK(record);
        QCOMPARE(record->status, ConnectionStatus::Disconnected);
        QVERIFY(record->bytesIn >= kEvents - kConnections);
    }
    QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM trail_events"_s), kEvents + kConnections);
}

void TestConnectionService::verifyFindsChangedRow()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const QString id = recordSession(*f.service, 4);
    KEYSTEAD_VERIFY_OK(f.service->flush());
    QVERIFY(f.service->verifyTrail(id)->intact);

    QVERIFY(execSql(f.database(), u"UPDATE trail_events SET data = ? WHERE connection_id = ? AND sequence = 7"_s,
                    {QByteArray("rm -rf /\r\n"), id}));
    Result<TrailVerification> verified = f.service->verifyTrail(id);
    KEYSTEAD_VERIFY_OK(verified);
    QVERIFY(!verified->intact);
    QCOMPARE(verified->brokenAtSequence, 7);
    QVERIFY(verified->message.contains(u"changed"_s));

    // A detail or time changed by hand breaks it the same way.
    const QString other = recordSession(*f.service, 4);
    QVERIFY(execSql(f.database(), u"UPDATE trail_events SET detail = '{}' WHERE connection_id = ? AND sequence = 2"_s,
                    {other}));
    verified = f.service->verifyTrail(other);
    QCOMPARE(verified->brokenAtSequence, 2);
    QCOMPARE(f.service->verifyTrail(u"no-such-id"_s).error().kind, Error::Kind::NotFound);
}

void TestConnectionService::verifyFindsDeletedRow()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const QString id = recordSession(*f.service, 4);
    QVERIFY(execSql(f.database(), u"DELETE FROM trail_events WHERE connection_id = ? AND sequence = 5"_s, {id}));
    const Result<TrailVerification> verified = f.service->verifyTrail(id);
    KEYSTEAD_VERIFY_OK(verified);
    QVERIFY(!verified->intact);
    QCOMPARE(verified->brokenAtSequence, 6);
    QCOMPARE(verified->eventCount, 4);

    // Renumbering the rest to close the gap breaks the links instead.
    const QString other = recordSession(*f.service, 4);
    QVERIFY(execSql(f.database(), u"DELETE FROM trail_events WHERE connection_id = ? AND sequence = 5"_s, {other}));
    QVERIFY(execSql(f.database(),
                    u"UPDATE trail_events SET sequence = sequence - 1 WHERE connection_id = ? AND sequence > 5"_s,
                    {other}));
    QCOMPARE(f.service->verifyTrail(other)->brokenAtSequence, 5);
}

void TestConnectionService::verifyFindsReorderedAndCutRows()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const QString id = recordSession(*f.service, 4);
    // Swap events 6 and 7.
    QVERIFY(execSql(f.database(), u"UPDATE trail_events SET sequence = 1000 WHERE connection_id = ? AND sequence = 6"_s,
                    {id}));
    QVERIFY(execSql(f.database(), u"UPDATE trail_events SET sequence = 6 WHERE connection_id = ? AND sequence = 7"_s,
                    {id}));
    QVERIFY(execSql(f.database(), u"UPDATE trail_events SET sequence = 7 WHERE connection_id = ? AND sequence = 1000"_s,
                    {id}));
    QCOMPARE(f.service->verifyTrail(id)->brokenAtSequence, 6);

    // The last events cut away: the chain alone cannot tell, the recorded length does.
    const QString cut = recordSession(*f.service, 4);
    const qint64 length
        = countRows(f.database(), u"SELECT COUNT(*) FROM trail_events WHERE connection_id = ?"_s, {cut});
    QVERIFY(execSql(f.database(), u"DELETE FROM trail_events WHERE connection_id = ? AND sequence >= ?"_s,
                    {cut, length - 1}));
    const Result<TrailVerification> verified = f.service->verifyTrail(cut);
    QVERIFY(!verified->intact);
    QCOMPARE(verified->brokenAtSequence, length - 1);
}

void TestConnectionService::pagesAndSorts()
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

void TestConnectionService::filters()
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

void TestConnectionService::keywords()
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

void TestConnectionService::badParametersNameTheParameter()
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

void TestConnectionService::tags()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const QString a = recordSession(*f.service);
    const QString b = recordSession(*f.service);
    KEYSTEAD_VERIFY_OK(f.service->flush()); // announces the recorded ones
    QSignalSpy changed(f.service.get(), &ConnectionService::connectionsChanged);

    KEYSTEAD_VERIFY_OK(f.service->setTags(a, {u" prod "_s, u"Prod"_s, u""_s, u"db"_s, u"prod-eu"_s}, Actor::console()));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().first().toStringList(), QStringList{a});
    QCOMPARE(f.service->get(a)->tags, (QStringList{u"db"_s, u"prod"_s, u"prod-eu"_s}));
    QCOMPARE(f.service->get(a)->updatedBy, Actor::console().name);
    KEYSTEAD_VERIFY_OK(f.service->setTags(b, {u"prod"_s, u"staging"_s}, Actor::console()));

    qint64 count = 0;
    Result<QStringList> list = f.service->tags(u"PR"_s, 0, 50, false, &count);
    KEYSTEAD_VERIFY_OK(list);
    QCOMPARE(list.value(), (QStringList{u"prod"_s, u"prod-eu"_s}));
    QCOMPARE(count, 2);
    list = f.service->tags({}, 0, 2, true, &count);
    QCOMPARE(list.value(), (QStringList{u"staging"_s, u"prod-eu"_s}));
    QCOMPARE(count, 4);
    list = f.service->tags({}, 3, 2, true, &count);
    QCOMPARE(list.value(), QStringList{u"db"_s});
    QCOMPARE(f.service->tags(u"%"_s, 0, 50, false, nullptr)->size(), 0);

    // Replacing, not adding.
    KEYSTEAD_VERIFY_OK(f.service->setTags(a, {u"db"_s}, Actor::console()));
    QCOMPARE(f.service->get(a)->tags, QStringList{u"db"_s});

    QStringList tooMany;
    for (int i = 0; i < 33; ++i)
        tooMany.append(u"t%1"_s.arg(i));
    Status refused = f.service->setTags(a, tooMany, Actor::console());
    QCOMPARE(refused.error().kind, Error::Kind::InvalidInput);
    QCOMPARE(refused.error().location, u"tags"_s);
    refused = f.service->setTags(a, {QString(65, u'x')}, Actor::console());
    QCOMPARE(refused.error().location, u"tags"_s);
    QCOMPARE(f.service->get(a)->tags, QStringList{u"db"_s});
    QCOMPARE(f.service->setTags(u"no-such-id"_s, {u"x"_s}, Actor::console()).error().kind, Error::Kind::NotFound);

    const Result<QList<AuditEvent>> audit = f.audit->list({u"connection.tags"_s, a, 10});
    KEYSTEAD_VERIFY_OK(audit);
    QCOMPARE(audit->size(), 2);
    QCOMPARE(audit->first().detail.value(u"tags"_s).toArray().size(), 1);
}

void TestConnectionService::accessRoles()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const QString a = recordSession(*f.service);
    const QString b = recordSession(*f.service);
    const Result<AccessRole> admins = f.service->createRole(u"admins"_s);
    KEYSTEAD_VERIFY_OK(admins);
    const Result<AccessRole> readers = f.service->createRole(u" readers "_s);
    KEYSTEAD_VERIFY_OK(readers);
    QCOMPARE(readers->name, u"readers"_s);
    QCOMPARE(f.service->createRole(u"Admins"_s).error().kind, Error::Kind::Conflict);
    QCOMPARE(f.service->createRole(u"  "_s).error().kind, Error::Kind::InvalidInput);
    QCOMPARE(f.service->roles()->size(), 2);
    QCOMPARE(f.service->roles()->first().name, u"admins"_s);

    const Actor actor{u"token"_s, u"token-1"_s, u"ci"_s, u"127.0.0.1"_s};
    KEYSTEAD_VERIFY_OK(f.service->grantRole(a, admins->id, actor));
    m_clock.advanceSeconds(1);
    KEYSTEAD_VERIFY_OK(f.service->grantRole(a, readers->id, actor));
    KEYSTEAD_VERIFY_OK(f.service->grantRole(a, admins->id, actor)); // twice: kept once
    KEYSTEAD_VERIFY_OK(f.service->grantRole(b, admins->id, actor));
    Result<QList<AccessRoleGrant>> grants = f.service->accessRoles(a);
    KEYSTEAD_VERIFY_OK(grants);
    QCOMPARE(grants->size(), 2);
    QCOMPARE(grants->at(0).role.name, u"admins"_s);
    QCOMPARE(grants->at(1).role.name, u"readers"_s);
    QCOMPARE(grants->at(1).added, m_clock.now());
    QCOMPARE(f.service->get(a)->accessRoles.size(), 2);

    QCOMPARE(f.service->grantRole(u"no-such-id"_s, admins->id, actor).error().kind, Error::Kind::NotFound);
    QCOMPARE(f.service->grantRole(a, u"no-such-role"_s, actor).error().kind, Error::Kind::NotFound);
    QCOMPARE(f.service->revokeRole(a, u"no-such-role"_s, actor).error().kind, Error::Kind::NotFound);
    QCOMPARE(f.service->revokeRoleEverywhere(u"no-such-role"_s, actor).error().kind, Error::Kind::NotFound);
    QCOMPARE(f.service->accessRoles(u"no-such-id"_s).error().kind, Error::Kind::NotFound);

    KEYSTEAD_VERIFY_OK(f.service->revokeRole(a, readers->id, actor));
    QCOMPARE(f.service->accessRoles(a)->size(), 1);
    KEYSTEAD_VERIFY_OK(f.service->revokeRoleEverywhere(admins->id, actor));
    QVERIFY(f.service->accessRoles(a)->isEmpty());
    QVERIFY(f.service->accessRoles(b)->isEmpty());
    QCOMPARE(f.service->roles()->size(), 2); // the roles themselves stay

    const Result<QList<AuditEvent>> audit = f.audit->list({u"connection.role.grant"_s, a, 10});
    KEYSTEAD_VERIFY_OK(audit);
    QCOMPARE(audit->size(), 3);
    QCOMPARE(audit->first().actor.id, u"token-1"_s);
}

void TestConnectionService::terminate()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const Actor actor{u"token"_s, u"token-9"_s, u"night-shift"_s, u"127.0.0.1"_s};
    QCOMPARE(f.service->terminate(u"no-such-id"_s, actor).error().kind, Error::Kind::NotFound);
    const QString ended = recordSession(*f.service);
    QCOMPARE(f.service->terminate(ended, actor).error().kind, Error::Kind::Conflict);

    const QString live = f.service->opened(u"198.51.100.4"_s);
    f.service->event(live, u"0"_s, u"stdout"_s, "hello");
    // No server to end it.
    QCOMPARE(f.service->terminate(live, actor).error().kind, Error::Kind::Conflict);

    ClosingTerminator terminator(*f.service);
    f.service->setTerminator(&terminator);
    m_clock.advanceSeconds(2);
    KEYSTEAD_VERIFY_OK(f.service->terminate(live, actor));
    QCOMPARE(terminator.asked, QStringList{live});
    f.service->setTerminator(nullptr);

    const Result<ConnectionRecord> record = f.service->get(live);
    KEYSTEAD_VERIFY_OK(record);
    QCOMPARE(record->status, ConnectionStatus::Disconnected);
    QCOMPARE(record->forceDisconnect, m_clock.now());
    QCOMPARE(record->updatedBy, u"token-9"_s);
    QCOMPARE(record->disconnectReason, u"terminated by night-shift"_s);
    const Result<QList<TrailEvent>> trail = f.service->trail(live);
    KEYSTEAD_VERIFY_OK(trail);
    QCOMPARE(trail->size(), 3);
    QCOMPARE(trail->at(1).type, u"terminate"_s);
    QCOMPARE(trail->at(1).detail.value(u"actor"_s).toObject().value(u"name"_s).toString(), u"night-shift"_s);
    QCOMPARE(trail->at(1).detail.value(u"actor"_s).toObject().value(u"address"_s).toString(), u"127.0.0.1"_s);
    QCOMPARE(trail->at(2).type, u"disconnect"_s);
    QVERIFY(f.service->verifyTrail(live)->intact);
    const Result<QList<AuditEvent>> audit = f.audit->list({u"connection.terminate"_s, live, 10});
    KEYSTEAD_VERIFY_OK(audit);
    QCOMPARE(audit->size(), 1);
    QCOMPARE(audit->first().actor.name, u"night-shift"_s);
    // Once ended, a second request is a conflict.
    QCOMPARE(f.service->terminate(live, actor).error().kind, Error::Kind::Conflict);
}

void TestConnectionService::logDownload()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const QString id = f.service->opened(u"127.0.0.1"_s);
    f.service->event(id, u"0"_s, u"channel-open"_s, {}, {{u"type"_s, u"session"_s}});
    f.service->event(id, u"0"_s, u"stdout"_s, "Press y\r\n");
    f.service->event(id, u"0"_s, u"stdin"_s, "y");
    f.service->event(id, u"0"_s, u"stdout"_s, QByteArray::fromHex("fffe0062696e617279"));
    f.service->event(id, u"0"_s, u"stderr"_s, "grüße");
    f.service->closed(id, u"client disconnected"_s);

    // The channel check the two-step download makes (its sessions are HTTP state, in core/api).
    QCOMPARE(f.service->checkChannel(u"no-such-id"_s, u"0"_s).error().kind, Error::Kind::NotFound);
    QCOMPARE(f.service->checkChannel(id, u"7"_s).error().kind, Error::Kind::NotFound);
    KEYSTEAD_VERIFY_OK(f.service->checkChannel(id, u"0"_s));
    KEYSTEAD_VERIFY_OK(f.service->checkChannel(id, u"connection"_s));

    const Result<QByteArray> jsonl = f.service->trailLog(id, u"0"_s, TrailLogFormat::Jsonl);
    KEYSTEAD_VERIFY_OK(jsonl);
    const QList<QByteArray> lines = jsonl->trimmed().split('\n');
    QCOMPARE(lines.size(), 5);
    QList<QJsonObject> objects;
    for (const QByteArray &line : lines) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(line, &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        objects.append(document.object());
    }
    QCOMPARE(objects.at(1).value(u"type"_s).toString(), u"stdout"_s);
    QCOMPARE(objects.at(1).value(u"data"_s).toString(), u"Press y\r\n"_s);
    QCOMPARE(objects.at(1).value(u"channel"_s).toString(), u"0"_s);
    QCOMPARE(objects.at(1).value(u"sequence"_s).toInt(), 2);
    QVERIFY(!objects.at(1).contains(u"encoding"_s));
    QCOMPARE(objects.at(3).value(u"encoding"_s).toString(), u"base64"_s);
    QCOMPARE(QByteArray::fromBase64(objects.at(3).value(u"data"_s).toString().toLatin1()),
             QByteArray::fromHex("fffe0062696e617279"));
    QCOMPARE(objects.at(4).value(u"data"_s).toString(), u"grüße"_s);
    QCOMPARE(objects.at(0).value(u"detail"_s).toObject().value(u"type"_s).toString(), u"session"_s);

    // The hex form holds the same events: time, type and the bytes.
    const Result<QByteArray> hex = f.service->trailLog(id, u"0"_s, TrailLogFormat::Hex);
    KEYSTEAD_VERIFY_OK(hex);
    const QList<QByteArray> hexLines = hex->trimmed().split('\n');
    QCOMPARE(hexLines.size(), lines.size());
    for (qsizetype i = 0; i < hexLines.size(); ++i) {
        const QList<QByteArray> parts = hexLines.at(i).split(' ');
        const QJsonObject &object = objects.at(i);
        QCOMPARE(QString::fromLatin1(parts.at(0)), object.value(u"time"_s).toString());
        QCOMPARE(QString::fromLatin1(parts.at(1)), object.value(u"type"_s).toString());
        const QByteArray bytes = parts.size() > 2 ? QByteArray::fromHex(parts.at(2)) : QByteArray();
        const QByteArray expected = object.value(u"encoding"_s).toString() == u"base64"_s
            ? QByteArray::fromBase64(object.value(u"data"_s).toString().toLatin1())
            : object.value(u"data"_s).toString().toUtf8();
        QCOMPARE(bytes, expected);
    }
    // The filter: only the listed types, in order; an unknown type is the caller's mistake.
    const Result<QByteArray> stdoutOnly
        = f.service->trailLog(id, u"0"_s, TrailLogFormat::Jsonl, {u"stdout"_s, u"STDIN"_s});
    KEYSTEAD_VERIFY_OK(stdoutOnly);
    QCOMPARE(stdoutOnly->trimmed().split('\n').size(), 3);
    const Result<QByteArray> unknown = f.service->trailLog(id, u"0"_s, TrailLogFormat::Jsonl, {u"keystrokes"_s});
    QCOMPARE(unknown.error().kind, Error::Kind::InvalidInput);
    QCOMPARE(unknown.error().location, u"types"_s);
    QCOMPARE(f.service->trailLog(u"no-such-id"_s, u"0"_s, TrailLogFormat::Hex).error().kind, Error::Kind::NotFound);

    // One channel's log holds only its own events; every channel's is the whole trail in order.
    const Result<QByteArray> connectionLog = f.service->trailLog(id, u"connection"_s, TrailLogFormat::Hex);
    KEYSTEAD_VERIFY_OK(connectionLog);
    QVERIFY(connectionLog->startsWith(QByteArray(sql::toStoreTime(m_clock.now()).toUtf8() + " disconnect ")));
    const Result<QByteArray> everything = f.service->trailLog(id, {}, TrailLogFormat::Jsonl);
    KEYSTEAD_VERIFY_OK(everything);
    QCOMPARE(everything->trimmed().split('\n').size(), 6);
    QVERIFY(everything->startsWith(jsonl.value()));
}

void TestConnectionService::retentionRemovesOnlyOldDisconnected()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const QString old = recordSession(*f.service);
    const QString stillLive = f.service->opened(u"127.0.0.9"_s);
    f.service->event(stillLive, u"0"_s, u"stdout"_s, "still here");
    const Result<AccessRole> role = f.service->createRole(u"keepers"_s);
    KEYSTEAD_VERIFY_OK(f.service->grantRole(old, role->id, Actor::console()));
    KEYSTEAD_VERIFY_OK(f.service->setTags(old, {u"old"_s}, Actor::console()));
    m_clock.advanceSeconds(qint64(31) * 24 * 3600);
    const QString recent = recordSession(*f.service);
    KEYSTEAD_VERIFY_OK(f.service->flush());

    const Result<int> removed = f.service->removeOlderThan(30);
    KEYSTEAD_VERIFY_OK(removed);
    QCOMPARE(removed.value(), 1);
    QCOMPARE(f.service->get(old).error().kind, Error::Kind::NotFound);
    KEYSTEAD_VERIFY_OK(f.service->get(recent));
    KEYSTEAD_VERIFY_OK(f.service->get(stillLive));
    for (const QString &table :
         {u"trail_events"_s, u"connection_tags"_s, u"connection_access_roles"_s, u"connection_channels"_s}) {
        QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM %1 WHERE connection_id = ?"_s.arg(table), {old}), 0);
    }
    QVERIFY(countRows(f.database(), u"SELECT COUNT(*) FROM trail_events WHERE connection_id = ?"_s, {recent}) > 0);
    QCOMPARE(f.service->removeOlderThan(30).value(), 0);
    // The total the panel shows follows inserts and removals, by hand too.
    ConnectionQuery all;
    all.limit = 1;
    QCOMPARE(f.service->search(all)->count, 2);
    QVERIFY(execSql(f.database(), u"DELETE FROM connections WHERE id = ?"_s, {recent}));
    QCOMPARE(f.service->search(all)->count, 1);
    // The keyword index forgot it too.
    ConnectionQuery query;
    query.keywords = old.left(13);
    QCOMPARE(f.service->search(query)->count, 0);
}

void TestConnectionService::retentionFollowsTheSetting()
{
    Fixture f = make(u"sqlite"_s);
    QVERIFY(f.store);
    QCOMPARE(f.service->retentionDays(), ConnectionService::kDefaultRetentionDays);
    const QString old = recordSession(*f.service);
    m_clock.advanceSeconds(qint64(40) * 24 * 3600);
    const QString recent = recordSession(*f.service);
    KEYSTEAD_VERIFY_OK(f.service->flush());

    // The default keeps 600 days: nothing goes yet.
    QCOMPARE(f.service->sweepExpiredTrails().value(), 0);
    // 0 keeps every trail, however old.
    KEYSTEAD_VERIFY_OK(f.service->setRetentionDays(0));
    QCOMPARE(f.service->sweepExpiredTrails().value(), 0);
    KEYSTEAD_VERIFY_OK(f.service->get(old));
    // Out of range is refused and changes nothing.
    QCOMPARE(f.service->setRetentionDays(-1).error().kind, Error::Kind::InvalidInput);
    QCOMPARE(f.service->setRetentionDays(ConnectionService::kMaxRetentionDays + 1).error().kind,
             Error::Kind::InvalidInput);
    QCOMPARE(f.service->retentionDays(), 0);
    // 30 days: the 40-day-old connection goes, the recent one stays.
    KEYSTEAD_VERIFY_OK(f.service->setRetentionDays(30));
    QCOMPARE(f.settings->value(QString(ConnectionService::kRetentionDaysSetting)), u"30"_s);
    QCOMPARE(f.service->sweepExpiredTrails().value(), 1);
    QCOMPARE(f.service->get(old).error().kind, Error::Kind::NotFound);
    KEYSTEAD_VERIFY_OK(f.service->get(recent));
}

void TestConnectionService::retentionFollowsTheSshOptions()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    SshSettingsService options(f.database(), m_clock, *f.audit);
    f.service->setOptionsSource(&options);
    QCOMPARE(f.service->optionsSource(), &options);
    // The old Settings value no longer counts once the options govern.
    KEYSTEAD_VERIFY_OK(f.settings->setValue(QString(ConnectionService::kRetentionDaysSetting), u"1"_s));
    const QString old = recordSession(*f.service);
    m_clock.advanceSeconds(qint64(40) * 24 * 3600);
    const QString recent = recordSession(*f.service);
    KEYSTEAD_VERIFY_OK(f.service->flush());
    const auto setCleanup = [&](bool enabled, int days) -> Status {
        Result<SshOptions> current = options.options();
        if (!current)
            return current.error();
        SshOptions changed = current.value();
        changed.cleanupEnabled = enabled;
        changed.cleanupDays = days;
        return options.setOptions(changed, Actor::console());
    };

    // Seed 004's default: cleanup on, 600 days. Nothing is that old.
    QCOMPARE(f.service->retentionDays(), 600);
    QCOMPARE(f.service->sweepExpiredTrails().value(), 0);
    // Cleanup disabled keeps everything, whatever the days say.
    KEYSTEAD_VERIFY_OK(setCleanup(false, 30));
    QCOMPARE(f.service->retentionDays(), 0);
    QCOMPARE(f.service->sweepExpiredTrails().value(), 0);
    KEYSTEAD_VERIFY_OK(f.service->get(old));
    // The Settings value cannot be changed behind the options' back.
    QCOMPARE(f.service->setRetentionDays(30).error().kind, Error::Kind::Conflict);
    // Enabled with 30 days, changed over the service: the next sweep removes the 40-day-old one.
    KEYSTEAD_VERIFY_OK(setCleanup(true, 30));
    QCOMPARE(f.service->retentionDays(), 30);
    QCOMPARE(f.service->sweepExpiredTrails().value(), 1);
    QCOMPARE(f.service->get(old).error().kind, Error::Kind::NotFound);
    KEYSTEAD_VERIFY_OK(f.service->get(recent));
    QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM trail_events WHERE connection_id = ?"_s, {old}), 0);
    f.service->setOptionsSource(nullptr);
}

void TestConnectionService::activityCountsConnectionsAndKeys()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const QDateTime from = m_clock.now();
    // Hour 0: two connections; hour 2: one.
    recordSession(*f.service, 1);
    recordSession(*f.service, 1);
    m_clock.advanceSeconds(2 * 3600);
    recordSession(*f.service, 1);
    // Keys collected in hour 2 (and one discarded, which does not count).
    const QString now = sql::toStoreTime(m_clock.now());
    QVERIFY(execSql(f.database(),
                    u"INSERT INTO collect_sessions (id, connection_identifier, status, multi_key, multi_connection,"
                    " must_confirm, created_at, updated_at) VALUES ('s1', 'ident', 'pending', 1, 1, 0, ?, ?)"_s,
                    {now, now}));
    QVERIFY(
        execSql(f.database(),
                u"INSERT INTO collect_connections (id, session_id, position, created_at, ip_address, client_version,"
                " outcome) VALUES ('c1', 's1', 1, ?, '127.0.0.1', 'SSH-2.0-x', 'kept')"_s,
                {now}));
    int position = 0;
    for (const QString &state : {u"collected"_s, u"collected"_s, u"discarded"_s}) {
        QVERIFY(
            execSql(f.database(),
                    u"INSERT INTO collect_keys (id, connection_id, session_id, position, created_at, algorithm, bits,"
                    " fingerprint_sha256, fingerprint_md5, public_key_blob, state)"
                    " VALUES (?, 'c1', 's1', ?, ?, 'ssh-ed25519', 256, 'f', 'm', 'b', ?)"_s,
                    {u"k%1"_s.arg(position), position, now, state}));
        ++position;
    }
    const Result<QList<ConnectionService::ActivityBucket>> buckets
        = f.service->activity(from, from.addSecs(4 * 3600), 4);
    KEYSTEAD_VERIFY_OK(buckets);
    QCOMPARE(buckets->size(), 4);
    QCOMPARE(buckets->at(0).start, from);
    QCOMPARE(buckets->at(1).start, from.addSecs(3600));
    QCOMPARE(buckets->at(0).connections, 2);
    QCOMPARE(buckets->at(1).connections, 0);
    QCOMPARE(buckets->at(2).connections, 1);
    QCOMPARE(buckets->at(3).connections, 0);
    QCOMPARE(buckets->at(0).keysCollected, 0);
    QCOMPARE(buckets->at(2).keysCollected, 2);
}

void TestConnectionService::typedChangesNameAddedChangedRemoved()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    QSignalSpy typed(f.service.get(), &ConnectionService::changed);
    QSignalSpy plain(f.service.get(), &ConnectionService::connectionsChanged);
    const auto last = [&typed] { return typed.constLast().at(0).value<ChangeSet>(); };

    const QString id = recordSession(*f.service);
    KEYSTEAD_VERIFY_OK(f.service->flush());
    QVERIFY(!typed.isEmpty());
    QCOMPARE(typed.size(), plain.size());
    QCOMPARE(typed.first().at(0).value<ChangeSet>().topic, u"connections.connection"_s);
    QCOMPARE(typed.first().at(0).value<ChangeSet>().added, QStringList{id});

    KEYSTEAD_VERIFY_OK(f.service->setTags(id, {u"night"_s}, Actor::console()));
    QCOMPARE(last(), (ChangeSet{u"connections.connection"_s, {}, {id}, {}}));
    QCOMPARE(plain.constLast().at(0).toStringList(), QStringList{id});

    m_clock.advanceSeconds(qint64(31) * 24 * 3600);
    KEYSTEAD_VERIFY_OK(f.service->removeOlderThan(30));
    QCOMPARE(last(), (ChangeSet{u"connections.connection"_s, {}, {}, {id}}));
    QCOMPARE(plain.constLast().at(0).toStringList(), QStringList{id});
}

void TestConnectionService::connectionsLeftOpenAreClosedAtStart()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    const QString id = f.service->opened(u"127.0.0.1"_s);
    f.service->event(id, u"0"_s, u"stdout"_s, "x");
    KEYSTEAD_VERIFY_OK(f.service->flush());
    QCOMPARE(f.service->get(id)->status, ConnectionStatus::Connected);
    // As if the process had died: the row says CONNECTED, no server holds it.
    QVERIFY(execSql(f.database(), u"UPDATE connections SET status = 'CONNECTED' WHERE id = ?"_s, {id}));
    ConnectionService restarted(f.database(), m_clock, *f.settings, *f.audit);
    QCOMPARE(restarted.proxyId(), f.service->proxyId());
    const Result<ConnectionRecord> record = restarted.get(id);
    KEYSTEAD_VERIFY_OK(record);
    QCOMPARE(record->status, ConnectionStatus::Disconnected);
    QVERIFY(record->disconnected.isValid());
    QVERIFY(!record->disconnectReason.isEmpty());
}

QTEST_GUILESS_MAIN(TestConnectionService)
#include "tst_connection_service.moc"
