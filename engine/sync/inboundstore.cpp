#include "sync/inboundstore.h"

#include "core/logging.h"
#include "slack/slackevent.h"
#include "store/store.h"

#include <QCryptographicHash>
#include <QJsonDocument>

namespace threadline::sync {

using slack::SlackEvent;

namespace {

const QString kColumns =
    QStringLiteral("id, event_id, channel, ts, kind, payload, received_at, processed_at, "
                   "state, last_error, update_id, attempts, not_before");

QVariant nullableText(const QString &s)
{
    return s.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(s);
}

InboxRow readRow(const QSqlQuery *q)
{
    InboxRow r;
    r.id = q->value(0).toLongLong();
    r.eventId = q->value(1).toString();
    r.channel = q->value(2).toString();
    r.ts = q->value(3).toString();
    r.kind = q->value(4).toString();
    r.payload = q->value(5).toString().toUtf8();
    r.receivedAt = q->value(6).toLongLong();
    r.processedAt = q->value(7).isNull() ? 0 : q->value(7).toLongLong();
    r.state = inboxStateFromName(q->value(8).toString()).value_or(InboxState::Failed);
    r.lastError = q->value(9).toString();
    r.updateId = q->value(10).isNull() ? 0 : q->value(10).toLongLong();
    r.attempts = q->value(11).toInt();
    r.notBefore = q->value(12).toLongLong();
    return r;
}

//! The inbox `ts` column: the message's ts for messages, files and deletes (so (channel, ts, kind)
//! is Slack's redelivery key), the message ts plus the edit ts for edits (two edits of one message
//! are two events), plus the event ts for the kinds that are never applied.
QString tsKey(const SlackEvent &ev)
{
    using Kind = SlackEvent::Kind;
    switch (ev.kind) {
    case Kind::UserMessage:
    case Kind::FileShare:
    case Kind::MessageDeleted:
    case Kind::ParentTombstoned:
        return ev.ts;
    case Kind::MessageEdited:
        return ev.ts + QLatin1Char('/') + ev.editTs;
    case Kind::UserChanged:
        return ev.eventTs; // with the user id as the channel: Slack's redelivery key
    case Kind::OwnEcho:
    case Kind::UnfurlOnly:
    case Kind::Ignored:
        break;
    }
    if (ev.ts.isEmpty() && ev.eventTs.isEmpty())
        return {};
    return ev.ts + QLatin1Char('/') + ev.eventTs;
}

//! The payload as text a TEXT column takes on both backends: JSON serialised by Qt never holds a raw
//! NUL (it is escaped), but the bytes of a malformed payload may; PostgreSQL refuses NUL in text.
QString storableText(const QByteArray &payload)
{
    QString text = QString::fromUtf8(payload);
    text.replace(QChar(0), QChar(0xFFFD));
    return text;
}

QString hashKey(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

} // namespace

QString inboxStateName(InboxState state)
{
    switch (state) {
    case InboxState::Pending:
        return QStringLiteral("pending");
    case InboxState::Applied:
        return QStringLiteral("applied");
    case InboxState::Ignored:
        return QStringLiteral("ignored");
    case InboxState::Failed:
        return QStringLiteral("failed");
    }
    return QStringLiteral("failed");
}

std::optional<InboxState> inboxStateFromName(const QString &name)
{
    for (InboxState s : {InboxState::Pending, InboxState::Applied, InboxState::Ignored, InboxState::Failed}) {
        if (inboxStateName(s) == name)
            return s;
    }
    return std::nullopt;
}

InboundStore::InboundStore(Store *store)
    : m_store(store)
{}

Result<Receipt> InboundStore::receive(const QByteArray &payload, const slack::SlackIdentity &self)
{
    if (payload.size() > MaxPayloadBytes) {
        return insert(
            QStringLiteral("invalid:") + hashKey(payload), {}, {}, QStringLiteral("invalid"),
            payload.left(64 * 1024), InboxState::Failed,
            QStringLiteral("The payload is too large (%1 bytes, at most %2); only its start is kept")
                .arg(payload.size())
                .arg(MaxPayloadBytes));
    }
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(payload, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) {
        const QString reason =
            error.error != QJsonParseError::NoError
                ? QStringLiteral("The payload is not valid JSON: %1").arg(error.errorString())
                : QStringLiteral("The payload is not a JSON object");
        return insert(QStringLiteral("invalid:") + hashKey(payload), {}, {}, QStringLiteral("invalid"),
                      payload, InboxState::Failed, reason);
    }
    return receive(document.object(), self);
}

Result<Receipt> InboundStore::receive(const QJsonObject &payload, const slack::SlackIdentity &self)
{
    const QByteArray json = QJsonDocument(payload).toJson(QJsonDocument::Compact);
    if (json.size() > MaxPayloadBytes) {
        return insert(
            QStringLiteral("invalid:") + hashKey(json), {}, {}, QStringLiteral("invalid"),
            json.left(64 * 1024), InboxState::Failed,
            QStringLiteral("The payload is too large (%1 bytes, at most %2); only its start is kept")
                .arg(json.size())
                .arg(MaxPayloadBytes));
    }
    const Result<SlackEvent> parsed = SlackEvent::parse(payload, self);
    if (!parsed.ok()) {
        // Keyed by its own event_id when it has a usable one (so a redelivery is a duplicate), else
        // by the bytes. Stored failed: visible, never retried blindly, never blocking later rows.
        const QJsonValue id = payload.value(QStringLiteral("event_id"));
        const QString eventId = id.isString() && !id.toString().isEmpty() && id.toString().size() <= 200
                                    ? id.toString()
                                    : QStringLiteral("invalid:") + hashKey(json);
        const Error &e = parsed.error();
        QString reason = e.message;
        if (!e.detail.isEmpty() && e.detail != QLatin1String("invalid_event"))
            reason += QStringLiteral(" (") + e.detail + QLatin1Char(')');
        return insert(eventId, {}, {}, QStringLiteral("invalid"), json, InboxState::Failed, reason);
    }
    const SlackEvent &ev = parsed.value();
    using Kind = SlackEvent::Kind;
    QString eventId = ev.eventId;
    if (eventId.isEmpty()) // not an event_callback (app_rate_limited, interactivity, …)
        eventId = QStringLiteral("other:") + hashKey(json);
    InboxState state = InboxState::Pending;
    QString reason;
    switch (ev.kind) {
    case Kind::OwnEcho:
        state = InboxState::Ignored;
        reason = QStringLiteral("own echo");
        break;
    case Kind::UnfurlOnly:
        state = InboxState::Ignored;
        reason = QStringLiteral("unfurl only, not an edit");
        break;
    case Kind::Ignored:
        state = InboxState::Ignored;
        reason = ev.ignoredReason.isEmpty() ? QStringLiteral("not a message event") : ev.ignoredReason;
        break;
    case Kind::UserMessage:
    case Kind::MessageEdited:
    case Kind::MessageDeleted:
    case Kind::ParentTombstoned:
    case Kind::FileShare:
    case Kind::UserChanged:
        break;
    }
    // A user_change names no channel: its row is keyed by the member's id (never a channel id).
    const QString channel = ev.kind == Kind::UserChanged ? ev.user : ev.channel;
    return insert(eventId, channel, tsKey(ev), SlackEvent::kindName(ev.kind), json, state, reason);
}

Result<Receipt> InboundStore::insert(const QString &eventId, const QString &channel, const QString &ts,
                                     const QString &kind, const QByteArray &payload, InboxState state,
                                     const QString &reason)
{
    if (m_store->inTransaction())
        return makeError(ErrorCode::Internal,
                         QStringLiteral("An inbox receipt must commit on its own, not inside a transaction"));
    const qint64 now = m_store->now();
    const bool done = state != InboxState::Pending;
    // One prepared statement, auto-committed. A duplicate (event_id, or channel/ts/kind) inserts
    // nothing and is a success: the first copy is committed already.
    auto affected = m_store->execAffected(
        QStringLiteral(
            "INSERT INTO inbox (event_id, channel, ts, kind, payload, received_at, processed_at, "
            "state, last_error, not_before) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"),
        {eventId, nullableText(channel), nullableText(ts), kind, storableText(payload), now,
         done ? QVariant(now) : QVariant(QMetaType::fromType<qint64>()), inboxStateName(state),
         nullableText(reason), now});
    if (!affected)
        return affected.error();
    Receipt receipt;
    receipt.inserted = affected.value() > 0;
    receipt.eventId = eventId;
    receipt.kind = kind;
    receipt.state = state;
    if (state == InboxState::Failed && receipt.inserted)
        qCWarning(lcSync).noquote() << "inbox: stored a malformed Slack payload as failed:" << reason;
    return receipt;
}

Result<QList<InboxRow>> InboundStore::due(qint64 now, int limit)
{
    auto q = m_store->exec(QStringLiteral("SELECT ") + kColumns +
                               QStringLiteral(" FROM inbox WHERE processed_at IS NULL AND not_before <= ? "
                                              "ORDER BY id LIMIT ?"),
                           {now, limit});
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    QList<InboxRow> rows;
    while (q.value()->next())
        rows.append(readRow(q.value()));
    return rows;
}

Result<std::optional<qint64>> InboundStore::nextDue()
{
    auto v = m_store->scalar(QStringLiteral("SELECT MIN(not_before) FROM inbox WHERE processed_at IS NULL"));
    if (!v)
        return v.error();
    if (!v.value() || v.value()->isNull())
        return std::optional<qint64>();
    return std::optional<qint64>(v.value()->toLongLong());
}

Result<bool> InboundStore::claim(qint64 id)
{
    auto r = m_store->execAffected(
        QStringLiteral("UPDATE inbox SET processed_at = ? WHERE id = ? AND processed_at IS NULL"),
        {m_store->now(), id});
    if (!r)
        return r.error();
    return r.value() == 1;
}

Result<void> InboundStore::settle(qint64 id, InboxState state, const QString &reason, qint64 updateId)
{
    auto r = m_store->execAffected(
        QStringLiteral("UPDATE inbox SET state = ?, processed_at = ?, last_error = ?, update_id = ?, "
                       "attempts = attempts + 1 WHERE id = ?"),
        {inboxStateName(state), m_store->now(), nullableText(reason),
         updateId > 0 ? QVariant(updateId) : QVariant(QMetaType::fromType<qint64>()), id});
    if (!r)
        return r.error();
    if (r.value() != 1)
        return makeError(ErrorCode::NotFound, QStringLiteral("No such inbox row"), QStringLiteral("id"));
    return {};
}

Result<void> InboundStore::defer(qint64 id, qint64 notBefore, const QString &reason)
{
    auto r = m_store->execAffected(
        QStringLiteral("UPDATE inbox SET processed_at = NULL, not_before = ?, last_error = ?, "
                       "attempts = attempts + 1 WHERE id = ?"),
        {notBefore, nullableText(reason), id});
    if (!r)
        return r.error();
    return {};
}

Result<InboxRow> InboundStore::row(qint64 id)
{
    auto q = m_store->exec(QStringLiteral("SELECT ") + kColumns + QStringLiteral(" FROM inbox WHERE id = ?"),
                           {id});
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    if (!q.value()->next())
        return makeError(ErrorCode::NotFound, QStringLiteral("No such inbox row"), QStringLiteral("id"));
    return readRow(q.value());
}

Result<std::optional<InboxRow>> InboundStore::rowByEventId(const QString &eventId)
{
    auto q = m_store->exec(
        QStringLiteral("SELECT ") + kColumns + QStringLiteral(" FROM inbox WHERE event_id = ?"), {eventId});
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    if (!q.value()->next())
        return std::optional<InboxRow>();
    return std::optional<InboxRow>(readRow(q.value()));
}

Result<QList<InboxRow>> InboundStore::rows(int limit, qint64 afterId)
{
    auto q = m_store->exec(QStringLiteral("SELECT ") + kColumns +
                               QStringLiteral(" FROM inbox WHERE id > ? ORDER BY id LIMIT ?"),
                           {afterId, limit});
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    QList<InboxRow> rows;
    while (q.value()->next())
        rows.append(readRow(q.value()));
    return rows;
}

Result<std::optional<InboxRow>> InboundStore::rowFor(const QString &channel, const QString &ts,
                                                     const QStringList &kinds)
{
    auto q = m_store->exec(QStringLiteral("SELECT ") + kColumns +
                               QStringLiteral(" FROM inbox WHERE channel = ? AND ts = ? ORDER BY id"),
                           {channel, ts});
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    std::optional<InboxRow> found;
    while (q.value()->next()) {
        InboxRow r = readRow(q.value());
        if (kinds.isEmpty() || kinds.contains(r.kind))
            found = std::move(r);
    }
    return found;
}

Result<int> InboundStore::count(InboxState state)
{
    auto v = m_store->scalar(QStringLiteral("SELECT COUNT(*) FROM inbox WHERE state = ?"),
                             {inboxStateName(state)});
    if (!v)
        return v.error();
    return v.value() ? v.value()->toInt() : 0;
}

Result<int> InboundStore::prune(qint64 before)
{
    return m_store->execAffected(
        QStringLiteral("DELETE FROM inbox WHERE processed_at IS NOT NULL AND received_at < ?"), {before});
}

} // namespace threadline::sync
