#pragma once

#include <QWidget>

namespace keystead::ui {

// Seed 001: the SSH key inventory. Shows its empty state until that issue fills it.
class KeysPanel final : public QWidget
{
    Q_OBJECT

public:
    explicit KeysPanel(QWidget *parent = nullptr);
};

} // namespace keystead::ui
