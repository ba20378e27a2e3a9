#pragma once

#include "hostkeys/HostKeyRecords.h"
#include "hostkeys/HostKeyScanner.h"
#include "settings/SshSettings.h"
#include "store/SettingKeys.h"

#include <QObject>
#include <QTimer>

#include <atomic>
#include <functional>
#include <optional>
#include <thread>

namespace keystead {

class Clock;
class Database;
class HostKeyStore;
class SettingsStore;

// Re-scans every trusted server on a schedule and lets HostKeyStore::compareScan
// record what changed. The interval is the setting `hostkeys.rescan_interval_minutes`
// (0, the default, turns the schedule off), read at every check so a change in
// Settings takes effect without a restart. A pass runs on its own thread with its
// own database connection; only one pass runs at a time.
//
// Wiring (app/Services.cpp): build it after the store and settings, call start()
// once the event loop runs, and stop() (or destroy it) before the store goes.
class HostKeyRescanner final : public QObject
{
    Q_OBJECT

public:
    static constexpr const char *kIntervalSetting = setting::kHostKeyRescanIntervalMinutes.name.data();
    static constexpr int kDefaultCheckIntervalMs = 30'000;

    HostKeyRescanner(HostKeyStore &store, SettingsStore &settings, Database &database, const Clock &clock,
                     QObject *parent = nullptr);
    ~HostKeyRescanner() override;

    // Checks every `checkIntervalMs` whether a pass is due; the first is due one interval after start().
    void start(int checkIntervalMs = kDefaultCheckIntervalMs);
    // Stops the checks, cancels a running pass and waits for it.
    void stop();
    bool isStarted() const { return m_timer.isActive(); }
    bool isPassRunning() const { return m_passRunning.load(); }

    // The scan options of each pass (timeout); the client algorithms come from the provider when one is set.
    void setScanOptions(const HostKeyScanOptions &options) { m_options = options; }
    // Called at the start of every pass: the active settings policy's client side algorithms.
    void setClientAlgorithmsProvider(std::function<std::optional<SshAlgorithms>()> provider)
    {
        m_clientAlgorithms = std::move(provider);
    }

    // Minutes between passes, from the settings; 0 when off or not a number.
    int intervalMinutes() const;
    // Starts a pass when the schedule says one is due; true when one was started.
    bool checkDue();
    // Starts a pass now on the worker thread unless one runs; true when one was started.
    bool rescanNow();
    // One pass on the calling thread (which must release its own database connection).
    QList<ScanResult> rescanBlocking(const std::atomic<bool> *cancel = nullptr);

Q_SIGNALS:
    // Emitted in this object's thread. `changed`: keys a server offers that differ from the trusted ones.
    void passFinished(int hosts, int changed, int unreachable);

private:
    void joinWorker();

    HostKeyStore &m_store;
    SettingsStore &m_settings;
    Database &m_database;
    const Clock &m_clock;
    QTimer m_timer;
    HostKeyScanOptions m_options;
    std::function<std::optional<SshAlgorithms>()> m_clientAlgorithms;
    std::optional<qint64> m_lastPassMs; // monotonic; unset until the first pass
    qint64 m_startedMs = 0;
    std::thread m_worker;
    std::atomic<bool> m_passRunning = false;
    std::atomic<bool> m_cancel = false;
};

} // namespace keystead
