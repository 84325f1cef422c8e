// Inbound benchmark: N Slack replies written by people in their request threads (sandbox, Socket
// Mode over loopback) → inbox (durable receipt, then ack) → desk updates. Prints JSON: ack latency
// (sandbox envelope sent → ack received, so it includes the WebSocket both ways and the inbox
// INSERT), and end-to-end throughput (first post → last desk update).
//
//   bench_sync_inbound [--replies 10000] [--rate 1000] [--requests 20] [--db sqlite:/path | postgresql://…]
//
// --rate is replies posted per second (0: all at once). The sandbox, the Socket Mode client, the
// receiver and the processor share one thread here, as in a single-process threadlined.
#include "sandbox/sandboxserver.h"
#include "slack/postmessagejob.h"
#include "slack/socketmodeclient.h"
#include "store/store.h"
#include "sync/inboundprocessor.h"
#include "sync/inboundreceiver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTimer>

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

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addOptions(
        {{QStringLiteral("replies"), QStringLiteral("Slack replies"), QStringLiteral("n"),
          QStringLiteral("10000")},
         {QStringLiteral("rate"), QStringLiteral("replies per second (0: all at once)"), QStringLiteral("n"),
          QStringLiteral("1000")},
         {QStringLiteral("requests"), QStringLiteral("request threads"), QStringLiteral("n"),
          QStringLiteral("20")},
         {QStringLiteral("slice-ms"), QStringLiteral("processor slice per event-loop turn"),
          QStringLiteral("ms"), QStringLiteral("10")},
         {QStringLiteral("db"), QStringLiteral("database URL (default: a temporary SQLite file)"),
          QStringLiteral("url")}});
    parser.addHelpOption();
    parser.process(app);
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

    sandbox::SandboxOptions options;
    options.rateLimitsEnabled = false;
    options.serverPingIntervalMs = 0;
    options.maxPendingEvents = std::max(10000, replies * 2);
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
    QHash<QString, qint64> sentAt; // envelope id → ms (first send only; redeliveries are new envelopes)
    QList<double> ackMs;
    int redeliveries = 0;
    QObject::connect(&sandbox.socketMode(), &sandbox::SocketModeHub::envelopeSent,
                     [&](const QString &envelopeId, const QString &, int attempt) {
                         sentAt.insert(envelopeId, clock.nsecsElapsed());
                         if (attempt > 0)
                             ++redeliveries;
                     });
    QObject::connect(&ws, &sandbox::Workspace::envelopeAcked,
                     [&](const QString &envelopeId, const QString &) {
                         const auto it = sentAt.constFind(envelopeId);
                         if (it != sentAt.constEnd())
                             ackMs.append(double(clock.nsecsElapsed() - it.value()) / 1e6);
                     });
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
        {QStringLiteral("database"), store.backend() == DatabaseUrl::Backend::Sqlite
                                         ? QStringLiteral("sqlite")
                                         : QStringLiteral("postgresql")},
        {QStringLiteral("replies"), replies},
        {QStringLiteral("rate_per_s"), rate},
        {QStringLiteral("slice_ms"), parser.value(QStringLiteral("slice-ms")).toInt()},
        {QStringLiteral("request_threads"), int(threads.size())},
        {QStringLiteral("desk_updates"), deskUpdates},
        {QStringLiteral("acks"), int(ackMs.size())},
        {QStringLiteral("redeliveries"), redeliveries},
        {QStringLiteral("ack_ms_p50"), percentile(ackMs, 0.50)},
        {QStringLiteral("ack_ms_p99"), percentile(ackMs, 0.99)},
        {QStringLiteral("ack_ms_max"), percentile(ackMs, 1.0)},
        {QStringLiteral("ack_p99_target_ms"), 50},
        {QStringLiteral("ack_p99_ok"), percentile(ackMs, 0.99) < 50},
        {QStringLiteral("end_to_end_s"), seconds},
        {QStringLiteral("end_to_end_updates_per_s"), seconds > 0 ? applied / seconds : 0},
        {QStringLiteral("outbound_fan_out"),
         QStringLiteral(
             "not included: this benchmark runs the inbound half on a bare store, without the Engine")},
        {QStringLiteral("completed"), rc == 0 && deskUpdates == replies},
    };
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    return rc == 0 && deskUpdates == replies ? 0 : 1;
}
