#include "StoreTestSupport.h"

#include "audit/AuditLog.h"
#include "common/Crypto.h"
#include "connections/ConnectionService.h"
#include "connections/TrailTimestamper.h"
#include "secrets/MasterKeyStore.h"
#include "secrets/Vault.h"
#include "settings/SshSettingsService.h"
#include "store/SettingsStore.h"
#include "store/Sql.h"

#include <QMutex>
#include <QMutexLocker>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QtEndian>
#include <QtTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

namespace {

struct Fixture
{
    QTemporaryDir keyDir;
    std::unique_ptr<TestDatabase> store;
    std::unique_ptr<SettingsStore> settings;
    std::unique_ptr<AuditLog> audit;
    std::unique_ptr<MasterKeyStore> masterKeys;
    std::unique_ptr<Vault> vault;
    std::unique_ptr<SshSettingsService> options;
    std::unique_ptr<ConnectionService> connections;
    std::unique_ptr<TrailTimestamper> timestamper;

    Database &database() { return store->database(); }
};

void appendField(QByteArray &buffer, QByteArrayView bytes)
{
    const quint64 length = qToBigEndian(static_cast<quint64>(bytes.size()));
    buffer.append(reinterpret_cast<const char *>(&length), sizeof(length));
    buffer.append(bytes);
}

// The trail's link as documented (ConnectionService: SHA-256 over the previous
// hash and the stored fields, each preceded by its 8-byte big-endian length):
// what someone with write access to the store would compute to re-chain a trail.
QByteArray chainHash(const QByteArray &previous, const QString &connectionId, qint64 sequence, const QString &channelId,
                     const QString &at, const QString &type, const QByteArray &data, const QByteArray &detail)
{
    QByteArray buffer;
    appendField(buffer, previous);
    appendField(buffer, connectionId.toUtf8());
    appendField(buffer, QByteArray::number(sequence));
    appendField(buffer, channelId.toUtf8());
    appendField(buffer, at.toUtf8());
    appendField(buffer, type.toUtf8());
    appendField(buffer, data);
    appendField(buffer, detail);
    return crypto::sha256(buffer);
}

// Replaces what every stdout event showed and recomputes every hash and the
// recorded head: a consistent rewrite that the chain alone cannot tell.
bool rechain(Database &database, const QString &connectionId)
{
    QSqlDatabase db = database.connection();
    struct Row
    {
        qint64 sequence;
        QString channel, at, type;
        QByteArray data, detail;
    };
    QList<Row> rows;
    {
        Result<QSqlQuery> read = sql::exec(db,
                                           u"SELECT sequence, channel_id, at, type, data, detail FROM trail_events"
                                           " WHERE connection_id = ? ORDER BY sequence"_s,
                                           {connectionId});
        if (!read)
            return false;
        while (read->next())
            rows.append(Row{read->value(0).toLongLong(), read->value(1).toString(), read->value(2).toString(),
                            read->value(3).toString(), read->value(4).toByteArray(),
                            read->value(5).toString().toUtf8()});
    }
    QByteArray previous(32, '\0');
    for (Row &row : rows) {
        if (row.type == u"stdout"_s)
            row.data = "nothing to see here\r\n";
        if (row.data.isNull()) // Qt binds a null byte array as NULL; the column holds empty ones
            row.data = QByteArray("");
        const QByteArray hash
            = chainHash(previous, connectionId, row.sequence, row.channel, row.at, row.type, row.data, row.detail);
        if (!execSql(database,
                     u"UPDATE trail_events SET data = ?, previous_hash = ?, hash = ?"
                     " WHERE connection_id = ? AND sequence = ?"_s,
                     {row.data, QString::fromLatin1(previous.toHex()), QString::fromLatin1(hash.toHex()), connectionId,
                      row.sequence}))
            return false;
        previous = hash;
    }
    return execSql(database, u"UPDATE connections SET trail_head = ? WHERE id = ?"_s,
                   {QString::fromLatin1(previous.toHex()), connectionId});
}

// Every value of every table of the store, as bytes, for a search for a secret.
QList<QByteArray> everyStoredValue(Database &database)
{
    QSqlDatabase db = database.connection();
    QStringList tables;
    {
        const QString list = database.isPostgres()
            ? u"SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"_s
            : u"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"_s;
        Result<QSqlQuery> names = sql::exec(db, list);
        while (names && names->next())
            tables.append(names->value(0).toString());
    }
    QList<QByteArray> values;
    for (const QString &table : std::as_const(tables)) {
        Result<QSqlQuery> rows = sql::exec(db, u"SELECT * FROM "_s + table);
        if (!rows)
            continue;
        while (rows->next()) {
            for (int column = 0; column < rows->record().count(); ++column)
                values.append(rows->value(column).toByteArray());
        }
    }
    return values;
}

QMutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;

void captureMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        QMutexLocker lock(&g_logMutex);
        g_log.append(message);
    }
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

} // namespace

// TrailTimestamper on every store backend with a real vault: checkpoints at
// the options' signing interval, a consistently re-chained trail caught by its
// checkpoint, forged checkpoints refused, the key sealed and never in plain,
// no vault no checkpoints, and checkpoints gone with their connection.
class TestTrailTimestamps final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void checkpointsFollowTheSigningInterval_data() { backendRows(); }
    void checkpointsFollowTheSigningInterval();
    void timerSignsWhenTheClockMoves_data() { backendRows(); }
    void timerSignsWhenTheClockMoves();
    void rechainedTrailFailsOnlyWithACheckpoint_data() { backendRows(); }
    void rechainedTrailFailsOnlyWithACheckpoint();
    void forgedCheckpointsFail_data() { backendRows(); }
    void forgedCheckpointsFail();
    void signingKeyIsNeverStoredOrLoggedInPlain_data() { backendRows(); }
    void signingKeyIsNeverStoredOrLoggedInPlain();
    void noVaultNoCheckpoints_data() { backendRows(); }
    void noVaultNoCheckpoints();
    void retentionRemovesCheckpoints_data() { backendRows(); }
    void retentionRemovesCheckpoints();

private:
    std::unique_ptr<Fixture> make(const QString &backend, const QString &masterKeyPath = {})
    {
        auto f = std::make_unique<Fixture>();
        f->store = TestDatabase::create(backend, m_clock);
        if (!f->store)
            return nullptr;
        Database &database = f->database();
        f->settings = std::make_unique<SettingsStore>(database);
        f->audit = std::make_unique<AuditLog>(database, m_clock);
        f->masterKeys = std::make_unique<FileMasterKeyStore>(
            masterKeyPath.isEmpty() ? f->keyDir.path() + u"/master.key"_s : masterKeyPath);
        f->vault = std::make_unique<Vault>(database, m_clock, *f->masterKeys);
        f->options = std::make_unique<SshSettingsService>(database, m_clock, *f->audit);
        f->connections = std::make_unique<ConnectionService>(database, m_clock, *f->settings, *f->audit);
        f->connections->setOptionsSource(f->options.get());
        f->timestamper = std::make_unique<TrailTimestamper>(database, m_clock, *f->vault, *f->connections);
        f->timestamper->setOptionsSource(f->options.get());
        return f;
    }
    // A connection with a short trail; closed unless `keepOpen`.
    QString recordSession(ConnectionService &service, bool keepOpen = false)
    {
        const QString id = service.opened(u"127.0.0.1"_s);
        service.event(id, u"connection"_s, u"client-version"_s, "SSH-2.0-OpenSSH_9.2p1 Debian-2");
        service.authenticated(id, u"alice"_s, u"session-1"_s, {u"publickey"_s});
        service.event(id, u"0"_s, u"channel-open"_s, {}, {{u"type"_s, u"session"_s}});
        for (int i = 0; i < 3; ++i) {
            m_clock.advanceMs(10);
            service.event(id, u"0"_s, u"stdout"_s, u"line %1\r\n"_s.arg(i).toUtf8());
        }
        if (!keepOpen) {
            m_clock.advanceSeconds(1);
            service.closed(id, u"client disconnected"_s);
        }
        return id;
    }
    static qint64 checkpoints(Fixture &f, const QString &id)
    {
        return countRows(f.database(), u"SELECT COUNT(*) FROM trail_checkpoints WHERE connection_id = ?"_s, {id});
    }
    static Status setInterval(Fixture &f, int seconds)
    {
        Result<SshOptions> options = f.options->options();
        if (!options)
            return options.error();
        SshOptions changed = options.value();
        changed.signingInterval = seconds;
        return f.options->setOptions(changed, Actor::console());
    }

    ManualClock m_clock;
};

void TestTrailTimestamps::checkpointsFollowTheSigningInterval()
{
    QFETCH(QString, backend);
    std::unique_ptr<Fixture> f = make(backend);
    QVERIFY(f);
    KEYSTEAD_VERIFY_OK(setInterval(*f, 60));
    QCOMPARE(f->timestamper->signingIntervalSeconds(), 60);
    QSignalSpy signedSpy(f->timestamper.get(), &TrailTimestamper::checkpointsSigned);

    const QString live = recordSession(*f->connections, true);
    // The first round signs at once: what happened while Keystead was off gets its checkpoint.
    Result<int> made = f->timestamper->poll();
    KEYSTEAD_VERIFY_OK(made);
    QCOMPARE(made.value(), 1);
    QCOMPARE(signedSpy.size(), 1);
    QCOMPARE(signedSpy.at(0).at(0).toStringList(), QStringList{live});
    // The checkpoint holds the trail's head as recorded.
    {
        Result<QSqlQuery> row = sql::exec(f->database().connection(),
                                          u"SELECT k.sequence, k.trail_head, c.trail_length, c.trail_head,"
                                          " k.key_fingerprint FROM trail_checkpoints k"
                                          " JOIN connections c ON c.id = k.connection_id WHERE k.connection_id = ?"_s,
                                          {live});
        KEYSTEAD_VERIFY_OK(row);
        QVERIFY(row->next());
        QCOMPARE(row->value(0).toLongLong(), row->value(2).toLongLong());
        QCOMPARE(row->value(1).toString(), row->value(3).toString());
        QCOMPARE(row->value(4).toString(), f->timestamper->publicKey()->fingerprint);
    }

    // More happens, and another connection comes: nothing is signed before the interval has passed.
    f->connections->event(live, u"0"_s, u"stdin"_s, "y");
    const QString second = recordSession(*f->connections);
    m_clock.advanceSeconds(30);
    QCOMPARE(f->timestamper->poll().value(), 0);
    QCOMPARE(checkpoints(*f, live), 1);
    QCOMPARE(checkpoints(*f, second), 0);
    m_clock.advanceSeconds(31);
    QCOMPARE(f->timestamper->poll().value(), 2);
    QCOMPARE(checkpoints(*f, live), 2);
    QCOMPARE(checkpoints(*f, second), 1);
    // Nothing new: no checkpoint, however long it waits.
    m_clock.advanceSeconds(600);
    QCOMPARE(f->timestamper->poll().value(), 0);
    QCOMPARE(checkpoints(*f, live), 2);

    // A shorter interval over the options takes effect at the next round.
    KEYSTEAD_VERIFY_OK(setInterval(*f, 10));
    f->connections->event(live, u"0"_s, u"stdout"_s, "more\r\n");
    m_clock.advanceSeconds(10);
    QCOMPARE(f->timestamper->poll().value(), 1);

    const Result<TrailCheck> checked = f->connections->checkTrail(live);
    KEYSTEAD_VERIFY_OK(checked);
    QVERIFY2(checked->trail.intact, qPrintable(checked->trail.message));
    QCOMPARE(checked->checkpoints.count, 3);
    QCOMPARE(checked->checkpoints.verified, 3);
    QCOMPARE(checked->checkpoints.lastSignedAt, m_clock.now());
    QCOMPARE(checked->checkpoints.firstFailureSequence, 0);
    QCOMPARE(checked->checkpoints.keyFingerprints, QStringList{f->timestamper->publicKey()->fingerprint});
    QVERIFY(checked->trail.message.contains(u"3 signed checkpoint(s) verified"_s));

    // A new timestamper (Keystead restarted) signs with the same sealed key.
    const QString fingerprint = f->timestamper->publicKey()->fingerprint;
    f->timestamper = std::make_unique<TrailTimestamper>(f->database(), m_clock, *f->vault, *f->connections);
    QCOMPARE(f->timestamper->publicKey()->fingerprint, fingerprint);
    QCOMPARE(countRows(f->database(), u"SELECT COUNT(*) FROM trail_timestamp_keys"_s), 1);
}

void TestTrailTimestamps::timerSignsWhenTheClockMoves()
{
    QFETCH(QString, backend);
    std::unique_ptr<Fixture> f = make(backend);
    QVERIFY(f);
    KEYSTEAD_VERIFY_OK(setInterval(*f, 30));
    const QString id = recordSession(*f->connections);
    f->timestamper->start(10);
    QTRY_COMPARE_WITH_TIMEOUT(checkpoints(*f, id), 1, 10000);
    const QString later = recordSession(*f->connections);
    // The timer ticks, but the clock has not moved an interval: nothing yet.
    QTest::qWait(100);
    QCOMPARE(checkpoints(*f, later), 0);
    m_clock.advanceSeconds(30);
    QTRY_COMPARE_WITH_TIMEOUT(checkpoints(*f, later), 1, 10000);
}

void TestTrailTimestamps::rechainedTrailFailsOnlyWithACheckpoint()
{
    QFETCH(QString, backend);
    std::unique_ptr<Fixture> f = make(backend);
    QVERIFY(f);
    const QString signedTrail = recordSession(*f->connections);
    KEYSTEAD_VERIFY_OK(f->timestamper->signNow());
    const QString unsignedTrail = recordSession(*f->connections);
    KEYSTEAD_VERIFY_OK(f->connections->flush());
    const qint64 length
        = countRows(f->database(), u"SELECT trail_length FROM connections WHERE id = ?"_s, {signedTrail});
    QVERIFY(length > 5);
    QVERIFY(f->connections->checkTrail(signedTrail)->trail.intact);

    QVERIFY(rechain(f->database(), signedTrail));
    QVERIFY(rechain(f->database(), unsignedTrail));

    // The chain alone cannot tell: every hash, link and the head agree.
    const Result<TrailCheck> chainOnly = f->connections->checkTrail(unsignedTrail);
    KEYSTEAD_VERIFY_OK(chainOnly);
    QVERIFY(chainOnly->trail.intact);
    QCOMPARE(chainOnly->checkpoints.count, 0);

    // The checkpoint signed the old head: the rewrite shows.
    const Result<TrailCheck> checked = f->connections->checkTrail(signedTrail);
    KEYSTEAD_VERIFY_OK(checked);
    QVERIFY(!checked->trail.intact);
    QCOMPARE(checked->trail.brokenAtSequence, length);
    QCOMPARE(checked->checkpoints.count, 1);
    QCOMPARE(checked->checkpoints.verified, 0);
    QCOMPARE(checked->checkpoints.firstFailureSequence, length);
    QVERIFY2(checked->checkpoints.firstFailure.contains(u"rewritten"_s), qPrintable(checked->checkpoints.firstFailure));
    QCOMPARE(checked->trail.message, checked->checkpoints.firstFailure);
    // verifyTrail() answers the same.
    QVERIFY(!f->connections->verifyTrail(signedTrail)->intact);
}

void TestTrailTimestamps::forgedCheckpointsFail()
{
    QFETCH(QString, backend);
    std::unique_ptr<Fixture> f = make(backend);
    QVERIFY(f);
    const QString id = recordSession(*f->connections);
    KEYSTEAD_VERIFY_OK(f->timestamper->signNow());
    QVERIFY(f->connections->checkTrail(id)->trail.intact);

    // Checkpoints are append-only: no edit in place.
    QVERIFY(
        !execSql(f->database(), u"UPDATE trail_checkpoints SET signature = 'AAAA' WHERE connection_id = ?"_s, {id}));
    QVERIFY(!execSql(f->database(), u"UPDATE trail_timestamp_keys SET public_key = 'x'"_s));

    QString sequence, head, signedAt, fingerprint, signature;
    {
        Result<QSqlQuery> row = sql::exec(f->database().connection(),
                                          u"SELECT sequence, trail_head, signed_at, key_fingerprint, signature"
                                          " FROM trail_checkpoints WHERE connection_id = ?"_s,
                                          {id});
        KEYSTEAD_VERIFY_OK(row);
        QVERIFY(row->next());
        sequence = row->value(0).toString();
        head = row->value(1).toString();
        signedAt = row->value(2).toString();
        fingerprint = row->value(3).toString();
        signature = row->value(4).toString();
    }
    const auto replace = [&](const QString &newHead, const QString &newSignature) {
        return execSql(f->database(), u"DELETE FROM trail_checkpoints WHERE connection_id = ?"_s, {id})
            && execSql(f->database(),
                       u"INSERT INTO trail_checkpoints (connection_id, sequence, trail_head, signed_at,"
                       " key_fingerprint, signature) VALUES (?, ?, ?, ?, ?, ?)"_s,
                       {id, sequence.toLongLong(), newHead, signedAt, fingerprint, newSignature});
    };

    // One bit of the signature changed.
    QByteArray bytes = QByteArray::fromBase64(signature.toLatin1());
    bytes[5] = static_cast<char>(bytes.at(5) ^ 0x01);
    QVERIFY(replace(head, QString::fromLatin1(bytes.toBase64())));
    Result<TrailCheck> checked = f->connections->checkTrail(id);
    KEYSTEAD_VERIFY_OK(checked);
    QVERIFY(!checked->trail.intact);
    QCOMPARE(checked->checkpoints.verified, 0);
    QVERIFY2(checked->checkpoints.firstFailure.contains(u"does not verify"_s),
             qPrintable(checked->checkpoints.firstFailure));

    // A re-chained trail whose checkpoint was moved to the new head, keeping the old signature.
    QVERIFY(replace(head, signature));
    QVERIFY(f->connections->checkTrail(id)->trail.intact);
    QVERIFY(rechain(f->database(), id));
    QString rewrittenHead;
    {
        Result<QSqlQuery> row
            = sql::exec(f->database().connection(), u"SELECT trail_head FROM connections WHERE id = ?"_s, {id});
        KEYSTEAD_VERIFY_OK(row);
        QVERIFY(row->next());
        rewrittenHead = row->value(0).toString();
    }
    QVERIFY(rewrittenHead != head);
    QVERIFY(replace(rewrittenHead, signature));
    checked = f->connections->checkTrail(id);
    KEYSTEAD_VERIFY_OK(checked);
    QVERIFY(!checked->trail.intact);
    QVERIFY2(checked->checkpoints.firstFailure.contains(u"does not verify"_s),
             qPrintable(checked->checkpoints.firstFailure));

    // The canonical message itself: the signature covers every field.
    const Result<TimestampingKey> key = f->timestamper->publicKey();
    KEYSTEAD_VERIFY_OK(key);
    const QByteArray raw = QByteArray::fromBase64(signature.toLatin1());
    const qint64 ms = sql::fromStoreTime(signedAt).toMSecsSinceEpoch();
    QVERIFY(TrailTimestamper::verifySignature(
        key->publicKey, TrailTimestamper::checkpointMessage(id, sequence.toLongLong(), head, ms), raw));
    QVERIFY(!TrailTimestamper::verifySignature(
        key->publicKey, TrailTimestamper::checkpointMessage(id, sequence.toLongLong(), head, ms + 1), raw));
    QVERIFY(!TrailTimestamper::verifySignature(
        key->publicKey, TrailTimestamper::checkpointMessage(id, sequence.toLongLong() - 1, head, ms), raw));
    QVERIFY(!TrailTimestamper::verifySignature(
        key->publicKey, TrailTimestamper::checkpointMessage(u"other"_s, sequence.toLongLong(), head, ms), raw));
}

void TestTrailTimestamps::signingKeyIsNeverStoredOrLoggedInPlain()
{
    QFETCH(QString, backend);
    {
        QMutexLocker lock(&g_logMutex);
        g_log.clear();
    }
    g_previousHandler = qInstallMessageHandler(captureMessage);
    const auto restore = qScopeGuard([] { qInstallMessageHandler(g_previousHandler); });
    std::unique_ptr<Fixture> f = make(backend);
    QVERIFY(f);
    const QString id = recordSession(*f->connections);
    KEYSTEAD_VERIFY_OK(f->timestamper->signNow());
    QCOMPARE(checkpoints(*f, id), 1);

    // The key is sealed in the vault where the issue says, and opens to 32 raw bytes.
    const Result<QByteArray> raw = f->vault->get(SecretRef{u"timestamping"_s, u"local"_s, u"private_key"_s});
    KEYSTEAD_VERIFY_OK(raw);
    QCOMPARE(raw->size(), 32);
    const QList<QByteArray> forms{raw.value(), raw->toHex(), raw->toHex().toUpper(), raw->toBase64(),
                                  raw->toBase64(QByteArray::OmitTrailingEquals)};
    const QList<QByteArray> values = everyStoredValue(f->database());
    QVERIFY(values.size() > 10);
    for (const QByteArray &value : values) {
        for (const QByteArray &form : forms)
            QVERIFY2(!value.contains(form), "the signing key is stored in plain");
    }
    // The public half is on record with its fingerprint.
    const Result<TimestampingKey> key = f->timestamper->publicKey();
    KEYSTEAD_VERIFY_OK(key);
    QVERIFY(key->publicKey.startsWith(u"ssh-ed25519 AAAA"_s));
    QVERIFY(key->fingerprint.startsWith(u"SHA256:"_s));
    QCOMPARE(countRows(f->database(),
                       u"SELECT COUNT(*) FROM trail_timestamp_keys WHERE fingerprint = ? AND public_key = ?"_s,
                       {key->fingerprint, key->publicKey}),
             1);
    QMutexLocker lock(&g_logMutex);
    QVERIFY(g_log.join(u'\n').contains(key->fingerprint)); // the key's making is logged, by fingerprint
    for (const QString &line : std::as_const(g_log)) {
        for (const QByteArray &form : forms)
            QVERIFY2(!line.toUtf8().contains(form), "the signing key is logged in plain");
    }
}

void TestTrailTimestamps::noVaultNoCheckpoints()
{
    QFETCH(QString, backend);
    // A key store that cannot be written (its folder is a file): the vault cannot make its master key.
    QTemporaryDir dir;
    QFile notAFolder(dir.filePath(u"not-a-folder"_s));
    QVERIFY(notAFolder.open(QIODevice::WriteOnly));
    notAFolder.close();
    std::unique_ptr<Fixture> f = make(backend, notAFolder.fileName() + u"/master.key"_s);
    QVERIFY(f);
    const QString id = recordSession(*f->connections);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"^timestamping: the vault cannot be opened"_s));
    Result<int> made = f->timestamper->signNow();
    QVERIFY(!made);
    QCOMPARE(made.error().kind, Error::Kind::Unavailable);
    // Said once, not at every round.
    QTest::failOnWarning(QRegularExpression(u"^timestamping:"_s));
    QVERIFY(!f->timestamper->signNow());
    QVERIFY(!f->timestamper->publicKey());
    QCOMPARE(countRows(f->database(), u"SELECT COUNT(*) FROM trail_checkpoints"_s), 0);
    QCOMPARE(countRows(f->database(), u"SELECT COUNT(*) FROM trail_timestamp_keys"_s), 0);
    // The trail is still checked link by link, with no checkpoint to add.
    const Result<TrailCheck> checked = f->connections->checkTrail(id);
    KEYSTEAD_VERIFY_OK(checked);
    QVERIFY(checked->trail.intact);
    QCOMPARE(checked->checkpoints.count, 0);
}

void TestTrailTimestamps::retentionRemovesCheckpoints()
{
    QFETCH(QString, backend);
    std::unique_ptr<Fixture> f = make(backend);
    QVERIFY(f);
    const QString old = recordSession(*f->connections);
    KEYSTEAD_VERIFY_OK(f->timestamper->signNow());
    m_clock.advanceSeconds(qint64(40) * 24 * 3600);
    const QString recent = recordSession(*f->connections);
    KEYSTEAD_VERIFY_OK(f->timestamper->signNow());
    QCOMPARE(checkpoints(*f, old), 1);
    QCOMPARE(checkpoints(*f, recent), 1);

    Result<SshOptions> options = f->options->options();
    KEYSTEAD_VERIFY_OK(options);
    options->cleanupEnabled = true;
    options->cleanupDays = 30;
    KEYSTEAD_VERIFY_OK(f->options->setOptions(options.value(), Actor::console()));
    QCOMPARE(f->connections->sweepExpiredTrails().value(), 1);
    QCOMPARE(checkpoints(*f, old), 0);
    QCOMPARE(checkpoints(*f, recent), 1);
    QVERIFY(f->connections->checkTrail(recent)->trail.intact);
}

QTEST_GUILESS_MAIN(TestTrailTimestamps)
#include "tst_trail_timestamps.moc"
