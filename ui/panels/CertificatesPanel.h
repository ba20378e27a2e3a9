#pragma once

#include <QWidget>

namespace keystead::ui {

// Seed 002: certificate authorities. Shows its empty state until that issue fills it.
class CertificatesPanel final : public QWidget
{
    Q_OBJECT

public:
    explicit CertificatesPanel(QWidget *parent = nullptr);
};

} // namespace keystead::ui
