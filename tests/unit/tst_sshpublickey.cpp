#include "KeyMaterial.h"
#include "TestDatabase.h"

#include "ssh/SshPublicKey.h"

#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <array>
#include <random>
#include <vector>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

namespace {

// The strings of a well-formed blob the test made itself.
QList<QByteArray> wireStrings(const QByteArray &blob)
{
    QList<QByteArray> strings;
    qsizetype at = 0;
    while (at + 4 <= blob.size()) {
        const auto *p = reinterpret_cast<const unsigned char *>(blob.constData()) + at;
        const qsizetype size = qsizetype((quint32{p[0]} << 24) | (quint32{p[1]} << 16) | (quint32{p[2]} << 8) | p[3]);
        strings.append(blob.mid(at + 4, size));
        at += 4 + size;
    }
    return strings;
}

// A QByteArray keeps a NUL past its end, which would hide a one-byte over-read from
// the sanitizer: this parses from a heap block of exactly the blob's size.
Result<SshPublicKey> fromExactBuffer(const QByteArray &blob)
{
    const std::vector<char> exact(blob.begin(), blob.end());
    // The key outlives the buffer: the sanitizer also catches a key that still points into it.
    return SshPublicKey::fromBlob(QByteArray::fromRawData(exact.data(), blob.size()));
}

QString commentOfExport(const QString &exported)
{
    for (const QString &line : exported.split(u'\n')) {
        if (line.startsWith(u"Comment: \""_s) && line.endsWith(u'"'))
            return line.sliced(10, line.size() - 11);
    }
    return {};
}

QString withoutHeaders(const QString &exported)
{
    QStringList kept;
    for (const QString &line : exported.split(u'\n')) {
        if (!line.contains(u':'))
            kept.append(line);
    }
    return kept.join(u'\n');
}

} // namespace

class TestSshPublicKey final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void matchesSshKeygen_data();
    void matchesSshKeygen();
    void securityKeysMatchSshKeygen_data();
    void securityKeysMatchSshKeygen();
    void ed25519PemMatchesOpenSsl();
    void authorizedKeysOptions_data();
    void authorizedKeysOptions();
    void lineTypeMustMatchBlob();
    void rfc4716HeadersAndContinuations();
    void longCommentWrapsWithinRfcLimit();
    void certificatesAreRefused();
    void hostileText_data();
    void hostileText();
    void hostileBlobs_data();
    void hostileBlobs();
    void everyTruncationIsRefused();
    void randomMutationsNeverCrash();
    void nullKey();

private:
    // A fresh key made by ssh-keygen; an empty path when this ssh-keygen cannot make it.
    QString generate(const QString &name, const QString &type, int bits);
    Result<SshPublicKey> keyOf(const QString &pubPath, QString *comment = nullptr);

    QTemporaryDir m_dir;
    QString m_sshKeygen;
    QString m_openssl;
};

void TestSshPublicKey::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_sshKeygen = QStandardPaths::findExecutable(u"ssh-keygen"_s);
    m_openssl = QStandardPaths::findExecutable(u"openssl"_s);
    QVERIFY2(!m_sshKeygen.isEmpty(), "ssh-keygen (openssh-client) is needed");
    QVERIFY2(!m_openssl.isEmpty(), "the openssl tool is needed");
}

QString TestSshPublicKey::generate(const QString &name, const QString &type, int bits)
{
    const QString path = m_dir.filePath(name);
    QFile::remove(path);
    QFile::remove(path + u".pub"_s);
    QStringList arguments{u"-q"_s, u"-t"_s, type, u"-N"_s, QString(), u"-C"_s, u"tester@keystead"_s, u"-f"_s, path};
    if (bits > 0)
        arguments << u"-b"_s << QString::number(bits);
    const Finished made = run(m_sshKeygen, arguments);
    return made.exitCode == 0 && QFile::exists(path + u".pub"_s) ? path + u".pub"_s : QString();
}

Result<SshPublicKey> TestSshPublicKey::keyOf(const QString &pubPath, QString *comment)
{
    return SshPublicKey::fromOpenSshLine(QString::fromLatin1(readFile(pubPath)), comment);
}

void TestSshPublicKey::matchesSshKeygen_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<int>("bits");
    QTest::addColumn<QString>("algorithm");
    QTest::addColumn<QString>("label");
    QTest::newRow("ed25519") << u"ed25519"_s << 0 << u"ssh-ed25519"_s << u"ED25519"_s;
    QTest::newRow("ecdsa-256") << u"ecdsa"_s << 256 << u"ecdsa-sha2-nistp256"_s << u"ECDSA"_s;
    QTest::newRow("ecdsa-384") << u"ecdsa"_s << 384 << u"ecdsa-sha2-nistp384"_s << u"ECDSA"_s;
    QTest::newRow("ecdsa-521") << u"ecdsa"_s << 521 << u"ecdsa-sha2-nistp521"_s << u"ECDSA"_s;
    QTest::newRow("rsa-2048") << u"rsa"_s << 2048 << u"ssh-rsa"_s << u"RSA"_s;
    QTest::newRow("rsa-3072") << u"rsa"_s << 3072 << u"ssh-rsa"_s << u"RSA"_s;
    QTest::newRow("dsa") << u"dsa"_s << 1024 << u"ssh-dss"_s << u"DSA"_s;
}

void TestSshPublicKey::matchesSshKeygen()
{
    QFETCH(QString, type);
    QFETCH(int, bits);
    QFETCH(QString, algorithm);
    QFETCH(QString, label);

    const QString pub = generate(u"key-"_s + QString::fromLatin1(QTest::currentDataTag()), type, bits);
    if (pub.isEmpty() && type == u"dsa"_s)
        QSKIP("this ssh-keygen no longer makes DSA keys");
    QVERIFY2(!pub.isEmpty(), "ssh-keygen could not make the key");

    QString comment;
    const Result<SshPublicKey> key = keyOf(pub, &comment);
    KEYSTEAD_VERIFY_OK(key);
    QCOMPARE(key->algorithm(), algorithm);
    QCOMPARE(key->typeLabel(), label);
    QCOMPARE(comment, u"tester@keystead"_s);

    const Listing sha256 = parseListing(run(m_sshKeygen, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, pub}).out);
    QCOMPARE(key->bits(), sha256.bits);
    QCOMPARE(key->typeLabel(), sha256.label);
    QCOMPARE(key->fingerprintSha256(), sha256.fingerprint);
    const Listing md5 = parseListing(run(m_sshKeygen, {u"-l"_s, u"-E"_s, u"md5"_s, u"-f"_s, pub}).out);
    QVERIFY(md5.fingerprint.startsWith(u"MD5:"_s));
    QCOMPARE(key->fingerprintMd5(), md5.fingerprint);

    // RFC 4716: byte for byte, with ssh-keygen's own comment.
    const Finished exported = run(m_sshKeygen, {u"-e"_s, u"-f"_s, pub});
    QCOMPARE(exported.exitCode, 0);
    const QString rfc = QString::fromLatin1(exported.out);
    const QString exportComment = commentOfExport(rfc);
    QVERIFY(!exportComment.isEmpty());
    QCOMPARE(withoutHeaders(key->rfc4716()), withoutHeaders(rfc));
    // ssh-keygen never wraps its Comment line; we do past RFC 4716's 72 bytes.
    if (exportComment.toUtf8().size() + 11 <= 72)
        QCOMPARE(key->rfc4716(exportComment), rfc);

    // PEM: byte for byte what ssh-keygen -e -m PKCS8 writes.
    const Result<QString> pem = key->pem();
    KEYSTEAD_VERIFY_OK(pem);
    const Finished pkcs8 = run(m_sshKeygen, {u"-e"_s, u"-m"_s, u"PKCS8"_s, u"-f"_s, pub});
    if (pkcs8.exitCode == 0) {
        QCOMPARE(*pem, QString::fromLatin1(pkcs8.out));
    } else {
        // OpenSSH 9.2 cannot export Ed25519 as PKCS8; OpenSSL checks ours instead.
        QCOMPARE(type, u"ed25519"_s);
        const QString pemPath = m_dir.filePath(u"ed25519-ours.pem"_s);
        QVERIFY(writeFile(pemPath, pem->toLatin1()));
        const Finished der = run(m_openssl, {u"pkey"_s, u"-pubin"_s, u"-in"_s, pemPath, u"-outform"_s, u"DER"_s});
        QCOMPARE(der.exitCode, 0);
        const QByteArray expectedDer = QByteArray::fromHex("302a300506032b6570032100") + key->blob().right(32);
        QCOMPARE(der.out.toHex(), expectedDer.toHex());
        const Finished again = run(m_openssl, {u"pkey"_s, u"-pubin"_s, u"-in"_s, pemPath, u"-pubout"_s});
        QCOMPARE(QString::fromLatin1(again.out), *pem);
    }

    // Round trips.
    const QString line = QString::fromLatin1(readFile(pub)).trimmed();
    QCOMPARE(key->openSshLine(comment), line);
    const Result<SshPublicKey> fromBlob = SshPublicKey::fromBlob(key->blob());
    KEYSTEAD_VERIFY_OK(fromBlob);
    QCOMPARE(fromBlob->openSshLine(comment), line);
    QCOMPARE(fromBlob->bits(), key->bits());
    QString rfcComment;
    const Result<SshPublicKey> fromRfc = SshPublicKey::fromRfc4716(rfc, &rfcComment);
    KEYSTEAD_VERIFY_OK(fromRfc);
    QVERIFY(*fromRfc == *key);
    QCOMPARE(rfcComment, exportComment);
    QCOMPARE(fromRfc->rfc4716(rfcComment), key->rfc4716(exportComment));
    const Result<SshPublicKey> parsed = SshPublicKey::parse(rfc);
    KEYSTEAD_VERIFY_OK(parsed);
    QVERIFY(*parsed == *key);
    // ssh-keygen reads our RFC 4716 back to the same key.
    const QString ourRfc = m_dir.filePath(u"ours.rfc"_s);
    QVERIFY(writeFile(ourRfc, key->rfc4716(exportComment).toUtf8()));
    QCOMPARE(QString::fromLatin1(run(m_sshKeygen, {u"-i"_s, u"-f"_s, ourRfc}).out).trimmed(), key->openSshLine());
}

void TestSshPublicKey::securityKeysMatchSshKeygen_data()
{
    QTest::addColumn<QString>("baseType");
    QTest::addColumn<int>("baseBits");
    QTest::addColumn<QString>("algorithm");
    QTest::addColumn<QString>("label");
    QTest::newRow("ed25519-sk") << u"ed25519"_s << 0 << u"sk-ssh-ed25519@openssh.com"_s << u"ED25519-SK"_s;
    QTest::newRow("ecdsa-sk") << u"ecdsa"_s << 256 << u"sk-ecdsa-sha2-nistp256@openssh.com"_s << u"ECDSA-SK"_s;
}

// No FIDO token here: the -sk public keys are built from real keys' points, and ssh-keygen,
// which reads -sk public keys without a token, is the judge.
void TestSshPublicKey::securityKeysMatchSshKeygen()
{
    QFETCH(QString, baseType);
    QFETCH(int, baseBits);
    QFETCH(QString, algorithm);
    QFETCH(QString, label);

    const QString basePub = generate(u"sk-base-"_s + baseType, baseType, baseBits);
    QVERIFY(!basePub.isEmpty());
    const QList<QByteArray> parts = wireStrings(blobOfLine(readFile(basePub)));
    QByteArray blob = wireString(algorithm.toLatin1());
    for (qsizetype i = 1; i < parts.size(); ++i)
        blob += wireString(parts[i]);
    blob += wireString("ssh:");
    const QString pub = m_dir.filePath(u"sk.pub"_s);
    QVERIFY(writeFile(pub, algorithm.toLatin1() + ' ' + blob.toBase64() + " sk@keystead\n"));

    QString comment;
    const Result<SshPublicKey> key = keyOf(pub, &comment);
    KEYSTEAD_VERIFY_OK(key);
    QCOMPARE(key->algorithm(), algorithm);
    QCOMPARE(key->application(), u"ssh:"_s);
    QCOMPARE(comment, u"sk@keystead"_s);

    const Listing sha256 = parseListing(run(m_sshKeygen, {u"-l"_s, u"-E"_s, u"sha256"_s, u"-f"_s, pub}).out);
    QCOMPARE(key->bits(), sha256.bits);
    QCOMPARE(key->typeLabel(), label);
    QCOMPARE(sha256.label, label);
    QCOMPARE(key->fingerprintSha256(), sha256.fingerprint);
    const Listing md5 = parseListing(run(m_sshKeygen, {u"-l"_s, u"-E"_s, u"md5"_s, u"-f"_s, pub}).out);
    QCOMPARE(key->fingerprintMd5(), md5.fingerprint);

    const QString rfc = QString::fromLatin1(run(m_sshKeygen, {u"-e"_s, u"-f"_s, pub}).out);
    QCOMPARE(withoutHeaders(key->rfc4716()), withoutHeaders(rfc));
    const Result<SshPublicKey> fromRfc = SshPublicKey::fromRfc4716(rfc);
    KEYSTEAD_VERIFY_OK(fromRfc);
    QVERIFY(*fromRfc == *key);

    const Result<QString> pem = key->pem();
    QVERIFY(!pem.ok());
    QVERIFY2(pem.error().message.contains(u"no PEM form"_s), qPrintable(pem.error().message));
    QCOMPARE(run(m_sshKeygen, {u"-e"_s, u"-m"_s, u"PKCS8"_s, u"-f"_s, pub}).exitCode == 0, false);
}

void TestSshPublicKey::ed25519PemMatchesOpenSsl()
{
    const QString privatePath = m_dir.filePath(u"openssl-ed25519.pem"_s);
    QCOMPARE(run(m_openssl, {u"genpkey"_s, u"-algorithm"_s, u"ed25519"_s, u"-out"_s, privatePath}).exitCode, 0);
    const Finished pubPem = run(m_openssl, {u"pkey"_s, u"-in"_s, privatePath, u"-pubout"_s});
    const Finished pubDer = run(m_openssl, {u"pkey"_s, u"-in"_s, privatePath, u"-pubout"_s, u"-outform"_s, u"DER"_s});
    QCOMPARE(pubPem.exitCode, 0);
    QCOMPARE(pubDer.out.size(), 44);

    const Result<SshPublicKey> key
        = SshPublicKey::fromBlob(wireString("ssh-ed25519") + wireString(pubDer.out.right(32)));
    KEYSTEAD_VERIFY_OK(key);
    const Result<QString> pem = key->pem();
    KEYSTEAD_VERIFY_OK(pem);
    QCOMPARE(*pem, QString::fromLatin1(pubPem.out));

    const QString pub = m_dir.filePath(u"openssl-ed25519.pub"_s);
    QVERIFY(writeFile(pub, key->openSshLine(u"from openssl"_s).toLatin1() + '\n'));
    const Listing listing = parseListing(run(m_sshKeygen, {u"-l"_s, u"-f"_s, pub}).out);
    QCOMPARE(key->fingerprintSha256(), listing.fingerprint);
}

void TestSshPublicKey::authorizedKeysOptions_data()
{
    QTest::addColumn<QString>("options");
    // Each with the blank that separates it from the key.
    QTest::newRow("from") << u"from=\"10.0.0.1,192.168.*\" "_s;
    QTest::newRow("quoted spaces and escaped quotes") << u"command=\"echo \\\"hello world\\\"\",no-pty "_s;
    QTest::newRow("flags") << u"restrict,pty "_s;
    QTest::newRow("environment") << u"environment=\"A=b c\",no-agent-forwarding "_s;
    QTest::newRow("tab separated") << u"no-X11-forwarding\t"_s;
}

void TestSshPublicKey::authorizedKeysOptions()
{
    QFETCH(QString, options);
    const QString pub = generate(u"options"_s, u"ed25519"_s, 0);
    QVERIFY(!pub.isEmpty());
    const Result<SshPublicKey> plain = keyOf(pub);
    KEYSTEAD_VERIFY_OK(plain);

    const QString line = options + plain->openSshLine() + u"  a comment with spaces "_s;
    QString comment;
    const Result<SshPublicKey> key = SshPublicKey::fromOpenSshLine(line, &comment);
    KEYSTEAD_VERIFY_OK(key);
    QVERIFY(*key == *plain);
    QCOMPARE(comment, u"a comment with spaces"_s);

    // ssh-keygen reads the same authorized_keys line to the same fingerprint.
    const QString file = m_dir.filePath(u"authorized_keys"_s);
    QVERIFY(writeFile(file, line.toLatin1() + '\n'));
    QCOMPARE(key->fingerprintSha256(), parseListing(run(m_sshKeygen, {u"-l"_s, u"-f"_s, file}).out).fingerprint);

    const Result<SshPublicKey> unterminated
        = SshPublicKey::fromOpenSshLine(u"from=\"10.0.0.1 "_s + plain->openSshLine());
    QVERIFY(!unterminated.ok());
}

void TestSshPublicKey::lineTypeMustMatchBlob()
{
    const QString pub = generate(u"mismatch"_s, u"ed25519"_s, 0);
    QVERIFY(!pub.isEmpty());
    const Result<SshPublicKey> key = keyOf(pub);
    KEYSTEAD_VERIFY_OK(key);
    const QString base64 = QString::fromLatin1(key->blob().toBase64());
    for (const QString &type : {u"ssh-rsa"_s, u"ecdsa-sha2-nistp256"_s, u"sk-ssh-ed25519@openssh.com"_s}) {
        const Result<SshPublicKey> wrong = SshPublicKey::fromOpenSshLine(type + u' ' + base64);
        QVERIFY(!wrong.ok());
        QCOMPARE(wrong.error().kind, Error::Kind::InvalidInput);
        QVERIFY2(wrong.error().message.contains(u"ssh-ed25519"_s), qPrintable(wrong.error().message));
    }
}

void TestSshPublicKey::rfc4716HeadersAndContinuations()
{
    const QString pub = generate(u"headers"_s, u"ecdsa"_s, 384);
    QVERIFY(!pub.isEmpty());
    const Result<SshPublicKey> key = keyOf(pub);
    KEYSTEAD_VERIFY_OK(key);
    QStringList body;
    const QString base64 = QString::fromLatin1(key->blob().toBase64());
    for (qsizetype at = 0; at < base64.size(); at += 64)
        body << base64.mid(at, 64);

    const QString text = u"\r\n---- BEGIN SSH2 PUBLIC KEY ----\r\n"
                         u"Subject: tester\r\n"
                         u"Comment: \"a comment that \\\r\n"
                         u"goes on over \\\r\n"
                         u"three lines\"\r\n"
                         u"x-keystead-private: ignored: even with colons\r\n"_s
        + body.join(u"\r\n"_s) + u"\r\n---- END SSH2 PUBLIC KEY ----\r\n\r\n"_s;
    QString comment;
    const Result<SshPublicKey> parsed = SshPublicKey::parse(text, &comment);
    KEYSTEAD_VERIFY_OK(parsed);
    QVERIFY(*parsed == *key);
    QCOMPARE(comment, u"a comment that goes on over three lines"_s);

    // ssh-keygen agrees this is an RFC 4716 key.
    const QString file = m_dir.filePath(u"headers.rfc"_s);
    QVERIFY(writeFile(file, text.toLatin1()));
    QCOMPARE(QString::fromLatin1(run(m_sshKeygen, {u"-i"_s, u"-f"_s, file}).out).trimmed(), key->openSshLine());
}

void TestSshPublicKey::longCommentWrapsWithinRfcLimit()
{
    const QString pub = generate(u"long-comment"_s, u"ed25519"_s, 0);
    QVERIFY(!pub.isEmpty());
    const Result<SshPublicKey> key = keyOf(pub);
    KEYSTEAD_VERIFY_OK(key);
    QString comment;
    for (int i = 0; i < 20; ++i)
        comment += u"Grüße von Jürgen %1, "_s.arg(i);
    comment = comment.trimmed();

    const QString rfc = key->rfc4716(comment);
    const QList<QByteArray> lines = rfc.toUtf8().split('\n');
    QVERIFY(lines.size() > 6);
    for (const QByteArray &line : lines) {
        QVERIFY2(line.size() <= 72, line.constData());
        QVERIFY2(QString::fromUtf8(line).toUtf8() == line, "a UTF-8 sequence was split");
    }
    QString back;
    const Result<SshPublicKey> parsed = SshPublicKey::fromRfc4716(rfc, &back);
    KEYSTEAD_VERIFY_OK(parsed);
    QVERIFY(*parsed == *key);
    QCOMPARE(back, comment);

    const QString file = m_dir.filePath(u"long.rfc"_s);
    QVERIFY(writeFile(file, rfc.toUtf8()));
    QCOMPARE(QString::fromLatin1(run(m_sshKeygen, {u"-i"_s, u"-f"_s, file}).out).trimmed(), key->openSshLine());

    // A comment never breaks the one-line form.
    QCOMPARE(key->openSshLine(u"two\nlines"_s), key->openSshLine() + u" two lines"_s);
}

void TestSshPublicKey::certificatesAreRefused()
{
    const QString caPub = generate(u"ca"_s, u"ed25519"_s, 0);
    const QString userPub = generate(u"user"_s, u"ecdsa"_s, 256);
    QVERIFY(!caPub.isEmpty() && !userPub.isEmpty());
    const QString caPath = caPub.chopped(4);
    const Finished signedCert
        = run(m_sshKeygen,
              {u"-q"_s, u"-s"_s, caPath, u"-I"_s, u"someone"_s, u"-n"_s, u"someone"_s, u"-V"_s, u"+1d"_s, userPub});
    QCOMPARE(signedCert.exitCode, 0);
    const QByteArray certLine = readFile(m_dir.filePath(u"user-cert.pub"_s));
    QVERIFY(certLine.startsWith("ecdsa-sha2-nistp256-cert-v01@openssh.com "));

    const Result<SshPublicKey> fromLine = SshPublicKey::fromOpenSshLine(QString::fromLatin1(certLine));
    QVERIFY(!fromLine.ok());
    QVERIFY2(fromLine.error().message.contains(u"certificate"_s), qPrintable(fromLine.error().message));
    const Result<SshPublicKey> fromBlob = SshPublicKey::fromBlob(blobOfLine(certLine));
    QVERIFY(!fromBlob.ok());
    QVERIFY2(fromBlob.error().message.contains(u"certificate"_s), qPrintable(fromBlob.error().message));
    // Labelled as a plain key, the blob is still a certificate.
    const QByteArray relabelled = "ecdsa-sha2-nistp256 " + certLine.split(' ').value(1);
    const Result<SshPublicKey> disguised = SshPublicKey::fromOpenSshLine(QString::fromLatin1(relabelled));
    QVERIFY(!disguised.ok());
    QVERIFY2(disguised.error().message.contains(u"certificate"_s), qPrintable(disguised.error().message));
}

void TestSshPublicKey::hostileText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("fragment");
    const QString ed = u"AAAAC3NzaC1lZDI1NTE5AAAAIGMs4DersSLKUQLetNWmCjGCXSMy25UQmB93q6R4/3wz"_s;
    QTest::newRow("empty") << QString() << u"no public key"_s;
    QTest::newRow("blank") << u" \t\n "_s << u"no public key"_s;
    QTest::newRow("comment line") << u"# ssh-ed25519 "_s + ed << u"comment line"_s;
    QTest::newRow("type only") << u"ssh-ed25519"_s << u"no key data"_s;
    QTest::newRow("base64 garbage") << u"ssh-ed25519 AAAA$$$!!!==="_s << u"base64"_s;
    QTest::newRow("non-ascii base64") << u"ssh-ed25519 AAAAé"_s << u"base64"_s;
    QTest::newRow("unknown type") << u"ssh-foo "_s + ed << u"ssh-foo"_s;
    QTest::newRow("two lines") << u"ssh-ed25519 "_s + ed + u"\nssh-ed25519 "_s + ed << u"one line"_s;
    QTest::newRow("huge line") << u"ssh-ed25519 "_s + QString(1024 * 1024, u'A') << u"too long"_s;
    QTest::newRow("truncated base64 key") << u"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGMs4Der"_s << u"truncated"_s;
    const QString begin = u"---- BEGIN SSH2 PUBLIC KEY ----\n"_s;
    const QString end = u"---- END SSH2 PUBLIC KEY ----\n"_s;
    QTest::newRow("rfc no end") << begin + ed + u'\n' << u"END"_s;
    QTest::newRow("rfc text after end") << begin + ed + u'\n' + end + u"junk\n"_s << u"after the end"_s;
    QTest::newRow("rfc header runs off") << begin + u"Comment: \"x\\\n"_s + end << u"continues past"_s;
    QTest::newRow("rfc empty body") << begin + end << u"no key data"_s;
    QTest::newRow("rfc bad base64") << begin + u"AAAA*AAAA\n"_s + end << u"base64"_s;
    QTest::newRow("rfc wrong begin") << u"---- BEGIN SSH2 PRIVATE KEY ----\n"_s + ed + u'\n' + end << u"starts with"_s;
}

void TestSshPublicKey::hostileText()
{
    QFETCH(QString, text);
    QFETCH(QString, fragment);
    const Result<SshPublicKey> key = SshPublicKey::parse(text);
    QVERIFY(!key.ok());
    QCOMPARE(key.error().kind, Error::Kind::InvalidInput);
    QVERIFY2(key.error().message.contains(fragment), qPrintable(key.error().message));
}

void TestSshPublicKey::hostileBlobs_data()
{
    QTest::addColumn<QByteArray>("blob");
    QTest::addColumn<QString>("fragment");

    const QByteArray edKey(32, '\x11');
    const QByteArray ed = wireString("ssh-ed25519") + wireString(edKey);
    // A real P-256 point (the group generator) and a point that is not on the curve.
    const QByteArray generator
        = QByteArray::fromHex("04"
                              "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
                              "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
    QByteArray offCurve = generator;
    offCurve[64] = char(offCurve[64] ^ 1);
    const QByteArray p256 = wireString("ecdsa-sha2-nistp256") + wireString("nistp256");
    const QByteArray e65537("\x01\x00\x01", 3);
    QByteArray modulus(256, '\x5a');
    modulus[0] = '\x7f';

    QTest::newRow("empty") << QByteArray() << u"empty"_s;
    QTest::newRow("length past the end") << wireLength(0xffffffffu) + "ssh-ed25519" << u"truncated"_s;
    QTest::newRow("length one too long") << wireLength(12) + "ssh-ed25519" << u"truncated"_s;
    QTest::newRow("key length past the end") << wireString("ssh-ed25519") + wireLength(33) + edKey << u"truncated"_s;
    QTest::newRow("one megabyte") << ed + QByteArray(1024 * 1024, '\0') << u"too large"_s;
    QTest::newRow("one megabyte string") << wireString(QByteArray(1024 * 1024, 'a')) << u"too large"_s;
    QTest::newRow("trailing garbage") << ed + "x" << u"after its end"_s;
    QTest::newRow("unknown algorithm") << wireString("ssh-foo") + wireString(edKey) << u"ssh-foo"_s;
    QTest::newRow("binary algorithm") << wireString(QByteArray("\x01\x02\n", 3)) << u"unknown public key algorithm"_s;
    QTest::newRow("certificate") << wireString("ssh-ed25519-cert-v01@openssh.com") + wireString(QByteArray(32, 'n'))
                                 << u"certificate"_s;
    QTest::newRow("ed25519 short") << wireString("ssh-ed25519") + wireString(edKey.left(31)) << u"32 bytes"_s;
    QTest::newRow("wrong curve name") << wireString("ecdsa-sha2-nistp256") + wireString("nistp384")
            + wireString(generator) << u"does not match"_s;
    QTest::newRow("wrong point length") << p256 + wireString(generator.left(64)) << u"uncompressed"_s;
    QTest::newRow("compressed point") << p256 + wireString('\x02' + generator.mid(1, 32)) << u"uncompressed"_s;
    QTest::newRow("point off the curve") << p256 + wireString(offCurve) << u"curve"_s;
    QTest::newRow("sk without application")
        << wireString("sk-ssh-ed25519@openssh.com") + wireString(edKey) << u"application"_s;
    QTest::newRow("sk application with NUL")
        << wireString("sk-ssh-ed25519@openssh.com") + wireString(edKey) + wireString(QByteArray("ss\0h:", 5))
        << u"NUL"_s;
    QTest::newRow("rsa negative modulus")
        << wireString("ssh-rsa") + wireString(e65537) + wireString('\x80' + modulus) << u"negative"_s;
    QTest::newRow("rsa needless zero") << wireString("ssh-rsa") + wireString(e65537) + wireString('\0' + modulus)
                                       << u"leading zero"_s;
    QTest::newRow("rsa zero exponent") << wireString("ssh-rsa") + wireString({}) + wireString(modulus) << u"zero"_s;
    QTest::newRow("rsa 512 bits") << wireString("ssh-rsa") + wireString(e65537) + wireString(modulus.left(64))
                                  << u"1024"_s;
    QTest::newRow("rsa too large") << wireString("ssh-rsa") + wireString(e65537) + wireString(QByteArray(2049, '\x7f'))
                                   << u"16384"_s;
    QTest::newRow("rsa missing modulus") << wireString("ssh-rsa") + wireString(e65537) << u"modulus"_s;
    QTest::newRow("dsa missing y") << wireString("ssh-dss") + wireString(modulus) + wireString(modulus.left(20))
            + wireString("\x02") << u"DSA public value"_s;
}

void TestSshPublicKey::hostileBlobs()
{
    QFETCH(QByteArray, blob);
    QFETCH(QString, fragment);
    const Result<SshPublicKey> key = fromExactBuffer(blob);
    QVERIFY(!key.ok());
    QCOMPARE(key.error().kind, Error::Kind::InvalidInput);
    QVERIFY2(key.error().message.contains(fragment), qPrintable(key.error().message));
    // The same blob in text form fails the same way.
    const Result<SshPublicKey> line
        = SshPublicKey::fromOpenSshLine(u"ssh-ed25519 "_s + QString::fromLatin1(blob.toBase64()));
    QVERIFY(!line.ok());
}

void TestSshPublicKey::everyTruncationIsRefused()
{
    QList<QByteArray> blobs;
    for (const auto &[type, bits] :
         {std::pair{u"ed25519"_s, 0}, std::pair{u"ecdsa"_s, 521}, std::pair{u"rsa"_s, 2048}}) {
        const QString pub = generate(u"truncate-"_s + type, type, bits);
        QVERIFY(!pub.isEmpty());
        blobs.append(blobOfLine(readFile(pub)));
    }
    for (const QByteArray &blob : std::as_const(blobs)) {
        KEYSTEAD_VERIFY_OK(SshPublicKey::fromBlob(blob));
        // Each prefix in its own buffer, so the sanitizer sees any read past its end.
        for (qsizetype size = 0; size < blob.size(); ++size) {
            const Result<SshPublicKey> key = fromExactBuffer(blob.first(size));
            QVERIFY2(!key.ok(), qPrintable(u"accepted a blob cut to %1 bytes"_s.arg(size)));
        }
    }
}

void TestSshPublicKey::randomMutationsNeverCrash()
{
    QList<QByteArray> corpus;
    for (const auto &[type, bits] : {std::pair{u"ed25519"_s, 0}, std::pair{u"ecdsa"_s, 256}, std::pair{u"ecdsa"_s, 384},
                                     std::pair{u"rsa"_s, 2048}}) {
        const QString pub = generate(u"mutate-"_s + type + QString::number(bits), type, bits);
        QVERIFY(!pub.isEmpty());
        corpus.append(blobOfLine(readFile(pub)));
    }
    const QList<QByteArray> ed = wireStrings(corpus[0]);
    corpus.append(wireString("sk-ssh-ed25519@openssh.com") + wireString(ed[1]) + wireString("ssh:"));
    const QList<QByteArray> ec = wireStrings(corpus[1]);
    corpus.append(wireString("sk-ecdsa-sha2-nistp256@openssh.com") + wireString(ec[1]) + wireString(ec[2])
                  + wireString("ssh:"));
    for (const QByteArray &blob : std::as_const(corpus))
        KEYSTEAD_VERIFY_OK(SshPublicKey::fromBlob(blob));

    std::mt19937 random(20240917u); // fixed: every run tries the same mutations
    const auto below = [&random](qsizetype bound) {
        return qsizetype(std::uniform_int_distribution<qint64>(0, qMax<qint64>(bound, 1) - 1)(random));
    };
    const auto randomBytes = [&](qsizetype count) {
        QByteArray bytes(count, Qt::Uninitialized);
        for (char &c : bytes)
            c = char(below(256));
        return bytes;
    };
    constexpr int Mutations = 4000;
    int accepted = 0;
    for (int i = 0; i < Mutations; ++i) {
        QByteArray blob = corpus[below(corpus.size())];
        const int edits = 1 + int(below(3));
        for (int e = 0; e < edits; ++e) {
            switch (below(7)) {
            case 0: blob[below(blob.size())] = char(below(256)); break;
            case 1: {
                const qsizetype at = below(blob.size());
                blob[at] = char(blob[at] ^ char(1 << below(8)));
                break;
            }
            case 2: blob.truncate(below(blob.size())); break;
            case 3: blob.append(randomBytes(1 + below(16))); break;
            case 4: blob.insert(below(blob.size()), randomBytes(1 + below(8))); break;
            case 5: {
                // A length field pointing somewhere hostile.
                static constexpr std::array<quint32, 6> lengths{0, 1, 0x7fffffffu, 0x80000000u, 0xffffffffu, 33};
                const QByteArray length = wireLength(lengths[size_t(below(qsizetype(lengths.size())))]).left(4);
                if (blob.size() >= 4)
                    blob.replace(below(blob.size() - 3), 4, length);
                break;
            }
            default: blob.remove(below(blob.size()), 1 + below(8)); break;
            }
            if (blob.isEmpty())
                break;
        }
        const Result<SshPublicKey> key = fromExactBuffer(blob);
        if (!key.ok()) {
            QVERIFY(!key.error().message.isEmpty());
            continue;
        }
        ++accepted;
        // Whatever is accepted must also work in every form.
        QVERIFY(!key->fingerprintSha256().isEmpty());
        QVERIFY(!key->fingerprintMd5().isEmpty());
        QVERIFY(!key->typeLabel().isEmpty());
        const Result<SshPublicKey> again = SshPublicKey::fromOpenSshLine(key->openSshLine(u"m"_s));
        KEYSTEAD_VERIFY_OK(again);
        QVERIFY(*again == *key);
        const Result<SshPublicKey> rfc = SshPublicKey::fromRfc4716(key->rfc4716(u"m"_s));
        KEYSTEAD_VERIFY_OK(rfc);
        QVERIFY(*rfc == *key);
        const Result<QString> pem = key->pem();
        QVERIFY(pem.ok() || key->algorithm().startsWith(u"sk-"_s));
    }
    // Most mutations break the key; a few (a changed RSA modulus, say) are still keys.
    QVERIFY(accepted < Mutations);
    qInfo("%d of %d mutated blobs were still valid keys", accepted, Mutations);
}

void TestSshPublicKey::nullKey()
{
    const SshPublicKey key;
    QVERIFY(key.isNull());
    QVERIFY(key.fingerprintSha256().isEmpty());
    QVERIFY(key.fingerprintMd5().isEmpty());
    QVERIFY(key.openSshLine().isEmpty());
    QVERIFY(key.rfc4716().isEmpty());
    QVERIFY(!key.pem().ok());
    QVERIFY(key.typeLabel().isEmpty());
    QCOMPARE(key.bits(), 0);
}

QTEST_GUILESS_MAIN(TestSshPublicKey)
#include "tst_sshpublickey.moc"
