#include "secrets/SealedSecret.h"

#include "store/Database.h"
#include "store/Sql.h"

#include <QSqlDatabase>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// "Kez": one advisory lock for every first seal; the migrations use another.
constexpr qint64 kFirstSealLockKey = 0x4b65797a;

} // namespace

Result<QByteArray> sealedSecretOrMake(Vault &vault, Database &database, const SecretRef &ref,
                                      const std::function<Result<QByteArray>()> &make)
{
    // The keychain is asked outside any transaction (see Vault::unlock).
    if (Status unlocked = vault.unlock(); !unlocked)
        return unlocked.error();
    Result<QByteArray> held = vault.get(ref);
    if (held || held.error().kind != Error::Kind::NotFound)
        return held;

    Result<QByteArray> made = make();
    if (!made)
        return made.error();
    QSqlDatabase db = database.connection();
    Status sealed = sql::inWriteTransaction(database.isPostgres(), db, [&]() -> Status {
        if (database.isPostgres()) {
            if (Result<QSqlQuery> locked = sql::exec(db, u"SELECT pg_advisory_xact_lock(?)"_s, {kFirstSealLockKey});
                !locked)
                return locked.error();
        }
        // Whoever sealed first, meanwhile, keeps their value.
        if (vault.contains(db, ref))
            return {};
        return vault.put(db, ref, made.value());
    });
    made->fill('\0');
    if (!sealed)
        return sealed.error();
    return vault.get(ref);
}

Status resealSecret(Vault &vault, Database &database, const SecretRef &ref, QByteArrayView value)
{
    if (Status unlocked = vault.unlock(); !unlocked)
        return unlocked;
    QSqlDatabase db = database.connection();
    return sql::inTransaction(db, [&]() -> Status { return vault.put(db, ref, value); });
}

} // namespace keystead
