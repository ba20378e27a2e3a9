#pragma once

#include <QDateTime>

#include <atomic>

namespace keystead {

// Core never asks the system for the time directly: a Clock is passed in, so
// expiry, timeouts and back-off can be tested without sleeping.
class Clock
{
public:
    virtual ~Clock() = default;
    // Current time in UTC.
    virtual QDateTime now() const = 0;
    // A monotonic reading in milliseconds, for measuring intervals.
    virtual qint64 monotonicMs() const = 0;
};

class SystemClock final : public Clock
{
public:
    QDateTime now() const override;
    qint64 monotonicMs() const override;
};

// A clock that only moves when told to; used by tests and benchmarks.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(QDateTime start = QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC));
    QDateTime now() const override;
    qint64 monotonicMs() const override;
    void advanceMs(qint64 ms);
    void advanceSeconds(qint64 seconds) { advanceMs(seconds * 1000); }

private:
    QDateTime m_start;
    std::atomic<qint64> m_elapsedMs = 0; // read from server threads in tests
};

} // namespace keystead
