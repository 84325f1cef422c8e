#include "slack/postmessagejob.h"

namespace threadline::slack {

PostMessageJob::PostMessageJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint,
                               const PostMessageArgs &args, QObject *parent)
    : SlackApiJob(nam, endpoint, QStringLiteral("chat.postMessage"), parent)
{
    setChannel(args.channel);
    addArg(QStringLiteral("channel"), args.channel);
    addArg(QStringLiteral("text"), args.text);
    if (!args.threadTs.isEmpty())
        addArg(QStringLiteral("thread_ts"), args.threadTs);
    if (!args.blocks.isEmpty())
        addJsonArg(QStringLiteral("blocks"), args.blocks);
    if (args.metadata)
        addJsonArg(QStringLiteral("metadata"), *args.metadata);
    addArg(QStringLiteral("unfurl_links"), args.unfurlLinks);
    addArg(QStringLiteral("unfurl_media"), args.unfurlMedia);
}

Result<void> PostMessageJob::parseResponse(const QJsonObject &response)
{
    m_channel = jsonString(response, QStringLiteral("channel"));
    m_ts = jsonString(response, QStringLiteral("ts"));
    m_message = SlackMessage::fromJson(response.value(QStringLiteral("message")).toObject());
    if (m_ts.isEmpty())
        return makeError(ErrorCode::Invalid, QStringLiteral("chat.postMessage returned no ts"),
                         QStringLiteral("ts"), QStringLiteral("invalid_response"));
    return {};
}

} // namespace threadline::slack
