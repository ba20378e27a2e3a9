#pragma once

#include <QIcon>

namespace keystead::ui {

// An icon from resources/icons/: keysteadIcon(u"keys") is :/keystead/icons/keys.svg.
QIcon keysteadIcon(QStringView name);

// The same, drawn in `selectedColor` where it is selected (a list's highlighted row),
// where the default tint would leave a coloured icon on a coloured bar.
QIcon keysteadIcon(QStringView name, const QColor &selectedColor, QSize size);

// A filled dot in `color`, at 1x and 2x: the status marker of every list.
QIcon statusDot(const QColor &color);

} // namespace keystead::ui
