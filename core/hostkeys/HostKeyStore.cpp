#include "HostKeyStore.h"

#include "common/Clock.h"
#include "hostkeys/HostKeyRepository.h"
#include "ssh/NativeHandles.h"
#include "ssh/SshPublicKey.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QSqlError>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <arpa/inet.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <utility>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

const QString kSubjectKind = u"ssh_host_key"_s;
constexpr qsizetype kMaxValueLength = 64 * 1024; // base64 of a large certificate fits
constexpr qsizetype kMaxAddressLength = 253;
constexpr qsizetype kMaxKnownHostsLines = 100'000;

Error invalid(const QString &message, const QString &location, const QVariant &value = {})
{
    Error error = Error::invalid(message, location);
    if (value.isValid())
        error.details.insert(u"value"_s, value);
    return error;
}

Result<QByteArray> strictBase64(const QString &value, const QString &location)
{
    if (value.trimmed().isEmpty())
        return invalid(u"The key value is empty"_s, location);
    if (value.size() > kMaxValueLength)
        return invalid(u"The key value is longer than %1 characters"_s.arg(kMaxValueLength), location);
    const QByteArray::FromBase64Result decoded
        = QByteArray::fromBase64Encoding(value.trimmed().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.isEmpty())
        return invalid(u"The key value is not base64"_s, location);
    return decoded.decoded;
}

Status checkCertificate(const QString &type, const QByteArray &der, const QString &location)
{
    const auto *cursor = reinterpret_cast<const unsigned char *>(der.constData());
    const openssl::OpenSslPtr<X509> certificate(d2i_X509(nullptr, &cursor, der.size()));
    if (!certificate || cursor != reinterpret_cast<const unsigned char *>(der.constData()) + der.size())
        return invalid(u"The value is not a DER encoded X.509 certificate"_s, location);
    const EVP_PKEY *key = X509_get0_pubkey(certificate.get());
    const int wanted = type == u"x509v3-sign-rsa"_s ? EVP_PKEY_RSA : EVP_PKEY_DSA;
    if (!key || EVP_PKEY_get_base_id(key) != wanted)
        return invalid(u"The certificate's key is not a %1 key"_s.arg(wanted == EVP_PKEY_RSA ? u"RSA"_s : u"DSA"_s),
                       location);
    return {};
}

bool isValidHostName(const QString &name)
{
    static const QRegularExpression label(u"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"_s);
    static const QRegularExpression digits(u"^[0-9]+$"_s);
    if (name.isEmpty() || name.size() > kMaxAddressLength)
        return false;
    const QStringList labels = name.split(u'.');
    for (const QString &part : labels) {
        if (!label.match(part).hasMatch())
            return false;
    }
    // An all-digit last label is a mistyped IPv4 address ("10.0.0.256"), not a name.
    return !digits.match(labels.constLast()).hasMatch();
}

QString knownHostsName(const TrustedHostKey &key)
{
    if (key.port == 22)
        return key.address;
    return u"[%1]:%2"_s.arg(key.address).arg(key.port);
}

// "host", "[host]:port": the address and port a known_hosts name stands for.
std::optional<std::pair<QString, int>> splitKnownHostsName(const QString &name)
{
    if (!name.startsWith(u'['))
        return std::pair{name, 22};
    const qsizetype close = name.indexOf(u"]:"_s);
    if (close < 0)
        return std::nullopt;
    bool ok = false;
    const int port = name.mid(close + 2).toInt(&ok);
    if (!ok)
        return std::nullopt;
    return std::pair{name.mid(1, close - 1), port};
}

} // namespace

HostKeyStore::HostKeyStore(Database &database, const Clock &clock, AuditLog &audit, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_clock(clock)
    , m_audit(audit)
{
}

QStringList HostKeyStore::knownTypes()
{
    return {
        u"ssh-ed25519"_s, u"ecdsa-sha2-nistp256"_s, u"ecdsa-sha2-nistp384"_s, u"ecdsa-sha2-nistp521"_s, u"ssh-rsa"_s,
        u"ssh-dss"_s,     u"x509v3-sign-rsa"_s,     u"x509v3-sign-dss"_s};
}

bool HostKeyStore::isSshType(const QString &type)
{
    return knownTypes().contains(type) && !type.startsWith(u"x509v3-"_s);
}

QString HostKeyStore::keyId(const QString &type, const QString &canonicalAddress, int port)
{
    return u"%1-%2:%3"_s.arg(type, canonicalAddress).arg(port);
}

Result<QString> HostKeyStore::canonicalAddress(const QString &address)
{
    QString given = address.trimmed();
    if (given.startsWith(u'[') && given.endsWith(u']'))
        given = given.mid(1, given.size() - 2);
    if (given.isEmpty())
        return invalid(u"The address is empty"_s, u"address"_s);
    if (given.size() > kMaxAddressLength)
        return invalid(u"The address is longer than %1 characters"_s.arg(kMaxAddressLength), u"address"_s, given);
    const QByteArray latin = given.toLatin1();
    if (given.contains(u':')) {
        in6_addr v6{};
        if (inet_pton(AF_INET6, latin.constData(), &v6) != 1)
            return invalid(u"The address %1 is not a valid IPv6 address"_s.arg(given), u"address"_s, given);
        char buffer[INET6_ADDRSTRLEN] = {};
        if (!inet_ntop(AF_INET6, &v6, buffer, sizeof buffer))
            return Error::internal(u"cannot print an IPv6 address"_s);
        // glibc prints RFC 5952 form: lower case, the longest run of zero groups shortened.
        return QString::fromLatin1(buffer);
    }
    in_addr v4{};
    if (inet_pton(AF_INET, latin.constData(), &v4) == 1) {
        char buffer[INET_ADDRSTRLEN] = {};
        if (!inet_ntop(AF_INET, &v4, buffer, sizeof buffer))
            return Error::internal(u"cannot print an IPv4 address"_s);
        return QString::fromLatin1(buffer);
    }
    const QString name = given.toLower();
    const QString withoutDot = name.endsWith(u'.') ? name.chopped(1) : name;
    if (!isValidHostName(withoutDot))
        return invalid(u"The address %1 is neither an IP address nor a valid host name"_s.arg(given), u"address"_s,
                       given);
    return withoutDot;
}

Status HostKeyStore::checkValue(const QString &type, const QString &value, QString *fingerprint)
{
    const QString location = u"type.value"_s;
    if (!knownTypes().contains(type))
        return invalid(u"The key type must be one of: %1"_s.arg(knownTypes().join(u", "_s)), u"type.selection"_s, type);
    Result<QByteArray> bytes = strictBase64(value, location);
    if (!bytes)
        return bytes.error();
    if (!isSshType(type))
        return checkCertificate(type, *bytes, location);
    Result<SshPublicKey> key = SshPublicKey::fromBlob(*bytes);
    if (!key)
        return invalid(u"The value is not a %1 key: %2"_s.arg(type, key.error().message), location);
    if (key->algorithm() != type)
        return invalid(u"The value is a %1 key, not a %2 key"_s.arg(key->algorithm(), type), location);
    if (fingerprint)
        *fingerprint = key->fingerprintSha256();
    return {};
}

Result<QList<TrustedHostKey>> HostKeyStore::list(const HostKeyFilter &filter) const
{
    if (!filter.type.isEmpty() && !knownTypes().contains(filter.type))
        return invalid(u"The type filter must be one of: %1"_s.arg(knownTypes().join(u", "_s)), u"filter.type"_s,
                       filter.type);
    if (filter.port && (*filter.port < 1 || *filter.port > 65535))
        return invalid(u"The port filter must be between 1 and 65535"_s, u"filter.port"_s, *filter.port);
    HostKeyFilter checked = filter;
    if (!filter.address.isEmpty()) {
        Result<QString> address = canonicalAddress(filter.address);
        if (!address) {
            Error error = address.error();
            error.location = u"filter.address"_s;
            return error;
        }
        checked.address = *address;
    }
    return hostkeyrepo::selectKeys(m_database.connection(), checked);
}

Result<TrustedHostKey> HostKeyStore::find(const QString &key) const
{
    return hostkeyrepo::selectKey(m_database.connection(), key);
}

Result<TrustedHostKey> HostKeyStore::add(const HostKeyInput &input, const Actor &actor)
{
    if (input.port < 1 || input.port > 65535)
        return invalid(u"The port must be between 1 and 65535"_s, u"port"_s, input.port);
    Result<QString> address = canonicalAddress(input.address);
    if (!address)
        return address.error();
    QString fingerprint;
    if (Status checked = checkValue(input.type, input.value, &fingerprint); !checked)
        return checked.error();
    if (!QStringList{u"api"_s, u"scan"_s, u"known_hosts"_s, u"console"_s}.contains(input.origin))
        return invalid(u"The origin must be api, scan, known_hosts or console"_s, u"origin"_s, input.origin);

    TrustedHostKey key;
    key.address = *address;
    key.port = input.port;
    key.type = input.type;
    key.value = input.value.trimmed();
    key.fingerprint = fingerprint;
    key.origin = input.origin;
    key.addedAt = m_clock.now();
    key.key = keyId(key.type, key.address, key.port);

    QSqlDatabase db = m_database.connection();
    const Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<bool> inserted = hostkeyrepo::insertKey(db, key);
        if (!inserted)
            return inserted.error();
        if (!*inserted) {
            Error error = Error::conflict(
                u"A host key with the id %1 is already trusted; delete it first to replace it"_s.arg(key.key));
            error.details.insert(u"id"_s, key.key);
            return error;
        }
        return m_audit.record(db, actor, u"hostkey.add"_s, kSubjectKind, key.key,
                              QJsonObject{{u"fingerprint"_s, key.fingerprint}, {u"origin"_s, key.origin}});
    });
    if (!written)
        return written.error();
    announce(ChangeSet::addedOne(QString(kTopic), key.key));
    return key;
}

Result<TrustedHostKey> HostKeyStore::remove(const QString &key, const Actor &actor)
{
    std::optional<TrustedHostKey> removed;
    QSqlDatabase db = m_database.connection();
    const Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<TrustedHostKey> deleted = hostkeyrepo::deleteKey(db, key);
        if (!deleted)
            return deleted.error();
        removed = *deleted;
        return m_audit.record(db, actor, u"hostkey.remove"_s, kSubjectKind, key,
                              QJsonObject{{u"fingerprint"_s, removed->fingerprint}});
    });
    if (!written)
        return written.error();
    announce(ChangeSet::removedOne(QString(kTopic), key));
    return *removed;
}

Result<ScanResult> HostKeyStore::compareScan(ScanResult scan, const Actor &actor)
{
    Result<QString> address = canonicalAddress(scan.address);
    if (!address)
        return address.error();
    scan.address = *address;
    Result<QList<TrustedHostKey>> trusted = list(HostKeyFilter{{}, scan.port, scan.address});
    if (!trusted)
        return trusted.error();

    QList<HostKeyDrift> candidates;
    for (ScannedHostKey &seen : scan.keys) {
        seen.trust = ScannedHostKey::Trust::New;
        seen.trustedFingerprint.clear();
        for (const TrustedHostKey &known : trusted.value()) {
            if (known.type != seen.type)
                continue;
            if (known.fingerprint == seen.fingerprint) {
                seen.trust = ScannedHostKey::Trust::Trusted;
            } else {
                seen.trust = ScannedHostKey::Trust::Changed;
                seen.trustedFingerprint = known.fingerprint;
                HostKeyDrift drift;
                drift.hostKey = known.key;
                drift.address = known.address;
                drift.port = known.port;
                drift.type = known.type;
                drift.trustedFingerprint = known.fingerprint;
                drift.seenFingerprint = seen.fingerprint;
                drift.seenValue = seen.value;
                drift.detectedAt = m_clock.now();
                candidates.append(drift);
            }
        }
    }
    if (candidates.isEmpty())
        return scan;

    QList<HostKeyDrift> recorded;
    QSqlDatabase db = m_database.connection();
    const Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        recorded.clear();
        for (HostKeyDrift drift : std::as_const(candidates)) {
            // Once per distinct key seen: a server that keeps its new key is not news at every scan.
            Result<std::optional<qint64>> inserted = hostkeyrepo::insertDrift(db, drift);
            if (!inserted)
                return inserted.error();
            if (!inserted->has_value())
                continue;
            drift.id = **inserted;
            if (Status audited = m_audit.record(db, actor, u"hostkey.drift"_s, kSubjectKind, drift.hostKey,
                                                QJsonObject{{u"drift_id"_s, QString::number(drift.id)},
                                                            {u"trusted_fingerprint"_s, drift.trustedFingerprint},
                                                            {u"seen_fingerprint"_s, drift.seenFingerprint}});
                !audited)
                return audited;
            recorded.append(drift);
        }
        return {};
    });
    if (!written)
        return written.error();
    for (const HostKeyDrift &drift : std::as_const(recorded)) {
        qWarning("host key drift: %s now offers %s, trusted is %s", qPrintable(drift.hostKey),
                 qPrintable(drift.seenFingerprint), qPrintable(drift.trustedFingerprint));
        Q_EMIT driftDetected(drift);
    }
    ChangeSet flagged{QString(kTopic), {}, {}, {}};
    for (const HostKeyDrift &drift : std::as_const(recorded)) {
        if (!flagged.changed.contains(drift.hostKey))
            flagged.changed.append(drift.hostKey);
    }
    if (!flagged.isEmpty())
        Q_EMIT changed(flagged);
    return scan;
}

Result<QList<HostKeyDrift>> HostKeyStore::drifts(bool includeAcknowledged) const
{
    return hostkeyrepo::selectDrifts(m_database.connection(), includeAcknowledged);
}

Status HostKeyStore::acknowledgeDrift(qint64 driftId, const Actor &actor)
{
    QString hostKey;
    QSqlDatabase db = m_database.connection();
    const Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<std::pair<QString, bool>> found = hostkeyrepo::selectDriftState(db, driftId);
        if (!found)
            return found.error();
        hostKey = found->first;
        if (found->second)
            return {}; // acknowledging twice changes nothing
        if (Status updated = hostkeyrepo::markDriftAcknowledged(db, driftId, m_clock.now()); !updated)
            return updated;
        return m_audit.record(db, actor, u"hostkey.drift.acknowledge"_s, kSubjectKind, hostKey,
                              QJsonObject{{u"drift_id"_s, QString::number(driftId)}});
    });
    if (written)
        announce(ChangeSet::changedOne(QString(kTopic), hostKey));
    return written;
}

Result<KnownHostsImport> HostKeyStore::importKnownHosts(const QString &text, const Actor &actor)
{
    KnownHostsImport report;
    struct Candidate
    {
        int line;
        TrustedHostKey key;
    };
    QList<Candidate> candidates;
    const QStringList lines = text.split(u'\n');
    if (lines.size() > kMaxKnownHostsLines)
        return invalid(u"The known_hosts text has more than %1 lines"_s.arg(kMaxKnownHostsLines), u"body"_s);
    static const QRegularExpression spaces(u"[ \\t]+"_s);
    for (qsizetype index = 0; index < lines.size(); ++index) {
        const int number = static_cast<int>(index + 1);
        const QString line = lines.at(index).trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        if (line.startsWith(u'@')) {
            ++report.skippedMarkers;
            continue;
        }
        const QStringList fields = line.split(spaces, Qt::SkipEmptyParts);
        if (fields.size() < 3) {
            ++report.skippedInvalid;
            report.problems.append(u"line %1: expected \"names type key\""_s.arg(number));
            continue;
        }
        const QString &type = fields.at(1);
        QString fingerprint;
        if (!isSshType(type)) {
            ++report.skippedInvalid;
            report.problems.append(u"line %1: the key type %2 is not one Keystead keeps"_s.arg(number).arg(type));
            continue;
        }
        if (Status checked = checkValue(type, fields.at(2), &fingerprint); !checked) {
            ++report.skippedInvalid;
            report.problems.append(u"line %1: %2"_s.arg(number).arg(checked.error().message));
            continue;
        }
        const QStringList names = fields.at(0).split(u',', Qt::SkipEmptyParts);
        for (const QString &name : names) {
            if (name.startsWith(u"|1|"_s)) {
                ++report.skippedHashed;
                continue;
            }
            if (name.contains(u'*') || name.contains(u'?') || name.startsWith(u'!')) {
                ++report.skippedInvalid;
                report.problems.append(u"line %1: the pattern %2 names no single host"_s.arg(number).arg(name));
                continue;
            }
            const std::optional<std::pair<QString, int>> split = splitKnownHostsName(name);
            Result<QString> address = split ? canonicalAddress(split->first) : Result<QString>(Error::invalid({}));
            if (!split || !address || split->second < 1 || split->second > 65535) {
                ++report.skippedInvalid;
                report.problems.append(u"line %1: %2 is not a host address"_s.arg(number).arg(name));
                continue;
            }
            TrustedHostKey key;
            key.address = *address;
            key.port = split->second;
            key.type = type;
            key.value = fields.at(2);
            key.fingerprint = fingerprint;
            key.origin = u"known_hosts"_s;
            key.addedAt = m_clock.now();
            key.key = keyId(key.type, key.address, key.port);
            candidates.append(Candidate{number, key});
        }
    }

    QSqlDatabase db = m_database.connection();
    const KnownHostsImport counted = report;
    int added = 0;
    QStringList addedIds;
    const Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        report = counted;
        added = 0;
        addedIds.clear();
        QSet<QString> seenInText;
        for (const Candidate &candidate : std::as_const(candidates)) {
            const TrustedHostKey &key = candidate.key;
            Result<std::optional<QString>> existing = hostkeyrepo::trustedFingerprint(db, key.key);
            if (!existing)
                return existing.error();
            if (const std::optional<QString> &trusted = *existing) {
                if (*trusted == key.fingerprint) {
                    ++report.alreadyTrusted;
                } else {
                    // Never replaced by an import: a changed key is an operator's decision.
                    ++report.skippedInvalid;
                    report.problems.append(
                        u"line %1: %2 is trusted with another key (%3); not replaced"_s.arg(candidate.line)
                            .arg(key.key, *trusted));
                }
                continue;
            }
            if (seenInText.contains(key.key))
                continue;
            seenInText.insert(key.key);
            Result<bool> inserted = hostkeyrepo::insertKey(db, key);
            if (!inserted)
                return inserted.error();
            if (!*inserted)
                return Error::conflict(
                    u"line %1: %2 was trusted meanwhile; import again"_s.arg(candidate.line).arg(key.key));
            ++added;
            addedIds.append(key.key);
        }
        report.added = added;
        return m_audit.record(db, actor, u"hostkey.import"_s, kSubjectKind, {},
                              QJsonObject{{u"added"_s, report.added},
                                          {u"already_trusted"_s, report.alreadyTrusted},
                                          {u"skipped_hashed"_s, report.skippedHashed},
                                          {u"skipped_invalid"_s, report.skippedInvalid},
                                          {u"skipped_markers"_s, report.skippedMarkers}});
    });
    if (!written)
        return written.error();
    if (report.added > 0)
        announce(ChangeSet{QString(kTopic), addedIds, {}, {}});
    return report;
}

void HostKeyStore::announce(const ChangeSet &changes)
{
    Q_EMIT changed(changes);
    Q_EMIT hostKeysChanged();
}

Result<QString> HostKeyStore::exportKnownHosts(const HostKeyFilter &filter) const
{
    Result<QList<TrustedHostKey>> keys = list(filter);
    if (!keys)
        return keys.error();
    QString text;
    for (const TrustedHostKey &key : keys.value()) {
        if (!isSshType(key.type))
            continue; // OpenSSH has no known_hosts form for X.509 host certificates
        text += knownHostsName(key) + u' ' + key.type + u' ' + key.value + u'\n';
    }
    return text;
}

} // namespace keystead
