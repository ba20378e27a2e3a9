#include "ui/settings/NewTokenDialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

NewTokenDialog::NewTokenDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("New API token"));

    m_name = new QLineEdit(this);
    m_name->setObjectName(u"tokenName"_s);
    m_name->setMaxLength(TokenService::kMaxNameLength);
    m_name->setPlaceholderText(tr("who or what uses it, e.g. backup script"));

    m_read = new QCheckBox(tr("Read: list and show"), this);
    m_read->setObjectName(u"scopeRead"_s);
    m_write = new QCheckBox(tr("Write: create, change and delete"), this);
    m_write->setObjectName(u"scopeWrite"_s);
    m_reveal = new QCheckBox(tr("Reveal secrets: private keys and passwords in plain text"), this);
    m_reveal->setObjectName(u"scopeReveal"_s);
    setScopes(kDefaultTokenScopes);

    auto *scopes = new QVBoxLayout;
    scopes->addWidget(m_read);
    scopes->addWidget(m_write);
    scopes->addWidget(m_reveal);

    auto *form = new QFormLayout;
    form->addRow(tr("Name:"), m_name);
    form->addRow(tr("May:"), scopes);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Create token"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    auto *hint = new QLabel(tr("Each reveal of a secret is written to the audit log."), this);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(hint);
    layout->addWidget(m_buttons);

    for (QCheckBox *box : {m_read, m_write, m_reveal})
        connect(box, &QCheckBox::toggled, this, &NewTokenDialog::updateOkButton);
    connect(m_name, &QLineEdit::textChanged, this, &NewTokenDialog::updateOkButton);
    updateOkButton();
}

QString NewTokenDialog::name() const
{
    return m_name->text();
}

TokenScopes NewTokenDialog::scopes() const
{
    TokenScopes scopes;
    scopes.setFlag(TokenScope::Read, m_read->isChecked());
    scopes.setFlag(TokenScope::Write, m_write->isChecked());
    scopes.setFlag(TokenScope::RevealSecrets, m_reveal->isChecked());
    return scopes;
}

void NewTokenDialog::setName(const QString &name)
{
    m_name->setText(name);
}

void NewTokenDialog::setScopes(TokenScopes scopes)
{
    m_read->setChecked(scopes.testFlag(TokenScope::Read));
    m_write->setChecked(scopes.testFlag(TokenScope::Write));
    m_reveal->setChecked(scopes.testFlag(TokenScope::RevealSecrets));
}

void NewTokenDialog::updateOkButton()
{
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!m_name->text().trimmed().isEmpty() && scopes());
}

} // namespace keystead::ui
