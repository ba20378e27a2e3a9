#include "ui/connections/ActivityChart.h"

#include <QEvent>
#include <QHelpEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

constexpr int kMargin = 8;
constexpr int kTicks = 4;

// 1, 2, 5, 10, 20, 50, ...: the smallest such step that reaches `value` in kTicks steps.
int niceStep(int value)
{
    const double raw = std::max(1.0, static_cast<double>(value) / kTicks);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double factor : {1.0, 2.0, 5.0, 10.0}) {
        if (factor * magnitude >= raw)
            return std::max(1, static_cast<int>(factor * magnitude));
    }
    return static_cast<int>(10 * magnitude);
}

} // namespace

ActivityChart::ActivityChart(QWidget *parent)
    : QWidget(parent)
{
    setAttribute(Qt::WA_OpaquePaintEvent, false);
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setAccessibleName(tr("Connections and collected keys over time"));
}

void ActivityChart::setBuckets(const QList<Bucket> &buckets, qint64 bucketSeconds)
{
    m_buckets = buckets;
    m_bucketSeconds = std::max<qint64>(1, bucketSeconds);
    setAccessibleDescription(tr("%1 connections and %2 keys collected in %3 periods")
                                 .arg(totalConnections())
                                 .arg(totalKeysCollected())
                                 .arg(bucketCount()));
    update();
}

int ActivityChart::totalConnections() const
{
    int total = 0;
    for (const Bucket &bucket : m_buckets)
        total += bucket.connections;
    return total;
}

int ActivityChart::totalKeysCollected() const
{
    int total = 0;
    for (const Bucket &bucket : m_buckets)
        total += bucket.keysCollected;
    return total;
}

int ActivityChart::highestValue() const
{
    int highest = 0;
    for (const Bucket &bucket : m_buckets)
        highest = std::max({highest, bucket.connections, bucket.keysCollected});
    return highest;
}

int ActivityChart::axisStep() const
{
    return niceStep(highestValue());
}

int ActivityChart::axisMaximum() const
{
    const int highest = highestValue();
    const int step = axisStep();
    return highest == 0 ? step * kTicks : step * ((highest + step - 1) / step);
}

QColor ActivityChart::connectionsColor()
{
    return QColor(0x4a, 0x86, 0xd4);
}

QColor ActivityChart::keysColor()
{
    return QColor(0xe8, 0x87, 0x1e);
}

QSize ActivityChart::sizeHint() const
{
    return QSize(420, 220);
}

QSize ActivityChart::minimumSizeHint() const
{
    return QSize(220, 140);
}

QString ActivityChart::timeLabel(const QDateTime &time) const
{
    const QDateTime local = time.toLocalTime();
    if (m_bucketSeconds >= 86400)
        return local.toString(u"MM-dd"_s);
    const qint64 span = m_bucketSeconds * bucketCount();
    return local.toString(span <= 86400 ? u"HH:mm"_s : u"MM-dd HH:mm"_s);
}

QRect ActivityChart::plotRect() const
{
    const QFontMetrics metrics = fontMetrics();
    const int axisWidth = metrics.horizontalAdvance(QString::number(axisMaximum())) + 6;
    const int legendHeight = metrics.height() + 6;
    const int labelsHeight = metrics.height() + 4;
    return rect().adjusted(kMargin + axisWidth, kMargin + legendHeight, -kMargin, -(kMargin + labelsHeight));
}

int ActivityChart::bucketAt(const QPoint &point) const
{
    const QRect plot = plotRect();
    if (m_buckets.isEmpty() || !plot.contains(point))
        return -1;
    const double width = static_cast<double>(plot.width()) / static_cast<double>(m_buckets.size());
    const int index = static_cast<int>((point.x() - plot.left()) / width);
    return std::clamp(index, 0, bucketCount() - 1);
}

QString ActivityChart::bucketText(int index) const
{
    if (index < 0 || index >= bucketCount())
        return {};
    const Bucket &bucket = m_buckets.at(index);
    const QDateTime end = bucket.start.addSecs(m_bucketSeconds);
    const QString format = m_bucketSeconds >= 86400 ? u"yyyy-MM-dd"_s : u"yyyy-MM-dd HH:mm"_s;
    const QString period = m_bucketSeconds >= 86400
        ? bucket.start.toLocalTime().toString(format)
        : tr("%1 – %2").arg(bucket.start.toLocalTime().toString(format), end.toLocalTime().toString(u"HH:mm"_s));
    return tr("%1\nConnections: %2\nKeys collected: %3").arg(period).arg(bucket.connections).arg(bucket.keysCollected);
}

void ActivityChart::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::WindowText);
    QColor grid = text;
    grid.setAlphaF(0.15F);
    QColor faint = text;
    faint.setAlphaF(0.6F);
    const QFontMetrics metrics = fontMetrics();
    const QRect plot = plotRect();
    if (plot.width() <= 0 || plot.height() <= 0)
        return;

    // Legend, top right: a bar swatch and a line swatch, as the series are drawn.
    int x = width() - kMargin;
    const int legendY = kMargin;
    const int swatch = metrics.height() - 4;
    const struct
    {
        QString label;
        QColor color;
    } legend[] = {{tr("Keys collected"), keysColor()}, {tr("Connections"), connectionsColor()}};
    for (const auto &entry : legend) {
        const int labelWidth = metrics.horizontalAdvance(entry.label);
        x -= labelWidth;
        painter.setPen(text);
        painter.drawText(QRect(x, legendY, labelWidth, metrics.height()), Qt::AlignVCenter, entry.label);
        x -= swatch + 4;
        painter.setPen(Qt::NoPen);
        painter.setBrush(entry.color);
        painter.drawRect(QRect(x, legendY + (metrics.height() - swatch) / 2, swatch, swatch));
        painter.setBrush(Qt::NoBrush);
        x -= 14;
    }

    // Value axis with a grid line per tick.
    const int maximum = axisMaximum();
    const int step = axisStep();
    for (int value = 0; value <= maximum; value += step) {
        const double y = plot.bottom() - static_cast<double>(value) / maximum * plot.height();
        painter.setPen(QPen(grid, 1));
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        painter.setPen(faint);
        const QString label = QString::number(value);
        painter.drawText(QRectF(0, y - metrics.height() / 2.0, plot.left() - 6, metrics.height()),
                         Qt::AlignRight | Qt::AlignVCenter, label);
    }
    painter.setPen(QPen(faint, 1));
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());

    if (m_buckets.isEmpty()) {
        painter.setPen(faint);
        painter.drawText(plot, Qt::AlignCenter, tr("No activity to show"));
        return;
    }

    const double slot = static_cast<double>(plot.width()) / static_cast<double>(m_buckets.size());
    const auto yOf = [&](int value) { return plot.bottom() - static_cast<double>(value) / maximum * plot.height(); };

    // Two bars per bucket, side by side: connections, then the keys they brought.
    painter.setPen(Qt::NoPen);
    const double barWidth = std::max(1.0, slot * 0.8 / 2);
    const double gap = (slot - 2 * barWidth) / 2;
    for (int i = 0; i < m_buckets.size(); ++i) {
        const double left = plot.left() + i * slot + gap;
        const int values[] = {m_buckets.at(i).connections, m_buckets.at(i).keysCollected};
        const QColor colors[] = {connectionsColor(), keysColor()};
        for (int series = 0; series < 2; ++series) {
            if (values[series] <= 0)
                continue;
            painter.setBrush(colors[series]);
            const double top = yOf(values[series]);
            painter.drawRect(QRectF(left + series * barWidth, top, barWidth, plot.bottom() - top));
        }
    }

    // Time labels: as many as fit without touching, always the first.
    painter.setPen(faint);
    const int labelWidth = metrics.horizontalAdvance(timeLabel(m_buckets.constFirst().start)) + 12;
    // Every hour, every few hours, every day, every week: steps that read as round times.
    const int needed = std::max(1, static_cast<int>(std::ceil(labelWidth / slot)));
    int every = needed;
    for (const int round : {1, 2, 3, 4, 6, 7, 8, 12, 14, 24, 28, 48}) {
        if (round >= needed) {
            every = round;
            break;
        }
    }
    // Labels on the local clock's round hours (00:00, 06:00, ...) where the step divides a day.
    int first = 0;
    const qint64 period = every * m_bucketSeconds;
    if (period <= 86400 && 86400 % period == 0) {
        for (int i = 0; i < std::min(every, bucketCount()); ++i) {
            if (m_buckets.at(i).start.toLocalTime().time().msecsSinceStartOfDay() / 1000 % period == 0) {
                first = i;
                break;
            }
        }
    }
    for (int i = first; i < m_buckets.size(); i += every) {
        const double center = plot.left() + (i + 0.5) * slot;
        const QString label = timeLabel(m_buckets.at(i).start);
        const double left = std::clamp(center - labelWidth / 2.0, 0.0, static_cast<double>(width() - labelWidth));
        painter.drawText(QRectF(left, plot.bottom() + 4, labelWidth, metrics.height()), Qt::AlignCenter, label);
    }
}

bool ActivityChart::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int index = bucketAt(help->pos());
        if (index < 0)
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), bucketText(index), this);
        return true;
    }
    return QWidget::event(event);
}

void ActivityChart::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        update();
    QWidget::changeEvent(event);
}

} // namespace keystead::ui
