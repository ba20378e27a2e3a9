#pragma once

#include "audit/AuditLog.h"
#include "common/ChangeSet.h"
#include "common/Result.h"
#include "hostkeys/HostKeyRecords.h"

#include <QObject>

namespace keystead {

class Clock;
class Database;

// Trusted host keys of the servers operators reach, and the drift a re-scan
// finds. Values are checked against their type (an ssh-ed25519 value must be an
// Ed25519 blob); ssh-dss and x509v3 kinds are kept as given (base64 checked).
// Every write is audited. Safe to call from any thread.
//
// Errors: InvalidInput with `location` ("address", "port", "type", "type.value",
// "filter.port", ...), NotFound, Conflict (the key id is taken).
class HostKeyStore final : public QObject
{
    Q_OBJECT

public:
    HostKeyStore(Database &database, const Clock &clock, AuditLog &audit, QObject *parent = nullptr);

    Result<QList<TrustedHostKey>> list(const HostKeyFilter &filter = {}) const;
    Result<TrustedHostKey> find(const QString &key) const;
    Result<TrustedHostKey> add(const HostKeyInput &input, const Actor &actor);
    Result<TrustedHostKey> remove(const QString &key, const Actor &actor);

    // Marks each scanned key New / Trusted / Changed against the trusted ones,
    // records a drift (once per distinct seen key) for every Changed one, and
    // emits driftDetected. Never changes a trusted key.
    Result<ScanResult> compareScan(ScanResult scan, const Actor &actor);
    // Unacknowledged first, newest first.
    Result<QList<HostKeyDrift>> drifts(bool includeAcknowledged = false) const;
    Status acknowledgeDrift(qint64 driftId, const Actor &actor);

    Result<KnownHostsImport> importKnownHosts(const QString &text, const Actor &actor);
    // One line per trusted SSH key: "[addr]:port type value" ("addr type value" for port 22).
    Result<QString> exportKnownHosts(const HostKeyFilter &filter = {}) const;

    // The canonical address (IPv6 per RFC 5952, names lower case), or an error.
    static Result<QString> canonicalAddress(const QString &address);
    static QString keyId(const QString &type, const QString &canonicalAddress, int port);
    static QStringList knownTypes();
    // The SSH key types (every known type but the x509v3 kinds).
    static bool isSshType(const QString &type);
    // Checks that `value` (base64) is a `type` key (or, for x509v3 kinds, a DER
    // certificate with such a key); `fingerprint` receives SHA256:... for SSH types.
    static Status checkValue(const QString &type, const QString &value, QString *fingerprint = nullptr);

    // The topic of changed(): ids are trusted key ids (TrustedHostKey::key).
    static constexpr QLatin1StringView kTopic{"hostkeys.trusted"};

Q_SIGNALS:
    // Which trusted keys a write added, removed or changed; a key whose drift
    // appeared or was acknowledged is "changed". Emitted from the writing thread.
    void changed(const keystead::ChangeSet &changes);
    // Argument-less form of changed(), for whoever only needs to know that
    // something did (the drift banner).
    void hostKeysChanged();
    void driftDetected(const keystead::HostKeyDrift &drift);

private:
    void announce(const ChangeSet &changes);

    Database &m_database;
    const Clock &m_clock;
    AuditLog &m_audit;
};

} // namespace keystead
