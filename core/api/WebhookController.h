#pragma once

namespace keystead {

class ApiRouter;
class CollectService;
class WebhookDeliveryLog;
class WebhookDispatcher;
class WebhookSigner;

// A collect session's webhooks over HTTP, beside CollectController's routes and in
// the same problem+json shape:
//   GET  /api/v1/ssh/collect/sessions/{session}/webhooks/{webhook}/secret
//        {"secret", "algorithm": "HMAC-SHA256", "header": "X-Keystead-Signature"}: the key a
//        receiver checks signatures with; 503 when the signing key cannot be used.
//   GET  /api/v1/ssh/collect/sessions/{session}/deliveries
//        the session's deliveries with their attempts, newest first.
//   POST /api/v1/ssh/collect/sessions/{session}/deliveries/{delivery}/redeliver
//        202 with the new delivery; 409 while the delivery is still being tried or once its webhook is gone.
// A session, webhook or delivery that is unknown, or belongs to another session, is 404.
class WebhookController final
{
public:
    WebhookController(ApiRouter &router, CollectService &sessions, WebhookSigner &signer, WebhookDeliveryLog &log,
                      WebhookDispatcher &dispatcher);
};

} // namespace keystead
