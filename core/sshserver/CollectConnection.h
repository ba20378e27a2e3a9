#pragma once

#include "ssh/NativeHandles.h"
#include "sshserver/CollectGate.h"
#include "sshserver/CollectServerConfig.h"

#include <libssh/callbacks.h>

#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QStringList>
#include <QTimer>

#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QSocketNotifier;
QT_END_NAMESPACE

namespace keystead {

class ConnectionRecorder;

// One client of the collect server, from the accepted socket to the end: the
// key exchange, key collection with proof of possession, the terminal
// dialog, and the report to the gate. Lives in the server's thread and owns
// its ssh_session and its own ssh_event, which QSocketNotifiers on the
// session's socket drive: nothing here ever blocks.
//
// The flow. The username names the collect session. A key probe is answered
// so that the client signs; a signed request (libssh has verified the
// signature) records the key and is answered "partial success", so OpenSSH
// offers its next key. OpenSSH starts its list again after a partial
// success, so a proven key offered a second time means every key was seen:
// that request, or a client turning to keyboard-interactive, lets the client
// in. On the single session channel it gets one line per key, the prompt
// when the session wants a confirmation, the session's message, exit status.
//
// With a recorder, every connection is also reported as it happens, whether
// or not a collect session matches: the client's version, each key offered
// and proven, each authentication answer, banners, channel requests, what
// was written to the terminal and typed into it, the TCP byte counts (read
// from the kernel, since libssh does the socket I/O) and why it ended.
//
// The settings policy in its config (algorithms, identification, userauth
// banner, greeting, timeout, strict mode) is the one it was accepted with.
class CollectConnection final : public QObject
{
    Q_OBJECT

public:
    // Takes over `socket` (an accepted, connected TCP socket) and keeps a copy
    // of `config`. `recorder` may be null.
    CollectConnection(CollectGate &gate, const CollectServerConfig &config, ssh_bind bind, int socket,
                      const QHostAddress &peer, ConnectionRecorder *recorder, QObject *parent = nullptr);
    ~CollectConnection() override;
    CollectConnection(const CollectConnection &) = delete;
    CollectConnection &operator=(const CollectConnection &) = delete;

    // Sends the server's version line and starts the key exchange. On
    // failure the connection has finished (finished() was emitted).
    bool start();
    // Disconnects at once (the server is stopping).
    void abort();
    // Disconnects at once on an operator's request; `reason` goes into the trail.
    void terminate(const QString &reason);

    const QHostAddress &peer() const { return m_peer; }
    bool isAuthenticated() const { return m_authenticated; }
    // The recorder's id for this connection; empty without a recorder.
    const QString &recordId() const { return m_recordId; }

Q_SIGNALS:
    // The client passed authentication: it no longer counts as unauthenticated.
    void authenticated();
    // Every libssh object is freed; the owner deletes this object later.
    void finished();

private:
    enum class Phase {
        Handshake, // key exchange and authentication, under the login grace timer
        Admitted, // authenticated, waiting for the session channel and its shell/exec request
        Confirming, // the prompt is on the terminal, waiting for the answer
        Closing, // exit status, EOF and close sent; waiting for the client to go
        Finished,
    };

    // libssh callbacks (userdata is the connection).
    static int onAuthNone(ssh_session session, const char *user, void *userdata);
    static int onAuthPubkey(ssh_session session, const char *user, ssh_key_struct *key, char signatureState,
                            void *userdata);
    static ssh_channel onChannelOpen(ssh_session session, void *userdata);
    static int onMessage(ssh_session session, ssh_message message, void *userdata);
    static int onPtyRequest(ssh_session session, ssh_channel channel, const char *term, int width, int height,
                            int pixelWidth, int pixelHeight, void *userdata);
    static int onShellRequest(ssh_session session, ssh_channel channel, void *userdata);
    static int onExecRequest(ssh_session session, ssh_channel channel, const char *command, void *userdata);
    static int onSubsystemRequest(ssh_session session, ssh_channel channel, const char *subsystem, void *userdata);
    static int onEnvRequest(ssh_session session, ssh_channel channel, const char *name, const char *value,
                            void *userdata);
    static int onChannelData(ssh_session session, ssh_channel channel, void *data, uint32_t length, int isStderr,
                             void *userdata);
    static void onChannelEof(ssh_session session, ssh_channel channel, void *userdata);
    static void onChannelClose(ssh_session session, ssh_channel channel, void *userdata);

    int authPubkey(const QString &user, ssh_key key, char signatureState);
    int otherRequest(ssh_message message);
    int keyboardInteractive(ssh_message message);
    // Looks the username up once (and shows the session's banner); false
    // when the client must be refused.
    bool identify(const QString &user);
    // identify(), then records the connection with the gate on the client's
    // first real offer (a key, keyboard-interactive), so the panel shows it.
    bool open(const QString &user);
    void refuseUnknown();
    void sendBanner(const QString &text);
    // The policy's userauth banner, once, before the first answer to an authentication request.
    void sendUserauthBanner();
    // The policy's algorithms on the accepted session, before the key exchange.
    bool applyAlgorithms();
    // Strict mode: disconnects a client that asked for `what` (ended once
    // libssh has returned). False when not strict: the request is only refused.
    bool disconnectIfStrict(const QString &what);
    // Counts one authentication attempt; false once the client is over the cap.
    bool countAttempt();
    void admit();
    ssh_channel openChannel();
    bool acceptTerminalRequest();
    // The user's answer once the input holds one.
    std::optional<ConnectionOutcome> answerSoFar() const;

    // Driving libssh.
    void drive();
    void afterLibssh(bool pollFailed);
    void updateWriteNotifier();
    void onDeadline();
    // Ends as soon as libssh has returned; the first reason given is the one recorded.
    void endSoon(const QString &reason);
    void setCloseReason(const QString &reason);

    // The dialog on the terminal.
    void startDialog();
    void conclude(ConnectionOutcome outcome);
    void say(const QString &text);
    void write(const QByteArray &bytes);
    void endChannel(int exitStatus);
    // Tells the gate how the connection ended, once; nothing when it never opened.
    Status report(ConnectionOutcome outcome);

    void teardown();

    // The trail. Nothing happens without a recorder.
    void record(const QString &channelId, const QString &type, const QByteArray &data = {},
                const QJsonObject &detail = {});
    void recordClientVersion();
    void recordAuth(const QString &method, const QString &user, const QString &result, const QJsonObject &extra = {});
    // A request the client made (channel, global, channel open); capped per connection.
    void recordRequest(const QString &channelId, const QString &type, const QJsonObject &detail);
    void recordChannelClose(const QString &initiator);
    // Reads the kernel's byte counts while libssh still holds the socket open.
    void sampleTraffic();
    void reportTraffic();
    QString inferredCloseReason() const;
    static QString phaseName(Phase phase);

    CollectGate &m_gate;
    const CollectServerConfig m_config;
    ssh_bind m_bind;
    int m_socket;
    QHostAddress m_peer;

    // Declared so that the channel goes before the event and the session.
    libssh::SessionPtr m_ssh;
    libssh::EventPtr m_event;
    libssh::ChannelPtr m_channel;
    ssh_server_callbacks_struct m_serverCallbacks{};
    ssh_channel_callbacks_struct m_channelCallbacks{};
    std::unique_ptr<QSocketNotifier> m_readNotifier;
    std::unique_ptr<QSocketNotifier> m_writeNotifier;
    QTimer m_deadline;

    Phase m_phase = Phase::Handshake;
    bool m_insideLibssh = false;
    int m_idlePolls = 0;
    bool m_authenticated = false;

    // Authentication.
    bool m_identified = false;
    bool m_userauthBannerSent = false;
    QString m_username;
    std::optional<OpenCollectSession> m_session;
    QString m_connectionId; // set once the gate recorded the connection
    bool m_reported = false;
    int m_attempts = 0; // authentication requests (a probe and its signature count once)
    int m_keysOffered = 0; // of which key offers
    QByteArray m_lastProbe;
    QList<SshPublicKey> m_keys;
    bool m_keyLimitReached = false;
    QString m_sessionProblem; // the gate stopped accepting keys: why

    // The terminal.
    bool m_pty = false;
    bool m_terminalStarted = false;
    QByteArray m_line; // the client's input, up to one answer's length
    bool m_inputEnded = false;

    // Set inside libssh callbacks, acted on once libssh has returned.
    bool m_dialogDue = false;
    bool m_endDue = false; // teardown as soon as libssh has returned
    QString m_closeReason; // in operator words; empty until something decides the end
    QByteArray m_disconnectMessage; // what the client is told; the reason when empty

    // Reporting.
    ConnectionRecorder *m_recorder;
    QString m_recordId;
    bool m_clientVersionRecorded = false;
    int m_requestsRecorded = 0;
    QStringList m_authMethods; // the methods that got somewhere (partial or full success)
    int m_channelsOpened = 0; // the next channel's id
    QString m_channelId; // of m_channel
    bool m_channelCloseRecorded = false;
    int m_exitStatus = -1; // sent on the channel; -1 before
    qint64 m_channelIn = 0; // payload bytes on m_channel
    qint64 m_channelOut = 0;
    qint64 m_inputRecorded = 0; // of m_channelIn, what the trail holds
    qint64 m_bytesIn = 0; // TCP, as the kernel counts them
    qint64 m_bytesOut = 0;
    qint64 m_reportedIn = -1;
    qint64 m_reportedOut = -1;
    qint64 m_reportedChannelIn = -1;
    qint64 m_reportedChannelOut = -1;
    QTimer m_trafficTimer; // at most one traffic report per interval
};

} // namespace keystead
