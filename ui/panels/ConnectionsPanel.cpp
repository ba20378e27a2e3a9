#include "ConnectionsPanel.h"

#include "EmptyStatePanel.h"
#include "Icons.h"

#include <QVBoxLayout>

namespace keystead::ui {

ConnectionsPanel::ConnectionsPanel(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new EmptyStatePanel(
        keysteadIcon(u"connections"), tr("Connections"),
        tr("Every SSH connection to this console's own server, live: search, tag, disconnect, download audit trails."
           " This panel is being built."),
        this));
}

} // namespace keystead::ui
