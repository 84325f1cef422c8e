#include "sync/planner.h"

#include "core/logging.h"
#include "store/store.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace threadline::sync {

struct Planner::Change
{
    qint64 id = 0;
    QString kind;
    qint64 requestId = 0;
    qint64 updateId = 0;
    qint64 personId = 0;
    qint64 actorId = 0;
};

namespace {

// The conversations holding a live copy (pending or posted) of an update, with their request.
Result<QList<QPair<qint64, qint64>>> liveCopies(Store *store, qint64 updateId)
{
    auto q =
        store->exec(QStringLiteral("SELECT t.conversation_id, c.request_id FROM thread_messages t JOIN "
                                   "conversations c ON c.id = t.conversation_id WHERE t.update_id = ? AND "
                                   "t.state IN ('pending','posted') ORDER BY t.conversation_id"),
                    {updateId});
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    QList<QPair<qint64, qint64>> rows; // conversation, request
    while (q.value()->next())
        rows.append({q.value()->value(0).toLongLong(), q.value()->value(1).toLongLong()});
    return rows;
}

} // namespace

Planner::Planner(Store *store, int catchUpLimit, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_catchUpLimit(catchUpLimit)
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(0);
    connect(&m_timer, &QTimer::timeout, this, &Planner::onTimer);
}

void Planner::schedule()
{
    if (!m_timer.isActive())
        m_timer.start();
}

void Planner::onTimer()
{
    auto r = runOnce();
    if (!r) {
        qCWarning(lcSync) << "planner failed:" << r.error().toString();
        Q_EMIT failed(r.error());
        return;
    }
    if (r.value() > 0)
        schedule(); // more may be waiting; yield to the event loop between batches
}

Result<qint64> Planner::lag()
{
    auto r =
        m_store->scalar(QStringLiteral("SELECT COUNT(*) FROM change_log WHERE id > COALESCE("
                                       "(SELECT position FROM sync_cursors WHERE name = 'planner'), 0)"));
    if (!r)
        return r.error();
    return r.value() ? r.value()->toLongLong() : 0;
}

Result<PruneCounts> Planner::prune(qint64 jobsBefore, int batch)
{
    return m_store->transaction([&]() -> Result<PruneCounts> {
        PruneCounts p;
        // Every reader of the feed keeps a cursor; with none there is no reader yet to wait for.
        auto passed = m_store->scalar(QStringLiteral("SELECT MIN(position) FROM sync_cursors"));
        if (!passed)
            return passed.error();
        if (passed.value() && !passed.value()->isNull()) {
            auto c = m_store->execAffected(
                QStringLiteral("DELETE FROM change_log WHERE id IN (SELECT id FROM change_log WHERE id <= ? "
                               "ORDER BY id LIMIT ?)"),
                {passed.value()->toLongLong(), batch});
            if (!c)
                return c.error();
            p.changes = c.value();
        }
        auto j = m_store->execAffected(
            QStringLiteral("DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 'done' AND "
                           "updated_at < ? LIMIT ?)"),
            {jobsBefore, batch});
        if (!j)
            return j.error();
        p.jobs = j.value();
        // REST idempotency keys past their lifetime (docs/api.md, "Idempotency keys").
        auto k = m_store->pruneIdempotencyKeys(m_store->now() - Store::IdempotencyKeyLifetimeMs, batch);
        if (!k)
            return k.error();
        p.idempotencyKeys = k.value();
        p.more = p.changes >= batch || p.jobs >= batch || p.idempotencyKeys >= batch;
        return p;
    });
}

Result<int> Planner::runOnce(int batch)
{
    m_jobsCreated = 0;
    auto consumed = m_store->transaction([&]() -> Result<int> {
        if (m_store->backend() == DatabaseUrl::Backend::Postgres) {
            if (auto r = m_store->scalar(QStringLiteral("SELECT pg_advisory_xact_lock(746172656103)")); !r)
                return r.error();
        }
        auto cursor =
            m_store->scalar(QStringLiteral("SELECT position FROM sync_cursors WHERE name = 'planner'"));
        if (!cursor)
            return cursor.error();
        const qint64 position = cursor.value() ? cursor.value()->toLongLong() : 0;
        QList<Change> changes;
        {
            auto q =
                m_store->exec(QStringLiteral("SELECT id, kind, request_id, update_id, person_id, actor_id "
                                             "FROM change_log WHERE id > ? ORDER BY id LIMIT ?"),
                              {position, batch});
            if (!q)
                return q.error();
            QueryGuard guard(q.value());
            while (q.value()->next()) {
                Change c;
                c.id = q.value()->value(0).toLongLong();
                c.kind = q.value()->value(1).toString();
                c.requestId = q.value()->value(2).toLongLong();
                c.updateId = q.value()->value(3).toLongLong();
                c.personId = q.value()->value(4).toLongLong();
                c.actorId = q.value()->value(5).toLongLong();
                changes.append(c);
            }
        }
        if (changes.isEmpty())
            return 0;
        for (const Change &c : std::as_const(changes)) {
            if (auto r = plan(c); !r)
                return r.error();
        }
        auto moved = m_store->execAffected(
            cursor.value()
                ? QStringLiteral("UPDATE sync_cursors SET position = ? WHERE name = 'planner'")
                : QStringLiteral("INSERT INTO sync_cursors (position, name) VALUES (?, 'planner')"),
            {changes.constLast().id});
        if (!moved)
            return moved.error();
        return int(changes.size());
    });
    if (!consumed)
        return consumed;
    if (consumed.value() > 0) {
        qCDebug(lcSync) << "planned" << consumed.value() << "changes into" << m_jobsCreated << "jobs";
        Q_EMIT planned(consumed.value(), m_jobsCreated);
    }
    return consumed;
}

Result<void> Planner::plan(const Change &c)
{
    const QString &k = c.kind;
    if (k == QLatin1String("request_created")) {
        auto people = m_store->ids(
            QStringLiteral("SELECT person_id FROM followers WHERE request_id = ? ORDER BY person_id"),
            {c.requestId});
        if (!people)
            return people.error();
        for (qint64 person : std::as_const(people.value())) {
            if (auto r = planFollowing(c.id, c.requestId, person); !r)
                return r;
        }
        return {};
    }
    if (k == QLatin1String("follower_added"))
        return planFollowing(c.id, c.requestId, c.personId);
    if (k == QLatin1String("follower_removed"))
        return planUnfollow(c.id, c.requestId, c.personId);
    if (k == QLatin1String("update_posted"))
        return planUpdatePosted(c.id, c.requestId, c.updateId);
    if (k == QLatin1String("update_edited"))
        return planUpdateEdited(c.id, c.updateId);
    if (k == QLatin1String("update_deleted"))
        return planUpdateDeleted(c.id, c.updateId);
    if (k == QLatin1String("status_changed") || k == QLatin1String("assignee_changed") ||
        k == QLatin1String("title_changed"))
        return planRefresh(c.id, c.requestId);
    // attachment_added: file transfers belong to the files pipeline (not planned here yet).
    return {};
}

Result<qint64> Planner::ensureConversation(qint64 requestId, qint64 personId, bool *created)
{
    const qint64 now = m_store->now();
    auto ins = m_store->execAffected(
        QStringLiteral("INSERT INTO conversations (request_id, person_id, state, created_at, updated_at) "
                       "VALUES (?, ?, 'pending', ?, ?) ON CONFLICT (request_id, person_id) DO NOTHING"),
        {requestId, personId, now, now});
    if (!ins)
        return ins.error();
    *created = ins.value() > 0;
    auto id =
        m_store->scalar(QStringLiteral("SELECT id FROM conversations WHERE request_id = ? AND person_id = ?"),
                        {requestId, personId});
    if (!id)
        return id.error();
    if (!id.value())
        return makeError(ErrorCode::Internal, QStringLiteral("The conversation row vanished"));
    return id.value()->toLongLong();
}

Result<bool> Planner::addJob(const QString &lane, const QString &kind, qint64 requestId,
                             qint64 conversationId, qint64 updateId, const QString &dedupeKey,
                             const QString &payload)
{
    // Fast-lane jobs of a conversation run one at a time in id (= desk) order; maintenance jobs
    // (summary refreshes) touch only the top message and keep their own order.
    const QString ordering = lane == QLatin1String("fast") ? QStringLiteral("c%1").arg(conversationId)
                                                           : QStringLiteral("c%1:m").arg(conversationId);
    NewJob job;
    job.lane = lane;
    job.kind = kind;
    job.orderingKey = ordering;
    job.payload = payload;
    job.dedupeKey = dedupeKey;
    job.requestId = requestId;
    job.conversationId = conversationId;
    job.updateId = updateId;
    auto r = m_store->enqueueJob(job);
    if (!r)
        return r.error();
    m_jobsCreated += r.value() ? 1 : 0;
    return r.value();
}

Result<void> Planner::planFollowing(qint64 changeId, qint64 requestId, qint64 personId)
{
    bool created = false;
    auto conv = ensureConversation(requestId, personId, &created);
    if (!conv)
        return conv.error();
    const qint64 cid = conv.value();
    if (created) {
        auto j = addJob(QStringLiteral("fast"), QStringLiteral("post_summary"), requestId, cid, 0,
                        QStringLiteral("%1:%2:summary").arg(changeId).arg(cid));
        if (!j)
            return j.error();
        return catchUp(changeId, requestId, cid, personId);
    }
    auto state = m_store->scalar(QStringLiteral("SELECT state FROM conversations WHERE id = ?"), {cid});
    if (!state)
        return state.error();
    const QString s = state.value() ? state.value()->toString() : QString();
    if (s == QLatin1String("closed") || s == QLatin1String("closing")) {
        // Following again: the same thread comes back to life.
        auto u = m_store->execAffected(
            QStringLiteral(
                "UPDATE conversations SET state = CASE WHEN summary_ts IS NULL THEN 'pending' ELSE "
                "'active' END, updated_at = ? WHERE id = ?"),
            {m_store->now(), cid});
        if (!u)
            return u.error();
        auto hasSummary =
            m_store->scalar(QStringLiteral("SELECT summary_ts FROM conversations WHERE id = ?"), {cid});
        if (!hasSummary)
            return hasSummary.error();
        const bool posted = hasSummary.value() && !hasSummary.value()->isNull();
        auto j = addJob(posted ? QStringLiteral("maintenance") : QStringLiteral("fast"),
                        posted ? QStringLiteral("refresh_summary") : QStringLiteral("post_summary"),
                        requestId, cid, 0, QStringLiteral("%1:%2:refollow").arg(changeId).arg(cid));
        if (!j)
            return j.error();
        return catchUp(changeId, requestId, cid, personId);
    }
    // Still following (the reason may have changed): refresh the summary unless one is coming.
    auto pending =
        m_store->scalar(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE conversation_id = ? AND "
                                       "kind IN ('post_summary','refresh_summary') AND state = 'pending'"),
                        {cid});
    if (!pending)
        return pending.error();
    if (pending.value() && pending.value()->toLongLong() > 0)
        return {};
    auto j = addJob(QStringLiteral("maintenance"), QStringLiteral("refresh_summary"), requestId, cid, 0,
                    QStringLiteral("%1:%2:refresh").arg(changeId).arg(cid));
    if (!j)
        return j.error();
    return {};
}

Result<void> Planner::catchUp(qint64 changeId, qint64 requestId, qint64 conversationId, qint64 personId)
{
    // The latest catchUpLimit live updates not written by this person and not yet in the thread,
    // among those posted before this change: later ones come with their own update_posted rows.
    auto boundary =
        m_store->scalar(QStringLiteral("SELECT update_id FROM change_log WHERE kind = 'update_posted' AND "
                                       "id < ? ORDER BY id DESC LIMIT 1"),
                        {changeId});
    if (!boundary)
        return boundary.error();
    if (!boundary.value())
        return {};
    const qint64 lastUpdate = boundary.value()->toLongLong();
    QList<qint64> ids;
    qint64 total = 0;
    {
        auto q = m_store->exec(
            QStringLiteral(
                "SELECT u.id FROM updates u WHERE u.request_id = ? AND u.id <= ? AND u.deleted_at IS NULL "
                "AND u.author_id <> ? AND NOT EXISTS (SELECT 1 FROM thread_messages t WHERE "
                "t.conversation_id = ? AND t.update_id = u.id) ORDER BY u.id DESC"),
            {requestId, lastUpdate, personId, conversationId});
        if (!q)
            return q.error();
        QueryGuard guard(q.value());
        while (q.value()->next()) {
            ++total;
            if (ids.size() < m_catchUpLimit)
                ids.prepend(q.value()->value(0).toLongLong());
        }
    }
    if (total > ids.size()) {
        const QString payload =
            QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("earlier"), total - ids.size()}})
                                  .toJson(QJsonDocument::Compact));
        auto j = addJob(QStringLiteral("fast"), QStringLiteral("catch_up"), requestId, conversationId, 0,
                        QStringLiteral("%1:%2:catchup").arg(changeId).arg(conversationId), payload);
        if (!j)
            return j.error();
    }
    for (qint64 id : std::as_const(ids)) {
        if (auto r = addReply(changeId, requestId, conversationId, id); !r)
            return r.error();
        if (m_catchUpHook) {
            auto files = m_catchUpHook(requestId, conversationId, id);
            if (!files)
                return files.error();
            m_jobsCreated += files.value();
        }
    }
    return {};
}

Result<bool> Planner::addReply(qint64 changeId, qint64 requestId, qint64 conversationId, qint64 updateId)
{
    Q_UNUSED(changeId)
    // The thread_messages row is the idempotency key: one copy per (conversation, update), ever.
    auto ins = m_store->execAffected(
        QStringLiteral("INSERT INTO thread_messages (conversation_id, update_id, state, updated_at) "
                       "VALUES (?, ?, 'pending', ?) ON CONFLICT (conversation_id, update_id) DO NOTHING"),
        {conversationId, updateId, m_store->now()});
    if (!ins)
        return ins.error();
    if (ins.value() == 0)
        return false;
    return addJob(QStringLiteral("fast"), QStringLiteral("post_reply"), requestId, conversationId, updateId,
                  QStringLiteral("post:%1:%2").arg(conversationId).arg(updateId));
}

Result<void> Planner::planUpdatePosted(qint64 changeId, qint64 requestId, qint64 updateId)
{
    auto author = m_store->scalar(QStringLiteral("SELECT author_id FROM updates WHERE id = ?"), {updateId});
    if (!author)
        return author.error();
    if (!author.value())
        return {};
    const qint64 authorId = author.value()->toLongLong();
    auto people = m_store->ids(QStringLiteral("SELECT person_id FROM followers WHERE request_id = ? AND "
                                              "person_id <> ? ORDER BY person_id"),
                               {requestId, authorId});
    if (!people)
        return people.error();
    for (qint64 person : std::as_const(people.value())) {
        bool created = false;
        auto conv = ensureConversation(requestId, person, &created);
        if (!conv)
            return conv.error();
        if (created) {
            // A follower whose own change is still ahead in the feed: open the thread now.
            if (auto r = planFollowing(changeId, requestId, person); !r)
                return r;
        }
        if (auto r = addReply(changeId, requestId, conv.value(), updateId); !r)
            return r.error();
    }
    return {};
}

Result<void> Planner::planUpdateEdited(qint64 changeId, qint64 updateId)
{
    auto copies = liveCopies(m_store, updateId);
    if (!copies)
        return copies.error();
    for (const auto &[cid, rid] : std::as_const(copies.value())) {
        // Coalesced: an edit job that has not started yet renders the latest text anyway.
        auto pending =
            m_store->scalar(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE conversation_id = ? AND "
                                           "update_id = ? AND kind = 'update_reply' AND state = 'pending'"),
                            {cid, updateId});
        if (!pending)
            return pending.error();
        if (pending.value() && pending.value()->toLongLong() > 0)
            continue;
        auto j = addJob(QStringLiteral("fast"), QStringLiteral("update_reply"), rid, cid, updateId,
                        QStringLiteral("%1:%2:edit").arg(changeId).arg(cid));
        if (!j)
            return j.error();
    }
    return {};
}

Result<void> Planner::planUpdateDeleted(qint64 changeId, qint64 updateId)
{
    Q_UNUSED(changeId) // deletes are keyed by (conversation, update): one delete per copy, ever
    // The author's own Slack message cannot be deleted by the app: it is retained.
    auto kept =
        m_store->execAffected(QStringLiteral("UPDATE thread_messages SET state = 'retained', updated_at = ? "
                                             "WHERE update_id = ? AND state = 'original'"),
                              {m_store->now(), updateId});
    if (!kept)
        return kept.error();
    auto copies = liveCopies(m_store, updateId);
    if (!copies)
        return copies.error();
    for (const auto &[cid, rid] : std::as_const(copies.value())) {
        auto j = addJob(QStringLiteral("fast"), QStringLiteral("delete_reply"), rid, cid, updateId,
                        QStringLiteral("delete:%1:%2").arg(cid).arg(updateId));
        if (!j)
            return j.error();
    }
    return {};
}

Result<void> Planner::planRefresh(qint64 changeId, qint64 requestId)
{
    auto convs = m_store->ids(
        QStringLiteral(
            "SELECT c.id FROM conversations c WHERE c.request_id = ? AND c.state IN ('pending','active') "
            "AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.conversation_id = c.id AND j.state = 'pending' "
            "AND j.kind IN ('post_summary','refresh_summary')) ORDER BY c.id"),
        {requestId});
    if (!convs)
        return convs.error();
    for (qint64 cid : std::as_const(convs.value())) {
        auto j = addJob(QStringLiteral("maintenance"), QStringLiteral("refresh_summary"), requestId, cid, 0,
                        QStringLiteral("%1:%2:refresh").arg(changeId).arg(cid));
        if (!j)
            return j.error();
    }
    return {};
}

Result<void> Planner::planUnfollow(qint64 changeId, qint64 requestId, qint64 personId)
{
    auto conv =
        m_store->scalar(QStringLiteral("SELECT id FROM conversations WHERE request_id = ? AND person_id = ? "
                                       "AND state IN ('pending','active')"),
                        {requestId, personId});
    if (!conv)
        return conv.error();
    if (!conv.value())
        return {};
    const qint64 cid = conv.value()->toLongLong();
    auto u = m_store->execAffected(
        QStringLiteral("UPDATE conversations SET state = 'closing', updated_at = ? WHERE id = ?"),
        {m_store->now(), cid});
    if (!u)
        return u.error();
    auto j = addJob(QStringLiteral("fast"), QStringLiteral("closing_note"), requestId, cid, 0,
                    QStringLiteral("%1:%2:close").arg(changeId).arg(cid));
    if (!j)
        return j.error();
    return {};
}

} // namespace threadline::sync
