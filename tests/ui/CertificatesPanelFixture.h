#pragma once

// The fixture shared by tst_certificatespanel.cpp and tst_certificatestates.cpp: what each test starts from.
#include "UiTestSupport.h"

#include "ca/CertificateAuthorityService.h"
#include "ui/certificates/CertificateAuthoritiesModel.h"
#include "ui/certificates/CertificateTexts.h"
#include "ui/certificates/CertificatesFilter.h"
#include "ui/certificates/CertificatesModel.h"
#include "ui/certificates/CertificatesPanel.h"
#include "ui/certificates/NewAuthorityDialog.h"
#include "ui/certificates/RevokeCertificateDialog.h"
#include "ui/certificates/SignCertificateDialog.h"

#include <QDateTimeEdit>
#include <QSpinBox>

#include <functional>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;
using keystead::ui::CertificateAuthoritiesModel;
using keystead::ui::CertificatesModel;
using keystead::ui::CertificatesPanel;
using keystead::ui::NewAuthorityDialog;
using keystead::ui::RevokeCertificateDialog;
using keystead::ui::SignCertificateDialog;

namespace certificatesPanelFixtureHelpers {

// How many change events of `topic` a spy on CertificateAuthorityService::changed saw.
inline int topicCount(const QSignalSpy &spy, QLatin1StringView topic)
{
    int count = 0;
    for (const QList<QVariant> &arguments : spy)
        count += arguments.at(0).value<ChangeSet>().topic == topic ? 1 : 0;
    return count;
}

struct ProcessResult
{
    int exitCode = -1;
    QByteArray output;
};

inline ProcessResult run(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForStarted(10'000) || !process.waitForFinished(60'000))
        return {};
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAll()};
}

inline QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

inline bool writeAll(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

// ssh-keygen -t TYPE in `dir`: the private key's path; empty on failure.
inline QString makeKeyPair(const QString &dir, const QString &type)
{
    static int made = 0;
    const QString path = QDir(dir).filePath(u"subject-%1-%2"_s.arg(type).arg(++made));
    if (run(u"ssh-keygen"_s, {u"-q"_s, u"-t"_s, type, u"-N"_s, QString(), u"-C"_s, u"alice@laptop"_s, u"-f"_s, path})
            .exitCode
        != 0)
        return {};
    return path;
}

// The .pub line of a new key pair; empty on failure.
inline QString makePublicKeyLine(const QString &dir, const QString &type)
{
    const QString path = makeKeyPair(dir, type);
    return path.isEmpty() ? QString() : QString::fromLatin1(readAll(path + u".pub"_s)).trimmed();
}

// What `ssh-keygen -L -f` prints of a certificate line.
inline QString describeCertificate(const QString &dir, const QString &line)
{
    static int described = 0;
    const QString path = QDir(dir).filePath(u"described-%1-cert.pub"_s.arg(++described));
    if (!writeAll(path, line.toUtf8() + '\n'))
        return {};
    const ProcessResult listed = run(u"ssh-keygen"_s, {u"-L"_s, u"-f"_s, path});
    return listed.exitCode == 0 ? QString::fromUtf8(listed.output) : QString();
}

// The principals section of `ssh-keygen -L` output.
inline QStringList listedPrincipals(const QString &description)
{
    QStringList principals;
    bool inside = false;
    for (const QString &line : description.split(u'\n')) {
        const QString trimmed = line.trimmed();
        if (trimmed.startsWith(u"Principals:"_s)) {
            inside = true;
            continue;
        }
        if (!inside)
            continue;
        if (trimmed.endsWith(u':') || trimmed.startsWith(u"Critical Options:"_s))
            break;
        if (!trimmed.isEmpty())
            principals.append(trimmed);
    }
    return principals;
}

} // namespace certificatesPanelFixtureHelpers

using namespace certificatesPanelFixtureHelpers;

class CertificatesPanelFixture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

protected:
    CertificateAuthorityService &service() { return *m_service; }
    CertificateAuthority makeAuthority(const QString &type, const QString &description, const QString &curve = {},
                                       int keySize = 0);
    IssuedCertificate issue(const QString &authorityId, const QString &publicKey, const QStringList &principals,
                            CertificateKind kind = CertificateKind::User, std::optional<QDateTime> validAfter = {},
                            std::optional<QDateTime> validUntil = {});
    QString cell(const QString &certificateId, int column);
    int certificateCount();

    QTemporaryDir m_dir;
    std::unique_ptr<UiCore> m_core;
    std::unique_ptr<CertificateAuthorityService> m_service;
    std::unique_ptr<CertificatesPanel> m_panel;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
};

inline void CertificatesPanelFixture::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(run(u"ssh-keygen"_s, {u"-?"_s}).exitCode >= 0, "ssh-keygen is needed");
}

inline void CertificatesPanelFixture::init()
{
    m_core = UiCore::create();
    QVERIFY(m_core);
    m_service = std::make_unique<CertificateAuthorityService>(m_core->store->database(), m_core->clock, *m_core->vault,
                                                              *m_core->audit);
    m_panel = std::make_unique<CertificatesPanel>(*m_service, *m_core->inventory, *m_core->collect, *m_core->settings,
                                                  m_core->clock);
    m_panel->resize(1200, 800);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    const auto mode = QAbstractItemModelTester::FailureReportingMode::QtTest;
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&m_panel->authoritiesModel(), mode));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&m_panel->certificatesModel(), mode));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(&m_panel->certificatesFilter(), mode));
}

inline void CertificatesPanelFixture::cleanup()
{
    m_testers.clear();
    m_panel.reset();
    m_service.reset();
    m_core.reset();
}

inline CertificateAuthority CertificatesPanelFixture::makeAuthority(const QString &type, const QString &description,
                                                                    const QString &curve, int keySize)
{
    CaCreateInput input;
    input.privateKeyType = type;
    input.ellipticCurve = curve;
    input.keySize = keySize;
    input.description = description;
    Result<CertificateAuthority> created = service().createAuthority(input, Actor::console());
    if (!created) {
        qWarning("%s", qPrintable(created.error().message));
        return {};
    }
    return created.value();
}

inline IssuedCertificate CertificatesPanelFixture::issue(const QString &authorityId, const QString &publicKey,
                                                         const QStringList &principals, CertificateKind kind,
                                                         std::optional<QDateTime> validAfter,
                                                         std::optional<QDateTime> validUntil)
{
    CertificateInput input;
    input.kind = kind;
    input.certificateAuthorityId = authorityId;
    input.publicKey = publicKey;
    input.principals = principals;
    input.validAfter = validAfter;
    input.validUntil = validUntil;
    Result<IssuedCertificate> issued = service().issue(input, Actor::console());
    if (!issued) {
        qWarning("%s", qPrintable(issued.error().message));
        return {};
    }
    return issued.value();
}

inline QString CertificatesPanelFixture::cell(const QString &certificateId, int column)
{
    return m_panel->certificatesModel().indexOf(certificateId, column).data().toString();
}

inline int CertificatesPanelFixture::certificateCount()
{
    CertificateQuery query;
    query.limit = 1000;
    Result<QList<IssuedCertificate>> listed = service().certificates(query);
    return listed ? static_cast<int>(listed->size()) : -1;
}
