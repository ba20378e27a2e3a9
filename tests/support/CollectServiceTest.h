#pragma once

#include "KeyMaterial.h"
#include "StoreTestSupport.h"
#include "TestVault.h"

#include "collect/CollectService.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "collect/WebhookSigner.h"

#include <memory>

// What the collect service's tests share: a store with the outbox, the seal of
// webhook credentials and the service, and key pairs made by ssh-keygen.
namespace keystead::test {

using namespace Qt::StringLiterals;

inline QString storedStatus(Database &database, const QString &id)
{
    Result<QSqlQuery> row
        = sql::exec(database.connection(), u"SELECT status FROM collect_sessions WHERE id = ?"_s, {id});
    return row && row.value().next() ? row.value().value(0).toString() : QString();
}

inline QStringList errorLocations(const Error &error)
{
    QStringList locations;
    const QVariantList items = error.details.value(u"errors"_s).toList();
    for (const QVariant &item : items)
        locations.append(item.toMap().value(u"location"_s).toString());
    if (locations.isEmpty() && !error.location.isEmpty())
        locations.append(error.location);
    return locations;
}

// One store, its outbox, the seal of webhook credentials and the service under test.
struct CollectFixture : StoreFixture
{
    std::unique_ptr<WebhookOutbox> outbox;
    std::unique_ptr<TestVault> vault; // the signing key is sealed in it
    std::unique_ptr<WebhookSigner> signer;
    std::unique_ptr<WebhookHeaderSeal> seal;
    std::unique_ptr<CollectService> service;
};

class CollectServiceTest : public QObject
{
protected:
    using Fixture = CollectFixture;

    Fixture make(const QString &backend = u"sqlite"_s)
    {
        Fixture fixture;
        fixture.store = TestDatabase::create(backend, m_clock);
        if (!fixture.store)
            return fixture;
        fixture.outbox = std::make_unique<WebhookOutbox>(fixture.store->database(), m_clock);
        fixture.vault = std::make_unique<TestVault>(fixture.store->database(), m_clock, fixture.store->dataDir());
        fixture.signer = std::make_unique<WebhookSigner>(fixture.store->dataDir(), fixture.store->database(),
                                                         fixture.vault->vault());
        fixture.seal = std::make_unique<WebhookHeaderSeal>(*fixture.signer);
        fixture.service
            = std::make_unique<CollectService>(fixture.store->database(), m_clock, *fixture.outbox, *fixture.seal);
        return fixture;
    }
    // A proven key from a .pub file made by ssh-keygen in makeKeys().
    SshPublicKey key(const QString &name) const { return m_keys.publicKey(name); }
    // The key pairs the tests offer (ed25519, ecdsa, rsa, ed25519-b), for initTestCase.
    void makeKeys()
    {
        QVERIFY(m_keys.isValid());
        const QList<QStringList> kinds{{u"ed25519"_s, u"-t"_s, u"ed25519"_s},
                                       {u"ecdsa"_s, u"-t"_s, u"ecdsa"_s, u"-b"_s, u"256"_s},
                                       {u"rsa"_s, u"-t"_s, u"rsa"_s, u"-b"_s, u"2048"_s},
                                       {u"ed25519-b"_s, u"-t"_s, u"ed25519"_s}};
        for (const QStringList &kind : kinds) {
            const QString failed = m_keys.make(kind.first(), kind.mid(1), u"test "_s + kind.first());
            QVERIFY2(failed.isEmpty(), qPrintable(failed));
            QVERIFY2(!key(kind.first()).isNull(), qPrintable(kind.first()));
        }
    }

    ManualClock m_clock;
    KeyFolder m_keys;
};

} // namespace keystead::test
