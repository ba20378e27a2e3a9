#include "CollectServiceTest.h"

#include "collect/CollectJson.h"
#include "ssh/SshPublicKey.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// The flow the SSH collect server drives through CollectGate, on every store
// backend: kept, multi-key, single-key, declined and abandoned connections, deleted
// sessions, and calls from another thread.
class TestCollectServiceGate final : public CollectServiceTest
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { makeKeys(); }
    void gateFlowCompletesOnKeptConnection_data() { backendRows(); }
    void gateFlowCompletesOnKeptConnection();
    void multiConnectionStaysPendingUntilComplete_data() { backendRows(); }
    void multiConnectionStaysPendingUntilComplete();
    void singleKeySessionRefusesSecondKey_data() { backendRows(); }
    void singleKeySessionRefusesSecondKey();
    void declinedAndAbandonedDiscardKeys_data() { backendRows(); }
    void declinedAndAbandonedDiscardKeys();
    void deletedSessionRefusesKeys_data() { backendRows(); }
    void deletedSessionRefusesKeys();
    void gateFromAnotherThreadIsQueuedAndSerialised_data() { backendRows(); }
    void gateFromAnotherThreadIsQueuedAndSerialised();
};

void TestCollectServiceGate::gateFlowCompletesOnKeptConnection()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.connectionIdentifier = u"frank"_s;
    input.multiKey = true;
    input.sshBanner = u"hello"_s;
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);

    const std::optional<OpenCollectSession> open = f.service->openSession(u"frank"_s);
    QVERIFY(open.has_value());
    QCOMPARE(open->id, created->id);
    QCOMPARE(open->connectionIdentifier, u"frank"_s);
    QVERIFY(open->multiKey);
    QVERIFY(!open->mustConfirm);
    QCOMPARE(open->sshBanner, u"hello"_s);
    QVERIFY(open->sshMessage.isEmpty());
    QVERIFY(!f.service->openSession(u"nobody"_s).has_value());

    QSignalSpy connections(f.service.get(), &CollectService::connectionChanged);
    QSignalSpy keys(f.service.get(), &CollectService::keyCollected);
    QSignalSpy sessions(f.service.get(), &CollectService::sessionChanged);
    const Result<QString> connection
        = f.service->connectionOpened(open->id, u"127.0.0.1"_s, u"SSH-2.0-OpenSSH_9.2p1 Debian-2"_s);
    KEYSTEAD_VERIFY_OK(connection);
    QCOMPARE(connections.count(), 1);
    QCOMPARE(connections.first().at(0).toString(), created->id);
    QCOMPARE(connections.first().at(1).toString(), connection.value());

    const QStringList names{u"ed25519"_s, u"ecdsa"_s, u"rsa"_s};
    for (const QString &name : names) {
        m_clock.advanceMs(5);
        KEYSTEAD_VERIFY_OK(f.service->keyProven(connection.value(), key(name)));
    }
    // The same key proven again on this connection is recorded once.
    KEYSTEAD_VERIFY_OK(f.service->keyProven(connection.value(), key(u"ed25519"_s)));
    QCOMPARE(keys.count(), 3);
    QCOMPARE(keys.first().at(0).toString(), created->id);
    QCOMPARE(f.service->get(created->id)->status, CollectStatus::Pending);

    m_clock.advanceSeconds(1);
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(connection.value(), ConnectionOutcome::Kept));
    const Result<CollectSession> done = f.service->get(created->id);
    KEYSTEAD_VERIFY_OK(done);
    QCOMPARE(done->status, CollectStatus::Completed);
    QCOMPARE(done->completedAt, m_clock.now());
    QCOMPARE(done->connections.size(), 1);
    const CollectSessionConnection &recorded = done->connections.first();
    QCOMPARE(recorded.id, connection.value());
    QCOMPARE(recorded.ipAddress, u"127.0.0.1"_s);
    QCOMPARE(recorded.clientVersion, u"SSH-2.0-OpenSSH_9.2p1 Debian-2"_s);
    QCOMPARE(recorded.state, CollectConnectionState::Kept);
    QCOMPARE(recorded.keys.size(), 3);
    for (qsizetype i = 0; i < names.size(); ++i) {
        QCOMPARE(recorded.keys.at(i).key, key(names.at(i)));
        QCOMPARE(recorded.keys.at(i).state, CollectKeyState::Collected);
        QCOMPARE(recorded.keys.at(i).id, keys.at(i).at(1).toString());
    }
    QCOMPARE(done->collectedKeyCount(), 3);
    QVERIFY(sessions.count() >= 5);

    // A completed session takes nothing more.
    QVERIFY(!f.service->openSession(u"frank"_s).has_value());
    QVERIFY(!f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s).ok());
    QCOMPARE(f.service->connectionClosed(connection.value(), ConnectionOutcome::Kept).error().kind,
             Error::Kind::Conflict);

    // A connection that yields no key leaves the session pending.
    input.connectionIdentifier = u"grace"_s;
    const Result<CollectSession> empty = f.service->create(input);
    KEYSTEAD_VERIFY_OK(empty);
    const Result<QString> nothing = f.service->connectionOpened(empty->id, u"::1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(nothing);
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(nothing.value(), ConnectionOutcome::Kept));
    QCOMPARE(f.service->get(empty->id)->status, CollectStatus::Pending);
}

void TestCollectServiceGate::multiConnectionStaysPendingUntilComplete()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.connectionIdentifier = u"team"_s;
    input.multiKey = true;
    input.multiConnection = true;
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);

    for (const QString &name : {u"ed25519"_s, u"ecdsa"_s}) {
        const Result<QString> connection = f.service->connectionOpened(created->id, u"10.0.0.1"_s, u"SSH-2.0-x"_s);
        KEYSTEAD_VERIFY_OK(connection);
        KEYSTEAD_VERIFY_OK(f.service->keyProven(connection.value(), key(name)));
        KEYSTEAD_VERIFY_OK(f.service->connectionClosed(connection.value(), ConnectionOutcome::Kept));
        QCOMPARE(f.service->get(created->id)->status, CollectStatus::Pending);
        QVERIFY(f.service->openSession(u"team"_s).has_value());
    }
    QCOMPARE(f.service->get(created->id)->connections.size(), 2);
    QCOMPARE(f.service->get(created->id)->collectedKeyCount(), 2);

    QSignalSpy changed(f.service.get(), &CollectService::sessionChanged);
    m_clock.advanceSeconds(3);
    const Result<CollectSession> completed = f.service->complete(created->id);
    KEYSTEAD_VERIFY_OK(completed);
    QCOMPARE(completed->status, CollectStatus::Completed);
    QCOMPARE(completed->completedAt, m_clock.now());
    QCOMPARE(changed.count(), 1);
    QVERIFY(!f.service->openSession(u"team"_s).has_value());
    // Completing again changes nothing.
    m_clock.advanceSeconds(3);
    const Result<CollectSession> again = f.service->complete(created->id);
    KEYSTEAD_VERIFY_OK(again);
    QCOMPARE(again->completedAt, completed->completedAt);
    QCOMPARE(changed.count(), 1);

    // An expired session cannot be completed; an unknown one is not found.
    CollectSessionInput shortLived;
    shortLived.timeout = 1;
    const Result<CollectSession> expiring = f.service->create(shortLived);
    KEYSTEAD_VERIFY_OK(expiring);
    m_clock.advanceSeconds(1);
    QCOMPARE(f.service->complete(expiring->id).error().kind, Error::Kind::Conflict);
    QCOMPARE(f.service->complete(u"nope"_s).error().kind, Error::Kind::NotFound);
}

void TestCollectServiceGate::singleKeySessionRefusesSecondKey()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.multiConnection = true; // so a second connection could try too
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);
    QVERIFY(!created->multiKey);

    const Result<QString> connection = f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(connection);
    KEYSTEAD_VERIFY_OK(f.service->keyProven(connection.value(), key(u"ecdsa"_s)));
    QSignalSpy keys(f.service.get(), &CollectService::keyCollected);
    const Status second = f.service->keyProven(connection.value(), key(u"rsa"_s));
    QVERIFY(!second.ok());
    QCOMPARE(second.error().kind, Error::Kind::Conflict);
    QCOMPARE(keys.count(), 0);
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(connection.value(), ConnectionOutcome::Kept));

    const Result<QString> other = f.service->connectionOpened(created->id, u"127.0.0.2"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(other);
    QVERIFY(!f.service->keyProven(other.value(), key(u"ed25519"_s)).ok());
    const Result<CollectSession> read = f.service->get(created->id);
    QCOMPARE(read->collectedKeyCount(), 1);
    QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM collect_keys"_s), 1);
    QCOMPARE(read->connections.first().keys.first().key, key(u"ecdsa"_s));
}

void TestCollectServiceGate::declinedAndAbandonedDiscardKeys()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.mustConfirm = true; // multi_key false: discarded keys must not count
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);
    QVERIFY(f.service->openSession(created->connectionIdentifier)->mustConfirm);

    // Declined: the key stays on record, marked discarded; the session stays pending.
    const Result<QString> declined = f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(declined);
    KEYSTEAD_VERIFY_OK(f.service->keyProven(declined.value(), key(u"ed25519"_s)));
    QSignalSpy connections(f.service.get(), &CollectService::connectionChanged);
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(declined.value(), ConnectionOutcome::Declined));
    QCOMPARE(connections.count(), 1);
    Result<CollectSession> read = f.service->get(created->id);
    QCOMPARE(read->status, CollectStatus::Pending);
    QCOMPARE(read->connections.first().state, CollectConnectionState::Declined);
    QCOMPARE(read->connections.first().keys.size(), 1);
    QCOMPARE(read->connections.first().keys.first().state, CollectKeyState::Discarded);
    QCOMPARE(read->collectedKeyCount(), 0);

    // Abandoned, in a must_confirm session: discarded too.
    const Result<QString> abandoned = f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(abandoned);
    KEYSTEAD_VERIFY_OK(f.service->keyProven(abandoned.value(), key(u"ecdsa"_s)));
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(abandoned.value(), ConnectionOutcome::Abandoned));
    read = f.service->get(created->id);
    QCOMPARE(read->status, CollectStatus::Pending);
    QCOMPARE(read->connections.at(1).keys.first().state, CollectKeyState::Discarded);

    // Confirmed: one key may still be collected, and the session completes.
    const Result<QString> kept = f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(kept);
    KEYSTEAD_VERIFY_OK(f.service->keyProven(kept.value(), key(u"rsa"_s)));
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(kept.value(), ConnectionOutcome::Kept));
    read = f.service->get(created->id);
    QCOMPARE(read->status, CollectStatus::Completed);
    QCOMPARE(read->collectedKeyCount(), 1);
    QCOMPARE(read->connections.size(), 3);
    QCOMPARE(collectjson::sessionToJson(read.value())
                 .value(u"connections"_s)
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(u"keys"_s)
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(u"state"_s)
                 .toString(),
             u"discarded"_s);

    // Without must_confirm, a client that went away keeps its proven keys.
    const Result<CollectSession> plain = f.service->create({});
    KEYSTEAD_VERIFY_OK(plain);
    const Result<QString> gone = f.service->connectionOpened(plain->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(gone);
    KEYSTEAD_VERIFY_OK(f.service->keyProven(gone.value(), key(u"ed25519-b"_s)));
    KEYSTEAD_VERIFY_OK(f.service->connectionClosed(gone.value(), ConnectionOutcome::Abandoned));
    read = f.service->get(plain->id);
    QCOMPARE(read->collectedKeyCount(), 1);
    QCOMPARE(read->status, CollectStatus::Completed);
}

void TestCollectServiceGate::deletedSessionRefusesKeys()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.multiKey = true;
    input.webhooks.append(CollectWebhook{});
    input.webhooks.first().url = u"http://127.0.0.1:9/hook"_s;
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);
    const Result<QString> connection = f.service->connectionOpened(created->id, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
    KEYSTEAD_VERIFY_OK(connection);
    KEYSTEAD_VERIFY_OK(f.service->keyProven(connection.value(), key(u"ed25519"_s)));

    QSignalSpy removed(f.service.get(), &CollectService::sessionRemoved);
    KEYSTEAD_VERIFY_OK(f.service->remove(created->id));
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.first().first().toString(), created->id);

    const Status late = f.service->keyProven(connection.value(), key(u"ecdsa"_s));
    QVERIFY(!late.ok());
    QCOMPARE(late.error().kind, Error::Kind::NotFound);
    QVERIFY(!f.service->openSession(created->connectionIdentifier).has_value());
    QCOMPARE(f.service->get(created->id).error().kind, Error::Kind::NotFound);
    QCOMPARE(f.service->remove(created->id).error().kind, Error::Kind::NotFound);
    QCOMPARE(f.service->connectionClosed(connection.value(), ConnectionOutcome::Kept).error().kind,
             Error::Kind::NotFound);
    // Its connections, keys and webhooks went with it.
    for (const QString &table : {u"collect_connections"_s, u"collect_keys"_s, u"collect_webhooks"_s})
        QCOMPARE(countRows(f.database(), u"SELECT COUNT(*) FROM "_s + table), 0);
    QCOMPARE(removed.count(), 1);
}

void TestCollectServiceGate::gateFromAnotherThreadIsQueuedAndSerialised()
{
    QFETCH(QString, backend);
    Fixture f = make(backend);
    QVERIFY(f.store);
    CollectSessionInput input;
    input.multiConnection = true; // multi_key false: of the keys raced in, one wins
    const Result<CollectSession> created = f.service->create(input);
    KEYSTEAD_VERIFY_OK(created);

    QObject receiver; // lives in this (the "GUI") thread
    QList<QThread *> deliveredIn;
    connect(f.service.get(), &CollectService::keyCollected, &receiver,
            [&deliveredIn](const QString &, const QString &) { deliveredIn.append(QThread::currentThread()); });

    const QStringList names{u"ed25519"_s, u"ecdsa"_s, u"rsa"_s, u"ed25519-b"_s};
    QList<SshPublicKey> keys;
    for (const QString &name : names)
        keys.append(key(name));
    QAtomicInt accepted = 0;
    QAtomicInt refused = 0;
    QList<QThread *> threads;
    Database &database = f.database();
    CollectService &service = *f.service;
    const QString sessionId = created->id;
    for (const SshPublicKey &offered : keys) {
        threads.append(QThread::create([&, offered] {
            const Result<QString> connection = service.connectionOpened(sessionId, u"127.0.0.1"_s, u"SSH-2.0-x"_s);
            if (connection) {
                const Status proven = service.keyProven(connection.value(), offered);
                (proven.ok() ? accepted : refused).fetchAndAddOrdered(1);
                (void)service.connectionClosed(connection.value(), ConnectionOutcome::Kept);
            }
            database.releaseThreadConnection();
        }));
    }
    for (QThread *thread : threads)
        thread->start();
    for (QThread *thread : threads) {
        QVERIFY(thread->wait(60'000));
        delete thread;
    }
    QCOMPARE(accepted.loadRelaxed(), 1);
    QCOMPARE(refused.loadRelaxed(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(deliveredIn.size(), 1, 10'000);
    QCOMPARE(deliveredIn.first(), QThread::currentThread());
    const Result<CollectSession> read = f.service->get(created->id);
    QCOMPARE(read->connections.size(), 4);
    QCOMPARE(read->collectedKeyCount(), 1);
    QCOMPARE(read->status, CollectStatus::Pending); // multi_connection
}

QTEST_GUILESS_MAIN(TestCollectServiceGate)
#include "tst_collect_service_gate.moc"
