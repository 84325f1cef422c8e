// The lease fence (docs/sync.md, "Leases and the fence"): a LIVE process whose job lease expired,
// and which another process took the job over from, makes no Slack call for it and writes no
// result over the other owner's. Deterministic: the engine's monotonic clock is the test's, and a
// hook holds an execution right before its Slack call (a process starved of CPU at that point).

#include "postgresschemas.h"
#include "sandbox/sandboxserver.h"
#include "store/store.h"
#include "sync/engine.h"
#include "sync/scheduler.h"
#include "syncharness.h"
#include "testsupport.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QNetworkAccessManager>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace threadline;
using namespace threadline::sync;
using threadline::sandbox::SandboxServer;
using threadline::test::Member;

namespace {

constexpr int LeaseMs = 60'000; // the renewal timer (a third of it) never fires during a test

} // namespace

class TestSyncFence : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data();
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void starvedProcessDoesNotPostWhatAnotherTookOver();
    void lostRenewalStopsTheCall();
    void resultOfATakenOverJobIsDropped();
    void starvedButUntakenLeaseIsRenewedAndPosts();
    void lostRenewalStopsAnUpload();

private:
    //! Engine A: the test's clock, and the first chat.postMessage after arm() is held.
    void startEngineA(int leaseMs = LeaseMs);
    std::unique_ptr<Engine> startEngineB();
    Member addMember(const QString &name, bool agent = false);
    //! A request with a thread in Rita's DM (summaries posted), then Alex's update, whose reply to
    //! Rita's thread A claims and holds before its chat.postMessage. Returns the held job id.
    qint64 holdAReply();
    Scheduler *schedulerOf(Engine *e) const { return e->findChild<Scheduler *>(); }
    bool idle(Engine *e) const;
    //! The update ids of the threadline_update markers in Rita's thread, in thread order.
    QList<qint64> postedUpdateIds();
    QString jobField(qint64 jobId, const QString &column);
    QString threadMessageField(const QString &column);

    QTemporaryDir m_dir;
    int m_counter = 0;
    test::PostgresSchemas m_pg{QStringLiteral("syncfence")};
    QString m_url;
    std::unique_ptr<SandboxServer> m_sandbox;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<Engine> m_a;
    qint64 m_clockA = 1'000'000;
    bool m_armed = false;
    QString m_holdMethod = QStringLiteral("chat.postMessage");
    qint64 m_heldJob = 0;
    std::function<void()> m_proceed;
    Member m_rita;
    Member m_alex;
    qint64 m_request = 0;
    qint64 m_update = 0;
};

void TestSyncFence::initTestCase_data()
{
    test::addBackendRows();
}

void TestSyncFence::initTestCase()
{
    QVERIFY(m_dir.isValid());
    test::quietSyncLogs();
}

void TestSyncFence::init()
{
    THREADLINE_BACKEND_OR_SKIP();
    QFETCH_GLOBAL(QString, backend);
    m_sandbox = std::make_unique<SandboxServer>(test::quietSandboxOptions());
    QVERIFY(m_sandbox->listen());
    m_nam = std::make_unique<QNetworkAccessManager>();
    ++m_counter;
    m_url = m_pg.newUrl(backend, m_dir.filePath(QStringLiteral("fence-%1.db").arg(m_counter)));
    m_clockA = 1'000'000;
    m_armed = false;
    m_holdMethod = QStringLiteral("chat.postMessage");
    m_heldJob = 0;
    m_proceed = {};
}

void TestSyncFence::cleanup()
{
    m_proceed = {};
    m_a.reset();
    m_nam.reset();
    m_sandbox.reset();
}

void TestSyncFence::cleanupTestCase()
{
    const QString failed = m_pg.dropAll();
    QVERIFY2(failed.isEmpty(), qPrintable(failed));
}

void TestSyncFence::startEngineA(int leaseMs)
{
    EngineOptions o = test::testEngineOptions(m_url, *m_sandbox, m_nam.get());
    o.inboundEnabled = false;
    o.maxAttempts = EngineOptions().maxAttempts; // the production default
    o.sharedRateBudget = false;
    o.leaseMs = leaseMs;
    o.instanceId = QStringLiteral("engine-a");
    o.files.storeDir = m_dir.filePath(QStringLiteral("files-%1").arg(m_counter));
    o.monotonicMs = [this] { return m_clockA; };
    o.beforeSlackCall = [this](qint64 jobId, const QString &method, std::function<void()> proceed) {
        if (m_armed && !m_proceed && method == m_holdMethod) {
            m_heldJob = jobId;
            m_proceed = std::move(proceed); // the process stalls right before its post
            return;
        }
        proceed();
    };
    m_a = std::make_unique<Engine>(o);
    auto r = m_a->start();
    QVERIFY2(r.ok(), qPrintable(r.error().toString()));
    QTRY_COMPARE_WITH_TIMEOUT(m_a->state(), EngineState::Running, 10000);
}

std::unique_ptr<Engine> TestSyncFence::startEngineB()
{
    EngineOptions o = m_a->options();
    o.instanceId = QStringLiteral("engine-b");
    o.monotonicMs = {};
    o.beforeSlackCall = {};
    auto b = std::make_unique<Engine>(o);
    if (!b->start().ok())
        return {};
    return b;
}

Member TestSyncFence::addMember(const QString &name, bool agent)
{
    return test::addMember(m_sandbox->workspace(), m_a->store(), name, agent);
}

bool TestSyncFence::idle(Engine *e) const
{
    return test::queueIdle(e->queueStats());
}

qint64 TestSyncFence::holdAReply()
{
    m_rita = addMember(QStringLiteral("Rita"));
    m_alex = addMember(QStringLiteral("Alex"), true);
    m_request = test::createRequest(m_a->store(), m_rita, {}, m_alex, QStringLiteral("Laptop"),
                                    QStringLiteral("Mine broke"));
    if (!QTest::qWaitFor([this] { return idle(m_a.get()); }, 30000))
        return 0;
    m_armed = true;
    NewUpdate u;
    u.requestId = m_request;
    u.authorId = m_alex.personId;
    u.text = QStringLiteral("A new one is on its way");
    auto w = m_a->store()->postUpdate(u);
    if (!w)
        qFatal("postUpdate failed");
    m_update = w.value().id;
    if (!QTest::qWaitFor([this] { return bool(m_proceed); }, 30000))
        return 0;
    return m_heldJob;
}

QList<qint64> TestSyncFence::postedUpdateIds()
{
    return test::postedUpdateIds(m_sandbox->workspace(), m_rita, m_request);
}

QString TestSyncFence::jobField(qint64 jobId, const QString &column)
{
    auto v = m_a->store()->scalar(
        QStringLiteral("SELECT ") + column + QStringLiteral(" FROM jobs WHERE id = ?"), {jobId});
    if (!v || !v.value())
        return QStringLiteral("<none>");
    return v.value()->isNull() ? QStringLiteral("<null>") : v.value()->toString();
}

QString TestSyncFence::threadMessageField(const QString &column)
{
    auto v = m_a->store()->scalar(QStringLiteral("SELECT ") + column +
                                      QStringLiteral(" FROM thread_messages WHERE update_id = ? AND "
                                                     "conversation_id IN (SELECT id FROM conversations "
                                                     "WHERE person_id = ?)"),
                                  {m_update, m_rita.personId});
    if (!v || !v.value())
        return QStringLiteral("<none>");
    return v.value()->isNull() ? QStringLiteral("<null>") : v.value()->toString();
}

// ---- Cases -------------------------------------------------------------------------------------

void TestSyncFence::starvedProcessDoesNotPostWhatAnotherTookOver()
{
    // A claims the reply and stalls right before chat.postMessage for longer than its lease. B
    // puts the expired job back, claims it (uncertain: it reconciles, finds nothing, since A has
    // not sent) and posts. When A wakes up, its fence sees the lease ran out, asks the database,
    // finds the job is no longer its own, and posts nothing.
    startEngineA();
    const qint64 job = holdAReply();
    QVERIFY(job > 0);
    QCOMPARE(jobField(job, QStringLiteral("lease_owner")), QStringLiteral("engine-a"));
    const int postsBefore = m_sandbox->workspace().callCount(QStringLiteral("chat.postMessage"));

    m_clockA += LeaseMs; // A's process was starved past its lease...
    QVERIFY(m_a->store()
                ->execAffected(QStringLiteral("UPDATE jobs SET lease_expires_at = ? WHERE id = ?"),
                               {m_a->store()->now() - 1, job})
                .ok()); // ...and so the database's clock passed the lease's end as well
    std::unique_ptr<Engine> b = startEngineB();
    QVERIFY(b);
    QTRY_COMPARE_WITH_TIMEOUT(b->state(), EngineState::Running, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(jobField(job, QStringLiteral("state")), QStringLiteral("done"), 30000);
    QCOMPARE(postedUpdateIds(), QList<qint64>{m_update});
    QVERIFY(m_sandbox->workspace().callCount(QStringLiteral("conversations.replies")) >= 1); // B reconciled
    const QString bTs = threadMessageField(QStringLiteral("slack_ts"));
    QVERIFY2(!bTs.startsWith(QLatin1Char('<')), qPrintable(bTs));

    m_proceed(); // A wakes up
    QTRY_VERIFY_WITH_TIMEOUT(idle(m_a.get()), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(idle(b.get()), 30000);
    QCOMPARE(postedUpdateIds(), QList<qint64>{m_update}); // exactly once in Rita's thread
    QCOMPARE(m_sandbox->workspace().callCount(QStringLiteral("chat.postMessage")), postsBefore + 1);
    QCOMPARE(schedulerOf(m_a.get())->leasesLost(), 1);
    QCOMPARE(jobField(job, QStringLiteral("state")), QStringLiteral("done"));
    QCOMPARE(jobField(job, QStringLiteral("attempts")), QStringLiteral("2")); // A's claim, then B's
    QCOMPARE(threadMessageField(QStringLiteral("state")), QStringLiteral("posted"));
    QCOMPARE(threadMessageField(QStringLiteral("slack_ts")), bTs);
    auto open = m_a->store()->scalar(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE state <> 'done'"));
    QVERIFY(open.ok() && open.value());
    QCOMPARE(open.value()->toLongLong(), 0);
}

void TestSyncFence::lostRenewalStopsTheCall()
{
    // A's local clock says its lease is fine, but a renewal finds that another owner wrote
    // lease_owner: the execution is marked lost and its held post is never sent, nor anything
    // written over the other owner's row.
    startEngineA(3000); // renewals every second
    const qint64 job = holdAReply();
    QVERIFY(job > 0);
    const int postsBefore = m_sandbox->workspace().callCount(QStringLiteral("chat.postMessage"));
    const qint64 otherUntil = m_a->store()->now() + 600'000;
    QVERIFY(m_a->store()
                ->execAffected(QStringLiteral("UPDATE jobs SET lease_owner = 'engine-b', lease_expires_at = "
                                              "? WHERE id = ?"),
                               {otherUntil, job})
                .ok());
    QTRY_COMPARE_WITH_TIMEOUT(schedulerOf(m_a.get())->leasesLost(), 1, 10000); // a renewal found it gone
    m_proceed();
    QTRY_COMPARE_WITH_TIMEOUT(schedulerOf(m_a.get())->inFlight(), 0, 10000);
    QCOMPARE(m_sandbox->workspace().callCount(QStringLiteral("chat.postMessage")), postsBefore);
    QCOMPARE(postedUpdateIds(), QList<qint64>{});
    // The other owner's row is as it wrote it.
    QCOMPARE(jobField(job, QStringLiteral("state")), QStringLiteral("in_flight"));
    QCOMPARE(jobField(job, QStringLiteral("lease_owner")), QStringLiteral("engine-b"));
    QCOMPARE(jobField(job, QStringLiteral("lease_expires_at")), QString::number(otherUntil));
    QCOMPARE(threadMessageField(QStringLiteral("state")), QStringLiteral("pending"));
    QCOMPARE(schedulerOf(m_a.get())->resultsDropped(), 0);
}

void TestSyncFence::resultOfATakenOverJobIsDropped()
{
    // The window the fence leaves: A passed its check (its clock says the lease is fine) and
    // stalls between the check and the send while another process takes the job. A's post then
    // happens, but its result is not written over the new owner's: the record is fenced on
    // lease_owner, and dropped.
    startEngineA();
    const qint64 job = holdAReply();
    QVERIFY(job > 0);
    const qint64 otherUntil = m_a->store()->now() + 600'000;
    QVERIFY(m_a->store()
                ->execAffected(QStringLiteral("UPDATE jobs SET lease_owner = 'engine-b', lease_expires_at = "
                                              "?, uncertain = ? WHERE id = ?"),
                               {otherUntil, true, job})
                .ok());
    m_proceed();
    QTRY_COMPARE_WITH_TIMEOUT(schedulerOf(m_a.get())->resultsDropped(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(schedulerOf(m_a.get())->inFlight(), 0, 10000);
    QCOMPARE(postedUpdateIds(), QList<qint64>{m_update}); // the documented window: A did send
    QCOMPARE(jobField(job, QStringLiteral("state")), QStringLiteral("in_flight"));
    QCOMPARE(jobField(job, QStringLiteral("lease_owner")), QStringLiteral("engine-b"));
    QCOMPARE(threadMessageField(QStringLiteral("state")), QStringLiteral("pending"));
    QCOMPARE(threadMessageField(QStringLiteral("slack_ts")), QStringLiteral("<null>"));
    QCOMPARE(schedulerOf(m_a.get())->leasesLost(), 0);
    // The new owner, reconciling its uncertain job, finds A's copy and records it: still once.
    QVERIFY(m_a->store()
                ->execAffected(QStringLiteral("UPDATE jobs SET lease_expires_at = ? WHERE id = ?"),
                               {m_a->store()->now() - 1, job})
                .ok());
    std::unique_ptr<Engine> b = startEngineB();
    QVERIFY(b);
    QTRY_COMPARE_WITH_TIMEOUT(jobField(job, QStringLiteral("state")), QStringLiteral("done"), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(idle(b.get()), 30000);
    QCOMPARE(postedUpdateIds(), QList<qint64>{m_update});
    QCOMPARE(threadMessageField(QStringLiteral("state")), QStringLiteral("posted"));
}

void TestSyncFence::starvedButUntakenLeaseIsRenewedAndPosts()
{
    // Past its local lease but nobody took the job (the database lease still runs): the fence
    // re-verifies, renews, and the post goes ahead once.
    startEngineA();
    const qint64 job = holdAReply();
    QVERIFY(job > 0);
    const qint64 leaseBefore = jobField(job, QStringLiteral("lease_expires_at")).toLongLong();
    m_clockA += LeaseMs;
    m_proceed();
    QTRY_VERIFY_WITH_TIMEOUT(idle(m_a.get()), 30000);
    QCOMPARE(postedUpdateIds(), QList<qint64>{m_update});
    QCOMPARE(jobField(job, QStringLiteral("state")), QStringLiteral("done"));
    QCOMPARE(jobField(job, QStringLiteral("attempts")), QStringLiteral("1"));
    QCOMPARE(threadMessageField(QStringLiteral("state")), QStringLiteral("posted"));
    QVERIFY(jobField(job, QStringLiteral("lease_expires_at")).toLongLong() >= leaseBefore);
    QCOMPARE(schedulerOf(m_a.get())->leasesLost(), 0);
    QCOMPARE(schedulerOf(m_a.get())->resultsDropped(), 0);
}

void TestSyncFence::lostRenewalStopsAnUpload()
{
    // The files pipeline's transfers ask the same fence before each of their Slack calls: a file
    // share whose renewal found another owner uploads nothing.
    startEngineA(3000);
    m_rita = addMember(QStringLiteral("Rita"));
    m_alex = addMember(QStringLiteral("Alex"), true);
    NewRequest n;
    n.title = QStringLiteral("Printer jam");
    n.body = QStringLiteral("See the picture");
    n.requesterId = m_rita.personId;
    n.assigneeId = m_alex.personId;
    auto r = m_a->store()->createRequest(n);
    QVERIFY(r);
    m_request = r.value().id;
    QTRY_VERIFY_WITH_TIMEOUT(idle(m_a.get()), 30000);
    m_holdMethod = QStringLiteral("files.getUploadURLExternal");
    m_armed = true;
    QBuffer source;
    source.setData(QByteArray("%PDF-1.4\n") + QByteArray(2000, 'x'));
    source.open(QIODevice::ReadOnly);
    auto stored = m_a->storeAttachment(source, QStringLiteral("fix.pdf"), QStringLiteral("application/pdf"));
    QVERIFY2(stored, qPrintable(stored.error().toString()));
    NewUpdate u;
    u.requestId = m_request;
    u.authorId = m_alex.personId;
    u.text = QStringLiteral("Here is the fix");
    u.attachments = {stored.value()};
    auto posted = m_a->store()->postUpdate(u);
    QVERIFY(posted);
    m_update = posted.value().id;
    QTRY_VERIFY_WITH_TIMEOUT(bool(m_proceed), 30000);
    const qint64 job = m_heldJob;
    QCOMPARE(jobField(job, QStringLiteral("kind")), QStringLiteral("file_share"));
    const qint64 otherUntil = m_a->store()->now() + 600'000;
    QVERIFY(m_a->store()
                ->execAffected(QStringLiteral("UPDATE jobs SET lease_owner = 'engine-b', lease_expires_at = "
                                              "? WHERE id = ?"),
                               {otherUntil, job})
                .ok());
    QTRY_COMPARE_WITH_TIMEOUT(schedulerOf(m_a.get())->leasesLost(), 1, 10000);
    m_proceed();
    QTRY_COMPARE_WITH_TIMEOUT(schedulerOf(m_a.get())->inFlight(), 0, 10000);
    QCOMPARE(m_sandbox->workspace().callCount(QStringLiteral("files.getUploadURLExternal")), 0);
    QCOMPARE(m_sandbox->workspace().callCount(QStringLiteral("files.completeUploadExternal")), 0);
    QCOMPARE(jobField(job, QStringLiteral("state")), QStringLiteral("in_flight"));
    QCOMPARE(jobField(job, QStringLiteral("lease_owner")), QStringLiteral("engine-b"));
    QCOMPARE(postedUpdateIds(), QList<qint64>{m_update}); // the text reply went out (its own job)
}

QTEST_GUILESS_MAIN(TestSyncFence)
#include "tst_sync_fence.moc"
