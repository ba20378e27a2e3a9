#include "WebhookController.h"

#include "api/ApiRouter.h"
#include "api/CollectController.h"
#include "collect/CollectService.h"
#include "collect/WebhookDeliveryLog.h"
#include "collect/WebhookDispatcher.h"
#include "collect/WebhookSigner.h"

#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

HttpResponse failure(const ApiRouter &router, const Error &error, const HttpRequest &request)
{
    return router.error(ErrorShape::defaultStatus(error.kind), error, request);
}

Result<CollectSession> sessionOf(CollectService &sessions, const HttpRequest &request)
{
    return sessions.get(request.argument(u"session"_s));
}

// The delivery, when it belongs to the session: another session's is as unknown as a made-up one.
Result<WebhookDelivery> deliveryOf(const WebhookDeliveryLog &log, const QString &sessionId, const QString &deliveryId)
{
    Result<WebhookDelivery> delivery = log.delivery(deliveryId);
    if (!delivery)
        return delivery.error();
    if (delivery->sessionId != sessionId)
        return Error::notFound(u"no webhook delivery %1 in the collect session %2"_s.arg(deliveryId, sessionId));
    return delivery;
}

} // namespace

WebhookController::WebhookController(ApiRouter &router, CollectService &sessions, WebhookSigner &signer,
                                     WebhookDeliveryLog &log, WebhookDispatcher &dispatcher)
{
    const QString one = QString(CollectController::kSessionsPath) + u"/{session}"_s;

    router.addRoute(
        "GET", one + u"/webhooks/{webhook}/secret"_s, [&router, &sessions, &signer](const HttpRequest &request) {
            Result<CollectSession> session = sessionOf(sessions, request);
            if (!session)
                return failure(router, session.error(), request);
            const QString webhookId = request.argument(u"webhook"_s);
            const bool ours
                = std::any_of(session->webhooks.cbegin(), session->webhooks.cend(),
                              [&webhookId](const CollectWebhook &webhook) { return webhook.id == webhookId; });
            if (!ours)
                return failure(
                    router, Error::notFound(u"no webhook %1 in the collect session %2"_s.arg(webhookId, session->id)),
                    request);
            Result<QByteArray> secret = signer.secretFor(webhookId);
            if (!secret) {
                // Whatever the signer's reason (a key file others may read, a damaged or foreign one), the
                // server's operator must put it right: 503, with the reason.
                return router.error(503, Error::unavailable(secret.error().message), request);
            }
            const QJsonObject answer{
                {u"secret"_s, QString::fromLatin1(secret.value())},
                {u"algorithm"_s, u"HMAC-SHA256"_s},
                {u"header"_s, QString::fromLatin1(WebhookSigner::kSignatureHeader.toByteArray())},
            };
            // The frame marks every answer Cache-Control: no-store, this one included.
            return HttpResponse::json(200, QJsonDocument(answer));
        });

    router.addRoute("GET", one + u"/deliveries"_s, [&router, &sessions, &log](const HttpRequest &request) {
        Result<CollectSession> session = sessionOf(sessions, request);
        if (!session)
            return failure(router, session.error(), request);
        Result<QList<WebhookDelivery>> deliveries = log.deliveriesForSession(session->id);
        if (!deliveries)
            return failure(router, deliveries.error(), request);
        QJsonArray items;
        for (const WebhookDelivery &delivery : std::as_const(deliveries.value()))
            items.append(delivery.toJson());
        return HttpResponse::json(200, QJsonDocument(items));
    });

    router.addRoute("POST", one + u"/deliveries/{delivery}/redeliver"_s,
                    [&router, &sessions, &log, &dispatcher](const HttpRequest &request) {
                        Result<CollectSession> session = sessionOf(sessions, request);
                        if (!session)
                            return failure(router, session.error(), request);
                        Result<WebhookDelivery> original
                            = deliveryOf(log, session->id, request.argument(u"delivery"_s));
                        if (!original)
                            return failure(router, original.error(), request);
                        Result<QString> queued = dispatcher.queueRedelivery(original->id);
                        if (!queued)
                            return failure(router, queued.error(), request);
                        Result<WebhookDelivery> fresh = log.delivery(queued.value());
                        if (!fresh)
                            return failure(router, fresh.error(), request);
                        return HttpResponse::json(202, QJsonDocument(fresh->toJson()));
                    });
}

} // namespace keystead
