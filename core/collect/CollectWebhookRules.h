#pragma once

#include "collect/CollectSession.h"
#include "common/Result.h"

#include <QHash>
#include <QJsonObject>
#include <QMap>
#include <QSet>
#include <QString>
#include <QStringList>

namespace keystead {

class WebhookHeaderSeal;

// The rules of a session's webhooks: what a valid one looks like, and how its
// header values are sealed for the store and masked for everyone else.
namespace collectwebhook {

// How header values leave the store: as stored (sealed ones sealed), for the service's
// own rewrites, or masked, for everyone else.
enum class HeaderValues { Stored, Masked };

// Every credential header's values are sealed, and so is any value that merely looks
// sealed: a stored value with the seal's prefix is then always one to open.
bool needsSealing(const QString &name, const QString &value);
// Whether any header value of `webhooks` is one to seal.
bool anyToSeal(const QList<CollectWebhook> &webhooks);

QMap<QString, QStringList> headersFromColumn(const QString &column, HeaderValues form);
// The headers as the collect_webhooks column keeps them. Values in `carried` were read
// from the store (sent back redacted): a sealed one stays as it is, bound to this
// webhook and header already; a plain one from before values were sealed is sealed now.
Result<QJsonObject> headersToColumn(WebhookHeaderSeal &seal, const QString &webhookId,
                                    const QMap<QString, QStringList> &headers, const QSet<QString> &carried);
// Whether stored headers still hold a credential in plain text, written before values were sealed.
bool hasPlainCredentials(const QMap<QString, QStringList> &headers);

// A replacement list for a session's webhooks (`replacement`) against the stored ones
// (`existing`, header values as stored): an item with an unknown id is an error; a
// header value read back redacted and sent again means "keep what is stored", and that
// header is then listed in carried[index] (see headersToColumn).
FieldErrors carryRedacted(QList<CollectWebhook> &replacement, const QList<CollectWebhook> &existing,
                          QHash<qsizetype, QSet<QString>> &carried);

// Every bad field of the webhooks, at "webhooks", "webhooks[1].url" ...
void checkWebhooks(FieldErrors &errors, const QList<CollectWebhook> &webhooks);

} // namespace collectwebhook
} // namespace keystead
