#pragma once

#include <QDialog>

QT_BEGIN_NAMESPACE
class QLineEdit;
class QPushButton;
QT_END_NAMESPACE

namespace keystead::ui {

// Shows a new token's secret, the one time it exists outside the caller: the
// store keeps only its hash.
class TokenSecretDialog final : public QDialog
{
    Q_OBJECT

public:
    TokenSecretDialog(const QString &tokenName, const QString &secret, QWidget *parent = nullptr);

    QString secret() const;
    // Puts the secret on the clipboard.
    void copySecret();

private:
    QLineEdit *m_secretField = nullptr;
    QPushButton *m_copyButton = nullptr;
};

} // namespace keystead::ui
