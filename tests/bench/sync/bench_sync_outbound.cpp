// Outbound sync benchmarks against the Slack sandbox over loopback HTTP. Prints one JSON document.
//
//   bench_sync_outbound overhead [followers=50] [updates=400]
//       limits off: thread posts through the full durable path (change feed, planner, jobs,
//       scheduler, Slack call, result) per second, on SQLite.
//   bench_sync_outbound fanout [followers=1000] [scale=60] [small=20]
//       Slack-like limits with the sandbox clock `scale` times faster (the engine's budgets scaled
//       alike): one request's summaries + one update to every follower; achieved/allowed post rate
//       and 429s; meanwhile a reply on each of `small` 3-follower requests, with its latency.
//       DM channels are opened beforehand (conversations.open is Tier 3 and done once per person).

#include "sandbox/sandboxserver.h"
#include "store/store.h"
#include "sync/engine.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>

using namespace threadline;

namespace {

struct Bench
{
    QTemporaryDir dir;
    sandbox::SandboxServer sandbox;
    QNetworkAccessManager nam;
    std::unique_ptr<sync::Engine> engine;

    explicit Bench(sandbox::SandboxOptions o)
        : sandbox(o)
    {
        if (!sandbox.listen())
            qFatal("sandbox listen failed");
    }

    void start(double scale)
    {
        sync::EngineOptions o;
        o.databaseUrl = QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("bench.db"));
        o.slack.apiUrl = sandbox.apiUrl();
        o.slack.botToken = sandbox.workspace().options().botToken;
        o.nam = &nam;
        o.inboundEnabled = false;
        o.rateLimitScale = scale;
        o.pollIntervalMs = 200;
        o.maxConcurrentCalls = 16;
        engine = std::make_unique<sync::Engine>(o);
        if (!engine->start())
            qFatal("engine start failed");
    }

    //! Runs the event loop until done() holds (checked every 20 ms) or the timeout passes.
    template<typename P>
    static void spin(P done, int timeoutMs)
    {
        QEventLoop loop;
        QElapsedTimer t;
        t.start();
        QTimer check;
        QObject::connect(&check, &QTimer::timeout, &loop, [&] {
            if (done() || t.elapsed() > timeoutMs)
                loop.quit();
        });
        check.start(20);
        if (!done())
            loop.exec();
    }

    bool idle()
    {
        const auto s = engine->queueStats();
        return s.fastPending == 0 && s.maintenancePending == 0 && s.inFlight == 0 && s.changeFeedLag == 0;
    }

    qint64 person(const QString &name, bool openDm)
    {
        auto u = sandbox.workspace().addUser(name, name.toLower() + QStringLiteral("@bench.example"));
        const qint64 id = engine->store()->upsertPerson({u.id, name, u.email, false}).value().id;
        if (openDm) {
            const QString dm = sandbox.workspace().openDm(u.id);
            engine->store()->execAffected(
                QStringLiteral("INSERT INTO dm_channels (person_id, channel_id, opened_at) VALUES (?, ?, ?)"),
                {id, dm, engine->store()->now()});
        }
        return id;
    }
};

int overhead(int followers, int updates)
{
    sandbox::SandboxOptions so;
    so.rateLimitsEnabled = false;
    so.serverPingIntervalMs = 0;
    Bench b(so);
    b.start(1e6);
    Bench::spin([&] { return b.engine->state() == sync::EngineState::Running; }, 10000);
    const qint64 agent = b.person(QStringLiteral("Agent"), false);
    QList<qint64> ids;
    for (int i = 0; i < followers; ++i)
        ids << b.person(QStringLiteral("F%1").arg(i), false);
    NewRequest n{QStringLiteral("Overhead"), QStringLiteral("body"), ids.first(), 0, 0, ids.mid(1), agent};
    const qint64 rid = b.engine->store()->createRequest(n).value().id;
    Bench::spin([&] { return b.idle(); }, 120000);
    const int postsBefore = b.sandbox.workspace().callCount(QStringLiteral("chat.postMessage"));
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < updates; ++i)
        b.engine->store()->postUpdate(
            {rid, agent, QStringLiteral("update %1").arg(i), UpdateSource::Desk, {}});
    const qint64 writeMs = t.elapsed();
    Bench::spin([&] { return b.idle(); }, 30 * 60000);
    const qint64 ms = t.elapsed();
    const int posts = b.sandbox.workspace().callCount(QStringLiteral("chat.postMessage")) - postsBefore;
    QJsonObject out{{QStringLiteral("benchmark"), QStringLiteral("sync_outbound_overhead")},
                    {QStringLiteral("database"), QStringLiteral("sqlite")},
                    {QStringLiteral("followers"), followers},
                    {QStringLiteral("updates"), updates},
                    {QStringLiteral("thread_posts"), posts},
                    {QStringLiteral("expected_posts"), followers * updates},
                    {QStringLiteral("desk_write_ms"), writeMs},
                    {QStringLiteral("elapsed_ms"), ms},
                    {QStringLiteral("posts_per_second"), ms > 0 ? posts * 1000.0 / ms : 0}};
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    return posts == followers * updates ? 0 : 1;
}

int fanout(int followers, double scale, int small)
{
    sandbox::SandboxOptions so;
    so.rateLimitsEnabled = true;
    so.timeScale = scale;
    so.serverPingIntervalMs = 0;
    Bench b(so);
    b.start(scale);
    Bench::spin([&] { return b.engine->state() == sync::EngineState::Running; }, 10000);
    const qint64 agent = b.person(QStringLiteral("Agent"), true);
    QList<qint64> smallRequests;
    for (int i = 0; i < small; ++i) {
        const qint64 a = b.person(QStringLiteral("S%1a").arg(i), true);
        const qint64 c = b.person(QStringLiteral("S%1b").arg(i), true);
        NewRequest n{QStringLiteral("Small %1").arg(i), QStringLiteral("b"), a, agent, 0, {c}, agent};
        smallRequests << b.engine->store()->createRequest(n).value().id;
    }
    Bench::spin([&] { return b.idle(); }, 600000);
    QList<qint64> ids;
    for (int i = 0; i < followers; ++i)
        ids << b.person(QStringLiteral("F%1").arg(i), true);

    // Reply latency on the small requests: from the desk write to the last of its copies in Slack.
    QHash<QString, int> copiesLeft; // update id text marker -> copies still to arrive
    QHash<QString, qint64> startedAt;
    QList<qint64> latencies;
    QElapsedTimer clock;
    clock.start();
    QObject::connect(&b.sandbox.workspace(), &sandbox::Workspace::messagePosted, &b.sandbox,
                     [&](const QString &channel, const QString &ts, const QString &) {
                         const auto *m = b.sandbox.workspace().message(channel, ts);
                         if (!m)
                             return;
                         for (auto it = copiesLeft.begin(); it != copiesLeft.end(); ++it) {
                             if (m->text.contains(it.key())) {
                                 if (--it.value() == 0)
                                     latencies << clock.elapsed() - startedAt.value(it.key());
                                 break;
                             }
                         }
                     });
    const int postsBefore = b.sandbox.workspace().callCount(QStringLiteral("chat.postMessage"));
    const int limitedBefore = b.sandbox.workspace().rateLimitedCount();
    NewRequest n{QStringLiteral("Fan-out"), QStringLiteral("body"), ids.first(), 0, 0, ids.mid(1), agent};
    const qint64 rid = b.engine->store()->createRequest(n).value().id;
    b.engine->store()->postUpdate({rid, agent, QStringLiteral("to everyone"), UpdateSource::Desk, {}});
    const qint64 t0 = clock.elapsed();
    int sent = 0;
    QTimer replies;
    replies.setInterval(200);
    QObject::connect(&replies, &QTimer::timeout, [&] {
        if (sent >= small)
            return;
        const QString marker = QStringLiteral("[small-reply-%1]").arg(sent);
        copiesLeft.insert(marker, 2); // the requester and the other follower (the agent posts)
        startedAt.insert(marker, clock.elapsed());
        b.engine->store()->postUpdate({smallRequests[sent], agent, marker, UpdateSource::Desk, {}});
        ++sent;
    });
    replies.start();
    Bench::spin([&] { return sent >= small && b.idle(); }, 60 * 60000);
    const qint64 ms = clock.elapsed() - t0;
    const int posts = b.sandbox.workspace().callCount(QStringLiteral("chat.postMessage")) - postsBefore;
    const int limited = b.sandbox.workspace().rateLimitedCount() - limitedBefore;
    // What the sandbox's workspace budget allows in that time: its bucket (max(burst 3, 300/10)
    // = 30 posts) plus the refill at 300/min on the sandbox clock.
    const double perMs = 300.0 * scale / 60000.0;
    const double allowed = 30.0 + perMs * double(ms);
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) -> qint64 {
        if (latencies.isEmpty())
            return -1;
        return latencies[std::min<qsizetype>(latencies.size() - 1, qsizetype(p * double(latencies.size())))];
    };
    QJsonObject out{{QStringLiteral("benchmark"), QStringLiteral("sync_outbound_fanout")},
                    {QStringLiteral("followers"), followers},
                    {QStringLiteral("time_scale"), scale},
                    {QStringLiteral("posts"), posts},
                    {QStringLiteral("elapsed_ms"), ms},
                    {QStringLiteral("elapsed_slack_s"), double(ms) * scale / 1000.0},
                    {QStringLiteral("allowed_posts"), allowed},
                    {QStringLiteral("achieved_over_allowed"), posts / allowed},
                    {QStringLiteral("rate_limited_429"), limited},
                    {QStringLiteral("small_replies"), int(latencies.size())},
                    {QStringLiteral("small_reply_p50_ms"), pct(0.5)},
                    {QStringLiteral("small_reply_p99_ms"), pct(0.99)},
                    {QStringLiteral("small_reply_p99_slack_s"), double(pct(0.99)) * scale / 1000.0}};
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("threadline.*.info=false\nthreadline.*.debug=false"));
    const QStringList a = app.arguments();
    const QString mode = a.value(1, QStringLiteral("overhead"));
    if (mode == QLatin1String("overhead"))
        return overhead(a.value(2, QStringLiteral("50")).toInt(), a.value(3, QStringLiteral("400")).toInt());
    if (mode == QLatin1String("fanout"))
        return fanout(a.value(2, QStringLiteral("1000")).toInt(), a.value(3, QStringLiteral("60")).toDouble(),
                      a.value(4, QStringLiteral("20")).toInt());
    std::fprintf(stderr, "usage: %s overhead [followers] [updates] | fanout [followers] [scale] [small]\n",
                 argv[0]);
    return 2;
}
