#include "HostKeyStore.h"

#include "common/Clock.h"
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

const QString kColumns = u"key, address, port, type, value, fingerprint, origin, added_at"_s;
const QString kDriftColumns = u"id, host_key, address, port, type, trusted_fingerprint, seen_fingerprint,"
                              " seen_value, detected_at, acknowledged_at"_s;

using sql::text;

Error invalid(const QString &message, const QString &location, const QVariant &value = {})
{
    Error error = Error::invalid(message, location);
    if (value.isValid())
        error.details.insert(u"value"_s, value);
    return error;
}

Error hostKeyNotFound(const QString &key)
{
    Error error = Error::notFound(u"There is no trusted host key %1"_s.arg(key));
    error.details.insert(u"id"_s, key);
    return error;
}

TrustedHostKey keyFromRow(const QSqlQuery &row)
{
    TrustedHostKey key;
    key.key = row.value(0).toString();
    key.address = row.value(1).toString();
    key.port = row.value(2).toInt();
    key.type = row.value(3).toString();
    key.value = row.value(4).toString();
    key.fingerprint = row.value(5).toString();
    key.origin = row.value(6).toString();
    key.addedAt = sql::fromStoreTime(row.value(7));
    return key;
}

HostKeyDrift driftFromRow(const QSqlQuery &row)
{
    HostKeyDrift drift;
    drift.id = row.value(0).toLongLong();
    drift.hostKey = row.value(1).toString();
    drift.address = row.value(2).toString();
    drift.port = row.value(3).toInt();
    drift.type = row.value(4).toString();
    drift.trustedFingerprint = row.value(5).toString();
    drift.seenFingerprint = row.value(6).toString();
    drift.seenValue = row.value(7).toString();
    drift.detectedAt = sql::fromStoreTime(row.value(8));
    if (!row.value(9).isNull() && !row.value(9).toString().isEmpty())
        drift.acknowledgedAt = sql::fromStoreTime(row.value(9));
    return drift;
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
    QStringList where{u"1 = 1"_s};
    QVariantList bindings;
    if (!filter.type.isEmpty()) {
        if (!knownTypes().contains(filter.type))
            return invalid(u"The type filter must be one of: %1"_s.arg(knownTypes().join(u", "_s)), u"filter.type"_s,
                           filter.type);
        where.append(u"type = ?"_s);
        bindings.append(filter.type);
    }
    if (filter.port) {
        if (*filter.port < 1 || *filter.port > 65535)
            return invalid(u"The port filter must be between 1 and 65535"_s, u"filter.port"_s, *filter.port);
        where.append(u"port = ?"_s);
        bindings.append(*filter.port);
    }
    if (!filter.address.isEmpty()) {
        Result<QString> address = canonicalAddress(filter.address);
        if (!address) {
            Error error = address.error();
            error.location = u"filter.address"_s;
            return error;
        }
        where.append(u"address = ?"_s);
        bindings.append(*address);
    }
    QSqlDatabase db = m_database.connection();
    Result<QSqlQuery> rows
        = sql::exec(db, u"SELECT "_s + kColumns + u" FROM host_keys WHERE "_s + where.join(u" AND "_s), bindings);
    if (!rows)
        return rows.error();
    QList<TrustedHostKey> keys;
    while (rows->next())
        keys.append(keyFromRow(rows.value()));
    // Sorted here, not by the database: PostgreSQL's locale collation would order ids unlike SQLite.
    std::sort(keys.begin(), keys.end(), [](const TrustedHostKey &a, const TrustedHostKey &b) { return a.key < b.key; });
    return keys;
}

Result<TrustedHostKey> HostKeyStore::find(const QString &key) const
{
    QSqlDatabase db = m_database.connection();
    Result<QSqlQuery> rows = sql::exec(db, u"SELECT "_s + kColumns + u" FROM host_keys WHERE key = ?"_s, {key});
    if (!rows)
        return rows.error();
    if (!rows->next())
        return hostKeyNotFound(key);
    return keyFromRow(rows.value());
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
        // ON CONFLICT keeps the first key when two instances add the same id at once.
        Result<QSqlQuery> inserted
            = sql::exec(db,
                        u"INSERT INTO host_keys ("_s + kColumns
                            + u") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING key"_s,
                        {key.key, key.address, key.port, key.type, key.value, text(key.fingerprint), key.origin,
                         sql::toStoreTime(key.addedAt)});
        if (!inserted)
            return inserted.error();
        if (!inserted->next()) {
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
        Result<QSqlQuery> rows = sql::exec(db, u"DELETE FROM host_keys WHERE key = ? RETURNING "_s + kColumns, {key});
        if (!rows)
            return rows.error();
        if (!rows->next())
            return hostKeyNotFound(key);
        removed = keyFromRow(rows.value());
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
            Result<QSqlQuery> inserted = sql::exec(
                db,
                u"INSERT INTO host_key_drifts (host_key, address, port, type, trusted_fingerprint, seen_fingerprint,"
                " seen_value, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (host_key, trusted_fingerprint, seen_fingerprint) DO NOTHING RETURNING id"_s,
                {drift.hostKey, drift.address, drift.port, drift.type, drift.trustedFingerprint, drift.seenFingerprint,
                 drift.seenValue, sql::toStoreTime(drift.detectedAt)});
            if (!inserted)
                return inserted.error();
            if (!inserted->next())
                continue;
            drift.id = inserted->value(0).toLongLong();
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
    QSqlDatabase db = m_database.connection();
    Result<QSqlQuery> rows = sql::exec(
        db,
        u"SELECT "_s + kDriftColumns + u" FROM host_key_drifts"_s
            + (includeAcknowledged ? QString() : u" WHERE acknowledged_at IS NULL"_s)
            + u" ORDER BY CASE WHEN acknowledged_at IS NULL THEN 0 ELSE 1 END, detected_at DESC, id DESC"_s);
    if (!rows)
        return rows.error();
    QList<HostKeyDrift> all;
    while (rows->next())
        all.append(driftFromRow(rows.value()));
    return all;
}

Status HostKeyStore::acknowledgeDrift(qint64 driftId, const Actor &actor)
{
    QString hostKey;
    QSqlDatabase db = m_database.connection();
    const Status written = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<QSqlQuery> found
            = sql::exec(db, u"SELECT host_key, acknowledged_at FROM host_key_drifts WHERE id = ?"_s, {driftId});
        if (!found)
            return found.error();
        if (!found->next()) {
            Error error = Error::notFound(u"There is no host key drift %1"_s.arg(driftId));
            error.details.insert(u"id"_s, QString::number(driftId));
            return error;
        }
        hostKey = found->value(0).toString();
        if (!found->value(1).isNull() && !found->value(1).toString().isEmpty())
            return {}; // acknowledging twice changes nothing
        Result<QSqlQuery> updated = sql::exec(db, u"UPDATE host_key_drifts SET acknowledged_at = ? WHERE id = ?"_s,
                                              {sql::toStoreTime(m_clock.now()), driftId});
        if (!updated)
            return updated.error();
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
            Result<QSqlQuery> existing = sql::exec(db, u"SELECT fingerprint FROM host_keys WHERE key = ?"_s, {key.key});
            if (!existing)
                return existing.error();
            if (existing->next()) {
                if (existing->value(0).toString() == key.fingerprint) {
                    ++report.alreadyTrusted;
                } else {
                    // Never replaced by an import: a changed key is an operator's decision.
                    ++report.skippedInvalid;
                    report.problems.append(
                        u"line %1: %2 is trusted with another key (%3); not replaced"_s.arg(candidate.line)
                            .arg(key.key, existing->value(0).toString()));
                }
                continue;
            }
            if (seenInText.contains(key.key))
                continue;
            seenInText.insert(key.key);
            Result<QSqlQuery> inserted
                = sql::exec(db, u"INSERT INTO host_keys ("_s + kColumns + u") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"_s,
                            {key.key, key.address, key.port, key.type, key.value, key.fingerprint, key.origin,
                             sql::toStoreTime(key.addedAt)});
            if (!inserted)
                return inserted.error();
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
