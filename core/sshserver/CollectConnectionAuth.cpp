#include "CollectConnection.h"

#include "sshserver/CollectConnectionSupport.h"
#include "sshserver/ConnectionRecorder.h"

using namespace Qt::StringLiterals;

namespace keystead {

using namespace collectconnection;

namespace {

// Authentication requests beyond the keys a connection may offer: the "none"
// that asks for the methods, the key past the cap that lets the client in,
// a few failed signatures. A client past that is cut off.
constexpr int kAttemptSlack = 16;

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

} // namespace keystead
