#pragma once

#include "settings/SshSettings.h"

#include <QStringList>

#include <optional>

namespace keystead {

// What libssh (as built on this machine) can do, per list: the names a
// settings policy may use. Server side for the collect server, client side for the scanner.
enum class AlgorithmList { Cipher, Kex, Mac, Compression };
QStringList supportedServerAlgorithms(AlgorithmList list);
QStringList supportedClientAlgorithms(AlgorithmList list);
// The first name in `algorithms` that the side cannot do, with its list name
// ("cipher", "kex", "mac", "compression") and index; nullopt when all are fine.
struct UnsupportedAlgorithm
{
    QString list;
    int index = 0;
    QString name;
};
std::optional<UnsupportedAlgorithm> firstUnsupported(const SshAlgorithms &algorithms, bool serverSide);

} // namespace keystead
