#pragma once

#include "collect/CollectSession.h"
#include "common/JsonTime.h"

#include <QJsonObject>

// The one mapping between collect sessions and the seed's JSON, shared by the
// HTTP controller, the webhook payloads and the panel (copy as JSON).
namespace keystead::collectjson {

using keystead::timeToJson; // common/JsonTime.h

QJsonObject sessionToJson(const CollectSession &session);
QJsonObject connectionToJson(const CollectSessionConnection &connection);
// id, created_at, public_key_algorithm, public_key_sha256 ("SHA256:..."), public_key_md5
// ("MD5:..."), public_key_ssh (RFC 4716), public_key_pem (null for the -sk kinds),
// public_key_openssh (an authorized_keys line), state.
QJsonObject keyToJson(const CollectSessionKey &key);
// Header values that carry credentials (isCredentialHeader) show as kRedacted: the
// session JSON goes to every webhook receiver.
QJsonObject webhookToJson(const CollectWebhook &webhook);
inline constexpr QLatin1StringView kRedacted{"[redacted]"};
// The one rule for which headers carry credentials (Authorization, Proxy-Authorization,
// Cookie, x-api-key, and names containing "token", "secret" or "password", in any case):
// their values are masked in every JSON answer and stored sealed (WebhookHeaderSeal).
bool isCredentialHeader(const QString &name);

// The request bodies are read in core/api (CollectSessionPatch.h).

} // namespace keystead::collectjson
