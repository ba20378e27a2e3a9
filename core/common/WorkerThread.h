#pragma once

#include <QObject>
#include <QString>

#include <memory>

QT_BEGIN_NAMESPACE
class QThread;
QT_END_NAMESPACE

namespace keystead {

// A thread with one worker object living in it, for servers whose sockets
// must stay in their own thread (the HTTP endpoint, the SSH collect server).
// Everything that touches the worker runs in that thread through run().
class WorkerThread final
{
public:
    explicit WorkerThread(QString name);
    ~WorkerThread();
    WorkerThread(const WorkerThread &) = delete;
    WorkerThread &operator=(const WorkerThread &) = delete;

    // Starts a thread and moves `worker` (which has no parent) into it; the
    // thread owns it from now on.
    void start(QObject *worker);
    // Runs `call` in the worker's thread and waits until it returns.
    template <typename Call>
    void run(Call &&call)
    {
        QMetaObject::invokeMethod(m_worker, std::forward<Call>(call), Qt::BlockingQueuedConnection);
    }
    // Deletes the worker in its own thread, then ends the thread.
    void stop();
    bool isRunning() const { return m_worker != nullptr; }

private:
    QString m_name;
    std::unique_ptr<QThread> m_thread;
    QObject *m_worker = nullptr;
};

} // namespace keystead
