#pragma once

#include "ApiTestSupport.h"

#include <QMap>
#include <QTemporaryDir>

namespace keystead::test {

// The frame of the tests of seed 002's certificate family over real HTTP:
// Keystead on a store backend with its clock at 2026-03-01 12:00 UTC, every
// response body kept in m_responses, and two Ed25519 subject keys.
class CaApiTest : public ApiTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { makeSubjects(); }

protected:
    // Makes the subject keys in m_files.
    void makeSubjects();
    bool start(const QString &backend = QStringLiteral("sqlite"));
    QJsonObject createCa(const QJsonObject &body = {});
    // A new certificate of `kind` ("user" or "host").
    QJsonObject issue(const QString &kind, const QJsonObject &body);
    // The rows of the family's tables, the vault's and the audit log's.
    QMap<QString, int> counts();
    QString nowText() const;
    // The family's error body: status, content type, ERR_KEYSTEAD_<code>, an operation id and the field.
    static void verifyErrorShape(const HttpReply &reply, int status, int code, const QString &field = {});

    QTemporaryDir m_files;
    QString m_subject; // an Ed25519 public key line
    QString m_subjectB;
    QByteArray m_responses; // every response body of the whole run
};

} // namespace keystead::test
