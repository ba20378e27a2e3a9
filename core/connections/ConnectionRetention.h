#pragma once

// Retention: how long trails are kept (seed 004's audit.cleanup, or the
// Settings value without an options source) and the sweep that removes
// disconnected connections older than that, with everything hanging off them.

#include "common/Result.h"

#include <QObject>

#include <atomic>
#include <functional>

namespace keystead {

class Clock;
class Database;
class SettingsStore;
class SshSettingsService;
class TrailRecorder;

class ConnectionRetention final
{
public:
    // `announce` emits the connections the recorder marked changed.
    ConnectionRetention(Database &database, const Clock &clock, SettingsStore &settings, TrailRecorder &recorder,
                        std::function<void()> announce);

    void setOptionsSource(SshSettingsService *settings);
    SshSettingsService *optionsSource() const;
    int retentionDays() const;
    Status setRetentionDays(int days);
    Result<int> sweepExpiredTrails();
    // Runs sweepExpiredTrails() now and then every `intervalMs`, in `context`'s thread (a timer parented to it).
    void startSweep(QObject *context, int intervalMs);
    Result<int> removeOlderThan(int days);

private:
    Database &m_database;
    const Clock &m_clock;
    SettingsStore &m_settings;
    TrailRecorder &m_recorder;
    std::function<void()> m_announce;
    std::atomic<SshSettingsService *> m_options = nullptr;
};

} // namespace keystead
