// Soak: threadlined runs as a child process against the in-process Slack sandbox with faults on
// (5xx answers, reset connections, duplicated, delayed and dropped Socket Mode deliveries) while
// mixed traffic flows for N minutes: desk updates, edits and deletes through the REST API, and
// Slack replies, edits and deletes by the followers in their threads. Every sampleSeconds the
// daemon's resident memory and open file descriptors are sampled (/proc/<pid>). At the end the
// faults stop, the queues drain, and every update is accounted for. Prints one JSON document.
//
//   bench_soak [--minutes 30] [--rate 1.2] [--sample-seconds 10] [--no-faults] [--db URL]
//              [--daemon PATH] [--keep DIR]
//
// The default rate stays under Slack's own ceiling for this mix: every desk or Slack edit becomes a
// chat.update of 3 copies and every delete a chat.delete of 3 (Tier 3: 50 per minute each), so
// about 1.4 operations per second is the most the engine may sustain without a growing backlog.

#include "sandbox/sandboxserver.h"
#include "store/store.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <functional>

using namespace threadline;
using threadline::sandbox::SandboxMessage;

namespace {

QString lit(const char *s)
{
    return QString::fromUtf8(s);
}

const QByteArray AdminToken = "soak-admin-token-5b1d0c9e2f";

qint64 rssKb(qint64 pid)
{
    QFile f(lit("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

int openFds(qint64 pid)
{
    return int(QDir(lit("/proc/%1/fd").arg(pid))
                   .entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::System)
                   .size());
}

quint16 freePort()
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, 0) ? probe.serverPort() : 0;
}

struct DeskUpdate
{
    qint64 id = 0;
    qint64 request = 0;
    QString author; //!< Slack id
    QString text;
    bool deleted = false;
};

struct SlackReply
{
    QString user;
    QString ts;
    qint64 request = 0;
    QString text;
    bool deleted = false;
};

struct RequestInfo
{
    qint64 id = 0;
    QStringList followers; //!< Slack ids
    QString agent;
};

class Soak : public QObject
{
public:
    QNetworkAccessManager nam;
    QUrl api;
    sandbox::SandboxServer *sandbox = nullptr;
    QRandomGenerator rng{42};
    QList<RequestInfo> requests;
    QList<DeskUpdate> desk;
    QList<SlackReply> slack;
    QHash<QString, int> ops;
    QHash<QString, int> opErrors;
    int inFlight = 0;
    int counter = 0;

    void call(const QByteArray &verb, const QString &path, const QJsonObject &body,
              std::function<void(int, const QJsonObject &)> done)
    {
        QNetworkRequest request(api.resolved(QUrl(path)));
        request.setRawHeader("Authorization", "Bearer " + AdminToken);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        request.setTransferTimeout(30000);
        QNetworkReply *reply =
            body.isEmpty() && verb != "POST"
                ? nam.sendCustomRequest(request, verb)
                : nam.sendCustomRequest(request, verb, QJsonDocument(body).toJson(QJsonDocument::Compact));
        ++inFlight;
        connect(reply, &QNetworkReply::finished, this, [this, reply, done] {
            --inFlight;
            reply->deleteLater();
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            done(status, QJsonDocument::fromJson(reply->readAll()).object());
        });
    }

    QString threadOf(qint64 request, const QString &user) const
    {
        auto &ws = sandbox->workspace();
        const QString dm = ws.dmOf(user);
        if (dm.isEmpty())
            return {};
        for (const SandboxMessage *m : ws.topLevel(dm)) {
            if (!m->byApp || m->deleted ||
                m->metadata.value(lit("event_type")).toString() != QLatin1String("threadline_summary"))
                continue;
            if (m->metadata.value(lit("event_payload"))
                    .toObject()
                    .value(lit("request_id"))
                    .toVariant()
                    .toLongLong() == request)
                return m->ts;
        }
        return {};
    }

    //! One random operation of the mix.
    void step()
    {
        if (inFlight > 16 || requests.isEmpty())
            return;
        const RequestInfo &r = requests.at(int(rng.bounded(qint64(requests.size()))));
        const int dice = int(rng.bounded(100));
        const int n = ++counter;
        if (dice < 35) {
            ++ops[lit("desk_update")];
            const QString author = r.followers.at(int(rng.bounded(qint64(r.followers.size()))));
            const QString text = lit("[d%1] desk update from the soak").arg(n);
            const qint64 rid = r.id;
            call("POST", lit("api/v1/requests/%1/updates").arg(rid),
                 {{lit("author"), author}, {lit("text"), text}},
                 [this, rid, author, text](int status, const QJsonObject &o) {
                     if (status != 201) {
                         ++opErrors[lit("desk_update %1").arg(status)];
                         return;
                     }
                     desk.append({o.value(lit("id")).toVariant().toLongLong(), rid, author, text, false});
                 });
        } else if (dice < 50) {
            QList<int> live;
            for (int i = 0; i < desk.size(); ++i) {
                if (!desk.at(i).deleted)
                    live << i;
            }
            if (live.isEmpty())
                return;
            const int index = live.at(int(rng.bounded(qint64(live.size()))));
            const qint64 id = desk.at(index).id;
            if (dice < 45) {
                ++ops[lit("desk_edit")];
                const QString text =
                    desk.at(index).text.section(QLatin1Char(' '), 0, 0) + lit(" edited %1").arg(n);
                call("PATCH", lit("api/v1/updates/%1").arg(id), {{lit("text"), text}},
                     [this, index, text](int status, const QJsonObject &) {
                         if (status != 200) {
                             ++opErrors[lit("desk_edit %1").arg(status)];
                             return;
                         }
                         desk[index].text = text;
                     });
            } else {
                ++ops[lit("desk_delete")];
                desk[index].deleted = true; // no further edits are sent for it
                call("DELETE", lit("api/v1/updates/%1").arg(id), {},
                     [this, index](int status, const QJsonObject &) {
                         if (status != 200 && status != 204) {
                             ++opErrors[lit("desk_delete %1").arg(status)];
                             desk[index].deleted = false;
                         }
                     });
            }
        } else if (dice < 85) {
            const QString user = r.followers.at(int(rng.bounded(qint64(r.followers.size()))));
            const QString thread = threadOf(r.id, user);
            if (thread.isEmpty())
                return;
            ++ops[lit("slack_reply")];
            const QString text = lit("[s%1] reply in Slack").arg(n);
            const auto posted = sandbox->workspace().postAsUser(user, text, thread);
            if (!posted.ok) {
                ++opErrors[lit("slack_reply")];
                return;
            }
            slack.append({user, posted.ts, r.id, text, false});
        } else {
            QList<int> live;
            for (int i = 0; i < slack.size(); ++i) {
                if (!slack.at(i).deleted)
                    live << i;
            }
            if (live.isEmpty())
                return;
            SlackReply &s = slack[live.at(int(rng.bounded(qint64(live.size()))))];
            if (dice < 95) {
                ++ops[lit("slack_edit")];
                const QString text =
                    s.text.section(QLatin1Char(' '), 0, 0) + lit(" edited in Slack %1").arg(n);
                if (sandbox->workspace().editAsUser(s.user, s.ts, text).ok)
                    s.text = text;
                else
                    ++opErrors[lit("slack_edit")];
            } else {
                ++ops[lit("slack_delete")];
                if (sandbox->workspace().deleteAsUser(s.user, s.ts).ok)
                    s.deleted = true;
                else
                    ++opErrors[lit("slack_delete")];
            }
        }
    }
};

int fail(const QString &what)
{
    std::fprintf(stderr, "bench_soak: %s\n", qPrintable(what));
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addOptions({{lit("minutes"), lit("traffic duration"), lit("n"), lit("30")},
                       {lit("rate"), lit("operations per second"), lit("n"), lit("1.2")},
                       {lit("sample-seconds"), lit("sampling period"), lit("n"), lit("10")},
                       {lit("no-faults"), lit("run without sandbox faults")},
                       {lit("db"), lit("database URL (default: SQLite in a temporary folder)"), lit("url")},
                       {lit("daemon"), lit("threadlined to run"), lit("path"), lit(THREADLINE_DAEMON_PATH)},
                       {lit("keep"), lit("keep the data folder and the daemon log here"), lit("dir")}});
    parser.process(app);
    const double minutes = parser.value(lit("minutes")).toDouble();
    const double rate = parser.value(lit("rate")).toDouble();
    const int sampleSeconds = parser.value(lit("sample-seconds")).toInt();
    const bool faults = !parser.isSet(lit("no-faults"));

    QTemporaryDir tmp;
    QString dir = tmp.path();
    if (parser.isSet(lit("keep"))) {
        dir = parser.value(lit("keep"));
        QDir().mkpath(dir);
    }
    const QString dbUrl =
        parser.isSet(lit("db")) ? parser.value(lit("db")) : lit("sqlite:") + dir + lit("/soak.db");

    sandbox::SandboxOptions so;
    so.rateLimitsEnabled = false;
    so.serverPingIntervalMs = 10000;
    so.retryDelaysMs = {0, 2000, 5000, 10000, 20000, 30000};
    sandbox::SandboxServer sandbox(so);
    if (!sandbox.listen())
        return fail(lit("the sandbox cannot listen"));
    auto &ws = sandbox.workspace();

    // People: 4 agents and 16 others; 8 requests with 4 followers each.
    QStringList agents, others;
    for (int i = 0; i < 20; ++i) {
        const auto user = ws.addUser(lit("Person %1").arg(i), lit("person%1@example.com").arg(i));
        (i < 4 ? agents : others) << user.id;
    }

    const quint16 apiPort = freePort();
    QProcess daemon;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(lit("THREADLINE_DATABASE"), dbUrl);
    env.insert(lit("THREADLINE_DATA_DIR"), dir);
    env.insert(lit("THREADLINE_SLACK_API_URL"), sandbox.apiUrl().toString());
    env.insert(lit("THREADLINE_SLACK_BOT_TOKEN"), so.botToken);
    env.insert(lit("THREADLINE_SLACK_APP_TOKEN"), so.appToken);
    env.insert(lit("THREADLINE_API_LISTEN"), lit("127.0.0.1:%1").arg(apiPort));
    env.insert(lit("THREADLINE_ADMIN_TOKEN"), QString::fromLatin1(AdminToken));
    env.insert(lit("THREADLINE_LOG_RULES"), lit("threadline.*.debug=false\nthreadline.*.info=false"));
    daemon.setProcessEnvironment(env);
    daemon.setStandardOutputFile(dir + lit("/threadlined.log"));
    daemon.setStandardErrorFile(dir + lit("/threadlined.log"), QIODevice::Append);
    daemon.start(parser.value(lit("daemon")), {});

    Soak soak;
    soak.sandbox = &sandbox;
    soak.api = QUrl(lit("http://127.0.0.1:%1/").arg(apiPort));

    QJsonArray samples;
    QElapsedTimer clock;
    int exitCode = 0;
    QJsonObject result;
    enum class Phase
    {
        WaitReady,
        Setup,
        Traffic,
        Drain,
        Done
    } phase = Phase::WaitReady;
    int setupPending = 0;
    qint64 drainStart = 0;
    int quietChecks = 0;

    QTimer tick;
    tick.setInterval(int(1000.0 / std::max(rate, 0.1)));
    QTimer sampler;
    sampler.setInterval(sampleSeconds * 1000);
    QObject::connect(&sampler, &QTimer::timeout, &app, [&] {
        const qint64 pid = daemon.processId();
        const QJsonObject s{{lit("t"), double(clock.elapsed()) / 1000.0},
                            {lit("rss_kb"), rssKb(pid)},
                            {lit("fds"), openFds(pid)},
                            {lit("desk_updates"), soak.desk.size()},
                            {lit("slack_replies"), soak.slack.size()}};
        samples.append(s);
        std::fprintf(stderr, "bench_soak: t=%.0fs rss=%lld kB fds=%d desk=%lld slack=%lld in_flight=%d\n",
                     s.value(lit("t")).toDouble(), rssKb(pid), openFds(pid), qlonglong(soak.desk.size()),
                     qlonglong(soak.slack.size()), soak.inFlight);
    });

    const auto finish = [&](const QString &error) {
        if (!error.isEmpty()) {
            result.insert(lit("error"), error);
            exitCode = 1;
        }
        phase = Phase::Done;
        tick.stop();
        sampler.stop();
        daemon.terminate();
        QTimer::singleShot(10000, &daemon, [&daemon] { daemon.kill(); });
        QObject::connect(&daemon, &QProcess::finished, &app, [&app] { app.quit(); });
        if (daemon.state() == QProcess::NotRunning)
            app.quit();
    };
    QObject::connect(&daemon, &QProcess::errorOccurred, &app, [&](QProcess::ProcessError) {
        if (phase != Phase::Done)
            finish(lit("threadlined failed: ") + daemon.errorString());
    });

    // Accounting: read the desk (the daemon's database) and the sandbox's threads.
    const auto account = [&]() -> QJsonObject {
        Store store;
        if (auto r = store.open(dbUrl); !r)
            return {{lit("error"), r.error().toString()}};
        int missing = 0, duplicates = 0, staleText = 0, notDeleted = 0, deskMismatch = 0;
        QStringList problems;
        const auto note = [&problems](const QString &p) {
            if (problems.size() < 20)
                problems << p;
        };
        // Copies in each follower's thread, by update id.
        QHash<QPair<qint64, QString>, QHash<qint64, QStringList>> copies; // (request, user) → update → texts
        for (const RequestInfo &r : std::as_const(soak.requests)) {
            for (const QString &user : r.followers) {
                const QString thread = soak.threadOf(r.id, user);
                QHash<qint64, QStringList> &mine = copies[qMakePair(r.id, user)];
                for (const SandboxMessage *m : ws.replies(ws.dmOf(user), thread)) {
                    if (!m->byApp || m->deleted || m->ts == thread ||
                        m->metadata.value(lit("event_type")).toString() != QLatin1String("threadline_update"))
                        continue;
                    mine[m->metadata.value(lit("event_payload"))
                             .toObject()
                             .value(lit("update_id"))
                             .toVariant()
                             .toLongLong()]
                        << m->text;
                }
            }
        }
        QHash<qint64, QString> slackIdOf;
        for (const RequestInfo &r : std::as_const(soak.requests)) {
            auto t = store.timeline(r.id);
            if (!t)
                return {{lit("error"), t.error().toString()}};
            for (const Update &u : t.value().updates) {
                if (!slackIdOf.contains(u.authorId))
                    slackIdOf.insert(u.authorId, store.person(u.authorId).value().slackId);
            }
        }
        const auto checkCopies = [&](qint64 request, qint64 updateId, const QString &author,
                                     const QString &text, bool deleted) {
            const RequestInfo *r = nullptr;
            for (const RequestInfo &x : std::as_const(soak.requests))
                r = x.id == request ? &x : r;
            for (const QString &user : r->followers) {
                const QStringList texts = copies.value(qMakePair(request, user)).value(updateId);
                if (user == author || deleted) {
                    if (!texts.isEmpty()) {
                        ++notDeleted;
                        note(lit("update %1 still has a copy for %2").arg(updateId).arg(user));
                    }
                    continue;
                }
                if (texts.isEmpty()) {
                    ++missing;
                    note(lit("update %1 has no copy for %2").arg(updateId).arg(user));
                } else if (texts.size() > 1) {
                    ++duplicates;
                    note(lit("update %1 has %2 copies for %3").arg(updateId).arg(texts.size()).arg(user));
                } else if (!texts.first().contains(text)) {
                    ++staleText;
                    note(lit("update %1 for %2 reads \"%3\", the desk says \"%4\"")
                             .arg(updateId)
                             .arg(user, texts.first(), text));
                }
            }
        };
        for (const DeskUpdate &d : std::as_const(soak.desk)) {
            auto u = store.update(d.id);
            if (!u || u.value().isDeleted() != d.deleted || (!d.deleted && u.value().text != d.text)) {
                ++deskMismatch;
                note(lit("desk update %1 is not what the API answered").arg(d.id));
                continue;
            }
            checkCopies(d.request, d.id, d.author, d.text, d.deleted);
        }
        // Slack replies: each is one desk update (source slack), with its latest text or deleted.
        QHash<QString, qint64> deskOfMarker;
        for (const RequestInfo &r : std::as_const(soak.requests)) {
            const auto timeline = store.timeline(r.id);
            for (const Update &u : timeline.value().updates) {
                if (u.source == UpdateSource::Slack) {
                    const QString marker = u.text.section(QLatin1Char(' '), 0, 0);
                    if (deskOfMarker.contains(marker) && !u.text.isEmpty()) {
                        ++duplicates;
                        note(lit("Slack reply %1 is on the desk twice").arg(marker));
                    }
                    deskOfMarker.insert(marker, u.id);
                }
            }
        }
        int slackDeletedOnDesk = 0;
        QList<qint64> deletedSlackDesk;
        for (const RequestInfo &r : std::as_const(soak.requests)) {
            const auto timeline = store.timeline(r.id);
            for (const Update &u : timeline.value().updates) {
                if (u.source == UpdateSource::Slack && u.isDeleted())
                    deletedSlackDesk << u.id;
            }
        }
        int slackDeleted = 0;
        for (const SlackReply &s : std::as_const(soak.slack)) {
            if (s.deleted) {
                ++slackDeleted;
                continue;
            }
            const QString marker = s.text.section(QLatin1Char(' '), 0, 0);
            const qint64 id = deskOfMarker.value(marker);
            if (!id) {
                ++missing;
                note(lit("Slack reply %1 never reached the desk").arg(marker));
                continue;
            }
            const auto u = store.update(id);
            if (!u || u.value().text != s.text) {
                ++staleText;
                note(lit("Slack reply %1 reads \"%2\" on the desk")
                         .arg(marker, u ? u.value().text : QString()));
                continue;
            }
            checkCopies(s.request, id, s.user, s.text, false);
        }
        for (qint64 id : std::as_const(deletedSlackDesk)) {
            ++slackDeletedOnDesk;
            for (const RequestInfo &r : std::as_const(soak.requests)) {
                for (const QString &user : r.followers) {
                    if (!copies.value(qMakePair(r.id, user)).value(id).isEmpty()) {
                        ++notDeleted;
                        note(lit("deleted Slack reply %1 still copied for %2").arg(id).arg(user));
                    }
                }
            }
        }
        if (slackDeletedOnDesk != slackDeleted) {
            ++missing;
            note(lit("%1 Slack replies deleted, %2 deleted on the desk")
                     .arg(slackDeleted)
                     .arg(slackDeletedOnDesk));
        }
        return {{lit("desk_updates"), soak.desk.size()},
                {lit("slack_replies"), soak.slack.size()},
                {lit("slack_deleted"), slackDeleted},
                {lit("missing"), missing},
                {lit("duplicates"), duplicates},
                {lit("stale_text"), staleText},
                {lit("copies_not_deleted"), notDeleted},
                {lit("desk_mismatch"), deskMismatch},
                {lit("all_accounted_for"), missing + duplicates + staleText + notDeleted + deskMismatch == 0},
                {lit("problems"), QJsonArray::fromStringList(problems)}};
    };

    QTimer control;
    control.setInterval(500);
    QObject::connect(&control, &QTimer::timeout, &app, [&] {
        switch (phase) {
        case Phase::WaitReady:
            if (clock.elapsed() > 60000)
                return finish(lit("threadlined did not answer /healthz within 60 s"));
            soak.call("GET", lit("healthz"), {}, [&](int status, const QJsonObject &) {
                if (status != 200 || phase != Phase::WaitReady)
                    return;
                phase = Phase::Setup;
                for (int i = 0; i < agents.size() + others.size(); ++i) {
                    const QString id = i < agents.size() ? agents.at(i) : others.at(i - agents.size());
                    ++setupPending;
                    soak.call("POST", lit("api/v1/people"),
                              {{lit("slack_id"), id},
                               {lit("name"), lit("Person %1").arg(i)},
                               {lit("is_agent"), i < 4}},
                              [&](int s, const QJsonObject &) {
                                  --setupPending;
                                  if (s != 200 && s != 201)
                                      finish(lit("POST /api/v1/people answered %1").arg(s));
                              });
                }
            });
            return;
        case Phase::Setup:
            if (setupPending > 0)
                return;
            if (soak.requests.isEmpty() && setupPending == 0) {
                for (int r = 0; r < 8; ++r) {
                    QStringList followers{others.at((2 * r) % others.size()),
                                          others.at((2 * r + 1) % others.size())};
                    const QString agent = agents.at(r % agents.size());
                    ++setupPending;
                    soak.call("POST", lit("api/v1/requests"),
                              {{lit("title"), lit("Soak request %1").arg(r)},
                               {lit("body"), lit("Mixed traffic with faults")},
                               {lit("requester"), followers.at(0)},
                               {lit("assignee"), agent},
                               {lit("followers"), QJsonArray::fromStringList({followers.at(1)})}},
                              [&, followers, agent](int s, const QJsonObject &o) {
                                  --setupPending;
                                  if (s != 201)
                                      return finish(lit("POST /api/v1/requests answered %1").arg(s));
                                  soak.requests.append({o.value(lit("id")).toVariant().toLongLong(),
                                                        followers + QStringList{agent}, agent});
                              });
                }
                return;
            }
            // Traffic starts once every follower has their thread.
            for (const RequestInfo &r : std::as_const(soak.requests)) {
                for (const QString &u : r.followers) {
                    if (soak.threadOf(r.id, u).isEmpty())
                        return;
                }
            }
            if (faults) {
                auto &f = ws.faults();
                f.serverErrorRate = 0.02;
                f.resetRate = 0.01;
                f.duplicateRate = 0.02;
                f.delayRate = 0.05;
                f.delayMs = 500;
                f.dropSocketRate = 0.002;
                f.latencyMs = 5;
            }
            phase = Phase::Traffic;
            clock.restart();
            samples = {};
            sampler.start();
            QMetaObject::invokeMethod(&sampler, "timeout"); // t = 0 sample
            tick.start();
            return;
        case Phase::Traffic:
            if (clock.elapsed() < qint64(minutes * 60000))
                return;
            tick.stop();
            ws.faults() = sandbox::SandboxFaults();
            phase = Phase::Drain;
            drainStart = clock.elapsed();
            return;
        case Phase::Drain: {
            if (clock.elapsed() - drainStart > 10 * 60000)
                return finish(lit("the queues did not drain within 10 minutes"));
            if (soak.inFlight > 0)
                return;
            soak.call("GET", lit("api/v1/queues"), {}, [&](int status, const QJsonObject &q) {
                if (phase != Phase::Drain || status != 200)
                    return;
                const QJsonObject lanes = q;
                const auto depth = [&lanes](const char *key) { return lanes.value(lit(key)).toInt(); };
                const bool quiet = depth("fast_pending") == 0 && depth("maintenance_pending") == 0 &&
                                   depth("in_flight") == 0 && depth("change_feed_lag") == 0;
                quietChecks = quiet ? quietChecks + 1 : 0;
                if (quietChecks < 20) // 10 s without work: inbound retries have landed too
                    return;
                QMetaObject::invokeMethod(&sampler, "timeout");
                result.insert(lit("queues_at_end"), q);
                result.insert(lit("drain_seconds"), double(clock.elapsed() - drainStart) / 1000.0 - 10.0);
                result.insert(lit("accounting"), account());
                finish({});
            });
            return;
        }
        case Phase::Done:
            return;
        }
    });
    QObject::connect(&tick, &QTimer::timeout, &app, [&] { soak.step(); });
    clock.start();
    control.start();
    app.exec();

    // Memory and descriptors: warm-up is the first fifth of the run (at least two minutes).
    const double warmup = std::max(120.0, minutes * 60.0 / 5.0);
    QList<double> after;
    qint64 fdMin = -1, fdMax = -1;
    for (const QJsonValue &v : std::as_const(samples)) {
        const QJsonObject s = v.toObject();
        const qint64 fds = s.value(lit("fds")).toInteger();
        fdMin = fdMin < 0 ? fds : std::min(fdMin, fds);
        fdMax = std::max(fdMax, fds);
        if (s.value(lit("t")).toDouble() >= warmup)
            after << double(s.value(lit("rss_kb")).toInteger());
    }
    QJsonObject memory{{lit("warmup_seconds"), warmup}, {lit("fd_min"), fdMin}, {lit("fd_max"), fdMax}};
    if (after.size() >= 6) {
        const double first = (after.at(0) + after.at(1) + after.at(2)) / 3.0;
        const double last =
            (after.at(after.size() - 1) + after.at(after.size() - 2) + after.at(after.size() - 3)) / 3.0;
        memory.insert(lit("rss_kb_after_warmup"), first);
        memory.insert(lit("rss_kb_at_end"), last);
        memory.insert(lit("rss_growth_percent"), (last - first) * 100.0 / first);
        memory.insert(lit("rss_kb_max_after_warmup"), *std::max_element(after.cbegin(), after.cend()));
    }
    QJsonObject opsJson, errorsJson;
    for (auto it = soak.ops.cbegin(); it != soak.ops.cend(); ++it)
        opsJson.insert(it.key(), it.value());
    for (auto it = soak.opErrors.cbegin(); it != soak.opErrors.cend(); ++it)
        errorsJson.insert(it.key(), it.value());
    result.insert(lit("benchmark"), lit("soak"));
    result.insert(lit("minutes"), minutes);
    result.insert(lit("rate_per_second"), rate);
    result.insert(lit("faults"), faults);
    result.insert(lit("database"), dbUrl.startsWith(lit("sqlite")) ? lit("sqlite") : lit("postgresql"));
    result.insert(lit("operations"), opsJson);
    result.insert(lit("operation_errors"), errorsJson);
    result.insert(lit("sandbox_calls"), ws.callLogJson().value(lit("total")));
    result.insert(lit("memory"), memory);
    result.insert(lit("samples"), samples);
    std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Indented).constData());
    return exitCode;
}
