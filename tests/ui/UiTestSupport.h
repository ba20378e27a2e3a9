#pragma once

#include "TestCore.h"

#include "api/ApiEndpoint.h"
#include "api/ApiRouter.h"
#include "api/SystemController.h"
#include "api/TokenService.h"
#include "audit/AuditLog.h"
#include "ca/CertificateAuthorityService.h"
#include "collect/CollectService.h"
#include "collect/WebhookDeliveryLog.h"
#include "collect/WebhookDispatcher.h"
#include "collect/WebhookHeaderSeal.h"
#include "collect/WebhookOutbox.h"
#include "collect/WebhookSigner.h"
#include "connections/ConnectionService.h"
#include "hostkeys/HostKeyStore.h"
#include "inventory/InventoryService.h"
#include "secrets/MasterKeyStore.h"
#include "secrets/Vault.h"
#include "settings/SshSettingsService.h"
#include "sshserver/CollectServer.h"
#include "store/SettingsStore.h"
#include "ui/collect/CollectSessionDetail.h"
#include "ui/connections/ConnectionDetail.h"
#include "ui/keys/KeysPanel.h"
#include "ui/shell/UiServices.h"

// What the panel tests use all round.
#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <functional>
#include <memory>

namespace keystead::test {

// The core objects a window needs, on a fresh SQLite store, built by the same
// composition root as the app (tests/support/TestCore.h), webhook delivery started.
struct UiCore : TestCore
{
    WebhookHeaderSeal *headerSeal = nullptr;

    static std::unique_ptr<UiCore> create()
    {
        auto core = std::make_unique<UiCore>();
        if (!core->build(QStringLiteral("sqlite")))
            return nullptr;
        core->headerSeal = core->webhookHeaderSeal.get();
        WebhookDispatcherConfig dispatch;
        dispatch.pollIntervalMs = 0; // the service's wake-ups and processDue() send what is due
        dispatch.timeoutMs = 4'000;
        if (!core->webhooks->start(dispatch))
            return nullptr;
        return core;
    }

    ui::UiServices services() { return ui::uiServicesOf(*this); }
    // What each panel is given, named, as the main window gives it.
    ui::CollectPanelServices collectPanelServices()
    {
        return {*collect, *collectServer, *webhooks, *webhookLog, *inventory, *settings, clock};
    }
    ui::KeysPanelServices keysPanelServices() { return {*inventory, *vault}; }
    ui::ConnectionsPanelServices connectionsPanelServices() { return {*connections, clock}; }
};

// A new key pair made by ssh-keygen in `dir` ("ed25519", "ecdsa", "rsa"); its public half.
inline SshPublicKey generatePublicKey(const QString &dir, const QString &type)
{
    static int made = 0;
    const QString path = QDir(dir).filePath(QStringLiteral("%1_%2").arg(type).arg(++made));
    QProcess keygen;
    keygen.start(QStringLiteral("ssh-keygen"),
                 {QStringLiteral("-q"), QStringLiteral("-t"), type, QStringLiteral("-N"), QString(),
                  QStringLiteral("-C"), QStringLiteral("user@example"), QStringLiteral("-f"), path});
    if (!keygen.waitForFinished(60'000) || keygen.exitCode() != 0)
        return {};
    QFile file(path + QStringLiteral(".pub"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    Result<SshPublicKey> parsed = SshPublicKey::fromOpenSshLine(QString::fromLatin1(file.readAll()).trimmed());
    return parsed ? parsed.value() : SshPublicKey();
}

// The child of `parent` named `name`, of type T; nullptr (with a warning) when there is none.
template <typename T>
T *child(QObject *parent, const QString &name)
{
    T *found = parent->findChild<T *>(name);
    if (!found)
        qWarning("no child %s", qPrintable(name));
    return found;
}

// Answers whatever modal dialog comes up while `action` runs, the way a person
// would; returns how many it answered.
inline int answeringDialogs(const std::function<void()> &action, const std::function<bool(QWidget *)> &answer)
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

// Clicks `button` of the message box that is up; remembers its text (and, with
// `withInformative`, its informative text after a line break).
inline std::function<bool(QWidget *)> clickMessageBox(QMessageBox::StandardButton button, QString *text = nullptr,
                                                      bool withInformative = false)
{
    return [button, text, withInformative](QWidget *modal) {
        auto *box = qobject_cast<QMessageBox *>(modal);
        if (!box || !box->button(button))
            return false;
        if (text)
            *text = withInformative ? box->text() + QLatin1Char('\n') + box->informativeText() : box->text();
        box->button(button)->click();
        return true;
    };
}

// A port on 127.0.0.1 nothing listens on (taken from the kernel, then let go).
inline quint16 closedPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

// Keeps a test away from the user's files and session: QStandardPaths test
// mode (so QSettings writes under ~/.qttest), a private XDG_RUNTIME_DIR, no
// session bus (no notification reaches the user's desktop), offscreen.
inline int runUiTest(QObject &test, int argc, char **argv)
{
    QTemporaryDir runtimeDir; // created 0700, as the XDG spec asks
    qputenv("XDG_RUNTIME_DIR", runtimeDir.path().toLocal8Bit());
    qunsetenv("DBUS_SESSION_BUS_ADDRESS");
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QApplication application(argc, argv);
    return QTest::qExec(&test, argc, argv);
}

} // namespace keystead::test

#define KEYSTEAD_UI_TEST_MAIN(TestClass)                                                                               \
    int main(int argc, char **argv)                                                                                    \
    {                                                                                                                  \
        TestClass test;                                                                                                \
        return keystead::test::runUiTest(test, argc, argv);                                                            \
    }
