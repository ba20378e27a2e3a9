// The scenes of the Keys, Certificates, Connections and Host keys panels
// (were the screenshot functions of tst_keyspanel, tst_certificatespanel,
// tst_connectionspanel and tst_hostkeyspanel).

#include "ScreenshotSupport.h"

#include "collect/CollectSession.h"
#include "ui/certificates/CertificateTexts.h"
#include "ui/certificates/CertificatesModel.h"
#include "ui/certificates/CertificatesPanel.h"
#include "ui/connections/ConnectionDetail.h"
#include "ui/connections/ConnectionsPanel.h"
#include "ui/hostkeys/HostKeysPanel.h"
#include "ui/keys/KeyEditDialog.h"
#include "ui/keys/KeyTexts.h"
#include "ui/keys/KeysPanel.h"
#include "ui/shell/MainWindow.h"

#include <QJsonObject>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>

using namespace Qt::StringLiterals;

namespace keystead::screenshots {

using test::UiCore;
using ui::MainWindow;

bool keysScene(const QDir &folder)
{
    const std::unique_ptr<UiCore> core = UiCore::create();
    SCREENSHOT_CHECK(core);
    QTemporaryDir keyDir;
    InventoryService &inventory = *core->inventory;

    QTemporaryDir settingsDir;
    QSettings windowSettings(settingsDir.filePath(u"window.ini"_s), QSettings::IniFormat);
    MainWindow window(core->services(), windowSettings);
    window.resize(1100, 700);
    window.show();
    SCREENSHOT_CHECK(QTest::qWaitForWindowExposed(&window));
    window.showPanel(MainWindow::Panel::Keys);
    auto *panel = qobject_cast<ui::KeysPanel *>(window.panel(MainWindow::Panel::Keys));
    SCREENSHOT_CHECK(panel);

    const struct
    {
        const char *type;
        const char *identifier;
        const char *name;
        const char *user;
        const char *host;
        const char *ip;
        const char *tags;
        const char *devices;
    } keys[] = {
        {"ed25519", "deploy-web", "Web deploy", "deploy", "web-1", "10.20.0.11", "prod, web", ""},
        {"ecdsa", "backup-db", "Nightly backup", "backup", "db-1", "10.20.0.21", "prod, db", "web-1"},
        {"rsa", "legacy-ftp", "Legacy FTP", "ftp", "files-1", "10.20.0.31", "legacy", ""},
        {"ed25519", "ci-runner", "CI runner", "ci", "build-7", "10.20.1.7", "ci", "web-1, db-1"},
    };
    for (const auto &key : keys) {
        const KeyPair pair = makeKeyPair(keyDir.path(), QString::fromLatin1(key.type));
        SCREENSHOT_CHECK(!pair.privatePath.isEmpty());
        SshKeyInput input;
        input.identifier = QString::fromLatin1(key.identifier);
        input.keyName = QString::fromLatin1(key.name);
        input.username = QString::fromLatin1(key.user);
        input.hostname = QString::fromLatin1(key.host);
        input.ip = QString::fromLatin1(key.ip);
        input.tags = ui::KeyTexts::splitList(QString::fromLatin1(key.tags));
        input.deviceHostnames = ui::KeyTexts::splitList(QString::fromLatin1(key.devices));
        input.publicKey = pair.publicLine;
        input.privateKey = pair.privateText;
        input.origin = u"console"_s;
        SCREENSHOT_OK(inventory.save(input, Actor::console()));
    }
    const Result<SshKeyRecord> legacy = inventory.find(u"legacy-ftp"_s);
    SCREENSHOT_OK(legacy);
    SCREENSHOT_OK(inventory.inactivate(legacy->id, Actor::console()));
    // A key collected from a user: public key only.
    CollectSessionInput collectInput;
    collectInput.connectionIdentifier = u"alice-laptop"_s;
    const Result<CollectSession> session = core->collect->create(collectInput);
    SCREENSHOT_OK(session);
    const Result<QString> connection
        = core->collect->connectionOpened(session->id, u"192.0.2.44"_s, u"SSH-2.0-OpenSSH_9.2"_s);
    SCREENSHOT_OK(connection);
    SCREENSHOT_OK(core->collect->keyProven(connection.value(), test::generatePublicKey(keyDir.path(), u"ed25519"_s)));
    const Result<CollectSession> collected = core->collect->get(session->id);
    SCREENSHOT_OK(collected);
    SCREENSHOT_OK(inventory.importCollected(collected->id, collectedPublicKeys(collected.value()), Actor::console()));

    const Result<SshKeyRecord> selected = inventory.find(u"backup-db"_s);
    SCREENSHOT_OK(selected);
    SCREENSHOT_CHECK(panel->selectKey(selected->id));
    SCREENSHOT_CHECK(save(window, folder, u"keys-panel.png"_s));

    const KeyPair pair = makeKeyPair(keyDir.path(), u"ed25519"_s);
    SCREENSHOT_CHECK(!pair.privatePath.isEmpty());
    std::unique_ptr<ui::KeyEditDialog> dialog(panel->createAddDialog());
    const struct
    {
        const char *field;
        QString text;
    } fields[] = {
        {"identifier", u"monitoring"_s}, {"keyName", u"Monitoring agent"_s},
        {"username", u"nagios"_s},       {"hostname", u"mon-1"_s},
        {"ip", u"10.20.0.41"_s},         {"devices", u"web-1, db-1"_s},
        {"tags", u"prod, monitoring"_s},
    };
    for (const auto &field : fields) {
        auto *edit = child<QLineEdit>(dialog.get(), QString::fromLatin1(field.field));
        SCREENSHOT_CHECK(edit);
        edit->setText(field.text);
    }
    auto *publicKey = child<QPlainTextEdit>(dialog.get(), u"publicKey"_s);
    auto *privateKey = child<QPlainTextEdit>(dialog.get(), u"privateKey"_s);
    SCREENSHOT_CHECK(publicKey && privateKey);
    publicKey->setPlainText(pair.publicLine);
    privateKey->setPlainText(QString::fromLatin1(pair.privateText));
    dialog->show();
    SCREENSHOT_CHECK(QTest::qWaitForWindowExposed(dialog.get()));
    return save(*dialog, folder, u"key-dialog.png"_s);
}

bool certificatesScene(const QDir &folder)
{
    const std::unique_ptr<UiCore> core = UiCore::create();
    SCREENSHOT_CHECK(core);
    QTemporaryDir keyDir;
    CertificateAuthorityService &service = *core->certificates;
    ui::CertificatesPanel panel(service, *core->inventory, *core->collect, *core->settings, core->clock);
    panel.resize(1200, 800);
    panel.show();
    SCREENSHOT_CHECK(QTest::qWaitForWindowExposed(&panel));

    const auto makeAuthority = [&service](const QString &type, const QString &description, const QString &curve,
                                          int keySize) -> Result<CertificateAuthority> {
        CaCreateInput input;
        input.privateKeyType = type;
        input.ellipticCurve = curve;
        input.keySize = keySize;
        input.description = description;
        return service.createAuthority(input, Actor::console());
    };
    const Result<CertificateAuthority> users = makeAuthority(u"ed25519"_s, u"Production users"_s, {}, 0);
    const Result<CertificateAuthority> hosts = makeAuthority(u"ecdsa"_s, u"Production hosts"_s, u"p384"_s, 0);
    const Result<CertificateAuthority> legacy = makeAuthority(u"rsa"_s, u"Legacy servers"_s, {}, 3072);
    SCREENSHOT_OK(users);
    SCREENSHOT_OK(hosts);
    SCREENSHOT_OK(legacy);
    const QDateTime now = core->clock.now();
    const struct
    {
        const CertificateAuthority *authority;
        const char *type;
        const char *principals;
        CertificateKind kind;
        qint64 fromHours;
        qint64 untilHours;
    } certificates[] = {
        {&users.value(), "ed25519", "alice", CertificateKind::User, 0, 24 * 30},
        {&users.value(), "ed25519", "bob, deploy", CertificateKind::User, 0, 48},
        {&users.value(), "ecdsa", "carol", CertificateKind::User, 24, 24 * 8},
        {&users.value(), "rsa", "ci", CertificateKind::User, -48, -1},
        {&hosts.value(), "ed25519", "web-1.example.org, web-1", CertificateKind::Host, 0, 24 * 365},
        {&hosts.value(), "ecdsa", "db-1.example.org", CertificateKind::Host, 0, 24 * 90},
        {&legacy.value(), "rsa", "ftp.example.org", CertificateKind::Host, 0, 24 * 5},
    };
    QString revokedId;
    for (const auto &made : certificates) {
        const KeyPair pair = makeKeyPair(keyDir.path(), QString::fromLatin1(made.type), u"alice@laptop"_s);
        SCREENSHOT_CHECK(!pair.privatePath.isEmpty());
        CertificateInput input;
        input.kind = made.kind;
        input.certificateAuthorityId = made.authority->id;
        input.publicKey = pair.publicLine;
        input.principals = ui::CertificateTexts::splitPrincipals(QString::fromLatin1(made.principals));
        input.validAfter = now.addSecs(made.fromHours * 3600);
        input.validUntil = now.addSecs(made.untilHours * 3600);
        const Result<IssuedCertificate> issued = service.issue(input, Actor::console());
        SCREENSHOT_OK(issued);
        if (QString::fromLatin1(made.principals) == u"bob, deploy"_s)
            revokedId = issued->id;
    }
    SCREENSHOT_OK(service.revoke(revokedId, u"laptop lost"_s, Actor::console()));
    SCREENSHOT_CHECK(panel.selectAuthority(users->id));
    SCREENSHOT_CHECK(panel.selectCertificate(panel.certificatesModel().certificateAt(0).id));
    return save(panel, folder, u"certificates.png"_s);
}

namespace {

// One recorded connection, through the recorder calls the SSH server makes
// (so its trail is a real hash chain).
QString record(UiCore &core, const QString &user, const QString &address, bool close, const QByteArray &output,
               qint64 bytesIn, qint64 bytesOut)
{
    const QString connectionChannel = u"connection"_s;
    const QString sessionChannel = u"0"_s;
    ConnectionService &s = *core.connections;
    core.clock.advanceSeconds(60);
    const QString id = s.opened(address);
    s.event(id, connectionChannel, u"client-version"_s, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3");
    const QJsonObject key{{u"algorithm"_s, u"ssh-ed25519"_s},
                          {u"fingerprint"_s, u"SHA256:Jc1nS8qcN1dTp2rrV8zTGU8Gx0bM5eO3pZbQlHf3kQk"_s},
                          {u"proven"_s, false}};
    s.event(id, connectionChannel, u"key-offered"_s, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA", key);
    QJsonObject proven = key;
    proven.insert(u"proven"_s, true);
    s.event(id, connectionChannel, u"key-proven"_s, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA", proven);
    s.event(id, connectionChannel, u"auth"_s, "success", {{u"method"_s, u"publickey"_s}, {u"user"_s, user}});
    s.authenticated(id, user, QString(), {u"PUBLICKEY"_s});
    core.clock.advanceSeconds(1);
    s.event(id, connectionChannel, u"banner"_s, "Keystead collects your public keys.\r\n");
    s.event(id, sessionChannel, u"channel-open"_s, {}, {{u"type"_s, u"session"_s}});
    s.event(id, sessionChannel, u"stdout"_s, output);
    s.event(id, sessionChannel, u"stdin"_s, "y\r");
    s.traffic(id, bytesIn, bytesOut);
    s.channelTraffic(id, sessionChannel, u"session"_s, 2, static_cast<qint64>(output.size()));
    if (close) {
        core.clock.advanceSeconds(4);
        s.event(id, sessionChannel, u"channel-close"_s, {});
        s.event(id, connectionChannel, u"disconnect"_s, "client disconnected");
        s.closed(id, u"client disconnected"_s);
    }
    return id;
}

} // namespace

bool connectionsScene(const QDir &folder)
{
    const std::unique_ptr<UiCore> core = UiCore::create();
    SCREENSHOT_CHECK(core);
    // A working day: connections spread over the last hours, some still open.
    const struct
    {
        const char *user;
        const char *address;
        bool open;
        qint64 in;
        qint64 out;
        const char *tags;
    } people[] = {
        {"alice-laptop", "192.0.2.44", false, 5'210, 18'400, "onboarding"},
        {"build-agent-07", "10.20.1.7", false, 3'880, 9'120, "ci"},
        {"bob", "198.51.100.7", false, 4'100, 12'050, ""},
        {"carol", "203.0.113.5", false, 6'020, 20'880, "contractor"},
        {"deploy", "10.20.0.11", false, 2'960, 7'700, "ci, prod"},
        {"dave", "192.0.2.91", false, 4'480, 14'300, ""},
        {"erin", "198.51.100.23", false, 3'300, 11'900, ""},
        {"backup", "10.20.0.21", false, 2'150, 6'600, "prod"},
        {"frank", "203.0.113.77", false, 7'800, 25'100, "audit"},
        {"grace", "192.0.2.130", false, 3'910, 12'240, ""},
        {"heidi", "198.51.100.60", false, 4'700, 15'010, "onboarding"},
        {"ivan", "203.0.113.12", false, 5'500, 17'300, ""},
        {"judy", "192.0.2.201", false, 3'120, 9'980, ""},
        {"mallory", "198.51.100.250", false, 1'020, 3'900, "audit, blocked"},
        {"oscar", "10.20.3.4", false, 4'410, 13'800, ""},
        {"peggy", "192.0.2.17", false, 3'760, 12'600, ""},
        {"trent", "203.0.113.200", true, 6'640, 21'500, ""},
        {"victor", "198.51.100.99", true, 2'880, 8'810, "contractor"},
        {"walter", "192.0.2.66", true, 5'050, 16'770, ""},
        {"alice-laptop", "192.0.2.44", true, 4'200, 14'900, "onboarding"},
    };
    const QByteArray output = "\x1b[1mKeystead\x1b[0m collects your public keys for the Acme servers.\r\n"
                              "Offered keys:\r\n"
                              "  ssh-ed25519 SHA256:Jc1nS8qcN1dTp2rrV8zTGU8Gx0bM5eO3pZbQlHf3kQk (proven)\r\n"
                              "  ecdsa-sha2-nistp256 SHA256:q3n7V0cPpX9YqFh2r6m1tW4uZx8bK5aJdE0sLgTnCoM (proven)\r\n"
                              "Keep these keys? [y/N] y\r\n"
                              "Thank you: your keys are with the operations team.\r\n";
    // Some of them hand over keys through a collect session.
    QTemporaryDir keyDir;
    QList<SshPublicKey> keys;
    for (const QString &type : {u"ed25519"_s, u"ecdsa"_s, u"ed25519"_s, u"rsa"_s, u"ed25519"_s})
        keys.append(test::generatePublicKey(keyDir.path(), type));
    CollectSessionInput input;
    input.multiKey = true;
    input.multiConnection = true;
    const Result<CollectSession> session = core->collect->create(input);
    SCREENSHOT_OK(session);

    QStringList ids;
    int n = 0;
    for (const auto &person : people) {
        core->clock.advanceSeconds(40 * 60 + 7 * 60 * (n % 5));
        const QString id = record(*core, QString::fromLatin1(person.user), QString::fromLatin1(person.address),
                                  !person.open, output, person.in, person.out);
        if (n % 4 == 0 && !keys.isEmpty()) {
            const Result<QString> connection = core->collect->connectionOpened(
                session->id, QString::fromLatin1(person.address), u"SSH-2.0-OpenSSH_9.2p1"_s);
            SCREENSHOT_OK(connection);
            for (int k = 0; k < 1 + n % 3 && !keys.isEmpty(); ++k)
                SCREENSHOT_OK(core->collect->keyProven(connection.value(), keys.takeFirst()));
        }
        ++n;
        const QStringList tags = ui::ConnectionDetail::splitTags(QString::fromLatin1(person.tags));
        if (!tags.isEmpty())
            SCREENSHOT_OK(core->connections->setTags(id, tags, Actor::console()));
        ids.append(id);
    }
    SCREENSHOT_OK(core->connections->flush());
    core->clock.advanceSeconds(754);

    QTemporaryDir settingsDir;
    QSettings windowSettings(settingsDir.filePath(u"window.ini"_s), QSettings::IniFormat);
    MainWindow window(core->services(), windowSettings);
    window.resize(1100, 700);
    window.show();
    SCREENSHOT_CHECK(QTest::qWaitForWindowExposed(&window));
    window.showPanel(MainWindow::Panel::Connections);
    auto *shown = qobject_cast<ui::ConnectionsPanel *>(window.panel(MainWindow::Panel::Connections));
    SCREENSHOT_CHECK(shown);
    SCREENSHOT_OK(shown->refreshActivity());
    SCREENSHOT_CHECK(shown->selectConnection(ids.at(ids.size() - 4)));
    (void)shown->detail().verifyTrail();
    return save(window, folder, u"connections-panel.png"_s);
}

bool hostKeysScene(const QDir &folder)
{
    const std::unique_ptr<UiCore> core = UiCore::create();
    SCREENSHOT_CHECK(core);
    QTemporaryDir keyDir;
    HostKeyStore &hostKeys = *core->hostKeys;
    SshSettingsService &sshSettings = *core->sshSettings;
    ui::HostKeysPanel panel(hostKeys, sshSettings, *core->settings, core->clock);
    panel.resize(1200, 700);
    panel.show();
    SCREENSHOT_CHECK(QTest::qWaitForWindowExposed(&panel));

    const struct
    {
        const char *type;
        const char *address;
        int port;
    } hosts[] = {
        {"ed25519", "10.20.0.11", 22}, {"ecdsa", "10.20.0.11", 22},       {"rsa", "10.20.0.21", 22},
        {"ed25519", "10.20.0.21", 22}, {"ed25519", "2001:db8::42", 2222}, {"ed25519", "git.example.net", 22},
    };
    for (const auto &host : hosts) {
        const KeyPair pair = makeKeyPair(keyDir.path(), QString::fromLatin1(host.type));
        SCREENSHOT_CHECK(!pair.privatePath.isEmpty());
        SCREENSHOT_OK(
            hostKeys.add(HostKeyInput{QString::fromLatin1(host.address), host.port, pair.type, pair.base64, u"api"_s},
                         Actor::console()));
    }
    // One server came back with another key.
    const KeyPair other = makeKeyPair(keyDir.path(), u"ed25519"_s);
    SCREENSHOT_CHECK(!other.privatePath.isEmpty());
    ScanResult scan;
    scan.address = u"10.20.0.21"_s;
    scan.keys.append(ScannedHostKey{other.type, other.base64, other.fingerprint, 256, {}, {}});
    SCREENSHOT_OK(hostKeys.compareScan(scan, Actor::console()));
    auto *rescan = child<QSpinBox>(&panel, u"rescanInterval"_s);
    SCREENSHOT_CHECK(rescan);
    rescan->setValue(60);

    SettingsPolicy policy = SshSettingsService::defaultPolicy();
    policy.name = u"Hardened"_s;
    policy.serverSide.cipher = {u"aes256-gcm@openssh.com"_s, u"aes128-gcm@openssh.com"_s};
    SCREENSHOT_OK(sshSettings.createPolicy(policy, Actor::console()));
    SettingsPolicy legacy = SshSettingsService::defaultPolicy();
    legacy.name = u"Legacy clients"_s;
    legacy.greeting = u"Authorised use only."_s;
    SCREENSHOT_OK(sshSettings.createPolicy(legacy, Actor::console()));

    panel.resize(1200, 720);
    panel.showTab(ui::HostKeysPanel::Tab::HostKeys);
    SCREENSHOT_CHECK(save(panel, folder, u"hostkeys.png"_s));
    panel.showTab(ui::HostKeysPanel::Tab::SshSettings);
    return save(panel, folder, u"ssh-settings.png"_s);
}

} // namespace keystead::screenshots
