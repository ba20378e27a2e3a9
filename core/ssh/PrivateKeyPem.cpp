// SshPrivateKey, PEM: PKCS#1 ("traditional") and PKCS#8, plain or encrypted.
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

// OpenSSL asks for the password through this; it never prompts on a terminal.
int passwordCallback(char *buffer, int size, int /*writing*/, void *userData)
{
    const auto *password = static_cast<const QByteArray *>(userData);
    if (!password || password->isEmpty() || password->size() > size)
        return -1;
    memcpy(buffer, password->constData(), static_cast<size_t>(password->size()));
    return static_cast<int>(password->size());
}

bool fullyRead(const unsigned char *start, const unsigned char *end, const SecretBytes &body)
{
    return end == start + body.size();
}

Result<OpenSslPtr<EVP_PKEY>> readPkcs8Info(const PKCS8_PRIV_KEY_INFO *info)
{
    const ASN1_OBJECT *object = nullptr;
    if (PKCS8_pkey_get0(&object, nullptr, nullptr, nullptr, info) != 1 || !object)
        return unreadable(u"its contents are damaged"_s);
    const int nid = OBJ_obj2nid(object);
    if (nid == NID_dsa)
        return dsaRefused();
    if (nid != NID_rsaEncryption && nid != NID_X9_62_id_ecPublicKey && nid != NID_ED25519) {
        const char *name = nid == NID_undef ? nullptr : OBJ_nid2sn(nid);
        return unsupported(u"the key algorithm"_s + quoted(name ? QByteArrayView(name) : QByteArrayView())
                           + u" is not supported; use Ed25519, ECDSA or RSA"_s);
    }
    OpenSslPtr<EVP_PKEY> key(EVP_PKCS82PKEY_ex(info, nullptr, nullptr));
    if (!key)
        return unreadable(u"its contents are damaged"_s);
    return key;
}

Result<OpenSslPtr<EVP_PKEY>> readPkcs8(Armor &armor, bool encrypted, const QByteArray &password)
{
    if (!armor.headers.isEmpty())
        return unreadable(u"a PKCS#8 key has no header lines"_s);
    const unsigned char *cursor = armor.body.data();
    const long length = static_cast<long>(armor.body.size());
    if (!encrypted) {
        const OpenSslPtr<PKCS8_PRIV_KEY_INFO> info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &cursor, length));
        if (!info || !fullyRead(armor.body.data(), cursor, armor.body))
            return unreadable(u"its contents are damaged"_s);
        return readPkcs8Info(info.get());
    }
    const OpenSslPtr<X509_SIG> sealed(d2i_X509_SIG(nullptr, &cursor, length));
    if (!sealed || !fullyRead(armor.body.data(), cursor, armor.body))
        return unreadable(u"its encrypted contents are damaged"_s);
    if (password.isEmpty())
        return passwordRequired();
    const OpenSslPtr<PKCS8_PRIV_KEY_INFO> info(
        PKCS8_decrypt_ex(sealed.get(), password.constData(), static_cast<int>(password.size()), nullptr, nullptr));
    if (!info) {
        const int reason = ERR_GET_REASON(ERR_peek_last_error());
        if (reason == EVP_R_UNSUPPORTED_CIPHER || reason == EVP_R_UNSUPPORTED_ALGORITHM
            || reason == EVP_R_UNKNOWN_CIPHER || reason == ERR_R_UNSUPPORTED
            || reason == EVP_R_UNSUPPORTED_KEY_DERIVATION_FUNCTION || reason == EVP_R_UNSUPPORTED_PRF)
            return unsupported(u"the key is encrypted with an old cipher that OpenSSL 3 no longer opens; "
                               "re-encrypt it with openssl pkcs8 -topk8 -v2 aes-256-cbc"_s);
        return wrongPassword();
    }
    return readPkcs8Info(info.get());
}

Result<OpenSslPtr<EVP_PKEY>> readPkcs1(Armor &armor, bool encrypted, const QByteArray &password)
{
    const int type = armor.label == "RSA PRIVATE KEY" ? EVP_PKEY_RSA : EVP_PKEY_EC;
    long length = static_cast<long>(armor.body.size());
    if (encrypted) {
        // The headers as OpenSSL reads them, to learn the cipher and its IV.
        QByteArray header
            = "Proc-Type: " + armor.header("Proc-Type") + "\nDEK-Info: " + armor.header("DEK-Info") + "\n";
        EVP_CIPHER_INFO cipher{};
        if (armor.header("DEK-Info").isEmpty() || PEM_get_EVP_CIPHER_INFO(header.data(), &cipher) != 1
            || !cipher.cipher)
            return unreadable(u"its encryption header (DEK-Info) is damaged or names an unknown cipher"_s);
        const int blockSize = EVP_CIPHER_get_block_size(cipher.cipher);
        if (length == 0 || (blockSize > 1 && length % blockSize != 0))
            return unreadable(u"its encrypted contents have a length the cipher cannot have"_s);
        if (password.isEmpty())
            return passwordRequired();
        QByteArray passwordCopy(password.constData(), password.size());
        SecretBytes wipedPassword(std::move(passwordCopy));
        if (PEM_do_header(&cipher, reinterpret_cast<unsigned char *>(armor.body.bytes().data()), &length,
                          passwordCallback, &wipedPassword.bytes())
            != 1) {
            const int reason = ERR_GET_REASON(ERR_peek_last_error());
            if (reason == ERR_R_UNSUPPORTED || reason == EVP_R_UNSUPPORTED_CIPHER || reason == ERR_R_FETCH_FAILED)
                return unsupported(u"the key is encrypted with an old cipher that OpenSSL 3 no longer opens; "
                                   "re-encrypt it with ssh-keygen -p -f FILE"_s);
            return wrongPassword();
        }
    } else if (!armor.headers.isEmpty()) {
        return unreadable(u"it has header lines but says it is not encrypted"_s);
    }
    const unsigned char *cursor = armor.body.data();
    OpenSslPtr<EVP_PKEY> key(d2i_PrivateKey_ex(type, nullptr, &cursor, length, nullptr, nullptr));
    // Past the padding check a wrong password still leaves bytes that are no key (1 time in 256).
    if (!key)
        return encrypted ? wrongPassword() : unreadable(u"its contents are damaged"_s);
    if (cursor != armor.body.data() + length)
        return encrypted ? wrongPassword() : unreadable(u"there are unexpected bytes after the key"_s);
    return key;
}

} // namespace keystead::sshkey
