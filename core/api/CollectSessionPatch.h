#pragma once

#include "collect/CollectSession.h"

#include <QJsonObject>

// Seed 000's request bodies read into the collect domain's types: the POST body
// of .../sessions into a CollectSessionInput, the JSON merge-patch of PATCH
// .../sessions/{session} into a CollectSessionUpdate (null clears a field).
// Type errors (and unknown or read-only fields) go to `errors` with locations
// relative to the body ("timeout", "webhooks[0].url"); the fields that were
// well typed are filled in, so semantic checks can run on them too.
namespace keystead::collectapi {

CollectSessionInput sessionInputFromJson(const QJsonObject &body, FieldErrors &errors);
CollectSessionUpdate sessionUpdateFromJson(const QJsonObject &body, FieldErrors &errors);

} // namespace keystead::collectapi
