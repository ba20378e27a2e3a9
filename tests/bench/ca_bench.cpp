// Certificate signing speed: Keystead's own encoder and signer in this process
// against `ssh-keygen -s` run once per certificate, for an Ed25519 and an RSA
// 3072 CA, over the same subject keys. See README.md beside this file.

#include "ssh/SshCertificate.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <chrono>
#include <cstdio>
#include <vector>

using namespace Qt::StringLiterals;
using namespace keystead;

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int kProcessTimeoutMs = 60'000;

double secondsSince(SteadyClock::time_point start)
{
    return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

bool runTool(const QString &program, const QStringList &arguments, QByteArray *output = nullptr)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    const bool finished = process.waitForFinished(kProcessTimeoutMs);
    if (!finished) {
        process.kill();
        process.waitForFinished(5'000);
    }
    if (output)
        *output = process.readAll();
    return finished && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

struct CaCase
{
    const char *name;
    CaKeyType type;
    QStringList keygenArguments; // the same algorithm for ssh-keygen's own CA key
};

struct Measurement
{
    int count = 0;
    int failed = 0;
    double seconds = 0;
    double perSecond() const { return seconds > 0 ? (count - failed) / seconds : 0; }
};

// Every certificate is checked (signature verified) outside the timed loop.
Measurement measureInProcess(const SshCertificateSigner &ca, const std::vector<SshPublicKey> &subjects, int count)
{
    Measurement result;
    result.count = count;
    std::vector<SshCertificate> made;
    made.reserve(size_t(count));
    const QDateTime validAfter = QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC);
    const SteadyClock::time_point start = SteadyClock::now();
    for (int i = 0; i < count; ++i) {
        CertificateRequest request;
        request.subject = subjects[size_t(i) % subjects.size()];
        request.serial = quint64(i) + 1;
        request.keyId = u"bench:%1"_s.arg(i);
        request.principals = {u"p"_s};
        request.validAfter = validAfter;
        request.validBefore = validAfter.addDays(1);
        request.extensions = {{u"permit-pty"_s, QString()}, {u"permit-user-rc"_s, QString()}};
        Result<SshCertificate> certificate = SshCertificate::sign(request, ca);
        if (certificate)
            made.push_back(std::move(certificate).value());
        else
            ++result.failed;
    }
    result.seconds = secondsSince(start);
    for (const SshCertificate &certificate : made) {
        if (!certificate.verifySignature())
            ++result.failed;
    }
    return result;
}

// ssh-keygen once per certificate, as a script signing with OpenSSH's own tool would.
Measurement measureSshKeygen(const QString &caFile, const QStringList &subjectFiles, int count)
{
    Measurement result;
    result.count = count;
    const SteadyClock::time_point start = SteadyClock::now();
    for (int i = 0; i < count; ++i) {
        const QString &subject = subjectFiles[i % subjectFiles.size()];
        if (!runTool(u"ssh-keygen"_s,
                     {u"-q"_s, u"-s"_s, caFile, u"-I"_s, u"bench:%1"_s.arg(i), u"-n"_s, u"p"_s, u"-z"_s,
                      QString::number(i + 1), u"-V"_s, u"20260101:20260102"_s, subject}))
            ++result.failed;
    }
    result.seconds = secondsSince(start);
    return result;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Certificates signed per second: Keystead in process vs ssh-keygen -s"_s);
    parser.addHelpOption();
    const QCommandLineOption quick(u"quick"_s, u"a handful of certificates each: a smoke run"_s);
    const QCommandLineOption count(u"count"_s, u"certificates signed in process per CA (default 2000)"_s, u"n"_s);
    const QCommandLineOption keygenCount(u"keygen-count"_s,
                                         u"certificates signed by ssh-keygen per CA (default: as --count)"_s, u"n"_s);
    const QCommandLineOption keys(u"keys"_s, u"distinct subject keys, cycled (default 100)"_s, u"n"_s);
    parser.addOptions({quick, count, keygenCount, keys});
    parser.process(app);

    const int signCount = parser.isSet(count) ? parser.value(count).toInt() : (parser.isSet(quick) ? 10 : 2000);
    const int keygenSignCount
        = parser.isSet(keygenCount) ? parser.value(keygenCount).toInt() : (parser.isSet(quick) ? 5 : signCount);
    const int keyCount = parser.isSet(keys) ? parser.value(keys).toInt() : (parser.isSet(quick) ? 3 : 100);
    if (signCount <= 0 || keygenSignCount <= 0 || keyCount <= 0) {
        std::fprintf(stderr, "counts must be positive\n");
        return 2;
    }

    QTemporaryDir dir;
    if (!dir.isValid()) {
        std::fprintf(stderr, "no temporary folder\n");
        return 2;
    }
    QByteArray version;
    runTool(u"ssh"_s, {u"-V"_s}, &version);
    std::printf("bench_ca: %d certificates in process, %d with ssh-keygen, %d distinct Ed25519 subject keys\n",
                signCount, keygenSignCount, keyCount);
    std::printf("OpenSSH: %s\n", version.trimmed().constData());

    std::vector<SshPublicKey> subjects;
    QStringList subjectFiles;
    for (int i = 0; i < keyCount; ++i) {
        const QString file = QDir(dir.path()).filePath(u"subject-%1"_s.arg(i));
        QByteArray output;
        if (!runTool(u"ssh-keygen"_s, {u"-q"_s, u"-t"_s, u"ed25519"_s, u"-N"_s, QString(), u"-f"_s, file}, &output)) {
            std::fprintf(stderr, "ssh-keygen failed: %s\n", output.constData());
            return 1;
        }
        QFile publicFile(file + u".pub"_s);
        if (!publicFile.open(QIODevice::ReadOnly))
            return 1;
        Result<SshPublicKey> key = SshPublicKey::fromOpenSshLine(QString::fromUtf8(publicFile.readAll()).trimmed());
        if (!key)
            return 1;
        subjects.push_back(key.value());
        subjectFiles.append(file + u".pub"_s);
    }

    const std::vector<CaCase> cases{
        {"Ed25519", CaKeyType::Ed25519, {u"-t"_s, u"ed25519"_s}},
        {"RSA 3072", CaKeyType::Rsa3072, {u"-t"_s, u"rsa"_s, u"-b"_s, u"3072"_s}},
    };
    int failures = 0;
    std::printf("\n%-9s %22s %22s %8s\n", "CA", "in process (certs/s)", "ssh-keygen (certs/s)", "ratio");
    for (const CaCase &caCase : cases) {
        Result<SshCertificateSigner> ca = SshCertificateSigner::generate(caCase.type);
        if (!ca) {
            std::fprintf(stderr, "cannot make the %s CA: %s\n", caCase.name, qPrintable(ca.error().message));
            return 1;
        }
        // ssh-keygen signs with a CA key of the same algorithm in its own format
        // (OpenSSH 9.2 reads no Ed25519 PKCS#8 PEM, so it gets its own key).
        const QString caFile = QDir(dir.path()).filePath(u"ca-"_s + QString::fromLatin1(caCase.name).remove(u' '));
        if (!runTool(u"ssh-keygen"_s,
                     QStringList{u"-q"_s, u"-N"_s, QString(), u"-f"_s, caFile} + caCase.keygenArguments)) {
            std::fprintf(stderr, "ssh-keygen could not make a CA key\n");
            return 1;
        }
        const Measurement ours = measureInProcess(ca.value(), subjects, signCount);
        const Measurement theirs = measureSshKeygen(caFile, subjectFiles, keygenSignCount);
        failures += ours.failed + theirs.failed;
        const double ratio = theirs.perSecond() > 0 ? ours.perSecond() / theirs.perSecond() : 0;
        std::printf("%-9s %22.0f %22.1f %7.0fx\n", caCase.name, ours.perSecond(), theirs.perSecond(), ratio);
        if (ours.failed || theirs.failed)
            std::printf("          failures: %d in process, %d ssh-keygen\n", ours.failed, theirs.failed);
    }
    std::printf("\nIn process: one thread, SshCertificate::sign (encode, 32-byte nonce, sign), each result\n"
                "verified after the clock stops. ssh-keygen: one process per certificate (fork, exec, load\n"
                "the CA key, sign, write -cert.pub), as a shell loop would. Through the HTTP endpoint\n"
                "(store and endpoint included): bench_ca_http.\n");
    return failures == 0 ? 0 : 1;
}
