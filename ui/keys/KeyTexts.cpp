#include "ui/keys/KeyTexts.h"

#include "api/PamErrorShape.h"

#include <QFile>
#include <QFileInfo>

using namespace Qt::StringLiterals;

namespace keystead::ui {

QString KeyTexts::error(const Error &error)
{
    // The number seed 001's family gives the inventory's reason (the text the panel always showed).
    const int code = PamErrorShape::codeFor(error);
    if (code == 0)
        return error.message;
    const QString number = QString::number(code);
    // The service may have put the number in the message already, as the seed prints it.
    if (error.message.startsWith(number + u':'))
        return error.message;
    return number + u": "_s + error.message;
}

QStringList KeyTexts::splitList(const QString &text)
{
    QStringList items;
    for (const QString &item : text.split(u',', Qt::SkipEmptyParts)) {
        const QString trimmed = item.trimmed();
        if (!trimmed.isEmpty() && !items.contains(trimmed))
            items.append(trimmed);
    }
    return items;
}

Result<QByteArray> KeyTexts::readKeyFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error::invalid(tr("Cannot read %1: %2").arg(QFileInfo(path).fileName(), file.errorString()));
    if (file.size() > SshPrivateKey::MaxTextSize)
        return Error::invalid(
            tr("%1 is larger than any key file (%2 bytes).").arg(QFileInfo(path).fileName()).arg(file.size()));
    return file.read(SshPrivateKey::MaxTextSize);
}

QString KeyTexts::keyType(GeneratedKeyType type)
{
    switch (type) {
    case GeneratedKeyType::Ed25519: return tr("Ed25519");
    case GeneratedKeyType::EcdsaP256: return tr("ECDSA P-256");
    case GeneratedKeyType::EcdsaP384: return tr("ECDSA P-384");
    case GeneratedKeyType::EcdsaP521: return tr("ECDSA P-521");
    case GeneratedKeyType::Rsa3072: return tr("RSA 3072");
    case GeneratedKeyType::Rsa4096: return tr("RSA 4096");
    }
    return {};
}

} // namespace keystead::ui
