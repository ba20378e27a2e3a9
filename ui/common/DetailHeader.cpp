#include "ui/common/DetailHeader.h"

#include <QLabel>

namespace keystead::ui {

DetailHeader makeDetailHeader(const QString &titleName, const QString &summaryName, QWidget *parent)
{
    DetailHeader header;
    header.title = new QLabel(parent);
    header.title->setObjectName(titleName);
    QFont titleFont = header.title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    titleFont.setBold(true);
    header.title->setFont(titleFont);
    header.title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    header.summary = new QLabel(parent);
    header.summary->setObjectName(summaryName);
    header.summary->setForegroundRole(QPalette::PlaceholderText);
    return header;
}

} // namespace keystead::ui
