#include "ui/common/BackgroundTask.h"

#include <openssl/crypto.h>

namespace keystead::ui {

BackgroundTask::BackgroundTask(QString threadName)
    : m_threadName(std::move(threadName))
{
}

BackgroundTask::~BackgroundTask()
{
    wait();
}

void BackgroundTask::wait()
{
    if (m_thread)
        m_thread->wait();
}

void BackgroundTask::threadEnding()
{
    // OpenSSL keeps per-thread state (the DRBG); free it before the thread ends, as WorkerThread does.
    OPENSSL_thread_stop();
}

} // namespace keystead::ui
