#pragma once

#include "common/Result.h"
#include "ssh/SshPrivateKey.h"

#include <QCoreApplication>
#include <QStringList>

namespace keystead::ui {

// What the key panel and its dialogs share: how an inventory error reads, how
// lists are typed, how key files are read.
class KeyTexts final
{
    Q_DECLARE_TR_FUNCTIONS(KeyTexts)

public:
    // "1043: The public key does not belong to the private key" when the error carries an inventory number.
    static QString error(const Error &error);
    // "a, b ,, c" -> {"a", "b", "c"}.
    static QStringList splitList(const QString &text);
    // A key file, refused unread when it is larger than any key text.
    static Result<QByteArray> readKeyFile(const QString &path);
    // "Ed25519", "ECDSA P-256", "RSA 4096", ...
    static QString keyType(GeneratedKeyType type);
};

} // namespace keystead::ui
