#pragma once

#include "core/result.h"
#include "slack/slacktypes.h"
#include "sync/inboundstore.h"

#include <QObject>
#include <QTimer>

#include <functional>

namespace threadline {
class Store;
namespace slack {
struct SlackEvent;
}
} // namespace threadline

namespace threadline::sync {

//! A reply the app owes a person who wrote to it outside a usable request thread.
struct InboundReply
{
    enum class Reason
    {
        OutsideThread, //!< top-level message in the DM
        UnknownThread, //!< a thread that belongs to no request
        ClosedRequest, //!< the request of this thread is closed
        NotFollowing,  //!< the person no longer follows the request of this thread
        UnknownPerson, //!< a Slack user who is not in `people` wrote in a request thread
    };
    Reason reason = Reason::OutsideThread;
    QString channel;   //!< the person's DM with the app
    QString threadTs;  //!< where to answer: the request thread, or the person's own message
    QString messageTs; //!< the person's message that caused it
    QString userId;    //!< the person's Slack user id
    qint64 requestId = 0;
    qint64 conversationId = 0;

    static QString reasonName(Reason reason);
    //! What the app answers (desk text; the outbound side encodes it when sending).
    QString text() const;
};

/*!
 * Applies pending inbox rows to the desk, oldest first, each exactly once: the desk operation and
 * the row's new state commit in ONE transaction (a crash in between rolls both back, so the row is
 * simply applied again on restart). See docs/sync.md, "Inbound", for every rule.
 *
 * Runs on the store's thread in short slices (at most sliceMs per turn of the event loop), so a
 * Socket Mode ack on the same thread is never held up behind a long batch. wake() after a receipt;
 * a deferred row (an edit or delete whose message has not been imported yet) is retried at its
 * not_before; a database failure leaves rows pending and retries with backoff.
 */
class InboundProcessor : public QObject
{
    Q_OBJECT

public:
    //! Records a helpful reply durably; called inside the row's transaction.
    using ReplySink = std::function<Result<void>(const InboundReply &reply)>;

    InboundProcessor(Store *store, const slack::SlackIdentity &self, QObject *parent = nullptr);

    void setIdentity(const slack::SlackIdentity &self) { m_self = self; }
    //! Default: insertReplyJob() (a `reply_outside_thread` job in the fast lane).
    void setReplySink(ReplySink sink) { m_replySink = std::move(sink); }
    //! Records the files of a file_share in a request thread (the files pipeline), inside the row's
    //! transaction, after the update (the caption) was posted. Without one the files are only named
    //! in the update's text.
    using FileSink = std::function<Result<void>(qint64 requestId, qint64 updateId, qint64 conversationId,
                                                const slack::SlackEvent &event)>;
    void setFileSink(FileSink sink) { m_fileSink = std::move(sink); }
    void setSliceMs(int ms) { m_sliceMs = ms; }
    //! How long an edit/delete may wait for the message it concerns to arrive (default 10 min).
    void setDeferLimitMs(qint64 ms) { m_deferLimitMs = ms; }
    void setRetryDelayMs(int ms) { m_retryDelayMs = ms; }

    InboundStore &inbox() { return m_inbox; }

    //! Starts processing from the event loop (and keeps doing so on wake()).
    void start();
    void stop();
    bool isRunning() const { return m_running; }
    //! Something was stored: process soon (coalesced).
    void wake();

    //! Processes due rows synchronously, at most \a maxRows; returns how many were finished
    //! (applied, ignored or failed). For tests and tools; the running processor uses slices.
    Result<int> processDue(int maxRows = 1000);

    //! The default ReplySink: inserts a `reply_outside_thread` job (lane fast, ordering_key
    //! `ch:<channel>`, dedupe_key `outside:<channel>:<messageTs>`) for the outbound scheduler.
    static Result<void> insertReplyJob(Store *store, const InboundReply &reply);

    //! Queues a `refresh_summary` job (maintenance lane) for every open conversation whose summary
    //! shows \a personId (the requester or the assignee of its request), except those with a
    //! post_summary or refresh_summary still pending: that one renders the latest state when it
    //! runs (coalesced, docs/architecture.md invariant 9). \a cause makes the dedupe keys unique.
    //! Inside the caller's transaction; returns the number of jobs queued.
    static Result<int> refreshSummariesShowing(Store *store, qint64 personId, const QString &cause);

Q_SIGNALS:
    //! One row finished (after COMMIT).
    void rowProcessed(qint64 inboxId, threadline::sync::InboxState state, qint64 updateId,
                      const QString &reason);
    //! Nothing due is left (deferred rows may remain).
    void idle();
    //! The database failed; rows stay pending and are retried.
    void failed(const threadline::Error &error);

private:
    struct Outcome
    {
        InboxState state = InboxState::Applied;
        QString reason;
        qint64 updateId = 0;
        bool defer = false; //!< leave pending, retry at notBefore
        qint64 notBefore = 0;
    };
    struct Conversation
    {
        qint64 id = 0;
        qint64 requestId = 0;
        qint64 personId = 0;
        QString state;
        QString requestStatus;
    };

    void onTimer();
    Result<bool> processRow(const InboxRow &row);
    Result<Outcome> apply(const InboxRow &row);
    Result<Outcome> applyMessage(const InboxRow &row, const slack::SlackEvent &ev);
    Result<Outcome> applyEdit(const InboxRow &row, const slack::SlackEvent &ev);
    Result<Outcome> applyDelete(const InboxRow &row, const slack::SlackEvent &ev);
    Result<Outcome> applyUserChange(const InboxRow &row, const slack::SlackEvent &ev);
    Result<Outcome> reply(InboundReply::Reason reason, const slack::SlackEvent &ev, const QString &threadTs,
                          const Conversation *conversation);
    //! An edit/delete whose target is not mapped: wait for the message, or give up.
    Result<Outcome> unmapped(const InboxRow &row, const slack::SlackEvent &ev, const QString &what);
    Result<std::optional<Conversation>> conversationFor(const QString &channel, const QString &threadTs);
    //! Slack text → desk text; ids of unlabelled mentions of unknown users are added to \a unknown.
    QString deskText(const QString &slackText, QStringList *unknown = nullptr);
    //! Queues users.info lookups (SlackUsers::requestLookup), in the row's transaction.
    Result<void> lookUp(const QStringList &slackIds);

    Store *m_store;
    InboundStore m_inbox;
    slack::SlackIdentity m_self;
    ReplySink m_replySink;
    FileSink m_fileSink;
    QTimer m_timer;
    int m_sliceMs = 10;
    int m_retryDelayMs = 1000;
    int m_failures = 0;
    qint64 m_deferLimitMs = 10 * 60'000;
    bool m_running = false;
};

} // namespace threadline::sync
