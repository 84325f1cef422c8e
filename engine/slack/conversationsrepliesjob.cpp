#include "slack/conversationsrepliesjob.h"

namespace threadline::slack {

ConversationsRepliesJob::ConversationsRepliesJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint,
                                                 const Args &args, QObject *parent)
    : ConversationPageJob(nam, endpoint, QStringLiteral("conversations.replies"), args.channel, parent)
{
    addArg(QStringLiteral("ts"), args.ts);
    if (!args.cursor.isEmpty())
        addArg(QStringLiteral("cursor"), args.cursor);
    if (!args.oldest.isEmpty())
        addArg(QStringLiteral("oldest"), args.oldest);
    addArg(QStringLiteral("limit"), qint64(args.limit));
    if (args.includeAllMetadata)
        addArg(QStringLiteral("include_all_metadata"), true);
}

} // namespace threadline::slack
