#include "CertificatesPanel.h"

#include "EmptyStatePanel.h"
#include "Icons.h"

#include <QVBoxLayout>

namespace keystead::ui {

CertificatesPanel::CertificatesPanel(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new EmptyStatePanel(keysteadIcon(u"certificates"), tr("Certificates"),
                                          tr("Certificate authorities that sign user and host certificates, revoke "
                                             "them and export KRLs and known_hosts files."
                                             " This panel is being built."),
                                          this));
}

} // namespace keystead::ui
