#pragma once

#include "ssh/SshPublicKey.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace keystead {

// A device a key opens: known by hostname, with its address.
struct InventoryDevice
{
    QString hostname;
    QString ip;
};

// A device named on a key that Keystead does not know (the seed's devices_error).
struct DeviceProblem
{
    QString hostname;
    QString message;
};

// One SSH key pair of the inventory, as lists and shows give it: never the
// private key or its password, only whether they are held (sealed in the vault).
struct SshKeyRecord
{
    QString id; // a decimal number, as the seed's "83"
    QString identifier; // unique; never all digits, so {id or identifier} is unambiguous
    QString keyName;
    QString username;
    QString ip; // the main device
    QString hostname;
    QList<InventoryDevice> devices; // additional devices, resolved
    QStringList tags;
    bool enabled = true;
    SshPublicKey publicKey;
    QString publicKeyComment;
    bool hasPrivateKey = false;
    bool hasPassword = false;
    QString privateKeyFormat; // "openssh", "pkcs1", "pkcs8"; empty without a private key
    bool privateKeyEncrypted = false;
    QString origin; // "api", "console", "generated", "collected"
    QString collectSessionId; // the collect session an imported key came from
    QDateTime createdAt;
    QDateTime updatedAt;
};

// A create-or-update request, field by field as sent: absent fields are
// std::nullopt (an update keeps what the key has), present ones are checked.
struct SshKeyInput
{
    std::optional<QString> identifier;
    std::optional<QString> ip;
    std::optional<QString> hostname;
    std::optional<QByteArray> privateKey;
    std::optional<QString> publicKey;
    std::optional<QString> username;
    std::optional<bool> enabled;
    std::optional<QStringList> deviceHostnames;
    std::optional<QStringList> tags;
    std::optional<QString> keyName;
    std::optional<QByteArray> password;
    QString origin = QStringLiteral("api");
};

struct SshKeySaved
{
    SshKeyRecord key;
    bool created = false;
    QList<DeviceProblem> deviceProblems;
};

// The secrets of one key, for the reveal operation only.
struct SshKeySecrets
{
    QByteArray privateKey;
    QByteArray password; // empty when none is held
};

struct SshKeyQuery
{
    QString text; // matches identifier, name, user name, host, fingerprint, comment
    QString tag; // exact tag; empty: any
    std::optional<bool> enabled;
};

} // namespace keystead
