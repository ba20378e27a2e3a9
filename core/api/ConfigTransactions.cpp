#include "api/ConfigTransactions.h"

#include "common/Clock.h"
#include "settings/SshSettingsService.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

Error missingTransaction()
{
    Error error = Error::conflict(u"no transaction is open: POST /api/transaction first, then commit with "
                                  "PUT /api/transaction {\"status\": \"commit\"}"_s);
    error.details.insert(u"reason"_s, QString(ConfigTransactions::kNoTransaction));
    return error;
}

void sortPolicies(QList<SettingsPolicy> &policies)
{
    std::stable_sort(policies.begin(), policies.end(), [](const SettingsPolicy &a, const SettingsPolicy &b) {
        const bool aDefault = a.key == SshSettingsService::kDefaultPolicyKey;
        const bool bDefault = b.key == SshSettingsService::kDefaultPolicyKey;
        if (aDefault != bDefault)
            return aDefault;
        if (a.name != b.name)
            return a.name < b.name;
        return a.key < b.key;
    });
}

} // namespace

ConfigTransactions::ConfigTransactions(SshSettingsService &settings, const Clock &clock)
    : m_settings(settings)
    , m_clock(clock)
{
}

void ConfigTransactions::dropIdle()
{
    const qint64 now = m_clock.monotonicMs();
    for (auto it = m_transactions.begin(); it != m_transactions.end();) {
        if (now - it->second.lastUsedMs >= kIdleTimeoutMs)
            it = m_transactions.erase(it);
        else
            ++it;
    }
}

ConfigTransactions::Pending *ConfigTransactions::find(const QString &owner)
{
    dropIdle();
    const auto it = m_transactions.find(owner);
    if (it == m_transactions.end())
        return nullptr;
    it->second.lastUsedMs = m_clock.monotonicMs();
    return &it->second;
}

Result<ConfigTransactions::Pending *> ConfigTransactions::openTransaction(const QString &owner)
{
    Pending *pending = find(owner);
    if (!pending)
        return missingTransaction();
    return pending;
}

Status ConfigTransactions::touch(Pending &pending, const QString &object)
{
    if (pending.baseRevisions.contains(object))
        return {};
    Result<qint64> revision = m_settings.revision(object);
    if (!revision)
        return revision.error();
    pending.baseRevisions.insert(object, revision.value());
    return {};
}

ConfigTransactions::State ConfigTransactions::open(const QString &owner)
{
    QMutexLocker lock(&m_mutex);
    Pending *pending = find(owner);
    if (!pending) {
        Pending fresh;
        fresh.openedAt = m_clock.now();
        fresh.lastUsedMs = m_clock.monotonicMs();
        pending = &m_transactions.insert_or_assign(owner, std::move(fresh)).first->second;
    }
    return State{true, pending->openedAt, static_cast<int>(pending->baseRevisions.size())};
}

ConfigTransactions::State ConfigTransactions::state(const QString &owner)
{
    QMutexLocker lock(&m_mutex);
    const Pending *pending = find(owner);
    if (!pending)
        return State{};
    return State{true, pending->openedAt, static_cast<int>(pending->baseRevisions.size())};
}

void ConfigTransactions::rollback(const QString &owner)
{
    QMutexLocker lock(&m_mutex);
    m_transactions.erase(owner);
}

Status ConfigTransactions::commit(const QString &owner, const Actor &actor)
{
    QMutexLocker lock(&m_mutex);
    Pending *pending = find(owner);
    if (!pending)
        return missingTransaction();
    SshSettingsChangeSet changes;
    for (auto it = pending->policies.cbegin(); it != pending->policies.cend(); ++it) {
        const qint64 base = pending->baseRevisions.value(it.key(), 0);
        if (it.value())
            changes.upserts.append(*it.value());
        else if (base != 0)
            changes.deletions.append(it.key());
        // Made and deleted inside the transaction: nothing to do, nothing to check.
        if (it.value() || base != 0)
            changes.expectedRevisions.insert(it.key(), base);
    }
    if (pending->options) {
        changes.options = pending->options;
        changes.expectedRevisions.insert(QString(SshSettingsService::kOptionsObject),
                                         pending->baseRevisions.value(QString(SshSettingsService::kOptionsObject)));
    }
    const Status applied = m_settings.applyChanges(changes, actor);
    // A conflict or a change no longer valid cannot succeed on a retry: the
    // transaction ends and the caller starts again from the committed state.
    if (applied || applied.error().kind == Error::Kind::Conflict || applied.error().kind == Error::Kind::InvalidInput
        || applied.error().kind == Error::Kind::NotFound)
        m_transactions.erase(owner);
    if (!applied) {
        Error error = applied.error();
        if (error.kind != Error::Kind::Unavailable && error.kind != Error::Kind::Internal)
            error.message += u" (nothing was applied; the transaction is closed)"_s;
        return error;
    }
    return {};
}

Result<QList<SettingsPolicy>> ConfigTransactions::policiesIn(const Pending *pending) const
{
    Result<QList<SettingsPolicy>> committed = m_settings.policies();
    if (!committed || !pending)
        return committed;
    QList<SettingsPolicy> seen;
    for (const SettingsPolicy &policy : committed.value()) {
        if (!pending->policies.contains(policy.key))
            seen.append(policy);
    }
    for (auto it = pending->policies.cbegin(); it != pending->policies.cend(); ++it) {
        if (it.value())
            seen.append(*it.value());
    }
    sortPolicies(seen);
    return seen;
}

Result<SshOptions> ConfigTransactions::optionsIn(const Pending *pending) const
{
    if (pending && pending->options)
        return *pending->options;
    return m_settings.options();
}

Status ConfigTransactions::checkPolicyIn(const Pending *pending, const SettingsPolicy &policy) const
{
    if (Status valid = m_settings.validatePolicy(policy); !valid)
        return valid;
    Result<QList<SettingsPolicy>> all = policiesIn(pending);
    if (!all)
        return all.error();
    for (const SettingsPolicy &other : all.value()) {
        if (other.key != policy.key && other.name == policy.name)
            return Error::invalid(u"a settings policy named \"%1\" exists already"_s.arg(policy.name), u"name"_s);
    }
    return {};
}

Result<QList<SettingsPolicy>> ConfigTransactions::policies(const QString &owner)
{
    QMutexLocker lock(&m_mutex);
    return policiesIn(find(owner));
}

Result<SettingsPolicy> ConfigTransactions::policy(const QString &owner, const QString &key)
{
    QMutexLocker lock(&m_mutex);
    const Pending *pending = find(owner);
    if (pending) {
        const auto it = pending->policies.constFind(key);
        if (it != pending->policies.cend()) {
            if (!it.value())
                return Error::notFound(u"there is no settings policy %1 (deleted in this transaction)"_s.arg(key));
            return *it.value();
        }
    }
    return m_settings.policy(key);
}

Result<SshOptions> ConfigTransactions::options(const QString &owner)
{
    QMutexLocker lock(&m_mutex);
    return optionsIn(find(owner));
}

Result<SettingsPolicy> ConfigTransactions::createPolicy(const QString &owner, SettingsPolicy policy)
{
    QMutexLocker lock(&m_mutex);
    Result<Pending *> pending = openTransaction(owner);
    if (!pending)
        return pending.error();
    policy.key = SshSettingsService::newPolicyKey();
    if (Status valid = checkPolicyIn(pending.value(), policy); !valid)
        return valid.error();
    pending.value()->baseRevisions.insert(policy.key, 0);
    pending.value()->policies.insert(policy.key, policy);
    return policy;
}

Result<SettingsPolicy> ConfigTransactions::updatePolicy(const QString &owner, const QString &key, SettingsPolicy policy)
{
    QMutexLocker lock(&m_mutex);
    Result<Pending *> pending = openTransaction(owner);
    if (!pending)
        return pending.error();
    Result<QList<SettingsPolicy>> all = policiesIn(pending.value());
    if (!all)
        return all.error();
    if (std::none_of(all->begin(), all->end(), [&](const SettingsPolicy &p) { return p.key == key; }))
        return Error::notFound(u"there is no settings policy %1"_s.arg(key));
    policy.key = key;
    if (Status valid = checkPolicyIn(pending.value(), policy); !valid)
        return valid.error();
    if (Status touched = touch(*pending.value(), key); !touched)
        return touched.error();
    pending.value()->policies.insert(key, policy);
    return policy;
}

Status ConfigTransactions::deletePolicy(const QString &owner, const QString &key)
{
    QMutexLocker lock(&m_mutex);
    Result<Pending *> pending = openTransaction(owner);
    if (!pending)
        return pending.error();
    Result<QList<SettingsPolicy>> all = policiesIn(pending.value());
    if (!all)
        return all.error();
    if (std::none_of(all->begin(), all->end(), [&](const SettingsPolicy &p) { return p.key == key; }))
        return Error::notFound(u"there is no settings policy %1"_s.arg(key));
    if (key == SshSettingsService::kDefaultPolicyKey)
        return Error::conflict(u"the built-in settings policy %1 cannot be deleted"_s.arg(key));
    Result<SshOptions> current = optionsIn(pending.value());
    if (!current)
        return current.error();
    if (current->settingsPolicy == key)
        return Error::conflict(
            u"the settings policy %1 is the active one: choose another in the options first"_s.arg(key));
    if (Status touched = touch(*pending.value(), key); !touched)
        return touched;
    pending.value()->policies.insert(key, std::nullopt);
    return {};
}

Status ConfigTransactions::setOptions(const QString &owner, const SshOptions &options)
{
    QMutexLocker lock(&m_mutex);
    Result<Pending *> pending = openTransaction(owner);
    if (!pending)
        return pending.error();
    if (Status valid = m_settings.validateOptionFields(options); !valid)
        return valid;
    Result<QList<SettingsPolicy>> all = policiesIn(pending.value());
    if (!all)
        return all.error();
    if (std::none_of(all->begin(), all->end(),
                     [&](const SettingsPolicy &p) { return p.key == options.settingsPolicy; }))
        return Error::invalid(u"there is no settings policy %1"_s.arg(options.settingsPolicy),
                              u"service.settings_policy"_s);
    if (Status touched = touch(*pending.value(), QString(SshSettingsService::kOptionsObject)); !touched)
        return touched;
    pending.value()->options = options;
    return {};
}

} // namespace keystead
