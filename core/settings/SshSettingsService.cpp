#include "settings/SshSettingsService.h"

#include "common/Clock.h"
#include "settings/SshAlgorithmSupport.h"
#include "settings/SshSettingsRepository.h"
#include "store/Database.h"
#include "store/Sql.h"

#include <QJsonArray>
#include <QSet>
#include <QUuid>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

constexpr int kMaxNameLength = 128;
constexpr qsizetype kMaxTextBytes = 4096;
constexpr int kMaxTimeoutSeconds = 86400;
constexpr int kMaxSoftwareVersionLength = 200;
constexpr int kMaxLogLevel = 7;
constexpr int kMaxCleanupDays = 36500;
constexpr int kMinSigningInterval = 10;
constexpr int kMaxSigningInterval = 86400;

Error invalidAt(const QString &location, const QString &message)
{
    return Error::invalid(message, location);
}

Error wrongType(const QString &location, const QString &expected)
{
    return invalidAt(location, u"%1 must be %2"_s.arg(location, expected));
}

QJsonObject algorithmsToJson(const SshAlgorithms &algorithms)
{
    return QJsonObject{
        {u"cipher"_s, QJsonArray::fromStringList(algorithms.cipher)},
        {u"compression"_s, QJsonArray::fromStringList(algorithms.compression)},
        {u"kex"_s, QJsonArray::fromStringList(algorithms.kex)},
        {u"mac"_s, QJsonArray::fromStringList(algorithms.mac)},
    };
}

Result<QStringList> stringList(const QJsonValue &value, const QString &location)
{
    if (!value.isArray())
        return wrongType(location, u"an array of algorithm names"_s);
    QStringList names;
    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!array.at(i).isString())
            return wrongType(u"%1[%2]"_s.arg(location).arg(i), u"a string"_s);
        names.append(array.at(i).toString());
    }
    return names;
}

Result<SshAlgorithms> algorithmsFromJson(const QJsonValue &value, const QString &location)
{
    if (!value.isObject())
        return wrongType(location, u"an object with cipher, kex, mac and compression lists"_s);
    const QJsonObject object = value.toObject();
    SshAlgorithms algorithms;
    const std::array<std::pair<QString, QStringList *>, 4> lists{{
        {u"cipher"_s, &algorithms.cipher},
        {u"kex"_s, &algorithms.kex},
        {u"mac"_s, &algorithms.mac},
        {u"compression"_s, &algorithms.compression},
    }};
    for (const auto &[name, target] : lists) {
        const QString at = location + u'.' + name;
        if (!object.contains(name))
            return invalidAt(at, u"%1 is required"_s.arg(at));
        Result<QStringList> names = stringList(object.value(name), at);
        if (!names)
            return names.error();
        *target = std::move(names).value();
    }
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!QStringList{u"cipher"_s, u"kex"_s, u"mac"_s, u"compression"_s}.contains(it.key()))
            return invalidAt(location + u'.' + it.key(), u"unknown field %1.%2"_s.arg(location, it.key()));
    }
    return algorithms;
}

Status checkAlgorithms(const SshAlgorithms &algorithms, const QString &side, bool serverSide)
{
    const std::array<std::pair<QString, const QStringList *>, 4> lists{{
        {u"cipher"_s, &algorithms.cipher},
        {u"kex"_s, &algorithms.kex},
        {u"mac"_s, &algorithms.mac},
        {u"compression"_s, &algorithms.compression},
    }};
    for (const auto &[name, list] : lists) {
        const QString at = side + u'.' + name;
        if (list->isEmpty())
            return invalidAt(at, u"%1 needs at least one algorithm"_s.arg(at));
        QSet<QString> seen;
        for (qsizetype i = 0; i < list->size(); ++i) {
            if (seen.contains(list->at(i))) {
                Error error = invalidAt(u"%1[%2]"_s.arg(at).arg(i), u"%1 names %2 twice"_s.arg(at, list->at(i)));
                error.details.insert(u"value"_s, list->at(i));
                return error;
            }
            seen.insert(list->at(i));
        }
    }
    if (const std::optional<UnsupportedAlgorithm> unknown = firstUnsupported(algorithms, serverSide)) {
        const QString at = u"%1.%2[%3]"_s.arg(side, unknown->list).arg(unknown->index);
        Error error = invalidAt(at,
                                u"%1 is not an algorithm Keystead's SSH %2 can use (%3)"_s.arg(
                                    unknown->name, serverSide ? u"server"_s : u"client"_s, at));
        error.details.insert(u"value"_s, unknown->name);
        return error;
    }
    return {};
}

// RFC 4253 4.2: printable US-ASCII, no whitespace and no minus sign.
bool isSoftwareVersion(const QString &text)
{
    if (text.isEmpty() || text.size() > kMaxSoftwareVersionLength)
        return false;
    return std::all_of(text.begin(), text.end(), [](QChar c) {
        const char16_t u = c.unicode();
        return u > 0x20 && u < 0x7f && u != u'-';
    });
}

Error conflictOn(const QString &object, const QString &message)
{
    Error error = Error::conflict(message);
    error.details.insert(u"reason"_s, QString(SshSettingsService::kRevisionConflict));
    error.details.insert(u"id"_s, object);
    return error;
}

Result<SettingsPolicy> policyFromBody(const QString &key, const QJsonObject &body)
{
    Result<SettingsPolicy> policy = SshSettingsService::policyFromJson(body);
    if (!policy)
        return Error::internal(u"the stored policy %1 cannot be read: %2"_s.arg(key, policy.error().message));
    policy->key = key;
    return policy;
}

Result<SshOptions> readOptions(const QSqlDatabase &db)
{
    Result<std::optional<QJsonObject>> body
        = settingsrepo::selectOptions(db, QString(SshSettingsService::kOptionsObject));
    if (!body)
        return body.error();
    if (!body->has_value())
        return SshOptions{};
    return SshSettingsService::optionsFromJson(**body, SshOptions{});
}

Result<std::optional<SettingsPolicy>> readPolicy(const QSqlDatabase &db, const QString &key)
{
    Result<std::optional<QJsonObject>> body = settingsrepo::selectPolicy(db, key);
    if (!body)
        return body.error();
    if (!body->has_value())
        return std::optional<SettingsPolicy>();
    Result<SettingsPolicy> policy = policyFromBody(key, **body);
    if (!policy)
        return policy.error();
    return std::optional<SettingsPolicy>(std::move(policy).value());
}

} // namespace

SshSettingsService::SshSettingsService(Database &database, const Clock &clock, AuditLog &audit, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_clock(clock)
    , m_audit(audit)
{
}

// libssh 0.10's own server defaults, without the SHA-1 and CBC names it still
// accepts: what the collect server offered before policies existed.
SettingsPolicy SshSettingsService::defaultPolicy()
{
    SettingsPolicy policy;
    policy.key = QString(kDefaultPolicyKey);
    policy.name = u"Default"_s;
    policy.serverSide.cipher = {u"chacha20-poly1305@openssh.com"_s,
                                u"aes256-gcm@openssh.com"_s,
                                u"aes128-gcm@openssh.com"_s,
                                u"aes256-ctr"_s,
                                u"aes192-ctr"_s,
                                u"aes128-ctr"_s};
    policy.serverSide.kex = {u"curve25519-sha256"_s,
                             u"curve25519-sha256@libssh.org"_s,
                             u"ecdh-sha2-nistp256"_s,
                             u"ecdh-sha2-nistp384"_s,
                             u"ecdh-sha2-nistp521"_s,
                             u"diffie-hellman-group18-sha512"_s,
                             u"diffie-hellman-group16-sha512"_s,
                             u"diffie-hellman-group14-sha256"_s};
    policy.serverSide.mac = {u"hmac-sha2-256-etm@openssh.com"_s, u"hmac-sha2-512-etm@openssh.com"_s, u"hmac-sha2-256"_s,
                             u"hmac-sha2-512"_s};
    policy.serverSide.compression = {u"none"_s};
    policy.clientSide = policy.serverSide;
    policy.timeout = 600;
    policy.strictMode = true;
    policy.preconnectChannelCheck = false;
    policy.softwareVersion = u"Keystead"_s;
    return policy;
}

QString SshSettingsService::newPolicyKey()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

// --- JSON ---------------------------------------------------------------------

QJsonObject SshSettingsService::policyToJson(const SettingsPolicy &policy)
{
    return QJsonObject{
        {u"client_side_algorithms"_s, algorithmsToJson(policy.clientSide)},
        {u"greeting"_s, policy.greeting},
        {u"name"_s, policy.name},
        {u"preconnect_channel_check"_s, policy.preconnectChannelCheck},
        {u"server_side_algorithms"_s, algorithmsToJson(policy.serverSide)},
        {u"software_version"_s, policy.softwareVersion},
        {u"strict_mode"_s, policy.strictMode},
        {u"timeout"_s, policy.timeout},
        {u"userauth_banner"_s, policy.userauthBanner},
    };
}

Result<SettingsPolicy> SshSettingsService::policyFromJson(const QJsonObject &body)
{
    static const QStringList known{
        u"client_side_algorithms"_s, u"greeting"_s,         u"name"_s,        u"preconnect_channel_check"_s,
        u"server_side_algorithms"_s, u"software_version"_s, u"strict_mode"_s, u"timeout"_s,
        u"userauth_banner"_s};
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (!known.contains(it.key()))
            return invalidAt(it.key(), u"unknown field %1"_s.arg(it.key()));
    }
    SettingsPolicy policy;
    if (!body.value(u"name"_s).isString())
        return wrongType(u"name"_s, u"a string"_s);
    policy.name = body.value(u"name"_s).toString();
    for (const auto &[field, target] : {std::pair{u"server_side_algorithms"_s, &policy.serverSide},
                                        std::pair{u"client_side_algorithms"_s, &policy.clientSide}}) {
        if (!body.contains(field))
            return invalidAt(field, u"%1 is required"_s.arg(field));
        Result<SshAlgorithms> algorithms = algorithmsFromJson(body.value(field), field);
        if (!algorithms)
            return algorithms.error();
        *target = std::move(algorithms).value();
    }
    for (const auto &[field, target] :
         {std::pair{u"greeting"_s, &policy.greeting}, std::pair{u"userauth_banner"_s, &policy.userauthBanner},
          std::pair{u"software_version"_s, &policy.softwareVersion}}) {
        const QJsonValue value = body.value(field);
        if (value.isUndefined())
            continue;
        if (value.isNull()) {
            // SPS writes an unset banner or greeting as null.
            if (field != u"software_version"_s) {
                target->clear();
                continue;
            }
        }
        if (!value.isString())
            return wrongType(field, u"a string"_s);
        *target = value.toString();
    }
    for (const auto &[field, target] : {std::pair{u"strict_mode"_s, &policy.strictMode},
                                        std::pair{u"preconnect_channel_check"_s, &policy.preconnectChannelCheck}}) {
        const QJsonValue value = body.value(field);
        if (value.isUndefined())
            continue;
        if (!value.isBool())
            return wrongType(field, u"true or false"_s);
        *target = value.toBool();
    }
    if (const QJsonValue timeout = body.value(u"timeout"_s); !timeout.isUndefined()) {
        const double number = timeout.toDouble(-1);
        if (!timeout.isDouble() || number != static_cast<double>(static_cast<qint64>(number))
            || number < std::numeric_limits<int>::min() || number > std::numeric_limits<int>::max())
            return wrongType(u"timeout"_s, u"a whole number of seconds"_s);
        policy.timeout = static_cast<int>(number);
    }
    return policy;
}

QJsonObject SshSettingsService::optionsToJson(const SshOptions &options)
{
    return QJsonObject{
        {u"audit"_s,
         QJsonObject{
             {u"cleanup"_s,
              QJsonObject{{u"channel_database_cleanup_days"_s, options.cleanupDays},
                          {u"enabled"_s, options.cleanupEnabled}}},
             {u"timestamping"_s,
              QJsonObject{{u"selection"_s, options.timestampingSelection},
                          {u"signing_interval"_s, options.signingInterval}}},
         }},
        {u"gssapi"_s, QJsonObject{{u"enabled"_s, options.gssapiEnabled}}},
        {u"service"_s,
         QJsonObject{{u"enabled"_s, options.serviceEnabled},
                     {u"log_level"_s, options.logLevel},
                     {u"settings_policy"_s, options.settingsPolicy}}},
    };
}

Result<SshOptions> SshSettingsService::optionsFromJson(const QJsonObject &body, const SshOptions &current)
{
    SshOptions options = current;
    // One reader per leaf: the path names the field in errors.
    auto section = [](const QJsonObject &parent, const QString &name, const QString &location,
                      const QStringList &fields) -> Result<QJsonObject> {
        const QJsonValue value = parent.value(name);
        if (value.isUndefined())
            return QJsonObject{};
        if (!value.isObject())
            return wrongType(location, u"an object"_s);
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (!fields.contains(it.key()))
                return invalidAt(location + u'.' + it.key(), u"unknown field %1.%2"_s.arg(location, it.key()));
        }
        return object;
    };
    auto readBool
        = [](const QJsonObject &object, const QString &name, const QString &location, bool *target) -> Status {
        const QJsonValue value = object.value(name);
        if (value.isUndefined())
            return {};
        if (!value.isBool())
            return wrongType(location, u"true or false"_s);
        *target = value.toBool();
        return {};
    };
    auto readInt = [](const QJsonObject &object, const QString &name, const QString &location, int *target) -> Status {
        const QJsonValue value = object.value(name);
        if (value.isUndefined())
            return {};
        const double number = value.toDouble(-1);
        if (!value.isDouble() || number != static_cast<double>(static_cast<qint64>(number))
            || number < std::numeric_limits<int>::min() || number > std::numeric_limits<int>::max())
            return wrongType(location, u"a whole number"_s);
        *target = static_cast<int>(number);
        return {};
    };
    auto readString
        = [](const QJsonObject &object, const QString &name, const QString &location, QString *target) -> Status {
        const QJsonValue value = object.value(name);
        if (value.isUndefined())
            return {};
        if (!value.isString())
            return wrongType(location, u"a string"_s);
        *target = value.toString();
        return {};
    };

    for (auto it = body.begin(); it != body.end(); ++it) {
        if (!QStringList{u"audit"_s, u"gssapi"_s, u"service"_s}.contains(it.key()))
            return invalidAt(it.key(), u"unknown field %1"_s.arg(it.key()));
    }
    Result<QJsonObject> audit = section(body, u"audit"_s, u"audit"_s, {u"cleanup"_s, u"timestamping"_s});
    if (!audit)
        return audit.error();
    Result<QJsonObject> cleanup
        = section(audit.value(), u"cleanup"_s, u"audit.cleanup"_s, {u"channel_database_cleanup_days"_s, u"enabled"_s});
    if (!cleanup)
        return cleanup.error();
    // The seed's remote timestamping fields are read so the answer can say why they are refused.
    Result<QJsonObject> timestamping
        = section(audit.value(), u"timestamping"_s, u"audit.timestamping"_s,
                  {u"selection"_s, u"signing_interval"_s, u"server_url"_s, u"oid"_s, u"timestamping_policy"_s});
    if (!timestamping)
        return timestamping.error();
    Result<QJsonObject> gssapi = section(body, u"gssapi"_s, u"gssapi"_s, {u"enabled"_s});
    if (!gssapi)
        return gssapi.error();
    Result<QJsonObject> service
        = section(body, u"service"_s, u"service"_s, {u"enabled"_s, u"log_level"_s, u"settings_policy"_s});
    if (!service)
        return service.error();

    for (const Status &read : {
             readInt(cleanup.value(), u"channel_database_cleanup_days"_s,
                     u"audit.cleanup.channel_database_cleanup_days"_s, &options.cleanupDays),
             readBool(cleanup.value(), u"enabled"_s, u"audit.cleanup.enabled"_s, &options.cleanupEnabled),
             readString(timestamping.value(), u"selection"_s, u"audit.timestamping.selection"_s,
                        &options.timestampingSelection),
             readInt(timestamping.value(), u"signing_interval"_s, u"audit.timestamping.signing_interval"_s,
                     &options.signingInterval),
             readBool(gssapi.value(), u"enabled"_s, u"gssapi.enabled"_s, &options.gssapiEnabled),
             readBool(service.value(), u"enabled"_s, u"service.enabled"_s, &options.serviceEnabled),
             readInt(service.value(), u"log_level"_s, u"service.log_level"_s, &options.logLevel),
             readString(service.value(), u"settings_policy"_s, u"service.settings_policy"_s, &options.settingsPolicy),
         }) {
        if (!read)
            return read.error();
    }
    return options;
}

// --- validation ---------------------------------------------------------------

Status SshSettingsService::validatePolicy(const SettingsPolicy &policy) const
{
    if (policy.name.trimmed().isEmpty())
        return invalidAt(u"name"_s, u"a policy needs a name"_s);
    if (policy.name.size() > kMaxNameLength)
        return invalidAt(u"name"_s, u"a policy name has at most %1 characters"_s.arg(kMaxNameLength));
    if (Status server = checkAlgorithms(policy.serverSide, u"server_side_algorithms"_s, true); !server)
        return server;
    if (Status client = checkAlgorithms(policy.clientSide, u"client_side_algorithms"_s, false); !client)
        return client;
    if (policy.greeting.toUtf8().size() > kMaxTextBytes)
        return invalidAt(u"greeting"_s, u"the greeting has at most %1 bytes"_s.arg(kMaxTextBytes));
    if (policy.userauthBanner.toUtf8().size() > kMaxTextBytes)
        return invalidAt(u"userauth_banner"_s, u"the banner has at most %1 bytes"_s.arg(kMaxTextBytes));
    if (policy.timeout < 1 || policy.timeout > kMaxTimeoutSeconds)
        return invalidAt(u"timeout"_s, u"timeout must be 1 to %1 seconds"_s.arg(kMaxTimeoutSeconds));
    if (!isSoftwareVersion(policy.softwareVersion))
        return invalidAt(u"software_version"_s,
                         u"software_version must be 1 to %1 printable ASCII characters without spaces or '-' "
                         "(RFC 4253)"_s.arg(kMaxSoftwareVersionLength));
    return {};
}

Status SshSettingsService::validateOptionFields(const SshOptions &options) const
{
    if (options.logLevel < 0 || options.logLevel > kMaxLogLevel)
        return invalidAt(u"service.log_level"_s, u"log_level must be 0 to %1"_s.arg(kMaxLogLevel));
    if (options.cleanupEnabled && (options.cleanupDays < 1 || options.cleanupDays > kMaxCleanupDays))
        return invalidAt(
            u"audit.cleanup.channel_database_cleanup_days"_s,
            u"channel_database_cleanup_days must be 1 to %1 when cleanup is enabled"_s.arg(kMaxCleanupDays));
    if (options.timestampingSelection == u"remote"_s)
        return invalidAt(u"audit.timestamping.selection"_s,
                         u"Keystead has no remote timestamping server: it signs its trails itself; use \"local\""_s);
    if (options.timestampingSelection != u"local"_s)
        return invalidAt(u"audit.timestamping.selection"_s, u"selection must be \"local\""_s);
    if (options.signingInterval < kMinSigningInterval || options.signingInterval > kMaxSigningInterval)
        return invalidAt(
            u"audit.timestamping.signing_interval"_s,
            u"signing_interval must be %1 to %2 seconds"_s.arg(kMinSigningInterval).arg(kMaxSigningInterval));
    if (options.gssapiEnabled)
        return invalidAt(u"gssapi.enabled"_s, u"GSSAPI is not supported: gssapi.enabled must be false"_s);
    if (options.settingsPolicy.isEmpty())
        return invalidAt(u"service.settings_policy"_s, u"settings_policy must name a settings policy"_s);
    return {};
}

Status SshSettingsService::validateOptions(const SshOptions &options) const
{
    if (Status fields = validateOptionFields(options); !fields)
        return fields;
    Result<std::optional<SettingsPolicy>> policy = readPolicy(m_database.connection(), options.settingsPolicy);
    if (!policy)
        return policy.error();
    if (!policy.value())
        return invalidAt(u"service.settings_policy"_s, u"there is no settings policy %1"_s.arg(options.settingsPolicy));
    return {};
}

Status SshSettingsService::validatePolicyIn(QSqlDatabase &db, const SettingsPolicy &policy) const
{
    if (Status valid = validatePolicy(policy); !valid)
        return valid;
    Result<bool> clash = settingsrepo::policyNameTaken(db, policy.name, policy.key);
    if (!clash)
        return clash.error();
    if (*clash)
        return invalidAt(u"name"_s, u"a settings policy named \"%1\" exists already"_s.arg(policy.name));
    return {};
}

// --- reads --------------------------------------------------------------------

Result<QList<SettingsPolicy>> SshSettingsService::policies() const
{
    Result<QList<settingsrepo::PolicyRow>> rows = settingsrepo::selectPolicies(m_database.connection());
    if (!rows)
        return rows.error();
    QList<SettingsPolicy> all;
    for (const auto &[key, body] : rows.value()) {
        Result<SettingsPolicy> policy = policyFromBody(key, body);
        if (!policy)
            return policy.error();
        all.append(std::move(policy).value());
    }
    // Sorted here, not by the database: PostgreSQL's collation would order names
    // differently from SQLite and from a transaction's view.
    std::stable_sort(all.begin(), all.end(), [](const SettingsPolicy &a, const SettingsPolicy &b) {
        const bool aDefault = a.key == kDefaultPolicyKey;
        const bool bDefault = b.key == kDefaultPolicyKey;
        if (aDefault != bDefault)
            return aDefault;
        return a.name != b.name ? a.name < b.name : a.key < b.key;
    });
    return all;
}

Result<SettingsPolicy> SshSettingsService::policy(const QString &key) const
{
    Result<std::optional<SettingsPolicy>> found = readPolicy(m_database.connection(), key);
    if (!found)
        return found.error();
    if (!found.value())
        return Error::notFound(u"there is no settings policy %1"_s.arg(key));
    return *found.value();
}

Result<SshOptions> SshSettingsService::options() const
{
    return readOptions(m_database.connection());
}

SettingsPolicy SshSettingsService::activePolicy() const
{
    Result<SshOptions> current = options();
    if (!current)
        return defaultPolicy();
    Result<SettingsPolicy> active = policy(current->settingsPolicy);
    return active ? active.value() : defaultPolicy();
}

Result<qint64> SshSettingsService::revision(const QString &object) const
{
    if (object == kOptionsObject)
        return settingsrepo::optionsRevision(m_database.connection(), object);
    Result<std::optional<qint64>> revision = settingsrepo::policyRevision(m_database.connection(), object);
    if (!revision)
        return revision.error();
    return revision->value_or(0);
}

// --- writes -------------------------------------------------------------------

Status SshSettingsService::writePolicy(QSqlDatabase &db, const SettingsPolicy &policy, qint64 expectedRevision,
                                       const Actor &actor)
{
    if (Status valid = validatePolicyIn(db, policy); !valid)
        return valid;
    const QString now = sql::toStoreTime(m_clock.now());
    const QJsonObject body = policyToJson(policy);
    if (expectedRevision == 0) {
        Result<std::optional<qint64>> exists = settingsrepo::policyRevision(db, policy.key);
        if (!exists)
            return exists.error();
        if (exists->has_value())
            return conflictOn(policy.key, u"the settings policy %1 was created meanwhile"_s.arg(policy.key));
        if (Status inserted = settingsrepo::insertPolicy(db, policy.key, policy.name, body, now); !inserted)
            return inserted;
        return m_audit.record(db, actor, u"ssh_settings.policy.create"_s, u"ssh_settings_policy"_s, policy.key,
                              {{u"name"_s, policy.name}});
    }
    Result<bool> updated = settingsrepo::updatePolicy(db, policy.key, policy.name, body, now, expectedRevision);
    if (!updated)
        return updated.error();
    if (!*updated)
        return conflictOn(policy.key, u"the settings policy %1 was changed or deleted meanwhile"_s.arg(policy.key));
    return m_audit.record(db, actor, u"ssh_settings.policy.update"_s, u"ssh_settings_policy"_s, policy.key,
                          {{u"name"_s, policy.name}});
}

Status SshSettingsService::removePolicy(QSqlDatabase &db, const QString &key, std::optional<qint64> expectedRevision,
                                        const Actor &actor)
{
    if (key == kDefaultPolicyKey)
        return Error::conflict(u"the built-in settings policy %1 cannot be deleted"_s.arg(key));
    Result<SshOptions> current = readOptions(db);
    if (!current)
        return current.error();
    if (current->settingsPolicy == key)
        return Error::conflict(
            u"the settings policy %1 is the active one: choose another in the options first"_s.arg(key));
    Result<std::optional<SettingsPolicy>> existing = readPolicy(db, key);
    if (!existing)
        return existing.error();
    if (!existing.value()) {
        if (expectedRevision)
            return conflictOn(key, u"the settings policy %1 was deleted meanwhile"_s.arg(key));
        return Error::notFound(u"there is no settings policy %1"_s.arg(key));
    }
    Result<bool> removed = settingsrepo::deletePolicy(db, key, expectedRevision);
    if (!removed)
        return removed.error();
    if (!*removed)
        return conflictOn(key, u"the settings policy %1 was changed meanwhile"_s.arg(key));
    return m_audit.record(db, actor, u"ssh_settings.policy.delete"_s, u"ssh_settings_policy"_s, key,
                          {{u"name"_s, existing.value()->name}});
}

Status SshSettingsService::writeOptions(QSqlDatabase &db, const SshOptions &options,
                                        std::optional<qint64> expectedRevision, const Actor &actor)
{
    if (Status fields = validateOptionFields(options); !fields)
        return fields;
    Result<std::optional<SettingsPolicy>> policy = readPolicy(db, options.settingsPolicy);
    if (!policy)
        return policy.error();
    if (!policy.value())
        return invalidAt(u"service.settings_policy"_s, u"there is no settings policy %1"_s.arg(options.settingsPolicy));
    const QJsonObject body = optionsToJson(options);
    Result<bool> updated = settingsrepo::updateOptions(db, QString(kOptionsObject), body,
                                                       sql::toStoreTime(m_clock.now()), expectedRevision);
    if (!updated)
        return updated.error();
    if (!*updated)
        return conflictOn(QString(kOptionsObject), u"the SSH options were changed meanwhile"_s);
    return m_audit.record(db, actor, u"ssh_settings.options.update"_s, u"ssh_options"_s, QString(kOptionsObject), body);
}

void SshSettingsService::announce(const ChangeSet &policies, bool options, const SettingsPolicy &activeBefore)
{
    if (!policies.isEmpty()) {
        Q_EMIT changed(policies);
        Q_EMIT policiesChanged();
    }
    if (options)
        Q_EMIT optionsChanged();
    if (activePolicy() != activeBefore)
        Q_EMIT activePolicyChanged();
}

Result<SettingsPolicy> SshSettingsService::createPolicy(SettingsPolicy policy, const Actor &actor)
{
    policy.key = newPolicyKey();
    const SettingsPolicy before = activePolicy();
    QSqlDatabase db = m_database.connection();
    const Status done = sql::inWriteTransaction(m_database.isPostgres(), db,
                                                [&]() -> Status { return writePolicy(db, policy, 0, actor); });
    if (!done)
        return done.error();
    announce(ChangeSet::addedOne(QString(kPolicyTopic), policy.key), false, before);
    return policy;
}

Result<SettingsPolicy> SshSettingsService::updatePolicy(const QString &key, SettingsPolicy policy, const Actor &actor)
{
    policy.key = key;
    const SettingsPolicy before = activePolicy();
    QSqlDatabase db = m_database.connection();
    const Status done = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        Result<std::optional<qint64>> current = settingsrepo::policyRevision(db, key);
        if (!current)
            return current.error();
        if (!current->has_value())
            return Error::notFound(u"there is no settings policy %1"_s.arg(key));
        return writePolicy(db, policy, **current, actor);
    });
    if (!done)
        return done.error();
    announce(ChangeSet::changedOne(QString(kPolicyTopic), key), false, before);
    return policy;
}

Status SshSettingsService::deletePolicy(const QString &key, const Actor &actor)
{
    const SettingsPolicy before = activePolicy();
    QSqlDatabase db = m_database.connection();
    const Status done = sql::inWriteTransaction(m_database.isPostgres(), db,
                                                [&]() -> Status { return removePolicy(db, key, std::nullopt, actor); });
    if (!done)
        return done;
    announce(ChangeSet::removedOne(QString(kPolicyTopic), key), false, before);
    return {};
}

Status SshSettingsService::setOptions(const SshOptions &options, const Actor &actor)
{
    const SettingsPolicy before = activePolicy();
    QSqlDatabase db = m_database.connection();
    const Status done = sql::inWriteTransaction(
        m_database.isPostgres(), db, [&]() -> Status { return writeOptions(db, options, std::nullopt, actor); });
    if (!done)
        return done;
    announce(ChangeSet{QString(kPolicyTopic), {}, {}, {}}, true, before);
    return {};
}

Status SshSettingsService::applyChanges(const SshSettingsChangeSet &changes, const Actor &actor)
{
    const SettingsPolicy before = activePolicy();
    QSqlDatabase db = m_database.connection();
    // Policies first, so the options may choose a policy made in the same set;
    // deletions last, so the active-policy check sees the options as they will be.
    const Status done = sql::inWriteTransaction(m_database.isPostgres(), db, [&]() -> Status {
        for (const SettingsPolicy &policy : changes.upserts) {
            if (Status written = writePolicy(db, policy, changes.expectedRevisions.value(policy.key, 0), actor);
                !written)
                return written;
        }
        if (changes.options) {
            if (Status written = writeOptions(db, *changes.options,
                                              changes.expectedRevisions.value(QString(kOptionsObject), 1), actor);
                !written)
                return written;
        }
        for (const QString &key : changes.deletions) {
            const auto expected = changes.expectedRevisions.constFind(key);
            if (Status removed = removePolicy(
                    db, key,
                    expected == changes.expectedRevisions.constEnd() ? std::nullopt : std::optional<qint64>(*expected),
                    actor);
                !removed)
                return removed;
        }
        return {};
    });
    if (!done)
        return done;
    ChangeSet policies{QString(kPolicyTopic), {}, {}, changes.deletions};
    for (const SettingsPolicy &policy : changes.upserts)
        (changes.expectedRevisions.value(policy.key, 0) == 0 ? policies.added : policies.changed).append(policy.key);
    announce(policies, changes.options.has_value(), before);
    return {};
}

} // namespace keystead
