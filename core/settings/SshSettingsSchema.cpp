#include "settings/SshSettingsService.h"
#include "store/Migration.h"
#include "store/SettingKeys.h"

#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

QString quoted(const QString &text)
{
    QString escaped = text;
    escaped.replace(u'\'', u"''"_s);
    return u'\'' + escaped + u'\'';
}

QString json(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

// The seed rows and the data migration differ per backend only in how they
// say "now" and "a whole number in text".
QStringList statements(bool postgres)
{
    const QString now = postgres ? u"to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"_s
                                 : u"strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"_s;
    const QString isNumber = postgres ? u"value ~ '^[0-9]{1,5}$'"_s
                                      : u"(value <> '' AND length(value) <= 5 AND value NOT GLOB '*[^0-9]*')"_s;
    const SettingsPolicy builtIn = SshSettingsService::defaultPolicy();
    const SshOptions defaults;

    // The connections area's retention setting becomes the cleanup option: a
    // number of days turns cleanup on with it, 0 (keep everything) turns it off.
    // JSON is built by splitting the default options document at the two values.
    const QString marker = u"__DAYS__"_s;
    QJsonObject document = SshSettingsService::optionsToJson(defaults);
    QJsonObject audit = document.value(u"audit"_s).toObject();
    QJsonObject cleanup = audit.value(u"cleanup"_s).toObject();
    cleanup.insert(u"channel_database_cleanup_days"_s, marker);
    cleanup.insert(u"enabled"_s, u"__ENABLED__"_s);
    audit.insert(u"cleanup"_s, cleanup);
    document.insert(u"audit"_s, audit);
    QString templated = json(document);
    templated.replace(u"\"__DAYS__\""_s,
                      u"' || CASE WHEN CAST(value AS INTEGER) = 0 THEN '%1' ELSE "
                      "CAST(CAST(value AS INTEGER) AS TEXT) END || '"_s.arg(defaults.cleanupDays));
    templated.replace(u"\"__ENABLED__\""_s,
                      u"' || CASE WHEN CAST(value AS INTEGER) = 0 THEN 'false' ELSE 'true' END || '"_s);
    templated = u'\'' + templated + u'\'';
    const QString setting = QString(setting::kConnectionsRetentionDays.name);
    const QString days = u"CAST(value AS INTEGER)"_s;

    return {
        u"CREATE TABLE ssh_settings_policies ("
        "  policy_key TEXT PRIMARY KEY,"
        "  name TEXT NOT NULL UNIQUE,"
        "  body TEXT NOT NULL,"
        "  revision BIGINT NOT NULL,"
        "  updated_at TEXT NOT NULL)"_s,
        u"CREATE TABLE ssh_options ("
        "  id TEXT PRIMARY KEY,"
        "  body TEXT NOT NULL,"
        "  revision BIGINT NOT NULL,"
        "  updated_at TEXT NOT NULL)"_s,
        u"INSERT INTO ssh_settings_policies (policy_key, name, body, revision, updated_at) VALUES (%1, %2, %3, 1, %4)"_s
            .arg(quoted(builtIn.key), quoted(builtIn.name), quoted(json(SshSettingsService::policyToJson(builtIn))),
                 now),
        u"INSERT INTO ssh_options (id, body, revision, updated_at) VALUES (%1, %2, 1, %3)"_s.arg(
            quoted(QString(SshSettingsService::kOptionsObject)),
            quoted(json(SshSettingsService::optionsToJson(defaults))), now),
        // CASE guards the casts: PostgreSQL may evaluate a WHERE clause in any order.
        u"UPDATE ssh_options SET body = (SELECT %1 FROM settings WHERE name = %2) "
        "WHERE id = %3 AND EXISTS (SELECT 1 FROM settings WHERE name = %2 AND "
        "(CASE WHEN %4 THEN %5 ELSE -1 END) BETWEEN 0 AND 36500)"_s.arg(
            templated, quoted(setting), quoted(QString(SshSettingsService::kOptionsObject)), isNumber, days),
    };
}

} // namespace

// Version 10: SSH settings policies and options.
std::vector<Migration> sshSettingsMigrations()
{
    return {
        {10, u"SSH settings policies and options"_s, statements(false), statements(true)},
    };
}

} // namespace keystead
