#include "WorkerThread.h"

#include <QThread>

#include <openssl/crypto.h>

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
    // OpenSSL keeps per-thread state (a DRBG made by libpq or TLS in this
    // thread): free it now, not in a TLS destructor that may run after the
    // process has moved on to exit.
    run([worker = m_worker] {
        delete worker;
        OPENSSL_thread_stop();
    });
    m_worker = nullptr;
    m_thread->quit();
    m_thread->wait();
    m_thread.reset();
}

} // namespace keystead
