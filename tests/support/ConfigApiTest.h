#pragma once

#include "ApiTestSupport.h"

#include "settings/SshSettingsService.h"

#include <QStringList>

#include <functional>
#include <tuple>

namespace keystead::test {

// A JSON value inside nested objects, set by a path ({"a", "b", "c"}).
void setPath(QJsonObject &object, const QStringList &path, const QJsonValue &value);

// A change to a request body, for data-driven tests of refused fields.
using BodyEdit = std::function<void(QJsonObject &)>;
// Sets the value at a dotted path ("a.b.c").
BodyEdit setAt(const QString &path, const QJsonValue &value);

// The frame of the tests of seed 004's configuration over real HTTP: options
// and settings policies changed in transactions, and the session_id cookie.
class ConfigApiTest : public ApiTestCase
{
protected:
    // Keystead on `backend` with a second writer token ("other") and, for
    // where the cookie counts, stand-ins that answer with the caller's token
    // name under the host key family (GET /api/ssh-host-keys/echo/token) and
    // the key inventory's (GET /api/pam/key/echo/token).
    bool start(const QString &backend = QStringLiteral("sqlite"));

    HttpReply withCookie(const QByteArray &method, const QString &path, const QByteArray &session,
                         const QJsonObject &body = {}) const;
    // A session_id for `token` (the writer by default) from POST /api/authentication.
    QByteArray login(const QByteArray &token = {}) const;
    static QJsonObject policyBody(const QString &name);
    // The "body" of an answer of the family.
    static QJsonObject bodyOf(const HttpReply &reply)
    {
        return reply.json().object().value(QStringLiteral("body")).toObject();
    }
    // Opens a transaction for `token` (the writer by default).
    bool open(const QByteArray &token = {}) const;
    HttpReply commit(const QByteArray &token = {}) const;
    // The key of a policy made in the open transaction of `token`.
    QString createPolicy(const QString &name, const QByteArray &token = {}) const;
    // The committed state as an outsider (another token) sees it.
    QStringList committedPolicyNames() const;

    QByteArray m_other; // another token that may read and write
};

// Data rows "<backend>-<name>" of (backend, edit, location) for every store backend.
void addBodyEditRows(const QList<std::tuple<const char *, BodyEdit, QString>> &rows);

} // namespace keystead::test

Q_DECLARE_METATYPE(keystead::test::BodyEdit)
