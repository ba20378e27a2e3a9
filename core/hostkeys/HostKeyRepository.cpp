#include "hostkeys/HostKeyRepository.h"

#include "store/Sql.h"

#include <QSqlQuery>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::hostkeyrepo {

namespace {

const QString kColumns = u"key, address, port, type, value, fingerprint, origin, added_at"_s;
const QString kDriftColumns = u"id, host_key, address, port, type, trusted_fingerprint, seen_fingerprint,"
                              " seen_value, detected_at, acknowledged_at"_s;

TrustedHostKey keyFromRow(const QSqlQuery &row)
{
    TrustedHostKey key;
    sql::readRow(row, key.key, key.address, key.port, key.type, key.value, key.fingerprint, key.origin, key.addedAt);
    return key;
}

HostKeyDrift driftFromRow(const QSqlQuery &row)
{
    HostKeyDrift drift;
    sql::readRow(row, drift.id, drift.hostKey, drift.address, drift.port, drift.type, drift.trustedFingerprint,
                 drift.seenFingerprint, drift.seenValue, drift.detectedAt, drift.acknowledgedAt);
    return drift;
}

} // namespace

Error hostKeyNotFound(const QString &key)
{
    Error error = Error::notFound(u"There is no trusted host key %1"_s.arg(key));
    error.details.insert(u"id"_s, key);
    return error;
}

namespace {

// The one key a statement names, or NotFound.
Result<TrustedHostKey> oneKey(const QSqlDatabase &db, const QString &statement, const QString &key)
{
    Result<std::optional<TrustedHostKey>> found = sql::selectFirst(db, statement, {key}, keyFromRow);
    if (!found)
        return found.error();
    if (!found->has_value())
        return hostKeyNotFound(key);
    return **found;
}

QString firstText(const QSqlQuery &row)
{
    return row.value(0).toString();
}

} // namespace

Result<QList<TrustedHostKey>> selectKeys(const QSqlDatabase &db, const HostKeyFilter &filter)
{
    QStringList where{u"1 = 1"_s};
    QVariantList bindings;
    if (!filter.type.isEmpty()) {
        where.append(u"type = ?"_s);
        bindings.append(filter.type);
    }
    if (filter.port) {
        where.append(u"port = ?"_s);
        bindings.append(*filter.port);
    }
    if (!filter.address.isEmpty()) {
        where.append(u"address = ?"_s);
        bindings.append(filter.address);
    }
    Result<QList<TrustedHostKey>> keys = sql::selectRows(
        db, u"SELECT "_s + kColumns + u" FROM host_keys WHERE "_s + where.join(u" AND "_s), bindings, keyFromRow);
    // Sorted here, not by the database: PostgreSQL's locale collation would order ids unlike SQLite.
    if (keys)
        std::sort(keys->begin(), keys->end(),
                  [](const TrustedHostKey &a, const TrustedHostKey &b) { return a.key < b.key; });
    return keys;
}

Result<TrustedHostKey> selectKey(const QSqlDatabase &db, const QString &key)
{
    return oneKey(db, u"SELECT "_s + kColumns + u" FROM host_keys WHERE key = ?"_s, key);
}

Result<std::optional<QString>> trustedFingerprint(const QSqlDatabase &db, const QString &key)
{
    return sql::selectFirst(db, u"SELECT fingerprint FROM host_keys WHERE key = ?"_s, {key}, firstText);
}

Result<bool> insertKey(const QSqlDatabase &db, const TrustedHostKey &key)
{
    // ON CONFLICT keeps the first key when two instances add the same id at once.
    Result<std::optional<QString>> inserted
        = sql::selectFirst(db,
                           u"INSERT INTO host_keys ("_s + kColumns
                               + u") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING key"_s,
                           {key.key, key.address, key.port, key.type, key.value, sql::text(key.fingerprint), key.origin,
                            sql::toStoreTime(key.addedAt)},
                           firstText);
    if (!inserted)
        return inserted.error();
    return inserted->has_value();
}

Result<TrustedHostKey> deleteKey(const QSqlDatabase &db, const QString &key)
{
    return oneKey(db, u"DELETE FROM host_keys WHERE key = ? RETURNING "_s + kColumns, key);
}

Result<std::optional<qint64>> insertDrift(const QSqlDatabase &db, const HostKeyDrift &drift)
{
    return sql::selectFirst(
        db,
        u"INSERT INTO host_key_drifts (host_key, address, port, type, trusted_fingerprint, seen_fingerprint,"
        " seen_value, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (host_key, trusted_fingerprint, seen_fingerprint) DO NOTHING RETURNING id"_s,
        {drift.hostKey, drift.address, drift.port, drift.type, drift.trustedFingerprint, drift.seenFingerprint,
         drift.seenValue, sql::toStoreTime(drift.detectedAt)},
        [](const QSqlQuery &row) { return row.value(0).toLongLong(); });
}

Result<QList<HostKeyDrift>> selectDrifts(const QSqlDatabase &db, bool includeAcknowledged)
{
    return sql::selectRows(
        db,
        u"SELECT "_s + kDriftColumns + u" FROM host_key_drifts"_s
            + (includeAcknowledged ? QString() : u" WHERE acknowledged_at IS NULL"_s)
            + u" ORDER BY CASE WHEN acknowledged_at IS NULL THEN 0 ELSE 1 END, detected_at DESC, id DESC"_s,
        {}, driftFromRow);
}

Result<std::pair<QString, bool>> selectDriftState(const QSqlDatabase &db, qint64 driftId)
{
    Result<std::optional<HostKeyDrift>> found = sql::selectFirst(
        db, u"SELECT "_s + kDriftColumns + u" FROM host_key_drifts WHERE id = ?"_s, {driftId}, driftFromRow);
    if (!found)
        return found.error();
    if (!found->has_value()) {
        Error error = Error::notFound(u"There is no host key drift %1"_s.arg(driftId));
        error.details.insert(u"id"_s, QString::number(driftId));
        return error;
    }
    return std::pair{(*found)->hostKey, (*found)->acknowledgedAt.has_value()};
}

Status markDriftAcknowledged(const QSqlDatabase &db, qint64 driftId, const QDateTime &now)
{
    Result<QSqlQuery> updated = sql::exec(db, u"UPDATE host_key_drifts SET acknowledged_at = ? WHERE id = ?"_s,
                                          {sql::toStoreTime(now), driftId});
    if (!updated)
        return updated.error();
    return {};
}

} // namespace keystead::hostkeyrepo
