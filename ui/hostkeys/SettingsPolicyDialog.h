#pragma once

#include "common/Result.h"
#include "settings/PolicyLint.h"
#include "settings/SshAlgorithmSupport.h"
#include "settings/SshSettings.h"

#include <QDialog>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QSpinBox;
QT_END_NAMESPACE

namespace keystead {
class SshSettingsService;
}

namespace keystead::ui {

// Makes or edits a settings policy: its name, the server side and client side
// algorithm lists (each a checkable list in order of preference, from what
// libssh can do here), greeting, banner, timeout, software version and modes.
// The linter's warnings follow every change under the lists. Saving goes
// through SshSettingsService; a refusal is shown and the dialog stays open.
class SettingsPolicyDialog final : public QDialog
{
    Q_OBJECT

public:
    // A new policy, starting from the built-in policy's lists.
    explicit SettingsPolicyDialog(SshSettingsService &service, QWidget *parent = nullptr);
    SettingsPolicyDialog(SshSettingsService &service, const SettingsPolicy &policy, QWidget *parent = nullptr);

    bool isNew() const { return m_key.isEmpty(); }
    // The policy as the form shows it now.
    SettingsPolicy policy() const;
    QList<PolicyWarning> warnings() const { return m_warnings; }
    // What the dialog shows under the lists, one warning a line.
    QString warningsText() const;

    // The list widget of one side and list: objectName "server.cipher", "client.mac", ...
    QListWidget *listWidget(PolicyWarning::Side side, AlgorithmList list) const;
    // Checks or unchecks a name (added to the end of the list when the list lacks it).
    void setAlgorithmChecked(PolicyWarning::Side side, AlgorithmList list, const QString &name, bool checked);
    // Moves a name up (-1) or down (+1) in its list; false at an end or when absent.
    bool moveAlgorithm(PolicyWarning::Side side, AlgorithmList list, const QString &name, int delta);

    // Creates or updates through the service; on success the dialog closes.
    Status save();
    QString errorText() const;

    void accept() override;

Q_SIGNALS:
    void policySaved(const keystead::SettingsPolicy &policy);

private:
    void build();
    void load(const SettingsPolicy &policy);
    QWidget *createSide(PolicyWarning::Side side);
    QWidget *createList(PolicyWarning::Side side, AlgorithmList list);
    void fillList(QListWidget *widget, const QStringList &chosen, const QStringList &supported);
    QStringList checkedNames(QListWidget *widget) const;
    SshAlgorithms algorithms(PolicyWarning::Side side) const;
    void relint();
    void showError(const QString &message);

    SshSettingsService &m_service;
    QString m_key;
    QList<PolicyWarning> m_warnings;

    QLineEdit *m_name = nullptr;
    QPlainTextEdit *m_greeting = nullptr;
    QPlainTextEdit *m_banner = nullptr;
    QSpinBox *m_timeout = nullptr;
    QLineEdit *m_softwareVersion = nullptr;
    QCheckBox *m_strictMode = nullptr;
    QCheckBox *m_preconnect = nullptr;
    QLabel *m_lint = nullptr;
    QLabel *m_error = nullptr;
};

} // namespace keystead::ui
