#include "SystemController.h"

#include "api/ApiRouter.h"

#include <QFile>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

QByteArray openApiDocument()
{
    // Read once: the document is compiled into the binary from resources/.
    static const QByteArray document = [] {
        QFile file(u":/keystead/openapi.json"_s);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }();
    return document;
}

} // namespace

SystemController::SystemController(ApiRouter &router)
{
    router.addRoute("GET", u"/api/health"_s,
                    [](const HttpRequest &) {
                        return HttpResponse::json(200, QJsonDocument(QJsonObject{{u"status"_s, u"ok"_s}}));
                    },
                    {.requiresToken = false});
    router.addRoute("GET", u"/api/openapi.json"_s, [](const HttpRequest &) {
        return HttpResponse::text(200, openApiDocument(), "application/vnd.oai.openapi+json;version=3.0");
    });
}

} // namespace keystead
