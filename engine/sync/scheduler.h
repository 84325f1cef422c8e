#pragma once

#include "core/result.h"
#include "slack/slackerror.h"
#include "sync/synctypes.h"

#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace threadline {
class Store;
namespace slack {
class SlackClient;
class SlackApiJob;
} // namespace slack
} // namespace threadline

namespace threadline::sync {

//! Tuning of the Scheduler (from EngineOptions).
struct SchedulerOptions
{
    int maxConcurrentCalls = 8;
    int maintenanceShare = 5;
    //! A request with at least this many ready heads in a lane is a bulk sender (a fan-out)...
    int bulkHeads = 16;
    //! ...which leaves this many tokens of every method's budget, and one call slot, to the others.
    double bulkReserve = 2;
    int leaseMs = 60'000;
    int maxAttempts = 8;
    qint64 retryBaseMs = 1000;
    qint64 retryMaxMs = 5 * 60'000;
    QString instanceId;
    //! The lease fence: before each Slack call an execution's lease must still be valid for this
    //! long by this process's monotonic clock, or it is re-verified (and renewed) in the database
    //! first; a lease that cannot be re-verified abandons the job locally. < 0: a quarter of leaseMs.
    int leaseMarginMs = -1;
    //! This process's monotonic clock in ms. Empty: the steady clock (tests inject one they move).
    std::function<qint64()> monotonicMs;
    //! Tests: called before each Slack call of an execution, ahead of the lease check; the call
    //! goes on when `proceed` is called (at once, or later from the event loop).
    std::function<void(qint64 jobId, const QString &method, std::function<void()> proceed)> beforeSlackCall;
};

/*!
 * Runs the jobs table against Slack.
 *
 * - Heads: only the oldest open job of each ordering key (a conversation's fast lane, or its
 *   maintenance lane) may run, and at most one job per key is in flight: replies arrive in desk order.
 * - Lanes: the fast lane goes first; when both lanes have a ready head, at least one dispatch in
 *   maintenanceShare is a maintenance job.
 * - Fairness: within a lane the ready heads are served round-robin over requests, so a request
 *   with thousands of followers takes one turn in n, not the whole queue. A bulk request (at least
 *   bulkHeads ready heads) never takes the last bulkReserve tokens of a method's budget nor the
 *   last call slot: a small request's reply finds both free the moment it is planned.
 * - Rate limits: the SlackRateLimiter is asked before each call; a head whose method or channel is
 *   limited waits without blocking the others; a 429 pauses what was limited for Retry-After.
 * - Intents: claiming a job marks it in_flight with a lease and counts the attempt (committed
 *   before the Slack call). A post whose outcome is unknown (crash, timeout, 5xx, reset) is
 *   reconciled on its next attempt: the thread is searched for the message's metadata marker
 *   before anything is posted again.
 * - Leases and the fence: leases are renewed every leaseMs / 3. Before each Slack call an execution
 *   checks its lease by this process's monotonic clock; near its end (or after a renewal touched no
 *   row) it re-verifies the lease in the database, and abandons the job (Lost) when it is gone.
 *   Results are written only while lease_owner is still this instance (docs/sync.md).
 * - Failures: Retry → backoff with jitter; WaitThenRetry → Retry-After; FixConfiguration → every
 *   job stays, dispatching pauses (reauthorizationNeeded); GiveUp → the job ends in `failed` and
 *   the reason is written to thread_messages / conversations.last_error.
 */
class Scheduler : public QObject
{
    Q_OBJECT

public:
    Scheduler(Store *store, slack::SlackClient *slack, const SchedulerOptions &options,
              QObject *parent = nullptr);
    ~Scheduler() override;

    //! Releases expired leases (and this instance's own leases from a previous run), then dispatches.
    void start();
    //! Dispatches nothing new; drained() is emitted when no call is in flight.
    void stop();
    //! After a FixConfiguration failure: resume dispatching (the token was fixed).
    void resume();
    bool isRunning() const { return m_running; }
    bool isPaused() const { return m_paused; }

    //! A new client after a token change (the rate limiter state starts afresh).
    void setSlackClient(slack::SlackClient *slack) { m_slack = slack; }

    //! The jobs table changed (planner, retry): reload the heads.
    void jobsChanged();
    //! Jobs were only added (the in-process planner): load the heads among the new jobs, without a
    //! full reload of every open key (which costs as much as the backlog of a big fan-out).
    void jobsAdded();
    //! The periodic poll: reloads the heads when another process added jobs or a lease expired
    //! (and every 10 s, for jobs another process put back), cheaply otherwise.
    void poll();

    int inFlight() const { return int(m_running_.size() + m_finished.size()); }
    qint64 rateLimitWaits() const { return m_rateLimitWaits; }
    qint64 rateLimited() const { return m_rateLimited; }
    qint64 dispatched() const { return m_dispatched; }
    //! Executions that lost their lease (a renewal touched no row, or the re-verification before a
    //! Slack call failed): they make no further call. And results dropped because another process
    //! owned the job by the time they were recorded.
    qint64 leasesLost() const { return m_leasesLost; }
    qint64 resultsDropped() const { return m_resultsDropped; }

    static QString methodFor(const QString &kind, bool needsChannel, bool reconcile);

Q_SIGNALS:
    void drained();
    //! A token or scope problem: dispatching paused, nothing lost.
    void reauthorizationNeeded(const threadline::Error &error);
    void threadStateChanged(qint64 requestId, qint64 conversationId, qint64 updateId);
    void progressed();

public:
    //! What a job's execution reads from the store, read in the claim's transaction.
    struct Context
    {
        bool loaded = false;
        qint64 personId = 0;
        QString slackUserId;
        QString channel;
        QString summaryTs;
        QString convState;
        QString rowState; //!< thread_messages.state for (conversation, update)
        QString rowTs;
        bool hasUpdate = false; //!< the update row exists (jobs with an update id)
        bool updateDeleted = false;
        QString updateText;
        QString authorName;
    };

    struct Job
    {
        qint64 id = 0;
        Lane lane = Lane::Fast;
        QString kind;
        QString orderingKey;
        qint64 requestId = 0;
        qint64 conversationId = 0;
        qint64 updateId = 0;
        int attempts = 0;
        bool uncertain = false;
        qint64 notBefore = 0;
        QJsonObject payload;
        QString channel; //!< the conversation's DM channel when known (for the rate limiter)
        QString personSlackId;
        Context ctx;
    };

    //! How an execution ended.
    struct Outcome
    {
        enum class Kind
        {
            Done,
            Failed,      //!< GiveUp: the job ends in `failed`
            Retry,       //!< transient: backoff
            RateLimited, //!< 429: wait retryAfterMs, no attempt counted
            Deferred,    //!< the limiter asked to wait before a later step; no attempt counted
            Reauthorize, //!< token problem: keep the job, pause
            Lost,        //!< the lease was lost (expired, taken over): abandoned, nothing recorded
        };
        Kind kind = Kind::Done;
        Error error;
        qint64 delayMs = 0;
        bool uncertain = false; //!< a post may have reached Slack
        //! The result to record (thread_messages, conversations) in the transaction that ends the job.
        std::function<Result<void>()> apply;
    };

    //! The lease fence of one execution: before a Slack call `method`, `then(true)` when the lease is
    //! still this instance's (re-verified in the database when near its end), `then(false)` when
    //! the job must be abandoned without the call (end it with Outcome::Kind::Lost).
    using Fence = std::function<void(const QString &method, std::function<void(bool held)> then)>;

    //! Job kinds run outside the scheduler (the files pipeline's transfers, docs/files.md): claimed,
    //! ordered, rate-checked and finished like the others.
    struct ExternalKinds
    {
        std::function<bool(const QString &kind)> handles;
        std::function<QString(const QString &kind)> method; //!< first Slack method (rate limiter)
        //! \a fence is the lease fence: ask it before each Slack call (docs/sync.md).
        std::function<void(const Job &job, Fence fence, std::function<void(const Outcome &)> done)> run;
        //! In the transaction that marks the job `failed`: show the reason where the desk looks.
        std::function<Result<void>(const Job &job, const QString &error)> recordFailure;
    };
    void setExternalKinds(ExternalKinds kinds) { m_external = std::move(kinds); }
    bool isExternal(const QString &kind) const { return m_external.handles && m_external.handles(kind); }

private:
    class Execution;
    friend class Execution;

    void pump();
    void reloadHeads();
    void loadHead(const QString &orderingKey);
    void loadNewHeads();
    std::optional<Job> pick(qint64 now, qint64 *wakeAt, bool bulkMayTakeSlot);
    std::optional<Job> pickInLane(int lane, qint64 now, qint64 *wakeAt, bool bulkMayTakeSlot);
    //! Claims the picked jobs in one transaction and reads their contexts; returns those claimed.
    std::vector<Job> claimBatch(std::vector<Job> picks, qint64 now);
    Result<bool> claimOne(Job &job, qint64 now);
    Result<void> loadContext(Job &job);
    //! Queues an execution's end; the next pump() records it (with the others) in one transaction.
    void finish(const Job &job, const Outcome &outcome);
    void flushResults();
    //! False when the job is no longer this instance's: nothing was written.
    Result<bool> record(const Job &job, const Outcome &outcome, qint64 now);
    Result<void> releaseLeases();
    void renewLeases();
    qint64 monotonicNow() const;
    int leaseMarginMs() const;
    //! In the database: extends the lease of a job this instance still holds (in flight, same
    //! owner, not expired). False when the lease is gone.
    Result<bool> reverifyLease(qint64 jobId);

    struct Finished
    {
        Job job;
        Outcome outcome;
        Execution *execution = nullptr;
    };

    Store *m_store;
    slack::SlackClient *m_slack;
    SchedulerOptions m_options;
    ExternalKinds m_external;
    // Ready-or-waiting heads per lane: request id → (job id → job).
    std::map<qint64, std::map<qint64, Job>> m_heads[2];
    qint64 m_lastRequest[2] = {0, 0};
    QSet<QString> m_busyKeys;
    std::map<qint64, Execution *> m_running_;
    std::vector<Finished> m_finished; //!< ended, result not recorded yet (their keys stay busy)
    qint64 m_maxJobId = 0;            //!< highest job id seen by the last reload
    qint64 m_lastReloadAt = 0;        //!< when the heads were last reloaded in full
    int m_fastStreak = 0;
    bool m_running = false;
    bool m_paused = false;
    bool m_dirty = true;
    bool m_added = false; //!< jobs were added since the last load: load the new heads
    qint64 m_rateLimitWaits = 0;
    qint64 m_rateLimited = 0;
    qint64 m_dispatched = 0;
    qint64 m_leasesLost = 0;
    qint64 m_resultsDropped = 0;
    QTimer m_timer;
    QTimer m_leaseTimer;
};

} // namespace threadline::sync
