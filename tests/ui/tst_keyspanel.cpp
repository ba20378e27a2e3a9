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

#include <QAbstractItemModelTester>
#include <QAction>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTableView>
#include <QTimer>

#include <functional>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;
using keystead::ui::GenerateKeyDialog;
using keystead::ui::KeyEditDialog;
using keystead::ui::KeysPanel;
using keystead::ui::SshKeysModel;

namespace {

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

ProcessResult run(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForStarted(10'000) || !process.waitForFinished(120'000))
        return {};
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput()};
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// ssh-keygen -t TYPE [-m FORMAT] -N PASSPHRASE in `dir`; empty privatePath on failure.
KeyPair makeKeyPair(const QString &dir, const QString &type, const QString &format = {}, const QString &passphrase = {})
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

// Answers whatever modal dialog comes up while `action` runs, as a person would; returns how many it answered.
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

// Clicks `button` of the message box that is up; remembers its text.
std::function<bool(QWidget *)> clickMessageBox(QMessageBox::StandardButton button, QString *text = nullptr)
{
    return [button, text](QWidget *modal) {
        auto *box = qobject_cast<QMessageBox *>(modal);
        if (!box || !box->button(button))
            return false;
        if (text)
            *text = box->text();
        box->button(button)->click();
        return true;
    };
}

template <typename T>
T *child(QObject *parent, const QString &name)
{
    T *found = parent->findChild<T *>(name);
    if (!found)
        qWarning("no child %s", qPrintable(name));
    return found;
}

QSet<QByteArray> keyBlobs(const QString &authorizedKeys)
{
    QSet<QByteArray> blobs;
    for (const QString &line : authorizedKeys.split(u'\n', Qt::SkipEmptyParts)) {
        Result<SshPublicKey> key = SshPublicKey::fromOpenSshLine(line.trimmed());
        blobs.insert(key ? key->blob() : line.toUtf8());
    }
    return blobs;
}

} // namespace

// The Keys panel, offscreen, on a real store with the real vault (master key
// in a file), audit log and inventory service; key pairs made by ssh-keygen.
class TestKeysPanel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void emptyStateUntilTheFirstKey();
    void addThroughTheDialog_data();
    void addThroughTheDialog();
    void refusedSaveShowsTheNumberAndStoresNothing_data();
    void refusedSaveShowsTheNumberAndStoresNothing();
    void newKeyMayNotTakeAnExistingIdentifier();
    void editKeepsTheSealedPrivateKey();
    void unknownDevicesAreANoticeNotAnError();
    void textAndTagFiltersNarrowTheRows();
    void generateEachType_data();
    void generateEachType();
    void generateNeedsTheSamePassphraseTwice();
    void revealAfterConfirming();
    void cancelledRevealRevealsNothing();
    void copyPublicKey();
    void exportAuthorizedKeysForADevice();
    void disableKey();
    void importFromACollectSession();
    void vaultProblemIsShown();
    void windowShowsTheKeysPanel();

private:
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

void TestKeysPanel::initTestCase()
{
    QVERIFY(m_keyDir.isValid());
    QVERIFY2(run(u"ssh-keygen"_s, {u"-?"_s}).exitCode >= 0, "ssh-keygen is needed");
}

void TestKeysPanel::init()
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

void TestKeysPanel::cleanup()
{
    m_testers.clear();
    m_panel.reset();
    m_core.reset();
}

SshKeyRecord TestKeysPanel::storeKey(const QString &identifier, const QString &hostname, const QStringList &tags,
                                     const QStringList &devices, const QString &keyName)
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

KeyEditDialog *TestKeysPanel::fillAddDialog(const KeyPair &pair, const QString &identifier, const QString &passphrase)
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

int TestKeysPanel::vaultSecretCount()
{
    Result<QSqlQuery> counted
        = sql::exec(m_core->store->database().connection(), u"SELECT COUNT(*) FROM vault_secrets"_s, {});
    if (!counted || !counted->next())
        return -1;
    return counted->value(0).toInt();
}

int TestKeysPanel::auditCount()
{
    Result<QList<AuditEvent>> events = m_core->audit->list();
    return events ? static_cast<int>(events->size()) : -1;
}

void TestKeysPanel::emptyStateUntilTheFirstKey()
{
    QVERIFY(m_panel->showsEmptyState());
    auto *empty = m_panel->findChild<ui::EmptyStatePanel *>();
    QVERIFY(empty && empty->isVisible());
    QVERIFY(!child<QTableView>(m_panel.get(), u"keys"_s)->isVisible());
    QVERIFY(m_panel->vaultProblem().isEmpty());
    // The row actions wait for a row.
    QVERIFY(child<QAction>(m_panel.get(), u"addKey"_s)->isEnabled());
    QVERIFY(child<QAction>(m_panel.get(), u"generateKey"_s)->isEnabled());
    for (const QString &name : {u"editKey"_s, u"copyPublicKey"_s, u"revealPrivateKey"_s, u"disableKey"_s})
        QVERIFY2(!child<QAction>(m_panel.get(), name)->isEnabled(), qPrintable(name));

    const SshKeyRecord key = storeKey(u"first"_s, u"web-1"_s);
    QVERIFY(!key.id.isEmpty());
    QVERIFY(!m_panel->showsEmptyState());
    QVERIFY(child<QTableView>(m_panel.get(), u"keys"_s)->isVisible());
    QCOMPARE(m_panel->keysModel().rowCount(), 1);
}

void TestKeysPanel::addThroughTheDialog_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("format"); // ssh-keygen -m
    QTest::addColumn<QString>("passphrase");
    QTest::addColumn<QString>("storedFormat");
    QTest::addColumn<bool>("fromFiles");
    const QString pass = QString::fromLatin1(kPassphrase);
    QTest::newRow("ed25519") << u"ed25519"_s << QString() << QString() << u"openssh"_s << false;
    QTest::newRow("ed25519 passphrase") << u"ed25519"_s << QString() << pass << u"openssh"_s << true;
    QTest::newRow("ecdsa") << u"ecdsa"_s << QString() << QString() << u"openssh"_s << true;
    QTest::newRow("ecdsa passphrase") << u"ecdsa"_s << QString() << pass << u"openssh"_s << false;
    QTest::newRow("ecdsa pem") << u"ecdsa"_s << u"PEM"_s << QString() << u"pkcs1"_s << false;
    QTest::newRow("ecdsa pem passphrase") << u"ecdsa"_s << u"PEM"_s << pass << u"pkcs1"_s << true;
    QTest::newRow("ecdsa pkcs8") << u"ecdsa"_s << u"PKCS8"_s << QString() << u"pkcs8"_s << true;
    QTest::newRow("ecdsa pkcs8 passphrase") << u"ecdsa"_s << u"PKCS8"_s << pass << u"pkcs8"_s << false;
    QTest::newRow("rsa") << u"rsa"_s << QString() << QString() << u"openssh"_s << false;
    QTest::newRow("rsa passphrase") << u"rsa"_s << QString() << pass << u"openssh"_s << true;
    QTest::newRow("rsa pem") << u"rsa"_s << u"PEM"_s << QString() << u"pkcs1"_s << true;
    QTest::newRow("rsa pem passphrase") << u"rsa"_s << u"PEM"_s << pass << u"pkcs1"_s << false;
    QTest::newRow("rsa pkcs8") << u"rsa"_s << u"PKCS8"_s << QString() << u"pkcs8"_s << false;
    QTest::newRow("rsa pkcs8 passphrase") << u"rsa"_s << u"PKCS8"_s << pass << u"pkcs8"_s << true;
}

void TestKeysPanel::addThroughTheDialog()
{
    QFETCH(QString, type);
    QFETCH(QString, format);
    QFETCH(QString, passphrase);
    QFETCH(QString, storedFormat);
    QFETCH(bool, fromFiles);

    const KeyPair pair = makeKeyPair(m_keyDir.path(), type, format, passphrase);
    QVERIFY(!pair.privatePath.isEmpty());
    QSignalSpy changed(&inventory(), &InventoryService::changed);

    std::unique_ptr<KeyEditDialog> dialog(m_panel->createAddDialog());
    QVERIFY(!dialog->isEditing());
    // The seed's default user name is there to begin with.
    QCOMPARE(child<QLineEdit>(dialog.get(), u"username"_s)->text(), u"usr"_s);
    QVERIFY(child<QCheckBox>(dialog.get(), u"enabled"_s)->isChecked());
    QCOMPARE(child<QLineEdit>(dialog.get(), u"password"_s)->echoMode(), QLineEdit::Password);
    child<QLineEdit>(dialog.get(), u"identifier"_s)->setText(u"key-"_s + type);
    child<QLineEdit>(dialog.get(), u"keyName"_s)->setText(u"Deploy key"_s);
    child<QLineEdit>(dialog.get(), u"hostname"_s)->setText(u"web-1"_s);
    child<QLineEdit>(dialog.get(), u"ip"_s)->setText(u"192.0.2.10"_s);
    child<QLineEdit>(dialog.get(), u"tags"_s)->setText(u"prod, web"_s);
    if (fromFiles) {
        // What "Choose file…" does with the file chosen: the .pub beside it comes along.
        KEYSTEAD_VERIFY_OK(dialog->loadPrivateKeyFile(pair.privatePath));
        QCOMPARE(child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->toPlainText(), pair.publicLine);
    } else {
        child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->setPlainText(pair.publicLine);
        child<QPlainTextEdit>(dialog.get(), u"privateKey"_s)->setPlainText(QString::fromLatin1(pair.privateText));
    }
    child<QLineEdit>(dialog.get(), u"password"_s)->setText(passphrase);

    child<QPushButton>(dialog.get(), u"save"_s)->click();
    QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
    QCOMPARE(changed.count(), 1);
    const SshKeyRecord saved = dialog->saved().key;
    QVERIFY(dialog->saved().created);

    // In the table, with the fingerprint ssh-keygen -l prints, and selected.
    const SshKeysModel &model = m_panel->keysModel();
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, SshKeysModel::Identifier).data().toString(), u"key-"_s + type);
    QCOMPARE(model.index(0, SshKeysModel::Name).data().toString(), u"Deploy key"_s);
    QCOMPARE(model.index(0, SshKeysModel::Fingerprint).data().toString(), pair.fingerprint);
    QCOMPARE(model.index(0, SshKeysModel::Algorithm).data().toString(),
             u"%1 %2"_s.arg(saved.publicKey.typeLabel()).arg(pair.bits));
    QCOMPARE(model.index(0, SshKeysModel::Username).data().toString(), u"usr"_s);
    QCOMPARE(model.index(0, SshKeysModel::Host).data().toString(), u"web-1"_s);
    QCOMPARE(model.index(0, SshKeysModel::Host).data(Qt::ToolTipRole).toString(), u"web-1 (192.0.2.10)"_s);
    QCOMPARE(model.index(0, SshKeysModel::Tags).data().toString(), u"prod, web"_s);
    QCOMPARE(model.index(0, SshKeysModel::Enabled).data().toString(), u"enabled"_s);
    QCOMPARE(model.index(0, SshKeysModel::PrivateKey).data().toString(),
             passphrase.isEmpty() ? u"sealed"_s : u"sealed, with password"_s);
    QCOMPARE(m_panel->selectedKeyId(), saved.id);
    QVERIFY(m_panel->noticeText().startsWith(u"Added"_s));

    // Stored as given: the private key sealed, in the form it came.
    const Result<SshKeyRecord> stored = inventory().find(saved.id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->publicKey.fingerprintSha256(), pair.fingerprint);
    QCOMPARE(stored->origin, u"console"_s);
    QVERIFY(stored->hasPrivateKey);
    QCOMPARE(stored->hasPassword, !passphrase.isEmpty());
    QCOMPARE(stored->privateKeyFormat, storedFormat);
    QCOMPARE(stored->privateKeyEncrypted, !passphrase.isEmpty());
    QCOMPARE(stored->tags, (QStringList{u"prod"_s, u"web"_s}));
    const Result<SshKeySecrets> secrets = inventory().reveal(saved.id, Actor::console());
    KEYSTEAD_VERIFY_OK(secrets);
    QCOMPARE(secrets->privateKey, pair.privateText);
    QCOMPARE(secrets->password, passphrase.toUtf8());
}

void TestKeysPanel::refusedSaveShowsTheNumberAndStoresNothing_data()
{
    QTest::addColumn<QString>("problem");
    QTest::addColumn<int>("code");
    QTest::newRow("mismatched pair") << u"mismatch"_s << 1043;
    QTest::newRow("wrong passphrase") << u"wrong passphrase"_s << 1045;
    QTest::newRow("passphrase missing") << u"no passphrase"_s << 1044;
    QTest::newRow("garbage private key") << u"garbage"_s << 1041;
    QTest::newRow("no public key") << u"no public key"_s << 1013;
    QTest::newRow("no private key") << u"no private key"_s << 1014;
    QTest::newRow("no hostname") << u"no hostname"_s << 1004;
    QTest::newRow("no ip") << u"no ip"_s << 1005;
}

void TestKeysPanel::refusedSaveShowsTheNumberAndStoresNothing()
{
    QFETCH(QString, problem);
    QFETCH(int, code);

    const QString pass = QString::fromLatin1(kPassphrase);
    const bool encrypted = problem.contains(u"passphrase"_s);
    const KeyPair pair = makeKeyPair(m_keyDir.path(), u"ed25519"_s, {}, encrypted ? pass : QString());
    QVERIFY(!pair.privatePath.isEmpty());
    std::unique_ptr<KeyEditDialog> dialog(fillAddDialog(pair, u"refused"_s, encrypted ? pass : QString()));
    if (problem == u"mismatch"_s) {
        const KeyPair other = makeKeyPair(m_keyDir.path(), u"ed25519"_s);
        child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->setPlainText(other.publicLine);
    } else if (problem == u"wrong passphrase"_s) {
        child<QLineEdit>(dialog.get(), u"password"_s)->setText(u"not the passphrase"_s);
    } else if (problem == u"no passphrase"_s) {
        child<QLineEdit>(dialog.get(), u"password"_s)->clear();
    } else if (problem == u"garbage"_s) {
        child<QPlainTextEdit>(dialog.get(), u"privateKey"_s)
            ->setPlainText(u"-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n"_s);
    } else if (problem == u"no public key"_s) {
        child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->clear();
    } else if (problem == u"no private key"_s) {
        child<QPlainTextEdit>(dialog.get(), u"privateKey"_s)->clear();
    } else if (problem == u"no hostname"_s) {
        child<QLineEdit>(dialog.get(), u"hostname"_s)->clear();
    } else if (problem == u"no ip"_s) {
        child<QLineEdit>(dialog.get(), u"ip"_s)->clear();
    }
    dialog->show();
    QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
    QSignalSpy changed(&inventory(), &InventoryService::changed);

    child<QPushButton>(dialog.get(), u"save"_s)->click();
    // Still open, saying what is wrong with the seed's style of number.
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->result(), int(QDialog::Rejected));
    QVERIFY2(dialog->errorText().startsWith(QString::number(code) + u": "_s), qPrintable(dialog->errorText()));
    QVERIFY(child<QLabel>(dialog.get(), u"error"_s)->isVisible());
    // What was typed stays for the operator to correct.
    QCOMPARE(child<QLineEdit>(dialog.get(), u"identifier"_s)->text(), u"refused"_s);

    // Nothing stored: no key, no secret.
    QCOMPARE(changed.count(), 0);
    QCOMPARE(m_panel->keysModel().rowCount(), 0);
    const Result<QList<SshKeyRecord>> listed = inventory().list();
    KEYSTEAD_VERIFY_OK(listed);
    QVERIFY(listed->isEmpty());
    QCOMPARE(vaultSecretCount(), 0);
}

void TestKeysPanel::newKeyMayNotTakeAnExistingIdentifier()
{
    const SshKeyRecord existing = storeKey(u"taken"_s, u"web-1"_s);
    QVERIFY(!existing.id.isEmpty());
    const KeyPair pair = makeKeyPair(m_keyDir.path(), u"ed25519"_s);
    std::unique_ptr<KeyEditDialog> dialog(fillAddDialog(pair, u"taken"_s, {}));
    QSignalSpy changed(&inventory(), &InventoryService::changed);
    QVERIFY(!dialog->save());
    QVERIFY2(dialog->errorText().contains(u"exists already"_s), qPrintable(dialog->errorText()));
    QCOMPARE(changed.count(), 0);
    const Result<SshKeyRecord> kept = inventory().find(u"taken"_s);
    KEYSTEAD_VERIFY_OK(kept);
    QCOMPARE(kept->publicKey, existing.publicKey);
}

void TestKeysPanel::editKeepsTheSealedPrivateKey()
{
    const QString pass = QString::fromLatin1(kPassphrase);
    const KeyPair pair = makeKeyPair(m_keyDir.path(), u"ecdsa"_s, {}, pass);
    std::unique_ptr<KeyEditDialog> added(fillAddDialog(pair, u"edit-me"_s, pass));
    KEYSTEAD_VERIFY_OK(added->save());
    const QString id = added->saved().key.id;
    added.reset();

    QVERIFY(m_panel->selectKey(id));
    std::unique_ptr<KeyEditDialog> dialog(m_panel->createEditDialog());
    QVERIFY(dialog);
    QVERIFY(dialog->isEditing());
    QVERIFY(child<QLineEdit>(dialog.get(), u"identifier"_s)->isReadOnly());
    QCOMPARE(child<QLineEdit>(dialog.get(), u"hostname"_s)->text(), u"web-1"_s);
    QCOMPARE(child<QLineEdit>(dialog.get(), u"tags"_s)->text(), u"prod, web"_s);
    // The secrets are never put in the form.
    QVERIFY(child<QPlainTextEdit>(dialog.get(), u"privateKey"_s)->toPlainText().isEmpty());
    QVERIFY(child<QLineEdit>(dialog.get(), u"password"_s)->text().isEmpty());

    child<QLineEdit>(dialog.get(), u"keyName"_s)->setText(u"Renamed"_s);
    child<QLineEdit>(dialog.get(), u"tags"_s)->setText(u"prod, db"_s);
    // Only what changed goes to the service.
    const SshKeyInput sent = dialog->input();
    QCOMPARE(sent.identifier.value_or(QString()), u"edit-me"_s);
    QCOMPARE(sent.keyName.value_or(QString()), u"Renamed"_s);
    QVERIFY(sent.tags.has_value());
    QVERIFY(!sent.hostname && !sent.ip && !sent.publicKey && !sent.privateKey && !sent.password && !sent.enabled);

    child<QPushButton>(dialog.get(), u"save"_s)->click();
    QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
    QVERIFY(!dialog->saved().created);
    const int row = m_panel->keysModel().rowOf(id);
    QCOMPARE(m_panel->keysModel().index(row, SshKeysModel::Name).data().toString(), u"Renamed"_s);
    QCOMPARE(m_panel->keysModel().index(row, SshKeysModel::Tags).data().toString(), u"prod, db"_s);
    QCOMPARE(m_panel->selectedKeyId(), id); // the change kept the selection

    const Result<SshKeySecrets> secrets = inventory().reveal(id, Actor::console());
    KEYSTEAD_VERIFY_OK(secrets);
    QCOMPARE(secrets->privateKey, pair.privateText);
    QCOMPARE(secrets->password, pass.toUtf8());
}

void TestKeysPanel::unknownDevicesAreANoticeNotAnError()
{
    QVERIFY(!storeKey(u"db-key"_s, u"db-1"_s).id.isEmpty());
    const KeyPair pair = makeKeyPair(m_keyDir.path(), u"ed25519"_s);
    std::unique_ptr<KeyEditDialog> dialog(fillAddDialog(pair, u"with-devices"_s, {}));
    child<QLineEdit>(dialog.get(), u"devices"_s)->setText(u"db-1, nowhere-7"_s);
    child<QPushButton>(dialog.get(), u"save"_s)->click();
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
    QCOMPARE(dialog->saved().deviceProblems.size(), 1);
    QCOMPARE(dialog->saved().deviceProblems.constFirst().hostname, u"nowhere-7"_s);

    // Saved, and the panel says which device it does not know, as a notice.
    QVERIFY(m_panel->errorText().isEmpty());
    QVERIFY2(m_panel->noticeText().contains(u"nowhere-7"_s), qPrintable(m_panel->noticeText()));
    const int row = m_panel->keysModel().rowOf(dialog->saved().key.id);
    QVERIFY(row >= 0);
    QVERIFY(m_panel->keysModel().index(row, SshKeysModel::Devices).data().toString().contains(u"db-1"_s));
}

void TestKeysPanel::textAndTagFiltersNarrowTheRows()
{
    QVERIFY(!storeKey(u"web-deploy"_s, u"web-1"_s, {u"prod"_s, u"web"_s}, {}, u"Web deploy"_s).id.isEmpty());
    QVERIFY(!storeKey(u"db-backup"_s, u"db-1"_s, {u"prod"_s, u"db"_s}).id.isEmpty());
    const SshKeyRecord staging = storeKey(u"staging"_s, u"stage-1"_s, {u"staging"_s});
    QVERIFY(!staging.id.isEmpty());
    const ui::SshKeysFilter &filter = m_panel->keysFilter();
    QCOMPARE(filter.rowCount(), 3);

    const auto shown = [&filter] {
        QStringList identifiers;
        for (int row = 0; row < filter.rowCount(); ++row)
            identifiers.append(filter.index(row, SshKeysModel::Identifier).data().toString());
        identifiers.sort();
        return identifiers;
    };

    // The tags in use, after "All tags".
    auto *tags = child<QComboBox>(m_panel.get(), u"tagFilter"_s);
    QStringList offered;
    for (int row = 0; row < tags->count(); ++row)
        offered.append(tags->itemText(row));
    QCOMPARE(offered, (QStringList{u"All tags"_s, u"db"_s, u"prod"_s, u"staging"_s, u"web"_s}));

    auto *text = child<QLineEdit>(m_panel.get(), u"textFilter"_s);
    text->setText(u"WEB"_s); // any case, any column (identifier, name, host, tag)
    QCOMPARE(shown(), QStringList{u"web-deploy"_s});
    text->setText(u"db-1"_s); // the host
    QCOMPARE(shown(), QStringList{u"db-backup"_s});
    text->setText(staging.publicKey.fingerprintSha256().mid(7, 12)); // part of a fingerprint
    QCOMPARE(shown(), QStringList{u"staging"_s});
    text->setText(staging.ip); // the address, shown in the host's tooltip
    QCOMPARE(shown(), QStringList{u"staging"_s});
    text->clear();
    QCOMPARE(filter.rowCount(), 3);

    tags->setCurrentIndex(tags->findText(u"prod"_s));
    QCOMPARE(shown(), (QStringList{u"db-backup"_s, u"web-deploy"_s}));
    text->setText(u"backup"_s);
    QCOMPARE(shown(), QStringList{u"db-backup"_s});
    text->setText(u"stag"_s); // text and tag together
    QCOMPARE(filter.rowCount(), 0);
    tags->setCurrentIndex(0);
    QCOMPARE(shown(), QStringList{u"staging"_s});
}

void TestKeysPanel::generateEachType_data()
{
    QTest::addColumn<int>("typeNumber"); // GeneratedKeyType
    QTest::addColumn<QString>("algorithm");
    QTest::addColumn<int>("bits");
    QTest::addColumn<QString>("passphrase");
    QTest::newRow("ed25519") << int(GeneratedKeyType::Ed25519) << u"ssh-ed25519"_s << 256 << QString();
    QTest::newRow("ecdsa p-256") << int(GeneratedKeyType::EcdsaP256) << u"ecdsa-sha2-nistp256"_s << 256 << QString();
    QTest::newRow("ecdsa p-384 passphrase")
        << int(GeneratedKeyType::EcdsaP384) << u"ecdsa-sha2-nistp384"_s << 384 << QString::fromLatin1(kPassphrase);
    QTest::newRow("ecdsa p-521") << int(GeneratedKeyType::EcdsaP521) << u"ecdsa-sha2-nistp521"_s << 521 << QString();
    QTest::newRow("rsa 3072") << int(GeneratedKeyType::Rsa3072) << u"ssh-rsa"_s << 3072 << QString();
    QTest::newRow("rsa 4096") << int(GeneratedKeyType::Rsa4096) << u"ssh-rsa"_s << 4096 << QString();
}

void TestKeysPanel::generateEachType()
{
    QFETCH(int, typeNumber);
    const auto type = static_cast<GeneratedKeyType>(typeNumber);
    QFETCH(QString, algorithm);
    QFETCH(int, bits);
    QFETCH(QString, passphrase);

    std::unique_ptr<GenerateKeyDialog> dialog(m_panel->createGenerateDialog());
    dialog->show();
    QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
    dialog->setKeyType(type);
    QCOMPARE(dialog->keyType(), type);
    child<QLineEdit>(dialog.get(), u"identifier"_s)->setText(u"generated"_s);
    child<QLineEdit>(dialog.get(), u"keyName"_s)->setText(u"New pair"_s);
    child<QLineEdit>(dialog.get(), u"hostname"_s)->setText(u"web-1"_s);
    child<QLineEdit>(dialog.get(), u"ip"_s)->setText(u"192.0.2.10"_s);
    child<QLineEdit>(dialog.get(), u"passphrase"_s)->setText(passphrase);
    child<QLineEdit>(dialog.get(), u"passphraseAgain"_s)->setText(passphrase);
    QSignalSpy done(dialog.get(), &GenerateKeyDialog::generationDone);

    child<QPushButton>(dialog.get(), u"generate"_s)->click();
    // Busy until the pair arrives from its thread: the form is locked, the bar moves.
    QVERIFY(dialog->isBusy());
    QVERIFY(!child<QComboBox>(dialog.get(), u"keyType"_s)->isEnabled());
    QVERIFY(!child<QPushButton>(dialog.get(), u"generate"_s)->isEnabled());
    QVERIFY(child<QWidget>(dialog.get(), u"busy"_s)->isVisible());
    dialog->reject(); // no cancelling halfway
    QVERIFY(dialog->isVisible());
    QVERIFY(done.wait(180'000));
    QVERIFY2(done.at(0).at(0).toBool(), qPrintable(dialog->errorText()));
    QVERIFY(!dialog->isBusy());
    QCOMPARE(dialog->result(), int(QDialog::Accepted)); // the button closes it once saved
    QVERIFY(!dialog->isVisible());

    const SshKeyRecord saved = dialog->saved().key;
    QCOMPARE(saved.identifier, u"generated"_s);
    QCOMPARE(saved.origin, u"generated"_s);
    QCOMPARE(saved.publicKey.algorithm(), algorithm);
    QCOMPARE(saved.publicKey.bits(), bits);
    QVERIFY(saved.hasPrivateKey);
    QCOMPARE(saved.hasPassword, !passphrase.isEmpty());
    QCOMPARE(saved.privateKeyEncrypted, !passphrase.isEmpty());
    QCOMPARE(m_panel->selectedKeyId(), saved.id);

    // ssh-keygen opens the stored private key (with the passphrase) and derives the stored public half.
    const Result<SshKeySecrets> secrets = inventory().reveal(saved.id, Actor::console());
    KEYSTEAD_VERIFY_OK(secrets);
    QCOMPARE(secrets->password, passphrase.toUtf8());
    const QString path = m_keyDir.filePath(u"revealed-%1"_s.arg(static_cast<int>(type)));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QVERIFY(file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    QCOMPARE(file.write(secrets->privateKey), secrets->privateKey.size());
    file.close();
    const ProcessResult derived = run(u"ssh-keygen"_s, {u"-y"_s, u"-f"_s, path, u"-P"_s, passphrase});
    QCOMPARE(derived.exitCode, 0);
    const Result<SshPublicKey> derivedKey
        = SshPublicKey::fromOpenSshLine(QString::fromLatin1(derived.output).trimmed());
    KEYSTEAD_VERIFY_OK(derivedKey);
    QCOMPARE(derivedKey->fingerprintSha256(), saved.publicKey.fingerprintSha256());
    if (!passphrase.isEmpty()) // and only with it
        QVERIFY(run(u"ssh-keygen"_s, {u"-y"_s, u"-f"_s, path, u"-P"_s, u"wrong"_s}).exitCode != 0);
}

void TestKeysPanel::generateNeedsTheSamePassphraseTwice()
{
    std::unique_ptr<GenerateKeyDialog> dialog(m_panel->createGenerateDialog());
    child<QLineEdit>(dialog.get(), u"hostname"_s)->setText(u"web-1"_s);
    child<QLineEdit>(dialog.get(), u"ip"_s)->setText(u"192.0.2.10"_s);
    child<QLineEdit>(dialog.get(), u"passphrase"_s)->setText(u"one passphrase"_s);
    child<QLineEdit>(dialog.get(), u"passphraseAgain"_s)->setText(u"another one"_s);
    QSignalSpy changed(&inventory(), &InventoryService::changed);
    QVERIFY(!dialog->start());
    QVERIFY(!dialog->isBusy());
    QVERIFY(dialog->errorText().contains(u"passphrases differ"_s));

    // Nor without the device it opens.
    child<QLineEdit>(dialog.get(), u"passphraseAgain"_s)->setText(u"one passphrase"_s);
    child<QLineEdit>(dialog.get(), u"ip"_s)->clear();
    QVERIFY(!dialog->start());
    QVERIFY(!dialog->errorText().isEmpty());
    QCOMPARE(changed.count(), 0);
    QCOMPARE(m_panel->keysModel().rowCount(), 0);
}

void TestKeysPanel::revealAfterConfirming()
{
    const QString pass = QString::fromLatin1(kPassphrase);
    const KeyPair pair = makeKeyPair(m_keyDir.path(), u"rsa"_s, u"PEM"_s, pass);
    std::unique_ptr<KeyEditDialog> added(fillAddDialog(pair, u"secret-key"_s, pass));
    KEYSTEAD_VERIFY_OK(added->save());
    const QString id = added->saved().key.id;
    QVERIFY(m_panel->selectKey(id));
    QVERIFY(child<QAction>(m_panel.get(), u"revealPrivateKey"_s)->isEnabled());
    const int eventsBefore = auditCount();
    QVERIFY(eventsBefore >= 0);

    QString question;
    ui::RevealKeyDialog *dialog = nullptr;
    const int answered
        = answeringDialogs([&] { dialog = m_panel->revealSelected(); }, clickMessageBox(QMessageBox::Yes, &question));
    QCOMPARE(answered, 1);
    QCOMPARE(question, u"The private key will be shown in plain text. This is recorded in the audit log."_s);
    QVERIFY2(dialog, qPrintable(m_panel->errorText()));
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->privateKeyText().toLatin1(), pair.privateText);
    QCOMPARE(dialog->passwordText(), pass);
    QVERIFY(child<QPlainTextEdit>(dialog, u"privateKey"_s)->isReadOnly());
    child<QPushButton>(dialog, u"copyPrivateKey"_s)->click();
    QCOMPARE(QGuiApplication::clipboard()->text().toLatin1(), pair.privateText);

    // Recorded: who revealed which key.
    const Result<QList<AuditEvent>> events = m_core->audit->list();
    KEYSTEAD_VERIFY_OK(events);
    QCOMPARE(events->size(), eventsBefore + 1);
    const AuditEvent &event = events->constFirst();
    QVERIFY2(event.action.contains(u"reveal"_s), qPrintable(event.action));
    QCOMPARE(event.subjectId, id);
    QCOMPARE(event.actor.kind, u"console"_s);
    dialog->close(); // deletes itself
}

void TestKeysPanel::cancelledRevealRevealsNothing()
{
    const SshKeyRecord key = storeKey(u"kept-secret"_s, u"web-1"_s);
    QVERIFY(m_panel->selectKey(key.id));
    const int eventsBefore = auditCount();
    ui::RevealKeyDialog *dialog = nullptr;
    const int answered
        = answeringDialogs([&] { dialog = m_panel->revealSelected(); }, clickMessageBox(QMessageBox::Cancel));
    QCOMPARE(answered, 1);
    QVERIFY(!dialog);
    QVERIFY(!m_panel->findChild<ui::RevealKeyDialog *>());
    QCOMPARE(auditCount(), eventsBefore);
}

void TestKeysPanel::copyPublicKey()
{
    const KeyPair pair = makeKeyPair(m_keyDir.path(), u"ecdsa"_s);
    std::unique_ptr<KeyEditDialog> added(fillAddDialog(pair, u"copy-me"_s, {}));
    KEYSTEAD_VERIFY_OK(added->save());
    QVERIFY(m_panel->selectKey(added->saved().key.id));
    QGuiApplication::clipboard()->clear();
    child<QAction>(m_panel.get(), u"copyPublicKey"_s)->trigger();
    // The OpenSSH line, as ssh-keygen wrote it (with its comment).
    QCOMPARE(QGuiApplication::clipboard()->text(), pair.publicLine);
    QVERIFY(m_panel->noticeText().contains(u"Copied"_s));
    // Also in the table's context menu.
    auto *view = child<QTableView>(m_panel.get(), u"keys"_s);
    QCOMPARE(view->contextMenuPolicy(), Qt::ActionsContextMenu);
    QVERIFY(view->actions().contains(child<QAction>(m_panel.get(), u"copyPublicKey"_s)));
    QVERIFY(view->actions().contains(child<QAction>(m_panel.get(), u"revealPrivateKey"_s)));
}

void TestKeysPanel::exportAuthorizedKeysForADevice()
{
    const SshKeyRecord db = storeKey(u"db-main"_s, u"db-1"_s);
    const SshKeyRecord web = storeKey(u"web-main"_s, u"web-1"_s, {}, {u"db-1"_s});
    const SshKeyRecord disabled = storeKey(u"web-old"_s, u"web-1"_s);
    const SshKeyRecord other = storeKey(u"elsewhere"_s, u"mail-1"_s);
    QVERIFY(!db.id.isEmpty() && !web.id.isEmpty() && !disabled.id.isEmpty() && !other.id.isEmpty());
    KEYSTEAD_VERIFY_OK(inventory().inactivate(disabled.id, Actor::console()));

    QVERIFY(m_panel->selectKey(web.id));
    std::unique_ptr<ui::AuthorizedKeysDialog> dialog(m_panel->createExportDialog());
    QStringList devices = dialog->deviceHostnames();
    devices.sort();
    QCOMPARE(devices, (QStringList{u"db-1"_s, u"mail-1"_s, u"web-1"_s}));
    // The selected key's device first; the disabled key is not in it.
    QCOMPARE(dialog->device(), u"web-1"_s);
    QCOMPARE(keyBlobs(dialog->authorizedKeys()), QSet<QByteArray>{web.publicKey.blob()});

    // Main device of one, additional device of the other.
    QVERIFY(dialog->setDevice(u"db-1"_s));
    QCOMPARE(keyBlobs(dialog->authorizedKeys()), (QSet<QByteArray>{db.publicKey.blob(), web.publicKey.blob()}));
    QCOMPARE(dialog->authorizedKeys().trimmed(), inventory().authorizedKeys(u"db-1"_s).value().trimmed());
    child<QPushButton>(dialog.get(), u"copy"_s)->click();
    QCOMPARE(keyBlobs(QGuiApplication::clipboard()->text()), keyBlobs(dialog->authorizedKeys()));
    const QString path = m_keyDir.filePath(u"authorized_keys_db-1"_s);
    KEYSTEAD_VERIFY_OK(dialog->saveTo(path));
    QCOMPARE(keyBlobs(QString::fromLatin1(readAll(path))), keyBlobs(dialog->authorizedKeys()));

    QVERIFY(dialog->setDevice(u"mail-1"_s));
    QCOMPARE(keyBlobs(dialog->authorizedKeys()), QSet<QByteArray>{other.publicKey.blob()});
}

void TestKeysPanel::disableKey()
{
    const SshKeyRecord key = storeKey(u"to-disable"_s, u"web-1"_s);
    QVERIFY(m_panel->selectKey(key.id));
    auto *disable = child<QAction>(m_panel.get(), u"disableKey"_s);
    QVERIFY(disable->isEnabled());
    disable->trigger();
    QVERIFY2(m_panel->errorText().isEmpty(), qPrintable(m_panel->errorText()));
    const Result<SshKeyRecord> stored = inventory().find(key.id);
    KEYSTEAD_VERIFY_OK(stored);
    QVERIFY(!stored->enabled);
    const int row = m_panel->keysModel().rowOf(key.id);
    QCOMPARE(m_panel->keysModel().index(row, SshKeysModel::Enabled).data().toString(), u"disabled"_s);
    // Still selected, and nothing more to disable.
    QCOMPARE(m_panel->selectedKeyId(), key.id);
    QVERIFY(!disable->isEnabled());
    QVERIFY(inventory().authorizedKeys(u"web-1"_s).value().trimmed().isEmpty());
}

void TestKeysPanel::importFromACollectSession()
{
    const SshPublicKey first = generatePublicKey(m_keyDir.path(), u"ed25519"_s);
    const SshPublicKey second = generatePublicKey(m_keyDir.path(), u"ecdsa"_s);
    QVERIFY(!first.isNull() && !second.isNull());
    CollectSessionInput input;
    input.connectionIdentifier = u"alice-laptop"_s;
    input.multiKey = true;
    const Result<CollectSession> created = m_core->collect->create(input);
    KEYSTEAD_VERIFY_OK(created);
    const Result<QString> connection
        = m_core->collect->connectionOpened(created->id, u"192.0.2.44"_s, u"SSH-2.0-OpenSSH_9.2"_s);
    KEYSTEAD_VERIFY_OK(connection);
    KEYSTEAD_VERIFY_OK(m_core->collect->keyProven(connection.value(), first));
    KEYSTEAD_VERIFY_OK(m_core->collect->keyProven(connection.value(), second));
    KEYSTEAD_VERIFY_OK(m_core->collect->connectionClosed(connection.value(), ConnectionOutcome::Kept));
    const Result<CollectSession> session = m_core->collect->get(created->id);
    KEYSTEAD_VERIFY_OK(session);

    ui::CollectSessionDetail detail(m_core->collectPanelServices());
    detail.showSession(session.value());
    auto *add = child<QPushButton>(&detail, u"addToInventory"_s);
    QVERIFY(add->isEnabled());
    QSignalSpy changed(&inventory(), &InventoryService::changed);
    add->click();
    QVERIFY2(detail.errorText().isEmpty(), qPrintable(detail.errorText()));
    QVERIFY2(detail.inventoryNoticeText().contains(u"2"_s), qPrintable(detail.inventoryNoticeText()));
    QVERIFY(changed.count() >= 1);

    // In the Keys panel, public key only, marked as such; nothing to reveal.
    const SshKeysModel &model = m_panel->keysModel();
    QCOMPARE(model.rowCount(), 2);
    QSet<QByteArray> blobs;
    for (int row = 0; row < model.rowCount(); ++row) {
        const SshKeyRecord &key = model.keyAt(row);
        blobs.insert(key.publicKey.blob());
        QVERIFY(!key.hasPrivateKey);
        QCOMPARE(key.origin, u"collected"_s);
        QCOMPARE(key.collectSessionId, session->id);
        QCOMPARE(model.index(row, SshKeysModel::PrivateKey).data().toString(), u"public key only"_s);
    }
    QCOMPARE(blobs, (QSet<QByteArray>{first.blob(), second.blob()}));
    QVERIFY(m_panel->selectKey(model.keyAt(0).id));
    QVERIFY(child<QAction>(m_panel.get(), u"copyPublicKey"_s)->isEnabled());
    QVERIFY(!child<QAction>(m_panel.get(), u"revealPrivateKey"_s)->isEnabled());
    QVERIFY(!m_panel->revealSelected());

    // Again: nothing new, and it says so.
    const Result<int> again = detail.addKeysToInventory();
    KEYSTEAD_VERIFY_OK(again);
    QCOMPARE(again.value(), 0);
    QVERIFY2(detail.inventoryNoticeText().contains(u"already"_s), qPrintable(detail.inventoryNoticeText()));
    QCOMPARE(model.rowCount(), 2);
}

void TestKeysPanel::vaultProblemIsShown()
{
    // Secrets sealed under the test's master key...
    QVERIFY(!storeKey(u"sealed"_s, u"web-1"_s).id.isEmpty());
    QVERIFY(m_panel->vaultProblem().isEmpty());

    // ...and a window whose key store has no key for them (the services rebuilt on another key file).
    m_testers.clear();
    m_panel.reset();
    QTemporaryDir elsewhere;
    m_core->inventory.reset();
    m_core->vault.reset();
    m_core->masterKeys = std::make_unique<FileMasterKeyStore>(elsewhere.filePath(u"master.key"_s));
    m_core->vault = std::make_unique<Vault>(m_core->store->database(), m_core->clock, *m_core->masterKeys);
    m_core->inventory
        = std::make_unique<InventoryService>(m_core->store->database(), m_core->clock, *m_core->vault, *m_core->audit);
    Vault &vault = *m_core->vault;
    QVERIFY(vault.state() != VaultState::Ready && vault.state() != VaultState::Empty);
    KeysPanel panel(m_core->keysPanelServices());
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QVERIFY2(panel.vaultProblem().contains(vault.stateMessage()), qPrintable(panel.vaultProblem()));
    QVERIFY(child<QLabel>(&panel, u"vaultError"_s)->isVisible());
    // The list needs no vault: the key is still there.
    QCOMPARE(panel.keysModel().rowCount(), 1);
}

void TestKeysPanel::windowShowsTheKeysPanel()
{
    m_testers.clear();
    m_panel.reset();
    QTemporaryDir settingsDir;
    QSettings windowSettings(settingsDir.filePath(u"window.ini"_s), QSettings::IniFormat);
    ui::MainWindow window(m_core->services(), windowSettings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.showPanel(ui::MainWindow::Panel::Keys);
    auto *panel = qobject_cast<KeysPanel *>(window.panel(ui::MainWindow::Panel::Keys));
    QVERIFY(panel);
    QVERIFY(panel->isVisible());
    QVERIFY(!storeKey(u"in-window"_s, u"web-1"_s).id.isEmpty());
    QCOMPARE(panel->keysModel().rowCount(), 1);
    QVERIFY(panel->findChild<QTableView *>(u"keys"_s)->isVisible());
}

KEYSTEAD_UI_TEST_MAIN(TestKeysPanel)
#include "tst_keyspanel.moc"
