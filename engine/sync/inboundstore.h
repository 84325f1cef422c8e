#pragma once

#include "core/result.h"
#include "slack/slacktypes.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

namespace threadline {
class Store;
}

namespace threadline::sync {

//! What became of an inbox row (inbox.state). Stored by name (inboxStateName()).
enum class InboxState
{
    Pending, //!< stored, not applied yet (processed_at IS NULL)
    Applied, //!< applied to the desk (update_id names the update when there is one)
    Ignored, //!< nothing to do (own echo, unfurl, other event, …); last_error says why
    Failed,  //!< could not be applied (malformed payload, unknown person, …); last_error says why
};

QString inboxStateName(InboxState state);
std::optional<InboxState> inboxStateFromName(const QString &name);

//! One row of the inbox table.
struct InboxRow
{
    qint64 id = 0;
    QString eventId;
    QString channel;
    QString ts;   //!< the ts naming the event's content (see docs/sync.md, "Inbound")
    QString kind; //!< SlackEvent::kindName(), or "invalid"
    QByteArray payload;
    qint64 receivedAt = 0;
    qint64 processedAt = 0; //!< 0 while pending
    InboxState state = InboxState::Pending;
    QString lastError;
    qint64 updateId = 0;
    int attempts = 0;
    qint64 notBefore = 0;
};

//! Result of InboundStore::receive().
struct Receipt
{
    bool inserted = false; //!< false: a duplicate (event_id or channel/ts/kind seen before) — still a success
    QString eventId;
    QString kind;
    InboxState state = InboxState::Pending; //!< the state the row was stored with
};

/*!
 * The inbox table (engine/store schema), used by the inbound side of the sync engine.
 *
 * receive() is the durable receipt: it classifies a Slack payload (SlackEvent::parse) and inserts
 * one row with ONE prepared INSERT … ON CONFLICT DO NOTHING, auto-committed. When it returns Ok the
 * row (or an earlier one with the same event_id or the same channel/ts/kind) is committed, and only
 * then may the caller acknowledge the event to Slack. Own echoes, unfurl-only edits and other events
 * are stored already `ignored`; payloads that cannot be parsed are stored already `failed` with the
 * reason. Everything else is stored `pending` for the InboundProcessor.
 */
class InboundStore
{
public:
    static constexpr qint64 MaxPayloadBytes = 1024 * 1024; //!< larger payloads are stored cut, as failed

    explicit InboundStore(Store *store);

    Store *store() const { return m_store; }

    //! Stores one event_callback payload (or any other Slack payload, stored as ignored).
    //! Fails (and nothing is stored) when the database cannot commit; also refuses to run inside an
    //! open transaction, since a savepoint is not durable.
    Result<Receipt> receive(const QJsonObject &payload, const slack::SlackIdentity &self);
    //! Same for raw bytes (the HTTP body, or a Socket Mode frame's payload): invalid JSON is stored
    //! as a failed row keyed by the bytes' SHA-256.
    Result<Receipt> receive(const QByteArray &payload, const slack::SlackIdentity &self);

    //! Pending rows due at \a now, oldest first.
    Result<QList<InboxRow>> due(qint64 now, int limit);
    //! The earliest not_before of a pending row, nullopt when none is pending.
    Result<std::optional<qint64>> nextDue();

    //! Claims a pending row inside the caller's transaction (sets processed_at). False when the row
    //! is no longer pending (another processor took it): the caller then rolls back and skips it.
    //! On PostgreSQL the UPDATE's row lock makes a second claimer wait, then see it taken.
    Result<bool> claim(qint64 id);
    //! Records the outcome of a claimed row (same transaction as the claim and the desk change).
    Result<void> settle(qint64 id, InboxState state, const QString &reason, qint64 updateId);
    //! Leaves a (claimed) row pending, to be tried again at \a notBefore (attempts + 1).
    Result<void> defer(qint64 id, qint64 notBefore, const QString &reason);

    Result<InboxRow> row(qint64 id);
    Result<std::optional<InboxRow>> rowByEventId(const QString &eventId);
    //! Every row, oldest first (tests, the console's inbox view).
    Result<QList<InboxRow>> rows(int limit = 1000, qint64 afterId = 0);
    //! The latest row for (channel, ts, kind) (kind "" = any).
    Result<std::optional<InboxRow>> rowFor(const QString &channel, const QString &ts,
                                           const QStringList &kinds);
    //! Number of rows per state.
    Result<int> count(InboxState state);
    //! Deletes processed rows received before \a before (dedupe only needs Slack's retry horizon).
    Result<int> prune(qint64 before);

private:
    Result<Receipt> insert(const QString &eventId, const QString &channel, const QString &ts,
                           const QString &kind, const QByteArray &payload, InboxState state,
                           const QString &reason);

    Store *m_store;
};

} // namespace threadline::sync

Q_DECLARE_METATYPE(threadline::sync::InboxState)
