// Chaos: the database goes away under the store and under a running engine. Nothing may be lost,
// nothing half-written, and the engine must carry on by itself once the database is back.

#include "files/filestore.h"
#include "postgresschemas.h"
#include "sandbox/sandboxserver.h"
#include "store/store.h"
#include "sync/engine.h"
#include "syncharness.h"
#include "testsupport.h"
#include "throwawaypostgres.h"

#include <QBuffer>
#include <QDir>
#include <QDirIterator>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include <csignal>
#include <memory>

#include <sys/resource.h>

using namespace threadline;
using namespace threadline::sync;
using threadline::sandbox::SandboxServer;
using threadline::test::lit;
using threadline::test::Member;

class TestChaos : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void storeReconnectsAfterItsConnectionIsCut();
    void engineLosesNothingAcrossPostgresRestart();
    void attachmentDiskFullIsAClearErrorThenRetrySucceeds();

private:
    test::PostgresSchemas m_pg{lit("chaos")};
};

void TestChaos::initTestCase()
{
    if (qEnvironmentVariableIsEmpty("THREADLINE_TEST_CHAOS_LOG"))
        QLoggingCategory::setFilterRules(lit("threadline.*.info=false\nthreadline.*.debug=false\n"
                                             "threadline.*.warning=false"));
}

void TestChaos::cleanupTestCase()
{
    const QString failed = m_pg.dropAll();
    QVERIFY2(failed.isEmpty(), qPrintable(failed));
}

// The connection of a Store is cut by the server (pg_terminate_backend: what a restart, a failover
// or an idle-session killer does to it). Outside a transaction the store opens a new connection
// and carries on; a transaction cut midway fails as Unavailable and leaves nothing behind.
void TestChaos::storeReconnectsAfterItsConnectionIsCut()
{
    THREADLINE_POSTGRES_OR_SKIP();
    const QString url = m_pg.newUrl();
    const QString schema = m_pg.schemas().constLast();

    Store store;
    QVERIFY(store.open(url).ok());
    Store admin;
    QVERIFY(admin.open(url).ok());
    const auto cut = [&] {
        const auto pid = store.scalar(lit("SELECT pg_backend_pid()"));
        QVERIFY(pid && pid.value());
        const auto killed = admin.scalar(lit("SELECT pg_terminate_backend(?)"), {pid.value()->toLongLong()});
        QVERIFY(killed && killed.value() && killed.value()->toBool());
    };
    const auto requestCount = [&admin] {
        return admin.scalar(lit("SELECT count(*) FROM requests")).value().value().toLongLong();
    };

    auto ada = store.upsertPerson({lit("U0ADA"), lit("Ada"), {}, false});
    QVERIFY(ada.ok());
    NewRequest nr;
    nr.title = lit("Printer jammed");
    nr.requesterId = ada.value().id;

    // A write after the cut: BEGIN fails on the dead connection, is repeated on a new one.
    cut();
    QCOMPARE(store.reconnectCount(), 0);
    auto first = store.createRequest(nr);
    QVERIFY2(first.ok(), qPrintable(first.error().toString()));
    QCOMPARE(store.reconnectCount(), 1);
    QVERIFY(!store.connectionLost());

    // A lone read after the cut: repeated on a new connection.
    cut();
    auto read = store.request(first.value().id);
    QVERIFY2(read.ok(), qPrintable(read.error().toString()));
    QCOMPARE(read.value().title, nr.title);
    QCOMPARE(store.reconnectCount(), 2);

    // A transaction cut in the middle: the caller learns it (Unavailable), nothing is half-written.
    const qint64 before = requestCount();
    QSignalSpy announced(&store, &Store::changed);
    auto cutMidway = store.transaction([&]() -> Result<Request> {
        auto a = store.createRequest(nr);
        if (!a)
            return a;
        cut();
        return store.createRequest(nr);
    });
    QVERIFY(!cutMidway.ok());
    QCOMPARE(cutMidway.error().code, ErrorCode::Unavailable);
    QCOMPARE(requestCount(), before);
    QCOMPARE(announced.size(), 0); // nothing committed, nothing announced
    QVERIFY(store.connectionLost());

    // The same work, done again by its owner, goes through once.
    auto again = store.createRequest(nr);
    QVERIFY2(again.ok(), qPrintable(again.error().toString()));
    QCOMPARE(requestCount(), before + 1);
    QCOMPARE(store.reconnectCount(), 3);

    // Session settings survive a reconnect: the schema is still the one of the URL.
    cut();
    auto path = store.scalar(lit("SELECT current_setting('search_path')"));
    QVERIFY(path && path.value());
    QVERIFY2(path.value()->toString().contains(schema), qPrintable(path.value()->toString()));
}

// A running engine (outbound and Socket Mode inbound) on its own PostgreSQL cluster, with desk
// updates and Slack replies flowing, while the server restarts twice. Every desk update reaches
// every other follower's thread exactly once, every Slack reply lands on the desk exactly once.
void TestChaos::engineLosesNothingAcrossPostgresRestart()
{
    if (!test::ThrowawayPostgres::available()) {
        if (test::postgresRequired())
            QFAIL("THREADLINE_REQUIRE_POSTGRES=1 but no PostgreSQL server binaries (THREADLINE_PG_BIN)");
        QSKIP("PostgreSQL server binaries not found (set THREADLINE_PG_BIN)");
    }
    test::ThrowawayPostgres pg;
    QString error;
    QVERIFY2(pg.start(&error), qPrintable(error));

    sandbox::SandboxOptions so = test::quietSandboxOptions();
    so.ackTimeoutMs = 300;
    so.retryDelaysMs = {0, 200, 400, 800, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000};
    SandboxServer sandbox(so);
    QVERIFY(sandbox.listen());
    auto &ws = sandbox.workspace();
    QNetworkAccessManager nam;

    EngineOptions o = test::testEngineOptions(pg.url(), sandbox, &nam);
    o.retryMaxMs = 300;
    o.maxAttempts = 1000;
    o.leaseMs = 2000;
    Engine engine(o);
    QVERIFY(engine.start().ok());
    QTRY_COMPARE_WITH_TIMEOUT(engine.state(), EngineState::Running, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(engine.inboundConnected(), 10000);
    Store *store = engine.store();

    const QList<Member> people{test::addMember(ws, store, lit("Rita")),
                               test::addMember(ws, store, lit("Alex"), true),
                               test::addMember(ws, store, lit("Wes"))};
    const qint64 rid =
        test::createRequest(store, people[0], {people[2]}, people[1], lit("VPN drops every hour"), {});

    const auto hasSummary = [&](const Member &m) { return test::summaries(ws, m, rid).size() == 1; };
    QTRY_VERIFY_WITH_TIMEOUT(hasSummary(people[0]) && hasSummary(people[1]) && hasSummary(people[2]), 15000);
    const QString ritaThread = test::summaries(ws, people[0], rid).constFirst()->ts;

    // The workload: every 50 ms a desk update by Alex or a Slack reply by Rita; desk writes that
    // fail while the database is away are retried by their "client" until they succeed.
    QStringList deskTexts, slackTexts, deskBacklog;
    int tick = 0;
    int restarts = 0;
    QTimer workload;
    workload.setInterval(50);
    connect(&workload, &QTimer::timeout, this, [&] {
        ++tick;
        if (tick <= 80) {
            if (tick % 2) {
                deskBacklog << lit("desk update %1").arg(tick);
            } else {
                const QString text = lit("slack reply %1").arg(tick);
                QVERIFY(ws.postAsUser(people[0].slackId, text, ritaThread).ok);
                slackTexts << text;
            }
        }
        while (!deskBacklog.isEmpty()) {
            NewUpdate u;
            u.requestId = rid;
            u.authorId = people[1].personId;
            u.text = deskBacklog.constFirst();
            if (!store->postUpdate(u))
                break; // the database is away: the same update again on the next tick
            deskTexts << deskBacklog.takeFirst();
        }
    });
    workload.start();

    for (int at : {20, 50}) {
        QTRY_VERIFY_WITH_TIMEOUT(tick >= at, 30000);
        QVERIFY2(pg.restart(&error), qPrintable(error));
        ++restarts;
    }
    QTRY_VERIFY_WITH_TIMEOUT(tick >= 80 && deskBacklog.isEmpty(), 60000);
    workload.stop();
    QCOMPARE(restarts, 2);
    QCOMPARE(deskTexts.size(), 40);
    QCOMPARE(slackTexts.size(), 40);

    // Every Slack reply on the desk exactly once, every desk update exactly once.
    const auto deskCount = [&](const QString &text) {
        auto t = store->timeline(rid);
        if (!t)
            return -1;
        int n = 0;
        for (const Update &u : t.value().updates)
            n += (u.text == text && !u.isDeleted()) ? 1 : 0;
        return n;
    };
    for (const QString &text : std::as_const(slackTexts))
        QTRY_COMPARE_WITH_TIMEOUT(deskCount(text), 1, 60000);
    for (const QString &text : std::as_const(deskTexts))
        QCOMPARE(deskCount(text), 1);

    // Every update in every follower's thread but its author's, exactly once, in desk order.
    const auto copies = [&](const Member &m) { return test::postedUpdateIds(ws, m, rid); };
    const auto expected = [&](const Member &m) {
        QList<qint64> ids;
        const auto timeline = store->timeline(rid);
        if (!timeline)
            return ids;
        for (const Update &u : timeline.value().updates) {
            if (!u.isDeleted() && u.authorId != m.personId)
                ids << u.id;
        }
        return ids;
    };
    for (const Member &m : std::as_const(people))
        QTRY_COMPARE_WITH_TIMEOUT(copies(m), expected(m), 60000);
    QCOMPARE(expected(people[0]).size(), 40); // Rita gets Alex's 40, not her own 40
    QCOMPARE(expected(people[2]).size(), 80);
    QVERIFY2(store->reconnectCount() >= 2, qPrintable(QString::number(store->reconnectCount())));
    QCOMPARE(engine.state(), EngineState::Running);

    QSignalSpy stopped(&engine, &Engine::stopped);
    engine.stop();
    QVERIFY(engine.state() == EngineState::Stopped || stopped.wait(10000));
}

// The attachment disk fills up while a file is being stored: the write fails with a clear,
// retryable error (Unavailable, "could not be written to disk"), nothing is left at the content
// address or in the staging folder, and once space is back the same file stores fine. The full
// disk is a file-size limit on this process (RLIMIT_FSIZE: writes past it fail like ENOSPC, and
// SIGXFSZ is ignored), so no mount or root is needed.
void TestChaos::attachmentDiskFullIsAClearErrorThenRetrySucceeds()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    files::FileStore store(dir.filePath(lit("files")));
    QVERIFY(store.ensureReady().ok());
    QByteArray content(512 * 1024, 'x');
    for (int i = 0; i < content.size(); i += 7)
        content[i] = char('a' + i % 26);

    rlimit saved{};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &saved), 0);
    const auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit full = saved;
    full.rlim_cur = 64 * 1024;
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &full), 0);
    QBuffer source(&content);
    QVERIFY(source.open(QIODevice::ReadOnly));
    const auto refused = store.storeFrom(source);
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &saved), 0);
    std::signal(SIGXFSZ, previousHandler);

    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, ErrorCode::Unavailable); // retryable, not "invalid file"
    QVERIFY2(refused.error().message.contains(lit("disk")), qPrintable(refused.error().toString()));
    // Nothing half-written is visible: no stored file, no temporary left behind.
    int leftovers = 0;
    for (QDirIterator it(store.root(), QDir::Files, QDirIterator::Subdirectories); it.hasNext(); it.next())
        ++leftovers;
    QCOMPARE(leftovers, 0);

    // Space is back: the same bytes store, at their content address, intact.
    QVERIFY(source.seek(0));
    const auto stored = store.storeFrom(source);
    QVERIFY2(stored.ok(), qPrintable(stored.error().toString()));
    QCOMPARE(stored.value().size, content.size());
    auto file = store.open(stored.value().storageKey);
    QVERIFY(file.ok());
    QCOMPARE(file.value()->readAll(), content);
}

QTEST_GUILESS_MAIN(TestChaos)
#include "tst_chaos.moc"
