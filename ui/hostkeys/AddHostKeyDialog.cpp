#include "ui/hostkeys/AddHostKeyDialog.h"

#include "audit/AuditLog.h"
#include "hostkeys/HostKeyStore.h"
#include "ui/common/ErrorLabel.h"
#include "ui/hostkeys/HostKeyTexts.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

AddHostKeyDialog::AddHostKeyDialog(HostKeyStore &store, QWidget *parent)
    : QDialog(parent)
    , m_store(store)
{
    setObjectName(u"addHostKeyDialog"_s);
    setWindowTitle(tr("Trust a host key"));
    m_address = new QLineEdit(this);
    m_address->setObjectName(u"hostAddress"_s);
    m_address->setPlaceholderText(tr("10.0.0.1, 2001:db8::1 or a host name"));
    m_port = new QSpinBox(this);
    m_port->setObjectName(u"hostPort"_s);
    m_port->setRange(1, 65535);
    m_port->setValue(22);
    m_type = new QComboBox(this);
    m_type->setObjectName(u"hostKeyType"_s);
    m_type->addItems(HostKeyStore::knownTypes());
    m_value = new QPlainTextEdit(this);
    m_value->setObjectName(u"hostKeyValue"_s);
    m_value->setPlaceholderText(tr("ssh-ed25519 AAAAC3Nz… (a .pub or known_hosts line), or the base64 value alone"));
    m_error = makeErrorLabel(u"addHostKeyError"_s, this);

    auto *form = new QFormLayout;
    form->addRow(tr("Address:"), m_address);
    form->addRow(tr("Port:"), m_port);
    form->addRow(tr("Type:"), m_type);
    form->addRow(tr("Key:"), m_value);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &AddHostKeyDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    resize(620, 300);
}

HostKeyInput AddHostKeyDialog::input() const
{
    HostKeyInput input;
    input.address = m_address->text().trimmed();
    input.port = m_port->value();
    input.type = m_type->currentText();
    input.origin = u"console"_s;
    const QStringList tokens = m_value->toPlainText().simplified().split(u' ', Qt::SkipEmptyParts);
    const QStringList types = HostKeyStore::knownTypes();
    for (qsizetype at = 0; at + 1 < tokens.size(); ++at) {
        if (types.contains(tokens.at(at))) {
            input.type = tokens.at(at);
            input.value = tokens.at(at + 1);
            return input;
        }
    }
    input.value = tokens.isEmpty() ? QString() : tokens.constFirst();
    return input;
}

Result<TrustedHostKey> AddHostKeyDialog::save()
{
    Result<TrustedHostKey> added = m_store.add(input(), Actor::console());
    if (!added) {
        showError(HostKeyTexts::error(added.error()));
        return added;
    }
    showError({});
    Q_EMIT hostKeyAdded(added.value());
    QDialog::accept();
    return added;
}

void AddHostKeyDialog::accept()
{
    (void)save();
}

QString AddHostKeyDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void AddHostKeyDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

} // namespace keystead::ui
