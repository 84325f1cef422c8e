// The outbound half of the sync engine against the Slack sandbox over real loopback HTTP: desk
// changes reach every follower's thread exactly once, in desk order (architecture.md, section 2).

#include "postgresschemas.h"
#include "sandbox/sandboxserver.h"
#include "store/store.h"
#include "sync/engine.h"
#include "sync/scheduler.h"
#include "syncharness.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace threadline;
using namespace threadline::sync;
using threadline::sandbox::SandboxMessage;
using threadline::sandbox::SandboxServer;
using threadline::test::Member;

class TestSyncOutbound : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data();
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void requestCreatedPostsOneSummaryPerFollower();
    void updatesReachEveryFollowerButThePosterInDeskOrder();
    void editsAndDeletesReachEveryCopy();
    void slackOriginalIsRetainedOnDeskDelete();
    void summaryRefreshIsCoalesced();
    void followerAddedGetsCatchUpAndRemovedGetsClosingLine();
    void smallRequestIsNotDelayedByABigFanOut();
    void fairnessIsCountedInDispatches();
    void rateLimitPausesOnlyThatChannel();
    void invalidAuthKeepsJobsAndResumesAfterTokenFix();
    void faultsGiveTheSameFinalState();
    void changeFeedCarriesWritesOfAnotherConnection();
    void crashedPostIsReconciledNotReposted();
    void killedEngineProcessDeliversEveryUpdateExactlyOnce();
    void twoEnginesShareOneQueue();
    void slackReplyThroughTheEngineReachesEveryOtherThread();
    void changeWithoutItsFeedRowDoesNotCommit();
    void longCallKeepsItsLease();
    void pruningKeepsWhatIsStillNeeded();

private:
    QString newUrl();
    void startEngine(std::function<void(EngineOptions &)> tweak = {});
    Member addMember(const QString &name, bool agent = false);
    qint64 createRequest(const Member &requester, const QList<Member> &followers,
                         const Member &assignee = {});
    qint64 postUpdate(qint64 requestId, const Member &author, const QString &text);
    bool idle();
    void waitIdle(int timeoutMs = 30000);
    //! The app's top-level messages in the person's DM carrying a summary marker of this request.
    QList<const SandboxMessage *> summaries(const Member &m, qint64 requestId);
    //! The replies in the person's thread of the request (app messages and the person's own).
    QList<const SandboxMessage *> threadReplies(const Member &m, qint64 requestId);
    //! The update ids of the threadline_update markers in the thread, in thread order.
    QList<qint64> postedUpdateIds(const Member &m, qint64 requestId);
    //! Asserts invariants 1 and 2 for a request: each follower but the author of an update has
    //! exactly one copy of each live update, in desk order.
    void verifyThreads(qint64 requestId, Store *store = nullptr);

    QTemporaryDir m_dir;
    int m_counter = 0;
    test::PostgresSchemas m_pg{QStringLiteral("syncout")};
    QString m_url;
    std::unique_ptr<SandboxServer> m_sandbox;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<Engine> m_engine;
    int m_userCounter = 0;
};

void TestSyncOutbound::initTestCase_data()
{
    test::addBackendRows();
}

void TestSyncOutbound::initTestCase()
{
    QVERIFY(m_dir.isValid());
    test::quietSyncLogs();
}

QString TestSyncOutbound::newUrl()
{
    QFETCH_GLOBAL(QString, backend);
    ++m_counter;
    return m_pg.newUrl(backend, m_dir.filePath(QStringLiteral("sync-%1.db").arg(m_counter)));
}

void TestSyncOutbound::init()
{
    THREADLINE_BACKEND_OR_SKIP();
    m_sandbox = std::make_unique<SandboxServer>(test::quietSandboxOptions());
    QVERIFY(m_sandbox->listen());
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_url = newUrl();
}

void TestSyncOutbound::cleanup()
{
    m_engine.reset();
    m_nam.reset();
    m_sandbox.reset();
}

void TestSyncOutbound::cleanupTestCase()
{
    const QString failed = m_pg.dropAll();
    QVERIFY2(failed.isEmpty(), qPrintable(failed));
}

void TestSyncOutbound::startEngine(std::function<void(EngineOptions &)> tweak)
{
    EngineOptions o = test::testEngineOptions(m_url, *m_sandbox, m_nam.get());
    o.inboundEnabled = false;
    if (tweak)
        tweak(o);
    m_engine = std::make_unique<Engine>(o);
    auto r = m_engine->start();
    QVERIFY2(r.ok(), qPrintable(r.error().toString()));
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->state(), EngineState::Running, 10000);
}

Member TestSyncOutbound::addMember(const QString &name, bool agent)
{
    return test::addMember(m_sandbox->workspace(), m_engine->store(), name, agent);
}

qint64 TestSyncOutbound::createRequest(const Member &requester, const QList<Member> &followers,
                                       const Member &assignee)
{
    return test::createRequest(m_engine->store(), requester, followers, assignee,
                               QStringLiteral("Laptop for %1").arg(requester.slackId),
                               QStringLiteral("Mine broke"));
}

qint64 TestSyncOutbound::postUpdate(qint64 requestId, const Member &author, const QString &text)
{
    NewUpdate u;
    u.requestId = requestId;
    u.authorId = author.personId;
    u.text = text;
    auto r = m_engine->store()->postUpdate(u);
    if (!r)
        qFatal("postUpdate failed");
    return r.value().id;
}

bool TestSyncOutbound::idle()
{
    return test::queueIdle(m_engine->queueStats());
}

void TestSyncOutbound::waitIdle(int timeoutMs)
{
    QTRY_VERIFY_WITH_TIMEOUT(idle(), timeoutMs);
}

QList<const SandboxMessage *> TestSyncOutbound::summaries(const Member &m, qint64 requestId)
{
    return test::summaries(m_sandbox->workspace(), m, requestId);
}

QList<const SandboxMessage *> TestSyncOutbound::threadReplies(const Member &m, qint64 requestId)
{
    return test::threadReplies(m_sandbox->workspace(), m, requestId);
}

QList<qint64> TestSyncOutbound::postedUpdateIds(const Member &m, qint64 requestId)
{
    return test::postedUpdateIds(m_sandbox->workspace(), m, requestId);
}

void TestSyncOutbound::verifyThreads(qint64 requestId, Store *store)
{
    if (!store)
        store = m_engine->store();
    auto timeline = store->timeline(requestId);
    QVERIFY(timeline.ok());
    QHash<qint64, QString> slackOf;
    {
        QSqlQuery q(store->database());
        QVERIFY(q.exec(QStringLiteral("SELECT id, slack_id FROM people")));
        while (q.next())
            slackOf.insert(q.value(0).toLongLong(), q.value(1).toString());
    }
    for (const Follower &f : timeline.value().followers) {
        const Member m{f.personId, slackOf.value(f.personId)};
        QCOMPARE(summaries(m, requestId).size(), 1);
        QList<qint64> expected;
        for (const Update &u : timeline.value().updates) {
            if (!u.isDeleted() && u.authorId != f.personId)
                expected << u.id;
        }
        const QList<qint64> got = postedUpdateIds(m, requestId);
        if (got != expected) {
            qWarning() << "thread of" << m.slackId << "has" << got << "expected" << expected;
            QSqlQuery q(m_engine->store()->database());
            q.exec(QStringLiteral(
                       "SELECT j.id, j.kind, j.update_id, j.state, j.attempts, j.last_error, j.updated_at "
                       "FROM jobs j JOIN conversations c ON c.id = j.conversation_id WHERE c.request_id = "
                       "%1 AND c.person_id = %2 ORDER BY j.id")
                       .arg(requestId)
                       .arg(f.personId));
            while (q.next())
                qWarning() << "  job" << q.value(0).toLongLong() << q.value(1).toString()
                           << q.value(2).toLongLong() << q.value(3).toString() << q.value(4).toInt()
                           << q.value(5).toString() << q.value(6).toLongLong();
        }
        QCOMPARE(got, expected);
    }
}

// ---- Flows -----------------------------------------------------------------------------------

void TestSyncOutbound::requestCreatedPostsOneSummaryPerFollower()
{
    startEngine();
    const Member requester = addMember(QStringLiteral("Rita"));
    const Member agent = addMember(QStringLiteral("Alex"), true);
    const Member watcher = addMember(QStringLiteral("Wes"));
    const qint64 rid = createRequest(requester, {watcher}, agent);
    waitIdle();
    const QList<QPair<Member, QString>> expectations = {
        {requester, QStringLiteral("you opened this request")},
        {agent, QStringLiteral("assigned to you")},
        {watcher, QStringLiteral("you follow this request")}};
    for (const auto &[m, why] : expectations) {
        const auto tops = summaries(m, rid);
        QCOMPARE(tops.size(), 1);
        const QString blocks = QString::fromUtf8(QJsonDocument(tops.first()->blocks).toJson());
        QVERIFY2(blocks.contains(why), qPrintable(blocks));
        QVERIFY(blocks.contains(QStringLiteral("Laptop for")));
        QVERIFY(threadReplies(m, rid).isEmpty());
    }
    auto threads = m_engine->requestThreads(rid);
    QVERIFY(threads.ok());
    QCOMPARE(threads.value().threads.size(), 3);
    for (const ThreadState &t : threads.value().threads) {
        QCOMPARE(t.state, QStringLiteral("active"));
        QVERIFY(!t.summaryTs.isEmpty());
        QVERIFY(t.channelId.startsWith(QLatin1Char('D')));
    }
    // Each DM was opened once (cached in dm_channels).
    QCOMPARE(m_sandbox->workspace().callCount(QStringLiteral("conversations.open")), 3);
}

void TestSyncOutbound::updatesReachEveryFollowerButThePosterInDeskOrder()
{
    startEngine();
    const Member requester = addMember(QStringLiteral("Rita"));
    const Member agent = addMember(QStringLiteral("Alex"), true);
    const Member w1 = addMember(QStringLiteral("Wes"));
    const Member w2 = addMember(QStringLiteral("Wanda"));
    const qint64 rid = createRequest(requester, {w1, w2}, agent);
    // Several quickly, from two authors, before anything is posted.
    for (int i = 0; i < 8; ++i)
        postUpdate(rid, i % 3 == 0 ? requester : agent, QStringLiteral("step %1 <b> & @channel").arg(i));
    waitIdle();
    verifyThreads(rid);
    QVERIFY(postedUpdateIds(agent, rid).size() == 3);     // the requester's 3
    QVERIFY(postedUpdateIds(requester, rid).size() == 5); // the agent's 5
    // Desk text is escaped: no markup, nobody pinged.
    const auto replies = threadReplies(w1, rid);
    QVERIFY(replies.first()->text.contains(QStringLiteral("&lt;b&gt; &amp;")));
    QVERIFY(!replies.first()->text.contains(QStringLiteral("<!channel>")));
    QVERIFY(replies.first()->text.contains(QStringLiteral("*Rita*")));
    // 4 summaries; the requester's 3 updates reach 3 threads, the agent's 5 reach 3.
    QCOMPARE(m_sandbox->workspace().callCount(QStringLiteral("chat.postMessage")), 4 + 3 * 3 + 5 * 3);
}

void TestSyncOutbound::editsAndDeletesReachEveryCopy()
{
    startEngine();
    const Member requester = addMember(QStringLiteral("Rita"));
    const Member agent = addMember(QStringLiteral("Alex"), true);
    const Member w1 = addMember(QStringLiteral("Wes"));
    const qint64 rid = createRequest(requester, {w1}, agent);
    const qint64 u1 = postUpdate(rid, agent, QStringLiteral("first"));
    const qint64 u2 = postUpdate(rid, agent, QStringLiteral("second"));
    waitIdle();
    QVERIFY(m_engine->store()->editUpdate(u1, QStringLiteral("first, corrected"), agent.personId).ok());
    waitIdle();
    for (const Member &m : {requester, w1}) {
        const auto replies = threadReplies(m, rid);
        QCOMPARE(replies.size(), 2);
        QVERIFY(replies[0]->text.contains(QStringLiteral("first, corrected")));
        QVERIFY(!replies[0]->editedTs.isEmpty());
        QVERIFY(replies[1]->text.contains(QStringLiteral("second")));
    }
    QCOMPARE(m_sandbox->workspace().callCount(QStringLiteral("chat.update"), QStringLiteral("ok")), 2);
    QVERIFY(m_engine->store()->deleteUpdate(u2, agent.personId).ok());
    waitIdle();
    for (const Member &m : {requester, w1})
        QCOMPARE(postedUpdateIds(m, rid), QList<qint64>{u1});
    verifyThreads(rid);
    auto threads = m_engine->requestThreads(rid);
    QVERIFY(threads.ok());
    for (const ThreadState &t : threads.value().threads) {
        for (const ThreadMessageState &m : t.messages) {
            if (m.updateId == u2)
                QCOMPARE(m.state, QStringLiteral("deleted"));
        }
    }
}

void TestSyncOutbound::slackOriginalIsRetainedOnDeskDelete()
{
    startEngine();
    const Member requester = addMember(QStringLiteral("Rita"));
    const Member agent = addMember(QStringLiteral("Alex"), true);
    const qint64 rid = createRequest(requester, {}, agent);
    waitIdle();
    // What the inbound side does for a reply in Slack (docs/sync.md, contract item 1).
    const auto tops = summaries(requester, rid);
    QCOMPARE(tops.size(), 1);
    auto posted =
        m_sandbox->workspace().postAsUser(requester.slackId, QStringLiteral("any news?"), tops.first()->ts);
    QVERIFY(posted.ok);
    Store *store = m_engine->store();
    auto r = store->transaction([&]() -> Result<qint64> {
        auto u = store->postUpdate(
            {rid, requester.personId, QStringLiteral("any news?"), UpdateSource::Slack, {}});
        if (!u)
            return u.error();
        auto conv = store->scalar(
            QStringLiteral("SELECT id FROM conversations WHERE channel_id = ? AND summary_ts = ?"),
            {posted.channel, tops.first()->ts});
        if (!conv || !conv.value())
            return makeError(ErrorCode::NotFound, QStringLiteral("no conversation"));
        auto t = store->execAffected(
            QStringLiteral("INSERT INTO thread_messages (conversation_id, update_id, slack_ts, "
                           "state, updated_at) VALUES (?, ?, ?, 'original', ?)"),
            {conv.value()->toLongLong(), u.value().id, posted.ts, store->now()});
        if (!t)
            return t.error();
        return u.value().id;
    });
    QVERIFY2(r.ok(), qPrintable(r.error().toString()));
    waitIdle();
    QCOMPARE(postedUpdateIds(agent, rid), QList<qint64>{r.value()});
    QVERIFY(postedUpdateIds(requester, rid).isEmpty()); // the author's own message is their copy
    QVERIFY(store->deleteUpdate(r.value(), agent.personId).ok());
    waitIdle();
    QVERIFY(postedUpdateIds(agent, rid).isEmpty());
    QCOMPARE(threadReplies(requester, rid).size(), 1); // the bot cannot delete the author's message
    auto state = store->scalar(
        QStringLiteral("SELECT state FROM thread_messages WHERE update_id = ? AND slack_ts = ?"),
        {r.value(), posted.ts});
    QVERIFY(state.ok() && state.value());
    QCOMPARE(state.value()->toString(), QStringLiteral("retained"));
}

void TestSyncOutbound::summaryRefreshIsCoalesced()
{
    startEngine([](EngineOptions &o) { o.maxConcurrentCalls = 2; });
    const Member requester = addMember(QStringLiteral("Rita"));
    const Member agent = addMember(QStringLiteral("Alex"), true);
    QList<Member> watchers;
    for (int i = 0; i < 6; ++i)
        watchers << addMember(QStringLiteral("W%1").arg(i));
    const qint64 rid = createRequest(requester, watchers, agent);
    waitIdle();
    const int updatesBefore = m_sandbox->workspace().callCount(QStringLiteral("chat.update"));
    qint64 version = m_engine->store()->request(rid).value().version;
    for (int i = 0; i < 10; ++i) {
        auto r = m_engine->store()->setTitle(rid, QStringLiteral("Title %1").arg(i), version, agent.personId);
        QVERIFY(r.ok());
        version = r.value().version;
    }
    waitIdle();
    const int refreshes = m_sandbox->workspace().callCount(QStringLiteral("chat.update")) - updatesBefore;
    // 8 conversations x 10 changes uncoalesced = 80; at most one pending per conversation.
    QVERIFY2(refreshes >= 8 && refreshes <= 8 * 3, qPrintable(QString::number(refreshes)));
    for (const Member &m : watchers) {
        const auto tops = summaries(m, rid);
        QCOMPARE(tops.size(), 1);
        QVERIFY(QString::fromUtf8(QJsonDocument(tops.first()->blocks).toJson())
                    .contains(QStringLiteral("Title 9")));
    }
}

void TestSyncOutbound::followerAddedGetsCatchUpAndRemovedGetsClosingLine()
{
    startEngine();
    const Member requester = addMember(QStringLiteral("Rita"));
    const Member agent = addMember(QStringLiteral("Alex"), true);
    const Member late = addMember(QStringLiteral("Lou"));
    const qint64 rid = createRequest(requester, {}, agent);
    QList<qint64> ids;
    for (int i = 0; i < 25; ++i)
        ids << postUpdate(rid, agent, QStringLiteral("u%1").arg(i));
    waitIdle();
    QVERIFY(m_engine->store()->addFollower(rid, late.personId, agent.personId).ok());
    waitIdle();
    QCOMPARE(summaries(late, rid).size(), 1);
    const auto replies = threadReplies(late, rid);
    QCOMPARE(replies.size(), 21);
    QVERIFY2(replies.first()->text.contains(QStringLiteral("5 earlier updates on the desk")),
             qPrintable(replies.first()->text));
    QCOMPARE(postedUpdateIds(late, rid), ids.mid(5));
    QVERIFY(QString::fromUtf8(QJsonDocument(summaries(late, rid).first()->blocks).toJson())
                .contains(QStringLiteral("you follow this request")));
    // New updates now reach the new follower too.
    const qint64 next = postUpdate(rid, agent, QStringLiteral("after"));
    waitIdle();
    QCOMPARE(postedUpdateIds(late, rid).constLast(), next);

    QVERIFY(m_engine->store()->removeFollower(rid, late.personId, agent.personId).ok());
    waitIdle();
    const auto after = threadReplies(late, rid);
    QCOMPARE(after.size(), 23);
    QVERIFY(after.constLast()->text.contains(QStringLiteral("no longer follow")));
    postUpdate(rid, agent, QStringLiteral("not for Lou"));
    waitIdle();
    QCOMPARE(threadReplies(late, rid).size(), 23);
    auto threads = m_engine->requestThreads(rid);
    QVERIFY(threads.ok());
    bool closed = false;
    for (const ThreadState &t : threads.value().threads)
        closed = closed || (t.personId == late.personId && t.state == QLatin1String("closed"));
    QVERIFY(closed);
}

void TestSyncOutbound::smallRequestIsNotDelayedByABigFanOut()
{
    startEngine([](EngineOptions &o) { o.maxConcurrentCalls = 2; });
    m_sandbox->workspace().faults().latencyMs = 3;
    const Member agent = addMember(QStringLiteral("Alex"), true);
    QList<Member> crowd;
    for (int i = 0; i < 150; ++i)
        crowd << addMember(QStringLiteral("C%1").arg(i));
    const Member small1 = addMember(QStringLiteral("Sam"));
    const Member small2 = addMember(QStringLiteral("Sue"));
    const qint64 small = createRequest(small1, {small2}, agent);
    waitIdle();
    const qint64 big = createRequest(crowd.first(), crowd.mid(1), agent);
    postUpdate(big, agent, QStringLiteral("to everyone"));
    m_engine->nudge();
    QTest::qWait(50);
    const qint64 reply = postUpdate(small, agent, QStringLiteral("for the small one"));
    QTRY_VERIFY_WITH_TIMEOUT(postedUpdateIds(small1, small).contains(reply) &&
                                 postedUpdateIds(small2, small).contains(reply),
                             20000);
    // The big fan-out (150 summaries + 149 replies) is still far from done.
    const QueueStats s = m_engine->queueStats();
    QVERIFY2(s.fastPending > 100, qPrintable(QString::number(s.fastPending)));
    waitIdle(60000);
    verifyThreads(big);
    verifyThreads(small);
}

// The fairness invariant, counted in Slack calls rather than seconds: with a 150-follower fan-out,
// its summary refreshes and three small requests' replies all queued at once, (1) every small
// reply reaches both of its threads within one round-robin turn per request of the fast lane
// (plus the calls already in flight), (2) maintenance still gets at least one call in
// maintenanceShare while the fast lane is busy, and (3) each conversation's thread keeps desk
// order and gets every update exactly once.
void TestSyncOutbound::fairnessIsCountedInDispatches()
{
    const int concurrency = 4;
    const int share = 5;
    startEngine([&](EngineOptions &o) {
        o.maxConcurrentCalls = concurrency;
        o.maintenanceShare = share;
    });
    const Member agent = addMember(QStringLiteral("Alex"), true);
    QList<Member> crowd;
    for (int i = 0; i < 150; ++i)
        crowd << addMember(QStringLiteral("C%1").arg(i));
    QList<qint64> smalls;
    QList<QPair<Member, Member>> smallPeople;
    for (int i = 0; i < 3; ++i) {
        const Member a = addMember(QStringLiteral("Sam%1").arg(i));
        const Member b = addMember(QStringLiteral("Sue%1").arg(i));
        smalls << createRequest(a, {b}, agent);
        smallPeople << qMakePair(a, b);
    }
    const qint64 big = createRequest(crowd.first(), crowd.mid(1), agent);
    waitIdle(60000);

    // Hold dispatching (a rotated token: the first calls fail with invalid_auth, nothing is lost)
    // and queue everything, so that the order of service depends on the policy alone.
    m_sandbox->workspace().mutableOptions().botToken = QStringLiteral("xoxb-rotated");
    const qint64 bigUpdate = postUpdate(big, agent, QStringLiteral("to everyone"));
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->state(), EngineState::NeedsReauthorization, 10000);
    {
        const qint64 version = m_engine->store()->request(big).value().version;
        QVERIFY(m_engine->store()->setStatus(big, RequestStatus::Open, version, agent.personId).ok());
    }
    QList<qint64> replies;
    for (int i = 0; i < smalls.size(); ++i)
        replies << postUpdate(smalls[i], agent, QStringLiteral("small reply %1").arg(i));
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->queueStats().maintenancePending >= 151 &&
                                 m_engine->queueStats().fastPending >= 150 + 6,
                             10000);

    // The order in which Slack receives the calls: "p:<text>" for a post, "u" for a chat.update.
    QStringList order;
    auto &ws = m_sandbox->workspace();
    connect(&ws, &sandbox::Workspace::messagePosted, this,
            [&](const QString &channel, const QString &ts, const QString &) {
                const SandboxMessage *m = ws.message(channel, ts);
                order << QStringLiteral("p:") + (m ? m->text : QString());
            });
    connect(&ws, &sandbox::Workspace::messageUpdated, this,
            [&](const QString &, const QString &) { order << QStringLiteral("u"); });
    m_engine->setBotToken(QStringLiteral("xoxb-rotated"));
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->state(), EngineState::Running, 10000);
    waitIdle(120000);
    disconnect(&ws, nullptr, this, nullptr);

    // (1) Four requests have fast-lane work: the fan-out, and three small ones with two
    // conversations each. Round-robin over requests serves all six small copies within two turns
    // of four requests, whatever the fan-out's backlog; the calls already in flight at each pick
    // can arrive in any order, and maintenance takes one turn in `share`.
    int lastSmall = -1;
    int smallCopies = 0;
    int fastBefore = 0;
    for (int i = 0; i < order.size(); ++i) {
        if ((order[i].startsWith(QLatin1String("p:")) && order[i].contains(QLatin1String("small reply")))) {
            ++smallCopies;
            lastSmall = i;
        }
    }
    QCOMPARE(smallCopies, 6);
    for (int i = 0; i <= lastSmall; ++i)
        fastBefore += order[i].startsWith(QLatin1String("p:")) ? 1 : 0;
    const int bound = 2 * 4 + concurrency;
    QVERIFY2(fastBefore <= bound,
             qPrintable(QStringLiteral("the last small copy was post %1 (bound %2) of %3 calls")
                            .arg(fastBefore)
                            .arg(bound)
                            .arg(order.size())));

    // (2) While fan-out posts were still waiting, maintenance (the summary refreshes) got at
    // least one call in every `share` consecutive calls (151 summaries: the crowd and the assignee).
    int posts = 0;
    int updates = 0;
    int lastPost = -1;
    for (int i = 0; i < order.size(); ++i) {
        if (order[i].startsWith(QLatin1String("p:")))
            lastPost = i;
    }
    for (int i = 0; i <= lastPost; ++i)
        (order[i] == QLatin1String("u") ? updates : posts) += 1;
    QCOMPARE(posts, 150 + 6); // 149 crowd members and the assignee, and the small copies
    // One in `share` dispatches, less what the concurrency can reorder at the start and the end.
    QVERIFY2(updates >= (posts + updates) / share - 2 * concurrency,
             qPrintable(QStringLiteral("%1 refreshes among %2 calls").arg(updates).arg(posts + updates)));
    // ...and the fast lane went first: refreshes are far from done when the posts are.
    QVERIFY2(updates < 151, qPrintable(QString::number(updates)));

    // (3) Desk order and exactly once in every thread.
    verifyThreads(big);
    for (const qint64 rid : std::as_const(smalls))
        verifyThreads(rid);
    for (int i = 0; i < smalls.size(); ++i) {
        QCOMPARE(postedUpdateIds(smallPeople[i].first, smalls[i]), QList<qint64>{replies[i]});
        QCOMPARE(postedUpdateIds(smallPeople[i].second, smalls[i]), QList<qint64>{replies[i]});
    }
    QVERIFY(postedUpdateIds(crowd[7], big).contains(bigUpdate));
}

void TestSyncOutbound::rateLimitPausesOnlyThatChannel()
{
    startEngine();
    const Member requester = addMember(QStringLiteral("Rita"));
    const Member agent = addMember(QStringLiteral("Alex"), true);
    const Member other = addMember(QStringLiteral("Otto"));
    const qint64 rid = createRequest(requester, {}, agent);
    const qint64 rid2 = createRequest(other, {}, agent);
    waitIdle();
    // The sandbox enforces ~1/s per channel (burst 3) while the engine thinks it may go faster:
    // the requester's channel gets 429s with Retry-After.
    m_sandbox->workspace().setRateLimitsEnabled(true);
    for (int i = 0; i < 8; ++i)
        postUpdate(rid, agent, QStringLiteral("burst %1").arg(i));
    QTRY_VERIFY_WITH_TIMEOUT(m_sandbox->workspace().rateLimitedCount() > 0, 10000);
    QElapsedTimer t;
    t.start();
    const qint64 u = postUpdate(rid2, agent, QStringLiteral("unaffected"));
    QTRY_VERIFY_WITH_TIMEOUT(postedUpdateIds(other, rid2).contains(u), 5000);
    const qint64 otherLatency = t.elapsed();
    QVERIFY(m_engine->queueStats().rateLimited > 0);
    waitIdle(60000);
    QVERIFY2(otherLatency < 900, qPrintable(QString::number(otherLatency)));
    verifyThreads(rid);
    verifyThreads(rid2);
}

void TestSyncOutbound::invalidAuthKeepsJobsAndResumesAfterTokenFix()
{
    startEngine();
    const Member requester = addMember(QStringLiteral("Rita"));
    const Member agent = addMember(QStringLiteral("Alex"), true);
    const qint64 rid = createRequest(requester, {}, agent);
    waitIdle();
    m_sandbox->workspace().mutableOptions().botToken = QStringLiteral("xoxb-rotated");
    for (int i = 0; i < 5; ++i)
        postUpdate(rid, agent, QStringLiteral("while revoked %1").arg(i));
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->state(), EngineState::NeedsReauthorization, 10000);
    QTest::qWait(300);
    const QueueStats s = m_engine->queueStats();
    QCOMPARE(s.fastPending, 5);
    QCOMPARE(s.failed, 0);
    QVERIFY(postedUpdateIds(requester, rid).isEmpty());
    m_engine->setBotToken(QStringLiteral("xoxb-rotated"));
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->state(), EngineState::Running, 10000);
    waitIdle();
    verifyThreads(rid);
}

void TestSyncOutbound::faultsGiveTheSameFinalState()
{
    startEngine();
    auto &faults = m_sandbox->workspace().faults();
    faults.serverErrorRate = 0.1;
    faults.resetRate = 0.05;
    faults.latencyMs = 2;
    const Member requester = addMember(QStringLiteral("Rita"));
    const Member agent = addMember(QStringLiteral("Alex"), true);
    QList<Member> watchers;
    for (int i = 0; i < 4; ++i)
        watchers << addMember(QStringLiteral("W%1").arg(i));
    const qint64 rid = createRequest(requester, watchers, agent);
    QList<qint64> ids;
    for (int i = 0; i < 30; ++i)
        ids << postUpdate(rid, i % 4 == 0 ? watchers[i % 3] : agent, QStringLiteral("faulty %1").arg(i));
    QVERIFY(
        m_engine->store()->editUpdate(ids[3], QStringLiteral("edited under faults"), agent.personId).ok());
    QVERIFY(m_engine->store()->deleteUpdate(ids[5], agent.personId).ok());
    waitIdle(90000);
    QVERIFY(m_sandbox->workspace().callCount(QStringLiteral("chat.postMessage"), QStringLiteral("ok")) > 0);
    QCOMPARE(m_engine->queueStats().failed, 0);
    verifyThreads(rid);
    for (const Member &m : watchers) {
        for (const SandboxMessage *msg : threadReplies(m, rid)) {
            const qint64 uid = msg->metadata.value(QStringLiteral("event_payload"))
                                   .toObject()
                                   .value(QStringLiteral("update_id"))
                                   .toVariant()
                                   .toLongLong();
            if (uid == ids[3])
                QVERIFY(msg->text.contains(QStringLiteral("edited under faults")));
        }
    }
}

void TestSyncOutbound::changeFeedCarriesWritesOfAnotherConnection()
{
    startEngine();
    const Member requester = addMember(QStringLiteral("Rita"));
    const Member agent = addMember(QStringLiteral("Alex"), true);
    const qint64 rid = createRequest(requester, {}, agent);
    waitIdle();
    // A second connection (as the console's AsyncStore or the REST daemon would have): no signal
    // reaches the engine, the durable feed does.
    Store other;
    QVERIFY(other.open(m_url).ok());
    auto u =
        other.postUpdate({rid, agent.personId, QStringLiteral("from elsewhere"), UpdateSource::Desk, {}});
    QVERIFY(u.ok());
    QTRY_COMPARE_WITH_TIMEOUT(postedUpdateIds(requester, rid), QList<qint64>{u.value().id}, 10000);
    other.close();
}

void TestSyncOutbound::crashedPostIsReconciledNotReposted()
{
    startEngine();
    const Member requester = addMember(QStringLiteral("Rita"));
    const Member agent = addMember(QStringLiteral("Alex"), true);
    const qint64 rid = createRequest(requester, {}, agent);
    const qint64 u = postUpdate(rid, agent, QStringLiteral("posted right before a crash"));
    waitIdle();
    QCOMPARE(postedUpdateIds(requester, rid), QList<qint64>{u});
    // Simulate a crash after the Slack call but before the result was recorded: the intent is
    // back in flight with an unknown outcome and the copy has no ts.
    m_engine->stop();
    QTRY_COMPARE(m_engine->state(), EngineState::Stopped);
    Store *store = m_engine->store();
    QVERIFY(
        store
            ->execAffected(QStringLiteral("UPDATE jobs SET state = 'in_flight', uncertain = ?, lease_owner = "
                                          "'dead-process', lease_expires_at = 0 WHERE kind = 'post_reply'"),
                           {true})
            .ok());
    QVERIFY(store
                ->execAffected(
                    QStringLiteral("UPDATE thread_messages SET state = 'pending', slack_ts = NULL"), {})
                .ok());
    const int postsBefore = m_sandbox->workspace().callCount(QStringLiteral("chat.postMessage"));
    QVERIFY(m_engine->start().ok());
    waitIdle();
    QCOMPARE(m_sandbox->workspace().callCount(QStringLiteral("chat.postMessage")), postsBefore);
    QVERIFY(m_sandbox->workspace().callCount(QStringLiteral("conversations.replies")) >= 1);
    QCOMPARE(postedUpdateIds(requester, rid), QList<qint64>{u});
    auto state =
        store->scalar(QStringLiteral("SELECT slack_ts FROM thread_messages WHERE update_id = ?"), {u});
    QVERIFY(state.ok() && state.value());
    QCOMPARE(state.value()->toString(), threadReplies(requester, rid).first()->ts);
}

void TestSyncOutbound::killedEngineProcessDeliversEveryUpdateExactlyOnce()
{
    // On both backends: the engine runs in the worker process on the same database (a SQLite file,
    // or this test's PostgreSQL schema), the desk is written by this process.
    const QString worker =
        QCoreApplication::applicationDirPath() + QStringLiteral("/tst_sync_outbound_worker");
    QVERIFY(QFile::exists(worker));
    // The desk is written by this process; the engine runs in the worker on the same file.
    Store desk;
    QVERIFY(desk.open(m_url).ok());
    auto member = [&](const QString &name) {
        auto user = m_sandbox->workspace().addUser(name, name.toLower() + QStringLiteral("@example.com"));
        return Member{desk.upsertPerson({user.id, name, user.email, false}).value().id, user.id};
    };
    const Member requester = member(QStringLiteral("Rita"));
    const Member agent = member(QStringLiteral("Alex"));
    const Member w1 = member(QStringLiteral("Wes"));
    const Member w2 = member(QStringLiteral("Wanda"));
    NewRequest n;
    n.title = QStringLiteral("Crash course");
    n.body = QStringLiteral("body");
    n.requesterId = requester.personId;
    n.assigneeId = agent.personId;
    n.followerIds = {w1.personId, w2.personId};
    const qint64 rid = desk.createRequest(n).value().id;
    constexpr int Updates = 1000;
    constexpr int Kills = 20;
    auto post = [&](int i) {
        const Member &author = i % 7 == 0 ? w1 : (i % 5 == 0 ? requester : agent);
        QVERIFY(desk.postUpdate(
                        {rid, author.personId, QStringLiteral("update %1").arg(i), UpdateSource::Desk, {}})
                    .ok());
    };
    int posted = 0;
    for (; posted < Updates / 2; ++posted)
        post(posted);

    const quint32 seed = QRandomGenerator::global()->generate();
    qInfo() << "crash test seed" << seed;
    QRandomGenerator dice(seed);
    const QStringList args = {m_url, m_sandbox->apiUrl().toString(),
                              m_sandbox->workspace().options().botToken};
    auto pendingJobs = [&]() -> qint64 {
        auto r = desk.scalar(
            QStringLiteral("SELECT (SELECT COUNT(*) FROM jobs WHERE state IN ('pending','in_flight')) + "
                           "(SELECT COUNT(*) FROM change_log WHERE id > COALESCE((SELECT position FROM "
                           "sync_cursors WHERE name = 'planner'), 0))"));
        return r && r.value() ? r.value()->toLongLong() : -1;
    };
    int kills = 0;
    for (; kills < Kills; ++kills) {
        QProcess p;
        p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        p.start(worker, args);
        QVERIFY(p.waitForStarted());
        // Desk writes keep coming while the engine runs (another process: the change feed carries them).
        const int until = std::min(Updates, posted + Updates / 2 / Kills);
        for (; posted < until; ++posted)
            post(posted);
        QTest::qWait(int(dice.bounded(80, 400)));
        p.kill(); // SIGKILL: no cleanup, intents stay in flight
        QVERIFY(p.waitForFinished());
    }
    for (; posted < Updates; ++posted)
        post(posted);
    QProcess last;
    last.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    last.start(worker, args);
    QVERIFY(last.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(pendingJobs() == 0, 90000);
    last.terminate();
    QVERIFY(last.waitForFinished());
    QCOMPARE(kills, Kills);
    verifyThreads(rid, &desk);
    QCOMPARE(postedUpdateIds(w2, rid).size(), Updates);
    auto failed = desk.scalar(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE state = 'failed'"));
    QVERIFY(failed.ok() && failed.value());
    QCOMPARE(failed.value()->toLongLong(), 0);
}

void TestSyncOutbound::twoEnginesShareOneQueue()
{
    // Two engines (as two threadlined processes would) claim from one jobs table: the per-key
    // claim keeps one job per conversation in flight and desk order across both.
    startEngine([](EngineOptions &o) { o.instanceId = QStringLiteral("engine-a"); });
    EngineOptions o = m_engine->options();
    o.instanceId = QStringLiteral("engine-b");
    Engine second(o);
    QVERIFY(second.start().ok());
    QTRY_COMPARE_WITH_TIMEOUT(second.state(), EngineState::Running, 10000);
    const Member requester = addMember(QStringLiteral("Rita"));
    const Member agent = addMember(QStringLiteral("Alex"), true);
    QList<Member> watchers;
    for (int i = 0; i < 4; ++i)
        watchers << addMember(QStringLiteral("W%1").arg(i));
    const qint64 rid = createRequest(requester, watchers, agent);
    for (int i = 0; i < 40; ++i)
        postUpdate(rid, i % 6 == 0 ? watchers[i % 4] : agent, QStringLiteral("shared %1").arg(i));
    second.nudge();
    waitIdle(60000);
    QTRY_VERIFY_WITH_TIMEOUT(second.queueStats().inFlight == 0, 10000);
    verifyThreads(rid);
    // Between them every post was made once (which engine made it depends on timing).
    QVERIFY(second.queueStats().dispatched + m_engine->queueStats().dispatched >=
            m_sandbox->workspace().callCount(QStringLiteral("chat.postMessage")));
}

void TestSyncOutbound::slackReplyThroughTheEngineReachesEveryOtherThread()
{
    // The whole loop through the Engine with its inbound side on Socket Mode.
    startEngine([this](EngineOptions &o) {
        o.inboundEnabled = true;
        o.slack.appToken = m_sandbox->workspace().options().appToken;
    });
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->inboundConnected(), 10000);
    const Member requester = addMember(QStringLiteral("Rita"));
    const Member agent = addMember(QStringLiteral("Alex"), true);
    const Member watcher = addMember(QStringLiteral("Wes"));
    const qint64 rid = createRequest(requester, {watcher}, agent);
    waitIdle();
    const auto tops = summaries(requester, rid);
    QCOMPARE(tops.size(), 1);
    QVERIFY(m_sandbox->workspace()
                .postAsUser(requester.slackId, QStringLiteral("from Slack"), tops.first()->ts)
                .ok);
    QTRY_VERIFY_WITH_TIMEOUT(
        postedUpdateIds(agent, rid).size() == 1 && postedUpdateIds(watcher, rid).size() == 1, 15000);
    waitIdle();
    verifyThreads(rid);
    QCOMPARE(threadReplies(requester, rid).size(), 1); // only the author's own message
    auto timeline = m_engine->store()->timeline(rid);
    QVERIFY(timeline.ok());
    QCOMPARE(timeline.value().updates.size(), 1);
    QCOMPARE(timeline.value().updates.first().source, UpdateSource::Slack);
    QCOMPARE(timeline.value().updates.first().authorId, requester.personId);
    QVERIFY(threadReplies(watcher, rid).first()->text.contains(QStringLiteral("from Slack")));
}

void TestSyncOutbound::changeWithoutItsFeedRowDoesNotCommit()
{
    Store store;
    QVERIFY(store.open(m_url).ok());
    auto p = store.upsertPerson({QStringLiteral("U1"), QStringLiteral("Rita"), {}, false});
    QVERIFY(p.ok());
    auto r = store.createRequest({QStringLiteral("t"), QStringLiteral("b"), p.value().id, 0, 0, {}, 0});
    QVERIFY(r.ok());
    auto feed =
        store.scalar(QStringLiteral("SELECT COUNT(*) FROM change_log WHERE request_id = ?"), {r.value().id});
    QVERIFY(feed.ok() && feed.value() && feed.value()->toLongLong() >= 1);
    // The feed cannot be written: the desk change must not commit either.
    QSqlQuery ddl(store.database());
    QVERIFY(ddl.exec(QStringLiteral("ALTER TABLE change_log RENAME TO change_log_gone")));
    auto u = store.postUpdate({r.value().id, p.value().id, QStringLiteral("lost?"), UpdateSource::Desk, {}});
    QVERIFY(!u.ok());
    auto n = store.scalar(QStringLiteral("SELECT COUNT(*) FROM updates"));
    QVERIFY(n.ok() && n.value());
    QCOMPARE(n.value()->toLongLong(), 0);
    QVERIFY(ddl.exec(QStringLiteral("ALTER TABLE change_log_gone RENAME TO change_log")));
    QVERIFY(
        store.postUpdate({r.value().id, p.value().id, QStringLiteral("kept"), UpdateSource::Desk, {}}).ok());
}

void TestSyncOutbound::longCallKeepsItsLease()
{
    // A lease covers leaseMs. An execution that takes longer (here every Slack answer takes five
    // lease lengths) renews it, so another engine never takes the job back, reconciles it or
    // sends it again while it runs.
    startEngine([](EngineOptions &o) {
        o.instanceId = QStringLiteral("engine-a");
        o.leaseMs = 300;
    });
    EngineOptions o = m_engine->options();
    o.instanceId = QStringLiteral("engine-b");
    Engine second(o);
    QVERIFY(second.start().ok());
    QTRY_COMPARE_WITH_TIMEOUT(second.state(), EngineState::Running, 10000);
    const Member requester = addMember(QStringLiteral("Rita"));
    m_sandbox->workspace().faults().latencyMs = 1500;
    const qint64 rid = createRequest(requester, {});
    Store *st = m_engine->store();
    auto inFlight = [st] {
        auto n = st->scalar(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE state = 'in_flight'"));
        return n && n.value() ? n.value()->toLongLong() : -1;
    };
    QTRY_COMPARE_WITH_TIMEOUT(inFlight(), 1, 10000);
    QTest::qWait(1000); // past three lease lengths, the call still waiting for its answer
    QCOMPARE(inFlight(), 1);
    auto lease = st->scalar(QStringLiteral("SELECT lease_expires_at FROM jobs WHERE state = 'in_flight'"));
    QVERIFY(lease.ok() && lease.value());
    QVERIFY2(lease.value()->toLongLong() > st->now(), "the lease of the running job was not renewed");
    m_sandbox->workspace().faults().latencyMs = 0;
    waitIdle(30000);
    QTRY_VERIFY_WITH_TIMEOUT(second.queueStats().inFlight == 0, 10000);
    QCOMPARE(summaries(requester, rid).size(), 1);
    auto attempts = st->scalar(QStringLiteral("SELECT attempts FROM jobs WHERE kind = 'post_summary'"));
    QVERIFY(attempts.ok() && attempts.value());
    QCOMPARE(attempts.value()->toInt(), 1); // claimed once, by one engine
    QCOMPARE(m_sandbox->workspace().callCount(QStringLiteral("conversations.history")),
             0); // no reconciliation
    QCOMPARE(m_sandbox->workspace().callCount(QStringLiteral("chat.postMessage")), 1);
}

void TestSyncOutbound::pruningKeepsWhatIsStillNeeded()
{
    startEngine([](EngineOptions &o) {
        o.jobRetentionMs = 60'000;
        o.pruneIntervalMs = 3'600'000; // this test prunes by hand
    });
    const Member requester = addMember(QStringLiteral("Rita"));
    const Member agent = addMember(QStringLiteral("Alex"), true);
    const Member watcher = addMember(QStringLiteral("Wes"));
    const qint64 rid = createRequest(requester, {watcher}, agent);
    for (int i = 0; i < 3; ++i)
        postUpdate(rid, agent, QStringLiteral("before pruning %1").arg(i));
    waitIdle();
    Store *st = m_engine->store();
    auto count = [st](const QString &sql) {
        auto n = st->scalar(sql);
        return n && n.value() ? n.value()->toLongLong() : -1;
    };
    const qint64 done = count(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE state = 'done'"));
    QVERIFY(done >= 9); // 3 summaries and 3 updates to 2 followers
    const qint64 feed = count(QStringLiteral("SELECT COUNT(*) FROM change_log"));
    const qint64 lastChange = count(QStringLiteral("SELECT MAX(id) FROM change_log"));
    QVERIFY(feed >= 4);
    // Half the finished jobs ended two minutes ago; a failed job just as old stays for the operator.
    const qint64 old = st->now() - 120'000;
    QVERIFY(st->execAffected(QStringLiteral("UPDATE jobs SET updated_at = ? WHERE state = 'done' AND id <= "
                                            "(SELECT MIN(id) FROM jobs) + 3"),
                             {old})
                .ok());
    const qint64 aged =
        count(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE state = 'done' AND updated_at < ") +
              QString::number(st->now() - 60'000));
    QCOMPARE(aged, 4);
    QVERIFY(
        st->execAffected(
              QStringLiteral("INSERT INTO jobs (lane, kind, ordering_key, payload, not_before, state, "
                             "last_error, created_at, updated_at, dedupe_key) VALUES ('fast', "
                             "'post_reply', 'prune-test', '{}', 0, 'failed', 'kept', ?, ?, 'prune-test')"),
              {old, old})
            .ok());
    // A second reader of the feed that has not caught up: the rows after its cursor stay.
    QVERIFY(st->execAffected(QStringLiteral("INSERT INTO sync_cursors (name, position) VALUES ('slow', ?)"),
                             {lastChange - 2})
                .ok());

    // REST idempotency keys: one past its lifetime goes, one within it stays.
    QVERIFY(
        st->execAffected(QStringLiteral("INSERT INTO idempotency_keys (principal_id, idem_key, fingerprint, "
                                        "status, created_at) VALUES (0, 'expired', 'f', 201, ?), "
                                        "(0, 'recent', 'f', 201, ?)"),
                         {st->now() - Store::IdempotencyKeyLifetimeMs - 1, st->now() - 1000})
            .ok());

    auto r = m_engine->prune();
    QVERIFY2(r.ok(), qPrintable(r.error().toString()));
    QCOMPARE(r.value().idempotencyKeys, 1);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'recent'")), 1);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM idempotency_keys")), 1);
    QCOMPARE(r.value().jobs, 4);
    QCOMPARE(r.value().changes, int(feed - 2));
    QVERIFY(!r.value().more);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM change_log")), 2);
    QCOMPARE(count(QStringLiteral("SELECT MIN(id) FROM change_log")), lastChange - 1);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE state = 'done'")), done - 4);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE state = 'failed'")), 1);

    // Once every reader has passed them, the rest go too; a second pass finds nothing.
    QVERIFY(st->execAffected(QStringLiteral("DELETE FROM sync_cursors WHERE name = 'slow'"), {}).ok());
    r = m_engine->prune();
    QVERIFY(r.ok());
    QCOMPARE(r.value().changes, 2);
    QCOMPARE(r.value().jobs, 0);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM change_log")), 0);

    // The engine goes on as before: the feed's ids keep growing, every copy arrives once.
    postUpdate(rid, agent, QStringLiteral("after pruning"));
    waitIdle();
    verifyThreads(rid);
}

QTEST_GUILESS_MAIN(TestSyncOutbound)
#include "tst_sync_outbound.moc"
