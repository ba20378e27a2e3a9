#pragma once

#include "UiTestSupport.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QWidget>

namespace keystead::screenshots {

// A scene fills a fresh store the way a person would, shows a window and
// writes its PNG files into `folder`. false (with a message on stderr) when a
// step it needs fails: the pictures would not show what the README says.
using Scene = bool (*)(const QDir &folder);

bool collectAndSettingsScene(const QDir &folder); // settings-panel, main-window, collect-panel, collect-session-*
bool keysScene(const QDir &folder); // keys-panel, key-dialog
bool certificatesScene(const QDir &folder); // certificates
bool connectionsScene(const QDir &folder); // connections-panel
bool hostKeysScene(const QDir &folder); // hostkeys, ssh-settings

// Gives up on the scene when `condition` is false.
#define SCREENSHOT_CHECK(condition)                                                                                    \
    do {                                                                                                               \
        if (!(condition)) {                                                                                            \
            qCritical("%s:%d: %s is not so", __FILE__, __LINE__, #condition);                                          \
            return false;                                                                                              \
        }                                                                                                              \
    } while (false)

// Gives up on the scene when a Result or Status is an error, with its message.
#define SCREENSHOT_OK(result)                                                                                          \
    do {                                                                                                               \
        const auto &screenshotResult_ = (result);                                                                      \
        if (!screenshotResult_.ok()) {                                                                                 \
            qCritical("%s:%d: %s", __FILE__, __LINE__, qPrintable(screenshotResult_.error().message));                 \
            return false;                                                                                              \
        }                                                                                                              \
    } while (false)

struct ProcessOutput
{
    int exitCode = -1;
    QByteArray out;
};

// Runs a program to its end; exitCode -1 when it could not start or crashed.
inline ProcessOutput run(const QString &program, const QStringList &arguments)
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

// A key pair ssh-keygen writes in `dir`; empty privatePath on failure.
struct KeyPair
{
    QString privatePath;
    QByteArray privateText;
    QString publicLine; // the .pub file's line
    QString type; // the line's first field, e.g. "ssh-ed25519"
    QString base64; // the line's second field
    QString fingerprint; // ssh-keygen -l -E sha256
};

inline KeyPair makeKeyPair(const QString &dir, const QString &type,
                           const QString &comment = QStringLiteral("ops@example"))
{
    static int made = 0;
    KeyPair pair;
    const QString path = QDir(dir).filePath(QStringLiteral("pair-%1-%2").arg(type).arg(++made));
    if (run(QStringLiteral("ssh-keygen"),
            {QStringLiteral("-q"), QStringLiteral("-t"), type, QStringLiteral("-N"), QString(), QStringLiteral("-C"),
             comment, QStringLiteral("-f"), path})
            .exitCode
        != 0)
        return pair;
    const ProcessOutput listed = run(QStringLiteral("ssh-keygen"),
                                     {QStringLiteral("-l"), QStringLiteral("-E"), QStringLiteral("sha256"),
                                      QStringLiteral("-f"), path + QStringLiteral(".pub")});
    pair.fingerprint = QString::fromLatin1(listed.out).trimmed().section(QLatin1Char(' '), 1, 1);
    pair.publicLine = QString::fromLatin1(readAll(path + QStringLiteral(".pub"))).trimmed();
    pair.type = pair.publicLine.section(QLatin1Char(' '), 0, 0);
    pair.base64 = pair.publicLine.section(QLatin1Char(' '), 1, 1);
    pair.privateText = readAll(path);
    pair.privatePath = path;
    return pair;
}

// Lets the layouts settle, then writes `widget` as folder/name.
inline bool save(QWidget &widget, const QDir &folder, const QString &name)
{
    QTest::qWait(50);
    const QString path = folder.filePath(name);
    if (!widget.grab().save(path)) {
        qCritical("cannot write %s", qPrintable(path));
        return false;
    }
    qInfo("wrote %s", qPrintable(path));
    return true;
}

template <typename T>
T *child(QObject *parent, const QString &name)
{
    T *found = parent->findChild<T *>(name);
    if (!found)
        qCritical("no child %s", qPrintable(name));
    return found;
}

} // namespace keystead::screenshots
