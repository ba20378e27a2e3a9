#include "inventory/KeyInputChecks.h"

#include "inventory/InventoryErrors.h"
#include "ssh/SshPrivateKey.h"

#include <QHostAddress>
#include <QRegularExpression>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::keychecks {

namespace {

constexpr int kMaxIdentifierLength = 64;
constexpr int kMaxTextLength = 255; // key_name, username, hostname
constexpr int kMaxIpLength = 64;
constexpr int kMaxDevices = 100;
constexpr int kMaxTags = 50;
constexpr int kMaxTagLength = 64;
constexpr qsizetype kMaxPublicKeyLength = 32 * 1024;
constexpr qsizetype kMaxPasswordBytes = 1024;

Error fieldTooLong(const QString &field, qsizetype limit, const QString &unit = u"characters"_s)
{
    return inventoryError(InventoryReason::FieldInvalid,
                          u"The field %1 is longer than %2 %3"_s.arg(field).arg(limit).arg(unit),
                          Error::Kind::InvalidInput, field);
}

bool hasControlCharacters(const QString &value)
{
    return std::any_of(value.cbegin(), value.cend(), [](QChar c) { return c.category() == QChar::Other_Control; });
}

// A one-line text field: at most `limit` characters, no control characters.
std::optional<Error> checkLine(const QString &field, const QString &value, qsizetype limit)
{
    if (value.size() > limit)
        return fieldTooLong(field, limit);
    if (hasControlCharacters(value))
        return inventoryError(InventoryReason::FieldInvalid, u"The field %1 contains control characters"_s.arg(field),
                              Error::Kind::InvalidInput, field);
    return std::nullopt;
}

bool isValidIdentifier(const QString &identifier)
{
    static const QRegularExpression pattern(u"^[A-Za-z0-9._@-]{1,%1}$"_s.arg(kMaxIdentifierLength));
    static const QRegularExpression digitsOnly(u"^[0-9]+$"_s);
    return pattern.match(identifier).hasMatch() && !digitsOnly.match(identifier).hasMatch();
}

Error identifierInvalid(const QString &identifier)
{
    Error error = inventoryError(
        InventoryReason::IdentifierInvalid,
        u"The identifier must be 1 to %1 letters, digits, '.', '_', '@' or '-', and not only digits"_s.arg(
            kMaxIdentifierLength),
        Error::Kind::InvalidInput, u"identifier"_s);
    error.details.insert(u"detail"_s, u"identifier: %1"_s.arg(identifier.left(kMaxIdentifierLength + 8)));
    return error;
}

} // namespace

// Seed 001's messages for the fields a key cannot go without.
Error missing(InventoryReason reason)
{
    switch (reason) {
    case InventoryReason::DeviceHostnameMissing:
        return inventoryError(reason, u"The device's hostname was not informed"_s, Error::Kind::InvalidInput,
                              u"hostname"_s);
    case InventoryReason::DeviceIpMissing:
        return inventoryError(reason, u"The device's IP was not informed"_s, Error::Kind::InvalidInput, u"ip"_s);
    case InventoryReason::PublicKeyMissing:
        return inventoryError(reason, u"The public key was not informed"_s, Error::Kind::InvalidInput, u"public_key"_s);
    default:
        return inventoryError(InventoryReason::PrivateKeyMissing, u"The private key was not informed"_s,
                              Error::Kind::InvalidInput, u"private_key"_s);
    }
}

// The parser names why it refused a key; each problem has its own reason here.
Error privateKeyRefused(const Error &parsed)
{
    const QString reason = parsed.details.value(u"reason"_s).toString();
    Error error;
    if (reason == privateKeyProblemName(PrivateKeyProblem::PasswordRequired))
        error = inventoryError(InventoryReason::PasswordRequired,
                               u"The private key is encrypted and the password was not informed"_s,
                               Error::Kind::InvalidInput, u"password"_s);
    else if (reason == privateKeyProblemName(PrivateKeyProblem::WrongPassword))
        error = inventoryError(InventoryReason::PasswordWrong, u"The password does not open the private key"_s,
                               Error::Kind::InvalidInput, u"password"_s);
    else if (reason == privateKeyProblemName(PrivateKeyProblem::PasswordNotNeeded))
        error = inventoryError(InventoryReason::PasswordNotNeeded,
                               u"A password was informed but the private key is not encrypted"_s,
                               Error::Kind::InvalidInput, u"password"_s);
    else if (reason == privateKeyProblemName(PrivateKeyProblem::Unsupported))
        error = inventoryError(InventoryReason::PrivateKeyUnsupported,
                               u"The private key's format or algorithm is not supported"_s, Error::Kind::InvalidInput,
                               u"private_key"_s);
    else
        error = inventoryError(InventoryReason::PrivateKeyUnreadable, u"The private key could not be read"_s,
                               Error::Kind::InvalidInput, u"private_key"_s);
    error.details.insert(u"detail"_s, parsed.message);
    return error;
}

Error vaultRefused(const Error &vault)
{
    Error error = inventoryError(InventoryReason::VaultUnavailable, u"The vault cannot be used: "_s + vault.message,
                                 Error::Kind::Unavailable);
    error.details.insert(u"detail"_s, vault.message);
    return error;
}

Error mismatch()
{
    return inventoryError(InventoryReason::KeyPairMismatch, u"The public key does not match the private key"_s,
                          Error::Kind::InvalidInput, u"public_key"_s);
}

// Trimmed, without empty entries or repeats, in the order given.
QStringList cleanList(const QStringList &values)
{
    QStringList clean;
    for (const QString &value : values) {
        const QString trimmed = value.trimmed();
        if (!trimmed.isEmpty() && !clean.contains(trimmed))
            clean.append(trimmed);
    }
    return clean;
}

// Checks the fields given, each on its own (no store needed).
std::optional<Error> checkFields(const SshKeyInput &input)
{
    // An empty identifier is no identifier: a new key gets one made up.
    if (input.identifier && !input.identifier->trimmed().isEmpty() && !isValidIdentifier(input.identifier->trimmed()))
        return identifierInvalid(*input.identifier);
    if (!QStringList{u"api"_s, u"console"_s, u"generated"_s, u"collected"_s}.contains(input.origin))
        return inventoryError(InventoryReason::FieldInvalid,
                              u"The origin must be api, console, generated or collected"_s, Error::Kind::InvalidInput,
                              u"origin"_s);
    if (input.keyName)
        if (auto error = checkLine(u"key_name"_s, *input.keyName, kMaxTextLength))
            return error;
    if (input.username)
        if (auto error = checkLine(u"username"_s, *input.username, kMaxTextLength))
            return error;
    if (input.hostname)
        if (auto error = checkLine(u"hostname"_s, *input.hostname, kMaxTextLength))
            return error;
    if (input.ip) {
        const QString ip = input.ip->trimmed();
        if (ip.size() > kMaxIpLength)
            return fieldTooLong(u"ip"_s, kMaxIpLength);
        QHostAddress address;
        if (!ip.isEmpty() && !address.setAddress(ip))
            return inventoryError(InventoryReason::FieldInvalid, u"The field ip is not an IPv4 or IPv6 address"_s,
                                  Error::Kind::InvalidInput, u"ip"_s);
    }
    if (input.publicKey && input.publicKey->size() > kMaxPublicKeyLength)
        return fieldTooLong(u"public_key"_s, kMaxPublicKeyLength);
    if (input.privateKey && input.privateKey->size() > SshPrivateKey::MaxTextSize)
        return fieldTooLong(u"private_key"_s, SshPrivateKey::MaxTextSize, u"bytes"_s);
    if (input.password && input.password->size() > kMaxPasswordBytes)
        return fieldTooLong(u"password"_s, kMaxPasswordBytes, u"bytes"_s);
    if (input.deviceHostnames) {
        if (input.deviceHostnames->size() > kMaxDevices)
            return inventoryError(InventoryReason::FieldInvalid,
                                  u"The field devices has more than %1 entries"_s.arg(kMaxDevices),
                                  Error::Kind::InvalidInput, u"devices"_s);
        for (qsizetype i = 0; i < input.deviceHostnames->size(); ++i) {
            const QString &hostname = input.deviceHostnames->at(i);
            const QString location = u"devices[%1].hostname"_s.arg(i);
            if (hostname.trimmed().isEmpty()) {
                Error error = missing(InventoryReason::DeviceHostnameMissing);
                error.location = location;
                return error;
            }
            if (auto error = checkLine(location, hostname, kMaxTextLength))
                return error;
        }
    }
    if (input.tags) {
        const QStringList tags = cleanList(*input.tags);
        if (tags.size() > kMaxTags)
            return inventoryError(InventoryReason::FieldInvalid,
                                  u"The field tags has more than %1 tags"_s.arg(kMaxTags), Error::Kind::InvalidInput,
                                  u"tags"_s);
        for (const QString &tag : tags) {
            const auto refused = [](const QString &message) {
                return inventoryError(InventoryReason::FieldInvalid, message, Error::Kind::InvalidInput, u"tags"_s);
            };
            if (tag.size() > kMaxTagLength)
                return refused(u"The field tags has a tag longer than %1 characters"_s.arg(kMaxTagLength));
            if (hasControlCharacters(tag) || tag.contains(u','))
                return refused(u"The field tags has a tag with a comma or a control character"_s);
        }
    }
    return std::nullopt;
}

} // namespace keystead::keychecks
