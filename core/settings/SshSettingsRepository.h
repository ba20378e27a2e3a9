#pragma once

#include "common/Result.h"

#include <QJsonObject>
#include <QList>
#include <QSqlDatabase>

#include <optional>
#include <utility>

// The SQL of seed 004's SSH settings: the only code that reads or writes
// ssh_settings_policies and ssh_options. Policies and options are kept as
// their JSON bodies with a revision each; each function runs on the
// connection given (inside the caller's transaction when it has one).
// Internal to core/settings.
namespace keystead::settingsrepo {

// A stored policy: its key and its JSON body.
using PolicyRow = std::pair<QString, QJsonObject>;

// Every policy, in no particular order.
Result<QList<PolicyRow>> selectPolicies(const QSqlDatabase &db);
Result<std::optional<QJsonObject>> selectPolicy(const QSqlDatabase &db, const QString &key);
// Whether another policy than `exceptKey` has this name.
Result<bool> policyNameTaken(const QSqlDatabase &db, const QString &name, const QString &exceptKey);
// nullopt when there is no such policy.
Result<std::optional<qint64>> policyRevision(const QSqlDatabase &db, const QString &key);
Status insertPolicy(const QSqlDatabase &db, const QString &key, const QString &name, const QJsonObject &body,
                    const QString &now);
// False when the policy is not at `expectedRevision` (changed or deleted meanwhile).
Result<bool> updatePolicy(const QSqlDatabase &db, const QString &key, const QString &name, const QJsonObject &body,
                          const QString &now, qint64 expectedRevision);
// False when nothing was deleted (gone, or not at `expectedRevision` when given).
Result<bool> deletePolicy(const QSqlDatabase &db, const QString &key, std::optional<qint64> expectedRevision);

// The options row `id`; nullopt while it was never written.
Result<std::optional<QJsonObject>> selectOptions(const QSqlDatabase &db, const QString &id);
// 0 when there is no such row.
Result<qint64> optionsRevision(const QSqlDatabase &db, const QString &id);
// False when the row is not at `expectedRevision` when given.
Result<bool> updateOptions(const QSqlDatabase &db, const QString &id, const QJsonObject &body, const QString &now,
                           std::optional<qint64> expectedRevision);

} // namespace keystead::settingsrepo
