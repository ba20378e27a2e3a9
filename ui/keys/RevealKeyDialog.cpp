#include "ui/keys/RevealKeyDialog.h"

#include <QClipboard>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

RevealKeyDialog::RevealKeyDialog(const SshKeyRecord &key, const SshKeySecrets &secrets, QWidget *parent)
    : QDialog(parent)
{
    setObjectName(u"revealKeyDialog"_s);
    setWindowTitle(tr("Private key of %1").arg(key.identifier));

    auto *heading
        = new QLabel(tr("The private key of \"%1\" (%2). Keep it where only you can read it.")
                         .arg(key.keyName.isEmpty() ? key.identifier : key.keyName, key.publicKey.fingerprintSha256()),
                     this);
    heading->setWordWrap(true);

    m_privateKey = new QPlainTextEdit(QString::fromUtf8(secrets.privateKey), this);
    m_privateKey->setObjectName(u"privateKey"_s);
    m_privateKey->setReadOnly(true);
    m_privateKey->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_privateKey->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_privateKey->setMinimumSize(m_privateKey->fontMetrics().horizontalAdvance(QString(72, u'M')),
                                 m_privateKey->fontMetrics().lineSpacing() * 12);
    m_copyPrivateKey = new QPushButton(tr("Copy"), this);
    m_copyPrivateKey->setObjectName(u"copyPrivateKey"_s);
    m_copyPrivateKey->setAutoDefault(false);
    connect(m_copyPrivateKey, &QPushButton::clicked, this, &RevealKeyDialog::copyPrivateKey);

    m_password = new QLineEdit(QString::fromUtf8(secrets.password), this);
    m_password->setObjectName(u"password"_s);
    m_password->setReadOnly(true);
    m_password->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    if (secrets.password.isEmpty())
        m_password->setPlaceholderText(tr("none: the private key is not encrypted"));
    m_copyPassword = new QPushButton(tr("Copy"), this);
    m_copyPassword->setObjectName(u"copyPassword"_s);
    m_copyPassword->setAutoDefault(false);
    m_copyPassword->setEnabled(!secrets.password.isEmpty());
    connect(m_copyPassword, &QPushButton::clicked, this, &RevealKeyDialog::copyPassword);

    auto *keyButtons = new QVBoxLayout;
    keyButtons->addWidget(m_copyPrivateKey);
    keyButtons->addStretch(1);
    auto *keyRow = new QHBoxLayout;
    keyRow->addWidget(m_privateKey, 1);
    keyRow->addLayout(keyButtons);
    auto *passwordRow = new QHBoxLayout;
    passwordRow->addWidget(m_password, 1);
    passwordRow->addWidget(m_copyPassword);

    auto *form = new QFormLayout;
    form->addRow(tr("Private key:"), keyRow);
    form->addRow(tr("Password:"), passwordRow);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::accept);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(heading);
    layout->addLayout(form, 1);
    layout->addWidget(buttons);
}

RevealKeyDialog::~RevealKeyDialog()
{
    m_privateKey->clear();
    m_password->clear();
}

QString RevealKeyDialog::privateKeyText() const
{
    return m_privateKey->toPlainText();
}

QString RevealKeyDialog::passwordText() const
{
    return m_password->text();
}

void RevealKeyDialog::copyPrivateKey()
{
    QGuiApplication::clipboard()->setText(m_privateKey->toPlainText());
    m_copyPrivateKey->setText(tr("Copied"));
}

void RevealKeyDialog::copyPassword()
{
    QGuiApplication::clipboard()->setText(m_password->text());
    m_copyPassword->setText(tr("Copied"));
}

} // namespace keystead::ui
