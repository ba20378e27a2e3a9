#pragma once

#include "collect/CollectSession.h"

#include <QDateTime>
#include <QString>

// What a valid collect session looks like, checked without the store. Field
// names are the ones the session's JSON uses ("timeout", "webhooks[1].url").
namespace keystead::collectrules {

// "[a-z0-9][a-z0-9._-]{2,63}": what a caller-chosen identifier must look like.
bool isValidConnectionIdentifier(const QString &identifier);

FieldErrors validate(const CollectSessionInput &input, const QDateTime &now);
FieldErrors validate(const CollectSessionUpdate &update, const QDateTime &now);

} // namespace keystead::collectrules
