#include "CollectConnection.h"

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

namespace {

// After our exit status and close, how long the client may take to go.
constexpr int kLingerMs = 5000;
// Connection identifiers are short; anything longer is not worth a look-up.
constexpr qsizetype kMaxUsernameLength = 128;
// Without a terminal the answer is a line: one this long is no "y".
constexpr qsizetype kMaxAnswerLine = 256;
// Authentication requests beyond the keys a connection may offer: the "none"
// that asks for the methods, the key past the cap that lets the client in,
// a few failed signatures. A client past that is cut off.
constexpr int kAttemptSlack = 16;
// Read activations in a row in which libssh found nothing to do: a socket
// libssh no longer watches but that stays readable; end it rather than spin.
constexpr int kMaxIdlePolls = 64;
// Byte counts reach the recorder at most this often while a connection is busy.
constexpr int kTrafficIntervalMs = 250;
// Input past this much per channel is counted but not kept in the trail: the
// dialog reads one answer, and a client pouring data in must not fill the store.
constexpr qsizetype kMaxRecordedInput = 64 * 1024;
// Requests (channel requests, global requests, channel opens) kept in one
// trail; past it a client that keeps asking is refused as before, unrecorded.
constexpr int kMaxRecordedRequests = 256;
// What the client is told when an operator ends its connection; who asked
// stays in the trail, not on the user's screen.
constexpr char kTerminatedMessage[] = "The connection was terminated by an operator";
constexpr char kStoppingMessage[] = "The server is stopping";

// Text a client sent, made safe to show on a terminal or store.
QString printable(const QString &text, qsizetype maxLength)
{
    QString shown;
    shown.reserve(qMin(text.size(), maxLength));
    for (const QChar c : text) {
        if (shown.size() >= maxLength)
            break;
        shown += (c.isPrint() && c != u'\x7f') ? c : u'?';
    }
    return shown;
}

// A variable a shell could export: a short name of letters, digits and
// underscores, a value of reasonable length.
bool isRealisticEnvironment(const char *name, const char *value)
{
    constexpr size_t kMaxNameLength = 64;
    constexpr size_t kMaxValueLength = 1024;
    if (!name || !value || name[0] == '\0' || (name[0] >= '0' && name[0] <= '9'))
        return false;
    size_t length = 0;
    for (; name[length] != '\0'; ++length) {
        const char c = name[length];
        const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!allowed || length >= kMaxNameLength)
            return false;
    }
    return ::strnlen(value, kMaxValueLength + 1) <= kMaxValueLength;
}

QString withNewline(const QString &text)
{
    return text.endsWith(u'\n') ? text : text + u'\n';
}

// Trail events outside any channel.
QString connectionChannel()
{
    return u"connection"_s;
}

QString fromLibssh(const char *text, qsizetype maxLength = 255)
{
    return text ? printable(QString::fromUtf8(text), maxLength) : QString();
}

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

QString methodName(int method)
{
    switch (method) {
    case SSH_AUTH_METHOD_NONE: return u"none"_s;
    case SSH_AUTH_METHOD_PASSWORD: return u"password"_s;
    case SSH_AUTH_METHOD_PUBLICKEY: return u"publickey"_s;
    case SSH_AUTH_METHOD_HOSTBASED: return u"hostbased"_s;
    case SSH_AUTH_METHOD_INTERACTIVE: return u"keyboard-interactive"_s;
    case SSH_AUTH_METHOD_GSSAPI_MIC: return u"gssapi-with-mic"_s;
    default: return u"unknown"_s;
    }
}

QString channelTypeName(int type)
{
    switch (type) {
    case SSH_CHANNEL_SESSION: return u"session"_s;
    case SSH_CHANNEL_DIRECT_TCPIP: return u"direct-tcpip"_s;
    case SSH_CHANNEL_FORWARDED_TCPIP: return u"forwarded-tcpip"_s;
    case SSH_CHANNEL_X11: return u"x11"_s;
    case SSH_CHANNEL_AUTH_AGENT: return u"auth-agent@openssh.com"_s;
    default: return u"unknown"_s;
    }
}

QString channelRequestName(int request)
{
    switch (request) {
    case SSH_CHANNEL_REQUEST_PTY: return u"pty-req"_s;
    case SSH_CHANNEL_REQUEST_EXEC: return u"exec"_s;
    case SSH_CHANNEL_REQUEST_SHELL: return u"shell"_s;
    case SSH_CHANNEL_REQUEST_ENV: return u"env"_s;
    case SSH_CHANNEL_REQUEST_SUBSYSTEM: return u"subsystem"_s;
    case SSH_CHANNEL_REQUEST_WINDOW_CHANGE: return u"window-change"_s;
    case SSH_CHANNEL_REQUEST_X11: return u"x11-req"_s;
    default: return u"unknown"_s;
    }
}

QString globalRequestName(int request)
{
    switch (request) {
    case SSH_GLOBAL_REQUEST_TCPIP_FORWARD: return u"tcpip-forward"_s;
    case SSH_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD: return u"cancel-tcpip-forward"_s;
    case SSH_GLOBAL_REQUEST_KEEPALIVE: return u"keepalive@openssh.com"_s;
    default: return u"unknown"_s;
    }
}

// The offered key as the trail shows it: type, fingerprint as ssh-keygen -l prints it.
QJsonObject keyDetail(ssh_key key, bool proven)
{
    return QJsonObject{{u"algorithm"_s, fromLibssh(ssh_key_type_to_char(ssh_key_type(key)))},
                       {u"fingerprint"_s, libssh::sha256Fingerprint(key)},
                       {u"proven"_s, proven}};
}

// "ssh-ed25519 AAAA...", the public key line of an offered key.
QByteArray keyLine(ssh_key key, const QByteArray &blob)
{
    const char *type = ssh_key_type_to_char(ssh_key_type(key));
    return QByteArray(type ? type : "unknown") + ' ' + blob.toBase64();
}

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

// --- authentication -------------------------------------------------------

int CollectConnection::onAuthNone(ssh_session, const char *user, void *userdata)
{
    auto *self = static_cast<CollectConnection *>(userdata);
    self->sendUserauthBanner();
    if (self->countAttempt()) {
        const QString name = QString::fromUtf8(user);
        self->identify(name);
        self->recordAuth(u"none"_s, name, u"failure"_s);
    }
    return SSH_AUTH_DENIED;
}

int CollectConnection::onAuthPubkey(ssh_session, const char *user, ssh_key_struct *key, char signatureState,
                                    void *userdata)
{
    return static_cast<CollectConnection *>(userdata)->authPubkey(QString::fromUtf8(user), key, signatureState);
}

int CollectConnection::authPubkey(const QString &user, ssh_key key, char signatureState)
{
    if (m_authenticated)
        return SSH_AUTH_DENIED;
    sendUserauthBanner();
    const QByteArray blob = libssh::publicKeyBlob(key);
    // A probe and the signature that follows it are one attempt.
    const bool signsTheProbe = signatureState == SSH_PUBLICKEY_STATE_VALID && !blob.isEmpty() && blob == m_lastProbe;
    if (!signsTheProbe) {
        if (!countAttempt())
            return SSH_AUTH_DENIED;
        ++m_keysOffered;
        if (m_recorder)
            record(connectionChannel(), u"key-offered"_s, keyLine(key, blob), keyDetail(key, false));
    }
    const QString method = u"publickey"_s;
    const auto fingerprint = [key] { return QJsonObject{{u"fingerprint"_s, libssh::sha256Fingerprint(key)}}; };
    if (!open(user) || blob.isEmpty()) {
        recordAuth(method, user, u"failure"_s, m_recorder ? fingerprint() : QJsonObject());
        return SSH_AUTH_DENIED;
    }

    if (signatureState == SSH_PUBLICKEY_STATE_NONE) {
        // A key we could not record is not worth a signature.
        if (!SshPublicKey::fromBlob(blob).ok()) {
            recordAuth(method, user, u"failure"_s, m_recorder ? fingerprint() : QJsonObject());
            return SSH_AUTH_DENIED;
        }
        m_lastProbe = blob;
        return SSH_AUTH_SUCCESS; // PK_OK: the client signs next
    }
    if (signatureState != SSH_PUBLICKEY_STATE_VALID) {
        // No proof of possession.
        if (m_recorder) {
            QJsonObject detail = fingerprint();
            detail.insert(u"signature"_s, u"invalid"_s);
            recordAuth(method, user, u"failure"_s, detail);
        }
        return SSH_AUTH_DENIED;
    }
    m_lastProbe.clear();
    if (m_recorder)
        record(connectionChannel(), u"key-proven"_s, keyLine(key, blob), keyDetail(key, true));

    // Every answer from here on follows a proof of possession: the method counts.
    if (!m_authMethods.contains(u"PUBLICKEY"_s))
        m_authMethods.append(u"PUBLICKEY"_s);
    const auto letIn = [&] {
        recordAuth(method, user, u"success"_s, m_recorder ? fingerprint() : QJsonObject());
        admit();
        return SSH_AUTH_SUCCESS;
    };
    Result<SshPublicKey> proven = SshPublicKey::fromBlob(blob);
    if (!proven) {
        recordAuth(method, user, u"failure"_s, m_recorder ? fingerprint() : QJsonObject());
        return SSH_AUTH_DENIED;
    }
    if (m_keys.contains(proven.value())) {
        // OpenSSH starts its list again after a partial success: every key was seen.
        return letIn();
    }
    if (m_keysOffered > m_config.maxAuthAttempts) {
        m_keyLimitReached = true;
        return letIn();
    }
    if (Status recorded = m_gate.keyProven(m_connectionId, proven.value()); !recorded) {
        m_sessionProblem = recorded.error().message;
        return letIn();
    }
    m_keys.append(proven.value());
    if (!m_session->multiKey)
        return letIn();
    recordAuth(method, user, u"partial"_s, m_recorder ? fingerprint() : QJsonObject());
    return SSH_AUTH_PARTIAL; // the client offers its next key
}

int CollectConnection::keyboardInteractive(ssh_message message)
{
    // We never send keyboard-interactive prompts, so no answer is expected.
    if (ssh_message_auth_kbdint_is_response(message) || !countAttempt())
        return 1;
    const QString user = QString::fromUtf8(ssh_message_auth_user(message));
    const QString method = u"keyboard-interactive"_s;
    if (!open(user)) {
        recordAuth(method, user, u"failure"_s);
        return 1;
    }
    // The client turned to another method: its keys have run out.
    m_authMethods.append(u"KEYBOARD_INTERACTIVE"_s);
    recordAuth(method, user, u"success"_s);
    admit();
    ssh_message_auth_reply_success(message, 0);
    return 0;
}

bool CollectConnection::identify(const QString &user)
{
    if (m_identified) {
        // As sshd does: one connection, one user.
        if (user != m_username) {
            endSoon(u"user name changed during authentication"_s);
            return false;
        }
        return m_session.has_value();
    }
    m_identified = true;
    m_username = user;
    if (!user.isEmpty() && user.size() <= kMaxUsernameLength)
        m_session = m_gate.openSession(user);
    if (!m_session) {
        refuseUnknown();
        return false;
    }
    if (!m_session->sshBanner.isEmpty())
        sendBanner(m_session->sshBanner);
    return true;
}

bool CollectConnection::open(const QString &user)
{
    if (!identify(user))
        return false;
    if (!m_connectionId.isEmpty())
        return true;
    const char *banner = ssh_get_clientbanner(m_ssh.get());
    const QString clientVersion = printable(QString::fromUtf8(banner ? banner : ""), 255);
    Result<QString> opened = m_gate.connectionOpened(m_session->id, m_peer.toString(), clientVersion);
    if (!opened) {
        // Completed, expired or deleted since the look-up.
        m_session.reset();
        refuseUnknown();
        return false;
    }
    m_connectionId = opened.value();
    return true;
}

void CollectConnection::refuseUnknown()
{
    // Keys offered to no session are never asked to be signed.
    ssh_set_auth_methods(m_ssh.get(), SSH_AUTH_METHOD_PUBLICKEY);
    sendBanner(u"no open collect session by that name (\"%1\")"_s.arg(printable(m_username, 64)));
}

void CollectConnection::sendBanner(const QString &text)
{
    const QByteArray bytes = withNewline(text).toUtf8();
    const libssh::StringPtr banner(ssh_string_from_char(bytes.constData()));
    if (banner && ssh_send_issue_banner(m_ssh.get(), banner.get()) == SSH_OK)
        record(connectionChannel(), u"banner"_s, bytes);
}

void CollectConnection::sendUserauthBanner()
{
    if (m_userauthBannerSent)
        return;
    m_userauthBannerSent = true;
    if (!m_config.userauthBanner.isEmpty())
        sendBanner(m_config.userauthBanner);
}

bool CollectConnection::applyAlgorithms()
{
    // Both directions get the same list: a policy has one per kind.
    const auto set = [this](const QStringList &names, std::initializer_list<ssh_options_e> options) {
        if (names.isEmpty())
            return true;
        const QByteArray list = names.join(u',').toLatin1();
        for (const ssh_options_e option : options) {
            if (ssh_options_set(m_ssh.get(), option, list.constData()) != SSH_OK) {
                qWarning("collect: libssh refused the policy's algorithms \"%s\"", list.constData());
                return false;
            }
        }
        return true;
    };
    const SshAlgorithms &algorithms = m_config.algorithms;
    return set(algorithms.cipher, {SSH_OPTIONS_CIPHERS_C_S, SSH_OPTIONS_CIPHERS_S_C})
        && set(algorithms.kex, {SSH_OPTIONS_KEY_EXCHANGE})
        && set(algorithms.mac, {SSH_OPTIONS_HMAC_C_S, SSH_OPTIONS_HMAC_S_C})
        && set(algorithms.compression, {SSH_OPTIONS_COMPRESSION_C_S, SSH_OPTIONS_COMPRESSION_S_C});
}

bool CollectConnection::disconnectIfStrict(const QString &what)
{
    if (!m_config.strictMode)
        return false;
    const QString reason = u"strict mode: %1 is not allowed"_s.arg(what);
    endSoon(reason);
    if (m_disconnectMessage.isEmpty())
        m_disconnectMessage = reason.toUtf8();
    return true;
}

bool CollectConnection::countAttempt()
{
    ++m_attempts;
    if (m_attempts > m_config.maxAuthAttempts + kAttemptSlack) {
        endSoon(u"too many authentication attempts"_s);
        return false;
    }
    return true;
}

void CollectConnection::admit()
{
    if (m_authenticated)
        return;
    m_authenticated = true;
    m_phase = Phase::Admitted;
    m_deadline.start(m_config.idleTimeoutMs);
    if (m_recorder && !m_recordId.isEmpty() && m_session)
        m_recorder->authenticated(m_recordId, m_username, m_session->id, m_authMethods);
    Q_EMIT authenticated();
}

int CollectConnection::onMessage(ssh_session, ssh_message message, void *userdata)
{
    return static_cast<CollectConnection *>(userdata)->otherRequest(message);
}

int CollectConnection::otherRequest(ssh_message message)
{
    const int subtype = ssh_message_subtype(message);
    bool disconnecting = false;
    switch (ssh_message_type(message)) {
    case SSH_REQUEST_AUTH:
        if (!m_authenticated)
            sendUserauthBanner();
        if (subtype == SSH_AUTH_METHOD_INTERACTIVE && !m_authenticated)
            return keyboardInteractive(message);
        // The method's name only: a password request carries the password.
        if (countAttempt())
            recordAuth(methodName(subtype), QString::fromUtf8(ssh_message_auth_user(message)), u"failure"_s);
        break;
    case SSH_REQUEST_CHANNEL_OPEN: {
        QJsonObject detail{{u"type"_s, channelTypeName(subtype)}, {u"accepted"_s, false}};
        if (subtype == SSH_CHANNEL_DIRECT_TCPIP) {
            detail.insert(u"destination"_s, fromLibssh(ssh_message_channel_request_open_destination(message)));
            detail.insert(u"port"_s, ssh_message_channel_request_open_destination_port(message));
        }
        recordRequest(connectionChannel(), u"forward-new-channel-request"_s, detail);
        disconnecting = disconnectIfStrict(u"a %1 channel"_s.arg(channelTypeName(subtype)));
        break;
    }
    case SSH_REQUEST_CHANNEL: {
        const bool ours = m_channel && ssh_message_channel_request_channel(message) == m_channel.get();
        recordRequest(ours ? m_channelId : connectionChannel(), u"forward-request"_s,
                      {{u"request"_s, channelRequestName(subtype)}, {u"accepted"_s, false}});
        // What a terminal session sends on its own is refused as before, never punished.
        if (subtype != SSH_CHANNEL_REQUEST_PTY && subtype != SSH_CHANNEL_REQUEST_SHELL
            && subtype != SSH_CHANNEL_REQUEST_EXEC && subtype != SSH_CHANNEL_REQUEST_WINDOW_CHANGE
            && subtype != SSH_CHANNEL_REQUEST_ENV)
            disconnecting = disconnectIfStrict(u"a %1 request"_s.arg(channelRequestName(subtype)));
        break;
    }
    case SSH_REQUEST_GLOBAL: {
        QJsonObject detail{{u"request"_s, globalRequestName(subtype)}, {u"accepted"_s, false}};
        if (subtype == SSH_GLOBAL_REQUEST_TCPIP_FORWARD || subtype == SSH_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD) {
            detail.insert(u"address"_s, fromLibssh(ssh_message_global_request_address(message)));
            detail.insert(u"port"_s, ssh_message_global_request_port(message));
        }
        recordRequest(connectionChannel(), u"forward-global-request"_s, detail);
        if (subtype != SSH_GLOBAL_REQUEST_KEEPALIVE)
            disconnecting = disconnectIfStrict(u"a %1 request"_s.arg(globalRequestName(subtype)));
        break;
    }
    default: break;
    }
    // Everything else gets libssh's default answer: a refusal for passwords,
    // forwarding (tcpip-forward, direct-tcpip), x11, other channel types
    // and requests. 1 asks libssh to send it. A client being disconnected
    // gets no answer (0): a refusal first would let OpenSSH's
    // ExitOnForwardFailure quit before it reads why it was cut off.
    return disconnecting ? 0 : 1;
}

// --- the session channel --------------------------------------------------

ssh_channel CollectConnection::onChannelOpen(ssh_session, void *userdata)
{
    return static_cast<CollectConnection *>(userdata)->openChannel();
}

ssh_channel CollectConnection::openChannel()
{
    const auto refuse = [this] {
        recordRequest(connectionChannel(), u"forward-new-channel-request"_s,
                      {{u"type"_s, u"session"_s}, {u"accepted"_s, false}});
        return nullptr;
    };
    if (!m_authenticated || m_channel || m_phase != Phase::Admitted)
        return refuse();
    ssh_channel channel = ssh_channel_new(m_ssh.get());
    if (!channel)
        return refuse();
    m_channelCallbacks.size = sizeof m_channelCallbacks;
    m_channelCallbacks.userdata = this;
    m_channelCallbacks.channel_data_function = &CollectConnection::onChannelData;
    m_channelCallbacks.channel_eof_function = &CollectConnection::onChannelEof;
    m_channelCallbacks.channel_close_function = &CollectConnection::onChannelClose;
    m_channelCallbacks.channel_pty_request_function = &CollectConnection::onPtyRequest;
    m_channelCallbacks.channel_shell_request_function = &CollectConnection::onShellRequest;
    m_channelCallbacks.channel_exec_request_function = &CollectConnection::onExecRequest;
    m_channelCallbacks.channel_subsystem_request_function = &CollectConnection::onSubsystemRequest;
    m_channelCallbacks.channel_env_request_function = &CollectConnection::onEnvRequest;
    ssh_set_channel_callbacks(channel, &m_channelCallbacks);
    m_channel.reset(channel);
    m_channelId = QString::number(m_channelsOpened++);
    record(m_channelId, u"channel-open"_s, {}, {{u"type"_s, u"session"_s}});
    return channel;
}

int CollectConnection::onPtyRequest(ssh_session, ssh_channel channel, const char *term, int width, int height, int, int,
                                    void *userdata)
{
    auto *self = static_cast<CollectConnection *>(userdata);
    // No terminal exists here: the flag only changes line endings and makes
    // a single key press the answer.
    const bool accepted = channel == self->m_channel.get() && !self->m_terminalStarted;
    if (accepted)
        self->m_pty = true;
    self->recordRequest(self->m_channelId, u"forward-request"_s,
                        {{u"request"_s, u"pty-req"_s},
                         {u"term"_s, fromLibssh(term, 64)},
                         {u"columns"_s, width},
                         {u"rows"_s, height},
                         {u"accepted"_s, accepted}});
    return accepted ? 0 : -1;
}

int CollectConnection::onShellRequest(ssh_session, ssh_channel channel, void *userdata)
{
    auto *self = static_cast<CollectConnection *>(userdata);
    const bool accepted = channel == self->m_channel.get() && self->acceptTerminalRequest();
    self->recordRequest(self->m_channelId, u"forward-request"_s,
                        {{u"request"_s, u"shell"_s}, {u"accepted"_s, accepted}});
    return accepted ? 0 : -1;
}

int CollectConnection::onExecRequest(ssh_session, ssh_channel channel, const char *command, void *userdata)
{
    // The command is never run: the client gets the same dialog as a shell.
    auto *self = static_cast<CollectConnection *>(userdata);
    const bool accepted = channel == self->m_channel.get() && self->acceptTerminalRequest();
    self->recordRequest(
        self->m_channelId, u"forward-request"_s,
        {{u"request"_s, u"exec"_s}, {u"command"_s, fromLibssh(command, 1024)}, {u"accepted"_s, accepted}});
    return accepted ? 0 : -1;
}

int CollectConnection::onSubsystemRequest(ssh_session, ssh_channel, const char *subsystem, void *userdata)
{
    auto *self = static_cast<CollectConnection *>(userdata);
    self->recordRequest(
        self->m_channelId, u"forward-request"_s,
        {{u"request"_s, u"subsystem"_s}, {u"subsystem"_s, fromLibssh(subsystem, 64)}, {u"accepted"_s, false}});
    self->disconnectIfStrict(u"a subsystem request"_s);
    return -1;
}

int CollectConnection::onEnvRequest(ssh_session, ssh_channel, const char *name, const char *value, void *userdata)
{
    // The name only: values may be anything the user's shell exports.
    auto *self = static_cast<CollectConnection *>(userdata);
    self->recordRequest(self->m_channelId, u"forward-request"_s,
                        {{u"request"_s, u"env"_s}, {u"name"_s, fromLibssh(name, 64)}, {u"accepted"_s, false}});
    // Debian's ssh_config sends LANG and LC_* with every session: strict mode
    // refuses those like any env request and cuts only what no shell exports.
    if (!isRealisticEnvironment(name, value))
        self->disconnectIfStrict(u"an unrealistic env request"_s);
    return -1;
}

bool CollectConnection::acceptTerminalRequest()
{
    if (m_terminalStarted || m_phase != Phase::Admitted)
        return false;
    m_terminalStarted = true;
    // Written once libssh has sent the request's success reply.
    m_dialogDue = true;
    return true;
}

int CollectConnection::onChannelData(ssh_session, ssh_channel channel, void *data, uint32_t length, int isStderr,
                                     void *userdata)
{
    auto *self = static_cast<CollectConnection *>(userdata);
    const char *bytes = static_cast<const char *>(data);
    if (channel == self->m_channel.get() && self->m_recorder) {
        self->m_channelIn += qint64(length);
        const qsizetype kept = qsizetype(qMin<qint64>(qint64(length), kMaxRecordedInput - self->m_inputRecorded));
        if (kept > 0) {
            self->m_inputRecorded += kept;
            self->record(self->m_channelId, isStderr ? u"stderr"_s : u"stdin"_s, QByteArray(bytes, kept));
        }
    }
    // Input may come before the prompt (`echo y | ssh ...`): kept, up to one
    // answer's length, and read once the prompt is out. The rest is dropped.
    if (channel == self->m_channel.get() && !isStderr && self->m_line.size() <= kMaxAnswerLine)
        self->m_line += QByteArray(bytes, qsizetype(qMin<uint32_t>(length, uint32_t(kMaxAnswerLine + 1))));
    return int(qMin<uint32_t>(length, uint32_t(INT_MAX)));
}

std::optional<ConnectionOutcome> CollectConnection::answerSoFar() const
{
    if (m_pty) {
        // A terminal answers with a single key press.
        if (!m_line.isEmpty())
            return (m_line.at(0) == 'y' || m_line.at(0) == 'Y') ? ConnectionOutcome::Kept : ConnectionOutcome::Declined;
    } else {
        // Without one, a line: "y" and Enter.
        const qsizetype newline = m_line.indexOf('\n');
        if (newline >= 0) {
            const QByteArray answer = m_line.left(newline).trimmed().toLower();
            return (answer == "y" || answer == "yes") ? ConnectionOutcome::Kept : ConnectionOutcome::Declined;
        }
        if (m_line.size() > kMaxAnswerLine)
            return ConnectionOutcome::Declined;
    }
    // End of input is a "no"; waiting for a key that cannot come would hang.
    if (m_inputEnded)
        return ConnectionOutcome::Declined;
    return std::nullopt;
}

void CollectConnection::onChannelEof(ssh_session, ssh_channel channel, void *userdata)
{
    auto *self = static_cast<CollectConnection *>(userdata);
    if (channel == self->m_channel.get())
        self->m_inputEnded = true;
}

void CollectConnection::onChannelClose(ssh_session, ssh_channel channel, void *userdata)
{
    auto *self = static_cast<CollectConnection *>(userdata);
    // Either the answer to our close, or a client going away mid-dialog
    // (reported as abandoned by the teardown).
    if (channel == self->m_channel.get()) {
        self->recordChannelClose(u"client"_s);
        self->endSoon(u"client closed"_s);
    }
}

// --- the dialog -----------------------------------------------------------

void CollectConnection::startDialog()
{
    if (m_phase != Phase::Admitted || !m_channel)
        return;
    if (!m_config.greeting.isEmpty())
        say(m_config.greeting);
    if (!m_sessionProblem.isEmpty()) {
        qInfo("collect: connection %s: %s", qPrintable(m_connectionId), qPrintable(m_sessionProblem));
        say(u"This collect session no longer accepts keys: nothing more was recorded."_s);
        static_cast<void>(report(ConnectionOutcome::Abandoned)); // a failure is logged by report()
        endChannel(1);
        return;
    }
    if (m_keys.isEmpty()) {
        say(u"No key was offered with proof of possession: nothing was collected."_s);
        static_cast<void>(report(ConnectionOutcome::Kept)); // a failure is logged by report()
        endChannel(1);
        return;
    }
    for (const SshPublicKey &key : std::as_const(m_keys))
        say(u"Collected %1 key %2"_s.arg(key.typeLabel(), key.fingerprintSha256()));
    if (m_keyLimitReached)
        say(u"Only the first %1 keys were collected."_s.arg(m_keys.size()));
    if (m_session->mustConfirm) {
        m_phase = Phase::Confirming;
        write(m_pty ? "Press y to keep these keys, any other key to discard them: "
                    : "Type y and press Enter to keep these keys, anything else discards them: ");
        return;
    }
    conclude(ConnectionOutcome::Kept);
}

void CollectConnection::conclude(ConnectionOutcome outcome)
{
    const bool confirming = m_phase == Phase::Confirming;
    if (confirming && m_pty) {
        // The client's terminal is raw: nobody else echoes the key.
        const char pressed = m_line.isEmpty() ? '\0' : m_line.at(0);
        write((pressed >= 0x20 && pressed < 0x7f ? QByteArray(1, pressed) : QByteArray()) + "\r\n");
    }
    int exitStatus = 0;
    const Status reported = report(outcome);
    if (outcome == ConnectionOutcome::Kept) {
        if (!reported) {
            say(u"The keys could not be kept (the collect session may have ended meanwhile)."_s);
            exitStatus = 1;
        } else if (confirming) {
            say(u"Confirmed: the keys were kept."_s);
        }
    } else {
        // Declining is an answer the user chose, not a failure: the dialog ends
        // normally (exit status 0), as the issue's flow has it.
        say(u"The keys were discarded."_s);
        exitStatus = outcome == ConnectionOutcome::Declined ? 0 : 1;
    }
    if (!m_session->sshMessage.isEmpty())
        say(m_session->sshMessage);
    endChannel(exitStatus);
}

void CollectConnection::say(const QString &text)
{
    QString normalized = withNewline(text);
    normalized.replace(u"\r\n"_s, u"\n"_s);
    // With a pty the client's terminal is raw: a bare newline would not return the cursor.
    if (m_pty)
        normalized.replace(u"\n"_s, u"\r\n"_s);
    write(normalized.toUtf8());
}

void CollectConnection::write(const QByteArray &bytes)
{
    if (!m_channel || bytes.isEmpty())
        return;
    if (ssh_channel_write(m_channel.get(), bytes.constData(), uint32_t(bytes.size())) == SSH_ERROR) {
        endSoon(u"connection error"_s);
        return;
    }
    if (m_recorder) {
        m_channelOut += bytes.size();
        record(m_channelId, u"stdout"_s, bytes);
    }
}

void CollectConnection::endChannel(int exitStatus)
{
    m_phase = Phase::Closing;
    if (m_channel) {
        m_exitStatus = exitStatus;
        ssh_channel_request_send_exit_status(m_channel.get(), exitStatus);
        ssh_channel_send_eof(m_channel.get());
        ssh_channel_close(m_channel.get());
        recordChannelClose(u"server"_s);
    } else {
        endSoon(u"session ended"_s);
    }
    m_deadline.start(kLingerMs);
}

Status CollectConnection::report(ConnectionOutcome outcome)
{
    if (m_reported || m_connectionId.isEmpty())
        return {};
    m_reported = true;
    Status closed = m_gate.connectionClosed(m_connectionId, outcome);
    if (!closed)
        qWarning("collect: closing connection %s failed: %s", qPrintable(m_connectionId),
                 qPrintable(closed.error().message));
    return closed;
}

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
