#include "CollectConnection.h"

#include <QSocketNotifier>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

QString withNewline(const QString &text)
{
    return text.endsWith(u'\n') ? text : text + u'\n';
}

} // namespace

CollectConnection::CollectConnection(CollectGate &gate, const CollectServerConfig &config, ssh_bind bind, int socket,
                                     const QHostAddress &peer, QObject *parent)
    : QObject(parent)
    , m_gate(gate)
    , m_config(config)
    , m_bind(bind)
    , m_socket(socket)
    , m_peer(peer)
{
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, &CollectConnection::onDeadline);
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
    // Without TCP_NODELAY the client's small writes wait for delayed ACKs,
    // about 40 ms several times per login.
    const int noDelay = 1;
    ::setsockopt(m_socket, IPPROTO_TCP, TCP_NODELAY, &noDelay, sizeof noDelay);

    m_ssh.reset(ssh_new());
    if (!m_ssh) {
        teardown();
        return false;
    }
    if (ssh_bind_accept_fd(m_bind, m_ssh.get(), m_socket) != SSH_OK) {
        if (ssh_get_fd(m_ssh.get()) != m_socket) {
            ::close(m_socket);
            m_socket = -1;
        }
        teardown();
        return false;
    }
    // libssh's non-blocking mode still writes with send(): only a
    // non-blocking socket guarantees that a client that never reads cannot
    // stall the server's thread.
    const int flags = ::fcntl(m_socket, F_GETFL);
    if (flags < 0 || ::fcntl(m_socket, F_SETFL, flags | O_NONBLOCK) < 0) {
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
    teardown();
}

// --- driving libssh -------------------------------------------------------

void CollectConnection::drive()
{
    if (!m_event || m_insideLibssh || m_phase == Phase::Finished)
        return;
    m_insideLibssh = true;
    const int polled = ssh_event_dopoll(m_event.get(), 0);
    m_insideLibssh = false;
    if (polled == SSH_AGAIN) {
        if (++m_idlePolls > kMaxIdlePolls)
            m_endDue = true;
    } else {
        m_idlePolls = 0;
    }
    afterLibssh(polled == SSH_ERROR);
}

void CollectConnection::afterLibssh(bool pollFailed)
{
    if (m_phase == Phase::Finished)
        return;
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
        say(u"No answer in time: the keys were not kept."_s);
        static_cast<void>(report(ConnectionOutcome::Abandoned)); // a failure is logged by report()
        endChannel(1);
        afterLibssh(false);
        break;
    case Phase::Handshake: // the login grace is over
    case Phase::Admitted: // no terminal asked for in time
    case Phase::Closing: // the client did not go
    case Phase::Finished: teardown(); break;
    }
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
    m_phase = Phase::Finished;
    m_deadline.stop();
    // The notifiers go before libssh closes their socket.
    m_readNotifier.reset();
    m_writeNotifier.reset();
    static_cast<void>(report(ConnectionOutcome::Abandoned)); // a failure is logged by report()
    if (m_event && m_ssh)
        ssh_event_remove_session(m_event.get(), m_ssh.get());
    m_event.reset();
    m_channel.reset();
    if (m_ssh) {
        ssh_disconnect(m_ssh.get());
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
    if (self->countAttempt())
        self->identify(QString::fromUtf8(user));
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
    const QByteArray blob = libssh::publicKeyBlob(key);
    // A probe and the signature that follows it are one attempt.
    const bool signsTheProbe = signatureState == SSH_PUBLICKEY_STATE_VALID && !blob.isEmpty() && blob == m_lastProbe;
    if (!signsTheProbe) {
        if (!countAttempt())
            return SSH_AUTH_DENIED;
        ++m_keysOffered;
    }
    if (!open(user) || blob.isEmpty())
        return SSH_AUTH_DENIED;

    if (signatureState == SSH_PUBLICKEY_STATE_NONE) {
        // A key we could not record is not worth a signature.
        if (!SshPublicKey::fromBlob(blob).ok())
            return SSH_AUTH_DENIED;
        m_lastProbe = blob;
        return SSH_AUTH_SUCCESS; // PK_OK: the client signs next
    }
    if (signatureState != SSH_PUBLICKEY_STATE_VALID)
        return SSH_AUTH_DENIED; // no proof of possession
    m_lastProbe.clear();

    Result<SshPublicKey> proven = SshPublicKey::fromBlob(blob);
    if (!proven)
        return SSH_AUTH_DENIED;
    if (m_keys.contains(proven.value())) {
        // OpenSSH starts its list again after a partial success: every key was seen.
        admit();
        return SSH_AUTH_SUCCESS;
    }
    if (m_keysOffered > m_config.maxAuthAttempts) {
        m_keyLimitReached = true;
        admit();
        return SSH_AUTH_SUCCESS;
    }
    if (Status recorded = m_gate.keyProven(m_connectionId, proven.value()); !recorded) {
        m_sessionProblem = recorded.error().message;
        admit();
        return SSH_AUTH_SUCCESS;
    }
    m_keys.append(proven.value());
    if (!m_session->multiKey) {
        admit();
        return SSH_AUTH_SUCCESS;
    }
    return SSH_AUTH_PARTIAL; // the client offers its next key
}

int CollectConnection::keyboardInteractive(ssh_message message)
{
    // We never send keyboard-interactive prompts, so no answer is expected.
    if (ssh_message_auth_kbdint_is_response(message) || !countAttempt())
        return 1;
    if (!open(QString::fromUtf8(ssh_message_auth_user(message))))
        return 1;
    // The client turned to another method: its keys have run out.
    admit();
    ssh_message_auth_reply_success(message, 0);
    return 0;
}

bool CollectConnection::identify(const QString &user)
{
    if (m_identified) {
        // As sshd does: one connection, one user.
        if (user != m_username) {
            m_endDue = true;
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
    if (banner)
        ssh_send_issue_banner(m_ssh.get(), banner.get());
}

bool CollectConnection::countAttempt()
{
    ++m_attempts;
    if (m_attempts > m_config.maxAuthAttempts + kAttemptSlack) {
        m_endDue = true;
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
    Q_EMIT authenticated();
}

int CollectConnection::onMessage(ssh_session, ssh_message message, void *userdata)
{
    auto *self = static_cast<CollectConnection *>(userdata);
    if (ssh_message_type(message) == SSH_REQUEST_AUTH) {
        if (ssh_message_subtype(message) == SSH_AUTH_METHOD_INTERACTIVE && !self->m_authenticated)
            return self->keyboardInteractive(message);
        self->countAttempt();
    }
    // Everything else gets libssh's default answer: a refusal for passwords,
    // forwarding (tcpip-forward, direct-tcpip), x11, other channel types
    // and requests. 1 asks libssh to send it.
    return 1;
}

// --- the session channel --------------------------------------------------

ssh_channel CollectConnection::onChannelOpen(ssh_session, void *userdata)
{
    return static_cast<CollectConnection *>(userdata)->openChannel();
}

ssh_channel CollectConnection::openChannel()
{
    if (!m_authenticated || m_channel || m_phase != Phase::Admitted)
        return nullptr;
    ssh_channel channel = ssh_channel_new(m_ssh.get());
    if (!channel)
        return nullptr;
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
    return channel;
}

int CollectConnection::onPtyRequest(ssh_session, ssh_channel channel, const char *, int, int, int, int, void *userdata)
{
    auto *self = static_cast<CollectConnection *>(userdata);
    if (channel != self->m_channel.get() || self->m_terminalStarted)
        return -1;
    // No terminal exists here: the flag only changes line endings and makes
    // a single key press the answer.
    self->m_pty = true;
    return 0;
}

int CollectConnection::onShellRequest(ssh_session, ssh_channel channel, void *userdata)
{
    auto *self = static_cast<CollectConnection *>(userdata);
    return channel == self->m_channel.get() && self->acceptTerminalRequest() ? 0 : -1;
}

int CollectConnection::onExecRequest(ssh_session, ssh_channel channel, const char *, void *userdata)
{
    // The command is never run: the client gets the same dialog as a shell.
    auto *self = static_cast<CollectConnection *>(userdata);
    return channel == self->m_channel.get() && self->acceptTerminalRequest() ? 0 : -1;
}

int CollectConnection::onSubsystemRequest(ssh_session, ssh_channel, const char *, void *)
{
    return -1;
}

int CollectConnection::onEnvRequest(ssh_session, ssh_channel, const char *, const char *, void *)
{
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
    // Input may come before the prompt (`echo y | ssh ...`): kept, up to one
    // answer's length, and read once the prompt is out. The rest is dropped.
    if (channel == self->m_channel.get() && !isStderr && self->m_line.size() <= kMaxAnswerLine)
        self->m_line += QByteArray(static_cast<const char *>(data),
                                   qsizetype(qMin<uint32_t>(length, uint32_t(kMaxAnswerLine + 1))));
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
    if (channel == self->m_channel.get())
        self->m_endDue = true;
}

// --- the dialog -----------------------------------------------------------

void CollectConnection::startDialog()
{
    if (m_phase != Phase::Admitted || !m_channel)
        return;
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
    if (ssh_channel_write(m_channel.get(), bytes.constData(), uint32_t(bytes.size())) == SSH_ERROR)
        m_endDue = true;
}

void CollectConnection::endChannel(int exitStatus)
{
    m_phase = Phase::Closing;
    if (m_channel) {
        ssh_channel_request_send_exit_status(m_channel.get(), exitStatus);
        ssh_channel_send_eof(m_channel.get());
        ssh_channel_close(m_channel.get());
    } else {
        m_endDue = true;
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

} // namespace keystead
