#include "settings/PolicyLint.h"

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

using Severity = PolicyWarning::Severity;
using Side = PolicyWarning::Side;

bool isCbc(const QString &cipher)
{
    // aes*-cbc, 3des-cbc, blowfish-cbc, cast128-cbc, and the pre-standard rijndael-cbc@lysator.liu.se.
    return cipher.endsWith(u"-cbc"_s) || cipher.contains(u"-cbc@"_s);
}

bool isEtm(const QString &mac)
{
    return mac.endsWith(u"-etm@openssh.com"_s);
}

bool isSha1Mac(const QString &mac)
{
    return mac == u"hmac-sha1"_s || mac.startsWith(u"hmac-sha1-"_s) || mac.startsWith(u"hmac-sha1@"_s);
}

bool isMd5Mac(const QString &mac)
{
    return mac.startsWith(u"hmac-md5"_s);
}

bool isSha1Kex(const QString &kex)
{
    return kex.endsWith(u"-sha1"_s) || kex.contains(u"-sha1@"_s);
}

QString peers(Side side)
{
    return side == Side::Server ? u"clients"_s : u"servers"_s;
}

class Linter final
{
public:
    explicit Linter(Side side)
        : m_side(side)
    {
    }

    void add(Severity severity, const QString &list, const QString &algorithm, const QString &rule,
             const QString &message)
    {
        m_warnings.append(PolicyWarning{severity, m_side, list, algorithm, rule, message});
    }

    void ciphers(const QStringList &names)
    {
        for (const QString &name : names) {
            if (name == u"none"_s) {
                add(Severity::Error, u"cipher"_s, name, u"none-cipher"_s,
                    u"The \"none\" cipher sends everything, passwords included, in plain text."_s);
            } else if (name == u"3des-cbc"_s || name == u"blowfish-cbc"_s || name == u"cast128-cbc"_s) {
                add(Severity::Warning, u"cipher"_s, name, u"cbc-cipher"_s,
                    u"%1 is a 64-bit block cipher in CBC mode: open to SSH's CBC plaintext recovery and, on long "
                    "sessions, to birthday attacks (Sweet32). Prefer aes256-gcm@openssh.com or aes*-ctr."_s.arg(name));
            } else if (isCbc(name)) {
                add(Severity::Warning, u"cipher"_s, name, u"cbc-cipher"_s,
                    u"%1 uses CBC mode, which is open to SSH's CBC plaintext recovery attack. Prefer "
                    "aes256-gcm@openssh.com or aes*-ctr."_s.arg(name));
            } else if (name.startsWith(u"arcfour"_s) || name == u"des"_s || name.startsWith(u"des-"_s)) {
                add(Severity::Warning, u"cipher"_s, name, u"weak-cipher"_s,
                    u"%1 is a broken or too short cipher. Prefer aes256-gcm@openssh.com or aes*-ctr."_s.arg(name));
            }
        }
    }

    void kex(const QStringList &names)
    {
        for (const QString &name : names) {
            if (name == u"diffie-hellman-group1-sha1"_s) {
                add(Severity::Error, u"kex"_s, name, u"dh-group1"_s,
                    u"diffie-hellman-group1-sha1 uses a 1024-bit group (within reach of precomputation, as in "
                    "Logjam) and SHA-1. Prefer curve25519-sha256."_s);
            } else if (isSha1Kex(name)) {
                add(Severity::Warning, u"kex"_s, name, u"sha1-kex"_s,
                    u"%1 hashes the key exchange with SHA-1, whose collisions are practical. Prefer "
                    "curve25519-sha256 or diffie-hellman-group16-sha512."_s.arg(name));
            }
        }
    }

    void macs(const QStringList &names)
    {
        for (const QString &name : names) {
            if (name == u"none"_s) {
                add(Severity::Error, u"mac"_s, name, u"none-mac"_s,
                    u"The \"none\" MAC leaves packets without an integrity check whenever the cipher is not an "
                    "AEAD one (ctr, cbc): an attacker can change them unnoticed."_s);
            } else if (isSha1Mac(name)) {
                add(Severity::Warning, u"mac"_s, name, u"sha1-mac"_s,
                    u"%1 is built on SHA-1, which is deprecated. Prefer hmac-sha2-256-etm@openssh.com or "
                    "hmac-sha2-512-etm@openssh.com."_s.arg(name));
            } else if (isMd5Mac(name)) {
                add(Severity::Warning, u"mac"_s, name, u"md5-mac"_s,
                    u"%1 is built on MD5, which is broken. Prefer hmac-sha2-256-etm@openssh.com or "
                    "hmac-sha2-512-etm@openssh.com."_s.arg(name));
            }
        }
    }

    // ssh-rsa signs with SHA-1. It does not belong in these lists (the host key
    // algorithms are not part of a policy), but a name typed in the wrong list is
    // still worth a word.
    void sshRsa(const QString &list, const QStringList &names)
    {
        for (const QString &name : names) {
            if (name == u"ssh-rsa"_s || name == u"ssh-rsa-cert-v01@openssh.com"_s || name == u"ssh-dss"_s) {
                add(Severity::Warning, list, name, u"ssh-rsa-sha1"_s,
                    u"%1 signs with SHA-1 (OpenSSH 8.8 and later refuse it). Use rsa-sha2-512 or rsa-sha2-256 for "
                    "RSA keys, or Ed25519 keys."_s.arg(name));
            }
        }
    }

    // Terrapin (Bäumer, Brinkmann, Schwenk 2023, CVE-2023-48795): a man in the
    // middle adjusts the sequence numbers during the unencrypted handshake and
    // then deletes the first encrypted packets (EXT_INFO) unnoticed. Practical
    // with chacha20-poly1305@openssh.com, and with a CBC cipher together with an
    // EtM MAC. Strict key exchange (kex-strict-s-v00@openssh.com /
    // kex-strict-c-v00@openssh.com, in libssh from 0.10.6 and OpenSSH from 9.6)
    // closes it, but only when both ends do it: a warning, not an error.
    void terrapin(const SshAlgorithms &algorithms)
    {
        const QString mitigation
            = u"Keystead's libssh 0.10.6 does strict key exchange (kex-strict-s-v00@openssh.com), which closes the "
              "attack with peers that do it too (OpenSSH 9.6 and later, PuTTY 0.80 and later); %1 without it stay "
              "exposed."_s.arg(peers(m_side));
        for (const QString &name : algorithms.cipher) {
            if (name == u"chacha20-poly1305@openssh.com"_s) {
                add(Severity::Warning, u"cipher"_s, name, u"terrapin-chacha20"_s,
                    u"chacha20-poly1305@openssh.com is open to the Terrapin prefix truncation attack (CVE-2023-48795) "
                    "when strict key exchange is not in force. "_s
                        + mitigation);
            }
        }
        QStringList cbc;
        for (const QString &name : algorithms.cipher) {
            if (isCbc(name))
                cbc.append(name);
        }
        QStringList etm;
        for (const QString &name : algorithms.mac) {
            if (isEtm(name))
                etm.append(name);
        }
        if (!cbc.isEmpty() && !etm.isEmpty()) {
            add(Severity::Warning, u"mac"_s, cbc.join(u", "_s) + u" + "_s + etm.join(u", "_s), u"terrapin-cbc-etm"_s,
                u"A CBC cipher together with an encrypt-then-MAC (-etm@openssh.com) MAC is open to the Terrapin "
                "prefix truncation attack (CVE-2023-48795) when strict key exchange is not in force. "_s
                    + mitigation);
        }
    }

    QList<PolicyWarning> take() { return std::move(m_warnings); }

private:
    Side m_side;
    QList<PolicyWarning> m_warnings;
};

} // namespace

QString PolicyWarning::field() const
{
    return (side == Side::Server ? u"server_side_algorithms."_s : u"client_side_algorithms."_s) + list;
}

QList<PolicyWarning> lintAlgorithms(const SshAlgorithms &algorithms, PolicyWarning::Side side)
{
    Linter linter(side);
    linter.ciphers(algorithms.cipher);
    linter.sshRsa(u"cipher"_s, algorithms.cipher);
    linter.kex(algorithms.kex);
    linter.sshRsa(u"kex"_s, algorithms.kex);
    linter.macs(algorithms.mac);
    linter.sshRsa(u"mac"_s, algorithms.mac);
    linter.terrapin(algorithms);
    return linter.take();
}

QList<PolicyWarning> lintPolicy(const SettingsPolicy &policy)
{
    QList<PolicyWarning> warnings = lintAlgorithms(policy.serverSide, PolicyWarning::Side::Server);
    warnings.append(lintAlgorithms(policy.clientSide, PolicyWarning::Side::Client));
    return warnings;
}

} // namespace keystead
