// Tests of the request desk store. Every test runs against SQLite and PostgreSQL
// (initTestCase_data); PostgreSQL comes from THREADLINE_TEST_POSTGRES, one fresh schema per test.

#include "store/asyncstore.h"
#include "store/store.h"
#include "store/textvalidation.h"

#include "postgresschemas.h"
#include "schemaundo.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QLoggingCategory>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <atomic>
#include <set>
#include <thread>

using namespace threadline;

namespace {

const QStringList kTables = {
    QStringLiteral("people"),
    QStringLiteral("teams"),
    QStringLiteral("team_members"),
    QStringLiteral("requests"),
    QStringLiteral("followers"),
    QStringLiteral("updates"),
    QStringLiteral("attachments"),
    QStringLiteral("dm_channels"),
    QStringLiteral("conversations"),
    QStringLiteral("thread_messages"),
    QStringLiteral("jobs"),
    QStringLiteral("inbox"),
    QStringLiteral("audit_log"),
    QStringLiteral("threadline_schema"),
    QStringLiteral("engine_instances"),
    QStringLiteral("rate_pauses"),
    QStringLiteral("idempotency_keys"),
    QStringLiteral("slack_users"),
};

QString withNul(const char *a, const char *b)
{
    return QString::fromUtf8(a) + QChar(0) + QString::fromUtf8(b);
}

QString sha(char c)
{
    return QString(64, QLatin1Char(c));
}

} // namespace

class TestStore : public QObject
{
    Q_OBJECT

private:
    QString newUrl();
    void openStore();
    //! Every row of every table, as text: equal fingerprints mean an unchanged database.
    QString fingerprint(Store &store);
    //! A refused write: its error has the code, the field and a message, the database is as it was
    //! (the fingerprint before) and the store announced nothing.
    void verifyRefused(const Error &error, int code, const QString &field, const QString &before,
                       const QSignalSpy &changed);
    qint64 auditCount(Store &store, const QString &action);
    QList<Request> allRequests(Store &store);
    //! Takes the schema back to version 5 (drops what migration 6 made); false with a warning on error.
    //! Every page of a sorted list, `limit` rows at a time.
    QList<Request> allSorted(Store &store, RequestSortKey key, bool ascending, int limit);
    //! The plan the backend picks for the sorted list's statement (EXPLAIN QUERY PLAN / EXPLAIN).
    QString sortedPlan(Store &store, RequestSortKey key, bool ascending, const QVariant &afterKey,
                       qint64 afterId);

    QTemporaryDir m_dir;
    int m_counter = 0;
    test::PostgresSchemas m_pg{QStringLiteral("store")};
    QString m_url;
    std::unique_ptr<Store> m_store;
    qint64 m_now = 1700000000000;
    bool m_tickClock = true;
    // Seed people and team made by init()
    Person m_alice, m_bob, m_carol, m_dave;
    Team m_team;

private Q_SLOTS:
    void initTestCase_data();
    void initTestCase();
    void init();
    void cleanup();

    void databaseUrls();
    void migratesFromEmpty();
    void migrationRerunIsIdempotent();
    void refusesNewerSchema();
    void migrationFourAddsIdempotencyKeys();
    void migrationFiveAddsSlackUsers();
    void migrationSixAddsSortIndexes();
    void enqueueJobOncePerDedupeKey();
    void peopleUpsertAndLookup();
    void peopleBadInput_data();
    void peopleBadInput();
    void teamsAndMembers();
    void createRequestFollowers();
    void createRequestBadInput_data();
    void createRequestBadInput();
    void limitsCountCodePoints();
    void utf8Decoding();
    void sqlMetacharactersVerbatim();
    void postEditDeleteUpdate();
    void updateBadInput_data();
    void updateBadInput();
    void optimisticConcurrency();
    void assigneeChangeMovesFollowReason();
    void followersAddRemove();
    void announcementsOnlyAfterCommit();
    void nestedTransactionsUseSavepoints();
    void listFiltersMatchBruteForce();
    void keysetPagingWithTies();
    void pagingIsStableUnderInserts();
    void listBadInput();
    void sortedListMatchesBruteForce();
    void sortedListFollowsRenamesAndReassignments();
    void sortedListBadInput();
    void sortedListReadsTheSortIndexes();
    void textSearch();
    void textSearchTitleWithUpdateButNotAcrossUpdates();
    void textSearchRecencyAndPaging();
    void textSearchHostileText();
    void timelineOrderAndAttachments();
    void concurrentWritersOneWins();
    void asyncStoreDeliversOnCallerThread();
    void asyncStoreDoesNotBlockCaller();
    void asyncStoreReportsErrors();
};

void TestStore::initTestCase_data()
{
    test::addBackendRows();
}

void TestStore::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QLoggingCategory::setFilterRules(QStringLiteral("threadline.engine.store.info=false"));
}

QString TestStore::newUrl()
{
    QFETCH_GLOBAL(QString, backend);
    ++m_counter;
    return m_pg.newUrl(backend, m_dir.filePath(QStringLiteral("store-%1.db").arg(m_counter)));
}

void TestStore::openStore()
{
    m_store = std::make_unique<Store>();
    m_store->setClock([this] { return m_tickClock ? ++m_now : m_now; });
    auto opened = m_store->open(m_url);
    QVERIFY2(opened.ok(), qPrintable(opened ? QString() : opened.error().toString()));
}

void TestStore::init()
{
    THREADLINE_BACKEND_OR_SKIP();
    m_tickClock = true;
    m_url = newUrl();
    openStore();
    if (QTest::currentTestFailed())
        return;
    auto alice = m_store->upsertPerson(
        {QStringLiteral("U0ALICE"), QStringLiteral("Alice"), QStringLiteral("alice@example.com"), false});
    auto bob = m_store->upsertPerson(
        {QStringLiteral("U0BOB"), QStringLiteral("Bob"), QStringLiteral("bob@example.com"), true});
    auto carol = m_store->upsertPerson({QStringLiteral("U0CAROL"), QStringLiteral("Carol"), {}, true});
    auto dave = m_store->upsertPerson({QStringLiteral("U0DAVE"), QStringLiteral("Dave"), {}, true});
    auto team = m_store->upsertTeam(QStringLiteral("IT"));
    QVERIFY(alice && bob && carol && dave && team);
    m_alice = alice.value();
    m_bob = bob.value();
    m_carol = carol.value();
    m_dave = dave.value();
    m_team = team.value();
    QVERIFY(m_store->addTeamMember(m_team.id, m_dave.id));
}

void TestStore::cleanup()
{
    m_store.reset();
    const QString failed = m_pg.dropAll();
    QVERIFY2(failed.isEmpty(), qPrintable(failed));
}

QString TestStore::fingerprint(Store &store)
{
    QString out;
    for (const QString &table : kTables) {
        auto q = store.exec(QStringLiteral("SELECT * FROM ") + table);
        if (!q)
            return QStringLiteral("error: ") + q.error().toString();
        QueryGuard guard(q.value());
        QStringList rows;
        while (q.value()->next()) {
            QStringList cols;
            const int n = q.value()->record().count();
            for (int i = 0; i < n; ++i)
                cols << q.value()->value(i).toString();
            rows << cols.join(QLatin1Char('|'));
        }
        rows.sort();
        out += table + QLatin1Char(':') + rows.join(QLatin1Char('\n')) + QLatin1Char('\n');
    }
    return out;
}

void TestStore::verifyRefused(const Error &error, int code, const QString &field, const QString &before,
                              const QSignalSpy &changed)
{
    QCOMPARE(int(error.code), code);
    QCOMPARE(error.field, field);
    QVERIFY(!error.message.isEmpty());
    QCOMPARE(fingerprint(*m_store), before);
    QCOMPARE(changed.count(), 0);
}

qint64 TestStore::auditCount(Store &store, const QString &action)
{
    auto n = store.scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = ?"), {action});
    return n && n.value() ? n.value()->toLongLong() : -1;
}

QList<Request> TestStore::allRequests(Store &store)
{
    QList<Request> out;
    auto q = store.exec(QStringLiteral("SELECT id FROM requests ORDER BY id"));
    QList<qint64> ids;
    {
        QueryGuard guard(q.value());
        while (q.value()->next())
            ids << q.value()->value(0).toLongLong();
    }
    for (qint64 id : ids)
        out << store.request(id).value();
    return out;
}

QList<Request> TestStore::allSorted(Store &store, RequestSortKey key, bool ascending, int limit)
{
    QList<Request> out;
    RequestQuery query;
    query.limit = limit;
    QVariant afterKey;
    qint64 afterId = 0;
    for (int pages = 0; pages < 1000; ++pages) {
        auto page = store.listRequestsSorted(query, key, ascending, afterKey, afterId);
        if (!page) {
            qWarning("sorted page: %s", qPrintable(page.error().toString()));
            return {};
        }
        out << page->requests;
        if (page->atEnd)
            return out;
        afterKey = page->lastKey;
        afterId = page->lastId;
    }
    return {};
}

QString TestStore::sortedPlan(Store &store, RequestSortKey key, bool ascending, const QVariant &afterKey,
                              qint64 afterId)
{
    RequestQuery query;
    auto [sql, binds] = store.sortedRequestsStatement(query, key, ascending, afterKey, afterId);
    // EXPLAIN cannot be prepared on PostgreSQL: the test's own values go in as literals.
    QString literal;
    for (const QVariant &v : std::as_const(binds)) {
        const int at = int(sql.indexOf(QLatin1Char('?')));
        if (at < 0)
            return QStringLiteral("more bindings than placeholders");
        literal = v.typeId() == QMetaType::QString
                      ? QLatin1Char('\'') + v.toString().replace(QLatin1Char('\''), QStringLiteral("''")) +
                            QLatin1Char('\'')
                      : QString::number(v.toLongLong());
        sql.replace(at, 1, literal);
    }
    const bool sqlite = store.backend() == DatabaseUrl::Backend::Sqlite;
    QSqlQuery q(store.database());
    if (!q.exec((sqlite ? QStringLiteral("EXPLAIN QUERY PLAN ") : QStringLiteral("EXPLAIN ")) + sql))
        return QStringLiteral("error: ") + q.lastError().text();
    QStringList lines;
    while (q.next())
        lines << q.value(sqlite ? 3 : 0).toString();
    return lines.join(QLatin1Char('\n'));
}

// ---------------------------------------------------------------------------------------------

void TestStore::databaseUrls()
{
    auto sqlite = DatabaseUrl::parse(QStringLiteral("sqlite:/tmp/x.db"));
    QVERIFY(sqlite);
    QCOMPARE(sqlite->backend, DatabaseUrl::Backend::Sqlite);
    QCOMPARE(sqlite->path, QStringLiteral("/tmp/x.db"));
    QCOMPARE(DatabaseUrl::parse(QStringLiteral("sqlite::memory:"))->path, QStringLiteral(":memory:"));

    auto pg = DatabaseUrl::parse(QStringLiteral("postgresql://u:secret@db.example:6543/desk?schema=team_a"));
    QVERIFY(pg);
    QCOMPARE(pg->backend, DatabaseUrl::Backend::Postgres);
    QCOMPARE(pg->host, QStringLiteral("db.example"));
    QCOMPARE(pg->port, 6543);
    QCOMPARE(pg->user, QStringLiteral("u"));
    QCOMPARE(pg->password, QStringLiteral("secret"));
    QCOMPARE(pg->database, QStringLiteral("desk"));
    QCOMPARE(pg->schema, QStringLiteral("team_a"));
    QVERIFY(!pg->redacted().contains(QStringLiteral("secret")));

    for (const QString &bad : {QStringLiteral("mysql://x/y"), QStringLiteral("sqlite:"),
                               QStringLiteral("postgresql://host/db?schema=a;drop"),
                               QStringLiteral("postgresql:///db"), QStringLiteral("")}) {
        auto r = DatabaseUrl::parse(bad);
        QVERIFY2(!r.ok(), qPrintable(bad));
        QCOMPARE(r.error().code, ErrorCode::Invalid);
    }
    Store s;
    auto r = s.open(QStringLiteral("nonsense"));
    QVERIFY(!r);
    QCOMPARE(r.error().code, ErrorCode::Invalid);
    QVERIFY(!s.isOpen());
}

void TestStore::migratesFromEmpty()
{
    auto v = m_store->schemaVersion();
    QVERIFY(v);
    QCOMPARE(v.value(), Store::latestSchemaVersion());
    for (const QString &table : kTables) {
        auto n = m_store->scalar(QStringLiteral("SELECT COUNT(*) FROM ") + table);
        QVERIFY2(n.ok(), qPrintable(table));
    }
}

void TestStore::migrationRerunIsIdempotent()
{
    const QString before = fingerprint(*m_store);
    for (int i = 0; i < 2; ++i) {
        Store again;
        auto r = again.open(m_url);
        QVERIFY2(r.ok(), qPrintable(r ? QString() : r.error().toString()));
        QCOMPARE(again.schemaVersion().value(), Store::latestSchemaVersion());
        QCOMPARE(fingerprint(again), before);
    }
    m_store->close();
    openStore();
    QCOMPARE(fingerprint(*m_store), before);
    QCOMPARE(m_store->scalar(QStringLiteral("SELECT COUNT(*) FROM threadline_schema")).value()->toInt(), 1);
}

void TestStore::refusesNewerSchema()
{
    const int newer = Store::latestSchemaVersion() + 1;
    QVERIFY(m_store->execAffected(QStringLiteral("UPDATE threadline_schema SET version = ?"), {newer}));
    const QString before = fingerprint(*m_store);
    Store other;
    auto r = other.open(m_url);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::SchemaTooNew);
    QVERIFY(r.error().message.contains(QString::number(newer)));
    QVERIFY(!other.isOpen());
    QCOMPARE(fingerprint(*m_store), before);
}

void TestStore::migrationFiveAddsSlackUsers()
{
    // A version-4 database with desk data (as released before version 5).
    auto r =
        m_store->createRequest({QStringLiteral("kept"), QStringLiteral("across"), m_alice.id, 0, 0, {}, 0});
    QVERIFY(r);
    const QString before = fingerprint(*m_store); // its slack_users is empty
    QVERIFY(test::undoSchemaVersionSix(*m_store));
    QSqlQuery ddl(m_store->database());
    QVERIFY2(ddl.exec(QStringLiteral("DROP TABLE slack_users")), qPrintable(ddl.lastError().text()));
    QVERIFY(m_store->execAffected(QStringLiteral("UPDATE threadline_schema SET version = 4"), {}));
    m_store->close();
    openStore();
    QVERIFY(Store::latestSchemaVersion() >= 5);
    QCOMPARE(m_store->schemaVersion().value(), Store::latestSchemaVersion());
    QCOMPARE(fingerprint(*m_store), before);
    QCOMPARE(m_store->request(r->id)->title, QStringLiteral("kept"));
    // The table: one row per Slack id, state pending by default.
    QCOMPARE(
        m_store
            ->execAffected(QStringLiteral("INSERT INTO slack_users (slack_id, updated_at) VALUES (?, ?)"),
                           {QStringLiteral("U1"), m_store->now()})
            .value(),
        1);
    QVERIFY(
        !m_store->execAffected(QStringLiteral("INSERT INTO slack_users (slack_id, updated_at) VALUES (?, ?)"),
                               {QStringLiteral("U1"), m_store->now()}));
    QCOMPARE(m_store->scalar(QStringLiteral("SELECT state FROM slack_users WHERE slack_id = 'U1'"))
                 .value()
                 ->toString(),
             QStringLiteral("pending"));
}

void TestStore::migrationSixAddsSortIndexes()
{
    // A version-5 database with desk data (as released before version 6): assigned and unassigned.
    auto assigned = m_store->createRequest(
        {QStringLiteral("kept"), QStringLiteral("across"), m_alice.id, m_bob.id, 0, {}, 0});
    auto unassigned =
        m_store->createRequest({QStringLiteral("also kept"), QStringLiteral("x"), m_alice.id, 0, 0, {}, 0});
    QVERIFY(assigned && unassigned);
    const QString before = fingerprint(*m_store);
    QVERIFY(test::undoSchemaVersionSix(*m_store));
    QVERIFY(m_store->execAffected(QStringLiteral("UPDATE threadline_schema SET version = 5"), {}));
    m_store->close();
    openStore();
    QVERIFY(Store::latestSchemaVersion() >= 6);
    QCOMPARE(m_store->schemaVersion().value(), Store::latestSchemaVersion());
    // The copy of the assignee's name is filled in for existing requests: the same rows as before.
    QCOMPARE(fingerprint(*m_store), before);
    auto sortName = [this](qint64 id) {
        auto v = m_store->scalar(QStringLiteral("SELECT assignee_sort FROM requests WHERE id = ?"), {id});
        return v && v.value() ? v.value()->toString() : QStringLiteral("<error>");
    };
    QCOMPARE(sortName(assigned->id), QStringLiteral("Bob"));
    QCOMPARE(sortName(unassigned->id), QString());
    // Its triggers work after the migration too.
    auto r = m_store->setAssignee(unassigned->id, m_carol.id, unassigned->version, m_bob.id);
    QVERIFY2(r.ok(), qPrintable(r ? QString() : r.error().toString()));
    QCOMPARE(sortName(unassigned->id), QStringLiteral("Carol"));
    // Both indexes exist.
    const QString indexes =
        m_store->backend() == DatabaseUrl::Backend::Sqlite
            ? QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
                             "AND name IN ('requests_title_sort', 'requests_assignee_sort')")
            : QStringLiteral("SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() "
                             "AND indexname IN ('requests_title_sort', 'requests_assignee_sort')");
    QCOMPARE(m_store->scalar(indexes).value()->toInt(), 2);
}

void TestStore::migrationFourAddsIdempotencyKeys()
{
    // A version-3 database with desk data (as released before version 4).
    auto r =
        m_store->createRequest({QStringLiteral("kept"), QStringLiteral("across"), m_alice.id, 0, 0, {}, 0});
    QVERIFY(r);
    const QString before = fingerprint(*m_store); // its idempotency_keys is empty
    QVERIFY(test::undoSchemaVersionSix(*m_store));
    QSqlQuery ddl(m_store->database()); // DDL is not prepared (PostgreSQL cannot PREPARE it)
    QVERIFY2(ddl.exec(QStringLiteral("DROP TABLE idempotency_keys")), qPrintable(ddl.lastError().text()));
    QVERIFY2(ddl.exec(QStringLiteral("DROP TABLE slack_users")),
             qPrintable(ddl.lastError().text())); // version 5
    QVERIFY(m_store->execAffected(QStringLiteral("UPDATE threadline_schema SET version = 3"), {}));
    QCOMPARE(m_store->schemaVersion().value(), 3);
    m_store->close();
    openStore();
    QVERIFY(Store::latestSchemaVersion() >= 4);
    QCOMPARE(m_store->schemaVersion().value(), Store::latestSchemaVersion());
    QCOMPARE(fingerprint(*m_store), before);
    QCOMPARE(m_store->request(r->id)->title, QStringLiteral("kept"));

    // The table works: a claim outside a transaction is refused; inside, a new key is claimed once,
    // its answer stored and found again; another principal's same key is its own.
    QCOMPARE(m_store->claimIdempotencyKey(1, QStringLiteral("k"), QStringLiteral("f")).error().code,
             ErrorCode::Internal);
    auto first = m_store->transaction([&]() -> Result<std::optional<IdempotentAnswer>> {
        auto c = m_store->claimIdempotencyKey(m_bob.id, QStringLiteral("k"), QStringLiteral("f"));
        if (!c || c->has_value())
            return c;
        IdempotentAnswer a;
        a.fingerprint = QStringLiteral("f");
        a.status = 201;
        a.contentType = "application/json";
        a.headers = {{"Location", "/api/v1/requests/1"}};
        a.body = "{\"id\": 1, \"text\": \"\u00e9t\u00e9 ';--\"}";
        if (auto saved = m_store->saveIdempotentAnswer(m_bob.id, QStringLiteral("k"), a); !saved)
            return saved.error();
        return c;
    });
    QVERIFY(first);
    QVERIFY(!first->has_value());
    auto again = m_store->transaction(
        [&] { return m_store->claimIdempotencyKey(m_bob.id, QStringLiteral("k"), QStringLiteral("other")); });
    QVERIFY(again && again->has_value());
    QCOMPARE((*again)->fingerprint, QStringLiteral("f"));
    QCOMPARE((*again)->status, 201);
    QCOMPARE((*again)->body, QByteArray("{\"id\": 1, \"text\": \"\u00e9t\u00e9 ';--\"}"));
    QCOMPARE((*again)->headers.size(), 1);
    QCOMPARE((*again)->headers.first().second, QByteArray("/api/v1/requests/1"));
    // A claim whose transaction rolls back leaves no key behind.
    auto rolledBack = m_store->transaction([&]() -> Result<void> {
        auto c = m_store->claimIdempotencyKey(0, QStringLiteral("k"), QStringLiteral("f"));
        if (!c)
            return c.error();
        return makeError(ErrorCode::Invalid, QStringLiteral("refused"));
    });
    QVERIFY(!rolledBack);
    QCOMPARE(m_store->scalar(QStringLiteral("SELECT COUNT(*) FROM idempotency_keys")).value()->toInt(), 1);
}

void TestStore::enqueueJobOncePerDedupeKey()
{
    m_tickClock = false;
    NewJob job;
    job.lane = QStringLiteral("fast");
    job.kind = QStringLiteral("post_reply");
    job.orderingKey = QStringLiteral("c7");
    job.dedupeKey = QStringLiteral("reply:1:7");
    job.conversationId = 7;
    auto first = m_store->enqueueJob(job);
    QVERIFY(first.ok());
    QVERIFY(first.value());
    job.payload = QStringLiteral("{\"changed\": true}");
    auto again = m_store->enqueueJob(job); // the same dedupe key: nothing changes
    QVERIFY(again.ok());
    QVERIFY(!again.value());
    auto q = m_store->exec(QStringLiteral("SELECT lane, kind, ordering_key, payload, not_before, state, "
                                          "request_id, conversation_id, update_id, created_at FROM jobs"));
    QVERIFY(q.ok());
    {
        QueryGuard guard(q.value());
        QVERIFY(q.value()->next());
        QCOMPARE(q.value()->value(0).toString(), QStringLiteral("fast"));
        QCOMPARE(q.value()->value(1).toString(), QStringLiteral("post_reply"));
        QCOMPARE(q.value()->value(2).toString(), QStringLiteral("c7"));
        QCOMPARE(q.value()->value(3).toString(), QStringLiteral("{}"));
        QCOMPARE(q.value()->value(4).toLongLong(), m_now); // due now
        QCOMPARE(q.value()->value(5).toString(), QStringLiteral("pending"));
        QVERIFY(q.value()->value(6).isNull()); // ids of 0 are NULL
        QCOMPARE(q.value()->value(7).toLongLong(), 7);
        QVERIFY(q.value()->value(8).isNull());
        QCOMPARE(q.value()->value(9).toLongLong(), m_now);
        QVERIFY(!q.value()->next());
    }
    NewJob later = job;
    later.dedupeKey = QStringLiteral("later");
    later.notBefore = m_now + 5000;
    later.requestId = 3;
    QVERIFY(m_store->enqueueJob(later).value());
    QCOMPARE(m_store->scalar(QStringLiteral("SELECT not_before FROM jobs WHERE dedupe_key = 'later'"))
                 .value()
                 ->toLongLong(),
             m_now + 5000);
    // Inside a transaction that rolls back, the job goes with it.
    NewJob rolled = job;
    rolled.dedupeKey = QStringLiteral("rolled back");
    auto r = m_store->transaction([&]() -> Result<void> {
        if (auto e = m_store->enqueueJob(rolled); !e)
            return e.error();
        return makeError(ErrorCode::Invalid, QStringLiteral("no"));
    });
    QVERIFY(!r);
    QCOMPARE(m_store->scalar(QStringLiteral("SELECT COUNT(*) FROM jobs")).value()->toInt(), 2);
}

void TestStore::peopleUpsertAndLookup()
{
    QSignalSpy spy(m_store.get(), &Store::changed);
    // Lookups
    QCOMPARE(m_store->personBySlackId(QStringLiteral("U0ALICE"))->id, m_alice.id);
    QCOMPARE(m_store->personByEmail(QStringLiteral(" ALICE@Example.com "))->id, m_alice.id);
    QCOMPARE(m_store->person(m_alice.id)->name, QStringLiteral("Alice"));
    QCOMPARE(m_store->personBySlackId(QStringLiteral("U0NOBODY")).error().code, ErrorCode::NotFound);
    QCOMPARE(m_store->personByEmail(QStringLiteral("x@y.z")).error().code, ErrorCode::NotFound);
    QCOMPARE(m_store->person(999999).error().code, ErrorCode::NotFound);

    // Same Slack id: updated in place, emails are stored lower-case.
    auto renamed = m_store->upsertPerson({QStringLiteral("U0ALICE"), QStringLiteral("Alice Liddell"),
                                          QStringLiteral("Alice.L@Example.com"), false});
    QVERIFY(renamed);
    QCOMPARE(renamed->id, m_alice.id);
    QCOMPARE(renamed->email, QStringLiteral("alice.l@example.com"));
    QCOMPARE(spy.count(), 1);
    // No change: no announcement.
    QVERIFY(m_store->upsertPerson({QStringLiteral("U0ALICE"), QStringLiteral("Alice Liddell"),
                                   QStringLiteral("alice.l@example.com"), false}));
    QCOMPARE(spy.count(), 1);

    // Known by email first, then Slack tells us the id: same person.
    auto eve = m_store->upsertPerson({{}, QStringLiteral("Eve"), QStringLiteral("eve@example.com"), false});
    QVERIFY(eve);
    QVERIFY(eve->slackId.isEmpty());
    auto eveSlack = m_store->upsertPerson(
        {QStringLiteral("U0EVE"), QStringLiteral("Eve"), QStringLiteral("eve@example.com"), false});
    QCOMPARE(eveSlack->id, eve->id);
    QCOMPARE(m_store->personBySlackId(QStringLiteral("U0EVE"))->id, eve->id);

    // An email belonging to another Slack user is a conflict and changes nothing.
    const QString before = fingerprint(*m_store);
    auto clash = m_store->upsertPerson(
        {QStringLiteral("U0MALLORY"), QStringLiteral("Mallory"), QStringLiteral("eve@example.com"), false});
    QVERIFY(!clash);
    QCOMPARE(clash.error().code, ErrorCode::Conflict);
    QCOMPARE(fingerprint(*m_store), before);
}

void TestStore::peopleBadInput_data()
{
    QTest::addColumn<QString>("slackId");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("email");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("field");
    const int invalid = int(ErrorCode::Invalid);
    QTest::newRow("no id, no email") << QString() << QStringLiteral("X") << QString() << invalid
                                     << QStringLiteral("slackId");
    QTest::newRow("empty name") << QStringLiteral("U1") << QStringLiteral("  ") << QString() << invalid
                                << QStringLiteral("name");
    QTest::newRow("nul in name") << QStringLiteral("U1") << withNul("A", "B") << QString() << invalid
                                 << QStringLiteral("name");
    QTest::newRow("long name") << QStringLiteral("U1") << QString(201, QLatin1Char('n')) << QString()
                               << int(ErrorCode::TooLarge) << QStringLiteral("name");
    QTest::newRow("bad slack id") << QStringLiteral("u1'; --") << QStringLiteral("X") << QString() << invalid
                                  << QStringLiteral("slackId");
    QTest::newRow("bad email") << QString() << QStringLiteral("X") << QStringLiteral("not-an-email")
                               << invalid << QStringLiteral("email");
    QTest::newRow("lone surrogate") << QStringLiteral("U1") << (QStringLiteral("A") + QChar(0xD800))
                                    << QString() << invalid << QStringLiteral("name");
}

void TestStore::peopleBadInput()
{
    QFETCH(QString, slackId);
    QFETCH(QString, name);
    QFETCH(QString, email);
    QFETCH(int, code);
    QFETCH(QString, field);
    QSignalSpy spy(m_store.get(), &Store::changed);
    const QString before = fingerprint(*m_store);
    auto r = m_store->upsertPerson({slackId, name, email, false});
    QVERIFY(!r);
    verifyRefused(r.error(), code, field, before, spy);
}

void TestStore::teamsAndMembers()
{
    auto again = m_store->upsertTeam(QStringLiteral(" IT "));
    QVERIFY(again);
    QCOMPARE(again->id, m_team.id);
    QCOMPARE(m_store->teamByName(QStringLiteral("IT"))->id, m_team.id);
    QCOMPARE(m_store->team(m_team.id)->name, QStringLiteral("IT"));
    QCOMPARE(m_store->teamMembers(m_team.id).value(), QList<qint64>{m_dave.id});
    QVERIFY(m_store->addTeamMember(m_team.id, m_dave.id)); // already a member: fine
    QVERIFY(m_store->addTeamMember(m_team.id, m_carol.id));
    QCOMPARE(m_store->teamMembers(m_team.id)->size(), 2);
    QVERIFY(m_store->removeTeamMember(m_team.id, m_carol.id));
    QCOMPARE(m_store->removeTeamMember(m_team.id, m_carol.id).error().code, ErrorCode::NotFound);
    QCOMPARE(m_store->addTeamMember(m_team.id, 424242).error().code, ErrorCode::NotFound);
    QCOMPARE(m_store->addTeamMember(424242, m_carol.id).error().code, ErrorCode::NotFound);
    QCOMPARE(m_store->upsertTeam(QString()).error().code, ErrorCode::Invalid);
}

void TestStore::createRequestFollowers()
{
    QSignalSpy spy(m_store.get(), &Store::changed);
    NewRequest in;
    in.title = QStringLiteral("  Laptop does not boot  ");
    in.body = QStringLiteral("Since this morning.\nTried twice.");
    in.requesterId = m_alice.id;
    in.assigneeId = m_bob.id;
    in.teamId = m_team.id;
    in.followerIds = {m_carol.id, m_bob.id, m_alice.id};
    auto r = m_store->createRequest(in);
    QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
    QCOMPARE(r->title, QStringLiteral("Laptop does not boot"));
    QCOMPARE(r->status, RequestStatus::New);
    QCOMPARE(r->version, 1);
    QCOMPARE(r->assigneeId, m_bob.id);
    QCOMPARE(r->teamId, m_team.id);
    QVERIFY(r->createdAt.isValid());

    auto followers = m_store->followers(r->id);
    QVERIFY(followers);
    // Invariant: one row per person, with the strongest reason that applies.
    QMap<qint64, FollowReason> byPerson;
    for (const Follower &f : followers.value()) {
        QVERIFY(!byPerson.contains(f.personId));
        byPerson.insert(f.personId, f.reason);
    }
    QCOMPARE(byPerson.size(), 4);
    QCOMPARE(byPerson.value(m_alice.id), FollowReason::Requester);
    QCOMPARE(byPerson.value(m_bob.id), FollowReason::Assignee);
    QCOMPARE(byPerson.value(m_dave.id), FollowReason::Team);
    QCOMPARE(byPerson.value(m_carol.id), FollowReason::Manual);

    QCOMPARE(spy.count(), 1);
    const auto change = spy.at(0).at(0).value<StoreChange>();
    QCOMPARE(change.kind, StoreChange::Kind::RequestCreated);
    QCOMPARE(change.requestId, r->id);
    QCOMPARE(auditCount(*m_store, QStringLiteral("request.create")), 1);

    auto minimal = m_store->createRequest({QStringLiteral("Minimal"), {}, m_carol.id, 0, 0, {}, 0});
    QVERIFY(minimal);
    QCOMPARE(minimal->assigneeId, 0);
    QCOMPARE(minimal->teamId, 0);
    QCOMPARE(m_store->followers(minimal->id)->size(), 1);
}

void TestStore::createRequestBadInput_data()
{
    QTest::addColumn<QString>("title");
    QTest::addColumn<QString>("body");
    QTest::addColumn<qint64>("requester"); // -1: alice
    QTest::addColumn<qint64>("assignee");
    QTest::addColumn<qint64>("team");
    QTest::addColumn<qint64>("follower");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("field");
    const QString ok = QStringLiteral("Printer on fire");
    const int invalid = int(ErrorCode::Invalid);
    const int notFound = int(ErrorCode::NotFound);
    const QString title = QStringLiteral("title");
    const QString body = QStringLiteral("body");
    QTest::newRow("empty title") << QString() << QString() << -1ll << 0ll << 0ll << 0ll << invalid << title;
    QTest::newRow("blank title") << QStringLiteral(" \t ") << QString() << -1ll << 0ll << 0ll << 0ll
                                 << invalid << title;
    QTest::newRow("title 201") << QString(201, QLatin1Char('t')) << QString() << -1ll << 0ll << 0ll << 0ll
                               << int(ErrorCode::TooLarge) << title;
    QTest::newRow("title newline") << QStringLiteral("a\nb") << QString() << -1ll << 0ll << 0ll << 0ll
                                   << invalid << title;
    QTest::newRow("title nul") << withNul("a", "b") << QString() << -1ll << 0ll << 0ll << 0ll << invalid
                               << title;
    QTest::newRow("title control") << QStringLiteral("a\x01") << QString() << -1ll << 0ll << 0ll << 0ll
                                   << invalid << title;
    QTest::newRow("title lone high surrogate")
        << (ok + QChar(0xD83D)) << QString() << -1ll << 0ll << 0ll << 0ll << invalid << title;
    QTest::newRow("body lone low surrogate")
        << ok << (QStringLiteral("x") + QChar(0xDC00) + QStringLiteral("y")) << -1ll << 0ll << 0ll << 0ll
        << invalid << body;
    QTest::newRow("body nul") << ok << withNul("x", "y") << -1ll << 0ll << 0ll << 0ll << invalid << body;
    QTest::newRow("body 40001") << ok << QString(40001, QLatin1Char('b')) << -1ll << 0ll << 0ll << 0ll
                                << int(ErrorCode::TooLarge) << body;
    QTest::newRow("no requester") << ok << QString() << 0ll << 0ll << 0ll << 0ll << invalid
                                  << QStringLiteral("requesterId");
    QTest::newRow("unknown requester")
        << ok << QString() << 987654ll << 0ll << 0ll << 0ll << notFound << QStringLiteral("requesterId");
    QTest::newRow("unknown assignee")
        << ok << QString() << -1ll << 987654ll << 0ll << 0ll << notFound << QStringLiteral("assigneeId");
    QTest::newRow("unknown team") << ok << QString() << -1ll << 0ll << 987654ll << 0ll << notFound
                                  << QStringLiteral("teamId");
    QTest::newRow("unknown follower")
        << ok << QString() << -1ll << 0ll << 0ll << 987654ll << notFound << QStringLiteral("followerIds");
}

void TestStore::createRequestBadInput()
{
    QFETCH(QString, title);
    QFETCH(QString, body);
    QFETCH(qint64, requester);
    QFETCH(qint64, assignee);
    QFETCH(qint64, team);
    QFETCH(qint64, follower);
    QFETCH(int, code);
    QFETCH(QString, field);
    QSignalSpy spy(m_store.get(), &Store::changed);
    const QString before = fingerprint(*m_store);
    NewRequest in{title, body, requester < 0 ? m_alice.id : requester, assignee, team, {}, 0};
    if (follower)
        in.followerIds = {m_carol.id, follower};
    auto r = m_store->createRequest(in);
    QVERIFY(!r);
    verifyRefused(r.error(), code, field, before, spy);
}

void TestStore::limitsCountCodePoints()
{
    // 200 emoji are 400 UTF-16 units but 200 characters: the limit is in characters.
    QString title;
    for (int i = 0; i < 200; ++i)
        title += QString::fromUcs4(U"\U0001F525", 1);
    auto r = m_store->createRequest({title, QString(40000, QLatin1Char('b')), m_alice.id, 0, 0, {}, 0});
    QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
    QCOMPARE(r->title, title);
    QCOMPARE(r->body.size(), 40000);
    auto u =
        m_store->postUpdate({r->id, m_alice.id, QString(40000, QLatin1Char('u')), UpdateSource::Desk, {}});
    QVERIFY(u);
    QCOMPARE(m_store->update(u->id)->text.size(), 40000);
    // U+FFFD is a character of its own and is kept; tabs and line breaks are fine in bodies.
    const QString replacement = QStringLiteral("broken \uFFFD byte\n\tindented");
    auto v = m_store->postUpdate({r->id, m_alice.id, replacement, UpdateSource::Slack, {}});
    QVERIFY(v);
    QCOMPARE(m_store->update(v->id)->text, replacement);
}

void TestStore::utf8Decoding()
{
    QCOMPARE(textFromUtf8(QByteArray("gr\xc3\xbc\xc3\x9f"), QStringLiteral("text")).value(),
             QStringLiteral("grüß"));
    for (const QByteArray &bad : {QByteArray("\xff"), QByteArray("ab\xc3"), QByteArray("\xc0\xaf"),
                                  QByteArray("\xed\xa0\x80"), QByteArray("\xe2\x82")}) {
        auto r = textFromUtf8(bad, QStringLiteral("text"));
        QVERIFY2(!r.ok(), bad.toHex().constData());
        QCOMPARE(r.error().code, ErrorCode::Invalid);
        QCOMPARE(r.error().field, QStringLiteral("text"));
    }
}

void TestStore::sqlMetacharactersVerbatim()
{
    const QString title =
        QStringLiteral("Robert'); DROP TABLE requests;-- \"quoted\" 100% _under_ back\\slash");
    const QString text = QStringLiteral("' OR 1=1 -- ; $1 ? :name %s \\x00");
    auto r = m_store->createRequest({title, text, m_alice.id, 0, 0, {}, 0});
    QVERIFY(r);
    QCOMPARE(m_store->request(r->id)->title, title);
    QCOMPARE(m_store->request(r->id)->body, text);
    auto u = m_store->postUpdate({r->id, m_alice.id, text, UpdateSource::Desk, {}});
    QVERIFY(u);
    QCOMPARE(m_store->timeline(r->id)->updates.at(0).text, text);
    auto page = m_store->listRequests({{}, {}, {}, QStringLiteral("Robert'); DROP"), {}, 50});
    QVERIFY2(page, qPrintable(page ? QString() : page.error().toString()));
    QCOMPARE(page->requests.size(), 1);
    QCOMPARE(m_store->scalar(QStringLiteral("SELECT COUNT(*) FROM requests")).value()->toInt(), 1);
}

void TestStore::postEditDeleteUpdate()
{
    auto r = m_store->createRequest({QStringLiteral("VPN"), {}, m_alice.id, m_bob.id, 0, {}, 0});
    QVERIFY(r);
    QSignalSpy spy(m_store.get(), &Store::changed);
    const Request before = r.value();

    auto posted = m_store->postUpdate(
        {r->id, m_bob.id, QStringLiteral("Did you try turning it off?"), UpdateSource::Desk, {}});
    QVERIFY(posted);
    QCOMPARE(posted->text, QStringLiteral("Did you try turning it off?"));
    QVERIFY(!posted->editedAt.isValid());
    QCOMPARE(spy.count(), 1);
    auto c = spy.takeFirst().at(0).value<StoreChange>();
    QCOMPARE(c.kind, StoreChange::Kind::UpdatePosted);
    QCOMPARE(c.updateId, posted->id);
    QCOMPARE(c.personId, m_bob.id);
    // Posting touches the request's updated_at, not its version.
    QVERIFY(m_store->request(r->id)->updatedAt > before.updatedAt);
    QCOMPARE(m_store->request(r->id)->version, before.version);

    auto edited =
        m_store->editUpdate(posted->id, QStringLiteral("Did you try turning it off and on?"), m_bob.id);
    QVERIFY(edited);
    QVERIFY(edited->editedAt.isValid());
    QCOMPARE(m_store->update(posted->id)->text, QStringLiteral("Did you try turning it off and on?"));
    QCOMPARE(spy.takeFirst().at(0).value<StoreChange>().kind, StoreChange::Kind::UpdateEdited);
    // The same text again: nothing changes, nothing announced.
    QVERIFY(m_store->editUpdate(posted->id, QStringLiteral("Did you try turning it off and on?"), m_bob.id));
    QCOMPARE(spy.count(), 0);
    QCOMPARE(auditCount(*m_store, QStringLiteral("update.edit")), 1);

    auto deleted = m_store->deleteUpdate(posted->id, m_bob.id);
    QVERIFY(deleted);
    QVERIFY(deleted->isDeleted());
    QCOMPARE(deleted->deletedBy, m_bob.id);
    QCOMPARE(spy.takeFirst().at(0).value<StoreChange>().kind, StoreChange::Kind::UpdateDeleted);
    // Soft delete: the row stays, the timeline shows it without its text, the audit keeps the text.
    auto tl = m_store->timeline(r->id);
    QCOMPARE(tl->updates.size(), 1);
    QVERIFY(tl->updates.at(0).isDeleted());
    QVERIFY(tl->updates.at(0).text.isEmpty());
    auto auditBefore = m_store->scalar(
        QStringLiteral("SELECT before_json FROM audit_log WHERE action = 'update.delete' AND entity_id = ?"),
        {posted->id});
    QVERIFY(auditBefore.value()->toString().contains(QStringLiteral("turning it off and on")));

    // Deleting again is a no-op; editing a deleted update is a conflict.
    QVERIFY(m_store->deleteUpdate(posted->id, m_bob.id));
    QCOMPARE(spy.count(), 0);
    QCOMPARE(auditCount(*m_store, QStringLiteral("update.delete")), 1);
    const QString fp = fingerprint(*m_store);
    auto e = m_store->editUpdate(posted->id, QStringLiteral("resurrect"), m_bob.id);
    QCOMPARE(e.error().code, ErrorCode::Conflict);
    QCOMPARE(fingerprint(*m_store), fp);
    QCOMPARE(m_store->editUpdate(777777, QStringLiteral("x"), m_bob.id).error().code, ErrorCode::NotFound);
    QCOMPARE(m_store->deleteUpdate(777777, m_bob.id).error().code, ErrorCode::NotFound);
}

void TestStore::updateBadInput_data()
{
    QTest::addColumn<int>("op"); // 0 post, 1 edit
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("author");         // -1: alice
    QTest::addColumn<qint64>("requestId");      // -1: the request
    QTest::addColumn<QString>("attachmentSha"); // empty: no attachment
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("field");
    const int invalid = int(ErrorCode::Invalid);
    const QString text = QStringLiteral("text");
    for (int op : {0, 1}) {
        const char *p = op ? "edit" : "post";
        QTest::addRow("%s: empty", p) << op << QString() << -1ll << -1ll << QString() << invalid << text;
        QTest::addRow("%s: blank", p)
            << op << QStringLiteral("\n \n") << -1ll << -1ll << QString() << invalid << text;
        QTest::addRow("%s: 40001", p) << op << QString(40001, QLatin1Char('x')) << -1ll << -1ll << QString()
                                      << int(ErrorCode::TooLarge) << text;
        QTest::addRow("%s: nul", p) << op << withNul("a", "") << -1ll << -1ll << QString() << invalid << text;
        QTest::addRow("%s: surrogate", p)
            << op << QString(QChar(0xDFFF)) << -1ll << -1ll << QString() << invalid << text;
    }
    QTest::newRow("post: unknown author") << 0 << QStringLiteral("hi") << 55555ll << -1ll << QString()
                                          << int(ErrorCode::NotFound) << QStringLiteral("authorId");
    QTest::newRow("post: unknown request") << 0 << QStringLiteral("hi") << -1ll << 55555ll << QString()
                                           << int(ErrorCode::NotFound) << QStringLiteral("requestId");
    QTest::newRow("post: bad sha") << 0 << QStringLiteral("hi") << -1ll << -1ll << QStringLiteral("XYZ")
                                   << invalid << QStringLiteral("attachments.sha256");
    QTest::newRow("edit: unknown actor") << 1 << QStringLiteral("hi") << 55555ll << -1ll << QString()
                                         << int(ErrorCode::NotFound) << QStringLiteral("actorId");
}

void TestStore::updateBadInput()
{
    QFETCH(int, op);
    QFETCH(QString, text);
    QFETCH(qint64, author);
    QFETCH(qint64, requestId);
    QFETCH(QString, attachmentSha);
    QFETCH(int, code);
    QFETCH(QString, field);
    auto r = m_store->createRequest({QStringLiteral("Req"), {}, m_alice.id, 0, 0, {}, 0});
    auto u = m_store->postUpdate({r->id, m_alice.id, QStringLiteral("original"), UpdateSource::Desk, {}});
    QVERIFY(r && u);
    QSignalSpy spy(m_store.get(), &Store::changed);
    const QString before = fingerprint(*m_store);
    const qint64 authorId = author < 0 ? m_alice.id : author;
    Error error;
    if (op == 0) {
        NewUpdate in{requestId < 0 ? r->id : requestId, authorId, text, UpdateSource::Desk, {}};
        if (!attachmentSha.isEmpty())
            in.attachments << Attachment{0,
                                         0,
                                         QStringLiteral("a.png"),
                                         QStringLiteral("image/png"),
                                         1,
                                         attachmentSha,
                                         QStringLiteral("k"),
                                         {}};
        auto res = m_store->postUpdate(in);
        QVERIFY(!res);
        error = res.error();
    } else {
        auto res = m_store->editUpdate(u->id, text, authorId);
        QVERIFY(!res);
        error = res.error();
    }
    verifyRefused(error, code, field, before, spy);
}

void TestStore::optimisticConcurrency()
{
    auto r = m_store->createRequest({QStringLiteral("Badge"), {}, m_alice.id, 0, 0, {}, 0});
    QVERIFY(r);
    QSignalSpy spy(m_store.get(), &Store::changed);
    auto open = m_store->setStatus(r->id, RequestStatus::Open, 1, m_bob.id);
    QVERIFY(open);
    QCOMPARE(open->status, RequestStatus::Open);
    QCOMPARE(open->version, 2);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).value<StoreChange>().version, 2);

    // Every field change with a stale version: Conflict naming the version, database unchanged.
    const QString before = fingerprint(*m_store);
    auto stale1 = m_store->setStatus(r->id, RequestStatus::Closed, 1, m_bob.id);
    auto stale2 = m_store->setTitle(r->id, QStringLiteral("New title"), 1, m_bob.id);
    auto stale3 = m_store->setAssignee(r->id, m_bob.id, 1, m_bob.id);
    for (const auto *res : {&stale1, &stale2, &stale3}) {
        QVERIFY(!res->ok());
        QCOMPARE(res->error().code, ErrorCode::Conflict);
        QCOMPARE(res->error().field, QStringLiteral("version"));
    }
    QCOMPARE(fingerprint(*m_store), before);
    QCOMPARE(spy.count(), 1);

    auto titled = m_store->setTitle(r->id, QStringLiteral("Badge reader broken"), 2, m_bob.id);
    QVERIFY(titled);
    QCOMPARE(titled->version, 3);
    auto assigned = m_store->setAssignee(r->id, m_bob.id, 3, m_bob.id);
    QVERIFY(assigned);
    QCOMPARE(assigned->version, 4);
    QCOMPARE(assigned->assigneeId, m_bob.id);
    auto unassigned = m_store->setAssignee(r->id, 0, 4, m_bob.id);
    QCOMPARE(unassigned->assigneeId, 0);
    QCOMPARE(unassigned->version, 5);

    // Setting the current value changes nothing and announces nothing.
    spy.clear();
    QCOMPARE(m_store->setStatus(r->id, RequestStatus::Open, 5, m_bob.id)->version, 5);
    QCOMPARE(spy.count(), 0);

    QCOMPARE(m_store->setStatus(999999, RequestStatus::Open, 1, m_bob.id).error().code, ErrorCode::NotFound);
    QCOMPARE(m_store->setAssignee(r->id, 999999, 5, m_bob.id).error().code, ErrorCode::NotFound);
    QCOMPARE(m_store->setTitle(r->id, QString(), 5, m_bob.id).error().field, QStringLiteral("title"));
    QCOMPARE(m_store->request(r->id)->version, 5);
    QCOMPARE(auditCount(*m_store, QStringLiteral("request.status")), 1);
    QCOMPARE(auditCount(*m_store, QStringLiteral("request.title")), 1);
    QCOMPARE(auditCount(*m_store, QStringLiteral("request.assignee")), 2);
}

void TestStore::assigneeChangeMovesFollowReason()
{
    auto r = m_store->createRequest({QStringLiteral("Access"), {}, m_alice.id, m_bob.id, 0, {}, 0});
    QVERIFY(r);
    QSignalSpy spy(m_store.get(), &Store::changed);
    auto moved = m_store->setAssignee(r->id, m_carol.id, r->version, m_bob.id);
    QVERIFY(moved);
    QMap<qint64, FollowReason> reasons;
    const QList<Follower> after = m_store->followers(r->id).value();
    for (const Follower &f : after)
        reasons.insert(f.personId, f.reason);
    QCOMPARE(reasons.value(m_bob.id), FollowReason::Manual);
    QCOMPARE(reasons.value(m_carol.id), FollowReason::Assignee);
    QCOMPARE(reasons.value(m_alice.id), FollowReason::Requester);
    QCOMPARE(spy.count(), 2); // AssigneeChanged, FollowerAdded (carol)
    QCOMPARE(spy.at(0).at(0).value<StoreChange>().kind, StoreChange::Kind::AssigneeChanged);
    QCOMPARE(spy.at(1).at(0).value<StoreChange>().kind, StoreChange::Kind::FollowerAdded);
    // The requester assigned to their own request keeps the stronger reason.
    QVERIFY(m_store->setAssignee(r->id, m_alice.id, moved->version, m_bob.id));
    const QList<Follower> final = m_store->followers(r->id).value();
    for (const Follower &f : final) {
        if (f.personId == m_alice.id)
            QCOMPARE(f.reason, FollowReason::Requester);
    }
}

void TestStore::followersAddRemove()
{
    auto r = m_store->createRequest({QStringLiteral("Chair"), {}, m_alice.id, 0, 0, {}, 0});
    QVERIFY(r);
    QSignalSpy spy(m_store.get(), &Store::changed);
    auto f = m_store->addFollower(r->id, m_carol.id, m_bob.id);
    QVERIFY(f);
    QCOMPARE(f->reason, FollowReason::Manual);
    QCOMPARE(spy.count(), 1);
    // Following twice is not an error and announces nothing; the requester keeps their reason.
    QVERIFY(m_store->addFollower(r->id, m_carol.id, m_bob.id));
    QCOMPARE(m_store->addFollower(r->id, m_alice.id, m_bob.id)->reason, FollowReason::Requester);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(m_store->followers(r->id)->size(), 2);

    const QString before = fingerprint(*m_store);
    QCOMPARE(m_store->addFollower(r->id, 31337, m_bob.id).error().code, ErrorCode::NotFound);
    QCOMPARE(m_store->addFollower(31337, m_carol.id, m_bob.id).error().code, ErrorCode::NotFound);
    QCOMPARE(m_store->removeFollower(r->id, m_dave.id, m_bob.id).error().code, ErrorCode::NotFound);
    QCOMPARE(fingerprint(*m_store), before);

    QVERIFY(m_store->removeFollower(r->id, m_carol.id, m_bob.id));
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(1).at(0).value<StoreChange>().kind, StoreChange::Kind::FollowerRemoved);
    QCOMPARE(m_store->followers(r->id)->size(), 1);
    QCOMPARE(auditCount(*m_store, QStringLiteral("follower.add")), 1);
    QCOMPARE(auditCount(*m_store, QStringLiteral("follower.remove")), 1);
}

void TestStore::announcementsOnlyAfterCommit()
{
    // A second connection sees the change by the time the signal arrives: it was committed.
    Store observer;
    QVERIFY(observer.open(m_url));
    int seen = 0;
    int visible = 0;
    connect(m_store.get(), &Store::changed, this, [&](const StoreChange &c) {
        ++seen;
        QVERIFY(!m_store->inTransaction());
        if (c.kind == StoreChange::Kind::RequestCreated && observer.request(c.requestId))
            ++visible;
        if (c.kind == StoreChange::Kind::UpdatePosted && observer.update(c.updateId))
            ++visible;
    });
    auto r = m_store->createRequest({QStringLiteral("Seen"), {}, m_alice.id, 0, 0, {}, 0});
    QVERIFY(r);
    QVERIFY(m_store->postUpdate({r->id, m_alice.id, QStringLiteral("hello"), UpdateSource::Slack, {}}));
    QCOMPARE(seen, 2);
    QCOMPARE(visible, 2);

    // A batch that fails part-way: everything is rolled back and nothing is announced.
    const QString before = fingerprint(*m_store);
    auto batch = m_store->transaction([&]() -> Result<void> {
        auto ok = m_store->createRequest({QStringLiteral("Will vanish"), {}, m_alice.id, 0, 0, {}, 0});
        if (!ok)
            return ok.error();
        auto bad = m_store->postUpdate({ok->id, m_alice.id, QString(), UpdateSource::Desk, {}});
        if (!bad)
            return bad.error();
        return {};
    });
    QVERIFY(!batch);
    QCOMPARE(batch.error().field, QStringLiteral("text"));
    QCOMPARE(seen, 2);
    QCOMPARE(fingerprint(*m_store), before);
}

void TestStore::nestedTransactionsUseSavepoints()
{
    QSignalSpy spy(m_store.get(), &Store::changed);
    qint64 keptId = 0;
    auto outer = m_store->transaction([&]() -> Result<void> {
        auto kept = m_store->createRequest({QStringLiteral("Kept"), {}, m_alice.id, 0, 0, {}, 0});
        if (!kept)
            return kept.error();
        keptId = kept->id;
        auto inner = m_store->transaction([&]() -> Result<void> {
            auto gone = m_store->createRequest({QStringLiteral("Gone"), {}, m_alice.id, 0, 0, {}, 0});
            if (!gone)
                return gone.error();
            return makeError(ErrorCode::Invalid, QStringLiteral("changed my mind"));
        });
        if (inner)
            return makeError(ErrorCode::Internal, QStringLiteral("inner should fail"));
        if (spy.count() != 0)
            return makeError(ErrorCode::Internal, QStringLiteral("announced before commit"));
        return {};
    });
    QVERIFY2(outer, qPrintable(outer ? QString() : outer.error().toString()));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).value<StoreChange>().requestId, keptId);
    const auto all = allRequests(*m_store);
    QCOMPARE(all.size(), 1);
    QCOMPARE(all.at(0).title, QStringLiteral("Kept"));
}

void TestStore::listFiltersMatchBruteForce()
{
    const QList<RequestStatus> statuses = {RequestStatus::New, RequestStatus::Open, RequestStatus::Waiting,
                                           RequestStatus::Resolved, RequestStatus::Closed};
    const QList<qint64> assignees = {0, m_bob.id, m_carol.id};
    for (int i = 0; i < 30; ++i) {
        auto r = m_store->createRequest({QStringLiteral("Request %1").arg(i),
                                         {},
                                         m_alice.id,
                                         assignees.at(i % 3),
                                         (i % 4 == 0) ? m_team.id : 0,
                                         {},
                                         0});
        QVERIFY(r);
        if (i % 5)
            QVERIFY(m_store->setStatus(r->id, statuses.at(i % 5), r->version, m_bob.id));
    }
    const QList<Request> all = allRequests(*m_store);
    QList<RequestQuery> queries;
    queries << RequestQuery{};
    for (RequestStatus s : statuses)
        queries << RequestQuery{{s}, {}, {}, {}, {}, 50};
    queries << RequestQuery{{RequestStatus::Open, RequestStatus::Waiting}, {}, {}, {}, {}, 50};
    for (qint64 a : assignees)
        queries << RequestQuery{{}, a, {}, {}, {}, 50}
                << RequestQuery{{RequestStatus::Open}, a, m_team.id, {}, {}, 50};
    queries << RequestQuery{{}, {}, m_team.id, {}, {}, 50} << RequestQuery{{}, {}, qint64(0), {}, {}, 50};
    for (const RequestQuery &q : queries) {
        QList<qint64> expected;
        for (const Request &r : all) {
            if (!q.statuses.isEmpty() && !q.statuses.contains(r.status))
                continue;
            if (q.assigneeId && r.assigneeId != *q.assigneeId)
                continue;
            if (q.teamId && r.teamId != *q.teamId)
                continue;
            expected << r.id;
        }
        std::sort(expected.begin(), expected.end());
        QList<qint64> got;
        RequestQuery paged = q;
        paged.limit = 4;
        for (int guard = 0; guard < 100; ++guard) {
            auto page = m_store->listRequests(paged);
            QVERIFY(page);
            for (const Request &r : page->requests)
                got << r.id;
            if (page->nextCursor.isEmpty())
                break;
            paged.cursor = page->nextCursor;
        }
        std::sort(got.begin(), got.end());
        QCOMPARE(got, expected);
    }
}

void TestStore::keysetPagingWithTies()
{
    // Many requests share one updated_at: the id breaks ties, so pages neither repeat nor skip.
    m_tickClock = false;
    QList<qint64> created;
    for (int i = 0; i < 23; ++i) {
        if (i % 7 == 0)
            ++m_now; // groups of equal timestamps
        auto r = m_store->createRequest({QStringLiteral("Tie %1").arg(i), {}, m_alice.id, 0, 0, {}, 0});
        QVERIFY(r);
        created << r->id;
    }
    for (int limit : {1, 2, 3, 7, 23, 50}) {
        QList<Request> seen;
        RequestQuery q;
        q.limit = limit;
        int pages = 0;
        while (true) {
            auto page = m_store->listRequests(q);
            QVERIFY(page);
            QVERIFY(page->requests.size() <= limit);
            seen << page->requests;
            ++pages;
            if (page->nextCursor.isEmpty())
                break;
            QCOMPARE(page->requests.size(), limit);
            q.cursor = page->nextCursor;
        }
        QCOMPARE(seen.size(), created.size());
        std::set<qint64> unique;
        for (int i = 0; i < seen.size(); ++i) {
            unique.insert(seen.at(i).id);
            if (i > 0) {
                const Request &a = seen.at(i - 1);
                const Request &b = seen.at(i);
                QVERIFY(a.updatedAt > b.updatedAt || (a.updatedAt == b.updatedAt && a.id > b.id));
            }
        }
        QCOMPARE(int(unique.size()), created.size());
        QCOMPARE(pages, (created.size() + limit - 1) / limit); // a full last page has no cursor
    }
}

void TestStore::pagingIsStableUnderInserts()
{
    for (int i = 0; i < 10; ++i)
        QVERIFY(m_store->createRequest({QStringLiteral("Old %1").arg(i), {}, m_alice.id, 0, 0, {}, 0}));
    RequestQuery q;
    q.limit = 4;
    auto first = m_store->listRequests(q);
    QVERIFY(first);
    // New requests arrive while the reader pages: they sort before the cursor and do not shift it.
    for (int i = 0; i < 5; ++i)
        QVERIFY(m_store->createRequest({QStringLiteral("New %1").arg(i), {}, m_alice.id, 0, 0, {}, 0}));
    QList<qint64> ids;
    for (const Request &r : first->requests)
        ids << r.id;
    q.cursor = first->nextCursor;
    while (!q.cursor.isEmpty()) {
        auto page = m_store->listRequests(q);
        QVERIFY(page);
        for (const Request &r : page->requests)
            ids << r.id;
        q.cursor = page->nextCursor;
    }
    QCOMPARE(ids.size(), 10);
    QCOMPARE(int(std::set<qint64>(ids.begin(), ids.end()).size()), 10);
}

void TestStore::listBadInput()
{
    RequestQuery q;
    q.limit = 0;
    QCOMPARE(m_store->listRequests(q).error().field, QStringLiteral("limit"));
    q.limit = Store::MaxPageSize + 1;
    QCOMPARE(m_store->listRequests(q).error().field, QStringLiteral("limit"));
    q.limit = 10;
    q.cursor = QStringLiteral("%%%not-a-cursor");
    QCOMPARE(m_store->listRequests(q).error().code, ErrorCode::Invalid);
    QCOMPARE(m_store->listRequests(q).error().field, QStringLiteral("cursor"));
    q.cursor.clear();
    q.text = QStringLiteral("  ?! -- ");
    QCOMPARE(m_store->listRequests(q).error().field, QStringLiteral("text"));
    q.text = withNul("a", "b");
    QCOMPARE(m_store->listRequests(q).error().field, QStringLiteral("text"));
}

void TestStore::sortedListMatchesBruteForce()
{
    // A second "bob" (another person, the same name to a case-insensitive sort) makes ties across
    // people; titles tie case-insensitively too, and carry SQL metacharacters.
    auto bob2 = m_store->upsertPerson({QStringLiteral("U0BOB2"), QStringLiteral("bob"), {}, true});
    QVERIFY(bob2);
    const QList<qint64> assignees = {m_bob.id, 0, m_carol.id, bob2->id, m_dave.id, 0, m_bob.id};
    const QStringList titles = {
        QStringLiteral("printer"),   QStringLiteral("Printer"), QStringLiteral("PRINTER"),
        QStringLiteral("VPN drops"), QStringLiteral("alpha"),   QStringLiteral("O'Brien ';--"),
        QStringLiteral("zeta"),      QStringLiteral("Alpha"),   QStringLiteral("b_c"),
        QStringLiteral("b c"),       QStringLiteral("B%"),      QStringLiteral("[bracket]"),
        QStringLiteral("Zeta 2"),    QStringLiteral("mouse")};
    const QList<RequestStatus> statuses = {RequestStatus::Open, RequestStatus::Waiting,
                                           RequestStatus::Closed};
    for (int i = 0; i < titles.size(); ++i) {
        auto r = m_store->createRequest(
            {titles.at(i), {}, m_alice.id, assignees.at(i % assignees.size()), 0, {}, 0});
        QVERIFY2(r.ok(), qPrintable(r ? QString() : r.error().toString()));
        if (i % 4 == 1)
            QVERIFY(m_store->setStatus(r->id, statuses.at(i % statuses.size()), r->version, m_bob.id));
    }
    const QList<Request> all = allRequests(*m_store);
    QCOMPARE(all.size(), titles.size());
    QHash<qint64, QString> names;
    for (const Person &p : {m_alice, m_bob, m_carol, m_dave, bob2.value()})
        names.insert(p.id, p.name);
    auto rank = [](RequestStatus s) {
        const QList<RequestStatus> order = {RequestStatus::New, RequestStatus::Open, RequestStatus::Waiting,
                                            RequestStatus::Resolved, RequestStatus::Closed};
        return order.indexOf(s);
    };
    // The key each sort orders by (ASCII text: both backends fold A-Z only).
    auto key = [&](RequestSortKey k, const Request &r) -> QVariant {
        switch (k) {
        case RequestSortKey::Id:
            return r.id;
        case RequestSortKey::Title:
            return r.title.toLower();
        case RequestSortKey::Status:
            return rank(r.status);
        case RequestSortKey::Assignee:
            return r.assigneeId ? names.value(r.assigneeId).toLower() : QString();
        case RequestSortKey::UpdatedAt:
            return r.updatedAt.toMSecsSinceEpoch();
        }
        return {};
    };
    for (RequestSortKey k : {RequestSortKey::Id, RequestSortKey::Title, RequestSortKey::Status,
                             RequestSortKey::Assignee, RequestSortKey::UpdatedAt}) {
        QList<Request> expected = all;
        std::sort(expected.begin(), expected.end(), [&](const Request &a, const Request &b) {
            const QVariant ka = key(k, a), kb = key(k, b);
            const int c = QVariant::compare(ka, kb) == QPartialOrdering::Less      ? -1
                          : QVariant::compare(ka, kb) == QPartialOrdering::Greater ? 1
                                                                                   : 0;
            return c != 0 ? c < 0 : a.id < b.id;
        });
        QList<qint64> expectedIds;
        for (const Request &r : std::as_const(expected))
            expectedIds << r.id;
        for (bool ascending : {true, false}) {
            QList<qint64> want = expectedIds;
            if (!ascending)
                std::reverse(want.begin(), want.end());
            for (int limit : {1, 3, 50}) {
                QList<qint64> got;
                for (const Request &r : allSorted(*m_store, k, ascending, limit))
                    got << r.id;
                QVERIFY2(got == want,
                         qPrintable(QStringLiteral("key %1, %2, pages of %3")
                                        .arg(int(k))
                                        .arg(ascending ? QStringLiteral("asc") : QStringLiteral("desc"))
                                        .arg(limit)));
            }
        }
    }
    // The filters apply to the sorted list as to the plain one.
    RequestQuery q;
    q.assigneeId = 0;
    q.limit = 50;
    auto unassigned = m_store->listRequestsSorted(q, RequestSortKey::Title, true);
    QVERIFY(unassigned);
    QVERIFY(!unassigned->requests.isEmpty());
    for (const Request &r : std::as_const(unassigned->requests))
        QCOMPARE(r.assigneeId, 0);
    q.assigneeId.reset();
    q.statuses = {RequestStatus::Closed};
    auto closed = m_store->listRequestsSorted(q, RequestSortKey::Assignee, false);
    QVERIFY(closed);
    QVERIFY(!closed->requests.isEmpty());
    for (const Request &r : std::as_const(closed->requests))
        QCOMPARE(r.status, RequestStatus::Closed);
}

void TestStore::sortedListFollowsRenamesAndReassignments()
{
    auto first = m_store->createRequest({QStringLiteral("one"), {}, m_alice.id, m_carol.id, 0, {}, 0});
    auto second = m_store->createRequest({QStringLiteral("two"), {}, m_alice.id, m_bob.id, 0, {}, 0});
    auto third = m_store->createRequest({QStringLiteral("three"), {}, m_alice.id, 0, 0, {}, 0});
    QVERIFY(first && second && third);
    auto order = [this] {
        QStringList titles;
        for (const Request &r : allSorted(*m_store, RequestSortKey::Assignee, true, 2))
            titles << r.title;
        return titles.join(QLatin1Char(','));
    };
    QCOMPARE(order(), QStringLiteral("three,two,one")); // unassigned, Bob, Carol
    // Carol is renamed in Slack: her requests move, and the rename is not a change of the request.
    auto renamed = m_store->upsertPerson({QStringLiteral("U0CAROL"), QStringLiteral("Aaron"), {}, true});
    QVERIFY(renamed);
    QCOMPARE(renamed->name, QStringLiteral("Aaron"));
    QCOMPARE(order(), QStringLiteral("three,one,two"));
    QCOMPARE(m_store->request(first->id)->version, first->version);
    QCOMPARE(m_store->request(first->id)->updatedAt, first->updatedAt);
    // Assigned, reassigned, unassigned.
    auto r = m_store->setAssignee(third->id, m_dave.id, third->version, m_bob.id);
    QVERIFY2(r.ok(), qPrintable(r ? QString() : r.error().toString()));
    QCOMPARE(order(), QStringLiteral("one,two,three"));
    r = m_store->setAssignee(second->id, 0, second->version, m_bob.id);
    QVERIFY2(r.ok(), qPrintable(r ? QString() : r.error().toString()));
    QCOMPARE(order(), QStringLiteral("two,one,three"));
    r = m_store->setAssignee(first->id, m_dave.id, m_store->request(first->id)->version, m_bob.id);
    QVERIFY2(r.ok(), qPrintable(r ? QString() : r.error().toString()));
    QCOMPARE(order(), QStringLiteral("two,one,three")); // Dave, Dave: by id
    QCOMPARE(m_store->scalar(QStringLiteral("SELECT assignee_sort FROM requests WHERE id = ?"), {first->id})
                 .value()
                 ->toString(),
             QStringLiteral("Dave"));
}

void TestStore::sortedListBadInput()
{
    QVERIFY(m_store->createRequest({QStringLiteral("one"), {}, m_alice.id, m_bob.id, 0, {}, 0}));
    RequestQuery q;
    q.limit = 0;
    QCOMPARE(m_store->listRequestsSorted(q, RequestSortKey::Title, true).error().field,
             QStringLiteral("limit"));
    q.limit = Store::MaxPageSize + 1;
    QCOMPARE(m_store->listRequestsSorted(q, RequestSortKey::Title, true).error().field,
             QStringLiteral("limit"));
    q.limit = 10;
    // A text search is refused, not listed as if it had no text.
    q.text = QStringLiteral("one");
    auto searched = m_store->listRequestsSorted(q, RequestSortKey::Title, true);
    QCOMPARE(searched.error().code, ErrorCode::Invalid);
    QCOMPARE(searched.error().field, QStringLiteral("text"));
    q.text.clear();
    // A position without a key is refused, not read as "from the start".
    auto noKey = m_store->listRequestsSorted(q, RequestSortKey::Assignee, true, QVariant(), 5);
    QCOMPARE(noKey.error().code, ErrorCode::Invalid);
    QCOMPARE(noKey.error().field, QStringLiteral("cursor"));
    // A key that no page could have ended on is refused: text for a number, a NUL in a text.
    for (const auto &[sortKey, badKey] :
         {std::pair{RequestSortKey::Id, QVariant(QStringLiteral("abc"))},
          std::pair{RequestSortKey::UpdatedAt, QVariant(QStringLiteral("1e3; --"))},
          std::pair{RequestSortKey::Status, QVariant(QStringLiteral(""))},
          std::pair{RequestSortKey::Title, QVariant(withNul("a", "b"))},
          std::pair{RequestSortKey::Assignee, QVariant(withNul("", ""))}}) {
        auto bad = m_store->listRequestsSorted(q, sortKey, true, badKey, 1);
        QVERIFY2(!bad.ok(), qPrintable(badKey.toString()));
        QCOMPARE(bad.error().code, ErrorCode::Invalid);
        QCOMPARE(bad.error().field, QStringLiteral("cursor"));
    }
    // Hostile text keys are bound values: they read nothing wrong and change nothing.
    const QString before = fingerprint(*m_store);
    for (const QString &hostile : {QStringLiteral("'; DROP TABLE requests; --"), QStringLiteral("%_\\"),
                                   QStringLiteral("\u00e9\U0001F600"), QString(300, QLatin1Char('z'))}) {
        auto page = m_store->listRequestsSorted(q, RequestSortKey::Title, true, hostile, 1);
        QVERIFY2(page.ok(), qPrintable(page ? QString() : page.error().toString()));
        auto back = m_store->listRequestsSorted(q, RequestSortKey::Title, false, hostile, 1);
        QVERIFY2(back.ok(), qPrintable(back ? QString() : back.error().toString()));
        QCOMPARE(page->requests.size() + back->requests.size(), 1);
    }
    QCOMPARE(fingerprint(*m_store), before);
}

void TestStore::sortedListReadsTheSortIndexes()
{
    // A desk large enough that PostgreSQL's planner prefers an index to reading the table.
    const bool sqlite = m_store->backend() == DatabaseUrl::Backend::Sqlite;
    const QString rows =
        sqlite ? QStringLiteral("WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g "
                                "WHERE n < 20000) SELECT n FROM g")
               : QStringLiteral("SELECT generate_series(1, 20000) AS n");
    auto seeded = m_store->execAffected(
        QStringLiteral("INSERT INTO requests (title, body, status, requester_id, assignee_id, created_at, "
                       "updated_at) SELECT 'Request ' || (n * 7919 % 20000), '', 'new', %2, "
                       "CASE n % 3 WHEN 0 THEN NULL WHEN 1 THEN %3 ELSE %4 END, n, n FROM (%1) s")
            .arg(rows)
            .arg(m_alice.id)
            .arg(m_bob.id)
            .arg(m_carol.id),
        {});
    QVERIFY2(seeded.ok(), qPrintable(seeded ? QString() : seeded.error().toString()));
    QCOMPARE(seeded.value(), 20000);
    QSqlQuery analyze(m_store->database()); // not prepared: PostgreSQL cannot PREPARE it
    QVERIFY2(analyze.exec(QStringLiteral("ANALYZE requests")), qPrintable(analyze.lastError().text()));
    struct Case
    {
        RequestSortKey key;
        QString index; // SQLite's and PostgreSQL's plan name the index
        QVariant after;
    };
    const QList<Case> cases = {
        {RequestSortKey::Title, QStringLiteral("requests_title_sort"), QStringLiteral("request 5")},
        {RequestSortKey::Assignee, QStringLiteral("requests_assignee_sort"), QStringLiteral("bob")},
    };
    for (const Case &c : cases) {
        for (bool ascending : {true, false}) {
            for (qint64 afterId : {qint64(0), qint64(10000)}) {
                const QString plan = sortedPlan(*m_store, c.key, ascending, c.after, afterId);
                const QString what =
                    QStringLiteral("%1 %2 after %3:\n%4")
                        .arg(c.index, ascending ? QStringLiteral("asc") : QStringLiteral("desc"))
                        .arg(afterId)
                        .arg(plan);
                QVERIFY2(plan.contains(c.index), qPrintable(what));
                if (sqlite)
                    QVERIFY2(!plan.contains(QLatin1String("TEMP B-TREE")), qPrintable(what));
                else
                    QVERIFY2(!plan.contains(QLatin1String("Sort")) &&
                                 !plan.contains(QLatin1String("Seq Scan")),
                             qPrintable(what));
            }
        }
    }
    // And the pages read through the index are right: the first titles in order.
    RequestQuery q;
    q.limit = 3;
    auto page = m_store->listRequestsSorted(q, RequestSortKey::Title, true);
    QVERIFY(page);
    QCOMPARE(page->requests.size(), 3);
    QCOMPARE(page->requests.at(0).title, QStringLiteral("Request 0"));
    QCOMPARE(page->requests.at(1).title, QStringLiteral("Request 1"));
    QCOMPARE(page->requests.at(2).title, QStringLiteral("Request 10"));
    auto next = m_store->listRequestsSorted(q, RequestSortKey::Title, true, page->lastKey, page->lastId);
    QVERIFY(next);
    QCOMPARE(next->requests.at(0).title, QStringLiteral("Request 100"));
}

void TestStore::textSearch()
{
    auto printer = m_store->createRequest({QStringLiteral("Printer jammed"),
                                           QStringLiteral("Third floor Kyocera"),
                                           m_alice.id,
                                           0,
                                           m_team.id,
                                           {},
                                           0});
    auto vpn = m_store->createRequest(
        {QStringLiteral("VPN drops"), QStringLiteral("Every hour"), m_alice.id, m_bob.id, 0, {}, 0});
    auto cafe = m_store->createRequest({QStringLiteral("Café machine"), {}, m_carol.id, 0, 0, {}, 0});
    QVERIFY(printer && vpn && cafe);
    auto u = m_store->postUpdate(
        {vpn->id, m_bob.id, QStringLiteral("Replaced the router firmware"), UpdateSource::Desk, {}});
    QVERIFY(u);

    auto ids = [&](const QString &text, QList<RequestStatus> statuses = {}) {
        QList<qint64> out;
        auto page = m_store->listRequests({statuses, {}, {}, text, {}, 50});
        if (!page) {
            qWarning("%s", qPrintable(page.error().toString()));
            return QList<qint64>{-1};
        }
        for (const Request &r : page->requests)
            out << r.id;
        std::sort(out.begin(), out.end());
        return out;
    };
    QCOMPARE(ids(QStringLiteral("printer")), QList<qint64>{printer->id}); // title, case-insensitive
    QCOMPARE(ids(QStringLiteral("kyocera")), QList<qint64>{printer->id}); // body
    QCOMPARE(ids(QStringLiteral("firmware")), QList<qint64>{vpn->id});    // update text
    QCOMPARE(ids(QStringLiteral("firm")), QList<qint64>{vpn->id});        // word prefix
    QCOMPARE(ids(QStringLiteral("router firmware")), QList<qint64>{vpn->id});
    QCOMPARE(ids(QStringLiteral("router printer")), QList<qint64>{}); // all words must match
    QCOMPARE(ids(QStringLiteral("café")), QList<qint64>{cafe->id});
    QCOMPARE(ids(QStringLiteral("vpn"), {RequestStatus::Closed}), QList<qint64>{});
    QCOMPARE(ids(QStringLiteral("\"vpn\" * ( - ^ :")),
             QList<qint64>{vpn->id}); // query syntax is not interpreted
    QCOMPARE(ids(QStringLiteral("zebra")), QList<qint64>{});

    // Edits re-index, deletes leave the index, title changes re-index.
    QVERIFY(m_store->editUpdate(u->id, QStringLiteral("Swapped the modem"), m_bob.id));
    QCOMPARE(ids(QStringLiteral("firmware")), QList<qint64>{});
    QCOMPARE(ids(QStringLiteral("modem")), QList<qint64>{vpn->id});
    QVERIFY(m_store->deleteUpdate(u->id, m_bob.id));
    QCOMPARE(ids(QStringLiteral("modem")), QList<qint64>{});
    QVERIFY(m_store->setTitle(printer->id, QStringLiteral("Toner empty"), printer->version, m_bob.id));
    QCOMPARE(ids(QStringLiteral("jammed")), QList<qint64>{});
    QCOMPARE(ids(QStringLiteral("toner")), QList<qint64>{printer->id});
}

void TestStore::textSearchTitleWithUpdateButNotAcrossUpdates()
{
    auto vpn = m_store->createRequest(
        {QStringLiteral("VPN broken"), QStringLiteral("Cannot connect"), m_alice.id, 0, 0, {}, 0});
    auto other = m_store->createRequest({QStringLiteral("Password reset"), {}, m_bob.id, 0, 0, {}, 0});
    QVERIFY(vpn && other);
    auto u = m_store->postUpdate(
        {vpn->id, m_bob.id, QStringLiteral("Your password expired yesterday"), UpdateSource::Desk, {}});
    QVERIFY(u);
    auto ids = [&](const QString &text) {
        QList<qint64> out;
        auto page = m_store->listRequests({{}, {}, {}, text, {}, 50});
        if (!page)
            return QList<qint64>{-1};
        for (const Request &r : page->requests)
            out << r.id;
        return out;
    };
    // A title word and an update word match together (an update is indexed with its request's
    // title), as do words of one update or of the title + body.
    QCOMPARE(ids(QStringLiteral("vpn password")), QList<qint64>{vpn->id});
    QCOMPARE(ids(QStringLiteral("passw vp")), QList<qint64>{vpn->id}); // every word is a prefix
    QCOMPARE(ids(QStringLiteral("password yesterday")), QList<qint64>{vpn->id});
    QCOMPARE(ids(QStringLiteral("broken connect")), QList<qint64>{vpn->id});
    // Matching rule: a body word and an update word, or words of two different updates, do not
    // match together (each word in the title, or all together in the body or in one update).
    QCOMPARE(ids(QStringLiteral("connect expired")), QList<qint64>{});
    auto u2 = m_store->postUpdate(
        {vpn->id, m_alice.id, QStringLiteral("Rebooted the laptop"), UpdateSource::Desk, {}});
    QVERIFY(u2);
    QCOMPARE(ids(QStringLiteral("rebooted")), QList<qint64>{vpn->id});
    QCOMPARE(ids(QStringLiteral("rebooted expired")), QList<qint64>{});
    QCOMPARE(ids(QStringLiteral("reset expired")), QList<qint64>{});      // never across requests
    QCOMPARE(ids(QStringLiteral("VPN vpn Vpn")), QList<qint64>{vpn->id}); // repeated words
    // The newest matching document counts: the update keeps vpn above the title-only match.
    QCOMPARE(ids(QStringLiteral("password")), (QList<qint64>{vpn->id, other->id}));

    // A title change re-indexes the updates with the new title: the old title word no longer
    // matches with an update word, the new one does.
    auto current = m_store->request(vpn->id);
    QVERIFY(current);
    QVERIFY(m_store->setTitle(vpn->id, QStringLiteral("Tunnel down"), current->version, m_bob.id));
    QCOMPARE(ids(QStringLiteral("vpn password")), QList<qint64>{});
    QCOMPARE(ids(QStringLiteral("tunnel password")), QList<qint64>{vpn->id});
    QCOMPARE(ids(QStringLiteral("tunn laptop")), QList<qint64>{vpn->id});
    QCOMPARE(ids(QStringLiteral("password")), (QList<qint64>{vpn->id, other->id}));
    // Edits and deletes of updates still find the text they must drop (indexed with the new title).
    QVERIFY(m_store->editUpdate(u2->id, QStringLiteral("Rebooted the router"), m_alice.id));
    QCOMPARE(ids(QStringLiteral("tunnel laptop")), QList<qint64>{});
    QCOMPARE(ids(QStringLiteral("tunnel router")), QList<qint64>{vpn->id});
    QVERIFY(m_store->deleteUpdate(u->id, m_bob.id));
    QCOMPARE(ids(QStringLiteral("tunnel password")), QList<qint64>{});
    QCOMPARE(ids(QStringLiteral("password")), QList<qint64>{other->id});
    QCOMPARE(ids(QStringLiteral("tunnel")), QList<qint64>{vpn->id});

    // Deleting a request (bulk SQL; its updates go by ON DELETE CASCADE) drops all its documents
    // with the text they were indexed with, and the index still answers for the others.
    QVERIFY(m_store->execAffected(QStringLiteral("DELETE FROM requests WHERE id = ?"), {vpn->id}));
    QCOMPARE(ids(QStringLiteral("tunnel")), QList<qint64>{});
    QCOMPARE(ids(QStringLiteral("router")), QList<qint64>{});
    QCOMPARE(ids(QStringLiteral("password")), QList<qint64>{other->id});
    auto later = m_store->createRequest({QStringLiteral("Tunnel again"), {}, m_alice.id, 0, 0, {}, 0});
    QVERIFY(later);
    QVERIFY(
        m_store->postUpdate({later->id, m_bob.id, QStringLiteral("Router swapped"), UpdateSource::Desk, {}}));
    QCOMPARE(ids(QStringLiteral("tunnel router")), QList<qint64>{later->id});
    if (m_store->backend() == DatabaseUrl::Backend::Sqlite) {
        // The contentless FTS5 index itself keeps no entry of the deleted request's documents: only
        // "Tunnel again", its update and "Password reset" hold these words.
        auto n = m_store->scalar(QStringLiteral("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?"),
                                 {QStringLiteral("tunnel OR router OR password OR broken OR rebooted")});
        QVERIFY(n && n.value());
        QCOMPARE(n.value()->toLongLong(), 3);
    }
}

void TestStore::textSearchRecencyAndPaging()
{
    // 30 requests mention "disk"; then activity in a different order than creation.
    QList<qint64> created;
    for (int i = 0; i < 30; ++i) {
        auto r = m_store->createRequest({QStringLiteral("Request %1").arg(i),
                                         i % 2 ? QStringLiteral("disk full") : QStringLiteral("nothing here"),
                                         m_alice.id,
                                         0,
                                         0,
                                         {},
                                         0});
        QVERIFY(r);
        created << r->id;
    }
    QList<qint64> expected; // most recent match first
    for (int i = 0; i < 30; i += 3) {
        QVERIFY(m_store->postUpdate(
            {created.at(i), m_bob.id, QStringLiteral("Disks swapped"), UpdateSource::Desk, {}}));
        expected.prepend(created.at(i));
    }
    for (int i = 29; i >= 0; --i) {
        if (i % 2 && !expected.contains(created.at(i)))
            expected << created.at(i);
    }
    auto u =
        m_store->postUpdate({created.at(1), m_bob.id, QStringLiteral("unrelated"), UpdateSource::Desk, {}});
    QVERIFY(u);
    // An edit re-indexes the text as recent; a title change does the same for the request.
    QVERIFY(m_store->editUpdate(u->id, QStringLiteral("disk ordered"), m_bob.id));
    expected.removeOne(created.at(1));
    expected.prepend(created.at(1));

    auto walk = [&](const QString &text, int limit, QList<RequestStatus> statuses = {}) {
        QList<qint64> out;
        QString cursor;
        for (int pages = 0; pages < 100; ++pages) {
            auto page = m_store->listRequests({statuses, {}, {}, text, cursor, limit});
            if (!page)
                return QList<qint64>{-1};
            for (const Request &r : page->requests)
                out << r.id;
            if (page->nextCursor.isEmpty())
                break;
            if (page->requests.size() != limit)
                return QList<qint64>{-2};
            cursor = page->nextCursor;
        }
        return out;
    };
    QCOMPARE(walk(QStringLiteral("disk"), 50), expected);
    QCOMPARE(walk(QStringLiteral("disk"), 4), expected); // no duplicates, no gaps
    QCOMPARE(walk(QStringLiteral("disk"), 1), expected);
    QCOMPARE(walk(QStringLiteral("dis"), 7), expected);
    QCOMPARE(walk(QStringLiteral("disk"), 3, {RequestStatus::Closed}), QList<qint64>{});
    QCOMPARE(walk(QStringLiteral("disk"), 3, {RequestStatus::New}), expected);

    auto r = m_store->request(created.at(29));
    QVERIFY(r);
    QVERIFY(m_store->setTitle(r->id, QStringLiteral("Disk again"), r->version, m_bob.id));
    expected.removeOne(r->id);
    expected.prepend(r->id);
    QCOMPARE(walk(QStringLiteral("disk"), 4), expected);

    // A list cursor is not a search cursor.
    auto list = m_store->listRequests({{}, {}, {}, {}, {}, 2});
    QVERIFY(list && !list->nextCursor.isEmpty());
    auto bad = m_store->listRequests({{}, {}, {}, QStringLiteral("disk"), list->nextCursor, 2});
    QVERIFY(!bad);
    QCOMPARE(bad.error().field, QStringLiteral("cursor"));
}

void TestStore::textSearchHostileText()
{
    auto r = m_store->createRequest(
        {QStringLiteral("NEAR the OR gate"),
         QStringLiteral("AND NOT column:value (x) \"quoted\" -minus +plus ^caret 'sq'"),
         m_alice.id,
         0,
         0,
         {},
         0});
    QVERIFY(r);
    const QStringList texts = {
        QStringLiteral("\""),
        QStringLiteral("\"near"),
        QStringLiteral("NEAR(or gate, 2)"),
        QStringLiteral("or OR Or"),
        QStringLiteral("AND"),
        QStringLiteral("NOT gate"),
        QStringLiteral("-minus"),
        QStringLiteral("column:value"),
        QStringLiteral("(x)"),
        QStringLiteral("gate*"),
        QStringLiteral("*gate"),
        QStringLiteral("'sq' OR '1'='1"),
        QStringLiteral("\\\"quoted\\\""),
        QStringLiteral("^caret {near} [or] gate:* & | ! <-> <2>"),
        QStringLiteral("%_ gate; DROP TABLE requests; --"),
        QString::fromUtf8("gate \xF0\x9F\x98\x80 \xF0\xA0\x80\x80"),
    };
    for (const QString &text : texts) {
        // Found or not, or a clear error when no word is left; never an engine error.
        auto page = m_store->listRequests({{}, {}, {}, text, {}, 50});
        if (!page) {
            QCOMPARE(page.error().code, ErrorCode::Invalid);
            QCOMPARE(page.error().field, QStringLiteral("text"));
        }
    }
    auto ids = [&](const QString &text) {
        auto page = m_store->listRequests({{}, {}, {}, text, {}, 50});
        QList<qint64> out;
        if (page) {
            for (const Request &x : page->requests)
                out << x.id;
        }
        return out;
    };
    QCOMPARE(ids(QStringLiteral("NEAR(or gate)")), QList<qint64>{r->id}); // plain words
    QCOMPARE(ids(QStringLiteral("not minus")), QList<qint64>{r->id});
    QCOMPARE(ids(QStringLiteral("gate -zebra")), QList<qint64>{}); // "-" is no operator
    QCOMPARE(ids(QStringLiteral("gate OR zebra")), QList<qint64>{});
    // Text without a word to look for is a clear error, not an engine error.
    for (const QString &text : {QStringLiteral("*"), QStringLiteral("\"\""), QStringLiteral("( ) - :")}) {
        auto page = m_store->listRequests({{}, {}, {}, text, {}, 50});
        QVERIFY(!page);
        QCOMPARE(page.error().code, ErrorCode::Invalid);
        QCOMPARE(page.error().field, QStringLiteral("text"));
    }
}

void TestStore::timelineOrderAndAttachments()
{
    auto r = m_store->createRequest({QStringLiteral("Logs"), {}, m_alice.id, m_bob.id, 0, {}, 0});
    QVERIFY(r);
    QList<qint64> posted;
    for (int i = 0; i < 12; ++i) {
        NewUpdate in{r->id,
                     i % 2 ? m_bob.id : m_alice.id,
                     QStringLiteral("update %1").arg(i),
                     i % 3 ? UpdateSource::Desk : UpdateSource::Slack,
                     {}};
        if (i % 4 == 0)
            in.attachments
                << Attachment{0,
                              0,
                              QStringLiteral("log-%1.txt").arg(i),
                              QStringLiteral("text/plain"),
                              100 + i,
                              sha('a' + char(i % 6)),
                              QStringLiteral("blobs/%1").arg(i),
                              {}}
                << Attachment{0, 0,        QStringLiteral("shot.png"),           QStringLiteral("image/png"),
                              7, sha('f'), QStringLiteral("blobs/png%1").arg(i), {}};
        auto u = m_store->postUpdate(in);
        QVERIFY(u);
        QCOMPARE(u->attachments.size(), in.attachments.size());
        posted << u->id;
    }
    auto extra = m_store->addAttachment(posted.at(1), {0,
                                                       0,
                                                       QStringLiteral("late.pdf"),
                                                       QStringLiteral("application/pdf"),
                                                       5,
                                                       sha('0'),
                                                       QStringLiteral("blobs/late"),
                                                       {}});
    QVERIFY(extra);
    auto tl = m_store->timeline(r->id);
    QVERIFY(tl);
    QCOMPARE(tl->request.id, r->id);
    QCOMPARE(tl->followers.size(), 2);
    QCOMPARE(tl->updates.size(), 12);
    for (int i = 0; i < 12; ++i) {
        const Update &u = tl->updates.at(i);
        QCOMPARE(u.id, posted.at(i)); // desk order
        QCOMPARE(u.text, QStringLiteral("update %1").arg(i));
        QCOMPARE(u.source, i % 3 ? UpdateSource::Desk : UpdateSource::Slack);
        const int expectedAttachments = i % 4 == 0 ? 2 : (i == 1 ? 1 : 0);
        QCOMPARE(u.attachments.size(), expectedAttachments);
        for (const Attachment &a : u.attachments)
            QCOMPARE(a.updateId, u.id);
        if (i % 4 == 0) {
            QCOMPARE(u.attachments.at(0).name, QStringLiteral("log-%1.txt").arg(i));
            QCOMPARE(u.attachments.at(0).size, 100 + i);
            QCOMPARE(u.attachments.at(0).sha256, sha('a' + char(i % 6)));
        }
    }
    QCOMPARE(m_store->timeline(424242).error().code, ErrorCode::NotFound);
}

void TestStore::concurrentWritersOneWins()
{
    // Two connections change the same request from the same version at the same time: the first
    // to commit wins, the other gets Conflict, and the loser's retry with the new version is kept.
    auto r = m_store->createRequest({QStringLiteral("Race"), {}, m_alice.id, 0, 0, {}, 0});
    QVERIFY(r);
    const qint64 version = r->version;
    std::atomic<int> otherCode{-1};
    std::atomic<bool> otherStarted{false};
    std::thread other;
    auto first = m_store->transaction([&]() -> Result<Request> {
        auto mine = m_store->setStatus(r->id, RequestStatus::Open, version, m_bob.id);
        if (!mine)
            return mine;
        // The other writer starts while this transaction holds the row (PostgreSQL) or the write
        // lock (SQLite); it must wait for this COMMIT, then see the version has moved.
        other = std::thread([&, url = m_url] {
            Store store;
            if (!store.open(url)) {
                otherCode = 1000;
                return;
            }
            otherStarted = true;
            auto theirs = store.setStatus(r->id, RequestStatus::Waiting, version, m_carol.id);
            otherCode = theirs ? -2 : int(theirs.error().code);
        });
        for (int i = 0; i < 200 && !otherStarted; ++i)
            QThread::msleep(5);
        QThread::msleep(150);
        if (otherCode != -1)
            return makeError(ErrorCode::Internal, QStringLiteral("the other writer did not wait"));
        return mine;
    });
    other.join();
    QVERIFY2(first, qPrintable(first ? QString() : first.error().toString()));
    QCOMPARE(otherCode.load(), int(ErrorCode::Conflict));
    auto now = m_store->request(r->id);
    QCOMPARE(now->status, RequestStatus::Open);
    QCOMPARE(now->version, version + 1);
    // Nothing lost: the loser reloads and applies its change on top.
    auto retry = m_store->setStatus(r->id, RequestStatus::Waiting, now->version, m_carol.id);
    QVERIFY(retry);
    QCOMPARE(retry->version, version + 2);
    QCOMPARE(auditCount(*m_store, QStringLiteral("request.status")), 2);
}

void TestStore::asyncStoreDeliversOnCallerThread()
{
    AsyncStore async;
    QVERIFY(async.workerThread() != QThread::currentThread());
    QList<QString> order;
    QThread *changeThread = nullptr;
    connect(
        &async, &AsyncStore::changed, this,
        [&](const StoreChange &c) {
            changeThread = QThread::currentThread();
            order << QStringLiteral("changed:") + storeChangeKindName(c.kind);
        },
        Qt::DirectConnection);

    QFutureWatcher<Result<void>> openWatcher;
    QSignalSpy opened(&openWatcher, &QFutureWatcherBase::finished);
    openWatcher.setFuture(async.open(m_url));
    QVERIFY(opened.wait(10000));
    QVERIFY(openWatcher.result().ok());

    QThread *ranOn = nullptr;
    QFutureWatcher<Result<Request>> watcher;
    QSignalSpy done(&watcher, &QFutureWatcherBase::finished);
    connect(&watcher, &QFutureWatcherBase::finished, this, [&] { order << QStringLiteral("finished"); });
    watcher.setFuture(async.run<Request>([&](Store &s) {
        ranOn = QThread::currentThread();
        return s.createRequest({QStringLiteral("From the GUI"), {}, m_alice.id, 0, 0, {}, 0});
    }));
    QVERIFY(done.wait(10000));
    QCOMPARE(ranOn, async.workerThread());
    QVERIFY(watcher.result().ok());
    QCOMPARE(watcher.result()->title, QStringLiteral("From the GUI"));
    QCOMPARE(changeThread, QThread::currentThread());
    // A call's own change signal arrives before its result.
    QCOMPARE(order, (QList<QString>{QStringLiteral("changed:request_created"), QStringLiteral("finished")}));

    // QFuture::then with a context runs the continuation on the caller's thread too.
    QThread *continuationThread = nullptr;
    qint64 timelineRequest = 0;
    async.timeline(watcher.result()->id).then(this, [&](const Result<Timeline> &t) {
        continuationThread = QThread::currentThread();
        timelineRequest = t ? t->request.id : -1;
    });
    QTRY_COMPARE_WITH_TIMEOUT(timelineRequest, watcher.result()->id, 10000);
    QCOMPARE(continuationThread, QThread::currentThread());
}

void TestStore::asyncStoreDoesNotBlockCaller()
{
    AsyncStore async;
    async.open(m_url);
    // A slow call on the worker: the caller returns at once and its event loop keeps running.
    QElapsedTimer timer;
    timer.start();
    auto slow = async.run<int>([](Store &) -> Result<int> {
        QThread::msleep(400);
        return 42;
    });
    QVERIFY(timer.elapsed() < 100);
    QVERIFY(!slow.isFinished());
    int ticks = 0;
    QTimer tick;
    connect(&tick, &QTimer::timeout, this, [&] { ++ticks; });
    tick.start(10);
    QFutureWatcher<Result<int>> watcher;
    QSignalSpy done(&watcher, &QFutureWatcherBase::finished);
    watcher.setFuture(slow);
    QVERIFY(done.wait(10000));
    QCOMPARE(watcher.result().value(), 42);
    QVERIFY2(ticks >= 5, qPrintable(QString::number(ticks)));
}

void TestStore::asyncStoreReportsErrors()
{
    {
        AsyncStore notOpen;
        QFutureWatcher<Result<Timeline>> watcher;
        QSignalSpy done(&watcher, &QFutureWatcherBase::finished);
        watcher.setFuture(notOpen.timeline(1));
        QVERIFY(done.wait(10000));
        QCOMPARE(watcher.result().error().code, ErrorCode::Unavailable);
    }
    AsyncStore async;
    QSignalSpy changes(&async, &AsyncStore::changed);
    async.open(m_url);
    QFutureWatcher<Result<Request>> watcher;
    QSignalSpy done(&watcher, &QFutureWatcherBase::finished);
    watcher.setFuture(async.createRequest({QString(), {}, m_alice.id, 0, 0, {}, 0}));
    QVERIFY(done.wait(10000));
    QCOMPARE(watcher.result().error().code, ErrorCode::Invalid);
    QCOMPARE(watcher.result().error().field, QStringLiteral("title"));
    QCOMPARE(changes.count(), 0);
    // A change made through the synchronous store on another connection is not announced here
    // (announcements are per connection); a change through the front is.
    QFutureWatcher<Result<Update>> posted;
    QSignalSpy postedDone(&posted, &QFutureWatcherBase::finished);
    auto r = m_store->createRequest({QStringLiteral("x"), {}, m_alice.id, 0, 0, {}, 0});
    posted.setFuture(async.postUpdate({r->id, m_alice.id, QStringLiteral("hi"), UpdateSource::Desk, {}}));
    QVERIFY(postedDone.wait(10000));
    QVERIFY(posted.result().ok());
    QTRY_COMPARE(changes.count(), 1);
    QCOMPARE(changes.at(0).at(0).value<StoreChange>().kind, StoreChange::Kind::UpdatePosted);
}

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
