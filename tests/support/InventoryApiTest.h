#pragma once

#include "ApiTestSupport.h"

#include <QMap>
#include <QTemporaryDir>

namespace keystead::test {

// One key pair as made for the tests, with what `ssh-keygen -l` says of it.
struct KeyPair
{
    QByteArray privateKey;
    QString publicKey;
    QByteArray password;
    QString format; // as the API names it: openssh, pkcs1, pkcs8
    QString algorithm;
    int bits = 0;
    QString sha256;
    QString md5;
};

// What of a pair must never appear in the store, a response or a log: the
// private lines of its key (privateKeyFragments()) and its password.
QList<QByteArray> secretFragments(const KeyPair &pair);

// The frame of the tests of seed 001's key inventory over real HTTP: key
// pairs of every type and form made by ssh-keygen, a token that may also
// reveal secrets, and every log message of the run kept to prove no secret is in it.
class InventoryApiTest : public ApiTestCase
{
    Q_OBJECT

private Q_SLOTS:
    // Captures the log and makes the 28 key pairs.
    void initTestCase();
    // Ends the capture; fails if any message of the run held a secret of a pair.
    void cleanupTestCase();

protected:
    bool start(const QString &backend = QStringLiteral("sqlite"));
    // A complete create request for `pair`, with `fields` added.
    static QJsonObject keyBody(const KeyPair &pair, const QString &hostname = QStringLiteral("w2016"),
                               const QJsonObject &fields = {});
    // Saves a key with `body` as the writer: its id, or empty (with a warning) when not answered 201.
    QString saveKey(const QJsonObject &body) const;
    // The rows of the inventory's tables, the vault's and the audit log's.
    QMap<QString, int> counts();
    // Every name is made by makePairs(); an unknown one is a mistake in the test.
    const KeyPair &pair(const QString &name) const;
    // The response fields of seed 001's envelope.
    static QJsonObject response(const HttpReply &reply);

    QTemporaryDir m_keys;
    QMap<QString, KeyPair> m_pairs;
    QByteArray m_revealer; // read, write, reveal
    QString m_revealerId;
};

} // namespace keystead::test
