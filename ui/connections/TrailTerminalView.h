#pragma once

#include "connections/ConnectionRecord.h"

#include <QPlainTextEdit>

namespace keystead::ui {

// A trail's terminal output replayed as text: stdout and stderr of one channel
// (or all) through a minimal terminal (overwriting, erasing, moving left;
// colours and screen control are dropped). Keeps the view at its end when it was there.
class TrailTerminalView final : public QPlainTextEdit
{
    Q_OBJECT

public:
    explicit TrailTerminalView(QWidget *parent = nullptr);

    // Shows what `events` wrote to the terminal of `channelId` (empty: every channel).
    void showOutput(const QList<TrailEvent> &events, const QString &channelId);
    // The text a terminal shows after `output`.
    static QString render(const QByteArray &output);
};

} // namespace keystead::ui
