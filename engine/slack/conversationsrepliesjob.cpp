#include "slack/conversationsrepliesjob.h"

namespace threadline::slack {

ConversationsRepliesJob::ConversationsRepliesJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint,
                                                 const Args &args, QObject *parent)
    : SlackApiJob(nam, endpoint, QStringLiteral("conversations.replies"), parent)
{
    setChannel(args.channel);
    addArg(QStringLiteral("channel"), args.channel);
    addArg(QStringLiteral("ts"), args.ts);
    if (!args.cursor.isEmpty())
        addArg(QStringLiteral("cursor"), args.cursor);
    if (!args.oldest.isEmpty())
        addArg(QStringLiteral("oldest"), args.oldest);
    addArg(QStringLiteral("limit"), qint64(args.limit));
    if (args.includeAllMetadata)
        addArg(QStringLiteral("include_all_metadata"), true);
}

Result<void> ConversationsRepliesJob::parseResponse(const QJsonObject &response)
{
    m_messages = SlackMessage::listFromJson(response.value(QStringLiteral("messages")).toArray());
    m_hasMore = response.value(QStringLiteral("has_more")).toBool();
    m_nextCursor = response.value(QStringLiteral("response_metadata"))
                       .toObject()
                       .value(QStringLiteral("next_cursor"))
                       .toString();
    return {};
}

} // namespace threadline::slack
