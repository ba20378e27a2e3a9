#include "ConfigApiTest.h"

#include "api/ConfigTransactions.h"
#include "audit/AuditLog.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// Seed 004's configuration over real HTTP: options and settings policies,
// changes inside transactions (commit all, rollback none, refusal outside one,
// optimistic conflicts with other transactions and with the panel), SPS errors
// naming the field. On every store backend. The session_id cookie and
// POST /api/authentication are in tst_config_api_sessions.
class TestConfigApi final : public ConfigApiTest
{
    Q_OBJECT

private Q_SLOTS:
    void optionsHaveTheSeedsShapeAndRoundTrip_data() { backends(); }
    void optionsHaveTheSeedsShapeAndRoundTrip();
    void policiesAreCreatedReadUpdatedDeletedInTransactions_data() { backends(); }
    void policiesAreCreatedReadUpdatedDeletedInTransactions();
    void commitAppliesEveryChangeTogether_data() { backends(); }
    void commitAppliesEveryChangeTogether();
    void rollbackAppliesNothing_data() { backends(); }
    void rollbackAppliesNothing();
    void changeOutsideTransactionIsRefused_data() { backends(); }
    void changeOutsideTransactionIsRefused();
    void twoTransactionsOnOnePolicyConflict_data() { backends(); }
    void twoTransactionsOnOnePolicyConflict();
    void panelWriteConflictsOpenTransaction_data() { backends(); }
    void panelWriteConflictsOpenTransaction();
    void unknownAlgorithmIsNamedWithItsLocation_data() { backends(); }
    void unknownAlgorithmIsNamedWithItsLocation();
    void invalidPolicyFieldsAreRefused_data();
    void invalidPolicyFieldsAreRefused();
    void invalidOptionFieldsAreRefused_data();
    void invalidOptionFieldsAreRefused();
    void builtInAndActivePolicyCannotBeDeleted_data() { backends(); }
    void builtInAndActivePolicyCannotBeDeleted();
    void idleTransactionIsDropped();
    void openApiDescribesTheRoutes();
};

void TestConfigApi::optionsHaveTheSeedsShapeAndRoundTrip()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const HttpReply shown = call("GET", u"/api/configuration/ssh/options"_s);
    QCOMPARE(shown.status, 200);
    const QJsonObject answer = shown.json().object();
    QCOMPARE(answer.value(u"key"_s).toString(), u"options"_s);
    const QJsonObject body = answer.value(u"body"_s).toObject();
    const QJsonObject cleanup = body.value(u"audit"_s).toObject().value(u"cleanup"_s).toObject();
    QCOMPARE(cleanup.value(u"channel_database_cleanup_days"_s).toInt(), 600);
    QCOMPARE(cleanup.value(u"enabled"_s).toBool(), true);
    const QJsonObject timestamping = body.value(u"audit"_s).toObject().value(u"timestamping"_s).toObject();
    QCOMPARE(timestamping.value(u"selection"_s).toString(), u"local"_s);
    QCOMPARE(timestamping.value(u"signing_interval"_s).toInt(), 30);
    QCOMPARE(body.value(u"gssapi"_s).toObject().value(u"enabled"_s), QJsonValue(false));
    const QJsonObject service = body.value(u"service"_s).toObject();
    QCOMPARE(service.value(u"enabled"_s), QJsonValue(true));
    QCOMPARE(service.value(u"log_level"_s).toInt(), 4);
    QCOMPARE(service.value(u"settings_policy"_s).toString(), u"-300"_s);
    const QJsonObject meta = answer.value(u"meta"_s).toObject();
    QCOMPARE(meta.value(u"href"_s).toString(), u"/api/configuration/ssh/options"_s);
    QCOMPARE(meta.value(u"parent"_s).toString(), u"/api/configuration/ssh"_s);
    QCOMPARE(meta.value(u"transaction"_s).toString(), u"/api/transaction"_s);
    QCOMPARE(meta.value(u"next"_s).toString(), u"/api/configuration/ssh/settings_policies"_s);
    QCOMPARE(meta.value(u"last"_s).toString(), u"/api/configuration/ssh/settings_policies"_s);
    QVERIFY(meta.contains(u"first"_s) && meta.contains(u"previous"_s));

    // The seed's "enable cleanup every 10 days", PUT in a transaction.
    QVERIFY(open());
    const QJsonObject seedExample = QJsonDocument::fromJson(
                                        R"({"audit": {"cleanup": {"channel_database_cleanup_days": 10, "enabled": true},
                                        "timestamping": {"selection": "local", "signing_interval": 60}},
                                        "gssapi": {"enabled": false}, "service": {"enabled": false, "log_level": 6}})")
                                        .object();
    const HttpReply put = call("PUT", u"/api/configuration/ssh/options"_s, seedExample);
    QCOMPARE(put.status, 200);
    QCOMPARE(put.json().object().value(u"key"_s).toString(), u"options"_s);
    QCOMPARE(m_core->sshSettings->options().value(), SshOptions{}); // not before the commit
    QCOMPARE(commit().status, 200);
    SshOptions expected;
    expected.cleanupDays = 10;
    expected.signingInterval = 60;
    expected.serviceEnabled = false;
    expected.logLevel = 6;
    QCOMPARE(m_core->sshSettings->options().value(), expected);
    const QJsonObject after = bodyOf(call("GET", u"/api/configuration/ssh/options"_s));
    QJsonObject expectedBody = seedExample;
    setPath(expectedBody, {u"service"_s, u"settings_policy"_s}, u"-300"_s);
    QCOMPARE(after, expectedBody);
}

void TestConfigApi::policiesAreCreatedReadUpdatedDeletedInTransactions()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const HttpReply listed = call("GET", u"/api/configuration/ssh/settings_policies"_s);
    QCOMPARE(listed.status, 200);
    const QJsonArray items = listed.json().object().value(u"items"_s).toArray();
    QCOMPARE(items.size(), 1);
    QCOMPARE(items.first().toObject().value(u"key"_s).toString(), u"-300"_s);
    QCOMPARE(items.first().toObject().value(u"meta"_s).toObject().value(u"href"_s).toString(),
             u"/api/configuration/ssh/settings_policies/-300"_s);
    QCOMPARE(listed.json().object().value(u"meta"_s).toObject().value(u"previous"_s).toString(),
             u"/api/configuration/ssh/options"_s);

    QVERIFY(open());
    QJsonObject body = policyBody(u"API_SSH_Setting"_s);
    body.insert(u"greeting"_s, u"Welcome!"_s);
    body.insert(u"userauth_banner"_s, u"This is a monitored connection."_s);
    const HttpReply created = call("POST", u"/api/configuration/ssh/settings_policies"_s, body);
    QCOMPARE(created.status, 201);
    const QString key = created.json().object().value(u"key"_s).toString();
    QVERIFY(!key.isEmpty());
    const QJsonObject createdMeta = created.json().object().value(u"meta"_s).toObject();
    QCOMPARE(createdMeta.value(u"href"_s).toString(), u"/api/configuration/ssh/settings_policies/"_s + key);
    QCOMPARE(createdMeta.value(u"parent"_s).toString(), u"/api/configuration/ssh/settings_policies"_s);
    QCOMPARE(createdMeta.value(u"transaction"_s).toString(), u"/api/transaction"_s);

    // The owner reads it before the commit; another token does not see it.
    const HttpReply mine = call("GET", u"/api/configuration/ssh/settings_policies/"_s + key);
    QCOMPARE(mine.status, 200);
    QCOMPARE(bodyOf(mine), body);
    QCOMPARE(mine.json().object().value(u"key"_s).toString(), key);
    const QJsonObject meta = mine.json().object().value(u"meta"_s).toObject();
    QCOMPARE(meta.value(u"first"_s).toString(), u"/api/configuration/ssh/settings_policies/-300"_s);
    QCOMPARE(meta.value(u"previous"_s).toString(), u"/api/configuration/ssh/settings_policies/-300"_s);
    QCOMPARE(meta.value(u"last"_s).toString(), u"/api/configuration/ssh/settings_policies/"_s + key);
    QCOMPARE(meta.value(u"next"_s), QJsonValue(QJsonValue::Null));
    QCOMPARE(meta.value(u"parent"_s).toString(), u"/api/configuration/ssh/settings_policies"_s);
    QCOMPARE(call("GET", u"/api/configuration/ssh/settings_policies/"_s + key, QByteArray(), m_other).status, 404);
    QCOMPARE(call("GET", u"/api/configuration/ssh/settings_policies"_s, QByteArray(), m_other)
                 .json()
                 .object()
                 .value(u"items"_s)
                 .toArray()
                 .size(),
             1);
    QCOMPARE(commit().status, 200);
    Result<SettingsPolicy> stored = m_core->sshSettings->policy(key);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->greeting, u"Welcome!"_s);
    QCOMPARE(call("GET", u"/api/configuration/ssh/settings_policies/"_s + key, QByteArray(), m_other).status, 200);

    // Update.
    QVERIFY(open());
    body.insert(u"timeout"_s, 30);
    body.insert(u"strict_mode"_s, false);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/settings_policies/"_s + key, body).status, 200);
    QCOMPARE(m_core->sshSettings->policy(key)->timeout, 600);
    QCOMPARE(commit().status, 200);
    QCOMPARE(m_core->sshSettings->policy(key)->timeout, 30);
    QCOMPARE(m_core->sshSettings->policy(key)->strictMode, false);
    QCOMPARE(bodyOf(call("GET", u"/api/configuration/ssh/settings_policies/"_s + key)), body);

    // Delete.
    QVERIFY(open());
    const HttpReply deleted = call("DELETE", u"/api/configuration/ssh/settings_policies/"_s + key);
    QCOMPARE(deleted.status, 200);
    QCOMPARE(deleted.json().object().value(u"meta"_s).toObject().value(u"href"_s).toString(),
             u"/api/configuration/ssh/settings_policies/"_s + key);
    QCOMPARE(call("GET", u"/api/configuration/ssh/settings_policies/"_s + key).status, 404);
    KEYSTEAD_VERIFY_OK(m_core->sshSettings->policy(key));
    QCOMPARE(commit().status, 200);
    QCOMPARE(m_core->sshSettings->policy(key).error().kind, Error::Kind::NotFound);

    const HttpReply missing = call("GET", u"/api/configuration/ssh/settings_policies/nope"_s);
    QCOMPARE(missing.status, 404);
    QCOMPARE(spsErrorCode(missing), u"NotFound"_s);
    // Each committed change is audited with the token that made it.
    Result<QList<AuditEvent>> events = m_core->audit->list();
    KEYSTEAD_VERIFY_OK(events);
    QCOMPARE(events->size(), 3);
    QCOMPARE(events->first().action, u"ssh_settings.policy.delete"_s);
    QCOMPARE(events->first().actor.id, m_core->writerId);
}

void TestConfigApi::commitAppliesEveryChangeTogether()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QVERIFY(open());
    const QString first = createPolicy(u"First"_s);
    const QString second = createPolicy(u"Second"_s);
    QVERIFY(!first.isEmpty() && !second.isEmpty());
    QJsonObject options = SshSettingsService::optionsToJson(SshOptions{});
    setPath(options, {u"service"_s, u"settings_policy"_s}, second);
    setPath(options, {u"service"_s, u"log_level"_s}, 2);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/options"_s, options).status, 200);

    const HttpReply status = call("GET", u"/api/transaction"_s);
    QCOMPARE(status.status, 200);
    QCOMPARE(bodyOf(status).value(u"status"_s).toString(), u"open"_s);
    QCOMPARE(status.json().object().value(u"transaction"_s).toObject().value(u"status"_s).toString(), u"open"_s);
    QCOMPARE(bodyOf(status).value(u"changes"_s).toInt(), 3);
    QCOMPARE(status.json().object().value(u"meta"_s).toObject().value(u"href"_s).toString(), u"/api/transaction"_s);
    QCOMPARE(bodyOf(call("GET", u"/api/transaction"_s, QByteArray(), m_other)).value(u"status"_s).toString(),
             u"closed"_s);

    // Nothing is visible outside before the commit.
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
    QCOMPARE(bodyOf(call("GET", u"/api/configuration/ssh/options"_s, QByteArray(), m_other))
                 .value(u"service"_s)
                 .toObject()
                 .value(u"settings_policy"_s)
                 .toString(),
             u"-300"_s);

    const HttpReply committed = commit();
    QCOMPARE(committed.status, 200);
    QCOMPARE(bodyOf(committed).value(u"status"_s).toString(), u"closed"_s);
    QCOMPARE(committedPolicyNames(), (QStringList{u"Default"_s, u"First"_s, u"Second"_s}));
    QCOMPARE(m_core->sshSettings->activePolicy().key, second);
    const HttpReply seen = call("GET", u"/api/configuration/ssh/options"_s, QByteArray(), m_other);
    QCOMPARE(bodyOf(seen).value(u"service"_s).toObject().value(u"log_level"_s).toInt(), 2);
    QCOMPARE(call("GET", u"/api/configuration/ssh/settings_policies"_s, QByteArray(), m_other)
                 .json()
                 .object()
                 .value(u"items"_s)
                 .toArray()
                 .size(),
             3);
    // A commit with nothing open.
    const HttpReply again = commit();
    QCOMPARE(again.status, 409);
    QCOMPARE(spsErrorCode(again), u"TransactionMissing"_s);
}

void TestConfigApi::rollbackAppliesNothing()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QVERIFY(open());
    QVERIFY(!createPolicy(u"Dropped"_s).isEmpty());
    QJsonObject options = SshSettingsService::optionsToJson(SshOptions{});
    setPath(options, {u"service"_s, u"log_level"_s}, 0);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/options"_s, options).status, 200);
    QCOMPARE(call("DELETE", u"/api/configuration/ssh/settings_policies/-300"_s).status, 409);

    const HttpReply rolledBack = call("PUT", u"/api/transaction"_s, QJsonObject{{u"status"_s, u"rollback"_s}});
    QCOMPARE(rolledBack.status, 200);
    QCOMPARE(bodyOf(rolledBack).value(u"status"_s).toString(), u"closed"_s);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
    QCOMPARE(m_core->sshSettings->options().value(), SshOptions{});
    QCOMPARE(
        call("GET", u"/api/configuration/ssh/settings_policies"_s).json().object().value(u"items"_s).toArray().size(),
        1);

    // DELETE /api/transaction rolls back too.
    QVERIFY(open());
    QVERIFY(!createPolicy(u"Dropped too"_s).isEmpty());
    QCOMPARE(call("DELETE", u"/api/transaction"_s).status, 200);
    QCOMPARE(commit().status, 409);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
    Result<QList<AuditEvent>> events = m_core->audit->list();
    QCOMPARE(events->size(), 0);
}

void TestConfigApi::changeOutsideTransactionIsRefused()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const HttpReply created = call("POST", u"/api/configuration/ssh/settings_policies"_s, policyBody(u"Nope"_s));
    QCOMPARE(created.status, 409);
    QCOMPARE(spsErrorCode(created), u"TransactionMissing"_s);
    QCOMPARE(spsErrorDetails(created).value(u"path"_s).toString(), u"/api/configuration/ssh/settings_policies"_s);
    QVERIFY(created.json()
                .object()
                .value(u"error"_s)
                .toObject()
                .value(u"message"_s)
                .toString()
                .contains(u"POST /api/transaction"_s));
    QCOMPARE(call("PUT", u"/api/configuration/ssh/settings_policies/-300"_s, policyBody(u"Renamed"_s)).status, 409);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/options"_s, SshSettingsService::optionsToJson(SshOptions{})).status,
             409);
    Result<SettingsPolicy> other = m_core->sshSettings->createPolicy(
        SshSettingsService::policyFromJson(policyBody(u"Other"_s)).value(), Actor::console());
    KEYSTEAD_VERIFY_OK(other);
    QCOMPARE(call("DELETE", u"/api/configuration/ssh/settings_policies/"_s + other->key).status, 409);
    // Another token's open transaction is not this one's.
    QVERIFY(open(m_other));
    QCOMPARE(call("POST", u"/api/configuration/ssh/settings_policies"_s, policyBody(u"Nope"_s)).status, 409);
    QCOMPARE(committedPolicyNames(), (QStringList{u"Default"_s, u"Other"_s}));
    // A token that may only read may not open one.
    QCOMPARE(call("POST", u"/api/transaction"_s, QByteArray(), m_core->reader).status, 403);
}

void TestConfigApi::twoTransactionsOnOnePolicyConflict()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QVERIFY(open());
    QVERIFY(open(m_other));
    QJsonObject mine = policyBody(u"Default"_s);
    mine.insert(u"greeting"_s, u"first"_s);
    QJsonObject theirs = policyBody(u"Default"_s);
    theirs.insert(u"greeting"_s, u"second"_s);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/settings_policies/-300"_s, mine).status, 200);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/settings_policies/-300"_s, theirs, m_other).status, 200);
    // The other transaction also makes a policy: it must not land either.
    QVERIFY(!createPolicy(u"Collateral"_s, m_other).isEmpty());

    QCOMPARE(commit().status, 200);
    const HttpReply second = commit(m_other);
    QCOMPARE(second.status, 409);
    QCOMPARE(spsErrorCode(second), u"TransactionConflict"_s);
    QCOMPARE(spsErrorDetails(second).value(u"id"_s).toString(), u"-300"_s);
    QVERIFY(second.json().object().value(u"error"_s).toObject().value(u"message"_s).toString().contains(u"-300"_s));
    QCOMPARE(m_core->sshSettings->policy(u"-300"_s)->greeting, u"first"_s);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
    // The conflicting transaction is closed: the caller starts again.
    QCOMPARE(bodyOf(call("GET", u"/api/transaction"_s, QByteArray(), m_other)).value(u"status"_s).toString(),
             u"closed"_s);
}

void TestConfigApi::panelWriteConflictsOpenTransaction()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QVERIFY(open());
    QJsonObject options = SshSettingsService::optionsToJson(SshOptions{});
    setPath(options, {u"service"_s, u"log_level"_s}, 1);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/options"_s, options).status, 200);
    QVERIFY(!createPolicy(u"Made over HTTP"_s).isEmpty());

    // The panel applies its edit at once, as it does.
    SshOptions panel;
    panel.logLevel = 7;
    KEYSTEAD_VERIFY_OK(m_core->sshSettings->setOptions(panel, Actor::console()));

    const HttpReply refused = commit();
    QCOMPARE(refused.status, 409);
    QCOMPARE(spsErrorCode(refused), u"TransactionConflict"_s);
    QCOMPARE(spsErrorDetails(refused).value(u"id"_s).toString(), u"options"_s);
    QCOMPARE(m_core->sshSettings->options()->logLevel, 7);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
}

void TestConfigApi::unknownAlgorithmIsNamedWithItsLocation()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QVERIFY(open());
    QJsonObject body = policyBody(u"Odd"_s);
    QJsonObject server = body.value(u"server_side_algorithms"_s).toObject();
    server.insert(u"cipher"_s, QJsonArray{u"aes256-ctr"_s, u"aes128-ctr"_s, u"twofish-cbc"_s});
    body.insert(u"server_side_algorithms"_s, server);
    const HttpReply refused = call("POST", u"/api/configuration/ssh/settings_policies"_s, body);
    QCOMPARE(refused.status, 400);
    QCOMPARE(spsErrorCode(refused), u"InvalidQuery"_s);
    QCOMPARE(spsErrorDetails(refused).value(u"location"_s).toString(), u"server_side_algorithms.cipher[2]"_s);
    QCOMPARE(spsErrorDetails(refused).value(u"value"_s).toString(), u"twofish-cbc"_s);
    QVERIFY(
        refused.json().object().value(u"error"_s).toObject().value(u"message"_s).toString().contains(u"twofish-cbc"_s));
    // Not kept in the transaction: the commit has nothing to apply.
    QCOMPARE(bodyOf(call("GET", u"/api/transaction"_s)).value(u"changes"_s).toInt(), 0);
    QCOMPARE(commit().status, 200);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
}

void TestConfigApi::invalidPolicyFieldsAreRefused_data()
{
    addBodyEditRows({
        {"name missing", [](QJsonObject &b) { b.remove(u"name"_s); }, u"name"_s},
        {"name empty", setAt(u"name"_s, u""_s), u"name"_s},
        {"name a number", setAt(u"name"_s, 7), u"name"_s},
        {"name taken", setAt(u"name"_s, u"Default"_s), u"name"_s},
        {"server side missing", [](QJsonObject &b) { b.remove(u"server_side_algorithms"_s); },
         u"server_side_algorithms"_s},
        {"kex missing",
         [](QJsonObject &b) {
             QJsonObject side = b.value(u"client_side_algorithms"_s).toObject();
             side.remove(u"kex"_s);
             b.insert(u"client_side_algorithms"_s, side);
         },
         u"client_side_algorithms.kex"_s},
        {"cipher a string", setAt(u"server_side_algorithms.cipher"_s, u"aes256-ctr"_s),
         u"server_side_algorithms.cipher"_s},
        {"mac empty", setAt(u"server_side_algorithms.mac"_s, QJsonArray{}), u"server_side_algorithms.mac"_s},
        {"mac not a string", setAt(u"server_side_algorithms.mac"_s, QJsonArray{1}), u"server_side_algorithms.mac[0]"_s},
        {"compression unknown", setAt(u"client_side_algorithms.compression"_s, QJsonArray{u"brotli"_s}),
         u"client_side_algorithms.compression[0]"_s},
        {"duplicate kex",
         setAt(u"server_side_algorithms.kex"_s, QJsonArray{u"curve25519-sha256"_s, u"curve25519-sha256"_s}),
         u"server_side_algorithms.kex[1]"_s},
        {"greeting too long", setAt(u"greeting"_s, QString(4097, u'x')), u"greeting"_s},
        {"banner too long", setAt(u"userauth_banner"_s, QString(5000, u'x')), u"userauth_banner"_s},
        {"banner a bool", setAt(u"userauth_banner"_s, true), u"userauth_banner"_s},
        {"timeout zero", setAt(u"timeout"_s, 0), u"timeout"_s},
        {"timeout too long", setAt(u"timeout"_s, 86401), u"timeout"_s},
        {"timeout a fraction", setAt(u"timeout"_s, 1.5), u"timeout"_s},
        {"timeout a string", setAt(u"timeout"_s, u"600"_s), u"timeout"_s},
        {"strict mode a string", setAt(u"strict_mode"_s, u"yes"_s), u"strict_mode"_s},
        {"version with a space", setAt(u"software_version"_s, u"My SSH"_s), u"software_version"_s},
        {"version with a minus", setAt(u"software_version"_s, u"My-SSH"_s), u"software_version"_s},
        {"version empty", setAt(u"software_version"_s, u""_s), u"software_version"_s},
        {"unknown field", setAt(u"colour"_s, u"blue"_s), u"colour"_s},
    });
}

void TestConfigApi::invalidPolicyFieldsAreRefused()
{
    QFETCH(QString, backend);
    QFETCH(BodyEdit, edit);
    QFETCH(QString, location);
    QVERIFY(start(backend));
    QVERIFY(open());
    QJsonObject body = policyBody(u"Edited"_s);
    edit(body);
    const HttpReply created = call("POST", u"/api/configuration/ssh/settings_policies"_s, body);
    QCOMPARE(created.status, 400);
    QCOMPARE(spsErrorCode(created), u"InvalidQuery"_s);
    QCOMPARE(spsErrorDetails(created).value(u"location"_s).toString(), location);
    // An update of the built-in policy with the same body is refused the same way
    // (but for the name "Default", which is its own).
    if (body.value(u"name"_s) != u"Default"_s) {
        const HttpReply updated = call("PUT", u"/api/configuration/ssh/settings_policies/-300"_s, body);
        QCOMPARE(updated.status, 400);
        QCOMPARE(spsErrorDetails(updated).value(u"location"_s).toString(), location);
    }
    QCOMPARE(commit().status, 200);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
    QCOMPARE(m_core->sshSettings->policy(u"-300"_s).value(), SshSettingsService::defaultPolicy());
}

void TestConfigApi::invalidOptionFieldsAreRefused_data()
{
    addBodyEditRows({
        {"log level 8", setAt(u"service.log_level"_s, 8), u"service.log_level"_s},
        {"log level -1", setAt(u"service.log_level"_s, -1), u"service.log_level"_s},
        {"log level a string", setAt(u"service.log_level"_s, u"4"_s), u"service.log_level"_s},
        {"enabled a number", setAt(u"service.enabled"_s, 1), u"service.enabled"_s},
        {"cleanup 0 days", setAt(u"audit.cleanup.channel_database_cleanup_days"_s, 0),
         u"audit.cleanup.channel_database_cleanup_days"_s},
        {"cleanup 36501 days", setAt(u"audit.cleanup.channel_database_cleanup_days"_s, 36501),
         u"audit.cleanup.channel_database_cleanup_days"_s},
        {"signing 5 s", setAt(u"audit.timestamping.signing_interval"_s, 5), u"audit.timestamping.signing_interval"_s},
        {"signing 86401 s", setAt(u"audit.timestamping.signing_interval"_s, 86401),
         u"audit.timestamping.signing_interval"_s},
        {"remote timestamping",
         [](QJsonObject &b) {
             setPath(b, {u"audit"_s, u"timestamping"_s, u"selection"_s}, u"remote"_s);
             setPath(b, {u"audit"_s, u"timestamping"_s, u"server_url"_s}, u"https://tsa.example"_s);
         },
         u"audit.timestamping.selection"_s},
        {"gssapi on", setAt(u"gssapi.enabled"_s, true), u"gssapi.enabled"_s},
        {"unknown policy", setAt(u"service.settings_policy"_s, u"nope"_s), u"service.settings_policy"_s},
        {"audit a list", setAt(u"audit"_s, QJsonArray{}), u"audit"_s},
        {"unknown field", setAt(u"service.colour"_s, u"blue"_s), u"service.colour"_s},
    });
}

void TestConfigApi::invalidOptionFieldsAreRefused()
{
    QFETCH(QString, backend);
    QFETCH(BodyEdit, edit);
    QFETCH(QString, location);
    QVERIFY(start(backend));
    QVERIFY(open());
    QJsonObject body = SshSettingsService::optionsToJson(SshOptions{});
    edit(body);
    const HttpReply refused = call("PUT", u"/api/configuration/ssh/options"_s, body);
    QCOMPARE(refused.status, 400);
    QCOMPARE(spsErrorCode(refused), u"InvalidQuery"_s);
    QCOMPARE(spsErrorDetails(refused).value(u"location"_s).toString(), location);
    QCOMPARE(commit().status, 200);
    QCOMPARE(m_core->sshSettings->options().value(), SshOptions{});
    QCOMPARE(m_core->sshSettings->revision(u"options"_s).value(), qint64(1));
}

void TestConfigApi::builtInAndActivePolicyCannotBeDeleted()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QVERIFY(open());
    const HttpReply builtIn = call("DELETE", u"/api/configuration/ssh/settings_policies/-300"_s);
    QCOMPARE(builtIn.status, 409);
    QCOMPARE(spsErrorCode(builtIn), u"Conflict"_s);

    const QString chosen = createPolicy(u"Chosen"_s);
    QJsonObject options = SshSettingsService::optionsToJson(SshOptions{});
    setPath(options, {u"service"_s, u"settings_policy"_s}, chosen);
    QCOMPARE(call("PUT", u"/api/configuration/ssh/options"_s, options).status, 200);
    const HttpReply active = call("DELETE", u"/api/configuration/ssh/settings_policies/"_s + chosen);
    QCOMPARE(active.status, 409);
    QVERIFY(active.json().object().value(u"error"_s).toObject().value(u"message"_s).toString().contains(u"active"_s));
    QCOMPARE(commit().status, 200);
    QCOMPARE(m_core->sshSettings->activePolicy().key, chosen);
    QCOMPARE(call("DELETE", u"/api/configuration/ssh/settings_policies/nope"_s).status, 409); // no transaction
    QVERIFY(open());
    QCOMPARE(call("DELETE", u"/api/configuration/ssh/settings_policies/nope"_s).status, 404);
}

void TestConfigApi::idleTransactionIsDropped()
{
    QVERIFY(start());
    QVERIFY(open());
    QVERIFY(!createPolicy(u"Forgotten"_s).isEmpty());
    m_core->clock.advanceMs(ConfigTransactions::kIdleTimeoutMs - 1000);
    QCOMPARE(bodyOf(call("GET", u"/api/transaction"_s)).value(u"status"_s).toString(), u"open"_s);
    // Any use keeps it; ten quiet minutes end it.
    m_core->clock.advanceMs(ConfigTransactions::kIdleTimeoutMs);
    QCOMPARE(bodyOf(call("GET", u"/api/transaction"_s)).value(u"status"_s).toString(), u"closed"_s);
    QCOMPARE(commit().status, 409);
    QCOMPARE(committedPolicyNames(), QStringList{u"Default"_s});
}

void TestConfigApi::openApiDescribesTheRoutes()
{
    QVERIFY(start());
    const QJsonObject paths = openApi().value(u"paths"_s).toObject();
    for (const QString &path :
         {u"/api/configuration/ssh/options"_s, u"/api/configuration/ssh/settings_policies"_s,
          u"/api/configuration/ssh/settings_policies/{key}"_s, u"/api/transaction"_s, u"/api/authentication"_s})
        QVERIFY2(paths.contains(path), qPrintable(path));
}

QTEST_GUILESS_MAIN(TestConfigApi)
#include "tst_config_api.moc"
