#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QIcon;
class QLabel;
QT_END_NAMESPACE

namespace keystead::ui {

// What a panel shows while it has nothing to show: its icon, a title and one
// honest sentence, centred.
class EmptyStatePanel final : public QWidget
{
    Q_OBJECT

public:
    EmptyStatePanel(const QIcon &icon, const QString &title, const QString &text, QWidget *parent = nullptr);

    QString title() const;
    QString text() const;

private:
    QLabel *m_title = nullptr;
    QLabel *m_text = nullptr;
};

} // namespace keystead::ui
