#include "InventoryService.h"

#include "common/Clock.h"
#include "inventory/InventoryErrors.h"
#include "inventory/KeyInputChecks.h"
#include "inventory/KeyRepository.h"
#include "secrets/Vault.h"
#include "ssh/SshPrivateKey.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QJsonObject>
#include <QMutexLocker>
#include <QSet>
#include <QSqlQuery>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead {

using namespace keyrepo;
using namespace keychecks;

namespace {

const QString kOwnerKind = u"ssh_key"_s;
const QString kPrivateKeyField = u"private_key"_s;
const QString kPasswordField = u"password"_s;

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

QJsonObject auditDetail(const SshKeyRecord &key)
{
    return QJsonObject{{u"identifier"_s, key.identifier}, {u"fingerprint_sha256"_s, key.publicKey.fingerprintSha256()}};
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
        return missing(InventoryReason::DeviceHostnameMissing);
    if ((plan.create && !given(input.ip)) || (input.ip && !given(input.ip)))
        return missing(InventoryReason::DeviceIpMissing);
    if ((plan.create && !given(input.publicKey)) || (input.publicKey && !given(input.publicKey)))
        return missing(InventoryReason::PublicKeyMissing);
    if ((plan.create && !givenBytes(input.privateKey)) || (input.privateKey && !givenBytes(input.privateKey)))
        return missing(InventoryReason::PrivateKeyMissing);

    if (input.hostname)
        key.hostname = input.hostname->trimmed();
    if (input.ip)
        key.ip = input.ip->trimmed();
    // A collected key has no device yet: one named now needs both halves.
    if (key.ip.isEmpty() && !key.hostname.isEmpty())
        return missing(InventoryReason::DeviceIpMissing);
    if (key.hostname.isEmpty() && !key.ip.isEmpty())
        return missing(InventoryReason::DeviceHostnameMissing);
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
            Error error = inventoryError(InventoryReason::PublicKeyUnreadable, u"The public key could not be read"_s,
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
            return missing(InventoryReason::PrivateKeyMissing);
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
    Q_EMIT changed(plan.create ? ChangeSet::addedOne(kChangeTopic, QString::number(id))
                               : ChangeSet::changedOne(kChangeTopic, QString::number(id)));

    Result<SshKeyRecord> saved = selectKey(db, QString::number(id));
    if (!saved)
        return saved.error();
    return SshKeySaved{saved.value(), plan.create, problems};
}

Result<QList<SshKeyRecord>> InventoryService::list(const SshKeyQuery &query) const
{
    return selectMatching(m_database.connection(), query);
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
        if (Status disabled = disableKey(db, key->id.toLongLong(), sql::toStoreTime(m_clock.now())); !disabled)
            return disabled;
        return m_audit.record(db, actor, u"key.inactivate"_s, kOwnerKind, key->id, auditDetail(key.value()));
    });
    if (!written)
        return written.error();
    lock.unlock();
    Q_EMIT changed(ChangeSet::changedOne(kChangeTopic, key->id));
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
        Error error = inventoryError(InventoryReason::PrivateKeyNotHeld,
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
            if (publicKey.isNull())
                continue;
            const QString fingerprint = publicKey.fingerprintSha256();
            if (seen.contains(fingerprint))
                continue;
            seen.insert(fingerprint);
            Result<bool> present = fingerprintKnown(db, fingerprint);
            if (!present)
                return present.error();
            if (present.value())
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
        return {};
    });
    if (!written)
        return written.error();
    lock.unlock();
    if (added.isEmpty())
        return QList<SshKeyRecord>();
    ChangeSet changes{kChangeTopic, {}, {}, {}};
    for (const qint64 id : std::as_const(added))
        changes.added.append(QString::number(id));
    Q_EMIT changed(changes);
    return selectByIds(db, added);
}

Result<QList<InventoryDevice>> InventoryService::devices() const
{
    return selectDevices(m_database.connection());
}

Result<QString> InventoryService::authorizedKeys(const QString &hostname) const
{
    const QString device = hostname.trimmed();
    Result<QList<SshKeyRecord>> keys = selectOpening(m_database.connection(), device);
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
    return selectTags(m_database.connection());
}

} // namespace keystead
