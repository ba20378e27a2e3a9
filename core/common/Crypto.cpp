#include "Crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

using namespace Qt::StringLiterals;

namespace keystead::crypto {

namespace {

constexpr qsizetype kGcmKeyBytes = 32;
constexpr qsizetype kGcmNonceBytes = 12;
constexpr qsizetype kGcmTagBytes = 16;

struct CipherContextFree
{
    void operator()(EVP_CIPHER_CTX *context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextFree>;

const unsigned char *bytesOf(QByteArrayView data)
{
    return reinterpret_cast<const unsigned char *>(data.data());
}

} // namespace

Result<QByteArray> randomBytes(int count)
{
    QByteArray bytes(count, Qt::Uninitialized);
    if (RAND_bytes(reinterpret_cast<unsigned char *>(bytes.data()), count) != 1)
        return Error::internal(u"the system's random number generator failed"_s);
    return bytes;
}

QByteArray sha256(QByteArrayView data)
{
    QByteArray digest(32, Qt::Uninitialized);
    unsigned int length = 0;
    EVP_Digest(data.data(), static_cast<size_t>(data.size()), reinterpret_cast<unsigned char *>(digest.data()), &length,
               EVP_sha256(), nullptr);
    return digest;
}

bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    return CRYPTO_memcmp(a.data(), b.data(), static_cast<size_t>(a.size())) == 0;
}

Result<QByteArray> aes256GcmSeal(QByteArrayView key, QByteArrayView associatedData, QByteArrayView plaintext)
{
    if (key.size() != kGcmKeyBytes)
        return Error::internal(u"an AES-256-GCM key has 32 bytes, not %1"_s.arg(key.size()));
    Result<QByteArray> nonce = randomBytes(static_cast<int>(kGcmNonceBytes));
    if (!nonce)
        return nonce.error();
    QByteArray sealed = nonce.value() + QByteArray(plaintext.size() + kGcmTagBytes, Qt::Uninitialized);
    auto *out = reinterpret_cast<unsigned char *>(sealed.data()) + kGcmNonceBytes;

    const CipherContext context(EVP_CIPHER_CTX_new());
    int length = 0;
    bool ok = context && EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1
        && EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(kGcmNonceBytes), nullptr) == 1
        && EVP_EncryptInit_ex(context.get(), nullptr, nullptr, bytesOf(key), bytesOf(nonce.value())) == 1
        && EVP_EncryptUpdate(context.get(), nullptr, &length, bytesOf(associatedData),
                             static_cast<int>(associatedData.size()))
            == 1;
    qsizetype written = 0;
    if (ok && !plaintext.isEmpty()) {
        ok = EVP_EncryptUpdate(context.get(), out, &length, bytesOf(plaintext), static_cast<int>(plaintext.size()))
            == 1;
        written = length;
    }
    ok = ok && EVP_EncryptFinal_ex(context.get(), out + written, &length) == 1;
    written += length;
    ok = ok && written == plaintext.size()
        && EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kGcmTagBytes), out + written)
            == 1;
    if (!ok)
        return Error::internal(u"AES-256-GCM sealing failed"_s);
    return sealed;
}

Result<QByteArray> aes256GcmOpen(QByteArrayView key, QByteArrayView associatedData, QByteArrayView sealed)
{
    const Error refused = Error::internal(u"the sealed value does not open"_s);
    if (key.size() != kGcmKeyBytes || sealed.size() < kGcmNonceBytes + kGcmTagBytes)
        return refused;
    const qsizetype cipherBytes = sealed.size() - kGcmNonceBytes - kGcmTagBytes;
    const unsigned char *nonce = bytesOf(sealed);
    const unsigned char *cipher = nonce + kGcmNonceBytes;
    QByteArray tag = sealed.last(kGcmTagBytes).toByteArray();
    QByteArray plaintext(cipherBytes, Qt::Uninitialized);
    auto *out = reinterpret_cast<unsigned char *>(plaintext.data());

    const CipherContext context(EVP_CIPHER_CTX_new());
    int length = 0;
    bool ok = context && EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1
        && EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(kGcmNonceBytes), nullptr) == 1
        && EVP_DecryptInit_ex(context.get(), nullptr, nullptr, bytesOf(key), nonce) == 1
        && EVP_DecryptUpdate(context.get(), nullptr, &length, bytesOf(associatedData),
                             static_cast<int>(associatedData.size()))
            == 1;
    qsizetype written = 0;
    if (ok && cipherBytes > 0) {
        ok = EVP_DecryptUpdate(context.get(), out, &length, cipher, static_cast<int>(cipherBytes)) == 1;
        written = length;
    }
    // The tag is checked here: a wrong key, nonce, associated data or any changed byte fails.
    ok = ok
        && EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kGcmTagBytes), tag.data()) == 1
        && EVP_DecryptFinal_ex(context.get(), out + written, &length) == 1;
    written += length;
    if (!ok || written != cipherBytes) {
        OPENSSL_cleanse(plaintext.data(), static_cast<size_t>(plaintext.size()));
        return refused;
    }
    return plaintext;
}

} // namespace keystead::crypto
