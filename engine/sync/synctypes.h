#pragma once

#include "core/result.h"
#include "files/filestates.h"

#include <QList>
#include <QMetaType>
#include <QString>

// Plain value types of the sync engine. They cross threads and signals, so they hold only values.
// The durable contract behind them (tables, states, job kinds) is documented in docs/sync.md.

namespace threadline::sync {

//! The two durable lanes of the jobs table.
enum class Lane
{
    Fast,        //!< thread replies, edits, deletes, summaries of new conversations, notes
    Maintenance, //!< summary refreshes (coalesced), reconciliation, later file transfers
};

QString laneName(Lane lane);

//! What the engine as a whole is doing.
enum class EngineState
{
    Stopped,
    Starting,             //!< database open, auth.test in flight
    Running,              //!< dispatching jobs
    NeedsReauthorization, //!< the bot token was refused; jobs are kept, nothing is dispatched
    Stopping,             //!< waiting for in-flight Slack calls to finish
    Failed,               //!< the database could not be opened; see stateReason()
};

QString engineStateName(EngineState state);

//! Queue figures for /api/v1/queues, /metrics and the console's status bar.
struct QueueStats
{
    int fastPending = 0;        //!< jobs waiting in the fast lane
    int maintenancePending = 0; //!< jobs waiting in the maintenance lane
    int inFlight = 0;           //!< jobs claimed (in_flight) in the database, or Slack calls running here
    int failed = 0;             //!< jobs that ended in `failed` (visible, retryable)
    qint64 rateLimitWaits = 0;  //!< dispatch decisions deferred by the rate limiter since start
    qint64 rateLimited = 0;     //!< 429 / ratelimited answers received since start
    qint64 dispatched = 0;      //!< Slack calls started since start
    qint64 changeFeedLag = 0;   //!< change_log rows not yet planned

    bool operator==(const QueueStats &) const = default;
};

//! One update's copy in one thread (a row of thread_messages).
struct ThreadMessageState
{
    qint64 updateId = 0;
    QString ts;    //!< the Slack ts of the copy (or the author's original); empty until posted
    QString state; //!< pending, posted, original, retained, deleted, skipped, failed
    QString lastError;
};

//! One follower's thread (a row of conversations) with the state of every update in it.
struct ThreadState
{
    qint64 conversationId = 0;
    qint64 personId = 0;
    QString personName;
    QString slackUserId;
    QString channelId; //!< the person's DM with the app; empty until opened
    QString summaryTs; //!< the thread's top message; empty until posted
    QString state;     //!< pending, active, closed, failed
    QString lastError;
    //! When Slack last took a write in this thread (the summary or a copy), ms since the epoch; 0: never.
    qint64 lastSyncMs = 0;
    QList<ThreadMessageState> messages;  //!< in desk order
    QList<files::ThreadFileState> files; //!< the files of the thread's updates, in desk order
};

//! Every thread of one request (GET /api/v1/requests/{id}/threads, the console's thread matrix).
struct RequestThreads
{
    qint64 requestId = 0;
    QList<ThreadState> threads; //!< ordered by conversation id
};

//! A job as the console and the API show it.
struct JobInfo
{
    qint64 id = 0;
    Lane lane = Lane::Fast;
    QString kind;
    qint64 requestId = 0;
    qint64 conversationId = 0;
    qint64 updateId = 0;
    QString state; //!< pending, in_flight, done, failed, cancelled
    int attempts = 0;
    QString lastError;
};

//! What one pruning pass deleted (Engine::prune()).
struct PruneCounts
{
    int changes = 0;         //!< change_log rows every consumer had passed
    int jobs = 0;            //!< `done` jobs older than the retention
    int idempotencyKeys = 0; //!< REST idempotency keys older than Store::IdempotencyKeyLifetimeMs
    bool more = false;       //!< a batch was full: there is more to delete
};

} // namespace threadline::sync

Q_DECLARE_METATYPE(threadline::sync::QueueStats)
Q_DECLARE_METATYPE(threadline::sync::EngineState)
