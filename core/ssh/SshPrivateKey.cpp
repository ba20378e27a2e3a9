#include "ssh/SshPrivateKey.h"

#include "ssh/NativeHandles.h"
#include "ssh/PrivateKeyDetail.h"
#include <QByteArrayView>
#include <QFile>
#include <QTemporaryDir>

#include <libssh/libssh.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

using namespace Qt::StringLiterals;

namespace keystead {

using namespace sshkey;

namespace {

OpenSslPtr<EVP_PKEY> newKey(GeneratedKeyType type)
{
    switch (type) {
    case GeneratedKeyType::Ed25519: return OpenSslPtr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    case GeneratedKeyType::EcdsaP256: return OpenSslPtr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    case GeneratedKeyType::EcdsaP384: return OpenSslPtr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
    case GeneratedKeyType::EcdsaP521: return OpenSslPtr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521"));
    case GeneratedKeyType::Rsa3072:
        return OpenSslPtr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072}));
    case GeneratedKeyType::Rsa4096:
        return OpenSslPtr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{4096}));
    }
    return nullptr;
}

} // namespace

QString privateKeyFormatName(PrivateKeyFormat format)
{
    switch (format) {
    case PrivateKeyFormat::OpenSsh: return u"openssh"_s;
    case PrivateKeyFormat::PemPkcs1: return u"pkcs1"_s;
    case PrivateKeyFormat::Pkcs8: return u"pkcs8"_s;
    }
    return {};
}

QString privateKeyProblemName(PrivateKeyProblem problem)
{
    switch (problem) {
    case PrivateKeyProblem::Unreadable: return u"unreadable"_s;
    case PrivateKeyProblem::Unsupported: return u"unsupported"_s;
    case PrivateKeyProblem::PasswordRequired: return u"password_required"_s;
    case PrivateKeyProblem::WrongPassword: return u"wrong_password"_s;
    case PrivateKeyProblem::PasswordNotNeeded: return u"password_not_needed"_s;
    }
    return {};
}

Result<SshPrivateKey> SshPrivateKey::parse(const QByteArray &text, const QByteArray &password)
{
    if (text.size() > MaxTextSize)
        return unreadable(
            u"the text is %1 bytes, more than any private key (at most %2)"_s.arg(text.size()).arg(MaxTextSize));
    const OpenSslErrorsCleared clearErrors;
    if (password.contains('\0'))
        return wrongPassword(); // no tool can have set such a password: they all take C strings

    const SecretBytes normalized = normalizedText(text);
    const QByteArrayView trimmed = normalized.view().trimmed();
    if (trimmed.isEmpty())
        return unreadable(u"no private key was given"_s);
    Result<Armor> armor = readArmor(trimmed);
    if (!armor)
        return armor.error();
    Armor &block = armor.value();
    const QByteArray &label = block.label;

    SshPrivateKey parsed;
    if (label == OpenSshLabel) {
        Result<OpenSshContainer> container = readOpenSshContainer(block);
        if (!container)
            return container.error();
        parsed.m_format = PrivateKeyFormat::OpenSsh;
        parsed.m_encrypted = container->cipher != nullptr;
        WireReader blob(container->publicBlob);
        const QByteArrayView algorithm = blob.string().value_or(QByteArrayView());
        if (!parsed.m_encrypted) {
            Result<OpenSshPrivate> opened = readPrivateSection(container->privateSection, algorithm);
            if (!opened)
                return opened.error();
            Result<SshPublicKey> publicKey = publicKeyOf(opened->key.get());
            if (!publicKey)
                return publicKey.error();
            if (publicKey->blob() != container->publicBlob)
                return unreadable(u"it is damaged: its public and private parts are different keys"_s);
            if (!password.isEmpty())
                return passwordNotNeeded();
            parsed.m_publicKey = std::move(publicKey).value();
            parsed.m_comment = opened->comment;
            return parsed;
        }
        if (password.isEmpty())
            return passwordRequired();
        Result<QByteArray> opened = openWithLibssh(block, password);
        if (!opened)
            return opened.error();
        if (*opened != container->publicBlob)
            return unreadable(u"it is damaged: its public and private parts are different keys"_s);
        Result<SshPublicKey> publicKey = SshPublicKey::fromBlob(container->publicBlob);
        if (!publicKey)
            return unreadable(publicKey.error().message);
        // libssh reads the comment but does not hand it out: it stays empty for encrypted keys.
        parsed.m_publicKey = std::move(publicKey).value();
        return parsed;
    }

    Result<OpenSslPtr<EVP_PKEY>> key = Error::internal({});
    if (label == "RSA PRIVATE KEY" || label == "EC PRIVATE KEY") {
        parsed.m_format = PrivateKeyFormat::PemPkcs1;
        QByteArray procType = block.header("Proc-Type");
        if (!procType.isEmpty() && procType.replace(' ', "") != "4,ENCRYPTED")
            return unreadable(u"its Proc-Type header is not one OpenSSL writes"_s);
        parsed.m_encrypted = !procType.isEmpty();
        key = readPkcs1(block, parsed.m_encrypted, password);
    } else if (label == "PRIVATE KEY" || label == "ENCRYPTED PRIVATE KEY") {
        parsed.m_format = PrivateKeyFormat::Pkcs8;
        parsed.m_encrypted = label == "ENCRYPTED PRIVATE KEY";
        key = readPkcs8(block, parsed.m_encrypted, password);
    } else if (label == "DSA PRIVATE KEY") {
        return dsaRefused();
    } else if (label.contains("PUBLIC KEY")) {
        return unreadable(u"this is a public key; give the private key"_s);
    } else if (label.contains("CERTIFICATE")) {
        return unreadable(u"this is a certificate, not a private key"_s);
    } else if (label.endsWith("PRIVATE KEY")) {
        return unsupported(u"a \""_s + QString::fromLatin1(label)
                           + u"\" is not a form Keystead reads; "
                             "give an OpenSSH, PKCS#1 or PKCS#8 private key"_s);
    } else {
        return unreadable(u"a \""_s + QString::fromLatin1(label) + u"\" block is not a private key"_s);
    }
    if (!key)
        return key.error();
    Result<SshPublicKey> publicKey = publicKeyOf(key->get());
    if (!publicKey)
        return publicKey.error();
    if (!parsed.m_encrypted && !password.isEmpty())
        return passwordNotNeeded();
    parsed.m_publicKey = std::move(publicKey).value();
    return parsed;
}

Result<GeneratedKeyPair> generateKeyPair(GeneratedKeyType type, const QByteArray &passphrase, const QString &comment)
{
    const OpenSslErrorsCleared clearErrors;
    if (passphrase.contains('\0'))
        return Error::invalid(u"the passphrase cannot contain a NUL character"_s);
    const OpenSslPtr<EVP_PKEY> key = newKey(type);
    if (!key)
        return Error::internal(u"OpenSSL could not generate the key pair"_s);
    Result<QByteArray> blob = publicBlobOf(key.get());
    if (!blob)
        return blob.error();
    Result<SshPublicKey> publicKey = SshPublicKey::fromBlob(*blob);
    if (!publicKey)
        return Error::internal(u"the generated public key does not read back: "_s + publicKey.error().message);

    GeneratedKeyPair pair;
    pair.publicKey = std::move(publicKey).value();
    if (!passphrase.isEmpty() && EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
        Result<QByteArray> text = encryptedPkcs8(key.get(), passphrase);
        if (!text)
            return text.error();
        pair.privateKeyText = std::move(text).value();
        return pair;
    }
    Result<SecretBytes> text = openSshText(key.get(), *blob, comment);
    if (!text)
        return text.error();
    if (passphrase.isEmpty()) {
        pair.privateKeyText = QByteArray(text->bytes().constData(), text->size());
        return pair;
    }
    Result<QByteArray> encrypted = encryptedEd25519(*text, passphrase);
    if (!encrypted)
        return encrypted.error();
    pair.privateKeyText = std::move(encrypted).value();
    return pair;
}

} // namespace keystead
