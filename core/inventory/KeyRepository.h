#pragma once

#include "common/Result.h"
#include "inventory/SshKeyRecord.h"

#include <QSqlDatabase>
#include <QVariantList>

#include <optional>

namespace keystead::keyrepo {

// The SQL of the key inventory: the only code that reads or writes ssh_keys,
// ssh_key_tags, ssh_key_devices and devices. Each function runs on the
// connection given (inside the caller's transaction when it has one).

// Ids are decimal text outside the store; anything else names no key.
std::optional<qint64> numericId(const QString &id);
Error keyNotFound(const QString &idOrIdentifier);

// Keys matching `where` (a condition on ssh_keys aliased k), with their tags and devices, by id.
Result<QList<SshKeyRecord>> selectKeys(const QSqlDatabase &db, const QString &where, const QVariantList &bindings);
// By id (all digits) or identifier; NotFound when there is none.
Result<SshKeyRecord> selectKey(const QSqlDatabase &db, const QString &idOrIdentifier);
// SshKeyQuery's filters (enabled, tag, text in the names, address and fingerprints), by id.
Result<QList<SshKeyRecord>> selectMatching(const QSqlDatabase &db, const SshKeyQuery &query);
Result<QList<SshKeyRecord>> selectByIds(const QSqlDatabase &db, const QList<qint64> &ids);
// Enabled keys whose main or additional device is `hostname`.
Result<QList<SshKeyRecord>> selectOpening(const QSqlDatabase &db, const QString &hostname);
Result<bool> fingerprintKnown(const QSqlDatabase &db, const QString &fingerprintSha256);
// Every main device a key names, sorted by hostname here (one order on both backends).
Result<QList<InventoryDevice>> selectDevices(const QSqlDatabase &db);
// Every tag in use, sorted.
Result<QStringList> selectTags(const QSqlDatabase &db);

// A made-up identifier ("sshkey-" + 10 letters) no key has yet.
Result<QString> unusedIdentifier(const QSqlDatabase &db);

Status upsertDevice(const QSqlDatabase &db, const QString &hostname, const QString &ip, const QString &now);
// Replaces the key's additional devices; unknown hostnames are reported, not linked.
Result<QList<DeviceProblem>> linkDevices(const QSqlDatabase &db, qint64 keyId, const QStringList &hostnames);
Status writeTags(const QSqlDatabase &db, qint64 keyId, const QStringList &tags);
Result<qint64> insertKey(const QSqlDatabase &db, const SshKeyRecord &key, const QString &now);
Status disableKey(const QSqlDatabase &db, qint64 id, const QString &now);
Status updateKey(const QSqlDatabase &db, qint64 id, const SshKeyRecord &key, const QString &now);

} // namespace keystead::keyrepo
