#pragma once

#include <QByteArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace keystead::test {

// What a finished program left behind. exitCode -1: it did not end in time, or crashed.
struct Finished
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// Runs a program to its end (bounded: killed after `timeoutMs`), feeding it `input`.
inline Finished runProcess(const QString &program, const QStringList &arguments,
                           const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment(),
                           const QByteArray &input = {}, int timeoutMs = 60'000)
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(program, arguments);
    Finished finished;
    if (!process.waitForStarted(10'000))
        return finished;
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5'000);
    } else if (process.exitStatus() == QProcess::NormalExit) {
        finished.exitCode = process.exitCode();
    }
    finished.out = process.readAllStandardOutput();
    finished.err = process.readAllStandardError();
    return finished;
}

} // namespace keystead::test
