#pragma once

// The fixture shared by tst_keyspanel.cpp and tst_keysdialogs.cpp: what each test starts from.
#include "UiTestSupport.h"

#include "store/Sql.h"
#include "ui/collect/CollectSessionDetail.h"
#include "ui/common/EmptyStatePanel.h"
#include "ui/keys/AuthorizedKeysDialog.h"
#include "ui/keys/GenerateKeyDialog.h"
#include "ui/keys/KeyEditDialog.h"
#include "ui/keys/KeyTexts.h"
#include "ui/keys/KeysPanel.h"
#include "ui/keys/RevealKeyDialog.h"
#include "ui/keys/SshKeysFilter.h"
#include "ui/keys/SshKeysModel.h"
#include "ui/shell/MainWindow.h"

#include <functional>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;
using keystead::ui::GenerateKeyDialog;
using keystead::ui::KeyEditDialog;
using keystead::ui::KeysPanel;
using keystead::ui::SshKeysModel;

namespace keysPanelFixtureHelpers {

constexpr auto kPassphrase = "correct horse battery";

// A key pair written by ssh-keygen, and what ssh-keygen says of it.
struct KeyPair
{
    QString privatePath;
    QByteArray privateText;
    QString publicLine; // the .pub file's line
    QString fingerprint; // ssh-keygen -l -E sha256
    int bits = 0;
};

struct ProcessResult
{
    int exitCode = -1;
    QByteArray output;
};

inline ProcessResult run(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForStarted(10'000) || !process.waitForFinished(120'000))
        return {};
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput()};
}

inline QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// ssh-keygen -t TYPE [-m FORMAT] -N PASSPHRASE in `dir`; empty privatePath on failure.
inline KeyPair makeKeyPair(const QString &dir, const QString &type, const QString &format = {},
                           const QString &passphrase = {})
{
    static int made = 0;
    KeyPair pair;
    // Not TYPE_N: generatePublicKey names its files so, in the same folder.
    const QString path = QDir(dir).filePath(u"pair-%1-%2"_s.arg(type).arg(++made));
    QStringList arguments{u"-q"_s, u"-t"_s, type, u"-N"_s, passphrase, u"-C"_s, u"ops@example"_s, u"-f"_s, path};
    if (!format.isEmpty())
        arguments += {u"-m"_s, format};
    if (run(u"ssh-keygen"_s, arguments).exitCode != 0)
        return pair;
    const ProcessResult listed = run(u"ssh-keygen"_s, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, path + u".pub"_s});
    if (listed.exitCode != 0)
        return pair;
    // "256 SHA256:... ops@example (ED25519)"
    const QStringList fields = QString::fromLatin1(listed.output).trimmed().split(u' ');
    if (fields.size() < 2)
        return pair;
    pair.bits = fields.at(0).toInt();
    pair.fingerprint = fields.at(1);
    pair.publicLine = QString::fromLatin1(readAll(path + u".pub"_s)).trimmed();
    pair.privateText = readAll(path);
    pair.privatePath = path;
    return pair;
}

inline QSet<QByteArray> keyBlobs(const QString &authorizedKeys)
{
    QSet<QByteArray> blobs;
    for (const QString &line : authorizedKeys.split(u'\n', Qt::SkipEmptyParts)) {
        Result<SshPublicKey> key = SshPublicKey::fromOpenSshLine(line.trimmed());
        blobs.insert(key ? key->blob() : line.toUtf8());
    }
    return blobs;
}

} // namespace keysPanelFixtureHelpers

using namespace keysPanelFixtureHelpers;

class KeysPanelFixture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

protected:
    InventoryService &inventory() { return *m_core->inventory; }
    // Saves a key made by ssh-keygen straight through the service.
    SshKeyRecord storeKey(const QString &identifier, const QString &hostname, const QStringList &tags = {},
                          const QStringList &devices = {}, const QString &keyName = {});
    KeyEditDialog *fillAddDialog(const KeyPair &pair, const QString &identifier, const QString &passphrase);
    int vaultSecretCount();
    int auditCount();

    QTemporaryDir m_keyDir;
    std::unique_ptr<UiCore> m_core;
    std::unique_ptr<KeysPanel> m_panel;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
};

inline void KeysPanelFixture::initTestCase()
{
    QVERIFY(m_keyDir.isValid());
    QVERIFY2(run(u"ssh-keygen"_s, {u"-?"_s}).exitCode >= 0, "ssh-keygen is needed");
}

inline void KeysPanelFixture::init()
{
    m_core = UiCore::create();
    QVERIFY(m_core);
    m_panel = std::make_unique<KeysPanel>(m_core->keysPanelServices());
    m_panel->resize(1000, 600);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    const auto mode = QAbstractItemModelTester::FailureReportingMode::QtTest;
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&m_panel->keysModel(), mode));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&m_panel->keysFilter(), mode));
}

inline void KeysPanelFixture::cleanup()
{
    m_testers.clear();
    m_panel.reset();
    m_core.reset();
}

inline SshKeyRecord KeysPanelFixture::storeKey(const QString &identifier, const QString &hostname,
                                               const QStringList &tags, const QStringList &devices,
                                               const QString &keyName)
{
    const KeyPair pair = makeKeyPair(m_keyDir.path(), u"ed25519"_s);
    if (pair.privatePath.isEmpty())
        return {};
    SshKeyInput input;
    input.identifier = identifier;
    input.hostname = hostname;
    static int stored = 0;
    input.ip = u"198.51.100.%1"_s.arg(++stored % 250 + 1);
    input.publicKey = pair.publicLine;
    input.privateKey = pair.privateText;
    input.tags = tags;
    input.deviceHostnames = devices;
    if (!keyName.isEmpty())
        input.keyName = keyName;
    input.origin = u"console"_s;
    Result<SshKeySaved> saved = inventory().save(input, Actor::console());
    if (!saved) {
        qWarning("%s", qPrintable(saved.error().message));
        return {};
    }
    return saved->key;
}

inline KeyEditDialog *KeysPanelFixture::fillAddDialog(const KeyPair &pair, const QString &identifier,
                                                      const QString &passphrase)
{
    KeyEditDialog *dialog = m_panel->createAddDialog();
    child<QLineEdit>(dialog, u"identifier"_s)->setText(identifier);
    child<QLineEdit>(dialog, u"keyName"_s)->setText(u"Deploy key"_s);
    child<QLineEdit>(dialog, u"username"_s)->setText(u"deploy"_s);
    child<QLineEdit>(dialog, u"hostname"_s)->setText(u"web-1"_s);
    child<QLineEdit>(dialog, u"ip"_s)->setText(u"192.0.2.10"_s);
    child<QLineEdit>(dialog, u"tags"_s)->setText(u"prod, web"_s);
    child<QPlainTextEdit>(dialog, u"publicKey"_s)->setPlainText(pair.publicLine);
    child<QPlainTextEdit>(dialog, u"privateKey"_s)->setPlainText(QString::fromLatin1(pair.privateText));
    child<QLineEdit>(dialog, u"password"_s)->setText(passphrase);
    return dialog;
}

inline int KeysPanelFixture::vaultSecretCount()
{
    Result<QSqlQuery> counted
        = sql::exec(m_core->store->database().connection(), u"SELECT COUNT(*) FROM vault_secrets"_s, {});
    if (!counted || !counted->next())
        return -1;
    return counted->value(0).toInt();
}

inline int KeysPanelFixture::auditCount()
{
    Result<QList<AuditEvent>> events = m_core->audit->list();
    return events ? static_cast<int>(events->size()) : -1;
}
