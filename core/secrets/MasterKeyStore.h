#pragma once

#include "common/Result.h"

#include <QByteArray>
#include <QString>

#include <memory>

namespace keystead {

// Where the vault's master keys live, outside the database. Keys are named by
// an id the vault chooses (one per key generation, so a rotation can write the
// new key before it retires the old one).
class MasterKeyStore
{
public:
    virtual ~MasterKeyStore() = default;

    // In words for an operator: "the OS keychain", "the key file /etc/keystead/master.key".
    virtual QString description() const = 0;
    // NotFound when no key has this id; Unavailable when the store does not answer
    // (no session bus, no keyring, unreadable file, file readable by others).
    virtual Result<QByteArray> read(const QString &keyId) = 0;
    virtual Status write(const QString &keyId, const QByteArray &key) = 0;
    virtual Status remove(const QString &keyId) = 0;

    // KEYSTEAD_MASTER_KEY_FILE set: that file (an explicit choice wins); otherwise the OS keychain.
    static std::unique_ptr<MasterKeyStore> fromEnvironment();
};

// The OS keychain through QtKeychain (Secret Service on Linux), one entry per key:
// "vault-master-key/<key id>" under the service name, holding the key in base64
// (an operator can copy it into a key file line). Blocks the calling thread while
// the keychain answers, 15 s at most. The jobs run in the application's thread
// (QtKeychain's job queue lives there for good): a call from another thread waits
// for that thread's event loop. QtKeychain's plain-text fallback stays off.
class KeychainMasterKeyStore final : public MasterKeyStore
{
public:
    explicit KeychainMasterKeyStore(QString service = QStringLiteral("Keystead"));
    QString description() const override;
    Result<QByteArray> read(const QString &keyId) override;
    Status write(const QString &keyId, const QByteArray &key) override;
    Status remove(const QString &keyId) override;

private:
    QString m_service;
};

// A file of "<key id> <base64 key>" lines ('#' comments kept). Refused unless it is
// a plain file (no link), owned by this user, with no group or other permission
// bits. Every write replaces it in one step (an owner-only file beside it, synced,
// renamed over it) under a lock of its folder; created owner-only when missing.
class FileMasterKeyStore final : public MasterKeyStore
{
public:
    explicit FileMasterKeyStore(QString path);
    QString description() const override;
    Result<QByteArray> read(const QString &keyId) override;
    Status write(const QString &keyId, const QByteArray &key) override;
    Status remove(const QString &keyId) override;

private:
    QString m_path;
};

} // namespace keystead
