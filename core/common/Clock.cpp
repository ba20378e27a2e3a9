#include "Clock.h"

#include <QElapsedTimer>

namespace keystead {

QDateTime SystemClock::now() const
{
    return QDateTime::currentDateTimeUtc();
}

qint64 SystemClock::monotonicMs() const
{
    static const QElapsedTimer origin = [] {
        QElapsedTimer timer;
        timer.start();
        return timer;
    }();
    return origin.elapsed();
}

ManualClock::ManualClock(QDateTime start)
    : m_start(std::move(start))
{
}

QDateTime ManualClock::now() const
{
    return m_start.addMSecs(m_elapsedMs);
}

qint64 ManualClock::monotonicMs() const
{
    return m_elapsedMs;
}

void ManualClock::advanceMs(qint64 ms)
{
    m_elapsedMs += ms;
}

} // namespace keystead
