#pragma once

#include "common/Result.h"

#include <QByteArray>
#include <QDateTime>
#include <QLatin1StringView>
#include <QMutex>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace keystead {

class Clock;
class ConnectionService;
class Database;
class SshSettingsService;
class Vault;

// The public half of the key that signs trail checkpoints.
struct TimestampingKey
{
    QString publicKey; // "ssh-ed25519 AAAA... keystead-trail-timestamping"
    QString fingerprint; // "SHA256:...", as ssh-keygen -l prints it
};

// Seed 004's audit.timestamping with selection "local": every signing_interval
// seconds Keystead signs the newest hash of each trail that grew since its last
// checkpoint, with its own Ed25519 key. A checkpoint is a row of
// trail_checkpoints (connection, sequence, head hash, signed_at, key fingerprint,
// signature); ConnectionService::checkTrail() checks a trail against them, so a
// trail rewritten and re-chained after a checkpoint no longer passes.
//
// The private key is made with OpenSSL on first use and sealed in the Vault
// (owner "timestamping"/"local", field "private_key"); its public half is kept
// in trail_timestamp_keys. With the vault unavailable nothing is signed and one
// warning per distinct cause is logged: never a key in plain.
//
// signNow(), poll() and publicKey() are safe from any thread; start() runs the
// timer in this object's thread.
class TrailTimestamper final : public QObject
{
    Q_OBJECT

public:
    TrailTimestamper(Database &database, const Clock &clock, Vault &vault, ConnectionService &connections,
                     QObject *parent = nullptr);
    ~TrailTimestamper() override;

    // Where signing_interval comes from; without one (tests) kDefaultIntervalSeconds.
    void setOptionsSource(SshSettingsService *settings);
    int signingIntervalSeconds() const;

    // The signing key's public half; makes the key when there is none yet.
    // Unavailable when the vault cannot be opened.
    Result<TimestampingKey> publicKey();

    // Signs every trail head not yet covered by a checkpoint (buffered trail
    // events are written first); how many checkpoints were made.
    Result<int> signNow();
    // Signs when signing_interval seconds have passed on the clock since the
    // last signing (at once the first time); how many checkpoints were made.
    Result<int> poll();
    // Calls poll() every `tickMs` milliseconds and once now.
    void start(int tickMs = 1000);

    // The exact bytes a checkpoint's signature covers.
    static QByteArray checkpointMessage(const QString &connectionId, qint64 sequence, const QString &headHex,
                                        qint64 signedAtMs);
    // Whether `signature` (raw Ed25519, 64 bytes) over `message` verifies under
    // `publicKeyLine` (an OpenSSH "ssh-ed25519 ..." line).
    static bool verifySignature(const QString &publicKeyLine, QByteArrayView message, QByteArrayView signature);

    static constexpr int kDefaultIntervalSeconds = 30;
    static constexpr QLatin1StringView kOwnerKind{"timestamping"};
    static constexpr QLatin1StringView kOwnerId{"local"};
    static constexpr QLatin1StringView kField{"private_key"};

Q_SIGNALS:
    // Checkpoints were written for these connections.
    void checkpointsSigned(const QStringList &connectionIds);

private:
    struct SigningKey;
    // m_mutex held.
    Status ensureKeyLocked();
    void warnOnce(const QString &message);

    Database &m_database;
    const Clock &m_clock;
    Vault &m_vault;
    ConnectionService &m_connections;
    // Read on every tick without m_mutex: a round may hold it while the vault waits for the keychain.
    std::atomic<SshSettingsService *> m_options = nullptr;
    // A round in progress: waiting for the keychain runs a nested event loop, whose timer
    // ticks must not start another round (m_mutex is not recursive).
    std::atomic<bool> m_roundRunning = false;
    // signing_interval as last read: poll() asks every tick, the store is read at most once a
    // minute (another instance's change) or when this process's settings service announces a change.
    mutable std::atomic<int> m_cachedIntervalSeconds = 0; // 0: read it
    mutable std::atomic<qint64> m_cachedIntervalAtMs = 0;
    QTimer *m_timer = nullptr;

    // Guards the members below; held while signing so two rounds never overlap.
    mutable QMutex m_mutex;
    std::unique_ptr<SigningKey> m_key;
    std::optional<qint64> m_lastRunMs; // monotonic clock reading of the last round
    QDateTime m_lastScanAt; // wall clock of the last round that read every candidate
    QString m_lastWarning;
};

} // namespace keystead
