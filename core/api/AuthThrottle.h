#pragma once

#include <QHash>
#include <QHostAddress>
#include <QMutex>

namespace keystead {

class Clock;

// Slows down guessing: after a few failed authentications an address must
// wait, twice as long after each further failure, up to a ceiling. A success
// clears its record; quiet addresses are forgotten.
class AuthThrottle final
{
public:
    explicit AuthThrottle(const Clock &clock, int freeFailures = 5, qint64 maxDelaySeconds = 300);

    // Seconds this address must still wait before a try counts; 0 when it may try now.
    qint64 retryAfterSeconds(const QHostAddress &address) const;
    void recordFailure(const QHostAddress &address);
    void recordSuccess(const QHostAddress &address);

private:
    struct Record
    {
        int failures = 0;
        qint64 lastFailureMs = 0;
    };
    qint64 delayMsFor(const Record &record) const;
    void forgetQuietAddresses(qint64 nowMs);

    const Clock &m_clock;
    const int m_freeFailures;
    const qint64 m_maxDelayMs;
    mutable QMutex m_mutex;
    QHash<QString, Record> m_records;
};

} // namespace keystead
