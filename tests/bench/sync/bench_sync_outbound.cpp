// Outbound sync benchmarks against the Slack sandbox over loopback HTTP. Prints one JSON document.
//
//   bench_sync_outbound overhead [followers=50] [updates=2000] [concurrency=32] [--no-reference]
//       limits off: thread posts through the full durable path (change feed, planner, jobs,
//       scheduler, Slack call, result) per second, on SQLite; then, against the same sandbox, the
//       same number of thread replies through Slack's official Node client (@slack/web-api, from
//       tests/conformance/node_modules; reference_fanout.mjs) with the same concurrency, and the
//       ratio Threadline / reference. The sandbox runs on its own thread.
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
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMutex>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>

#include <sys/resource.h>

using namespace threadline;

namespace {

struct Bench
{
    QTemporaryDir dir;
    // The sandbox runs on its own thread (its own event loop), like a Slack that is not the
    // engine's process: the engine's thread does only the engine's work.
    QThread sandboxThread;
    QObject *sandboxContext = nullptr; //!< lives on sandboxThread
    sandbox::SandboxServer *sandbox = nullptr;
    QNetworkAccessManager nam;
    std::unique_ptr<sync::Engine> engine;

    explicit Bench(sandbox::SandboxOptions o)
    {
        sandboxThread.setObjectName(QStringLiteral("sandbox"));
        sandboxThread.start();
        sandboxContext = new QObject;
        sandboxContext->moveToThread(&sandboxThread);
        QObject::connect(&sandboxThread, &QThread::finished, sandboxContext, &QObject::deleteLater);
        onSandbox([&] {
            sandbox = new sandbox::SandboxServer(o);
            if (!sandbox->listen())
                qFatal("sandbox listen failed");
        });
    }

    ~Bench()
    {
        engine.reset();
        onSandbox([&] { delete sandbox; });
        sandboxThread.quit();
        sandboxThread.wait();
    }

    //! Runs f on the sandbox's thread and waits for it.
    template<typename F>
    void onSandbox(F f)
    {
        QMetaObject::invokeMethod(sandboxContext, f, Qt::BlockingQueuedConnection);
    }

    int callCount(const QString &method)
    {
        int n = 0;
        onSandbox([&] { n = sandbox->workspace().callCount(method); });
        return n;
    }

    void start(double scale, int concurrency)
    {
        sync::EngineOptions o;
        o.databaseUrl = QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("bench.db"));
        onSandbox([&] {
            o.slack.apiUrl = sandbox->apiUrl();
            o.slack.botToken = sandbox->workspace().options().botToken;
        });
        o.nam = &nam;
        o.inboundEnabled = false;
        o.rateLimitScale = scale;
        o.pollIntervalMs = 200;
        o.maxConcurrentCalls = concurrency;
        engine = std::make_unique<sync::Engine>(o);
        if (!engine->start())
            qFatal("engine start failed");
    }

    //! Runs the event loop until done() holds (checked every 20 ms) or the timeout passes.
    template<typename P>
    static void spin(P done, int timeoutMs, int everyMs = 20)
    {
        QEventLoop loop;
        QElapsedTimer t;
        t.start();
        QTimer check;
        QObject::connect(&check, &QTimer::timeout, &loop, [&] {
            if (done() || t.elapsed() > timeoutMs)
                loop.quit();
        });
        check.start(everyMs);
        if (!done())
            loop.exec();
    }

    bool idle()
    {
        const auto s = engine->queueStats();
        return s.fastPending == 0 && s.maintenancePending == 0 && s.inFlight == 0 && s.changeFeedLag == 0;
    }

    qint64 person(const QString &name, bool openDm, QString *dmChannel = nullptr)
    {
        sandbox::SandboxUser u;
        QString dm;
        onSandbox([&] {
            u = sandbox->workspace().addUser(name, name.toLower() + QStringLiteral("@bench.example"));
            if (openDm || dmChannel)
                dm = sandbox->workspace().openDm(u.id);
        });
        if (dmChannel)
            *dmChannel = dm;
        const qint64 id = engine->store()->upsertPerson({u.id, name, u.email, false}).value().id;
        if (openDm) {
            engine->store()->execAffected(
                QStringLiteral("INSERT INTO dm_channels (person_id, channel_id, opened_at) VALUES (?, ?, ?)"),
                {id, dm, engine->store()->now()});
        }
        return id;
    }
};

// CPU seconds (user + system) of this process, or of its waited-for children (the node reference).
double cpuSeconds(int who)
{
    rusage u{};
    getrusage(who, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The 1-minute load average: the machine is shared, so every figure says how busy it was.
double loadAverage()
{
    double load[1] = {-1};
    return getloadavg(load, 1) == 1 ? load[0] : -1;
}

//! The same fan-out through Slack's official Node client (tests/bench/sync/reference_fanout.mjs).
QJsonObject referenceFanout(Bench &b, const QStringList &channels, int replies, int concurrency)
{
    QString modules = qEnvironmentVariable("THREADLINE_NODE_MODULES_DIR");
    if (modules.isEmpty())
        modules = QStringLiteral(THREADLINE_CONFORMANCE_DIR);
    if (!QFileInfo::exists(modules + QStringLiteral("/node_modules/@slack/web-api/package.json")))
        return {{QStringLiteral("error"),
                 QString(QStringLiteral("@slack/web-api is not installed: run npm ci in ") + modules)}};
    QString apiUrl;
    QString token;
    b.onSandbox([&] {
        apiUrl = b.sandbox->apiUrl().toString();
        token = b.sandbox->workspace().options().botToken;
    });
    QProcess node;
    node.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    bool finished = false;
    QObject::connect(&node, &QProcess::finished, [&] { finished = true; });
    QObject::connect(&node, &QProcess::errorOccurred, [&](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            finished = true;
    });
    QStringList args;
    args << QStringLiteral(THREADLINE_REFERENCE_SCRIPT) << modules << apiUrl << token
         << channels.join(QLatin1Char(',')) << QString::number(replies) << QString::number(concurrency);
    node.start(QStringLiteral("node"), args);
    Bench::spin([&] { return finished; }, 30 * 60000, 20);
    if (node.state() != QProcess::NotRunning) {
        node.kill();
        Bench::spin([&] { return finished; }, 5000, 20);
        return {{QStringLiteral("error"), QStringLiteral("the reference run timed out")}};
    }
    const QByteArray out = node.readAllStandardOutput().trimmed();
    const QJsonObject o = QJsonDocument::fromJson(out.mid(out.lastIndexOf('\n') + 1)).object();
    if (node.exitStatus() != QProcess::NormalExit || node.exitCode() != 0 || o.isEmpty())
        return {{QStringLiteral("error"),
                 QStringLiteral("the reference run failed (node exit code %1)").arg(node.exitCode())}};
    return o;
}

int overhead(int followers, int updates, int concurrency, bool reference)
{
    sandbox::SandboxOptions so;
    so.rateLimitsEnabled = false;
    so.serverPingIntervalMs = 0;
    Bench b(so);
    b.start(1e6, concurrency);
    Bench::spin([&] { return b.engine->state() == sync::EngineState::Running; }, 10000);
    const qint64 agent = b.person(QStringLiteral("Agent"), false);
    QList<qint64> ids;
    QStringList channels;
    for (int i = 0; i < followers; ++i) {
        QString dm;
        ids << b.person(QStringLiteral("F%1").arg(i), false, &dm);
        channels << dm;
    }
    NewRequest n{QStringLiteral("Overhead"), QStringLiteral("body"), ids.first(), 0, 0, ids.mid(1), agent};
    const qint64 rid = b.engine->store()->createRequest(n).value().id;
    Bench::spin([&] { return b.idle(); }, 120000);
    const int postsBefore = b.callCount(QStringLiteral("chat.postMessage"));
    const int expected = followers * updates;
    const double loadBefore = loadAverage();
    const double cpuBefore = cpuSeconds(RUSAGE_SELF);
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < updates; ++i)
        b.engine->store()->postUpdate(
            {rid, agent, QStringLiteral("update %1").arg(i), UpdateSource::Desk, {}});
    const qint64 writeMs = t.elapsed();
    // Done when the sandbox has every post (a cheap count), then the queue is confirmed empty.
    int posts = 0;
    Bench::spin(
        [&] {
            posts = b.callCount(QStringLiteral("chat.postMessage")) - postsBefore;
            return posts >= expected;
        },
        30 * 60000, 10);
    const qint64 ms = t.elapsed();
    const double cpu = cpuSeconds(RUSAGE_SELF) - cpuBefore;
    const double loadAfter = loadAverage();
    Bench::spin([&] { return b.idle(); }, 60000, 50);
    posts = b.callCount(QStringLiteral("chat.postMessage")) - postsBefore;
    const double rate = ms > 0 ? posts * 1000.0 / double(ms) : 0;
    QJsonObject out{{QStringLiteral("benchmark"), QStringLiteral("sync_outbound_overhead")},
                    {QStringLiteral("database"), QStringLiteral("sqlite")},
                    {QStringLiteral("followers"), followers},
                    {QStringLiteral("updates"), updates},
                    {QStringLiteral("concurrency"), concurrency},
                    {QStringLiteral("thread_posts"), posts},
                    {QStringLiteral("expected_posts"), expected},
                    {QStringLiteral("desk_write_ms"), writeMs},
                    {QStringLiteral("elapsed_ms"), ms},
                    {QStringLiteral("posts_per_second"), rate},
                    // All threads of this process (engine, Qt's HTTP thread, sandbox): on a shared
                    // machine the CPU cost per post says more than the wall-clock rate.
                    {QStringLiteral("cpu_seconds"), cpu},
                    {QStringLiteral("cpu_ms_per_post"), posts > 0 ? cpu * 1000.0 / posts : 0.0},
                    {QStringLiteral("load_average_before"), loadBefore},
                    {QStringLiteral("load_average_after"), loadAfter}};
    int rc = posts == expected ? 0 : 1;
    if (reference) {
        const double selfBefore = cpuSeconds(RUSAGE_SELF);
        const double childrenBefore = cpuSeconds(RUSAGE_CHILDREN);
        QJsonObject ref = referenceFanout(b, channels, expected, concurrency);
        // node (a waited-for child: its start-up and setup posts included) plus this process,
        // which runs the sandbox meanwhile.
        const double refCpu =
            (cpuSeconds(RUSAGE_CHILDREN) - childrenBefore) + (cpuSeconds(RUSAGE_SELF) - selfBefore);
        const double refPosts = ref.value(QStringLiteral("posts")).toDouble();
        ref.insert(QStringLiteral("cpu_seconds"), refCpu);
        ref.insert(QStringLiteral("cpu_ms_per_post"), refPosts > 0 ? refCpu * 1000.0 / refPosts : 0.0);
        ref.insert(QStringLiteral("load_average_after"), loadAverage());
        out.insert(QStringLiteral("reference"), ref);
        const double refRate = ref.value(QStringLiteral("posts_per_second")).toDouble();
        if (refRate > 0) {
            out.insert(QStringLiteral("ratio_threadline_over_reference"), rate / refRate);
            const double refCpuPerPost = ref.value(QStringLiteral("cpu_ms_per_post")).toDouble();
            if (refCpuPerPost > 0 && posts > 0)
                out.insert(QStringLiteral("cpu_ratio_threadline_over_reference"),
                           cpu * 1000.0 / posts / refCpuPerPost);
        } else
            rc = rc ? rc : 3;
    }
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    std::fflush(stdout);
    return rc;
}

int fanout(int followers, double scale, int small)
{
    sandbox::SandboxOptions so;
    so.rateLimitsEnabled = true;
    so.timeScale = scale;
    so.serverPingIntervalMs = 0;
    Bench b(so);
    b.start(scale, 16);
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
    // Shared with the sandbox's thread (messagePosted is handled there): under the mutex.
    QMutex mutex;
    QHash<QString, int> copiesLeft; // update id text marker -> copies still to arrive
    QHash<QString, qint64> startedAt;
    QList<qint64> latencies;
    QElapsedTimer clock;
    clock.start();
    QMetaObject::Connection counting;
    b.onSandbox([&] {
        counting = QObject::connect(&b.sandbox->workspace(), &sandbox::Workspace::messagePosted, b.sandbox,
                                    [&](const QString &channel, const QString &ts, const QString &) {
                                        const auto *m = b.sandbox->workspace().message(channel, ts);
                                        if (!m)
                                            return;
                                        QMutexLocker lock(&mutex);
                                        for (auto it = copiesLeft.begin(); it != copiesLeft.end(); ++it) {
                                            if (m->text.contains(it.key())) {
                                                if (--it.value() == 0)
                                                    latencies << clock.elapsed() - startedAt.value(it.key());
                                                break;
                                            }
                                        }
                                    });
    });
    const int postsBefore = b.callCount(QStringLiteral("chat.postMessage"));
    int limitedBefore = 0;
    b.onSandbox([&] { limitedBefore = b.sandbox->workspace().rateLimitedCount(); });
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
        {
            QMutexLocker lock(&mutex);
            copiesLeft.insert(marker, 2); // the requester and the other follower (the agent posts)
            startedAt.insert(marker, clock.elapsed());
        }
        b.engine->store()->postUpdate({smallRequests[sent], agent, marker, UpdateSource::Desk, {}});
        ++sent;
    });
    replies.start();
    // When the sandbox answered 429 (sampled every 20 ms), for the 429s per limit window.
    QList<qint64> limitedAt;
    int limitedSeen = limitedBefore;
    Bench::spin(
        [&] {
            int now = 0;
            b.onSandbox([&] { now = b.sandbox->workspace().rateLimitedCount(); });
            for (; limitedSeen < now; ++limitedSeen)
                limitedAt << clock.elapsed();
            return sent >= small && b.idle();
        },
        60 * 60000);
    const qint64 ms = clock.elapsed() - t0;
    // The handler uses this function's locals: it must not outlive them (the engine still runs
    // until Bench is destroyed, after them).
    b.onSandbox([&] { QObject::disconnect(counting); });
    const int posts = b.callCount(QStringLiteral("chat.postMessage")) - postsBefore;
    int limited = 0;
    QJsonObject limitedByMethod;
    b.onSandbox([&] {
        limited = b.sandbox->workspace().rateLimitedCount() - limitedBefore;
        for (const char *m : {"chat.postMessage", "chat.update", "conversations.open",
                              "conversations.replies", "conversations.history"}) {
            const int count = b.sandbox->workspace().callCount(QLatin1String(m), QStringLiteral("429"));
            if (count > 0)
                limitedByMethod.insert(QLatin1String(m), count);
        }
    });
    // Slack's limit windows are a minute: the most 429s within any minute of sandbox time.
    const qint64 windowMs = qint64(60000.0 / scale);
    int perWindow = 0;
    for (qsizetype i = 0; i < limitedAt.size(); ++i) {
        qsizetype j = i;
        while (j < limitedAt.size() && limitedAt[j] - limitedAt[i] < windowMs)
            ++j;
        perWindow = std::max(perWindow, int(j - i));
    }
    QMutexLocker lock(&mutex);
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
                    {QStringLiteral("max_429_per_minute_window"), perWindow},
                    {QStringLiteral("rate_limited_429_by_method"), limitedByMethod},
                    {QStringLiteral("small_replies"), int(latencies.size())},
                    {QStringLiteral("small_reply_p50_ms"), pct(0.5)},
                    {QStringLiteral("small_reply_p99_ms"), pct(0.99)},
                    {QStringLiteral("small_reply_p99_slack_s"), double(pct(0.99)) * scale / 1000.0}};
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    std::fflush(stdout);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("threadline.*.info=false\nthreadline.*.debug=false"));
    QStringList a;
    for (const QString &arg : app.arguments()) {
        if (!arg.startsWith(QLatin1String("--")))
            a << arg;
    }
    const QString mode = a.value(1, QStringLiteral("overhead"));
    if (mode == QLatin1String("overhead"))
        return overhead(a.value(2, QStringLiteral("50")).toInt(), a.value(3, QStringLiteral("2000")).toInt(),
                        a.value(4, QStringLiteral("32")).toInt(),
                        !app.arguments().contains(QStringLiteral("--no-reference")));
    if (mode == QLatin1String("fanout"))
        return fanout(a.value(2, QStringLiteral("1000")).toInt(), a.value(3, QStringLiteral("60")).toDouble(),
                      a.value(4, QStringLiteral("20")).toInt());
    std::fprintf(stderr,
                 "usage: %s overhead [followers] [updates] [concurrency] [--no-reference] | fanout "
                 "[followers] [scale] [small]\n",
                 argv[0]);
    return 2;
}
