#pragma once

#include "StoreTestSupport.h"

#include "common/Crypto.h"
#include "secrets/MasterKeyStore.h"
#include "secrets/Vault.h"

#include <QFile>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QUuid>

#include <sys/stat.h>
#include <unistd.h>

#include <memory>

// What the vault's tests share: secret references, a key store that refuses
// writes on demand, and readers of the store and of key files.
namespace keystead::test {

using namespace Qt::StringLiterals;

inline const SecretRef kKeyOne{u"ssh_key"_s, u"1"_s, u"private_key"_s};
inline const SecretRef kKeyOnePassword{u"ssh_key"_s, u"1"_s, u"password"_s};
inline const SecretRef kKeyTwo{u"ssh_key"_s, u"2"_s, u"private_key"_s};
inline const SecretRef kAuthority{u"ca"_s, u"7f3e"_s, u"private_key"_s};

// Marks a plaintext so a test can look for it in every byte of the store.
inline QByteArray markedSecret(const char *what)
{
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + QByteArray(what) + "-plaintext-"
        + QUuid::createUuid().toString(QUuid::Id128).toLatin1() + "\n-----END OPENSSH PRIVATE KEY-----\n";
}

// A real key file around which writes can be refused on demand: as root, no file
// permission makes a write fail, and a rotation must survive a key store that refuses.
class RefusingWrites final : public MasterKeyStore
{
public:
    explicit RefusingWrites(MasterKeyStore &inner)
        : m_inner(inner)
    {
    }
    QString description() const override { return m_inner.description(); }
    Result<QByteArray> read(const QString &keyId) override { return m_inner.read(keyId); }
    Status write(const QString &keyId, const QByteArray &key) override
    {
        if (refuse)
            return Error::unavailable(u"the key store refuses writes (test)"_s);
        return m_inner.write(keyId, key);
    }
    Status remove(const QString &keyId) override { return m_inner.remove(keyId); }

    bool refuse = false;

private:
    MasterKeyStore &m_inner;
};

// Every row of a table as text, sorted: equal before and after means nothing changed.
inline QString tableContents(Database &database, const QString &table)
{
    Result<QSqlQuery> rows = sql::exec(database.connection(), u"SELECT * FROM "_s + table);
    if (!rows)
        return u"<error: "_s + rows.error().message + u'>';
    QStringList lines;
    while (rows->next()) {
        const QSqlRecord record = rows->record();
        QStringList fields;
        for (int i = 0; i < record.count(); ++i)
            fields.append(record.isNull(i) ? u"<null>"_s : record.value(i).toString());
        lines.append(fields.join(u'|'));
    }
    lines.sort();
    return lines.join(u'\n');
}

inline QString storeContents(Database &database)
{
    return tableContents(database, u"vault_keys"_s) + u"\n--\n"_s + tableContents(database, u"vault_secrets"_s);
}

inline QString sealedOf(Database &database, const SecretRef &ref)
{
    return scalarText(database,
                      u"SELECT sealed FROM vault_secrets WHERE owner_kind = ? AND owner_id = ? AND field = ?"_s,
                      {ref.ownerKind, ref.ownerId, ref.field});
}

inline QString currentKeyId(Database &database)
{
    return scalarText(database, u"SELECT key_id FROM vault_keys WHERE retired_at IS NULL"_s);
}

inline Status setSealed(Database &database, const SecretRef &ref, const QString &sealed)
{
    Result<QSqlQuery> updated
        = sql::exec(database.connection(),
                    u"UPDATE vault_secrets SET sealed = ? WHERE owner_kind = ? AND owner_id = ? AND field = ?"_s,
                    {sealed, ref.ownerKind, ref.ownerId, ref.field});
    if (!updated)
        return updated.error();
    if (updated->numRowsAffected() != 1)
        return Error::notFound(u"no such row"_s);
    return {};
}

inline Status store(Vault &vault, Database &database, const QList<std::pair<SecretRef, QByteArray>> &secrets)
{
    if (Status unlocked = vault.unlock(); !unlocked)
        return unlocked;
    QSqlDatabase db = database.connection();
    return sql::inTransaction(db, [&]() -> Status {
        for (const auto &[ref, plaintext] : secrets) {
            if (Status put = vault.put(db, ref, plaintext); !put)
                return put;
        }
        return {};
    });
}

inline QByteArray fileBytes(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return "<missing>";
    return file.readAll();
}

inline mode_t fileMode(const QString &path)
{
    struct stat info
    {
    };
    if (::lstat(QFile::encodeName(path).constData(), &info) != 0)
        return 0;
    return info.st_mode & 07777;
}

inline void writeRaw(const QString &path, const QByteArray &content, mode_t mode)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(content), content.size());
    file.close();
    QCOMPARE(::chmod(QFile::encodeName(path).constData(), mode), 0);
}

inline QByteArray randomKey()
{
    Result<QByteArray> key = crypto::randomBytes(32);
    return key ? key.value() : QByteArray(32, 'x');
}

inline QByteArray flipOneByte(const QString &sealed)
{
    const qsizetype colon = sealed.lastIndexOf(u':');
    QByteArray payload = QByteArray::fromBase64(sealed.mid(colon + 1).toLatin1());
    payload[payload.size() / 2] = static_cast<char>(payload.at(payload.size() / 2) ^ 0x01);
    return sealed.left(colon + 1).toLatin1() + payload.toBase64();
}

inline bool keyringExpected()
{
    return qEnvironmentVariable("KEYSTEAD_TEST_REQUIRE_KEYRING") == u"1"_s;
}

// Removes the listed keychain entries when the test ends, however it ends.
struct KeychainCleanup
{
    KeychainMasterKeyStore &keys;
    QStringList keyIds;
    ~KeychainCleanup()
    {
        for (const QString &keyId : std::as_const(keyIds))
            (void)keys.remove(keyId);
    }
};

// A fresh store on the test's "backend" row and a key file (not made yet) in a temporary folder.
struct VaultStore
{
    explicit VaultStore(const Clock &clock)
        : backend(*static_cast<QString *>(QTest::qData("backend", ::qMetaTypeId<QString>())))
        , test(TestDatabase::create(backend, clock))
        , keyFile(keyDir.filePath(u"master.key"_s))
        , keys(keyFile)
    {
    }
    Database &database() { return test->database(); }

    QString backend;
    std::unique_ptr<TestDatabase> test;
    QTemporaryDir keyDir;
    QString keyFile;
    FileMasterKeyStore keys;
};

} // namespace keystead::test
