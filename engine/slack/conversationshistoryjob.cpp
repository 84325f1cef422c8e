#include "slack/conversationshistoryjob.h"

namespace threadline::slack {

ConversationsHistoryJob::ConversationsHistoryJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint,
                                                 const Args &args, QObject *parent)
    : ConversationPageJob(nam, endpoint, QStringLiteral("conversations.history"), args.channel, parent)
{
    if (!args.cursor.isEmpty())
        addArg(QStringLiteral("cursor"), args.cursor);
    if (!args.oldest.isEmpty())
        addArg(QStringLiteral("oldest"), args.oldest);
    if (!args.latest.isEmpty())
        addArg(QStringLiteral("latest"), args.latest);
    if (args.inclusive)
        addArg(QStringLiteral("inclusive"), true);
    addArg(QStringLiteral("limit"), qint64(args.limit));
    if (args.includeAllMetadata)
        addArg(QStringLiteral("include_all_metadata"), true);
}

} // namespace threadline::slack
