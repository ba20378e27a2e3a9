#include "UiTestSupport.h"

#include "ThrowawaySshd.h"
#include "hostkeys/HostKeyStore.h"
#include "settings/SshAlgorithmSupport.h"
#include "settings/SshSettingsService.h"
#include "ui/hostkeys/AddHostKeyDialog.h"
#include "ui/hostkeys/HostKeyTexts.h"
#include "ui/hostkeys/HostKeysPanel.h"
#include "ui/hostkeys/ScanHostsDialog.h"
#include "ui/hostkeys/ScanResultsModel.h"
#include "ui/hostkeys/SettingsPolicyDialog.h"
#include "ui/hostkeys/TrustedHostKeysFilter.h"
#include "ui/hostkeys/TrustedHostKeysModel.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTcpServer>
#include <QTimer>
#include <QTreeView>

#include <functional>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;
using keystead::ui::HostKeysPanel;
using keystead::ui::ScanHostsDialog;
using keystead::ui::ScanResultsModel;
using keystead::ui::SettingsPolicyDialog;
using keystead::ui::TrustedHostKeysModel;
using Side = keystead::PolicyWarning::Side;

namespace {

struct Ran
{
    int exitCode = -1;
    QByteArray out;
};

Ran run(const QString &program, const QStringList &arguments, const QByteArray &input = {})
{
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForStarted(10'000))
        return {};
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(60'000)) {
        process.kill();
        process.waitForFinished(5'000);
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput()};
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

// A host key pair made by ssh-keygen: its .pub line and the SHA256 fingerprint ssh-keygen prints.
struct HostKeyPair
{
    QString line;
    QString type;
    QString base64;
    QString fingerprint;
};

HostKeyPair makeHostKey(const QString &dir, const QString &type)
{
    static int made = 0;
    const QString path = QDir(dir).filePath(u"host-%1-%2"_s.arg(type).arg(++made));
    HostKeyPair pair;
    if (run(u"ssh-keygen"_s, {u"-q"_s, u"-t"_s, type, u"-N"_s, QString(), u"-f"_s, path}).exitCode != 0)
        return pair;
    pair.line = QString::fromLatin1(readAll(path + u".pub"_s)).trimmed();
    const QStringList fields = pair.line.split(u' ');
    pair.type = fields.value(0);
    pair.base64 = fields.value(1);
    const Ran listed = run(u"ssh-keygen"_s, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, path + u".pub"_s});
    pair.fingerprint = QString::fromLatin1(listed.out).split(u' ').value(1);
    return pair;
}

// What `ssh-keyscan | ssh-keygen -lf -` prints for a server, sorted.
QStringList keyscanFingerprints(const ThrowawaySshd &sshd)
{
    const Ran scanned
        = run(u"ssh-keyscan"_s, {u"-T"_s, u"10"_s, u"-p"_s, QString::number(sshd.port()), sshd.address()});
    const Ran listed = run(u"ssh-keygen"_s, {u"-l"_s, u"-f"_s, u"-"_s}, scanned.out);
    QStringList fingerprints;
    for (const QByteArray &line : listed.out.split('\n')) {
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() >= 2)
            fingerprints.append(QString::fromLatin1(fields.at(1)));
    }
    fingerprints.sort();
    return fingerprints;
}

// Waits (bounded) until the dialog's scan ends.
bool waitForScan(ScanHostsDialog &dialog, int timeoutMs = 120'000)
{
    if (!dialog.isScanning())
        return true;
    QSignalSpy finished(&dialog, &ScanHostsDialog::scanFinished);
    return finished.wait(timeoutMs) || !dialog.isScanning();
}

QStringList column(const QAbstractItemModel &model, int column, int role = Qt::DisplayRole)
{
    QStringList values;
    for (int row = 0; row < model.rowCount(); ++row)
        values.append(model.index(row, column).data(role).toString());
    return values;
}

} // namespace

// The Host keys panel, offscreen, on a real store (SQLite) with the real
// HostKeyStore, SshSettingsService and scanner; servers are throwaway sshds.
class TestHostKeysPanel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void addFilterAndDelete();
    void addRefusesAValueOfAnotherType();
    void importAndExportKnownHosts();
    void driftBannerFollowsDriftLive();
    void scanTrustAndReplaceAfterDrift();
    void cancelMidList();
    void targetListParsing();
    void rescanIntervalIsASetting();
    void policyDialogLintsAsYouChoose();
    void policyCreateEditActivateDelete();
    void policyListFollowsChangesInPlace();
    void refusedPolicyIsNotStored();
    void optionsApplyAtOnce();

private:
    void makePanel();
    TrustedHostKey trust(const HostKeyPair &pair, const QString &address, int port);
    bool startSshd();

    QTemporaryDir m_dir;
    std::unique_ptr<UiCore> m_core;
    std::unique_ptr<HostKeyStore> m_hostKeys;
    std::unique_ptr<SshSettingsService> m_sshSettings;
    std::unique_ptr<HostKeysPanel> m_panel;
    std::unique_ptr<ThrowawaySshd> m_sshd;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
};

void TestHostKeysPanel::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(run(u"ssh-keygen"_s, {u"-?"_s}).exitCode >= 0, "ssh-keygen is needed");
}

void TestHostKeysPanel::init()
{
    m_core = UiCore::create();
    QVERIFY(m_core);
    Database &database = m_core->store->database();
    m_hostKeys = std::make_unique<HostKeyStore>(database, m_core->clock, *m_core->audit);
    m_sshSettings = std::make_unique<SshSettingsService>(database, m_core->clock, *m_core->audit);
    makePanel();
}

void TestHostKeysPanel::makePanel()
{
    m_testers.clear();
    m_panel = std::make_unique<HostKeysPanel>(*m_hostKeys, *m_sshSettings, *m_core->settings, m_core->clock);
    m_panel->resize(1200, 700);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    const auto mode = QAbstractItemModelTester::FailureReportingMode::QtTest;
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&m_panel->trustedModel(), mode));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&m_panel->trustedFilter(), mode));
}

void TestHostKeysPanel::cleanup()
{
    m_testers.clear();
    m_panel.reset();
    m_sshd.reset();
    m_sshSettings.reset();
    m_hostKeys.reset();
    m_core.reset();
}

TrustedHostKey TestHostKeysPanel::trust(const HostKeyPair &pair, const QString &address, int port)
{
    Result<TrustedHostKey> added
        = m_hostKeys->add(HostKeyInput{address, port, pair.type, pair.base64, u"api"_s}, Actor::console());
    if (!added) {
        qWarning("%s", qPrintable(added.error().message));
        return {};
    }
    return added.value();
}

bool TestHostKeysPanel::startSshd()
{
    m_sshd = std::make_unique<ThrowawaySshd>();
    ThrowawaySshd::Options options;
    options.hostKeyTypes = {u"ed25519"_s, u"ecdsa"_s, u"rsa"_s};
    const Status started = m_sshd->start(options);
    if (!started)
        qWarning("sshd did not start: %s\n%s", qPrintable(started.error().message), qPrintable(m_sshd->log()));
    return started.ok();
}

void TestHostKeysPanel::addFilterAndDelete()
{
    const HostKeyPair ed = makeHostKey(m_dir.path(), u"ed25519"_s);
    const HostKeyPair ecdsa = makeHostKey(m_dir.path(), u"ecdsa"_s);
    QVERIFY(!ed.fingerprint.isEmpty() && !ecdsa.fingerprint.isEmpty());

    // A whole .pub line: the type comes from the line.
    std::unique_ptr<ui::AddHostKeyDialog> dialog(m_panel->createAddDialog());
    child<QLineEdit>(dialog.get(), u"hostAddress"_s)->setText(u"2001:DB8:0:0::10"_s);
    child<QSpinBox>(dialog.get(), u"hostPort"_s)->setValue(2222);
    child<QPlainTextEdit>(dialog.get(), u"hostKeyValue"_s)->setPlainText(ed.line);
    KEYSTEAD_VERIFY_OK(dialog->save());
    // A bare base64 value with its type chosen.
    dialog.reset(m_panel->createAddDialog());
    child<QLineEdit>(dialog.get(), u"hostAddress"_s)->setText(u"192.0.2.7"_s);
    child<QComboBox>(dialog.get(), u"hostKeyType"_s)->setCurrentText(ecdsa.type);
    child<QPlainTextEdit>(dialog.get(), u"hostKeyValue"_s)->setPlainText(ecdsa.base64);
    KEYSTEAD_VERIFY_OK(dialog->save());
    dialog.reset();

    TrustedHostKeysModel &model = m_panel->trustedModel();
    QCOMPARE(model.rowCount(), 2);
    const QString edId = HostKeyStore::keyId(u"ssh-ed25519"_s, u"2001:db8::10"_s, 2222);
    const int edRow = model.rowOf(edId);
    QVERIFY2(edRow >= 0, qPrintable(column(model, TrustedHostKeysModel::Address).join(u", "_s)));
    QCOMPARE(model.index(edRow, TrustedHostKeysModel::Fingerprint).data().toString(), ed.fingerprint);
    QCOMPARE(model.index(edRow, TrustedHostKeysModel::Origin).data().toString(), u"console"_s);
    QCOMPARE(m_panel->selectedHostKey(), HostKeyStore::keyId(ecdsa.type, u"192.0.2.7"_s, 22));

    // Filters: type, port, address text, and together.
    ui::TrustedHostKeysFilter &filter = m_panel->trustedFilter();
    auto *typeFilter = child<QComboBox>(m_panel.get(), u"typeFilter"_s);
    QCOMPARE(typeFilter->count(), 3); // all, and the two types present
    typeFilter->setCurrentIndex(typeFilter->findData(u"ssh-ed25519"_s));
    QCOMPARE(filter.rowCount(), 1);
    typeFilter->setCurrentIndex(0);
    child<QLineEdit>(m_panel.get(), u"portFilter"_s)->setText(u"22"_s);
    QCOMPARE(filter.rowCount(), 1);
    QCOMPARE(filter.index(0, TrustedHostKeysModel::Address).data().toString(), u"192.0.2.7"_s);
    child<QLineEdit>(m_panel.get(), u"portFilter"_s)->clear();
    child<QLineEdit>(m_panel.get(), u"addressFilter"_s)->setText(u"DB8"_s);
    QCOMPARE(filter.rowCount(), 1);
    QCOMPARE(filter.index(0, TrustedHostKeysModel::Port).data().toInt(), 2222);
    child<QLineEdit>(m_panel.get(), u"portFilter"_s)->setText(u"22"_s);
    QCOMPARE(filter.rowCount(), 0);
    child<QLineEdit>(m_panel.get(), u"portFilter"_s)->clear();
    child<QLineEdit>(m_panel.get(), u"addressFilter"_s)->clear();
    QCOMPARE(filter.rowCount(), 2);

    // Delete asks, naming the fingerprint; Cancel keeps the key.
    QVERIFY(m_panel->selectHostKey(edId));
    QString question;
    Status deleted;
    QCOMPARE(answeringDialogs([&] { deleted = m_panel->deleteSelected(); },
                              clickMessageBox(QMessageBox::Cancel, &question, true)),
             1);
    QVERIFY(!deleted);
    QVERIFY(question.contains(ed.fingerprint));
    QVERIFY(m_hostKeys->find(edId).ok());
    QCOMPARE(answeringDialogs([&] { deleted = m_panel->deleteSelected(); }, clickMessageBox(QMessageBox::Yes)), 1);
    KEYSTEAD_VERIFY_OK(deleted);
    QVERIFY(!m_hostKeys->find(edId).ok());
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(m_panel->noticeText().contains(u"Deleted"_s));
}

void TestHostKeysPanel::addRefusesAValueOfAnotherType()
{
    const HostKeyPair ecdsa = makeHostKey(m_dir.path(), u"ecdsa"_s);
    std::unique_ptr<ui::AddHostKeyDialog> dialog(m_panel->createAddDialog());
    child<QLineEdit>(dialog.get(), u"hostAddress"_s)->setText(u"192.0.2.8"_s);
    child<QComboBox>(dialog.get(), u"hostKeyType"_s)->setCurrentText(u"ssh-ed25519"_s);
    child<QPlainTextEdit>(dialog.get(), u"hostKeyValue"_s)->setPlainText(ecdsa.base64);
    QVERIFY(!dialog->save());
    QVERIFY(!dialog->errorText().isEmpty());
    QCOMPARE(m_panel->trustedModel().rowCount(), 0);
    Result<QList<TrustedHostKey>> listed = m_hostKeys->list();
    KEYSTEAD_VERIFY_OK(listed);
    QVERIFY(listed->isEmpty());
}

void TestHostKeysPanel::importAndExportKnownHosts()
{
    const HostKeyPair a = makeHostKey(m_dir.path(), u"ed25519"_s);
    const HostKeyPair b = makeHostKey(m_dir.path(), u"ecdsa"_s);
    const HostKeyPair c = makeHostKey(m_dir.path(), u"ed25519"_s);
    trust(a, u"198.51.100.1"_s, 22); // already trusted when imported

    // A hashed line made by ssh-keygen -H itself.
    const QString hashedPath = m_dir.filePath(u"hashed_known_hosts"_s);
    QVERIFY(writeFile(hashedPath, (u"secret.example.net "_s + c.line + u'\n').toUtf8()));
    QCOMPARE(run(u"ssh-keygen"_s, {u"-H"_s, u"-f"_s, hashedPath}).exitCode, 0);
    const QByteArray hashedLine = readAll(hashedPath).trimmed();
    QVERIFY(hashedLine.startsWith("|1|"));

    const QString importPath = m_dir.filePath(u"known_hosts"_s);
    QByteArray text;
    text += "198.51.100.1 " + a.line.toUtf8() + '\n';
    text += "[198.51.100.2]:2200 " + b.line.toUtf8() + '\n';
    text += hashedLine + '\n';
    text += "198.51.100.3 ssh-ed25519 not-base64!!\n";
    QVERIFY(writeFile(importPath, text));

    QStringList asked;
    QString answer = importPath;
    m_panel->setPathChooser([&](const QString &title, const QString &, bool forSaving) {
        asked.append(title + (forSaving ? u" (save)"_s : u" (open)"_s));
        return answer;
    });
    Result<KnownHostsImport> imported = m_panel->importKnownHosts();
    KEYSTEAD_VERIFY_OK(imported);
    QCOMPARE(asked.size(), 1);
    QVERIFY(asked.constFirst().endsWith(u"(open)"_s));
    QCOMPARE(imported->added, 1);
    QCOMPARE(imported->alreadyTrusted, 1);
    QCOMPARE(imported->skippedHashed, 1);
    QCOMPARE(imported->skippedInvalid, 1);
    QCOMPARE(m_panel->noticeText(), ui::HostKeyTexts::importReport(imported.value()));
    QVERIFY(m_panel->noticeText().contains(u"1 hashed"_s));
    QCOMPARE(m_panel->trustedModel().rowCount(), 2);
    const int bRow = m_panel->trustedModel().rowOf(HostKeyStore::keyId(b.type, u"198.51.100.2"_s, 2200));
    QVERIFY(bRow >= 0);
    QCOMPARE(m_panel->trustedModel().index(bRow, TrustedHostKeysModel::Origin).data().toString(), u"known_hosts"_s);

    // Export: ssh-keygen reads the file back with the same fingerprints.
    answer = m_dir.filePath(u"exported_known_hosts"_s);
    KEYSTEAD_VERIFY_OK(m_panel->exportKnownHosts());
    QVERIFY(asked.constLast().endsWith(u"(save)"_s));
    const Ran listed = run(u"ssh-keygen"_s, {u"-l"_s, u"-f"_s, answer});
    QCOMPARE(listed.exitCode, 0);
    const QString fingerprints = QString::fromLatin1(listed.out);
    QVERIFY2(fingerprints.contains(a.fingerprint) && fingerprints.contains(b.fingerprint), qPrintable(fingerprints));
    QVERIFY(!fingerprints.contains(c.fingerprint));
    // `ssh-keygen -F` finds the non-standard port as OpenSSH writes it.
    QCOMPARE(run(u"ssh-keygen"_s, {u"-F"_s, u"[198.51.100.2]:2200"_s, u"-f"_s, answer}).exitCode, 0);

    // Cancelled file choice: nothing happens.
    answer.clear();
    QVERIFY(!m_panel->importKnownHosts().ok());
    QCOMPARE(m_panel->trustedModel().rowCount(), 2);
}

void TestHostKeysPanel::driftBannerFollowsDriftLive()
{
    const HostKeyPair trusted = makeHostKey(m_dir.path(), u"ed25519"_s);
    const HostKeyPair other = makeHostKey(m_dir.path(), u"ed25519"_s);
    const TrustedHostKey key = trust(trusted, u"203.0.113.5"_s, 22);
    QVERIFY(!key.key.isEmpty());
    QVERIFY(!m_panel->driftBannerShown());

    // What a re-scan reports (the scheduled re-scanner does exactly this): another key of the same type.
    ScanResult scan;
    scan.address = u"203.0.113.5"_s;
    scan.keys.append(ScannedHostKey{other.type, other.base64, other.fingerprint, 256, {}, {}});
    QSignalSpy drifted(m_hostKeys.get(), &HostKeyStore::driftDetected);
    Result<ScanResult> compared = m_hostKeys->compareScan(scan, Actor::console());
    KEYSTEAD_VERIFY_OK(compared);
    QCOMPARE(compared->keys.constFirst().trust, ScannedHostKey::Trust::Changed);
    QCOMPARE(drifted.size(), 1);

    QVERIFY(m_panel->driftBannerShown());
    QCOMPARE(m_panel->driftLines().size(), 1);
    QVERIFY(m_panel->driftLines().constFirst().contains(trusted.fingerprint));
    QVERIFY(m_panel->driftLines().constFirst().contains(other.fingerprint));
    const int row = m_panel->trustedModel().rowOf(key.key);
    QVERIFY(m_panel->trustedModel().index(row, 0).data(TrustedHostKeysModel::ChangedRole).toBool());
    QVERIFY(
        m_panel->trustedModel().index(row, TrustedHostKeysModel::State).data().toString().contains(other.fingerprint));
    // The trusted key itself is untouched.
    QCOMPARE(m_hostKeys->find(key.key)->fingerprint, trusted.fingerprint);

    // Acknowledge through the banner's button.
    Result<QList<HostKeyDrift>> drifts = m_hostKeys->drifts();
    KEYSTEAD_VERIFY_OK(drifts);
    auto *acknowledge = child<QPushButton>(m_panel.get(), u"acknowledgeDrift-%1"_s.arg(drifts->constFirst().id));
    QVERIFY(acknowledge);
    acknowledge->click();
    QVERIFY(!m_panel->driftBannerShown());
    QVERIFY(!m_panel->trustedModel().index(row, 0).data(TrustedHostKeysModel::ChangedRole).toBool());
}

void TestHostKeysPanel::scanTrustAndReplaceAfterDrift()
{
    const QString reason = ThrowawaySshd::unavailableReason();
    if (!reason.isEmpty())
        QSKIP(qPrintable(reason));
    QVERIFY(startSshd());
    const QStringList expected = keyscanFingerprints(*m_sshd);
    QCOMPARE(expected.size(), 3);

    std::unique_ptr<ScanHostsDialog> dialog(m_panel->createScanDialog(u"127.0.0.1:%1"_s.arg(m_sshd->port())));
    QAbstractItemModelTester tester(&dialog->results(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    dialog->show();
    QVERIFY(dialog->startScan());
    QVERIFY(waitForScan(*dialog));
    ScanResultsModel &results = dialog->results();
    QStringList found = column(results, ScanResultsModel::Fingerprint);
    found.sort();
    QCOMPARE(found, expected);
    QCOMPARE(results.count(ScannedHostKey::Trust::New), 3);
    QVERIFY(child<QPushButton>(dialog.get(), u"trustAllNew"_s)->isEnabled());

    // One by hand, the rest with "Trust all new".
    QVERIFY(dialog->selectRow(0));
    QVERIFY(child<QPushButton>(dialog.get(), u"trustKey"_s)->isEnabled());
    child<QPushButton>(dialog.get(), u"trustKey"_s)->click();
    QCOMPARE(results.count(ScannedHostKey::Trust::Trusted), 1);
    QVERIFY(!dialog->trustRow(0).ok()); // already trusted
    QCOMPARE(dialog->trustAllNew(), 2);
    QCOMPARE(results.count(ScannedHostKey::Trust::Trusted), 3);
    QCOMPARE(m_panel->trustedModel().rowCount(), 3);
    QCOMPARE(column(m_panel->trustedModel(), TrustedHostKeysModel::Origin), QStringList(3, u"scan"_s));
    dialog.reset();

    // The server gets new keys: a re-scan flags each one, the banner says so.
    KEYSTEAD_VERIFY_OK(m_sshd->regenerateHostKeys());
    const QStringList regenerated = keyscanFingerprints(*m_sshd);
    dialog.reset(m_panel->createRescanDialog());
    QCOMPARE(dialog->targetsText(), u"127.0.0.1:%1"_s.arg(m_sshd->port()));
    QVERIFY(dialog->isScanning());
    QVERIFY(waitForScan(*dialog));
    QCOMPARE(dialog->results().count(ScannedHostKey::Trust::Changed), 3);
    QVERIFY(m_panel->driftBannerShown());
    QCOMPARE(m_panel->driftLines().size(), 3);

    // "Trust all new" never replaces a changed key.
    QCOMPARE(dialog->trustAllNew(), 0);
    QVERIFY(dialog->statusText().contains(u"3 changed"_s));
    QVERIFY(!dialog->trustRow(0).ok());
    QStringList trustedNow;
    const Result<QList<TrustedHostKey>> listed = m_hostKeys->list();
    KEYSTEAD_VERIFY_OK(listed);
    for (const TrustedHostKey &key : listed.value())
        trustedNow.append(key.fingerprint);
    trustedNow.sort();
    QCOMPARE(trustedNow, expected);

    // Replace one deliberately: the question names both fingerprints; Cancel changes nothing.
    const ScanResultsModel::Row row = dialog->results().rowAt(0);
    QVERIFY(row.key);
    QString question;
    Status replaced;
    QCOMPARE(answeringDialogs([&] { replaced = dialog->replaceTrustedKey(0); },
                              clickMessageBox(QMessageBox::Cancel, &question, true)),
             1);
    QVERIFY(!replaced);
    QVERIFY(question.contains(row.key->fingerprint));
    QVERIFY(question.contains(row.key->trustedFingerprint));
    QCOMPARE(answeringDialogs([&] { replaced = dialog->replaceTrustedKey(0); }, clickMessageBox(QMessageBox::Yes)), 1);
    KEYSTEAD_VERIFY_OK(replaced);
    const Result<TrustedHostKey> now = m_hostKeys->find(HostKeyStore::keyId(row.key->type, row.address, row.port));
    KEYSTEAD_VERIFY_OK(now);
    QCOMPARE(now->fingerprint, row.key->fingerprint);
    QVERIFY(regenerated.contains(now->fingerprint));
    // The replaced key's drift is settled; the two others still show.
    QCOMPARE(m_panel->driftLines().size(), 2);
}

void TestHostKeysPanel::cancelMidList()
{
    // The first host accepts the connection and never says a word (the kernel
    // accepts; nobody reads), so its scan sits in its first connection; the
    // nineteen behind it refuse at once, so had they run they would say so.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    QStringList lines{u"127.0.0.1:%1"_s.arg(silent.serverPort())};
    for (int made = 0; made < 19; ++made) {
        const quint16 port = closedPort();
        QVERIFY(port != 0);
        lines.append(u"127.0.0.1:%1"_s.arg(port));
    }
    lines.removeDuplicates();
    std::unique_ptr<ScanHostsDialog> dialog(m_panel->createScanDialog(lines.join(u'\n')));
    dialog->setParallelism(1);
    QVERIFY(dialog->startScan());
    QVERIFY(dialog->isScanning());
    QVERIFY(child<QPushButton>(dialog.get(), u"cancelScan"_s)->isEnabled());
    child<QPushButton>(dialog.get(), u"cancelScan"_s)->click();
    QVERIFY(!child<QPushButton>(dialog.get(), u"cancelScan"_s)->isEnabled());
    // Bounded: the silent host's connection ends at its timeout, the rest at once.
    QVERIFY(waitForScan(*dialog, 90'000));
    QCOMPARE(dialog->scannedHosts(), static_cast<int>(lines.size()));
    int cancelled = 0;
    for (int row = 0; row < dialog->results().rowCount(); ++row) {
        const ScanResultsModel::Row &result = dialog->results().rowAt(row);
        QVERIFY(!result.key);
        if (result.error == u"cancelled"_s)
            ++cancelled;
    }
    // Every host behind the one under way was never tried; that one may end on its own timeout.
    QVERIFY2(cancelled >= static_cast<int>(lines.size()) - 1, qPrintable(QString::number(cancelled)));
    QVERIFY(dialog->statusText().startsWith(u"Cancelled"_s));

    // A bad line is refused before anything starts.
    dialog->setTargetsText(u"[::1\n"_s);
    QVERIFY(!dialog->startScan());
    QVERIFY(dialog->errorText().contains(u"line 1"_s));
}

void TestHostKeysPanel::targetListParsing()
{
    using ui::ScanTarget;
    const ui::ScanTargets parsed = ui::HostKeyTexts::parseTargets(
        u"# servers\nweb-1\n10.0.0.5:2222\n[2001:db8::1]:2200\n2001:db8::2\n[::1]\n\nweb-1\n"_s);
    QCOMPARE(parsed.problems, QStringList());
    const QList<ScanTarget> expected{
        {u"web-1"_s, 22}, {u"10.0.0.5"_s, 2222}, {u"2001:db8::1"_s, 2200}, {u"2001:db8::2"_s, 22}, {u"::1"_s, 22}};
    QCOMPARE(parsed.targets, expected);
    const ui::ScanTargets bad = ui::HostKeyTexts::parseTargets(u"ok\nhost:0\nhost:99999\n[::1]x\n"_s);
    QCOMPARE(bad.targets.size(), 1);
    QCOMPARE(bad.problems.size(), 3);
    QVERIFY(bad.problems.at(0).startsWith(u"line 2"_s));
}

void TestHostKeysPanel::rescanIntervalIsASetting()
{
    auto *interval = child<QSpinBox>(m_panel.get(), u"rescanInterval"_s);
    QCOMPARE(interval->value(), 0);
    interval->setValue(15);
    QCOMPARE(m_core->settings->value(u"hostkeys.rescan_interval_minutes"_s), u"15"_s);
    // Changed elsewhere (the API, another window): the spin box follows.
    KEYSTEAD_VERIFY_OK(m_core->settings->setValue(u"hostkeys.rescan_interval_minutes"_s, u"60"_s));
    QCOMPARE(interval->value(), 60);
}

void TestHostKeysPanel::policyDialogLintsAsYouChoose()
{
    m_panel->showTab(HostKeysPanel::Tab::SshSettings);
    std::unique_ptr<SettingsPolicyDialog> dialog(m_panel->createPolicyDialog());
    QVERIFY(dialog->isNew());
    auto *lint = child<QLabel>(dialog.get(), u"lintWarnings"_s);

    dialog->setAlgorithmChecked(Side::Server, AlgorithmList::Mac, u"hmac-sha1"_s, true);
    QVERIFY2(dialog->warningsText().contains(u"hmac-sha1"_s), qPrintable(dialog->warningsText()));
    QVERIFY(lint->text().contains(u"hmac-sha1"_s));
    QVERIFY(lint->text().contains(u"server side"_s));
    dialog->setAlgorithmChecked(Side::Server, AlgorithmList::Mac, u"hmac-sha1"_s, false);
    QVERIFY(!dialog->warningsText().contains(u"hmac-sha1"_s));

    dialog->setAlgorithmChecked(Side::Client, AlgorithmList::Cipher, u"chacha20-poly1305@openssh.com"_s, true);
    QVERIFY2(lint->text().contains(u"Terrapin"_s), qPrintable(lint->text()));
    QVERIFY(lint->text().contains(u"client side"_s));
    QVERIFY(lint->text().contains(u"strict"_s));
    // Clicking the check box in the list relints too.
    QListWidget *ciphers = dialog->listWidget(Side::Client, AlgorithmList::Cipher);
    const QList<QListWidgetItem *> chacha = ciphers->findItems(u"chacha20-poly1305@openssh.com"_s, Qt::MatchExactly);
    QCOMPARE(chacha.size(), 1);
    const auto clientTerrapin = [&dialog] {
        const QList<PolicyWarning> warnings = dialog->warnings();
        return std::any_of(warnings.cbegin(), warnings.cend(), [](const PolicyWarning &warning) {
            return warning.side == Side::Client && warning.rule == u"terrapin-chacha20"_s;
        });
    };
    QVERIFY(clientTerrapin());
    chacha.constFirst()->setCheckState(Qt::Unchecked);
    QVERIFY(!clientTerrapin());

    // Order is preference: moving changes the policy's list.
    const QStringList before = dialog->policy().serverSide.cipher;
    QVERIFY(before.size() >= 2);
    QVERIFY(dialog->moveAlgorithm(Side::Server, AlgorithmList::Cipher, before.at(1), -1));
    QStringList swapped = before;
    swapped.swapItemsAt(0, 1);
    QCOMPARE(dialog->policy().serverSide.cipher, swapped);
    QVERIFY(!dialog->moveAlgorithm(Side::Server, AlgorithmList::Cipher, swapped.at(0), -1));
}

void TestHostKeysPanel::policyCreateEditActivateDelete()
{
    m_panel->showTab(HostKeysPanel::Tab::SshSettings);
    const QString builtIn = QString(SshSettingsService::kDefaultPolicyKey);
    QCOMPARE(m_panel->policyRows().size(), 1);
    QVERIFY(m_panel->policyRows().constFirst().endsWith(u"[active]"_s));

    std::unique_ptr<SettingsPolicyDialog> dialog(m_panel->createPolicyDialog());
    child<QLineEdit>(dialog.get(), u"policyName"_s)->setText(u"GCM only"_s);
    for (const QString &cipher : dialog->policy().serverSide.cipher)
        dialog->setAlgorithmChecked(Side::Server, AlgorithmList::Cipher, cipher, false);
    dialog->setAlgorithmChecked(Side::Server, AlgorithmList::Cipher, u"aes256-gcm@openssh.com"_s, true);
    child<QPlainTextEdit>(dialog.get(), u"greeting"_s)->setPlainText(u"Welcome!"_s);
    child<QSpinBox>(dialog.get(), u"timeout"_s)->setValue(300);
    QSignalSpy saved(dialog.get(), &SettingsPolicyDialog::policySaved);
    KEYSTEAD_VERIFY_OK(dialog->save());
    QCOMPARE(saved.size(), 1);
    const auto created = saved.constFirst().constFirst().value<SettingsPolicy>();
    dialog.reset();
    Result<SettingsPolicy> stored = m_sshSettings->policy(created.key);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->serverSide.cipher, QStringList{u"aes256-gcm@openssh.com"_s});
    QCOMPARE(stored->greeting, u"Welcome!"_s);
    QCOMPARE(stored->timeout, 300);
    QCOMPARE(m_panel->policyRows().size(), 2);
    QCOMPARE(m_panel->selectedPolicy(), created.key);

    // Edit: the dialog starts from the stored policy.
    dialog.reset(m_panel->createEditPolicyDialog());
    QVERIFY(dialog);
    QVERIFY(!dialog->isNew());
    QCOMPARE(dialog->policy().serverSide.cipher, QStringList{u"aes256-gcm@openssh.com"_s});
    child<QSpinBox>(dialog.get(), u"timeout"_s)->setValue(120);
    KEYSTEAD_VERIFY_OK(dialog->save());
    dialog.reset();
    QCOMPARE(m_sshSettings->policy(created.key)->timeout, 120);

    // Use it for Keystead's server.
    QSignalSpy activeChanged(m_sshSettings.get(), &SshSettingsService::activePolicyChanged);
    KEYSTEAD_VERIFY_OK(m_panel->activateSelectedPolicy());
    QCOMPARE(m_sshSettings->options()->settingsPolicy, created.key);
    QVERIFY(activeChanged.size() >= 1);
    QVERIFY(m_panel->policyRows().contains(u"GCM only (%1) [active]"_s.arg(created.key)));
    QVERIFY(!child<QPushButton>(m_panel.get(), u"deletePolicy"_s)->isEnabled());
    QVERIFY(!child<QPushButton>(m_panel.get(), u"activatePolicy"_s)->isEnabled());

    // The active one cannot go: the service says why, nothing changes.
    Status deleted;
    answeringDialogs([&] { deleted = m_panel->deleteSelectedPolicy(); }, clickMessageBox(QMessageBox::Yes));
    QVERIFY(!deleted);
    QVERIFY(!m_panel->settingsErrorText().isEmpty());
    KEYSTEAD_VERIFY_OK(m_sshSettings->policy(created.key));

    // Back to the built-in one; then the new policy can be deleted after the question.
    QVERIFY(m_panel->selectPolicy(builtIn));
    QVERIFY(!child<QPushButton>(m_panel.get(), u"deletePolicy"_s)->isEnabled()); // built in
    KEYSTEAD_VERIFY_OK(m_panel->activateSelectedPolicy());
    QVERIFY(m_panel->selectPolicy(created.key));
    QVERIFY(child<QPushButton>(m_panel.get(), u"deletePolicy"_s)->isEnabled());
    QCOMPARE(answeringDialogs([&] { deleted = m_panel->deleteSelectedPolicy(); }, clickMessageBox(QMessageBox::Yes)),
             1);
    KEYSTEAD_VERIFY_OK(deleted);
    QVERIFY(!m_sshSettings->policy(created.key).ok());
    QCOMPARE(m_panel->policyRows().size(), 1);
}

void TestHostKeysPanel::policyListFollowsChangesInPlace()
{
    m_panel->showTab(HostKeysPanel::Tab::SshSettings);
    const QAbstractItemModel *model = child<QTreeView>(m_panel.get(), u"policies"_s)->model();
    QVERIFY(model);
    QSignalSpy resets(model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(model, &QAbstractItemModel::dataChanged);

    // A policy made elsewhere (as through the HTTP API): one row, in the service's order.
    Result<SettingsPolicy> policy = m_sshSettings->policy(QString(SshSettingsService::kDefaultPolicyKey));
    KEYSTEAD_VERIFY_OK(policy);
    policy->name = u"Audit"_s;
    Result<SettingsPolicy> created = m_sshSettings->createPolicy(policy.value(), Actor::console());
    KEYSTEAD_VERIFY_OK(created);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.constFirst().at(1).toInt(), 1); // after the built-in one
    QCOMPARE(m_panel->policyRows().size(), 2);

    // Made active: the two rows concerned are repainted, nothing else moves.
    QVERIFY(m_panel->selectPolicy(created->key));
    KEYSTEAD_VERIFY_OK(m_panel->activateSelectedPolicy());
    QVERIFY(changed.size() >= 1);
    for (const QList<QVariant> &signal : std::as_const(changed))
        QCOMPARE(signal.at(0).toModelIndex().row(), signal.at(1).toModelIndex().row());
    QVERIFY(m_panel->policyRows().contains(u"Audit (%1) [active]"_s.arg(created->key)));
    QCOMPARE(m_panel->selectedPolicy(), created->key);

    // Renamed elsewhere: its row changes in place and keeps the selection.
    changed.clear();
    SettingsPolicy renamed = created.value();
    renamed.name = u"Audit all"_s;
    KEYSTEAD_VERIFY_OK(m_sshSettings->updatePolicy(created->key, renamed, Actor::console()));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(m_panel->selectedPolicy(), created->key);
    QVERIFY(m_panel->policyRows().contains(u"Audit all (%1) [active]"_s.arg(created->key)));

    QCOMPARE(resets.size(), 0);
    QCOMPARE(removed.size(), 0);
    QCOMPARE(inserted.size(), 1);
}

void TestHostKeysPanel::refusedPolicyIsNotStored()
{
    std::unique_ptr<SettingsPolicyDialog> dialog(m_panel->createPolicyDialog());
    child<QLineEdit>(dialog.get(), u"policyName"_s)->setText(u"Impossible"_s);
    dialog->setAlgorithmChecked(Side::Server, AlgorithmList::Cipher, u"rot13-cbc"_s, true);
    dialog->show();
    QVERIFY(!dialog->save());
    QVERIFY2(dialog->errorText().contains(u"rot13-cbc"_s), qPrintable(dialog->errorText()));
    QVERIFY(dialog->isVisible()); // stays open for a fix
    QCOMPARE(m_sshSettings->policies()->size(), 1);
}

void TestHostKeysPanel::optionsApplyAtOnce()
{
    m_panel->showTab(HostKeysPanel::Tab::SshSettings);
    auto *logLevel = child<QSpinBox>(m_panel.get(), u"logLevel"_s);
    auto *interval = child<QSpinBox>(m_panel.get(), u"signingInterval"_s);
    auto *enabled = child<QCheckBox>(m_panel.get(), u"serviceEnabled"_s);
    const SshOptions before = m_sshSettings->options().value();
    QCOMPARE(logLevel->value(), before.logLevel);
    QCOMPARE(enabled->isChecked(), before.serviceEnabled);

    logLevel->setValue(before.logLevel == 2 ? 3 : 2);
    QCOMPARE(m_sshSettings->options()->logLevel, logLevel->value());
    interval->setValue(45);
    QCOMPARE(m_sshSettings->options()->signingInterval, 45);
    enabled->setChecked(!before.serviceEnabled);
    QCOMPARE(m_sshSettings->options()->serviceEnabled, !before.serviceEnabled);
    QVERIFY(m_panel->settingsErrorText().isEmpty());

    // Changed elsewhere: the widgets follow.
    SshOptions elsewhere = m_sshSettings->options().value();
    elsewhere.logLevel = 7;
    KEYSTEAD_VERIFY_OK(m_sshSettings->setOptions(elsewhere, Actor::console()));
    QCOMPARE(logLevel->value(), 7);
}

KEYSTEAD_UI_TEST_MAIN(TestHostKeysPanel)
#include "tst_hostkeyspanel.moc"
