#pragma once

#include "api/TokenService.h"

#include <QDialog>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QDialogButtonBox;
class QLineEdit;
QT_END_NAMESPACE

namespace keystead::ui {

// Asks for a new token's name and what it may do. Read and write are ticked, as
// the tokens made before scopes existed; revealing secrets is an explicit choice.
class NewTokenDialog final : public QDialog
{
    Q_OBJECT

public:
    explicit NewTokenDialog(QWidget *parent = nullptr);

    QString name() const;
    TokenScopes scopes() const;
    void setName(const QString &name);
    void setScopes(TokenScopes scopes);

private:
    void updateOkButton();

    QLineEdit *m_name = nullptr;
    QCheckBox *m_read = nullptr;
    QCheckBox *m_write = nullptr;
    QCheckBox *m_reveal = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace keystead::ui
