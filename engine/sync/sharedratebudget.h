#pragma once

#include "core/result.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

namespace threadline {
class Store;
namespace slack {
class SlackRateLimiter;
}
} // namespace threadline

namespace threadline::sync {

/*!
 * One Slack rate budget for every engine process on a database (docs/scale-out.md).
 *
 * Each process keeps a heartbeat row in `engine_instances`; every tick it counts the live
 * processes N (heartbeat younger than staleMs) and gives its limiter share 1/N of every method,
 * workspace and channel budget, so together they stay within Slack's limits. A 429 seen by one
 * process is written to `rate_pauses` (bucket, paused until, wall clock) at once and every other
 * process pauses the same bucket on its next tick. A process that stops deletes its row; one that
 * dies stops counting after staleMs and the others take its share.
 */
class SharedRateBudget : public QObject
{
    Q_OBJECT

public:
    SharedRateBudget(Store *store, QString instanceId, int intervalMs = 500, QObject *parent = nullptr);
    ~SharedRateBudget() override;

    //! The limiter whose share this budget sets (replaced when the Slack client is recreated).
    void attach(slack::SlackRateLimiter *limiter);
    void start();
    //! Stops ticking and removes this process's heartbeat, so the others take its share at once.
    void stop();

    //! One heartbeat: write ours, count the live processes, apply their pauses.
    Result<void> tick();
    int liveInstances() const { return m_live; }
    int intervalMs() const { return m_intervalMs; }
    qint64 staleMs() const { return 4LL * m_intervalMs; }

private:
    void publishPause(const QString &key, qint64 untilLocalMs);

    Store *m_store;
    QString m_instanceId;
    int m_intervalMs;
    slack::SlackRateLimiter *m_limiter = nullptr;
    QTimer m_timer;
    int m_live = 1;
    qint64 m_lastCleanup = 0;
};

} // namespace threadline::sync
