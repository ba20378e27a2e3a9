#pragma once

#include "collect/CollectChanges.h"
#include "common/Result.h"

#include <QObject>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace keystead {

class Clock;
class CollectSessionRepository;

// Marks pending sessions whose expiry has passed as expired (with their
// status_changed webhooks). Every collect read and write runs it first; the
// timer (start) lets the panel and webhooks learn of expiry without a read.
class CollectExpirySweep final : public QObject
{
    Q_OBJECT

public:
    CollectExpirySweep(CollectSessionRepository &repository, const Clock &clock, CollectAnnouncer announce,
                       QObject *parent = nullptr);

    // How many sessions it marked.
    Result<int> expireDue();
    // Runs expireDue() every `intervalMs` on this object's thread; 0 stops it.
    void start(int intervalMs);

private:
    CollectSessionRepository &m_repository;
    const Clock &m_clock;
    CollectAnnouncer m_announce;
    QTimer *m_timer = nullptr;
};

} // namespace keystead
