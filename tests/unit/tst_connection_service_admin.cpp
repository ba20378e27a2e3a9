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

// Tags, access roles, termination, the two-step log download, retention and the
// activity chart, on every store backend.
class TestConnectionServiceAdmin final : public ConnectionServiceTest
{
    Q_OBJECT

private Q_SLOTS:
    void tags_data() { backendRows(); }
    void tags();
    void accessRoles_data() { backendRows(); }
    void accessRoles();
    void terminate_data() { backendRows(); }
    void terminate();
    void logDownload_data() { backendRows(); }
    void logDownload();
    void retentionRemovesOnlyOldDisconnected_data() { backendRows(); }
    void retentionRemovesOnlyOldDisconnected();
    void retentionFollowsTheSetting();
    void retentionFollowsTheSshOptions_data() { backendRows(); }
    void retentionFollowsTheSshOptions();
    void activityCountsConnectionsAndKeys_data() { backendRows(); }
    void activityCountsConnectionsAndKeys();
};

void TestConnectionServiceAdmin::tags()
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

void TestConnectionServiceAdmin::accessRoles()
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

void TestConnectionServiceAdmin::terminate()
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

void TestConnectionServiceAdmin::logDownload()
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

void TestConnectionServiceAdmin::retentionRemovesOnlyOldDisconnected()
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

void TestConnectionServiceAdmin::retentionFollowsTheSetting()
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

void TestConnectionServiceAdmin::retentionFollowsTheSshOptions()
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

void TestConnectionServiceAdmin::activityCountsConnectionsAndKeys()
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

QTEST_GUILESS_MAIN(TestConnectionServiceAdmin)
#include "tst_connection_service_admin.moc"
