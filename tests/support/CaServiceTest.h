#pragma once

#include "KeyMaterial.h"
#include "StoreTestSupport.h"
#include "VaultedStore.h"

#include "api/CaErrorShape.h"
#include "ca/CertificateAuthorityService.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <memory>

// What the certificate authority's tests share: a store with the CA service,
// subject keys made by ssh-keygen, and OpenSSH's verdict on a KRL.
namespace keystead::test {

using namespace Qt::StringLiterals;

// How many change events of `topic` a spy on CertificateAuthorityService::changed saw.
inline int topicCount(const QSignalSpy &spy, QLatin1StringView topic)
{
    int count = 0;
    for (const QList<QVariant> &arguments : spy)
        count += arguments.at(0).value<ChangeSet>().topic == topic ? 1 : 0;
    return count;
}

// One store with its vault, audit log and the CA service.
struct CaFixture : VaultedStore
{
    std::unique_ptr<CertificateAuthorityService> service;

    QMap<QString, int> counts()
    {
        return VaultedStore::counts({u"ssh_certificate_authorities"_s, u"ssh_certificates"_s,
                                     u"certificate_revocations"_s, u"vault_secrets"_s, u"audit_log"_s});
    }
};

struct ProcessResult
{
    int exitCode = -1;
    QByteArray output;
};

inline ProcessResult runTool(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForFinished(120'000) || process.exitStatus() != QProcess::NormalExit)
        return {};
    return {process.exitCode(), process.readAll()};
}

inline int code(const Error &error)
{
    return CaErrorShape::codeOf(error);
}

class CaServiceTest : public QObject
{
protected:
    using Fixture = CaFixture;

    Fixture make(const QString &backend, const QString &masterKeyFile = {})
    {
        Fixture fixture;
        if (fixture.open(backend, m_clock, masterKeyFile))
            fixture.service = std::make_unique<CertificateAuthorityService>(fixture.database(), m_clock, *fixture.vault,
                                                                            *fixture.audit);
        return fixture;
    }
    CertificateAuthority makeCa(Fixture &f, const QString &type = u"ed25519"_s)
    {
        CaCreateInput input;
        input.privateKeyType = type;
        Result<CertificateAuthority> ca = f.service->createAuthority(input, m_actor);
        if (!ca)
            qFatal("cannot create a CA: %s", qPrintable(ca.error().message));
        return ca.value();
    }
    CertificateInput userInput(const CertificateAuthority &ca, const QString &subject = u"ed25519"_s) const
    {
        CertificateInput input;
        input.kind = CertificateKind::User;
        input.certificateAuthorityId = ca.id;
        input.publicKey = m_subjects.value(subject);
        input.principals = {u"alice"_s};
        return input;
    }
    QString writeTemp(const QString &name, const QByteArray &bytes)
    {
        const QString path = m_dir.filePath(name);
        return writeFile(path, bytes) ? path : QString();
    }
    // "REVOKED" or "ok" for each file, as ssh-keygen -Q reads the KRL.
    QString krlVerdict(const QByteArray &krl, const QString &publicOrCertificateLine)
    {
        const QString krlPath = writeTemp(u"check.krl"_s, krl);
        const QString keyPath = writeTemp(u"check-cert.pub"_s, publicOrCertificateLine.toUtf8() + '\n');
        const ProcessResult result = runTool(u"ssh-keygen"_s, {u"-Q"_s, u"-f"_s, krlPath, keyPath});
        if (result.output.contains("REVOKED"))
            return u"REVOKED"_s;
        if (result.exitCode == 0 && result.output.contains(": ok"))
            return u"ok"_s;
        return u"error: "_s + QString::fromUtf8(result.output);
    }

    // One subject key per type (and a second Ed25519 one), made by ssh-keygen: m_subjects.
    void makeSubjects()
    {
        QVERIFY(m_dir.isValid());
        const QList<std::pair<QString, QStringList>> kinds{
            {u"ed25519"_s, {u"-t"_s, u"ed25519"_s}},
            {u"ed25519-b"_s, {u"-t"_s, u"ed25519"_s}},
            {u"ecdsa"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"384"_s}},
            {u"rsa"_s, {u"-t"_s, u"rsa"_s, u"-b"_s, u"2048"_s}},
            {u"rsa1024"_s, {u"-t"_s, u"rsa"_s, u"-b"_s, u"1024"_s}},
            {u"dsa"_s, {u"-t"_s, u"dsa"_s}},
        };
        for (const auto &[name, type] : kinds) {
            const QString path = m_dir.filePath(u"subject-"_s + name);
            const ProcessResult made
                = runTool(u"ssh-keygen"_s, QStringList{u"-q"_s, u"-N"_s, u""_s, u"-C"_s, name, u"-f"_s, path} + type);
            if (made.exitCode != 0 && name == u"dsa"_s)
                continue; // an OpenSSH built without DSA
            QVERIFY2(made.exitCode == 0, made.output.constData());
            m_subjects.insert(name, QString::fromLatin1(readFile(path + u".pub"_s)).trimmed());
        }
    }

    ManualClock m_clock{QDateTime(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC)};
    Actor m_actor = Actor::console();
    QTemporaryDir m_dir;
    QMap<QString, QString> m_subjects; // name -> OpenSSH public key line
};

} // namespace keystead::test
