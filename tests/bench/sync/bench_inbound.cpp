// Inbound benchmark: N Slack replies written by followers in their request threads (sandbox,
// Socket Mode over loopback) → inbox (durable receipt, then ack) → desk updates → copies in every
// other follower's thread. Prints JSON: ack latency (measured in the sandbox: envelope written →
// ack read, so it includes the WebSocket both ways and the inbox INSERT), end-to-end latencies and
// throughput, and whether every reply is on the desk exactly once and copied exactly once into
// every other follower's thread.
//
//   bench_sync_inbound [--mode engine|bare] [--replies 10000] [--rate 200] [--requests 20]
//                      [--followers 3] [--db sqlite:/path | postgresql://…]
//
// --mode engine (default): the full Engine (its inbound receipt thread, the processor, the planner
// and the outbound scheduler fanning each reply out) on its own thread, the sandbox on the main
// thread. --mode bare: the inbound half alone on a bare store (no fan-out), everything on one
// thread. --rate is replies posted per second (0: all at once).
#include "sandbox/sandboxserver.h"
#include "slack/postmessagejob.h"
#include "slack/socketmodeclient.h"
#include "store/databaseurl.h"
#include "store/store.h"
#include "sync/engine.h"
#include "sync/inboundprocessor.h"
#include "sync/inboundreceiver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMutex>
#include <QNetworkAccessManager>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <atomic>

#include <algorithm>
#include <cstdio>

using namespace threadline;
using namespace threadline::sync;

namespace {

double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const qsizetype i = std::min<qsizetype>(values.size() - 1, qsizetype(p * double(values.size())));
    return values.at(i);
}

int fail(const char *what)
{
    std::fprintf(stderr, "bench_sync_inbound: %s\n", what);
    return 1;
}

//! Socket Mode ack latency as the sandbox sees it: from an envelope's send to its ack (a
//! redelivery is a new envelope, counted in redeliveries).
struct AckLatency
{
    QHash<QString, qint64> sentAt; // envelope id → ns on the clock
    QList<double> ackMs;
    int redeliveries = 0;

    void attach(sandbox::SandboxServer &sandbox, const QElapsedTimer &clock)
    {
        QObject::connect(&sandbox.socketMode(), &sandbox::SocketModeHub::envelopeSent,
                         [this, &clock](const QString &envelopeId, const QString &, int attempt) {
                             sentAt.insert(envelopeId, clock.nsecsElapsed());
                             if (attempt > 0)
                                 ++redeliveries;
                         });
        QObject::connect(&sandbox.workspace(), &sandbox::Workspace::envelopeAcked,
                         [this, &clock](const QString &envelopeId, const QString &) {
                             const auto it = sentAt.constFind(envelopeId);
                             if (it != sentAt.constEnd())
                                 ackMs.append(double(clock.nsecsElapsed() - it.value()) / 1e6);
                         });
    }

    //! The acks, redeliveries and ack_ms_* figures, against the 50 ms p99 target.
    void addTo(QJsonObject &out) const
    {
        out.insert(QStringLiteral("acks"), int(ackMs.size()));
        out.insert(QStringLiteral("redeliveries"), redeliveries);
        out.insert(QStringLiteral("ack_ms_p50"), percentile(ackMs, 0.50));
        out.insert(QStringLiteral("ack_ms_p99"), percentile(ackMs, 0.99));
        out.insert(QStringLiteral("ack_ms_max"), percentile(ackMs, 1.0));
        out.insert(QStringLiteral("ack_p99_target_ms"), 50);
        out.insert(QStringLiteral("ack_p99_ok"), percentile(ackMs, 0.99) < 50);
    }
};

//! The sandbox of both runs: no rate limits, no pings, room for every event of the run.
sandbox::SandboxOptions sandboxOptions(int replies)
{
    sandbox::SandboxOptions options;
    options.rateLimitsEnabled = false;
    options.serverPingIntervalMs = 0;
    options.maxPendingEvents = std::max(10000, replies * 2);
    return options;
}

QString databaseName(const Store &store)
{
    return store.backend() == DatabaseUrl::Backend::Sqlite ? QStringLiteral("sqlite")
                                                           : QStringLiteral("postgresql");
}

} // namespace

int runBare(QCoreApplication &app, const QCommandLineParser &parser)
{
    const int replies = parser.value(QStringLiteral("replies")).toInt();
    const int rate = parser.value(QStringLiteral("rate")).toInt();
    const int requests = std::max(1, parser.value(QStringLiteral("requests")).toInt());

    QTemporaryDir dir;
    const QString dbUrl = parser.isSet(QStringLiteral("db"))
                              ? parser.value(QStringLiteral("db"))
                              : QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("bench.db"));
    Store store;
    if (!store.open(dbUrl).ok())
        return fail("cannot open the database");

    const sandbox::SandboxOptions options = sandboxOptions(replies);
    sandbox::SandboxServer sandbox(options);
    if (!sandbox.listen())
        return fail("the sandbox cannot listen");
    auto &ws = sandbox.workspace();
    slack::SlackIdentity self;
    self.userId = options.botUserId;
    self.botId = options.botId;
    self.appId = options.appId;
    self.teamId = options.teamId;

    // People, requests and their threads: ada and bob follow every request.
    const QString adaId = ws.addUser(QStringLiteral("ada"), QStringLiteral("ada@example.com")).id;
    const QString bobId = ws.addUser(QStringLiteral("bob"), QStringLiteral("bob@example.com")).id;
    const QString adaDm = ws.openDm(adaId);
    const QString bobDm = ws.openDm(bobId);
    const qint64 ada = store.upsertPerson({adaId, QStringLiteral("Ada"), {}, false}).value().id;
    const qint64 bob = store.upsertPerson({bobId, QStringLiteral("Bob"), {}, true}).value().id;
    struct Thread
    {
        QString user;
        QString summaryTs;
    };
    QList<Thread> threads;
    for (int r = 0; r < requests; ++r) {
        NewRequest nr;
        nr.title = QStringLiteral("Request %1").arg(r);
        nr.requesterId = ada;
        nr.assigneeId = bob;
        const qint64 requestId = store.createRequest(nr).value().id;
        for (const auto &[personId, userId, dm] :
             {std::tuple{ada, adaId, adaDm}, std::tuple{bob, bobId, bobDm}}) {
            sandbox::SandboxMessage summary;
            summary.channel = dm;
            summary.user = options.botUserId;
            summary.byApp = true;
            summary.text = nr.title;
            const QString ts = ws.appendMessage(summary, false).ts;
            if (!store
                     .insert(QStringLiteral(
                                 "INSERT INTO conversations (request_id, person_id, channel_id, summary_ts, "
                                 "state, created_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?) "
                                 "RETURNING id"),
                             {requestId, personId, dm, ts, store.now(), store.now()})
                     .ok())
                return fail("cannot add a conversation");
            threads.append({userId, ts});
        }
    }

    QNetworkAccessManager nam;
    slack::SocketModeClient socket(&nam, {sandbox.apiUrl(), options.appToken});
    socket.setPingInterval(5000);
    InboundReceiver receiver(&store, self);
    InboundProcessor processor(&store, self);
    processor.setSliceMs(parser.value(QStringLiteral("slice-ms")).toInt());
    receiver.attachSocketMode(&socket);
    QObject::connect(&receiver, &InboundReceiver::stored, &processor, &InboundProcessor::wake);

    QElapsedTimer clock;
    clock.start();
    AckLatency acks;
    acks.attach(sandbox, clock);
    int applied = 0;
    qint64 lastAppliedNs = 0;
    QObject::connect(&processor, &InboundProcessor::rowProcessed,
                     [&](qint64, InboxState state, qint64 updateId) {
                         if (state == InboxState::Applied && updateId > 0) {
                             ++applied;
                             lastAppliedNs = clock.nsecsElapsed();
                             if (applied == replies)
                                 QCoreApplication::quit();
                         }
                     });

    qint64 startNs = 0;
    int posted = 0;
    QTimer pacer;
    const int tickMs = 10;
    const int perTick = rate <= 0 ? replies : std::max(1, rate * tickMs / 1000);
    QObject::connect(&pacer, &QTimer::timeout, [&] {
        for (int i = 0; i < perTick && posted < replies; ++i, ++posted) {
            const Thread &t = threads.at(posted % threads.size());
            ws.postAsUser(t.user, QStringLiteral("reply %1 with <@%2>").arg(posted).arg(adaId), t.summaryTs);
        }
        if (posted >= replies)
            pacer.stop();
    });
    QObject::connect(&socket, &slack::SocketModeClient::ready, [&] {
        processor.start();
        startNs = clock.nsecsElapsed();
        pacer.start(tickMs);
    });
    QTimer::singleShot(std::max(120'000, replies * 20), &app, [] { QCoreApplication::exit(2); });
    socket.start();
    const int rc = app.exec();
    socket.stop();

    const double seconds = double(lastAppliedNs - startNs) / 1e9;
    auto updates = store.scalar(QStringLiteral("SELECT COUNT(*) FROM updates WHERE source = 'slack'"));
    const int deskUpdates = updates.ok() && updates.value() ? updates.value()->toInt() : -1;
    QJsonObject out{
        {QStringLiteral("benchmark"), QStringLiteral("sync_inbound")},
        {QStringLiteral("database"), databaseName(store)},
        {QStringLiteral("replies"), replies},
        {QStringLiteral("rate_per_s"), rate},
        {QStringLiteral("slice_ms"), parser.value(QStringLiteral("slice-ms")).toInt()},
        {QStringLiteral("request_threads"), int(threads.size())},
        {QStringLiteral("desk_updates"), deskUpdates},
        {QStringLiteral("end_to_end_s"), seconds},
        {QStringLiteral("end_to_end_updates_per_s"), seconds > 0 ? applied / seconds : 0},
        {QStringLiteral("outbound_fan_out"),
         QStringLiteral(
             "not included: this benchmark runs the inbound half on a bare store, without the Engine")},
        {QStringLiteral("completed"), rc == 0 && deskUpdates == replies},
    };
    acks.addTo(out);
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    return rc == 0 && deskUpdates == replies ? 0 : 1;
}

namespace {

QJsonObject latencyJson(const QList<double> &ms)
{
    return QJsonObject{{QStringLiteral("count"), int(ms.size())},
                       {QStringLiteral("p50_ms"), percentile(ms, 0.50)},
                       {QStringLiteral("p99_ms"), percentile(ms, 0.99)},
                       {QStringLiteral("max_ms"), percentile(ms, 1.0)}};
}

} // namespace

// The full Engine on its own thread; the sandbox (and this measuring code) on the main thread.
int runEngine(QCoreApplication &app, const QCommandLineParser &parser)
{
    const int replies = parser.value(QStringLiteral("replies")).toInt();
    const int rate = parser.value(QStringLiteral("rate")).toInt();
    const int requests = std::max(1, parser.value(QStringLiteral("requests")).toInt());
    const int followers = std::clamp(parser.value(QStringLiteral("followers")).toInt(), 2, 50);

    QTemporaryDir dir;
    const QString dbUrl = parser.isSet(QStringLiteral("db"))
                              ? parser.value(QStringLiteral("db"))
                              : QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("bench.db"));
    Store store; // this thread's own connection: setup and the final checks
    if (!store.open(dbUrl).ok())
        return fail("cannot open the database");

    const sandbox::SandboxOptions options = sandboxOptions(replies);
    sandbox::SandboxServer sandbox(options);
    if (!sandbox.listen())
        return fail("the sandbox cannot listen");
    auto &ws = sandbox.workspace();

    // People and requests: request r is followed by people r .. r+followers-1 (of a pool), the
    // first the requester, the second the assignee.
    const int pool = std::max(followers, requests);
    QList<qint64> personIds;
    for (int k = 0; k < pool; ++k) {
        const QString name = QStringLiteral("person%1").arg(k);
        const auto user = ws.addUser(name, name + QStringLiteral("@example.com"));
        auto p = store.upsertPerson({user.id, name, user.email, k % 2 == 1});
        if (!p)
            return fail("cannot add a person");
        personIds.append(p.value().id);
    }
    for (int r = 0; r < requests; ++r) {
        NewRequest nr;
        nr.title = QStringLiteral("Request %1").arg(r);
        nr.body = QStringLiteral("Benchmark request");
        nr.requesterId = personIds.at(r % pool);
        nr.assigneeId = personIds.at((r + 1) % pool);
        for (int j = 2; j < followers; ++j)
            nr.followerIds.append(personIds.at((r + j) % pool));
        if (!store.createRequest(nr))
            return fail("cannot create a request");
    }

    QElapsedTimer clock;
    clock.start();
    QThread engineThread;
    engineThread.setObjectName(QStringLiteral("engine"));
    engineThread.start();
    auto *context = new QObject;
    context->moveToThread(&engineThread);
    Engine *engine = nullptr;
    std::atomic<bool> inboundUp{false};
    QMutex deskMutex;
    QList<QPair<qint64, qint64>> deskTimes; // update id, ns (recorded on the engine thread at COMMIT)
    const int concurrency = parser.value(QStringLiteral("concurrency")).toInt();
    QMetaObject::invokeMethod(
        context,
        [&] {
            EngineOptions o;
            o.databaseUrl = dbUrl;
            o.slack.apiUrl = sandbox.apiUrl();
            o.slack.botToken = options.botToken;
            o.slack.appToken = options.appToken;
            o.nam = new QNetworkAccessManager(context);
            o.rateLimitScale = 1000; // the sandbox's limits are off
            o.maxConcurrentCalls = std::max(1, concurrency);
            engine = new Engine(o, context);
            QObject::connect(engine, &Engine::inboundStateChanged, context,
                             [&inboundUp](bool connected) { inboundUp = connected; });
            if (!engine->start())
                return;
            QObject::connect(engine->store(), &Store::changed, context, [&](const StoreChange &change) {
                if (change.kind == StoreChange::Kind::UpdatePosted) {
                    QMutexLocker lock(&deskMutex);
                    deskTimes.append({change.updateId, clock.nsecsElapsed()});
                }
            });
        },
        Qt::BlockingQueuedConnection);
    InboundReceiptStats receipts;
    const auto stopEngine = [&] {
        QMetaObject::invokeMethod(
            context,
            [&] {
                receipts = engine->inboundReceiptStats();
                delete engine; // joins the receipt thread
                engine = nullptr;
                context->deleteLater();
            },
            Qt::BlockingQueuedConnection);
        engineThread.quit();
        engineThread.wait();
    };

    struct Thread
    {
        qint64 requestId = 0;
        qint64 personId = 0;
        QString user;
        QString channel;
        QString summaryTs;
    };
    QList<Thread> threads;
    const auto loadThreads = [&]() -> bool {
        threads.clear();
        auto q = store.exec(
            QStringLiteral("SELECT c.request_id, c.person_id, p.slack_id, c.channel_id, c.summary_ts FROM "
                           "conversations c JOIN people p ON p.id = c.person_id ORDER BY c.id"));
        if (!q)
            return false;
        QueryGuard guard(q.value());
        while (q.value()->next()) {
            Thread t{q.value()->value(0).toLongLong(), q.value()->value(1).toLongLong(),
                     q.value()->value(2).toString(), q.value()->value(3).toString(),
                     q.value()->value(4).toString()};
            if (t.summaryTs.isEmpty())
                return false;
            threads.append(t);
        }
        return threads.size() == requests * followers;
    };

    // Ack latency, in the sandbox.
    AckLatency acks;
    acks.attach(sandbox, clock);

    // Copies in the other followers' threads, as the sandbox sees them posted.
    static const QRegularExpression replyNumber(QStringLiteral("reply #(\\d+)\\."));
    QList<qint64> postNs(replies, 0);
    QList<int> copies(replies, 0);
    QList<double> copyMs; // reply posted → its last copy posted
    int complete = 0;
    int appCopies = 0;
    const int perReply = followers - 1;
    int posted = 0;
    qint64 startNs = 0;
    qint64 lastCopyNs = 0;
    QObject::connect(&ws, &sandbox::Workspace::messagePosted,
                     [&](const QString &channel, const QString &ts, const QString &) {
                         const sandbox::SandboxMessage *m = ws.message(channel, ts);
                         if (!m || !m->byApp)
                             return;
                         const auto match = replyNumber.match(m->text);
                         if (!match.hasMatch())
                             return;
                         const int i = match.captured(1).toInt();
                         if (i < 0 || i >= replies)
                             return;
                         ++appCopies;
                         if (++copies[i] == perReply) {
                             lastCopyNs = clock.nsecsElapsed();
                             copyMs.append(double(lastCopyNs - postNs.at(i)) / 1e6);
                             if (++complete == replies)
                                 QCoreApplication::quit();
                         }
                     });

    QHash<QString, int> replyOfTs;
    QTimer pacer;
    const int tickMs = 10;
    const int perTick = rate <= 0 ? replies : std::max(1, rate * tickMs / 1000);
    QObject::connect(&pacer, &QTimer::timeout, [&] {
        for (int i = 0; i < perTick && posted < replies; ++i, ++posted) {
            const Thread &t = threads.at(posted % threads.size());
            postNs[posted] = clock.nsecsElapsed();
            const auto r =
                ws.postAsUser(t.user, QStringLiteral("reply #%1. from Slack").arg(posted), t.summaryTs);
            replyOfTs.insert(r.ts, posted);
        }
        if (posted >= replies)
            pacer.stop();
    });
    QTimer ready;
    QObject::connect(&ready, &QTimer::timeout, [&] {
        if (!inboundUp || !loadThreads())
            return;
        ready.stop();
        startNs = clock.nsecsElapsed();
        pacer.start(tickMs);
    });
    ready.start(100);
    QTimer::singleShot(std::max(300'000, replies * 60), &app, [] { QCoreApplication::exit(2); });
    const int rc = engine ? app.exec() : 3;
    stopEngine();

    // ---- checks: the desk and every thread in the sandbox ---------------------------------------
    QStringList problems;
    QHash<int, int> onDesk;
    if (auto q = store.exec(QStringLiteral("SELECT text FROM updates WHERE source = 'slack'")); q) {
        QueryGuard guard(q.value());
        while (q.value()->next()) {
            const auto match = replyNumber.match(q.value()->value(0).toString());
            if (match.hasMatch())
                ++onDesk[match.captured(1).toInt()];
        }
    }
    int deskUpdates = 0;
    for (int i = 0; i < replies; ++i) {
        deskUpdates += onDesk.value(i);
        if (onDesk.value(i) != 1 && problems.size() < 20)
            problems << QStringLiteral("reply %1 is %2 times on the desk").arg(i).arg(onDesk.value(i));
    }
    int badThreads = 0;
    for (const Thread &t : std::as_const(threads)) {
        QHash<int, int> inThread;
        for (const auto *m : ws.replies(t.channel, t.summaryTs)) {
            const auto match = replyNumber.match(m->text);
            if (match.hasMatch() && !m->deleted)
                ++inThread[match.captured(1).toInt()];
        }
        bool ok = true;
        for (int i = 0; i < posted; ++i) {
            const Thread &source = threads.at(i % threads.size());
            const int expected = source.requestId == t.requestId ? 1 : 0; // a copy, or the author's own
            if (inThread.value(i) != expected) {
                ok = false;
                if (problems.size() < 20)
                    problems << QStringLiteral(
                                    "reply %1 is %2 times in the thread of person %3 on request %4")
                                    .arg(i)
                                    .arg(inThread.value(i))
                                    .arg(t.personId)
                                    .arg(t.requestId);
            }
        }
        badThreads += ok ? 0 : 1;
    }

    // Reply → desk update (COMMIT of the processor's transaction).
    QHash<qint64, int> replyOfUpdate;
    if (auto q = store.exec(
            QStringLiteral("SELECT update_id, slack_ts FROM thread_messages WHERE state = 'original'"));
        q) {
        QueryGuard guard(q.value());
        while (q.value()->next())
            replyOfUpdate.insert(q.value()->value(0).toLongLong(),
                                 replyOfTs.value(q.value()->value(1).toString(), -1));
    }
    QList<double> deskMs;
    qint64 lastDeskNs = 0;
    for (const auto &[updateId, ns] : std::as_const(deskTimes)) {
        const int i = replyOfUpdate.value(updateId, -1);
        if (i < 0)
            continue;
        deskMs.append(double(ns - postNs.at(i)) / 1e6);
        lastDeskNs = std::max(lastDeskNs, ns);
    }

    const bool exact = problems.isEmpty() && deskUpdates == replies && complete == replies;
    const double deskSeconds = double(lastDeskNs - startNs) / 1e9;
    const double copySeconds = double(lastCopyNs - startNs) / 1e9;
    QJsonObject out{
        {QStringLiteral("benchmark"), QStringLiteral("sync_inbound")},
        {QStringLiteral("mode"), QStringLiteral("engine")},
        {QStringLiteral("database"), databaseName(store)},
        {QStringLiteral("replies"), replies},
        {QStringLiteral("rate_per_s"), rate},
        {QStringLiteral("requests"), requests},
        {QStringLiteral("followers_per_request"), followers},
        {QStringLiteral("copies_expected"), replies * perReply},
        {QStringLiteral("copies_posted"), appCopies},
        {QStringLiteral("desk_updates"), deskUpdates},
        {QStringLiteral("receipts_50ms_or_more"), receipts.slow},
        {QStringLiteral("receipt_slowest_ms"), receipts.slowest},
        {QStringLiteral("reply_to_desk"), latencyJson(deskMs)},
        {QStringLiteral("reply_to_all_copies"), latencyJson(copyMs)},
        {QStringLiteral("desk_updates_per_s"), deskSeconds > 0 ? deskUpdates / deskSeconds : 0},
        {QStringLiteral("copies_per_s"), copySeconds > 0 ? appCopies / copySeconds : 0},
        {QStringLiteral("end_to_end_s"), copySeconds},
        {QStringLiteral("threads_wrong"), badThreads},
        {QStringLiteral("problems"), QJsonArray::fromStringList(problems)},
        {QStringLiteral("exactly_once"), exact},
        {QStringLiteral("completed"), rc == 0 && exact},
    };
    acks.addTo(out);
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    return rc == 0 && exact ? 0 : 1;
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addOptions(
        {{QStringLiteral("mode"), QStringLiteral("engine (the full Engine) or bare (inbound half only)"),
          QStringLiteral("mode"), QStringLiteral("engine")},
         {QStringLiteral("replies"), QStringLiteral("Slack replies"), QStringLiteral("n"),
          QStringLiteral("10000")},
         {QStringLiteral("rate"), QStringLiteral("replies per second (0: all at once)"), QStringLiteral("n"),
          QStringLiteral("200")},
         {QStringLiteral("requests"), QStringLiteral("requests (bare: request threads)"), QStringLiteral("n"),
          QStringLiteral("20")},
         {QStringLiteral("followers"), QStringLiteral("followers per request (engine mode)"),
          QStringLiteral("n"), QStringLiteral("3")},
         {QStringLiteral("concurrency"), QStringLiteral("Slack calls in flight (engine mode)"),
          QStringLiteral("n"), QStringLiteral("8")},
         {QStringLiteral("slice-ms"), QStringLiteral("processor slice per event-loop turn (bare mode)"),
          QStringLiteral("ms"), QStringLiteral("10")},
         {QStringLiteral("db"), QStringLiteral("database URL (default: a temporary SQLite file)"),
          QStringLiteral("url")}});
    parser.addHelpOption();
    parser.process(app);
    QLoggingCategory::setFilterRules(QStringLiteral("threadline.*.info=false\nthreadline.*.debug=false"));
    if (parser.value(QStringLiteral("mode")) == QLatin1String("bare"))
        return runBare(app, parser);
    if (parser.value(QStringLiteral("mode")) != QLatin1String("engine"))
        return fail("--mode is engine or bare");
    return runEngine(app, parser);
}
