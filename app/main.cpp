#include "CommandLine.h"

#include <QCoreApplication>

#include <cstdio>
#include <sys/resource.h>

using namespace Qt::StringLiterals;
using namespace keystead::app;

namespace {

void printTopLevelHelp()
{
    std::printf("Usage:\n"
                "  keystead [--data-dir DIR] [--database URL]   the console window\n"
                "  keystead serve [--data-dir DIR] [--database URL] [--api-listen HOST:PORT]\n"
                "                 [--collect-listen HOST:PORT] [--tls-cert F --tls-key F]\n"
                "  keystead token create --name NAME [--data-dir DIR] [--database URL]\n"
                "  keystead token list | token revoke ID\n"
                "  keystead --help | --version\n"
                "\n"
                "KEYSTEAD_DATA_DIR sets the data folder; --database defaults to sqlite: in it.\n");
}

// Every SSH connection to the collect server is a file descriptor: thousands of
// users at a confirmation prompt need more than the usual soft limit of 1024.
void raiseFileDescriptorLimit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

bool isCommand(const char *argument)
{
    const QByteArray text(argument);
    return text == "serve" || text == "token" || text == "--help" || text == "-h" || text == "--version"
        || text == "-v";
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication::setApplicationName(u"keystead"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(KEYSTEAD_VERSION));
    raiseFileDescriptorLimit();

    // The window needs a QApplication (and a display); every other command runs headless.
    if (argc < 2 || !isCommand(argv[1])) {
#ifdef KEYSTEAD_WITH_GUI
        return runWindow(argc, argv);
#else
        const QString given = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QString();
        return usageError(u"this build has no window (given \"%1\"); see keystead --help"_s.arg(given));
#endif
    }

    QCoreApplication application(argc, argv);
    const QStringList arguments = QCoreApplication::arguments();
    const QString command = arguments.at(1);
    if (command == u"--help"_s || command == u"-h"_s) {
        printTopLevelHelp();
        return kExitOk;
    }
    if (command == u"--version"_s || command == u"-v"_s) {
        std::printf("keystead %s\n", KEYSTEAD_VERSION);
        return kExitOk;
    }
    if (command == u"serve"_s)
        return runServe(arguments.mid(0, 1) + arguments.mid(2));
    return runToken(arguments);
}
