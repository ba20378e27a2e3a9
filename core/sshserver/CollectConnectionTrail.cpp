#include "CollectConnection.h"

#include "sshserver/CollectConnectionSupport.h"

#include "sshserver/ConnectionRecorder.h"

#include <cstddef>
// glibc's <netinet/tcp.h> has an older struct tcp_info without the byte
// counters; the kernel's header has them (and the TCP_* options).
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace Qt::StringLiterals;

namespace keystead {

using namespace collectconnection;

namespace {

// Requests (channel requests, global requests, channel opens) kept in one
// trail; past it a client that keeps asking is refused as before, unrecorded.
constexpr int kMaxRecordedRequests = 256;

struct TcpCounters
{
    qint64 received = 0;
    qint64 acked = 0;
};

// The kernel's count of payload bytes received on, and acknowledged by the
// peer of, a TCP socket: libssh does the socket I/O, so this is where they are.
std::optional<TcpCounters> tcpCounters(int socket)
{
    tcp_info info = {};
    socklen_t length = sizeof info;
    if (::getsockopt(socket, IPPROTO_TCP, TCP_INFO, &info, &length) != 0)
        return std::nullopt;
    // Kernels before 4.1 fill less of the structure.
    if (length < offsetof(tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received)
        return std::nullopt;
    return TcpCounters{static_cast<qint64>(info.tcpi_bytes_received), static_cast<qint64>(info.tcpi_bytes_acked)};
}

} // namespace

// --- the trail ------------------------------------------------------------

void CollectConnection::record(const QString &channelId, const QString &type, const QByteArray &data,
                               const QJsonObject &detail)
{
    if (!m_recorder || m_recordId.isEmpty())
        return;
    // The version line comes first in every trail that has one.
    if (!m_clientVersionRecorded)
        recordClientVersion();
    m_recorder->event(m_recordId, channelId, type, data, detail);
}

void CollectConnection::recordClientVersion()
{
    if (m_clientVersionRecorded || !m_recorder || m_recordId.isEmpty() || !m_ssh)
        return;
    const char *banner = ssh_get_clientbanner(m_ssh.get());
    if (!banner || !*banner)
        return;
    m_clientVersionRecorded = true;
    const QByteArray line = QByteArray(banner).left(255);
    m_recorder->event(m_recordId, connectionChannel(), u"client-version"_s, line,
                      {{u"version"_s, printable(QString::fromUtf8(line), 255)}});
}

void CollectConnection::recordAuth(const QString &method, const QString &user, const QString &result,
                                   const QJsonObject &extra)
{
    if (!m_recorder || m_recordId.isEmpty())
        return;
    QJsonObject detail = extra;
    detail.insert(u"method"_s, method);
    detail.insert(u"user"_s, printable(user, kMaxUsernameLength));
    detail.insert(u"result"_s, result);
    record(connectionChannel(), u"auth"_s, result.toUtf8(), detail);
}

void CollectConnection::recordRequest(const QString &channelId, const QString &type, const QJsonObject &detail)
{
    if (!m_recorder || m_recordId.isEmpty() || m_requestsRecorded >= kMaxRecordedRequests)
        return;
    ++m_requestsRecorded;
    record(channelId.isEmpty() ? connectionChannel() : channelId, type, {}, detail);
}

void CollectConnection::recordChannelClose(const QString &initiator)
{
    if (m_channelCloseRecorded || m_channelId.isEmpty())
        return;
    m_channelCloseRecorded = true;
    if (!m_recorder || m_recordId.isEmpty())
        return;
    QJsonObject detail{{u"initiator"_s, initiator},
                       {u"bytes_client_to_server"_s, m_channelIn},
                       {u"bytes_server_to_client"_s, m_channelOut}};
    if (m_exitStatus >= 0)
        detail.insert(u"exit_status"_s, m_exitStatus);
    if (m_channelIn > m_inputRecorded)
        detail.insert(u"input_not_recorded"_s, m_channelIn - m_inputRecorded);
    record(m_channelId, u"channel-close"_s, {}, detail);
    m_recorder->channelTraffic(m_recordId, m_channelId, u"session"_s, m_channelIn, m_channelOut);
    m_reportedChannelIn = m_channelIn;
    m_reportedChannelOut = m_channelOut;
}

void CollectConnection::sampleTraffic()
{
    if (!m_ssh)
        return;
    // -1 once libssh has closed the socket: its number may belong to another by now.
    const socket_t socket = ssh_get_fd(m_ssh.get());
    if (socket < 0)
        return;
    if (const std::optional<TcpCounters> counters = tcpCounters(socket)) {
        m_bytesIn = counters->received;
        m_bytesOut = counters->acked;
    }
}

void CollectConnection::reportTraffic()
{
    if (!m_recorder || m_recordId.isEmpty())
        return;
    sampleTraffic();
    if (m_bytesIn != m_reportedIn || m_bytesOut != m_reportedOut) {
        m_reportedIn = m_bytesIn;
        m_reportedOut = m_bytesOut;
        m_recorder->traffic(m_recordId, m_bytesIn, m_bytesOut);
    }
    if (!m_channelId.isEmpty() && (m_channelIn != m_reportedChannelIn || m_channelOut != m_reportedChannelOut)) {
        m_reportedChannelIn = m_channelIn;
        m_reportedChannelOut = m_channelOut;
        m_recorder->channelTraffic(m_recordId, m_channelId, u"session"_s, m_channelIn, m_channelOut);
    }
}

} // namespace keystead
