#include "ui/shell/UiServices.h"

#include "composition/Composition.h"

namespace keystead::ui {

UiServices uiServicesOf(Composition &composition)
{
    return UiServices{
        *composition.settings,     *composition.tokens,        *composition.endpoint,    composition.clockRef(),
        *composition.collect,      *composition.collectServer, *composition.webhooks,    *composition.webhookLog,
        *composition.inventory,    *composition.vault,         *composition.audit,       *composition.connections,
        *composition.certificates, *composition.hostKeys,      *composition.sshSettings, composition.dataDir};
}

} // namespace keystead::ui
