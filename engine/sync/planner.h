#pragma once

#include "core/result.h"
#include "sync/synctypes.h"

#include <QObject>
#include <QTimer>

#include <functional>

namespace threadline {
class Store;
}

namespace threadline::sync {

/*!
 * Turns the durable change feed (change_log) into jobs. Reads the rows after its persisted cursor
 * (sync_cursors 'planner') in id order, writes the conversations, thread_messages rows and jobs
 * they imply, and advances the cursor, all in one transaction: a crash before COMMIT re-plans the
 * same rows, a crash after it plans nothing twice. Job inserts also carry a unique dedupe_key.
 *
 * schedule() runs it soon on the event loop (coalesced); in-process store changes and a periodic
 * poll call it. On PostgreSQL an advisory lock makes one planner run at a time across processes.
 */
class Planner : public QObject
{
    Q_OBJECT

public:
    Planner(Store *store, int catchUpLimit, QObject *parent = nullptr);

    //! Plans up to \a batch change rows now. Returns the number of change rows consumed.
    Result<int> runOnce(int batch = 500);
    //! Runs the planner from the event loop (coalesced) until the feed is drained.
    void schedule();
    //! change_log rows after the cursor.
    Result<qint64> lag();

    //! Called in the planning transaction for each update replayed into a new follower's thread
    //! (catch-up), right after its reply is queued: the files pipeline queues the update's files
    //! there (returns the number of jobs created).
    using CatchUpHook = std::function<Result<int>(qint64 requestId, qint64 conversationId, qint64 updateId)>;
    void setCatchUpHook(CatchUpHook hook) { m_catchUpHook = std::move(hook); }

    //! Deletes, at most \a batch of each per call, the change_log rows every consumer has passed
    //! (id at or below the lowest sync_cursors position) and the `done` jobs last updated before
    //! \a jobsBefore (ms since the epoch). Failed and open jobs are kept.
    Result<PruneCounts> prune(qint64 jobsBefore, int batch = 5000);

Q_SIGNALS:
    //! Jobs were created (the scheduler reloads its heads).
    void planned(int changes, int jobs);
    void failed(const threadline::Error &error);

private:
    struct Change;
    Result<void> plan(const Change &change);
    Result<void> planFollowing(qint64 changeId, qint64 requestId, qint64 personId);
    Result<void> planUpdatePosted(qint64 changeId, qint64 requestId, qint64 updateId);
    Result<void> planUpdateEdited(qint64 changeId, qint64 updateId);
    Result<void> planUpdateDeleted(qint64 changeId, qint64 updateId);
    Result<void> planRefresh(qint64 changeId, qint64 requestId);
    Result<void> planUnfollow(qint64 changeId, qint64 requestId, qint64 personId);
    Result<qint64> ensureConversation(qint64 requestId, qint64 personId, bool *created);
    Result<bool> addReply(qint64 changeId, qint64 requestId, qint64 conversationId, qint64 updateId);
    Result<void> catchUp(qint64 changeId, qint64 requestId, qint64 conversationId, qint64 personId);
    Result<bool> addJob(const QString &lane, const QString &kind, qint64 requestId, qint64 conversationId,
                        qint64 updateId, const QString &dedupeKey, const QString &payload = {});
    void onTimer();

    Store *m_store;
    int m_catchUpLimit;
    int m_jobsCreated = 0;
    CatchUpHook m_catchUpHook;
    QTimer m_timer;
};

} // namespace threadline::sync
