// Scale-out on PostgreSQL: two engine processes (tst_scaleout_worker, each with its own Socket
// Mode connection) share one database and one sandbox workspace. A 10,000-job workload is written
// while they run, Slack-side replies arrive over both sockets, and one process is SIGKILLed
// mid-run while it holds leases: the other takes the expired leases over and finishes. Checked in
// the sandbox's threads: every summary once, every update exactly once in every eligible thread,
// in desk order; every job done, none failed; the killed process's leased jobs done.

#include "postgresschemas.h"
#include "sandbox/sandboxserver.h"
#include "schemaundo.h"
#include "slack/slackratelimiter.h"
#include "store/store.h"
#include "sync/sharedratebudget.h"
#include "syncharness.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QProcess>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <csignal>
#include <limits>
#include <memory>

using namespace threadline;
using sandbox::SandboxMessage;
using sandbox::SandboxServer;
using test::Member;

#if defined(__has_feature)
#if __has_feature(address_sanitizer) // clang
#define THREADLINE_SCALEOUT_ASAN 1
#endif
#endif

namespace {

QString workerBinary()
{
    return QStringLiteral(THREADLINE_BINARY_DIR "/tests/daemon/tst_scaleout_worker");
}

} // namespace

class TestScaleOut : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();
    void limiterShareAndSharedPauses();
    void migrationTwoAddsTheBudgetTables();
    void sharedBudgetSplitsAndPausesAcrossStores();
    void twoProcessesShareTenThousandJobsAndSurviveAKill();
    void oneRateBudgetForTwoProcesses();

private:
    bool needPostgres();
    QList<Member> addPeople(int count, int agents, QHash<qint64, QString> *slackOf);
    QByteArray stats(QProcess *worker);
    QProcess *startWorker(const QString &instance, const QStringList &extra = {});
    qint64 count(const QString &sql, const QVariantList &binds = {});
    bool allSettled();
    QList<const SandboxMessage *> summaries(const Member &m, qint64 requestId);
    QList<qint64> postedUpdateIds(const Member &m, qint64 requestId);
    void verifyRequest(qint64 requestId, const QHash<qint64, QString> &slackOf);

    test::PostgresSchemas m_pg{QStringLiteral("scaleout")};
    QString m_url;
    std::unique_ptr<SandboxServer> m_sandbox;
    std::unique_ptr<Store> m_store;
    QList<QProcess *> m_workers;
};

void TestScaleOut::initTestCase()
{
    QVERIFY2(QFile::exists(workerBinary()), qPrintable(workerBinary()));
    test::quietSyncLogs();
}

void TestScaleOut::init() {}

bool TestScaleOut::needPostgres()
{
    if (test::postgresUrl().isEmpty()) {
        if (test::postgresRequired())
            qFatal("THREADLINE_REQUIRE_POSTGRES=1 but THREADLINE_TEST_POSTGRES names no server");
        return false;
    }
    m_url = m_pg.newUrl();
    m_store = std::make_unique<Store>();
    auto opened = m_store->open(m_url);
    if (!opened)
        qFatal("cannot open %s", qPrintable(opened.error().toString()));
    return true;
}

QList<Member> TestScaleOut::addPeople(int count, int agents, QHash<qint64, QString> *slackOf)
{
    QList<Member> people;
    for (int i = 0; i < count; ++i) {
        const QString name = QStringLiteral("Person%1").arg(i);
        people << test::addMember(m_sandbox->workspace(), m_store.get(), name, i < agents);
        slackOf->insert(people.constLast().personId, people.constLast().slackId);
    }
    return people;
}

//! Asks a worker for its counters: "dispatched=N rate_limited=M share=S".
QByteArray TestScaleOut::stats(QProcess *worker)
{
    worker->write("stats\n");
    if (!QTest::qWaitFor([worker] { return worker->canReadLine(); }, 10000))
        return {};
    return worker->readLine().trimmed();
}

void TestScaleOut::limiterShareAndSharedPauses()
{
    qint64 now = 1000;
    slack::SlackRateLimiter limiter([&now] { return now; });
    limiter.setTierLimit(slack::RateTier::Tier3, {60, 4});
    QCOMPARE(limiter.share(), 1.0);
    limiter.setShare(0.5); // two processes: 30/min each, burst 2
    QCOMPARE(limiter.delayMs(QStringLiteral("chat.update")), 0);
    limiter.recordCall(QStringLiteral("chat.update"));
    limiter.recordCall(QStringLiteral("chat.update"));
    QCOMPARE(limiter.delayMs(QStringLiteral("chat.update")), 2000); // one token per 2 s at 30/min
    limiter.setShare(1.0); // the other process is gone: the full rate again
    QCOMPARE(limiter.delayMs(QStringLiteral("chat.update")), 1000);
    limiter.setShare(0.0); // clamped, never zero or negative
    QVERIFY(limiter.share() > 0);
    limiter.setShare(std::numeric_limits<double>::quiet_NaN());
    QCOMPARE(limiter.share(), 1.0);

    // A 429 is reported to the observer (to be shared); a pause from elsewhere is applied silently.
    QStringList observed;
    limiter.setPauseObserver([&](const QString &key, qint64 until) {
        observed << key + QLatin1Char('@') + QString::number(until);
    });
    limiter.recordRateLimited(QStringLiteral("chat.postMessage"), QStringLiteral("D1"), 3000);
    QCOMPARE(observed, QStringList{QStringLiteral("channel:D1@4000")});
    QCOMPARE(limiter.delayMs(QStringLiteral("chat.postMessage"), QStringLiteral("D1")), 3000);
    QCOMPARE(limiter.delayMs(QStringLiteral("chat.postMessage"), QStringLiteral("D2")), 0);
    limiter.applyPause(QStringLiteral("channel:D2"), 2500);
    limiter.applyPause(QStringLiteral("method:conversations.open"), 6000);
    limiter.applyPause(QStringLiteral("bogus"), 9000);    // not a bucket key: ignored
    limiter.applyPause(QStringLiteral("channel:D3"), 10); // already over: ignored
    QCOMPARE(observed.size(), 1);
    QCOMPARE(limiter.delayMs(QStringLiteral("chat.postMessage"), QStringLiteral("D2")), 1500);
    QCOMPARE(limiter.delayMs(QStringLiteral("conversations.open")), 5000);
    QCOMPARE(limiter.delayMs(QStringLiteral("chat.postMessage"), QStringLiteral("D3")), 0);
    QVERIFY(!limiter.state().contains(QStringLiteral("bogus")));
}

void TestScaleOut::migrationTwoAddsTheBudgetTables()
{
    QTemporaryDir dir;
    const QString url = QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("v1.db"));
    {
        Store store;
        QVERIFY(store.open(url).ok());
        QVERIFY(Store::latestSchemaVersion() >= 2);
        // Back to what a version-1 database looks like.
        QSqlQuery q(store.database());
        QVERIFY(q.exec(QStringLiteral("DROP TABLE engine_instances")));
        QVERIFY(q.exec(QStringLiteral("DROP TABLE rate_pauses")));
        // … and without version 3 (the files pipeline).
        QVERIFY(q.exec(QStringLiteral("DROP TABLE file_shares")));
        for (const char *column : {"state", "last_error", "slack_file_id"})
            QVERIFY(
                q.exec(QStringLiteral("ALTER TABLE attachments DROP COLUMN %1").arg(QLatin1String(column))));
        QVERIFY(q.exec(QStringLiteral("DROP TABLE idempotency_keys"))); // … and version 4
        QVERIFY(q.exec(QStringLiteral("DROP TABLE slack_users")));      // … and version 5
        QVERIFY(test::undoSchemaVersionSix(store));                     // … and version 6
        QVERIFY(q.exec(QStringLiteral("UPDATE threadline_schema SET version = 1")));
    }
    Store store;
    QVERIFY(store.open(url).ok());
    QCOMPARE(store.schemaVersion().value(), Store::latestSchemaVersion());
    QVERIFY(store
                .execAffected(QStringLiteral("INSERT INTO engine_instances (instance_id, heartbeat_at, "
                                             "started_at) VALUES ('a', 1, 1)"),
                              {})
                .ok());
    QVERIFY(store
                .execAffected(QStringLiteral("INSERT INTO rate_pauses (bucket, paused_until, instance_id) "
                                             "VALUES ('channel:D1', 5, 'a')"),
                              {})
                .ok());
    // The bucket is the key: a second pause for it is an upsert, not a second row.
    QVERIFY(!store
                 .execAffected(QStringLiteral("INSERT INTO rate_pauses (bucket, paused_until, instance_id) "
                                              "VALUES ('channel:D1', 6, 'b')"),
                               {})
                 .ok());
}

void TestScaleOut::sharedBudgetSplitsAndPausesAcrossStores()
{
    // Two budgets (as in two processes) on one database, ticked by hand.
    if (!needPostgres())
        QSKIP("needs PostgreSQL: set THREADLINE_TEST_POSTGRES");
    Store other;
    QVERIFY(other.open(m_url).ok());
    qint64 nowA = 0;
    qint64 nowB = 50'000; // the limiters' clocks are per process and unrelated
    slack::SlackRateLimiter limA([&nowA] { return nowA; });
    slack::SlackRateLimiter limB([&nowB] { return nowB; });
    sync::SharedRateBudget a(m_store.get(), QStringLiteral("a"), 100);
    sync::SharedRateBudget b(&other, QStringLiteral("b"), 100);
    a.attach(&limA);
    b.attach(&limB);
    QVERIFY(a.tick().ok());
    QCOMPARE(a.liveInstances(), 1);
    QCOMPARE(limA.share(), 1.0);
    QVERIFY(b.tick().ok());
    QVERIFY(a.tick().ok());
    QCOMPARE(a.liveInstances(), 2);
    QCOMPARE(b.liveInstances(), 2);
    QCOMPARE(limA.share(), 0.5);
    QCOMPARE(limB.share(), 0.5);

    // A 429 in A pauses the same channel in B on B's next tick, for the remaining time.
    limA.recordRateLimited(QStringLiteral("chat.postMessage"), QStringLiteral("D9"), 30'000);
    QCOMPARE(limB.delayMs(QStringLiteral("chat.postMessage"), QStringLiteral("D9")), 0);
    QVERIFY(b.tick().ok());
    const qint64 wait = limB.delayMs(QStringLiteral("chat.postMessage"), QStringLiteral("D9"));
    QVERIFY2(wait > 25'000 && wait <= 30'000, qPrintable(QString::number(wait)));
    QCOMPARE(limB.delayMs(QStringLiteral("chat.postMessage"), QStringLiteral("D8")), 0);
    // A does not re-apply its own pause from the table (it already has it).
    QVERIFY(a.tick().ok());
    QCOMPARE(limA.delayMs(QStringLiteral("chat.postMessage"), QStringLiteral("D9")), 30'000);

    // B stops: A has the whole budget on its next tick.
    b.stop();
    QVERIFY(a.tick().ok());
    QCOMPARE(a.liveInstances(), 1);
    QCOMPARE(limA.share(), 1.0);
    // A process that dies (no stop) stops counting once its heartbeat is stale.
    QVERIFY(b.tick().ok());
    QVERIFY(a.tick().ok());
    QCOMPARE(a.liveInstances(), 2);
    QTest::qWait(int(a.staleMs()) + 50);
    QVERIFY(a.tick().ok());
    QCOMPARE(a.liveInstances(), 1);
    QCOMPARE(limA.share(), 1.0);
}

void TestScaleOut::cleanup()
{
    for (QProcess *p : std::as_const(m_workers)) {
        if (p->state() != QProcess::NotRunning) {
            p->kill();
            p->waitForFinished(5000);
        }
        delete p;
    }
    m_workers.clear();
    m_store.reset();
    m_sandbox.reset();
}

void TestScaleOut::cleanupTestCase()
{
    const QString failed = m_pg.dropAll();
    QVERIFY2(failed.isEmpty(), qPrintable(failed));
}

QProcess *TestScaleOut::startWorker(const QString &instance, const QStringList &extra)
{
    auto *p = new QProcess;
    m_workers << p;
    p->setProcessChannelMode(QProcess::SeparateChannels);
    p->setReadChannel(QProcess::StandardOutput);
    connect(p, &QProcess::readyReadStandardError, p, [p] {
        qWarning().noquote() << "worker:" << QString::fromUtf8(p->readAllStandardError()).trimmed();
    });
    const auto &o = m_sandbox->workspace().options();
    p->start(workerBinary(),
             QStringList{QStringLiteral("--db"), m_url, QStringLiteral("--api"),
                         m_sandbox->apiUrl().toString(), QStringLiteral("--bot"), o.botToken,
                         QStringLiteral("--app"), o.appToken, QStringLiteral("--instance"), instance} +
                 extra);
    return p;
}

qint64 TestScaleOut::count(const QString &sql, const QVariantList &binds)
{
    auto r = m_store->scalar(sql, binds);
    if (!r || !r.value())
        return -1;
    return r.value()->toLongLong();
}

bool TestScaleOut::allSettled()
{
    return count(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE state IN ('pending','in_flight')")) == 0 &&
           count(QStringLiteral("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL")) == 0 &&
           count(QStringLiteral("SELECT COUNT(*) FROM change_log WHERE id > COALESCE((SELECT position FROM "
                                "sync_cursors WHERE name = 'planner'), 0)")) == 0;
}

QList<const SandboxMessage *> TestScaleOut::summaries(const Member &m, qint64 requestId)
{
    return test::summaries(m_sandbox->workspace(), m, requestId);
}

QList<qint64> TestScaleOut::postedUpdateIds(const Member &m, qint64 requestId)
{
    return test::postedUpdateIds(m_sandbox->workspace(), m, requestId);
}

void TestScaleOut::verifyRequest(qint64 requestId, const QHash<qint64, QString> &slackOf)
{
    auto timeline = m_store->timeline(requestId);
    QVERIFY(timeline.ok());
    for (const Follower &f : timeline.value().followers) {
        const Member m{f.personId, slackOf.value(f.personId)};
        const auto tops = summaries(m, requestId);
        if (tops.size() != 1) {
            for (const SandboxMessage *msg : tops)
                qWarning() << "summary" << msg->ts << "in" << msg->channel << "metadata" << msg->metadata;
        }
        QCOMPARE(tops.size(), 1);
        QList<qint64> expected;
        for (const Update &u : timeline.value().updates)
            if (!u.isDeleted() && u.authorId != f.personId)
                expected << u.id;
        const QList<qint64> got = postedUpdateIds(m, requestId);
        if (got != expected)
            qWarning() << "request" << requestId << "thread of" << m.slackId << "has" << got << "expected"
                       << expected;
        QCOMPARE(got, expected);
    }
}

void TestScaleOut::twoProcessesShareTenThousandJobsAndSurviveAKill()
{
    if (!needPostgres())
        QSKIP("scale-out needs PostgreSQL: set THREADLINE_TEST_POSTGRES");
    constexpr int People = 40;
    constexpr int Agents = 4;
    constexpr int Requests = 100;
    constexpr int Watchers = 3; // + requester + assignee = 5 threads per request
    // Each update reaches the 4 followers who did not write it: 100 × (5 + 24 × 4) = 10,100 jobs.
    // Under AddressSanitizer (CI) every job costs several times more: a third of the workload keeps
    // the run within CTest's timeout there (docs/scale-out.md).
#if defined(__SANITIZE_ADDRESS__) || defined(THREADLINE_SCALEOUT_ASAN)
    constexpr int UpdatesPerRequest = 8;
    constexpr int MinJobs = 3000;
#else
    constexpr int UpdatesPerRequest = 24;
    constexpr int MinJobs = 10000;
#endif
    constexpr int SlackReplies = 20; // requesters answering in their own thread

    sandbox::SandboxOptions so;
    so.rateLimitsEnabled = true;
    so.timeScale = 100; // Slack's limits, 100 times faster: ~100 posts/s per DM, 500/s per workspace
    so.serverPingIntervalMs = 0;
    m_sandbox = std::make_unique<SandboxServer>(so);
    QVERIFY(m_sandbox->listen());

    QHash<qint64, QString> slackOf;
    const QList<Member> people = addPeople(People, Agents, &slackOf);

    const QString a = QStringLiteral("engine-a");
    const QString b = QStringLiteral("engine-b");
    // The lease must outlast a live process's slowest renewal on a loaded 2-core CI machine (it
    // renews every third of it): a lease that expires under a live process lets the other take a
    // job that is still in flight. 12 s still lets the survivor take A's leases over within the run.
    const QStringList rate{QStringLiteral("--rate-scale"), QStringLiteral("100"),
                           QStringLiteral("--lease-ms"), QStringLiteral("12000")};
    QProcess *procA = startWorker(a, rate);
    QProcess *procB = startWorker(b, rate);
    for (QProcess *p : {procA, procB}) {
        QVERIFY(p->waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(p->canReadLine() || p->state() != QProcess::Running, 30000);
        QCOMPARE(p->readLine().trimmed(), QByteArray("ready"));
    }
    // Each process holds its own Socket Mode connection.
    QCOMPARE(m_sandbox->socketMode().connectionCount(), 2);

    QElapsedTimer clock;
    clock.start();
    QList<qint64> requestIds;
    QHash<qint64, std::pair<Member, QList<Member>>> membersOf; // request → (assignee, followers)
    for (int r = 0; r < Requests; ++r) {
        const Member requester = people[Agents + r % (People - Agents)];
        const Member assignee = people[r % Agents];
        NewRequest n;
        n.title = QStringLiteral("Request %1").arg(r);
        n.body = QStringLiteral("Scale-out workload");
        n.requesterId = requester.personId;
        n.assigneeId = assignee.personId;
        QList<Member> all{requester, assignee};
        for (int w = 1; w <= Watchers; ++w) {
            const Member m = people[Agents + (r + 7 * w) % (People - Agents)];
            if (m.personId == requester.personId)
                continue;
            n.followerIds << m.personId;
            all << m;
        }
        auto created = m_store->createRequest(n);
        QVERIFY(created.ok());
        requestIds << created.value().id;
        membersOf.insert(created.value().id, {assignee, all});
        if (r % 10 == 9)
            QTest::qWait(1); // the sandbox serves both processes from this thread
    }

    // Updates in rounds over all requests, so both processes always have work on many
    // conversations; mostly the assignee writes, every fifth a follower (who must not get it back).
    bool killed = false;
    QList<qint64> leasedByA;
    const auto killAWhenItHoldsLeases = [&] {
        if (killed || count(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE state = 'done'")) < 2500)
            return;
        if (count(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE state = 'in_flight' AND lease_owner = ?"),
                  {a}) <= 0)
            return;
        ::kill(pid_t(procA->processId()), SIGKILL);
        QVERIFY(procA->waitForFinished(10000));
        killed = true;
        auto q = m_store->exec(
            QStringLiteral("SELECT id FROM jobs WHERE state = 'in_flight' AND lease_owner = ?"), {a});
        QVERIFY(q.ok());
        while (q.value()->next())
            leasedByA << q.value()->value(0).toLongLong();
        q.value()->finish();
        qInfo() << "engine-a killed after" << clock.elapsed() << "ms holding" << leasedByA.size() << "leases";
    };

    // Requesters answer in Slack in their own threads once those exist: inbound over both sockets.
    int slackReplies = 0;
    const auto postSlackReplies = [&] {
        while (slackReplies < SlackReplies) {
            const qint64 rid = requestIds[slackReplies * (Requests / SlackReplies)];
            const Member requester = membersOf.value(rid).second.first();
            const auto tops = summaries(requester, rid);
            if (tops.size() != 1)
                return;
            auto posted = m_sandbox->workspace().postAsUser(
                requester.slackId, QStringLiteral("answer from Slack %1").arg(slackReplies),
                tops.first()->ts);
            if (!posted.ok)
                qFatal("postAsUser failed");
            ++slackReplies;
        }
    };
    QList<NewUpdate> updates;
    for (int round = 0; round < UpdatesPerRequest; ++round) {
        for (int i = 0; i < requestIds.size(); ++i) {
            const qint64 rid = requestIds[i];
            const auto &[assignee, all] = membersOf.value(rid);
            const Member author = (round + i) % 5 == 4 ? all[2 + (round + i) % (all.size() - 2)] : assignee;
            NewUpdate u;
            u.requestId = rid;
            u.authorId = author.personId;
            u.text = QStringLiteral("round %1 on request %2").arg(round).arg(i);
            updates << u;
        }
    }
    // The desk writes come from another connection on another thread (as the REST API's or a
    // console's would), so this thread keeps serving the sandbox to both processes.
    std::atomic<int> writtenCount{0};
    std::atomic<bool> writeFailed{false};
    std::unique_ptr<QThread> writer(QThread::create([url = m_url, &updates, &writtenCount, &writeFailed] {
        Store store;
        if (!store.open(url)) {
            writeFailed = true;
            return;
        }
        for (const NewUpdate &u : std::as_const(updates)) {
            if (!store.postUpdate(u)) {
                writeFailed = true;
                return;
            }
            ++writtenCount;
        }
    }));
    writer->start();
    while (!writer->isFinished()) {
        QTest::qWait(20);
        if (writtenCount > 2 * Requests)
            postSlackReplies();
        killAWhenItHoldsLeases();
        if (QTest::currentTestFailed()) {
            writer->wait();
            return;
        }
    }
    writer->wait();
    QVERIFY(!writeFailed);
    QCOMPARE(writtenCount.load(), Requests * UpdatesPerRequest);
    const qint64 written = clock.elapsed();

    // Kill A once it holds leases, if the writes finished first.
    QTRY_VERIFY_WITH_TIMEOUT((killAWhenItHoldsLeases(), killed), 120000);
    QVERIFY(!leasedByA.isEmpty());

    // Every Slack reply made it in (the ones after the kill through B's socket, redelivered ones
    // deduplicated), and B drains the rest, A's expired leases included.
    QTRY_VERIFY_WITH_TIMEOUT((postSlackReplies(), slackReplies == SlackReplies), 60000);
    QTRY_COMPARE_WITH_TIMEOUT(count(QStringLiteral("SELECT COUNT(*) FROM updates WHERE source = 'slack'")),
                              qint64(SlackReplies), 120000);
    QTRY_VERIFY_WITH_TIMEOUT(allSettled(), 300000);
    const qint64 finished = clock.elapsed();

    const qint64 jobs = count(QStringLiteral("SELECT COUNT(*) FROM jobs"));
    const qint64 done = count(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE state = 'done'"));
    qInfo() << "workload written in" << written << "ms; all" << jobs << "jobs settled after" << finished
            << "ms;"
            << m_sandbox->workspace().callCount(QStringLiteral("chat.postMessage"), QStringLiteral("ok"))
            << "posts," << m_sandbox->workspace().rateLimitedCount() << "429s";
    QVERIFY2(jobs >= MinJobs, qPrintable(QString::number(jobs)));
    QCOMPARE(done, jobs); // none failed, none left
    for (qint64 id : std::as_const(leasedByA))
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE id = ? AND state = 'done'"), {id}), 1);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE lease_owner = ?"), {a}), 0);

    // The sandbox's threads: every update exactly once in every eligible thread, in desk order.
    for (qint64 rid : std::as_const(requestIds)) {
        verifyRequest(rid, slackOf);
        if (QTest::currentTestFailed())
            return;
    }
    // No post was wasted on a duplicate that got cleaned up: every successful post is in a thread.
    int appMessages = 0;
    for (const QString &channel : m_sandbox->workspace().channelIds())
        for (const SandboxMessage *top : m_sandbox->workspace().topLevel(channel)) {
            appMessages += top->byApp && !top->deleted ? 1 : 0;
            for (const SandboxMessage *msg : m_sandbox->workspace().replies(channel, top->ts))
                appMessages += msg->ts != top->ts && msg->byApp && !msg->deleted ? 1 : 0;
        }
    QCOMPARE(appMessages,
             m_sandbox->workspace().callCount(QStringLiteral("chat.postMessage"), QStringLiteral("ok")));

    // B is still alive and stops cleanly.
    QCOMPARE(procB->state(), QProcess::Running);
    procB->terminate();
    QVERIFY(procB->waitForFinished(20000));
}

void TestScaleOut::oneRateBudgetForTwoProcesses()
{
    // Slack's limits at 4 times speed (20 posts/s per workspace, 4/s per DM, conversations.open
    // 200/min) are the bottleneck here: two processes, each allowed the full budget alone, must
    // together stay within it, and both do part of the work.
    if (!needPostgres())
        QSKIP("needs PostgreSQL: set THREADLINE_TEST_POSTGRES");
    constexpr int Requests = 20;
    constexpr int UpdatesPerRequest = 3;
    sandbox::SandboxOptions so;
    so.rateLimitsEnabled = true;
    so.timeScale = 4;
    so.serverPingIntervalMs = 0;
    m_sandbox = std::make_unique<SandboxServer>(so);
    QVERIFY(m_sandbox->listen());
    QHash<qint64, QString> slackOf;
    const QList<Member> people = addPeople(30, 2, &slackOf);

    QStringList rate{QStringLiteral("--rate-scale"), QStringLiteral("4")};
    // THREADLINE_SCALEOUT_UNSHARED=1 runs the same without sharing, to see the 429 check fail.
    const bool unshared = qEnvironmentVariable("THREADLINE_SCALEOUT_UNSHARED") == QLatin1String("1");
    if (unshared)
        rate << QStringLiteral("--no-shared-budget");
    QProcess *procA = startWorker(QStringLiteral("budget-a"), rate);
    QProcess *procB = startWorker(QStringLiteral("budget-b"), rate);
    for (QProcess *p : {procA, procB}) {
        QVERIFY(p->waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(p->canReadLine() || p->state() != QProcess::Running, 30000);
        QCOMPARE(p->readLine().trimmed(), QByteArray("ready"));
    }
    // Each knows the other before the work arrives.
    const QByteArray share = unshared ? "share=1.000" : "share=0.500";
    QTRY_VERIFY_WITH_TIMEOUT(stats(procA).endsWith(share) && stats(procB).endsWith(share), 10000);

    QList<qint64> requestIds;
    for (int r = 0; r < Requests; ++r) {
        NewRequest n;
        n.title = QStringLiteral("Budget %1").arg(r);
        n.body = QStringLiteral("Shared budget");
        n.requesterId = people[2 + r].personId;
        n.assigneeId = people[r % 2].personId;
        n.followerIds = {people[2 + (r + 5) % 28].personId, people[2 + (r + 11) % 28].personId,
                         people[2 + (r + 17) % 28].personId};
        auto created = m_store->createRequest(n);
        QVERIFY(created.ok());
        requestIds << created.value().id;
    }
    for (int u = 0; u < UpdatesPerRequest; ++u)
        for (int r = 0; r < Requests; ++r)
            QVERIFY(m_store
                        ->postUpdate({requestIds[r],
                                      people[r % 2].personId,
                                      QStringLiteral("update %1").arg(u),
                                      UpdateSource::Desk,
                                      {}})
                        .ok());
    QTRY_VERIFY_WITH_TIMEOUT(allSettled(), 300000);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE state <> 'done'")), 0);
    for (qint64 rid : std::as_const(requestIds)) {
        verifyRequest(rid, slackOf);
        if (QTest::currentTestFailed())
            return;
    }
    const int posts =
        m_sandbox->workspace().callCount(QStringLiteral("chat.postMessage"), QStringLiteral("ok"));
    const int limited = m_sandbox->workspace().rateLimitedCount();
    const QByteArray statsA = stats(procA);
    const QByteArray statsB = stats(procB);
    qInfo().noquote() << posts << "posts," << limited << "429s; a:" << statsA << "b:" << statsB;
    QCOMPARE(posts, Requests * 5 + Requests * UpdatesPerRequest * 4);
    // Few 429s: the two budgets add up to Slack's, bar the first tick's bursts.
    QVERIFY2(limited <= 5, qPrintable(QString::number(limited)));
    for (const QByteArray &s : {statsA, statsB}) {
        const qint64 dispatched = s.split(' ').value(0).mid(int(qstrlen("dispatched="))).toLongLong();
        QVERIFY2(dispatched > 10, s.constData()); // both shared the work
    }
}

int main(int argc, char **argv)
{
    // The workload takes minutes on a shared 2-core machine; CTest's TIMEOUT still bounds it.
    if (qEnvironmentVariableIsEmpty("QTEST_FUNCTION_TIMEOUT"))
        qputenv("QTEST_FUNCTION_TIMEOUT", "900000");
    QCoreApplication app(argc, argv);
    TestScaleOut test;
    return QTest::qExec(&test, argc, argv);
}
#include "tst_scaleout.moc"
