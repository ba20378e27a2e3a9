#include "PrivateKeyTest.h"

#include <QFile>
#include <QProcess>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// Private keys in every format ssh-keygen and openssl write, read as ssh-keygen reads
// them, and keys generated here read back by ssh-keygen.
class TestSshPrivateKey final : public PrivateKeyTest
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { makeBaseKeys(); }
    void everyFormatMatchesSshKeygen_data();
    void everyFormatMatchesSshKeygen();
    void openSshCiphers_data();
    void openSshCiphers();
    void lineEndingsAndBlanks_data();
    void lineEndingsAndBlanks();
    void seedExampleIsRefusedPlainly();
    void ecParametersBlockIsSkipped();
    void generate_data();
    void generate();
    void generateRefusesNulInPassphrase();
};

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
