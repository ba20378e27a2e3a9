#pragma once

#include "connections/ConnectionService.h"

#include <QList>
#include <QWidget>

namespace keystead::ui {

// Connections and collected keys per time bucket: a pair of bars per bucket, a
// value axis, time labels and a legend. Drawn with the
// widget's palette for text and grid, and two series colours that read on a
// light and on a dark background alike. Hovering a bucket tells its numbers.
class ActivityChart final : public QWidget
{
    Q_OBJECT

public:
    using Bucket = ConnectionService::ActivityBucket;

    explicit ActivityChart(QWidget *parent = nullptr);

    // `bucketSeconds` chooses how the time axis is labelled (hours, days).
    void setBuckets(const QList<Bucket> &buckets, qint64 bucketSeconds);
    const QList<Bucket> &buckets() const { return m_buckets; }
    int bucketCount() const { return static_cast<int>(m_buckets.size()); }
    int totalConnections() const;
    int totalKeysCollected() const;
    // The top of the value axis: a round number at or above every value.
    int axisMaximum() const;
    // The bucket under a point of the widget; -1 outside the plot.
    int bucketAt(const QPoint &point) const;
    // What hovering bucket `index` shows.
    QString bucketText(int index) const;

    static QColor connectionsColor();
    static QColor keysColor();

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    QRect plotRect() const;
    int highestValue() const;
    int axisStep() const;
    QString timeLabel(const QDateTime &time) const;

    QList<Bucket> m_buckets;
    qint64 m_bucketSeconds = 3600;
};

} // namespace keystead::ui
