#include "enginebridge.h"

#include "api/apiserver.h"
#include "slack/slackconnectionstate.h"
#include "slack/slackstats.h"
#include "store/store.h"
#include "sync/engine.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QMetaEnum>
#include <QSet>
#include <QSqlQuery>
#include <QTimer>

#include <memory>

namespace threadline {

namespace {

QString lit(const char *s)
{
    return QString::fromLatin1(s);
}

// One Prometheus metric without labels: its HELP and TYPE lines and its sample.
QByteArray metric(const char *name, const char *type, const char *help, const QByteArray &value)
{
    return QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n' + name + ' ' +
           value + '\n';
}

QJsonObject statsJson(const sync::QueueStats &s)
{
    return {{lit("fast_pending"), s.fastPending},
            {lit("maintenance_pending"), s.maintenancePending},
            {lit("in_flight"), s.inFlight},
            {lit("failed"), s.failed},
            {lit("rate_limit_waits"), s.rateLimitWaits},
            {lit("rate_limited"), s.rateLimited},
            {lit("dispatched"), s.dispatched},
            {lit("change_feed_lag"), s.changeFeedLag}};
}

QJsonValue orNull(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

} // namespace

void bridgeEngineToApi(sync::Engine &engine, ApiServer &api)
{
    sync::Engine *e = &engine;
    api.setFilesDirectory(engine.filesDirectory());
    api.setReadinessProvider([e] {
        using State = slack::SlackConnectionState::State;
        QList<ReadinessCheck> checks;
        ReadinessCheck slackCheck{lit("slack"), e->slackState() == State::Connected, {}};
        if (!slackCheck.ok) {
            slackCheck.reason =
                QStringLiteral("engine %1, Slack connection %2")
                    .arg(sync::engineStateName(e->state()),
                         QString::fromLatin1(QMetaEnum::fromType<State>().valueToKey(int(e->slackState()))));
            if (!e->stateReason().message.isEmpty())
                slackCheck.reason += lit(": ") + e->stateReason().message;
        }
        ReadinessCheck inbound{lit("inbound"), e->inboundConnected(), {}};
        if (!inbound.ok)
            inbound.reason = lit("no Socket Mode connection or HTTP Events receiver is up");
        checks << slackCheck << inbound;
        return checks;
    });
    api.setQueuesProvider([e]() -> Result<QJsonObject> {
        QJsonObject o = statsJson(e->queueStats());
        o.insert(lit("engine"), sync::engineStateName(e->state()));
        auto failed = e->failedJobs(20);
        if (failed) {
            QJsonArray jobs;
            for (const sync::JobInfo &j : failed.value())
                jobs.append(QJsonObject{{lit("id"), j.id},
                                        {lit("lane"), sync::laneName(j.lane)},
                                        {lit("kind"), j.kind},
                                        {lit("request_id"), j.requestId},
                                        {lit("update_id"), j.updateId},
                                        {lit("attempts"), j.attempts},
                                        {lit("last_error"), orNull(j.lastError)}});
            o.insert(lit("failed_jobs"), jobs);
        }
        return o;
    });
    api.setThreadsProvider([e](qint64 requestId) -> Result<QJsonObject> {
        auto threads = e->requestThreads(requestId);
        if (!threads)
            return threads.error();
        QJsonArray out;
        for (const sync::ThreadState &t : threads->threads) {
            QJsonArray messages;
            for (const sync::ThreadMessageState &m : t.messages)
                messages.append(QJsonObject{{lit("update_id"), m.updateId},
                                            {lit("ts"), orNull(m.ts)},
                                            {lit("state"), m.state},
                                            {lit("last_error"), orNull(m.lastError)}});
            QJsonArray files;
            for (const files::ThreadFileState &f : t.files)
                files.append(QJsonObject{{lit("attachment_id"), f.attachmentId},
                                         {lit("update_id"), f.updateId},
                                         {lit("name"), f.name},
                                         {lit("state"), f.state},
                                         {lit("ts"), orNull(f.ts)},
                                         {lit("file_id"), orNull(f.slackFileId)},
                                         {lit("last_error"), orNull(f.lastError)}});
            out.append(QJsonObject{
                {lit("conversation_id"), t.conversationId},
                {lit("user"), t.slackUserId},
                {lit("name"), t.personName},
                {lit("channel"), orNull(t.channelId)},
                {lit("thread_ts"), orNull(t.summaryTs)},
                {lit("summary_state"), t.state},
                {lit("last_error"), orNull(t.lastError)},
                {lit("last_sync_at"),
                 t.lastSyncMs > 0
                     ? QJsonValue(
                           QDateTime::fromMSecsSinceEpoch(t.lastSyncMs, Qt::UTC).toString(Qt::ISODateWithMs))
                     : QJsonValue(QJsonValue::Null)},
                {lit("updates"), messages},
                {lit("files"), files}});
        }
        return QJsonObject{{lit("request_id"), requestId}, {lit("threads"), out}};
    });
    api.setRetryProvider([e](qint64 updateId, qint64 conversationId) -> Result<int> {
        return updateId > 0 ? e->retryUpdate(updateId) : e->retryConversation(conversationId);
    });
    api.metrics().setExtraProvider([e] {
        const sync::QueueStats s = e->queueStats();
        QByteArray out;
        out += "# HELP threadline_lane_depth Jobs waiting per lane.\n# TYPE threadline_lane_depth gauge\n";
        out += "threadline_lane_depth{lane=\"fast\"} " + QByteArray::number(s.fastPending) + '\n';
        out +=
            "threadline_lane_depth{lane=\"maintenance\"} " + QByteArray::number(s.maintenancePending) + '\n';
        out += metric("threadline_slack_calls_in_flight", "gauge", "Slack calls running now.",
                      QByteArray::number(s.inFlight));
        out += metric("threadline_jobs_failed", "gauge", "Jobs that ended failed (visible, retryable).",
                      QByteArray::number(s.failed));
        out += metric("threadline_slack_calls_dispatched_total", "counter",
                      "Slack calls started since start.", QByteArray::number(s.dispatched));
        out += metric("threadline_slack_rate_limited_total", "counter",
                      "429 or ratelimited answers since start.", QByteArray::number(s.rateLimited));
        out += metric("threadline_rate_limit_waits_total", "counter",
                      "Dispatches deferred by the rate limiter since start.",
                      QByteArray::number(s.rateLimitWaits));
        out += metric("threadline_change_feed_lag", "gauge", "Change feed rows not yet planned.",
                      QByteArray::number(s.changeFeedLag));
        out += metric("threadline_inbound_connected", "gauge",
                      "1 when Socket Mode or the HTTP Events receiver is up.",
                      QByteArray(e->inboundConnected() ? "1" : "0"));
        // Jobs by lane and state, and retries, from the jobs table: every process on the database.
        if (Store *store = e->store()) {
            if (auto q = store->exec(QStringLiteral("SELECT lane, state, COUNT(*), COALESCE(SUM(CASE WHEN "
                                                    "attempts > 1 THEN attempts - 1 ELSE 0 END), 0) FROM "
                                                    "jobs GROUP BY lane, state ORDER BY lane, state"));
                q) {
                QByteArray jobs;
                qint64 retries = 0;
                while (q.value()->next()) {
                    jobs += "threadline_jobs{lane=\"" + q.value()->value(0).toString().toUtf8() +
                            "\",state=\"" + q.value()->value(1).toString().toUtf8() + "\"} " +
                            QByteArray::number(q.value()->value(2).toLongLong()) + '\n';
                    retries += q.value()->value(3).toLongLong();
                }
                q.value()->finish();
                out += "# HELP threadline_jobs Jobs in the database by lane and state (all processes).\n"
                       "# TYPE threadline_jobs gauge\n" +
                       jobs;
                out += metric("threadline_job_retries", "gauge",
                              "Attempts beyond the first, summed over the jobs in the database.",
                              QByteArray::number(retries));
            }
        }
        out += slack::SlackStats::global().render();
        return out;
    });
    // End-to-end delivery latency: an update's copy that reached `posted` in this process, from the
    // update's desk time to the copy's posted time (both the store's clock). Looked up in batches.
    struct Deliveries
    {
        QSet<std::pair<qint64, qint64>> pending; //!< (conversation, update) that changed state
        QSet<std::pair<qint64, qint64>> recorded;
    };
    auto deliveries = std::make_shared<Deliveries>();
    auto *deliveryTimer = new QTimer(&api);
    deliveryTimer->setInterval(1000);
    QObject::connect(deliveryTimer, &QTimer::timeout, &api, [e, deliveries] {
        if (deliveries->pending.isEmpty() || !e->store())
            return;
        const QList<std::pair<qint64, qint64>> pairs(deliveries->pending.cbegin(),
                                                     deliveries->pending.cend());
        deliveries->pending.clear();
        constexpr int Chunk = 100;
        for (int i = 0; i < pairs.size(); i += Chunk) {
            QStringList terms;
            QVariantList binds;
            for (int k = i; k < std::min<int>(int(pairs.size()), i + Chunk); ++k) {
                terms << QStringLiteral("(tm.conversation_id = ? AND tm.update_id = ?)");
                binds << pairs[k].first << pairs[k].second;
            }
            auto q = e->store()->exec(
                QStringLiteral("SELECT tm.conversation_id, tm.update_id, tm.updated_at - u.created_at FROM "
                               "thread_messages tm JOIN updates u ON u.id = tm.update_id WHERE tm.state = "
                               "'posted' AND u.edited_at IS NULL AND (") +
                    terms.join(QStringLiteral(" OR ")) + QLatin1Char(')'),
                binds);
            if (!q)
                return;
            while (q.value()->next()) {
                const std::pair<qint64, qint64> key{q.value()->value(0).toLongLong(),
                                                    q.value()->value(1).toLongLong()};
                if (deliveries->recorded.contains(key))
                    continue;
                if (deliveries->recorded.size() > 200'000)
                    deliveries->recorded.clear();
                deliveries->recorded.insert(key);
                slack::SlackStats::global().recordDelivery(double(q.value()->value(2).toLongLong()) / 1000.0);
            }
            q.value()->finish();
        }
    });
    deliveryTimer->start();
    QObject::connect(e, &sync::Engine::threadStateChanged, &api,
                     [deliveries](qint64, qint64 conversationId, qint64 updateId) {
                         if (updateId > 0 && deliveries->pending.size() < 100'000)
                             deliveries->pending.insert({conversationId, updateId});
                     });
    QObject::connect(e, &sync::Engine::threadStateChanged, &api,
                     [a = &api](qint64 requestId, qint64 conversationId, qint64 updateId) {
                         QJsonObject event{{lit("type"), lit("thread.changed")},
                                           {lit("request_id"), requestId},
                                           {lit("conversation_id"), conversationId}};
                         if (updateId > 0)
                             event.insert(lit("update_id"), updateId);
                         a->publish(event);
                     });
    QObject::connect(e, &sync::Engine::queueStatsChanged, &api, [a = &api](const sync::QueueStats &s) {
        QJsonObject event = statsJson(s);
        event.insert(lit("type"), lit("queues"));
        a->publish(event);
    });
    QObject::connect(e, &sync::Engine::stateChanged, &api,
                     [a = &api](sync::EngineState state, const QString &reason) {
                         a->publish({{lit("type"), lit("engine.state")},
                                     {lit("state"), sync::engineStateName(state)},
                                     {lit("reason"), reason}});
                     });
}

} // namespace threadline
