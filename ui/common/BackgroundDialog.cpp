#include "ui/common/BackgroundDialog.h"

#include "ui/common/ErrorLabel.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

BackgroundDialog::BackgroundDialog(const QString &threadName, QWidget *parent)
    : QDialog(parent)
    , m_task(threadName)
{
    m_form = new QWidget(this);

    m_busy = new QProgressBar(this);
    m_busy->setObjectName(u"busy"_s);
    m_busy->setRange(0, 0); // no steps to count: it moves while the work goes on
    m_busy->setTextVisible(false);
    m_busy->setMaximumHeight(m_busy->fontMetrics().height());
    m_busyText = new QLabel(this);
    m_busyText->setObjectName(u"busyText"_s);

    m_error = makeErrorLabel(u"error"_s, this);
}

BackgroundDialog::~BackgroundDialog()
{
    m_task.wait();
}

void BackgroundDialog::addButtons(const QString &okName, const QString &okText)
{
    auto *busyRow = new QHBoxLayout;
    busyRow->addWidget(m_busyText);
    busyRow->addWidget(m_busy, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setObjectName(okName);
    m_ok->setText(okText);
    m_cancel = buttons->button(QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &BackgroundDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &BackgroundDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_form);
    layout->addLayout(busyRow);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    setBusy(false);
}

QString BackgroundDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void BackgroundDialog::accept()
{
    m_closeWhenDone = start();
}

void BackgroundDialog::reject()
{
    if (!isBusy())
        QDialog::reject();
}

void BackgroundDialog::finish(bool worked)
{
    const bool close = worked && m_closeWhenDone;
    m_closeWhenDone = false;
    if (close)
        QDialog::accept();
}

void BackgroundDialog::setBusy(bool busy)
{
    m_busyState = busy;
    m_form->setEnabled(!busy);
    if (m_ok)
        m_ok->setEnabled(!busy);
    if (m_cancel)
        m_cancel->setEnabled(!busy);
    m_busy->setVisible(busy);
    m_busyText->setVisible(busy);
    if (busy)
        setCursor(Qt::BusyCursor);
    else
        unsetCursor();
}

void BackgroundDialog::showBusy(const QString &text)
{
    m_busyText->setText(text);
    setBusy(true);
}

void BackgroundDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

} // namespace keystead::ui
