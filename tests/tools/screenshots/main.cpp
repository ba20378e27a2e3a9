// keystead_screenshots: writes the README's screenshots (resources/screenshots/*.png).
//
//   cmake --build build --target keystead_screenshots
//   QT_QPA_PLATFORM=offscreen build/tests/tools/screenshots/keystead_screenshots resources/screenshots
//
// The one argument is the folder the PNG files go to (made when missing); more
// arguments name scenes to run (collect, keys, certificates, connections,
// hostkeys), all by default. Each scene builds a fresh core on a temporary
// SQLite store (tests/ui/UiTestSupport.h), fills it as a person would and
// grabs the windows, offscreen unless QT_QPA_PLATFORM says otherwise. Needs
// ssh-keygen. Exit status 0 when every scene wrote its files.
//
// Not a test: ctest does not run it; the UI tests assert the behaviour.

#include "ScreenshotSupport.h"

#include <QApplication>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <iterator>

using namespace Qt::StringLiterals;
using namespace keystead::screenshots;

int main(int argc, char **argv)
{
    // As the UI tests: away from the user's files, session bus and display.
    QTemporaryDir runtimeDir; // created 0700, as the XDG spec asks
    qputenv("XDG_RUNTIME_DIR", runtimeDir.path().toLocal8Bit());
    qunsetenv("DBUS_SESSION_BUS_ADDRESS");
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QApplication application(argc, argv);

    const QStringList arguments = QApplication::arguments().mid(1);
    if (arguments.isEmpty() || arguments.first().startsWith(u'-')) {
        std::fprintf(stderr,
                     "usage: keystead_screenshots <folder> [collect|keys|certificates|connections|hostkeys]...\n");
        return 2;
    }
    const QDir folder(arguments.first());
    if (!QDir().mkpath(folder.path())) {
        std::fprintf(stderr, "cannot make the folder %s\n", qPrintable(folder.path()));
        return 1;
    }

    const struct
    {
        QString name;
        Scene scene;
    } scenes[] = {
        {u"collect"_s, &collectAndSettingsScene}, {u"keys"_s, &keysScene},
        {u"certificates"_s, &certificatesScene},  {u"connections"_s, &connectionsScene},
        {u"hostkeys"_s, &hostKeysScene},
    };
    const QStringList chosen = arguments.mid(1);
    for (const QString &name : chosen) {
        if (std::none_of(std::begin(scenes), std::end(scenes), [&name](const auto &s) { return s.name == name; })) {
            std::fprintf(stderr, "no scene %s\n", qPrintable(name));
            return 2;
        }
    }
    int failed = 0;
    for (const auto &scene : scenes) {
        if (!chosen.isEmpty() && !chosen.contains(scene.name))
            continue;
        if (!scene.scene(folder)) {
            std::fprintf(stderr, "the %s scene failed\n", qPrintable(scene.name));
            ++failed;
        }
    }
    return failed == 0 ? 0 : 1;
}
