#pragma once

#include "common/Result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>

class QSqlDatabase;

namespace keystead {

class Clock;
class Database;

// Who did something: an API token, the console window, or the command line.
struct Actor
{
    QString kind; // "token", "console", "cli"
    QString id; // the token's id; empty for the console and the command line
    QString name; // the token's name, or the operating system user
    QString address; // the peer address of an API request

    static Actor console();
    static Actor commandLine();
};

struct AuditEvent
{
    QString id;
    QDateTime at;
    Actor actor;
    QString action; // "key.reveal", "vault.rotate", ...
    QString subjectKind; // "ssh_key", ...
    QString subjectId;
    QJsonObject detail; // never a secret
};

struct AuditQuery
{
    QString action; // empty: any
    QString subjectId; // empty: any
    int limit = 200;
};

// An append-only record of sensitive operations (revealing a secret, rotating
// the master key). Rows are never updated or deleted by Keystead.
class AuditLog final : public QObject
{
    Q_OBJECT

public:
    AuditLog(Database &database, const Clock &clock, QObject *parent = nullptr);

    // Records inside the caller's transaction, so the event and what it describes land together.
    Status record(QSqlDatabase &db, const Actor &actor, const QString &action, const QString &subjectKind,
                  const QString &subjectId, const QJsonObject &detail = {});
    // Records in a transaction of its own.
    Status record(const Actor &actor, const QString &action, const QString &subjectKind, const QString &subjectId,
                  const QJsonObject &detail = {});
    // Newest first.
    Result<QList<AuditEvent>> list(const AuditQuery &query = {}) const;

Q_SIGNALS:
    void recorded(const keystead::AuditEvent &event);

private:
    Database &m_database;
    const Clock &m_clock;
};

} // namespace keystead
