#pragma once

#include <QLabel>

namespace keystead::ui {

// The two labels a detail pane opens with: the object's name, larger, bold and
// selectable, and a grey one-line summary beside it.
struct DetailHeader
{
    QLabel *title = nullptr;
    QLabel *summary = nullptr;
};

DetailHeader makeDetailHeader(const QString &titleName, const QString &summaryName, QWidget *parent);

} // namespace keystead::ui
