#include "sync/threadrenderer.h"

#include "slack/mrkdwn.h"
#include "store/store.h"

namespace threadline::sync {

QString ThreadRenderer::reasonText(const QString &reason, const QString &team)
{
    if (reason == QLatin1String("requester"))
        return QStringLiteral("You are notified because you opened this request.");
    if (reason == QLatin1String("assignee"))
        return QStringLiteral("You are notified because this request is assigned to you.");
    if (reason == QLatin1String("team"))
        return team.isEmpty()
                   ? QStringLiteral("You are notified because your team handles this request.")
                   : QStringLiteral("You are notified because your team %1 handles this request.").arg(team);
    if (reason == QLatin1String("manual"))
        return QStringLiteral("You are notified because you follow this request.");
    return QStringLiteral("You no longer follow this request.");
}

Result<slack::RenderedMessage> ThreadRenderer::summary(Store &store, qint64 conversationId)
{
    auto q = store.exec(
        QStringLiteral(
            "SELECT r.id, r.title, r.status, r.version, rq.slack_id, rq.name, a.slack_id, a.name, t.name, "
            "f.reason FROM conversations c JOIN requests r ON r.id = c.request_id "
            "JOIN people rq ON rq.id = r.requester_id LEFT JOIN people a ON a.id = r.assignee_id "
            "LEFT JOIN teams t ON t.id = r.team_id LEFT JOIN followers f ON f.request_id = c.request_id "
            "AND f.person_id = c.person_id WHERE c.id = ?"),
        {conversationId});
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    if (!q.value()->next())
        return makeError(ErrorCode::NotFound, QStringLiteral("The conversation's request no longer exists"));
    slack::RequestSummary s;
    s.requestId = q.value()->value(0).toString();
    s.title = q.value()->value(1).toString();
    s.status = q.value()->value(2).toString();
    s.revision = q.value()->value(3).toInt();
    s.requester = {q.value()->value(4).toString(), q.value()->value(5).toString()};
    s.assignee = {q.value()->value(6).toString(), q.value()->value(7).toString()};
    s.team = q.value()->value(8).toString();
    s.followerReason = reasonText(q.value()->value(9).toString(), s.team);
    return slack::SummaryRenderer::render(s);
}

Result<QString> ThreadRenderer::updateText(Store &store, qint64 updateId)
{
    auto q =
        store.exec(QStringLiteral("SELECT u.text, p.name FROM updates u JOIN people p ON p.id = u.author_id "
                                  "WHERE u.id = ?"),
                   {updateId});
    if (!q)
        return q.error();
    QueryGuard guard(q.value());
    if (!q.value()->next())
        return makeError(ErrorCode::NotFound, QStringLiteral("The update no longer exists"));
    return updateText(q.value()->value(1).toString(), q.value()->value(0).toString());
}

QString ThreadRenderer::updateText(const QString &authorName, const QString &text)
{
    const QString header = QStringLiteral("*") + slack::mrkdwn::escape(authorName) + QStringLiteral("*\n");
    const QString body = slack::mrkdwn::encode(text);
    return QString(header + slack::mrkdwn::truncate(body, MaxMessageText - int(header.size()), true));
}

QString ThreadRenderer::closingNote()
{
    return QStringLiteral("You no longer follow this request; its updates will not appear here any more.");
}

QString ThreadRenderer::catchUpNote(int earlier)
{
    return earlier == 1 ? QStringLiteral("… 1 earlier update on the desk")
                        : QStringLiteral("… %1 earlier updates on the desk").arg(earlier);
}

} // namespace threadline::sync
