#include "HostKeys.h"

#include "secrets/SealedSecret.h"
#include "secrets/Vault.h"
#include "ssh/SshPrivateKey.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <sys/stat.h>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

struct HostKeyKind
{
    const char *name; // as in sshd's file names
    ssh_keytypes_e type;
    GeneratedKeyType generated;
    const char *label;
};

constexpr HostKeyKind kKinds[] = {
    {"ed25519", SSH_KEYTYPE_ED25519, GeneratedKeyType::Ed25519, "ED25519"},
    {"ecdsa", SSH_KEYTYPE_ECDSA_P256, GeneratedKeyType::EcdsaP256, "ECDSA"},
    {"rsa", SSH_KEYTYPE_RSA, GeneratedKeyType::Rsa3072, "RSA"},
};

constexpr qint64 kMaxKeyFileBytes = 64 * 1024;

quint32 readUint32(const QByteArray &data, qsizetype offset)
{
    return (quint32(quint8(data[offset])) << 24) | (quint32(quint8(data[offset + 1])) << 16)
        | (quint32(quint8(data[offset + 2])) << 8) | quint32(quint8(data[offset + 3]));
}

// The i-th length-prefixed string of a wire blob, or nothing.
std::optional<QByteArray> blobField(const QByteArray &blob, int index)
{
    qsizetype offset = 0;
    for (int i = 0;; ++i) {
        if (offset + 4 > blob.size())
            return std::nullopt;
        const qsizetype length = qsizetype(readUint32(blob, offset));
        offset += 4;
        if (length > blob.size() - offset)
            return std::nullopt;
        if (i == index)
            return blob.mid(offset, length);
        offset += length;
    }
}

// Size in bits as ssh-keygen -l prints it: the RSA modulus, else the curve.
int keyBits(ssh_key key)
{
    if (ssh_key_type(key) != SSH_KEYTYPE_RSA)
        return 256;
    const std::optional<QByteArray> modulus = blobField(libssh::publicKeyBlob(key), 2);
    if (!modulus || modulus->isEmpty())
        return 0;
    qsizetype start = 0;
    while (start < modulus->size() && modulus->at(start) == 0)
        ++start;
    if (start == modulus->size())
        return 0;
    int bits = int(modulus->size() - start - 1) * 8;
    for (quint8 top = quint8(modulus->at(start)); top != 0; top >>= 1)
        ++bits;
    return bits;
}

// The key in `text` (openssh-key-v1 or PEM, unencrypted), which must be of `kind`; `where` names it in errors.
Result<libssh::KeyPtr> importKey(const QByteArray &text, const HostKeyKind &kind, const QString &where)
{
    ssh_key raw = nullptr;
    if (ssh_pki_import_privkey_base64(text.constData(), nullptr, nullptr, nullptr, &raw) != SSH_OK)
        return Error::invalid(u"%1 is not an unencrypted private key libssh can read"_s.arg(where));
    libssh::KeyPtr key(raw);
    if (ssh_key_type(key.get()) != kind.type)
        return Error::invalid(u"%1 holds a %2 key, expected %3"_s.arg(
            where, QString::fromLatin1(ssh_key_type_to_char(ssh_key_type(key.get()))),
            QString::fromLatin1(ssh_key_type_to_char(kind.type))));
    return key;
}

// The private key file an older version kept, read only when it is as private as sshd wants it.
Result<QByteArray> readLegacyKey(const QString &path, const HostKeyKind &kind)
{
    const QByteArray nativePath = QFile::encodeName(path);
    struct stat info = {};
    if (::stat(nativePath.constData(), &info) != 0)
        return Error::unavailable(u"cannot read the host key %1"_s.arg(path));
    // The check sshd makes: a private key others can reach is no longer private.
    if ((info.st_mode & 077) != 0)
        return Error::invalid(u"the host key %1 is accessible by others (mode %2): it must be readable by its "
                              "owner only (chmod 600 %1)"_s.arg(path, QString::number(info.st_mode & 0777, 8)));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error::unavailable(u"cannot read the host key %1: %2"_s.arg(path, file.errorString()));
    QByteArray content = file.read(kMaxKeyFileBytes);
    if (Result<libssh::KeyPtr> valid = importKey(content, kind, path); !valid)
        return valid.error();
    return content;
}

// What the vault gets when it holds no key of this kind: the older version's file, else a new key.
Result<QByteArray> firstKey(const QString &legacyPath, const HostKeyKind &kind)
{
    if (QFileInfo::exists(legacyPath))
        return readLegacyKey(legacyPath, kind);
    Result<GeneratedKeyPair> made = generateKeyPair(kind.generated, {}, u"keystead-collect"_s);
    if (!made)
        return Error::internal(
            u"cannot generate the %1 host key: %2"_s.arg(QString::fromLatin1(kind.label), made.error().message));
    return std::move(made->privateKeyText);
}

// The legacy file (and its public half) goes once the vault holds the same key. True when it went.
bool retireLegacyKey(const QString &path, const QByteArray &sealed)
{
    if (!QFileInfo::exists(path))
        return false;
    QFile file(path);
    const QByteArray content = file.open(QIODevice::ReadOnly) ? file.read(kMaxKeyFileBytes) : QByteArray();
    file.close();
    if (content != sealed) {
        qWarning("collect: %s is no longer used (the host keys are sealed in the vault) and holds another key; "
                 "it was left in place",
                 qPrintable(path));
        return false;
    }
    if (!QFile::remove(path)) {
        qWarning("collect: cannot remove %s, whose key is sealed in the vault now", qPrintable(path));
        return false;
    }
    QFile::remove(path + u".pub"_s);
    qInfo("collect: sealed the host key of %s in the vault and removed the file", qPrintable(path));
    return true;
}

} // namespace

QString HostKeys::fileName(const QString &typeName)
{
    return u"ssh_host_%1_key"_s.arg(typeName);
}

SecretRef HostKeys::secretRef(const QString &typeName)
{
    return SecretRef{QString(kOwnerKind), typeName, QString(kField)};
}

Result<HostKeys> HostKeys::loadOrCreate(Vault &vault, Database &database, const QString &legacyDirectory)
{
    HostKeys keys;
    bool retired = false;
    for (const HostKeyKind &kind : kKinds) {
        const QString typeName = QString::fromLatin1(kind.name);
        const QString legacyPath = QDir(legacyDirectory).filePath(fileName(typeName));
        Result<QByteArray> text
            = sealedSecretOrMake(vault, database, secretRef(typeName), [&] { return firstKey(legacyPath, kind); });
        if (!text) {
            Error error = text.error();
            if (error.details.contains(u"vault_state"_s))
                error.message = u"the collect server's host keys are sealed in the vault, which cannot be opened: "_s
                    + error.message;
            return error;
        }
        const QString where = u"the %1 host key in the vault"_s.arg(QString::fromLatin1(kind.label));
        Result<libssh::KeyPtr> key = importKey(text.value(), kind, where);
        if (!key)
            return key.error();
        retired = retireLegacyKey(legacyPath, text.value()) || retired;
        text->fill('\0');

        HostKeyFingerprint fingerprint;
        fingerprint.algorithm = QString::fromLatin1(ssh_key_type_to_char(kind.type));
        fingerprint.typeLabel = QString::fromLatin1(kind.label);
        fingerprint.bits = keyBits(key.value().get());
        fingerprint.sha256 = libssh::sha256Fingerprint(key.value().get());
        if (fingerprint.sha256.isEmpty())
            return Error::internal(u"cannot compute the fingerprint of %1"_s.arg(where));
        keys.m_fingerprints.append(fingerprint);
        keys.m_keys.push_back(std::move(key).value());
    }
    // The older version's folder goes too, once nothing is left in it.
    if (retired)
        QDir().rmdir(legacyDirectory);
    return keys;
}

Status HostKeys::installInto(ssh_bind bind)
{
    for (libssh::KeyPtr &key : m_keys) {
        if (!key)
            return Error::internal(u"the host keys were handed out already"_s);
        // The bind takes ownership of the key on success.
        if (ssh_bind_options_set(bind, SSH_BIND_OPTIONS_IMPORT_KEY, key.get()) != SSH_OK)
            return Error::internal(u"libssh refused a host key: %1"_s.arg(QString::fromUtf8(ssh_get_error(bind))));
        [[maybe_unused]] ssh_key owned = key.release();
    }
    return {};
}

} // namespace keystead
