#include "inventory/KeyRepository.h"

#include "common/Identifiers.h"
#include "store/Sql.h"

#include <QRegularExpression>
#include <QSqlQuery>

#include <algorithm>
#include <unordered_map>

using namespace Qt::StringLiterals;

namespace keystead::keyrepo {

namespace {

constexpr int kGeneratedIdentifierLength = 10;
constexpr int kIdentifierAttempts = 8;

const QString kKeyColumns = u"k.id, k.identifier, k.key_name, k.username, k.ip, k.hostname, k.enabled,"
                            " k.public_key_blob, k.public_key_comment, k.has_private_key, k.has_password,"
                            " k.private_key_format, k.private_key_encrypted, k.origin, k.collect_session_id,"
                            " k.created_at, k.updated_at"_s;

using sql::text;

QVariant optionalText(const QString &value)
{
    return value.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(value);
}

SshKeyRecord keyFromRow(const QSqlQuery &row)
{
    SshKeyRecord key;
    key.id = QString::number(row.value(0).toLongLong());
    key.identifier = row.value(1).toString();
    key.keyName = row.value(2).toString();
    key.username = row.value(3).toString();
    key.ip = row.value(4).toString();
    key.hostname = row.value(5).toString();
    key.enabled = row.value(6).toInt() != 0;
    if (Result<SshPublicKey> parsed
        = SshPublicKey::fromBlob(QByteArray::fromBase64(row.value(7).toString().toLatin1())))
        key.publicKey = parsed.value();
    key.publicKeyComment = row.value(8).toString();
    key.hasPrivateKey = row.value(9).toInt() != 0;
    key.hasPassword = row.value(10).toInt() != 0;
    key.privateKeyFormat = row.value(11).toString();
    key.privateKeyEncrypted = row.value(12).toInt() != 0;
    key.origin = row.value(13).toString();
    key.collectSessionId = row.value(14).toString();
    key.createdAt = sql::fromStoreTime(row.value(15));
    key.updatedAt = sql::fromStoreTime(row.value(16));
    return key;
}

Result<QString> generateIdentifier()
{
    Result<QString> suffix = identifiers::randomLowercase(kGeneratedIdentifierLength);
    if (!suffix)
        return suffix.error();
    return QString(u"sshkey-"_s + suffix.value());
}

QVariantList keyValues(const SshKeyRecord &key, const QString &now)
{
    return {text(key.keyName),
            text(key.username),
            text(key.ip),
            text(key.hostname),
            key.enabled ? 1 : 0,
            QString::fromLatin1(key.publicKey.blob().toBase64()),
            text(key.publicKeyComment),
            key.publicKey.algorithm(),
            key.publicKey.bits(),
            key.publicKey.fingerprintSha256(),
            key.publicKey.fingerprintMd5(),
            key.hasPrivateKey ? 1 : 0,
            key.hasPassword ? 1 : 0,
            text(key.privateKeyFormat),
            key.privateKeyEncrypted ? 1 : 0,
            now};
}

} // namespace

// Ids are decimal text outside the store; anything else names no key.
std::optional<qint64> numericId(const QString &id)
{
    static const QRegularExpression digits(u"^[0-9]{1,18}$"_s);
    if (!digits.match(id).hasMatch())
        return std::nullopt;
    return id.toLongLong();
}

Error keyNotFound(const QString &idOrIdentifier)
{
    Error error = Error::notFound(u"There is no key with the id or identifier %1"_s.arg(idOrIdentifier));
    error.details.insert(u"resource"_s, idOrIdentifier);
    return error;
}

// Keys matching `where` (a condition on ssh_keys aliased k), with their tags and devices, by id.
Result<QList<SshKeyRecord>> selectKeys(const QSqlDatabase &db, const QString &where, const QVariantList &bindings)
{
    Result<QSqlQuery> rows = sql::exec(
        db, u"SELECT "_s + kKeyColumns + u" FROM ssh_keys k WHERE "_s + where + u" ORDER BY k.id"_s, bindings);
    if (!rows)
        return rows.error();
    QList<SshKeyRecord> keys;
    // std::unordered_map, not QHash: GCC 12 at -O2 flags QHash's lookup with -Wnull-dereference.
    std::unordered_map<qint64, qsizetype> byId;
    while (rows->next()) {
        byId.emplace(rows->value(0).toLongLong(), keys.size());
        keys.append(keyFromRow(rows.value()));
    }
    if (keys.isEmpty())
        return keys;

    const QString chosen = u" IN (SELECT k.id FROM ssh_keys k WHERE "_s + where + u")"_s;
    Result<QSqlQuery> tags = sql::exec(
        db, u"SELECT key_id, tag FROM ssh_key_tags WHERE key_id"_s + chosen + u" ORDER BY key_id, position"_s,
        bindings);
    if (!tags)
        return tags.error();
    while (tags->next()) {
        if (auto found = byId.find(tags->value(0).toLongLong()); found != byId.end())
            keys[found->second].tags.append(tags->value(1).toString());
    }
    Result<QSqlQuery> devices = sql::exec(
        db,
        u"SELECT l.key_id, l.hostname, d.ip FROM ssh_key_devices l JOIN devices d ON d.hostname = l.hostname"
        " WHERE l.key_id"_s
            + chosen + u" ORDER BY l.key_id, l.position"_s,
        bindings);
    if (!devices)
        return devices.error();
    while (devices->next()) {
        if (auto found = byId.find(devices->value(0).toLongLong()); found != byId.end())
            keys[found->second].devices.append(
                InventoryDevice{devices->value(1).toString(), devices->value(2).toString()});
    }
    return keys;
}

Result<SshKeyRecord> selectKey(const QSqlDatabase &db, const QString &idOrIdentifier)
{
    Result<QList<SshKeyRecord>> found = [&]() -> Result<QList<SshKeyRecord>> {
        if (const std::optional<qint64> id = numericId(idOrIdentifier))
            return selectKeys(db, u"k.id = ?"_s, {*id});
        return selectKeys(db, u"k.identifier = ?"_s, {idOrIdentifier});
    }();
    if (!found)
        return found.error();
    if (found->isEmpty())
        return keyNotFound(idOrIdentifier);
    return found->first();
}

Result<QString> unusedIdentifier(const QSqlDatabase &db)
{
    for (int attempt = 0; attempt < kIdentifierAttempts; ++attempt) {
        Result<QString> identifier = generateIdentifier();
        if (!identifier)
            return identifier.error();
        Result<QSqlQuery> taken = sql::exec(db, u"SELECT 1 FROM ssh_keys WHERE identifier = ?"_s, {*identifier});
        if (!taken)
            return taken.error();
        if (!taken->next())
            return identifier;
    }
    return Error::internal(u"no free key identifier was found"_s);
}

Status upsertDevice(const QSqlDatabase &db, const QString &hostname, const QString &ip, const QString &now)
{
    Result<QSqlQuery> done
        = sql::exec(db,
                    u"INSERT INTO devices (hostname, ip, created_at, updated_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (hostname) DO UPDATE SET ip = excluded.ip, updated_at = excluded.updated_at"_s,
                    {hostname, ip, now, now});
    if (!done)
        return done.error();
    return {};
}

Result<QList<DeviceProblem>> linkDevices(const QSqlDatabase &db, qint64 keyId, const QStringList &hostnames)
{
    if (Result<QSqlQuery> cleared = sql::exec(db, u"DELETE FROM ssh_key_devices WHERE key_id = ?"_s, {keyId}); !cleared)
        return cleared.error();
    QList<DeviceProblem> problems;
    int position = 0;
    for (const QString &hostname : hostnames) {
        Result<QSqlQuery> known = sql::exec(db, u"SELECT 1 FROM devices WHERE hostname = ?"_s, {hostname});
        if (!known)
            return known.error();
        if (!known->next()) {
            problems.append(DeviceProblem{hostname, u"Device not found"_s});
            continue;
        }
        if (Result<QSqlQuery> linked
            = sql::exec(db, u"INSERT INTO ssh_key_devices (key_id, hostname, position) VALUES (?, ?, ?)"_s,
                        {keyId, hostname, position++});
            !linked)
            return linked.error();
    }
    return problems;
}

Status writeTags(const QSqlDatabase &db, qint64 keyId, const QStringList &tags)
{
    if (Result<QSqlQuery> cleared = sql::exec(db, u"DELETE FROM ssh_key_tags WHERE key_id = ?"_s, {keyId}); !cleared)
        return cleared.error();
    int position = 0;
    for (const QString &tag : tags) {
        if (Result<QSqlQuery> added = sql::exec(
                db, u"INSERT INTO ssh_key_tags (key_id, tag, position) VALUES (?, ?, ?)"_s, {keyId, tag, position++});
            !added)
            return added.error();
    }
    return {};
}

Result<qint64> insertKey(const QSqlDatabase &db, const SshKeyRecord &key, const QString &now)
{
    QVariantList values{key.identifier};
    values += keyValues(key, now);
    values += QVariantList{text(key.origin), optionalText(key.collectSessionId), now};
    Result<QSqlQuery> inserted = sql::exec(
        db,
        u"INSERT INTO ssh_keys (identifier, key_name, username, ip, hostname, enabled, public_key_blob,"
        " public_key_comment, algorithm, bits, fingerprint_sha256, fingerprint_md5, has_private_key, has_password,"
        " private_key_format, private_key_encrypted, updated_at, origin, collect_session_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"_s,
        values);
    if (!inserted)
        return inserted.error();
    if (!inserted->next())
        return Error::internal(u"the new key's id was not returned"_s);
    return inserted->value(0).toLongLong();
}

Status updateKey(const QSqlDatabase &db, qint64 id, const SshKeyRecord &key, const QString &now)
{
    QVariantList values = keyValues(key, now);
    values.append(id);
    Result<QSqlQuery> updated = sql::exec(
        db,
        u"UPDATE ssh_keys SET key_name = ?, username = ?, ip = ?, hostname = ?, enabled = ?, public_key_blob = ?,"
        " public_key_comment = ?, algorithm = ?, bits = ?, fingerprint_sha256 = ?, fingerprint_md5 = ?,"
        " has_private_key = ?, has_password = ?, private_key_format = ?, private_key_encrypted = ?, updated_at = ?"
        " WHERE id = ?"_s,
        values);
    if (!updated)
        return updated.error();
    return {};
}

Result<QList<SshKeyRecord>> selectMatching(const QSqlDatabase &db, const SshKeyQuery &query)
{
    QString where = u"1 = 1"_s;
    QVariantList bindings;
    if (query.enabled) {
        where += u" AND k.enabled = ?"_s;
        bindings.append(*query.enabled ? 1 : 0);
    }
    if (!query.tag.trimmed().isEmpty()) {
        where += u" AND EXISTS (SELECT 1 FROM ssh_key_tags t WHERE t.key_id = k.id AND t.tag = ?)"_s;
        bindings.append(query.tag.trimmed());
    }
    const QString text = query.text.trimmed().toLower();
    if (!text.isEmpty()) {
        QString escaped = text;
        escaped.replace(u'!', u"!!"_s).replace(u'%', u"!%"_s).replace(u'_', u"!_"_s);
        const QString pattern = u'%' + escaped + u'%';
        QStringList matches;
        for (const QString &column : {u"k.identifier"_s, u"k.key_name"_s, u"k.username"_s, u"k.hostname"_s, u"k.ip"_s,
                                      u"k.fingerprint_sha256"_s, u"k.fingerprint_md5"_s, u"k.public_key_comment"_s}) {
            matches.append(u"LOWER("_s + column + u") LIKE ? ESCAPE '!'"_s);
            bindings.append(pattern);
        }
        where += u" AND ("_s + matches.join(u" OR "_s) + u')';
    }
    return selectKeys(db, where, bindings);
}

Result<QList<SshKeyRecord>> selectByIds(const QSqlDatabase &db, const QList<qint64> &ids)
{
    if (ids.isEmpty())
        return QList<SshKeyRecord>();
    QStringList marks;
    QVariantList bindings;
    for (const qint64 id : ids) {
        marks.append(u"?"_s);
        bindings.append(id);
    }
    return selectKeys(db, u"k.id IN ("_s + marks.join(u", "_s) + u')', bindings);
}

Result<QList<SshKeyRecord>> selectOpening(const QSqlDatabase &db, const QString &hostname)
{
    return selectKeys(db,
                      u"k.enabled = 1 AND (k.hostname = ? OR EXISTS (SELECT 1 FROM ssh_key_devices l"
                      " WHERE l.key_id = k.id AND l.hostname = ?))"_s,
                      {hostname, hostname});
}

Result<bool> fingerprintKnown(const QSqlDatabase &db, const QString &fingerprintSha256)
{
    Result<QSqlQuery> present
        = sql::exec(db, u"SELECT 1 FROM ssh_keys WHERE fingerprint_sha256 = ?"_s, {fingerprintSha256});
    if (!present)
        return present.error();
    return present->next();
}

Status disableKey(const QSqlDatabase &db, qint64 id, const QString &now)
{
    Result<QSqlQuery> updated
        = sql::exec(db, u"UPDATE ssh_keys SET enabled = 0, updated_at = ? WHERE id = ?"_s, {now, id});
    if (!updated)
        return updated.error();
    return {};
}

Result<QList<InventoryDevice>> selectDevices(const QSqlDatabase &db)
{
    Result<QSqlQuery> rows = sql::exec(db, u"SELECT hostname, ip FROM devices"_s);
    if (!rows)
        return rows.error();
    QList<InventoryDevice> devices;
    while (rows->next())
        devices.append(InventoryDevice{rows->value(0).toString(), rows->value(1).toString()});
    // Sorted here, not by the backend's collation, so both backends give one order.
    std::sort(devices.begin(), devices.end(),
              [](const InventoryDevice &a, const InventoryDevice &b) { return a.hostname < b.hostname; });
    return devices;
}

Result<QStringList> selectTags(const QSqlDatabase &db)
{
    Result<QSqlQuery> rows = sql::exec(db, u"SELECT DISTINCT tag FROM ssh_key_tags"_s);
    if (!rows)
        return rows.error();
    QStringList tags;
    while (rows->next())
        tags.append(rows->value(0).toString());
    std::sort(tags.begin(), tags.end());
    return tags;
}

} // namespace keystead::keyrepo
