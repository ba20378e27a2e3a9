#include "Identifiers.h"

#include "common/Crypto.h"

#include <QUuid>

namespace keystead::identifiers {

Result<QString> randomLowercase(int length)
{
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    constexpr int kAlphabetSize = 36;
    // The largest multiple of 36 below 256: bytes at or above it would favour the first letters.
    constexpr int kLimit = 256 - 256 % kAlphabetSize;
    QString identifier;
    while (identifier.size() < length) {
        Result<QByteArray> random = crypto::randomBytes(2 * length);
        if (!random)
            return random.error();
        for (const char byte : random.value()) {
            const int value = static_cast<unsigned char>(byte);
            if (value >= kLimit)
                continue;
            identifier.append(QLatin1Char(kAlphabet[value % kAlphabetSize]));
            if (identifier.size() == length)
                break;
        }
    }
    return identifier;
}

QString newUuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

} // namespace keystead::identifiers
