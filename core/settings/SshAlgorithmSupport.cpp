#include "settings/SshAlgorithmSupport.h"

#include "ssh/NativeHandles.h"

#include <array>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// Every name OpenSSH or libssh has ever used for these lists. libssh decides
// which of them it can do (its build, its crypto backend, FIPS mode); this is
// only the set of names worth asking about. "none" ciphers and MACs are left
// out on purpose: no policy may turn encryption or integrity off.
const std::array kCipherCandidates{
    "chacha20-poly1305@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-gcm@openssh.com",
    "aes256-ctr",
    "aes192-ctr",
    "aes128-ctr",
    "aes256-cbc",
    "aes192-cbc",
    "aes128-cbc",
    "rijndael-cbc@lysator.liu.se",
    "3des-cbc",
    "blowfish-cbc",
    "cast128-cbc",
    "arcfour256",
    "arcfour128",
    "arcfour",
};
const std::array kKexCandidates{
    "sntrup761x25519-sha512@openssh.com",
    "mlkem768x25519-sha256",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group14-sha256",
    "diffie-hellman-group-exchange-sha256",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group-exchange-sha1",
    "diffie-hellman-group1-sha1",
};
const std::array kMacCandidates{
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha1-etm@openssh.com",
    "umac-64-etm@openssh.com",
    "umac-128-etm@openssh.com",
    "hmac-md5-etm@openssh.com",
    "hmac-sha2-256",
    "hmac-sha2-512",
    "hmac-sha1",
    "umac-64@openssh.com",
    "umac-128@openssh.com",
    "hmac-md5",
};
const std::array kCompressionCandidates{"none", "zlib@openssh.com", "zlib"};

struct SupportedLists
{
    QStringList cipher;
    QStringList kex;
    QStringList mac;
    QStringList compression;

    const QStringList &of(AlgorithmList list) const
    {
        switch (list) {
        case AlgorithmList::Cipher: return cipher;
        case AlgorithmList::Kex: return kex;
        case AlgorithmList::Mac: return mac;
        case AlgorithmList::Compression: break;
        }
        return compression;
    }
};

// libssh refuses a list in which it knows no name (ssh_keep_known_algos leaves
// nothing), so setting one name at a time asks it exactly what it can do.
template <typename Candidates, typename Accepts>
QStringList probe(const Candidates &candidates, Accepts accepts)
{
    QStringList supported;
    for (const char *name : candidates) {
        if (accepts(name))
            supported.append(QString::fromLatin1(name));
    }
    return supported;
}

SupportedLists probeServer()
{
    const libssh::BindPtr bind(ssh_bind_new());
    SupportedLists lists;
    if (!bind)
        return lists;
    auto option = [&bind](ssh_bind_options_e type) {
        return [&bind, type](const char *name) { return ssh_bind_options_set(bind.get(), type, name) == SSH_OK; };
    };
    lists.cipher = probe(kCipherCandidates, option(SSH_BIND_OPTIONS_CIPHERS_S_C));
    lists.kex = probe(kKexCandidates, option(SSH_BIND_OPTIONS_KEY_EXCHANGE));
    lists.mac = probe(kMacCandidates, option(SSH_BIND_OPTIONS_HMAC_S_C));
    // The bind has no compression option: the accepted session's is what the server uses.
    const libssh::SessionPtr session(ssh_new());
    if (session) {
        lists.compression = probe(kCompressionCandidates, [&session](const char *name) {
            return ssh_options_set(session.get(), SSH_OPTIONS_COMPRESSION_S_C, name) == SSH_OK;
        });
    }
    return lists;
}

SupportedLists probeClient()
{
    const libssh::SessionPtr session(ssh_new());
    SupportedLists lists;
    if (!session)
        return lists;
    auto option = [&session](ssh_options_e type) {
        return [&session, type](const char *name) { return ssh_options_set(session.get(), type, name) == SSH_OK; };
    };
    lists.cipher = probe(kCipherCandidates, option(SSH_OPTIONS_CIPHERS_C_S));
    lists.kex = probe(kKexCandidates, option(SSH_OPTIONS_KEY_EXCHANGE));
    lists.mac = probe(kMacCandidates, option(SSH_OPTIONS_HMAC_C_S));
    lists.compression = probe(kCompressionCandidates, option(SSH_OPTIONS_COMPRESSION_C_S));
    return lists;
}

// What libssh can do does not change while the process runs: ask once.
const SupportedLists &serverLists()
{
    static const SupportedLists lists = probeServer();
    return lists;
}

const SupportedLists &clientLists()
{
    static const SupportedLists lists = probeClient();
    return lists;
}

} // namespace

QStringList supportedServerAlgorithms(AlgorithmList list)
{
    return serverLists().of(list);
}

QStringList supportedClientAlgorithms(AlgorithmList list)
{
    return clientLists().of(list);
}

std::optional<UnsupportedAlgorithm> firstUnsupported(const SshAlgorithms &algorithms, bool serverSide)
{
    const SupportedLists &supported = serverSide ? serverLists() : clientLists();
    const std::array<std::pair<QString, const QStringList *>, 4> lists{{
        {u"cipher"_s, &algorithms.cipher},
        {u"kex"_s, &algorithms.kex},
        {u"mac"_s, &algorithms.mac},
        {u"compression"_s, &algorithms.compression},
    }};
    const std::array kinds{AlgorithmList::Cipher, AlgorithmList::Kex, AlgorithmList::Mac, AlgorithmList::Compression};
    for (std::size_t i = 0; i < lists.size(); ++i) {
        const QStringList &names = *lists[i].second;
        const QStringList &known = supported.of(kinds[i]);
        for (qsizetype index = 0; index < names.size(); ++index) {
            if (!known.contains(names[index]))
                return UnsupportedAlgorithm{lists[i].first, static_cast<int>(index), names[index]};
        }
    }
    return std::nullopt;
}

} // namespace keystead
