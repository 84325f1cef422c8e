#include "files/fileplanner.h"

#include "core/logging.h"
#include "files/filetransfers.h"
#include "store/store.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace threadline::files {

FilePlanner::FilePlanner(Store *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(0);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        auto r = runOnce();
        if (!r) {
            qCWarning(lcFiles) << "file planning failed:" << r.error().toString();
            m_timer.start(1000);
            return;
        }
        if (r.value() > 0)
            Q_EMIT planned(r.value());
    });
}

void FilePlanner::schedule()
{
    if (!m_timer.isActive())
        m_timer.start();
}

Result<int> FilePlanner::runOnce(int batch)
{
    return m_store->transaction([&]() -> Result<int> {
        auto cursor =
            m_store->scalar(QStringLiteral("SELECT position FROM sync_cursors WHERE name = 'files'"));
        if (!cursor)
            return cursor.error();
        auto limit =
            m_store->scalar(QStringLiteral("SELECT position FROM sync_cursors WHERE name = 'planner'"));
        if (!limit)
            return limit.error();
        const qint64 from = cursor.value() ? cursor.value()->toLongLong() : 0;
        const qint64 upTo = limit.value() ? limit.value()->toLongLong() : 0;
        if (upTo <= from)
            return 0;
        struct Change
        {
            qint64 id;
            QString kind;
            qint64 requestId;
            qint64 updateId;
        };
        QList<Change> changes;
        {
            auto q = m_store->exec(
                QStringLiteral(
                    "SELECT id, kind, request_id, update_id FROM change_log WHERE id > ? AND id <= ? AND "
                    "kind IN ('update_posted','attachment_added','update_deleted') ORDER BY id LIMIT ?"),
                {from, upTo, batch});
            if (!q)
                return q.error();
            QueryGuard guard(q.value());
            while (q.value()->next())
                changes << Change{q.value()->value(0).toLongLong(), q.value()->value(1).toString(),
                                  q.value()->value(2).toLongLong(), q.value()->value(3).toLongLong()};
        }
        int jobs = 0;
        for (const Change &c : changes) {
            auto r = c.kind == QLatin1String("update_deleted") ? planUnshares(c.updateId)
                                                               : planShares(c.requestId, c.updateId);
            if (!r)
                return r.error();
            jobs += r.value();
        }
        // Without matching rows the cursor still moves up to what the sync planner has done.
        const qint64 position = changes.size() == batch ? changes.constLast().id : upTo;
        auto moved = m_store->execAffected(
            cursor.value() ? QStringLiteral("UPDATE sync_cursors SET position = ? WHERE name = 'files'")
                           : QStringLiteral("INSERT INTO sync_cursors (position, name) VALUES (?, 'files')"),
            {position});
        if (!moved)
            return moved.error();
        return jobs;
    });
}

Result<int> FilePlanner::planShares(qint64 requestId, qint64 updateId)
{
    QList<QPair<qint64, qint64>> pairs; // attachment, conversation
    {
        auto q = m_store->exec(
            QStringLiteral(
                "SELECT a.id, c.id FROM attachments a JOIN updates u ON u.id = a.update_id "
                "JOIN conversations c ON c.request_id = u.request_id AND c.person_id <> u.author_id "
                "WHERE a.update_id = ? AND a.state = 'stored' AND u.deleted_at IS NULL AND c.state NOT IN "
                "('closing','closed','failed') AND NOT EXISTS (SELECT 1 FROM file_shares fs WHERE "
                "fs.attachment_id = a.id AND fs.conversation_id = c.id) ORDER BY a.id, c.id"),
            {updateId});
        if (!q)
            return q.error();
        QueryGuard guard(q.value());
        while (q.value()->next())
            pairs << qMakePair(q.value()->value(0).toLongLong(), q.value()->value(1).toLongLong());
    }
    const qint64 now = m_store->now();
    int jobs = 0;
    for (const auto &[attachment, conversation] : pairs) {
        auto row = m_store->execAffected(
            QStringLiteral(
                "INSERT INTO file_shares (attachment_id, conversation_id, state, updated_at) VALUES (?, ?, "
                "'pending', ?) ON CONFLICT DO NOTHING"),
            {attachment, conversation, now});
        if (!row)
            return row.error();
        if (row.value() == 0)
            continue;
        auto job = enqueueShareJob(ShareKind, QStringLiteral("share"), attachment, conversation, requestId,
                                   updateId, now);
        if (!job)
            return job.error();
        jobs += job.value();
    }
    return jobs;
}

Result<int> FilePlanner::enqueueShareJob(const QString &kind, const QString &dedupePrefix, qint64 attachment,
                                         qint64 conversation, qint64 requestId, qint64 updateId, qint64 now)
{
    // One maintenance-lane job per (attachment, conversation), ordered with the conversation's
    // other maintenance work; the dedupe key makes planning the same pair twice a no-op.
    const QJsonObject payload{{QStringLiteral("attachment_id"), attachment}};
    NewJob job;
    job.lane = QStringLiteral("maintenance");
    job.kind = kind;
    job.orderingKey = QStringLiteral("c%1:m").arg(conversation);
    job.payload = QString::fromUtf8(QJsonDocument(payload).toJson(QJsonDocument::Compact));
    job.dedupeKey = QStringLiteral("%1:%2:%3").arg(dedupePrefix).arg(attachment).arg(conversation);
    job.requestId = requestId;
    job.conversationId = conversation;
    job.updateId = updateId;
    job.notBefore = now;
    auto r = m_store->enqueueJob(job);
    if (!r)
        return r.error();
    return r.value() ? 1 : 0;
}

Result<int> FilePlanner::planUnshares(qint64 updateId)
{
    QList<QPair<qint64, qint64>> pairs;
    qint64 requestId = 0;
    {
        auto q = m_store->exec(
            QStringLiteral(
                "SELECT fs.attachment_id, fs.conversation_id, u.request_id FROM file_shares fs JOIN "
                "attachments a ON a.id = fs.attachment_id JOIN updates u ON u.id = a.update_id WHERE "
                "a.update_id = ? AND fs.state IN ('pending','posted','failed') ORDER BY fs.attachment_id, "
                "fs.conversation_id"),
            {updateId});
        if (!q)
            return q.error();
        QueryGuard guard(q.value());
        while (q.value()->next()) {
            pairs << qMakePair(q.value()->value(0).toLongLong(), q.value()->value(1).toLongLong());
            requestId = q.value()->value(2).toLongLong();
        }
    }
    const qint64 now = m_store->now();
    int jobs = 0;
    for (const auto &[attachment, conversation] : pairs) {
        auto job = enqueueShareJob(UnshareKind, QStringLiteral("unshare"), attachment, conversation,
                                   requestId, updateId, now);
        if (!job)
            return job.error();
        jobs += job.value();
    }
    return jobs;
}

Result<int> FilePlanner::planCatchUp(Store *store, qint64 requestId, qint64 conversationId, qint64 updateId)
{
    auto attachmentIds = store->ids(
        QStringLiteral(
            "SELECT a.id FROM attachments a JOIN updates u ON u.id = a.update_id JOIN conversations c ON "
            "c.id = ? AND c.request_id = u.request_id AND c.person_id <> u.author_id WHERE a.update_id = ? "
            "AND a.state = 'stored' AND u.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM file_shares fs "
            "WHERE fs.attachment_id = a.id AND fs.conversation_id = c.id) ORDER BY a.id"),
        {conversationId, updateId});
    if (!attachmentIds)
        return attachmentIds.error();
    const qint64 now = store->now();
    int jobs = 0;
    for (qint64 attachment : std::as_const(attachmentIds.value())) {
        auto row = store->execAffected(
            QStringLiteral(
                "INSERT INTO file_shares (attachment_id, conversation_id, state, updated_at) VALUES (?, ?, "
                "'pending', ?) ON CONFLICT DO NOTHING"),
            {attachment, conversationId, now});
        if (!row)
            return row.error();
        if (row.value() == 0)
            continue;
        const QJsonObject payload{{QStringLiteral("attachment_id"), attachment},
                                  {QStringLiteral("catch_up"), true}};
        NewJob share;
        share.lane = QStringLiteral("fast");
        share.kind = ShareKind;
        share.orderingKey = QStringLiteral("c%1").arg(conversationId);
        share.payload = QString::fromUtf8(QJsonDocument(payload).toJson(QJsonDocument::Compact));
        share.dedupeKey = QStringLiteral("share:%1:%2").arg(attachment).arg(conversationId);
        share.requestId = requestId;
        share.conversationId = conversationId;
        share.updateId = updateId;
        share.notBefore = now;
        auto job = store->enqueueJob(share);
        if (!job)
            return job.error();
        jobs += job.value() ? 1 : 0;
    }
    return jobs;
}

Result<QHash<qint64, QList<ThreadFileState>>> FilePlanner::threadFiles(Store *store, qint64 requestId)
{
    QHash<qint64, QList<ThreadFileState>> out;
    // Every (thread, attachment) pair where the update is in the thread or a copy row exists.
    auto q = store->exec(
        QStringLiteral(
            "SELECT p.conversation_id, a.id, a.update_id, a.name, a.state, a.last_error, u.deleted_at, "
            "tm.state, "
            "fs.state, fs.slack_ts, fs.slack_file_id, fs.last_error FROM (SELECT t.conversation_id, a2.id AS "
            "attachment_id FROM thread_messages t JOIN conversations c ON c.id = t.conversation_id JOIN "
            "attachments a2 ON a2.update_id = t.update_id WHERE c.request_id = ? UNION SELECT "
            "fs2.conversation_id, "
            "fs2.attachment_id FROM file_shares fs2 JOIN conversations c2 ON c2.id = fs2.conversation_id "
            "WHERE "
            "c2.request_id = ?) p JOIN attachments a ON a.id = p.attachment_id JOIN updates u ON u.id = "
            "a.update_id LEFT JOIN thread_messages tm ON tm.conversation_id = p.conversation_id AND "
            "tm.update_id "
            "= a.update_id LEFT JOIN file_shares fs ON fs.attachment_id = a.id AND fs.conversation_id = "
            "p.conversation_id ORDER BY p.conversation_id, a.update_id, a.id"),
        {requestId, requestId});
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    while (q.value()->next()) {
        const QSqlQuery &r = *q.value();
        ThreadFileState f;
        f.attachmentId = r.value(1).toLongLong();
        f.updateId = r.value(2).toLongLong();
        f.name = r.value(3).toString();
        const QString attachmentState = r.value(4).toString();
        const QString attachmentError = r.value(5).toString();
        const bool updateDeleted = !r.value(6).isNull();
        const QString messageState = r.value(7).toString();
        const QString shareState = r.value(8).toString();
        if (!r.value(8).isNull()) {
            f.state = shareState == QLatin1String("posted") ? QStringLiteral("shared") : shareState;
            f.ts = r.value(9).toString();
            f.slackFileId = r.value(10).toString();
            f.lastError = r.value(11).toString();
        } else if (messageState == QLatin1String("original") || messageState == QLatin1String("retained")) {
            f.state = QStringLiteral("original");
        } else if (attachmentState == QLatin1String("refused") ||
                   attachmentState == QLatin1String("failed")) {
            f.state = attachmentState;
            f.lastError = attachmentError;
        } else if (updateDeleted) {
            f.state = QStringLiteral("skipped");
        } else {
            f.state = QStringLiteral("pending"); // downloading, or stored and about to be planned
        }
        out[r.value(0).toLongLong()].append(f);
    }
    return out;
}

} // namespace threadline::files
