#pragma once

// The fixture shared by tst_collectpanel.cpp and tst_collectlive.cpp: what each test starts from.
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

#include <QDateTimeEdit>
#include <QDoubleSpinBox>
#include <QHostInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QListWidget>
#include <QRadioButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableWidget>
#include <QThread>
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

class CollectPanelFixture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

protected:
    void attachTesters(CollectPanel &panel);
    SshPublicKey key(int index) const { return m_keys.at(index); }
    QString keyFile(int index) const { return m_keyFiles.at(index); }
    Result<CollectSession> createSession(const CollectSessionInput &input) { return m_core->collect->create(input); }
    // As the SSH server does it, from a thread of its own: a connection to the session
    // from `address` that proves the keys numbered `keys`. Its id; empty when refused.
    QString connectWithKeys(const QString &sessionId, const QString &address, const QString &client,
                            const QList<int> &keys);
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

inline void CollectPanelFixture::initTestCase()
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

inline void CollectPanelFixture::init()
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

inline void CollectPanelFixture::cleanup()
{
    m_testers.clear();
    m_panel.reset();
    m_windowSettings.reset();
    m_settingsDir.reset();
    m_core.reset();
}

inline void CollectPanelFixture::attachTesters(CollectPanel &panel)
{
    const auto mode = QAbstractItemModelTester::FailureReportingMode::QtTest;
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&panel.sessionsModel(), mode));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&panel.sessionsFilter(), mode));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&panel.detail().keysModel(), mode));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&panel.detail().deliveriesModel(), mode));
}

inline void CollectPanelFixture::onServerThread(const std::function<void()> &work)
{
    Database &database = m_core->store->database();
    std::unique_ptr<QThread> thread(QThread::create([&work, &database] {
        work();
        database.releaseThreadConnection();
    }));
    thread->start();
    QVERIFY(thread->wait(30'000));
}

inline QString CollectPanelFixture::connectWithKeys(const QString &sessionId, const QString &address,
                                                    const QString &client, const QList<int> &keys)
{
    QString connectionId;
    onServerThread([&] {
        Result<QString> opened = m_core->collect->connectionOpened(sessionId, address, client);
        if (!opened)
            return;
        connectionId = opened.value();
        for (const int index : keys)
            (void)m_core->collect->keyProven(connectionId, key(index));
    });
    return connectionId;
}

inline QString CollectPanelFixture::storedHeader(const QString &webhookId, const QString &name)
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
