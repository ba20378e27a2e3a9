#pragma once

#include "collect/CollectSession.h"

#include <QDialog>
#include <QMap>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QRadioButton;
class QSpinBox;
class QTableWidget;
class QTabWidget;
class QWidget;
QT_END_NAMESPACE

namespace keystead {
class Clock;
class CollectService;
} // namespace keystead

namespace keystead::ui {

// Creates a collect session, or edits one, with every option of the seed.
// Saving goes through CollectService: when it refuses, each field shows its
// own message beside it and nothing changes. The operations are public
// methods, so tests drive the dialog's logic without a modal loop.
class CollectSessionDialog final : public QDialog
{
    Q_OBJECT

public:
    enum class Expiry { Never, Timeout, At };
    Q_ENUM(Expiry)

    // A new session.
    CollectSessionDialog(CollectService &service, const Clock &clock, QWidget *parent = nullptr);
    // Edits `session`; its connection identifier stays (users may have it already).
    CollectSessionDialog(CollectService &service, const Clock &clock, const CollectSession &session,
                         QWidget *parent = nullptr);

    bool isEditing() const { return !m_original.id.isEmpty(); }

    // The form, as CollectService::create takes it.
    CollectSessionInput input() const;
    // When editing: what differs from the session being edited, and nothing else.
    CollectSessionUpdate changes() const;
    // Fills the form.
    void setInput(const CollectSessionInput &input);

    // Creates or updates. On error every field the service names shows its
    // message, the form keeps what was typed, and the store is unchanged.
    Result<CollectSession> save();
    // The session as stored by the last save() that worked.
    const CollectSession &savedSession() const { return m_saved; }

    // The message shown for `location` ("timeout", "webhooks[0].url"); empty when none.
    QString fieldError(const QString &location) const;
    QStringList errorLocations() const { return m_errors.keys(); }
    // An error that names no field (or a field this form does not have).
    QString generalError() const;

    // Saves, and closes only when that worked.
    void accept() override;

private:
    void build();
    QWidget *createSessionTab();
    QWidget *createWebhooksTab();
    void setExpiryMode(Expiry mode);
    Expiry expiryMode() const;
    qint64 timeoutSeconds() const;
    void setTimeoutSeconds(qint64 seconds);
    QDateTime expiresAt() const;

    void addWebhook();
    void removeWebhook();
    void showWebhook(int row);
    void storeWebhookForm();
    void addHeaderRow(const QString &name = {}, const QString &value = {});
    QString webhookTitle(const CollectWebhook &webhook) const;

    void clearErrors();
    void showErrors(const Error &error);
    void showWebhookErrors();
    QLabel *errorLabelFor(const QString &location) const;

    CollectService &m_service;
    const Clock &m_clock;
    CollectSession m_original; // empty id: a new session
    QList<CollectWebhook> m_originalWebhooks; // as the form shows them (credentials redacted)
    CollectSession m_saved;

    QTabWidget *m_tabs = nullptr;
    QLineEdit *m_identifier = nullptr;
    QLineEdit *m_externalId = nullptr;
    QCheckBox *m_multiKey = nullptr;
    QCheckBox *m_multiConnection = nullptr;
    QCheckBox *m_mustConfirm = nullptr;
    QPlainTextEdit *m_banner = nullptr;
    QPlainTextEdit *m_message = nullptr;
    QRadioButton *m_expiryNever = nullptr;
    QRadioButton *m_expiryTimeout = nullptr;
    QRadioButton *m_expiryAt = nullptr;
    QSpinBox *m_timeoutValue = nullptr;
    QComboBox *m_timeoutUnit = nullptr;
    QDateTimeEdit *m_expiresAt = nullptr;

    QList<CollectWebhook> m_webhooks;
    int m_currentWebhook = -1;
    bool m_loadingWebhook = false;
    QListWidget *m_webhookList = nullptr;
    QWidget *m_webhookForm = nullptr;
    QLineEdit *m_url = nullptr;
    QComboBox *m_method = nullptr;
    QMap<QString, QCheckBox *> m_events;
    QTableWidget *m_headers = nullptr;
    QSpinBox *m_retries = nullptr;
    QSpinBox *m_initialBackoff = nullptr;
    QDoubleSpinBox *m_multiplier = nullptr;

    // Location -> message, as the service named them.
    QMap<QString, QString> m_errors;
    QString m_generalError;
    QMap<QString, QLabel *> m_errorLabels; // session fields, and "webhook.<field>" for the webhook form
    QLabel *m_generalErrorLabel = nullptr;
};

} // namespace keystead::ui
