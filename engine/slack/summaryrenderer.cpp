#include "slack/summaryrenderer.h"

#include "slack/mrkdwn.h"

#include <QJsonObject>

namespace threadline::slack {

namespace {

QJsonObject mrkdwnText(const QString &text)
{
    return {{QStringLiteral("type"), QStringLiteral("mrkdwn")}, {QStringLiteral("text"), text}};
}

QJsonObject plainText(const QString &text)
{
    return {{QStringLiteral("type"), QStringLiteral("plain_text")},
            {QStringLiteral("text"), text},
            {QStringLiteral("emoji"), true}};
}

QString person(const SummaryPerson &p, const QString &nobody)
{
    const QString mention = mrkdwn::userMention(p.slackUserId);
    if (!p.slackUserId.isEmpty() && mention.startsWith(QLatin1String("<@")))
        return mention;
    if (!p.name.trimmed().isEmpty())
        return mrkdwn::encode(p.name.simplified());
    return QLatin1Char('_') + nobody + QLatin1Char('_');
}

QString field(const QString &label, const QString &encodedValue)
{
    return mrkdwn::truncate(QLatin1Char('*') + label + QStringLiteral("*\n") + encodedValue,
                            SummaryRenderer::MaxFieldText, true);
}

bool isWebUrl(const QUrl &url)
{
    return url.isValid() && (url.scheme() == QLatin1String("https") || url.scheme() == QLatin1String("http"));
}

QString safeBlockIdPart(const QString &id)
{
    QString result;
    for (const QChar c : id) {
        if (c.isLetterOrNumber() || c == QLatin1Char('-') || c == QLatin1Char('_'))
            result += c;
    }
    return result.left(64);
}

} // namespace

QString SummaryRenderer::fallbackText(const RequestSummary &s)
{
    QString text =
        QStringLiteral("Request #") + s.requestId.simplified() + QStringLiteral(": ") + s.title.simplified();
    if (!s.status.isEmpty())
        text += QStringLiteral(" (") + s.status.simplified() + QLatin1Char(')');
    // The people by their desk names: notifications and screen readers read this text, and a
    // rename (Slack's user_change) refreshes it.
    const QString requester = s.requester.name.simplified();
    const QString assignee = s.assignee.name.simplified();
    if (!requester.isEmpty())
        text += QStringLiteral(" — requested by ") + requester;
    if (!assignee.isEmpty())
        text += (requester.isEmpty() ? QStringLiteral(" — assigned to ") : QStringLiteral(", assigned to ")) +
                assignee;
    return mrkdwn::truncate(mrkdwn::encode(text), MaxFallbackText, true);
}

RenderedMessage SummaryRenderer::render(const RequestSummary &s)
{
    RenderedMessage message;
    const QString id = s.requestId.simplified();
    const QString title = s.title.simplified();

    // Header: plain_text is not mrkdwn, so nothing to escape, only to cut.
    message.blocks.append(QJsonObject{
        {QStringLiteral("type"), QStringLiteral("header")},
        {QStringLiteral("text"),
         plainText(mrkdwn::truncate(QLatin1Char('#') + id + QLatin1Char(' ') + title, MaxHeaderText))}});

    QString headline = mrkdwn::encode(title.isEmpty() ? QStringLiteral("(untitled)") : title);
    if (isWebUrl(s.deskLink) && s.deskLink.toString(QUrl::FullyEncoded).size() <= MaxButtonUrl) {
        const QString url = s.deskLink.toString(QUrl::FullyEncoded);
        headline = QStringLiteral("*<") + url + QLatin1Char('|') + mrkdwn::encode(QLatin1Char('#') + id) +
                   QStringLiteral(">* ") + headline;
    } else {
        headline =
            QStringLiteral("*") + mrkdwn::encode(QLatin1Char('#') + id) + QStringLiteral("* ") + headline;
    }
    QJsonArray fields;
    fields.append(mrkdwnText(field(QStringLiteral("Status"), s.status.isEmpty() ? QStringLiteral("_unknown_")
                                                                                : mrkdwn::encode(s.status))));
    fields.append(
        mrkdwnText(field(QStringLiteral("Assignee"), person(s.assignee, QStringLiteral("Unassigned")))));
    fields.append(
        mrkdwnText(field(QStringLiteral("Requester"), person(s.requester, QStringLiteral("Unknown")))));
    if (!s.team.trimmed().isEmpty())
        fields.append(mrkdwnText(field(QStringLiteral("Team"), mrkdwn::encode(s.team.simplified()))));
    message.blocks.append(
        QJsonObject{{QStringLiteral("type"), QStringLiteral("section")},
                    {QStringLiteral("text"), mrkdwnText(mrkdwn::truncate(headline, MaxSectionText, true))},
                    {QStringLiteral("fields"), fields}});

    if (!s.followerReason.trimmed().isEmpty()) {
        message.blocks.append(QJsonObject{
            {QStringLiteral("type"), QStringLiteral("context")},
            {QStringLiteral("elements"), QJsonArray{mrkdwnText(mrkdwn::truncate(
                                             mrkdwn::encode(s.followerReason), MaxSectionText, true))}}});
    }

    if (isWebUrl(s.deskLink) && s.deskLink.toString(QUrl::FullyEncoded).size() <= MaxButtonUrl) {
        const QString blockId = QString(QStringLiteral("tl-req-") + safeBlockIdPart(id) +
                                        QStringLiteral("-v") + QString::number(s.revision))
                                    .left(MaxBlockId);
        QJsonObject button{{QStringLiteral("type"), QStringLiteral("button")},
                           {QStringLiteral("action_id"), QStringLiteral("open_desk")},
                           {QStringLiteral("text"), plainText(QStringLiteral("Open in Threadline"))},
                           {QStringLiteral("url"), s.deskLink.toString(QUrl::FullyEncoded)}};
        message.blocks.append(QJsonObject{{QStringLiteral("type"), QStringLiteral("actions")},
                                          {QStringLiteral("block_id"), blockId},
                                          {QStringLiteral("elements"), QJsonArray{button}}});
    }
    Q_ASSERT(message.blocks.size() <= MaxBlocks);
    message.text = fallbackText(s);
    return message;
}

} // namespace threadline::slack
