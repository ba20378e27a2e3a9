#pragma once

#include <QDialog>

namespace keystead::ui {

// The version of Keystead and of the libraries it runs with: what a bug report needs.
class AboutDialog final : public QDialog
{
    Q_OBJECT

public:
    explicit AboutDialog(QWidget *parent = nullptr);

    // One "name version" line each for Keystead, Qt, libssh and OpenSSL, as loaded at run time.
    static QString versionReport();
};

} // namespace keystead::ui
