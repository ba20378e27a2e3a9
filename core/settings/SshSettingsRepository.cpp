#include "settings/SshSettingsRepository.h"

#include "store/Sql.h"

#include <QJsonDocument>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace keystead::settingsrepo {

namespace {

QString compactJson(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QJsonObject jsonOf(const QVariant &column)
{
    return QJsonDocument::fromJson(column.toString().toUtf8()).object();
}

QJsonObject bodyOf(const QSqlQuery &row)
{
    return jsonOf(row.value(0));
}

qint64 revisionOf(const QSqlQuery &row)
{
    return row.value(0).toLongLong();
}

// Whether the statement changed exactly one row.
Result<bool> changedOne(const QSqlDatabase &db, const QString &statement, const QVariantList &bindings)
{
    Result<QSqlQuery> query = sql::exec(db, statement, bindings);
    if (!query)
        return query.error();
    return query->numRowsAffected() == 1;
}

} // namespace

Result<QList<PolicyRow>> selectPolicies(const QSqlDatabase &db)
{
    return sql::selectRows(db, u"SELECT policy_key, body FROM ssh_settings_policies"_s, {}, [](const QSqlQuery &row) {
        return PolicyRow{row.value(0).toString(), jsonOf(row.value(1))};
    });
}

Result<std::optional<QJsonObject>> selectPolicy(const QSqlDatabase &db, const QString &key)
{
    return sql::selectFirst(db, u"SELECT body FROM ssh_settings_policies WHERE policy_key = ?"_s, {key}, bodyOf);
}

Result<bool> policyNameTaken(const QSqlDatabase &db, const QString &name, const QString &exceptKey)
{
    Result<std::optional<qint64>> clash = sql::selectFirst(
        db, u"SELECT 1 FROM ssh_settings_policies WHERE name = ? AND policy_key <> ?"_s, {name, exceptKey}, revisionOf);
    if (!clash)
        return clash.error();
    return clash->has_value();
}

Result<std::optional<qint64>> policyRevision(const QSqlDatabase &db, const QString &key)
{
    return sql::selectFirst(db, u"SELECT revision FROM ssh_settings_policies WHERE policy_key = ?"_s, {key},
                            revisionOf);
}

Status insertPolicy(const QSqlDatabase &db, const QString &key, const QString &name, const QJsonObject &body,
                    const QString &now)
{
    Result<QSqlQuery> inserted = sql::exec(db,
                                           u"INSERT INTO ssh_settings_policies (policy_key, name, body, revision, "
                                           "updated_at) VALUES (?, ?, ?, 1, ?)"_s,
                                           {key, name, compactJson(body), now});
    if (!inserted)
        return inserted.error();
    return {};
}

Result<bool> updatePolicy(const QSqlDatabase &db, const QString &key, const QString &name, const QJsonObject &body,
                          const QString &now, qint64 expectedRevision)
{
    // The revision in the WHERE clause makes the check and the write one step, on both backends.
    return changedOne(db,
                      u"UPDATE ssh_settings_policies SET name = ?, body = ?, revision = revision + 1, updated_at = ?"
                      " WHERE policy_key = ? AND revision = ?"_s,
                      {name, compactJson(body), now, key, expectedRevision});
}

Result<bool> deletePolicy(const QSqlDatabase &db, const QString &key, std::optional<qint64> expectedRevision)
{
    if (expectedRevision)
        return changedOne(db, u"DELETE FROM ssh_settings_policies WHERE policy_key = ? AND revision = ?"_s,
                          {key, *expectedRevision});
    return changedOne(db, u"DELETE FROM ssh_settings_policies WHERE policy_key = ?"_s, {key});
}

Result<std::optional<QJsonObject>> selectOptions(const QSqlDatabase &db, const QString &id)
{
    return sql::selectFirst(db, u"SELECT body FROM ssh_options WHERE id = ?"_s, {id}, bodyOf);
}

Result<qint64> optionsRevision(const QSqlDatabase &db, const QString &id)
{
    Result<std::optional<qint64>> revision
        = sql::selectFirst(db, u"SELECT revision FROM ssh_options WHERE id = ?"_s, {id}, revisionOf);
    if (!revision)
        return revision.error();
    return revision->value_or(0);
}

Result<bool> updateOptions(const QSqlDatabase &db, const QString &id, const QJsonObject &body, const QString &now,
                           std::optional<qint64> expectedRevision)
{
    const QString statement
        = u"UPDATE ssh_options SET body = ?, revision = revision + 1, updated_at = ? WHERE id = ?"_s;
    if (expectedRevision)
        return changedOne(db, statement + u" AND revision = ?"_s, {compactJson(body), now, id, *expectedRevision});
    return changedOne(db, statement, {compactJson(body), now, id});
}

} // namespace keystead::settingsrepo
