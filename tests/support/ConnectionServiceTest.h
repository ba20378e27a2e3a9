#pragma once

#include "StoreTestSupport.h"

#include "audit/AuditLog.h"
#include "collect/CollectActivitySource.h"
#include "connections/ConnectionService.h"
#include "store/SettingsStore.h"

#include <QUuid>

#include <functional>
#include <memory>

// What the connection service's tests share: a store with the service as the
// composition wires it, recorded sessions and generated records to page through.
namespace keystead::test {

using namespace Qt::StringLiterals;

// One store with the settings, the audit log and the connection service.
struct ConnectionFixture : StoreFixture
{
    std::unique_ptr<SettingsStore> settings;
    std::unique_ptr<AuditLog> audit;
    std::unique_ptr<ConnectionService> service;
};

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

inline QStringList idsOf(const QList<ConnectionRecord> &records)
{
    QStringList ids;
    for (const ConnectionRecord &record : records)
        ids.append(record.id);
    return ids;
}

class ConnectionServiceTest : public QObject
{
protected:
    using Fixture = ConnectionFixture;

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

} // namespace keystead::test
