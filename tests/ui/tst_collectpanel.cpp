#include "UiTestSupport.h"

#include "store/Sql.h"
#include "ui/collect/CollectKeysModel.h"
#include "ui/collect/CollectPanel.h"
#include "ui/collect/CollectSessionDetail.h"
#include "ui/collect/CollectSessionDialog.h"
#include "ui/collect/CollectSessionsFilter.h"
#include "ui/collect/CollectSessionsModel.h"
#include "ui/collect/WebhookDeliveriesModel.h"
#include "ui/common/CollectServerSettings.h"
#include "ui/common/DesktopNotifier.h"
#include "ui/common/EmptyStatePanel.h"
#include "ui/settings/SettingsPanel.h"
#include "ui/shell/MainWindow.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDoubleSpinBox>
#include <QHostInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableWidget>
#include <QTcpServer>
#include <QThread>
#include <QTimer>
#include <QTreeView>

#include <functional>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;
using keystead::ui::CollectKeysModel;
using keystead::ui::CollectPanel;
using keystead::ui::CollectSessionDialog;
using keystead::ui::CollectSessionsModel;
using keystead::ui::WebhookDeliveriesModel;

namespace {

// Answers whatever modal dialog comes up while `action` runs, the way a person
// would; returns how many it answered.
int answeringDialogs(const std::function<void()> &action, const std::function<bool(QWidget *)> &answer)
{
    int answered = 0;
    QTimer poll;
    poll.setInterval(20);
    QObject::connect(&poll, &QTimer::timeout, [&] {
        QWidget *modal = QApplication::activeModalWidget();
        if (modal && modal->isVisible() && answer(modal))
            ++answered;
    });
    poll.start();
    action();
    return answered;
}

template <typename T>
T *child(QObject *parent, const QString &name)
{
    T *found = parent->findChild<T *>(name);
    if (!found)
        qWarning("no child %s", qPrintable(name));
    return found;
}

// A port nothing listens on: bound once, then released.
quint16 closedPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

} // namespace

// The collect sessions panel, offscreen, on a real store with the real collect
// server and webhook dispatcher: the dialog's logic, the live updates driven
// from another thread as the SSH server drives them, and the models under
// QAbstractItemModelTester throughout.
class TestCollectPanel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void dialogCreatesASession();
    void dialogShowsFieldErrorsAndChangesNothing();
    void dialogShowsAConflictOnTheIdentifier();
    void expiryIsTimeoutOrDateNeverBoth();
    void editingSendsOnlyWhatChanged();
    void newButtonOpensTheDialogAndSelectsTheSession();
    void filterByStatusAndText();
    void keysFromTheServerThreadArriveLive();
    void declinedKeysShowAsDiscarded();
    void completeAndDelete();
    void deleteButtonAsksFirst();
    void sshLineFollowsTheServer();
    void realClientThroughTheToolbarServer();
    void webhookDeliveriesAreListedAndSentAgain();
    void collectedKeyNotifies();

private:
    void attachTesters(CollectPanel &panel);
    SshPublicKey key(int index) const { return m_keys.at(index); }
    QString keyFile(int index) const { return m_keyFiles.at(index); }
    Result<CollectSession> createSession(const CollectSessionInput &input) { return m_core->collect->create(input); }
    // Runs `work` in a thread of its own, as the SSH server's thread calls the gate, and waits for it.
    void onServerThread(const std::function<void()> &work);
    QSettings &windowSettings() { return *m_windowSettings; }
    // A credential header's value as the store keeps it (sealed), opened again.
    QString storedHeader(const QString &webhookId, const QString &name);

    QTemporaryDir m_keyDir;
    QList<SshPublicKey> m_keys; // ed25519, ecdsa, rsa
    QStringList m_keyFiles; // their private halves
    std::unique_ptr<UiCore> m_core;
    std::unique_ptr<CollectPanel> m_panel;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
    std::unique_ptr<QTemporaryDir> m_settingsDir;
    std::unique_ptr<QSettings> m_windowSettings;
};

void TestCollectPanel::initTestCase()
{
    QVERIFY(m_keyDir.isValid());
    for (const QString &type : {u"ed25519"_s, u"ecdsa"_s, u"rsa"_s}) {
        const SshPublicKey made = generatePublicKey(m_keyDir.path(), type);
        QVERIFY2(!made.isNull(), qPrintable(type));
        m_keys.append(made);
    }
    // generatePublicKey names its files TYPE_N; find the private halves for the real client.
    const QStringList files = QDir(m_keyDir.path()).entryList({u"*_*"_s}, QDir::Files, QDir::Name);
    for (const QString &type : {u"ed25519"_s, u"ecdsa"_s, u"rsa"_s}) {
        for (const QString &file : files) {
            if (file.startsWith(type + u'_') && !file.endsWith(u".pub"_s))
                m_keyFiles.append(m_keyDir.filePath(file));
        }
    }
    QCOMPARE(m_keyFiles.size(), 3);
}

void TestCollectPanel::init()
{
    m_core = UiCore::create();
    QVERIFY(m_core);
    m_panel = std::make_unique<CollectPanel>(m_core->collectPanelServices());
    m_panel->resize(1000, 700);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    attachTesters(*m_panel);
    m_settingsDir = std::make_unique<QTemporaryDir>();
    m_windowSettings = std::make_unique<QSettings>(m_settingsDir->filePath(u"window.ini"_s), QSettings::IniFormat);
}

void TestCollectPanel::cleanup()
{
    m_testers.clear();
    m_panel.reset();
    m_windowSettings.reset();
    m_settingsDir.reset();
    m_core.reset();
}

void TestCollectPanel::attachTesters(CollectPanel &panel)
{
    const auto mode = QAbstractItemModelTester::FailureReportingMode::QtTest;
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&panel.sessionsModel(), mode));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&panel.sessionsFilter(), mode));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&panel.detail().keysModel(), mode));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&panel.detail().deliveriesModel(), mode));
}

void TestCollectPanel::onServerThread(const std::function<void()> &work)
{
    Database &database = m_core->store->database();
    std::unique_ptr<QThread> thread(QThread::create([&work, &database] {
        work();
        database.releaseThreadConnection();
    }));
    thread->start();
    QVERIFY(thread->wait(30'000));
}

QString TestCollectPanel::storedHeader(const QString &webhookId, const QString &name)
{
    Result<QSqlQuery> row = sql::exec(m_core->store->database().connection(),
                                      u"SELECT headers FROM collect_webhooks WHERE id = ?"_s, {webhookId});
    if (!row || !row->next())
        return {};
    const QJsonArray values = QJsonDocument::fromJson(row->value(0).toString().toUtf8()).object().value(name).toArray();
    if (values.size() != 1)
        return {};
    const QString stored = values.at(0).toString();
    if (!WebhookHeaderSeal::isSealed(stored))
        return u"(stored in plain text)"_s;
    Result<QString> opened = m_core->headerSeal->open(webhookId, name, stored);
    return opened ? opened.value() : QString();
}

void TestCollectPanel::dialogCreatesASession()
{
    const CollectSessionsModel &model = m_panel->sessionsModel();
    QCOMPARE(model.rowCount(), 0);
    QSignalSpy inserted(&model, &CollectSessionsModel::rowsInserted);
    QSignalSpy reset(&model, &CollectSessionsModel::modelReset);

    std::unique_ptr<CollectSessionDialog> dialog(m_panel->createNewSessionDialog());
    QVERIFY(!dialog->isEditing());
    child<QLineEdit>(dialog.get(), u"externalId"_s)->setText(u"HR-2290"_s);
    child<QCheckBox>(dialog.get(), u"multiKey"_s)->setChecked(true);
    child<QCheckBox>(dialog.get(), u"mustConfirm"_s)->setChecked(true);
    child<QPlainTextEdit>(dialog.get(), u"sshBanner"_s)->setPlainText(u"Welcome.\nYour keys are collected."_s);
    child<QPlainTextEdit>(dialog.get(), u"sshMessage"_s)->setPlainText(u"Thank you."_s);
    child<QRadioButton>(dialog.get(), u"expiryTimeout"_s)->setChecked(true);
    child<QSpinBox>(dialog.get(), u"timeoutValue"_s)->setValue(2);
    auto *unit = child<QComboBox>(dialog.get(), u"timeoutUnit"_s);
    unit->setCurrentIndex(unit->findData(3600));

    child<QPushButton>(dialog.get(), u"addWebhook"_s)->click();
    child<QLineEdit>(dialog.get(), u"webhookUrl"_s)->setText(u"https://hooks.example/keystead"_s);
    auto *method = child<QComboBox>(dialog.get(), u"webhookMethod"_s);
    method->setCurrentIndex(method->findData(u"put"_s));
    child<QCheckBox>(dialog.get(), u"event_key_collected"_s)->setChecked(true);
    auto *headers = child<QTableWidget>(dialog.get(), u"webhookHeaders"_s);
    for (const auto &[name, value] :
         {std::pair{u"X-Team"_s, u"ops"_s}, std::pair{u"Authorization"_s, u"Bearer abc"_s}}) {
        child<QPushButton>(dialog.get(), u"addHeader"_s)->click();
        const int row = headers->rowCount() - 1;
        headers->item(row, 0)->setText(name);
        headers->item(row, 1)->setText(value);
    }
    child<QSpinBox>(dialog.get(), u"webhookRetries"_s)->setValue(3);
    child<QSpinBox>(dialog.get(), u"webhookInitialBackoff"_s)->setValue(5);
    child<QDoubleSpinBox>(dialog.get(), u"webhookBackoffMultiplier"_s)->setValue(1.5);

    dialog->accept();
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
    QVERIFY(dialog->errorLocations().isEmpty());
    const CollectSession saved = dialog->savedSession();
    QVERIFY(!saved.id.isEmpty());

    // In the model, without a reset.
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, CollectSessionsModel::Identifier).data().toString(), saved.connectionIdentifier);
    QCOMPARE(model.index(0, CollectSessionsModel::ExternalId).data().toString(), u"HR-2290"_s);
    QCOMPARE(model.index(0, CollectSessionsModel::Status).data().toString(), u"pending"_s);
    QCOMPARE(model.index(0, CollectSessionsModel::Keys).data().toInt(), 0);

    // Stored as the form said.
    const Result<CollectSession> stored = m_core->collect->get(saved.id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->connectionIdentifier.size(), CollectService::kGeneratedIdentifierLength);
    QVERIFY(CollectService::isValidConnectionIdentifier(stored->connectionIdentifier));
    QVERIFY(stored->multiKey);
    QVERIFY(!stored->multiConnection);
    QVERIFY(stored->mustConfirm);
    QCOMPARE(stored->sshBanner.value_or(QString()), u"Welcome.\nYour keys are collected."_s);
    QCOMPARE(stored->sshMessage.value_or(QString()), u"Thank you."_s);
    QCOMPARE(stored->timeout.value_or(0), 7200);
    QCOMPARE(stored->expiredAt, m_core->clock.now().addSecs(7200));
    QCOMPARE(stored->webhooks.size(), 1);
    const CollectWebhook &webhook = stored->webhooks.constFirst();
    QCOMPARE(webhook.url, u"https://hooks.example/keystead"_s);
    QCOMPARE(webhook.method, u"put"_s);
    QCOMPARE(webhook.events, QStringList{u"key_collected"_s});
    QCOMPARE(webhook.headers.value(u"X-Team"_s), QStringList{u"ops"_s});
    // The credential reads back hidden; the store holds it sealed, and it opens to what was typed.
    QCOMPARE(webhook.headers.value(u"Authorization"_s), QStringList{u"[redacted]"_s});
    QCOMPARE(storedHeader(webhook.id, u"Authorization"_s), u"Bearer abc"_s);
    QCOMPARE(webhook.retries, 3);
    QCOMPARE(webhook.initialBackoff, 5);
    QCOMPARE(webhook.backoffMultiplier, 1.5);

    // Selecting it shows its line.
    QVERIFY(m_panel->selectSession(saved.id));
    QCOMPARE(m_panel->selectedSessionId(), saved.id);
    QCOMPARE(m_panel->detail().sshCommand(), u"ssh -p 2222 "_s + saved.connectionIdentifier + u"@127.0.0.1"_s);
    QCOMPARE(child<QLineEdit>(m_panel.get(), u"sshLine"_s)->text(), m_panel->detail().sshCommand());
    child<QPushButton>(m_panel.get(), u"copySshLine"_s)->click();
    QCOMPARE(QGuiApplication::clipboard()->text(), m_panel->detail().sshCommand());
}

void TestCollectPanel::dialogShowsFieldErrorsAndChangesNothing()
{
    QSignalSpy changed(m_core->collect.get(), &CollectService::sessionChanged);
    std::unique_ptr<CollectSessionDialog> dialog(m_panel->createNewSessionDialog());
    dialog->show();
    QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));

    child<QLineEdit>(dialog.get(), u"connectionIdentifier"_s)->setText(u"No Spaces!"_s);
    child<QRadioButton>(dialog.get(), u"expiryAt"_s)->setChecked(true);
    child<QDateTimeEdit>(dialog.get(), u"expiresAt"_s)->setDateTime(m_core->clock.now().addDays(-1).toLocalTime());
    child<QPushButton>(dialog.get(), u"addWebhook"_s)->click();
    child<QLineEdit>(dialog.get(), u"webhookUrl"_s)->setText(u"ftp://files.example/"_s);
    child<QPushButton>(dialog.get(), u"addWebhook"_s)->click();
    child<QLineEdit>(dialog.get(), u"webhookUrl"_s)->setText(u"https://good.example/"_s);
    auto *headers = child<QTableWidget>(dialog.get(), u"webhookHeaders"_s);
    child<QPushButton>(dialog.get(), u"addHeader"_s)->click();
    headers->item(0, 0)->setText(u"Bad Header"_s);
    headers->item(0, 1)->setText(u"x"_s);

    child<QPushButton>(dialog.get(), u"save"_s)->click();
    QVERIFY(dialog->isVisible()); // not closed
    QCOMPARE(dialog->result(), int(QDialog::Rejected));
    QCOMPARE(changed.count(), 0);
    QCOMPARE(m_panel->sessionsModel().rowCount(), 0);
    Result<CollectSessionPage> listed = m_core->collect->list({});
    KEYSTEAD_VERIFY_OK(listed);
    QCOMPARE(listed->total, 0);

    // Each field says what is wrong with it, beside it.
    QVERIFY(!dialog->fieldError(u"connection_identifier"_s).isEmpty());
    QVERIFY2(dialog->fieldError(u"expired_at"_s).contains(u"future"_s),
             qPrintable(dialog->fieldError(u"expired_at"_s)));
    QVERIFY(!dialog->fieldError(u"webhooks[0].url"_s).isEmpty());
    QVERIFY(!dialog->fieldError(u"webhooks[1].headers.Bad Header"_s).isEmpty());
    auto *identifierError = child<QLabel>(dialog.get(), u"connection_identifierError"_s);
    QVERIFY(identifierError->isVisible());
    QVERIFY(identifierError->text().startsWith(u"Must be 3 to 64 characters"_s));
    QVERIFY(child<QLabel>(dialog.get(), u"expiryError"_s)->isVisible());
    QVERIFY(child<QLabel>(dialog.get(), u"external_idError"_s)->isHidden());
    // The first tab with an error is in front.
    QCOMPARE(dialog->findChild<QTabWidget *>()->currentIndex(), 0);

    // The webhook form shows the errors of the webhook shown.
    auto *list = child<QListWidget>(dialog.get(), u"webhookList"_s);
    list->setCurrentRow(0);
    QVERIFY(!child<QLabel>(dialog.get(), u"urlError"_s)->isHidden());
    QVERIFY(child<QLabel>(dialog.get(), u"headersError"_s)->isHidden());
    list->setCurrentRow(1);
    QVERIFY(child<QLabel>(dialog.get(), u"urlError"_s)->isHidden());
    QVERIFY(!child<QLabel>(dialog.get(), u"headersError"_s)->isHidden());
    QVERIFY(child<QLabel>(dialog.get(), u"headersError"_s)->text().startsWith(u"Bad Header: "_s));
    QVERIFY(!list->item(0)->icon().isNull());

    // What was typed stays, to be corrected; corrected, it saves and the errors go.
    QCOMPARE(child<QLineEdit>(dialog.get(), u"connectionIdentifier"_s)->text(), u"No Spaces!"_s);
    child<QLineEdit>(dialog.get(), u"connectionIdentifier"_s)->setText(u"no-spaces"_s);
    child<QRadioButton>(dialog.get(), u"expiryNever"_s)->setChecked(true);
    headers->item(0, 0)->setText(u"X-Good"_s);
    list->setCurrentRow(0);
    child<QPushButton>(dialog.get(), u"removeWebhook"_s)->click();
    QCOMPARE(list->count(), 1);
    const Result<CollectSession> saved = dialog->save();
    KEYSTEAD_VERIFY_OK(saved);
    QVERIFY(dialog->errorLocations().isEmpty());
    QVERIFY(!identifierError->isVisible());
    QCOMPARE(saved->connectionIdentifier, u"no-spaces"_s);
    QCOMPARE(saved->webhooks.size(), 1);
    QCOMPARE(saved->webhooks.constFirst().url, u"https://good.example/"_s);
    QCOMPARE(saved->webhooks.constFirst().headers.value(u"X-Good"_s), QStringList{u"x"_s});
    QVERIFY(saved->expiredAt.isNull());
    QCOMPARE(m_panel->sessionsModel().rowCount(), 1);
}

void TestCollectPanel::dialogShowsAConflictOnTheIdentifier()
{
    CollectSessionInput first;
    first.connectionIdentifier = u"taken-name"_s;
    KEYSTEAD_VERIFY_OK(createSession(first));

    std::unique_ptr<CollectSessionDialog> dialog(m_panel->createNewSessionDialog());
    child<QLineEdit>(dialog.get(), u"connectionIdentifier"_s)->setText(u"taken-name"_s);
    QVERIFY(!dialog->save());
    QVERIFY2(dialog->fieldError(u"connection_identifier"_s).contains(u"taken"_s),
             qPrintable(dialog->fieldError(u"connection_identifier"_s)));
    QVERIFY(dialog->generalError().isEmpty());
    QCOMPARE(m_panel->sessionsModel().rowCount(), 1);
}

void TestCollectPanel::expiryIsTimeoutOrDateNeverBoth()
{
    std::unique_ptr<CollectSessionDialog> dialog(m_panel->createNewSessionDialog());
    auto *timeout = child<QRadioButton>(dialog.get(), u"expiryTimeout"_s);
    auto *at = child<QRadioButton>(dialog.get(), u"expiryAt"_s);
    auto *never = child<QRadioButton>(dialog.get(), u"expiryNever"_s);
    // The seed's default: no expiry.
    QVERIFY(never->isChecked());
    QVERIFY(!dialog->input().timeout && !dialog->input().expiredAt);

    timeout->setChecked(true);
    QVERIFY(!at->isChecked());
    QVERIFY(dialog->input().timeout && !dialog->input().expiredAt);
    QVERIFY(child<QSpinBox>(dialog.get(), u"timeoutValue"_s)->isEnabled());
    QVERIFY(!child<QDateTimeEdit>(dialog.get(), u"expiresAt"_s)->isEnabled());

    at->setChecked(true);
    QVERIFY(!timeout->isChecked());
    QVERIFY(!dialog->input().timeout && dialog->input().expiredAt);
    QVERIFY(!child<QSpinBox>(dialog.get(), u"timeoutValue"_s)->isEnabled());
    QVERIFY(child<QDateTimeEdit>(dialog.get(), u"expiresAt"_s)->isEnabled());
    // A day from now (by the store's clock) unless changed.
    QCOMPARE(dialog->input().expiredAt->toSecsSinceEpoch() / 60,
             m_core->clock.now().addDays(1).toSecsSinceEpoch() / 60);
}

void TestCollectPanel::editingSendsOnlyWhatChanged()
{
    CollectSessionInput input;
    input.externalId = u"before"_s;
    input.timeout = 3600;
    CollectWebhook webhook;
    webhook.url = u"https://hooks.example/a"_s;
    webhook.headers.insert(u"Authorization"_s, {u"Bearer s3cr3t"_s});
    webhook.headers.insert(u"X-Team"_s, {u"ops"_s});
    input.webhooks = {webhook};
    const Result<CollectSession> created = createSession(input);
    KEYSTEAD_VERIFY_OK(created);
    QVERIFY(m_panel->selectSession(created->id));

    std::unique_ptr<CollectSessionDialog> dialog(m_panel->createEditDialog());
    QVERIFY(dialog);
    QVERIFY(dialog->isEditing());
    // As stored, with the credential hidden, and nothing to send yet.
    QCOMPARE(child<QLineEdit>(dialog.get(), u"connectionIdentifier"_s)->text(), created->connectionIdentifier);
    QVERIFY(child<QLineEdit>(dialog.get(), u"connectionIdentifier"_s)->isReadOnly());
    QCOMPARE(child<QLineEdit>(dialog.get(), u"externalId"_s)->text(), u"before"_s);
    QVERIFY(child<QRadioButton>(dialog.get(), u"expiryTimeout"_s)->isChecked());
    QCOMPARE(child<QSpinBox>(dialog.get(), u"timeoutValue"_s)->value(), 1);
    QCOMPARE(child<QComboBox>(dialog.get(), u"timeoutUnit"_s)->currentData().toInt(), 3600);
    auto *headers = child<QTableWidget>(dialog.get(), u"webhookHeaders"_s);
    QCOMPARE(headers->rowCount(), 2);
    for (int row = 0; row < headers->rowCount(); ++row) {
        QVERIFY(!headers->item(row, 1)->text().contains(u"s3cr3t"_s));
        if (headers->item(row, 0)->text() == u"Authorization"_s)
            QCOMPARE(headers->item(row, 1)->text(), u"[redacted]"_s);
    }
    QVERIFY(dialog->changes().isEmpty());

    QSignalSpy dataChanged(&m_panel->sessionsModel(), &CollectSessionsModel::dataChanged);
    QSignalSpy reset(&m_panel->sessionsModel(), &CollectSessionsModel::modelReset);
    child<QLineEdit>(dialog.get(), u"externalId"_s)->setText(u"after"_s);
    child<QCheckBox>(dialog.get(), u"multiConnection"_s)->setChecked(true);
    child<QLineEdit>(dialog.get(), u"webhookUrl"_s)->setText(u"https://hooks.example/b"_s);
    const CollectSessionPatch patch = dialog->changes();
    QVERIFY(patch.externalId && patch.multiConnection && patch.webhooks);
    QVERIFY(!patch.timeout && !patch.expiredAt && !patch.multiKey && !patch.mustConfirm && !patch.sshBanner);

    dialog->accept();
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
    QCOMPARE(reset.count(), 0);
    QVERIFY(dataChanged.count() >= 1);
    QCOMPARE(m_panel->sessionsModel().rowCount(), 1);
    QCOMPARE(m_panel->sessionsModel().index(0, CollectSessionsModel::ExternalId).data().toString(), u"after"_s);

    const Result<CollectSession> stored = m_core->collect->get(created->id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->externalId.value_or(QString()), u"after"_s);
    QVERIFY(stored->multiConnection);
    QCOMPARE(stored->timeout.value_or(0), 3600); // untouched
    QCOMPARE(stored->webhooks.size(), 1);
    QCOMPARE(stored->webhooks.constFirst().id, created->webhooks.constFirst().id); // kept: its secret stays
    QCOMPARE(stored->webhooks.constFirst().url, u"https://hooks.example/b"_s);
    // The hidden credential was kept, not replaced by its mask.
    QCOMPARE(storedHeader(stored->webhooks.constFirst().id, u"Authorization"_s), u"Bearer s3cr3t"_s);

    // Moving the expiry to a date sends that date and drops the timeout.
    std::unique_ptr<CollectSessionDialog> again(m_panel->createEditDialog());
    child<QRadioButton>(again.get(), u"expiryAt"_s)->setChecked(true);
    const QDateTime when = QDateTime(QDate(2026, 3, 1), QTime(9, 30), Qt::LocalTime);
    child<QDateTimeEdit>(again.get(), u"expiresAt"_s)->setDateTime(when);
    const CollectSessionPatch second = again->changes();
    QVERIFY(second.expiredAt && !second.timeout && !second.webhooks && !second.externalId);
    KEYSTEAD_VERIFY_OK(again->save());
    const Result<CollectSession> moved = m_core->collect->get(created->id);
    KEYSTEAD_VERIFY_OK(moved);
    QVERIFY(!moved->timeout);
    QCOMPARE(moved->expiredAt, when.toUTC());
}

void TestCollectPanel::newButtonOpensTheDialogAndSelectsTheSession()
{
    child<QPushButton>(m_panel.get(), u"newSession"_s)->click();
    auto *dialog = m_panel->findChild<CollectSessionDialog *>();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    child<QLineEdit>(dialog, u"connectionIdentifier"_s)->setText(u"from-the-button"_s);
    QPointer<CollectSessionDialog> guard(dialog);
    child<QPushButton>(dialog, u"save"_s)->click();
    QTRY_VERIFY(guard.isNull()); // closed and gone
    QCOMPARE(m_panel->sessionsModel().rowCount(), 1);
    const QString id = m_panel->sessionsModel().sessionAt(0).id;
    QCOMPARE(m_panel->selectedSessionId(), id);
    QCOMPARE(m_panel->detail().sessionId(), id);
    QVERIFY(m_panel->detail().sshCommand().contains(u"from-the-button@"_s));
}

void TestCollectPanel::filterByStatusAndText()
{
    CollectSessionInput pending;
    pending.connectionIdentifier = u"alpha-one"_s;
    pending.externalId = u"TICKET-77"_s;
    KEYSTEAD_VERIFY_OK(createSession(pending));
    m_core->clock.advanceSeconds(1);
    CollectSessionInput done;
    done.connectionIdentifier = u"beta-two"_s;
    const Result<CollectSession> completed = createSession(done);
    KEYSTEAD_VERIFY_OK(completed);
    KEYSTEAD_VERIFY_OK(m_core->collect->complete(completed->id));
    m_core->clock.advanceSeconds(1);
    CollectSessionInput soon;
    soon.connectionIdentifier = u"gamma-three"_s;
    soon.timeout = 60;
    KEYSTEAD_VERIFY_OK(createSession(soon));
    m_core->clock.advanceSeconds(120);
    const Result<int> expired = m_core->collect->expireDue();
    KEYSTEAD_VERIFY_OK(expired);
    QCOMPARE(expired.value(), 1);

    const ui::CollectSessionsFilter &filter = m_panel->sessionsFilter();
    const auto shown = [&filter] {
        QStringList identifiers;
        for (int row = 0; row < filter.rowCount(); ++row)
            identifiers.append(filter.index(row, CollectSessionsModel::Identifier).data().toString());
        identifiers.sort();
        return identifiers;
    };
    QCOMPARE(shown(), (QStringList{u"alpha-one"_s, u"beta-two"_s, u"gamma-three"_s}));
    QCOMPARE(m_panel->sessionsModel().index(m_panel->sessionsModel().rowOf(completed->id), 0).data().toString(),
             u"completed"_s);

    auto *status = child<QComboBox>(m_panel.get(), u"statusFilter"_s);
    status->setCurrentIndex(status->findData(static_cast<int>(CollectStatus::Pending)));
    QCOMPARE(shown(), QStringList{u"alpha-one"_s});
    status->setCurrentIndex(status->findData(static_cast<int>(CollectStatus::Expired)));
    QCOMPARE(shown(), QStringList{u"gamma-three"_s});
    status->setCurrentIndex(0);
    QVERIFY(!filter.statusFilter());

    auto *text = child<QLineEdit>(m_panel.get(), u"textFilter"_s);
    text->setText(u"TWO"_s);
    QCOMPARE(shown(), QStringList{u"beta-two"_s});
    text->setText(u"ticket-7"_s); // the external id, any case
    QCOMPARE(shown(), QStringList{u"alpha-one"_s});
    status->setCurrentIndex(status->findData(static_cast<int>(CollectStatus::Completed)));
    QCOMPARE(shown(), QStringList());
    text->clear();
    QCOMPARE(shown(), QStringList{u"beta-two"_s});

    // A session that changes status leaves the filtered view by itself.
    status->setCurrentIndex(status->findData(static_cast<int>(CollectStatus::Pending)));
    const Result<CollectSession> alpha = m_core->collect->findByConnectionIdentifier(u"alpha-one"_s);
    KEYSTEAD_VERIFY_OK(alpha);
    KEYSTEAD_VERIFY_OK(m_core->collect->complete(alpha->id));
    QCOMPARE(shown(), QStringList());

    // Sorted by the raw values: newest first by creation.
    status->setCurrentIndex(0);
    QCOMPARE(filter.index(0, CollectSessionsModel::Identifier).data().toString(), u"gamma-three"_s);
}

void TestCollectPanel::keysFromTheServerThreadArriveLive()
{
    CollectSessionInput input;
    input.multiKey = true;
    const Result<CollectSession> session = createSession(input);
    KEYSTEAD_VERIFY_OK(session);
    QVERIFY(m_panel->selectSession(session->id));
    QCOMPARE(m_panel->detail().sessionId(), session->id);

    const CollectSessionsModel &sessions = m_panel->sessionsModel();
    const CollectKeysModel &keys = m_panel->detail().keysModel();
    QSignalSpy sessionsReset(&sessions, &CollectSessionsModel::modelReset);
    QSignalSpy sessionsChanged(&sessions, &CollectSessionsModel::dataChanged);
    QSignalSpy keysReset(&keys, &CollectKeysModel::modelReset);
    QSignalSpy keysInserted(&keys, &CollectKeysModel::rowsInserted);
    const QThread *mainThread = QThread::currentThread();
    const QThread *emittedFrom = nullptr;
    connect(
        m_core->collect.get(), &CollectService::keyCollected, this,
        [&emittedFrom] { emittedFrom = QThread::currentThread(); }, Qt::DirectConnection);

    // As the SSH server does it: from its own thread, through the gate.
    QString connectionId;
    onServerThread([&] {
        Result<QString> opened
            = m_core->collect->connectionOpened(session->id, u"198.51.100.23"_s, u"SSH-2.0-OpenSSH_9.2p1"_s);
        if (!opened)
            return;
        connectionId = opened.value();
        (void)m_core->collect->keyProven(connectionId, key(0));
        (void)m_core->collect->keyProven(connectionId, key(1));
    });
    QVERIFY(!connectionId.isEmpty());
    QVERIFY(emittedFrom && emittedFrom != mainThread);

    const QModelIndex keysCell = sessions.index(sessions.rowOf(session->id), CollectSessionsModel::Keys);
    QTRY_COMPARE(keysCell.data().toInt(), 2);
    QCOMPARE(sessions.index(keysCell.row(), CollectSessionsModel::Connections).data().toInt(), 1);
    QCOMPARE(sessionsReset.count(), 0);
    QVERIFY(sessionsChanged.count() >= 1);

    // The detail followed, in place.
    QTRY_COMPARE(keys.rowCount(), 1);
    const QModelIndex connection = keys.index(0, CollectKeysModel::Item);
    QTRY_COMPARE(keys.rowCount(connection), 2);
    QCOMPARE(keysReset.count(), 0);
    QVERIFY(keysInserted.count() >= 1);
    QCOMPARE(connection.data().toString(), u"198.51.100.23"_s);
    QCOMPARE(keys.index(0, CollectKeysModel::Fingerprint).data().toString(), u"SSH-2.0-OpenSSH_9.2p1"_s);
    QCOMPARE(keys.index(0, CollectKeysModel::Fingerprint, connection).data().toString(), key(0).fingerprintSha256());
    QCOMPARE(keys.index(1, CollectKeysModel::Fingerprint, connection).data().toString(), key(1).fingerprintSha256());
    QCOMPARE(keys.index(0, CollectKeysModel::State, connection).data().toString(), u"collected"_s);
    QCOMPARE(keys.index(0, CollectKeysModel::Item, connection).data().toString(), u"ED25519 256 bits"_s);
    QCOMPARE(keys.index(1, CollectKeysModel::Item, connection).data().toString(), u"ECDSA 256 bits"_s);
    // The view shows the keys without a click.
    auto *tree = child<QTreeView>(m_panel.get(), u"keys"_s);
    QVERIFY(tree->isExpanded(tree->model()->index(0, 0)));
    QCOMPARE(child<QTabWidget>(m_panel.get(), u"detailTabs"_s)->tabText(0), u"Connections and keys (2)"_s);

    // A third key, with the key selected staying selected.
    const QString firstKeyId = keys.index(0, 0, connection).data(CollectKeysModel::IdRole).toString();
    QVERIFY(m_panel->detail().selectKey(firstKeyId));
    onServerThread([&] { (void)m_core->collect->keyProven(connectionId, key(2)); });
    QTRY_COMPARE(keys.rowCount(connection), 3);
    QCOMPARE(keysReset.count(), 0);
    QCOMPARE(tree->currentIndex().data(CollectKeysModel::IdRole).toString(), firstKeyId);

    // One key copied as an authorized_keys line; all saved as a file.
    const QString line = m_panel->detail().copySelectedKey();
    QCOMPARE(line, key(0).openSshLine(u"keystead-collect:"_s + session->connectionIdentifier));
    QCOMPARE(QGuiApplication::clipboard()->text(), line);
    QTemporaryDir out;
    const QString path = out.filePath(u"authorized_keys"_s);
    KEYSTEAD_VERIFY_OK(m_panel->detail().saveAuthorizedKeys(path));
    QFile saved(path);
    QVERIFY(saved.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(saved.readAll()).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    for (int i = 0; i < 3; ++i) {
        const Result<SshPublicKey> parsed = SshPublicKey::fromOpenSshLine(lines.at(i));
        KEYSTEAD_VERIFY_OK(parsed);
        QVERIFY(parsed.value() == key(i));
    }
    // ssh-keygen reads it as an authorized_keys file.
    QProcess keygen;
    keygen.start(u"ssh-keygen"_s, {u"-l"_s, u"-f"_s, path});
    QVERIFY(keygen.waitForFinished(30'000));
    QCOMPARE(keygen.exitCode(), 0);
    QCOMPARE(QString::fromLatin1(keygen.readAllStandardOutput()).count(u"SHA256:"_s), 3);

    onServerThread([&] { (void)m_core->collect->connectionClosed(connectionId, ConnectionOutcome::Kept); });
    QTRY_COMPARE(sessions.index(keysCell.row(), CollectSessionsModel::Status).data().toString(), u"completed"_s);
    QTRY_COMPARE(keys.index(0, CollectKeysModel::State).data().toString(), u"kept"_s);
    QCOMPARE(keysReset.count(), 0);
    QCOMPARE(sessionsReset.count(), 0);
}

void TestCollectPanel::declinedKeysShowAsDiscarded()
{
    CollectSessionInput input;
    input.multiKey = true;
    input.mustConfirm = true;
    const Result<CollectSession> session = createSession(input);
    KEYSTEAD_VERIFY_OK(session);
    QVERIFY(m_panel->selectSession(session->id));

    QString connectionId;
    onServerThread([&] {
        Result<QString> opened = m_core->collect->connectionOpened(session->id, u"203.0.113.9"_s, u"SSH-2.0-x"_s);
        if (!opened)
            return;
        connectionId = opened.value();
        (void)m_core->collect->keyProven(connectionId, key(0));
        (void)m_core->collect->keyProven(connectionId, key(2));
    });
    const CollectKeysModel &keys = m_panel->detail().keysModel();
    QTRY_COMPARE(keys.collectedKeyCount(), 2);
    QVERIFY(child<QPushButton>(m_panel.get(), u"saveKeys"_s)->isEnabled());

    onServerThread([&] { (void)m_core->collect->connectionClosed(connectionId, ConnectionOutcome::Declined); });
    const QModelIndex connection = keys.index(0, 0);
    QTRY_COMPARE(keys.index(0, CollectKeysModel::State, connection).data().toString(), u"discarded"_s);
    QCOMPARE(keys.index(1, CollectKeysModel::State, connection).data().toString(), u"discarded"_s);
    QCOMPARE(keys.index(0, CollectKeysModel::State).data().toString(), u"declined"_s);
    QVERIFY(keys.index(0, CollectKeysModel::State, connection)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(u"did not confirm"_s));
    // Still listed as a record, counted as nothing, saved nowhere.
    const CollectSessionsModel &sessions = m_panel->sessionsModel();
    QCOMPARE(sessions.index(sessions.rowOf(session->id), CollectSessionsModel::Keys).data().toInt(), 0);
    QCOMPARE(sessions.index(sessions.rowOf(session->id), CollectSessionsModel::Status).data().toString(), u"pending"_s);
    QVERIFY(sessions.index(sessions.rowOf(session->id), CollectSessionsModel::Keys)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(u"Discarded keys: 2"_s));
    QVERIFY(keys.authorizedKeysFile().isEmpty());
    QVERIFY(!child<QPushButton>(m_panel.get(), u"saveKeys"_s)->isEnabled());
    QTemporaryDir out;
    QVERIFY(!m_panel->detail().saveAuthorizedKeys(out.filePath(u"authorized_keys"_s)));
    QVERIFY(!QFile::exists(out.filePath(u"authorized_keys"_s)));
}

void TestCollectPanel::completeAndDelete()
{
    CollectSessionInput input;
    input.multiConnection = true;
    const Result<CollectSession> session = createSession(input);
    KEYSTEAD_VERIFY_OK(session);
    auto *complete = child<QPushButton>(m_panel.get(), u"completeSession"_s);
    auto *remove = child<QPushButton>(m_panel.get(), u"deleteSession"_s);
    auto *stack = child<QStackedWidget>(m_panel.get(), u"detailStack"_s);
    QVERIFY(!complete->isEnabled() && !remove->isEnabled());
    QVERIFY(!m_panel->completeSelected());
    QVERIFY(qobject_cast<ui::EmptyStatePanel *>(stack->currentWidget()));

    QVERIFY(m_panel->selectSession(session->id));
    QCOMPARE(stack->currentWidget(), &m_panel->detail());
    QVERIFY(complete->isEnabled() && remove->isEnabled());
    complete->click();
    QVERIFY(m_panel->errorText().isEmpty());
    const CollectSessionsModel &model = m_panel->sessionsModel();
    QCOMPARE(model.index(0, CollectSessionsModel::Status).data().toString(), u"completed"_s);
    QVERIFY(!complete->isEnabled()); // a completed session cannot be completed again
    QCOMPARE(m_panel->selectedSessionId(), session->id);

    QSignalSpy removed(&model, &CollectSessionsModel::rowsRemoved);
    KEYSTEAD_VERIFY_OK(m_panel->deleteSelected());
    QCOMPARE(removed.count(), 1);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(m_panel->selectedSessionId().isEmpty());
    QVERIFY(qobject_cast<ui::EmptyStatePanel *>(stack->currentWidget()));
    QVERIFY(!remove->isEnabled());
    QCOMPARE(m_core->collect->get(session->id).error().kind, Error::Kind::NotFound);
}

void TestCollectPanel::deleteButtonAsksFirst()
{
    const Result<CollectSession> session = createSession({});
    KEYSTEAD_VERIFY_OK(session);
    QVERIFY(m_panel->selectSession(session->id));
    auto *remove = child<QPushButton>(m_panel.get(), u"deleteSession"_s);
    const auto answerWith = [](QMessageBox::StandardButton choice) {
        return [choice](QWidget *modal) {
            auto *box = qobject_cast<QMessageBox *>(modal);
            if (!box)
                return false;
            box->button(choice)->click();
            return true;
        };
    };
    QCOMPARE(answeringDialogs([remove] { remove->click(); }, answerWith(QMessageBox::Cancel)), 1);
    QCOMPARE(m_panel->sessionsModel().rowCount(), 1);
    QCOMPARE(answeringDialogs([remove] { remove->click(); }, answerWith(QMessageBox::Yes)), 1);
    QCOMPARE(m_panel->sessionsModel().rowCount(), 0);
}

void TestCollectPanel::sshLineFollowsTheServer()
{
    KEYSTEAD_VERIFY_OK(ui::collect_settings::save(*m_core->settings, u"127.0.0.1:2299"_s, true));
    m_panel.reset(); // the window's own panel is the one under test here
    m_testers.clear();
    ui::MainWindow window(m_core->services(), windowSettings());
    attachTesters(window.collectPanel());
    CollectSessionInput input;
    input.connectionIdentifier = u"line-check"_s;
    const Result<CollectSession> session = createSession(input);
    KEYSTEAD_VERIFY_OK(session);
    ui::CollectPanel &panel = window.collectPanel();
    QVERIFY(panel.selectSession(session->id));
    ui::CollectSessionDetail &detail = panel.detail();

    // Stopped: the configured address.
    QCOMPARE(detail.sshCommand(), u"ssh -p 2299 line-check@127.0.0.1"_s);
    QVERIFY(detail.hostKeysText().isEmpty());

    // Started through the toolbar on port 0: the port it got.
    KEYSTEAD_VERIFY_OK(ui::collect_settings::save(*m_core->settings, u"127.0.0.1:0"_s, true));
    window.collectServerAction()->trigger();
    QCOMPARE(m_core->collectServer->state(), CollectServer::State::Running);
    const quint16 port = m_core->collectServer->boundPort();
    QVERIFY(port != 0);
    QCOMPARE(detail.sshCommand(), u"ssh -p %1 line-check@127.0.0.1"_s.arg(port));
    QCOMPARE(child<QLineEdit>(&window, u"sshLine"_s)->text(), detail.sshCommand());

    // The host keys users compare with what their client prints.
    const QStringList hostKeys = detail.hostKeysText().split(u'\n');
    QCOMPARE(hostKeys.size(), 3);
    QStringList types;
    for (const QString &line : hostKeys) {
        QVERIFY2(line.contains(u" SHA256:"_s), qPrintable(line));
        types.append(line.section(u' ', 0, 0));
    }
    types.sort();
    QCOMPARE(types, (QStringList{u"ECDSA"_s, u"ED25519"_s, u"RSA"_s}));
    const QString shown = child<QLabel>(&window, u"hostKeys"_s)->text();
    for (const HostKeyFingerprint &fingerprint : m_core->collectServer->hostKeyFingerprints())
        QVERIFY(shown.contains(fingerprint.sha256));

    // Stopped again: back to the configured address.
    window.collectServerAction()->trigger();
    QCOMPARE(m_core->collectServer->state(), CollectServer::State::Stopped);
    QCOMPARE(detail.sshCommand(), u"ssh -p 0 line-check@127.0.0.1"_s);

    // Listening on every address: the line names this machine.
    KEYSTEAD_VERIFY_OK(ui::collect_settings::save(*m_core->settings, u"0.0.0.0:2299"_s, true));
    window.settingsPanel().findChild<QLineEdit *>(u"collectListenAddress"_s)->setText(u"0.0.0.0:22"_s);
    KEYSTEAD_VERIFY_OK(window.settingsPanel().applyCollectSettings());
    QCOMPARE(detail.sshCommand(), u"ssh line-check@"_s + QHostInfo::localHostName());
}

void TestCollectPanel::realClientThroughTheToolbarServer()
{
    KEYSTEAD_VERIFY_OK(ui::collect_settings::save(*m_core->settings, u"127.0.0.1:0"_s, true));
    m_panel.reset();
    m_testers.clear();
    ui::MainWindow window(m_core->services(), windowSettings());
    attachTesters(window.collectPanel());
    CollectSessionInput input;
    input.multiKey = true;
    const Result<CollectSession> session = createSession(input);
    KEYSTEAD_VERIFY_OK(session);
    ui::CollectPanel &panel = window.collectPanel();
    QVERIFY(panel.selectSession(session->id));
    window.collectServerAction()->trigger();
    QCOMPARE(m_core->collectServer->state(), CollectServer::State::Running);
    QSignalSpy keysReset(&panel.detail().keysModel(), &CollectKeysModel::modelReset);

    // The user runs the line the panel shows, with two keys.
    QStringList arguments = panel.detail().sshCommand().split(u' ');
    QCOMPARE(arguments.takeFirst(), u"ssh"_s);
    arguments = QStringList{u"-F"_s, u"/dev/null"_s,
                            u"-o"_s, u"BatchMode=yes"_s,
                            u"-o"_s, u"StrictHostKeyChecking=no"_s,
                            u"-o"_s, u"UserKnownHostsFile=/dev/null"_s,
                            u"-o"_s, u"IdentitiesOnly=yes"_s,
                            u"-o"_s, u"IdentityAgent=none"_s,
                            u"-i"_s, keyFile(0),
                            u"-i"_s, keyFile(2)}
        + arguments;
    QProcess client;
    client.setProcessChannelMode(QProcess::MergedChannels);
    client.start(u"ssh"_s, arguments);
    QVERIFY(client.waitForStarted(10'000));
    // The window's event loop runs while the client works: the server's signals arrive queued.
    QTRY_VERIFY_WITH_TIMEOUT(client.state() == QProcess::NotRunning, 60'000);
    const QString transcript = QString::fromLocal8Bit(client.readAll());
    QVERIFY2(client.exitStatus() == QProcess::NormalExit && client.exitCode() == 0, qPrintable(transcript));
    QVERIFY2(transcript.contains(key(0).fingerprintSha256()), qPrintable(transcript));

    const CollectKeysModel &keys = panel.detail().keysModel();
    QTRY_COMPARE(keys.collectedKeyCount(), 2);
    const QModelIndex connection = keys.index(0, 0);
    QCOMPARE(connection.data().toString(), u"127.0.0.1"_s);
    QVERIFY(keys.index(0, CollectKeysModel::Fingerprint).data().toString().startsWith(u"SSH-2.0-OpenSSH"_s));
    QCOMPARE(keys.index(0, CollectKeysModel::Fingerprint, connection).data().toString(), key(0).fingerprintSha256());
    QCOMPARE(keys.index(1, CollectKeysModel::Fingerprint, connection).data().toString(), key(2).fingerprintSha256());
    QCOMPARE(keysReset.count(), 0);
    const CollectSessionsModel &sessions = window.collectPanel().sessionsModel();
    QTRY_COMPARE(sessions.index(sessions.rowOf(session->id), CollectSessionsModel::Status).data().toString(),
                 u"completed"_s);
    window.stopCollectServer();
}

void TestCollectPanel::webhookDeliveriesAreListedAndSentAgain()
{
    const quint16 port = closedPort();
    QVERIFY(port != 0);
    CollectSessionInput input;
    CollectWebhook webhook;
    webhook.url = u"http://127.0.0.1:%1/hook"_s.arg(port);
    webhook.events = {u"new_connection"_s};
    input.webhooks = {webhook};
    const Result<CollectSession> session = createSession(input);
    KEYSTEAD_VERIFY_OK(session);
    QVERIFY(m_panel->selectSession(session->id));
    const WebhookDeliveriesModel &deliveries = m_panel->detail().deliveriesModel();
    QCOMPARE(deliveries.rowCount(), 0);
    QSignalSpy reset(&deliveries, &WebhookDeliveriesModel::modelReset);

    // A user connects: the event is queued, sent, and fails against the closed port.
    KEYSTEAD_VERIFY_OK(m_core->collect->connectionOpened(session->id, u"192.0.2.1"_s, u"SSH-2.0-test"_s));
    QTRY_COMPARE(deliveries.rowCount(), 1);
    QCOMPARE(deliveries.index(0, WebhookDeliveriesModel::Event).data().toString(), u"new connection"_s);
    QCOMPARE(deliveries.index(0, WebhookDeliveriesModel::Target).data().toString(), u"POST "_s + webhook.url);
    QTRY_COMPARE_WITH_TIMEOUT(deliveries.index(0, WebhookDeliveriesModel::Status).data().toString(), u"failed"_s,
                              20'000);
    QCOMPARE(deliveries.index(0, WebhookDeliveriesModel::Attempts).data().toInt(), 1);
    QCOMPARE(deliveries.index(0, WebhookDeliveriesModel::Answer).data().toString(), u"no answer"_s);
    QVERIFY(!deliveries.index(0, WebhookDeliveriesModel::Answer).data(Qt::ToolTipRole).toString().isEmpty());
    QVERIFY(
        deliveries.index(0, WebhookDeliveriesModel::Attempts).data(Qt::ToolTipRole).toString().startsWith(u"#1 "_s));
    QCOMPARE(reset.count(), 0);
    QCOMPARE(child<QTabWidget>(m_panel.get(), u"detailTabs"_s)->tabText(1), u"Webhook deliveries (1)"_s);

    // Sent again by hand: a new delivery on top, the old one stays.
    auto *redeliver = child<QPushButton>(m_panel.get(), u"redeliver"_s);
    QVERIFY(!redeliver->isEnabled());
    const QString firstId = deliveries.index(0, 0).data(WebhookDeliveriesModel::IdRole).toString();
    QVERIFY(m_panel->detail().selectDelivery(firstId));
    QVERIFY(redeliver->isEnabled());
    m_core->clock.advanceSeconds(1); // the store orders deliveries by when they were made
    redeliver->click();
    QVERIFY2(m_panel->detail().errorText().isEmpty(), qPrintable(m_panel->detail().errorText()));
    QTRY_COMPARE(deliveries.rowCount(), 2);
    QCOMPARE(deliveries.index(1, 0).data(WebhookDeliveriesModel::IdRole).toString(), firstId);
    QCOMPARE(deliveries.index(0, WebhookDeliveriesModel::Event).data().toString(), u"new connection (sent again)"_s);
    QTRY_COMPARE_WITH_TIMEOUT(deliveries.index(0, WebhookDeliveriesModel::Status).data().toString(), u"failed"_s,
                              20'000);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(deliveries.deliveryAt(0).redeliveryOf, firstId);

    // The receiver's secret, to check signatures with.
    QVERIFY(m_panel->detail().selectDelivery(firstId));
    KEYSTEAD_VERIFY_OK(m_panel->detail().copyWebhookSecret());
    const QString secret = QGuiApplication::clipboard()->text();
    QCOMPARE(secret.size(), 64);
    QCOMPARE(secret.toLatin1(), m_core->webhooks->secretFor(session->webhooks.constFirst().id));
}

void TestCollectPanel::collectedKeyNotifies()
{
    m_panel.reset();
    m_testers.clear();
    ui::MainWindow window(m_core->services(), windowSettings());
    QSignalSpy shown(&window.notifier(), &ui::DesktopNotifier::shown);
    CollectSessionInput input;
    input.connectionIdentifier = u"notify-me"_s;
    input.multiKey = true;
    const Result<CollectSession> session = createSession(input);
    KEYSTEAD_VERIFY_OK(session);

    QString connectionId;
    onServerThread([&] {
        Result<QString> opened = m_core->collect->connectionOpened(session->id, u"192.0.2.8"_s, u"SSH-2.0-x"_s);
        if (!opened)
            return;
        connectionId = opened.value();
        (void)m_core->collect->keyProven(connectionId, key(1));
    });
    QTRY_COMPARE(shown.count(), 1);
    QCOMPARE(shown.at(0).at(0).toString(), u"Key collected"_s);
    const QString body = shown.at(0).at(1).toString();
    QVERIFY2(body.contains(key(1).fingerprintSha256()), qPrintable(body));
    QVERIFY(body.contains(u"notify-me"_s));
    QVERIFY(body.contains(u"192.0.2.8"_s));
    // This test has no session bus and no tray: nowhere to show it, and no wait either.
    QCOMPARE(shown.at(0).at(2).value<ui::DesktopNotifier::Channel>(), ui::DesktopNotifier::Channel::None);

    // Turned off in Settings: nothing.
    auto *notify = window.settingsPanel().findChild<QCheckBox *>(u"collectNotify"_s);
    QVERIFY(notify->isChecked());
    notify->setChecked(false);
    KEYSTEAD_VERIFY_OK(window.settingsPanel().applyCollectSettings());
    QVERIFY(!ui::collect_settings::notificationsEnabled(*m_core->settings));
    QSignalSpy collected(m_core->collect.get(), &CollectService::keyCollected);
    KEYSTEAD_VERIFY_OK(m_core->collect->keyProven(connectionId, key(2)));
    QCOMPARE(collected.count(), 1); // same thread: delivered, and handled, already
    QCOMPARE(shown.count(), 1);
}

KEYSTEAD_UI_TEST_MAIN(TestCollectPanel)
#include "tst_collectpanel.moc"
