#include "CollectPanel.h"

#include "EmptyStatePanel.h"
#include "Icons.h"

#include <QVBoxLayout>

namespace keystead::ui {

CollectPanel::CollectPanel(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new EmptyStatePanel(keysteadIcon(u"collect"), tr("Collect sessions"),
                                          tr("Create a collect session, hand the user the ssh line it shows and watch "
                                             "the user's keys arrive, each one proven."
                                             " This panel is being built."),
                                          this));
}

} // namespace keystead::ui
