#include "InventoryService.h"

#include "common/Clock.h"
#include "common/Crypto.h"
#include "common/Identifiers.h"
#include "inventory/InventoryErrors.h"
#include "secrets/Vault.h"
#include "ssh/SshPrivateKey.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QMutexLocker>
#include <QRegularExpression>
#include <QSet>
#include <QSqlError>

#include <algorithm>
#include <functional>
#include <unordered_map>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

constexpr int kMaxIdentifierLength = 64;
constexpr int kGeneratedIdentifierLength = 10;
constexpr int kIdentifierAttempts = 8;
constexpr int kMaxTextLength = 255; // key_name, username, hostname
constexpr int kMaxIpLength = 64;
constexpr int kMaxDevices = 100;
constexpr int kMaxTags = 50;
constexpr int kMaxTagLength = 64;
constexpr qsizetype kMaxPublicKeyLength = 32 * 1024;
constexpr qsizetype kMaxPasswordBytes = 1024;

const QString kOwnerKind = u"ssh_key"_s;
const QString kPrivateKeyField = u"private_key"_s;
const QString kPasswordField = u"password"_s;

const QString kKeyColumns = u"k.id, k.identifier, k.key_name, k.username, k.ip, k.hostname, k.enabled,"
                            " k.public_key_blob, k.public_key_comment, k.has_private_key, k.has_password,"
                            " k.private_key_format, k.private_key_encrypted, k.origin, k.collect_session_id,"
                            " k.created_at, k.updated_at"_s;

using sql::text;

QVariant optionalText(const QString &value)
{
    return value.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(value);
}

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

Error fieldTooLong(const QString &field, qsizetype limit, const QString &unit = u"characters"_s)
{
    return inventoryError(InventoryError::FieldInvalid,
                          u"The field %1 is longer than %2 %3"_s.arg(field).arg(limit).arg(unit),
                          Error::Kind::InvalidInput, field);
}

bool hasControlCharacters(const QString &value)
{
    return std::any_of(value.cbegin(), value.cend(), [](QChar c) { return c.category() == QChar::Other_Control; });
}

// A one-line text field: at most `limit` characters, no control characters.
std::optional<Error> checkLine(const QString &field, const QString &value, qsizetype limit)
{
    if (value.size() > limit)
        return fieldTooLong(field, limit);
    if (hasControlCharacters(value))
        return inventoryError(InventoryError::FieldInvalid, u"The field %1 contains control characters"_s.arg(field),
                              Error::Kind::InvalidInput, field);
    return std::nullopt;
}

bool isValidIdentifier(const QString &identifier)
{
    static const QRegularExpression pattern(u"^[A-Za-z0-9._@-]{1,%1}$"_s.arg(kMaxIdentifierLength));
    static const QRegularExpression digitsOnly(u"^[0-9]+$"_s);
    return pattern.match(identifier).hasMatch() && !digitsOnly.match(identifier).hasMatch();
}

Error identifierInvalid(const QString &identifier)
{
    Error error = inventoryError(
        InventoryError::IdentifierInvalid,
        u"The identifier must be 1 to %1 letters, digits, '.', '_', '@' or '-', and not only digits"_s.arg(
            kMaxIdentifierLength),
        Error::Kind::InvalidInput, u"identifier"_s);
    error.details.insert(u"detail"_s, u"identifier: %1"_s.arg(identifier.left(kMaxIdentifierLength + 8)));
    return error;
}

// Seed 001's messages for the fields a key cannot go without.
Error missing(InventoryError code)
{
    switch (code) {
    case InventoryError::DeviceHostnameMissing:
        return inventoryError(code, u"The device's hostname was not informed"_s, Error::Kind::InvalidInput,
                              u"hostname"_s);
    case InventoryError::DeviceIpMissing:
        return inventoryError(code, u"The device's IP was not informed"_s, Error::Kind::InvalidInput, u"ip"_s);
    case InventoryError::PublicKeyMissing:
        return inventoryError(code, u"The public key was not informed"_s, Error::Kind::InvalidInput, u"public_key"_s);
    default:
        return inventoryError(InventoryError::PrivateKeyMissing, u"The private key was not informed"_s,
                              Error::Kind::InvalidInput, u"private_key"_s);
    }
}

// The parser names why it refused a key; each reason has its number here.
Error privateKeyRefused(const Error &parsed)
{
    const QString reason = parsed.details.value(u"reason"_s).toString();
    Error error;
    if (reason == privateKeyProblemName(PrivateKeyProblem::PasswordRequired))
        error = inventoryError(InventoryError::PasswordRequired,
                               u"The private key is encrypted and the password was not informed"_s,
                               Error::Kind::InvalidInput, u"password"_s);
    else if (reason == privateKeyProblemName(PrivateKeyProblem::WrongPassword))
        error = inventoryError(InventoryError::PasswordWrong, u"The password does not open the private key"_s,
                               Error::Kind::InvalidInput, u"password"_s);
    else if (reason == privateKeyProblemName(PrivateKeyProblem::PasswordNotNeeded))
        error = inventoryError(InventoryError::PasswordNotNeeded,
                               u"A password was informed but the private key is not encrypted"_s,
                               Error::Kind::InvalidInput, u"password"_s);
    else if (reason == privateKeyProblemName(PrivateKeyProblem::Unsupported))
        error = inventoryError(InventoryError::PrivateKeyUnsupported,
                               u"The private key's format or algorithm is not supported"_s, Error::Kind::InvalidInput,
                               u"private_key"_s);
    else
        error = inventoryError(InventoryError::PrivateKeyUnreadable, u"The private key could not be read"_s,
                               Error::Kind::InvalidInput, u"private_key"_s);
    error.details.insert(u"detail"_s, parsed.message);
    return error;
}

Error vaultRefused(const Error &vault)
{
    Error error = inventoryError(InventoryError::VaultUnavailable, u"The vault cannot be used: "_s + vault.message,
                                 Error::Kind::Unavailable);
    error.details.insert(u"detail"_s, vault.message);
    return error;
}

Error mismatch()
{
    return inventoryError(InventoryError::KeyPairMismatch, u"The public key does not match the private key"_s,
                          Error::Kind::InvalidInput, u"public_key"_s);
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

Result<QString> generateIdentifier()
{
    Result<QString> suffix = identifiers::randomLowercase(kGeneratedIdentifierLength);
    if (!suffix)
        return suffix.error();
    return QString(u"sshkey-"_s + suffix.value());
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

// Trimmed, without empty entries or repeats, in the order given.
QStringList cleanList(const QStringList &values)
{
    QStringList clean;
    for (const QString &value : values) {
        const QString trimmed = value.trimmed();
        if (!trimmed.isEmpty() && !clean.contains(trimmed))
            clean.append(trimmed);
    }
    return clean;
}

// What a save writes, once every check has passed.
struct SavePlan
{
    bool create = true;
    SshKeyRecord key; // the row as it will be (id empty on create)
    bool mainDeviceChanged = false;
    std::optional<QByteArray> privateKey; // set: replace the sealed private key
    std::optional<QByteArray> password; // set: replace (empty: remove) the sealed password
    std::optional<QStringList> deviceHostnames;
    std::optional<QStringList> tags;
};

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

QJsonObject auditDetail(const SshKeyRecord &key)
{
    return QJsonObject{{u"identifier"_s, key.identifier}, {u"fingerprint_sha256"_s, key.publicKey.fingerprintSha256()}};
}

// Checks the fields given, each on its own (no store needed).
std::optional<Error> checkFields(const SshKeyInput &input)
{
    // An empty identifier is no identifier: a new key gets one made up.
    if (input.identifier && !input.identifier->trimmed().isEmpty() && !isValidIdentifier(input.identifier->trimmed()))
        return identifierInvalid(*input.identifier);
    if (!QStringList{u"api"_s, u"console"_s, u"generated"_s, u"collected"_s}.contains(input.origin))
        return inventoryError(InventoryError::FieldInvalid,
                              u"The origin must be api, console, generated or collected"_s, Error::Kind::InvalidInput,
                              u"origin"_s);
    if (input.keyName)
        if (auto error = checkLine(u"key_name"_s, *input.keyName, kMaxTextLength))
            return error;
    if (input.username)
        if (auto error = checkLine(u"username"_s, *input.username, kMaxTextLength))
            return error;
    if (input.hostname)
        if (auto error = checkLine(u"hostname"_s, *input.hostname, kMaxTextLength))
            return error;
    if (input.ip) {
        const QString ip = input.ip->trimmed();
        if (ip.size() > kMaxIpLength)
            return fieldTooLong(u"ip"_s, kMaxIpLength);
        QHostAddress address;
        if (!ip.isEmpty() && !address.setAddress(ip))
            return inventoryError(InventoryError::FieldInvalid, u"The field ip is not an IPv4 or IPv6 address"_s,
                                  Error::Kind::InvalidInput, u"ip"_s);
    }
    if (input.publicKey && input.publicKey->size() > kMaxPublicKeyLength)
        return fieldTooLong(u"public_key"_s, kMaxPublicKeyLength);
    if (input.privateKey && input.privateKey->size() > SshPrivateKey::MaxTextSize)
        return fieldTooLong(u"private_key"_s, SshPrivateKey::MaxTextSize, u"bytes"_s);
    if (input.password && input.password->size() > kMaxPasswordBytes)
        return fieldTooLong(u"password"_s, kMaxPasswordBytes, u"bytes"_s);
    if (input.deviceHostnames) {
        if (input.deviceHostnames->size() > kMaxDevices)
            return inventoryError(InventoryError::FieldInvalid,
                                  u"The field devices has more than %1 entries"_s.arg(kMaxDevices),
                                  Error::Kind::InvalidInput, u"devices"_s);
        for (qsizetype i = 0; i < input.deviceHostnames->size(); ++i) {
            const QString &hostname = input.deviceHostnames->at(i);
            const QString location = u"devices[%1].hostname"_s.arg(i);
            if (hostname.trimmed().isEmpty()) {
                Error error = missing(InventoryError::DeviceHostnameMissing);
                error.location = location;
                return error;
            }
            if (auto error = checkLine(location, hostname, kMaxTextLength))
                return error;
        }
    }
    if (input.tags) {
        const QStringList tags = cleanList(*input.tags);
        if (tags.size() > kMaxTags)
            return inventoryError(InventoryError::FieldInvalid, u"The field tags has more than %1 tags"_s.arg(kMaxTags),
                                  Error::Kind::InvalidInput, u"tags"_s);
        for (const QString &tag : tags) {
            const auto refused = [](const QString &message) {
                return inventoryError(InventoryError::FieldInvalid, message, Error::Kind::InvalidInput, u"tags"_s);
            };
            if (tag.size() > kMaxTagLength)
                return refused(u"The field tags has a tag longer than %1 characters"_s.arg(kMaxTagLength));
            if (hasControlCharacters(tag) || tag.contains(u','))
                return refused(u"The field tags has a tag with a comma or a control character"_s);
        }
    }
    return std::nullopt;
}

} // namespace

InventoryService::InventoryService(Database &database, const Clock &clock, Vault &vault, AuditLog &audit,
                                   QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_clock(clock)
    , m_vault(vault)
    , m_audit(audit)
{
}

Result<SshKeySaved> InventoryService::save(const SshKeyInput &input, const Actor &actor)
{
    if (std::optional<Error> refused = checkFields(input))
        return *refused;

    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();

    SavePlan plan;
    const QString givenIdentifier = input.identifier ? input.identifier->trimmed() : QString();
    if (!givenIdentifier.isEmpty()) {
        Result<SshKeyRecord> existing = selectKey(db, givenIdentifier);
        if (existing) {
            plan.create = false;
            plan.key = existing.value();
        } else if (existing.error().kind != Error::Kind::NotFound) {
            return existing.error();
        }
    }
    SshKeyRecord &key = plan.key;
    const SshKeyRecord before = key;
    if (plan.create) {
        key.identifier = givenIdentifier;
        key.username = QString::fromLatin1(kDefaultUsername);
        key.enabled = true;
        key.origin = input.origin;
    }

    // Seed 001's required fields, in the order of their numbers. A field sent empty is not informed.
    const auto given = [](const auto &field) { return field && !field->trimmed().isEmpty(); };
    const auto givenBytes = [](const std::optional<QByteArray> &field) { return field && !field->trimmed().isEmpty(); };
    if ((plan.create && !given(input.hostname)) || (input.hostname && !given(input.hostname)))
        return missing(InventoryError::DeviceHostnameMissing);
    if ((plan.create && !given(input.ip)) || (input.ip && !given(input.ip)))
        return missing(InventoryError::DeviceIpMissing);
    if ((plan.create && !given(input.publicKey)) || (input.publicKey && !given(input.publicKey)))
        return missing(InventoryError::PublicKeyMissing);
    if ((plan.create && !givenBytes(input.privateKey)) || (input.privateKey && !givenBytes(input.privateKey)))
        return missing(InventoryError::PrivateKeyMissing);

    if (input.hostname)
        key.hostname = input.hostname->trimmed();
    if (input.ip)
        key.ip = input.ip->trimmed();
    // A collected key has no device yet: one named now needs both halves.
    if (key.ip.isEmpty() && !key.hostname.isEmpty())
        return missing(InventoryError::DeviceIpMissing);
    if (key.hostname.isEmpty() && !key.ip.isEmpty())
        return missing(InventoryError::DeviceHostnameMissing);
    plan.mainDeviceChanged = !key.hostname.isEmpty() && (plan.create || input.hostname || input.ip);
    if (input.keyName)
        key.keyName = input.keyName->trimmed();
    if (input.username) {
        const QString username = input.username->trimmed();
        key.username = username.isEmpty() ? QString::fromLatin1(kDefaultUsername) : username;
    }
    if (input.enabled)
        key.enabled = *input.enabled;
    if (input.deviceHostnames)
        plan.deviceHostnames = cleanList(*input.deviceHostnames);
    if (input.tags)
        plan.tags = cleanList(*input.tags);

    // The public key as sent, then the private key against it.
    if (input.publicKey) {
        QString comment;
        Result<SshPublicKey> parsed = SshPublicKey::parse(input.publicKey->trimmed(), &comment);
        if (!parsed) {
            Error error = inventoryError(InventoryError::PublicKeyUnreadable, u"The public key could not be read"_s,
                                         Error::Kind::InvalidInput, u"public_key"_s);
            error.details.insert(u"detail"_s, parsed.error().message);
            return error;
        }
        key.publicKey = parsed.value();
        key.publicKeyComment = comment.trimmed();
    }

    if (input.privateKey) {
        const QByteArray password = input.password.value_or(QByteArray());
        Result<SshPrivateKey> parsed = SshPrivateKey::parse(*input.privateKey, password);
        std::optional<QByteArray> storedPassword;
        // An update that resends an encrypted key without its password keeps the password held.
        if (!parsed && !input.password && before.hasPassword
            && parsed.error().details.value(u"reason"_s).toString()
                == privateKeyProblemName(PrivateKeyProblem::PasswordRequired)) {
            if (Status unlocked = m_vault.unlock(); !unlocked)
                return vaultRefused(unlocked.error());
            Result<QByteArray> held = m_vault.get(db, SecretRef{kOwnerKind, before.id, kPasswordField});
            if (!held)
                return vaultRefused(held.error());
            storedPassword = held.value();
            parsed = SshPrivateKey::parse(*input.privateKey, *storedPassword);
        }
        if (!parsed)
            return privateKeyRefused(parsed.error());
        if (parsed->publicKey() != key.publicKey)
            return mismatch();
        if (key.publicKeyComment.isEmpty())
            key.publicKeyComment = parsed->comment().trimmed();
        plan.privateKey = *input.privateKey;
        if (!storedPassword)
            plan.password = parsed->isEncrypted() ? password : QByteArray();
        key.hasPrivateKey = true;
        key.privateKeyFormat = privateKeyFormatName(parsed->format());
        key.privateKeyEncrypted = parsed->isEncrypted();
    } else if (input.password) {
        // A new password alone must open the private key already held.
        if (!before.hasPrivateKey)
            return missing(InventoryError::PrivateKeyMissing);
        if (Status unlocked = m_vault.unlock(); !unlocked)
            return vaultRefused(unlocked.error());
        Result<QByteArray> held = m_vault.get(db, SecretRef{kOwnerKind, before.id, kPrivateKeyField});
        if (!held)
            return vaultRefused(held.error());
        Result<SshPrivateKey> parsed = SshPrivateKey::parse(held.value(), *input.password);
        if (!parsed)
            return privateKeyRefused(parsed.error());
        plan.password = parsed->isEncrypted() ? *input.password : QByteArray();
    } else if (input.publicKey && before.hasPrivateKey && key.publicKey != before.publicKey) {
        return mismatch();
    }
    if (plan.password)
        key.hasPassword = !plan.password->isEmpty();

    if (plan.privateKey || plan.password) {
        // Before the transaction: unlocking may write the vault's check value in one of its own.
        if (Status unlocked = m_vault.unlock(); !unlocked)
            return vaultRefused(unlocked.error());
    }

    QList<DeviceProblem> problems;
    qint64 id = before.id.toLongLong();
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        const QString now = sql::toStoreTime(m_clock.now());
        if (plan.mainDeviceChanged) {
            if (Status upserted = upsertDevice(db, key.hostname, key.ip, now); !upserted)
                return upserted;
        }
        if (plan.create) {
            if (key.identifier.isEmpty()) {
                Result<QString> identifier = unusedIdentifier(db);
                if (!identifier)
                    return identifier.error();
                key.identifier = identifier.value();
            }
            Result<qint64> inserted = insertKey(db, key, now);
            if (!inserted)
                return inserted.error();
            id = inserted.value();
        } else if (Status updated = updateKey(db, id, key, now); !updated) {
            return updated;
        }
        const QString keyId = QString::number(id);
        if (plan.privateKey) {
            if (Status put = m_vault.put(db, SecretRef{kOwnerKind, keyId, kPrivateKeyField}, *plan.privateKey); !put)
                return vaultRefused(put.error());
        }
        if (plan.password && !plan.password->isEmpty()) {
            if (Status put = m_vault.put(db, SecretRef{kOwnerKind, keyId, kPasswordField}, *plan.password); !put)
                return vaultRefused(put.error());
        } else if (plan.password) {
            if (Status removed = m_vault.remove(db, kOwnerKind, keyId, kPasswordField); !removed)
                return removed;
        }
        if (plan.deviceHostnames) {
            Result<QList<DeviceProblem>> linked = linkDevices(db, id, *plan.deviceHostnames);
            if (!linked)
                return linked.error();
            problems = linked.value();
        }
        if (plan.tags) {
            if (Status tagged = writeTags(db, id, *plan.tags); !tagged)
                return tagged;
        }
        return m_audit.record(db, actor, plan.create ? u"key.create"_s : u"key.update"_s, kOwnerKind, keyId,
                              auditDetail(key));
    });
    if (!written) {
        // Another instance took the identifier between our look-up and our insert.
        if (plan.create && written.error().kind == Error::Kind::Unavailable && !key.identifier.isEmpty()) {
            Result<SshKeyRecord> raced = selectKey(db, key.identifier);
            if (raced)
                return Error::conflict(
                    u"The identifier %1 was taken while the key was saved; try again"_s.arg(key.identifier));
        }
        return written.error();
    }
    lock.unlock();
    Q_EMIT keysChanged();

    Result<SshKeyRecord> saved = selectKey(db, QString::number(id));
    if (!saved)
        return saved.error();
    return SshKeySaved{saved.value(), plan.create, problems};
}

Result<QList<SshKeyRecord>> InventoryService::list(const SshKeyQuery &query) const
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
    return selectKeys(m_database.connection(), where, bindings);
}

Result<SshKeyRecord> InventoryService::find(const QString &idOrIdentifier) const
{
    return selectKey(m_database.connection(), idOrIdentifier.trimmed());
}

Result<SshKeyRecord> InventoryService::inactivate(const QString &id, const Actor &actor)
{
    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    Result<SshKeyRecord> key = selectKey(db, id.trimmed());
    if (!key)
        return key.error();
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<QSqlQuery> updated = sql::exec(db, u"UPDATE ssh_keys SET enabled = 0, updated_at = ? WHERE id = ?"_s,
                                              {sql::toStoreTime(m_clock.now()), key->id.toLongLong()});
        if (!updated)
            return updated.error();
        return m_audit.record(db, actor, u"key.inactivate"_s, kOwnerKind, key->id, auditDetail(key.value()));
    });
    if (!written)
        return written.error();
    lock.unlock();
    Q_EMIT keysChanged();
    return selectKey(db, key->id);
}

Result<SshKeySecrets> InventoryService::reveal(const QString &idOrIdentifier, const Actor &actor)
{
    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    Result<SshKeyRecord> key = selectKey(db, idOrIdentifier.trimmed());
    if (!key)
        return key.error();
    if (!key->hasPrivateKey) {
        Error error = inventoryError(InventoryError::PrivateKeyNotHeld,
                                     u"The key %1 holds no private key, only its public key"_s.arg(key->identifier),
                                     Error::Kind::NotFound);
        error.details.insert(u"resource"_s, idOrIdentifier);
        return error;
    }
    if (Status unlocked = m_vault.unlock(); !unlocked)
        return vaultRefused(unlocked.error());
    SshKeySecrets secrets;
    // The secret leaves only with its audit event committed.
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<QByteArray> privateKey = m_vault.get(db, SecretRef{kOwnerKind, key->id, kPrivateKeyField});
        if (!privateKey)
            return vaultRefused(privateKey.error());
        secrets.privateKey = privateKey.value();
        if (key->hasPassword) {
            Result<QByteArray> password = m_vault.get(db, SecretRef{kOwnerKind, key->id, kPasswordField});
            if (!password)
                return vaultRefused(password.error());
            secrets.password = password.value();
        }
        return m_audit.record(db, actor, u"key.reveal"_s, kOwnerKind, key->id, auditDetail(key.value()));
    });
    if (!written)
        return written.error();
    return secrets;
}

Result<QList<SshKeyRecord>> InventoryService::importCollected(const QString &collectSessionId,
                                                              const QList<SshPublicKey> &keys, const Actor &actor)
{
    QMutexLocker lock(&m_writeMutex);
    QSqlDatabase db = m_database.connection();
    QList<qint64> added;
    Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        const QString now = sql::toStoreTime(m_clock.now());
        QSet<QString> seen;
        for (const SshPublicKey &publicKey : keys) {
            {
                if (publicKey.isNull())
                    continue;
                const QString fingerprint = publicKey.fingerprintSha256();
                if (seen.contains(fingerprint))
                    continue;
                seen.insert(fingerprint);
                Result<QSqlQuery> present
                    = sql::exec(db, u"SELECT 1 FROM ssh_keys WHERE fingerprint_sha256 = ?"_s, {fingerprint});
                if (!present)
                    return present.error();
                if (present->next())
                    continue;
                Result<QString> identifier = unusedIdentifier(db);
                if (!identifier)
                    return identifier.error();
                SshKeyRecord key;
                key.identifier = identifier.value();
                key.username = QString::fromLatin1(kDefaultUsername);
                key.publicKey = publicKey;
                key.origin = u"collected"_s;
                key.collectSessionId = collectSessionId;
                Result<qint64> id = insertKey(db, key, now);
                if (!id)
                    return id.error();
                QJsonObject detail = auditDetail(key);
                detail.insert(u"collect_session_id"_s, collectSessionId);
                if (Status recorded
                    = m_audit.record(db, actor, u"key.import"_s, kOwnerKind, QString::number(id.value()), detail);
                    !recorded)
                    return recorded;
                added.append(id.value());
            }
        }
        return {};
    });
    if (!written)
        return written.error();
    lock.unlock();
    if (added.isEmpty())
        return QList<SshKeyRecord>();
    Q_EMIT keysChanged();
    QStringList marks;
    QVariantList ids;
    for (const qint64 id : std::as_const(added)) {
        marks.append(u"?"_s);
        ids.append(id);
    }
    return selectKeys(db, u"k.id IN ("_s + marks.join(u", "_s) + u')', ids);
}

Result<QList<InventoryDevice>> InventoryService::devices() const
{
    Result<QSqlQuery> rows = sql::exec(m_database.connection(), u"SELECT hostname, ip FROM devices"_s);
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

Result<QString> InventoryService::authorizedKeys(const QString &hostname) const
{
    const QString device = hostname.trimmed();
    Result<QList<SshKeyRecord>> keys
        = selectKeys(m_database.connection(),
                     u"k.enabled = 1 AND (k.hostname = ? OR EXISTS (SELECT 1 FROM ssh_key_devices l"
                     " WHERE l.key_id = k.id AND l.hostname = ?))"_s,
                     {device, device});
    if (!keys)
        return keys.error();
    QString lines;
    for (const SshKeyRecord &key : std::as_const(keys.value())) {
        if (!key.publicKey.isNull())
            lines += key.publicKey.openSshLine(key.identifier) + u'\n';
    }
    return lines;
}

Result<QStringList> InventoryService::tags() const
{
    Result<QSqlQuery> rows = sql::exec(m_database.connection(), u"SELECT DISTINCT tag FROM ssh_key_tags"_s);
    if (!rows)
        return rows.error();
    QStringList tags;
    while (rows->next())
        tags.append(rows->value(0).toString());
    std::sort(tags.begin(), tags.end());
    return tags;
}

} // namespace keystead
