#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace keystead::test {

// A whole file, or nothing when it cannot be read.
QByteArray readFile(const QString &path);
bool writeFile(const QString &path, const QByteArray &bytes);

struct ProcessResult
{
    int exitCode = -1; // -1: did not start, crashed or timed out
    QByteArray output; // standard output and error, merged
};

// Runs a program to its end (at most two minutes).
ProcessResult runProcess(const QString &program, const QStringList &arguments);
// Its standard output when it exits with 0; nothing otherwise.
std::optional<QByteArray> runOk(const QString &program, const QStringList &arguments);

// Every message any thread logs while installed, to prove that no secret is in it.
namespace logcapture {
void install();
void uninstall();
QStringList messages();
} // namespace logcapture

// The lines of a private key's base64 body that hold private bytes: none may
// ever appear in the store, a response or a log. Armour, headers ("Proc-Type:")
// and lines of only public key bytes (the public point at the end of an EC
// key, the public half of an openssh-key-v1 file) are no secret and left out.
QList<QByteArray> privateKeyFragments(const QByteArray &pem, const QByteArray &publicBlob);

} // namespace keystead::test
