#include "TestDatabase.h"

#include "audit/AuditLog.h"
#include "connections/ConnectionService.h"
#include "settings/SshAlgorithmSupport.h"
#include "settings/SshSettingsService.h"
#include "store/Migration.h"
#include "store/Sql.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QtTest>

#include <functional>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

using PolicyEdit = std::function<void(SettingsPolicy &)>;
using OptionsEdit = std::function<void(SshOptions &)>;
Q_DECLARE_METATYPE(PolicyEdit)
Q_DECLARE_METATYPE(OptionsEdit)

// The SSH settings store: the built-in policy, the options and their data
// migration, validation naming each field, revisions, audit and signals. On
// every store backend.
class TestSshSettings final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();
    void builtInPolicyAndOptionsAreSeeded_data() { backends(); }
    void builtInPolicyAndOptionsAreSeeded();
    void retentionSettingBecomesCleanup_data();
    void retentionSettingBecomesCleanup();
    void policiesAreCreatedUpdatedDeletedAndAudited_data() { backends(); }
    void policiesAreCreatedUpdatedDeletedAndAudited();
    void invalidPoliciesAreRefusedNamingTheField_data();
    void invalidPoliciesAreRefusedNamingTheField();
    void invalidOptionsAreRefusedNamingTheField_data();
    void invalidOptionsAreRefusedNamingTheField();
    void builtInAndActivePolicyCannotBeDeleted_data() { backends(); }
    void builtInAndActivePolicyCannotBeDeleted();
    void activePolicyChangedOnlyWhenItDoes_data() { backends(); }
    void activePolicyChangedOnlyWhenItDoes();
    void changeSetAppliesAllOrNothing_data() { backends(); }
    void changeSetAppliesAllOrNothing();
    void policiesSortTheSameOnEveryBackend_data() { backends(); }
    void policiesSortTheSameOnEveryBackend();
    void jsonRoundTrips();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }
    bool start(const QString &backend)
    {
        m_store = TestDatabase::create(backend, m_clock);
        if (!m_store)
            return false;
        m_audit = std::make_unique<AuditLog>(m_store->database(), m_clock);
        m_service = std::make_unique<SshSettingsService>(m_store->database(), m_clock, *m_audit);
        return true;
    }
    static SettingsPolicy named(const QString &name)
    {
        SettingsPolicy policy = SshSettingsService::defaultPolicy();
        policy.key.clear();
        policy.name = name;
        return policy;
    }
    int auditCount(const QString &action)
    {
        Result<QList<AuditEvent>> events = m_audit->list(AuditQuery{action, {}, 1000});
        return events ? static_cast<int>(events->size()) : -1;
    }

    ManualClock m_clock;
    std::unique_ptr<TestDatabase> m_store;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<SshSettingsService> m_service;
};

void TestSshSettings::cleanup()
{
    m_service.reset();
    m_audit.reset();
    m_store.reset();
}

void TestSshSettings::builtInPolicyAndOptionsAreSeeded()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    Result<QList<SettingsPolicy>> policies = m_service->policies();
    KEYSTEAD_VERIFY_OK(policies);
    QCOMPARE(policies->size(), 1);
    QCOMPARE(policies->first(), SshSettingsService::defaultPolicy());
    Result<SshOptions> options = m_service->options();
    KEYSTEAD_VERIFY_OK(options);
    QCOMPARE(options.value(), SshOptions{});
    QCOMPARE(m_service->activePolicy(), SshSettingsService::defaultPolicy());
    // The built-in policy is one the server can run with.
    KEYSTEAD_VERIFY_OK(m_service->validatePolicy(SshSettingsService::defaultPolicy()));
    KEYSTEAD_VERIFY_OK(m_service->validateOptions(options.value()));
    QCOMPARE(m_service->revision(QString(SshSettingsService::kOptionsObject)).value(), qint64(1));
    QCOMPARE(m_service->revision(QString(SshSettingsService::kDefaultPolicyKey)).value(), qint64(1));
    QCOMPARE(m_service->revision(u"no-such-policy"_s).value(), qint64(0));
}

void TestSshSettings::retentionSettingBecomesCleanup_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("setting"); // empty: absent
    QTest::addColumn<bool>("enabled");
    QTest::addColumn<int>("days");
    for (const QString &backend : storeBackends()) {
        QTest::addRow("%s-30-days", qPrintable(backend)) << backend << u"30"_s << true << 30;
        QTest::addRow("%s-zero-keeps-all", qPrintable(backend)) << backend << u"0"_s << false << 600;
        QTest::addRow("%s-absent", qPrintable(backend)) << backend << QString() << true << 600;
        QTest::addRow("%s-not-a-number", qPrintable(backend)) << backend << u"ten"_s << true << 600;
        QTest::addRow("%s-too-many", qPrintable(backend)) << backend << u"99999"_s << true << 600;
    }
}

void TestSshSettings::retentionSettingBecomesCleanup()
{
    QFETCH(QString, backend);
    QFETCH(QString, setting);
    QFETCH(bool, enabled);
    QFETCH(int, days);
    QVERIFY(start(backend));
    // Replay step 10 on a store that had the connections' retention setting before it.
    QSqlDatabase db = m_store->database().connection();
    KEYSTEAD_VERIFY_OK(sql::exec(db, u"DROP TABLE ssh_settings_policies"_s));
    KEYSTEAD_VERIFY_OK(sql::exec(db, u"DROP TABLE ssh_options"_s));
    if (!setting.isEmpty()) {
        KEYSTEAD_VERIFY_OK(
            sql::exec(db, u"INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)"_s,
                      {QString(ConnectionService::kRetentionDaysSetting), setting, sql::toStoreTime(m_clock.now())}));
    }
    const std::vector<Migration> steps = sshSettingsMigrations();
    QCOMPARE(steps.size(), std::size_t(1));
    QCOMPARE(steps.front().version, 10);
    const QStringList statements = m_store->database().isPostgres() && !steps.front().postgresStatements.isEmpty()
        ? steps.front().postgresStatements
        : steps.front().sqliteStatements;
    for (const QString &statement : statements)
        KEYSTEAD_VERIFY_OK(sql::exec(db, statement));

    Result<SshOptions> options = m_service->options();
    KEYSTEAD_VERIFY_OK(options);
    QCOMPARE(options->cleanupEnabled, enabled);
    QCOMPARE(options->cleanupDays, days);
    SshOptions expected;
    expected.cleanupEnabled = enabled;
    expected.cleanupDays = days;
    QCOMPARE(options.value(), expected);
    QCOMPARE(m_service->activePolicy(), SshSettingsService::defaultPolicy());
}

void TestSshSettings::policiesAreCreatedUpdatedDeletedAndAudited()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QSignalSpy changed(m_service.get(), &SshSettingsService::policiesChanged);
    QSignalSpy typed(m_service.get(), &SshSettingsService::changed);
    QSignalSpy active(m_service.get(), &SshSettingsService::activePolicyChanged);

    Result<SettingsPolicy> made = m_service->createPolicy(named(u"Strict"_s), Actor::console());
    KEYSTEAD_VERIFY_OK(made);
    QVERIFY(!made->key.isEmpty());
    QVERIFY(made->key != SshSettingsService::kDefaultPolicyKey);
    QCOMPARE(m_service->revision(made->key).value(), qint64(1));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(typed.size(), 1);
    QCOMPARE(typed.at(0).at(0).value<ChangeSet>(), ChangeSet::addedOne(u"settings.policy"_s, made->key));

    SettingsPolicy edited = made.value();
    edited.serverSide.cipher = {u"aes256-gcm@openssh.com"_s};
    edited.greeting = u"Welcome!"_s;
    edited.userauthBanner = u"This is a monitored connection."_s;
    edited.timeout = 30;
    edited.softwareVersion = u"SSH_Gate"_s;
    KEYSTEAD_VERIFY_OK(m_service->updatePolicy(made->key, edited, Actor::console()));
    QCOMPARE(m_service->policy(made->key).value(), edited);
    QCOMPARE(m_service->revision(made->key).value(), qint64(2));
    QCOMPARE(typed.constLast().at(0).value<ChangeSet>(), ChangeSet::changedOne(u"settings.policy"_s, made->key));

    // "-300" first, then by name.
    KEYSTEAD_VERIFY_OK(m_service->createPolicy(named(u"Alpha"_s), Actor::console()));
    Result<QList<SettingsPolicy>> all = m_service->policies();
    KEYSTEAD_VERIFY_OK(all);
    QCOMPARE(all->size(), 3);
    QCOMPARE(all->at(0).key, QString(SshSettingsService::kDefaultPolicyKey));
    QCOMPARE(all->at(1).name, u"Alpha"_s);
    QCOMPARE(all->at(2).name, u"Strict"_s);

    // Names are unique.
    Result<SettingsPolicy> twin = m_service->createPolicy(named(u"Strict"_s), Actor::console());
    QVERIFY(!twin);
    QCOMPARE(twin.error().location, u"name"_s);

    KEYSTEAD_VERIFY_OK(m_service->deletePolicy(made->key, Actor::console()));
    QCOMPARE(typed.constLast().at(0).value<ChangeSet>(), ChangeSet::removedOne(u"settings.policy"_s, made->key));
    QCOMPARE(m_service->policy(made->key).error().kind, Error::Kind::NotFound);
    QCOMPARE(m_service->deletePolicy(made->key, Actor::console()).error().kind, Error::Kind::NotFound);
    QCOMPARE(m_service->updatePolicy(made->key, edited, Actor::console()).error().kind, Error::Kind::NotFound);

    QCOMPARE(auditCount(u"ssh_settings.policy.create"_s), 2);
    QCOMPARE(auditCount(u"ssh_settings.policy.update"_s), 1);
    QCOMPARE(auditCount(u"ssh_settings.policy.delete"_s), 1);
    QCOMPARE(changed.size(), 4);
    // None of these touched the active policy.
    QCOMPARE(active.size(), 0);
}

void TestSshSettings::invalidPoliciesAreRefusedNamingTheField_data()
{
    QTest::addColumn<PolicyEdit>("edit");
    QTest::addColumn<QString>("location");
    QTest::addColumn<QString>("value"); // details["value"], when the error names one

    QTest::newRow("empty name") << PolicyEdit([](SettingsPolicy &p) { p.name = u"  "_s; }) << u"name"_s << QString();
    QTest::newRow("long name") << PolicyEdit([](SettingsPolicy &p) { p.name = QString(129, u'n'); }) << u"name"_s
                               << QString();
    QTest::newRow("unknown cipher") << PolicyEdit([](SettingsPolicy &p) {
        p.serverSide.cipher = {u"aes256-ctr"_s, u"aes128-ctr"_s, u"rot13-cbc"_s};
    }) << u"server_side_algorithms.cipher[2]"_s
                                    << u"rot13-cbc"_s;
    QTest::newRow("unknown kex") << PolicyEdit([](SettingsPolicy &p) { p.serverSide.kex = {u"no-kex"_s}; })
                                 << u"server_side_algorithms.kex[0]"_s << u"no-kex"_s;
    QTest::newRow("unknown client mac") << PolicyEdit(
        [](SettingsPolicy &p) { p.clientSide.mac.append(u"hmac-sha3-999"_s); })
                                        << u"client_side_algorithms.mac[4]"_s << u"hmac-sha3-999"_s;
    QTest::newRow("unknown compression") << PolicyEdit([](SettingsPolicy &p) {
        p.serverSide.compression = {u"none"_s, u"lz4"_s};
    }) << u"server_side_algorithms.compression[1]"_s
                                         << u"lz4"_s;
    QTest::newRow("empty mac list") << PolicyEdit([](SettingsPolicy &p) { p.serverSide.mac.clear(); })
                                    << u"server_side_algorithms.mac"_s << QString();
    QTest::newRow("empty client compression") << PolicyEdit([](SettingsPolicy &p) { p.clientSide.compression.clear(); })
                                              << u"client_side_algorithms.compression"_s << QString();
    QTest::newRow("duplicate cipher") << PolicyEdit([](SettingsPolicy &p) {
        p.serverSide.cipher = {u"aes256-ctr"_s, u"aes256-ctr"_s};
    }) << u"server_side_algorithms.cipher[1]"_s
                                      << u"aes256-ctr"_s;
    QTest::newRow("long greeting") << PolicyEdit([](SettingsPolicy &p) { p.greeting = QString(4097, u'g'); })
                                   << u"greeting"_s << QString();
    // 4096 bytes, not characters: 2049 two-byte characters are too many.
    QTest::newRow("long banner in bytes")
        << PolicyEdit([](SettingsPolicy &p) { p.userauthBanner = QString(2049, QChar(0xe9)); }) << u"userauth_banner"_s
        << QString();
    QTest::newRow("timeout zero") << PolicyEdit([](SettingsPolicy &p) { p.timeout = 0; }) << u"timeout"_s << QString();
    QTest::newRow("timeout a day and a second")
        << PolicyEdit([](SettingsPolicy &p) { p.timeout = 86401; }) << u"timeout"_s << QString();
    QTest::newRow("version with space") << PolicyEdit([](SettingsPolicy &p) { p.softwareVersion = u"Open SSH"_s; })
                                        << u"software_version"_s << QString();
    QTest::newRow("version with minus") << PolicyEdit([](SettingsPolicy &p) { p.softwareVersion = u"Open-SSH"_s; })
                                        << u"software_version"_s << QString();
    QTest::newRow("version empty") << PolicyEdit([](SettingsPolicy &p) { p.softwareVersion.clear(); })
                                   << u"software_version"_s << QString();
    QTest::newRow("version not ascii") << PolicyEdit([](SettingsPolicy &p) { p.softwareVersion = u"Schlüssel"_s; })
                                       << u"software_version"_s << QString();
    QTest::newRow("version too long") << PolicyEdit([](SettingsPolicy &p) { p.softwareVersion = QString(201, u'v'); })
                                      << u"software_version"_s << QString();
}

void TestSshSettings::invalidPoliciesAreRefusedNamingTheField()
{
    QFETCH(PolicyEdit, edit);
    QFETCH(QString, location);
    QFETCH(QString, value);
    QVERIFY(start(u"sqlite"_s));
    SettingsPolicy policy = named(u"Edited"_s);
    edit(policy);
    const Status valid = m_service->validatePolicy(policy);
    QVERIFY(!valid);
    QCOMPARE(valid.error().kind, Error::Kind::InvalidInput);
    QCOMPARE(valid.error().location, location);
    if (!value.isEmpty())
        QCOMPARE(valid.error().details.value(u"value"_s).toString(), value);
    // Nothing is stored, by either way in.
    Result<SettingsPolicy> created = m_service->createPolicy(policy, Actor::console());
    QVERIFY(!created);
    QCOMPARE(created.error().location, location);
    QVERIFY(!m_service->updatePolicy(QString(SshSettingsService::kDefaultPolicyKey), policy, Actor::console()));
    QCOMPARE(m_service->policies()->size(), 1);
    QCOMPARE(m_service->activePolicy(), SshSettingsService::defaultPolicy());
    QCOMPARE(auditCount({}), 0);
}

void TestSshSettings::invalidOptionsAreRefusedNamingTheField_data()
{
    QTest::addColumn<OptionsEdit>("edit");
    QTest::addColumn<QString>("location");

    QTest::newRow("log level -1") << OptionsEdit([](SshOptions &o) { o.logLevel = -1; }) << u"service.log_level"_s;
    QTest::newRow("log level 8") << OptionsEdit([](SshOptions &o) { o.logLevel = 8; }) << u"service.log_level"_s;
    QTest::newRow("cleanup 0 days") << OptionsEdit([](SshOptions &o) { o.cleanupDays = 0; })
                                    << u"audit.cleanup.channel_database_cleanup_days"_s;
    QTest::newRow("cleanup 36501 days") << OptionsEdit([](SshOptions &o) { o.cleanupDays = 36501; })
                                        << u"audit.cleanup.channel_database_cleanup_days"_s;
    QTest::newRow("signing 9 s") << OptionsEdit([](SshOptions &o) { o.signingInterval = 9; })
                                 << u"audit.timestamping.signing_interval"_s;
    QTest::newRow("signing 86401 s") << OptionsEdit([](SshOptions &o) { o.signingInterval = 86401; })
                                     << u"audit.timestamping.signing_interval"_s;
    QTest::newRow("remote timestamping") << OptionsEdit([](SshOptions &o) { o.timestampingSelection = u"remote"_s; })
                                         << u"audit.timestamping.selection"_s;
    QTest::newRow("other timestamping") << OptionsEdit([](SshOptions &o) { o.timestampingSelection = u"cloud"_s; })
                                        << u"audit.timestamping.selection"_s;
    QTest::newRow("gssapi") << OptionsEdit([](SshOptions &o) { o.gssapiEnabled = true; }) << u"gssapi.enabled"_s;
    QTest::newRow("unknown policy") << OptionsEdit([](SshOptions &o) { o.settingsPolicy = u"nope"_s; })
                                    << u"service.settings_policy"_s;
}

void TestSshSettings::invalidOptionsAreRefusedNamingTheField()
{
    QFETCH(OptionsEdit, edit);
    QFETCH(QString, location);
    QVERIFY(start(u"sqlite"_s));
    SshOptions options;
    edit(options);
    const Status set = m_service->setOptions(options, Actor::console());
    QVERIFY(!set);
    QCOMPARE(set.error().kind, Error::Kind::InvalidInput);
    QCOMPARE(set.error().location, location);
    QVERIFY(!m_service->validateOptions(options));
    QCOMPARE(m_service->options().value(), SshOptions{});
    QCOMPARE(m_service->revision(QString(SshSettingsService::kOptionsObject)).value(), qint64(1));
}

void TestSshSettings::builtInAndActivePolicyCannotBeDeleted()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    const Status builtIn = m_service->deletePolicy(QString(SshSettingsService::kDefaultPolicyKey), Actor::console());
    QVERIFY(!builtIn);
    QCOMPARE(builtIn.error().kind, Error::Kind::Conflict);

    Result<SettingsPolicy> made = m_service->createPolicy(named(u"Chosen"_s), Actor::console());
    KEYSTEAD_VERIFY_OK(made);
    SshOptions options;
    options.settingsPolicy = made->key;
    KEYSTEAD_VERIFY_OK(m_service->setOptions(options, Actor::console()));
    const Status active = m_service->deletePolicy(made->key, Actor::console());
    QVERIFY(!active);
    QCOMPARE(active.error().kind, Error::Kind::Conflict);
    KEYSTEAD_VERIFY_OK(m_service->policy(made->key));
    // Once another is chosen it may go.
    KEYSTEAD_VERIFY_OK(m_service->setOptions(SshOptions{}, Actor::console()));
    KEYSTEAD_VERIFY_OK(m_service->deletePolicy(made->key, Actor::console()));
}

void TestSshSettings::activePolicyChangedOnlyWhenItDoes()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    QSignalSpy active(m_service.get(), &SshSettingsService::activePolicyChanged);
    QSignalSpy options(m_service.get(), &SshSettingsService::optionsChanged);
    Result<SettingsPolicy> other = m_service->createPolicy(named(u"Other"_s), Actor::console());
    KEYSTEAD_VERIFY_OK(other);
    QCOMPARE(active.size(), 0);

    // The options change, the active policy does not.
    SshOptions changed;
    changed.logLevel = 7;
    KEYSTEAD_VERIFY_OK(m_service->setOptions(changed, Actor::console()));
    QCOMPARE(options.size(), 1);
    QCOMPARE(active.size(), 0);

    // Choosing another policy.
    changed.settingsPolicy = other->key;
    KEYSTEAD_VERIFY_OK(m_service->setOptions(changed, Actor::console()));
    QCOMPARE(active.size(), 1);
    QCOMPARE(m_service->activePolicy().name, u"Other"_s);

    // Editing the active policy.
    SettingsPolicy edited = other.value();
    edited.greeting = u"Hello"_s;
    KEYSTEAD_VERIFY_OK(m_service->updatePolicy(other->key, edited, Actor::console()));
    QCOMPARE(active.size(), 2);
    QCOMPARE(m_service->activePolicy().greeting, u"Hello"_s);

    // Editing one that is not active.
    SettingsPolicy builtIn = SshSettingsService::defaultPolicy();
    builtIn.greeting = u"Not active"_s;
    KEYSTEAD_VERIFY_OK(m_service->updatePolicy(builtIn.key, builtIn, Actor::console()));
    QCOMPARE(active.size(), 2);
    QCOMPARE(auditCount(u"ssh_settings.options.update"_s), 2);
}

void TestSshSettings::changeSetAppliesAllOrNothing()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    Result<SettingsPolicy> existing = m_service->createPolicy(named(u"Existing"_s), Actor::console());
    KEYSTEAD_VERIFY_OK(existing);

    SettingsPolicy fresh = named(u"Fresh"_s);
    fresh.key = SshSettingsService::newPolicyKey();
    SettingsPolicy edited = existing.value();
    edited.timeout = 42;
    SshOptions options;
    options.settingsPolicy = fresh.key;

    SshSettingsChangeSet changes;
    changes.upserts = {fresh, edited};
    changes.options = options;
    changes.expectedRevisions = {{fresh.key, 0}, {edited.key, 1}, {QString(SshSettingsService::kOptionsObject), 1}};

    // The panel edits the existing policy first: the set was based on revision 1.
    SettingsPolicy panel = existing.value();
    panel.greeting = u"from the panel"_s;
    KEYSTEAD_VERIFY_OK(m_service->updatePolicy(existing->key, panel, Actor::console()));
    const Status refused = m_service->applyChanges(changes, Actor::console());
    QVERIFY(!refused);
    QCOMPARE(refused.error().kind, Error::Kind::Conflict);
    QCOMPARE(refused.error().details.value(u"reason"_s).toString(), SshSettingsService::kRevisionConflict);
    QCOMPARE(refused.error().details.value(u"id"_s).toString(), existing->key);
    // Nothing of it landed: not the new policy made before the conflict was found, not the options.
    QCOMPARE(m_service->policy(fresh.key).error().kind, Error::Kind::NotFound);
    QCOMPARE(m_service->policy(existing->key).value(), panel);
    QCOMPARE(m_service->options().value(), SshOptions{});

    changes.expectedRevisions.insert(edited.key, 2);
    KEYSTEAD_VERIFY_OK(m_service->applyChanges(changes, Actor::console()));
    QCOMPARE(m_service->policy(fresh.key).value(), fresh);
    QCOMPARE(m_service->policy(existing->key).value(), edited);
    QCOMPARE(m_service->options().value(), options);
    QCOMPARE(m_service->activePolicy(), fresh);
}

void TestSshSettings::policiesSortTheSameOnEveryBackend()
{
    QFETCH(QString, backend);
    QVERIFY(start(backend));
    for (const QString &name : {u"beta"_s, u"alpha"_s, u"Alpha"_s, u"Zulu"_s})
        KEYSTEAD_VERIFY_OK(m_service->createPolicy(named(name), Actor::console()));
    const Result<QList<SettingsPolicy>> policies = m_service->policies();
    KEYSTEAD_VERIFY_OK(policies);
    QStringList names;
    for (const SettingsPolicy &policy : policies.value())
        names.append(policy.name);
    // The built-in first, then by code point, whatever the database's collation says.
    QCOMPARE(names, (QStringList{u"Default"_s, u"Alpha"_s, u"Zulu"_s, u"alpha"_s, u"beta"_s}));
}

void TestSshSettings::jsonRoundTrips()
{
    SettingsPolicy policy = named(u"API_SSH_Setting"_s);
    policy.key.clear();
    policy.greeting = u"Welcome!"_s;
    policy.preconnectChannelCheck = true;
    const QJsonObject body = SshSettingsService::policyToJson(policy);
    QCOMPARE(body.value(u"server_side_algorithms"_s).toObject().value(u"cipher"_s).toArray().first().toString(),
             policy.serverSide.cipher.first());
    QCOMPARE(SshSettingsService::policyFromJson(body).value(), policy);

    SshOptions options;
    options.cleanupDays = 10;
    options.logLevel = 2;
    QCOMPARE(SshSettingsService::optionsFromJson(SshSettingsService::optionsToJson(options), SshOptions{}).value(),
             options);
    // The seed's own example, which has no settings_policy: the current one stays.
    SshOptions current;
    current.settingsPolicy = u"chosen"_s;
    const QJsonObject seed = QJsonDocument::fromJson(
                                 R"({"audit": {"cleanup": {"enabled": false}, "timestamping": {"selection": "local",
                                 "signing_interval": 30}}, "gssapi": {"enabled": false}, "service": {"enabled": true,
                                 "log_level": 4}})")
                                 .object();
    Result<SshOptions> parsed = SshSettingsService::optionsFromJson(seed, current);
    KEYSTEAD_VERIFY_OK(parsed);
    QCOMPARE(parsed->settingsPolicy, u"chosen"_s);
    QCOMPARE(parsed->cleanupEnabled, false);
    QCOMPARE(
        SshSettingsService::optionsFromJson(QJsonObject{{u"service"_s, QJsonObject{{u"log_level"_s, u"4"_s}}}}, current)
            .error()
            .location,
        u"service.log_level"_s);
}

QTEST_GUILESS_MAIN(TestSshSettings)
#include "tst_ssh_settings.moc"
