#include "sync/engine.h"

#include "core/logging.h"
#include "files/fileplanner.h"
#include "files/filetransfers.h"
#include "slack/slackclient.h"
#include "slack/slackevent.h"
#include "slack/slackratelimiter.h"
#include "store/databaseurl.h"
#include "store/store.h"
#include "sync/inboundprocessor.h"
#include "sync/inboundreceiptthread.h"
#include "sync/inboundwritegate.h"
#include "sync/planner.h"
#include "sync/scheduler.h"
#include "sync/sharedratebudget.h"

#include <QCryptographicHash>
#include <QSysInfo>
#include <QTimer>

#include <limits>

namespace threadline::sync {

EngineOptions EngineOptions::fromConfiguration(const Configuration &configuration, QNetworkAccessManager *nam)
{
    EngineOptions o;
    o.databaseUrl = configuration.database;
    o.slack.apiUrl = slack::SlackConfig::normalizedApiUrl(configuration.slackApiUrl);
    o.slack.botToken = configuration.slackBotToken;
    o.slack.appToken = configuration.slackAppToken;
    o.slack.signingSecret = configuration.slackSigningSecret;
    o.eventsListen = configuration.eventsListen;
    o.jobRetentionMs = qint64(configuration.syncRetentionDays) * 24 * 3600 * 1000;
    o.maxAttempts = configuration.syncMaxAttempts;
    o.instanceId = configuration.instanceId;
    o.nam = nam;
    o.files = files::FilesOptions::fromConfiguration(configuration);
    return o;
}

namespace {

// Stable across restarts on one machine, so a restarted engine takes back (and reconciles) its
// own in-flight jobs at once instead of waiting for their leases to expire.
QString defaultInstanceId(const QString &databaseUrl)
{
    const QByteArray hash =
        QCryptographicHash::hash(databaseUrl.toUtf8(), QCryptographicHash::Sha256).toHex().left(12);
    return QSysInfo::machineHostName() + QLatin1Char('/') + QString::fromLatin1(hash);
}

} // namespace

Engine::Engine(const EngineOptions &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
{
    if (m_options.instanceId.isEmpty())
        m_options.instanceId = defaultInstanceId(m_options.databaseUrl);
    qRegisterMetaType<QueueStats>();
    qRegisterMetaType<EngineState>();
}

Engine::~Engine()
{
    stopInbound();
    // Before the store and the client they use go (the receipt thread is joined here).
    delete m_inbound;
    m_inbound = nullptr;
    delete m_processor;
    m_processor = nullptr;
    delete m_budget; // it holds the client's limiter
    m_budget = nullptr;
    delete m_scheduler; // executions first: they use the client and the store
    m_scheduler = nullptr;
    delete m_files;
    m_files = nullptr;
    delete m_filePlanner;
    m_filePlanner = nullptr;
    delete m_planner;
    m_planner = nullptr;
}

slack::SlackConnectionState::State Engine::slackState() const
{
    return m_slack ? m_slack->connectionState()->state() : slack::SlackConnectionState::State::Disconnected;
}

void Engine::setState(EngineState state, const Error &reason)
{
    if (m_state == state && m_stateReason.message == reason.message)
        return;
    m_state = state;
    m_stateReason = reason;
    qCInfo(lcSync) << "engine state:" << engineStateName(state) << reason.message;
    Q_EMIT stateChanged(state, reason.message);
}

Result<void> Engine::start()
{
    if (m_state == EngineState::Running || m_state == EngineState::Starting)
        return {};
    if (!m_options.nam)
        return makeError(ErrorCode::Invalid, QStringLiteral("The engine needs a QNetworkAccessManager"));
    if (!m_store) {
        auto store = std::make_unique<Store>();
        if (auto r = store->open(m_options.databaseUrl); !r) {
            setState(EngineState::Failed, r.error());
            return r;
        }
        m_store = std::move(store);
        // SQLite: inbox receipts (on their own thread and connection) take the write lock before
        // the engine's next write transaction, so an ack waits for at most one of them.
        if (const auto url = DatabaseUrl::parse(m_options.databaseUrl);
            url && url.value().backend == DatabaseUrl::Backend::Sqlite &&
            url.value().path != QLatin1String(":memory:")) {
            m_writeGate = InboundWriteGate::forDatabase(url.value().path);
            auto gate = m_writeGate;
            m_store->setWriteHooks([gate] { gate->lock(); }, [gate] { gate->unlock(); });
            // Checkpoints outside any write transaction (and so outside the gate): an automatic
            // one runs inside the COMMIT that crosses the threshold and would hold receipts up.
            if (auto q = m_store->exec(QStringLiteral("PRAGMA wal_autocheckpoint=0")); q)
                QueryGuard guard(q.value());
            auto *checkpoint = new QTimer(this);
            checkpoint->setObjectName(QStringLiteral("walCheckpoint"));
            checkpoint->setInterval(1000);
            connect(checkpoint, &QTimer::timeout, this, [this] {
                if (auto q = m_store->exec(QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)")); q)
                    QueryGuard guard(q.value());
            });
            checkpoint->start();
        }
        m_planner = new Planner(m_store.get(), m_options.catchUpLimit, this);
        SchedulerOptions so;
        so.maxConcurrentCalls = m_options.maxConcurrentCalls;
        so.maintenanceShare = m_options.maintenanceShare;
        so.leaseMs = m_options.leaseMs;
        so.maxAttempts = m_options.maxAttempts;
        so.retryBaseMs = m_options.retryBaseMs;
        so.retryMaxMs = m_options.retryMaxMs;
        so.instanceId = m_options.instanceId;
        so.leaseMarginMs = m_options.leaseMarginMs;
        so.monotonicMs = m_options.monotonicMs;
        so.beforeSlackCall = m_options.beforeSlackCall;
        m_scheduler = new Scheduler(m_store.get(), nullptr, so, this);
        if (m_options.sharedRateBudget && m_store->backend() == DatabaseUrl::Backend::Postgres)
            m_budget = new SharedRateBudget(m_store.get(), m_options.instanceId,
                                            m_options.sharedRateBudgetIntervalMs, this);
        wireFiles();
        connect(m_store.get(), &Store::changed, m_planner, &Planner::schedule);
        connect(m_planner, &Planner::planned, this, [this](int, int jobs) {
            if (jobs > 0)
                m_scheduler->jobsAdded(); // the planner only inserts jobs
            onIdle();
        });
        connect(m_scheduler, &Scheduler::progressed, this, &Engine::onIdle);
        connect(m_scheduler, &Scheduler::threadStateChanged, this, &Engine::threadStateChanged);
        connect(m_scheduler, &Scheduler::reauthorizationNeeded, this, [this](const Error &error) {
            if (m_slack)
                m_slack->connectionState()->setState(slack::SlackConnectionState::State::NeedsReauthorization,
                                                     error);
        });
        connect(m_scheduler, &Scheduler::drained, this, [this] {
            if (m_state == EngineState::Stopping) {
                setState(EngineState::Stopped);
                Q_EMIT stopped();
            }
        });
        auto *poll = new QTimer(this);
        poll->setObjectName(QStringLiteral("changeFeedPoll"));
        poll->setInterval(std::max(50, m_options.pollIntervalMs));
        connect(poll, &QTimer::timeout, m_planner, &Planner::schedule);
        connect(poll, &QTimer::timeout, m_filePlanner, &files::FilePlanner::schedule);
        // Jobs planned or released by another process sharing the database.
        connect(poll, &QTimer::timeout, m_scheduler, &Scheduler::poll);
        poll->start();
        auto *pruneTimer = new QTimer(this);
        pruneTimer->setObjectName(QStringLiteral("prune"));
        pruneTimer->setSingleShot(true);
        connect(pruneTimer, &QTimer::timeout, this, &Engine::onPruneTimer);
        pruneTimer->start(0);
        auto *statsTimer = new QTimer(this);
        statsTimer->setObjectName(QStringLiteral("queueStats"));
        statsTimer->setSingleShot(true);
        statsTimer->setInterval(1000); // queueStats() counts the open jobs: not on every step
        connect(statsTimer, &QTimer::timeout, this, [this] { Q_EMIT queueStatsChanged(queueStats()); });
    }
    if (!m_slack)
        createSlackClient();
    if (m_budget)
        m_budget->start();
    setState(EngineState::Starting);
    if (auto *poll = findChild<QTimer *>(QStringLiteral("changeFeedPoll")))
        poll->start();
    m_planner->schedule();   // planning needs no Slack: the jobs are ready when Slack is
    m_slack->authenticate(); // the inbound side starts once we know who we are (own echoes)
    return {};
}

void Engine::onSlackStateChanged(slack::SlackConnectionState::State state)
{
    using S = slack::SlackConnectionState::State;
    Q_EMIT slackStateChanged(state);
    if (m_state == EngineState::Stopping || m_state == EngineState::Stopped)
        return;
    switch (state) {
    case S::Connected:
        setState(EngineState::Running);
        startInbound();
        if (m_scheduler->isRunning())
            m_scheduler->resume();
        else
            m_scheduler->start();
        break;
    case S::NeedsReauthorization:
    case S::Disabled:
        if (m_scheduler->isRunning() && !m_scheduler->isPaused())
            m_scheduler->stop();
        setState(EngineState::NeedsReauthorization, m_slack->connectionState()->reason());
        break;
    case S::Connecting:
    case S::Disconnected:
        break;
    }
}

void Engine::stop()
{
    if (m_state == EngineState::Stopped || m_state == EngineState::Stopping)
        return;
    stopInbound();
    if (auto *poll = findChild<QTimer *>(QStringLiteral("changeFeedPoll")))
        poll->stop();
    if (m_budget)
        m_budget->stop();
    setState(EngineState::Stopping);
    if (m_scheduler && m_scheduler->isRunning()) {
        m_scheduler->stop(); // emits drained() (now or when the last call ends)
        return;
    }
    setState(EngineState::Stopped);
    Q_EMIT stopped();
}

void Engine::setBotToken(const QString &token)
{
    m_options.slack.botToken = token;
    if (!m_store)
        return;
    // A new client with the new token; jobs kept in the table resume once auth.test passes.
    if (m_slack) {
        m_slack->connectionState()->disconnect(this);
        m_slack->disconnect(this);
        m_slack.release()->deleteLater();
    }
    createSlackClient();
    if (m_state == EngineState::NeedsReauthorization || m_state == EngineState::Running) {
        setState(EngineState::Starting);
        m_slack->authenticate();
    }
}

void Engine::wireFiles()
{
    // The token goes to the Slack API's origin with every call: files served from that origin (the
    // sandbox's) may have it too. Every other host must be in the allow-list.
    const QString apiOrigin = m_options.slack.apiUrl.toString(
        QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::StripTrailingSlash);
    if (m_options.slack.apiUrl.isValid() && m_options.slack.apiUrl.userInfo().isEmpty() &&
        !m_options.files.downloadHosts.contains(apiOrigin))
        m_options.files.downloadHosts << apiOrigin;
    m_files = new files::FileTransfers(m_store.get(), m_options.files, this);
    m_filePlanner = new files::FilePlanner(m_store.get(), this);
    m_planner->setCatchUpHook(
        [store = m_store.get()](qint64 requestId, qint64 conversationId, qint64 updateId) {
            return files::FilePlanner::planCatchUp(store, requestId, conversationId, updateId);
        });
    Scheduler::ExternalKinds kinds;
    kinds.handles = [](const QString &kind) { return files::FileTransfers::handles(kind); };
    kinds.method = [](const QString &kind) { return files::FileTransfers::firstMethod(kind); };
    auto toTransfer = [](const Scheduler::Job &job) {
        return files::TransferJob{job.id,       job.kind,     job.requestId, job.conversationId,
                                  job.updateId, job.attempts, job.payload,   {}};
    };
    kinds.run = [this, toTransfer](const Scheduler::Job &job, Scheduler::Fence fence,
                                   std::function<void(const Scheduler::Outcome &)> done) {
        files::TransferJob transfer = toTransfer(job);
        transfer.beforeCall = std::move(fence);
        m_files->run(transfer, [done](const files::TransferOutcome &t) {
            using K = Scheduler::Outcome::Kind;
            using T = files::TransferOutcome::Kind;
            Scheduler::Outcome o;
            switch (t.kind) {
            case T::Done:
                o.kind = K::Done;
                break;
            case T::Failed:
                o.kind = K::Failed;
                break;
            case T::Retry:
                o.kind = K::Retry;
                break;
            case T::RateLimited:
                o.kind = K::RateLimited;
                break;
            case T::Deferred:
                o.kind = K::Deferred;
                break;
            case T::Reauthorize:
                o.kind = K::Reauthorize;
                break;
            case T::Lost:
                o.kind = K::Lost;
                break;
            }
            o.error = t.error;
            o.delayMs = t.delayMs;
            done(o);
        });
    };
    kinds.recordFailure = [this, toTransfer](const Scheduler::Job &job, const QString &error) {
        return m_files->recordFailure(toTransfer(job), error);
    };
    m_scheduler->setExternalKinds(std::move(kinds));
    // The file planner follows the sync planner's cursor (the conversations exist by then).
    connect(m_planner, &Planner::planned, m_filePlanner, [this](int, int) { m_filePlanner->schedule(); });
    connect(m_store.get(), &Store::changed, m_filePlanner, &files::FilePlanner::schedule);
    connect(m_filePlanner, &files::FilePlanner::planned, m_scheduler, &Scheduler::jobsChanged);
    connect(m_files, &files::FileTransfers::jobsInserted, m_scheduler, &Scheduler::jobsChanged);
}

Result<Attachment> Engine::storeAttachment(QIODevice &source, const QString &name, const QString &mimeType)
{
    if (m_options.files.storeDir.isEmpty())
        return makeError(ErrorCode::Unavailable, QStringLiteral("No data directory is configured for files"));
    return files::storeDeskFile(files::FileStore(m_options.files.storeDir, m_options.files.writeBudget),
                                m_options.files, source, name, mimeType);
}

void Engine::createSlackClient()
{
    m_slack = std::make_unique<slack::SlackClient>(m_options.nam, m_options.slack);
    if (m_options.rateLimitScale != 1.0 && m_options.rateLimitScale > 0) {
        auto &limiter = m_slack->rateLimiter();
        const double k = m_options.rateLimitScale;
        for (auto tier : {slack::RateTier::Tier1, slack::RateTier::Tier2, slack::RateTier::Tier3,
                          slack::RateTier::Tier4, slack::RateTier::PostMessage, slack::RateTier::AuthTest}) {
            auto l = limiter.tierLimit(tier);
            limiter.setTierLimit(tier, {l.perMinute * k, l.burst});
        }
        auto c = limiter.channelLimit();
        limiter.setChannelLimit({c.perMinute * k, c.burst});
    }
    if (m_budget)
        m_budget->attach(&m_slack->rateLimiter());
    m_scheduler->setSlackClient(m_slack.get());
    m_files->setSlackClient(m_slack.get());
    connect(m_slack->connectionState(), &slack::SlackConnectionState::stateChanged, this,
            &Engine::onSlackStateChanged);
    connect(m_slack.get(), &slack::SlackClient::authenticated, this,
            [this] { onSlackStateChanged(slack::SlackConnectionState::State::Connected); });
}

void Engine::nudge()
{
    if (m_planner)
        m_planner->schedule();
}

Result<PruneCounts> Engine::prune()
{
    if (!m_store || !m_planner)
        return makeError(ErrorCode::Unavailable, QStringLiteral("The engine is not started"));
    const qint64 before = m_options.jobRetentionMs > 0 ? m_store->now() - m_options.jobRetentionMs
                                                       : std::numeric_limits<qint64>::min();
    return m_planner->prune(before);
}

void Engine::onPruneTimer()
{
    auto *t = findChild<QTimer *>(QStringLiteral("prune"));
    auto r = prune();
    if (!r)
        qCWarning(lcSync) << "pruning failed:" << r.error().toString();
    else if (r.value().changes + r.value().jobs + r.value().idempotencyKeys > 0)
        qCInfo(lcSync) << "pruned" << r.value().changes << "change_log rows," << r.value().jobs
                       << "finished jobs and" << r.value().idempotencyKeys << "expired idempotency keys";
    // A full batch: go on soon (between batches the event loop runs), else at the next interval.
    if (t)
        t->start(r && r.value().more ? 100 : std::max(1000, m_options.pruneIntervalMs));
}

void Engine::onIdle()
{
    if (auto *t = findChild<QTimer *>(QStringLiteral("queueStats")); t && !t->isActive())
        t->start();
}

QueueStats Engine::queueStats() const
{
    QueueStats s;
    if (!m_store)
        return s;
    if (auto q = m_store->exec(QStringLiteral("SELECT lane, state, COUNT(*) FROM jobs WHERE state IN "
                                              "('pending','in_flight','failed') GROUP BY lane, state"));
        q) {
        QueryGuard guard(q.value());
        while (q.value()->next()) {
            const bool fast = q.value()->value(0).toString() == QLatin1String("fast");
            const bool pending = q.value()->value(1).toString() == QLatin1String("pending");
            const int n = q.value()->value(2).toInt();
            if (q.value()->value(1).toString() == QLatin1String("in_flight"))
                s.inFlight += n; // claimed by this or another process (a dead one until its lease ends)
            else if (!pending)
                s.failed += n;
            else if (fast)
                s.fastPending += n;
            else
                s.maintenancePending += n;
        }
    }
    if (m_scheduler) {
        s.inFlight = std::max(s.inFlight, m_scheduler->inFlight());
        s.rateLimitWaits = m_scheduler->rateLimitWaits();
        s.rateLimited = m_scheduler->rateLimited();
        s.dispatched = m_scheduler->dispatched();
    }
    if (m_planner) {
        if (auto lag = m_planner->lag(); lag)
            s.changeFeedLag = lag.value();
    }
    return s;
}

Result<RequestThreads> Engine::requestThreads(qint64 requestId)
{
    if (!m_store)
        return makeError(ErrorCode::Unavailable, QStringLiteral("The engine is not started"));
    return m_store->readTransaction([&]() -> Result<RequestThreads> {
        RequestThreads out;
        out.requestId = requestId;
        {
            auto q = m_store->exec(
                QStringLiteral(
                    "SELECT c.id, c.person_id, p.name, p.slack_id, c.channel_id, "
                    "c.summary_ts, c.state, c.last_error, c.updated_at FROM conversations c JOIN people p "
                    "ON p.id = c.person_id WHERE c.request_id = ? ORDER BY c.id"),
                {requestId});
            if (!q)
                return q.error();
            QueryGuard guard(q.value());
            while (q.value()->next()) {
                ThreadState t;
                t.conversationId = q.value()->value(0).toLongLong();
                t.personId = q.value()->value(1).toLongLong();
                t.personName = q.value()->value(2).toString();
                t.slackUserId = q.value()->value(3).toString();
                t.channelId = q.value()->value(4).toString();
                t.summaryTs = q.value()->value(5).toString();
                t.state = q.value()->value(6).toString();
                t.lastError = q.value()->value(7).toString();
                if (!t.summaryTs.isEmpty())
                    t.lastSyncMs = q.value()->value(8).toLongLong();
                out.threads.append(t);
            }
        }
        auto q = m_store->exec(
            QStringLiteral(
                "SELECT t.conversation_id, t.update_id, t.slack_ts, t.state, t.last_error, t.updated_at "
                "FROM thread_messages t JOIN conversations c ON c.id = t.conversation_id "
                "WHERE c.request_id = ? ORDER BY t.conversation_id, t.update_id"),
            {requestId});
        if (!q)
            return q.error();
        QueryGuard guard(q.value());
        qsizetype at = 0;
        while (q.value()->next()) {
            const qint64 cid = q.value()->value(0).toLongLong();
            while (at < out.threads.size() && out.threads[at].conversationId < cid)
                ++at;
            if (at >= out.threads.size() || out.threads[at].conversationId != cid)
                continue;
            ThreadMessageState m;
            m.updateId = q.value()->value(1).toLongLong();
            m.ts = q.value()->value(2).toString();
            m.state = q.value()->value(3).toString();
            m.lastError = q.value()->value(4).toString();
            if (!m.ts.isEmpty()) // a copy Slack holds (posted, edited or deleted since)
                out.threads[at].lastSyncMs =
                    qMax(out.threads[at].lastSyncMs, q.value()->value(5).toLongLong());
            out.threads[at].messages.append(m);
        }
        auto files = files::FilePlanner::threadFiles(m_store.get(), requestId);
        if (!files)
            return files.error();
        for (ThreadState &t : out.threads)
            t.files = files.value().value(t.conversationId);
        return out;
    });
}

Result<QList<JobInfo>> Engine::failedJobs(int limit)
{
    if (!m_store)
        return makeError(ErrorCode::Unavailable, QStringLiteral("The engine is not started"));
    auto q = m_store->exec(
        QStringLiteral("SELECT id, lane, kind, request_id, conversation_id, update_id, state, "
                       "attempts, last_error FROM jobs WHERE state = 'failed' ORDER BY id DESC LIMIT ?"),
        {std::clamp(limit, 1, 1000)});
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    QList<JobInfo> out;
    while (q.value()->next()) {
        JobInfo j;
        j.id = q.value()->value(0).toLongLong();
        j.lane = q.value()->value(1).toString() == QLatin1String("fast") ? Lane::Fast : Lane::Maintenance;
        j.kind = q.value()->value(2).toString();
        j.requestId = q.value()->value(3).toLongLong();
        j.conversationId = q.value()->value(4).toLongLong();
        j.updateId = q.value()->value(5).toLongLong();
        j.state = q.value()->value(6).toString();
        j.attempts = q.value()->value(7).toInt();
        j.lastError = q.value()->value(8).toString();
        out.append(j);
    }
    return out;
}

Result<int> Engine::requeue(const QString &where, const QVariantList &binds)
{
    if (!m_store)
        return makeError(ErrorCode::Unavailable, QStringLiteral("The engine is not started"));
    auto r = m_store->transaction([&]() -> Result<int> {
        const qint64 now = m_store->now();
        // The rows the failed jobs marked go back to pending with them.
        auto a = m_store->execAffected(
            QStringLiteral(
                "UPDATE thread_messages SET state = 'pending', last_error = NULL, updated_at = ? WHERE "
                "state = 'failed' AND EXISTS (SELECT 1 FROM jobs j WHERE j.state = 'failed' AND j.kind = "
                "'post_reply' AND j.conversation_id = thread_messages.conversation_id AND j.update_id = "
                "thread_messages.update_id AND ") +
                where + QStringLiteral(")"),
            QVariantList{now} + binds);
        if (!a)
            return a.error();
        auto b = m_store->execAffected(
            QStringLiteral(
                "UPDATE conversations SET state = 'pending', last_error = NULL, updated_at = ? WHERE "
                "state = 'failed' AND EXISTS (SELECT 1 FROM jobs j WHERE j.state = 'failed' AND j.kind = "
                "'post_summary' AND j.conversation_id = conversations.id AND ") +
                where + QStringLiteral(")"),
            QVariantList{now} + binds);
        if (!b)
            return b.error();
        return m_store->execAffected(
            QStringLiteral("UPDATE jobs SET state = 'pending', attempts = 0, not_before = ?, "
                           "last_error = NULL, updated_at = ? WHERE state = 'failed' AND ") +
                where.trimmed().replace(QLatin1String("j."), QLatin1String("jobs.")),
            QVariantList{now, now} + binds);
    });
    if (r && r.value() > 0 && m_scheduler)
        m_scheduler->jobsChanged();
    return r;
}

Result<int> Engine::retryJob(qint64 jobId)
{
    return requeue(QStringLiteral("j.id = ?"), {jobId});
}

Result<int> Engine::retryConversation(qint64 conversationId)
{
    return requeue(QStringLiteral("j.conversation_id = ?"), {conversationId});
}

Result<int> Engine::retryUpdate(qint64 updateId)
{
    return requeue(QStringLiteral("j.update_id = ?"), {updateId});
}

InboundReceiptStats Engine::inboundReceiptStats() const
{
    return m_inbound ? m_inbound->stats() : InboundReceiptStats{};
}

void Engine::startInbound()
{
    if (!m_options.inboundEnabled || !m_store || !m_slack)
        return;
    const slack::SlackIdentity self = m_slack->identity();
    InboundReceiptOptions ro;
    ro.databaseUrl = m_options.databaseUrl;
    ro.appEndpoint = m_slack->appEndpoint();
    ro.signingSecret = m_options.slack.signingSecret;
    ro.eventsListen = m_options.eventsListen;
    ro.self = self;
    ro.configureSocket = m_options.configureSocket;
    ro.writeGate = m_writeGate;
    // An in-memory SQLite database cannot be opened a second time: its receipt shares this thread.
    const auto url = DatabaseUrl::parse(m_options.databaseUrl);
    Store *sameThread = url && url.value().backend == DatabaseUrl::Backend::Sqlite &&
                                url.value().path == QLatin1String(":memory:")
                            ? m_store.get()
                            : nullptr;
    if (m_processor) {
        m_processor->setIdentity(self);
        if (!m_processor->isRunning())
            m_processor->start();
        if (!m_inbound->isRunning()) {
            m_inboundProblem.clear();
            m_inbound->start(ro, sameThread);
        } else {
            m_inbound->setIdentity(self);
        }
        return;
    }
    m_processor = new InboundProcessor(m_store.get(), self, this);
    if (!m_options.files.storeDir.isEmpty())
        m_processor->setFileSink([this](qint64 requestId, qint64 updateId, qint64 conversationId,
                                        const slack::SlackEvent &ev) -> Result<void> {
            files::FileIntake intake{requestId, updateId, conversationId, ev.channel, ev.threadTs, ev.ts};
            auto r = files::recordSlackFiles(m_store.get(), m_options.files, intake, ev.files);
            if (!r)
                return r.error();
            return {};
        });
    m_inbound = new InboundReceiptThread(this);
    connect(m_inbound, &InboundReceiptThread::stored, m_processor, [this] { m_processor->wake(); });
    // Jobs the processor inserts directly (helpful replies) do not go through the change feed:
    // wake the scheduler now instead of on its next poll.
    connect(m_processor, &InboundProcessor::rowProcessed, this, [this] { nudge(); });
    connect(m_inbound, &InboundReceiptThread::connectedChanged, this, [this](bool connected) {
        if (connected)
            m_inboundProblem.clear();
        if (m_inboundConnected == connected)
            return;
        m_inboundConnected = connected;
        Q_EMIT inboundStateChanged(connected);
    });
    const auto problem = [this](const QString &text) {
        m_inboundProblem = text;
        qCWarning(lcSync).noquote() << "inbound:" << text;
        // Outbound keeps running; the reason is shown with the engine's state.
        if (m_state == EngineState::Running)
            setState(EngineState::Running, makeError(ErrorCode::Unavailable, text));
    };
    connect(m_inbound, &InboundReceiptThread::disabled, this, [problem](const QString &reason) {
        problem(QStringLiteral("Slack disabled Socket Mode for this app (%1): no events are received. "
                               "Enable Socket Mode in the app's settings, then restart the engine.")
                    .arg(reason));
    });
    connect(m_inbound, &InboundReceiptThread::authenticationFailed, this, [problem](const Error &error) {
        problem(QStringLiteral("Slack refused the app-level token (%1): no events are received. "
                               "Set a valid THREADLINE_SLACK_APP_TOKEN, then restart the engine.")
                    .arg(error.detail.isEmpty() ? error.message : error.detail));
    });
    connect(m_inbound, &InboundReceiptThread::startFailed, this, [problem](const Error &error) {
        problem(QStringLiteral("The inbound side cannot start: %1").arg(error.message));
    });
    m_inbound->start(ro, sameThread);
    m_processor->start();
}

void Engine::stopInbound()
{
    if (m_inbound)
        m_inbound->stop();
    if (m_processor)
        m_processor->stop();
    if (m_inboundConnected) {
        m_inboundConnected = false;
        Q_EMIT inboundStateChanged(false);
    }
}

} // namespace threadline::sync
