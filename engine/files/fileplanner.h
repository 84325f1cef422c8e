#pragma once

#include "core/result.h"
#include "files/filestates.h"

#include <QHash>
#include <QList>

#include <QObject>
#include <QTimer>

namespace threadline {
class Store;
}

namespace threadline::files {

/*!
 * Plans the thread copies of files from the durable change feed (change_log), with a cursor of its
 * own (`sync_cursors` row `files`) that never passes the sync planner's (so the conversations of a
 * change exist when its files are planned):
 * - `update_posted`, `attachment_added`: per stored attachment of the update and per open
 *   conversation of the request except the author's, a `file_shares` row `pending` and a
 *   `file_share` job (maintenance lane, ordering key `c<conversation>:m`);
 * - `update_deleted`: per copy, a `file_unshare` job (pending copies are skipped by it).
 * Rows and jobs are written with the cursor in one transaction; dedupe keys make a re-run harmless.
 */
class FilePlanner : public QObject
{
    Q_OBJECT
public:
    explicit FilePlanner(Store *store, QObject *parent = nullptr);

    //! Plans soon (coalesced).
    void schedule();
    //! Plans up to \a batch change rows now; returns the number of jobs created.
    Result<int> runOnce(int batch = 500);

    /*!
     * The files of every thread of \a requestId, by conversation id (Engine::requestThreads, the
     * REST threads route, the console's thread matrix): per attachment of each update that is in
     * the thread (a copy or the follower's original) or that has a copy row there, its state in
     * that thread, in desk order.
     */
    static Result<QHash<qint64, QList<ThreadFileState>>> threadFiles(Store *store, qint64 requestId);

    /*!
     * The files of \a updateId for a follower's catch-up (called by the sync planner, in its
     * transaction, right after it queued the update's reply for \a conversationId): per stored
     * attachment without a copy in that thread, a `file_shares` row `pending` and a `file_share`
     * job in the **fast** lane with the conversation's fast ordering key (`c<conversation>`), so
     * each file follows its own caption and comes before the next caught-up update (desk order).
     * The same dedupe key as the planner's own share jobs: whichever comes first plans it, once.
     * Returns the number of jobs created.
     */
    static Result<int> planCatchUp(Store *store, qint64 requestId, qint64 conversationId, qint64 updateId);

Q_SIGNALS:
    void planned(int jobs);

private:
    Result<int> planShares(qint64 requestId, qint64 updateId);
    Result<int> planUnshares(qint64 updateId);
    Result<int> enqueueShareJob(const QString &kind, const QString &dedupePrefix, qint64 attachment,
                                qint64 conversation, qint64 requestId, qint64 updateId, qint64 now);

    Store *m_store;
    QTimer m_timer;
};

} // namespace threadline::files
