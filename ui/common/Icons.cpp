#include "ui/common/Icons.h"

#include <QPainter>
#include <QPixmap>

using namespace Qt::StringLiterals;

namespace keystead::ui {

QIcon keysteadIcon(QStringView name)
{
    return QIcon(u":/keystead/icons/"_s + name + u".svg"_s);
}

QIcon keysteadIcon(QStringView name, const QColor &selectedColor, QSize size)
{
    // Pixmaps, not the SVG engine: that one ignores added pixmaps of other sizes and tints selected icons itself.
    const QIcon drawing = keysteadIcon(name);
    QIcon icon;
    for (const int scale : {1, 2}) { // 2: high-density screens
        const QPixmap normal = drawing.pixmap(size * scale);
        QPixmap selected = normal;
        QPainter painter(&selected);
        painter.setCompositionMode(QPainter::CompositionMode_SourceIn);
        painter.fillRect(selected.rect(), selectedColor);
        painter.end();
        icon.addPixmap(normal, QIcon::Normal);
        icon.addPixmap(selected, QIcon::Selected);
    }
    return icon;
}

QIcon statusDot(const QColor &color)
{
    QIcon icon;
    for (const int scale : {1, 2}) {
        QPixmap pixmap(16 * scale, 16 * scale);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(color);
        painter.drawEllipse(QRectF(4.0 * scale, 4.0 * scale, 8.0 * scale, 8.0 * scale));
        painter.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

} // namespace keystead::ui
