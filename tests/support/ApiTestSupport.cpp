#include "ApiTestSupport.h"

#include "TestTools.h"

#include "store/Sql.h"

#include <QDir>
#include <QFileInfo>
#include <QtTest>

using namespace Qt::StringLiterals;

namespace keystead::test {

void addBackendRows()
{
    QTest::addColumn<QString>("backend");
    for (const QString &backend : storeBackends())
        QTest::newRow(qPrintable(backend)) << backend;
}

HttpReply ApiClient::call(const QByteArray &method, const QString &path, const QByteArray &body, const QByteArray &as,
                          const QByteArray &contentType) const
{
    HttpReply reply = httpRequest(
        method, url(path), body,
        {{"Authorization", "Bearer " + (as.isEmpty() ? token : as)}, {"Content-Type", contentType}}, timeoutMs);
    if (transcript)
        *transcript += reply.body + '\n';
    return reply;
}

HttpReply ApiClient::call(const QByteArray &method, const QString &path, const QJsonObject &body,
                          const QByteArray &as) const
{
    return call(method, path, QJsonDocument(body).toJson(QJsonDocument::Compact), as);
}

HttpReply ApiClient::call(const QByteArray &method, const QString &path, const QJsonArray &body,
                          const QByteArray &as) const
{
    return call(method, path, QJsonDocument(body).toJson(QJsonDocument::Compact), as);
}

HttpReply ApiClient::anonymous(const QByteArray &method, const QString &path, const QByteArray &body,
                               const HeaderList &headers) const
{
    HttpReply reply = httpRequest(method, url(path), body, headers, timeoutMs);
    if (transcript)
        *transcript += reply.body + '\n';
    return reply;
}

std::unique_ptr<ApiTestCore> ApiTestCore::create(const QString &backend)
{
    auto core = std::make_unique<ApiTestCore>();
    if (!core->build(backend))
        return nullptr;
    core->writer = core->mintToken(u"writer"_s, kDefaultTokenScopes, &core->writerId);
    core->reader = core->mintToken(u"reader"_s, TokenScope::Read);
    if (core->writer.isEmpty() || core->reader.isEmpty())
        return nullptr;
    core->api.token = core->writer;
    return core;
}

std::unique_ptr<ApiTestCore> ApiTestCore::started(const QString &backend)
{
    std::unique_ptr<ApiTestCore> core = create(backend);
    if (!core)
        return nullptr;
    if (Status running = core->startEndpoint(); !running) {
        qWarning("the endpoint did not start: %s", qPrintable(running.error().message));
        return nullptr;
    }
    return core;
}

Status ApiTestCore::startEndpoint(EndpointConfig config)
{
    config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    Status running = endpoint->start(config);
    api.baseUrl = endpoint->url();
    return running;
}

QByteArray ApiTestCore::mintToken(const QString &name, TokenScopes scopes, QString *id)
{
    const Result<NewApiToken> made = tokens->create(name, scopes);
    if (!made)
        return {};
    if (id)
        *id = made->token.id;
    return made->secret.toLatin1();
}

int ApiTestCore::rows(const QString &table)
{
    Result<QSqlQuery> count = sql::exec(store->database().connection(), u"SELECT COUNT(*) FROM "_s + table);
    return count && count.value().next() ? count.value().value(0).toInt() : -1;
}

QByteArray ApiTestCore::storeContents()
{
    QByteArray contents;
    if (!store->database().isPostgres()) {
        const QFileInfo file(store->config().sqliteFile);
        const QStringList names = file.dir().entryList({file.fileName() + u'*'}, QDir::Files);
        for (const QString &name : names)
            contents += readFile(file.dir().filePath(name));
        return contents;
    }
    QSqlDatabase db = store->database().connection();
    Result<QSqlQuery> tables
        = sql::exec(db,
                    u"SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                    " AND table_type = 'BASE TABLE'"_s);
    if (!tables)
        return {};
    QStringList names;
    while (tables->next())
        names.append(tables->value(0).toString());
    for (const QString &name : std::as_const(names)) {
        Result<QSqlQuery> rowsOfTable = sql::exec(db, u"SELECT t::text FROM \"%1\" t"_s.arg(name));
        if (!rowsOfTable)
            return {};
        while (rowsOfTable->next())
            contents += rowsOfTable->value(0).toString().toUtf8() + '\n';
    }
    return contents;
}

QStringList missingMethods(const QJsonObject &paths, const QString &path, const QStringList &methods)
{
    const QJsonObject item = paths.value(path).toObject();
    QStringList missing;
    for (const QString &method : methods) {
        if (!item.contains(method))
            missing.append(method + u' ' + path);
    }
    return missing;
}

QString spsErrorCode(const HttpReply &reply)
{
    return reply.json().object().value(u"error"_s).toObject().value(u"code"_s).toString();
}

QJsonObject spsErrorDetails(const HttpReply &reply)
{
    return reply.json().object().value(u"error"_s).toObject().value(u"details"_s).toObject();
}

} // namespace keystead::test
