#pragma once

#include <QObject>
#include <QString>
#include <QThread>

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace keystead::ui {

// One costly call (a key pair or a CA key being made) run on a thread of its
// own, its result handed back on the thread of a context object (a dialog),
// queued, so the dialog stays drawn and can show that it is busy. One call at
// a time; the owner's destructor waits for a call still running.
//
//     m_task.start(this, [type] { return generateKeyPair(type, ...); },
//                  [this](Result<GeneratedKeyPair> pair) { generated(std::move(pair)); });
class BackgroundTask final
{
public:
    explicit BackgroundTask(QString threadName);
    ~BackgroundTask();
    BackgroundTask(const BackgroundTask &) = delete;
    BackgroundTask &operator=(const BackgroundTask &) = delete;

    bool isRunning() const { return m_thread != nullptr; }

    // Runs `work` (no arguments; it must not touch widgets or the store) on a new
    // thread, then `done(result)` on `context`'s thread. False when a call is running.
    template <typename Work, typename Done>
    bool start(QObject *context, Work work, Done done)
    {
        if (isRunning())
            return false;
        using Outcome = std::invoke_result_t<Work &>;
        auto outcome = std::make_shared<std::optional<Outcome>>();
        m_thread.reset(QThread::create([outcome, task = std::move(work)]() mutable {
            outcome->emplace(task());
            threadEnding();
        }));
        m_thread->setObjectName(m_threadName);
        // Queued: finished comes from the worker thread.
        QObject::connect(m_thread.get(), &QThread::finished, context,
                         [this, outcome, finish = std::move(done)]() mutable {
                             m_thread->wait();
                             m_thread.reset();
                             if (*outcome)
                                 finish(std::move(**outcome));
                             outcome->reset();
                         });
        m_thread->start();
        return true;
    }

    // Blocks until a running call has returned (its result is then dropped).
    void wait();

private:
    // Frees what a thread of this kind holds before it ends (OpenSSL's per-thread state).
    static void threadEnding();

    QString m_threadName;
    std::unique_ptr<QThread> m_thread;
};

} // namespace keystead::ui
