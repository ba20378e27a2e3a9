#include "SshPublicKey.h"

#include "common/Crypto.h"
#include "ssh/NativeHandles.h"

#include <QByteArrayView>
#include <QStringList>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <array>
#include <bit>
#include <memory>
#include <optional>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// OpenSSH's own limit for a bignum (SSHBUF_MAX_BIGNUM): 16384 bits.
constexpr qsizetype MaxMpintMagnitude = 16384 / 8;
// OpenSSH refuses shorter RSA keys (SSH_RSA_MINIMUM_MODULUS_SIZE); so do we, at the door.
constexpr int MinRsaBits = 1024;
// An authorized_keys line with long options is still far below this.
constexpr qsizetype MaxTextSize = 64 * 1024;
// RFC 4716 section 3: lines of at most 72 bytes; ssh-keygen wraps its base64 at 70.
constexpr qsizetype Rfc4716LineLimit = 72;
constexpr qsizetype Rfc4716Base64Width = 70;
constexpr auto Rfc4716Begin = "---- BEGIN SSH2 PUBLIC KEY ----"_L1;
constexpr auto Rfc4716End = "---- END SSH2 PUBLIC KEY ----"_L1;

using openssl::OpenSslPtr;

enum class KeyKind { Ed25519, SkEd25519, Ecdsa, SkEcdsa, Rsa, Dsa };

struct Curve
{
    QByteArrayView sshName; // the curve string inside the blob
    const char *openSslGroup; // OSSL_PKEY_PARAM_GROUP_NAME
    int bits;
    qsizetype pointSize; // uncompressed: 0x04 || X || Y
};

constexpr Curve NistP256{"nistp256", "P-256", 256, 1 + 2 * 32};
constexpr Curve NistP384{"nistp384", "P-384", 384, 1 + 2 * 48};
constexpr Curve NistP521{"nistp521", "P-521", 521, 1 + 2 * 66};

struct Algorithm
{
    QByteArrayView name;
    KeyKind kind;
    const Curve *curve;
    const char *label; // ssh-keygen -l's last column
};

constexpr std::array<Algorithm, 8> Algorithms{{
    {"ssh-ed25519", KeyKind::Ed25519, nullptr, "ED25519"},
    {"sk-ssh-ed25519@openssh.com", KeyKind::SkEd25519, nullptr, "ED25519-SK"},
    {"ecdsa-sha2-nistp256", KeyKind::Ecdsa, &NistP256, "ECDSA"},
    {"ecdsa-sha2-nistp384", KeyKind::Ecdsa, &NistP384, "ECDSA"},
    {"ecdsa-sha2-nistp521", KeyKind::Ecdsa, &NistP521, "ECDSA"},
    {"sk-ecdsa-sha2-nistp256@openssh.com", KeyKind::SkEcdsa, &NistP256, "ECDSA-SK"},
    {"ssh-rsa", KeyKind::Rsa, nullptr, "RSA"},
    {"ssh-dss", KeyKind::Dsa, nullptr, "DSA"},
}};

const Algorithm *findAlgorithm(QByteArrayView name)
{
    for (const Algorithm &algorithm : Algorithms) {
        if (algorithm.name == name)
            return &algorithm;
    }
    return nullptr;
}

bool isCertificateName(QByteArrayView name)
{
    return name.endsWith("-cert-v01@openssh.com") || name.endsWith("-cert-v00@openssh.com");
}

// An untrusted name goes into an error message only when it is short and printable.
QString quotedName(QByteArrayView name)
{
    if (name.isEmpty() || name.size() > 64)
        return {};
    for (char c : name) {
        if (c < 0x21 || c > 0x7e)
            return {};
    }
    return u" \""_s + QString::fromLatin1(name) + u'"';
}

Error certificateError(QByteArrayView name)
{
    return Error::invalid(u"this is an OpenSSH certificate"_s + quotedName(name)
                          + u", not a plain public key: give the key it certifies"_s);
}

Error unknownAlgorithmError(QByteArrayView name)
{
    return Error::invalid(u"unknown public key algorithm"_s + quotedName(name));
}

// RFC 4251 section 5 reader over bytes nobody vouches for: every read is bounds-checked.
class WireReader final
{
public:
    explicit WireReader(QByteArrayView data)
        : m_data(data)
    {
    }

    bool atEnd() const { return m_position == m_data.size(); }
    qsizetype remaining() const { return m_data.size() - m_position; }

    std::optional<QByteArrayView> string()
    {
        if (remaining() < 4)
            return std::nullopt;
        const auto *bytes = reinterpret_cast<const unsigned char *>(m_data.data()) + m_position;
        const quint32 length
            = (quint32{bytes[0]} << 24) | (quint32{bytes[1]} << 16) | (quint32{bytes[2]} << 8) | quint32{bytes[3]};
        if (quint64{length} > quint64(remaining() - 4))
            return std::nullopt;
        const QByteArrayView value = m_data.sliced(m_position + 4, qsizetype(length));
        m_position += 4 + qsizetype(length);
        return value;
    }

private:
    QByteArrayView m_data;
    qsizetype m_position = 0;
};

// A positive mpint's magnitude, or an error if the encoding is not the one RFC 4251 allows
// (negative, a needless leading zero, zero itself) or the number is past OpenSSH's limit.
Result<QByteArray> positiveMpint(WireReader &reader, const QString &what)
{
    const std::optional<QByteArrayView> raw = reader.string();
    if (!raw)
        return Error::invalid(u"the key ends inside its "_s + what);
    QByteArrayView bytes = *raw;
    if (bytes.isEmpty())
        return Error::invalid(u"the key's "_s + what + u" is zero"_s);
    const auto first = static_cast<unsigned char>(bytes[0]);
    if (first & 0x80)
        return Error::invalid(u"the key's "_s + what + u" is negative"_s);
    if (first == 0) {
        if (bytes.size() == 1 || (static_cast<unsigned char>(bytes[1]) & 0x80) == 0)
            return Error::invalid(u"the key's "_s + what + u" has a needless leading zero byte"_s);
        bytes = bytes.sliced(1);
    }
    if (bytes.size() > MaxMpintMagnitude)
        return Error::invalid(u"the key's "_s + what + u" is larger than 16384 bits"_s);
    return bytes.toByteArray();
}

int bitCount(const QByteArray &magnitude)
{
    if (magnitude.isEmpty())
        return 0;
    const auto first = static_cast<unsigned char>(magnitude[0]);
    return int(magnitude.size() - 1) * 8 + static_cast<int>(std::bit_width(unsigned{first}));
}

struct DecodedKey
{
    const Algorithm *algorithm = nullptr;
    int bits = 0;
    QByteArray ed25519; // the 32-byte public key
    QByteArray point; // EC: uncompressed point
    std::array<QByteArray, 4> numbers; // RSA: e, n; DSA: p, q, g, y
    QByteArray application; // -sk kinds
};

Result<OpenSslPtr<EVP_PKEY>> fromParams(const char *keyType, OSSL_PARAM_BLD *builder)
{
    const OpenSslPtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(builder));
    const OpenSslPtr<EVP_PKEY_CTX> context(EVP_PKEY_CTX_new_from_name(nullptr, keyType, nullptr));
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1)
        return Error::internal(u"OpenSSL could not prepare a public key"_s);
    EVP_PKEY *made = nullptr;
    if (EVP_PKEY_fromdata(context.get(), &made, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 || !made)
        return Error::invalid(u"OpenSSL refuses the public key's values"_s);
    return OpenSslPtr<EVP_PKEY>(made);
}

// Builds the OpenSSL key; for EC it also proves the point lies on the curve, which
// OpenSSH checks too and a client could otherwise get past us.
Result<OpenSslPtr<EVP_PKEY>> toEvpKey(const DecodedKey &key)
{
    switch (key.algorithm->kind) {
    case KeyKind::Ed25519:
    case KeyKind::SkEd25519: {
        OpenSslPtr<EVP_PKEY> made(EVP_PKEY_new_raw_public_key(
            EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char *>(key.ed25519.constData()),
            static_cast<size_t>(key.ed25519.size())));
        if (!made)
            return Error::internal(u"OpenSSL could not load the Ed25519 key"_s);
        return made;
    }
    case KeyKind::Ecdsa:
    case KeyKind::SkEcdsa: {
        const OpenSslPtr<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
        if (!builder
            || OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                               key.algorithm->curve->openSslGroup, 0)
                != 1
            || OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, key.point.constData(),
                                                static_cast<size_t>(key.point.size()))
                != 1)
            return Error::internal(u"OpenSSL could not prepare an EC key"_s);
        Result<OpenSslPtr<EVP_PKEY>> made = fromParams("EC", builder.get());
        if (!made)
            return Error::invalid(u"the ECDSA public key is not a point on its curve"_s);
        const OpenSslPtr<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, made->get(), nullptr));
        if (!check || EVP_PKEY_public_check(check.get()) != 1)
            return Error::invalid(u"the ECDSA public key is not a valid point on its curve"_s);
        return made;
    }
    case KeyKind::Rsa:
    case KeyKind::Dsa: {
        const bool rsa = key.algorithm->kind == KeyKind::Rsa;
        const std::array<const char *, 4> names = rsa
            ? std::array<const char *, 4>{OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_N, nullptr, nullptr}
            : std::array<const char *, 4>{OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_Q, OSSL_PKEY_PARAM_FFC_G,
                                          OSSL_PKEY_PARAM_PUB_KEY};
        const OpenSslPtr<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
        if (!builder)
            return Error::internal(u"OpenSSL could not prepare a key"_s);
        // The builder refers to the numbers until it turns them into params.
        std::array<OpenSslPtr<BIGNUM>, 4> numbers;
        for (size_t i = 0; i < names.size() && names[i]; ++i) {
            const QByteArray &bytes = key.numbers[i];
            numbers[i].reset(BN_bin2bn(reinterpret_cast<const unsigned char *>(bytes.constData()),
                                       static_cast<int>(bytes.size()), nullptr));
            if (!numbers[i] || OSSL_PARAM_BLD_push_BN(builder.get(), names[i], numbers[i].get()) != 1)
                return Error::internal(u"OpenSSL could not prepare a key"_s);
        }
        return fromParams(rsa ? "RSA" : "DSA", builder.get());
    }
    }
    return Error::internal(u"unhandled key kind"_s);
}

Result<DecodedKey> decode(QByteArrayView blob)
{
    if (blob.isEmpty())
        return Error::invalid(u"the public key is empty"_s);
    if (blob.size() > SshPublicKey::MaxBlobSize)
        return Error::invalid(
            u"the public key is too large (%1 bytes; at most %2)"_s.arg(blob.size()).arg(SshPublicKey::MaxBlobSize));

    WireReader reader(blob);
    const std::optional<QByteArrayView> name = reader.string();
    if (!name)
        return Error::invalid(u"the public key is truncated before its algorithm name"_s);
    if (isCertificateName(*name))
        return certificateError(*name);

    DecodedKey key;
    key.algorithm = findAlgorithm(*name);
    if (!key.algorithm)
        return unknownAlgorithmError(*name);

    switch (key.algorithm->kind) {
    case KeyKind::Ed25519:
    case KeyKind::SkEd25519: {
        const std::optional<QByteArrayView> raw = reader.string();
        if (!raw)
            return Error::invalid(u"the Ed25519 key is truncated"_s);
        if (raw->size() != 32)
            return Error::invalid(u"an Ed25519 key has 32 bytes, this one %1"_s.arg(raw->size()));
        key.ed25519 = raw->toByteArray();
        key.bits = 256;
        break;
    }
    case KeyKind::Ecdsa:
    case KeyKind::SkEcdsa: {
        const Curve &curve = *key.algorithm->curve;
        const std::optional<QByteArrayView> curveName = reader.string();
        if (!curveName)
            return Error::invalid(u"the ECDSA key is truncated before its curve name"_s);
        if (*curveName != curve.sshName)
            return Error::invalid(u"the ECDSA key's curve"_s + quotedName(*curveName)
                                  + u" does not match its algorithm "_s + QString::fromLatin1(key.algorithm->name));
        const std::optional<QByteArrayView> point = reader.string();
        if (!point)
            return Error::invalid(u"the ECDSA key is truncated inside its point"_s);
        if (point->size() != curve.pointSize || (*point)[0] != 0x04)
            return Error::invalid(
                u"the ECDSA key's point is not an uncompressed %1 point"_s.arg(QString::fromLatin1(curve.sshName)));
        key.point = point->toByteArray();
        key.bits = curve.bits;
        break;
    }
    case KeyKind::Rsa: {
        Result<QByteArray> e = positiveMpint(reader, u"RSA exponent"_s);
        if (!e)
            return e.error();
        Result<QByteArray> n = positiveMpint(reader, u"RSA modulus"_s);
        if (!n)
            return n.error();
        key.numbers[0] = std::move(e).value();
        key.numbers[1] = std::move(n).value();
        key.bits = bitCount(key.numbers[1]);
        if (key.bits < MinRsaBits)
            return Error::invalid(
                u"the RSA key has %1 bits; OpenSSH refuses keys under %2"_s.arg(key.bits).arg(MinRsaBits));
        break;
    }
    case KeyKind::Dsa: {
        const std::array<QString, 4> what{u"DSA p"_s, u"DSA q"_s, u"DSA g"_s, u"DSA public value"_s};
        for (size_t i = 0; i < what.size(); ++i) {
            Result<QByteArray> number = positiveMpint(reader, what[i]);
            if (!number)
                return number.error();
            key.numbers[i] = std::move(number).value();
        }
        key.bits = bitCount(key.numbers[0]);
        break;
    }
    }

    if (key.algorithm->kind == KeyKind::SkEd25519 || key.algorithm->kind == KeyKind::SkEcdsa) {
        const std::optional<QByteArrayView> application = reader.string();
        if (!application)
            return Error::invalid(u"the security key's application string is missing or truncated"_s);
        if (application->contains('\0'))
            return Error::invalid(u"the security key's application string contains a NUL byte"_s);
        key.application = application->toByteArray();
    }
    if (!reader.atEnd())
        return Error::invalid(u"the public key has %1 unexpected bytes after its end"_s.arg(reader.remaining()));

    if (key.algorithm->kind == KeyKind::Ecdsa || key.algorithm->kind == KeyKind::SkEcdsa) {
        Result<OpenSslPtr<EVP_PKEY>> checked = toEvpKey(key);
        if (!checked)
            return checked.error();
    }
    return key;
}

Result<QByteArray> decodeBase64(QByteArrayView text)
{
    if (text.isEmpty())
        return Error::invalid(u"the public key has no key data"_s);
    auto decoded = QByteArray::fromBase64Encoding(text.toByteArray(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return Error::invalid(u"the public key's data is not valid base64"_s);
    return std::move(*decoded);
}

bool isBlank(QChar c)
{
    return c == u' ' || c == u'\t';
}

// The position just past an authorized_keys options field: commas join options,
// double quotes protect spaces, and a backslash escapes a quote inside them.
std::optional<qsizetype> skipOptions(const QString &line)
{
    bool quoted = false;
    qsizetype i = 0;
    for (; i < line.size(); ++i) {
        const QChar c = line[i];
        if (!quoted && isBlank(c))
            break;
        if (quoted && c == u'\\' && i + 1 < line.size() && line[i + 1] == u'"')
            ++i;
        else if (c == u'"')
            quoted = !quoted;
    }
    if (quoted)
        return std::nullopt;
    return i;
}

qsizetype skipBlanks(const QString &line, qsizetype from)
{
    while (from < line.size() && isBlank(line[from]))
        ++from;
    return from;
}

qsizetype tokenEnd(const QString &line, qsizetype from)
{
    while (from < line.size() && !isBlank(line[from]))
        ++from;
    return from;
}

bool isKnownTypeName(const QString &token)
{
    const QByteArray latin = token.toLatin1();
    return findAlgorithm(latin) || isCertificateName(latin);
}

QString oneLine(const QString &text)
{
    QString flat = text;
    flat.replace(u'\r', u' ').replace(u'\n', u' ');
    return flat.trimmed();
}

// Splits one header into lines that fit RFC 4716's limit, each but the last ending in
// a backslash; never splits a UTF-8 sequence.
QByteArray wrappedHeader(const QByteArray &header)
{
    QByteArray out;
    qsizetype start = 0;
    while (header.size() - start > Rfc4716LineLimit) {
        qsizetype end = start + Rfc4716LineLimit - 1; // room for the backslash
        while (end > start + 1 && (static_cast<unsigned char>(header[end]) & 0xC0) == 0x80)
            --end;
        out += header.sliced(start, end - start) + "\\\n";
        start = end;
    }
    out += header.sliced(start) + '\n';
    return out;
}

} // namespace

Result<SshPublicKey> SshPublicKey::fromBlob(const QByteArray &blob)
{
    Result<DecodedKey> decoded = decode(blob);
    if (!decoded)
        return decoded.error();
    SshPublicKey key;
    // A deep copy: a caller may hand in a fromRawData() view of a buffer that libssh frees.
    key.m_blob = QByteArray(blob.constData(), blob.size());
    key.m_algorithm = QString::fromLatin1(decoded->algorithm->name);
    key.m_application = QString::fromUtf8(decoded->application);
    key.m_bits = decoded->bits;
    return key;
}

Result<SshPublicKey> SshPublicKey::fromOpenSshLine(const QString &line, QString *comment)
{
    if (line.size() > MaxTextSize)
        return Error::invalid(u"the public key text is too long"_s);
    const QString text = line.trimmed();
    if (text.isEmpty())
        return Error::invalid(u"no public key given"_s);
    if (text.startsWith(u'#'))
        return Error::invalid(u"this is a comment line, not a public key"_s);
    if (text.contains(u'\n') || text.contains(u'\r'))
        return Error::invalid(u"an OpenSSH public key is one line; this text has several"_s);

    qsizetype typeStart = 0;
    const QString firstToken = text.first(tokenEnd(text, 0));
    if (!isKnownTypeName(firstToken)) {
        // Not a type: an authorized_keys line's options come first.
        const std::optional<qsizetype> optionsEnd = skipOptions(text);
        if (!optionsEnd)
            return Error::invalid(u"the key's options have an unterminated quote"_s);
        typeStart = skipBlanks(text, *optionsEnd);
        const QString afterOptions = text.sliced(typeStart, tokenEnd(text, typeStart) - typeStart);
        if (typeStart >= text.size() || !isKnownTypeName(afterOptions))
            return unknownAlgorithmError(firstToken.toLatin1());
    }
    const qsizetype typeEnd = tokenEnd(text, typeStart);
    const QString type = text.sliced(typeStart, typeEnd - typeStart);
    if (isCertificateName(type.toLatin1()))
        return certificateError(type.toLatin1());

    const qsizetype dataStart = skipBlanks(text, typeEnd);
    const qsizetype dataEnd = tokenEnd(text, dataStart);
    const QString data = text.sliced(dataStart, dataEnd - dataStart);
    for (QChar c : data) {
        if (c.unicode() > 0x7f)
            return Error::invalid(u"the public key's data is not valid base64"_s);
    }
    Result<QByteArray> blob = decodeBase64(data.toLatin1());
    if (!blob)
        return blob.error();
    Result<SshPublicKey> key = fromBlob(*blob);
    if (!key)
        return key.error();
    if (key->algorithm() != type)
        return Error::invalid(u"the line says "_s + type + u" but the key data is "_s + key->algorithm());
    if (comment)
        *comment = text.sliced(skipBlanks(text, dataEnd)).trimmed();
    return key;
}

Result<SshPublicKey> SshPublicKey::fromRfc4716(const QString &text, QString *comment)
{
    if (text.size() > MaxTextSize)
        return Error::invalid(u"the public key text is too long"_s);
    QString normalized = text;
    normalized.replace(u"\r\n"_s, u"\n"_s).replace(u'\r', u'\n');
    // Header continuations join byte for byte, so only the ends of lines lose their blanks.
    QStringList lines = normalized.split(u'\n');
    for (QString &l : lines) {
        while (!l.isEmpty() && l.back().isSpace())
            l.chop(1);
    }
    qsizetype i = 0;
    while (i < lines.size() && lines[i].trimmed().isEmpty())
        ++i;
    if (i == lines.size())
        return Error::invalid(u"no public key given"_s);
    if (lines[i].trimmed() != Rfc4716Begin)
        return Error::invalid(u"an RFC 4716 public key starts with \""_s + Rfc4716Begin + u'"');
    ++i;

    QString foundComment;
    // Headers come first; base64 never holds a colon, so the first line without one starts the body.
    while (i < lines.size() && lines[i].trimmed() != Rfc4716End && lines[i].contains(u':')) {
        QString header = lines[i++].trimmed();
        while (header.endsWith(u'\\')) {
            if (i >= lines.size() || lines[i].trimmed() == Rfc4716End)
                return Error::invalid(u"an RFC 4716 header continues past the end of the key"_s);
            header.chop(1);
            header += lines[i++];
        }
        const qsizetype colon = header.indexOf(u':');
        const QString tag = header.first(colon).trimmed();
        if (tag.isEmpty() || tag.size() > 64 || tag.contains(u' '))
            return Error::invalid(u"an RFC 4716 header has an invalid name"_s);
        if (tag.compare(u"Comment"_s, Qt::CaseInsensitive) == 0) {
            QString value = header.sliced(colon + 1).trimmed();
            if (value.size() >= 2 && value.startsWith(u'"') && value.endsWith(u'"'))
                value = value.sliced(1, value.size() - 2);
            foundComment = value;
        }
        // RFC 4716 section 3.3: headers an implementation does not know are ignored.
    }

    QByteArray body;
    bool ended = false;
    for (; i < lines.size(); ++i) {
        if (lines[i].trimmed() == Rfc4716End) {
            ended = true;
            ++i;
            break;
        }
        const QString line = lines[i].trimmed();
        for (QChar c : line) {
            if (c.unicode() > 0x7f)
                return Error::invalid(u"the public key's data is not valid base64"_s);
        }
        body += line.toLatin1();
    }
    if (!ended)
        return Error::invalid(u"the RFC 4716 public key has no \""_s + Rfc4716End + u"\" line"_s);
    for (; i < lines.size(); ++i) {
        if (!lines[i].trimmed().isEmpty())
            return Error::invalid(u"unexpected text after the end of the RFC 4716 public key"_s);
    }

    Result<QByteArray> blob = decodeBase64(body);
    if (!blob)
        return blob.error();
    Result<SshPublicKey> key = fromBlob(*blob);
    if (key && comment)
        *comment = foundComment;
    return key;
}

Result<SshPublicKey> SshPublicKey::parse(const QString &text, QString *comment)
{
    if (text.trimmed().startsWith(u"---- BEGIN"_s))
        return fromRfc4716(text, comment);
    return fromOpenSshLine(text, comment);
}

QString SshPublicKey::typeLabel() const
{
    const Algorithm *algorithm = findAlgorithm(m_algorithm.toLatin1());
    return algorithm ? QString::fromLatin1(algorithm->label) : QString();
}

QString SshPublicKey::fingerprintSha256() const
{
    if (isNull())
        return {};
    return u"SHA256:"_s
        + QString::fromLatin1(
               crypto::sha256(m_blob).toBase64(QByteArray::Base64Encoding | QByteArray::OmitTrailingEquals));
}

QString SshPublicKey::fingerprintMd5() const
{
    if (isNull())
        return {};
    QByteArray digest(16, Qt::Uninitialized);
    unsigned int length = 0;
    if (EVP_Digest(m_blob.constData(), static_cast<size_t>(m_blob.size()),
                   reinterpret_cast<unsigned char *>(digest.data()), &length, EVP_md5(), nullptr)
            != 1
        || length != 16)
        return {};
    return u"MD5:"_s + QString::fromLatin1(digest.toHex(':'));
}

QString SshPublicKey::openSshLine(const QString &comment) const
{
    if (isNull())
        return {};
    QString line = m_algorithm + u' ' + QString::fromLatin1(m_blob.toBase64());
    const QString flat = oneLine(comment);
    if (!flat.isEmpty())
        line += u' ' + flat;
    return line;
}

QString SshPublicKey::rfc4716(const QString &comment) const
{
    if (isNull())
        return {};
    QByteArray out = QByteArray(Rfc4716Begin.latin1(), Rfc4716Begin.size()) + '\n';
    const QString flat = oneLine(comment);
    if (!flat.isEmpty())
        out += wrappedHeader("Comment: \"" + flat.toUtf8() + '"');
    const QByteArray data = m_blob.toBase64();
    for (qsizetype start = 0; start < data.size(); start += Rfc4716Base64Width)
        out += data.mid(start, Rfc4716Base64Width) + '\n';
    out += QByteArray(Rfc4716End.latin1(), Rfc4716End.size()) + '\n';
    return QString::fromUtf8(out);
}

Result<QString> SshPublicKey::pem() const
{
    if (isNull())
        return Error::invalid(u"no public key"_s);
    Result<DecodedKey> decoded = decode(m_blob);
    if (!decoded)
        return decoded.error();
    const KeyKind kind = decoded->algorithm->kind;
    if (kind == KeyKind::SkEd25519 || kind == KeyKind::SkEcdsa)
        return Error::invalid(m_algorithm + u" is a security key: it has no PEM form"_s);
    Result<OpenSslPtr<EVP_PKEY>> evpKey = toEvpKey(*decoded);
    if (!evpKey)
        return evpKey.error();

    const OpenSslPtr<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), evpKey->get()) != 1)
        return Error::internal(u"OpenSSL could not write the public key as PEM"_s);
    char *data = nullptr;
    const long size = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);
    if (size <= 0 || !data)
        return Error::internal(u"OpenSSL wrote an empty PEM public key"_s);
    return QString::fromLatin1(data, static_cast<qsizetype>(size));
}

} // namespace keystead
