#pragma once

#include "settings/SshSettings.h"
#include "ui/common/ChangeTableModel.h"

namespace keystead {
class SshSettingsService;
}

namespace keystead::ui {

// One settings policy as the SSH server settings tab lists it, with the
// linter's word on it, judged once when the policy is read.
struct SettingsPolicyRow
{
    SettingsPolicy policy;
    QString lint; // "no warnings", "2 errors, 1 warnings", ...
    QString lintLines; // each warning, one a line
    int errors = 0;
    int warnings = 0; // all of them, errors included
};

// The settings policies of Keystead's own SSH server, in the service's order
// (the built-in default first, then by name), and which one is active. Follows
// SshSettingsService's "settings.policy" ChangeSets in place (ChangeTableModel):
// a policy made, edited or deleted is read alone and its row inserted,
// repainted (moved when its name moved it) or removed; a change of the options
// repaints only the rows that became or stopped being the active one.
class SettingsPoliciesModel final : public ChangeTableModel<SettingsPolicyRow>
{
    Q_OBJECT

public:
    enum Column { Name, Key, Active, Lint, ColumnCount };
    Q_ENUM(Column)

    enum Role { KeyRole = Qt::UserRole };

    explicit SettingsPoliciesModel(SshSettingsService &service, QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const SettingsPolicy &policyAt(int row) const { return rowAt(row).policy; }
    QString activeKey() const { return m_activeKey; }

public Q_SLOTS:
    // Reads every policy and the options (the first load, or again after a failed read).
    void refresh();
    void applyChanges(const keystead::ChangeSet &changes);
    // The options changed: another policy may be the active one now.
    void refreshActive();

protected:
    QString idOf(const SettingsPolicyRow &row) const override { return row.policy.key; }
    bool sortsBefore(const SettingsPolicyRow &a, const SettingsPolicyRow &b) const override;
    QString errorText(const Error &error) const override;

private:
    static SettingsPolicyRow judged(SettingsPolicy policy);
    void repaintKey(const QString &key);

    SshSettingsService &m_service;
    QString m_activeKey;
};

} // namespace keystead::ui
