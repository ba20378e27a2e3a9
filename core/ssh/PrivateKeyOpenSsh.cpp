// SshPrivateKey, openssh-key-v1 (PROTOCOL.key): reading the container and its private section, writing it.
#include "ssh/PrivateKeyDetail.h"

#include "ssh/NativeHandles.h"
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

namespace keystead::sshkey {

const OpenSshCipher *openSshCipher(QByteArrayView name)
{
    for (const OpenSshCipher &cipher : OpenSshCiphers) {
        if (cipher.name == name)
            return &cipher;
    }
    return nullptr;
}

Result<OpenSshContainer> readOpenSshContainer(const Armor &armor)
{
    if (!armor.headers.isEmpty())
        return unreadable(u"an OpenSSH private key has no header lines"_s);
    WireReader reader(armor.body.view());
    const std::optional<QByteArrayView> magic = reader.bytes(OpenSshMagic.size());
    if (!magic || *magic != OpenSshMagic)
        return unreadable(u"its data does not start as an OpenSSH private key does"_s);
    const std::optional<QByteArrayView> cipherName = reader.string();
    const std::optional<QByteArrayView> kdfName = reader.string();
    const std::optional<QByteArrayView> kdfOptions = reader.string();
    const std::optional<quint32> keyCount = reader.uint32();
    if (!cipherName || !kdfName || !kdfOptions || !keyCount)
        return unreadable(u"it is cut short inside its header"_s);
    if (*keyCount == 0)
        return unreadable(u"the file holds no key"_s);
    if (*keyCount != 1)
        return unsupported(u"the file holds %1 keys; give one key at a time"_s.arg(*keyCount));
    const std::optional<QByteArrayView> publicBlob = reader.string();
    const std::optional<QByteArrayView> privateSection = reader.string();
    if (!publicBlob || !privateSection)
        return unreadable(u"it is cut short (damaged, or shortened in the copy)"_s);

    // The public half is stored in the clear: the algorithm is known before any password is tried.
    WireReader blobReader(*publicBlob);
    const std::optional<QByteArrayView> algorithm = blobReader.string();
    if (!algorithm)
        return unreadable(u"its public key is damaged"_s);
    if (Status supported = checkAlgorithmName(*algorithm); !supported)
        return supported.error();
    if (*algorithm == "ssh-rsa") {
        const OpenSslPtr<BIGNUM> e = readMpint(blobReader, false);
        const OpenSslPtr<BIGNUM> n = readMpint(blobReader, false);
        if (!e || !n)
            return unreadable(u"its RSA public key is damaged"_s);
        if (Status bits = checkRsaBits(BN_num_bits(n.get())); !bits)
            return bits.error();
    }

    OpenSshContainer container;
    container.cipherName = cipherName->toByteArray();
    container.publicBlob = publicBlob->toByteArray();
    container.privateSection = *privateSection;
    if (*cipherName == "none") {
        if (*kdfName != "none" || !kdfOptions->isEmpty())
            return unreadable(u"its header names a key derivation but no cipher"_s);
        if (!reader.atEnd())
            return unreadable(u"there are unexpected bytes after the key"_s);
        return container;
    }

    container.cipher = openSshCipher(*cipherName);
    if (!container.cipher)
        return unsupported(u"the key is encrypted with"_s + quoted(*cipherName)
                           + u", which Keystead cannot open; re-encrypt it with "
                             "ssh-keygen -p -Z aes256-ctr -f FILE"_s);
    if (*kdfName != "bcrypt")
        return unsupported(u"the key's password is applied with"_s + quoted(*kdfName)
                           + u", which Keystead cannot open; re-encrypt it with ssh-keygen -p -f FILE"_s);
    WireReader kdf(*kdfOptions);
    const std::optional<QByteArrayView> salt = kdf.string();
    const std::optional<quint32> rounds = kdf.uint32();
    if (!salt || salt->isEmpty() || !rounds || *rounds == 0 || !kdf.atEnd())
        return unreadable(u"its password settings are damaged"_s);
    if (*rounds > MaxBcryptRounds)
        return unsupported(u"the key's password is hardened with %1 rounds, more than the %2 Keystead "
                           "accepts; re-encrypt it with ssh-keygen -p -a 100 -f FILE"_s.arg(*rounds)
                               .arg(MaxBcryptRounds));
    if (privateSection->isEmpty() || privateSection->size() % container.cipher->blockSize != 0)
        return unreadable(u"its encrypted part has a length the cipher cannot have"_s);
    if (!reader.atEnd())
        return unreadable(u"there are unexpected bytes after the key"_s);
    return container;
}

Result<OpenSslPtr<EVP_PKEY>> keyFromParams(const char *type, OSSL_PARAM_BLD *builder)
{
    const OpenSslPtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(builder));
    const OpenSslPtr<EVP_PKEY_CTX> context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1)
        return Error::internal(u"OpenSSL could not prepare a key"_s);
    EVP_PKEY *made = nullptr;
    if (EVP_PKEY_fromdata(context.get(), &made, EVP_PKEY_KEYPAIR, params.get()) != 1 || !made)
        return unreadable(u"it is damaged: OpenSSL refuses its numbers"_s);
    return OpenSslPtr<EVP_PKEY>(made);
}

Result<OpenSslPtr<EVP_PKEY>> ed25519FromSection(WireReader &reader)
{
    const std::optional<QByteArrayView> publicKey = reader.string();
    const std::optional<QByteArrayView> secret = reader.string(); // seed || public key
    if (!publicKey || !secret || publicKey->size() != 32 || secret->size() != 64)
        return unreadable(u"its Ed25519 key is damaged"_s);
    if (secret->sliced(32) != *publicKey)
        return unreadable(u"it is damaged: its private and public parts do not belong together"_s);
    OpenSslPtr<EVP_PKEY> key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                                          reinterpret_cast<const unsigned char *>(secret->data()), 32));
    if (!key)
        return unreadable(u"its Ed25519 key is damaged"_s);
    return key;
}

Result<OpenSslPtr<EVP_PKEY>> ecdsaFromSection(WireReader &reader, QByteArrayView algorithm)
{
    const std::optional<QByteArrayView> curveName = reader.string();
    const std::optional<QByteArrayView> point = reader.string();
    const OpenSslPtr<BIGNUM> secret = readMpint(reader, true);
    const Curve *curve = curveName ? curveBySshName(*curveName) : nullptr;
    if (!curve || !point || !secret || ecdsaAlgorithm(*curve) != algorithm)
        return unreadable(u"its ECDSA key is damaged"_s);
    const OpenSslPtr<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
    if (!builder
        || OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->openSslGroup, 0) != 1
        || OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point->data(),
                                            static_cast<size_t>(point->size()))
            != 1
        || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, secret.get()) != 1)
        return Error::internal(u"OpenSSL could not prepare an ECDSA key"_s);
    return keyFromParams("EC", builder.get());
}

Result<OpenSslPtr<EVP_PKEY>> rsaFromSection(WireReader &reader)
{
    // OpenSSH's order: n, e, d, iqmp, p, q.
    std::array<OpenSslPtr<BIGNUM>, 6> numbers;
    for (size_t i = 0; i < numbers.size(); ++i) {
        numbers[i] = readMpint(reader, i >= 2);
        if (!numbers[i])
            return unreadable(u"its RSA key is damaged"_s);
    }
    const auto &[n, e, d, iqmp, p, q] = numbers;
    // OpenSSL wants the CRT exponents OpenSSH leaves out: d mod (p-1), d mod (q-1).
    const OpenSslPtr<BN_CTX> context(BN_CTX_secure_new());
    const OpenSslPtr<BIGNUM> pMinus1(BN_secure_new());
    const OpenSslPtr<BIGNUM> qMinus1(BN_secure_new());
    const OpenSslPtr<BIGNUM> dmp1(BN_secure_new());
    const OpenSslPtr<BIGNUM> dmq1(BN_secure_new());
    if (!context || !pMinus1 || !qMinus1 || !dmp1 || !dmq1 || !BN_sub(pMinus1.get(), p.get(), BN_value_one())
        || !BN_sub(qMinus1.get(), q.get(), BN_value_one()) || BN_is_zero(pMinus1.get()) || BN_is_zero(qMinus1.get())
        || !BN_mod(dmp1.get(), d.get(), pMinus1.get(), context.get())
        || !BN_mod(dmq1.get(), d.get(), qMinus1.get(), context.get()))
        return unreadable(u"its RSA key is damaged"_s);
    const OpenSslPtr<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
    if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1
        || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1
        || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_D, d.get()) != 1
        || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()) != 1
        || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()) != 1
        || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1.get()) != 1
        || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1.get()) != 1
        || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp.get()) != 1)
        return Error::internal(u"OpenSSL could not prepare an RSA key"_s);
    return keyFromParams("RSA", builder.get());
}

Result<OpenSshPrivate> readPrivateSection(QByteArrayView section, QByteArrayView algorithm)
{
    WireReader reader(section);
    const std::optional<quint32> check1 = reader.uint32();
    const std::optional<quint32> check2 = reader.uint32();
    if (!check1 || !check2 || *check1 != *check2)
        return unreadable(u"its private part is damaged"_s);
    const std::optional<QByteArrayView> type = reader.string();
    if (!type || *type != algorithm)
        return unreadable(u"its private part is not the key its public part names"_s);

    Result<OpenSslPtr<EVP_PKEY>> key = Error::internal({});
    if (algorithm == "ssh-ed25519")
        key = ed25519FromSection(reader);
    else if (algorithm == "ssh-rsa")
        key = rsaFromSection(reader);
    else
        key = ecdsaFromSection(reader, algorithm);
    if (!key)
        return key.error();

    const std::optional<QByteArrayView> comment = reader.string();
    if (!comment)
        return unreadable(u"its private part is cut short"_s);
    // What is left is padding 1, 2, 3, ... up to the cipher's block size.
    const QByteArrayView padding = reader.rest();
    for (qsizetype i = 0; i < padding.size(); ++i) {
        if (static_cast<unsigned char>(padding[i]) != static_cast<unsigned char>(i + 1))
            return unreadable(u"its private part ends in unexpected bytes"_s);
    }
    return OpenSshPrivate{std::move(key).value(), QString::fromUtf8(*comment)};
}

// Encrypted keys are opened by libssh: it holds bcrypt_pbkdf, which OpenSSL does not.
Result<QByteArray> openWithLibssh(const Armor &armor, const QByteArray &password)
{
    const QByteArray base64 = armor.body.bytes().toBase64();
    SecretBytes text;
    text.bytes().reserve(base64.size() + base64.size() / OpenSshBase64Width + 80);
    text.bytes().append("-----BEGIN OPENSSH PRIVATE KEY-----\n");
    for (qsizetype at = 0; at < base64.size(); at += OpenSshBase64Width)
        text.bytes()
            .append(QByteArrayView(base64).sliced(at, qMin(OpenSshBase64Width, base64.size() - at)))
            .append('\n');
    text.bytes().append("-----END OPENSSH PRIVATE KEY-----\n");

    SecretBytes passphrase(QByteArray(password.constData(), password.size())); // NUL-terminated for libssh
    ssh_key raw = nullptr;
    const int imported = ssh_pki_import_privkey_base64(text.bytes().constData(), passphrase.bytes().constData(),
                                                       nullptr, nullptr, &raw);
    const LibsshKeyPtr key(raw);
    if (imported != SSH_OK || !key)
        return wrongPassword();
    ssh_key rawPublic = nullptr;
    if (ssh_pki_export_privkey_to_pubkey(key.get(), &rawPublic) != SSH_OK || !rawPublic)
        return Error::internal(u"libssh could not give the key's public half"_s);
    const LibsshKeyPtr publicKey(rawPublic);
    // 0.10 does not export ssh_pki_export_pubkey_blob: its base64 form is the same bytes.
    char *rawBase64 = nullptr;
    if (ssh_pki_export_pubkey_base64(publicKey.get(), &rawBase64) != SSH_OK || !rawBase64)
        return Error::internal(u"libssh could not give the key's public half"_s);
    const LibsshCharPtr publicBase64(rawBase64);
    return QByteArray::fromBase64(QByteArray(publicBase64.get()));
}

// The private section of PROTOCOL.key for a key OpenSSL holds, comment and padding included.
Result<SecretBytes> privateSectionOf(const EVP_PKEY *key, const QByteArray &publicBlob, const QString &comment)
{
    SecretBytes section;
    QByteArray &out = section.bytes();
    out.reserve(16 * 1024); // never reallocated: no unwiped copy is left behind
    std::array<unsigned char, 4> check{};
    if (RAND_bytes(check.data(), static_cast<int>(check.size())) != 1)
        return Error::internal(u"no random bytes for the key's check value"_s);
    out.append(reinterpret_cast<const char *>(check.data()), check.size());
    out.append(reinterpret_cast<const char *>(check.data()), check.size());

    WireReader blob(publicBlob);
    const std::optional<QByteArrayView> algorithm = blob.string();
    if (!algorithm)
        return Error::internal(u"cannot encode the key"_s);
    appendString(out, *algorithm);
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519: {
        const std::optional<QByteArrayView> publicKey = blob.string();
        std::array<unsigned char, 32> seed{};
        size_t length = seed.size();
        if (!publicKey || EVP_PKEY_get_raw_private_key(key, seed.data(), &length) != 1 || length != seed.size())
            return Error::internal(u"OpenSSL did not give the Ed25519 key"_s);
        appendString(out, *publicKey);
        appendUint32(out, 64);
        out.append(reinterpret_cast<const char *>(seed.data()), seed.size());
        out.append(*publicKey);
        OPENSSL_cleanse(seed.data(), seed.size());
        break;
    }
    case EVP_PKEY_EC: {
        const std::optional<QByteArrayView> curve = blob.string();
        const std::optional<QByteArrayView> point = blob.string();
        Result<OpenSslPtr<BIGNUM>> secret = bnParam(key, OSSL_PKEY_PARAM_PRIV_KEY);
        if (!curve || !point || !secret)
            return Error::internal(u"OpenSSL did not give the ECDSA key"_s);
        appendString(out, *curve);
        appendString(out, *point);
        if (!appendMpint(out, secret->get()))
            return Error::internal(u"cannot encode the ECDSA key"_s);
        break;
    }
    case EVP_PKEY_RSA: {
        for (const char *name :
             {OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
              OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2}) {
            Result<OpenSslPtr<BIGNUM>> number = bnParam(key, name);
            if (!number || !appendMpint(out, number->get()))
                return Error::internal(u"cannot encode the RSA key"_s);
        }
        break;
    }
    default: return Error::internal(u"cannot encode this kind of key"_s);
    }
    appendString(out, comment.toUtf8());
    for (char pad = 1; out.size() % 8 != 0; ++pad)
        out.append(pad);
    return section;
}

Result<SecretBytes> openSshText(const EVP_PKEY *key, const QByteArray &publicBlob, const QString &comment)
{
    Result<SecretBytes> section = privateSectionOf(key, publicBlob, comment);
    if (!section)
        return section.error();
    SecretBytes binary;
    binary.bytes().reserve(section->size() + publicBlob.size() + 128);
    binary.bytes().append(OpenSshMagic);
    appendString(binary.bytes(), "none");
    appendString(binary.bytes(), "none");
    appendString(binary.bytes(), "");
    appendUint32(binary.bytes(), 1);
    appendString(binary.bytes(), publicBlob);
    appendString(binary.bytes(), section->view());

    SecretBytes base64(binary.bytes().toBase64());
    SecretBytes text;
    text.bytes().reserve(base64.size() + base64.size() / OpenSshBase64Width + 80);
    text.bytes().append("-----BEGIN OPENSSH PRIVATE KEY-----\n");
    for (qsizetype at = 0; at < base64.size(); at += OpenSshBase64Width)
        text.bytes().append(base64.view().sliced(at, qMin(OpenSshBase64Width, base64.size() - at))).append('\n');
    text.bytes().append("-----END OPENSSH PRIVATE KEY-----\n");
    return text;
}

QByteArray readBio(BIO *bio)
{
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    return length > 0 && data ? QByteArray(data, static_cast<qsizetype>(length)) : QByteArray();
}

// libssh 0.10 writes openssh-key-v1 with a password only for Ed25519, and only to a file
// (ssh_pki_export_privkey_base64 reads past its buffer). The file is made 0600 in a private
// folder first, and only ever holds the encrypted key. The comment is lost: libssh writes none.
Result<QByteArray> encryptedEd25519(const SecretBytes &plainText, const QByteArray &passphrase)
{
    ssh_key raw = nullptr;
    if (ssh_pki_import_privkey_base64(plainText.bytes().constData(), nullptr, nullptr, nullptr, &raw) != SSH_OK || !raw)
        return Error::internal(u"libssh could not read the key it was to encrypt"_s);
    const LibsshKeyPtr key(raw);
    const QTemporaryDir folder;
    if (!folder.isValid())
        return Error::internal(u"no private temporary folder to encrypt the key in"_s);
    const QString path = folder.filePath(u"key"_s);
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly, QFileDevice::ReadOwner | QFileDevice::WriteOwner))
            return Error::internal(u"cannot create the temporary key file"_s);
    }
    SecretBytes passphraseCopy(QByteArray(passphrase.constData(), passphrase.size()));
    if (ssh_pki_export_privkey_file(key.get(), passphraseCopy.bytes().constData(), nullptr, nullptr,
                                    QFile::encodeName(path).constData())
        != SSH_OK)
        return Error::internal(u"libssh could not encrypt the key"_s);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error::internal(u"cannot read the encrypted key back"_s);
    const QByteArray text = file.readAll();
    if (!text.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"))
        return Error::internal(u"libssh wrote the key in an unexpected form"_s);
    return text;
}

// RSA and ECDSA with a passphrase: PKCS#8, AES-256-CBC under PBKDF2-HMAC-SHA256, which OpenSSH reads.
Result<QByteArray> encryptedPkcs8(const EVP_PKEY *key, const QByteArray &passphrase)
{
    const OpenSslPtr<PKCS8_PRIV_KEY_INFO> info(EVP_PKEY2PKCS8(key));
    if (!info)
        return Error::internal(u"OpenSSL could not prepare the key for encryption"_s);
    const OpenSslPtr<X509_SIG> sealed(PKCS8_encrypt_ex(-1, EVP_aes_256_cbc(), passphrase.constData(),
                                                       static_cast<int>(passphrase.size()), nullptr, 0,
                                                       GeneratedPkcs8Iterations, info.get(), nullptr, nullptr));
    const OpenSslPtr<BIO> bio(BIO_new(BIO_s_mem()));
    if (!sealed || !bio || PEM_write_bio_PKCS8(bio.get(), sealed.get()) != 1)
        return Error::internal(u"OpenSSL could not encrypt the key"_s);
    return readBio(bio.get());
}

} // namespace keystead::sshkey
