// SshPrivateKey, its common pieces: errors, the SSH wire encoding, key types, the PEM-style armor.
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

} // namespace keystead::sshkey
