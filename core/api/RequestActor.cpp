#include "api/RequestActor.h"

using namespace Qt::StringLiterals;

namespace keystead {

Actor requestActor(const HttpRequest &request)
{
    Actor actor;
    actor.kind = u"token"_s;
    if (request.token) {
        actor.id = request.token->id;
        actor.name = request.token->name;
    }
    actor.address = request.peer.toString();
    return actor;
}

} // namespace keystead
