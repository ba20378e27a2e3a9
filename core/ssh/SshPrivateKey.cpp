#include "ssh/SshPrivateKey.h"

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

namespace keystead {

namespace {

// OpenSSH refuses shorter RSA keys (SSH_RSA_MINIMUM_MODULUS_SIZE), and so does SshPublicKey.
// Existing 1024-bit keys are still taken into the inventory; the console only makes 3072 and up.
constexpr int MinRsaBits = 1024;
// libssh runs bcrypt_pbkdf with whatever round count the file names, about 7 ms a round here:
// a pasted key must not hold a thread for minutes. ssh-keygen's default is 16, "-a 100" is common.
constexpr quint32 MaxBcryptRounds = 1024;
// PBKDF2-HMAC-SHA256 for the encrypted PKCS#8 keys the console makes (about 0.1 s here);
// ssh-keygen and OpenSSL write 2048, which guesses through too quickly.
constexpr int GeneratedPkcs8Iterations = 600000;
constexpr qsizetype OpenSshBase64Width = 70;
constexpr QByteArrayView OpenSshMagic("openssh-key-v1\0", 15);
constexpr QByteArrayView OpenSshLabel = "OPENSSH PRIVATE KEY";

// ---- RAII for OpenSSL and libssh -------------------------------------------------------------

using openssl::OpenSslPtr;

using LibsshKeyPtr = libssh::KeyPtr;
using LibsshCharPtr = libssh::CharPtr;

// Leaves no OpenSSL error behind for the next caller on this thread to trip over.
struct OpenSslErrorsCleared
{
    ~OpenSslErrorsCleared() { ERR_clear_error(); }
};

// Bytes that held private material: wiped when they go. Never copied, so no second
// buffer escapes the wipe; every buffer is reserved once so it does not move while growing.
class SecretBytes final
{
public:
    SecretBytes() = default;
    explicit SecretBytes(QByteArray bytes)
        : m_bytes(std::move(bytes))
    {
    }
    SecretBytes(const SecretBytes &) = delete;
    SecretBytes &operator=(const SecretBytes &) = delete;
    SecretBytes(SecretBytes &&other) noexcept
        : m_bytes(std::exchange(other.m_bytes, QByteArray()))
    {
    }
    SecretBytes &operator=(SecretBytes &&other) noexcept
    {
        if (this != &other) {
            wipe();
            m_bytes = std::exchange(other.m_bytes, QByteArray());
        }
        return *this;
    }
    ~SecretBytes() { wipe(); }

    QByteArray &bytes() { return m_bytes; }
    const QByteArray &bytes() const { return m_bytes; }
    QByteArrayView view() const { return m_bytes; }
    const unsigned char *data() const { return reinterpret_cast<const unsigned char *>(m_bytes.constData()); }
    qsizetype size() const { return m_bytes.size(); }

    void wipe()
    {
        if (!m_bytes.isEmpty())
            OPENSSL_cleanse(m_bytes.data(), static_cast<size_t>(m_bytes.size()));
        m_bytes.clear();
    }

private:
    QByteArray m_bytes;
};

// ---- errors ----------------------------------------------------------------------------------

Error keyProblem(PrivateKeyProblem problem, QString message)
{
    Error error = Error::invalid(std::move(message));
    error.details.insert(u"reason"_s, privateKeyProblemName(problem));
    return error;
}

Error unreadable(const QString &why)
{
    return keyProblem(PrivateKeyProblem::Unreadable, u"the private key cannot be read: "_s + why);
}

Error unsupported(const QString &why)
{
    return keyProblem(PrivateKeyProblem::Unsupported, why);
}

Error passwordRequired()
{
    return keyProblem(PrivateKeyProblem::PasswordRequired,
                      u"the private key is protected by a password; give its password to open it"_s);
}

Error wrongPassword()
{
    return keyProblem(PrivateKeyProblem::WrongPassword, u"the password does not open this private key"_s);
}

Error passwordNotNeeded()
{
    return keyProblem(PrivateKeyProblem::PasswordNotNeeded,
                      u"the private key is not protected by a password, yet a password was given; "
                      "leave the password empty"_s);
}

Error dsaRefused()
{
    return unsupported(u"DSA keys are not accepted: OpenSSH has disabled them as too weak. "
                       "Use an Ed25519, ECDSA or RSA key"_s);
}

// A name read from untrusted bytes goes into a message only when short and printable.
QString quoted(QByteArrayView name)
{
    if (name.isEmpty() || name.size() > 64)
        return {};
    for (char c : name) {
        if (c < 0x21 || c > 0x7e)
            return {};
    }
    return u" \""_s + QString::fromLatin1(name) + u'"';
}

// ---- the SSH wire encoding (RFC 4251) --------------------------------------------------------

// Every read is bounds-checked: the bytes come from whoever pasted the key.
class WireReader final
{
public:
    explicit WireReader(QByteArrayView data)
        : m_data(data)
    {
    }

    bool atEnd() const { return m_position == m_data.size(); }
    QByteArrayView rest() const { return m_data.sliced(m_position); }

    std::optional<QByteArrayView> bytes(qsizetype count)
    {
        if (count < 0 || count > m_data.size() - m_position)
            return std::nullopt;
        const QByteArrayView value = m_data.sliced(m_position, count);
        m_position += count;
        return value;
    }

    std::optional<quint32> uint32()
    {
        const std::optional<QByteArrayView> raw = bytes(4);
        if (!raw)
            return std::nullopt;
        const auto *b = reinterpret_cast<const unsigned char *>(raw->data());
        return (quint32{b[0]} << 24) | (quint32{b[1]} << 16) | (quint32{b[2]} << 8) | quint32{b[3]};
    }

    std::optional<QByteArrayView> string()
    {
        const qsizetype start = m_position;
        const std::optional<quint32> length = uint32();
        if (!length)
            return std::nullopt;
        std::optional<QByteArrayView> value = bytes(static_cast<qsizetype>(*length));
        if (!value)
            m_position = start;
        return value;
    }

private:
    QByteArrayView m_data;
    qsizetype m_position = 0;
};

void appendUint32(QByteArray &out, quint32 value)
{
    out.append(static_cast<char>((value >> 24) & 0xff));
    out.append(static_cast<char>((value >> 16) & 0xff));
    out.append(static_cast<char>((value >> 8) & 0xff));
    out.append(static_cast<char>(value & 0xff));
}

void appendString(QByteArray &out, QByteArrayView value)
{
    appendUint32(out, static_cast<quint32>(value.size()));
    out.append(value);
}

// BN_bn2mpi writes exactly RFC 4251's mpint: a 4-byte length, then big-endian two's complement.
bool appendMpint(QByteArray &out, const BIGNUM *number)
{
    const int size = BN_bn2mpi(number, nullptr);
    if (size < 4)
        return false;
    const qsizetype at = out.size();
    out.resize(at + size);
    return BN_bn2mpi(number, reinterpret_cast<unsigned char *>(out.data() + at)) == size;
}

// A positive mpint as a BIGNUM; private numbers go to OpenSSL's secure heap.
OpenSslPtr<BIGNUM> readMpint(WireReader &reader, bool secret)
{
    const std::optional<QByteArrayView> raw = reader.string();
    if (!raw || raw->isEmpty() || (static_cast<unsigned char>(raw->front()) & 0x80))
        return nullptr;
    OpenSslPtr<BIGNUM> number(secret ? BN_secure_new() : BN_new());
    if (!number
        || !BN_bin2bn(reinterpret_cast<const unsigned char *>(raw->data()), static_cast<int>(raw->size()),
                      number.get()))
        return nullptr;
    return number;
}

// ---- key types -------------------------------------------------------------------------------

struct Curve
{
    QByteArrayView sshName; // in the key blob, after "ecdsa-sha2-"
    const char *openSslGroup; // OSSL_PKEY_PARAM_GROUP_NAME
    QByteArrayView openSslAlias; // what EVP_PKEY_get_group_name answers
    int fieldBytes;
};

constexpr std::array<Curve, 3> Curves{{
    {"nistp256", "P-256", "prime256v1", 32},
    {"nistp384", "P-384", "secp384r1", 48},
    {"nistp521", "P-521", "secp521r1", 66},
}};

const Curve *curveBySshName(QByteArrayView name)
{
    for (const Curve &curve : Curves) {
        if (curve.sshName == name)
            return &curve;
    }
    return nullptr;
}

const Curve *curveByGroup(QByteArrayView group)
{
    for (const Curve &curve : Curves) {
        if (curve.openSslAlias == group || QByteArrayView(curve.openSslGroup) == group)
            return &curve;
    }
    return nullptr;
}

QByteArray ecdsaAlgorithm(const Curve &curve)
{
    return "ecdsa-sha2-" + curve.sshName.toByteArray();
}

// Refuses, before anything is decrypted, the algorithms Keystead does not store.
Status checkAlgorithmName(QByteArrayView name)
{
    if (name == "ssh-ed25519" || name == "ssh-rsa")
        return {};
    if (name.startsWith("ecdsa-sha2-") && curveBySshName(name.sliced(11)))
        return {};
    if (name == "ssh-dss")
        return dsaRefused();
    if (name.startsWith("sk-"))
        return unsupported(u"security-key (FIDO) keys are not accepted: their private half never leaves "
                           "the hardware token, so there is nothing to keep"_s);
    if (name.contains("-cert-v0"))
        return unsupported(u"this is an OpenSSH certificate, not a private key"_s);
    return unsupported(u"the key algorithm"_s + quoted(name) + u" is not supported; use Ed25519, ECDSA or RSA"_s);
}

Status checkRsaBits(int bits)
{
    if (bits < MinRsaBits)
        return unsupported(
            u"the RSA key has %1 bits; OpenSSH refuses RSA keys under %2 bits"_s.arg(bits).arg(MinRsaBits));
    return {};
}

Result<OpenSslPtr<BIGNUM>> bnParam(const EVP_PKEY *key, const char *name)
{
    BIGNUM *raw = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &raw) != 1 || !raw)
        return Error::internal(u"OpenSSL did not give the key's numbers"_s);
    return OpenSslPtr<BIGNUM>(raw);
}

const Curve *curveOf(const EVP_PKEY *key)
{
    std::array<char, 64> group{};
    size_t length = 0;
    if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &length) != 1)
        return nullptr;
    return curveByGroup(QByteArrayView(group.data(), static_cast<qsizetype>(length)));
}

// The uncompressed point, whatever form the file stored it in.
Result<QByteArray> ecPoint(const EVP_PKEY *key, const Curve &curve)
{
    Result<OpenSslPtr<BIGNUM>> x = bnParam(key, OSSL_PKEY_PARAM_EC_PUB_X);
    Result<OpenSslPtr<BIGNUM>> y = bnParam(key, OSSL_PKEY_PARAM_EC_PUB_Y);
    if (!x || !y)
        return Error::internal(u"OpenSSL did not give the ECDSA key's point"_s);
    QByteArray point(1 + 2 * curve.fieldBytes, '\0');
    point[0] = 0x04;
    auto *out = reinterpret_cast<unsigned char *>(point.data());
    if (BN_bn2binpad(x->get(), out + 1, curve.fieldBytes) != curve.fieldBytes
        || BN_bn2binpad(y->get(), out + 1 + curve.fieldBytes, curve.fieldBytes) != curve.fieldBytes)
        return Error::internal(u"the ECDSA key's point does not fit its curve"_s);
    return point;
}

// The OpenSSH wire blob of a key OpenSSL holds; refuses what Keystead does not store.
Result<QByteArray> publicBlobOf(const EVP_PKEY *key)
{
    QByteArray blob;
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519: {
        std::array<unsigned char, 32> raw{};
        size_t length = raw.size();
        if (EVP_PKEY_get_raw_public_key(key, raw.data(), &length) != 1 || length != raw.size())
            return Error::internal(u"OpenSSL did not give the Ed25519 public key"_s);
        appendString(blob, "ssh-ed25519");
        appendString(blob, QByteArrayView(reinterpret_cast<const char *>(raw.data()), raw.size()));
        return blob;
    }
    case EVP_PKEY_EC: {
        const Curve *curve = curveOf(key);
        if (!curve)
            return unsupported(u"this ECDSA key's curve is not one OpenSSH uses (P-256, P-384 or P-521)"_s);
        Result<QByteArray> point = ecPoint(key, *curve);
        if (!point)
            return point.error();
        appendString(blob, ecdsaAlgorithm(*curve));
        appendString(blob, curve->sshName);
        appendString(blob, *point);
        return blob;
    }
    case EVP_PKEY_RSA: {
        if (Status bits = checkRsaBits(EVP_PKEY_get_bits(key)); !bits)
            return bits.error();
        Result<OpenSslPtr<BIGNUM>> e = bnParam(key, OSSL_PKEY_PARAM_RSA_E);
        Result<OpenSslPtr<BIGNUM>> n = bnParam(key, OSSL_PKEY_PARAM_RSA_N);
        if (!e || !n)
            return Error::internal(u"OpenSSL did not give the RSA key's numbers"_s);
        appendString(blob, "ssh-rsa");
        if (!appendMpint(blob, e->get()) || !appendMpint(blob, n->get()))
            return Error::internal(u"cannot encode the RSA key"_s);
        return blob;
    }
    case EVP_PKEY_DSA: return dsaRefused();
    default: {
        const char *name = EVP_PKEY_get0_type_name(key);
        return unsupported(u"the key algorithm"_s + quoted(name ? QByteArrayView(name) : QByteArrayView())
                           + u" is not supported; use Ed25519, ECDSA or RSA"_s);
    }
    }
}

// Proves the private half belongs to the public half (for RSA: the primes, d and the CRT
// values agree), so a damaged key is refused now rather than at the first login.
Status checkPair(EVP_PKEY *key)
{
    const OpenSslPtr<EVP_PKEY_CTX> context(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!context)
        return Error::internal(u"OpenSSL could not check the key"_s);
    if (EVP_PKEY_pairwise_check(context.get()) != 1)
        return unreadable(u"it is damaged: its private and public parts do not belong together"_s);
    return {};
}

// What parse() learns from a key OpenSSL holds.
Result<SshPublicKey> publicKeyOf(EVP_PKEY *key)
{
    Result<QByteArray> blob = publicBlobOf(key);
    if (!blob)
        return blob.error();
    if (Status pair = checkPair(key); !pair)
        return pair.error();
    Result<SshPublicKey> publicKey = SshPublicKey::fromBlob(*blob);
    if (!publicKey)
        return unreadable(publicKey.error().message);
    return publicKey;
}

// ---- the text around the key -----------------------------------------------------------------

// Line ends become \n, wherever they came from: \r\n, a bare \r (the seed's examples), or the
// two characters "\r" / "\n" left by a copy from JSON or documentation. A backslash never
// occurs in base64 or a PEM label, so reading it as an escape cannot change a key.
SecretBytes normalizedText(const QByteArray &text)
{
    QByteArray out;
    out.reserve(text.size());
    const qsizetype size = text.size();
    qsizetype i = 0;
    if (text.startsWith("\xEF\xBB\xBF")) // a UTF-8 byte order mark some editors put first
        i = 3;
    for (; i < size; ++i) {
        const char c = text[i];
        if (c == '\r') {
            if (i + 1 < size && text[i + 1] == '\n')
                ++i;
            out.append('\n');
        } else if (c == '\\' && i + 1 < size && (text[i + 1] == 'r' || text[i + 1] == 'n')) {
            const bool pair = text[i + 1] == 'r' && i + 3 < size && text[i + 2] == '\\' && text[i + 3] == 'n';
            i += pair ? 3 : 1;
            out.append('\n');
        } else {
            out.append(c);
        }
    }
    return SecretBytes(std::move(out));
}

QByteArrayView firstLine(QByteArrayView text)
{
    const qsizetype end = text.indexOf('\n');
    return end < 0 ? text : text.first(end);
}

// One PEM-style block: its label, its headers ("Proc-Type: ..."), its decoded body.
struct Armor
{
    QByteArray label;
    QList<std::pair<QByteArray, QByteArray>> headers;
    SecretBytes body;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &[key, value] : headers) {
            if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
};

Error notAPrivateKey(QByteArrayView text)
{
    const QByteArrayView line = firstLine(text).trimmed();
    if (line.startsWith("ssh-") || line.startsWith("ecdsa-sha2-") || line.startsWith("sk-")
        || line.startsWith("---- BEGIN SSH2 PUBLIC KEY"))
        return unreadable(u"this is a public key; give the private key (the file without .pub)"_s);
    if (line.startsWith("PuTTY-User-Key-File-"))
        return unsupported(u"this is a PuTTY key (.ppk); export it from PuTTYgen as an OpenSSH key"_s);
    if (line.startsWith("---- BEGIN SSH2 ENCRYPTED PRIVATE KEY"))
        return unsupported(u"this is an SSH.COM private key; convert it with ssh-keygen -i first"_s);
    return unreadable(u"it should start with a line like -----BEGIN OPENSSH PRIVATE KEY-----"_s);
}

// Reads "-----BEGIN label-----" at the start of `text`; the rest follows in `after`.
std::optional<QByteArray> beginLabel(QByteArrayView text, QByteArrayView *after)
{
    constexpr QByteArrayView Begin = "-----BEGIN ";
    if (!text.startsWith(Begin))
        return std::nullopt;
    const qsizetype end = text.indexOf("-----", Begin.size());
    if (end < 0)
        return std::nullopt;
    const QByteArrayView label = text.sliced(Begin.size(), end - Begin.size());
    if (label.isEmpty() || label.size() > 64)
        return std::nullopt;
    for (char c : label) {
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' '))
            return std::nullopt;
    }
    *after = text.sliced(end + 5);
    return label.toByteArray();
}

Result<Armor> readArmor(QByteArrayView text)
{
    QByteArrayView rest;
    std::optional<QByteArray> label = beginLabel(text, &rest);
    if (!label)
        return notAPrivateKey(text);
    // `openssl ecparam -genkey` writes the curve's parameters before the key: skip them.
    if (*label == "EC PARAMETERS") {
        constexpr QByteArrayView End = "-----END EC PARAMETERS-----";
        const qsizetype end = rest.indexOf(End);
        if (end < 0)
            return unreadable(u"its EC PARAMETERS block has no END line"_s);
        const QByteArrayView next = rest.sliced(end + End.size()).trimmed();
        label = beginLabel(next, &rest);
        if (!label)
            return unreadable(u"no private key follows the EC PARAMETERS block"_s);
    }

    Armor armor;
    armor.label = *label;
    const QByteArray end = "-----END " + armor.label + "-----";
    const qsizetype endAt = rest.indexOf(end);
    if (endAt < 0)
        return unreadable(u"it is cut short: the line \""_s + QString::fromLatin1(end) + u"\" is missing"_s);
    if (!rest.sliced(endAt + end.size()).trimmed().isEmpty())
        return unreadable(u"there is more text after the key's END line; give one private key alone"_s);

    // Headers first (RFC 1421: "Name: value"), then base64 with any blanks in it.
    QByteArray base64;
    base64.reserve(endAt);
    const QByteArrayView inside = rest.first(endAt);
    bool inHeaders = true;
    qsizetype lineStart = 0;
    while (lineStart <= inside.size()) {
        qsizetype lineEnd = inside.indexOf('\n', lineStart);
        if (lineEnd < 0)
            lineEnd = inside.size();
        const QByteArrayView line = inside.sliced(lineStart, lineEnd - lineStart).trimmed();
        lineStart = lineEnd + 1;
        const qsizetype colon = line.indexOf(':');
        if (colon > 0) {
            if (!inHeaders)
                return unreadable(u"a header line appears inside the key's data"_s);
            armor.headers.append(
                {line.first(colon).trimmed().toByteArray(), line.sliced(colon + 1).trimmed().toByteArray()});
            continue;
        }
        if (line.isEmpty())
            continue;
        inHeaders = false;
        for (char c : line) {
            if (c != ' ' && c != '\t')
                base64.append(c);
        }
    }
    if (base64.isEmpty())
        return unreadable(u"the block holds no key data"_s);
    SecretBytes encoded(std::move(base64));
    auto decoded = QByteArray::fromBase64Encoding(std::move(encoded.bytes()), QByteArray::AbortOnBase64DecodingErrors);
    armor.body = SecretBytes(std::move(decoded.decoded));
    if (!decoded)
        return unreadable(u"its data is not valid base64 (damaged, or shortened in the copy)"_s);
    return armor;
}

// ---- openssh-key-v1 (PROTOCOL.key) -----------------------------------------------------------

struct OpenSshCipher
{
    QByteArrayView name;
    qsizetype blockSize;
};

// The ciphers libssh 0.10 opens. It crashes on the AEAD ones (aes*-gcm, chacha20-poly1305):
// they are refused before libssh sees them.
constexpr std::array<OpenSshCipher, 7> OpenSshCiphers{{
    {"aes256-ctr", 16},
    {"aes192-ctr", 16},
    {"aes128-ctr", 16},
    {"aes256-cbc", 16},
    {"aes192-cbc", 16},
    {"aes128-cbc", 16},
    {"3des-cbc", 8},
}};

const OpenSshCipher *openSshCipher(QByteArrayView name)
{
    for (const OpenSshCipher &cipher : OpenSshCiphers) {
        if (cipher.name == name)
            return &cipher;
    }
    return nullptr;
}

struct OpenSshContainer
{
    QByteArray cipherName;
    const OpenSshCipher *cipher = nullptr; // null when not encrypted
    QByteArray publicBlob;
    QByteArrayView privateSection; // into the armor's body
};

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

// The key in an unencrypted private section, as OpenSSL holds it.
struct OpenSshPrivate
{
    OpenSslPtr<EVP_PKEY> key;
    QString comment;
};

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

// ---- PEM: PKCS#1 ("traditional") and PKCS#8 --------------------------------------------------

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

// ---- writing openssh-key-v1 ------------------------------------------------------------------

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
