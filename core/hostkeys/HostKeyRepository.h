#pragma once

#include "common/Result.h"
#include "hostkeys/HostKeyRecords.h"

#include <QDateTime>
#include <QSqlDatabase>

#include <optional>

// The SQL of the trusted host keys: the only code that reads or writes
// host_keys and host_key_drifts. Each function runs on the connection given
// (inside the caller's transaction when it has one). Internal to core/hostkeys.
namespace keystead::hostkeyrepo {

Error hostKeyNotFound(const QString &key);

// The keys matching `filter` (checked and in canonical form already), sorted by id.
Result<QList<TrustedHostKey>> selectKeys(const QSqlDatabase &db, const HostKeyFilter &filter);
// NotFound when there is none.
Result<TrustedHostKey> selectKey(const QSqlDatabase &db, const QString &key);
// The fingerprint trusted under `key`, if any.
Result<std::optional<QString>> trustedFingerprint(const QSqlDatabase &db, const QString &key);
// False when a key with this id is trusted already (the first one stays).
Result<bool> insertKey(const QSqlDatabase &db, const TrustedHostKey &key);
// The key removed; NotFound when there was none.
Result<TrustedHostKey> deleteKey(const QSqlDatabase &db, const QString &key);

// The new drift's id; nullopt when this drift (trusted and seen fingerprint) is recorded already.
Result<std::optional<qint64>> insertDrift(const QSqlDatabase &db, const HostKeyDrift &drift);
// Unacknowledged first, newest first.
Result<QList<HostKeyDrift>> selectDrifts(const QSqlDatabase &db, bool includeAcknowledged);
// The drift's host key id and whether it is acknowledged; NotFound when there is none.
Result<std::pair<QString, bool>> selectDriftState(const QSqlDatabase &db, qint64 driftId);
Status markDriftAcknowledged(const QSqlDatabase &db, qint64 driftId, const QDateTime &now);

} // namespace keystead::hostkeyrepo
