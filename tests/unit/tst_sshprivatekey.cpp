#include "TestDatabase.h"

#include "ssh/SshPrivateKey.h"

#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <optional>

using namespace Qt::StringLiterals;
using namespace keystead;

namespace {

const QString Comment = u"tester@keystead"_s;
const QByteArray Passphrase = "correct horse 1";

struct Finished
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Finished run(const QString &program, const QStringList &arguments)
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

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// 0600, or ssh-keygen refuses to read a private key.
bool writeFile(const QString &path, const QByteArray &data)
{
    QFile::remove(path);
    QFile file(path);
    return file.open(QIODevice::WriteOnly, QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        && file.write(data) == data.size();
}

// ---- the test's own openssh-key-v1 reader and writer, independent of the code under test ----

QByteArray wireLength(quint32 size)
{
    QByteArray out(4, '\0');
    out[0] = char((size >> 24) & 0xff);
    out[1] = char((size >> 16) & 0xff);
    out[2] = char((size >> 8) & 0xff);
    out[3] = char(size & 0xff);
    return out;
}

QByteArray wireString(const QByteArray &value)
{
    return wireLength(static_cast<quint32>(value.size())) + value;
}

quint32 wireUint32(const QByteArray &data, qsizetype at)
{
    const auto *p = reinterpret_cast<const unsigned char *>(data.constData()) + at;
    return (quint32{p[0]} << 24) | (quint32{p[1]} << 16) | (quint32{p[2]} << 8) | quint32{p[3]};
}

// Reads a string at `at` and moves past it; nullopt past the end.
std::optional<QByteArray> wireTake(const QByteArray &data, qsizetype &at)
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

QByteArray armorBody(const QByteArray &text)
{
    QByteArray base64;
    for (const QByteArray &line : text.split('\n')) {
        if (!line.startsWith("-----"))
            base64 += line.trimmed();
    }
    return QByteArray::fromBase64(base64);
}

std::optional<Container> splitOpenSsh(const QByteArray &text)
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

QByteArray joinOpenSsh(const Container &c)
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
QList<qsizetype> sectionStringOffsets(const QByteArray &section)
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

QByteArray blobOfLine(const QByteArray &line)
{
    return QByteArray::fromBase64(line.trimmed().split(' ').value(1));
}

// ssh-keygen -l: "256 SHA256:xxxx comment (ED25519)".
struct Listing
{
    int bits = 0;
    QString fingerprint;
    QString label;
    QString line;
};

Listing parseListing(const QByteArray &out)
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

// Empty when `result` failed for `problem` in words that give away neither the password nor
// the key; otherwise what went wrong.
QString problemMismatch(const Result<SshPrivateKey> &result, PrivateKeyProblem problem, const QByteArray &text,
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

} // namespace

class TestSshPrivateKey final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void everyFormatMatchesSshKeygen_data();
    void everyFormatMatchesSshKeygen();
    void openSshCiphers_data();
    void openSshCiphers();
    void lineEndingsAndBlanks_data();
    void lineEndingsAndBlanks();
    void seedExampleIsRefusedPlainly();
    void ecParametersBlockIsSkipped();
    void garbage_data();
    void garbage();
    void truncatedKeys_data();
    void truncatedKeys();
    void damagedKeys();
    void publicKeyGivenAsPrivate_data();
    void publicKeyGivenAsPrivate();
    void dsaIsRefused();
    void securityKeysAreRefused();
    void otherFormsAreRefused();
    void excessiveKdfRoundsAreRefused();
    void oversizeTextIsRefusedUnread();
    void legacyPkcs8CipherIsUnsupported();
    void generate_data();
    void generate();
    void generateRefusesNulInPassphrase();

private:
    // A copy of the base key of `type` in `format`, encrypted with `passphrase` when not empty.
    QString variant(const QString &type, const QString &format, const QByteArray &passphrase);
    QString sshKeygenPublicLine(const QString &path, const QByteArray &passphrase);
    QString pathFor(const QString &name) const { return m_dir.filePath(name); }

    QTemporaryDir m_dir;
    QString m_sshKeygen;
    QString m_openssl;
    QHash<QString, BaseKey> m_base;
    int m_made = 0;
};

void TestSshPrivateKey::initTestCase()
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
        const Finished made = run(
            m_sshKeygen, QStringList{u"-q"_s, u"-N"_s, QString(), u"-C"_s, Comment, u"-f"_s, base.path} + arguments);
        QVERIFY2(made.exitCode == 0, made.err.constData());
        base.publicLine = readFile(base.path + u".pub"_s).trimmed();
        base.listing
            = parseListing(run(m_sshKeygen, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, base.path + u".pub"_s}).out);
        QVERIFY(base.listing.fingerprint.startsWith(u"SHA256:"_s));
        m_base.insert(name, base);
    }
}

QString TestSshPrivateKey::variant(const QString &type, const QString &format, const QByteArray &passphrase)
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
        arguments << (passphrase.isEmpty() ? QStringList{u"-nocrypt"_s}
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
        arguments << (passphrase.isEmpty() ? QStringList{u"-nocrypt"_s}
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

QString TestSshPrivateKey::sshKeygenPublicLine(const QString &path, const QByteArray &passphrase)
{
    const Finished derived = run(m_sshKeygen, {u"-y"_s, u"-P"_s, QString::fromUtf8(passphrase), u"-f"_s, path});
    return derived.exitCode == 0 ? QString::fromLatin1(derived.out.trimmed()) : QString();
}

void TestSshPrivateKey::everyFormatMatchesSshKeygen_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("format");
    QTest::addColumn<QByteArray>("passphrase");
    QTest::addColumn<int>("expectedFormat");
    QTest::addColumn<QString>("algorithm");

    const QList<std::pair<QString, QString>> types{
        {u"ed25519"_s, u"ssh-ed25519"_s},
        {u"ecdsa-256"_s, u"ecdsa-sha2-nistp256"_s},
        {u"ecdsa-384"_s, u"ecdsa-sha2-nistp384"_s},
        {u"ecdsa-521"_s, u"ecdsa-sha2-nistp521"_s},
        {u"rsa-3072"_s, u"ssh-rsa"_s},
    };
    const QList<std::pair<QString, PrivateKeyFormat>> formats{
        {u"openssh"_s, PrivateKeyFormat::OpenSsh}, // ssh-keygen's default
        {u"pkcs1"_s, PrivateKeyFormat::PemPkcs1}, // ssh-keygen -m PEM
        {u"pkcs8"_s, PrivateKeyFormat::Pkcs8}, // ssh-keygen -m PKCS8 (Ed25519: built by the test)
        {u"openssl-pkcs8"_s, PrivateKeyFormat::Pkcs8}, // openssl pkcs8 -topk8 -v2 aes-256-cbc
    };
    for (const auto &[type, algorithm] : types) {
        for (const auto &[format, expected] : formats) {
            // Ed25519 has no PKCS#1 ("traditional") form at all: ssh-keygen -m PEM writes openssh-key-v1.
            if (type == u"ed25519"_s && format == u"pkcs1"_s)
                continue;
            for (const bool encrypted : {false, true}) {
                const QString tag = type + u'/' + format + (encrypted ? u"/passphrase"_s : u"/plain"_s);
                QTest::newRow(qPrintable(tag))
                    << type << format << (encrypted ? Passphrase : QByteArray()) << int(expected) << algorithm;
            }
        }
    }
}

void TestSshPrivateKey::everyFormatMatchesSshKeygen()
{
    QFETCH(QString, type);
    QFETCH(QString, format);
    QFETCH(QByteArray, passphrase);
    QFETCH(int, expectedFormat);
    QFETCH(QString, algorithm);

    const QString path = variant(type, format, passphrase);
    QVERIFY2(!path.isEmpty(), "the tools could not write the key in this form");
    const QByteArray text = readFile(path);
    const BaseKey &base = m_base[type];
    const bool encrypted = !passphrase.isEmpty();

    const Result<SshPrivateKey> key = SshPrivateKey::parse(text, passphrase);
    KEYSTEAD_VERIFY_OK(key);
    QCOMPARE(int(key->format()), expectedFormat);
    QCOMPARE(key->isEncrypted(), encrypted);
    QCOMPARE(key->publicKey().algorithm(), algorithm);
    QCOMPARE(key->publicKey().fingerprintSha256(), base.listing.fingerprint);
    QCOMPARE(key->publicKey().bits(), base.listing.bits);
    QCOMPARE(key->publicKey().typeLabel(), base.listing.label);
    QCOMPARE(key->publicKey().blob(), blobOfLine(base.publicLine));
    // The comment lives in the private part of openssh-key-v1; libssh, which opens the
    // encrypted ones, does not hand it out.
    QCOMPARE(key->comment(), format == u"openssh"_s && !encrypted ? Comment : QString());

    // The file given to the parser is one ssh-keygen itself reads as the same key.
    if (type == u"ed25519"_s && format != u"openssh"_s) {
        // OpenSSH 9.2 reads no PKCS#8 Ed25519 key: the openssl tool vouches for it instead.
        const Finished pub
            = run(m_openssl,
                  {u"pkey"_s, u"-in"_s, path, u"-pubout"_s, u"-passin"_s, u"pass:"_s + QString::fromUtf8(passphrase)});
        QCOMPARE(pub.exitCode, 0);
        const Result<QString> pem = key->publicKey().pem();
        KEYSTEAD_VERIFY_OK(pem);
        QCOMPARE(*pem, QString::fromLatin1(pub.out));
    } else {
        const QString line = sshKeygenPublicLine(path, passphrase);
        QVERIFY2(!line.isEmpty(), "ssh-keygen -y could not read the key");
        QCOMPARE(blobOfLine(line.toLatin1()), key->publicKey().blob());
    }

    if (encrypted) {
        VERIFY_PROBLEM(SshPrivateKey::parse(text), PrivateKeyProblem::PasswordRequired, text);
        const QByteArray wrong = "not " + passphrase;
        VERIFY_PROBLEM(SshPrivateKey::parse(text, wrong), PrivateKeyProblem::WrongPassword, text, wrong);
    } else {
        const QByteArray needless = "needless password";
        VERIFY_PROBLEM(SshPrivateKey::parse(text, needless), PrivateKeyProblem::PasswordNotNeeded, text, needless);
    }
}

void TestSshPrivateKey::openSshCiphers_data()
{
    QTest::addColumn<QString>("cipher");
    QTest::addColumn<bool>("supported");
    for (const char *cipher :
         {"aes256-ctr", "aes192-ctr", "aes128-ctr", "aes256-cbc", "aes192-cbc", "aes128-cbc", "3des-cbc"})
        QTest::newRow(cipher) << QString::fromLatin1(cipher) << true;
    // libssh 0.10 crashes on these (a NULL cipher function): they must be refused before it runs.
    for (const char *cipher : {"aes256-gcm@openssh.com", "aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com"})
        QTest::newRow(cipher) << QString::fromLatin1(cipher) << false;
}

void TestSshPrivateKey::openSshCiphers()
{
    QFETCH(QString, cipher);
    QFETCH(bool, supported);
    const BaseKey &base = m_base[u"ecdsa-256"_s];
    const QString path = pathFor(u"cipher-"_s + cipher);
    QVERIFY(writeFile(path, readFile(base.path)));
    const Finished encrypted = run(
        m_sshKeygen,
        {u"-p"_s, u"-q"_s, u"-P"_s, QString(), u"-N"_s, QString::fromUtf8(Passphrase), u"-Z"_s, cipher, u"-f"_s, path});
    if (encrypted.exitCode != 0)
        QSKIP("this ssh-keygen does not offer the cipher");
    const QByteArray text = readFile(path);
    QCOMPARE(splitOpenSsh(text).value_or(Container()).cipher, cipher.toLatin1());

    const Result<SshPrivateKey> key = SshPrivateKey::parse(text, Passphrase);
    if (!supported) {
        VERIFY_PROBLEM(key, PrivateKeyProblem::Unsupported, text, Passphrase);
        QVERIFY(key.error().message.contains(cipher));
        return;
    }
    KEYSTEAD_VERIFY_OK(key);
    QVERIFY(key->isEncrypted());
    QCOMPARE(key->publicKey().fingerprintSha256(), base.listing.fingerprint);
    VERIFY_PROBLEM(SshPrivateKey::parse(text, "wrong password"), PrivateKeyProblem::WrongPassword, text);
}

void TestSshPrivateKey::lineEndingsAndBlanks_data()
{
    QTest::addColumn<QString>("format");
    QTest::addColumn<QByteArray>("passphrase");
    QTest::addColumn<QString>("change");
    for (const char *change :
         {"lf", "crlf", "cr", "escaped-cr", "escaped-crlf", "escaped-lf", "surrounding-blanks", "indented", "bom"}) {
        QTest::newRow(qPrintable(u"openssh/"_s + QLatin1StringView(change)))
            << u"openssh"_s << QByteArray() << QString::fromLatin1(change);
        // The PKCS#1 form has header lines: they must survive every change too.
        QTest::newRow(qPrintable(u"pkcs1-encrypted/"_s + QLatin1StringView(change)))
            << u"pkcs1"_s << Passphrase << QString::fromLatin1(change);
    }
    QTest::newRow("openssh/one-line") << u"openssh"_s << QByteArray() << u"one-line"_s;
    QTest::newRow("pkcs8/one-line") << u"pkcs8"_s << QByteArray() << u"one-line"_s;
}

void TestSshPrivateKey::lineEndingsAndBlanks()
{
    QFETCH(QString, format);
    QFETCH(QByteArray, passphrase);
    QFETCH(QString, change);

    const QString path = variant(u"rsa-3072"_s, format, passphrase);
    QVERIFY(!path.isEmpty());
    QByteArray text = readFile(path);
    QVERIFY(!text.contains('\r'));
    if (change == u"crlf"_s)
        text.replace("\n", "\r\n");
    else if (change == u"cr"_s) // as the seed's examples have it
        text.replace('\n', '\r');
    else if (change == u"escaped-cr"_s) // the two characters \ and r, as copied from documentation
        text.replace("\n", "\\r");
    else if (change == u"escaped-crlf"_s)
        text.replace("\n", "\\r\\n");
    else if (change == u"escaped-lf"_s)
        text.replace("\n", "\\n");
    else if (change == u"surrounding-blanks"_s)
        text = " \n\t\r\n" + text + "\n\n  \t";
    else if (change == u"indented"_s)
        text = "    " + text.replace("\n", "\n    ") + "   ";
    else if (change == u"bom"_s)
        text = "\xEF\xBB\xBF" + text;
    else if (change == u"one-line"_s)
        text.replace('\n', ' ');

    const Result<SshPrivateKey> key = SshPrivateKey::parse(text, passphrase);
    KEYSTEAD_VERIFY_OK(key);
    QCOMPARE(key->publicKey().fingerprintSha256(), m_base[u"rsa-3072"_s].listing.fingerprint);
}

void TestSshPrivateKey::seedExampleIsRefusedPlainly()
{
    // The seed's own example, with its bare \r line ends: base64 of no real key.
    const QByteArray example
        = "-----BEGIN OPENSSH PRIVATE "
          "KEY-----\rcTA9Vb5aA0kXaK2HEjGUWgeCBG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\r"
          "QyNTUxOQAAACCLABE9/nb3BlbnNzaC1rZXktdjEAAAAAxtPOCkR2sGccAAAAKi5DXJnuQ1y\r\nZwAAAAtzc2gtZWQyNTUxOQAAACCLABE9/"
          "cTA9VTGVpdGVGZXJyZWlyYUBIUjFTUkb5aA0kXaK2HEjGUWgeCxtPOCkR2sGccA\rDgaNiGsvbkkkXhepU2NQi3iZ4sAET39xMD1VvloDSRd"
          "orYc"
          "\rSMZRaB4LG084KRHawZxwAAAAI0F6dXJlQUQrRGVib3JhAAAECc20zsB7FuSJQAqhLxe\rgzAQI=\r-----END OPENSSH PRIVATE "
          "KEY-----";
    VERIFY_PROBLEM(SshPrivateKey::parse(example), PrivateKeyProblem::Unreadable, example);
    VERIFY_PROBLEM(SshPrivateKey::parse(example, "fkjwe87a5a8fa9a"), PrivateKeyProblem::Unreadable, example,
                   "fkjwe87a5a8fa9a");
}

void TestSshPrivateKey::ecParametersBlockIsSkipped()
{
    // `openssl ecparam -genkey` writes an EC PARAMETERS block before the key.
    const QString path = pathFor(u"ecparam.pem"_s);
    const Finished made = run(m_openssl, {u"ecparam"_s, u"-genkey"_s, u"-name"_s, u"secp384r1"_s, u"-out"_s, path});
    QCOMPARE(made.exitCode, 0);
    QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    const QByteArray text = readFile(path);
    QVERIFY(text.startsWith("-----BEGIN EC PARAMETERS-----"));
    const Result<SshPrivateKey> key = SshPrivateKey::parse(text);
    KEYSTEAD_VERIFY_OK(key);
    QCOMPARE(key->format(), PrivateKeyFormat::PemPkcs1);
    const QString line = sshKeygenPublicLine(path, {});
    QVERIFY(!line.isEmpty());
    QCOMPARE(key->publicKey().blob(), blobOfLine(line.toLatin1()));
}

void TestSshPrivateKey::garbage_data()
{
    QTest::addColumn<QByteArray>("text");
    QByteArray random(3000, '\0');
    for (qsizetype i = 0; i < random.size(); ++i)
        random[i] = char((i * 7919 + 13) % 256);
    const QByteArray randomBase64 = random.left(600).toBase64();
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("blanks") << QByteArray(" \r\n\t ");
    QTest::newRow("words") << QByteArray("my key is in the other file");
    QTest::newRow("binary") << random;
    for (const char *label :
         {"OPENSSH PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"}) {
        const QByteArray l(label);
        QTest::newRow(qPrintable(u"random base64 in "_s + QLatin1StringView(label)))
            << "-----BEGIN " + l + "-----\n" + randomBase64 + "\n-----END " + l + "-----\n";
        QTest::newRow(qPrintable(u"not base64 in "_s + QLatin1StringView(label)))
            << "-----BEGIN " + l + "-----\n!!!! this is not base64 ????\n-----END " + l + "-----\n";
        QTest::newRow(qPrintable(u"empty "_s + QLatin1StringView(label)))
            << "-----BEGIN " + l + "-----\n-----END " + l + "-----\n";
    }
    QTest::newRow("mismatched END") << "-----BEGIN PRIVATE KEY-----\n" + randomBase64
            + "\n-----END RSA PRIVATE KEY-----";
    QTest::newRow("BEGIN only") << QByteArray("-----BEGIN OPENSSH PRIVATE KEY-----");
    QTest::newRow("lower-case label") << "-----BEGIN openssh private key-----\n" + randomBase64
            + "\n-----END openssh private key-----";
    QTest::newRow("encrypted PKCS#1 with a bad DEK-Info")
        << "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: NO-SUCH-CIPHER,00\n\n" + randomBase64
            + "\n-----END RSA PRIVATE KEY-----";
    QTest::newRow("X.509 certificate") << "-----BEGIN CERTIFICATE-----\n" + randomBase64
            + "\n-----END CERTIFICATE-----";
}

void TestSshPrivateKey::garbage()
{
    QFETCH(QByteArray, text);
    VERIFY_PROBLEM(SshPrivateKey::parse(text), PrivateKeyProblem::Unreadable, text);
    // A password never turns garbage into a password problem.
    VERIFY_PROBLEM(SshPrivateKey::parse(text, "some password"), PrivateKeyProblem::Unreadable, text, "some password");
}

void TestSshPrivateKey::truncatedKeys_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("format");
    QTest::addColumn<QByteArray>("passphrase");
    QTest::newRow("openssh") << u"ed25519"_s << u"openssh"_s << QByteArray();
    QTest::newRow("openssh/rsa") << u"rsa-3072"_s << u"openssh"_s << QByteArray();
    QTest::newRow("openssh/passphrase") << u"ecdsa-384"_s << u"openssh"_s << Passphrase;
    QTest::newRow("pkcs1") << u"rsa-3072"_s << u"pkcs1"_s << QByteArray();
    QTest::newRow("pkcs8") << u"ecdsa-521"_s << u"pkcs8"_s << QByteArray();
    QTest::newRow("pkcs8/passphrase") << u"ecdsa-256"_s << u"pkcs8"_s << Passphrase;
}

void TestSshPrivateKey::truncatedKeys()
{
    QFETCH(QString, type);
    QFETCH(QString, format);
    QFETCH(QByteArray, passphrase);
    const QString path = variant(type, format, passphrase);
    QVERIFY(!path.isEmpty());
    const QByteArray text = readFile(path);
    const QList<QByteArray> lines = text.trimmed().split('\n');
    const QByteArray begin = lines.first();
    const QByteArray end = lines.last();
    QByteArray base64;
    for (qsizetype i = 1; i + 1 < lines.size(); ++i)
        base64 += lines[i];

    // Cut anywhere, the END line gone: the copy was cut short.
    VERIFY_PROBLEM(SshPrivateKey::parse(text.left(text.size() / 2), passphrase), PrivateKeyProblem::Unreadable, text,
                   passphrase);
    // Cut inside the data, END line kept and the base64 still well formed: the key's own
    // structure must show the loss, with or without the password.
    for (int percent = 5; percent < 100; percent += 5) {
        const qsizetype keep = (base64.size() * percent / 100) / 4 * 4;
        const QByteArray cut = begin + '\n' + base64.left(keep) + '\n' + end + '\n';
        const QString what = u"cut at %1%: "_s.arg(percent);
        QString mismatch
            = problemMismatch(SshPrivateKey::parse(cut, passphrase), PrivateKeyProblem::Unreadable, cut, passphrase);
        QVERIFY2(mismatch.isEmpty(), qPrintable(what + mismatch));
        mismatch = problemMismatch(SshPrivateKey::parse(cut, "other password"), PrivateKeyProblem::Unreadable, cut);
        QVERIFY2(mismatch.isEmpty(), qPrintable(what + mismatch));
    }
}

void TestSshPrivateKey::damagedKeys()
{
    // Ed25519: a changed seed no longer gives the public key stored beside it.
    {
        std::optional<Container> c = splitOpenSsh(readFile(m_base[u"ed25519"_s].path));
        QVERIFY(c);
        const qsizetype secretAt = sectionStringOffsets(c->privateSection).value(2, -1);
        QVERIFY(secretAt > 0);
        c->privateSection[secretAt + 4 + 5] = char(c->privateSection[secretAt + 4 + 5] ^ 0x01);
        const QByteArray text = joinOpenSsh(*c);
        VERIFY_PROBLEM(SshPrivateKey::parse(text), PrivateKeyProblem::Unreadable, text);
    }
    // ECDSA: a changed private scalar is not the point's.
    {
        std::optional<Container> c = splitOpenSsh(readFile(m_base[u"ecdsa-256"_s].path));
        QVERIFY(c);
        const qsizetype scalarAt = sectionStringOffsets(c->privateSection).value(3, -1);
        QVERIFY(scalarAt > 0);
        c->privateSection[scalarAt + 4 + 10] = char(c->privateSection[scalarAt + 4 + 10] ^ 0x40);
        const QByteArray text = joinOpenSsh(*c);
        VERIFY_PROBLEM(SshPrivateKey::parse(text), PrivateKeyProblem::Unreadable, text);
    }
    // RSA: a changed d, then a changed iqmp, no longer fit n, p and q.
    for (const int field : {3, 4}) {
        std::optional<Container> c = splitOpenSsh(readFile(m_base[u"rsa-3072"_s].path));
        QVERIFY(c);
        const qsizetype at = sectionStringOffsets(c->privateSection).value(field, -1);
        QVERIFY(at > 0);
        c->privateSection[at + 4 + 20] = char(c->privateSection[at + 4 + 20] ^ 0x10);
        const QByteArray text = joinOpenSsh(*c);
        VERIFY_PROBLEM(SshPrivateKey::parse(text), PrivateKeyProblem::Unreadable, text);
    }
    // The public part of one key in front of the private part of another, unencrypted and encrypted.
    {
        std::optional<Container> c = splitOpenSsh(readFile(m_base[u"ecdsa-256"_s].path));
        QVERIFY(c);
        const std::optional<Container> other = splitOpenSsh(readFile(variant(u"ecdsa-256"_s, u"openssh"_s, {})));
        QVERIFY(other);
        QByteArray swapped;
        {
            const QString fresh = pathFor(u"other-ecdsa"_s);
            QCOMPARE(run(m_sshKeygen, {u"-q"_s, u"-t"_s, u"ecdsa"_s, u"-N"_s, QString(), u"-f"_s, fresh}).exitCode, 0);
            swapped = splitOpenSsh(readFile(fresh)).value_or(Container()).publicBlob;
        }
        QVERIFY(!swapped.isEmpty());
        c->publicBlob = swapped;
        QByteArray text = joinOpenSsh(*c);
        VERIFY_PROBLEM(SshPrivateKey::parse(text), PrivateKeyProblem::Unreadable, text);

        std::optional<Container> sealed = splitOpenSsh(readFile(variant(u"ecdsa-256"_s, u"openssh"_s, Passphrase)));
        QVERIFY(sealed);
        QCOMPARE(sealed->cipher, QByteArray("aes256-ctr"));
        sealed->publicBlob = swapped;
        text = joinOpenSsh(*sealed);
        VERIFY_PROBLEM(SshPrivateKey::parse(text, Passphrase), PrivateKeyProblem::Unreadable, text, Passphrase);
    }
    // Trailing text after the END line: a second thing was pasted with the key.
    {
        const QByteArray text = readFile(m_base[u"ed25519"_s].path) + m_base[u"ed25519"_s].publicLine + '\n';
        VERIFY_PROBLEM(SshPrivateKey::parse(text), PrivateKeyProblem::Unreadable, text);
    }
}

void TestSshPrivateKey::publicKeyGivenAsPrivate_data()
{
    QTest::addColumn<QString>("form");
    QTest::newRow("openssh line") << u"line"_s;
    QTest::newRow("RFC 4716") << u"RFC4716"_s;
    QTest::newRow("PEM PKCS8") << u"PKCS8"_s;
    QTest::newRow("PEM PKCS1") << u"PEM"_s;
}

void TestSshPrivateKey::publicKeyGivenAsPrivate()
{
    QFETCH(QString, form);
    const BaseKey &base = m_base[u"rsa-3072"_s];
    QByteArray text = base.publicLine;
    if (form != u"line"_s) {
        const Finished exported = run(m_sshKeygen, {u"-e"_s, u"-m"_s, form, u"-f"_s, base.path + u".pub"_s});
        QCOMPARE(exported.exitCode, 0);
        text = exported.out;
    }
    const Result<SshPrivateKey> key = SshPrivateKey::parse(text);
    VERIFY_PROBLEM(key, PrivateKeyProblem::Unreadable, text);
    QVERIFY2(key.error().message.contains(u"public key"_s), qPrintable(key.error().message));
}

void TestSshPrivateKey::dsaIsRefused()
{
    const QString path = pathFor(u"dsa"_s);
    if (run(m_sshKeygen, {u"-q"_s, u"-t"_s, u"dsa"_s, u"-N"_s, QString(), u"-f"_s, path}).exitCode != 0)
        QSKIP("this ssh-keygen no longer makes DSA keys");
    const QByteArray openssh = readFile(path);
    QList<std::pair<QByteArray, QByteArray>> cases{{openssh, {}}};
    for (const auto &[mode, passphrase] :
         QList<std::pair<QString, QByteArray>>{{u"PEM"_s, {}}, {u"PKCS8"_s, {}}, {u"RFC4716"_s, Passphrase}}) {
        const QString copy = pathFor(u"dsa-"_s + mode);
        QVERIFY(writeFile(copy, openssh));
        QCOMPARE(run(m_sshKeygen,
                     {u"-p"_s, u"-q"_s, u"-P"_s, QString(), u"-N"_s, QString::fromUtf8(passphrase), u"-m"_s, mode,
                      u"-f"_s, copy})
                     .exitCode,
                 0);
        cases.append({readFile(copy), passphrase});
    }
    QVERIFY(cases[1].first.startsWith("-----BEGIN DSA PRIVATE KEY-----"));
    QVERIFY(cases[2].first.startsWith("-----BEGIN PRIVATE KEY-----"));
    for (const auto &[text, passphrase] : cases) {
        const Result<SshPrivateKey> key = SshPrivateKey::parse(text, passphrase);
        VERIFY_PROBLEM(key, PrivateKeyProblem::Unsupported, text, passphrase);
        QVERIFY2(key.error().message.contains(u"DSA"_s), qPrintable(key.error().message));
    }
    // An encrypted DSA key is refused as DSA before any password is asked for.
    VERIFY_PROBLEM(SshPrivateKey::parse(cases[3].first), PrivateKeyProblem::Unsupported, cases[3].first);
}

void TestSshPrivateKey::securityKeysAreRefused()
{
    // No FIDO token here: the test writes an openssh-key-v1 file of an sk-ssh-ed25519 key itself.
    const QByteArray publicKey(32, '\x11');
    const QByteArray blob = wireString("sk-ssh-ed25519@openssh.com") + wireString(publicKey) + wireString("ssh:");
    QByteArray section = wireLength(0x01020304) + wireLength(0x01020304) + wireString("sk-ssh-ed25519@openssh.com")
        + wireString(publicKey) + wireString("ssh:") + QByteArray(1, '\x01') + wireString(QByteArray(32, '\x22'))
        + wireString({}) + wireString("tester");
    for (char pad = 1; section.size() % 8 != 0; ++pad)
        section += pad;
    const QByteArray text = joinOpenSsh(Container{"none", "none", {}, blob, section});
    const Result<SshPrivateKey> key = SshPrivateKey::parse(text);
    VERIFY_PROBLEM(key, PrivateKeyProblem::Unsupported, text);
    QVERIFY2(key.error().message.contains(u"security-key"_s), qPrintable(key.error().message));
}

void TestSshPrivateKey::otherFormsAreRefused()
{
    const QByteArray putty = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: x\nPublic-Lines: 2\n";
    VERIFY_PROBLEM(SshPrivateKey::parse(putty), PrivateKeyProblem::Unsupported, putty);
    const QByteArray sshCom = "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nP2/56wAAAA==\n---- END SSH2 ENCRYPTED "
                              "PRIVATE KEY ----\n";
    VERIFY_PROBLEM(SshPrivateKey::parse(sshCom), PrivateKeyProblem::Unsupported, sshCom);

    // A PKCS#8 key of an algorithm SSH does not use (X25519 is for key agreement).
    const QString path = pathFor(u"x25519.pem"_s);
    QCOMPARE(run(m_openssl, {u"genpkey"_s, u"-algorithm"_s, u"x25519"_s, u"-out"_s, path}).exitCode, 0);
    const QByteArray x25519 = readFile(path);
    VERIFY_PROBLEM(SshPrivateKey::parse(x25519), PrivateKeyProblem::Unsupported, x25519);

    // An ECDSA key on a curve OpenSSH does not use.
    const QString k1 = pathFor(u"secp256k1.pem"_s);
    QCOMPARE(
        run(m_openssl,
            {u"genpkey"_s, u"-algorithm"_s, u"EC"_s, u"-pkeyopt"_s, u"ec_paramgen_curve:secp256k1"_s, u"-out"_s, k1})
            .exitCode,
        0);
    const QByteArray secp256k1 = readFile(k1);
    VERIFY_PROBLEM(SshPrivateKey::parse(secp256k1), PrivateKeyProblem::Unsupported, secp256k1);

    // RSA under OpenSSH's floor of 1024 bits.
    const QString small = pathFor(u"rsa-768.pem"_s);
    QCOMPARE(run(m_openssl,
                 {u"genpkey"_s, u"-algorithm"_s, u"RSA"_s, u"-pkeyopt"_s, u"rsa_keygen_bits:768"_s, u"-out"_s, small})
                 .exitCode,
             0);
    const QByteArray rsa768 = readFile(small);
    const Result<SshPrivateKey> refused = SshPrivateKey::parse(rsa768);
    VERIFY_PROBLEM(refused, PrivateKeyProblem::Unsupported, rsa768);
    QVERIFY(refused.error().message.contains(u"1024"_s));
}

void TestSshPrivateKey::excessiveKdfRoundsAreRefused()
{
    const QByteArray original = readFile(variant(u"ed25519"_s, u"openssh"_s, Passphrase));
    std::optional<Container> c = splitOpenSsh(original);
    QVERIFY(c);
    QCOMPARE(c->kdf, QByteArray("bcrypt"));
    qsizetype at = 0;
    const std::optional<QByteArray> salt = wireTake(c->kdfOptions, at);
    QVERIFY(salt);
    QCOMPARE(wireUint32(c->kdfOptions, at), 16u); // ssh-keygen's default

    // A file naming a million rounds would hold a thread for hours: refused before any work.
    c->kdfOptions = wireString(*salt) + wireLength(1000000);
    QByteArray text = joinOpenSsh(*c);
    const Result<SshPrivateKey> refused = SshPrivateKey::parse(text, Passphrase);
    VERIFY_PROBLEM(refused, PrivateKeyProblem::Unsupported, text, Passphrase);
    QVERIFY(refused.error().message.contains(u"ssh-keygen -p"_s));

    c->kdfOptions = wireString(*salt) + wireLength(0);
    text = joinOpenSsh(*c);
    VERIFY_PROBLEM(SshPrivateKey::parse(text, Passphrase), PrivateKeyProblem::Unreadable, text, Passphrase);
}

void TestSshPrivateKey::oversizeTextIsRefusedUnread()
{
    const QByteArray key = readFile(m_base[u"ed25519"_s].path);
    // A valid key padded with blanks to exactly the limit is still read...
    QByteArray text = key + QByteArray(SshPrivateKey::MaxTextSize - key.size(), ' ');
    QCOMPARE(text.size(), SshPrivateKey::MaxTextSize);
    KEYSTEAD_VERIFY_OK(SshPrivateKey::parse(text));
    // ...and one byte more is refused without being read: the key inside does not matter.
    text += ' ';
    const Result<SshPrivateKey> refused = SshPrivateKey::parse(text);
    VERIFY_PROBLEM(refused, PrivateKeyProblem::Unreadable, text);
    QVERIFY2(refused.error().message.contains(QString::number(SshPrivateKey::MaxTextSize)),
             qPrintable(refused.error().message));
    const QByteArray huge(4 * SshPrivateKey::MaxTextSize, 'A');
    VERIFY_PROBLEM(SshPrivateKey::parse(huge), PrivateKeyProblem::Unreadable, huge);
}

void TestSshPrivateKey::legacyPkcs8CipherIsUnsupported()
{
    // OpenSSL 1.0's default for `openssl pkcs8 -topk8` was PBES1 with MD5 and DES, which OpenSSL 3
    // opens only with its legacy provider: the right password must not be called wrong.
    const QString plain = variant(u"ecdsa-256"_s, u"pkcs8"_s, {});
    const QString out = pathFor(u"legacy.p8"_s);
    const Finished made = run(m_openssl,
                              {u"pkcs8"_s, u"-topk8"_s, u"-v1"_s, u"PBE-MD5-DES"_s, u"-provider"_s, u"legacy"_s,
                               u"-provider"_s, u"default"_s, u"-in"_s, plain, u"-out"_s, out, u"-passout"_s,
                               u"pass:"_s + QString::fromUtf8(Passphrase)});
    if (made.exitCode != 0)
        QSKIP("the openssl tool here has no legacy provider to write the old form with");
    const QByteArray text = readFile(out);
    VERIFY_PROBLEM(SshPrivateKey::parse(text, Passphrase), PrivateKeyProblem::Unsupported, text, Passphrase);
    VERIFY_PROBLEM(SshPrivateKey::parse(text), PrivateKeyProblem::PasswordRequired, text);
}

void TestSshPrivateKey::generate_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<QByteArray>("passphrase");
    QTest::addColumn<QString>("algorithm");
    QTest::addColumn<int>("bits");
    const QList<std::tuple<const char *, GeneratedKeyType, QString, int>> types{
        {"ed25519", GeneratedKeyType::Ed25519, u"ssh-ed25519"_s, 256},
        {"ecdsa-p256", GeneratedKeyType::EcdsaP256, u"ecdsa-sha2-nistp256"_s, 256},
        {"ecdsa-p384", GeneratedKeyType::EcdsaP384, u"ecdsa-sha2-nistp384"_s, 384},
        {"ecdsa-p521", GeneratedKeyType::EcdsaP521, u"ecdsa-sha2-nistp521"_s, 521},
        {"rsa-3072", GeneratedKeyType::Rsa3072, u"ssh-rsa"_s, 3072},
        {"rsa-4096", GeneratedKeyType::Rsa4096, u"ssh-rsa"_s, 4096},
    };
    for (const auto &[name, type, algorithm, bits] : types) {
        // RSA 4096 takes seconds to make: once, with a passphrase (the other path is RSA 3072's).
        if (type != GeneratedKeyType::Rsa4096)
            QTest::newRow(qPrintable(QLatin1StringView(name) + u"/plain"_s))
                << int(type) << QByteArray() << algorithm << bits;
        QTest::newRow(qPrintable(QLatin1StringView(name) + u"/passphrase"_s))
            << int(type) << Passphrase << algorithm << bits;
    }
}

void TestSshPrivateKey::generate()
{
    QFETCH(int, type);
    QFETCH(QByteArray, passphrase);
    QFETCH(QString, algorithm);
    QFETCH(int, bits);
    const auto keyType = static_cast<GeneratedKeyType>(type);
    const QString comment = u"made by Keystead ünïcode"_s;

    const Result<GeneratedKeyPair> pair = generateKeyPair(keyType, passphrase, comment);
    KEYSTEAD_VERIFY_OK(pair);
    QCOMPARE(pair->publicKey.algorithm(), algorithm);
    QCOMPARE(pair->publicKey.bits(), bits);
    const QByteArray &text = pair->privateKeyText;
    QVERIFY(!text.contains(comment.toUtf8())); // the comment is inside the base64, if anywhere

    // What form the text has: openssh-key-v1, except RSA and ECDSA with a passphrase, which
    // libssh 0.10 cannot write so: encrypted PKCS#8 instead.
    const bool pkcs8 = !passphrase.isEmpty() && keyType != GeneratedKeyType::Ed25519;
    QVERIFY(
        text.startsWith(pkcs8 ? "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" : "-----BEGIN OPENSSH PRIVATE KEY-----\n"));
    if (!pkcs8)
        QCOMPARE(splitOpenSsh(text).value_or(Container()).cipher,
                 passphrase.isEmpty() ? QByteArray("none") : QByteArray("aes128-cbc"));

    // ssh-keygen reads it, with the passphrase, as the same public key.
    const QString path = pathFor(u"generated-"_s + QString::fromLatin1(QTest::currentDataTag()).replace(u'/', u'-'));
    QVERIFY(writeFile(path, text));
    const QString line = sshKeygenPublicLine(path, passphrase);
    QVERIFY2(!line.isEmpty(), "ssh-keygen -y cannot read the generated key");
    QCOMPARE(blobOfLine(line.toLatin1()), pair->publicKey.blob());
    QVERIFY(writeFile(path + u".pub"_s, line.toLatin1() + '\n'));
    const Listing listing
        = parseListing(run(m_sshKeygen, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, path + u".pub"_s}).out);
    QCOMPARE(pair->publicKey.fingerprintSha256(), listing.fingerprint);
    QCOMPARE(listing.bits, bits);
    if (!passphrase.isEmpty()) {
        // ssh-keygen refuses a wrong passphrase too: the key really is encrypted with this one.
        QVERIFY(sshKeygenPublicLine(path, "not the passphrase").isEmpty());
    } else {
        // The comment went into the key, as ssh-keygen -C would put it.
        QFile::remove(path + u".pub"_s);
        const Finished listed = run(m_sshKeygen, {u"-l"_s, u"-f"_s, path});
        QCOMPARE(listed.exitCode, 0);
        QVERIFY2(QString::fromUtf8(listed.out).contains(comment), listed.out.constData());
    }

    // And the console reads back what it made.
    const Result<SshPrivateKey> parsed = SshPrivateKey::parse(text, passphrase);
    KEYSTEAD_VERIFY_OK(parsed);
    QCOMPARE(parsed->publicKey(), pair->publicKey);
    QCOMPARE(parsed->isEncrypted(), !passphrase.isEmpty());
    QCOMPARE(parsed->format(), pkcs8 ? PrivateKeyFormat::Pkcs8 : PrivateKeyFormat::OpenSsh);
    QCOMPARE(parsed->comment(), passphrase.isEmpty() ? comment : QString());
    if (!passphrase.isEmpty())
        VERIFY_PROBLEM(SshPrivateKey::parse(text, "not the passphrase"), PrivateKeyProblem::WrongPassword, text);
}

void TestSshPrivateKey::generateRefusesNulInPassphrase()
{
    const Result<GeneratedKeyPair> pair
        = generateKeyPair(GeneratedKeyType::Ed25519, QByteArray("pass\0word", 9), u"x"_s);
    QVERIFY(!pair.ok());
    QCOMPARE(pair.error().kind, Error::Kind::InvalidInput);
}

QTEST_GUILESS_MAIN(TestSshPrivateKey)
#include "tst_sshprivatekey.moc"
