#pragma once

#include "KeyMaterial.h"
#include "TestDatabase.h"

#include "ssh/SshPrivateKey.h"

#include <QHash>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <optional>

// What the private key tests share: the test's own openssh-key-v1 reader and
// writer (independent of the code under test), the check of a refusal's words,
// and one base key per type made by ssh-keygen, converted to every format.
namespace keystead::test {

using namespace Qt::StringLiterals;

inline const QString Comment = u"tester@keystead"_s;
inline const QByteArray Passphrase = "correct horse 1";

// ---- the test's own openssh-key-v1 reader and writer, independent of the code under test ----

inline quint32 wireUint32(const QByteArray &data, qsizetype at)
{
    const auto *p = reinterpret_cast<const unsigned char *>(data.constData()) + at;
    return (quint32{p[0]} << 24) | (quint32{p[1]} << 16) | (quint32{p[2]} << 8) | quint32{p[3]};
}

// Reads a string at `at` and moves past it; nullopt past the end.
inline std::optional<QByteArray> wireTake(const QByteArray &data, qsizetype &at)
{
    if (at + 4 > data.size())
        return std::nullopt;
    const qsizetype size = qsizetype(wireUint32(data, at));
    if (at + 4 + size > data.size())
        return std::nullopt;
    const QByteArray value = data.mid(at + 4, size);
    at += 4 + size;
    return value;
}

struct Container
{
    QByteArray cipher;
    QByteArray kdf;
    QByteArray kdfOptions;
    QByteArray publicBlob;
    QByteArray privateSection;
};

inline QByteArray armorBody(const QByteArray &text)
{
    QByteArray base64;
    for (const QByteArray &line : text.split('\n')) {
        if (!line.startsWith("-----"))
            base64 += line.trimmed();
    }
    return QByteArray::fromBase64(base64);
}

inline std::optional<Container> splitOpenSsh(const QByteArray &text)
{
    const QByteArray body = armorBody(text);
    const QByteArray magic("openssh-key-v1\0", 15);
    if (!body.startsWith(magic))
        return std::nullopt;
    qsizetype at = magic.size();
    Container c;
    const auto cipher = wireTake(body, at);
    const auto kdf = wireTake(body, at);
    const auto options = wireTake(body, at);
    if (!cipher || !kdf || !options || at + 4 > body.size())
        return std::nullopt;
    at += 4; // one key
    const auto publicBlob = wireTake(body, at);
    const auto privateSection = wireTake(body, at);
    if (!publicBlob || !privateSection)
        return std::nullopt;
    c.cipher = *cipher;
    c.kdf = *kdf;
    c.kdfOptions = *options;
    c.publicBlob = *publicBlob;
    c.privateSection = *privateSection;
    return c;
}

inline QByteArray joinOpenSsh(const Container &c)
{
    const QByteArray body = QByteArray("openssh-key-v1\0", 15) + wireString(c.cipher) + wireString(c.kdf)
        + wireString(c.kdfOptions) + wireLength(1) + wireString(c.publicBlob) + wireString(c.privateSection);
    const QByteArray base64 = body.toBase64();
    QByteArray text = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
    for (qsizetype at = 0; at < base64.size(); at += 70)
        text += base64.mid(at, 70) + '\n';
    return text + "-----END OPENSSH PRIVATE KEY-----\n";
}

// Offsets of the strings in an unencrypted private section, after its two check values.
inline QList<qsizetype> sectionStringOffsets(const QByteArray &section)
{
    QList<qsizetype> offsets;
    qsizetype at = 8;
    while (at + 4 <= section.size()) {
        const qsizetype start = at;
        if (!wireTake(section, at))
            break;
        offsets.append(start);
    }
    return offsets;
}

// Empty when `result` failed for `problem` in words that give away neither the password nor
// the key; otherwise what went wrong.
inline QString problemMismatch(const Result<SshPrivateKey> &result, PrivateKeyProblem problem, const QByteArray &text,
                               const QByteArray &password = {})
{
    if (result.ok())
        return u"the key was accepted, expected "_s + privateKeyProblemName(problem);
    const Error &error = result.error();
    const QString reason = error.details.value(u"reason"_s).toString();
    if (error.kind != Error::Kind::InvalidInput)
        return u"error kind is not InvalidInput: "_s + error.message;
    if (reason != privateKeyProblemName(problem))
        return u"reason \"%1\", expected \"%2\": %3"_s.arg(reason, privateKeyProblemName(problem), error.message);
    if (error.message.isEmpty())
        return u"no message"_s;
    if (password.size() >= 4 && error.message.contains(QString::fromUtf8(password)))
        return u"the message holds the password: "_s + error.message;
    for (const QByteArray &line : text.split('\n')) {
        const QByteArray trimmed = line.trimmed();
        if (trimmed.size() >= 24 && !trimmed.startsWith("-----")
            && error.message.contains(QString::fromLatin1(trimmed.mid(4, 16))))
            return u"the message holds key text: "_s + error.message;
    }
    return {};
}

#define VERIFY_PROBLEM(result, problem, text, ...)                                                                     \
    do {                                                                                                               \
        const QString mismatch_ = problemMismatch((result), (problem), (text)__VA_OPT__(, ) __VA_ARGS__);              \
        QVERIFY2(mismatch_.isEmpty(), qPrintable(mismatch_));                                                          \
    } while (false)

struct BaseKey
{
    QString path; // unencrypted openssh-key-v1, made by ssh-keygen
    QByteArray publicLine;
    Listing listing; // ssh-keygen -l -E sha256 of it
};

class PrivateKeyTest : public QObject
{
protected:
    // A copy of the base key of `type` in `format`, encrypted with `passphrase` when not empty.
    QString variant(const QString &type, const QString &format, const QByteArray &passphrase)
    {
        const BaseKey &base = m_base[type];
        const QString path = pathFor(u"variant-%1"_s.arg(++m_made));
        const QString pass = QString::fromUtf8(passphrase);

        if (type == u"ed25519"_s && format != u"openssh"_s) {
            // ssh-keygen writes Ed25519 only as openssh-key-v1: the test builds the PKCS#8 form of
            // the same key itself (RFC 8410: a fixed prefix, then the 32-byte seed).
            const std::optional<Container> c = splitOpenSsh(readFile(base.path));
            if (!c)
                return {};
            const QList<qsizetype> offsets = sectionStringOffsets(c->privateSection);
            qsizetype at = offsets.value(2, -1);
            const std::optional<QByteArray> secret = at < 0 ? std::nullopt : wireTake(c->privateSection, at);
            if (!secret || secret->size() != 64)
                return {};
            const QByteArray der = QByteArray::fromHex("302e020100300506032b657004220420") + secret->left(32);
            const QByteArray pem = "-----BEGIN PRIVATE KEY-----\n" + der.toBase64() + "\n-----END PRIVATE KEY-----\n";
            if (!writeFile(path + u".plain"_s, pem))
                return {};
            QStringList arguments{u"pkcs8"_s, u"-topk8"_s, u"-in"_s, path + u".plain"_s, u"-out"_s, path};
            arguments << (passphrase.isEmpty()
                              ? QStringList{u"-nocrypt"_s}
                              : QStringList{u"-v2"_s, u"aes-256-cbc"_s, u"-passout"_s, u"pass:"_s + pass});
            return run(m_openssl, arguments).exitCode == 0 ? path : QString();
        }

        if (!writeFile(path, readFile(base.path)))
            return {};
        if (format == u"openssl-pkcs8"_s) {
            // ssh-keygen writes the unencrypted PKCS#8, the openssl tool encrypts it (PBES2, AES-256-CBC).
            if (run(m_sshKeygen,
                    {u"-p"_s, u"-q"_s, u"-P"_s, QString(), u"-N"_s, QString(), u"-m"_s, u"PKCS8"_s, u"-f"_s, path})
                    .exitCode
                != 0)
                return {};
            const QString out = path + u".openssl"_s;
            QStringList arguments{u"pkcs8"_s, u"-topk8"_s, u"-in"_s, path, u"-out"_s, out};
            arguments << (passphrase.isEmpty()
                              ? QStringList{u"-nocrypt"_s}
                              : QStringList{u"-v2"_s, u"aes-256-cbc"_s, u"-passout"_s, u"pass:"_s + pass});
            if (run(m_openssl, arguments).exitCode != 0 || !writeFile(path, readFile(out)))
                return {};
            return path;
        }
        if (format == u"openssh"_s && passphrase.isEmpty())
            return path;
        QStringList arguments{u"-p"_s, u"-q"_s, u"-P"_s, QString(), u"-N"_s, pass, u"-f"_s, path};
        if (format == u"pkcs1"_s)
            arguments << u"-m"_s << u"PEM"_s;
        else if (format == u"pkcs8"_s)
            arguments << u"-m"_s << u"PKCS8"_s;
        return run(m_sshKeygen, arguments).exitCode == 0 ? path : QString();
    }

    QString sshKeygenPublicLine(const QString &path, const QByteArray &passphrase)
    {
        const Finished derived = run(m_sshKeygen, {u"-y"_s, u"-P"_s, QString::fromUtf8(passphrase), u"-f"_s, path});
        return derived.exitCode == 0 ? QString::fromLatin1(derived.out.trimmed()) : QString();
    }
    QString pathFor(const QString &name) const { return m_dir.filePath(name); }

    // One key per type, made once by ssh-keygen: for initTestCase.
    void makeBaseKeys()
    {
        QVERIFY(m_dir.isValid());
        m_sshKeygen = QStandardPaths::findExecutable(u"ssh-keygen"_s);
        m_openssl = QStandardPaths::findExecutable(u"openssl"_s);
        QVERIFY2(!m_sshKeygen.isEmpty(), "ssh-keygen (openssh-client) is needed");
        QVERIFY2(!m_openssl.isEmpty(), "the openssl tool is needed");

        // One key per type, made once: every format below is a conversion of the same key,
        // so all of them must give ssh-keygen's fingerprint of it.
        const QList<std::pair<QString, QStringList>> types{
            {u"ed25519"_s, {u"-t"_s, u"ed25519"_s}},
            {u"ecdsa-256"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"256"_s}},
            {u"ecdsa-384"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"384"_s}},
            {u"ecdsa-521"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"521"_s}},
            {u"rsa-3072"_s, {u"-t"_s, u"rsa"_s, u"-b"_s, u"3072"_s}},
        };
        for (const auto &[name, arguments] : types) {
            BaseKey base;
            base.path = pathFor(u"base-"_s + name);
            const Finished made
                = run(m_sshKeygen,
                      QStringList{u"-q"_s, u"-N"_s, QString(), u"-C"_s, Comment, u"-f"_s, base.path} + arguments);
            QVERIFY2(made.exitCode == 0, made.err.constData());
            base.publicLine = readFile(base.path + u".pub"_s).trimmed();
            base.listing
                = parseListing(run(m_sshKeygen, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, base.path + u".pub"_s}).out);
            QVERIFY(base.listing.fingerprint.startsWith(u"SHA256:"_s));
            m_base.insert(name, base);
        }
    }

    QTemporaryDir m_dir;
    QString m_sshKeygen;
    QString m_openssl;
    QHash<QString, BaseKey> m_base;
    int m_made = 0;
};

} // namespace keystead::test
