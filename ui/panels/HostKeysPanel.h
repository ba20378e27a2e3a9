#pragma once

#include <QWidget>

namespace keystead::ui {

// Seed 004: host keys and SSH settings. Shows its empty state until that issue fills it.
class HostKeysPanel final : public QWidget
{
    Q_OBJECT

public:
    explicit HostKeysPanel(QWidget *parent = nullptr);
};

} // namespace keystead::ui
