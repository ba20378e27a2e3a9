#pragma once

#include "ssh/SshPublicKey.h"

#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <optional>
#include <utility>

// Key material for the unit tests, made by the real tools (ssh-keygen, openssl)
// rather than by the code under test, and the test's own small readers of the
// SSH wire format and of ssh-keygen's answers.
namespace keystead::test {

using namespace Qt::StringLiterals;

struct Finished
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// Runs a tool to its end: exit code (-1 when it crashed or hung), stdout, stderr.
inline Finished run(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.start(program, arguments);
    Finished finished;
    if (!process.waitForStarted(30000) || !process.waitForFinished(120000)) {
        process.kill();
        process.waitForFinished(5000);
        return finished;
    }
    finished.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    finished.out = process.readAllStandardOutput();
    finished.err = process.readAllStandardError();
    return finished;
}

// The tool's stdout when it exits with 0; nullopt otherwise.
inline std::optional<QByteArray> toolOutput(const QString &program, const QStringList &arguments)
{
    Finished finished = run(program, arguments);
    if (finished.exitCode != 0)
        return std::nullopt;
    return std::move(finished.out);
}

inline QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Owner-only (0600), or ssh-keygen refuses to read a private key.
inline bool writeFile(const QString &path, const QByteArray &data)
{
    QFile::remove(path);
    QFile file(path);
    return file.open(QIODevice::WriteOnly, QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        && file.write(data) == data.size();
}

// The test's own SSH wire encoder, independent of the code under test.
inline QByteArray wireLength(quint32 size)
{
    QByteArray out(4, '\0');
    out[0] = char((size >> 24) & 0xff);
    out[1] = char((size >> 16) & 0xff);
    out[2] = char((size >> 8) & 0xff);
    out[3] = char(size & 0xff);
    return out;
}

inline QByteArray wireString(const QByteArray &value)
{
    return wireLength(static_cast<quint32>(value.size())) + value;
}

// The key blob of an OpenSSH public key line ("type base64 comment").
inline QByteArray blobOfLine(const QByteArray &line)
{
    return QByteArray::fromBase64(line.trimmed().split(' ').value(1));
}

// ssh-keygen -l: "256 SHA256:xxxx comment (ED25519)" and its parts.
struct Listing
{
    int bits = 0;
    QString fingerprint;
    QString label;
    QString line;
};

inline Listing parseListing(const QByteArray &out)
{
    const QList<QByteArray> words = out.trimmed().split(' ');
    Listing listing;
    if (words.size() < 3)
        return listing;
    listing.bits = words[0].toInt();
    listing.fingerprint = QString::fromLatin1(words[1]);
    QByteArray label = words.last();
    label.replace('(', "").replace(')', "");
    listing.label = QString::fromLatin1(label);
    listing.line = QString::fromUtf8(out.trimmed());
    return listing;
}

// Key pairs made once by ssh-keygen in a folder of their own: `name` and
// `name.pub`, made with the given type arguments ({"-t", "rsa", "-b", "2048"}),
// unencrypted unless a passphrase is given.
class KeyFolder
{
public:
    bool isValid() const { return m_dir.isValid(); }
    QString path(const QString &name) const { return m_dir.filePath(name); }

    // Empty when ssh-keygen made the pair; otherwise what it said.
    QString make(const QString &name, const QStringList &typeArguments, const QString &comment,
                 const QString &passphrase = {})
    {
        const Finished made
            = run(u"ssh-keygen"_s,
                  QStringList{u"-q"_s, u"-N"_s, passphrase, u"-C"_s, comment, u"-f"_s, path(name)} + typeArguments);
        if (made.exitCode == 0)
            return {};
        return u"ssh-keygen failed for %1: %2"_s.arg(name, QString::fromLocal8Bit(made.err));
    }

    QByteArray privateKey(const QString &name) const { return readFile(path(name)); }
    QString publicLine(const QString &name) const
    {
        return QString::fromLatin1(readFile(path(name) + u".pub"_s)).trimmed();
    }
    // The parsed public key; a null key when it cannot be read.
    SshPublicKey publicKey(const QString &name) const
    {
        Result<SshPublicKey> parsed = SshPublicKey::parse(publicLine(name));
        return parsed ? parsed.value() : SshPublicKey();
    }

private:
    QTemporaryDir m_dir;
};

} // namespace keystead::test
