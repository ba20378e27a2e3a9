#pragma once

#include "collect/CollectSession.h"
#include "common/Result.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;
class QTableView;
class QTreeView;
QT_END_NAMESPACE

namespace keystead {
class Clock;
class CollectServer;
class CollectService;
class InventoryService;
class SettingsStore;
class WebhookDeliveryLog;
class WebhookDispatcher;
} // namespace keystead

namespace keystead::ui {

// What the Collect panel and its session detail work with, each named (the window passes them in).
struct CollectPanelServices
{
    CollectService &collect;
    CollectServer &collectServer;
    WebhookDispatcher &webhooks;
    WebhookDeliveryLog &webhookLog;
    InventoryService &inventory;
    SettingsStore &settings;
    const Clock &clock;
};

class CollectKeysModel;
class WebhookDeliveriesModel;

// One collect session in detail: the ssh line to hand the user, the collect
// server's host key fingerprints, the connections with their keys (live), and
// the webhook deliveries. The operations are public and ask nothing, so tests
// drive them; the buttons wrap them in file choosers.
class CollectSessionDetail final : public QWidget
{
    Q_OBJECT

public:
    explicit CollectSessionDetail(CollectPanelServices services, QWidget *parent = nullptr);

    // Shows `session`; the same session again (newer) updates the views in place.
    void showSession(const CollectSession &session);
    QString sessionId() const { return m_session.id; }

    // "ssh -p PORT IDENTIFIER@HOST" for the session shown: the running server's
    // port (else the configured one) and its address (this machine's name when
    // it listens on every address).
    QString sshCommand() const;
    void copySshCommand();
    // The fingerprints users compare with what their client prints, one per line.
    QString hostKeysText() const;

    CollectKeysModel &keysModel() const { return *m_keysModel; }
    bool selectKey(const QString &keyId);
    // Puts the selected key's authorized_keys line on the clipboard and returns it; empty with no key selected.
    QString copySelectedKey();
    // Writes every collected, non-discarded key of the session to `path`, one authorized_keys line each.
    Status saveAuthorizedKeys(const QString &path);
    // Adds the session's collected keys to the key inventory (public key only),
    // skipping those it has already; returns how many were added and says so under the keys.
    Result<int> addKeysToInventory();
    // What the last addKeysToInventory() reported; empty before.
    QString inventoryNoticeText() const;

    WebhookDeliveriesModel &deliveriesModel() const { return *m_deliveriesModel; }
    bool selectDelivery(const QString &deliveryId);
    // Sends the selected delivery again (WebhookDispatcher::redeliver).
    Status redeliverSelected();
    // Puts the signing secret of the selected delivery's webhook on the clipboard.
    Status copyWebhookSecret();
    // What the detail shows under its views; empty when all went well.
    QString errorText() const;

public Q_SLOTS:
    // The collect server started or stopped, or its settings changed: the ssh line and host keys follow.
    void updateServerInfo();

private:
    QWidget *createKeysTab();
    QWidget *createDeliveriesTab();
    void updateButtons();
    void updateTabTitles();
    void showError(const QString &message);
    void chooseAuthorizedKeysFile();
    QString selectedDeliveryId() const;

    CollectPanelServices m_services;
    CollectSession m_session;

    QLabel *m_title = nullptr;
    QLabel *m_summary = nullptr;
    QLineEdit *m_sshLine = nullptr;
    QPushButton *m_copySshLine = nullptr;
    QLabel *m_serverHint = nullptr;
    QLabel *m_hostKeys = nullptr;
    QTabWidget *m_tabs = nullptr;

    CollectKeysModel *m_keysModel = nullptr;
    QTreeView *m_keysView = nullptr;
    QPushButton *m_copyKey = nullptr;
    QPushButton *m_saveKeys = nullptr;
    QPushButton *m_addToInventory = nullptr;
    QLabel *m_inventoryNotice = nullptr;

    WebhookDeliveriesModel *m_deliveriesModel = nullptr;
    QTableView *m_deliveriesView = nullptr;
    QPushButton *m_redeliver = nullptr;
    QPushButton *m_copySecret = nullptr;

    QLabel *m_error = nullptr;
};

} // namespace keystead::ui
