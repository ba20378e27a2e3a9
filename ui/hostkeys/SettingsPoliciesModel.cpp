#include "ui/hostkeys/SettingsPoliciesModel.h"

#include "settings/PolicyLint.h"
#include "settings/SshSettingsService.h"
#include "ui/hostkeys/HostKeyTexts.h"
#include "ui/hostkeys/HostKeysPanel.h"

#include <QColor>
#include <QFont>

// The texts stay in HostKeysPanel's translation context: the list was part of it.

namespace keystead::ui {

SettingsPoliciesModel::SettingsPoliciesModel(SshSettingsService &service, QObject *parent)
    : ChangeTableModel<SettingsPolicyRow>(ColumnCount, parent)
    , m_service(service)
{
    connect(&m_service, &SshSettingsService::changed, this, &SettingsPoliciesModel::applyChanges);
    connect(&m_service, &SshSettingsService::optionsChanged, this, &SettingsPoliciesModel::refreshActive);
    refresh();
}

QVariant SettingsPoliciesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const SettingsPolicyRow &row = rowAt(index.row());
    const bool active = row.policy.key == m_activeKey;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Name: return row.policy.name;
        case Key: return row.policy.key;
        case Active: return active ? HostKeysPanel::tr("● active") : QString();
        case Lint: return row.lint;
        default: break;
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == Name && row.policy.key == SshSettingsService::kDefaultPolicyKey)
            return HostKeysPanel::tr("Built in: the server's defaults; it cannot be deleted");
        if (index.column() == Lint)
            return row.lintLines;
        break;
    case Qt::ForegroundRole:
        // The linter's word on each policy, so a weak one stands out before it is opened.
        if (index.column() == Lint && row.warnings > 0)
            return row.errors > 0 ? QColor(0xb0, 0x1c, 0x1c) : QColor(0x8a, 0x4b, 0x00);
        break;
    case Qt::FontRole:
        if (active) {
            QFont bold;
            bold.setBold(true);
            return bold;
        }
        break;
    case KeyRole: return row.policy.key;
    default: break;
    }
    return {};
}

QVariant SettingsPoliciesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name: return HostKeysPanel::tr("Name");
    case Key: return HostKeysPanel::tr("Key");
    case Active: return HostKeysPanel::tr("Active");
    case Lint: return HostKeysPanel::tr("Lint");
    default: return {};
    }
}

void SettingsPoliciesModel::refresh()
{
    Result<QList<SettingsPolicy>> policies = m_service.policies();
    Result<SshOptions> options = m_service.options();
    if (!policies || !options) {
        load(!policies ? policies.error() : options.error());
        return;
    }
    m_activeKey = options->settingsPolicy;
    QList<SettingsPolicyRow> rows;
    for (SettingsPolicy &policy : policies.value())
        rows.append(judged(std::move(policy)));
    load(std::move(rows));
}

void SettingsPoliciesModel::applyChanges(const ChangeSet &changes)
{
    if (changes.topic != SshSettingsService::kPolicyTopic)
        return;
    const bool applied = applyReads(changes, [this](const QString &key) -> Result<SettingsPolicyRow> {
        Result<SettingsPolicy> policy = m_service.policy(key);
        if (!policy)
            return policy.error();
        return judged(std::move(policy).value());
    });
    if (!applied)
        refresh();
}

void SettingsPoliciesModel::refreshActive()
{
    Result<SshOptions> options = m_service.options();
    if (!options) {
        setLastError(errorText(options.error()));
        return;
    }
    if (options->settingsPolicy == m_activeKey)
        return;
    const QString before = m_activeKey;
    m_activeKey = options->settingsPolicy;
    repaintKey(before);
    repaintKey(m_activeKey);
}

void SettingsPoliciesModel::repaintKey(const QString &key)
{
    if (const int row = rowOf(key); row >= 0)
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

bool SettingsPoliciesModel::sortsBefore(const SettingsPolicyRow &a, const SettingsPolicyRow &b) const
{
    // As SshSettingsService::policies() orders them.
    const bool aDefault = a.policy.key == SshSettingsService::kDefaultPolicyKey;
    const bool bDefault = b.policy.key == SshSettingsService::kDefaultPolicyKey;
    if (aDefault != bDefault)
        return aDefault;
    return a.policy.name != b.policy.name ? a.policy.name < b.policy.name : a.policy.key < b.policy.key;
}

QString SettingsPoliciesModel::errorText(const Error &error) const
{
    return HostKeyTexts::error(error);
}

SettingsPolicyRow SettingsPoliciesModel::judged(SettingsPolicy policy)
{
    SettingsPolicyRow row;
    const QList<PolicyWarning> warnings = lintPolicy(policy);
    QStringList lines;
    for (const PolicyWarning &warning : warnings) {
        lines.append(HostKeyTexts::warning(warning));
        if (warning.severity == PolicyWarning::Severity::Error)
            ++row.errors;
    }
    row.warnings = static_cast<int>(warnings.size());
    row.lintLines = lines.join(u'\n');
    row.lint = warnings.isEmpty()
        ? HostKeysPanel::tr("no warnings")
        : (row.errors > 0 ? HostKeysPanel::tr("%1 errors, %2 warnings").arg(row.errors).arg(row.warnings - row.errors)
                          : HostKeysPanel::tr("%1 warnings").arg(row.warnings));
    row.policy = std::move(policy);
    return row;
}

} // namespace keystead::ui
