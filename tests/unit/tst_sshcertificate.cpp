// OpenSSH certificates and KRLs made by Keystead, read back by the real
// OpenSSH tools: ssh-keygen -L reads every certificate (it also checks the
// CA signature), ssh-keygen -Q agrees with Keystead on what a KRL revokes.

#include "common/Crypto.h"
#include "ssh/Krl.h"
#include "ssh/SshCertificate.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <map>

using namespace Qt::StringLiterals;
using namespace keystead;

namespace {

constexpr int kProcessTimeoutMs = 120'000;

struct ToolResult
{
    int exitCode = -1;
    QByteArray output;
};

// ssh-keygen prints validity in local time: run it in UTC to compare.
ToolResult runTool(const QString &program, const QStringList &arguments)
{
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"TZ"_s, u"UTC"_s);
    process.setProcessEnvironment(environment);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    ToolResult result;
    if (!process.waitForFinished(kProcessTimeoutMs)) {
        process.kill();
        process.waitForFinished(5'000);
        result.output = "timed out";
        return result;
    }
    result.output = process.readAll();
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    return result;
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(data) != data.size())
        return false;
    file.close();
    return file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

QByteArray wireString(QByteArrayView value)
{
    QByteArray out;
    const auto length = static_cast<quint32>(value.size());
    for (int shift = 24; shift >= 0; shift -= 8)
        out.append(static_cast<char>((length >> shift) & 0xff));
    out.append(value.data(), value.size());
    return out;
}

// The strings of a wire blob, in order (for building security-key blobs from plain ones).
QList<QByteArray> wireStrings(const QByteArray &blob)
{
    QList<QByteArray> strings;
    qsizetype at = 0;
    while (at + 4 <= blob.size()) {
        const auto *bytes = reinterpret_cast<const unsigned char *>(blob.constData()) + at;
        const qsizetype length = qsizetype((quint32{bytes[0]} << 24) | (quint32{bytes[1]} << 16)
                                           | (quint32{bytes[2]} << 8) | quint32{bytes[3]});
        strings.append(blob.mid(at + 4, length));
        at += 4 + length;
    }
    return strings;
}

QString caTypeName(CaKeyType type)
{
    switch (type) {
    case CaKeyType::Ed25519: return u"ed25519"_s;
    case CaKeyType::EcdsaP256: return u"p256"_s;
    case CaKeyType::EcdsaP384: return u"p384"_s;
    case CaKeyType::EcdsaP521: return u"p521"_s;
    case CaKeyType::Rsa2048: return u"rsa2048"_s;
    case CaKeyType::Rsa3072: return u"rsa3072"_s;
    case CaKeyType::Rsa4096: return u"rsa4096"_s;
    }
    return {};
}

// Section and subsection types of a KRL, in order: checks which serial encodings were chosen.
QList<int> krlSectionTypes(const QByteArray &krl)
{
    QList<int> types;
    const auto u32 = [&krl](qsizetype at) {
        const auto *b = reinterpret_cast<const unsigned char *>(krl.constData()) + at;
        return qsizetype((quint32{b[0]} << 24) | (quint32{b[1]} << 16) | (quint32{b[2]} << 8) | quint32{b[3]});
    };
    qsizetype at = 8 + 4 + 8 + 8 + 8;
    at += 4 + u32(at); // reserved
    at += 4 + u32(at); // comment
    while (at + 5 <= krl.size()) {
        const int type = static_cast<unsigned char>(krl[at]);
        const qsizetype length = u32(at + 1);
        types.append(type);
        if (type == 1) {
            qsizetype inner = at + 5;
            const qsizetype end = inner + length;
            inner += 4 + u32(inner); // CA key
            inner += 4 + u32(inner); // reserved
            while (inner + 5 <= end) {
                types.append(static_cast<unsigned char>(krl[inner]));
                inner += 5 + u32(inner + 1);
            }
        }
        at += 5 + length;
    }
    return types;
}

} // namespace

class TestSshCertificate final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::map<QString, SshCertificateSigner> m_cas; // generated once: RSA 4096 is slow
    std::map<QString, SshPublicKey> m_subjects;

    QString path(const QString &name) const { return QDir(m_dir.path()).filePath(name); }

    const SshCertificateSigner *ca(CaKeyType type)
    {
        const QString name = caTypeName(type);
        auto it = m_cas.find(name);
        if (it == m_cas.end()) {
            Result<SshCertificateSigner> made = SshCertificateSigner::generate(type);
            if (!made)
                return nullptr;
            it = m_cas.emplace(name, std::move(made).value()).first;
        }
        return &it->second;
    }

    SshPublicKey makeKey(const QString &name, const QStringList &typeArguments)
    {
        const QString file = path(name);
        const ToolResult made = runTool(
            u"ssh-keygen"_s, QStringList{u"-q"_s, u"-N"_s, QString(), u"-C"_s, name, u"-f"_s, file} + typeArguments);
        if (made.exitCode != 0)
            return {};
        QFile publicFile(file + u".pub"_s);
        if (!publicFile.open(QIODevice::ReadOnly))
            return {};
        Result<SshPublicKey> key = SshPublicKey::fromOpenSshLine(QString::fromUtf8(publicFile.readAll()));
        return key ? key.value() : SshPublicKey();
    }

    SshCertificate signOrFail(const CertificateRequest &request, const SshCertificateSigner &signer)
    {
        Result<SshCertificate> signedCertificate = SshCertificate::sign(request, signer);
        if (!signedCertificate) {
            qWarning("%s", qPrintable(signedCertificate.error().message));
            return {};
        }
        return signedCertificate.value();
    }

private Q_SLOTS:
    void initTestCase();
    void signerPemRoundTripsAndMatchesSshKeygen_data();
    void signerPemRoundTripsAndMatchesSshKeygen();
    void sshKeygenReadsEveryCertificate_data();
    void sshKeygenReadsEveryCertificate();
    void tamperedCertificatesFailVerification();
    void hostileBlobsAreErrors();
    void lineParsing();
    void knownNamesAndSourceAddresses();
    void krlEncodingsAgreeWithSshKeygen_data();
    void krlEncodingsAgreeWithSshKeygen();
};

void TestSshCertificate::initTestCase()
{
    QVERIFY(m_dir.isValid());
    if (runTool(u"ssh-keygen"_s, {u"-?"_s}).exitCode < 0)
        QSKIP("ssh-keygen is not installed");
    m_subjects[u"ssh-ed25519"_s] = makeKey(u"ed25519"_s, {u"-t"_s, u"ed25519"_s});
    m_subjects[u"ecdsa-sha2-nistp256"_s] = makeKey(u"p256"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"256"_s});
    m_subjects[u"ecdsa-sha2-nistp384"_s] = makeKey(u"p384"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"384"_s});
    m_subjects[u"ecdsa-sha2-nistp521"_s] = makeKey(u"p521"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"521"_s});
    m_subjects[u"ssh-rsa"_s] = makeKey(u"rsa"_s, {u"-t"_s, u"rsa"_s, u"-b"_s, u"2048"_s});
    for (const auto &[name, key] : m_subjects)
        QVERIFY2(!key.isNull(), qPrintable(name));
    // No FIDO token here: the security-key kinds are built from real points with
    // an application string, which is all their public blobs hold.
    const QList<QByteArray> ed25519 = wireStrings(m_subjects[u"ssh-ed25519"_s].blob());
    Result<SshPublicKey> skEd25519 = SshPublicKey::fromBlob(wireString("sk-ssh-ed25519@openssh.com")
                                                            + wireString(ed25519.value(1)) + wireString("ssh:"));
    QVERIFY2(skEd25519.ok(), qPrintable(skEd25519 ? QString() : skEd25519.error().message));
    m_subjects[u"sk-ssh-ed25519@openssh.com"_s] = skEd25519.value();
    const QList<QByteArray> p256 = wireStrings(m_subjects[u"ecdsa-sha2-nistp256"_s].blob());
    Result<SshPublicKey> skEcdsa
        = SshPublicKey::fromBlob(wireString("sk-ecdsa-sha2-nistp256@openssh.com") + wireString(p256.value(1))
                                 + wireString(p256.value(2)) + wireString("ssh:"));
    QVERIFY2(skEcdsa.ok(), qPrintable(skEcdsa ? QString() : skEcdsa.error().message));
    m_subjects[u"sk-ecdsa-sha2-nistp256@openssh.com"_s] = skEcdsa.value();
}

void TestSshCertificate::signerPemRoundTripsAndMatchesSshKeygen_data()
{
    QTest::addColumn<CaKeyType>("type");
    for (CaKeyType type : {CaKeyType::Ed25519, CaKeyType::EcdsaP256, CaKeyType::EcdsaP384, CaKeyType::EcdsaP521,
                           CaKeyType::Rsa2048, CaKeyType::Rsa3072, CaKeyType::Rsa4096})
        QTest::newRow(qPrintable(caTypeName(type))) << type;
}

void TestSshCertificate::signerPemRoundTripsAndMatchesSshKeygen()
{
    QFETCH(CaKeyType, type);
    const SshCertificateSigner *signer = ca(type);
    QVERIFY(signer);
    QCOMPARE(signer->keyType(), type);
    const QByteArray pem = signer->privateKeyPem();
    QVERIFY(pem.startsWith("-----BEGIN PRIVATE KEY-----"));
    Result<SshCertificateSigner> again = SshCertificateSigner::fromPrivateKeyPem(pem);
    QVERIFY2(again.ok(), qPrintable(again ? QString() : again.error().message));
    QCOMPARE(again->publicKey(), signer->publicKey());
    QCOMPARE(again->keyType(), type);
    QVERIFY(!SshCertificateSigner::fromPrivateKeyPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                 .ok());
    // ssh-keygen derives the same SSH public key from the PEM: the blob is built
    // right. (OpenSSH 9.2 reads no Ed25519 PKCS#8 PEM; ssh-keygen -L checks that one.)
    if (type == CaKeyType::Ed25519)
        return;
    const QString file = path(u"signer-"_s + caTypeName(type) + u".pem"_s);
    QVERIFY(writeFile(file, pem));
    const ToolResult derived = runTool(u"ssh-keygen"_s, {u"-y"_s, u"-f"_s, file});
    QCOMPARE(derived.exitCode, 0);
    QCOMPARE(QString::fromUtf8(derived.output).trimmed().section(u' ', 0, 1), signer->publicKey().openSshLine());
}

void TestSshCertificate::sshKeygenReadsEveryCertificate_data()
{
    QTest::addColumn<CaKeyType>("caType");
    QTest::addColumn<QString>("subject");
    QTest::addColumn<int>("kind");
    const QStringList subjects{u"ssh-ed25519"_s,
                               u"ecdsa-sha2-nistp256"_s,
                               u"ecdsa-sha2-nistp384"_s,
                               u"ecdsa-sha2-nistp521"_s,
                               u"ssh-rsa"_s,
                               u"sk-ssh-ed25519@openssh.com"_s,
                               u"sk-ecdsa-sha2-nistp256@openssh.com"_s};
    int row = 0;
    for (CaKeyType caType : {CaKeyType::Ed25519, CaKeyType::EcdsaP256, CaKeyType::EcdsaP384, CaKeyType::EcdsaP521,
                             CaKeyType::Rsa2048, CaKeyType::Rsa3072}) {
        for (const QString &subject : subjects) {
            const int kind = (row++ % 3 == 2) ? int(CertificateKind::Host) : int(CertificateKind::User);
            QTest::addRow("%s/%s", qPrintable(caTypeName(caType)), qPrintable(subject)) << caType << subject << kind;
        }
    }
    QTest::addRow("rsa4096/ssh-ed25519") << CaKeyType::Rsa4096 << u"ssh-ed25519"_s << int(CertificateKind::User);
    QTest::addRow("rsa4096/ssh-rsa host") << CaKeyType::Rsa4096 << u"ssh-rsa"_s << int(CertificateKind::Host);
}

void TestSshCertificate::sshKeygenReadsEveryCertificate()
{
    QFETCH(CaKeyType, caType);
    QFETCH(QString, subject);
    QFETCH(int, kind);
    const SshCertificateSigner *signer = ca(caType);
    QVERIFY(signer);
    const bool user = kind == int(CertificateKind::User);

    CertificateRequest request;
    request.subject = m_subjects[subject];
    request.kind = CertificateKind(kind);
    request.serial = 0x0123456789ab;
    request.keyId = u"keystead %1 \"quoted\" é"_s.arg(QString::fromLatin1(QTest::currentDataTag()));
    request.principals = user ? QStringList{u"alice"_s, u"bob"_s} : QStringList{u"host.example"_s, u"10.0.0.7"_s};
    request.validAfter = QDateTime(QDate(2026, 1, 2), QTime(3, 4, 5), Qt::UTC);
    request.validBefore = QDateTime(QDate(2030, 6, 7), QTime(8, 9, 10), Qt::UTC);
    if (user) {
        request.criticalOptions
            = {{u"source-address"_s, u"127.0.0.1/32,10.0.0.0/8"_s}, {u"force-command"_s, u"/bin/echo hi"_s}};
        request.extensions
            = {{u"permit-user-rc"_s, QString()}, {u"permit-pty"_s, QString()}, {u"permit-X11-forwarding"_s, QString()}};
    }
    Result<SshCertificate> made = SshCertificate::sign(request, *signer);
    QVERIFY2(made.ok(), qPrintable(made ? QString() : made.error().message));
    const SshCertificate &certificate = made.value();
    QVERIFY(certificate.verifySignature());
    QCOMPARE(certificate.signatureAlgorithm(), signer->signatureAlgorithm());

    const QString file = path(u"cert.pub"_s);
    QVERIFY(writeFile(file, (certificate.openSshLine(u"test"_s) + u'\n').toUtf8()));
    const ToolResult listed = runTool(u"ssh-keygen"_s, {u"-L"_s, u"-f"_s, file});
    const QString text = QString::fromUtf8(listed.output);
    QVERIFY2(listed.exitCode == 0, qPrintable(text));
    const QString certType = subject.endsWith(u"@openssh.com"_s) ? subject.chopped(12) + u"-cert-v01@openssh.com"_s
                                                                 : subject + u"-cert-v01@openssh.com"_s;
    QVERIFY2(text.contains(u"Type: %1 %2 certificate"_s.arg(certType, user ? u"user"_s : u"host"_s)), qPrintable(text));
    QVERIFY2(text.contains(u"Signing CA: %1 %2 (using %3)"_s.arg(signer->publicKey().typeLabel(),
                                                                 signer->publicKey().fingerprintSha256(),
                                                                 signer->signatureAlgorithm())),
             qPrintable(text));
    QVERIFY2(text.contains(u"Key ID: \"%1\""_s.arg(request.keyId)), qPrintable(text));
    QVERIFY2(text.contains(u"Serial: %1"_s.arg(request.serial)), qPrintable(text));
    QVERIFY2(text.contains(u"Valid: from 2026-01-02T03:04:05 to 2030-06-07T08:09:10"_s), qPrintable(text));
    const QString principalsBlock
        = u"Principals: \n"_s + u"                "_s + request.principals.join(u"\n                "_s) + u'\n';
    QVERIFY2(text.contains(principalsBlock), qPrintable(text));
    if (user) {
        QVERIFY2(text.contains(u"Critical Options: \n                force-command /bin/echo hi\n"
                               "                source-address 127.0.0.1/32,10.0.0.0/8\n"_s),
                 qPrintable(text));
        QVERIFY2(text.contains(u"Extensions: \n                permit-X11-forwarding\n"
                               "                permit-pty\n                permit-user-rc\n"_s),
                 qPrintable(text));
    } else {
        QVERIFY2(text.contains(u"Critical Options: (none)"_s), qPrintable(text));
        QVERIFY2(text.contains(u"Extensions: (none)"_s), qPrintable(text));
    }

    // What Keystead reads back is what it signed.
    Result<SshCertificate> parsed = SshCertificate::fromOpenSshLine(certificate.openSshLine(u"test"_s));
    QVERIFY2(parsed.ok(), qPrintable(parsed ? QString() : parsed.error().message));
    QCOMPARE(parsed->blob(), certificate.blob());
    QCOMPARE(parsed->algorithm(), certType);
    QCOMPARE(parsed->subject(), request.subject);
    QCOMPARE(parsed->signatureKey(), signer->publicKey());
    QCOMPARE(parsed->kind(), request.kind);
    QCOMPARE(parsed->serial(), request.serial);
    QCOMPARE(parsed->keyId(), request.keyId);
    QCOMPARE(parsed->principals(), request.principals);
    QCOMPARE(parsed->validAfter(), request.validAfter);
    QCOMPARE(parsed->validBefore(), request.validBefore);
    QCOMPARE(parsed->criticalOptions(), request.criticalOptions);
    QCOMPARE(parsed->extensions(), request.extensions);
    QVERIFY(parsed->verifySignature());

    // Two signatures of one request differ: a fresh nonce each time.
    Result<SshCertificate> again = SshCertificate::sign(request, *signer);
    QVERIFY(again.ok());
    QVERIFY(again->blob() != certificate.blob());
}

void TestSshCertificate::tamperedCertificatesFailVerification()
{
    for (CaKeyType type :
         {CaKeyType::Ed25519, CaKeyType::EcdsaP256, CaKeyType::EcdsaP384, CaKeyType::EcdsaP521, CaKeyType::Rsa2048}) {
        const SshCertificateSigner *signer = ca(type);
        QVERIFY(signer);
        CertificateRequest request;
        request.subject = m_subjects[u"ssh-ed25519"_s];
        request.serial = 7;
        request.keyId = u"tamper"_s;
        request.principals = {u"alice"_s};
        request.validAfter = QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC);
        request.validBefore = QDateTime(QDate(2027, 1, 1), QTime(0, 0), Qt::UTC);
        const SshCertificate certificate = signOrFail(request, *signer);
        QVERIFY(certificate.verifySignature());
        const QByteArray &blob = certificate.blob();
        // Every byte of the signed part and the last byte of the signature.
        int parsedAndRefused = 0;
        for (qsizetype at = 0; at < blob.size(); ++at) {
            QByteArray tampered = blob;
            tampered[at] = static_cast<char>(tampered[at] ^ 0x01);
            Result<SshCertificate> parsed = SshCertificate::fromBlob(tampered);
            if (parsed) {
                QVERIFY2(!parsed->verifySignature(), qPrintable(u"%1 byte %2"_s.arg(caTypeName(type)).arg(at)));
                ++parsedAndRefused;
            }
        }
        QVERIFY2(parsedAndRefused > 64, qPrintable(QString::number(parsedAndRefused)));
    }
}

void TestSshCertificate::hostileBlobsAreErrors()
{
    const SshCertificateSigner *signer = ca(CaKeyType::Ed25519);
    QVERIFY(signer);
    CertificateRequest request;
    request.subject = m_subjects[u"ecdsa-sha2-nistp256"_s];
    request.serial = 1;
    request.keyId = u"hostile"_s;
    request.principals = {u"alice"_s};
    request.criticalOptions = {{u"force-command"_s, u"true"_s}};
    const SshCertificate certificate = signOrFail(request, *signer);
    const QByteArray &blob = certificate.blob();
    QVERIFY(!blob.isEmpty());
    // Invalid validity times mean "from the epoch" and "forever".
    QCOMPARE(certificate.validAfter(), QDateTime::fromSecsSinceEpoch(0, Qt::UTC));
    QVERIFY(!certificate.validBefore().isValid());

    for (qsizetype length = 0; length < blob.size(); ++length)
        QVERIFY2(!SshCertificate::fromBlob(blob.first(length)).ok(), qPrintable(QString::number(length)));
    QVERIFY(!SshCertificate::fromBlob(blob + QByteArray(1, '\0')).ok());
    QVERIFY(!SshCertificate::fromBlob(blob + blob).ok());

    // A length field claiming nearly 4 GiB, at the nonce (right after the type name).
    QByteArray huge = blob;
    const qsizetype nonceAt = 4 + qsizetype(sizeof("ecdsa-sha2-nistp256-cert-v01@openssh.com") - 1);
    huge[nonceAt] = char(0xff);
    huge[nonceAt + 1] = char(0xff);
    QVERIFY(!SshCertificate::fromBlob(huge).ok());
    QVERIFY(!SshCertificate::fromBlob(QByteArray(4, char(0xff))).ok());
    QVERIFY(!SshCertificate::fromBlob(QByteArray(300 * 1024, 'a')).ok());
    // A plain key is not a certificate; nor is an unknown type.
    QVERIFY(!SshCertificate::fromBlob(m_subjects[u"ssh-ed25519"_s].blob()).ok());
    QVERIFY(!SshCertificate::fromBlob(wireString("ssh-foo-cert-v01@openssh.com") + blob.mid(nonceAt)).ok());
    // A certificate type with a body of another type.
    QVERIFY(!SshCertificate::fromBlob(wireString("ssh-ed25519-cert-v01@openssh.com") + blob.mid(nonceAt)).ok());
    // Random bytes after a valid type name.
    Result<QByteArray> noise = crypto::randomBytes(4096);
    QVERIFY(noise.ok());
    for (int i = 0; i < 64; ++i)
        QVERIFY(
            !SshCertificate::fromBlob(wireString("ssh-rsa-cert-v01@openssh.com") + noise->mid(i * 61, 61 + i)).ok());

    // Requests that cannot make a usable certificate.
    CertificateRequest bad = request;
    bad.subject = SshPublicKey();
    QVERIFY(!SshCertificate::sign(bad, *signer).ok());
    bad = request;
    bad.validAfter = QDateTime(QDate(2027, 1, 1), QTime(0, 0), Qt::UTC);
    bad.validBefore = QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC);
    QVERIFY(!SshCertificate::sign(bad, *signer).ok());
    bad = request;
    for (int i = 0; i < 257; ++i)
        bad.principals.append(u"p%1"_s.arg(i));
    QVERIFY(!SshCertificate::sign(bad, *signer).ok());
}

void TestSshCertificate::lineParsing()
{
    const SshCertificateSigner *signer = ca(CaKeyType::EcdsaP384);
    QVERIFY(signer);
    CertificateRequest request;
    request.subject = m_subjects[u"ssh-rsa"_s];
    request.kind = CertificateKind::Host;
    request.serial = 99;
    request.principals = {u"h"_s};
    const SshCertificate certificate = signOrFail(request, *signer);
    const QString base64 = QString::fromLatin1(certificate.blob().toBase64());
    QVERIFY(SshCertificate::fromOpenSshLine(certificate.openSshLine()).ok());
    QVERIFY(SshCertificate::fromOpenSshLine(u"  "_s + certificate.openSshLine(u"a comment"_s) + u"\n"_s).ok());
    QVERIFY(SshCertificate::fromOpenSshLine(base64).ok());
    QCOMPARE(certificate.openSshLine(u"c"_s), u"ssh-rsa-cert-v01@openssh.com "_s + base64 + u" c"_s);
    QVERIFY(!SshCertificate::fromOpenSshLine(u"ssh-ed25519-cert-v01@openssh.com "_s + base64).ok());
    QVERIFY(!SshCertificate::fromOpenSshLine(u"ssh-rsa-cert-v01@openssh.com AAAA*"_s).ok());
    QVERIFY(!SshCertificate::fromOpenSshLine(QString()).ok());
    QVERIFY(!SshCertificate::fromOpenSshLine(m_subjects[u"ssh-rsa"_s].openSshLine()).ok());
}

void TestSshCertificate::knownNamesAndSourceAddresses()
{
    QVERIFY(knownCriticalOptions().contains(u"force-command"_s));
    QVERIFY(knownCriticalOptions().contains(u"source-address"_s));
    QVERIFY(knownCriticalOptions().contains(u"verify-required"_s));
    QCOMPARE(knownCriticalOptions().size(), 3);
    for (const QString &name : {u"permit-X11-forwarding"_s, u"permit-agent-forwarding"_s, u"permit-port-forwarding"_s,
                                u"permit-pty"_s, u"permit-user-rc"_s, u"no-touch-required"_s})
        QVERIFY2(knownExtensions().contains(name), qPrintable(name));

    for (const QString &good : {u"127.0.0.1"_s, u"127.0.0.1/32"_s, u"10.0.0.0/8,192.168.1.0/24"_s, u"::1"_s,
                                u"2001:db8::/32"_s, u"0.0.0.0/0"_s, u"10.1.2.3/32,::1/128"_s})
        QVERIFY2(validateSourceAddress(good).ok(), qPrintable(good));
    for (const QString &bad :
         {QString(), u"example.com"_s, u"10.0.0.1/8"_s, u"10.0.0.0/33"_s, u"*"_s, u"!10.0.0.1"_s, u"10.0.0.0/8,"_s,
          u"10.0.0"_s, u"10.0.0.0/-1"_s, u"::1/129"_s, u"1.2.3.4/"_s, u"10.0.0.0/8 "_s, u"256.1.1.1"_s})
        QVERIFY2(!validateSourceAddress(bad).ok(), qPrintable(bad));
}

void TestSshCertificate::krlEncodingsAgreeWithSshKeygen_data()
{
    QTest::addColumn<QList<quint64>>("revoked");
    QTest::addColumn<int>("expectedSubsection"); // 0: any
    QTest::newRow("list") << QList<quint64>{5, 9, 70000, 123456789} << 0x20;
    QTest::newRow("range") << QList<quint64>{} << 0x21; // 1000..1999, filled in below
    QTest::newRow("bitmap") << QList<quint64>{} << 0x22; // 3000..3100 with gaps
    QTest::newRow("mixed") << QList<quint64>{} << 0;
}

void TestSshCertificate::krlEncodingsAgreeWithSshKeygen()
{
    QFETCH(QList<quint64>, revoked);
    QFETCH(int, expectedSubsection);
    const QString tag = QString::fromLatin1(QTest::currentDataTag());
    QList<quint64> probes{1, 4, 5, 6, 9, 10, 999, 1000, 1500, 1999, 2000, 2999, 3000, 3001, 3002, 3099, 3100, 3101};
    if (tag == u"range" || tag == u"mixed") {
        for (quint64 serial = 1000; serial <= 1999; ++serial)
            revoked.append(serial);
    }
    if (tag == u"bitmap" || tag == u"mixed") {
        for (quint64 serial = 3000; serial <= 3100; ++serial) {
            if (serial % 7 != 1)
                revoked.append(serial);
        }
    }
    if (tag == u"mixed")
        revoked += QList<quint64>{5, 9, 9, 0, 70000};
    probes += QList<quint64>{70000, 70001, 123456789};

    const SshCertificateSigner *signer = ca(CaKeyType::Ed25519);
    const SshCertificateSigner *otherCa = ca(CaKeyType::EcdsaP256);
    QVERIFY(signer && otherCa);
    const QString caFile = path(u"krl-ca.pub"_s);
    QVERIFY(writeFile(caFile, (signer->publicKey().openSshLine() + u'\n').toUtf8()));

    // Keys revoked outright (explicitly, by SHA-256) and one left alone.
    const SshPublicKey explicitKey = m_subjects[u"ecdsa-sha2-nistp384"_s];
    const SshPublicKey hashedKey = m_subjects[u"ecdsa-sha2-nistp521"_s];
    const SshPublicKey freeKey = m_subjects[u"ssh-ed25519"_s];

    KrlContents contents;
    contents.version = 3;
    contents.generatedAt = QDateTime(QDate(2026, 5, 1), QTime(0, 0), Qt::UTC);
    contents.comment = u"keystead test"_s;
    contents.certificates.append({signer->publicKey(), revoked, {u"revoked-id"_s, u"also revoked"_s}});
    contents.explicitKeys.append(explicitKey);
    contents.sha256Hashes.append(crypto::sha256(hashedKey.blob()));
    const QByteArray krl = encodeKrl(contents);
    QVERIFY(krl.startsWith(QByteArrayView("SSHKRL\n\0", 8)));
    const QString krlFile = path(u"keystead.krl"_s);
    QVERIFY(writeFile(krlFile, krl));
    const QList<int> sections = krlSectionTypes(krl);
    if (expectedSubsection != 0)
        QVERIFY2(sections.contains(expectedSubsection), qPrintable(QString::number(sections.size())));
    QVERIFY(sections.contains(0x23)); // key ids
    QVERIFY(sections.contains(2)); // explicit key
    QVERIFY(sections.contains(5)); // SHA-256

    // The same revocations in ssh-keygen's own spec format.
    QStringList spec;
    for (quint64 serial : std::as_const(revoked)) {
        if (serial != 0)
            spec << u"serial: %1"_s.arg(serial);
    }
    spec << u"id: revoked-id"_s << u"id: also revoked"_s << u"key: "_s + explicitKey.openSshLine()
         << u"sha256: "_s + hashedKey.openSshLine();
    const QString specFile = path(u"spec.txt"_s);
    QVERIFY(writeFile(specFile, (spec.join(u'\n') + u'\n').toUtf8()));
    const QString referenceFile = path(u"reference.krl"_s);
    QFile::remove(referenceFile);
    const ToolResult reference = runTool(u"ssh-keygen"_s, {u"-k"_s, u"-f"_s, referenceFile, u"-s"_s, caFile, specFile});
    QVERIFY2(reference.exitCode == 0, reference.output.constData());

    struct Probe
    {
        QString file;
        bool revoked;
    };
    QList<Probe> checks;
    const auto addCertificate = [&](const SshCertificateSigner &by, quint64 serial, const QString &keyId,
                                    const SshPublicKey &subject, bool expected) {
        CertificateRequest request;
        request.subject = subject;
        request.serial = serial;
        request.keyId = keyId;
        request.principals = {u"alice"_s};
        const SshCertificate certificate = signOrFail(request, by);
        const QString file = path(u"probe-%1.pub"_s.arg(checks.size()));
        QVERIFY(writeFile(file, (certificate.openSshLine() + u'\n').toUtf8()));
        checks.append({file, expected});
    };
    for (quint64 serial : std::as_const(probes))
        addCertificate(*signer, serial, u"id-%1"_s.arg(serial), freeKey, serial != 0 && revoked.contains(serial));
    // The same serials from another CA are not revoked.
    addCertificate(*otherCa, 5, u"other"_s, freeKey, false);
    addCertificate(*otherCa, 1000, u"revoked-id"_s, freeKey, false);
    // Serial 0, key ids, and certificates of revoked keys.
    addCertificate(*signer, 0, u"plain"_s, freeKey, false);
    addCertificate(*signer, 0, u"revoked-id"_s, freeKey, true);
    addCertificate(*signer, 77, u"also revoked"_s, freeKey, true);
    addCertificate(*signer, 78, u"x"_s, explicitKey, true);
    addCertificate(*signer, 79, u"y"_s, hashedKey, true);
    for (const auto &[name, key] :
         {std::pair{u"explicit"_s, explicitKey}, std::pair{u"hashed"_s, hashedKey}, std::pair{u"free"_s, freeKey}}) {
        const QString file = path(u"plain-%1.pub"_s.arg(name));
        QVERIFY(writeFile(file, (key.openSshLine() + u'\n').toUtf8()));
        checks.append({file, name != u"free"_s});
    }

    for (const Probe &probe : std::as_const(checks)) {
        const ToolResult ours = runTool(u"ssh-keygen"_s, {u"-Q"_s, u"-f"_s, krlFile, probe.file});
        const ToolResult theirs = runTool(u"ssh-keygen"_s, {u"-Q"_s, u"-f"_s, referenceFile, probe.file});
        const QString message = probe.file + u": "_s + QString::fromUtf8(ours.output);
        QVERIFY2(ours.output.contains(probe.revoked ? ": REVOKED" : ": ok"), qPrintable(message));
        QCOMPARE(ours.exitCode, probe.revoked ? 1 : 0);
        QVERIFY2(theirs.output.contains(probe.revoked ? ": REVOKED" : ": ok"),
                 qPrintable(u"ssh-keygen's own KRL disagrees: "_s + QString::fromUtf8(theirs.output)));
    }
}

QTEST_GUILESS_MAIN(TestSshCertificate)
#include "tst_sshcertificate.moc"
