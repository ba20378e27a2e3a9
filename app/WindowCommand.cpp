#include "CommandLine.h"

#include "api/EndpointSettings.h"
#include "collect/WebhookDeliveryLog.h"
#include "ui/common/Translations.h"
#include "ui/shell/MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QIcon>
#include <QMessageBox>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace keystead::app {

int runWindow(int &argc, char **argv)
{
    // The command line is checked before QApplication exists: a typo then gets
    // its one line on stderr even where there is no display to open.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));

    QCommandLineParser parser;
    parser.setApplicationDescription(u"The Keystead console window."_s);
    const QCommandLineOption dataDir(
        u"data-dir"_s, u"Data folder (default: $KEYSTEAD_DATA_DIR or %1)."_s.arg(defaultDataDir()), u"DIR"_s);
    const QCommandLineOption database(u"database"_s, u"sqlite: (default) or postgresql://user:pass@host:port/db."_s,
                                      u"URL"_s);
    parser.addOptions({dataDir, database});
    const QCommandLineOption help = parser.addHelpOption();
    if (!parser.parse(arguments))
        return usageError(parser.errorText());
    if (parser.isSet(help)) {
        // With no QCoreApplication yet, the parser cannot know the program's name.
        std::printf("%s", qPrintable(parser.helpText().replace(u"<executable_name>"_s, u"keystead"_s)));
        return kExitOk;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(
            u"unexpected argument \"%1\"; see keystead --help"_s.arg(parser.positionalArguments().constFirst()));

    QApplication application(argc, argv);
    // Wayland and the desktop match the window to packaging/io.keystead.Keystead.desktop by this name.
    QGuiApplication::setDesktopFileName(u"io.keystead.Keystead"_s);
    ui::installTranslations(application);
    QApplication::setWindowIcon(QIcon(u":/keystead/icons/keystead.svg"_s));

    Result<std::unique_ptr<Composition>> opened
        = Composition::open(storeLocation(parser.value(dataDir), parser.value(database)));
    if (!opened) {
        // stderr first: the box waits for a person, a log should not.
        const int status = failure(opened.error().message);
        QMessageBox::critical(nullptr, QCoreApplication::translate("WindowCommand", "Keystead"),
                              QCoreApplication::translate("WindowCommand", "Keystead cannot open its store.\n\n%1")
                                  .arg(opened.error().message));
        return status;
    }
    Composition &services = *opened.value();

    // The endpoint is optional in the window: if it cannot start, the window still opens and says why.
    const Status endpointApplied = endpoint_settings::apply(*services.endpoint, *services.settings);
    // Webhook delivery and the expiry sweep run while the window is open; the collect server runs when service.enabled
    // says so.
    // The collect server's host keys are sealed in the vault: ask the keychain now, before the background timers
    // run, so none of them waits for the vault while this thread waits for the keychain (as `keystead serve` does).
    // A locked vault shows in the window and in the collect server's state.
    (void)services.vault->unlock();
    const Status backgroundStarted = services.startBackgroundWork();

    int status = kExitOk;
    {
        ui::MainWindow window(ui::uiServicesOf(services));
        // service.enabled decides whether the collect server runs (seed 004); the toolbar writes it.
        window.setCollectSupervisor(services.collectSupervisor.get());
        // A failed start shows in the status bar's endpoint label already; other errors (a bad stored address) do not.
        if (!endpointApplied && services.endpoint->state() != ApiEndpoint::State::Failed) {
            window.showStatusMessage(QCoreApplication::translate("WindowCommand", "The HTTP endpoint did not start: %1")
                                         .arg(endpointApplied.error().message));
        }
        if (!backgroundStarted) {
            window.showStatusMessage(QCoreApplication::translate("WindowCommand", "Webhook delivery did not start: %1")
                                         .arg(backgroundStarted.error().message));
        }
        window.show();
        status = QApplication::exec();
    }
    // The window holds references into the services: it went first. Then the
    // collect server closes its connections, answers in flight are written, and the store closes.
    // No settings change may start the collect server again while it stops.
    services.collectSupervisor.reset();
    services.collectServer->stop();
    services.endpoint->stop();
    opened.value().reset();
    return status;
}

} // namespace keystead::app
