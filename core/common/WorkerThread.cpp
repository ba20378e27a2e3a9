#include "WorkerThread.h"

#include <QThread>

namespace keystead {

WorkerThread::WorkerThread(QString name)
    : m_name(std::move(name))
{
}

WorkerThread::~WorkerThread()
{
    stop();
}

void WorkerThread::start(QObject *worker)
{
    stop();
    m_thread = std::make_unique<QThread>();
    m_thread->setObjectName(m_name);
    worker->moveToThread(m_thread.get());
    m_worker = worker;
    m_thread->start();
}

void WorkerThread::stop()
{
    if (!m_worker)
        return;
    // Objects that own sockets must be destroyed in the thread they live in.
    run([worker = m_worker] { delete worker; });
    m_worker = nullptr;
    m_thread->quit();
    m_thread->wait();
    m_thread.reset();
}

} // namespace keystead
