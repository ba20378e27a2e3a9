#include "SpsErrorShape.h"

#include "api/ApiSessions.h"
#include "api/ConfigTransactions.h"
#include "hostkeys/HostKeyRecords.h"
#include "settings/SshSettingsService.h"

#include <QJsonObject>
#include <QStringList>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

// The SPS code of a typed reason (details["reason"]) the core names; empty
// when the family has no code of its own for it.
QString codeForReason(const QString &reason)
{
    if (reason == SshSettingsService::kRevisionConflict)
        return u"TransactionConflict"_s;
    if (reason == ConfigTransactions::kNoTransaction)
        return u"TransactionMissing"_s;
    if (reason == ScanResult::kFailedReason)
        return u"ScanFailed"_s;
    if (reason == ApiSessions::kTokenRefused)
        return u"AuthenticationFailure"_s;
    return {};
}

// A known reason names the SPS code; otherwise the status decides.
QString codeFor(int status, const Error &error)
{
    const QString named = codeForReason(error.details.value(u"reason"_s).toString());
    if (!named.isEmpty())
        return named;
    switch (status) {
    case 400: return u"InvalidQuery"_s;
    case 401: return u"Unauthenticated"_s;
    case 403: return u"Forbidden"_s;
    case 404: return u"NotFound"_s;
    case 405: return u"MethodNotAllowed"_s;
    case 409: return u"Conflict"_s;
    case 413: return u"PayloadTooLarge"_s;
    case 429: return u"TooManyRequests"_s;
    default: break;
    }
    return status >= 500 ? u"InternalError"_s : u"InvalidQuery"_s;
}

QString pathOnly(const QString &path)
{
    const qsizetype query = path.indexOf(u'?');
    return query < 0 ? path : path.left(query);
}

} // namespace

QJsonObject spsMeta(const QString &href)
{
    QString clean = pathOnly(href);
    while (clean.size() > 1 && clean.endsWith(u'/'))
        clean.chop(1);
    QJsonObject meta{{u"href"_s, clean}};
    const qsizetype cut = clean.lastIndexOf(u'/');
    if (cut > 0)
        meta.insert(u"parent"_s, clean.left(cut));
    else if (clean != u"/"_s)
        meta.insert(u"parent"_s, u"/"_s);
    if (clean == u"/api/configuration"_s || clean.startsWith(u"/api/configuration/"_s))
        meta.insert(u"transaction"_s, u"/api/transaction"_s);
    return meta;
}

HttpResponse SpsErrorShape::render(int status, const Error &error, const HttpRequest &request) const
{
    QJsonObject details;
    // SPS names the path a refused request tried to reach; every code gets it.
    details.insert(u"path"_s, pathOnly(request.path));
    if (!error.location.isEmpty())
        details.insert(u"location"_s, error.location);
    // Only documented keys leave the process: other details are internal to the core.
    for (const QString &key : {u"value"_s, u"required_scope"_s, u"allowed"_s, u"id"_s}) {
        if (error.details.contains(key))
            details.insert(key, QJsonValue::fromVariant(error.details.value(key)));
    }
    const QJsonObject body{
        {u"error"_s,
         QJsonObject{{u"code"_s, codeFor(status, error)}, {u"message"_s, error.message}, {u"details"_s, details}}},
        {u"meta"_s, spsMeta(request.path)},
    };
    return HttpResponse::json(status, QJsonDocument(body));
}

} // namespace keystead
