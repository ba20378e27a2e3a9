#pragma once

#include <libssh/libssh.h>
#include <libssh/server.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <QByteArray>
#include <QString>

#include <memory>

// The one home of Keystead's owning handles for OpenSSL and libssh objects.

namespace keystead::openssl {

// One deleter for every OpenSSL type Keystead holds; BIGNUMs are wiped, as
// some of them are private key components.
struct OpenSslDeleter
{
    void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
    void operator()(EVP_PKEY_CTX *p) const { EVP_PKEY_CTX_free(p); }
    void operator()(EVP_MD_CTX *p) const { EVP_MD_CTX_free(p); }
    void operator()(EVP_CIPHER_CTX *p) const { EVP_CIPHER_CTX_free(p); }
    void operator()(EVP_KDF *p) const { EVP_KDF_free(p); }
    void operator()(EVP_KDF_CTX *p) const { EVP_KDF_CTX_free(p); }
    void operator()(OSSL_PARAM_BLD *p) const { OSSL_PARAM_BLD_free(p); }
    void operator()(OSSL_PARAM *p) const { OSSL_PARAM_free(p); }
    void operator()(BIGNUM *p) const { BN_clear_free(p); }
    void operator()(BN_CTX *p) const { BN_CTX_free(p); }
    void operator()(BIO *p) const { BIO_free(p); }
    void operator()(ECDSA_SIG *p) const { ECDSA_SIG_free(p); }
    void operator()(X509 *p) const { X509_free(p); }
    void operator()(X509_SIG *p) const { X509_SIG_free(p); }
    void operator()(PKCS8_PRIV_KEY_INFO *p) const { PKCS8_PRIV_KEY_INFO_free(p); }
};
template <typename T>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter>;

} // namespace keystead::openssl

namespace keystead::libssh {

// Owning handles for libssh objects. A server's objects are created and freed
// by the thread that runs its event loop. A channel belongs to its session: free it before the
// session is disconnected or freed, never after (ssh_disconnect frees the
// session's channels itself).

struct SessionDeleter
{
    void operator()(ssh_session session) const { ssh_free(session); }
};
struct EventDeleter
{
    void operator()(ssh_event event) const { ssh_event_free(event); }
};
struct BindDeleter
{
    void operator()(ssh_bind bind) const { ssh_bind_free(bind); }
};
struct KeyDeleter
{
    void operator()(ssh_key key) const { ssh_key_free(key); }
};
struct ChannelDeleter
{
    void operator()(ssh_channel channel) const { ssh_channel_free(channel); }
};
struct StringDeleter
{
    void operator()(ssh_string string) const { ssh_string_free(string); }
};
struct CharDeleter
{
    void operator()(char *text) const { ssh_string_free_char(text); }
};
struct HashDeleter
{
    void operator()(unsigned char *hash) const { ssh_clean_pubkey_hash(&hash); }
};

using SessionPtr = std::unique_ptr<ssh_session_struct, SessionDeleter>;
using EventPtr = std::unique_ptr<ssh_event_struct, EventDeleter>;
using BindPtr = std::unique_ptr<ssh_bind_struct, BindDeleter>;
using KeyPtr = std::unique_ptr<ssh_key_struct, KeyDeleter>;
using ChannelPtr = std::unique_ptr<ssh_channel_struct, ChannelDeleter>;
using StringPtr = std::unique_ptr<ssh_string_struct, StringDeleter>;
using CharPtr = std::unique_ptr<char, CharDeleter>;
using HashPtr = std::unique_ptr<unsigned char, HashDeleter>;

inline QByteArray toByteArray(ssh_string string)
{
    if (!string)
        return {};
    return QByteArray(static_cast<const char *>(ssh_string_data(string)),
                      static_cast<qsizetype>(ssh_string_len(string)));
}

// The key's wire encoding (RFC 4253), as a client offers it; empty on failure.
// (0.10 does not export ssh_pki_export_pubkey_blob: its base64 form is the same bytes.)
inline QByteArray publicKeyBlob(ssh_key key)
{
    char *raw = nullptr;
    if (ssh_pki_export_pubkey_base64(key, &raw) != SSH_OK)
        return {};
    const CharPtr base64(raw);
    return QByteArray::fromBase64(QByteArray(base64.get()));
}

// "SHA256:..." exactly as ssh-keygen -l -E sha256 prints it; empty on failure.
inline QString sha256Fingerprint(ssh_key key)
{
    unsigned char *rawHash = nullptr;
    size_t length = 0;
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &rawHash, &length) != SSH_OK)
        return {};
    const HashPtr hash(rawHash);
    const CharPtr text(ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash.get(), length));
    return text ? QString::fromLatin1(text.get()) : QString();
}

} // namespace keystead::libssh
