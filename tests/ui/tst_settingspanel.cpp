#include "HttpTestClient.h"
#include "UiTestSupport.h"

#include "api/EndpointSettings.h"
#include "settings/SshSettingsService.h"
#include "store/Sql.h"
#include "ui/common/CollectServerSettings.h"
#include "ui/settings/NewTokenDialog.h"
#include "ui/settings/SettingsPanel.h"
#include "ui/settings/TokenSecretDialog.h"
#include "ui/settings/TokensModel.h"

#include <QCheckBox>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTcpServer>
#include <QTimer>

#include <functional>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;
using keystead::ui::SettingsPanel;
using keystead::ui::TokensModel;

class TestSettingsPanel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void showsTheStoredEndpointSettings();
    void createdTokenIsListedAndVerifies();
    void badTokenNameIsShown();
    void revokedTokenSaysRevoked();
    void invalidEndpointSettingsChangeNothing_data();
    void invalidEndpointSettingsChangeNothing();
    void enablingTheEndpointReallyStartsIt();
    void endpointThatCannotStartSaysWhy();
    void collectSettingsAreSavedAndBadOnesChangeNothing();
    void trailCleanupEditsTheSshOptions();
    void newTokenButtonAsksForANameAndShowsTheSecretOnce();
    void revokeButtonAsksFirst();
    void newTokenDialogNeedsANameAndAScope();
    void vaultStateIsShown();
    void rotatingTheMasterKeyResealsAndIsAudited();
    void accessRolesAreAdded();

private:
    QCheckBox *enabledBox() const { return m_panel->findChild<QCheckBox *>(u"endpointEnabled"_s); }
    QLineEdit *field(const QString &name) const { return m_panel->findChild<QLineEdit *>(name); }
    QString stateColumn(const QString &tokenId) const
    {
        const TokensModel &model = m_panel->tokensModel();
        return model.index(model.rowOf(tokenId), TokensModel::State).data().toString();
    }

    std::unique_ptr<UiCore> m_core;
    std::unique_ptr<SettingsPanel> m_panel;
};

void TestSettingsPanel::init()
{
    m_core = UiCore::create();
    QVERIFY(m_core);
    m_panel = std::make_unique<SettingsPanel>(*m_core->settings, *m_core->tokens, *m_core->endpoint, *m_core->vault,
                                              *m_core->audit, *m_core->connections);
    m_panel->resize(900, 640);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
}

void TestSettingsPanel::cleanup()
{
    m_panel.reset();
    m_core.reset();
}

void TestSettingsPanel::showsTheStoredEndpointSettings()
{
    // Off by default, on the documented address.
    QVERIFY(!enabledBox()->isChecked());
    QCOMPARE(field(u"listenAddress"_s)->text(), u"127.0.0.1:8420"_s);
    QVERIFY(field(u"tlsCertificate"_s)->text().isEmpty());

    KEYSTEAD_VERIFY_OK(m_core->settings->setValue(QString(endpoint_settings::kListen), u"127.0.0.1:9999"_s));
    KEYSTEAD_VERIFY_OK(m_core->settings->setBoolValue(QString(endpoint_settings::kEnabled), true));
    SettingsPanel again(*m_core->settings, *m_core->tokens, *m_core->endpoint, *m_core->vault, *m_core->audit,
                        *m_core->connections);
    QVERIFY(again.findChild<QCheckBox *>(u"endpointEnabled"_s)->isChecked());
    QCOMPARE(again.findChild<QLineEdit *>(u"listenAddress"_s)->text(), u"127.0.0.1:9999"_s);
    QCOMPARE(again.findChild<QLabel *>(u"endpointState"_s)->text(), u"Not running"_s);
}

void TestSettingsPanel::createdTokenIsListedAndVerifies()
{
    const TokensModel &model = m_panel->tokensModel();
    QCOMPARE(model.rowCount(), 0);
    QSignalSpy changed(m_core->tokens.get(), &TokenService::tokensChanged);
    QSignalSpy inserted(&model, &TokensModel::rowsInserted);

    const Result<NewApiToken> made = m_panel->createToken(u"  backup script "_s);
    KEYSTEAD_VERIFY_OK(made);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(inserted.count(), 1);
    QVERIFY(made->secret.startsWith(TokenService::kSecretPrefix));
    QVERIFY(m_panel->tokenError().isEmpty());

    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, TokensModel::Name).data().toString(), u"backup script"_s);
    QCOMPARE(model.index(0, TokensModel::State).data().toString(), u"active"_s);
    QCOMPARE(model.index(0, TokensModel::LastUsed).data().toString(), u"never"_s);
    // The secret is nowhere in the model.
    for (int column = 0; column < model.columnCount(); ++column) {
        for (int role :
             {int(Qt::DisplayRole), int(Qt::ToolTipRole), int(TokensModel::SortRole), int(TokensModel::IdRole)})
            QVERIFY(!model.index(0, column).data(role).toString().contains(made->secret));
    }

    // The new token is selected, so the next click on Revoke is about it.
    auto *view = m_panel->findChild<QTableView *>(u"tokens"_s);
    QCOMPARE(view->selectionModel()->selectedRows().size(), 1);
    QCOMPARE(view->selectionModel()->selectedRows().constFirst().data(TokensModel::IdRole).toString(), made->token.id);
    QVERIFY(m_panel->findChild<QPushButton *>(u"revokeToken"_s)->isEnabled());

    const std::optional<ApiToken> verified = m_core->tokens->verify(made->secret.toLatin1());
    QVERIFY(verified);
    QCOMPARE(verified->id, made->token.id);
}

void TestSettingsPanel::badTokenNameIsShown()
{
    QVERIFY(!m_panel->createToken(u"   "_s));
    QVERIFY(!m_panel->tokenError().isEmpty());
    QCOMPARE(m_panel->tokensModel().rowCount(), 0);

    KEYSTEAD_VERIFY_OK(m_panel->createToken(u"twice"_s));
    QVERIFY(m_panel->tokenError().isEmpty());
    QVERIFY(!m_panel->createToken(u"twice"_s));
    QVERIFY2(m_panel->tokenError().contains(u"exists already"_s), qPrintable(m_panel->tokenError()));
    QCOMPARE(m_panel->tokensModel().rowCount(), 1);
}

void TestSettingsPanel::revokedTokenSaysRevoked()
{
    const Result<NewApiToken> kept = m_panel->createToken(u"kept"_s);
    KEYSTEAD_VERIFY_OK(kept);
    m_core->clock.advanceSeconds(5);
    const Result<NewApiToken> doomed = m_panel->createToken(u"doomed"_s);
    KEYSTEAD_VERIFY_OK(doomed);
    QVERIFY(m_panel->selectToken(doomed->token.id));

    QSignalSpy changed(m_core->tokens.get(), &TokenService::tokensChanged);
    QSignalSpy dataChanged(&m_panel->tokensModel(), &TokensModel::dataChanged);
    KEYSTEAD_VERIFY_OK(m_panel->revokeSelected());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(dataChanged.count(), 1);

    QCOMPARE(stateColumn(doomed->token.id), u"revoked"_s);
    QCOMPARE(stateColumn(kept->token.id), u"active"_s);
    QVERIFY(!m_core->tokens->verify(doomed->secret.toLatin1()));
    QVERIFY(m_core->tokens->verify(kept->secret.toLatin1()));
    // Still selected, and a revoked token cannot be revoked again.
    QVERIFY(!m_panel->findChild<QPushButton *>(u"revokeToken"_s)->isEnabled());

    m_panel->findChild<QTableView *>(u"tokens"_s)->clearSelection();
    QVERIFY(!m_panel->revokeSelected());
}

void TestSettingsPanel::invalidEndpointSettingsChangeNothing_data()
{
    QTest::addColumn<QString>("listen");
    QTest::addColumn<QString>("certificate");
    QTest::addColumn<QString>("key");
    QTest::newRow("no port") << u"127.0.0.1"_s << QString() << QString();
    QTest::newRow("port too big") << u"127.0.0.1:70000"_s << QString() << QString();
    QTest::newRow("not an address") << u"keystead.example:8420"_s << QString() << QString();
    QTest::newRow("IPv6 without brackets") << u"::1:8420"_s << QString() << QString();
    QTest::newRow("certificate without key")
        << u"127.0.0.1:0"_s << QCoreApplication::applicationFilePath() << QString();
    QTest::newRow("unreadable files") << u"127.0.0.1:0"_s << u"/nonexistent/cert.pem"_s << u"/nonexistent/key.pem"_s;
}

void TestSettingsPanel::invalidEndpointSettingsChangeNothing()
{
    QFETCH(QString, listen);
    QFETCH(QString, certificate);
    QFETCH(QString, key);

    QSignalSpy settingsChanged(m_core->settings.get(), &SettingsStore::changed);
    QSignalSpy states(m_core->endpoint.get(), &ApiEndpoint::stateChanged);
    enabledBox()->setChecked(true);
    field(u"listenAddress"_s)->setText(listen);
    field(u"tlsCertificate"_s)->setText(certificate);
    field(u"tlsKey"_s)->setText(key);
    m_panel->findChild<QPushButton *>(u"applyEndpoint"_s)->click();

    QVERIFY(!m_panel->endpointError().isEmpty());
    QVERIFY(m_panel->findChild<QLabel *>(u"endpointError"_s)->isVisible());
    QCOMPARE(settingsChanged.count(), 0);
    QCOMPARE(states.count(), 0);
    QVERIFY(!endpoint_settings::isEnabled(*m_core->settings));
    QVERIFY(m_core->settings->value(QString(endpoint_settings::kListen)).isEmpty());
    QCOMPARE(m_core->endpoint->state(), ApiEndpoint::State::Stopped);
    // What was typed stays, to be corrected.
    QCOMPARE(field(u"listenAddress"_s)->text(), listen);

    // Correcting it clears the error.
    field(u"listenAddress"_s)->setText(u"127.0.0.1:0"_s);
    field(u"tlsCertificate"_s)->clear();
    field(u"tlsKey"_s)->clear();
    enabledBox()->setChecked(false);
    KEYSTEAD_VERIFY_OK(m_panel->applyEndpointSettings());
    QVERIFY(m_panel->endpointError().isEmpty());
}

void TestSettingsPanel::enablingTheEndpointReallyStartsIt()
{
    QSignalSpy states(m_core->endpoint.get(), &ApiEndpoint::stateChanged);
    enabledBox()->setChecked(true);
    field(u"listenAddress"_s)->setText(u"localhost:0"_s);
    m_panel->findChild<QPushButton *>(u"applyEndpoint"_s)->click();

    QVERIFY2(m_panel->endpointError().isEmpty(), qPrintable(m_panel->endpointError()));
    QCOMPARE(states.count(), 1);
    QCOMPARE(m_core->endpoint->state(), ApiEndpoint::State::Running);
    QVERIFY(endpoint_settings::isEnabled(*m_core->settings));
    // Stored, and shown back, in its normal form.
    QCOMPARE(m_core->settings->value(QString(endpoint_settings::kListen)), u"127.0.0.1:0"_s);
    QCOMPARE(field(u"listenAddress"_s)->text(), u"127.0.0.1:0"_s);
    const QString url = m_core->endpoint->url();
    QVERIFY(url.startsWith(u"http://127.0.0.1:"_s));
    QCOMPARE(m_panel->findChild<QLabel *>(u"endpointState"_s)->text(), u"Running at "_s + url);

    const HttpReply health = httpRequest("GET", QUrl(url + u"/api/health"_s));
    QCOMPARE(health.status, 200);

    enabledBox()->setChecked(false);
    KEYSTEAD_VERIFY_OK(m_panel->applyEndpointSettings());
    QCOMPARE(states.count(), 2);
    QCOMPARE(m_core->endpoint->state(), ApiEndpoint::State::Stopped);
    QVERIFY(!endpoint_settings::isEnabled(*m_core->settings));
    QCOMPARE(httpRequest("GET", QUrl(url + u"/api/health"_s), {}, {}, 2000).status, 0);
    QCOMPARE(m_panel->findChild<QLabel *>(u"endpointState"_s)->text(), u"Not running"_s);
}

void TestSettingsPanel::endpointThatCannotStartSaysWhy()
{
    QTcpServer occupant;
    QVERIFY(occupant.listen(QHostAddress::LocalHost, 0));
    enabledBox()->setChecked(true);
    field(u"listenAddress"_s)->setText(u"127.0.0.1:%1"_s.arg(occupant.serverPort()));
    QVERIFY(!m_panel->applyEndpointSettings());
    QCOMPARE(m_core->endpoint->state(), ApiEndpoint::State::Failed);
    QVERIFY(!m_panel->endpointError().isEmpty());
    QVERIFY(m_panel->findChild<QLabel *>(u"endpointState"_s)->text().startsWith(u"Failed to start: "_s));
}

void TestSettingsPanel::collectSettingsAreSavedAndBadOnesChangeNothing()
{
    namespace collect_settings = ui::collect_settings;
    // The safe default: this machine only, on the documented port; notifications on.
    QCOMPARE(field(u"collectListenAddress"_s)->text(), u"127.0.0.1:2222"_s);
    auto *notify = m_panel->findChild<QCheckBox *>(u"collectNotify"_s);
    QVERIFY(notify->isChecked());
    QCOMPARE(collect_settings::listenAddress(*m_core->settings)->toString(), u"127.0.0.1:2222"_s);

    auto *retention = m_panel->findChild<QSpinBox *>(u"trailRetentionDays"_s);
    QCOMPARE(retention->value(), m_core->connections->retentionDays()); // 600, as seed 004's cleanup

    QSignalSpy applied(m_panel.get(), &SettingsPanel::collectSettingsApplied);
    field(u"collectListenAddress"_s)->setText(u" 0.0.0.0:2022 "_s);
    notify->setChecked(false);
    retention->setValue(30);
    m_panel->findChild<QPushButton *>(u"applyCollect"_s)->click();
    QVERIFY2(m_panel->collectError().isEmpty(), qPrintable(m_panel->collectError()));
    QCOMPARE(applied.count(), 1);
    QCOMPARE(m_core->settings->value(QString(collect_settings::kListen)), u"0.0.0.0:2022"_s);
    QCOMPARE(field(u"collectListenAddress"_s)->text(), u"0.0.0.0:2022"_s);
    QVERIFY(!collect_settings::notificationsEnabled(*m_core->settings));
    // The connections' cleanup job reads what was saved.
    QCOMPARE(m_core->connections->retentionDays(), 30);

    QSignalSpy settingsChanged(m_core->settings.get(), &SettingsStore::changed);
    field(u"collectListenAddress"_s)->setText(u"collect.example:22"_s);
    notify->setChecked(true);
    QVERIFY(!m_panel->applyCollectSettings());
    QVERIFY(!m_panel->collectError().isEmpty());
    QVERIFY(m_panel->findChild<QLabel *>(u"collectError"_s)->isVisible());
    QCOMPARE(applied.count(), 1);
    QCOMPARE(settingsChanged.count(), 0);
    QCOMPARE(m_core->settings->value(QString(collect_settings::kListen)), u"0.0.0.0:2022"_s);
    QVERIFY(!collect_settings::notificationsEnabled(*m_core->settings));

    // Another panel on the same store shows what was saved.
    SettingsPanel again(*m_core->settings, *m_core->tokens, *m_core->endpoint, *m_core->vault, *m_core->audit,
                        *m_core->connections);
    QCOMPARE(again.findChild<QLineEdit *>(u"collectListenAddress"_s)->text(), u"0.0.0.0:2022"_s);
    QVERIFY(!again.findChild<QCheckBox *>(u"collectNotify"_s)->isChecked());
    QCOMPARE(again.findChild<QSpinBox *>(u"trailRetentionDays"_s)->value(), 30);
}

void TestSettingsPanel::trailCleanupEditsTheSshOptions()
{
    // As the app wires it: the SSH options govern the connections' retention.
    SshSettingsService options(m_core->store->database(), m_core->clock, *m_core->audit);
    m_core->connections->setOptionsSource(&options);
    auto unwire = qScopeGuard([this] { m_core->connections->setOptionsSource(nullptr); });
    SettingsPanel panel(*m_core->settings, *m_core->tokens, *m_core->endpoint, *m_core->vault, *m_core->audit,
                        *m_core->connections);
    auto *enabled = panel.findChild<QCheckBox *>(u"trailCleanupEnabled"_s);
    auto *days = panel.findChild<QSpinBox *>(u"trailRetentionDays"_s);
    QVERIFY(enabled && days);
    // Seed 004's defaults: cleanup on, 600 days.
    QVERIFY(enabled->isChecked());
    QVERIFY(days->isEnabled());
    QCOMPARE(days->value(), 600);

    QSignalSpy changed(&options, &SshSettingsService::optionsChanged);
    days->setValue(45);
    KEYSTEAD_VERIFY_OK(panel.applyCollectSettings());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(options.options()->cleanupDays, 45);
    QVERIFY(options.options()->cleanupEnabled);
    QCOMPARE(m_core->connections->retentionDays(), 45);

    // Unchecked: cleanup disabled, the days kept for when it is checked again.
    enabled->setChecked(false);
    QVERIFY(!days->isEnabled());
    KEYSTEAD_VERIFY_OK(panel.applyTrailCleanup());
    QVERIFY(!options.options()->cleanupEnabled);
    QCOMPARE(options.options()->cleanupDays, 45);
    QCOMPARE(m_core->connections->retentionDays(), 0);
    // The old Settings value is not what counts.
    QVERIFY(m_core->settings->value(QString(ConnectionService::kRetentionDaysSetting)).isEmpty());

    // A change made elsewhere (over HTTP) shows in the panel.
    Result<SshOptions> current = options.options();
    KEYSTEAD_VERIFY_OK(current);
    current->cleanupEnabled = true;
    current->cleanupDays = 90;
    KEYSTEAD_VERIFY_OK(options.setOptions(current.value(), Actor::commandLine()));
    QTRY_COMPARE(days->value(), 90);
    QVERIFY(enabled->isChecked());
    QVERIFY(days->isEnabled());
}

void TestSettingsPanel::newTokenButtonAsksForANameAndShowsTheSecretOnce()
{
    QString shownSecret;
    QString copied;
    auto *newToken = m_panel->findChild<QPushButton *>(u"newToken"_s);
    const int answered
        = answeringDialogs([newToken] { newToken->click(); },
                           [&](QWidget *modal) {
                               if (auto *ask = qobject_cast<ui::NewTokenDialog *>(modal)) {
                                   ask->findChild<QLineEdit *>(u"tokenName"_s)->setText(u"from the dialog"_s);
                                   // Read only, and reveal: a choice the person makes.
                                   ask->findChild<QCheckBox *>(u"scopeWrite"_s)->setChecked(false);
                                   ask->findChild<QCheckBox *>(u"scopeReveal"_s)->setChecked(true);
                                   ask->accept();
                                   return true;
                               }
                               if (auto *secret = qobject_cast<ui::TokenSecretDialog *>(modal)) {
                                   shownSecret = secret->findChild<QLineEdit *>(u"secret"_s)->text();
                                   secret->findChild<QPushButton *>(u"copy"_s)->click();
                                   copied = QGuiApplication::clipboard()->text();
                                   secret->accept();
                                   return true;
                               }
                               return false;
                           });
    QCOMPARE(answered, 2);
    QVERIFY(shownSecret.startsWith(TokenService::kSecretPrefix));
    QCOMPARE(copied, shownSecret);
    QCOMPARE(m_panel->tokensModel().rowCount(), 1);
    QCOMPARE(m_panel->tokensModel().tokenAt(0).name, u"from the dialog"_s);
    const std::optional<ApiToken> verified = m_core->tokens->verify(shownSecret.toLatin1());
    QVERIFY(verified);
    QCOMPARE(verified->scopes, (TokenScopes{TokenScope::Read, TokenScope::RevealSecrets}));

    // Cancelling the name makes nothing.
    const int cancelled = answeringDialogs([newToken] { newToken->click(); },
                                           [](QWidget *modal) {
                                               if (auto *ask = qobject_cast<ui::NewTokenDialog *>(modal)) {
                                                   ask->reject();
                                                   return true;
                                               }
                                               return false;
                                           });
    QCOMPARE(cancelled, 1);
    QCOMPARE(m_panel->tokensModel().rowCount(), 1);
}

void TestSettingsPanel::revokeButtonAsksFirst()
{
    const Result<NewApiToken> made = m_panel->createToken(u"asked about"_s);
    KEYSTEAD_VERIFY_OK(made);
    auto *revoke = m_panel->findChild<QPushButton *>(u"revokeToken"_s);

    QCOMPARE(answeringDialogs([revoke] { revoke->click(); }, clickMessageBox(QMessageBox::Cancel)), 1);
    QCOMPARE(stateColumn(made->token.id), u"active"_s);

    QCOMPARE(answeringDialogs([revoke] { revoke->click(); }, clickMessageBox(QMessageBox::Yes)), 1);
    QCOMPARE(stateColumn(made->token.id), u"revoked"_s);
    QVERIFY(!revoke->isEnabled());
}

void TestSettingsPanel::newTokenDialogNeedsANameAndAScope()
{
    ui::NewTokenDialog dialog;
    auto *ok = dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    QCOMPARE(dialog.scopes(), kDefaultTokenScopes);
    QVERIFY(!ok->isEnabled()); // no name yet
    dialog.setName(u"nightly"_s);
    QVERIFY(ok->isEnabled());
    dialog.setScopes(TokenScopes());
    QVERIFY(!ok->isEnabled()); // a token that may do nothing is not offered
    dialog.findChild<QCheckBox *>(u"scopeRead"_s)->setChecked(true);
    QVERIFY(ok->isEnabled());
    QCOMPARE(dialog.scopes(), TokenScopes(TokenScope::Read));
}

void TestSettingsPanel::vaultStateIsShown()
{
    // A fresh store has sealed nothing: the panel says where the key will go, and there is nothing to rotate.
    auto *rotate = m_panel->findChild<QPushButton *>(u"rotateMasterKey"_s);
    QVERIFY(rotate);
    QVERIFY(m_panel->vaultStateText().contains(m_core->vault->keyStoreDescription()));
    QVERIFY(!rotate->isEnabled());

    KEYSTEAD_VERIFY_OK(m_core->vault->unlock());
    m_panel->showVaultState();
    QVERIFY2(m_panel->vaultStateText().startsWith(u"Open"_s), qPrintable(m_panel->vaultStateText()));
    QVERIFY(rotate->isEnabled());

    // The key file loses its key: the panel says so, in the vault's own words, and offers no rotation.
    QFile keyFile(m_core->store->dataDir() + u"/master.key"_s);
    QVERIFY(keyFile.open(QIODevice::WriteOnly | QIODevice::Truncate));
    keyFile.close();
    Vault other(m_core->store->database(), m_core->clock, *m_core->masterKeys);
    SettingsPanel lost(*m_core->settings, *m_core->tokens, *m_core->endpoint, other, *m_core->audit,
                       *m_core->connections);
    QVERIFY(!lost.findChild<QPushButton *>(u"rotateMasterKey"_s)->isEnabled());
    QCOMPARE(lost.vaultStateText(), other.stateMessage());
}

void TestSettingsPanel::rotatingTheMasterKeyResealsAndIsAudited()
{
    KEYSTEAD_VERIFY_OK(m_core->vault->unlock());
    QSqlDatabase db = m_core->store->database().connection();
    const SecretRef ref{u"test"_s, u"1"_s, u"password"_s};
    KEYSTEAD_VERIFY_OK(sql::inTransaction(db, [&] { return m_core->vault->put(db, ref, "hunter2"); }));
    const auto sealedText = [&] {
        Result<QSqlQuery> row = sql::exec(db, u"SELECT sealed FROM vault_secrets"_s);
        return row && row.value().first() ? row.value().value(0).toString() : QString();
    };
    const QString before = sealedText();
    m_panel->showVaultState();

    auto *rotate = m_panel->findChild<QPushButton *>(u"rotateMasterKey"_s);
    QVERIFY(rotate->isEnabled());
    // Cancelled: nothing changes.
    QCOMPARE(answeringDialogs([rotate] { rotate->click(); }, clickMessageBox(QMessageBox::Cancel)), 1);
    QCOMPARE(sealedText(), before);

    QCOMPARE(answeringDialogs([rotate] { rotate->click(); }, clickMessageBox(QMessageBox::Yes)), 1);
    QVERIFY2(m_panel->vaultError().isEmpty(), qPrintable(m_panel->vaultError()));
    const QString after = sealedText();
    QVERIFY(!after.isEmpty());
    QVERIFY(after != before);
    // Still opens, under the new key.
    const Result<QByteArray> opened = m_core->vault->get(ref);
    KEYSTEAD_VERIFY_OK(opened);
    QCOMPARE(opened.value(), QByteArray("hunter2"));
    const Result<QList<AuditEvent>> events = m_core->audit->list({u"vault.rotate"_s, {}, 10});
    KEYSTEAD_VERIFY_OK(events);
    QCOMPARE(events->size(), 1);
    QCOMPARE(events->constFirst().actor.kind, u"console"_s);
}

void TestSettingsPanel::accessRolesAreAdded()
{
    QVERIFY(m_panel->accessRoleTexts().isEmpty());
    field(u"accessRoleName"_s)->setText(u" auditors "_s);
    m_panel->findChild<QPushButton *>(u"addAccessRole"_s)->click();
    const Result<QList<AccessRole>> roles = m_core->connections->roles();
    KEYSTEAD_VERIFY_OK(roles);
    QCOMPARE(roles->size(), 1);
    QCOMPARE(roles->constFirst().name, u"auditors"_s);
    // Listed with its id, which the HTTP routes take.
    QCOMPARE(m_panel->accessRoleTexts().size(), 1);
    QVERIFY(m_panel->accessRoleTexts().constFirst().contains(roles->constFirst().id));
    QVERIFY(field(u"accessRoleName"_s)->text().isEmpty());

    // The same name again, or none: refused with the reason shown, nothing added.
    QVERIFY(!m_panel->addAccessRole(u"Auditors"_s));
    QVERIFY(m_panel->findChild<QLabel *>(u"accessRoleError"_s)->isVisibleTo(m_panel.get()));
    QVERIFY(!m_panel->addAccessRole(u"  "_s));
    QCOMPARE(m_core->connections->roles()->size(), 1);
}

KEYSTEAD_UI_TEST_MAIN(TestSettingsPanel)
#include "tst_settingspanel.moc"
