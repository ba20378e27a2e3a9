#include "ssh/Krl.h"

#include <QByteArrayView>

#include <algorithm>
#include <limits>
#include <map>
#include <vector>

namespace keystead {

namespace {

constexpr QByteArrayView KrlMagic("SSHKRL\n\0", 8);
constexpr quint32 KrlFormatVersion = 1;

enum Section : char {
    Certificates = 1,
    ExplicitKey = 2,
    FingerprintSha256 = 5,
};

enum CertificateSection : char {
    SerialList = 0x20,
    SerialRange = 0x21,
    SerialBitmap = 0x22,
    KeyIds = 0x23,
};

// Bytes a section costs beyond its content: the type byte and the string length.
constexpr quint64 SectionOverhead = 1 + 4;
// A bitmap longer than this (in bits) is never chosen: OpenSSH refuses gaps past INT_MAX,
// and a list or ranges are smaller long before.
constexpr quint64 MaxBitmapBits = quint64{1} << 24;
// How many runs one section may gather: keeps the search linear; the cost of
// splitting a longer section in two is a few bytes.
constexpr size_t MaxRunsPerSection = 256;

void putUint32(QByteArray &out, quint32 value)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        out.append(static_cast<char>((value >> shift) & 0xff));
}

void putUint64(QByteArray &out, quint64 value)
{
    for (int shift = 56; shift >= 0; shift -= 8)
        out.append(static_cast<char>((value >> shift) & 0xff));
}

void putString(QByteArray &out, QByteArrayView value)
{
    putUint32(out, static_cast<quint32>(value.size()));
    out.append(value.data(), value.size());
}

void putSection(QByteArray &out, char type, QByteArrayView content)
{
    out.append(type);
    putString(out, content);
}

struct Run
{
    quint64 lo;
    quint64 hi;
    quint64 count() const { return hi - lo + 1; }
};

quint64 saturatingAdd(quint64 a, quint64 b)
{
    return a > std::numeric_limits<quint64>::max() - b ? std::numeric_limits<quint64>::max() : a + b;
}

quint64 saturatingMultiply(quint64 a, quint64 b)
{
    return b != 0 && a > std::numeric_limits<quint64>::max() / b ? std::numeric_limits<quint64>::max() : a * b;
}

std::vector<Run> runsOf(QList<quint64> serials)
{
    std::sort(serials.begin(), serials.end());
    std::vector<Run> runs;
    for (const quint64 serial : std::as_const(serials)) {
        // OpenSSH never revokes serial 0 by serial (it means "no serial"), and a
        // KRL naming it does not load: such certificates are revoked by key id or key.
        if (serial == 0)
            continue;
        if (!runs.empty() && serial <= runs.back().hi + 1 && runs.back().hi != std::numeric_limits<quint64>::max()) {
            runs.back().hi = std::max(runs.back().hi, serial);
            continue;
        }
        if (!runs.empty() && serial <= runs.back().hi)
            continue;
        runs.push_back(Run{serial, serial});
    }
    return runs;
}

enum class Encoding { List, Range, Bitmap };

struct Choice
{
    quint64 cost = std::numeric_limits<quint64>::max();
    Encoding encoding = Encoding::List;
    size_t end = 0; // one past the last run of this section
};

quint64 listCost(quint64 serials)
{
    return saturatingAdd(SectionOverhead, saturatingMultiply(serials, 8));
}

quint64 bitmapCost(quint64 bits)
{
    // serial offset, then an mpint: length, maybe a zero byte, the bytes.
    return SectionOverhead + 8 + 4 + 1 + (bits + 7) / 8;
}

void encodeBitmap(QByteArray &out, const std::vector<Run> &runs, size_t begin, size_t end)
{
    const quint64 base = runs[begin].lo;
    const quint64 bits = runs[end - 1].hi - base + 1;
    QByteArray magnitude(qsizetype((bits + 7) / 8), '\0');
    for (size_t i = begin; i < end; ++i) {
        for (quint64 serial = runs[i].lo; serial <= runs[i].hi; ++serial) {
            const quint64 bit = serial - base;
            const qsizetype byte = magnitude.size() - 1 - qsizetype(bit / 8);
            magnitude[byte] = static_cast<char>(static_cast<unsigned char>(magnitude[byte]) | (1u << (bit % 8)));
            if (serial == std::numeric_limits<quint64>::max())
                break;
        }
    }
    QByteArray content;
    putUint64(content, base);
    // The highest bit is a revoked serial, so the first byte is never zero: a
    // positive mpint needs a zero byte only when that byte's top bit is set.
    QByteArray mpint;
    if (static_cast<unsigned char>(magnitude.front()) & 0x80)
        mpint.append('\0');
    mpint.append(magnitude);
    putString(content, mpint);
    putSection(out, SerialBitmap, content);
}

// Serial sections, choosing per stretch of runs the smallest of list, range and
// bitmap by a search over where sections end (costs in bytes, exact).
QByteArray encodeSerials(const std::vector<Run> &runs)
{
    const size_t count = runs.size();
    std::vector<Choice> best(count + 1);
    best[count].cost = 0;
    for (size_t begin = count; begin-- > 0;) {
        Choice choice;
        const quint64 rangeCost = saturatingAdd(SectionOverhead + 16, best[begin + 1].cost);
        choice = Choice{rangeCost, Encoding::Range, begin + 1};
        quint64 serials = 0;
        for (size_t end = begin + 1; end <= count && end - begin <= MaxRunsPerSection; ++end) {
            serials = saturatingAdd(serials, runs[end - 1].count());
            const quint64 asList = saturatingAdd(listCost(serials), best[end].cost);
            if (asList < choice.cost)
                choice = Choice{asList, Encoding::List, end};
            const quint64 span = runs[end - 1].hi - runs[begin].lo;
            if (span < MaxBitmapBits) {
                const quint64 asBitmap = saturatingAdd(bitmapCost(span + 1), best[end].cost);
                if (asBitmap < choice.cost)
                    choice = Choice{asBitmap, Encoding::Bitmap, end};
            } else if (serials > MaxBitmapBits) {
                break; // neither a list nor a bitmap can win past here
            }
        }
        best[begin] = choice;
    }

    QByteArray out;
    for (size_t begin = 0; begin < count;) {
        const Choice &choice = best[begin];
        switch (choice.encoding) {
        case Encoding::Range: {
            QByteArray content;
            putUint64(content, runs[begin].lo);
            putUint64(content, runs[begin].hi);
            putSection(out, SerialRange, content);
            break;
        }
        case Encoding::List: {
            QByteArray content;
            for (size_t i = begin; i < choice.end; ++i) {
                for (quint64 serial = runs[i].lo;; ++serial) {
                    putUint64(content, serial);
                    if (serial == runs[i].hi)
                        break;
                }
            }
            putSection(out, SerialList, content);
            break;
        }
        case Encoding::Bitmap: encodeBitmap(out, runs, begin, choice.end); break;
        }
        begin = choice.end;
    }
    return out;
}

QByteArray encodeCaSection(const QByteArray &caBlob, const QList<quint64> &serials, QStringList keyIds)
{
    QByteArray content;
    putString(content, caBlob);
    putString(content, QByteArrayView()); // reserved
    content.append(encodeSerials(runsOf(serials)));
    keyIds.sort();
    keyIds.removeDuplicates();
    QByteArray ids;
    for (const QString &keyId : std::as_const(keyIds))
        putString(ids, keyId.toUtf8());
    if (!ids.isEmpty())
        putSection(content, KeyIds, ids);
    return content;
}

} // namespace

QByteArray encodeKrl(const KrlContents &contents)
{
    QByteArray out;
    out.append(KrlMagic.data(), KrlMagic.size());
    putUint32(out, KrlFormatVersion);
    putUint64(out, contents.version);
    const qint64 generated = contents.generatedAt.isValid() ? contents.generatedAt.toSecsSinceEpoch() : 0;
    putUint64(out, generated < 0 ? 0 : quint64(generated));
    putUint64(out, 0); // flags: none defined
    putString(out, QByteArrayView()); // reserved
    putString(out, contents.comment.toUtf8());

    // One section per CA, even if the caller listed a CA twice.
    std::map<QByteArray, std::pair<QList<quint64>, QStringList>> byCa;
    std::vector<QByteArray> caOrder;
    for (const KrlContents::CaSection &section : contents.certificates) {
        const QByteArray &blob = section.ca.blob();
        auto [it, inserted] = byCa.try_emplace(blob);
        if (inserted)
            caOrder.push_back(blob);
        it->second.first += section.serials;
        it->second.second += section.keyIds;
    }
    for (const QByteArray &blob : caOrder) {
        const auto &[serials, keyIds] = byCa.at(blob);
        const QByteArray content = encodeCaSection(blob, serials, keyIds);
        putSection(out, Certificates, content);
    }

    std::vector<QByteArray> keys;
    for (const SshPublicKey &key : contents.explicitKeys) {
        if (!key.isNull())
            keys.push_back(key.blob());
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    if (!keys.empty()) {
        QByteArray content;
        for (const QByteArray &blob : keys)
            putString(content, blob);
        putSection(out, ExplicitKey, content);
    }

    std::vector<QByteArray> hashes;
    for (const QByteArray &hash : contents.sha256Hashes) {
        // OpenSSH refuses a KRL with a hash of any other length.
        if (hash.size() == 32)
            hashes.push_back(hash);
    }
    std::sort(hashes.begin(), hashes.end());
    hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
    if (!hashes.empty()) {
        QByteArray content;
        for (const QByteArray &hash : hashes)
            putString(content, hash);
        putSection(out, FingerprintSha256, content);
    }
    return out;
}

} // namespace keystead
