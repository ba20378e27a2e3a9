#include "ui/settings/TokenSecretDialog.h"

#include <QClipboard>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

TokenSecretDialog::TokenSecretDialog(const QString &tokenName, const QString &secret, QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("New API token"));

    auto *heading = new QLabel(tr("Token \"%1\" is ready.").arg(tokenName), this);
    QFont headingFont = heading->font();
    headingFont.setBold(true);
    heading->setFont(headingFont);

    auto *onlyOnce = new QLabel(tr("Copy the secret now: it is shown only once. Keystead keeps only a hash of it "
                                   "and cannot show it again; if it is lost, revoke the token and make a new one."),
                                this);
    onlyOnce->setWordWrap(true);

    m_secretField = new QLineEdit(secret, this);
    m_secretField->setObjectName(u"secret"_s);
    m_secretField->setReadOnly(true);
    m_secretField->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_secretField->setMinimumWidth(m_secretField->fontMetrics().horizontalAdvance(secret) + 24);
    m_secretField->selectAll();

    m_copyButton = new QPushButton(tr("Copy"), this);
    m_copyButton->setObjectName(u"copy"_s);
    m_copyButton->setAutoDefault(false);
    connect(m_copyButton, &QPushButton::clicked, this, &TokenSecretDialog::copySecret);

    auto *usage = new QLabel(tr("Scripts send it as <tt>Authorization: Bearer &lt;secret&gt;</tt>."), this);
    usage->setTextFormat(Qt::RichText);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->button(QDialogButtonBox::Close)->setText(tr("Done"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::accept);

    auto *secretRow = new QHBoxLayout;
    secretRow->addWidget(m_secretField, 1);
    secretRow->addWidget(m_copyButton);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(heading);
    layout->addWidget(onlyOnce);
    layout->addSpacing(6);
    layout->addLayout(secretRow);
    layout->addWidget(usage);
    layout->addSpacing(6);
    layout->addWidget(buttons);
}

QString TokenSecretDialog::secret() const
{
    return m_secretField->text();
}

void TokenSecretDialog::copySecret()
{
    QGuiApplication::clipboard()->setText(m_secretField->text());
    m_copyButton->setText(tr("Copied"));
}

} // namespace keystead::ui
