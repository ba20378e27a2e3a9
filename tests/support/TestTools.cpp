#include "TestTools.h"

#include <QFile>
#include <QMutex>
#include <QProcess>
#include <QtGlobal>

namespace keystead::test {

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

ProcessResult runProcess(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForFinished(120'000) || process.exitStatus() != QProcess::NormalExit)
        return {};
    return {process.exitCode(), process.readAll()};
}

std::optional<QByteArray> runOk(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForFinished(120'000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return std::nullopt;
    return process.readAllStandardOutput();
}

namespace logcapture {
namespace {

QMutex g_mutex;
QStringList g_messages;
QtMessageHandler g_previous = nullptr;

void capture(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        QMutexLocker lock(&g_mutex);
        g_messages.append(message);
    }
    if (g_previous)
        g_previous(type, context, message);
}

} // namespace

void install()
{
    g_previous = qInstallMessageHandler(capture);
}

void uninstall()
{
    qInstallMessageHandler(g_previous);
}

QStringList messages()
{
    QMutexLocker lock(&g_mutex);
    return g_messages;
}

} // namespace logcapture

QList<QByteArray> privateKeyFragments(const QByteArray &pem, const QByteArray &publicBlob)
{
    QList<QByteArray> fragments;
    for (const QByteArray &line : pem.split('\n')) {
        const QByteArray trimmed = line.trimmed();
        if (trimmed.size() < 16 || trimmed.startsWith("-----") || trimmed.contains(':'))
            continue;
        if (!publicBlob.isEmpty() && publicBlob.contains(QByteArray::fromBase64(trimmed)))
            continue;
        fragments.append(trimmed);
    }
    return fragments;
}

} // namespace keystead::test
