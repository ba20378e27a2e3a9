#include "AuthThrottle.h"

#include "common/Clock.h"

#include <QMutexLocker>

#include <algorithm>

namespace keystead {

namespace {

// An address with no failure for this long starts afresh.
constexpr qint64 kForgetAfterMs = 15 * 60 * 1000;
constexpr qsizetype kMaxTrackedAddresses = 10000;

QString keyFor(const QHostAddress &address)
{
    // An IPv4 client seen through an IPv6 socket is the same client.
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4).toString() : address.toString();
}

} // namespace

AuthThrottle::AuthThrottle(const Clock &clock, int freeFailures, qint64 maxDelaySeconds)
    : m_clock(clock)
    , m_freeFailures(freeFailures)
    , m_maxDelayMs(maxDelaySeconds * 1000)
{
}

qint64 AuthThrottle::delayMsFor(const Record &record) const
{
    const int excess = record.failures - m_freeFailures;
    if (excess < 0)
        return 0;
    const qint64 delay = qint64(1000) << std::min(excess, 20);
    return std::min(delay, m_maxDelayMs);
}

qint64 AuthThrottle::retryAfterSeconds(const QHostAddress &address) const
{
    QMutexLocker lock(&m_mutex);
    const auto found = m_records.constFind(keyFor(address));
    if (found == m_records.cend())
        return 0;
    const qint64 waitUntil = found->lastFailureMs + delayMsFor(*found);
    const qint64 remaining = waitUntil - m_clock.monotonicMs();
    return remaining <= 0 ? 0 : (remaining + 999) / 1000;
}

void AuthThrottle::recordFailure(const QHostAddress &address)
{
    QMutexLocker lock(&m_mutex);
    const qint64 now = m_clock.monotonicMs();
    if (m_records.size() >= kMaxTrackedAddresses)
        forgetQuietAddresses(now);
    Record &record = m_records[keyFor(address)];
    if (record.failures > 0 && now - record.lastFailureMs > kForgetAfterMs)
        record.failures = 0;
    ++record.failures;
    record.lastFailureMs = now;
}

void AuthThrottle::recordSuccess(const QHostAddress &address)
{
    QMutexLocker lock(&m_mutex);
    m_records.remove(keyFor(address));
}

void AuthThrottle::forgetQuietAddresses(qint64 nowMs)
{
    m_records.removeIf([nowMs](const auto &entry) { return nowMs - entry.value().lastFailureMs > kForgetAfterMs; });
}

} // namespace keystead
