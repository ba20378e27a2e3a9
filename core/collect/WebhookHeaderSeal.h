#pragma once

#include "common/Result.h"

#include <QLatin1StringView>
#include <QString>

namespace keystead {

class WebhookSigner;

// Keeps the values of a webhook's credential headers (collectjson::isCredentialHeader,
// the rule that also hides them in every JSON answer) out of the store in plain text.
//
// Each value is sealed with AES-256-GCM under a key derived from the webhook
// signing key, with a fresh 96-bit nonce and the webhook's id and the header's
// name as associated data: a sealed value copied onto another webhook or another
// header does not open. The stored form, kPrefix + base64(nonce | ciphertext | tag),
// sits in the same JSON column as plain values, so the schema stays as it is.
//
// Replacing the signing key (WebhookSigner::replaceKey) leaves every sealed value
// unreadable: those headers must be entered again, and until then their deliveries fail.
//
// Thread-safe, as the signer is: the session service seals, the dispatcher's thread opens.
class WebhookHeaderSeal final
{
public:
    static constexpr QLatin1StringView kPrefix{"sealed:v1:"};

    explicit WebhookHeaderSeal(WebhookSigner &signer);

    // Whether `stored` is a sealed value. A stored value without the prefix was written
    // before values were sealed and is taken as plain.
    static bool isSealed(const QString &stored);

    // Loads the signing key (see WebhookSigner::ensureReady). seal() and open() do it
    // too; call it before a transaction so that they touch neither file nor store inside it.
    Status ensureReady();
    // Unavailable when the signing key cannot be used: nothing is then stored in plain text instead.
    Result<QString> seal(const QString &webhookId, const QString &headerName, const QString &value);
    // The value as it was given to seal(); a value that is not sealed comes back as it is.
    // A value sealed under another key, for another webhook or header, or altered, is a
    // Conflict whose message names the header and never the value.
    Result<QString> open(const QString &webhookId, const QString &headerName, const QString &stored);

private:
    Result<QByteArray> key();

    WebhookSigner &m_signer;
};

} // namespace keystead
