// Renames benchmark: Slack `user_change` events stored in the inbox, then applied by the
// InboundProcessor (cache, desk rename, summary refresh jobs). Prints JSON: receipt time per event
// (the durable INSERT before an ack), apply time per event, refresh jobs queued, and the storm
// case (many changes of one member before the processor runs: one refresh per conversation).
//
//   bench_sync_renames [--people 200] [--requests 2000] [--followers 3] [--renames 1000]
//                      [--storm 200] [--db sqlite:/path | postgresql://…]
//
// Each request has a requester and an assignee among the people plus followers, one active
// conversation with a posted summary per follower. Renames pick people round robin.
#include "slack/slacktypes.h"
#include "store/store.h"
#include "sync/inboundprocessor.h"
#include "sync/inboundstore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTemporaryDir>

#include <cstdio>

using namespace threadline;
using namespace threadline::sync;

namespace {

int fail(const QString &what)
{
    std::fprintf(stderr, "bench_sync_renames: %s\n", qPrintable(what));
    return 1;
}

QJsonObject userChange(const QString &eventId, const QString &userId, const QString &name, qint64 tsMicros)
{
    const QString ts =
        QStringLiteral("%1.%2").arg(tsMicros / 1000000).arg(tsMicros % 1000000, 6, 10, QLatin1Char('0'));
    const QJsonObject user{{QStringLiteral("id"), userId},
                           {QStringLiteral("name"), userId.toLower()},
                           {QStringLiteral("real_name"), name},
                           {QStringLiteral("deleted"), false},
                           {QStringLiteral("profile"), QJsonObject{{QStringLiteral("display_name"), name},
                                                                   {QStringLiteral("real_name"), name}}},
                           {QStringLiteral("updated"), tsMicros / 1000000}};
    return QJsonObject{
        {QStringLiteral("type"), QStringLiteral("event_callback")},
        {QStringLiteral("team_id"), QStringLiteral("T0BENCH")},
        {QStringLiteral("event_id"), eventId},
        {QStringLiteral("event_time"), tsMicros / 1000000},
        {QStringLiteral("event"), QJsonObject{{QStringLiteral("type"), QStringLiteral("user_change")},
                                              {QStringLiteral("user"), user},
                                              {QStringLiteral("cache_ts"), tsMicros / 1000000},
                                              {QStringLiteral("event_ts"), ts}}}};
}

qint64 scalar(Store &store, const QString &sql)
{
    auto v = store.scalar(sql);
    return v && v.value() ? v.value()->toLongLong() : -1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("*.debug=false\n*.info=false\n*.warning=false"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption peopleOpt(QStringLiteral("people"), QStringLiteral("Desk people."),
                                       QStringLiteral("n"), QStringLiteral("200"));
    const QCommandLineOption requestsOpt(QStringLiteral("requests"), QStringLiteral("Requests."),
                                         QStringLiteral("n"), QStringLiteral("2000"));
    const QCommandLineOption followersOpt(QStringLiteral("followers"),
                                          QStringLiteral("Followers per request."), QStringLiteral("n"),
                                          QStringLiteral("3"));
    const QCommandLineOption renamesOpt(QStringLiteral("renames"), QStringLiteral("user_change events."),
                                        QStringLiteral("n"), QStringLiteral("1000"));
    const QCommandLineOption stormOpt(QStringLiteral("storm"),
                                      QStringLiteral("Changes of one member in a burst."),
                                      QStringLiteral("n"), QStringLiteral("200"));
    const QCommandLineOption dbOpt(QStringLiteral("db"),
                                   QStringLiteral("Database URL (default: a temporary SQLite file)."),
                                   QStringLiteral("url"));
    parser.addOptions({peopleOpt, requestsOpt, followersOpt, renamesOpt, stormOpt, dbOpt});
    parser.process(app);
    const int people = std::max(3, parser.value(peopleOpt).toInt());
    const int requests = std::max(1, parser.value(requestsOpt).toInt());
    const int followers = std::clamp(parser.value(followersOpt).toInt(), 2, people);
    const int renames = std::max(1, parser.value(renamesOpt).toInt());
    const int storm = std::max(1, parser.value(stormOpt).toInt());

    QTemporaryDir dir;
    const QString url = parser.isSet(dbOpt)
                            ? parser.value(dbOpt)
                            : QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("bench.db"));
    Store store;
    if (auto r = store.open(url); !r)
        return fail(r.error().toString());

    // The desk: people with Slack ids, requests, one conversation with a posted summary per follower.
    QList<qint64> personIds;
    QStringList slackIds;
    auto setUp = store.transaction([&]() -> Result<void> {
        for (int i = 0; i < people; ++i) {
            const QString slackId = QStringLiteral("U%1").arg(i, 6, 10, QLatin1Char('0'));
            auto p = store.upsertPerson({slackId, QStringLiteral("Person %1").arg(i), {}, false});
            if (!p)
                return p.error();
            personIds << p.value().id;
            slackIds << slackId;
        }
        for (int r = 0; r < requests; ++r) {
            NewRequest nr;
            nr.title = QStringLiteral("Request %1").arg(r);
            nr.body = QStringLiteral("Body");
            nr.requesterId = personIds.at(r % people);
            nr.assigneeId = personIds.at((r + 1) % people);
            for (int f = 2; f < followers; ++f)
                nr.followerIds << personIds.at((r + f) % people);
            auto created = store.createRequest(nr);
            if (!created)
                return created.error();
            auto fs = store.followers(created.value().id);
            if (!fs)
                return fs.error();
            for (const Follower &f : std::as_const(fs.value())) {
                auto c = store.insert(
                    QStringLiteral(
                        "INSERT INTO conversations (request_id, person_id, channel_id, summary_ts, state, "
                        "created_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?) RETURNING id"),
                    {created.value().id, f.personId, QStringLiteral("D%1").arg(f.personId),
                     QStringLiteral("1700000000.%1").arg(r, 6, 10, QLatin1Char('0')), store.now(),
                     store.now()});
                if (!c)
                    return c.error();
            }
        }
        return {};
    });
    if (!setUp)
        return fail(setUp.error().toString());
    const qint64 conversations = scalar(store, QStringLiteral("SELECT COUNT(*) FROM conversations"));

    slack::SlackIdentity self;
    self.userId = QStringLiteral("U0BOT");
    self.botId = QStringLiteral("B0BOT");
    self.appId = QStringLiteral("A0BOT");
    InboundProcessor processor(&store, self);
    InboundStore &inbox = processor.inbox();

    // 1. Renames of different people (round robin): receipt, then apply.
    qint64 ts = 1800000000LL * 1000000;
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < renames; ++i) {
        const int who = i % people;
        auto r = inbox.receive(userChange(QStringLiteral("EvR%1").arg(i), slackIds.at(who),
                                          QStringLiteral("Renamed %1 (%2)").arg(who).arg(i), ++ts),
                               self);
        if (!r || !r.value().inserted)
            return fail(QStringLiteral("receipt failed"));
    }
    const double receiveMs = double(t.nsecsElapsed()) / 1e6;
    const qint64 jobsBefore =
        scalar(store, QStringLiteral("SELECT COUNT(*) FROM jobs WHERE kind = 'refresh_summary'"));
    t.restart();
    auto applied = processor.processDue(renames + 10);
    const double applyMs = double(t.nsecsElapsed()) / 1e6;
    if (!applied || applied.value() != renames)
        return fail(QStringLiteral("not every rename was applied"));
    const qint64 refreshJobs =
        scalar(store, QStringLiteral("SELECT COUNT(*) FROM jobs WHERE kind = 'refresh_summary'")) -
        jobsBefore;
    const qint64 maxPending = scalar(
        store, QStringLiteral("SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM jobs WHERE kind = "
                              "'refresh_summary' AND state = 'pending' GROUP BY conversation_id) x"));

    // 2. A storm: one member changes their profile `storm` times before the processor runs.
    if (auto r = store.execAffected(
            QStringLiteral("UPDATE jobs SET state = 'done' WHERE kind = 'refresh_summary'"), {});
        !r)
        return fail(r.error().toString());
    const QString stormId = slackIds.at(0);
    for (int i = 0; i < storm; ++i) {
        auto r = inbox.receive(
            userChange(QStringLiteral("EvS%1").arg(i), stormId, QStringLiteral("Storm %1").arg(i), ++ts),
            self);
        if (!r)
            return fail(QStringLiteral("storm receipt failed"));
    }
    const qint64 stormJobsBefore =
        scalar(store, QStringLiteral("SELECT COUNT(*) FROM jobs WHERE kind = 'refresh_summary'"));
    t.restart();
    auto stormApplied = processor.processDue(storm + 10);
    const double stormMs = double(t.nsecsElapsed()) / 1e6;
    if (!stormApplied || stormApplied.value() != storm)
        return fail(QStringLiteral("not every storm change was applied"));
    const qint64 stormJobs =
        scalar(store, QStringLiteral("SELECT COUNT(*) FROM jobs WHERE kind = 'refresh_summary'")) -
        stormJobsBefore;
    auto showing =
        store.scalar(QStringLiteral("SELECT COUNT(*) FROM conversations c JOIN requests r ON r.id = "
                                    "c.request_id WHERE r.requester_id = ? OR r.assignee_id = ?"),
                     {personIds.at(0), personIds.at(0)});
    auto finalName = store.person(personIds.at(0));

    const QJsonObject out{
        {QStringLiteral("backend"), store.backend() == DatabaseUrl::Backend::Postgres
                                        ? QStringLiteral("postgresql")
                                        : QStringLiteral("sqlite")},
        {QStringLiteral("people"), people},
        {QStringLiteral("requests"), requests},
        {QStringLiteral("conversations"), conversations},
        {QStringLiteral("renames"), renames},
        {QStringLiteral("receipt_ms_per_event"), receiveMs / renames},
        {QStringLiteral("apply_ms_per_event"), applyMs / renames},
        {QStringLiteral("apply_events_per_second"), applyMs > 0 ? renames * 1000.0 / applyMs : 0},
        {QStringLiteral("refresh_jobs"), refreshJobs},
        {QStringLiteral("max_pending_refreshes_per_conversation"), maxPending},
        {QStringLiteral("storm_changes"), storm},
        {QStringLiteral("storm_apply_ms_per_event"), stormMs / storm},
        {QStringLiteral("storm_conversations_showing_member"),
         showing && showing.value() ? showing.value()->toLongLong() : -1},
        {QStringLiteral("storm_refresh_jobs"), stormJobs},
        {QStringLiteral("storm_final_name_is_last"),
         finalName.ok() && finalName.value().name == QStringLiteral("Storm %1").arg(storm - 1)},
    };
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    return 0;
}
