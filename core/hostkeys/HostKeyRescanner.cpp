#include "HostKeyRescanner.h"

#include "audit/AuditLog.h"
#include "common/Clock.h"
#include "hostkeys/HostKeyStore.h"
#include "store/Database.h"
#include "store/SettingsStore.h"

#include <QSet>

#include <openssl/crypto.h>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

Actor scheduleActor()
{
    return Actor{u"schedule"_s, {}, u"host key re-scan"_s, {}};
}

} // namespace

HostKeyRescanner::HostKeyRescanner(HostKeyStore &store, SettingsStore &settings, Database &database, const Clock &clock,
                                   QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_settings(settings)
    , m_database(database)
    , m_clock(clock)
{
    connect(&m_timer, &QTimer::timeout, this, [this] { checkDue(); });
}

HostKeyRescanner::~HostKeyRescanner()
{
    stop();
}

void HostKeyRescanner::start(int checkIntervalMs)
{
    m_startedMs = m_clock.monotonicMs();
    m_timer.start(std::max(checkIntervalMs, 10));
}

void HostKeyRescanner::stop()
{
    m_timer.stop();
    m_cancel = true;
    joinWorker();
    m_cancel = false;
}

void HostKeyRescanner::joinWorker()
{
    if (m_worker.joinable())
        m_worker.join();
}

int HostKeyRescanner::intervalMinutes() const
{
    return m_settings.value(setting::kHostKeyRescanIntervalMinutes);
}

bool HostKeyRescanner::checkDue()
{
    const int minutes = intervalMinutes();
    if (minutes == 0 || m_passRunning.load())
        return false;
    const qint64 intervalMs = qint64(minutes) * 60'000;
    const qint64 since = m_lastPassMs.value_or(m_startedMs);
    if (m_clock.monotonicMs() - since < intervalMs)
        return false;
    return rescanNow();
}

bool HostKeyRescanner::rescanNow()
{
    if (m_passRunning.exchange(true))
        return false;
    joinWorker(); // the previous pass has finished: only its thread is left to reap
    m_lastPassMs = m_clock.monotonicMs();
    m_worker = std::thread([this] {
        const QList<ScanResult> results = rescanBlocking(&m_cancel);
        m_database.releaseThreadConnection();
        OPENSSL_thread_stop(); // libssh's OpenSSL state in this thread, before the thread is gone
        int changed = 0;
        int unreachable = 0;
        for (const ScanResult &result : results) {
            if (!result.error.isEmpty() && result.keys.isEmpty())
                ++unreachable;
            for (const ScannedHostKey &key : result.keys)
                changed += key.trust == ScannedHostKey::Trust::Changed ? 1 : 0;
        }
        const int hosts = static_cast<int>(results.size());
        m_passRunning = false;
        QMetaObject::invokeMethod(
            this, [this, hosts, changed, unreachable] { Q_EMIT passFinished(hosts, changed, unreachable); },
            Qt::QueuedConnection);
    });
    return true;
}

QList<ScanResult> HostKeyRescanner::rescanBlocking(const std::atomic<bool> *cancel)
{
    QList<ScanResult> results;
    Result<QList<TrustedHostKey>> trusted = m_store.list();
    if (!trusted) {
        qWarning("host key re-scan: the trusted keys could not be read: %s", qPrintable(trusted.error().message));
        return results;
    }
    HostKeyScanOptions options = m_options;
    options.cancel = cancel;
    if (m_clientAlgorithms)
        options.clientAlgorithms = m_clientAlgorithms();
    QSet<QString> done;
    for (const TrustedHostKey &key : trusted.value()) {
        if (!HostKeyStore::isSshType(key.type))
            continue; // an X.509 host certificate is not what a plain SSH handshake shows
        const QString target = u"[%1]:%2"_s.arg(key.address).arg(key.port);
        if (done.contains(target))
            continue;
        done.insert(target);
        if (cancel && cancel->load())
            break;
        ScanResult scan = scanHostKeys(key.address, key.port, options);
        if (scan.error == u"cancelled"_s)
            break;
        Result<ScanResult> compared = m_store.compareScan(scan, scheduleActor());
        if (!compared) {
            qWarning("host key re-scan of %s: %s", qPrintable(target), qPrintable(compared.error().message));
            results.append(scan);
            continue;
        }
        results.append(compared.value());
    }
    return results;
}

} // namespace keystead
