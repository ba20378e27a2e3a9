#include "CollectConnection.h"

#include "sshserver/CollectConnectionSupport.h"
#include "sshserver/ConnectionRecorder.h"

#include <QSocketNotifier>

#include <cstddef>
#include <cstring>
#include <fcntl.h>
// glibc's <netinet/tcp.h> has an older struct tcp_info without the byte
// counters; the kernel's header has them (and the TCP_* options).
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace keystead {

using namespace collectconnection;

namespace {

// Read activations in a row in which libssh found nothing to do: a socket
// libssh no longer watches but that stays readable; end it rather than spin.
constexpr int kMaxIdlePolls = 64;
// Byte counts reach the recorder at most this often while a connection is busy.
constexpr int kTrafficIntervalMs = 250;
// What the client is told when an operator ends its connection; who asked
// stays in the trail, not on the user's screen.
constexpr char kTerminatedMessage[] = "The connection was terminated by an operator";
constexpr char kStoppingMessage[] = "The server is stopping";

} // namespace

CollectConnection::CollectConnection(CollectGate &gate, const CollectServerConfig &config, ssh_bind bind, int socket,
                                     const QHostAddress &peer, ConnectionRecorder *recorder, QObject *parent)
    : QObject(parent)
    , m_gate(gate)
    , m_config(config)
    , m_bind(bind)
    , m_socket(socket)
    , m_peer(peer)
    , m_recorder(recorder)
{
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, &CollectConnection::onDeadline);
    m_trafficTimer.setSingleShot(true);
    m_trafficTimer.setInterval(kTrafficIntervalMs);
    connect(&m_trafficTimer, &QTimer::timeout, this, &CollectConnection::reportTraffic);
}

CollectConnection::~CollectConnection()
{
    if (m_phase != Phase::Finished) {
        m_insideLibssh = false;
        teardown();
    }
}

bool CollectConnection::start()
{
    if (m_recorder)
        m_recordId = m_recorder->opened(m_peer.toString());
    // Without TCP_NODELAY the client's small writes wait for delayed ACKs,
    // about 40 ms several times per login.
    const int noDelay = 1;
    ::setsockopt(m_socket, IPPROTO_TCP, TCP_NODELAY, &noDelay, sizeof noDelay);

    m_ssh.reset(ssh_new());
    if (!m_ssh) {
        setCloseReason(u"connection error"_s);
        teardown();
        return false;
    }
    if (ssh_bind_accept_fd(m_bind, m_ssh.get(), m_socket) != SSH_OK) {
        if (ssh_get_fd(m_ssh.get()) != m_socket) {
            ::close(m_socket);
            m_socket = -1;
        }
        setCloseReason(u"connection error"_s);
        teardown();
        return false;
    }
    // libssh's non-blocking mode still writes with send(): only a
    // non-blocking socket guarantees that a client that never reads cannot
    // stall the server's thread.
    const int flags = ::fcntl(m_socket, F_GETFL);
    if (flags < 0 || ::fcntl(m_socket, F_SETFL, flags | O_NONBLOCK) < 0) {
        setCloseReason(u"connection error"_s);
        teardown();
        return false;
    }

    m_serverCallbacks.size = sizeof m_serverCallbacks;
    m_serverCallbacks.userdata = this;
    m_serverCallbacks.auth_none_function = &CollectConnection::onAuthNone;
    m_serverCallbacks.auth_pubkey_function = &CollectConnection::onAuthPubkey;
    m_serverCallbacks.channel_open_request_session_function = &CollectConnection::onChannelOpen;
    ssh_set_server_callbacks(m_ssh.get(), &m_serverCallbacks);
    // 0.10's server callbacks have none for keyboard-interactive, nor for
    // what must be refused (forwarding, other channel types): the message
    // callback sees those.
    ssh_set_message_callback(m_ssh.get(), &CollectConnection::onMessage, this);
    ssh_set_auth_methods(m_ssh.get(), SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_INTERACTIVE);
    ssh_set_blocking(m_ssh.get(), 0);
    if (!applyAlgorithms()) {
        setCloseReason(u"connection error"_s);
        teardown();
        return false;
    }

    // Non-blocking, this sends our version line, prepares the key exchange and
    // returns SSH_AGAIN; the event below drives the rest.
    m_insideLibssh = true;
    const int exchange = ssh_handle_key_exchange(m_ssh.get());
    m_insideLibssh = false;
    if (exchange == SSH_ERROR) {
        teardown();
        return false;
    }
    // One event per session: a blocking call on a session in a shared event
    // would poll, and could end, the others.
    m_event.reset(ssh_event_new());
    if (!m_event || ssh_event_add_session(m_event.get(), m_ssh.get()) != SSH_OK) {
        setCloseReason(u"connection error"_s);
        teardown();
        return false;
    }

    m_readNotifier = std::make_unique<QSocketNotifier>(qintptr(m_socket), QSocketNotifier::Read);
    connect(m_readNotifier.get(), &QSocketNotifier::activated, this, &CollectConnection::drive);
    m_writeNotifier = std::make_unique<QSocketNotifier>(qintptr(m_socket), QSocketNotifier::Write);
    m_writeNotifier->setEnabled(false);
    connect(m_writeNotifier.get(), &QSocketNotifier::activated, this, &CollectConnection::drive);

    m_deadline.start(m_config.loginGraceMs);
    afterLibssh(false);
    return m_phase != Phase::Finished;
}

void CollectConnection::abort()
{
    if (m_phase == Phase::Finished)
        return;
    // Whatever was under way, the server stopping is what ended it.
    m_closeReason = u"server stopping"_s;
    m_disconnectMessage = kStoppingMessage;
    teardown();
}

void CollectConnection::terminate(const QString &reason)
{
    if (m_phase == Phase::Finished)
        return;
    m_closeReason = reason;
    m_disconnectMessage = kTerminatedMessage;
    teardown();
}

// --- driving libssh -------------------------------------------------------

void CollectConnection::drive()
{
    if (!m_event || m_insideLibssh || m_phase == Phase::Finished)
        return;
    if (m_recorder) {
        // Before libssh reads: it may close the socket while it polls.
        sampleTraffic();
        if (!m_trafficTimer.isActive())
            m_trafficTimer.start();
    }
    m_insideLibssh = true;
    const int polled = ssh_event_dopoll(m_event.get(), 0);
    m_insideLibssh = false;
    if (polled == SSH_AGAIN) {
        if (++m_idlePolls > kMaxIdlePolls)
            endSoon(u"connection error"_s);
    } else {
        m_idlePolls = 0;
    }
    afterLibssh(polled == SSH_ERROR);
}

void CollectConnection::afterLibssh(bool pollFailed)
{
    if (m_phase == Phase::Finished)
        return;
    recordClientVersion();
    const int status = ssh_get_status(m_ssh.get());
    if (pollFailed || m_endDue || (status & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0 || !ssh_is_connected(m_ssh.get())) {
        teardown();
        return;
    }
    if (m_dialogDue) {
        m_dialogDue = false;
        startDialog();
    }
    if (m_phase == Phase::Confirming) {
        if (const std::optional<ConnectionOutcome> answer = answerSoFar())
            conclude(*answer);
    }
    if (m_endDue) {
        teardown();
        return;
    }
    updateWriteNotifier();
}

void CollectConnection::updateWriteNotifier()
{
    if (!m_ssh || !m_writeNotifier)
        return;
    // libssh keeps what the socket did not take and asks for POLLOUT.
    m_writeNotifier->setEnabled((ssh_get_poll_flags(m_ssh.get()) & SSH_WRITE_PENDING) != 0);
}

void CollectConnection::onDeadline()
{
    switch (m_phase) {
    case Phase::Confirming:
        setCloseReason(u"idle timeout"_s);
        say(u"No answer in time: the keys were not kept."_s);
        static_cast<void>(report(ConnectionOutcome::Abandoned)); // a failure is logged by report()
        endChannel(1);
        afterLibssh(false);
        break;
    case Phase::Handshake:
        setCloseReason(u"login grace expired"_s);
        teardown();
        break;
    case Phase::Admitted: // no terminal asked for in time
        setCloseReason(u"idle timeout"_s);
        teardown();
        break;
    case Phase::Closing:
        setCloseReason(u"the client did not close after the session ended"_s);
        teardown();
        break;
    case Phase::Finished: break;
    }
}

void CollectConnection::endSoon(const QString &reason)
{
    setCloseReason(reason);
    m_endDue = true;
}

void CollectConnection::setCloseReason(const QString &reason)
{
    if (m_closeReason.isEmpty())
        m_closeReason = reason;
}

QString CollectConnection::phaseName(Phase phase)
{
    switch (phase) {
    case Phase::Handshake: return u"authentication"_s;
    case Phase::Admitted: return u"authenticated"_s;
    case Phase::Confirming: return u"confirming"_s;
    case Phase::Closing: return u"session ended"_s;
    case Phase::Finished: break;
    }
    return u"finished"_s;
}

QString CollectConnection::inferredCloseReason() const
{
    if (!m_ssh)
        return u"connection error"_s;
    // libssh names a client that closed its socket ("Socket error: disconnected")
    // or sent SSH_MSG_DISCONNECT; anything else is a failure on the way.
    const QString error = fromLibssh(ssh_get_error(m_ssh.get()));
    if (error.isEmpty() || error.contains(u"disconnect"_s, Qt::CaseInsensitive)
        || error.contains(u"reset by peer"_s, Qt::CaseInsensitive))
        return u"client closed"_s;
    return u"connection error"_s;
}

void CollectConnection::teardown()
{
    if (m_phase == Phase::Finished)
        return;
    if (m_insideLibssh) {
        // Freeing the session under libssh's feet is not an option.
        m_endDue = true;
        return;
    }
    const Phase phase = m_phase;
    m_phase = Phase::Finished;
    m_deadline.stop();
    m_trafficTimer.stop();
    // The notifiers go before libssh closes their socket.
    m_readNotifier.reset();
    m_writeNotifier.reset();
    static_cast<void>(report(ConnectionOutcome::Abandoned)); // a failure is logged by report()
    const QString reason = m_closeReason.isEmpty() ? inferredCloseReason() : m_closeReason;
    if (m_recorder && !m_recordId.isEmpty()) {
        // Recorded while the socket is still open: the last byte counts come from it.
        recordClientVersion();
        if (m_channel)
            recordChannelClose(u"server"_s);
        QJsonObject detail{{u"reason"_s, reason}, {u"phase"_s, phaseName(phase)}};
        if (m_ssh) {
            if (const QString error = fromLibssh(ssh_get_error(m_ssh.get())); !error.isEmpty())
                detail.insert(u"error"_s, error);
        }
        record(connectionChannel(), u"disconnect"_s, reason.toUtf8(), detail);
        reportTraffic();
        m_recorder->closed(m_recordId, reason);
    }
    if (m_event && m_ssh)
        ssh_event_remove_session(m_event.get(), m_ssh.get());
    m_event.reset();
    if (m_ssh) {
        // The disconnect goes out before the channel's close: OpenSSH quits
        // when its last channel closes, without reading what follows, so
        // the user would never see why.
        if (m_disconnectMessage.isEmpty())
            m_disconnectMessage = reason.toUtf8();
        ssh_session_set_disconnect_message(m_ssh.get(), m_disconnectMessage.constData());
        ssh_disconnect(m_ssh.get());
        // ssh_disconnect freed the session's channels.
        static_cast<void>(m_channel.release());
        m_ssh.reset();
    } else if (m_socket >= 0) {
        ::close(m_socket);
    }
    m_socket = -1;
    Q_EMIT finished();
}

} // namespace keystead
