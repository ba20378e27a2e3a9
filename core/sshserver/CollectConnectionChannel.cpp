#include "CollectConnection.h"

#include "sshserver/CollectConnectionSupport.h"
#include "sshserver/ConnectionRecorder.h"

#include <cstring>

using namespace Qt::StringLiterals;

namespace keystead {

using namespace collectconnection;

namespace {

// After our exit status and close, how long the client may take to go.
constexpr int kLingerMs = 5000;
// Without a terminal the answer is a line: one this long is no "y".
constexpr qsizetype kMaxAnswerLine = 256;
// Input past this much per channel is counted but not kept in the trail: the
// dialog reads one answer, and a client pouring data in must not fill the store.
constexpr qsizetype kMaxRecordedInput = 64 * 1024;

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

} // namespace

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
        // normally (exit status 0), as the flow has it.
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

} // namespace keystead
