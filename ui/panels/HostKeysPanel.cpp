#include "HostKeysPanel.h"

#include "EmptyStatePanel.h"
#include "Icons.h"

#include <QVBoxLayout>

namespace keystead::ui {

HostKeysPanel::HostKeysPanel(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new EmptyStatePanel(
        keysteadIcon(u"hostkeys"), tr("Host keys"),
        tr("Trusted host keys of your servers, and the algorithms, banners and timeouts of this console's SSH server."
           " This panel is being built."),
        this));
}

} // namespace keystead::ui
