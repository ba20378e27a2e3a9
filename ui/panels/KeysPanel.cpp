#include "KeysPanel.h"

#include "EmptyStatePanel.h"
#include "Icons.h"

#include <QVBoxLayout>

namespace keystead::ui {

KeysPanel::KeysPanel(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new EmptyStatePanel(
        keysteadIcon(u"keys"), tr("Keys"),
        tr("An inventory of SSH key pairs with their devices and tags, private keys and passwords sealed in a vault."
           " This panel is being built."),
        this));
}

} // namespace keystead::ui
