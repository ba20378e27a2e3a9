#pragma once

// What the machine says, for the collect benchmark: CPU time, /proc figures,
// the load average, file limits and free ports on 127.0.0.1.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QString>

#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

namespace keystead::bench {

using namespace Qt::StringLiterals;

using SteadyClock = std::chrono::steady_clock;

// How long the servers get to close what the clients left, between runs.
constexpr int kSettleMs = 30'000;

inline double msSince(SteadyClock::time_point start)
{
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

inline void print(const QString &text)
{
    std::fputs(text.toUtf8().constData(), stdout);
    std::fflush(stdout);
}

inline void sleepMs(int ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

inline double threadCpuMs()
{
    timespec spent = {};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spent);
    return double(spent.tv_sec) * 1e3 + double(spent.tv_nsec) / 1e6;
}

inline double clockTickMs()
{
    const long ticks = ::sysconf(_SC_CLK_TCK);
    return ticks > 0 ? 1000.0 / double(ticks) : 10.0;
}

struct ProcStat
{
    qint64 parent = 0;
    qint64 ownTicks = 0; // utime + stime
    qint64 childTicks = 0; // cutime + cstime: children that were waited for
};

inline std::optional<ProcStat> readProcStat(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray line = file.readAll();
    // The command name may hold spaces and parentheses: the fields follow its last ')'.
    const qsizetype nameEnd = line.lastIndexOf(')');
    if (nameEnd < 0)
        return std::nullopt;
    const QList<QByteArray> fields = line.mid(nameEnd + 2).split(' ');
    // From field 3 (state) on: ppid is 4, utime 14, stime 15, cutime 16, cstime 17.
    if (fields.size() < 15)
        return std::nullopt;
    ProcStat stat;
    stat.parent = fields.at(1).toLongLong();
    stat.ownTicks = fields.at(11).toLongLong() + fields.at(12).toLongLong();
    stat.childTicks = fields.at(13).toLongLong() + fields.at(14).toLongLong();
    return stat;
}

// A field of /proc/PID/status in kB ("VmRSS", "RssAnon"); -1 when unreadable.
inline qint64 statusKb(const QString &statusPath, const QByteArray &field)
{
    QFile file(statusPath);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith(QByteArray(field + ':')))
            return line.mid(field.size() + 1).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

// The /proc folder of this process's thread with that name (Linux keeps the first 15 bytes).
inline QString threadDir(const QString &name)
{
    const QDir tasks(u"/proc/self/task"_s);
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks.filePath(tid + u"/comm"_s));
        if (comm.open(QIODevice::ReadOnly) && QString::fromUtf8(comm.readAll().trimmed()) == name.left(15))
            return tasks.filePath(tid);
    }
    return {};
}

inline int childCount(qint64 pid)
{
    int children = 0;
    const QDir proc(u"/proc"_s);
    for (const QString &entry : proc.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool numeric = false;
        entry.toLongLong(&numeric);
        if (!numeric)
            continue;
        const std::optional<ProcStat> stat = readProcStat(proc.filePath(entry + u"/stat"_s));
        if (stat && stat->parent == pid)
            ++children;
    }
    return children;
}

inline QJsonArray loadAverage()
{
    double loads[3] = {};
    QJsonArray array;
    if (::getloadavg(loads, 3) == 3) {
        for (const double load : loads)
            array.append(std::round(load * 100.0) / 100.0);
    }
    return array;
}

inline QString filesystemOf(const QString &path)
{
    struct statfs info = {};
    if (::statfs(QFile::encodeName(path).constData(), &info) != 0)
        return u"unknown"_s;
    switch (static_cast<unsigned long>(info.f_type)) {
    case 0xEF53UL: return u"ext4"_s;
    case 0x01021994UL: return u"tmpfs"_s;
    case 0x794C7630UL: return u"overlay"_s;
    case 0x9123683EUL: return u"btrfs"_s;
    case 0x58465342UL: return u"xfs"_s;
    default: return u"0x%1"_s.arg(static_cast<unsigned long>(info.f_type), 0, 16);
    }
}

// Thousands of sockets need more descriptors than the usual soft limit.
inline void raiseFileLimit()
{
    rlimit limit = {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

inline rlim_t fileLimit()
{
    rlimit limit = {};
    return ::getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 0;
}

// A port nobody listens on right now (sshd cannot be told to take port 0).
inline quint16 freePort()
{
    const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    if (probe < 0)
        return 0;
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    quint16 port = 0;
    if (::bind(probe, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0
        && ::getsockname(probe, reinterpret_cast<sockaddr *>(&address), &length) == 0)
        port = ntohs(address.sin_port);
    ::close(probe);
    return port;
}

inline bool acceptsConnections(quint16 port)
{
    const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    if (probe < 0)
        return false;
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    const bool connected = ::connect(probe, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
    ::close(probe);
    return connected;
}

} // namespace keystead::bench
