#include "UiTestSupport.h"

#include "ca/CertificateAuthorityService.h"
#include "ui/certificates/CertificateAuthoritiesModel.h"
#include "ui/certificates/CertificateTexts.h"
#include "ui/certificates/CertificatesFilter.h"
#include "ui/certificates/CertificatesModel.h"
#include "ui/certificates/CertificatesPanel.h"
#include "ui/certificates/NewAuthorityDialog.h"
#include "ui/certificates/RevokeCertificateDialog.h"
#include "ui/certificates/SignCertificateDialog.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTimer>

#include <functional>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;
using keystead::ui::CertificateAuthoritiesModel;
using keystead::ui::CertificatesModel;
using keystead::ui::CertificatesPanel;
using keystead::ui::NewAuthorityDialog;
using keystead::ui::RevokeCertificateDialog;
using keystead::ui::SignCertificateDialog;

namespace {

// How many change events of `topic` a spy on CertificateAuthorityService::changed saw.
int topicCount(const QSignalSpy &spy, QLatin1StringView topic)
{
    int count = 0;
    for (const QList<QVariant> &arguments : spy)
        count += arguments.at(0).value<ChangeSet>().topic == topic ? 1 : 0;
    return count;
}

struct ProcessResult
{
    int exitCode = -1;
    QByteArray output;
};

ProcessResult run(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForStarted(10'000) || !process.waitForFinished(60'000))
        return {};
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAll()};
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

// ssh-keygen -t TYPE in `dir`: the private key's path; empty on failure.
QString makeKeyPair(const QString &dir, const QString &type)
{
    static int made = 0;
    const QString path = QDir(dir).filePath(u"subject-%1-%2"_s.arg(type).arg(++made));
    if (run(u"ssh-keygen"_s, {u"-q"_s, u"-t"_s, type, u"-N"_s, QString(), u"-C"_s, u"alice@laptop"_s, u"-f"_s, path})
            .exitCode
        != 0)
        return {};
    return path;
}

// The .pub line of a new key pair; empty on failure.
QString makePublicKeyLine(const QString &dir, const QString &type)
{
    const QString path = makeKeyPair(dir, type);
    return path.isEmpty() ? QString() : QString::fromLatin1(readAll(path + u".pub"_s)).trimmed();
}

// What `ssh-keygen -L -f` prints of a certificate line.
QString describeCertificate(const QString &dir, const QString &line)
{
    static int described = 0;
    const QString path = QDir(dir).filePath(u"described-%1-cert.pub"_s.arg(++described));
    if (!writeAll(path, line.toUtf8() + '\n'))
        return {};
    const ProcessResult listed = run(u"ssh-keygen"_s, {u"-L"_s, u"-f"_s, path});
    return listed.exitCode == 0 ? QString::fromUtf8(listed.output) : QString();
}

// The principals section of `ssh-keygen -L` output.
QStringList listedPrincipals(const QString &description)
{
    QStringList principals;
    bool inside = false;
    for (const QString &line : description.split(u'\n')) {
        const QString trimmed = line.trimmed();
        if (trimmed.startsWith(u"Principals:"_s)) {
            inside = true;
            continue;
        }
        if (!inside)
            continue;
        if (trimmed.endsWith(u':') || trimmed.startsWith(u"Critical Options:"_s))
            break;
        if (!trimmed.isEmpty())
            principals.append(trimmed);
    }
    return principals;
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

std::function<bool(QWidget *)> clickMessageBox(QMessageBox::StandardButton button)
{
    return [button](QWidget *modal) {
        auto *box = qobject_cast<QMessageBox *>(modal);
        if (!box || !box->button(button))
            return false;
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

} // namespace

// The Certificates panel, offscreen, on a real store with the real vault (master
// key in a file), audit log, CA service, inventory and collect sessions; subject
// keys made by ssh-keygen, certificates read back by ssh-keygen -L.
class TestCertificatesPanel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void emptyStateUntilTheFirstAuthority();
    void createAuthorityThroughTheDialog_data();
    void createAuthorityThroughTheDialog();
    void editAndDeleteAuthority();
    void signPastedKey();
    void signInventoryKey();
    void signCollectedKey();
    void refusedSigningShowsTheErrorAndStoresNothing();
    void revokeOneCertificate();
    void revokeEveryCertificateOfAKey();
    void statesFollowTheClock();
    void expiringCertificatesAreHighlightedAndCounted();
    void filtersNarrowTheRows();
    void exportsForServersAndClients();

private:
    CertificateAuthorityService &service() { return *m_service; }
    CertificateAuthority makeAuthority(const QString &type, const QString &description, const QString &curve = {},
                                       int keySize = 0);
    IssuedCertificate issue(const QString &authorityId, const QString &publicKey, const QStringList &principals,
                            CertificateKind kind = CertificateKind::User, std::optional<QDateTime> validAfter = {},
                            std::optional<QDateTime> validUntil = {});
    QString cell(const QString &certificateId, int column);
    int certificateCount();

    QTemporaryDir m_dir;
    std::unique_ptr<UiCore> m_core;
    std::unique_ptr<CertificateAuthorityService> m_service;
    std::unique_ptr<CertificatesPanel> m_panel;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
};

void TestCertificatesPanel::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(run(u"ssh-keygen"_s, {u"-?"_s}).exitCode >= 0, "ssh-keygen is needed");
}

void TestCertificatesPanel::init()
{
    m_core = UiCore::create();
    QVERIFY(m_core);
    m_service = std::make_unique<CertificateAuthorityService>(m_core->store->database(), m_core->clock, *m_core->vault,
                                                              *m_core->audit);
    m_panel = std::make_unique<CertificatesPanel>(*m_service, *m_core->inventory, *m_core->collect, *m_core->settings,
                                                  m_core->clock);
    m_panel->resize(1200, 800);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    const auto mode = QAbstractItemModelTester::FailureReportingMode::QtTest;
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&m_panel->authoritiesModel(), mode));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&m_panel->certificatesModel(), mode));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&m_panel->certificatesFilter(), mode));
}

void TestCertificatesPanel::cleanup()
{
    m_testers.clear();
    m_panel.reset();
    m_service.reset();
    m_core.reset();
}

CertificateAuthority TestCertificatesPanel::makeAuthority(const QString &type, const QString &description,
                                                          const QString &curve, int keySize)
{
    CaCreateInput input;
    input.privateKeyType = type;
    input.ellipticCurve = curve;
    input.keySize = keySize;
    input.description = description;
    Result<CertificateAuthority> created = service().createAuthority(input, Actor::console());
    if (!created) {
        qWarning("%s", qPrintable(created.error().message));
        return {};
    }
    return created.value();
}

IssuedCertificate TestCertificatesPanel::issue(const QString &authorityId, const QString &publicKey,
                                               const QStringList &principals, CertificateKind kind,
                                               std::optional<QDateTime> validAfter, std::optional<QDateTime> validUntil)
{
    CertificateInput input;
    input.kind = kind;
    input.certificateAuthorityId = authorityId;
    input.publicKey = publicKey;
    input.principals = principals;
    input.validAfter = validAfter;
    input.validUntil = validUntil;
    Result<IssuedCertificate> issued = service().issue(input, Actor::console());
    if (!issued) {
        qWarning("%s", qPrintable(issued.error().message));
        return {};
    }
    return issued.value();
}

QString TestCertificatesPanel::cell(const QString &certificateId, int column)
{
    return m_panel->certificatesModel().indexOf(certificateId, column).data().toString();
}

int TestCertificatesPanel::certificateCount()
{
    CertificateQuery query;
    query.limit = 1000;
    Result<QList<IssuedCertificate>> listed = service().certificates(query);
    return listed ? static_cast<int>(listed->size()) : -1;
}

void TestCertificatesPanel::emptyStateUntilTheFirstAuthority()
{
    QVERIFY(m_panel->showsEmptyState());
    QVERIFY(child<QAction>(m_panel.get(), u"newAuthority"_s)->isEnabled());
    for (const QString &name :
         {u"signCertificate"_s, u"editAuthority"_s, u"deleteAuthority"_s, u"copyTrustedUserCaKeys"_s,
          u"saveRevocationList"_s, u"revokeCertificate"_s, u"revokeSubject"_s, u"copyCertificate"_s})
        QVERIFY2(!child<QAction>(m_panel.get(), name)->isEnabled(), qPrintable(name));

    const CertificateAuthority authority = makeAuthority(u"ed25519"_s, u"Users"_s);
    QVERIFY(!authority.id.isEmpty());
    QVERIFY(!m_panel->showsEmptyState());
    QCOMPARE(m_panel->authoritiesModel().rowCount(), 1);
    QVERIFY(child<QAction>(m_panel.get(), u"signCertificate"_s)->isEnabled());
}

void TestCertificatesPanel::createAuthorityThroughTheDialog_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("curve");
    QTest::addColumn<int>("keySize");
    QTest::addColumn<QString>("shown");
    QTest::addColumn<QString>("algorithm");
    QTest::newRow("ed25519") << u"ed25519"_s << QString() << 0 << u"Ed25519"_s << u"ssh-ed25519"_s;
    QTest::newRow("ecdsa p384") << u"ecdsa"_s << u"p384"_s << 0 << u"ECDSA P-384"_s << u"ecdsa-sha2-nistp384"_s;
    QTest::newRow("rsa 4096") << u"rsa"_s << QString() << 4096 << u"RSA 4096"_s << u"ssh-rsa"_s;
}

void TestCertificatesPanel::createAuthorityThroughTheDialog()
{
    QFETCH(QString, type);
    QFETCH(QString, curve);
    QFETCH(int, keySize);
    QFETCH(QString, shown);
    QFETCH(QString, algorithm);

    QSignalSpy changed(&service(), &CertificateAuthorityService::changed);
    std::unique_ptr<NewAuthorityDialog> dialog(m_panel->createNewAuthorityDialog());
    dialog->setKeyType(type, curve, keySize);
    QCOMPARE(child<QComboBox>(dialog.get(), u"ellipticCurve"_s)->isEnabled(), type == u"ecdsa"_s);
    QCOMPARE(child<QComboBox>(dialog.get(), u"keySize"_s)->isEnabled(), type == u"rsa"_s);
    child<QLineEdit>(dialog.get(), u"description"_s)->setText(u"Production users"_s);
    QSignalSpy done(dialog.get(), &NewAuthorityDialog::creationDone);
    child<QPushButton>(dialog.get(), u"create"_s)->click();
    QVERIFY(dialog->isBusy());
    QVERIFY(!child<QPushButton>(dialog.get(), u"create"_s)->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60'000);
    QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
    QCOMPARE(done.at(0).at(0).toBool(), true);
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
    QVERIFY(topicCount(changed, CertificateAuthorityService::kAuthorityTopic) >= 1);

    const CertificateAuthority created = dialog->created();
    QCOMPARE(created.publicKey.algorithm(), algorithm);
    const CertificateAuthoritiesModel &model = m_panel->authoritiesModel();
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, CertificateAuthoritiesModel::Type).data().toString(), shown);
    QCOMPARE(model.index(0, CertificateAuthoritiesModel::Fingerprint).data().toString(),
             created.publicKey.fingerprintSha256());
    QCOMPARE(model.index(0, CertificateAuthoritiesModel::Description).data().toString(), u"Production users"_s);
    QCOMPARE(model.index(0, CertificateAuthoritiesModel::Issued).data().toInt(), 0);
    QCOMPARE(m_panel->selectedAuthorityId(), created.id);
    QVERIFY(m_panel->noticeText().contains(created.fingerprint));

    // Its TrustedUserCAKeys line is the key ssh-keygen reads, with the same fingerprint.
    const QString line = m_panel->copyTrustedUserCaKeysLine();
    QCOMPARE(QGuiApplication::clipboard()->text(), line);
    const QString linePath = m_dir.filePath(u"ca-%1.pub"_s.arg(type));
    QVERIFY(writeAll(linePath, line.toUtf8() + '\n'));
    const ProcessResult listed = run(u"ssh-keygen"_s, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, linePath});
    QCOMPARE(listed.exitCode, 0);
    QVERIFY2(QString::fromLatin1(listed.output).contains(created.fingerprint), listed.output.constData());
}

void TestCertificatesPanel::editAndDeleteAuthority()
{
    const CertificateAuthority authority = makeAuthority(u"ed25519"_s, u"Old name"_s);
    QVERIFY(m_panel->selectAuthority(authority.id));
    KEYSTEAD_VERIFY_OK(m_panel->setAuthorityDescription(u"Staging hosts"_s));
    QCOMPARE(m_panel->authoritiesModel().index(0, CertificateAuthoritiesModel::Description).data().toString(),
             u"Staging hosts"_s);
    Result<CertificateAuthority> stored = service().authority(authority.id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->description, u"Staging hosts"_s);
    // Too long for the seed: the service's error, nothing changed.
    QVERIFY(!m_panel->setAuthorityDescription(QString(300, u'x')));
    QVERIFY(!m_panel->errorText().isEmpty());
    QCOMPARE(service().authority(authority.id)->description, u"Staging hosts"_s);

    const QString subject = makePublicKeyLine(m_dir.path(), u"ed25519"_s);
    const IssuedCertificate certificate = issue(authority.id, subject, {u"alice"_s});
    QVERIFY(!certificate.id.isEmpty());

    // Cancelled: it stays.
    QVERIFY(m_panel->selectAuthority(authority.id));
    QCOMPARE(
        answeringDialogs([&] { QVERIFY(!m_panel->deleteSelectedAuthority()); }, clickMessageBox(QMessageBox::Cancel)),
        1);
    QCOMPARE(m_panel->authoritiesModel().rowCount(), 1);
    // Confirmed: gone from the CA list, its certificate stays in the history.
    QCOMPARE(answeringDialogs([&] { KEYSTEAD_VERIFY_OK(m_panel->deleteSelectedAuthority()); },
                              clickMessageBox(QMessageBox::Yes)),
             1);
    QCOMPARE(m_panel->authoritiesModel().rowCount(), 0);
    QCOMPARE(m_panel->certificatesModel().rowCount(), 1);
    QCOMPARE(cell(certificate.id, CertificatesModel::Authority), authority.id);
    QVERIFY(!m_panel->showsEmptyState());
}

void TestCertificatesPanel::signPastedKey()
{
    const CertificateAuthority authority = makeAuthority(u"ecdsa"_s, u"Users"_s, u"p384"_s);
    QVERIFY(m_panel->selectAuthority(authority.id));
    const QString subject = makePublicKeyLine(m_dir.path(), u"ed25519"_s);
    QVERIFY(!subject.isEmpty());
    QSignalSpy changed(&service(), &CertificateAuthorityService::changed);

    std::unique_ptr<SignCertificateDialog> dialog(m_panel->createSignDialog());
    QCOMPARE(dialog->authorityId(), authority.id);
    QCOMPARE(dialog->kind(), CertificateKind::User);
    // The seed's defaults: now until 24 hours on, permit-pty and permit-user-rc.
    QCOMPARE(child<QDateTimeEdit>(dialog.get(), u"validAfter"_s)->dateTime().toUTC(), m_core->clock.now());
    QCOMPARE(child<QDateTimeEdit>(dialog.get(), u"validUntil"_s)->dateTime().toUTC(),
             m_core->clock.now().addSecs(24 * 3600));
    QVERIFY(child<QCheckBox>(dialog.get(), u"extension:permit-pty"_s)->isChecked());
    QVERIFY(child<QCheckBox>(dialog.get(), u"extension:permit-user-rc"_s)->isChecked());
    QVERIFY(!child<QCheckBox>(dialog.get(), u"extension:permit-port-forwarding"_s)->isChecked());
    child<QCheckBox>(dialog.get(), u"extension:permit-port-forwarding"_s)->setChecked(true);
    child<QCheckBox>(dialog.get(), u"extension:permit-user-rc"_s)->setChecked(false);

    dialog->setSource(SignCertificateDialog::Source::Pasted);
    child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->setPlainText(subject);
    child<QLineEdit>(dialog.get(), u"principals"_s)->setText(u"alice, deploy  root"_s);
    child<QLineEdit>(dialog.get(), u"forceCommand"_s)->setText(u"/usr/bin/uptime"_s);
    child<QLineEdit>(dialog.get(), u"sourceAddress"_s)->setText(u"127.0.0.1/32, 192.0.2.0/24"_s);
    child<QLineEdit>(dialog.get(), u"description"_s)->setText(u"Alice's laptop"_s);
    child<QPushButton>(dialog.get(), u"sign"_s)->click();
    QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
    QVERIFY(dialog->isSigned());
    QCOMPARE(topicCount(changed, CertificateAuthorityService::kCertificateTopic), 1);

    // The dialog shows the line, to copy and to save beside the key.
    const IssuedCertificate issued = dialog->issued();
    QCOMPARE(child<QPlainTextEdit>(dialog.get(), u"certificateLine"_s)->toPlainText(), issued.certificate);
    QVERIFY(!child<QPlainTextEdit>(dialog.get(), u"certificateLine"_s)->isHidden());
    QVERIFY(child<QPushButton>(dialog.get(), u"sign"_s)->isHidden());
    QCOMPARE(dialog->copyCertificate(), issued.certificate);
    QCOMPARE(QGuiApplication::clipboard()->text(), issued.certificate);
    QCOMPARE(dialog->suggestedFileName(), u"id_ed25519-cert.pub"_s);
    const QString saved = m_dir.filePath(dialog->suggestedFileName());
    KEYSTEAD_VERIFY_OK(dialog->saveCertificate(saved));
    QCOMPARE(readAll(saved).trimmed(), issued.certificate.toUtf8());

    // ssh-keygen reads what was asked for.
    const QString description = describeCertificate(m_dir.path(), issued.certificate);
    QVERIFY(!description.isEmpty());
    QCOMPARE(listedPrincipals(description), (QStringList{u"alice"_s, u"deploy"_s, u"root"_s}));
    QVERIFY2(description.contains(u"user certificate"_s), qPrintable(description));
    QVERIFY2(description.contains(u"force-command /usr/bin/uptime"_s), qPrintable(description));
    QVERIFY2(description.contains(u"source-address 127.0.0.1/32,192.0.2.0/24"_s), qPrintable(description));
    QVERIFY2(description.contains(u"permit-port-forwarding"_s), qPrintable(description));
    QVERIFY2(description.contains(u"permit-pty"_s), qPrintable(description));
    QVERIFY2(!description.contains(u"permit-user-rc"_s), qPrintable(description));

    // In the table, selected, with every field in the detail pane.
    QCOMPARE(m_panel->certificatesModel().rowCount(), 1);
    QCOMPARE(m_panel->selectedCertificateId(), issued.id);
    QCOMPARE(cell(issued.id, CertificatesModel::Kind), u"user"_s);
    QCOMPARE(cell(issued.id, CertificatesModel::Principals), u"alice, deploy, root"_s);
    QCOMPARE(cell(issued.id, CertificatesModel::KeyType), u"Ed25519"_s);
    QCOMPARE(cell(issued.id, CertificatesModel::Authority), u"Users"_s);
    QCOMPARE(cell(issued.id, CertificatesModel::Serial), QString::number(issued.serial));
    QCOMPARE(cell(issued.id, CertificatesModel::State), u"valid"_s);
    Result<SshPublicKey> subjectKey = SshPublicKey::parse(subject);
    KEYSTEAD_VERIFY_OK(subjectKey);
    QCOMPARE(cell(issued.id, CertificatesModel::Subject), subjectKey->fingerprintSha256());
    QCOMPARE(m_panel->detailText(u"serial"_s), QString::number(issued.serial));
    QCOMPARE(m_panel->detailText(u"principals"_s), u"alice, deploy, root"_s);
    QCOMPARE(m_panel->detailText(u"keyId"_s), issued.keyId);
    QCOMPARE(m_panel->detailText(u"description"_s), u"Alice's laptop"_s);
    QVERIFY(m_panel->detailText(u"criticalOptions"_s).contains(u"force-command=/usr/bin/uptime"_s));
    QCOMPARE(m_panel->detailText(u"certificate"_s), issued.certificate);
    QCOMPARE(m_panel->copySelectedCertificate(), issued.certificate);
    const QString again = m_dir.filePath(u"again-cert.pub"_s);
    KEYSTEAD_VERIFY_OK(m_panel->saveSelectedCertificate(again));
    QCOMPARE(readAll(again).trimmed(), issued.certificate.toUtf8());
    QCOMPARE(m_panel->authoritiesModel().index(0, CertificateAuthoritiesModel::Issued).data().toInt(), 1);

    // Signed once: Close keeps it.
    dialog->reject();
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
}

void TestCertificatesPanel::signInventoryKey()
{
    const CertificateAuthority authority = makeAuthority(u"ed25519"_s, u"Deploy"_s);
    const QString pair = makeKeyPair(m_dir.path(), u"rsa"_s);
    QVERIFY(!pair.isEmpty());
    const QString line = QString::fromLatin1(readAll(pair + u".pub"_s)).trimmed();
    SshKeyInput input;
    input.privateKey = readAll(pair);
    input.identifier = u"deploy-web"_s;
    input.hostname = u"web-1"_s;
    input.ip = u"192.0.2.10"_s;
    input.publicKey = line;
    input.origin = u"console"_s;
    const Result<SshKeySaved> saved = m_core->inventory->save(input, Actor::console());
    KEYSTEAD_VERIFY_OK(saved);

    std::unique_ptr<SignCertificateDialog> dialog(m_panel->createSignDialog());
    QCOMPARE(dialog->inventoryKeyCount(), 1);
    QVERIFY(dialog->setAuthority(authority.id));
    QVERIFY(dialog->selectInventoryKey(saved->key.id));
    QCOMPARE(dialog->source(), SignCertificateDialog::Source::Inventory);
    child<QLineEdit>(dialog.get(), u"principals"_s)->setText(u"deploy"_s);
    KEYSTEAD_VERIFY_OK(dialog->sign());
    const IssuedCertificate issued = dialog->issued();
    QCOMPARE(issued.subjectFingerprint, saved->key.publicKey.fingerprintSha256());
    QCOMPARE(issued.keyType, u"rsa"_s);
    QCOMPARE(dialog->suggestedFileName(), u"deploy-web-cert.pub"_s);
    QCOMPARE(listedPrincipals(describeCertificate(m_dir.path(), issued.certificate)), QStringList{u"deploy"_s});
    QCOMPARE(cell(issued.id, CertificatesModel::KeyType), u"RSA"_s);
}

void TestCertificatesPanel::signCollectedKey()
{
    const CertificateAuthority authority = makeAuthority(u"rsa"_s, u"Hosts"_s, {}, 2048);
    const SshPublicKey collected = generatePublicKey(m_dir.path(), u"ecdsa"_s);
    QVERIFY(!collected.isNull());
    CollectSessionInput input;
    input.connectionIdentifier = u"web-7-hostkey"_s;
    const Result<CollectSession> session = m_core->collect->create(input);
    KEYSTEAD_VERIFY_OK(session);
    const Result<QString> connection
        = m_core->collect->connectionOpened(session->id, u"192.0.2.77"_s, u"SSH-2.0-OpenSSH_9.2"_s);
    KEYSTEAD_VERIFY_OK(connection);
    KEYSTEAD_VERIFY_OK(m_core->collect->keyProven(connection.value(), collected));
    KEYSTEAD_VERIFY_OK(m_core->collect->connectionClosed(connection.value(), ConnectionOutcome::Kept));

    std::unique_ptr<SignCertificateDialog> dialog(m_panel->createSignDialog());
    QCOMPARE(dialog->collectedKeyCount(), 1);
    QVERIFY(dialog->setAuthority(authority.id));
    dialog->setKind(CertificateKind::Host);
    // OpenSSH defines no options or extensions for host certificates.
    QVERIFY(!child<QCheckBox>(dialog.get(), u"extension:permit-pty"_s)->isEnabled());
    QVERIFY(dialog->selectCollectedKey(collected.fingerprintSha256()));
    child<QLineEdit>(dialog.get(), u"principals"_s)->setText(u"web-7.example.org web-7"_s);
    KEYSTEAD_VERIFY_OK(dialog->sign());
    const IssuedCertificate issued = dialog->issued();
    QCOMPARE(issued.kind, CertificateKind::Host);
    QCOMPARE(issued.subjectFingerprint, collected.fingerprintSha256());
    QVERIFY(issued.extensions.isEmpty());
    QCOMPARE(dialog->suggestedFileName(), u"id_ecdsa-cert.pub"_s);
    const QString description = describeCertificate(m_dir.path(), issued.certificate);
    QVERIFY2(description.contains(u"host certificate"_s), qPrintable(description));
    QCOMPARE(listedPrincipals(description), (QStringList{u"web-7.example.org"_s, u"web-7"_s}));
    QCOMPARE(cell(issued.id, CertificatesModel::Kind), u"host"_s);
}

void TestCertificatesPanel::refusedSigningShowsTheErrorAndStoresNothing()
{
    const CertificateAuthority authority = makeAuthority(u"ed25519"_s, u"Hosts"_s);
    const QString subject = makePublicKeyLine(m_dir.path(), u"ed25519"_s);

    // A host certificate needs principals.
    std::unique_ptr<SignCertificateDialog> dialog(m_panel->createSignDialog());
    QVERIFY(dialog->setAuthority(authority.id));
    dialog->setKind(CertificateKind::Host);
    child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->setPlainText(subject);
    QVERIFY(!dialog->sign());
    QVERIFY(!dialog->errorText().isEmpty());
    QVERIFY(!dialog->isSigned());

    // Until before from.
    dialog->setKind(CertificateKind::User);
    child<QLineEdit>(dialog.get(), u"principals"_s)->setText(u"alice"_s);
    auto *until = child<QDateTimeEdit>(dialog.get(), u"validUntil"_s);
    until->setDateTime(child<QDateTimeEdit>(dialog.get(), u"validAfter"_s)->dateTime().addSecs(-3600));
    QVERIFY(!dialog->sign());
    QVERIFY(!dialog->errorText().isEmpty());

    // Not a key.
    until->setDateTime(child<QDateTimeEdit>(dialog.get(), u"validAfter"_s)->dateTime().addSecs(3600));
    child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->setPlainText(u"ssh-ed25519 not-base64"_s);
    QVERIFY(!dialog->sign());
    QVERIFY(!dialog->errorText().isEmpty());

    // A source-address sshd would not read.
    child<QPlainTextEdit>(dialog.get(), u"publicKey"_s)->setPlainText(subject);
    child<QLineEdit>(dialog.get(), u"sourceAddress"_s)->setText(u"not-an-address"_s);
    QVERIFY(!dialog->sign());
    QVERIFY(!dialog->errorText().isEmpty());

    QCOMPARE(certificateCount(), 0);
    QCOMPARE(m_panel->certificatesModel().rowCount(), 0);

    // Fixed: it signs, and the error goes.
    child<QLineEdit>(dialog.get(), u"sourceAddress"_s)->clear();
    KEYSTEAD_VERIFY_OK(dialog->sign());
    QVERIFY(dialog->errorText().isEmpty());
    QCOMPARE(certificateCount(), 1);
}

void TestCertificatesPanel::revokeOneCertificate()
{
    const CertificateAuthority authority = makeAuthority(u"ed25519"_s, u"Users"_s);
    const QString subject = makePublicKeyLine(m_dir.path(), u"ed25519"_s);
    const IssuedCertificate first = issue(authority.id, subject, {u"alice"_s});
    const IssuedCertificate second = issue(authority.id, makePublicKeyLine(m_dir.path(), u"ecdsa"_s), {u"bob"_s});
    QVERIFY(!first.id.isEmpty() && !second.id.isEmpty());
    QVERIFY(!m_panel->createRevokeDialog()); // nothing selected

    QVERIFY(m_panel->selectCertificate(first.id));
    QVERIFY(child<QAction>(m_panel.get(), u"revokeCertificate"_s)->isEnabled());
    std::unique_ptr<RevokeCertificateDialog> dialog(m_panel->createRevokeDialog());
    QVERIFY(dialog);
    QCOMPARE(dialog->scope(), RevokeCertificateDialog::Scope::Certificate);
    // A reason is asked for; without one nothing happens.
    child<QPushButton>(dialog.get(), u"revoke"_s)->click();
    QVERIFY(!dialog->errorText().isEmpty());
    QVERIFY(!service().certificate(first.id)->revokedAt);

    dialog->setReason(u"laptop stolen"_s);
    child<QPushButton>(dialog.get(), u"revoke"_s)->click();
    QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
    QCOMPARE(dialog->revoked().size(), 1);

    const Result<IssuedCertificate> stored = service().certificate(first.id);
    KEYSTEAD_VERIFY_OK(stored);
    QVERIFY(stored->revokedAt);
    QCOMPARE(stored->revocationReason, u"laptop stolen"_s);
    QCOMPARE(cell(first.id, CertificatesModel::State), u"revoked"_s);
    QCOMPARE(cell(second.id, CertificatesModel::State), u"valid"_s);
    QVERIFY(m_panel->detailText(u"state"_s).contains(u"laptop stolen"_s));
    QVERIFY(!child<QAction>(m_panel.get(), u"revokeCertificate"_s)->isEnabled());
    QCOMPARE(m_panel->authoritiesModel().index(0, CertificateAuthoritiesModel::Revoked).data().toInt(), 1);

    // Revoking again is the service's Conflict, shown in the dialog.
    std::unique_ptr<RevokeCertificateDialog> again(
        new RevokeCertificateDialog(service(), stored.value(), RevokeCertificateDialog::Scope::Certificate));
    again->setReason(u"twice"_s);
    QVERIFY(!again->revoke());
    QVERIFY(!again->errorText().isEmpty());
    QCOMPARE(service().certificate(first.id)->revocationReason, u"laptop stolen"_s);

    // The KRL saved from the panel is the service's, and ssh-keygen finds the revoked certificate in it.
    QVERIFY(m_panel->selectAuthority(authority.id));
    const QString krlPath = m_dir.filePath(u"users.krl"_s);
    KEYSTEAD_VERIFY_OK(m_panel->saveRevocationList(krlPath));
    const Result<QByteArray> krl = service().revocationList(authority.id);
    KEYSTEAD_VERIFY_OK(krl);
    QCOMPARE(readAll(krlPath), krl.value());
    const QString firstPath = m_dir.filePath(u"first-cert.pub"_s);
    const QString secondPath = m_dir.filePath(u"second-cert.pub"_s);
    QVERIFY(writeAll(firstPath, first.certificate.toUtf8() + '\n'));
    QVERIFY(writeAll(secondPath, second.certificate.toUtf8() + '\n'));
    const ProcessResult revokedQuery = run(u"ssh-keygen"_s, {u"-Q"_s, u"-f"_s, krlPath, firstPath});
    QVERIFY2(revokedQuery.output.contains("REVOKED"), revokedQuery.output.constData());
    const ProcessResult fineQuery = run(u"ssh-keygen"_s, {u"-Q"_s, u"-f"_s, krlPath, secondPath});
    QCOMPARE(fineQuery.exitCode, 0);
    QVERIFY2(!fineQuery.output.contains("REVOKED"), fineQuery.output.constData());
}

void TestCertificatesPanel::revokeEveryCertificateOfAKey()
{
    const CertificateAuthority users = makeAuthority(u"ed25519"_s, u"Users"_s);
    const CertificateAuthority admins = makeAuthority(u"ecdsa"_s, u"Admins"_s, u"p256"_s);
    const QString subject = makePublicKeyLine(m_dir.path(), u"ed25519"_s);
    const IssuedCertificate a = issue(users.id, subject, {u"alice"_s});
    const IssuedCertificate b = issue(admins.id, subject, {u"root"_s});
    const IssuedCertificate other = issue(users.id, makePublicKeyLine(m_dir.path(), u"ed25519"_s), {u"bob"_s});

    QVERIFY(m_panel->selectCertificate(a.id));
    std::unique_ptr<RevokeCertificateDialog> dialog(m_panel->createRevokeSubjectDialog());
    QVERIFY(dialog);
    QCOMPARE(dialog->scope(), RevokeCertificateDialog::Scope::SubjectKey);
    QVERIFY(child<QLabel>(dialog.get(), u"revokeSummary"_s)->text().contains(a.subjectFingerprint));
    dialog->setReason(u"employee left"_s);
    child<QPushButton>(dialog.get(), u"revoke"_s)->click();
    QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
    QCOMPARE(dialog->revoked().size(), 2);
    QCOMPARE(cell(a.id, CertificatesModel::State), u"revoked"_s);
    QCOMPARE(cell(b.id, CertificatesModel::State), u"revoked"_s);
    QCOMPARE(cell(other.id, CertificatesModel::State), u"valid"_s);
    QVERIFY(m_panel->noticeText().contains(u"2"_s));
}

void TestCertificatesPanel::statesFollowTheClock()
{
    const CertificateAuthority authority = makeAuthority(u"ed25519"_s, u"Users"_s);
    const QDateTime now = m_core->clock.now();
    const IssuedCertificate later = issue(authority.id, makePublicKeyLine(m_dir.path(), u"ed25519"_s), {u"a"_s},
                                          CertificateKind::User, now.addSecs(3600), now.addSecs(7200));
    const IssuedCertificate current = issue(authority.id, makePublicKeyLine(m_dir.path(), u"ed25519"_s), {u"b"_s},
                                            CertificateKind::User, now, now.addSecs(1800));
    QCOMPARE(cell(later.id, CertificatesModel::State), u"not yet valid"_s);
    QCOMPARE(cell(current.id, CertificatesModel::State), u"valid"_s);

    // Time passes with nothing else happening: the timer judges the rows again.
    CertificatesModel &model = m_panel->certificatesModel();
    model.setReevaluateInterval(20);
    m_core->clock.advanceSeconds(3600);
    QTRY_COMPARE(cell(later.id, CertificatesModel::State), u"valid"_s);
    QCOMPARE(cell(current.id, CertificatesModel::State), u"expired"_s);
    m_core->clock.advanceSeconds(3601);
    QTRY_COMPARE(cell(later.id, CertificatesModel::State), u"expired"_s);
    QCOMPARE(model.indexOf(later.id).data(CertificatesModel::StateRole).toInt(),
             static_cast<int>(CertificateState::Expired));
}

void TestCertificatesPanel::expiringCertificatesAreHighlightedAndCounted()
{
    const CertificateAuthority authority = makeAuthority(u"ed25519"_s, u"Users"_s);
    const QDateTime now = m_core->clock.now();
    QCOMPARE(m_panel->expiryWarningDays(), CertificateAuthorityService::kDefaultExpiryWarningDays);
    QSignalSpy counted(m_panel.get(), &CertificatesPanel::expiringCountChanged);

    const IssuedCertificate soon = issue(authority.id, makePublicKeyLine(m_dir.path(), u"ed25519"_s), {u"a"_s},
                                         CertificateKind::User, now, now.addDays(3));
    const IssuedCertificate far = issue(authority.id, makePublicKeyLine(m_dir.path(), u"ed25519"_s), {u"b"_s},
                                        CertificateKind::User, now, now.addDays(30));
    QCOMPARE(m_panel->expiringCount(), 1);
    QVERIFY(!counted.isEmpty());
    QCOMPARE(counted.constLast().at(0).toInt(), 1);
    QCOMPARE(service().expiringCount(7).value(), 1);
    const CertificatesModel &model = m_panel->certificatesModel();
    QVERIFY(model.indexOf(soon.id).data(CertificatesModel::ExpiringRole).toBool());
    QVERIFY(model.indexOf(soon.id, CertificatesModel::Principals).data(Qt::BackgroundRole).isValid());
    QVERIFY(!model.indexOf(far.id).data(CertificatesModel::ExpiringRole).toBool());
    QVERIFY(!model.indexOf(far.id, CertificatesModel::Principals).data(Qt::BackgroundRole).isValid());
    QVERIFY(child<QLabel>(m_panel.get(), u"expiringCount"_s)->text().contains(u"1"_s));

    // The spin box: 60 days takes both in, and is kept in the settings.
    child<QSpinBox>(m_panel.get(), u"expiryWarningDays"_s)->setValue(60);
    QCOMPARE(m_panel->expiringCount(), 2);
    QCOMPARE(counted.constLast().at(0).toInt(), 2);
    QCOMPARE(m_core->settings->value(QString(CertificateAuthorityService::kExpiryWarningDaysSetting)), u"60"_s);
    // 0 turns it off.
    m_panel->setExpiryWarningDays(0);
    QCOMPARE(m_panel->expiringCount(), 0);
    QVERIFY(!model.indexOf(soon.id, CertificatesModel::Principals).data(Qt::BackgroundRole).isValid());

    // Another panel (or another console on the database) reads the setting.
    m_panel->setExpiryWarningDays(5);
    CertificatesPanel second(service(), *m_core->inventory, *m_core->collect, *m_core->settings, m_core->clock);
    QCOMPARE(second.expiryWarningDays(), 5);
    QCOMPARE(second.expiringCount(), 1);
    // Set elsewhere: this panel follows.
    KEYSTEAD_VERIFY_OK(
        m_core->settings->setValue(QString(CertificateAuthorityService::kExpiryWarningDaysSetting), u"2"_s));
    QCOMPARE(m_panel->expiryWarningDays(), 2);
    QCOMPARE(m_panel->expiringCount(), 0);

    // Time brings the far one close, the near one past: the timer sees it.
    m_panel->setExpiryWarningDays(7);
    m_panel->certificatesModel().setReevaluateInterval(20);
    QCOMPARE(m_panel->expiringCount(), 1);
    m_core->clock.advanceSeconds(qint64(25) * 24 * 3600);
    QTRY_VERIFY(m_panel->certificatesModel().indexOf(far.id).data(CertificatesModel::ExpiringRole).toBool());
    QCOMPARE(m_panel->expiringCount(), 1);
    QCOMPARE(cell(soon.id, CertificatesModel::State), u"expired"_s);
}

void TestCertificatesPanel::filtersNarrowTheRows()
{
    const CertificateAuthority users = makeAuthority(u"ed25519"_s, u"Users"_s);
    const CertificateAuthority hosts = makeAuthority(u"ed25519"_s, u"Hosts"_s);
    const QDateTime now = m_core->clock.now();
    const IssuedCertificate alice = issue(users.id, makePublicKeyLine(m_dir.path(), u"ed25519"_s), {u"alice"_s});
    const IssuedCertificate bob = issue(users.id, makePublicKeyLine(m_dir.path(), u"ed25519"_s), {u"bob"_s},
                                        CertificateKind::User, now.addDays(1), now.addDays(2));
    const IssuedCertificate web
        = issue(hosts.id, makePublicKeyLine(m_dir.path(), u"ecdsa"_s), {u"web-1"_s}, CertificateKind::Host);
    const QAbstractItemModel &filtered = m_panel->certificatesFilter();
    QCOMPARE(filtered.rowCount(), 3);

    const auto shownIds = [&filtered] {
        QSet<QString> ids;
        for (int row = 0; row < filtered.rowCount(); ++row)
            ids.insert(filtered.index(row, 0).data(CertificatesModel::IdRole).toString());
        return ids;
    };
    auto *kind = child<QComboBox>(m_panel.get(), u"kindFilter"_s);
    kind->setCurrentIndex(kind->findData(static_cast<int>(CertificateKind::Host)));
    QCOMPARE(shownIds(), QSet<QString>{web.id});
    kind->setCurrentIndex(kind->findData(static_cast<int>(CertificateKind::User)));
    QCOMPARE(shownIds(), (QSet<QString>{alice.id, bob.id}));
    kind->setCurrentIndex(0);

    auto *authority = child<QComboBox>(m_panel.get(), u"authorityFilter"_s);
    QCOMPARE(authority->count(), 3);
    authority->setCurrentIndex(authority->findData(hosts.id));
    QCOMPARE(shownIds(), QSet<QString>{web.id});
    authority->setCurrentIndex(0);

    auto *state = child<QComboBox>(m_panel.get(), u"stateFilter"_s);
    state->setCurrentIndex(state->findData(static_cast<int>(CertificateState::NotYetValid)));
    QCOMPARE(shownIds(), QSet<QString>{bob.id});
    state->setCurrentIndex(state->findData(static_cast<int>(CertificateState::Valid)));
    QCOMPARE(shownIds(), (QSet<QString>{alice.id, web.id}));
    state->setCurrentIndex(0);

    auto *text = child<QLineEdit>(m_panel.get(), u"textFilter"_s);
    text->setText(u"ALICE"_s);
    QCOMPARE(shownIds(), QSet<QString>{alice.id});
    // The key id (not a column) matches too.
    text->setText(web.keyId);
    QCOMPARE(shownIds(), QSet<QString>{web.id});
    text->setText(bob.subjectFingerprint);
    QCOMPARE(shownIds(), QSet<QString>{bob.id});
    text->clear();
    QCOMPARE(filtered.rowCount(), 3);

    // A CA filter of a deleted CA falls back to every CA.
    authority->setCurrentIndex(authority->findData(hosts.id));
    KEYSTEAD_VERIFY_OK(service().deleteAuthority(hosts.id, Actor::console()));
    QCOMPARE(authority->currentIndex(), 0);
    QCOMPARE(filtered.rowCount(), 3);
}

void TestCertificatesPanel::exportsForServersAndClients()
{
    const CertificateAuthority hosts = makeAuthority(u"ed25519"_s, u"Hosts"_s);
    const QString hostKey = makePublicKeyLine(m_dir.path(), u"ed25519"_s);
    const IssuedCertificate web = issue(hosts.id, hostKey, {u"web-1.example.org"_s}, CertificateKind::Host);
    QVERIFY(m_panel->selectAuthority(hosts.id));

    const QString trusted = m_dir.filePath(u"trusted.pub"_s);
    KEYSTEAD_VERIFY_OK(m_panel->saveTrustedUserCaKeysLine(trusted));
    QCOMPARE(QString::fromUtf8(readAll(trusted)).trimmed(), service().trustedUserCaKeysLine(hosts.id).value());

    m_panel->setHostPattern(u"*.example.org"_s);
    const QString line = m_panel->copyKnownHostsLine();
    QCOMPARE(line, service().knownHostsCertAuthorityLine(hosts.id, u"*.example.org"_s).value());
    QVERIFY(line.startsWith(u"@cert-authority *.example.org "_s));
    QCOMPARE(QGuiApplication::clipboard()->text(), line);

    // Revoked host keys come along as @revoked lines.
    KEYSTEAD_VERIFY_OK(service().revoke(web.id, u"host rebuilt"_s, Actor::console()));
    const QString knownHosts = m_dir.filePath(u"known_hosts"_s);
    KEYSTEAD_VERIFY_OK(m_panel->saveKnownHostsLines(knownHosts));
    const QStringList lines = QString::fromUtf8(readAll(knownHosts)).split(u'\n', Qt::SkipEmptyParts);
    QVERIFY(lines.size() >= 2);
    QCOMPARE(lines.at(0), line);
    Result<SshPublicKey> key = SshPublicKey::parse(hostKey);
    KEYSTEAD_VERIFY_OK(key);
    QVERIFY2(lines.at(1).startsWith(u"@revoked "_s) && lines.at(1).contains(key->openSshLine().section(u' ', 1, 1)),
             qPrintable(lines.at(1)));
    // ssh-keygen reads the file as known_hosts.
    const ProcessResult found = run(u"ssh-keygen"_s, {u"-F"_s, u"web-1.example.org"_s, u"-f"_s, knownHosts});
    QVERIFY2(found.exitCode == 0 && found.output.contains("@cert-authority"), found.output.constData());

    // An unwritable path is an error shown, not a crash.
    QVERIFY(!m_panel->saveRevocationList(m_dir.filePath(u"no/such/folder/x.krl"_s)));
    QVERIFY(!m_panel->errorText().isEmpty());
}

KEYSTEAD_UI_TEST_MAIN(TestCertificatesPanel)
#include "tst_certificatespanel.moc"
