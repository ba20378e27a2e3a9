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

// ConnectionService on every store backend: the recorder's buffered writes and
// hash chain, tamper detection, connections left open at a restart and the typed
// change events.
class TestConnectionService final : public ConnectionServiceTest
{
    Q_OBJECT

private Q_SLOTS:
    void recorderMakesRecordAndTrail_data() { backendRows(); }
    void recorderMakesRecordAndTrail();
    void recorderBuffersUntilTheTimerOrFlush_data() { backendRows(); }
    void recorderBuffersUntilTheTimerOrFlush();
    void recorderFromAnotherThread_data() { backendRows(); }
    void recorderFromAnotherThread();
    void verifyFindsChangedRow_data() { backendRows(); }
    void verifyFindsChangedRow();
    void verifyFindsDeletedRow_data() { backendRows(); }
    void verifyFindsDeletedRow();
    void verifyFindsReorderedAndCutRows_data() { backendRows(); }
    void verifyFindsReorderedAndCutRows();
    void typedChangesNameAddedChangedRemoved_data() { backendRows(); }
    void typedChangesNameAddedChangedRemoved();
    void connectionsLeftOpenAreClosedAtStart_data() { backendRows(); }
    void connectionsLeftOpenAreClosedAtStart();
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
