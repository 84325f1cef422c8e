#include "sync/scheduler.h"

#include "core/logging.h"
#include "slack/conversationshistoryjob.h"
#include "slack/conversationsopenjob.h"
#include "slack/conversationsrepliesjob.h"
#include "slack/deletemessagejob.h"
#include "slack/mrkdwn.h"
#include "slack/postmessagejob.h"
#include "slack/slackclient.h"
#include "slack/updatemessagejob.h"
#include "slack/usersinfojob.h"
#include "store/store.h"
#include "sync/slackusers.h"
#include "sync/threadrenderer.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QPointer>
#include <QRandomGenerator>

#include <chrono>

namespace threadline::sync {

using slack::SlackErrorAction;
using Kind = Scheduler::Outcome::Kind;

namespace {

bool isPosting(const QString &kind)
{
    return kind == QLatin1String("post_summary") || kind == QLatin1String("post_reply") ||
           kind == QLatin1String("closing_note") || kind == QLatin1String("catch_up") ||
           kind == QLatin1String("reply_outside_thread");
}

qint64 jsonId(const QJsonValue &v)
{
    if (v.isString())
        return v.toString().toLongLong();
    return qint64(v.toDouble());
}

QVariant nullText()
{
    return QVariant(QMetaType::fromType<QString>());
}

constexpr int MaxReconcilePages = 20;

} // namespace

// ---- Execution: one job's Slack calls ------------------------------------------------------------

class Scheduler::Execution : public QObject
{
public:
    Execution(Scheduler *scheduler, const Job &job, qint64 leaseUntil)
        : QObject(scheduler)
        , m_s(scheduler)
        , m_job(job)
        , m_ctx(job.ctx)
        , m_mayHavePosted(job.uncertain)
        , m_leaseUntil(leaseUntil)
    {}

    void run();

    //! The lease as this process knows it, by its own monotonic clock (set at the claim and at
    //! each successful renewal).
    void leaseRenewed(qint64 until) { m_leaseUntil = std::max(m_leaseUntil, until); }
    //! A renewal found the job no longer this instance's: no Slack call is made for it any more.
    void leaseLost()
    {
        if (!m_lost)
            ++m_s->m_leasesLost;
        m_lost = true;
    }
    bool isLost() const { return m_lost; }

private:
    using Context = Scheduler::Context;

    Store *store() const { return m_s->m_store; }
    slack::SlackClient *client() const { return m_s->m_slack; }
    void done(std::function<Result<void>()> apply = {});
    void end(Outcome outcome);
    void call(slack::SlackApiJob *job, std::function<void(slack::SlackApiJob *)> onOk,
              std::function<bool(const Error &)> onGiveUp = {});
    void send(slack::SlackApiJob *job, std::function<void(slack::SlackApiJob *)> onOk,
              std::function<bool(const Error &)> onGiveUp);
    //! The fence before a Slack call: true when the lease is still this instance's.
    bool holdsLease(const QString &method);
    //! The test hook (if any), then holdsLease(); `then` is called once, maybe later.
    void fence(const QString &method, std::function<void(bool held)> then);
    Result<void> loadContext();
    void ensureChannel(std::function<void()> then);
    void reconcile(const QString &parentTs, std::function<bool(const slack::SlackMessage &)> match,
                   std::function<void(const QString &ts)> found, std::function<void()> notFound,
                   const QString &cursor = {}, int page = 0);
    void post(const slack::PostMessageArgs &args, std::function<Result<void>(const QString &ts)> record);
    //! Sends at most once: after an attempt whose outcome is unknown, first looks for the message's
    //! marker under parentTs (the channel's history when empty) and records that copy instead.
    void postOnce(const QString &markerType, const QString &parentTs, std::function<void()> send,
                  std::function<Result<void>(const QString &ts)> record);
    QJsonObject marker(const QString &type) const;
    bool markerMatches(const slack::SlackMessage &m, const QString &type) const;

    void runPostSummary();
    void runPostReply();
    void runUpdateReply();
    void runDeleteReply();
    void runRefreshSummary();
    void runNote(const QString &text, std::function<Result<void>()> after);
    void runOutsideReply();
    void runUsersInfo();

    Scheduler *m_s;
    Job m_job;
    Context m_ctx;
    bool m_mayHavePosted;
    qint64 m_leaseUntil; //!< monotonic ms
    bool m_lost = false;
    bool m_ended = false;
};

void Scheduler::Execution::end(Outcome outcome)
{
    if (m_ended)
        return;
    m_ended = true;
    outcome.uncertain = outcome.uncertain || m_mayHavePosted;
    m_s->finish(m_job, outcome);
}

void Scheduler::Execution::done(std::function<Result<void>()> apply)
{
    // The result is recorded with the job's end, in the scheduler's next batch transaction; if
    // that fails the job is retried (and reconciled first when it may have posted).
    Outcome o;
    o.kind = Kind::Done;
    o.apply = std::move(apply);
    end(o);
}

bool Scheduler::Execution::holdsLease(const QString &method)
{
    if (!m_lost) {
        const qint64 before = m_s->monotonicNow();
        if (before + m_s->leaseMarginMs() < m_leaseUntil)
            return true;
        // Too close to the end (or past it): this process may have been starved, or its renewals
        // failed. Another process may have taken the job over; ask the database before calling.
        auto r = m_s->reverifyLease(m_job.id);
        if (r && r.value()) {
            leaseRenewed(before + m_s->m_options.leaseMs);
            return true;
        }
        if (!r)
            qCWarning(lcSync) << "could not re-verify the lease of job" << m_job.id << ":"
                              << r.error().toString();
        leaseLost();
    }
    qCInfo(lcSync) << "job" << m_job.id << m_job.kind << "lost its lease; abandoned before" << method;
    return false;
}

void Scheduler::Execution::fence(const QString &method, std::function<void(bool held)> then)
{
    if (!m_s->m_options.beforeSlackCall) {
        then(holdsLease(method));
        return;
    }
    QPointer<Execution> self(this);
    m_s->m_options.beforeSlackCall(m_job.id, method, [self, method, then] {
        if (self && !self->m_ended)
            then(self->holdsLease(method));
        else
            then(false);
    });
}

void Scheduler::Execution::call(slack::SlackApiJob *job, std::function<void(slack::SlackApiJob *)> onOk,
                                std::function<bool(const Error &)> onGiveUp)
{
    // The fence: no call with an effect (nor a lookup that may lead to one) once the lease may
    // belong to another process. What remains is a starvation between this check and the send.
    job->setParent(this);
    QPointer<Execution> self(this);
    fence(job->method(), [self, job, onOk, onGiveUp](bool held) {
        if (!self || self->m_ended)
            return; // the job (a child) went with the execution
        if (!held) {
            delete job;
            Outcome o;
            o.kind = Kind::Lost;
            self->end(o);
            return;
        }
        self->send(job, onOk, onGiveUp);
    });
}

void Scheduler::Execution::send(slack::SlackApiJob *job, std::function<void(slack::SlackApiJob *)> onOk,
                                std::function<bool(const Error &)> onGiveUp)
{
    auto &limiter = client()->rateLimiter();
    const qint64 wait = limiter.delayMs(job->method(), job->channel());
    if (wait > 0) {
        delete job;
        Outcome o;
        o.kind = Kind::Deferred;
        o.delayMs = wait;
        ++m_s->m_rateLimitWaits;
        end(o);
        return;
    }
    limiter.recordCall(job->method(), job->channel());
    ++m_s->m_dispatched;
    const bool posting = job->method() == QLatin1String("chat.postMessage");
    if (posting)
        m_mayHavePosted = true;
    connect(job, &slack::SlackJob::succeeded, this, [this, job, posting, onOk](slack::SlackJob *) {
        if (posting)
            m_mayHavePosted = true; // until the result is recorded with the job's completion
        onOk(job);
    });
    connect(job, &slack::SlackJob::failed, this,
            [this, job, posting, onGiveUp](slack::SlackJob *, const Error &error, SlackErrorAction action) {
                // An answer from Slack (200 with ok:false, or 429) means nothing was posted.
                const bool definite = job->httpStatus() == 200 || job->httpStatus() == 429;
                if (posting && definite)
                    m_mayHavePosted = false;
                Outcome o;
                o.error = error;
                switch (action) {
                case SlackErrorAction::WaitThenRetry: {
                    const qint64 after =
                        error.retryAfterMs > 0 ? error.retryAfterMs : slack::DefaultRetryAfterMs;
                    client()->rateLimiter().recordRateLimited(job->method(), job->channel(), after);
                    ++m_s->m_rateLimited;
                    o.kind = Kind::RateLimited;
                    o.delayMs = after;
                    break;
                }
                case SlackErrorAction::Retry:
                    o.kind = Kind::Retry;
                    break;
                case SlackErrorAction::FixConfiguration:
                    o.kind = Kind::Reauthorize;
                    break;
                case SlackErrorAction::GiveUp:
                    if (onGiveUp && onGiveUp(error))
                        return;
                    o.kind = Kind::Failed;
                    break;
                }
                end(o);
            });
    job->start();
}

Result<void> Scheduler::Execution::loadContext()
{
    if (m_ctx.loaded || m_job.conversationId <= 0)
        return {};
    Job job = m_job;
    if (auto r = m_s->loadContext(job); !r)
        return r;
    m_ctx = job.ctx;
    return {};
}

void Scheduler::Execution::run()
{
    if (auto r = loadContext(); !r) {
        Outcome o;
        o.kind = r.error().code == ErrorCode::NotFound ? Kind::Failed : Kind::Retry;
        o.error = r.error();
        end(o);
        return;
    }
    const QString &k = m_job.kind;
    if (k == QLatin1String("post_summary"))
        runPostSummary();
    else if (k == QLatin1String("post_reply"))
        runPostReply();
    else if (k == QLatin1String("update_reply"))
        runUpdateReply();
    else if (k == QLatin1String("delete_reply"))
        runDeleteReply();
    else if (k == QLatin1String("refresh_summary"))
        runRefreshSummary();
    else if (k == QLatin1String("closing_note")) {
        const qint64 cid = m_job.conversationId;
        Store *st = store();
        auto close = [st, cid]() -> Result<void> {
            auto r = st->execAffected(
                QStringLiteral("UPDATE conversations SET state = 'closed', updated_at = ? WHERE id = "
                               "? AND state = 'closing'"),
                {st->now(), cid});
            if (!r)
                return r.error();
            return {};
        };
        runNote(ThreadRenderer::closingNote(), close);
    } else if (k == QLatin1String("catch_up"))
        runNote(ThreadRenderer::catchUpNote(int(m_job.payload.value(QStringLiteral("earlier")).toInteger())),
                {});
    else if (k == QLatin1String("reply_outside_thread"))
        runOutsideReply();
    else if (k == QLatin1String("users_info"))
        runUsersInfo();
    else if (m_s->isExternal(k)) {
        QPointer<Execution> self(this);
        Fence fenceOf = [self](const QString &method, std::function<void(bool held)> then) {
            if (self)
                self->fence(method, std::move(then));
            else
                then(false);
        };
        m_s->m_external.run(m_job, std::move(fenceOf), [self](const Outcome &o) {
            if (self)
                self->end(o);
        });
    } else {
        Outcome o;
        o.kind = Kind::Failed;
        o.error = makeError(ErrorCode::Internal, QStringLiteral("Unknown job kind"), {}, k);
        end(o);
    }
}

QJsonObject Scheduler::Execution::marker(const QString &type) const
{
    QJsonObject payload;
    if (type == QLatin1String("threadline_update")) {
        payload.insert(QStringLiteral("update_id"), m_job.updateId);
        payload.insert(QStringLiteral("conversation_id"), m_job.conversationId);
    } else if (type == QLatin1String("threadline_summary")) {
        payload.insert(QStringLiteral("conversation_id"), m_job.conversationId);
        payload.insert(QStringLiteral("request_id"), m_job.requestId);
    } else {
        payload.insert(QStringLiteral("job_id"), m_job.id);
    }
    return QJsonObject{{QStringLiteral("event_type"), type}, {QStringLiteral("event_payload"), payload}};
}

bool Scheduler::Execution::markerMatches(const slack::SlackMessage &m, const QString &type) const
{
    if (m.metadata.value(QStringLiteral("event_type")).toString() != type)
        return false;
    const QJsonObject p = m.metadata.value(QStringLiteral("event_payload")).toObject();
    if (type == QLatin1String("threadline_update"))
        return jsonId(p.value(QStringLiteral("update_id"))) == m_job.updateId &&
               jsonId(p.value(QStringLiteral("conversation_id"))) == m_job.conversationId;
    if (type == QLatin1String("threadline_summary"))
        return jsonId(p.value(QStringLiteral("conversation_id"))) == m_job.conversationId;
    return jsonId(p.value(QStringLiteral("job_id"))) == m_job.id;
}

void Scheduler::Execution::ensureChannel(std::function<void()> then)
{
    if (!m_ctx.channel.isEmpty()) {
        then();
        return;
    }
    if (m_ctx.slackUserId.isEmpty()) {
        Outcome o;
        o.kind = Kind::Failed;
        o.error = makeError(ErrorCode::NotFound, QStringLiteral("This person has no Slack account"));
        end(o);
        return;
    }
    auto *job = new slack::ConversationsOpenJob(client()->networkAccessManager(), client()->botEndpoint(),
                                                m_ctx.slackUserId);
    call(job, [this, then](slack::SlackApiJob *j) {
        const QString channel = static_cast<slack::ConversationsOpenJob *>(j)->channelId();
        Store *st = store();
        auto r = st->transaction([&]() -> Result<void> {
            auto a = st->execAffected(
                QStringLiteral("INSERT INTO dm_channels (person_id, channel_id, opened_at) VALUES "
                               "(?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET channel_id = "
                               "excluded.channel_id"),
                {m_ctx.personId, channel, st->now()});
            if (!a)
                return a.error();
            auto b = st->execAffected(QStringLiteral("UPDATE conversations SET channel_id = ? WHERE id = ?"),
                                      {channel, m_job.conversationId});
            if (!b)
                return b.error();
            return {};
        });
        if (!r) {
            Outcome o;
            o.kind = Kind::Retry;
            o.error = r.error();
            end(o);
            return;
        }
        m_ctx.channel = channel;
        then();
    });
}

void Scheduler::Execution::reconcile(const QString &parentTs,
                                     std::function<bool(const slack::SlackMessage &)> match,
                                     std::function<void(const QString &ts)> found,
                                     std::function<void()> notFound, const QString &cursor, int page)
{
    auto onPage = [=, this](const QList<slack::SlackMessage> &messages, bool more, const QString &next) {
        for (const slack::SlackMessage &m : messages) {
            if (match(m)) {
                qCInfo(lcSync) << "reconciled job" << m_job.id << "- already in Slack as" << m.ts;
                found(m.ts);
                return;
            }
        }
        if (more && !next.isEmpty() && page + 1 < MaxReconcilePages) {
            reconcile(parentTs, match, found, notFound, next, page + 1);
            return;
        }
        m_mayHavePosted = false; // searched: not there
        notFound();
    };
    if (parentTs.isEmpty()) {
        slack::ConversationsHistoryJob::Args args;
        args.channel = m_ctx.channel;
        args.cursor = cursor;
        args.limit = 200;
        auto *job = new slack::ConversationsHistoryJob(client()->networkAccessManager(),
                                                       client()->botEndpoint(), args);
        call(job, [onPage](slack::SlackApiJob *j) {
            auto *h = static_cast<slack::ConversationsHistoryJob *>(j);
            onPage(h->messages(), h->hasMore(), h->nextCursor());
        });
    } else {
        slack::ConversationsRepliesJob::Args args;
        args.channel = m_ctx.channel;
        args.ts = parentTs;
        args.cursor = cursor;
        args.limit = 200;
        auto *job = new slack::ConversationsRepliesJob(client()->networkAccessManager(),
                                                       client()->botEndpoint(), args);
        call(job, [onPage](slack::SlackApiJob *j) {
            auto *h = static_cast<slack::ConversationsRepliesJob *>(j);
            onPage(h->messages(), h->hasMore(), h->nextCursor());
        });
    }
}

void Scheduler::Execution::post(const slack::PostMessageArgs &args,
                                std::function<Result<void>(const QString &ts)> record)
{
    auto *job = new slack::PostMessageJob(client()->networkAccessManager(), client()->botEndpoint(), args);
    call(job, [this, record](slack::SlackApiJob *j) {
        const QString ts = static_cast<slack::PostMessageJob *>(j)->ts();
        done([record, ts] { return record(ts); });
    });
}

void Scheduler::Execution::postOnce(const QString &markerType, const QString &parentTs,
                                    std::function<void()> send,
                                    std::function<Result<void>(const QString &ts)> record)
{
    if (!m_mayHavePosted) {
        send();
        return;
    }
    reconcile(
        parentTs, [this, markerType](const slack::SlackMessage &m) { return markerMatches(m, markerType); },
        [this, record](const QString &ts) { done([record, ts] { return record(ts); }); }, std::move(send));
}

void Scheduler::Execution::runUsersInfo()
{
    const QString user = m_job.payload.value(QStringLiteral("user")).toString();
    const qint64 since = m_job.payload.value(QStringLiteral("since")).toInteger();
    Store *st = store();
    if (!SlackUsers::isValidUserId(user)) {
        Outcome o;
        o.kind = Kind::Failed;
        o.error = makeError(ErrorCode::Invalid, QStringLiteral("Not a Slack user id"), QStringLiteral("user"),
                            user.left(40));
        end(o);
        return;
    }
    auto *job = new slack::UsersInfoJob(client()->networkAccessManager(), client()->botEndpoint(), user);
    call(
        job,
        [this, st, user, since](slack::SlackApiJob *j) {
            const slack::SlackUser &u = static_cast<slack::UsersInfoJob *>(j)->user();
            const QString name = SlackUsers::cleanName(u.bestName());
            if (u.id != user || name.isEmpty()) {
                // Whatever Slack sent, it is not a usable name for this id: the placeholder stays.
                const QString why = u.id != user ? QStringLiteral("users.info answered for another user")
                                                 : QStringLiteral("users.info gave no printable name");
                done([st, user, why] {
                    return SlackUsers::recordFailure(st, user, QStringLiteral("failed"), why);
                });
                return;
            }
            done([st, user, name, since]() -> Result<void> {
                auto r = SlackUsers::recordName(st, user, name, since);
                if (!r)
                    return r.error();
                return {};
            });
        },
        [this, st, user](const Error &error) {
            // A permanent answer about this id: record it (the placeholder stays) and end the job.
            const bool unknown = error.detail == QLatin1String("user_not_found") ||
                                 error.detail == QLatin1String("user_not_visible");
            const QString state = unknown ? QStringLiteral("not_found") : QStringLiteral("failed");
            const QString why = error.detail.isEmpty() ? error.message
                                                       : error.message + QStringLiteral(" (") + error.detail +
                                                             QStringLiteral(")");
            done([st, user, state, why] { return SlackUsers::recordFailure(st, user, state, why); });
            return true;
        });
}

void Scheduler::Execution::runPostSummary()
{
    ensureChannel([this] {
        Store *st = store();
        const qint64 cid = m_job.conversationId;
        auto record = [st, cid, this](const QString &ts) -> Result<void> {
            auto r = st->execAffected(
                QStringLiteral("UPDATE conversations SET channel_id = ?, summary_ts = ?, state = "
                               "CASE WHEN state = 'pending' THEN 'active' ELSE state END, "
                               "last_error = NULL, updated_at = ? WHERE id = ?"),
                {m_ctx.channel, ts, st->now(), cid});
            if (!r)
                return r.error();
            return {};
        };
        auto send = [this, record] {
            auto rendered = ThreadRenderer::summary(*store(), m_job.conversationId);
            if (!rendered) {
                Outcome o;
                o.kind = rendered.error().code == ErrorCode::NotFound ? Kind::Failed : Kind::Retry;
                o.error = rendered.error();
                end(o);
                return;
            }
            slack::PostMessageArgs args;
            args.channel = m_ctx.channel;
            args.text = rendered.value().text;
            args.blocks = rendered.value().blocks;
            args.metadata = marker(QStringLiteral("threadline_summary"));
            post(args, record);
        };
        if (!m_ctx.summaryTs.isEmpty()) {
            done(); // already posted (a re-followed conversation keeps its thread)
            return;
        }
        postOnce(QStringLiteral("threadline_summary"), {}, send, record);
    });
}

void Scheduler::Execution::runPostReply()
{
    if (m_ctx.rowState != QLatin1String("pending")) {
        done(); // posted, deleted or skipped already
        return;
    }
    Store *st = store();
    const qint64 cid = m_job.conversationId;
    const qint64 uid = m_job.updateId;
    if (!m_ctx.hasUpdate) {
        Outcome o;
        o.kind = Kind::Failed;
        o.error = makeError(ErrorCode::NotFound, QStringLiteral("The update no longer exists"));
        end(o);
        return;
    }
    if (m_ctx.updateDeleted) {
        done([st, cid, uid]() -> Result<void> {
            auto r = st->execAffected(
                QStringLiteral("UPDATE thread_messages SET state = 'skipped', updated_at = ? WHERE "
                               "conversation_id = ? AND update_id = ? AND state = 'pending'"),
                {st->now(), cid, uid});
            if (!r)
                return r.error();
            return {};
        });
        return;
    }
    if (m_ctx.summaryTs.isEmpty() || m_ctx.channel.isEmpty()) {
        Outcome o;
        o.kind = Kind::Failed;
        o.error = makeError(ErrorCode::NotFound, QStringLiteral("The thread's summary is not in Slack"));
        end(o);
        return;
    }
    auto record = [st, cid, uid](const QString &ts) -> Result<void> {
        auto r = st->execAffected(
            QStringLiteral("UPDATE thread_messages SET slack_ts = ?, state = 'posted', last_error = "
                           "NULL, updated_at = ? WHERE conversation_id = ? AND update_id = ?"),
            {ts, st->now(), cid, uid});
        if (!r)
            return r.error();
        return {};
    };
    auto send = [this, record] {
        slack::PostMessageArgs args;
        args.channel = m_ctx.channel;
        args.threadTs = m_ctx.summaryTs;
        args.text = ThreadRenderer::updateText(m_ctx.authorName, m_ctx.updateText);
        args.metadata = marker(QStringLiteral("threadline_update"));
        post(args, record);
    };
    postOnce(QStringLiteral("threadline_update"), m_ctx.summaryTs, send, record);
}

void Scheduler::Execution::runUpdateReply()
{
    if (m_ctx.rowState != QLatin1String("posted") || m_ctx.rowTs.isEmpty()) {
        done(); // not posted yet (the post renders the latest text) or gone
        return;
    }
    if (!m_ctx.hasUpdate || m_ctx.updateDeleted) {
        done();
        return;
    }
    slack::UpdateMessageArgs args;
    args.channel = m_ctx.channel;
    args.ts = m_ctx.rowTs;
    args.text = ThreadRenderer::updateText(m_ctx.authorName, m_ctx.updateText);
    auto *job = new slack::UpdateMessageJob(client()->networkAccessManager(), client()->botEndpoint(), args);
    call(job, [this](slack::SlackApiJob *) { done(); });
}

void Scheduler::Execution::runDeleteReply()
{
    Store *st = store();
    const qint64 cid = m_job.conversationId;
    const qint64 uid = m_job.updateId;
    auto markDeleted = [st, cid, uid]() -> Result<void> {
        auto r = st->execAffected(
            QStringLiteral("UPDATE thread_messages SET state = 'deleted', updated_at = ? WHERE "
                           "conversation_id = ? AND update_id = ? AND state IN ('pending','posted')"),
            {st->now(), cid, uid});
        if (!r)
            return r.error();
        return {};
    };
    if (m_ctx.rowState == QLatin1String("pending") || m_ctx.rowTs.isEmpty()) {
        // Never posted: the post_reply ahead of us saw the deletion, or will not post.
        done(m_ctx.rowState == QLatin1String("pending") ? std::function<Result<void>()>(markDeleted)
                                                        : nullptr);
        return;
    }
    if (m_ctx.rowState != QLatin1String("posted")) {
        done();
        return;
    }
    auto *job = new slack::DeleteMessageJob(client()->networkAccessManager(), client()->botEndpoint(),
                                            m_ctx.channel, m_ctx.rowTs);
    call(
        job, [this, markDeleted](slack::SlackApiJob *) { done(markDeleted); },
        [this, markDeleted](const Error &error) {
            if (error.detail == QLatin1String("message_not_found")) {
                done(markDeleted); // deleted already: deletes are idempotent
                return true;
            }
            return false;
        });
}

void Scheduler::Execution::runRefreshSummary()
{
    if (m_ctx.summaryTs.isEmpty() || m_ctx.channel.isEmpty()) {
        // Not posted yet. A summary post still to run renders the latest state; one in flight may
        // have rendered before this change, so wait for it and refresh after.
        auto posting =
            store()->scalar(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE conversation_id = ? AND kind = "
                                           "'post_summary' AND state = 'in_flight'"),
                            {m_job.conversationId});
        if (posting && posting.value() && posting.value()->toLongLong() > 0) {
            Outcome o;
            o.kind = Kind::Deferred;
            o.delayMs = 250;
            end(o);
            return;
        }
        done();
        return;
    }
    auto rendered = ThreadRenderer::summary(*store(), m_job.conversationId);
    if (!rendered) {
        Outcome o;
        o.kind = rendered.error().code == ErrorCode::NotFound ? Kind::Failed : Kind::Retry;
        o.error = rendered.error();
        end(o);
        return;
    }
    slack::UpdateMessageArgs args;
    args.channel = m_ctx.channel;
    args.ts = m_ctx.summaryTs;
    args.text = rendered.value().text;
    args.blocks = rendered.value().blocks;
    auto *job = new slack::UpdateMessageJob(client()->networkAccessManager(), client()->botEndpoint(), args);
    call(job, [this](slack::SlackApiJob *) { done(); });
}

void Scheduler::Execution::runNote(const QString &text, std::function<Result<void>()> after)
{
    if (m_ctx.summaryTs.isEmpty() || m_ctx.channel.isEmpty()) {
        done(after); // no thread to write in
        return;
    }
    auto record = [after](const QString &) -> Result<void> { return after ? after() : Result<void>(); };
    auto send = [this, text, record] {
        slack::PostMessageArgs args;
        args.channel = m_ctx.channel;
        args.threadTs = m_ctx.summaryTs;
        args.text = text;
        args.metadata = marker(QStringLiteral("threadline_note"));
        post(args, record);
    };
    postOnce(QStringLiteral("threadline_note"), m_ctx.summaryTs, send, record);
}

void Scheduler::Execution::runOutsideReply()
{
    m_ctx.channel = m_job.payload.value(QStringLiteral("channel")).toString();
    const QString threadTs = m_job.payload.value(QStringLiteral("thread_ts")).toString();
    const QString text = m_job.payload.value(QStringLiteral("text")).toString();
    if (m_ctx.channel.isEmpty() || text.isEmpty()) {
        Outcome o;
        o.kind = Kind::Failed;
        o.error = makeError(ErrorCode::Invalid, QStringLiteral("The reply job has no channel or text"));
        end(o);
        return;
    }
    auto nothingToRecord = [](const QString &) -> Result<void> { return {}; };
    auto send = [this, threadTs, text, nothingToRecord] {
        slack::PostMessageArgs args;
        args.channel = m_ctx.channel;
        args.threadTs = threadTs;
        args.text = slack::mrkdwn::encode(text);
        args.metadata = marker(QStringLiteral("threadline_note"));
        post(args, nothingToRecord);
    };
    postOnce(QStringLiteral("threadline_note"), threadTs, send, nothingToRecord);
}

// ---- Scheduler ----------------------------------------------------------------------------------

namespace {

// A job row with the DM channel and Slack user of its conversation (for the rate limiter).
const QString kJobColumns = QStringLiteral(
    "j.id, j.lane, j.kind, j.ordering_key, j.request_id, j.conversation_id, j.update_id, j.attempts, "
    "j.uncertain, j.not_before, j.payload, COALESCE(c.channel_id, d.channel_id), p.slack_id, j.state");
const QString kJobJoins = QStringLiteral(
    " FROM jobs j LEFT JOIN conversations c ON c.id = j.conversation_id LEFT JOIN people p ON p.id = "
    "c.person_id LEFT JOIN dm_channels d ON d.person_id = c.person_id ");

Scheduler::Job readJob(const QSqlQuery &q)
{
    Scheduler::Job j;
    j.id = q.value(0).toLongLong();
    j.lane = q.value(1).toString() == QLatin1String("maintenance") ? Lane::Maintenance : Lane::Fast;
    j.kind = q.value(2).toString();
    j.orderingKey = q.value(3).toString();
    j.requestId = q.value(4).toLongLong();
    j.conversationId = q.value(5).toLongLong();
    j.updateId = q.value(6).toLongLong();
    j.attempts = q.value(7).toInt();
    j.uncertain = q.value(8).toBool();
    j.notBefore = q.value(9).toLongLong();
    const QString payload = q.value(10).toString();
    if (payload.size() > 2) // '{}' for most jobs
        j.payload = QJsonDocument::fromJson(payload.toUtf8()).object();
    j.channel = q.value(11).toString();
    j.personSlackId = q.value(12).toString();
    return j;
}

QString errorText(const Error &e)
{
    if (e.message.isEmpty())
        return {};
    return e.detail.isEmpty() ? e.message : e.message + QStringLiteral(" (") + e.detail + QStringLiteral(")");
}

} // namespace

Scheduler::Scheduler(Store *store, slack::SlackClient *slack, const SchedulerOptions &options,
                     QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_slack(slack)
    , m_options(options)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &Scheduler::pump);
    // A lease covers leaseMs; an execution that takes longer (a long reconciliation, a slow
    // upload, a wait for the rate limiter) keeps it by renewing at a third of that.
    m_leaseTimer.setInterval(std::max(50, m_options.leaseMs / 3));
    connect(&m_leaseTimer, &QTimer::timeout, this, &Scheduler::renewLeases);
}

Scheduler::~Scheduler() = default;

QString Scheduler::methodFor(const QString &kind, bool needsChannel, bool reconcile)
{
    if (needsChannel)
        return QStringLiteral("conversations.open");
    if (reconcile)
        return kind == QLatin1String("post_summary") ? QStringLiteral("conversations.history")
                                                     : QStringLiteral("conversations.replies");
    if (kind == QLatin1String("update_reply") || kind == QLatin1String("refresh_summary"))
        return QStringLiteral("chat.update");
    if (kind == QLatin1String("delete_reply"))
        return QStringLiteral("chat.delete");
    if (kind == QLatin1String("users_info"))
        return QStringLiteral("users.info");
    return QStringLiteral("chat.postMessage");
}

Result<void> Scheduler::releaseLeases()
{
    auto r = m_store->execAffected(
        QStringLiteral("UPDATE jobs SET state = 'pending', lease_owner = NULL, "
                       "lease_expires_at = NULL WHERE state = 'in_flight' AND (lease_owner = ? "
                       "OR lease_expires_at < ?)"),
        {m_options.instanceId, m_store->now()});
    if (!r)
        return r.error();
    if (r.value() > 0)
        qCInfo(lcSync) << r.value() << "in-flight jobs of a previous run will be reconciled";
    return {};
}

void Scheduler::renewLeases()
{
    if (m_running_.empty() && m_finished.empty())
        return;
    const qint64 localUntil = monotonicNow() + m_options.leaseMs;
    const qint64 until = m_store->now() + m_options.leaseMs;
    std::vector<qint64> renewed;
    std::vector<qint64> lost;
    auto r = m_store->transaction([&]() -> Result<void> {
        renewed.clear();
        lost.clear();
        // Only a lease this instance still holds is extended: 0 rows means another process took
        // the job over (or put it back) after it expired.
        auto renew = [&](qint64 id) -> Result<bool> {
            auto w = m_store->execAffected(
                QStringLiteral("UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND state = 'in_flight' "
                               "AND lease_owner = ?"),
                {until, id, m_options.instanceId});
            if (!w)
                return w.error();
            return w.value() == 1;
        };
        for (const auto &[id, e] : m_running_) {
            if (e->isLost())
                continue;
            auto w = renew(id);
            if (!w)
                return w.error();
            (w.value() ? renewed : lost).push_back(id);
        }
        for (const Finished &f : m_finished) {
            if (auto w = renew(f.job.id); !w)
                return w.error();
        }
        return {};
    });
    if (!r) {
        // The local leases run out as they were: an execution near the end re-verifies first.
        qCWarning(lcSync) << "could not renew the leases of the jobs in flight:" << r.error().toString();
        return;
    }
    for (qint64 id : renewed) {
        if (auto it = m_running_.find(id); it != m_running_.end())
            it->second->leaseRenewed(localUntil);
    }
    for (qint64 id : lost) {
        if (auto it = m_running_.find(id); it != m_running_.end()) {
            qCInfo(lcSync) << "job" << id << "is no longer this instance's: its next Slack call is not made";
            it->second->leaseLost();
        }
    }
}

qint64 Scheduler::monotonicNow() const
{
    if (m_options.monotonicMs)
        return m_options.monotonicMs();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

int Scheduler::leaseMarginMs() const
{
    return m_options.leaseMarginMs >= 0 ? m_options.leaseMarginMs : m_options.leaseMs / 4;
}

Result<bool> Scheduler::reverifyLease(qint64 jobId)
{
    const qint64 now = m_store->now();
    auto w = m_store->execAffected(
        QStringLiteral("UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND state = 'in_flight' AND "
                       "lease_owner = ? AND lease_expires_at >= ?"),
        {now + m_options.leaseMs, jobId, m_options.instanceId, now});
    if (!w)
        return w.error();
    return w.value() == 1;
}

void Scheduler::start()
{
    m_running = true;
    m_paused = false;
    if (m_running_.empty() && m_finished.empty()) {
        if (auto r = releaseLeases(); !r)
            qCWarning(lcSync) << "could not release leases:" << r.error().toString();
    }
    m_leaseTimer.start();
    m_dirty = true;
    pump();
}

void Scheduler::stop()
{
    m_running = false;
    m_timer.stop();
    if (!m_finished.empty())
        flushResults(); // emits drained() when nothing is left in flight
    else if (m_running_.empty())
        Q_EMIT drained();
}

void Scheduler::resume()
{
    m_paused = false;
    m_dirty = true;
    if (m_running)
        pump();
}

void Scheduler::jobsChanged()
{
    m_dirty = true;
    if (m_running && !m_paused)
        m_timer.start(0); // also cuts short a wait for a limited head: new heads may be ready now
}

void Scheduler::jobsAdded()
{
    m_added = true;
    if (m_running && !m_paused)
        m_timer.start(0);
}

void Scheduler::poll()
{
    if (!m_running || m_paused)
        return;
    // New jobs (another process's planner or inbound side) or leases of a dead process: reload.
    // Jobs another process put back (retries) are picked up by a full reload every 10 s.
    auto maxId = m_store->scalar(QStringLiteral("SELECT MAX(id) FROM jobs"));
    auto expired = m_store->scalar(
        QStringLiteral("SELECT 1 FROM jobs WHERE state = 'in_flight' AND lease_expires_at < ? LIMIT 1"),
        {m_store->now()});
    const bool grew = !maxId || (maxId.value() && maxId.value()->toLongLong() != m_maxJobId);
    const bool released = !expired || expired.value().has_value();
    if (grew || released || m_store->now() - m_lastReloadAt >= 10'000)
        jobsChanged();
}

void Scheduler::reloadHeads()
{
    m_dirty = false;
    m_added = false;
    m_lastReloadAt = m_store->now();
    m_heads[0].clear();
    m_heads[1].clear();
    // Expired leases of another (dead) process come back here, to be reconciled.
    if (m_running_.empty() && m_finished.empty())
        releaseLeases();
    else {
        auto r = m_store->execAffected(
            QStringLiteral("UPDATE jobs SET state = 'pending', lease_owner = NULL WHERE "
                           "state = 'in_flight' AND lease_expires_at < ? AND lease_owner <> ?"),
            {m_store->now(), m_options.instanceId});
        Q_UNUSED(r)
    }
    if (auto m = m_store->scalar(QStringLiteral("SELECT MAX(id) FROM jobs")); m && m.value())
        m_maxJobId = m.value()->toLongLong();
    // The head of a key is its oldest open job; it may run when it is pending. One grouped scan of
    // the open-jobs index (no per-row subquery), plus keyless jobs (each its own head).
    auto q = m_store->exec(
        QStringLiteral("SELECT ") + kJobColumns + kJobJoins +
        QStringLiteral("WHERE j.id IN (SELECT MIN(id) FROM jobs WHERE state IN ('pending','in_flight') "
                       "GROUP BY ordering_key) AND j.state = 'pending' AND j.ordering_key IS NOT NULL "
                       "UNION ALL SELECT ") +
        kJobColumns + kJobJoins +
        QStringLiteral("WHERE j.ordering_key IS NULL AND j.state = 'pending' ORDER BY 1"));
    if (!q) {
        qCWarning(lcSync) << "could not load the job heads:" << q.error().toString();
        m_dirty = true;
        return;
    }
    QueryGuard guard(q.value());
    while (q.value()->next()) {
        Job j = readJob(*q.value());
        if (m_busyKeys.contains(j.orderingKey) || m_running_.count(j.id))
            continue;
        m_heads[int(j.lane)][j.requestId].emplace(j.id, j);
    }
}

void Scheduler::loadNewHeads()
{
    m_added = false;
    auto maxId = m_store->scalar(QStringLiteral("SELECT MAX(id) FROM jobs"));
    if (!maxId) {
        m_dirty = true;
        return;
    }
    const qint64 upTo = maxId.value() ? maxId.value()->toLongLong() : 0;
    if (upTo <= m_maxJobId)
        return;
    // A new job is a head when no older job of its key is open. Keys that are busy (in flight, or
    // their result not recorded yet) get their next head when that result is written; a head that
    // a finished predecessor already loaded is the same job id (the map keeps one entry).
    auto q = m_store->exec(
        QStringLiteral("SELECT ") + kJobColumns + kJobJoins +
            QStringLiteral("WHERE j.id > ? AND j.id <= ? AND j.state = 'pending' AND (j.ordering_key IS "
                           "NULL OR NOT EXISTS (SELECT 1 FROM jobs k WHERE k.ordering_key = "
                           "j.ordering_key AND k.state IN ('pending','in_flight') AND k.id < j.id)) "
                           "ORDER BY j.id"),
        {m_maxJobId, upTo});
    if (!q) {
        m_dirty = true;
        return;
    }
    m_maxJobId = upTo;
    QueryGuard guard(q.value());
    while (q.value()->next()) {
        Job j = readJob(*q.value());
        if (m_busyKeys.contains(j.orderingKey) || m_running_.count(j.id))
            continue;
        m_heads[int(j.lane)][j.requestId].emplace(j.id, j);
    }
}

void Scheduler::loadHead(const QString &orderingKey)
{
    auto q =
        m_store->exec(QStringLiteral("SELECT ") + kJobColumns + kJobJoins +
                          QStringLiteral("WHERE j.ordering_key = ? AND j.state IN ('pending','in_flight') "
                                         "ORDER BY j.id LIMIT 1"),
                      {orderingKey});
    if (!q) {
        m_dirty = true;
        return;
    }
    QueryGuard guard(q.value());
    if (!q.value()->next())
        return;
    if (q.value()->value(13).toString() != QLatin1String("pending"))
        return;
    Job j = readJob(*q.value());
    m_heads[int(j.lane)][j.requestId][j.id] = j;
}

std::optional<Scheduler::Job> Scheduler::pickInLane(int lane, qint64 now, qint64 *wakeAt,
                                                    bool bulkMayTakeSlot)
{
    auto &heads = m_heads[lane];
    if (heads.empty())
        return std::nullopt;
    auto &limiter = m_slack->rateLimiter();
    auto start = heads.upper_bound(m_lastRequest[lane]);
    const size_t n = heads.size();
    auto it = start == heads.end() ? heads.begin() : start;
    for (size_t i = 0; i < n; ++i, ++it) {
        if (it == heads.end())
            it = heads.begin();
        // A bulk request leaves the last call slot and the last tokens of each budget to the
        // others: a small request's reply never waits for a fan-out's next refill.
        const bool bulk = int(it->second.size()) >= std::max(1, m_options.bulkHeads);
        if (bulk && !bulkMayTakeSlot)
            continue;
        const double reserve = bulk ? m_options.bulkReserve : 0.0;
        for (auto &[id, job] : it->second) {
            if (job.notBefore > now) {
                *wakeAt = std::min(*wakeAt, job.notBefore);
                continue;
            }
            const bool needsChannel = job.channel.isEmpty() && job.conversationId > 0;
            if (job.kind == QLatin1String("reply_outside_thread"))
                job.channel = job.payload.value(QStringLiteral("channel")).toString();
            const QString method =
                isExternal(job.kind) && !needsChannel
                    ? m_external.method(job.kind)
                    : methodFor(job.kind, needsChannel, job.uncertain && isPosting(job.kind));
            const qint64 delay = limiter.delayMs(method, needsChannel ? QString() : job.channel, reserve);
            if (delay > 0) {
                ++m_rateLimitWaits;
                *wakeAt = std::min(*wakeAt, now + delay);
                continue;
            }
            Job picked = job;
            m_lastRequest[lane] = it->first;
            it->second.erase(id);
            if (it->second.empty())
                heads.erase(it);
            return picked;
        }
    }
    return std::nullopt;
}

std::optional<Scheduler::Job> Scheduler::pick(qint64 now, qint64 *wakeAt, bool bulkMayTakeSlot)
{
    // Fast first; maintenance gets at least one dispatch in maintenanceShare when both are ready.
    const bool maintTurn = m_fastStreak >= std::max(1, m_options.maintenanceShare) - 1;
    if (maintTurn) {
        if (auto m = pickInLane(1, now, wakeAt, bulkMayTakeSlot)) {
            m_fastStreak = 0;
            return m;
        }
    }
    if (auto f = pickInLane(0, now, wakeAt, bulkMayTakeSlot)) {
        ++m_fastStreak;
        return f;
    }
    if (!maintTurn) {
        if (auto m = pickInLane(1, now, wakeAt, bulkMayTakeSlot)) {
            m_fastStreak = 0;
            return m;
        }
    }
    return std::nullopt;
}

Result<bool> Scheduler::claimOne(Job &job, qint64 now)
{
    const bool posting = job.uncertain || isPosting(job.kind);
    if (m_store->backend() == DatabaseUrl::Backend::Postgres) {
        // Serialise claims of one ordering key across processes. A try-lock: a batch holds several
        // keys' locks until it commits, so waiting could deadlock with another process's batch;
        // a key that another process is claiming right now is simply left to it.
        auto l = m_store->scalar(QStringLiteral("SELECT pg_try_advisory_xact_lock(hashtext(?))"),
                                 {job.orderingKey});
        if (!l)
            return l.error();
        if (!l.value() || !l.value()->toBool())
            return false;
        auto r = m_store->execAffected(
            QStringLiteral(
                "UPDATE jobs SET state = 'in_flight', attempts = attempts + 1, lease_owner = ?, "
                "lease_expires_at = ?, uncertain = ?, updated_at = ? WHERE id = (SELECT j.id FROM jobs j "
                "WHERE j.id = ? AND j.state = 'pending' AND NOT EXISTS (SELECT 1 FROM jobs k WHERE "
                "k.ordering_key = j.ordering_key AND k.state = 'in_flight') FOR UPDATE SKIP LOCKED)"),
            {m_options.instanceId, now + m_options.leaseMs, posting, now, job.id});
        if (!r)
            return r.error();
        return r.value() == 1;
    }
    auto r = m_store->execAffected(
        QStringLiteral(
            "UPDATE jobs SET state = 'in_flight', attempts = attempts + 1, lease_owner = ?, "
            "lease_expires_at = ?, uncertain = ?, updated_at = ? WHERE id = ? AND state = 'pending' AND "
            "NOT EXISTS (SELECT 1 FROM jobs k INDEXED BY jobs_ready WHERE k.state = 'in_flight' AND "
            "k.ordering_key = ?)"),
        {m_options.instanceId, now + m_options.leaseMs, posting, now, job.id, job.orderingKey});
    if (!r)
        return r.error();
    return r.value() == 1;
}

Result<void> Scheduler::loadContext(Job &job)
{
    job.ctx = {};
    if (job.conversationId <= 0) {
        job.ctx.loaded = true;
        return {};
    }
    Context &ctx = job.ctx;
    {
        auto q = m_store->exec(
            QStringLiteral("SELECT c.person_id, p.slack_id, COALESCE(c.channel_id, d.channel_id), "
                           "c.summary_ts, c.state FROM conversations c JOIN people p ON p.id = c.person_id "
                           "LEFT JOIN dm_channels d ON d.person_id = c.person_id WHERE c.id = ?"),
            {job.conversationId});
        if (!q)
            return q.error();
        QueryGuard guard(q.value());
        if (!q.value()->next())
            return makeError(ErrorCode::NotFound, QStringLiteral("The conversation no longer exists"));
        ctx.personId = q.value()->value(0).toLongLong();
        ctx.slackUserId = q.value()->value(1).toString();
        ctx.channel = q.value()->value(2).toString();
        ctx.summaryTs = q.value()->value(3).toString();
        ctx.convState = q.value()->value(4).toString();
    }
    if (job.updateId > 0) {
        {
            auto r = m_store->exec(
                QStringLiteral("SELECT state, slack_ts FROM thread_messages WHERE conversation_id = ? AND "
                               "update_id = ?"),
                {job.conversationId, job.updateId});
            if (!r)
                return r.error();
            QueryGuard guard(r.value());
            if (r.value()->next()) {
                ctx.rowState = r.value()->value(0).toString();
                ctx.rowTs = r.value()->value(1).toString();
            }
        }
        auto u = m_store->exec(
            QStringLiteral("SELECT u.text, p.name, u.deleted_at FROM updates u JOIN people p ON p.id = "
                           "u.author_id WHERE u.id = ?"),
            {job.updateId});
        if (!u)
            return u.error();
        QueryGuard guard(u.value());
        if (u.value()->next()) {
            ctx.hasUpdate = true;
            ctx.updateText = u.value()->value(0).toString();
            ctx.authorName = u.value()->value(1).toString();
            ctx.updateDeleted = !u.value()->value(2).isNull();
        }
    }
    ctx.loaded = true;
    return {};
}

std::vector<Scheduler::Job> Scheduler::claimBatch(std::vector<Job> picks, qint64 now)
{
    std::vector<Job> claimed;
    // One transaction: every claim (the intent) commits before any of these jobs calls Slack, and
    // each claimed job's context is read with it.
    auto r = m_store->transaction([&]() -> Result<void> {
        claimed.clear();
        for (Job &job : picks) {
            auto c = claimOne(job, now);
            if (!c)
                return c.error();
            if (!c.value())
                continue;
            if (auto l = loadContext(job); !l) {
                if (l.error().code != ErrorCode::NotFound)
                    return l;
                job.ctx = {}; // the execution reads it again and ends the job with the reason
            }
            claimed.push_back(job);
        }
        return {};
    });
    if (!r) {
        qCWarning(lcSync) << "claim failed:" << r.error().toString();
        return {};
    }
    return claimed;
}

void Scheduler::pump()
{
    if (!m_finished.empty())
        flushResults();
    if (!m_running || m_paused)
        return;
    if (m_dirty)
        reloadHeads();
    else if (m_added)
        loadNewHeads();
    const qint64 now = m_store->now();
    // The local end of the leases claimed below (their lease_expires_at is now + leaseMs).
    const qint64 leaseUntil = monotonicNow() + m_options.leaseMs;
    qint64 wakeAt = std::numeric_limits<qint64>::max();
    // Claims another process won free their slots: pick again (a few rounds at most).
    for (int round = 0; round < 4 && m_running && !m_paused; ++round) {
        std::vector<Job> picks;
        while (int(m_running_.size() + picks.size()) < m_options.maxConcurrentCalls) {
            const bool lastSlot = m_options.maxConcurrentCalls > 1 &&
                                  int(m_running_.size() + picks.size()) >= m_options.maxConcurrentCalls - 1;
            auto job = pick(now, &wakeAt, !lastSlot);
            if (!job)
                break;
            picks.push_back(std::move(*job));
        }
        if (picks.empty())
            break;
        const size_t wanted = picks.size();
        std::vector<Job> claimed = claimBatch(std::move(picks), now);
        if (claimed.size() < wanted)
            m_dirty = true; // someone else has some, or the table moved: reload next time
        std::vector<Execution *> started;
        started.reserve(claimed.size());
        for (Job &job : claimed) {
            job.attempts += 1;
            m_busyKeys.insert(job.orderingKey);
            auto *e = new Execution(this, job, leaseUntil);
            m_running_.emplace(job.id, e);
            started.push_back(e);
        }
        // Every claimed job runs (they are in_flight in the table), even if one pauses dispatching.
        for (Execution *e : started)
            e->run();
        if (claimed.size() == wanted)
            break;
    }
    if (wakeAt != std::numeric_limits<qint64>::max() && m_running && !m_paused) {
        const qint64 wait = std::clamp<qint64>(wakeAt - m_store->now(), 1, 1000);
        if (!m_timer.isActive() || m_timer.remainingTime() > wait)
            m_timer.start(int(wait));
    }
}

void Scheduler::finish(const Job &job, const Outcome &outcome)
{
    Execution *e = nullptr;
    if (auto it = m_running_.find(job.id); it != m_running_.end()) {
        e = it->second;
        m_running_.erase(it);
    }
    m_finished.push_back({job, outcome, e});
    if (outcome.kind == Kind::Reauthorize && !m_paused) {
        m_paused = true;
        Q_EMIT reauthorizationNeeded(outcome.error);
    }
    // Recorded by the next pump, together with whatever else ended meanwhile. The job's key stays
    // busy until then, so the next job of its conversation cannot overtake the result.
    if (!m_timer.isActive() || m_timer.remainingTime() > 0)
        m_timer.start(0);
}

Result<bool> Scheduler::record(const Job &job, const Outcome &o, qint64 now)
{
    // Every write is fenced on the lease: it applies only while the job is still in flight under
    // this instance. A job another process took over after our lease expired keeps its owner's
    // result; ours is dropped (false).
    const QString error = errorText(o.error);
    const QString owned = QStringLiteral(" WHERE id = ? AND state = 'in_flight' AND lease_owner = ?");
    Result<int> w = 0;
    switch (o.kind) {
    case Kind::Done:
        w = m_store->execAffected(
            QStringLiteral("UPDATE jobs SET state = 'done', uncertain = FALSE, lease_owner = NULL, "
                           "last_error = NULL, updated_at = ?") +
                owned,
            {now, job.id, m_options.instanceId});
        if (!w)
            return w.error();
        if (w.value() != 1)
            return false;
        if (o.apply) {
            if (auto a = o.apply(); !a)
                return a.error();
        }
        return true;
    case Kind::Failed: {
        w = m_store->execAffected(
            QStringLiteral("UPDATE jobs SET state = 'failed', uncertain = ?, lease_owner = "
                           "NULL, last_error = ?, updated_at = ?") +
                owned,
            {o.uncertain, error, now, job.id, m_options.instanceId});
        if (!w)
            return w.error();
        if (w.value() != 1)
            return false;
        // Make the failure visible where the desk looks.
        if (isExternal(job.kind)) {
            if (auto f = m_external.recordFailure(job, error); !f)
                return f.error();
        } else if (job.kind == QLatin1String("post_reply") || job.kind == QLatin1String("update_reply") ||
                   job.kind == QLatin1String("delete_reply"))
            w = m_store->execAffected(
                QStringLiteral(
                    "UPDATE thread_messages SET state = CASE WHEN state = 'pending' THEN 'failed' ELSE "
                    "state END, last_error = ?, updated_at = ? WHERE conversation_id = ? AND update_id = "
                    "?"),
                {error, now, job.conversationId, job.updateId});
        else if (job.conversationId > 0)
            w = m_store->execAffected(
                QStringLiteral(
                    "UPDATE conversations SET state = CASE WHEN state = 'pending' AND ? = 'post_summary' "
                    "THEN 'failed' ELSE state END, last_error = ?, updated_at = ? WHERE id = ?"),
                {job.kind, error, now, job.conversationId});
        if (!w)
            return w.error();
        return true;
    }
    case Kind::Retry: {
        auto base =
            std::min<qint64>(m_options.retryMaxMs, m_options.retryBaseMs << std::min(job.attempts - 1, 20));
        const qint64 delay = base / 2 + qint64(QRandomGenerator::global()->bounded(double(base / 2 + 1)));
        w = m_store->execAffected(
            QStringLiteral("UPDATE jobs SET state = 'pending', uncertain = ?, lease_owner = "
                           "NULL, not_before = ?, last_error = ?, updated_at = ?") +
                owned,
            {o.uncertain, now + delay, error, now, job.id, m_options.instanceId});
        break;
    }
    case Kind::RateLimited:
    case Kind::Deferred:
    case Kind::Reauthorize:
        // Not the job's fault: the attempt does not count.
        w = m_store->execAffected(
            QStringLiteral("UPDATE jobs SET state = 'pending', attempts = attempts - 1, "
                           "uncertain = ?, lease_owner = NULL, not_before = ?, last_error = ?, "
                           "updated_at = ?") +
                owned,
            {o.uncertain, now + o.delayMs, error.isEmpty() ? nullText() : error, now, job.id,
             m_options.instanceId});
        break;
    case Kind::Lost:
        // Abandoned before a Slack call. If the job is still ours (its lease expired and nobody
        // took it), it goes back to pending for whoever claims it next; the attempt does not count.
        w = m_store->execAffected(
            QStringLiteral("UPDATE jobs SET state = 'pending', attempts = attempts - 1, uncertain = ?, "
                           "lease_owner = NULL, lease_expires_at = NULL, not_before = ?, updated_at = ?") +
                owned,
            {o.uncertain, now, now, job.id, m_options.instanceId});
        if (!w)
            return w.error();
        return true; // not a result: nothing to drop
    }
    if (!w)
        return w.error();
    return w.value() == 1;
}

void Scheduler::flushResults()
{
    std::vector<Finished> batch;
    batch.swap(m_finished);
    const qint64 now = m_store->now();
    for (Finished &f : batch) {
        if (f.outcome.kind == Kind::Retry && f.job.attempts >= m_options.maxAttempts)
            f.outcome.kind = Kind::Failed;
    }
    // Optimistic: every result, and the next head of each key, in one transaction.
    bool headsLoaded = false;
    std::vector<char> applied(batch.size(), 0);
    auto all = m_store->transaction([&]() -> Result<void> {
        for (size_t i = 0; i < batch.size(); ++i) {
            auto r = record(batch[i].job, batch[i].outcome, now);
            if (!r)
                return r.error();
            applied[i] = r.value();
        }
        for (const Finished &f : batch) {
            m_busyKeys.remove(f.job.orderingKey);
            if (!m_dirty)
                loadHead(f.job.orderingKey);
        }
        headsLoaded = true;
        return {};
    });
    if (!all) {
        // One by one, so that one result that cannot be written does not hold up the others. A
        // result (thread_messages, conversations) that cannot be written makes the job a retry:
        // it may have posted, so its next attempt reconciles first.
        for (size_t i = 0; i < batch.size(); ++i) {
            Finished &f = batch[i];
            auto once = [&]() -> Result<void> {
                return m_store->transaction([&]() -> Result<void> {
                    auto r = record(f.job, f.outcome, now);
                    if (!r)
                        return r.error();
                    applied[i] = r.value();
                    return {};
                });
            };
            auto r = once();
            if (!r && f.outcome.kind == Kind::Done) {
                f.outcome.kind = f.job.attempts >= m_options.maxAttempts ? Kind::Failed : Kind::Retry;
                f.outcome.error = r.error();
                f.outcome.apply = {};
                r = once();
            }
            if (!r) {
                applied[i] = 1; // not written, but not another owner's either
                qCWarning(lcSync) << "could not record the outcome of job" << f.job.id << ":"
                                  << r.error().toString();
            }
        }
        m_dirty = true; // heads reloaded from the table
    }
    for (size_t i = 0; i < batch.size(); ++i) {
        if (applied[i])
            continue;
        ++m_resultsDropped;
        qCInfo(lcSync) << "job" << batch[i].job.id << batch[i].job.kind
                       << "is no longer this instance's (its lease expired and another process took it "
                          "over): its result is dropped";
    }
    for (Finished &f : batch) {
        m_busyKeys.remove(f.job.orderingKey);
        if (f.outcome.kind == Kind::Failed)
            qCWarning(lcSync) << "job" << f.job.id << f.job.kind << "failed:" << errorText(f.outcome.error);
        if (f.execution)
            f.execution->deleteLater();
    }
    if (!headsLoaded)
        m_dirty = true;
    for (const Finished &f : batch)
        Q_EMIT threadStateChanged(f.job.requestId, f.job.conversationId, f.job.updateId);
    Q_EMIT progressed();
    if (!m_running && m_running_.empty() && m_finished.empty())
        Q_EMIT drained();
}

} // namespace threadline::sync
