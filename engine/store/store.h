#pragma once

#include "core/result.h"
#include "store/databaseurl.h"
#include "store/storetypes.h"

#include <QHash>
#include <QObject>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QVariant>

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

namespace threadline {

//! The request desk store: one database connection (SQLite or PostgreSQL), its schema migrations,
//! a transaction helper and the desk operations.
//!
//! A Store lives on one thread and is used synchronously from it (the engine thread, the daemon).
//! Code on a thread that must not block (the console's GUI thread) uses AsyncStore instead.
//!
//! Every committed change is announced once by changed(), after COMMIT; a rolled-back operation
//! announces nothing. Operations are split by area: store.cpp (connection, transactions, SQL
//! helpers), migrations.cpp (schema), deskstore.cpp (requests, updates, followers, people, teams).
//! Later areas (the sync engine's conversations, jobs and inbox) add their own file the same way.
class Store : public QObject
{
    Q_OBJECT

public:
    // Input limits, in Unicode code points (docs/store.md).
    static constexpr int MaxTitleLength = 200;
    static constexpr int MaxBodyLength = 40000;   //!< Slack's message text limit
    static constexpr int MaxUpdateLength = 40000; //!< Slack's message text limit
    static constexpr int MaxNameLength = 200;     //!< people and team names, attachment file names
    static constexpr int MaxEmailLength = 254;
    static constexpr int MaxPageSize = 200;
    static constexpr int MaxSearchLength = 500;

    explicit Store(QObject *parent = nullptr);
    ~Store() override;

    //! Opens the database at url and brings its schema up to date, all in one transaction.
    //! Fails with SchemaTooNew when the database was written by a newer Threadline.
    Result<void> open(const QString &url);
    void close();
    bool isOpen() const;

    DatabaseUrl::Backend backend() const { return m_url.backend; }
    const DatabaseUrl &url() const { return m_url; }

    //! The schema version this build writes.
    static int latestSchemaVersion();
    //! The schema version of the open database.
    Result<int> schemaVersion();

    //! Clock used for every timestamp the store writes (UTC milliseconds); for tests.
    void setClock(std::function<qint64()> clock);
    qint64 now() const;

    // ---- Transactions --------------------------------------------------------------------------

    //! Runs fn (returning a Result) in one transaction: COMMIT when it succeeds, ROLLBACK when it
    //! fails. Nested calls become savepoints, so a failed inner part rolls back alone.
    //! Changes announced inside are emitted after the outermost COMMIT, in order.
    template<typename F>
    auto transaction(F &&fn) -> decltype(fn());

    //! Like transaction(), for reads that must see one consistent snapshot (several SELECTs):
    //! a deferred transaction on SQLite (no write lock), REPEATABLE READ READ ONLY on PostgreSQL.
    template<typename F>
    auto readTransaction(F &&fn) -> decltype(fn());

    bool inTransaction() const { return m_txDepth > 0; }

    //! Called on this store's thread right before a top-level write transaction begins and right
    //! after it ended (COMMIT or ROLLBACK). The sync engine uses it on SQLite to let inbox receipts
    //! of another connection take the write lock first (docs/sync.md, "Ack path").
    void setWriteHooks(std::function<void()> before, std::function<void()> after);

    // ---- Connection loss ------------------------------------------------------------------------
    //
    // A PostgreSQL restart or a dropped network link ends the connection under the store. The
    // store notices it from the failing statement, and the next statement or transaction outside a
    // transaction opens a new connection first (the same URL and session set-up). Only statements
    // that are safe to repeat are retried at once: BEGIN, and a lone SELECT outside a transaction.
    // A transaction cut off midway is never resumed: the server rolled it back, the caller gets
    // ErrorCode::Unavailable, and whoever ran it (a sync job, an API request, an inbound event
    // not yet acknowledged) tries again later, so nothing is half-written and nothing is lost.

    //! True after a statement failed because the connection was lost, until a reconnect succeeds.
    bool connectionLost() const { return m_connectionLost; }
    //! How many times the store opened a new connection after losing one.
    int reconnectCount() const { return m_reconnects; }

    // ---- Low-level SQL, for the store's own operation files and tools --------------------------

    //! Runs a cached prepared statement with positional (?) bindings. The query stays cached:
    //! read it, then let a QueryGuard (or finish()) release it.
    Result<QSqlQuery *> exec(const QString &sql, const QVariantList &binds = {});
    //! Runs an INSERT … RETURNING id and returns the id.
    Result<qint64> insert(const QString &sql, const QVariantList &binds);
    //! Runs a statement and returns the number of rows it changed.
    Result<int> execAffected(const QString &sql, const QVariantList &binds);
    //! Runs a statement that returns at most one row with one column; nullopt when no row.
    Result<std::optional<QVariant>> scalar(const QString &sql, const QVariantList &binds = {});
    //! Runs a query whose first column is an id and returns the ids in row order.
    Result<QList<qint64>> ids(const QString &sql, const QVariantList &binds = {});

    //! Queues a change to be announced after COMMIT (emitted now when no transaction is open).
    void announce(const StoreChange &change);
    //! Appends an audit log row: who did what to which entity, with JSON snapshots.
    Result<void> audit(qint64 actorId, const QString &action, const QString &entity, qint64 entityId,
                       const QVariantMap &before, const QVariantMap &after);

    QSqlDatabase database() const;

    // ---- People and teams (deskstore.cpp) ------------------------------------------------------

    //! Inserts or updates a person, matched by Slack user id when given, else by email.
    Result<Person> upsertPerson(const PersonInput &input);
    Result<Person> person(qint64 id);
    Result<Person> personBySlackId(const QString &slackId);
    Result<Person> personByEmail(const QString &email);

    Result<Team> upsertTeam(const QString &name);
    Result<Team> team(qint64 id);
    Result<Team> teamByName(const QString &name);
    Result<void> addTeamMember(qint64 teamId, qint64 personId);
    Result<void> removeTeamMember(qint64 teamId, qint64 personId);
    Result<QList<qint64>> teamMembers(qint64 teamId);

    // ---- Requests (deskstore.cpp) --------------------------------------------------------------

    //! Creates a request; its requester, assignee, team members and followerIds follow it with
    //! the matching reasons (one row per person, strongest reason: requester > assignee > team > manual).
    Result<Request> createRequest(const NewRequest &input);
    Result<Request> request(qint64 id);

    //! Field changes with optimistic concurrency: expectedVersion must be the request's current
    //! version, else Conflict. Each bumps the version by one (an unchanged value changes nothing).
    Result<Request> setStatus(qint64 requestId, RequestStatus status, qint64 expectedVersion, qint64 actorId);
    //! assigneeId 0 unassigns. The new assignee follows with reason Assignee; the previous one
    //! keeps following with reason Manual.
    Result<Request> setAssignee(qint64 requestId, qint64 assigneeId, qint64 expectedVersion, qint64 actorId);
    Result<Request> setTitle(qint64 requestId, const QString &title, qint64 expectedVersion, qint64 actorId);

    //! Adds a Manual follower; following already is not an error (returns the existing row).
    Result<Follower> addFollower(qint64 requestId, qint64 personId, qint64 actorId);
    Result<void> removeFollower(qint64 requestId, qint64 personId, qint64 actorId);
    Result<QList<Follower>> followers(qint64 requestId);

    //! Filtered, keyset-paged list: most recently updated first, ties by id descending.
    Result<RequestPage> listRequests(const RequestQuery &query);
    //! One keyset page of the list sorted by `key`, ties by id, both ascending or both descending,
    //! with the query's filters and limit (its text and cursor are not used): the rows after
    //! (afterKey, afterId), or the first page when afterId is 0. Title and assignee read the
    //! version-6 indexes (docs/store.md, "Sorted lists").
    Result<SortedRequestPage> listRequestsSorted(const RequestQuery &filter, RequestSortKey key,
                                                 bool ascending, const QVariant &afterKey = {},
                                                 qint64 afterId = 0);
    //! The statement listRequestsSorted() reads its ids with, and its bindings (for EXPLAIN).
    std::pair<QString, QVariantList> sortedRequestsStatement(const RequestQuery &filter, RequestSortKey key,
                                                             bool ascending, const QVariant &afterKey,
                                                             qint64 afterId) const;

    // ---- Updates (deskstore.cpp) ---------------------------------------------------------------

    Result<Update> postUpdate(const NewUpdate &input);
    //! Edits the text; editing a deleted update is a Conflict; the same text changes nothing.
    Result<Update> editUpdate(qint64 updateId, const QString &text, qint64 actorId);
    //! Soft delete, audited; deleting a deleted update changes nothing and succeeds.
    Result<Update> deleteUpdate(qint64 updateId, qint64 actorId);
    Result<Update> update(qint64 updateId);
    //! One attachment's metadata by id; NotFound when there is none.
    Result<Attachment> attachment(qint64 attachmentId);
    Result<Attachment> addAttachment(qint64 updateId, const Attachment &attachment);

    //! The request, its followers and its updates in desk order with attachment metadata.
    //! Deleted updates are listed (so the desk can show "deleted") with an empty text.
    Result<Timeline> timeline(qint64 requestId);

    // ---- Sync jobs (jobs.cpp) ---------------------------------------------------------------------

    //! Queues a pending job. Returns true when it was inserted, false when a job with the same
    //! dedupe key exists already (then nothing changes).
    Result<bool> enqueueJob(const NewJob &job);

    // ---- Idempotency keys of the REST API (idempotency.cpp) -------------------------------------

    //! How long a key is remembered: a retry after this is a new request (docs/api.md).
    static constexpr qint64 IdempotencyKeyLifetimeMs = 24LL * 3600 * 1000;
    static constexpr int MaxIdempotencyKeyLength = 255;

    //! Inside a write transaction: claims (principalId, key) for the write that follows. Returns
    //! nullopt when the key is new (or its earlier use expired): the caller writes, then stores its
    //! answer with saveIdempotentAnswer() in the same transaction. Returns the stored answer when
    //! the key was used before (fingerprint tells whether it was for the same request). On
    //! PostgreSQL a concurrent claim of the same key waits for the first transaction to end.
    Result<std::optional<IdempotentAnswer>> claimIdempotencyKey(qint64 principalId, const QString &key,
                                                                const QString &fingerprint);
    Result<void> saveIdempotentAnswer(qint64 principalId, const QString &key, const IdempotentAnswer &answer);
    //! Deletes at most batch keys created before `before` (UTC ms); returns how many.
    Result<int> pruneIdempotencyKeys(qint64 before, int batch);

Q_SIGNALS:
    //! A committed change. Carries plain data; never emitted for a rolled-back operation.
    void changed(const threadline::StoreChange &change);

private:
    Result<void> beginTransaction(bool readOnly = false);
    Result<void> commitTransaction();
    void rollbackTransaction();
    Result<void> migrate();
    Result<void> execDdl(const QString &sql);
    Error sqlError(const QSqlError &error, const QString &what) const;
    static bool isConnectionLoss(const QSqlError &error);
    //! The status, assignee and team filters of a request list as SQL conditions on `requests r`
    //! (appended to \a where) with their bindings (appended to \a binds). The text filter is not
    //! among them: it needs the search index (listRequests).
    static void requestFilterConditions(const RequestQuery &query, QStringList &where, QVariantList &binds);
    Result<void> connectDatabase();
    void dropConnection();
    Result<void> reconnect();
    //! Outside a transaction: reconnects first when the last statement lost the connection.
    Result<void> ensureConnected();
    Result<QSqlQuery *> execOnce(const QString &sql, const QVariantList &binds);

    // deskstore.cpp helpers
    Result<Request> loadRequest(qint64 id, const QString &field);
    Result<void> requirePerson(qint64 id, const QString &field);
    Result<void> requireTeam(qint64 id, const QString &field);
    Result<void> setFollowReason(qint64 requestId, qint64 personId, FollowReason reason, qint64 actorId,
                                 bool announceIt);
    Result<Request> changeRequestField(qint64 requestId, qint64 expectedVersion, qint64 actorId,
                                       const QString &column, const QVariant &value, const QString &field,
                                       StoreChange::Kind kind);
    Result<Timeline> loadTimeline(qint64 requestId);
    Result<QList<Attachment>> insertAttachments(qint64 updateId, const QList<Attachment> &attachments);
    //! The update an edit or a delete starts from; the actor must exist (0: the system).
    Result<Update> loadUpdateFor(qint64 updateId, qint64 actorId);
    // The durable change feed (change_log, read by the sync engine's planner; docs/sync.md).
    void appendChangeLog(const StoreChange &change);

    DatabaseUrl m_url;
    QString m_connectionName;
    std::unordered_map<QString, std::unique_ptr<QSqlQuery>> m_queries; //!< prepared once per SQL text
    std::vector<std::unique_ptr<QSqlQuery>> m_retiredQueries; //!< of connections lost, kept until close()
    QList<StoreChange> m_pending;
    QList<qsizetype> m_savepointMarks;
    int m_txDepth = 0;
    std::function<qint64()> m_clock;
    mutable bool m_connectionLost = false; //!< set by sqlError() (const), cleared by reconnect()
    int m_reconnects = 0;
    std::function<void()> m_beforeWrite;
    std::function<void()> m_afterWrite;
    bool m_writeHooked = false;       //!< the open top-level transaction called m_beforeWrite
    bool m_feedLocked = false;        //!< PostgreSQL: this transaction holds the change_log order lock
    std::optional<Error> m_feedError; //!< a change_log insert failed: the transaction must not commit
};

//! Calls finish() on a cached query when leaving scope, so SQLite releases its read lock.
class QueryGuard
{
public:
    explicit QueryGuard(QSqlQuery *query)
        : m_query(query)
    {}
    ~QueryGuard()
    {
        if (m_query)
            m_query->finish();
    }
    QueryGuard(const QueryGuard &) = delete;
    QueryGuard &operator=(const QueryGuard &) = delete;

private:
    QSqlQuery *m_query;
};

template<typename F>
auto Store::readTransaction(F &&fn) -> decltype(fn())
{
    using R = decltype(fn());
    if (auto begun = beginTransaction(true); !begun)
        return R(begun.error());
    R result = fn();
    rollbackTransaction(); // nothing to keep; also ends the snapshot
    return result;
}

template<typename F>
auto Store::transaction(F &&fn) -> decltype(fn())
{
    using R = decltype(fn());
    if (auto begun = beginTransaction(); !begun)
        return R(begun.error());
    R result = fn();
    if (!result) {
        rollbackTransaction();
        return result;
    }
    if (auto committed = commitTransaction(); !committed)
        return R(committed.error());
    return result;
}

} // namespace threadline
