#include "CommandLine.h"
#include "UnixSignals.h"

#include "sshserver/CollectServerSupervisor.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>

#include <optional>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace keystead::app {

namespace {

// `serve` logs one line per event to stderr, for journald or a terminal.
void logLine(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    const char *level = type == QtDebugMsg ? "debug"
        : type == QtInfoMsg                ? "info"
        : type == QtWarningMsg             ? "warning"
                                           : "error";
    std::fprintf(stderr, "%s %s: %s\n", qPrintable(QDateTime::currentDateTimeUtc().toString(Qt::ISODate)), level,
                 qPrintable(message));
    std::fflush(stderr);
}

} // namespace

int runServe(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Runs Keystead with no window: the HTTP endpoint and the collect server."_s);
    const QCommandLineOption dataDir(
        u"data-dir"_s, u"Data folder (default: $KEYSTEAD_DATA_DIR or %1)."_s.arg(defaultDataDir()), u"DIR"_s);
    const QCommandLineOption database(u"database"_s, u"sqlite: (default) or postgresql://user:pass@host:port/db."_s,
                                      u"URL"_s);
    const QCommandLineOption apiListen(
        u"api-listen"_s, u"Address of the HTTP endpoint (default 127.0.0.1:%1)."_s.arg(EndpointConfig::kDefaultPort),
        u"HOST:PORT"_s);
    const QCommandLineOption collectListen(u"collect-listen"_s, u"Address of the SSH collect server."_s,
                                           u"HOST:PORT"_s);
    const QCommandLineOption tlsCert(u"tls-cert"_s, u"PEM certificate for HTTPS (with --tls-key)."_s, u"FILE"_s);
    const QCommandLineOption tlsKey(u"tls-key"_s, u"PEM private key for HTTPS (with --tls-cert)."_s, u"FILE"_s);
    parser.addOptions({dataDir, database, apiListen, collectListen, tlsCert, tlsKey});
    const QCommandLineOption help = parser.addHelpOption();

    if (!parser.parse(arguments))
        return usageError(parser.errorText());
    if (parser.isSet(help)) {
        std::printf("%s", qPrintable(parser.helpText().replace(u"[options]"_s, u"serve [options]"_s)));
        return kExitOk;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(u"serve takes no argument \"%1\""_s.arg(parser.positionalArguments().constFirst()));

    EndpointConfig endpointConfig;
    if (parser.isSet(apiListen)) {
        Result<ListenAddress> listen = ListenAddress::parse(parser.value(apiListen));
        if (!listen)
            return usageError(u"--api-listen: "_s + listen.error().message);
        endpointConfig.listen = listen.value();
    }
    std::optional<ListenAddress> collectAddress;
    if (parser.isSet(collectListen)) {
        Result<ListenAddress> listen = ListenAddress::parse(parser.value(collectListen));
        if (!listen)
            return usageError(u"--collect-listen: "_s + listen.error().message);
        collectAddress = listen.value();
    }
    if (parser.isSet(tlsCert) != parser.isSet(tlsKey))
        return usageError(u"--tls-cert and --tls-key go together"_s);
    endpointConfig.tlsCertificateFile = parser.value(tlsCert);
    endpointConfig.tlsKeyFile = parser.value(tlsKey);

    qInstallMessageHandler(&logLine);
    Result<std::unique_ptr<Composition>> opened
        = Composition::open(storeLocation(parser.value(dataDir), parser.value(database)));
    if (!opened)
        return failure(opened.error().message);
    Composition &services = *opened.value();
    qInfo("store: %s (schema version %d)", qPrintable(services.database->config().displayName()),
          Database::knownSchemaVersion());

    // The collect server's host keys are sealed in the vault: the keychain is asked
    // now, before the background timers run, so none of them calls the vault while
    // this thread waits for the keychain. Its error, if any, comes with the server's start.
    if (collectAddress)
        (void)services.vault->unlock();
    if (Status started = services.startBackgroundWork(); !started)
        return failure(started.error().message);
    if (Status started = services.endpoint->start(endpointConfig); !started)
        return failure(started.error().message);
    qInfo("API listening on %s", qPrintable(services.endpoint->url()));
    // The supervisor alone starts and stops the collect server: service.enabled
    // (seed 004, over HTTP or from a window on the same store) decides whether
    // it runs, and the active settings policy applies to its new connections.
    if (collectAddress) {
        CollectServerConfig collectConfig;
        collectConfig.listen = *collectAddress;
        collectConfig.dataDir = services.dataDir;
        services.collectSupervisor->setBaseConfig(collectConfig);
        // Logs where it listens.
        if (Status started = services.collectSupervisor->apply(); !started)
            return failure(started.error().message);
        if (services.collectServer->state() == CollectServer::State::Running) {
            // Users compare these with what their ssh client shows on first connection.
            for (const HostKeyFingerprint &key : services.collectServer->hostKeyFingerprints())
                qInfo("collect server host key %s %s", qPrintable(key.algorithm), qPrintable(key.sha256));
        } else {
            qInfo("collect server not started: service.enabled is false");
        }
    }

    UnixSignals signals;
    QObject::connect(&signals, &UnixSignals::terminationRequested, qApp, [](int number) {
        qInfo("signal %d received: stopping", number);
        QCoreApplication::quit();
    });
    const int status = QCoreApplication::exec();
    // Listeners close first, answers in flight are written, then the store closes.
    services.endpoint->stop();
    // No settings change may start the server again while it stops.
    services.collectSupervisor.reset();
    services.collectServer->stop();
    opened.value().reset();
    qInfo("stopped");
    return status;
}

} // namespace keystead::app
