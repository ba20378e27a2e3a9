#include "InventoryApiTest.h"

#include "TestTools.h"

#include <QtEndian>
#include <QtTest>

using namespace Qt::StringLiterals;

namespace keystead::test {

namespace {

QByteArray sshString(const QByteArray &bytes)
{
    QByteArray length(4, '\0');
    qToBigEndian(static_cast<quint32>(bytes.size()), length.data());
    return length + bytes;
}

} // namespace

QList<QByteArray> secretFragments(const KeyPair &pair)
{
    const QList<QString> publicFields = pair.publicKey.split(u' ');
    const QByteArray publicBlob
        = publicFields.size() >= 2 ? QByteArray::fromBase64(publicFields.at(1).toLatin1()) : QByteArray();
    QList<QByteArray> fragments = privateKeyFragments(pair.privateKey, publicBlob);
    if (!pair.password.isEmpty())
        fragments.append(pair.password);
    return fragments;
}

void InventoryApiTest::initTestCase()
{
    logcapture::install();
    QVERIFY(m_keys.isValid());
    struct Kind
    {
        QString name;
        QStringList type;
        QString algorithm;
    };
    const QList<Kind> kinds{
        {u"ed25519"_s, {u"-t"_s, u"ed25519"_s}, u"ssh-ed25519"_s},
        {u"ecdsa256"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"256"_s}, u"ecdsa-sha2-nistp256"_s},
        {u"ecdsa384"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"384"_s}, u"ecdsa-sha2-nistp384"_s},
        {u"ecdsa521"_s, {u"-t"_s, u"ecdsa"_s, u"-b"_s, u"521"_s}, u"ecdsa-sha2-nistp521"_s},
        {u"rsa"_s, {u"-t"_s, u"rsa"_s, u"-b"_s, u"2048"_s}, u"ssh-rsa"_s},
    };
    const QList<std::pair<QString, QString>> formats{
        {u"openssh"_s, u"RFC4716"_s}, {u"pkcs1"_s, u"PEM"_s}, {u"pkcs8"_s, u"PKCS8"_s}};
    for (const Kind &kind : kinds) {
        for (const auto &[format, keygenFormat] : formats) {
            for (const bool withPassword : {false, true}) {
                const QString name = kind.name + u'-' + format + (withPassword ? u"-pw"_s : u""_s);
                const QString path = m_keys.filePath(name);
                KeyPair made;
                made.password = withPassword ? (u"Pw!"_s + name + u"-Zq9"_s).toUtf8() : QByteArray();
                made.format = format;
                made.algorithm = kind.algorithm;
                if (kind.name == u"ed25519"_s && format == u"pkcs1"_s)
                    continue; // Ed25519 has no PKCS#1 form
                if (kind.name == u"ed25519"_s && format == u"pkcs8"_s) {
                    // ssh-keygen writes Ed25519 only as openssh-key-v1: OpenSSL makes the PKCS#8 form.
                    QStringList arguments{u"genpkey"_s, u"-algorithm"_s, u"ed25519"_s, u"-out"_s, path};
                    if (withPassword)
                        arguments += {u"-aes-256-cbc"_s, u"-pass"_s, u"pass:"_s + QString::fromUtf8(made.password)};
                    QVERIFY(runOk(u"openssl"_s, arguments));
                    QStringList pubout{u"pkey"_s, u"-in"_s, path, u"-pubout"_s, u"-outform"_s, u"DER"_s};
                    if (withPassword)
                        pubout += {u"-passin"_s, u"pass:"_s + QString::fromUtf8(made.password)};
                    const std::optional<QByteArray> der = runOk(u"openssl"_s, pubout);
                    QVERIFY(der && der->size() == 44);
                    const QByteArray blob = sshString("ssh-ed25519") + sshString(der->right(32));
                    QVERIFY(writeFile(path + u".pub"_s, "ssh-ed25519 " + blob.toBase64() + " " + name.toUtf8() + "\n"));
                } else {
                    QVERIFY2(runOk(u"ssh-keygen"_s,
                                   QStringList{u"-q"_s, u"-N"_s, QString::fromUtf8(made.password), u"-C"_s, name,
                                               u"-m"_s, keygenFormat, u"-f"_s, path}
                                       + kind.type),
                             qPrintable(name));
                }
                made.privateKey = readFile(path);
                made.publicKey = QString::fromLatin1(readFile(path + u".pub"_s)).trimmed();
                QVERIFY(!made.privateKey.isEmpty());
                // "256 SHA256:... comment (ED25519)"
                for (const QString &hash : {u"sha256"_s, u"md5"_s}) {
                    const std::optional<QByteArray> listed
                        = runOk(u"ssh-keygen"_s, {u"-l"_s, u"-E"_s, hash, u"-f"_s, path + u".pub"_s});
                    QVERIFY(listed);
                    const QList<QByteArray> fields = listed->trimmed().split(' ');
                    QVERIFY(fields.size() >= 2);
                    made.bits = fields.at(0).toInt();
                    (hash == u"sha256"_s ? made.sha256 : made.md5) = QString::fromLatin1(fields.at(1));
                }
                m_pairs.insert(name, made);
            }
        }
    }
    QCOMPARE(m_pairs.size(), 28);
}

void InventoryApiTest::cleanupTestCase()
{
    logcapture::uninstall();
    const QStringList log = logcapture::messages();
    for (const KeyPair &made : std::as_const(m_pairs)) {
        for (const QByteArray &fragment : secretFragments(made)) {
            for (const QString &message : log)
                QVERIFY2(!message.contains(QString::fromUtf8(fragment)), qPrintable(message));
        }
    }
}

bool InventoryApiTest::start(const QString &backend)
{
    if (!ApiTestCase::start(backend))
        return false;
    m_revealer = m_core->mintToken(
        u"revealer"_s, TokenScopes{TokenScope::Read, TokenScope::Write, TokenScope::RevealSecrets}, &m_revealerId);
    return !m_revealer.isEmpty();
}

QJsonObject InventoryApiTest::keyBody(const KeyPair &pair, const QString &hostname, const QJsonObject &fields)
{
    QJsonObject body{{u"ip"_s, u"10.66.33.120"_s},
                     {u"hostname"_s, hostname},
                     {u"private_key"_s, QString::fromUtf8(pair.privateKey)},
                     {u"public_key"_s, pair.publicKey}};
    if (!pair.password.isEmpty())
        body.insert(u"password"_s, QString::fromUtf8(pair.password));
    for (auto it = fields.constBegin(); it != fields.constEnd(); ++it)
        body.insert(it.key(), it.value());
    return body;
}

QString InventoryApiTest::saveKey(const QJsonObject &body) const
{
    const HttpReply created = call("POST", u"/api/pam/key"_s, body);
    if (created.status != 201) {
        qWarning("the key was not saved: %d %s", created.status, created.body.constData());
        return {};
    }
    return created.json().object().value(u"key"_s).toObject().value(u"id"_s).toString();
}

QMap<QString, int> InventoryApiTest::counts()
{
    QMap<QString, int> all;
    for (const QString &table :
         {u"ssh_keys"_s, u"vault_secrets"_s, u"devices"_s, u"ssh_key_tags"_s, u"ssh_key_devices"_s, u"audit_log"_s})
        all.insert(table, m_core->rows(table));
    return all;
}

const KeyPair &InventoryApiTest::pair(const QString &name) const
{
    const auto found = m_pairs.constFind(name);
    if (found == m_pairs.constEnd())
        qFatal("no key pair named %s", qPrintable(name));
    return *found;
}

QJsonObject InventoryApiTest::response(const HttpReply &reply)
{
    return reply.json().object().value(u"response"_s).toObject();
}

} // namespace keystead::test
