#pragma once

#include "core/configuration.h"
#include "core/result.h"
#include "files/filesoptions.h"
#include "slack/slackconfig.h"
#include "slack/slackconnectionstate.h"
#include "store/storetypes.h"
#include "sync/inboundreceiver.h"
#include "sync/synctypes.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>

class QIODevice;
class QNetworkAccessManager;
class QTimer;

namespace threadline {
class Store;
namespace files {
class FileTransfers;
class FilePlanner;
} // namespace files
namespace slack {
class SlackClient;
class SocketModeClient;
class SlackEventsReceiver;
} // namespace slack
} // namespace threadline

namespace threadline::sync {

class Planner;
class Scheduler;
class SharedRateBudget;
class InboundProcessor;
class InboundReceiptThread;
class InboundWriteGate;
using InboundReceiptStats = InboundReceiver::Stats;

//! Everything an Engine needs. Secrets are never logged.
struct EngineOptions
{
    QString databaseUrl;                  //!< sqlite:/path/file.db or postgresql://…
    slack::SlackConfig slack;             //!< API URL, bot token, app token, signing secret
    ListenAddress eventsListen;           //!< HTTP Events receiver; null = Socket Mode (inbound side)
    QNetworkAccessManager *nam = nullptr; //!< injected, never owned; required
    bool inboundEnabled = true;           //!< false: outbound only (tests, tools)
    //! Called on the inbound receipt thread with the new Socket Mode client (intervals; tests).
    std::function<void(slack::SocketModeClient *)> configureSocket;

    int maxConcurrentCalls = 8; //!< Slack calls in flight at once
    int maintenanceShare = 5;   //!< when both lanes are ready, at least 1 in N dispatches is maintenance
    int catchUpLimit = 20;      //!< updates replayed into the thread of a new follower
    int pollIntervalMs = 1000;  //!< change_log poll for writes from other processes
    int leaseMs = 60'000;       //!< an in_flight job whose lease expired is reconciled
    int maxAttempts = 8;        //!< Retry-class failures before a job ends in `failed`
    qint64 retryBaseMs = 1000;  //!< backoff base (jittered, doubling)
    qint64 retryMaxMs = 5 * 60'000;
    QString instanceId; //!< lease owner; empty = stable per machine and database
    //! The lease fence (docs/sync.md): a Slack call needs this much lease left by the local clock,
    //! or the lease is re-verified in the database first. < 0: a quarter of leaseMs.
    int leaseMarginMs = -1;
    //! Tests: the scheduler's monotonic clock and a hook before each of its Slack calls
    //! (SchedulerOptions::monotonicMs, beforeSlackCall).
    std::function<qint64()> monotonicMs;
    std::function<void(qint64 jobId, const QString &method, std::function<void()> proceed)> beforeSlackCall;
    //! Multiplies every rate budget of the client's limiter (Slack's published tiers, ~1/s per
    //! channel). 1 for Slack; a sandbox running its clock N times faster takes N.
    double rateLimitScale = 1.0;
    //! On PostgreSQL, share one Slack rate budget with the other engine processes on the database
    //! (SharedRateBudget, docs/scale-out.md). Ignored on SQLite (one process).
    bool sharedRateBudget = true;
    int sharedRateBudgetIntervalMs = 500; //!< heartbeat; a process silent 4 intervals stops counting
    //! `done` jobs are deleted this long after they ended (configuration key sync_retention_days,
    //! THREADLINE_SYNC_RETENTION_DAYS; default 7 days); <= 0 keeps them. change_log rows are
    //! deleted once every consumer's cursor has passed them.
    qint64 jobRetentionMs = 7LL * 24 * 3600 * 1000;
    int pruneIntervalMs = 10 * 60'000; //!< how often pruning runs (and once at start)
    //! The files pipeline (docs/files.md): store directory, size cap, allowed types, download hosts.
    files::FilesOptions files;

    //! Fills the database and Slack fields from the shared configuration.
    static EngineOptions fromConfiguration(const Configuration &configuration, QNetworkAccessManager *nam);
};

/*!
 * The sync engine facade used by threadlined and the console: it owns the Store (on the thread it
 * lives on), the SlackClient, the Planner (change_log → jobs), the Scheduler (jobs → Slack calls)
 * and the inbound side (Slack events → inbox → desk operations).
 *
 * start() opens the database (migrations included) and runs auth.test; dispatching begins once
 * Slack accepted the token. A refused token gives NeedsReauthorization (visible, no retry loop,
 * every job kept); setBotToken() or start() again resumes. stop() is graceful: nothing new is
 * dispatched, in-flight calls finish (or stay as reconcilable intents), then stopped() is emitted.
 *
 * Desk writes may go through store() (this thread) or any other connection to the same database
 * (AsyncStore, another process): the durable change feed (change_log) carries them to the Planner;
 * in-process changes only make it run sooner.
 */
class Engine : public QObject
{
    Q_OBJECT

public:
    explicit Engine(const EngineOptions &options, QObject *parent = nullptr);
    ~Engine() override;

    const EngineOptions &options() const { return m_options; }

    //! Opens the database and starts authentication. Fails when the database cannot be opened.
    Result<void> start();
    //! Stops dispatching; emits stopped() once no Slack call is in flight (maybe immediately).
    void stop();

    EngineState state() const { return m_state; }
    //! Why the current state was entered (user-facing; never contains a secret).
    const Error &stateReason() const { return m_stateReason; }
    slack::SlackConnectionState::State slackState() const;
    //! True when the inbound side (Socket Mode or HTTP Events) is connected/listening.
    bool inboundConnected() const { return m_inboundConnected; }
    //! Why the inbound side is not connected when it cannot recover by itself (Socket Mode
    //! disabled for the app, app token refused, database or listen address refused); empty otherwise.
    QString inboundProblem() const { return m_inboundProblem; }
    //! Counters of the inbound receipt (events stored, duplicates, not stored, slow receipts).
    InboundReceiptStats inboundReceiptStats() const;

    //! The engine's own store (valid after a successful start()). Same thread as the engine.
    Store *store() const { return m_store.get(); }
    slack::SlackClient *slackClient() const { return m_slack.get(); }

    //! Replaces the bot token (e.g. after NeedsReauthorization) and authenticates again.
    void setBotToken(const QString &token);

    // ---- Read API ------------------------------------------------------------------------------

    QueueStats queueStats() const;
    //! Every follower's thread of a request, with the per-update copy states.
    Result<RequestThreads> requestThreads(qint64 requestId);
    //! Jobs that ended in `failed`, newest first.
    Result<QList<JobInfo>> failedJobs(int limit = 100);

    // ---- Operations ----------------------------------------------------------------------------

    //! Puts a failed job back to pending (attempts reset). Returns the number of jobs requeued.
    Result<int> retryJob(qint64 jobId);
    Result<int> retryConversation(qint64 conversationId);
    Result<int> retryUpdate(qint64 updateId);

    //! Stores a file for a desk update (streamed into the files store; size cap, allowed types and
    //! signature checked). Pass the result in NewUpdate::attachments: every follower's thread but the
    //! poster's gets the file (docs/files.md, "From the desk").
    Result<Attachment> storeAttachment(QIODevice &source, const QString &name, const QString &mimeType);
    //! The files store (where attachments' bytes live), for the API and the console.
    QString filesDirectory() const { return m_options.files.storeDir; }

    //! Makes the planner read the change feed now (e.g. after a write through another connection).
    void nudge();
    //! One pruning pass (see EngineOptions::jobRetentionMs); the engine runs it periodically.
    Result<PruneCounts> prune();

Q_SIGNALS:
    void stateChanged(threadline::sync::EngineState state, const QString &reason);
    void slackStateChanged(threadline::slack::SlackConnectionState::State state);
    void inboundStateChanged(bool connected);
    //! Emitted at most every few hundred milliseconds while the queue moves.
    void queueStatsChanged(const threadline::sync::QueueStats &stats);
    //! A conversation's summary or an update's copy changed state (ids only; read requestThreads()).
    void threadStateChanged(qint64 requestId, qint64 conversationId, qint64 updateId);
    void stopped();

private:
    void setState(EngineState state, const Error &reason = {});
    void onSlackStateChanged(slack::SlackConnectionState::State state);
    void onIdle();
    void startInbound();
    void createSlackClient();
    void wireFiles();
    void stopInbound();
    void onPruneTimer();
    Result<int> requeue(const QString &where, const QVariantList &binds);

    EngineOptions m_options;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<slack::SlackClient> m_slack;
    Planner *m_planner = nullptr;
    Scheduler *m_scheduler = nullptr;
    SharedRateBudget *m_budget = nullptr;    //!< PostgreSQL only
    files::FileTransfers *m_files = nullptr; //!< file jobs, run by the scheduler
    files::FilePlanner *m_filePlanner = nullptr;
    // Inbound side (engine/sync/inbound*), created once Slack authenticated us (own echoes): the
    // receipt (socket or HTTP listener, inbox INSERT, ack) on its own thread, the processor here.
    InboundReceiptThread *m_inbound = nullptr;
    std::shared_ptr<InboundWriteGate> m_writeGate; //!< SQLite only
    InboundProcessor *m_processor = nullptr;
    EngineState m_state = EngineState::Stopped;
    Error m_stateReason;
    bool m_inboundConnected = false;
    QString m_inboundProblem;
};

} // namespace threadline::sync
