#include "sync/inboundprocessor.h"

#include "core/logging.h"
#include "slack/mrkdwn.h"
#include "slack/slackevent.h"
#include "store/store.h"
#include "sync/slackusers.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>

namespace threadline::sync {

using slack::SlackEvent;
using Kind = SlackEvent::Kind;

namespace {

//! Slack refuses message texts over 40,000 characters: a longer one did not come from Slack.
constexpr qsizetype MaxSlackTextLength = 40000;
const QString kTruncatedMarker = QStringLiteral(" [truncated]");

bool isTransient(const Error &error)
{
    return error.code == ErrorCode::Unavailable;
}

struct Mapping
{
    qint64 updateId = 0;
    qint64 conversationId = 0;
    qint64 personId = 0;
    QString state;
};

Result<std::optional<Mapping>> mappingFor(Store *store, const QString &channel, const QString &ts)
{
    auto q = store->exec(
        QStringLiteral("SELECT tm.update_id, tm.conversation_id, c.person_id, tm.state "
                       "FROM thread_messages tm JOIN conversations c ON c.id = tm.conversation_id "
                       "WHERE tm.slack_ts = ? AND c.channel_id = ?"),
        {ts, channel});
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    std::optional<Mapping> found;
    while (q.value()->next()) {
        Mapping m{q.value()->value(0).toLongLong(), q.value()->value(1).toLongLong(),
                  q.value()->value(2).toLongLong(), q.value()->value(3).toString()};
        // The author's original wins over anything else mapped to the same ts (there is nothing else
        // in a consistent database: a ts names one message of the channel).
        if (!found || m.state == QLatin1String("original"))
            found = m;
    }
    return found;
}

QString fileLines(const QList<slack::SlackFile> &files)
{
    QString lines;
    for (const slack::SlackFile &f : files) {
        QString name = f.name.isEmpty() ? f.title : f.name;
        if (name.isEmpty())
            name = QStringLiteral("unnamed file");
        name.replace(QLatin1Char('\n'), QLatin1Char(' '));
        lines += QStringLiteral("\n[file: %1 — Slack file %2, not transferred yet]")
                     .arg(name.left(200), f.id.left(40));
    }
    return lines;
}

//! With the files pipeline: the files travel as attachments, so a caption needs no file lines and
//! a file shared without one is named in the text.
QString attachedFileLines(const QList<slack::SlackFile> &files, const QString &caption)
{
    if (!caption.trimmed().isEmpty())
        return {};
    QString lines;
    for (const slack::SlackFile &f : files) {
        QString name = f.name.isEmpty() ? f.title : f.name;
        if (name.isEmpty())
            name = QStringLiteral("unnamed file");
        name.replace(QLatin1Char('\n'), QLatin1Char(' '));
        lines += QStringLiteral("\n[file: %1]").arg(name.left(200));
    }
    return lines;
}

} // namespace

QString InboundReply::reasonName(Reason reason)
{
    switch (reason) {
    case Reason::OutsideThread:
        return QStringLiteral("outside_thread");
    case Reason::UnknownThread:
        return QStringLiteral("unknown_thread");
    case Reason::ClosedRequest:
        return QStringLiteral("closed_request");
    case Reason::NotFollowing:
        return QStringLiteral("not_following");
    case Reason::UnknownPerson:
        return QStringLiteral("unknown_person");
    }
    return QStringLiteral("outside_thread");
}

InboundProcessor::InboundProcessor(Store *store, const slack::SlackIdentity &self, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_inbox(store)
    , m_self(self)
{
    qRegisterMetaType<threadline::sync::InboxState>();
    m_replySink = [store](const InboundReply &reply) { return insertReplyJob(store, reply); };
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &InboundProcessor::onTimer);
}

void InboundProcessor::start()
{
    m_running = true;
    m_timer.start(0);
}

void InboundProcessor::stop()
{
    m_running = false;
    m_timer.stop();
}

void InboundProcessor::wake()
{
    if (!m_running)
        return;
    if (!m_timer.isActive() || m_timer.remainingTime() > 0)
        m_timer.start(0);
}

void InboundProcessor::onTimer()
{
    if (!m_running)
        return;
    QElapsedTimer slice;
    slice.start();
    while (slice.elapsed() < m_sliceMs) {
        auto rows = m_inbox.due(m_store->now(), 16);
        if (!rows) {
            const int delay = std::min(m_retryDelayMs << std::min(m_failures++, 6), 60'000);
            qCWarning(lcSync).noquote() << "inbox: cannot read pending rows, retrying in" << delay
                                        << "ms:" << rows.error().toString();
            Q_EMIT failed(rows.error());
            m_timer.start(delay);
            return;
        }
        if (rows.value().isEmpty())
            break;
        for (const InboxRow &row : std::as_const(rows.value())) {
            auto done = processRow(row);
            if (!done) {
                const int delay = std::min(m_retryDelayMs << std::min(m_failures++, 6), 60'000);
                qCWarning(lcSync).noquote() << "inbox: row" << row.id << "not applied, retrying in" << delay
                                            << "ms:" << done.error().toString();
                Q_EMIT failed(done.error());
                m_timer.start(delay);
                return;
            }
            m_failures = 0;
            if (slice.elapsed() >= m_sliceMs) {
                m_timer.start(0); // let acks and other work run, then continue
                return;
            }
        }
    }
    auto next = m_inbox.nextDue();
    if (!next) {
        m_timer.start(m_retryDelayMs);
        return;
    }
    if (next.value()) {
        const qint64 wait = next.value().value() - m_store->now();
        if (wait <= 0) {
            m_timer.start(0);
            return;
        }
        m_timer.start(int(std::min<qint64>(wait, 60'000)));
    }
    Q_EMIT idle();
}

Result<int> InboundProcessor::processDue(int maxRows)
{
    int finished = 0;
    while (finished < maxRows) {
        auto rows = m_inbox.due(m_store->now(), std::min(64, maxRows - finished));
        if (!rows)
            return rows.error();
        if (rows.value().isEmpty())
            break;
        int progressed = 0;
        for (const InboxRow &row : std::as_const(rows.value())) {
            auto done = processRow(row);
            if (!done)
                return done.error();
            if (done.value()) {
                ++finished;
                ++progressed;
            }
        }
        if (progressed == 0)
            break; // only deferred rows are due again: leave them to their not_before
    }
    return finished;
}

Result<bool> InboundProcessor::processRow(const InboxRow &row)
{
    Outcome outcome;
    bool claimed = false;
    auto tx = m_store->transaction([&]() -> Result<void> {
        auto c = m_inbox.claim(row.id);
        if (!c)
            return c.error();
        claimed = c.value();
        if (!claimed)
            return {}; // another processor has it
        // The desk change runs in a savepoint: when it fails for good, it is rolled back alone and
        // the row is settled as failed with the reason, in the same transaction.
        auto applied = m_store->transaction([&]() -> Result<Outcome> { return apply(row); });
        if (!applied) {
            if (isTransient(applied.error()))
                return applied.error();
            outcome = Outcome{};
            outcome.state = InboxState::Failed;
            outcome.reason = applied.error().message;
            if (!applied.error().detail.isEmpty())
                outcome.reason += QStringLiteral(" (") + applied.error().detail.left(300) + QLatin1Char(')');
        } else {
            outcome = applied.value();
        }
        if (outcome.defer)
            return m_inbox.defer(row.id, outcome.notBefore, outcome.reason);
        return m_inbox.settle(row.id, outcome.state, outcome.reason, outcome.updateId);
    });
    if (!tx)
        return tx.error();
    if (!claimed || outcome.defer)
        return false;
    if (outcome.state == InboxState::Failed)
        qCWarning(lcSync).noquote() << "inbox: row" << row.id << row.kind << "failed:" << outcome.reason;
    else
        qCDebug(lcSync).noquote() << "inbox: row" << row.id << row.kind << inboxStateName(outcome.state)
                                  << outcome.reason;
    Q_EMIT rowProcessed(row.id, outcome.state, outcome.updateId, outcome.reason);
    return true;
}

Result<InboundProcessor::Outcome> InboundProcessor::apply(const InboxRow &row)
{
    const Result<SlackEvent> parsed = SlackEvent::parse(row.payload, m_self);
    if (!parsed)
        return Outcome{InboxState::Failed, parsed.error().message, 0, false, 0};
    const SlackEvent &ev = parsed.value();
    switch (ev.kind) {
    case Kind::UserMessage:
    case Kind::FileShare:
        return applyMessage(row, ev);
    case Kind::MessageEdited:
        return applyEdit(row, ev);
    case Kind::MessageDeleted:
    case Kind::ParentTombstoned:
        return applyDelete(row, ev);
    case Kind::UserChanged:
        return applyUserChange(row, ev);
    case Kind::OwnEcho:
        return Outcome{InboxState::Ignored, QStringLiteral("own echo"), 0, false, 0};
    case Kind::UnfurlOnly:
        return Outcome{InboxState::Ignored, QStringLiteral("unfurl only, not an edit"), 0, false, 0};
    case Kind::Ignored:
        break;
    }
    return Outcome{InboxState::Ignored, ev.ignoredReason, 0, false, 0};
}

Result<std::optional<InboundProcessor::Conversation>>
InboundProcessor::conversationFor(const QString &channel, const QString &threadTs)
{
    auto q = m_store->exec(QStringLiteral("SELECT c.id, c.request_id, c.person_id, c.state, r.status "
                                          "FROM conversations c JOIN requests r ON r.id = c.request_id "
                                          "WHERE c.channel_id = ? AND c.summary_ts = ?"),
                           {channel, threadTs});
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    if (!q.value()->next())
        return std::optional<Conversation>();
    Conversation c;
    c.id = q.value()->value(0).toLongLong();
    c.requestId = q.value()->value(1).toLongLong();
    c.personId = q.value()->value(2).toLongLong();
    c.state = q.value()->value(3).toString();
    c.requestStatus = q.value()->value(4).toString();
    return std::optional<Conversation>(c);
}

QString InboundProcessor::deskText(const QString &slackText, QStringList *unknown)
{
    Store *store = m_store;
    return slack::mrkdwn::decode(slackText, [store, unknown, &slackText](const QString &id) {
        auto person = store->personBySlackId(id);
        if (person)
            return person.value().name;
        auto cached = SlackUsers::cachedName(store, id);
        if (cached && cached.value())
            return *cached.value();
        // Not known yet: the placeholder "@U…" now, the name when users.info answers. A mention
        // with its own label ("<@U…|name>") shows the label and needs no lookup.
        if (unknown && slackText.contains(QStringLiteral("<@") + id + QLatin1Char('>')) &&
            !unknown->contains(id))
            unknown->append(id);
        return QString();
    });
}

Result<void> InboundProcessor::lookUp(const QStringList &slackIds)
{
    for (const QString &id : slackIds) {
        if (auto r = SlackUsers::requestLookup(m_store, id); !r)
            return r;
    }
    return {};
}

Result<InboundProcessor::Outcome> InboundProcessor::reply(InboundReply::Reason reason, const SlackEvent &ev,
                                                          const QString &threadTs,
                                                          const Conversation *conversation)
{
    InboundReply r;
    r.reason = reason;
    r.channel = ev.channel;
    r.threadTs = threadTs;
    r.messageTs = ev.ts;
    r.userId = ev.user;
    if (conversation) {
        r.requestId = conversation->requestId;
        r.conversationId = conversation->id;
    }
    if (!m_replySink)
        return Outcome{InboxState::Ignored,
                       QStringLiteral("needs a helpful reply (%1) but no reply sink is set")
                           .arg(InboundReply::reasonName(reason)),
                       0, false, 0};
    if (auto s = m_replySink(r); !s)
        return s.error();
    return Outcome{InboxState::Applied, QStringLiteral("helpful reply: ") + InboundReply::reasonName(reason),
                   0, false, 0};
}

Result<InboundProcessor::Outcome> InboundProcessor::applyMessage(const InboxRow &row, const SlackEvent &ev)
{
    if (ev.channelType != QLatin1String("im") &&
        !(ev.channelType.isEmpty() && ev.channel.startsWith(QLatin1Char('D'))))
        return Outcome{InboxState::Ignored, QStringLiteral("not a direct message with the app"), 0, false, 0};
    if (!ev.isThreadReply())
        return reply(InboundReply::Reason::OutsideThread, ev, ev.ts, nullptr);
    auto conv = conversationFor(ev.channel, ev.threadTs);
    if (!conv)
        return conv.error();
    if (!conv.value()) {
        // A summary in this channel may be posted with its ts not recorded yet: the result is
        // committed after the call, and after a crash only once the intent is reconciled. A reply
        // to it waits for that (up to the defer limit) instead of getting "unknown thread".
        auto waiting = m_store->scalar(
            QStringLiteral("SELECT 1 FROM conversations c WHERE c.channel_id = ? AND c.summary_ts IS NULL "
                           "AND EXISTS (SELECT 1 FROM jobs j WHERE j.conversation_id = c.id AND j.kind = "
                           "'post_summary' AND j.state IN ('pending','in_flight'))"),
            {ev.channel});
        if (!waiting)
            return waiting.error();
        const qint64 now = m_store->now();
        if (waiting.value() && now - row.receivedAt < m_deferLimitMs)
            return Outcome{InboxState::Pending,
                           QStringLiteral("waiting for a summary in this channel to be recorded"), 0, true,
                           now + std::min<qint64>(50LL << std::min(row.attempts, 9), 30'000)};
        return reply(InboundReply::Reason::UnknownThread, ev, ev.threadTs, nullptr);
    }
    const Conversation &c = *conv.value();
    if (c.requestStatus == QLatin1String("closed"))
        return reply(InboundReply::Reason::ClosedRequest, ev, ev.threadTs, &c);
    auto following =
        m_store->scalar(QStringLiteral("SELECT 1 FROM followers WHERE request_id = ? AND person_id = ?"),
                        {c.requestId, c.personId});
    if (!following)
        return following.error();
    if (!following.value() || c.state == QLatin1String("closed") || c.state == QLatin1String("closing"))
        return reply(InboundReply::Reason::NotFollowing, ev, ev.threadTs, &c);

    auto author = m_store->personBySlackId(ev.user);
    if (!author) {
        if (author.error().code == ErrorCode::NotFound || author.error().code == ErrorCode::Invalid) {
            // Nothing reaches the desk (the author is nobody on it), but the person is told so in
            // the thread, and their name is looked up for whoever reads the inbox.
            if (auto l = lookUp({ev.user}); !l)
                return l.error();
            auto r = reply(InboundReply::Reason::UnknownPerson, ev, ev.threadTs, &c);
            if (r && r.value().state == InboxState::Applied)
                r.value().reason = QStringLiteral("unknown person: Slack user %1 is not in the people table; "
                                                  "helpful reply: unknown_person")
                                       .arg(ev.user.left(40));
            return r;
        }
        return author.error();
    }
    if (author.value().id != c.personId)
        return Outcome{InboxState::Failed,
                       QStringLiteral("author mismatch: %1 wrote in the thread of person %2")
                           .arg(ev.user.left(40))
                           .arg(c.personId),
                       0, false, 0};

    auto mapped = mappingFor(m_store, ev.channel, ev.ts);
    if (!mapped)
        return mapped.error();
    if (mapped.value())
        return Outcome{InboxState::Ignored,
                       QStringLiteral("already imported as update %1").arg(mapped.value()->updateId),
                       mapped.value()->updateId, false, 0};
    auto deleted = m_inbox.rowFor(
        ev.channel, ev.ts,
        {SlackEvent::kindName(Kind::MessageDeleted), SlackEvent::kindName(Kind::ParentTombstoned)});
    if (!deleted)
        return deleted.error();
    if (deleted.value())
        return Outcome{InboxState::Ignored, QStringLiteral("deleted in Slack before it was imported"), 0,
                       false, 0};

    if (ev.text.size() > MaxSlackTextLength)
        return Outcome{InboxState::Failed,
                       QStringLiteral("text too long: %1 characters, Slack allows %2")
                           .arg(ev.text.size())
                           .arg(MaxSlackTextLength),
                       0, false, 0};
    QStringList unknown;
    QString text = deskText(ev.text, &unknown);
    const QString files = m_fileSink ? attachedFileLines(ev.files, text) : fileLines(ev.files);
    if (text.trimmed().isEmpty() && files.isEmpty())
        return Outcome{InboxState::Ignored, QStringLiteral("empty message"), 0, false, 0};
    if (text.trimmed().isEmpty())
        text = files.mid(1);
    else
        text += files;
    if (text.size() > Store::MaxUpdateLength) {
        qCInfo(lcSync) << "inbox: a Slack reply of" << text.size() << "characters was truncated for the desk";
        text = slack::mrkdwn::truncate(text, Store::MaxUpdateLength - kTruncatedMarker.size()) +
               kTruncatedMarker;
    }

    NewUpdate input;
    input.requestId = c.requestId;
    input.authorId = c.personId;
    input.text = text;
    input.source = UpdateSource::Slack;
    auto posted = m_store->postUpdate(input);
    if (!posted)
        return posted.error();
    // The author's own message is their conversation's copy: the outbound side fans the update out
    // to every OTHER follower and never posts into this thread (docs/sync.md, "Inbound").
    auto mappedNow = m_store->execAffected(
        QStringLiteral(
            "INSERT INTO thread_messages (conversation_id, update_id, slack_ts, state, updated_at) "
            "VALUES (?, ?, ?, 'original', ?)"),
        {c.id, posted.value().id, ev.ts, m_store->now()});
    if (!mappedNow)
        return mappedNow.error();
    if (m_fileSink && !ev.files.isEmpty())
        if (auto r = m_fileSink(c.requestId, posted.value().id, c.id, ev); !r)
            return r.error();
    if (auto l = lookUp(unknown); !l)
        return l.error();
    return Outcome{InboxState::Applied, QString(), posted.value().id, false, 0};
}

namespace {

//! Orders Slack timestamps ("seconds.micros") without floating point; nullopt when malformed.
std::optional<std::pair<qint64, qint64>> tsOrder(const QString &ts)
{
    const qsizetype dot = ts.indexOf(QLatin1Char('.'));
    bool ok = false;
    const qint64 seconds = (dot < 0 ? ts : ts.left(dot)).toLongLong(&ok);
    if (!ok)
        return std::nullopt;
    qint64 fraction = 0;
    if (dot >= 0) {
        const QString digits = ts.mid(dot + 1).left(9).leftJustified(9, QLatin1Char('0'));
        fraction = digits.toLongLong(&ok);
        if (!ok)
            return std::nullopt;
    }
    return std::make_pair(seconds, fraction);
}

} // namespace

Result<int> InboundProcessor::refreshSummariesShowing(Store *store, qint64 personId, const QString &cause)
{
    QList<std::pair<qint64, qint64>> convs; // conversation, request
    {
        auto q = store->exec(
            QStringLiteral(
                "SELECT c.id, c.request_id FROM conversations c JOIN requests r ON r.id = c.request_id "
                "WHERE (r.requester_id = ? OR r.assignee_id = ?) AND c.state IN ('pending','active') "
                "AND c.summary_ts IS NOT NULL AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.conversation_id "
                "= c.id AND j.state = 'pending' AND j.kind IN ('post_summary','refresh_summary')) "
                "ORDER BY c.id"),
            {personId, personId});
        if (!q)
            return q.error();
        QueryGuard guard(q.value());
        while (q.value()->next())
            convs.append({q.value()->value(0).toLongLong(), q.value()->value(1).toLongLong()});
    }
    int queued = 0;
    for (const auto &[cid, rid] : std::as_const(convs)) {
        NewJob job;
        job.lane = QStringLiteral("maintenance");
        job.kind = QStringLiteral("refresh_summary");
        job.orderingKey = QStringLiteral("c%1:m").arg(cid);
        job.requestId = rid;
        job.conversationId = cid;
        job.dedupeKey = QStringLiteral("%1:%2:refresh").arg(cause).arg(cid);
        auto r = store->enqueueJob(job);
        if (!r)
            return r.error();
        if (r.value())
            ++queued;
    }
    return queued;
}

Result<InboundProcessor::Outcome> InboundProcessor::applyUserChange(const InboxRow &row, const SlackEvent &ev)
{
    const slack::SlackUser &u = ev.profile;
    // Deliveries may arrive out of order (a redelivery after a newer change): a change older than
    // one applied already would bring an old name back.
    if (const auto mine = tsOrder(row.ts)) {
        auto q =
            m_store->exec(QStringLiteral("SELECT ts FROM inbox WHERE channel = ? AND kind = ? AND state = "
                                         "'applied' AND id <> ?"),
                          {row.channel, row.kind, row.id});
        if (!q)
            return q.error();
        QueryGuard guard(q.value());
        while (q.value()->next()) {
            const auto other = tsOrder(q.value()->value(0).toString());
            if (other && *other > *mine)
                return Outcome{InboxState::Ignored,
                               QStringLiteral("older than a profile change applied already"), 0, false, 0};
        }
    }
    const QString name = SlackUsers::displayName(u.displayName, u.realName, u.name);
    if (auto r = SlackUsers::recordProfile(m_store, u.id, name, u.deleted); !r)
        return r.error();
    const QString deactivated = u.deleted ? QStringLiteral(" (deactivated in Slack)") : QString();
    auto person = m_store->personBySlackId(u.id);
    if (!person) {
        if (person.error().code != ErrorCode::NotFound)
            return person.error();
        return Outcome{InboxState::Applied,
                       QStringLiteral("not a desk person: cached Slack name updated") + deactivated, 0, false,
                       0};
    }
    const Person &p = person.value();
    if (name.isEmpty())
        return Outcome{
            InboxState::Applied,
            QStringLiteral("no printable name in the profile: person %1 keeps their name").arg(p.id) +
                deactivated,
            0, false, 0};
    if (name == p.name)
        return Outcome{InboxState::Applied, QStringLiteral("name unchanged") + deactivated, 0, false, 0};
    auto renamed = m_store->upsertPerson({p.slackId, name, p.email, p.isAgent});
    if (!renamed)
        return renamed.error();
    auto refreshed = refreshSummariesShowing(m_store, p.id, QStringLiteral("rename:%1").arg(row.id));
    if (!refreshed)
        return refreshed.error();
    qCInfo(lcSync).noquote() << "inbox: person" << p.id << "renamed from Slack;" << refreshed.value()
                             << "summaries to refresh";
    return Outcome{
        InboxState::Applied,
        QStringLiteral("person %1 renamed; %2 summaries to refresh").arg(p.id).arg(refreshed.value()) +
            deactivated,
        0, false, 0};
}

Result<InboundProcessor::Outcome> InboundProcessor::unmapped(const InboxRow &row, const SlackEvent &ev,
                                                             const QString &what)
{
    auto summary = conversationFor(ev.channel, ev.ts);
    if (!summary)
        return summary.error();
    if (summary.value())
        return Outcome{InboxState::Ignored,
                       QStringLiteral("%1 of a summary (the app's own message)").arg(what), 0, false, 0};
    auto message = m_inbox.rowFor(
        ev.channel, ev.ts, {SlackEvent::kindName(Kind::UserMessage), SlackEvent::kindName(Kind::FileShare)});
    if (!message)
        return message.error();
    const qint64 now = m_store->now();
    const qint64 step = std::min<qint64>(50LL << std::min(row.attempts, 9), 30'000);
    if (message.value()) {
        const InboxRow &m = *message.value();
        if (m.state == InboxState::Pending)
            return Outcome{InboxState::Pending, QStringLiteral("waiting for inbox row %1").arg(m.id), 0, true,
                           now + step};
        return Outcome{InboxState::Ignored,
                       QStringLiteral("%1 of a message that was not imported (%2: %3)")
                           .arg(what, inboxStateName(m.state), m.lastError.left(200)),
                       0, false, 0};
    }
    if (!ev.threadTs.isEmpty() && ev.threadTs != ev.ts) {
        auto conv = conversationFor(ev.channel, ev.threadTs);
        if (!conv)
            return conv.error();
        if (conv.value()) {
            if (now - row.receivedAt < m_deferLimitMs)
                return Outcome{InboxState::Pending, QStringLiteral("waiting for the message to arrive"), 0,
                               true, now + step};
            return Outcome{InboxState::Ignored,
                           QStringLiteral("%1 of a message that never arrived").arg(what), 0, false, 0};
        }
    }
    return Outcome{InboxState::Ignored,
                   QStringLiteral("%1 of a message that is not a request update").arg(what), 0, false, 0};
}

Result<InboundProcessor::Outcome> InboundProcessor::applyEdit(const InboxRow &row, const SlackEvent &ev)
{
    auto mapped = mappingFor(m_store, ev.channel, ev.ts);
    if (!mapped)
        return mapped.error();
    if (!mapped.value())
        return unmapped(row, ev, QStringLiteral("edit"));
    const Mapping &m = *mapped.value();
    if (m.state != QLatin1String("original"))
        return Outcome{InboxState::Ignored,
                       QStringLiteral("edit of a copy posted by the app (state %1)").arg(m.state), m.updateId,
                       false, 0};
    auto author = m_store->personBySlackId(ev.user);
    if (!author && !isTransient(author.error()))
        return Outcome{
            InboxState::Failed,
            QStringLiteral("unknown person: Slack user %1 is not in the people table").arg(ev.user.left(40)),
            0, false, 0};
    if (!author)
        return author.error();
    if (author.value().id != m.personId)
        return Outcome{InboxState::Failed,
                       QStringLiteral("author mismatch: %1 edited a message of person %2")
                           .arg(ev.user.left(40))
                           .arg(m.personId),
                       m.updateId, false, 0};
    auto current = m_store->update(m.updateId);
    if (!current)
        return current.error();
    if (current.value().isDeleted())
        return Outcome{InboxState::Ignored, QStringLiteral("edit of a deleted update"), m.updateId, false, 0};
    if (ev.text.size() > MaxSlackTextLength)
        return Outcome{InboxState::Failed,
                       QStringLiteral("text too long: %1 characters, Slack allows %2")
                           .arg(ev.text.size())
                           .arg(MaxSlackTextLength),
                       m.updateId, false, 0};
    QStringList unknown;
    QString text = deskText(ev.text, &unknown);
    const QString files = m_fileSink ? attachedFileLines(ev.files, text) : fileLines(ev.files);
    text = text.trimmed().isEmpty() ? files.mid(1) : text + files;
    if (text.trimmed().isEmpty())
        return Outcome{InboxState::Ignored, QStringLiteral("edit to an empty text"), m.updateId, false, 0};
    if (text.size() > Store::MaxUpdateLength)
        text = slack::mrkdwn::truncate(text, Store::MaxUpdateLength - kTruncatedMarker.size()) +
               kTruncatedMarker;
    auto edited = m_store->editUpdate(m.updateId, text, m.personId);
    if (!edited)
        return edited.error();
    if (auto l = lookUp(unknown); !l)
        return l.error();
    return Outcome{InboxState::Applied, QString(), m.updateId, false, 0};
}

Result<InboundProcessor::Outcome> InboundProcessor::applyDelete(const InboxRow &row, const SlackEvent &ev)
{
    auto mapped = mappingFor(m_store, ev.channel, ev.ts);
    if (!mapped)
        return mapped.error();
    if (!mapped.value())
        return unmapped(row, ev, QStringLiteral("delete"));
    const Mapping &m = *mapped.value();
    if (m.state != QLatin1String("original") && m.state != QLatin1String("deleted")) {
        qCInfo(lcSync) << "inbox: a delete of an app message reached the inbox as a user delete; ignored";
        return Outcome{InboxState::Ignored,
                       QStringLiteral("delete of a copy posted by the app (state %1)").arg(m.state),
                       m.updateId, false, 0};
    }
    auto current = m_store->update(m.updateId);
    if (!current)
        return current.error();
    // The author's original is gone from Slack: nothing left for the outbound side to retain.
    // Marked first, then the desk delete (docs/sync.md, "Contract with the inbound side", item 3).
    auto marked =
        m_store->execAffected(QStringLiteral("UPDATE thread_messages SET state = 'deleted', updated_at = ? "
                                             "WHERE conversation_id = ? AND update_id = ?"),
                              {m_store->now(), m.conversationId, m.updateId});
    if (!marked)
        return marked.error();
    if (!current.value().isDeleted()) {
        auto deleted = m_store->deleteUpdate(m.updateId, m.personId);
        if (!deleted)
            return deleted.error();
    }
    return Outcome{InboxState::Applied,
                   current.value().isDeleted() ? QStringLiteral("the update was deleted already") : QString(),
                   m.updateId, false, 0};
}

QString InboundReply::text() const
{
    switch (reason) {
    case Reason::OutsideThread:
        return QStringLiteral("Hi! Threadline passes on only replies written in the thread of a request, so "
                              "nobody on the desk will see this message. To add to a request, reply in its "
                              "thread; to ask for something new, open a request with your desk.");
    case Reason::UnknownThread:
        return QStringLiteral("This thread does not belong to a request, so nobody on the desk will see this "
                              "message. Please reply in the thread of the request instead.");
    case Reason::ClosedRequest:
        return QStringLiteral(
            "This request is closed, so your message was not added to it. If you still need "
            "help, please open a new request with your desk.");
    case Reason::NotFollowing:
        return QStringLiteral("You no longer follow this request, so your message was not added to it.");
    case Reason::UnknownPerson:
        return QStringLiteral(
            "Sorry: Threadline could not match your Slack account to anyone on the desk, so your message "
            "was not added to this request and nobody on the desk will see it. Please ask your desk to "
            "add your Slack account, then write it again here.");
    }
    return {};
}

Result<void> InboundProcessor::insertReplyJob(Store *store, const InboundReply &reply)
{
    const QJsonObject payload{
        {QStringLiteral("channel"), reply.channel},
        {QStringLiteral("thread_ts"), reply.threadTs},
        {QStringLiteral("text"), reply.text()},
        {QStringLiteral("reason"), InboundReply::reasonName(reply.reason)},
        {QStringLiteral("message_ts"), reply.messageTs},
        {QStringLiteral("user"), reply.userId},
    };
    // docs/sync.md, "Contract with the inbound side", item 5. The dedupe key makes a replayed row
    // harmless; the inbox row's own transaction already makes it exactly once.
    NewJob job;
    job.lane = QStringLiteral("fast");
    job.kind = QStringLiteral("reply_outside_thread");
    job.orderingKey = QStringLiteral("ch:") + reply.channel;
    job.payload = QString::fromUtf8(QJsonDocument(payload).toJson(QJsonDocument::Compact));
    job.dedupeKey = QStringLiteral("outside:%1:%2").arg(reply.channel, reply.messageTs);
    job.requestId = reply.requestId;
    job.conversationId = reply.conversationId;
    auto r = store->enqueueJob(job);
    if (!r)
        return r.error();
    return {};
}

} // namespace threadline::sync
