#include "connections/ConnectionRetention.h"

#include "common/Clock.h"
#include "connections/ConnectionRows.h"
#include "connections/TrailRecorder.h"
#include "settings/SshSettingsService.h"
#include "store/Database.h"
#include "store/SettingKeys.h"
#include "store/SettingsStore.h"
#include "store/Sql.h"

#include <QTimer>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead {

using namespace connection_rows;

namespace {

// Rows removed per transaction by retention: a long cleanup never holds the write lock for long.
constexpr int kRetentionChunk = 500;
constexpr QLatin1StringView kRetentionDaysSetting = setting::kConnectionsRetentionDays.name;
constexpr int kDefaultRetentionDays = setting::kConnectionsRetentionDays.fallback;
constexpr int kMaxRetentionDays = setting::kConnectionsRetentionDays.maximum;

} // namespace

ConnectionRetention::ConnectionRetention(Database &database, const Clock &clock, SettingsStore &settings,
                                         TrailRecorder &recorder, std::function<void()> announce)
    : m_database(database)
    , m_clock(clock)
    , m_settings(settings)
    , m_recorder(recorder)
    , m_announce(std::move(announce))
{
}

void ConnectionRetention::setOptionsSource(SshSettingsService *settings)
{
    m_options = settings;
}

SshSettingsService *ConnectionRetention::optionsSource() const
{
    return m_options;
}

int ConnectionRetention::retentionDays() const
{
    if (SshSettingsService *options = m_options) {
        Result<SshOptions> read = options->options();
        if (!read) {
            qWarning("connections: the SSH options cannot be read, so no trail is removed: %s",
                     qPrintable(read.error().message));
            return 0;
        }
        if (!read->cleanupEnabled)
            return 0;
        return std::clamp(read->cleanupDays, 1, kMaxRetentionDays);
    }
    bool ok = false;
    const int days = m_settings.value(QString(kRetentionDaysSetting)).toInt(&ok);
    return ok && days >= 0 && days <= kMaxRetentionDays ? days : kDefaultRetentionDays;
}

Status ConnectionRetention::setRetentionDays(int days)
{
    if (m_options)
        return Error::conflict(u"trail retention follows the SSH options (audit.cleanup): change them there"_s);
    if (days < 0 || days > kMaxRetentionDays)
        return Error::invalid(u"trails are kept 0 (for ever) to %1 days, not %2"_s.arg(kMaxRetentionDays).arg(days),
                              u"days"_s);
    return m_settings.setValue(QString(kRetentionDaysSetting), QString::number(days));
}

Result<int> ConnectionRetention::sweepExpiredTrails()
{
    const int days = retentionDays();
    if (days == 0)
        return 0;
    Result<int> removed = removeOlderThan(days);
    if (removed && removed.value() > 0)
        qInfo("connections: removed %d connection(s) older than %d days", removed.value(), days);
    return removed;
}

void ConnectionRetention::startSweep(QObject *context, int intervalMs)
{
    auto *sweep = new QTimer(context);
    sweep->setInterval(intervalMs);
    const auto run = [this] {
        Result<int> removed = sweepExpiredTrails();
        if (!removed)
            qWarning("connections: trail cleanup failed: %s", qPrintable(removed.error().message));
    };
    QObject::connect(sweep, &QTimer::timeout, context, run);
    sweep->start();
    QTimer::singleShot(0, context, run);
}

Result<int> ConnectionRetention::removeOlderThan(int days)
{
    if (days < 1)
        return Error::invalid(u"trails are kept at least one day, not %1"_s.arg(days), u"days"_s);
    const QString cutoff = sql::toStoreTime(m_clock.now().addDays(-days));
    QSqlDatabase db = m_database.connection();
    int removed = 0;
    QStringList removedIds;
    for (;;) {
        QStringList ids;
        Status done = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
            Result<QSqlQuery> rows = select(db,
                                            u"SELECT id FROM connections WHERE status = 'DISCONNECTED'"
                                            " AND disconnected < ? LIMIT ?"_s,
                                            {cutoff, kRetentionChunk});
            if (!rows)
                return rows.error();
            while (rows.value().next())
                ids.append(rows.value().value(0).toString());
            rows.value().finish();
            if (ids.isEmpty())
                return {};
            // The children go with their connection (ON DELETE CASCADE).
            Result<QSqlQuery> deleted = sql::exec(
                db, u"DELETE FROM connections WHERE id IN (%1)"_s.arg(placeholders(ids.size())), variants(ids));
            if (!deleted)
                return deleted.error();
            return {};
        });
        if (!done)
            return done.error();
        if (ids.isEmpty())
            break;
        removed += static_cast<int>(ids.size());
        removedIds += ids;
    }
    if (removed > 0) {
        m_recorder.markRemoved(removedIds);
        m_announce();
    }
    return removed;
}

} // namespace keystead
