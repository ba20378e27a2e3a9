#include "HostKeys.h"

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
    int generateParameter; // bits for ssh_pki_generate
    const char *label;
};

constexpr HostKeyKind kKinds[] = {
    {"ed25519", SSH_KEYTYPE_ED25519, 0, "ED25519"},
    {"ecdsa", SSH_KEYTYPE_ECDSA_P256, 256, "ECDSA"},
    {"rsa", SSH_KEYTYPE_RSA, 3072, "RSA"},
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

// Written under a temporary name, then renamed: a crash never leaves half a key.
Status writePrivateKey(const QString &path, ssh_key key)
{
    const QString temporary = path + u".new"_s;
    QFile::remove(temporary);
    // Made owner-only before libssh writes into it, so the key is never readable by others.
    QFile file(temporary);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return Error::unavailable(u"cannot create the host key %1: %2"_s.arg(temporary, file.errorString()));
    file.close();
    // (Not ssh_pki_export_privkey_base64: 0.10 reads past its buffer there.)
    if (ssh_pki_export_privkey_file(key, nullptr, nullptr, nullptr, QFile::encodeName(temporary).constData())
        != SSH_OK) {
        QFile::remove(temporary);
        return Error::unavailable(u"cannot write the host key %1"_s.arg(temporary));
    }
    if (!QFile::rename(temporary, path)) {
        QFile::remove(temporary);
        return Error::unavailable(u"cannot create the host key %1"_s.arg(path));
    }
    return {};
}

Status writePublicHalf(const QString &path, ssh_key key)
{
    ssh_key rawPublic = nullptr;
    if (ssh_pki_export_privkey_to_pubkey(key, &rawPublic) != SSH_OK)
        return Error::internal(u"cannot derive the public half of %1"_s.arg(path));
    const libssh::KeyPtr publicKey(rawPublic);
    char *rawBase64 = nullptr;
    if (ssh_pki_export_pubkey_base64(publicKey.get(), &rawBase64) != SSH_OK)
        return Error::internal(u"cannot encode the public half of %1"_s.arg(path));
    const libssh::CharPtr base64(rawBase64);
    const QByteArray line
        = QByteArray(ssh_key_type_to_char(ssh_key_type(key))) + ' ' + base64.get() + " keystead-collect\n";
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(line) != line.size())
        return Error::unavailable(u"cannot write %1: %2"_s.arg(path, file.errorString()));
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup
                        | QFileDevice::ReadOther);
    return {};
}

Result<libssh::KeyPtr> loadKey(const QString &path, const HostKeyKind &kind)
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
    const QByteArray content = file.read(kMaxKeyFileBytes);
    ssh_key raw = nullptr;
    if (ssh_pki_import_privkey_base64(content.constData(), nullptr, nullptr, nullptr, &raw) != SSH_OK)
        return Error::invalid(u"%1 is not an unencrypted private key libssh can read"_s.arg(path));
    libssh::KeyPtr key(raw);
    if (ssh_key_type(key.get()) != kind.type)
        return Error::invalid(u"%1 holds a %2 key, expected %3"_s.arg(
            path, QString::fromLatin1(ssh_key_type_to_char(ssh_key_type(key.get()))),
            QString::fromLatin1(ssh_key_type_to_char(kind.type))));
    return key;
}

Result<libssh::KeyPtr> createKey(const QString &path, const HostKeyKind &kind)
{
    ssh_key raw = nullptr;
    if (ssh_pki_generate(kind.type, kind.generateParameter, &raw) != SSH_OK)
        return Error::internal(u"cannot generate the %1 host key"_s.arg(QString::fromLatin1(kind.label)));
    libssh::KeyPtr key(raw);
    if (Status written = writePrivateKey(path, key.get()); !written)
        return written.error();
    return key;
}

} // namespace

QString HostKeys::fileName(const QString &typeName)
{
    return u"ssh_host_%1_key"_s.arg(typeName);
}

Result<HostKeys> HostKeys::loadOrCreate(const QString &directory)
{
    if (!QDir().mkpath(directory))
        return Error::unavailable(u"cannot create the folder %1"_s.arg(directory));
    QFile::setPermissions(directory, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);

    HostKeys keys;
    for (const HostKeyKind &kind : kKinds) {
        const QString path = QDir(directory).filePath(fileName(QString::fromLatin1(kind.name)));
        const bool exists = QFileInfo::exists(path);
        Result<libssh::KeyPtr> key = exists ? loadKey(path, kind) : createKey(path, kind);
        if (!key)
            return key.error();
        if (!exists || !QFileInfo::exists(path + u".pub"_s)) {
            if (Status written = writePublicHalf(path + u".pub"_s, key.value().get()); !written)
                return written.error();
        }
        HostKeyFingerprint fingerprint;
        fingerprint.algorithm = QString::fromLatin1(ssh_key_type_to_char(kind.type));
        fingerprint.typeLabel = QString::fromLatin1(kind.label);
        fingerprint.bits = keyBits(key.value().get());
        fingerprint.sha256 = libssh::sha256Fingerprint(key.value().get());
        if (fingerprint.sha256.isEmpty())
            return Error::internal(u"cannot compute the fingerprint of %1"_s.arg(path));
        keys.m_fingerprints.append(fingerprint);
        keys.m_keys.push_back(std::move(key).value());
    }
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
