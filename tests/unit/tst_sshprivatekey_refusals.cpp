#include "PrivateKeyTest.h"

#include <QFile>
#include <QProcess>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

// What a private key reader must refuse, in words that give away neither the
// password nor the key: garbage, truncated and damaged keys, public keys, DSA,
// security keys, other forms, excessive KDF rounds, oversize text, legacy ciphers.
class TestSshPrivateKeyRefusals final : public PrivateKeyTest
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { makeBaseKeys(); }
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
};

void TestSshPrivateKeyRefusals::garbage_data()
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

void TestSshPrivateKeyRefusals::garbage()
{
    QFETCH(QByteArray, text);
    VERIFY_PROBLEM(SshPrivateKey::parse(text), PrivateKeyProblem::Unreadable, text);
    // A password never turns garbage into a password problem.
    VERIFY_PROBLEM(SshPrivateKey::parse(text, "some password"), PrivateKeyProblem::Unreadable, text, "some password");
}

void TestSshPrivateKeyRefusals::truncatedKeys_data()
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

void TestSshPrivateKeyRefusals::truncatedKeys()
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

void TestSshPrivateKeyRefusals::damagedKeys()
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

void TestSshPrivateKeyRefusals::publicKeyGivenAsPrivate_data()
{
    QTest::addColumn<QString>("form");
    QTest::newRow("openssh line") << u"line"_s;
    QTest::newRow("RFC 4716") << u"RFC4716"_s;
    QTest::newRow("PEM PKCS8") << u"PKCS8"_s;
    QTest::newRow("PEM PKCS1") << u"PEM"_s;
}

void TestSshPrivateKeyRefusals::publicKeyGivenAsPrivate()
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

void TestSshPrivateKeyRefusals::dsaIsRefused()
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

void TestSshPrivateKeyRefusals::securityKeysAreRefused()
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

void TestSshPrivateKeyRefusals::otherFormsAreRefused()
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

void TestSshPrivateKeyRefusals::excessiveKdfRoundsAreRefused()
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

void TestSshPrivateKeyRefusals::oversizeTextIsRefusedUnread()
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

void TestSshPrivateKeyRefusals::legacyPkcs8CipherIsUnsupported()
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

QTEST_GUILESS_MAIN(TestSshPrivateKeyRefusals)
#include "tst_sshprivatekey_refusals.moc"
