#pragma once

#include <QWidget>

namespace keystead::ui {

// Seed 003: live connections. Shows its empty state until that issue fills it.
class ConnectionsPanel final : public QWidget
{
    Q_OBJECT

public:
    explicit ConnectionsPanel(QWidget *parent = nullptr);
};

} // namespace keystead::ui
