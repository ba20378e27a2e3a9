#pragma once

#include <QWidget>

namespace keystead::ui {

// Seed 000: collect sessions. Shows its empty state until that issue fills it.
class CollectPanel final : public QWidget
{
    Q_OBJECT

public:
    explicit CollectPanel(QWidget *parent = nullptr);
};

} // namespace keystead::ui
