#include "HostKeyScanner.h"

#include "hostkeys/HostKeyStore.h"
#include "ssh/NativeHandles.h"
#include "ssh/SshPublicKey.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// One connection per entry, in the order ssh-keyscan asks. The RSA entry names
// every signature kind, so an old server that only signs with SHA-1 still answers.
const char *const kHostKeyKinds[] = {
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512,rsa-sha2-256,ssh-rsa",
};

struct Attempt
{
    std::optional<ScannedHostKey> key;
    bool reached = false; // the server answered with its identification
    QString error;
};

bool setList(ssh_session session, ssh_options_e option, const QStringList &names)
{
    if (names.isEmpty())
        return true;
    const QByteArray joined = names.join(u',').toLatin1();
    return ssh_options_set(session, option, joined.constData()) == SSH_OK;
}

QString sessionError(ssh_session session)
{
    return QString::fromUtf8(ssh_get_error(session));
}

Attempt scanOne(const QByteArray &host, int port, const char *kinds, const HostKeyScanOptions &options)
{
    Attempt attempt;
    const libssh::SessionPtr session(ssh_new());
    if (!session) {
        attempt.error = u"libssh could not make a session"_s;
        return attempt;
    }
    ssh_session raw = session.get();
    const unsigned int portNumber = static_cast<unsigned int>(port);
    const long seconds = options.timeoutMs / 1000;
    const long microseconds = static_cast<long>(options.timeoutMs % 1000) * 1000;
    const int verbosity = SSH_LOG_NOLOG;
    const int no = 0;
    // Never read ~/.ssh/config or a known_hosts file, never write one: a scan only looks.
    bool set = ssh_options_set(raw, SSH_OPTIONS_PROCESS_CONFIG, &no) == SSH_OK
        && ssh_options_set(raw, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) == SSH_OK
        && ssh_options_set(raw, SSH_OPTIONS_HOST, host.constData()) == SSH_OK
        && ssh_options_set(raw, SSH_OPTIONS_PORT, &portNumber) == SSH_OK
        && ssh_options_set(raw, SSH_OPTIONS_KNOWNHOSTS, "/dev/null") == SSH_OK
        && ssh_options_set(raw, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") == SSH_OK
        && ssh_options_set(raw, SSH_OPTIONS_HOSTKEYS, kinds) == SSH_OK
        && ssh_options_set(raw, SSH_OPTIONS_TIMEOUT, &seconds) == SSH_OK
        && ssh_options_set(raw, SSH_OPTIONS_TIMEOUT_USEC, &microseconds) == SSH_OK;
    if (set && options.clientAlgorithms) {
        const SshAlgorithms &algorithms = *options.clientAlgorithms;
        set = setList(raw, SSH_OPTIONS_CIPHERS_C_S, algorithms.cipher)
            && setList(raw, SSH_OPTIONS_CIPHERS_S_C, algorithms.cipher)
            && setList(raw, SSH_OPTIONS_KEY_EXCHANGE, algorithms.kex)
            && setList(raw, SSH_OPTIONS_HMAC_C_S, algorithms.mac) && setList(raw, SSH_OPTIONS_HMAC_S_C, algorithms.mac)
            && setList(raw, SSH_OPTIONS_COMPRESSION_C_S, algorithms.compression)
            && setList(raw, SSH_OPTIONS_COMPRESSION_S_C, algorithms.compression);
    }
    if (!set) {
        attempt.error = u"libssh refused an option: "_s + sessionError(raw);
        return attempt;
    }
    if (ssh_connect(raw) != SSH_OK) {
        // A server that sent its identification was reached and simply has no key of this kind.
        attempt.reached = ssh_get_serverbanner(raw) != nullptr;
        attempt.error = sessionError(raw);
        ssh_disconnect(raw);
        return attempt;
    }
    attempt.reached = true;
    ssh_key rawKey = nullptr;
    if (ssh_get_server_publickey(raw, &rawKey) != SSH_OK || !rawKey) {
        attempt.error = u"the server's host key could not be read: "_s + sessionError(raw);
        ssh_disconnect(raw);
        return attempt;
    }
    const libssh::KeyPtr key(rawKey);
    const QByteArray blob = libssh::publicKeyBlob(key.get());
    const QString fingerprint = libssh::sha256Fingerprint(key.get());
    ssh_disconnect(raw);
    Result<SshPublicKey> parsed = SshPublicKey::fromBlob(blob);
    if (!parsed || fingerprint.isEmpty()) {
        attempt.error = u"the server offered a host key Keystead cannot read"_s;
        return attempt;
    }
    ScannedHostKey scanned;
    scanned.type = parsed->algorithm();
    scanned.value = QString::fromLatin1(blob.toBase64());
    scanned.fingerprint = fingerprint;
    scanned.bits = parsed->bits();
    attempt.key = scanned;
    return attempt;
}

} // namespace

ScanResult scanHostKeys(const QString &address, int port, const HostKeyScanOptions &options)
{
    ScanResult result;
    result.port = port;
    Result<QString> canonical = HostKeyStore::canonicalAddress(address);
    if (!canonical) {
        result.address = address;
        result.error = canonical.error().message;
        return result;
    }
    result.address = *canonical;
    if (port < 1 || port > 65535) {
        result.error = u"The port must be between 1 and 65535"_s;
        return result;
    }
    const QByteArray host = result.address.toLatin1();
    bool reached = false;
    QString lastError;
    for (const char *kinds : kHostKeyKinds) {
        if (options.cancel && options.cancel->load()) {
            result.error = u"cancelled"_s;
            return result;
        }
        Attempt attempt = scanOne(host, port, kinds, options);
        if (attempt.key) {
            const bool seen = std::any_of(result.keys.cbegin(), result.keys.cend(), [&](const ScannedHostKey &key) {
                return key.fingerprint == attempt.key->fingerprint;
            });
            if (!seen)
                result.keys.append(*attempt.key);
        }
        reached = reached || attempt.reached;
        if (!attempt.error.isEmpty())
            lastError = attempt.error;
        if (!attempt.reached)
            break; // nothing answers there (refused, unreachable, timed out): the other kinds would not either
    }
    if (!reached)
        result.error = lastError.isEmpty() ? u"the server could not be reached"_s : lastError;
    else if (result.keys.isEmpty())
        result.error = u"the server offered no host key of a kind Keystead scans (%1)"_s.arg(lastError);
    return result;
}

} // namespace keystead
