#pragma once

#include "ui/common/BackgroundTask.h"

#include <QDialog>

QT_BEGIN_NAMESPACE
class QLabel;
class QProgressBar;
class QPushButton;
QT_END_NAMESPACE

namespace keystead::ui {

// A dialog whose main button starts one costly call on a BackgroundTask (a key
// pair or a CA key being made): the form, a busy row, an inline error and the
// buttons, laid out the same in each. While the call runs the form takes no
// input and Cancel does nothing; accept() starts and closes once the work is
// done, and keeps the dialog open with the message shown when it failed.
class BackgroundDialog : public QDialog
{
    Q_OBJECT

public:
    // Waits for a call still running.
    ~BackgroundDialog() override;

    // What the main button does: checks the form and starts; false, with the
    // message shown, when it could not start.
    virtual bool start() = 0;
    bool isBusy() const { return m_busyState; }
    // What the dialog shows under the form; empty when all went well.
    QString errorText() const;

    // start(); the dialog closes once the work is done.
    void accept() override;
    // Nothing to cancel into while the work runs: ignored until it is done.
    void reject() override;

protected:
    BackgroundDialog(const QString &threadName, QWidget *parent);

    // Where the subclass puts its fields.
    QWidget *form() const { return m_form; }
    // Lays out the form, the busy row, the error and the buttons; the main button is named `okName`.
    void addButtons(const QString &okName, const QString &okText);
    // Shows `busyText` and runs `work` on the task's thread, then `done(result)` here.
    template <typename Work, typename Done>
    void run(const QString &busyText, Work work, Done done)
    {
        showBusy(busyText);
        m_task.start(this, std::move(work), std::move(done));
    }
    void setBusy(bool busy);
    void showError(const QString &message);
    // The work is over: closes the dialog when it worked and accept() started it.
    void finish(bool worked);
    // Blocks until a running call has returned (a subclass's destructor, before its fields go).
    void waitForWork() { m_task.wait(); }

private:
    void showBusy(const QString &text);

    BackgroundTask m_task;
    QWidget *m_form = nullptr;
    // The busy row: shown while the work runs.
    bool m_busyState = false;
    QProgressBar *m_busy = nullptr;
    QLabel *m_busyText = nullptr;
    QLabel *m_error = nullptr;
    // The main button closes the dialog once the work is done when it started it.
    bool m_closeWhenDone = false;
    QPushButton *m_ok = nullptr;
    QPushButton *m_cancel = nullptr;
};

} // namespace keystead::ui
