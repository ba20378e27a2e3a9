#pragma once

// Latency summaries and the table the collect benchmark prints.

#include "CollectLoadLoop.h"

#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <vector>

namespace keystead::bench {

struct LatencySummary
{
    double p50 = 0;
    double p99 = 0;
    double mean = 0;
    double min = 0;
    double max = 0;
};

inline double percentile(const std::vector<double> &sorted, double p)
{
    if (sorted.empty())
        return 0;
    // Nearest rank.
    const auto rank = size_t(std::ceil(p / 100.0 * double(sorted.size())));
    return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

inline LatencySummary summarize(std::vector<double> latencies)
{
    LatencySummary summary;
    if (latencies.empty())
        return summary;
    std::sort(latencies.begin(), latencies.end());
    summary.p50 = percentile(latencies, 50);
    summary.p99 = percentile(latencies, 99);
    double sum = 0;
    for (const double latency : latencies)
        sum += latency;
    summary.mean = sum / double(latencies.size());
    summary.min = latencies.front();
    summary.max = latencies.back();
    return summary;
}

inline double rounded(double value, int digits = 2)
{
    const double scale = std::pow(10.0, digits);
    return std::round(value * scale) / scale;
}

struct RunReport
{
    QString server;
    int concurrency = 0;
    int connections = 0;
    int completed = 0;
    int failed = 0;
    double wallSeconds = 0;
    double perSecond = 0;
    LatencySummary latency;
    double serverCpuMsPerConnection = -1;
    double serverWaitMsPerConnection = -1; // Keystead's thread only
    double clientCpuMsPerConnection = 0;
    bool settled = true;
    QStringList errors;
    Negotiated negotiated;

    QJsonObject toJson() const
    {
        return QJsonObject{
            {u"server"_s, server},
            {u"concurrency"_s, concurrency},
            {u"connections"_s, connections},
            {u"completed"_s, completed},
            {u"failed"_s, failed},
            {u"wall_seconds"_s, rounded(wallSeconds, 3)},
            {u"handshakes_per_second"_s, rounded(perSecond, 1)},
            {u"latency_ms"_s,
             QJsonObject{{u"p50"_s, rounded(latency.p50)},
                         {u"p99"_s, rounded(latency.p99)},
                         {u"mean"_s, rounded(latency.mean)},
                         {u"min"_s, rounded(latency.min)},
                         {u"max"_s, rounded(latency.max)}}},
            {u"server_cpu_ms_per_connection"_s, rounded(serverCpuMsPerConnection)},
            {u"server_runqueue_wait_ms_per_connection"_s, rounded(serverWaitMsPerConnection)},
            {u"client_cpu_ms_per_connection"_s, rounded(clientCpuMsPerConnection)},
            {u"server_settled"_s, settled},
            {u"errors"_s, QJsonArray::fromStringList(errors)},
        };
    }
};

inline QString fixed(double value, int width, int digits)
{
    return u"%1"_s.arg(value, width, 'f', digits);
}

inline QString tableLine(const QString &concurrency, const QString &server, const QString &connections,
                         const QString &failed, const QString &perSecond, const QString &p50, const QString &p99,
                         const QString &serverCpu, const QString &clientCpu)
{
    return u"%1  %2  %3  %4  %5  %6  %7  %8  %9\n"_s.arg(concurrency, 5)
        .arg(server, -9)
        .arg(connections, 6)
        .arg(failed, 6)
        .arg(perSecond, 12)
        .arg(p50, 8)
        .arg(p99, 8)
        .arg(serverCpu, 11)
        .arg(clientCpu, 11);
}

inline QString tableHeader()
{
    return tableLine(u"conc"_s, u"server"_s, u"conns"_s, u"failed"_s, u"handshakes/s"_s, u"p50 ms"_s, u"p99 ms"_s,
                     u"server CPU"_s, u"client CPU"_s)
        + tableLine({}, {}, {}, {}, {}, {}, {}, u"ms/conn"_s, u"ms/conn"_s);
}

inline QString tableRow(const RunReport &run)
{
    return tableLine(QString::number(run.concurrency), run.server, QString::number(run.connections),
                     QString::number(run.failed), fixed(run.perSecond, 0, 1), fixed(run.latency.p50, 0, 2),
                     fixed(run.latency.p99, 0, 2),
                     run.serverCpuMsPerConnection < 0 ? u"?"_s : fixed(run.serverCpuMsPerConnection, 0, 2),
                     fixed(run.clientCpuMsPerConnection, 0, 2));
}

} // namespace keystead::bench
