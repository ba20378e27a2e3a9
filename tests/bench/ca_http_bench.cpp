// Certificates issued through the HTTP endpoint: POST /ssh_user_certificates
// from 1, 4 and 16 concurrent clients (each one keep-alive connection, its own
// thread), on SQLite and, when KEYSTEAD_TEST_POSTGRES_URL is set, PostgreSQL.
// Prints certificates per second and the p50 / p99 latency of one request, so
// the cost of the store and the endpoint shows beside bench_ca's in-process
// signing numbers. `--quick` (the ctest smoke run) issues a handful and checks
// every answer is a 201 with a serial of its own; it asserts nothing on timing.

#include "TestDatabase.h"

#include "api/ApiEndpoint.h"
#include "api/ApiRouter.h"
#include "api/CaController.h"
#include "api/TokenService.h"
#include "audit/AuditLog.h"
#include "ca/CertificateAuthorityService.h"
#include "common/Clock.h"
#include "secrets/MasterKeyStore.h"
#include "secrets/Vault.h"
#include "ssh/SshCertificate.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QSet>
#include <QTcpSocket>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::TestDatabase;

namespace {

constexpr int kReplyTimeoutMs = 60'000;

void print(const QString &text)
{
    std::fputs(text.toUtf8().constData(), stdout);
    std::fflush(stdout);
}

// One keep-alive HTTP/1.1 connection, used from one thread only.
class Client final
{
public:
    bool connectTo(quint16 port)
    {
        m_socket.connectToHost(QHostAddress(QHostAddress::LocalHost), port);
        return m_socket.waitForConnected(10'000);
    }

    // The status and body of one request; nullopt when no whole answer came in time.
    std::optional<std::pair<int, QByteArray>> post(const QByteArray &path, const QByteArray &token,
                                                   const QByteArray &body)
    {
        const QByteArray request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
            + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n"
            + body;
        m_socket.write(request);
        if (!m_socket.waitForBytesWritten(kReplyTimeoutMs))
            return std::nullopt;
        QElapsedTimer timer;
        timer.start();
        QByteArray buffer;
        qsizetype headerEnd = -1;
        qsizetype length = -1;
        while (timer.elapsed() < kReplyTimeoutMs) {
            if (headerEnd < 0) {
                headerEnd = buffer.indexOf("\r\n\r\n");
                if (headerEnd >= 0) {
                    for (const QByteArray &line : buffer.left(headerEnd).split('\n')) {
                        if (line.toLower().startsWith("content-length:"))
                            length = line.mid(15).trimmed().toLongLong();
                    }
                    if (length < 0)
                        return std::nullopt;
                }
            }
            if (headerEnd >= 0 && buffer.size() >= headerEnd + 4 + length) {
                const int status = buffer.mid(9, 3).toInt();
                return std::pair{status, buffer.mid(headerEnd + 4, length)};
            }
            if (!m_socket.waitForReadyRead(1000) && m_socket.state() != QAbstractSocket::ConnectedState)
                return std::nullopt;
            buffer += m_socket.readAll();
        }
        return std::nullopt;
    }

private:
    QTcpSocket m_socket;
};

struct RunResult
{
    int issued = 0;
    int failed = 0;
    double seconds = 0;
    std::vector<double> latenciesMs;
    QSet<qint64> serials;
};

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const auto index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values.at(std::min(index, values.size() - 1));
}

RunResult issueConcurrently(quint16 port, const QByteArray &token, const QByteArray &body, int clients, int total)
{
    RunResult result;
    QMutex mutex;
    std::vector<std::unique_ptr<QThread>> threads;
    QElapsedTimer wall;
    for (int c = 0; c < clients; ++c) {
        const int share = total / clients + (c < total % clients ? 1 : 0);
        threads.emplace_back(QThread::create([&, share] {
            Client client;
            std::vector<double> latencies;
            QList<qint64> serials;
            int failed = 0;
            if (!client.connectTo(port)) {
                failed = share;
            } else {
                for (int i = 0; i < share; ++i) {
                    QElapsedTimer one;
                    one.start();
                    const auto reply = client.post("/ssh_user_certificates", token, body);
                    latencies.push_back(static_cast<double>(one.nsecsElapsed()) / 1e6);
                    if (!reply || reply->first != 201) {
                        ++failed;
                        if (reply)
                            print(u"  refused: %1 %2\n"_s.arg(reply->first).arg(QString::fromUtf8(reply->second)));
                        continue;
                    }
                    serials.append(QJsonDocument::fromJson(reply->second).object().value(u"serial"_s).toInteger(-1));
                }
            }
            QMutexLocker lock(&mutex);
            result.failed += failed;
            result.latenciesMs.insert(result.latenciesMs.end(), latencies.begin(), latencies.end());
            for (const qint64 serial : std::as_const(serials)) {
                ++result.issued;
                result.serials.insert(serial);
            }
        }));
    }
    wall.start();
    for (auto &thread : threads)
        thread->start();
    for (auto &thread : threads)
        thread->wait();
    result.seconds = static_cast<double>(wall.nsecsElapsed()) / 1e9;
    return result;
}

// Runs every client count on one backend; false when any request failed or a serial repeated.
bool benchBackend(const QString &backend, int total, const SshPublicKey &subject)
{
    SystemClock clock;
    std::unique_ptr<TestDatabase> store = TestDatabase::create(backend, clock);
    if (!store) {
        print(u"%1: cannot create a store\n"_s.arg(backend));
        return false;
    }
    Database &database = store->database();
    TokenService tokens(database);
    ApiRouter router(tokens, clock);
    FileMasterKeyStore masterKeys(store->dataDir() + u"/master.key"_s);
    Vault vault(database, clock, masterKeys);
    AuditLog audit(database, clock);
    CertificateAuthorityService service(database, clock, vault, audit);
    CaController controller(router, service);
    ApiEndpoint endpoint(router, database);
    const Result<NewApiToken> token = tokens.create(u"bench"_s);
    EndpointConfig config;
    config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    if (!token || !endpoint.start(config).ok()) {
        print(u"%1: cannot start the endpoint\n"_s.arg(backend));
        return false;
    }
    bool ok = true;
    for (const QString &type : {u"ed25519"_s, u"rsa"_s}) {
        CaCreateInput input;
        input.privateKeyType = type;
        input.keySize = type == u"rsa"_s ? 3072 : 0;
        const Result<CertificateAuthority> ca = service.createAuthority(input, Actor::commandLine());
        if (!ca) {
            print(u"%1: cannot create a CA: %2\n"_s.arg(backend, ca.error().message));
            return false;
        }
        const QByteArray body = QJsonDocument(QJsonObject{{u"ssh_certificate_authority_id"_s, ca->id},
                                                          {u"public_key"_s, subject.openSshLine()},
                                                          {u"principals"_s, QJsonArray{u"bench"_s}}})
                                    .toJson(QJsonDocument::Compact);
        int issuedSoFar = 0;
        for (const int clients : {1, 4, 16}) {
            const RunResult run = issueConcurrently(endpoint.port(), token->secret.toLatin1(), body, clients, total);
            issuedSoFar += run.issued;
            const bool unique = run.serials.size() == run.issued;
            ok = ok && run.failed == 0 && unique;
            print(u"%1  %2 CA  %3 clients  %4 certificates in %5 s  %6 certs/s  p50 %7 ms  p99 %8 ms%9\n"_s
                      .arg(backend.leftJustified(8), (type == u"rsa"_s ? u"rsa3072"_s : type).leftJustified(7))
                      .arg(clients, 2)
                      .arg(run.issued)
                      .arg(run.seconds, 0, 'f', 2)
                      .arg(run.seconds > 0 ? run.issued / run.seconds : 0, 0, 'f', 1)
                      .arg(percentile(run.latenciesMs, 0.50), 0, 'f', 2)
                      .arg(percentile(run.latenciesMs, 0.99), 0, 'f', 2)
                      .arg(run.failed == 0 && unique
                               ? QString()
                               : u"  FAILED (%1 failed, serials unique: %2)"_s.arg(run.failed).arg(unique)));
        }
        const Result<CertificateAuthority> after = service.authority(ca->id);
        ok = ok && after && after->certificatesIssued == issuedSoFar;
    }
    endpoint.stop();
    return ok;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Certificates issued per second through POST /ssh_user_certificates"_s);
    parser.addHelpOption();
    const QCommandLineOption quick(u"quick"_s, u"A handful of requests: the ctest smoke run."_s);
    const QCommandLineOption count(u"count"_s, u"Certificates per client count (default 400)."_s, u"n"_s, u"400"_s);
    parser.addOptions({quick, count});
    parser.process(app);
    const int total = parser.isSet(quick) ? 16 : std::max(16, parser.value(count).toInt());

    const Result<SshCertificateSigner> subject = SshCertificateSigner::generate(CaKeyType::Ed25519);
    if (!subject) {
        print(u"cannot make a subject key: %1\n"_s.arg(subject.error().message));
        return 1;
    }
    bool ok = true;
    for (const QString &backend : keystead::test::storeBackends())
        ok = benchBackend(backend, total, subject->publicKey()) && ok;
    return ok ? 0 : 1;
}
